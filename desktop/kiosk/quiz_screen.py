"""QuizScreen: the 'Know the Flow' second screen. Tap a card to put it in the next free place (or
drag it onto a place), tap a placed card to take it back, Check, read why, Start again.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.kiosk.quiz_model import BY_KEY, CARDS, N_SLOTS, ORDER, QuizModel
from desktop.window import theme
from desktop.window.views import microscope

MIME = "application/x-seedsoil-card"
#: The microscope drawing each card shows, and at which moment of it: (drawing, seconds). The
#: invasion drawing tells three cards' steps in turn (enzymes, the cut matrix, the vessel entered).
CARD_DRAWINGS = {
    "mmp": ("shed", 1.9),
    "ecm": ("shed", 5.2),
    "intravasation": ("shed", 7.4),
    "immune": ("transit", 4.6),
    "extravasation": ("extravasate", 5.0),
    "apoptosis": ("apoptosis", 3.7),
}
#: A card's picture at UI scale 1 (16:9, like the microscope).
CARD_PICTURE = QSize(144, 81)


def _card_icon(drawing: str, moment: float, size: QSize, dpr: float) -> QIcon:
    """The drawing in colour, and dimmed (not greyed) for a card already placed."""
    pix = microscope.pixmap(drawing, moment, size, dpr)
    dim = QPixmap(pix.size())
    dim.setDevicePixelRatio(pix.devicePixelRatio())
    dim.fill(QColor(theme.BG))
    p = QPainter(dim)
    p.setOpacity(0.35)
    p.drawPixmap(0, 0, pix)
    p.end()
    icon = QIcon()
    icon.addPixmap(pix, QIcon.Mode.Normal)
    icon.addPixmap(dim, QIcon.Mode.Disabled)
    return icon


class CardButton(QPushButton):
    """A card; a tap places it, a drag carries its key."""

    def __init__(self, key: str, parent=None):
        super().__init__(parent)
        self.key = key
        self._press: QPoint | None = None

    def mousePressEvent(self, ev):
        self._press = ev.position().toPoint()
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev):
        if (
            self._press is not None
            and (ev.position().toPoint() - self._press).manhattanLength() >= QApplication.startDragDistance()
        ):
            self._press = None
            self.setDown(False)
            mime = QMimeData()
            mime.setData(MIME, self.key.encode())
            drag = QDrag(self)
            drag.setMimeData(mime)
            drag.exec(Qt.DropAction.MoveAction)
            return
        super().mouseMoveEvent(ev)


class SlotButton(QPushButton):
    dropped = Signal(int, str)  # slot, card key

    def __init__(self, index: int, parent=None):
        super().__init__(parent)
        self.index = index
        self.setAcceptDrops(True)

    def dragEnterEvent(self, ev):
        if ev.mimeData().hasFormat(MIME):
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        self.dropped.emit(self.index, bytes(ev.mimeData().data(MIME)).decode())
        ev.acceptProposedAction()


class QuizScreen(QWidget):
    checked = Signal(bool)  # solved or not

    def __init__(self, sizes: theme.Sizes, parent=None):
        """The quiz: the pool of cards, the numbered places to put them in, Check and Start again.

        Long: builds the screen's widgets in the order they appear (the title and hint, the pool of
        cards, the numbered places with their marks and notes, the buttons); split, the layout would
        be read out of order."""
        super().__init__(parent)
        self.model = QuizModel()
        self.result: list[bool] | None = None
        s = sizes.scale
        self.title = QLabel()
        self.title.setObjectName("clock")
        self.hint = QLabel()
        self.hint.setObjectName("caption")
        self.hint.setWordWrap(True)
        self.cards = {c.key: CardButton(c.key) for c in CARDS}
        pic = QSize(round(CARD_PICTURE.width() * s), round(CARD_PICTURE.height() * s))
        for key, b in self.cards.items():  # each card shows the drawing of its step
            drawing, moment = CARD_DRAWINGS[key]
            b.drawing = drawing
            b.setIcon(_card_icon(drawing, moment, pic, self.devicePixelRatioF()))
            b.setIconSize(pic)
        self.slots = [SlotButton(i) for i in range(N_SLOTS)]
        pool = QVBoxLayout()
        self.pool_label = QLabel()
        self.pool_label.setObjectName("heading")
        pool.addWidget(self.pool_label)
        for b in self.cards.values():
            b.setObjectName("card")
            b.setStyleSheet("text-align: left;")  # the picture, then its words
            b.clicked.connect(self._on_card_clicked)
            pool.addWidget(b)
        pool.addStretch(1)
        order = QGridLayout()
        self.order_label = QLabel()
        self.order_label.setObjectName("heading")
        order.addWidget(self.order_label, 0, 0, 1, 2)
        self.marks = []
        self.notes = []
        for i, b in enumerate(self.slots):
            b.setObjectName("big")
            b.clicked.connect(self._on_slot_clicked)
            b.dropped.connect(self._on_slot_dropped)
            mark, note = QLabel(), QLabel()
            mark.setObjectName("heading")
            note.setObjectName("dim")
            note.setStyleSheet(f"font-size: {sizes.medium}px;")  # read from two metres
            note.setWordWrap(True)
            order.addWidget(b, 1 + 2 * i, 0)
            order.addWidget(mark, 1 + 2 * i, 1)
            order.addWidget(note, 2 + 2 * i, 0, 1, 2)
            self.marks.append(mark)
            self.notes.append(note)
        order.setColumnStretch(0, 1)
        self.check_button = theme.big_button(self.check)
        self.reset_button = theme.big_button(self.reset)
        self.verdict = QLabel()
        self.verdict.setObjectName("caption")
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(tr("Quiz result"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.verdict, 1)
        cols = QHBoxLayout()
        cols.setSpacing(round(40 * s))
        cols.addLayout(pool, 2)
        cols.addLayout(order, 3)
        lay = QVBoxLayout(self)
        m = round(24 * s)
        lay.setContentsMargins(m, m, m, m)
        lay.setSpacing(round(14 * s))
        lay.addWidget(self.title)
        lay.addWidget(self.hint)
        lay.addLayout(cols, 1)
        lay.addLayout(buttons)
        self.retranslate()

    # --- actions ----------------------------------------------------------------------------------
    def place(self, key: str, slot: int | None = None) -> None:
        self.model.place(key, slot)
        self.result = None
        self.retranslate()

    def take_back(self, slot: int) -> None:
        self.model.remove(slot)
        self.result = None
        self.retranslate()

    def check(self) -> None:
        self.result = self.model.check()
        self.retranslate()
        self.checked.emit(self.model.solved())

    def reset(self) -> None:
        self.model.reset()
        self.result = None
        self.retranslate()

    def _on_card_clicked(self) -> None:
        self.place(self.sender().key)

    def _on_slot_clicked(self) -> None:
        self.take_back(self.sender().index)

    def _on_slot_dropped(self, slot: int, key: str) -> None:
        self.place(key, slot)

    # --- text -------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.verdict.setAccessibleName(tr("Quiz result"))
        self.title.setText(tr("Know the Flow"))
        self.hint.setText(
            tr(
                "Put five steps of spread in the order they happen. One card does not "
                "belong. Tap a card (or drag it) to place it; tap a place to take it back."
            )
        )
        self.pool_label.setText(tr("Cards"))
        self.order_label.setText(tr("The order, first to last"))
        for key, b in self.cards.items():
            text = tr(BY_KEY[key].text)
            b.setText(text)
            b.setAccessibleName(tr("Card: {text}", text=text))
            b.setEnabled(key not in self.model.slots)
        for i, b in enumerate(self.slots):
            key = self.model.slots[i]
            text = tr(BY_KEY[key].text) if key else tr("(empty)")
            b.setText(f"{i + 1}.  {text}")
            b.setAccessibleName(tr("Place {n}: {text}", n=i + 1, text=text))
            ok = None if self.result is None else self.result[i]
            self.marks[i].setText("" if ok is None else ("✓ " + tr("right") if ok else "✗ " + tr("not here")))
            theme.restyle(self.marks[i], "" if ok is None else f"color: {theme.GREEN if ok else theme.ORANGE};")
            note = tr(BY_KEY[key].explanation) if (key and ok is not None) else ""
            if key and ok is False:
                note += " " + (
                    tr("Belongs at place {n}.", n=ORDER.index(key) + 1) if key in ORDER else tr("Leave this card out.")
                )
            self.notes[i].setText(note)
            self.notes[i].setVisible(ok is not None and key is not None)
        self.check_button.setText(tr("Check"))
        self.check_button.setAccessibleName(tr("Check the order"))
        self.check_button.setEnabled(self.model.full())
        self.reset_button.setText(tr("Start again"))
        self.reset_button.setAccessibleName(tr("Start the quiz again"))
        if self.result is None:
            self.verdict.setText(
                "" if self.model.full() else tr("{n} of 5 placed.", n=sum(s is not None for s in self.model.slots))
            )
        elif self.model.solved():
            self.verdict.setText(
                tr("All five in the right order! Increased apoptosis does not belong: cells dying more stops spread.")
            )
        else:
            self.verdict.setText(tr("{n} of 5 in the right place. Read why, then try again.", n=sum(self.result)))
