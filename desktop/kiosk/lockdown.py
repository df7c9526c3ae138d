"""Lock-down: refuse close requests, swallow the keys that ask to quit, remove every context menu
(including pyqtgraph's "Export…" with its file chooser) and close any file dialog that appears.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

QUIT_KEYS = {
    (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
}


def disable_menus(root: QWidget) -> None:
    """No context menu on any widget under ``root``, and none in any pyqtgraph scene or view box."""
    for w in [root, *root.findChildren(QWidget)]:
        w.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        if isinstance(w, pg.GraphicsView):
            scene = w.scene()
            if scene is not None:
                scene.contextMenu = []  # drops "Export…"
                for item in scene.items():
                    if isinstance(item, (pg.ViewBox, pg.PlotItem)):
                        item.setMenuEnabled(False)


#: The event types the lockdown looks at; the rest go by after one set lookup.
WATCHED = frozenset(
    {
        QEvent.Type.Close,
        QEvent.Type.ContextMenu,
        QEvent.Type.KeyPress,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.Show,
    }
)


class LockdownFilter(QObject):
    """Installed on the QApplication in kiosk mode; ``allow_close`` is set only by the staff exit."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.allow_close = False
        self.refused = 0

    def eventFilter(self, obj, ev) -> bool:
        t = ev.type()
        if t not in WATCHED:  # every event of the application passes here
            return False
        if (
            t == QEvent.Type.Close
            and isinstance(obj, QWidget)
            and obj.isWindow()
            and not self.allow_close
            and not isinstance(obj, (QMenu, QFileDialog))
        ):
            ev.ignore()
            self.refused += 1
            return True
        if t == QEvent.Type.ContextMenu:
            return True
        if t in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and not self.allow_close:
            mods = ev.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if (Qt.Key(ev.key()), mods) in QUIT_KEYS:
                self.refused += 1
                return True
        if (
            t in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease)
            and ev.button() == Qt.MouseButton.RightButton
        ):
            return True  # pyqtgraph opens its menus from right clicks
        if t == QEvent.Type.Show and isinstance(obj, (QFileDialog, QMenu)):
            QTimer.singleShot(0, obj.close)  # belt and braces: nothing may open the file system
        return False
