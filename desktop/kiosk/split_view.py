"""SplitScreen: the kiosk's "Anatomy or soil?" screen. The Lab's ``SplitView`` (the same patient
twice from one seed: blood flow alone on the left, seed and soil on the right) in big type, with a
big button per cancer type the curator listed and "Watch again". Nothing on it opens a dialog or
quits; ``reset()`` (the idle reset) stops both runs and drops them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.lab.anatomy_or_soil import SplitView
from desktop.window import theme
from sim_core import Scenario, load_scenario


class SplitScreen(QWidget):
    def __init__(self, graph, sizes: theme.Sizes, scenarios: list[str], seed: int, parent=None):
        super().__init__(parent)
        self.seed = int(seed)
        self.view = SplitView(graph, sizes, kiosk=True)
        self.titles = {name: load_scenario(name).title for name in scenarios}
        self.type_buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        m = round(8 * sizes.scale)
        row.setContentsMargins(m * 2, m, m * 2, 0)
        for name in scenarios:
            b = QPushButton()
            b.setObjectName("big")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, n=name: self.open_preset(n))
            row.addWidget(b)
            self.type_buttons[name] = b
        row.addStretch(1)
        row.addWidget(self.view.again)  # "Watch again" up here: the map gets the room below
        self.view.button_bar.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        self.retranslate()

    @property
    def running(self) -> bool:
        return self.view.running

    def open(self, scenario: Scenario) -> None:
        """Compare ``scenario`` (a copy: the visitor's sliders and the kiosk's seed) from day 0."""
        self.view.start(scenario)
        self._sync()

    def open_preset(self, name: str) -> None:
        sc = load_scenario(name)
        sc.seed = self.seed
        self.open(sc)

    def reset(self) -> None:
        self.view.stop()
        self._sync()

    def _sync(self) -> None:
        sp = self.view.split
        name = sp.scenario.name if sp is not None else ""
        for n, b in self.type_buttons.items():
            b.setChecked(n == name)

    def retranslate(self) -> None:
        for name, b in self.type_buttons.items():
            b.setText(tr(self.titles[name]))
            b.setAccessibleName(tr("Compare {cancer}", cancer=tr(self.titles[name])))
        self.view.retranslate()
