"""``RecordedEngine``: an engine that keeps the history a receipt needs (the starting scenario,
step lengths in (dt_s, count) runs, each change at its place), up to ``MAX_HISTORY`` entries."""

from __future__ import annotations

from sim_core.io.receipt.format import (
    MAX_HISTORY,
)
from sim_core.model.engine import Engine
from sim_core.model.scenario import Scenario


class RecordedEngine(Engine):
    """An ``Engine`` that writes down what it is asked to do, so a receipt can say it honestly.

    ``history`` holds ``["steps", dt_s, count]``, ``["set", path, value]`` and
    ``["inject", vessel, cells, cluster_cells]`` entries in the order they happened;
    ``start_scenario`` is the scenario (parameters and seed) at the last reset. ``history`` becomes
    None if it outgrows ``MAX_HISTORY`` (the run then gets an honest, unreplayable receipt).
    """

    start_scenario: Scenario
    start_resolution: str
    history: list[list] | None

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.start_scenario = self.scenario.copy()
        self.start_resolution = self.resolution
        self.history = []

    def set_resolution(self, resolution: str) -> None:
        was = self.resolution
        super().set_resolution(resolution)
        if self.resolution != was:
            self._note(["resolution", self.resolution])

    def _note(self, entry: list) -> None:
        if self.history is not None:
            self.history.append(entry)
            if len(self.history) > MAX_HISTORY:
                self.history = None

    def step(self, dt_s: float) -> None:
        super().step(dt_s)
        dt = float(dt_s)
        h = self.history
        if h and h[-1][0] == "steps" and h[-1][1] == dt:
            h[-1][2] += 1
        else:
            self._note(["steps", dt, 1])

    def set_param(self, path: str, value: float) -> None:
        super().set_param(path, value)
        v = float(self.params[path])
        h = self.history
        if h and h[-1][0] == "set" and h[-1][1] == path:  # a slider drag between two steps: keep the last
            h[-1][2] = v
        else:
            self._note(["set", path, v])

    def inject(self, vessel: str, cells: int, cluster_cells: int = 1) -> None:
        super().inject(vessel, cells, cluster_cells)
        self._note(["inject", vessel, int(cells), int(cluster_cells)])
