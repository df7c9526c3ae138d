"""Two ways to run the model: a patient and an injection experiment (virtual cohorts are in
``cohort.py``, re-exported here).

Each builds an ``Engine`` from a scenario and a seed and reads its outputs; the CLI, the
validation and the window call these, so all of them use the same engine and defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_core.kernels.layout import MACRO, MICRO
from sim_core.model.engine import Engine, default_graph
from sim_core.model.errors import InputError
from sim_core.model.scenario import Scenario

#: Default observation times of an injection experiment (days): 90 min, 1, 3, 10 and 13 days.
INJECT_TIMES_DAYS = (1.5 / 24, 1.0, 3.0, 10.0, 13.0)
#: Step of injection experiments (transport and early fate resolve on the scale of minutes-hours).
INJECT_DT_DAYS = 0.25 / 24
#: Step of patient runs and cohorts.
PATIENT_DT_DAYS = 1.0
#: At cell resolution an injection follows each cell's first trip (a vessel takes seconds) in steps
#: of ``INJECT_TRIP_DT_S`` for the first ``INJECT_TRIP_S``, then steps of ``dt_days`` as pooled
#: packets do. Measured with 1e5 B16 cells (portal vein or tail vein): none is still in a vessel
#: after 90 s.
INJECT_TRIP_S = 120.0
INJECT_TRIP_DT_S = 0.1


def run_patient(
    scenario: Scenario,
    days: float,
    seed: int | None = None,
    dt_days: float = PATIENT_DT_DAYS,
    progress=None,
    record: bool = False,
    resolution: str = "packets",
) -> Engine:
    """A primary grows and sheds for ``days`` days. ``progress(fraction)`` is called now and then.
    With ``record`` the engine keeps the step history a run receipt needs (same numbers);
    ``resolution="cells"`` follows every shed cell as its own packet."""
    sc = scenario.copy()
    if seed is not None:
        sc.seed = int(seed)
    if record:
        from sim_core.io.receipt import RecordedEngine

        eng: Engine = RecordedEngine(sc, resolution=resolution)
    else:
        eng = Engine(sc, resolution=resolution)
    end = float(days)
    # progress is reported every whole number of steps, so chunking never changes the steps taken
    chunk = max(1, round(end / dt_days / 100)) * dt_days
    while eng.t_days < end - 1e-9:
        eng.advance(min(chunk, end - eng.t_days), dt_days)
        if progress:
            progress(eng.t_days / end)
    return eng


def inject_experiment(
    scenario: Scenario,
    vessel: str,
    cells: int,
    days: float,
    seed: int | None = None,
    organ: str | None = None,
    times: tuple[float, ...] | None = None,
    dt_days: float = INJECT_DT_DAYS,
    cluster_cells: int = 1,
    resolution: str = "packets",
) -> dict:
    """Inject cells into a vessel and follow them (the designs of [luzzi1998] and [fidler1970]).

    Fractions are of injected cells, counted in ``organ`` (default: the first capillary bed
    downstream of the vessel, the organ those experiments observed): ``arrested`` and
    ``extravasated`` are cumulative; ``dormant`` counts solitary non-dividing cells in tissue;
    ``micrometastases``/``macrometastases`` are lesions per injected cell. ``resolution="cells"``
    follows every injected cell as its own packet, its first trip in short steps
    (``INJECT_TRIP_S``, ``INJECT_TRIP_DT_S``); the window's replay of the experiment steps alike.
    """
    g = default_graph()
    if vessel not in g.v_index:
        raise InputError("inject", "--vessel", f"unknown vessel {vessel!r} (see 'seedsoil-sim vessels')")
    if not 1 <= cells <= 10**9:
        raise InputError("inject", "--cells", "must be between 1 and 1e9")
    if not 0 < days <= 3650:
        raise InputError("inject", "--days", "must be in (0, 3650]")
    obs = g.first_bed(vessel) if organ is None else g.index.get(organ, -1)
    if obs < 0:
        raise InputError("inject", "--organ", f"unknown compartment {organ!r}")
    sc = scenario.copy()
    if seed is not None:
        sc.seed = int(seed)
    eng = Engine(sc, shedding=False, resolution=resolution)
    eng.inject(vessel, cells, cluster_cells)
    obs_times = sorted(set(t for t in (times or INJECT_TIMES_DAYS) if t <= days) | {float(days)})
    if resolution == "cells":
        eng.advance(min(INJECT_TRIP_S / 86400.0, obs_times[0]), INJECT_TRIP_DT_S / 86400.0)
    timeline = []
    for t in obs_times:
        eng.advance(t - eng.t_days, dt_days)
        timeline.append(_observe(eng, obs, cells))
    return {
        "scenario": sc.name,
        "seed": sc.seed,
        "vessel": vessel,
        "organ": g.ids[obs],
        "injected": int(cells),
        "days": float(days),
        "timeline": timeline,
    }


#: Lesion sizes as the injection papers counted them: a micrometastasis is a colony of at least
#: two cells (Luzzi 1998 counted small multicellular colonies at day 3); a macrometastasis is a
#: vascularised lesion of at least 50 cells; a tumour nodule (Fidler 1970 counted lung nodules) has
#: at least 1,000 cells (about 0.12 mm at 1e9 cells per cm3).
MICRO_MIN_CELLS = 2.0
MACRO_MIN_CELLS = 50.0
NODULE_MIN_CELLS = 1000.0


def observe_injection(eng: Engine, organ: int, injected: int) -> dict:
    """One row of an injection experiment's timeline: what the papers measured in compartment
    ``organ`` (an index of ``eng.graph``), per injected cell (see ``_observe``)."""
    return _observe(eng, organ, injected)


def _observe(eng: Engine, c: int, injected: int) -> dict:
    """What the injection papers measured in organ ``c``, per injected cell.

    ``arrested`` and ``extravasated`` are cumulative; ``dormant`` counts solitary non-dividing cells
    in tissue; ``micrometastases`` are avascular colonies of >= 2 cells, ``macrometastases``
    vascularised lesions of >= 50 cells, ``nodules`` lesions of >= 1,000 cells; ``labelled`` is the
    injected cells whose label is still there (solitary cells plus one founder per living lesion),
    what a radioactive label counts; ``median_macro_cells`` is the median size of macrometastases.
    """
    po, les = eng.pools, eng.lesions
    here = (les.comp == c) & (les.state > 0)
    alive_here = float(po.alive()[c] + les.cells[here].sum())
    solitary = float(po.dormant[c].sum() + po.doomed[c].sum())
    micro = here & (les.state == MICRO) & (les.cells >= MICRO_MIN_CELLS)
    macro = here & (les.state == MACRO) & (les.cells >= MACRO_MIN_CELLS)
    nodules = here & (les.cells >= NODULE_MIN_CELLS)
    return {
        "t_days": round(eng.t_days, 6),
        "alive": alive_here / injected,
        "alive_anywhere": float(eng.cells_per_compartment().sum() + eng.alive_in_transit()) / injected,
        "arrested": float(po.arrested_cum[c]) / injected,
        "extravasated": float(po.extravasated_cum[c]) / injected,
        "dormant": solitary / injected,
        "micrometastases": int(micro.sum()) / injected,
        "macrometastases": int(macro.sum()) / injected,
        "nodules": int(nodules.sum()) / injected,
        "labelled": (float(po.alive()[c]) + int(here.sum())) / injected,
        "median_macro_cells": float(np.median(les.cells[macro])) if macro.any() else 0.0,
    }


@dataclass(frozen=True)
class PublishedFigure:
    """A figure an injection paper published, as ``seedsoil-sim validate`` holds the model to it."""

    quantity: str  # a key of the timeline row (``_observe``), or "nodules_per_labelled"
    t_days: float  # when the paper measured it
    value: float  # per injected cell (or, for nodules_per_labelled, per labelled cell)
    what: str  # in words, as the window shows it (the time point apart)
    target: str  # the name of the validation target (``validation.luzzi_targets`` ...)


@dataclass(frozen=True)
class InjectionDesign:
    """An injection experiment as the validation runs it: preset, vessel, cells, days, times."""

    key: str
    title: str
    scenario: str
    vessel: str
    cells: int
    days: float
    times: tuple[float, ...]
    source: str  # reference key (``references.REFERENCES``)
    figures: tuple[PublishedFigure, ...]

    def run(self, seed: int | None = None, resolution: str = "packets") -> dict:
        """``inject_experiment`` of this design (what ``seedsoil-sim inject`` prints)."""
        from sim_core.model.scenario import load_scenario

        return inject_experiment(
            load_scenario(self.scenario),
            self.vessel,
            self.cells,
            self.days,
            seed,
            times=self.times,
            resolution=resolution,
        )


#: The two mouse experiments of ``seedsoil-sim validate`` (``validation.luzzi_targets`` and
#: ``fidler_targets``: same preset, vessel, cells, days and published figures; a test compares).
INJECTION_DESIGNS = {
    "luzzi": InjectionDesign(
        "luzzi",
        "Luzzi's liver experiment",
        "b16",
        "vein:portal->organ:liver",
        100_000,
        13.0,
        INJECT_TIMES_DAYS,
        "luzzi1998",
        (
            PublishedFigure("arrested", 1.5 / 24, 0.87, "arrested in the liver", "Luzzi: arrested in liver at 90 min"),
            PublishedFigure(
                "extravasated", 3.0, 0.83, "out of the vessels into the liver", "Luzzi: extravasated by day 3"
            ),
            PublishedFigure(
                "micrometastases", 3.0, 0.025, "small colonies (micrometastases)", "Luzzi: micrometastases at day 3"
            ),
            PublishedFigure(
                "macrometastases",
                13.0,
                2.5e-4,
                "tumours (macrometastases)",
                "Luzzi: macrometastases (>= 50 cells) at day 13",
            ),
            PublishedFigure(
                "dormant",
                13.0,
                0.36,
                "still single cells in the liver (solitary)",
                "Luzzi: solitary dormant cells at day 13",
            ),
        ),
    ),
    "fidler": InjectionDesign(
        "fidler",
        "Fidler's lung experiment",
        "b16",
        "vein:ivc->heart:right",
        100_000,
        14.0,
        (1.0, 14.0),
        "fidler1970",
        (
            PublishedFigure("alive", 1.0, 0.01, "alive in the lungs", "Fidler: alive in lung at 24 h"),
            PublishedFigure(
                "nodules_per_labelled",
                14.0,
                78 / 400,
                "lung tumours per labelled cell",
                "Fidler: metastases per labelled cell in lung at day 14",
            ),
        ),
    ),
}


# --- virtual cohorts live in ``cohort.py``; these names stay importable from here
