"""ExactParameterPanel: every parameter of ``sim_core.SPECS`` as an exact number, grouped by the prefix
before the dot, with its unit, range, default, a reset-to-default button and its source on hover.
A value outside the range (or not a number) is refused with one line and the old value stays.
Edits leave as ``parameter_edited``; the controller's ``parameter_changed`` comes back via ``set_value``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.i18n import tr
from desktop.window import theme
from sim_core import SPECS, InputError, check_value


def exact_text(v: float) -> str:
    """A value as typed in a scenario file: shortest text that gives the same float back."""
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def parse_number(text: str) -> float:
    """A number typed by a person ('1e8', '0,5' is refused: one decimal point only)."""
    t = text.strip().replace("_", "")
    return float(t)


class ParamRow:
    """The widgets of one parameter, held together (they sit in their group's grid)."""

    def __init__(self, spec, grid: QGridLayout, r: int, panel: ExactParameterPanel):
        self.spec = spec
        self.value = spec.default
        # the description and citation stay as written in sim_core.model.params (the researcher's reference)
        tip = f"{spec.path}\n{spec.doc}\n" + tr("Source: {cite}", cite=spec.source)
        self.name = QLabel(spec.path.split(".", 1)[1])
        self.edit = QLineEdit()
        self.edit.setAccessibleName(spec.path)
        self.unit = QLabel(spec.unit)
        self.unit.setObjectName("dim")
        self.range = QLabel(f"{spec.lo:g} – {spec.hi:g}")
        self.range.setObjectName("dim")
        self.default = QLabel(f"{spec.default:g}")
        self.default.setObjectName("dim")
        self.reset = QPushButton("↺")
        self.reset.setObjectName("labReset")
        self.reset.setAccessibleName(tr("Reset {path} to its default", path=spec.path))
        for w in (self.name, self.edit, self.unit, self.range, self.default):
            w.setToolTip(tip)
        self.reset.setToolTip(tr("Back to the default, {value}", value=exact_text(spec.default)))
        for c, w in enumerate((self.name, self.edit, self.unit, self.range, self.default, self.reset)):
            grid.addWidget(w, r, c)
        self.edit.editingFinished.connect(lambda: panel._on_row_edited(self))
        self.reset.clicked.connect(lambda: panel._on_row_reset(self))
        self.show(spec.default)

    def show(self, v: float) -> None:
        self.value = float(v)
        self.edit.setText(exact_text(v))
        changed = self.value != self.spec.default
        self.name.setStyleSheet("font-weight: 600;" if changed else "")
        self.reset.setEnabled(changed)


class ExactParameterPanel(QWidget):
    """Emits ``parameter_edited(path, value)`` for accepted edits; ``message`` holds the last refusal."""

    parameter_edited = Signal(str, float)
    message_changed = Signal(str)

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.setObjectName("labParameters")
        self.rows: dict[str, ParamRow] = {}
        self.message = ""
        outer = QVBoxLayout(self)
        m = round(6 * sizes.scale)
        outer.setContentsMargins(m, m, m, m)
        head = QLabel(
            tr("Every parameter, as exact numbers. Hover a name for its source; bold = differs from the default.")
        )
        head.setWordWrap(True)
        head.setObjectName("dim")
        outer.addWidget(head)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.ACCENT};")
        outer.addWidget(self.note)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        groups: dict[str, list] = {}
        for spec in SPECS:
            groups.setdefault(spec.path.split(".", 1)[0], []).append(spec)
        for group, specs in groups.items():
            box = QGroupBox(group)
            grid = QGridLayout(box)
            grid.setHorizontalSpacing(m)
            grid.setVerticalSpacing(max(2, m // 3))
            for c, title in enumerate((tr("parameter"), tr("value"), tr("unit"), tr("range"), tr("default"))):
                lab = QLabel(title)
                lab.setObjectName("dim")
                grid.addWidget(lab, 0, c)
            for r, spec in enumerate(specs, start=1):
                self.rows[spec.path] = ParamRow(spec, grid, r, self)
            grid.setColumnStretch(1, 1)
            for c, px in ((0, 190), (2, 80), (3, 120), (4, 64)):  # the same columns in every group
                grid.setColumnMinimumWidth(c, round(px * sizes.scale))
            lay.addWidget(box)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 1)

    def set_value(self, path: str, value: float) -> None:
        """Show a value the engine now has (from the controller), without emitting an edit."""
        row = self.rows.get(path)
        if row is not None:
            row.show(value)

    def set_values(self, params) -> None:
        for path, row in self.rows.items():
            row.show(params[path])

    def _say(self, text: str) -> None:
        self.message = text
        self.note.setText(text)
        self.message_changed.emit(text)

    def _on_row_edited(self, row: ParamRow) -> None:
        text = row.edit.text()
        path = row.spec.path
        try:
            v = parse_number(text)
        except ValueError:
            self._say(
                tr("{path}: “{text}” is not a number; kept {value}", path=path, text=text, value=exact_text(row.value))
            )
            row.show(row.value)
            return
        if v == row.value:
            row.show(row.value)  # same number typed differently: tidy the text only
            return
        try:
            check_value(path, v)
        except InputError as exc:  # out of range or not finite: refused, the old value stays
            self._say(tr("{path}: {problem}; kept {old}", path=path, problem=exc.problem, old=exact_text(row.value)))
            row.show(row.value)
            return
        self._say("")
        self.parameter_edited.emit(path, v)

    def _on_row_reset(self, row: ParamRow) -> None:
        self._say("")
        self.parameter_edited.emit(row.spec.path, row.spec.default)
