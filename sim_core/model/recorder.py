"""Time series of the run: cumulative counters and cells per compartment, in growable arrays."""

from __future__ import annotations

import numpy as np

from sim_core.kernels.layout import N_COUNTERS


class Recorder:
    """Rows of (t_days, counters..., cells per compartment..., primary cells)."""

    def __init__(self, n_comp: int, capacity: int = 256):
        self.n_comp = n_comp
        self.t_days = np.zeros(capacity)
        self.counters = np.zeros((capacity, N_COUNTERS))
        self.cells = np.zeros((capacity, n_comp))
        self.primary = np.zeros(capacity)
        self.n = 0

    def record(self, t_days: float, counters: np.ndarray, cells: np.ndarray, primary: float) -> None:
        if self.n == self.t_days.shape[0]:
            cap = 2 * self.n
            self.t_days = np.resize(self.t_days, cap)
            self.counters = np.resize(self.counters, (cap, N_COUNTERS))
            self.cells = np.resize(self.cells, (cap, self.n_comp))
            self.primary = np.resize(self.primary, cap)
        i = self.n
        self.t_days[i] = t_days
        self.counters[i] = counters
        self.cells[i] = cells
        self.primary[i] = primary
        self.n += 1
