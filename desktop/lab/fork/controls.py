"""ChangePanel: the control column of fork-and-compare. Says what branch B changes (a one-click
anti-angiogenesis preset, or any parameter set to an exact number with its unit, range and source
shown), how far and in what steps both branches run, and offers run, pause, restart and re-fork.
Like every panel it only emits intents; the window applies them.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.lab.fork.pair import STEP_CHOICES, Change, num_text
from desktop.window import theme
from sim_core import BY_PATH, SPECS


def _dim(text: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setObjectName("dim")
    lab.setWordWrap(True)
    return lab


def _heading(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName("heading")
    return lab


class ChangePanel(QWidget):
    preset_requested = Signal()
    change_requested = Signal(str, float)
    clear_requested = Signal()
    run_toggled = Signal()
    restart_requested = Signal()
    refork_requested = Signal()
    horizon_edited = Signal(float)
    step_edited = Signal(float)
    replicates_edited = Signal(int)

    def __init__(self, sizes: theme.Sizes, parent=None):
        """What branch B changes: the preset, any parameter set exactly, B's changes so far, how
        long and how often to run, the buttons.

        Long: builds the panel's widgets in the order they appear from top to bottom; split, the
        layout would be read out of order."""
        super().__init__(parent)
        self.sizes = sizes
        gap = round(8 * sizes.scale)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(gap + 2, gap, gap + 2, gap)
        lay.setSpacing(round(5 * sizes.scale))
        lay.addWidget(_heading("What branch B changes"))
        self.preset = QPushButton("Anti-angiogenesis on in B")
        self.preset.setObjectName("big")
        self.preset.setAccessibleName("Preset: anti-angiogenic treatment in branch B from the fork day")
        self.preset.clicked.connect(self.preset_requested)
        lay.addWidget(self.preset)
        self.preset_note = _dim("")
        lay.addWidget(self.preset_note)
        lay.addSpacing(gap)
        lay.addWidget(QLabel("…or set any parameter exactly:"))
        self.combo = QComboBox()
        self.combo.setAccessibleName("Parameter to change in branch B")
        self.combo.setMaxVisibleItems(20)
        for spec in SPECS:
            self.combo.addItem(spec.path, spec.path)
        self.combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        lay.addWidget(self.combo)
        self.info = _dim("")
        self.info.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.info)
        row = QHBoxLayout()
        self.value = QLineEdit()
        self.value.setAccessibleName("Exact value for branch B")
        val = QDoubleValidator()
        val.setNotation(QDoubleValidator.Notation.ScientificNotation)
        val.setLocale(QLocale.c())
        self.value.setValidator(val)
        self.value.returnPressed.connect(self._on_set_clicked)
        self.unit = QLabel("")
        self.set_button = QPushButton("Set in B")
        self.set_button.clicked.connect(self._on_set_clicked)
        row.addWidget(self.value, 1)
        row.addWidget(self.unit)
        row.addWidget(self.set_button)
        lay.addLayout(row)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.VERMILLION};")
        self.error.hide()
        lay.addWidget(self.error)
        lay.addSpacing(gap)
        lay.addWidget(_heading("B differs from A in"))
        self.changes = QLabel("")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.changes)
        self.clear = QPushButton("Remove all changes (B = A)")
        self.clear.clicked.connect(self.clear_requested)
        lay.addWidget(self.clear)
        lay.addSpacing(gap)
        lay.addWidget(_heading("Run both branches"))
        grid = QGridLayout()
        grid.addWidget(QLabel("for"), 0, 0)
        self.horizon = QSpinBox()
        self.horizon.setRange(1, 36500)
        self.horizon.setSingleStep(30)
        self.horizon.setSuffix(" days after the fork")
        self.horizon.setAccessibleName("Horizon in days after the fork")
        self.horizon.valueChanged.connect(lambda v: self.horizon_edited.emit(float(v)))
        grid.addWidget(self.horizon, 0, 1)
        grid.addWidget(QLabel("in steps of"), 1, 0)
        self.step = QComboBox()
        self.step.setAccessibleName("Step length, the same for both branches")
        for label, days in STEP_CHOICES:
            self.step.addItem(label, days)
        self.step.currentIndexChanged.connect(lambda i: self.step_edited.emit(float(self.step.itemData(i))))
        grid.addWidget(self.step, 1, 1)
        grid.addWidget(QLabel("replicates"), 2, 0)
        self.replicates = QSpinBox()
        self.replicates.setRange(0, 20)
        self.replicates.setSuffix(" more pairs")
        self.replicates.setAccessibleName("Replicate pairs with other random streams after the fork")
        self.replicates.setToolTip(
            "Each replicate pair starts from the same fork with the same change but "
            "draws its own random numbers afterwards, to tell the effect from chance."
        )
        self.replicates.valueChanged.connect(self.replicates_edited)
        grid.addWidget(self.replicates, 2, 1)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        buttons = QHBoxLayout()
        self.run = QPushButton("Run")
        self.run.setObjectName("big")
        self.run.clicked.connect(self.run_toggled)
        self.restart = QPushButton("Restart at fork")
        self.restart.setToolTip("Both branches back to the fork point, with B's changes.")
        self.restart.clicked.connect(self.restart_requested)
        buttons.addWidget(self.run, 1)
        buttons.addWidget(self.restart)
        lay.addLayout(buttons)
        self.refork = QPushButton("Fork again from the main run now")
        self.refork.setToolTip("Take a new fork point: the main run's state at this moment.")
        self.refork.clicked.connect(self.refork_requested)
        lay.addWidget(self.refork)
        lay.addWidget(
            _dim(
                "Editing B's changes restarts both branches at the fork point. "
                "The main run is never touched: it goes on (or stays paused) in the main window."
            )
        )
        lay.addStretch(1)
        self.a_params = None
        self.combo.setCurrentIndex(max(0, self.combo.findData("transit.attrition")))
        self._on_combo_current_index_changed(self.combo.currentIndex())

    # --- state from the window ------------------------------------------------------------------
    def set_reference(self, params, preset_on: bool) -> None:
        """Branch A's parameters (for the 'now in A' read-out) and which way the preset goes."""
        self.a_params = params
        if preset_on:
            self.preset.setText("Anti-angiogenesis on in B")
            self.preset_note.setText(
                "Strength 1 from the fork day, as the main window's treatment switch "
                "does; resistance is counted from then."
            )
        else:
            self.preset.setText("Anti-angiogenesis off in B")
            self.preset_note.setText("The main run is treated; B stops the treatment at the fork.")
        self._on_combo_current_index_changed(self.combo.currentIndex())

    def set_replicates(self, n: int) -> None:
        self.replicates.blockSignals(True)
        self.replicates.setValue(int(n))
        self.replicates.blockSignals(False)

    def set_horizon(self, days: float, step_days: float) -> None:
        self.horizon.blockSignals(True)
        self.horizon.setValue(round(days))
        self.horizon.blockSignals(False)
        i = max(0, self.step.findData(step_days))
        self.step.blockSignals(True)
        self.step.setCurrentIndex(i)
        self.step.blockSignals(False)

    def show_changes(self, changes: list[Change]) -> None:
        if not changes:
            self.changes.setText(
                f"<span style='color:{theme.TEXT_DIM}'>nothing: B is a plain copy of A, "
                "so the two must stay identical.</span>"
            )
        else:
            items = "".join(f"<li>{c.text()}</li>" for c in changes)
            self.changes.setText(f"<ul style='margin-left:-22px; color:{theme.ORANGE}'>{items}</ul>")
        self.clear.setEnabled(bool(changes))

    def show_running(self, running: bool, finished: bool) -> None:
        self.run.setText("Pause" if running else ("Finished" if finished else "Run"))
        self.run.setEnabled(running or not finished)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    # --- own widgets ----------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return str(self.combo.currentData())

    def _on_combo_current_index_changed(self, _i: int) -> None:
        spec = BY_PATH[self.path]
        unit = "" if spec.unit in ("1",) else spec.unit
        self.unit.setText(unit)
        now = self.a_params[spec.path] if self.a_params is not None else spec.default
        self.info.setText(
            f"{spec.doc}<br><b>range</b> {num_text(spec.lo)} – {num_text(spec.hi)} {unit} · "
            f"<b>default</b> {num_text(spec.default)} · <b>in A</b> "
            f"<span style='color:{theme.SKY}'>{num_text(now)}</span><br><i>source: {spec.source}</i>"
        )
        self.value.setText(num_text(now))
        self.value.setToolTip(f"A number from {num_text(spec.lo)} to {num_text(spec.hi)} {unit}")
        self.show_error("")

    def _on_set_clicked(self) -> None:
        text = self.value.text().strip().replace(",", "")
        try:
            v = float(text)
        except ValueError:
            self.show_error(f"'{text}' is not a number.")
            return
        self.change_requested.emit(self.path, v)
