"""The seed's experiments, replayed (Qt-free): Luzzi's liver experiment and Fidler's lung
experiment as ``seedsoil-sim inject --resolution cells`` runs them, stepped a little at a time so
the window can draw every cell between two steps.

``ExperimentReplay`` builds the engine exactly as ``sim_core.inject_experiment`` does (the design's
preset, vessel, cell count and seed; one packet per injected cell) and takes exactly its steps: the
first trip in ``INJECT_TRIP_DT_S`` steps, then ``INJECT_DT_DAYS`` steps to each observation time,
where it reads the same timeline row (``observe_injection``). So for one seed the replay's numbers
are the command line's (tests/desktop/test_experiments.py compares them). ``Pacer`` decides how
much body time each screen second shows; it never changes the steps, only how many run per frame.
The published figures, their time points and their sources come from ``sim_core.INJECTION_DESIGNS``
(the figures ``seedsoil-sim validate`` holds the model to).
"""

from __future__ import annotations

import math
import time

from desktop.core.i18n import num, sig, tr
from sim_core import (
    INJECT_DT_DAYS,
    INJECT_TRIP_DT_S,
    INJECT_TRIP_S,
    INJECTION_DESIGNS,
    REFERENCES,
    Engine,
    InjectionDesign,
    PublishedFigure,
    default_graph,
    load_scenario,
    observe_injection,
)

DAY_S = 86400.0
#: Body seconds per screen second, by body time (the rate of the first row whose end is later).
#: The trip slowly (every cell drawn on its way: the portal vein takes 4 s, the tail vein's cells
#: reach the lungs after about 10 s), then faster as cells come to rest: minutes, hours, days.
PACE = (
    (10.0, 2.0),  # the first trip: 2 body seconds per second
    (40.0, 6.0),  # the few that pass through, on to the next capillary bed
    (INJECT_TRIP_S, 40.0),  # the last cells in the blood
    (1.5 * 3600.0, 900.0),  # 15 minutes per second up to 90 min (arrest)
    (3.0 * DAY_S, 12 * 3600.0),  # half a day per second up to day 3 (out of the vessels, colonies)
    (math.inf, 1.5 * DAY_S),  # a day and a half per second to the end (tumours, sleeping cells)
)
#: Screen seconds the replay stands still at a time point where the paper published a figure.
HOLD_S = 3.0
#: Wall time one frame may spend stepping; what it cannot pay slows the clock (the steps stay).
STEP_BUDGET_S = 0.02


def design(key: str) -> InjectionDesign:
    return INJECTION_DESIGNS[key]


def body_rate(t_s: float) -> float:
    """Body seconds shown per screen second at body time ``t_s``."""
    for end, rate in PACE:
        if t_s < end:
            return rate
    return PACE[-1][1]


class ExperimentReplay:
    """One injection experiment at cell resolution, stepped as ``inject_experiment`` steps it."""

    def __init__(self, key: str, seed: int | None = None):
        d = design(key)
        sc = load_scenario(d.scenario)
        if seed is not None:
            sc.seed = int(seed)
        self.design, self.scenario = d, sc
        self.engine = Engine(sc, shedding=False, resolution="cells")
        self.engine.inject(d.vessel, d.cells, 1)
        self.organ = default_graph().first_bed(d.vessel)
        self.organ_id = default_graph().ids[self.organ]
        self.times = sorted(set(t for t in d.times if t <= d.days) | {float(d.days)})
        # (end as an offset from the segment's start or an absolute time, step in days, observe?)
        self._segments = [("for", min(INJECT_TRIP_S / DAY_S, self.times[0]), INJECT_TRIP_DT_S / DAY_S, False)]
        self._segments += [("to", t, INJECT_DT_DAYS, True) for t in self.times]
        self._seg = 0
        self._end: float | None = None
        #: the rows ``inject_experiment`` returns, as they are reached
        self.timeline: list[dict] = []
        self.step_wall_s = 0.0
        self.steps = 0
        self._settle()

    @property
    def t_days(self) -> float:
        return self.engine.t_days

    @property
    def finished(self) -> bool:
        return self._seg >= len(self._segments)

    def _settle(self) -> bool:
        """Close every segment the engine has reached (observing where it should); True if one was."""
        closed = False
        while not self.finished:
            kind, value, _, observe = self._segments[self._seg]
            eng = self.engine
            if self._end is None:  # as Engine.advance computes it: start + the days asked for
                self._end = eng.t_days + (value if kind == "for" else value - eng.t_days)
            if eng.t_days < self._end - 1e-9:
                return closed
            if observe:
                self.timeline.append(observe_injection(eng, self.organ, self.design.cells))
            self._seg += 1
            self._end = None
            closed = True
        return closed

    def next_step_s(self) -> float:
        """Body seconds the next step takes (0 when finished)."""
        if self.finished:
            return 0.0
        _, _, dt, _ = self._segments[self._seg]
        return min(dt, self._end - self.engine.t_days) * DAY_S

    def step(self) -> bool:
        """One engine step; True if it reached an observation time or the end of the first trip."""
        if self.finished:
            return False
        t0 = time.perf_counter()
        self.engine.step(self.next_step_s())
        self.step_wall_s += time.perf_counter() - t0
        self.steps += 1
        return self._settle()

    def run_until(self, t_days: float) -> None:
        """Step until the clock reaches ``t_days`` (or the end); screenshots and tests."""
        while not self.finished and self.engine.t_days < t_days - 1e-9:
            self.step()

    def run(self) -> None:
        self.run_until(math.inf)

    def observe(self) -> dict:
        """The timeline row of this moment (what the papers measured, now)."""
        return observe_injection(self.engine, self.organ, self.design.cells)

    def reached(self, fig: PublishedFigure) -> dict | None:
        """The timeline row at ``fig``'s time point, once the replay has got there."""
        for row in self.timeline:
            if abs(row["t_days"] - fig.t_days) < 1e-6:
                return row
        return None

    def result(self) -> dict:
        """What ``inject_experiment`` returns for this design and seed (once finished)."""
        d = self.design
        return {
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "vessel": d.vessel,
            "organ": self.organ_id,
            "injected": int(d.cells),
            "days": float(d.days),
            "timeline": list(self.timeline),
        }


class Pacer:
    """How many steps a frame runs: body time at ``body_rate``, held for ``HOLD_S`` at each time
    point with a published figure, within a wall budget per frame (a heavy frame slows the clock
    instead of skipping steps: the steps are the command line's)."""

    def __init__(self, replay: ExperimentReplay, hold_s: float = HOLD_S):
        self.replay = replay
        self.hold_s = hold_s
        self.debt_s = 0.0
        self.hold_left = 0.0
        self._hold_at = {round(f.t_days, 6) for f in replay.design.figures}
        self.body_s_shown = 0.0
        self.wall_s = 0.0

    def advance(self, wall_dt_s: float, budget_s: float = STEP_BUDGET_S) -> int:
        """Run the steps ``wall_dt_s`` of screen time owes; returns the steps taken."""
        r = self.replay
        self.wall_s += wall_dt_s
        if self.hold_left > 0:
            self.hold_left -= wall_dt_s
            return 0
        self.debt_s += body_rate(r.t_days * DAY_S) * wall_dt_s
        t0 = time.perf_counter()
        n = 0
        while not r.finished and self.debt_s >= r.next_step_s() * (1 - 1e-9):
            dt = r.next_step_s()
            reached = r.step()
            n += 1
            self.debt_s -= dt
            self.body_s_shown += dt
            if (
                reached
                and r.timeline
                and round(r.timeline[-1]["t_days"], 6) in self._hold_at
                and abs(r.timeline[-1]["t_days"] - r.t_days) < 1e-9
            ):
                self.hold_left, self.debt_s = self.hold_s, 0.0
                break
            if time.perf_counter() - t0 > budget_s:
                self.debt_s = min(self.debt_s, r.next_step_s())
                break
        return n


# --- words ------------------------------------------------------------------------------------------
def clock_text(t_days: float) -> str:
    """The replay's clock: seconds, minutes, hours, then days after the injection."""
    s = t_days * DAY_S
    if s < 120:
        return tr("{n} s after injection", n=num(s, 1 if s < 10 else 0))
    if s < 3 * 3600:
        return tr("{n} min after injection", n=num(s / 60))
    if s < 2 * DAY_S:
        return tr("{n} h after injection", n=num(s / 3600))
    return tr("Day {day} after injection", day=num(t_days, 1 if t_days < 10 and t_days % 1 > 0.05 else 0))


def when_text(t_days: float) -> str:
    """A published time point in words: 'at 90 min', 'at 24 h', 'at day 3'."""
    s = t_days * DAY_S
    if s < 3 * 3600:
        return tr("at {n} min", n=num(s / 60))
    if s < 2 * DAY_S:
        return tr("at {n} h", n=num(s / 3600))
    return tr("at day {n}", n=num(t_days))


def pct(fraction: float) -> str:
    """A share of injected cells as the captions print it: three significant digits."""
    return sig(100.0 * fraction, 3) + " %"


def figure_value(fig: PublishedFigure, row: dict) -> float:
    """The simulated counterpart of ``fig`` in a timeline row."""
    if fig.quantity == "nodules_per_labelled":
        return row["nodules"] / row["labelled"] if row["labelled"] > 0 else 0.0
    return row[fig.quantity]


def figure_paper_text(fig: PublishedFigure) -> str:
    if fig.quantity == "nodules_per_labelled":
        return tr("{v} {what}", v=sig(fig.value, 2), what=tr(fig.what))
    return tr("{v} {what}", v=sig(100 * fig.value, 2) + " %", what=tr(fig.what))


def figure_here_text(fig: PublishedFigure, row: dict, injected: int) -> str:
    """The simulated figure with the counts behind it."""
    v = figure_value(fig, row)
    if fig.quantity == "nodules_per_labelled":
        return tr(
            "{v} ({k} tumours, {n} labelled cells)",
            v=sig(v, 2),
            k=num(round(row["nodules"] * injected)),
            n=num(round(row["labelled"] * injected)),
        )
    return (
        tr("{v} ({n} cells)", v=pct(v), n=num(round(v * injected)))
        if fig.quantity not in ("micrometastases", "macrometastases")
        else tr("{v} ({n} colonies)", v=pct(v), n=num(round(v * injected)))
    )


def figure_caption(fig: PublishedFigure, row: dict | None, injected: int, source: str) -> str:
    """'paper: 87 % arrested in the liver at 90 min · here: 87.1 % (87,134 cells)  [luzzi1998]'."""
    paper = tr("paper: {figure} {when}", figure=figure_paper_text(fig), when=when_text(fig.t_days))
    here = (
        tr("here: {value}", value=figure_here_text(fig, row, injected))
        if row is not None
        else tr("here: not there yet")
    )
    return f"{paper} · {here}  [{source}]"


def source_line(d: InjectionDesign) -> str:
    ref = REFERENCES[d.source]
    return f"[{d.source}] {ref.citation}"
