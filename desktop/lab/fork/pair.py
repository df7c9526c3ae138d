"""BranchPair: the model behind "fork and compare", free of Qt so tests can drive it directly.

It keeps the moment forked from the main run (the origin), makes branch A (the origin, unchanged)
and branch B (the origin with a few parameter changes), steps both with the same sequence of step
lengths, and notes the first step at which they stop being bit-identical. Because the engine's
random numbers are keyed by (seed, step, counter), any difference between A and B is caused by
the changed parameters, never by the luck of the draw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sim_core import BY_PATH, COUNTER_NAMES, MACRO, Engine, InputError

DAY_S = 86400.0
#: Step lengths the branches may take (label, days). Both branches always take the same one.
STEP_CHOICES = (("1 day", 1.0), ("6 hours", 0.25), ("1 hour", 1.0 / 24.0))


@dataclass(frozen=True)
class Change:
    """One parameter of branch B that differs from branch A."""

    path: str
    value: float
    before: float  # the value in A (and in the main run at the fork)

    def text(self) -> str:
        unit = BY_PATH[self.path].unit
        unit = "" if unit in ("1", "x") else f" {unit}"
        return f"{self.path}: {num_text(self.before)} → {num_text(self.value)}{unit}"


def num_text(v: float) -> str:
    """A parameter value, exactly enough to reproduce it: '0.0016', '1e+08', '412.5'."""
    v = float(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.6g}"
    return f"{v:.4g}"


def antiangio_preset(engine: Engine, strength: float = 1.0) -> dict[str, float]:
    """The changes the window's treatment switch makes, taken at the fork: treatment on from the
    fork day (so acquired resistance counts from then), or off if the run is already treated."""
    p = engine.params
    if p["antiangio.strength"] > 0:
        return {"antiangio.strength": 0.0}
    start = min(engine.t_days, BY_PATH["antiangio.start_day"].hi)
    return {"antiangio.start_day": start, "antiangio.strength": float(strength)}


class BranchPair:
    """Two branches from one state. ``changes`` apply to B only; ``restart()`` returns both
    branches to the fork point (needed after the changes are edited)."""

    def __init__(self, engine: Engine, horizon_days: float = 730.0, step_days: float = 1.0, stream: int | None = None):
        """``stream``: a seed for the random numbers drawn after the fork (both branches alike);
        None keeps the main run's own, so A continues exactly as the main run would."""
        self.origin = engine.fork()
        self.stream = stream
        self.changes: dict[str, float] = {}
        self.horizon_days = float(horizon_days)
        self.step_days = float(step_days)
        self.restart()

    # --- set-up ---------------------------------------------------------------------------------
    @property
    def fork_day(self) -> float:
        return self.origin.t_days

    @property
    def fork_step(self) -> int:
        return self.origin.step_index

    def check(self, path: str, value: float) -> float:
        """The value if B may take it; raises ``InputError`` (naming the field) otherwise."""
        if path not in BY_PATH:
            raise InputError("fork", path, "unknown parameter")
        scratch = self.origin.scenario.params.copy()
        scratch.set(path, value, "fork")
        return scratch[path]

    def set_change(self, path: str, value: float) -> None:
        v = self.check(path, value)
        if v == self.origin.params[path]:
            self.changes.pop(path, None)  # same as A: no change at all
        else:
            self.changes[path] = v

    def set_changes(self, changes: dict[str, float]) -> None:
        for path, value in changes.items():
            self.check(path, value)
        for path, value in changes.items():
            self.set_change(path, value)

    def clear_changes(self) -> None:
        self.changes.clear()

    def change_list(self) -> list[Change]:
        return [Change(p, v, self.origin.params[p]) for p, v in self.changes.items()]

    def restart(self) -> None:
        self.a = self.origin.fork()
        self.b = self.origin.fork()
        if self.stream is not None:
            # the engine keys every draw by its scenario's seed at that step, so this swaps the
            # stream from the fork on and leaves the state (and the history before it) alone
            self.a.scenario.seed = self.b.scenario.seed = int(self.stream)
        for path, value in self.changes.items():
            self.b.set_param(path, value)
        self.diverged_day: float | None = None
        self.diverged_what = ""
        self.steps = 0

    # --- time -----------------------------------------------------------------------------------
    @property
    def days_done(self) -> float:
        return self.a.t_days - self.origin.t_days

    @property
    def finished(self) -> bool:
        return self.days_done >= self.horizon_days - 1e-9

    def step(self) -> None:
        """One step of both branches, of the same length."""
        dt_d = min(self.step_days, self.horizon_days - self.days_done)
        if dt_d <= 1e-12:
            return
        self.a.step(dt_d * DAY_S)
        self.b.step(dt_d * DAY_S)
        self.steps += 1
        if self.diverged_day is None:
            what = first_difference(self.a, self.b)
            if what:
                self.diverged_day = self.a.t_days
                self.diverged_what = what

    def run(self, budget_s: float = float("inf")) -> int:
        """Step until the horizon or until ``budget_s`` of wall time is spent; returns steps taken."""
        t0 = time.perf_counter()
        n = 0
        while not self.finished:
            self.step()
            n += 1
            if time.perf_counter() - t0 > budget_s:
                break
        return n


def replicate_pairs(pair: BranchPair, n: int) -> list[BranchPair]:
    """``n`` more pairs from the same fork point with the same changes, each drawing its own random
    stream after the fork (seeds 1000 + fork seed + i): one pair is one sample of chance, and once
    A and B differ their later draws no longer line up, so the average effect needs several."""
    out = []
    for i in range(1, n + 1):
        r = BranchPair(pair.origin, pair.horizon_days, pair.step_days, stream=1000 + pair.origin.seed + i)
        r.set_changes(pair.changes)
        r.restart()
        out.append(r)
    return out


def outcome(e: Engine) -> tuple[int, float]:
    """(macrometastases now, cells in all metastases) of one branch."""
    les = e.lesions
    return int((les.state == MACRO).sum()), float(les.cells[les.state > 0].sum())


def replicate_summary(pairs: list[BranchPair]) -> str:
    """Plain words on how the shown pair and its replicates came out ('' until all have finished)."""
    if len(pairs) < 2 or not all(p.finished for p in pairs):
        return ""
    res = [(outcome(p.a), outcome(p.b)) for p in pairs]
    ma = np.array([a[0] for a, _ in res], float)
    mb = np.array([b[0] for _, b in res], float)
    ca = np.array([a[1] for a, _ in res])
    cb = np.array([b[1] for _, b in res])
    fewer, same, more = int((mb < ma).sum()), int((mb == ma).sum()), int((mb > ma).sum())
    both = (ca > 0) & (cb > 0)
    ratio = f"median ×{np.median(cb[both] / ca[both]):.2g}" if both.any() else "no metastases to compare"
    return (
        f"Across {len(pairs)} pairs (the one shown and {len(pairs) - 1} with other random streams after "
        f"the fork): macrometastases A {ma.mean():.1f}, B {mb.mean():.1f} on average; B had fewer in "
        f"{fewer}, as many in {same}, more in {more}. Cells in metastases, B ÷ A: {ratio}."
    )


def first_difference(a: Engine, b: Engine) -> str:
    """'' while the two engines hold the same numbers; otherwise what differs first."""
    if not np.array_equal(a.counters, b.counters):
        i = int(np.flatnonzero(a.counters != b.counters)[0])
        return f"counter '{COUNTER_NAMES[i]}'"
    if a.primary_cells != b.primary_cells:
        return "primary tumour size"
    la, lb = a.lesions, b.lesions
    if not (np.array_equal(la.state, lb.state) and np.array_equal(la.cells, lb.cells)):
        return "lesion sizes"
    if not np.array_equal(a.pools.dormant, b.pools.dormant):
        return "dormant cells"
    return ""
