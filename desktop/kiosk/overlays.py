"""Full-window overlays: 'Are you still there?' countdown, the attract caption card, the shortcuts
list and the staff PIN pad. Each covers its parent and dims what is behind it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.window import theme


class Overlay(QWidget):
    """Covers the parent widget and follows its size."""

    def __init__(self, parent: QWidget, dim: float = 0.82):
        super().__init__(parent)
        self._dim = dim
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())
        self.hide()

    def eventFilter(self, obj, ev):
        if obj is self.parent() and ev.type() == QEvent.Type.Resize:
            self.setGeometry(self.parent().rect())
        return False

    def paintEvent(self, ev):
        if self._dim <= 0.0:  # (the attract card's overlay dims nothing: no pass over the window)
            return
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(11, 20, 38, round(255 * self._dim)))

    def popup(self) -> None:
        self.setGeometry(self.parent().rect())
        self.show()
        self.raise_()


def _card(sizes: theme.Sizes) -> tuple[QWidget, QVBoxLayout]:
    card = QWidget()
    card.setObjectName("panel")
    card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    lay = QVBoxLayout(card)
    m = round(36 * sizes.scale)
    lay.setContentsMargins(m, m, m, m)
    lay.setSpacing(round(18 * sizes.scale))
    card.setFixedWidth(round(1000 * sizes.scale))
    return card, lay


def _centre(overlay: QWidget, card: QWidget) -> None:
    outer = QVBoxLayout(overlay)
    outer.addStretch(1)
    outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
    outer.addStretch(1)


class CountdownOverlay(Overlay):
    """'Are you still there?' with the seconds left; any touch (or the button) extends."""

    extend_clicked = Signal()

    def __init__(self, parent: QWidget, sizes: theme.Sizes):
        super().__init__(parent)
        card, lay = _card(sizes)
        self.title = QLabel()
        self.title.setObjectName("clock")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seconds = QLabel()
        self.seconds.setObjectName("caption")
        self.seconds.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seconds.setWordWrap(True)
        self.seconds.setAccessibleName(tr("Seconds left before the exhibit starts over"))
        self.button = theme.big_button(self.extend_clicked.emit)
        for w in (self.title, self.seconds, self.button):
            lay.addWidget(w)
        _centre(self, card)
        self.left = 0
        self.retranslate()

    def show_seconds(self, left: int) -> None:
        self.left = left
        self.seconds.setText(tr("Everything starts over in {n} s. Touch anywhere to keep exploring.", n=left))

    def retranslate(self) -> None:
        self.title.setText(tr("Are you still there?"))
        self.button.setText(tr("I'm still here"))
        self.button.setAccessibleName(tr("Keep exploring"))
        self.seconds.setAccessibleName(tr("Seconds left before the exhibit starts over"))
        self.show_seconds(self.left)


class AttractOverlay(Overlay):
    """A caption card low on the screen over the live model, and 'Touch to explore'."""

    def __init__(self, parent: QWidget, sizes: theme.Sizes):
        super().__init__(parent, dim=0.0)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        card, lay = _card(sizes)
        card.setMaximumWidth(16777215)
        card.setFixedWidth(round(1300 * sizes.scale))
        self.step = QLabel()
        self.step.setObjectName("dim")
        self.step.setStyleSheet(f"font-size: {sizes.medium}px;")
        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName(tr("Story caption"))
        self.invite = QLabel()
        self.invite.setObjectName("clock")
        self.invite.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.step, self.caption, self.invite):
            lay.addWidget(w)
        card.setParent(self)
        self.card = card
        self._width = round(1300 * sizes.scale)
        self._margin = round(24 * sizes.scale)
        #: Returns the rectangle (in this overlay's coordinates) the card must not cover, e.g. the
        #: map's legend, or None; set by the kiosk shell.
        self.keep_clear = None
        self.retranslate()

    def _card_height(self, w: int) -> int:
        """Height of the card at width ``w`` (its text wraps)."""
        self.card.setFixedWidth(max(1, w))
        hint = self.card.heightForWidth(w) if self.card.hasHeightForWidth() else self.card.sizeHint().height()
        return max(hint, self.card.minimumSizeHint().height())

    def place_card(self) -> None:
        """Low and centred; moved right (and narrowed, down to 60 %) to clear ``keep_clear()``. The
        overlay itself takes the card's rectangle, not the whole window: a see-through widget over
        everything made Qt repaint the live map under every change of any widget beneath it (the
        microscope's frames among them). A touch anywhere still only wakes the exhibit: the idle
        watcher swallows the first press while the attract loop runs (``IdleWatcher.eventFilter``)."""
        parent = self.parentWidget()
        pw, ph = parent.width(), parent.height()
        m = self._margin
        w = min(self._width, pw - 2 * m)
        x = (pw - w) // 2
        h = self._card_height(w)
        clear = self.keep_clear() if self.keep_clear is not None else None
        if clear is not None and not clear.isEmpty() and clear.bottom() >= ph - h - m and clear.right() + m > x:
            x = clear.right() + m
            w = max(round(0.6 * self._width), min(w, pw - m - x))
            h = self._card_height(w)
        self.setGeometry(x, ph - h - m, w, h)
        self.card.setGeometry(0, 0, w, h)

    def eventFilter(self, obj, ev):
        if obj is self.parent() and ev.type() == QEvent.Type.Resize:
            self.place_card()
        return False

    def popup(self) -> None:
        super().popup()
        self.place_card()

    def show_step(self, index: int, total: int, text: str) -> None:
        self.step.setText(tr("The journey of one cell · {i} of {n}", i=index + 1, n=total))
        self.caption.setText(text)
        if self.isVisible():
            self.place_card()  # a longer caption makes the card taller

    def retranslate(self) -> None:
        self.invite.setText(tr("Touch to explore"))
        self.caption.setAccessibleName(tr("Story caption"))


class ShortcutsOverlay(Overlay):
    closed = Signal()

    KEYS = (
        ("Space", "Play or pause"),
        ("R", "Reset all"),
        ("Tab / Shift+Tab", "Move between controls"),
        ("← →", "Change the focused slider"),
        ("Q", "Know the Flow quiz"),
        ("E", "Back to exploring"),
        ("L", "Change language"),
        ("M", "Reduce motion on or off"),
        ("?", "Show or hide these keys"),
    )

    def __init__(self, parent: QWidget, sizes: theme.Sizes):
        super().__init__(parent)
        card, lay = _card(sizes)
        self.title = QLabel()
        self.title.setObjectName("clock")
        self.grid = QGridLayout()
        self.labels = []
        for row, (key, what) in enumerate(self.KEYS):
            k, w = QLabel(key), QLabel()
            k.setObjectName("heading")
            self.grid.addWidget(k, row, 0)
            self.grid.addWidget(w, row, 1)
            self.labels.append((w, what))
        self.button = theme.big_button(self._close)
        lay.addWidget(self.title)
        lay.addLayout(self.grid)
        lay.addWidget(self.button)
        _centre(self, card)
        self.retranslate()

    def _close(self) -> None:
        self.hide()
        self.closed.emit()

    def retranslate(self) -> None:
        self.title.setText(tr("Keys"))
        for w, what in self.labels:
            w.setText(tr(what))
        self.button.setText(tr("Close"))
        self.button.setAccessibleName(tr("Close the list of keys"))


class PinPad(Overlay):
    """Digits, OK and Cancel for staff; never shows the PIN itself."""

    entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget, sizes: theme.Sizes):
        super().__init__(parent, dim=0.92)
        card, lay = _card(sizes)
        self.title = QLabel()
        self.title.setObjectName("heading")
        self.dots = QLabel()
        self.dots.setObjectName("clock")
        self.dots.setAccessibleName(tr("Digits entered"))
        grid = QGridLayout()
        self.pin = ""
        self.keys = []
        for i, label in enumerate("123456789C0✓"):
            b = QPushButton(label)
            b.setProperty("key", label)
            b.setObjectName("big")
            b.clicked.connect(self._on_key_clicked)
            grid.addWidget(b, i // 3, i % 3)
            self.keys.append(b)
        lay.addWidget(self.title)
        lay.addWidget(self.dots)
        lay.addLayout(grid)
        _centre(self, card)
        self.retranslate()
        self.set_message(tr("Staff PIN"))

    def retranslate(self) -> None:
        self.dots.setAccessibleName(tr("Digits entered"))
        for b in self.keys:
            label = b.property("key")
            b.setText({"C": "✕ " + tr("Cancel"), "✓": "✓ OK"}.get(label, label))
            b.setAccessibleName({"C": tr("Cancel"), "✓": "OK"}.get(label, tr("Digit {n}", n=label)))

    def set_message(self, text: str) -> None:
        self.title.setText(text)

    def _on_key_clicked(self) -> None:
        k = self.sender().property("key")
        if k == "C":
            self.pin = ""
            self.hide()
            self.cancelled.emit()
        elif k == "✓":
            pin, self.pin = self.pin, ""
            self.entered.emit(pin)
        elif len(self.pin) < 12:
            self.pin += k
        self.dots.setText("•" * len(self.pin))
