"""The parts the two screens that play a run on a timer build alike (the experiment replay,
``desktop/window/panels/experiment_panel.py``, and the Lab's anatomy-or-soil split,
``desktop/lab/anatomy_or_soil.py``): the heading row, the side panel, the caption, the run buttons,
the screen's layout, and the Lab window around such a view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QMainWindow, QPushButton, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.window import theme
from desktop.window.views.legend import glyph_image


def glyph_label(shape: int, color: str, r: float, sizes: theme.Sizes) -> QLabel:
    """A map symbol (``raster`` shape, colour, radius in map pixels) as a 24-px icon, for a key."""
    icon = QLabel()
    icon.setPixmap(QPixmap.fromImage(glyph_image(shape, color, r * sizes.scale, px=round(24 * sizes.scale))))
    return icon


def head_row(view, m: int) -> QHBoxLayout:
    """The heading row: ``view.title``, ``view.info`` (stretching) and ``view.clock``. Makes the
    clock (right-aligned) and the info (dim, wrapping) labels; the view styles them and the title."""
    view.clock = QLabel()
    view.clock.setObjectName("clock")
    view.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    view.info = QLabel()
    view.info.setObjectName("dim")
    view.info.setWordWrap(True)
    head = QHBoxLayout()
    head.setSpacing(m * 3)
    head.addWidget(view.title)
    head.addWidget(view.info, 1)
    head.addWidget(view.clock)
    return head


def panel(layout: QLayout) -> QWidget:
    """``layout`` on a raised panel (the style sheet's ``#panel`` background)."""
    w = theme.as_panel(QWidget())
    w.setLayout(layout)
    return w


def caption_label(css: str, line_px: int) -> QLabel:
    """The caption under the pictures, styled ``css``, with room for about three lines of ``line_px``."""
    caption = QLabel()
    caption.setObjectName("caption")
    caption.setWordWrap(True)
    caption.setStyleSheet(css)
    caption.setMinimumHeight(round(line_px * 2.8))
    return caption


def button_bar() -> tuple[QWidget, QHBoxLayout]:
    """An empty row for buttons, without margins, and its layout."""
    bar = QWidget()
    row = QHBoxLayout(bar)
    row.setContentsMargins(0, 0, 0, 0)
    return bar, row


def add_run_buttons(view, row: QHBoxLayout, spacing: int = 0) -> None:
    """The buttons "Watch again", Run/Pause and "Skip to the end" as ``view.again``, ``view.run_button`` and
    ``view.skip`` at the end of ``row`` (after ``spacing`` px), wired to the view's ``restart``,
    ``toggle_run`` and ``run_to_end``; the kiosk (``view.kiosk``) shows only "Watch again"."""
    view.again = theme.big_button(view.restart)
    view.run_button = theme.big_button(view.toggle_run)
    view.skip = QPushButton()
    view.skip.clicked.connect(view.run_to_end)
    view.run_button.setVisible(not view.kiosk)  # the kiosk just plays; a visitor can watch again
    view.skip.setVisible(not view.kiosk)
    if spacing:
        row.addSpacing(spacing)
    row.addWidget(view.again)
    row.addWidget(view.run_button)
    row.addWidget(view.skip)
    row.addStretch(1)


def show_run_buttons(view, loaded: bool, finished: bool) -> None:
    """Run/Pause and "Skip to the end" as they should be now: ``loaded``, whether there is a run;
    ``finished``, whether it is over."""
    view.run_button.setText(tr("Pause") if view.running else tr("Run"))
    view.run_button.setEnabled(loaded and (view.running or not finished))
    view.skip.setEnabled(loaded and not finished)


def lay_out_screen(view, m: int, head: QLayout, row: QLayout) -> None:
    """The screen top to bottom: ``head``, ``row`` (the pictures, stretching), ``view.caption`` and
    ``view.button_bar``."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(m * 2, m, m * 2, m)
    lay.setSpacing(m)
    lay.addLayout(head)
    lay.addLayout(row, 1)
    lay.addWidget(view.caption)
    lay.addWidget(view.button_bar)


class RunWindow(QMainWindow):
    """A Lab window around one such view (``self.view``, set by the subclass): the parent's type
    sizes (or the screen's), deleted on close when it has a parent, the view paused on close."""

    view: QWidget

    def __init__(self, title: str, parent=None, sizes: theme.Sizes | None = None):
        super().__init__(parent)
        if sizes is None:
            sizes = getattr(parent, "sizes", None) or theme.screen_sizes()
        self.sizes = sizes
        if parent is not None:
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowTitle(title)
        self.setStyleSheet(theme.style_sheet(sizes))

    def closeEvent(self, ev) -> None:
        self.view.pause()
        super().closeEvent(ev)
