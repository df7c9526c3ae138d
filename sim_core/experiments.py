"""Two ways to run the model: a patient and an injection experiment (virtual cohorts are in
``cohort.py``, re-exported here).

Each builds an ``Engine`` from a scenario and a seed and reads its outputs; the CLI, the
validation and the window call these, so all of them use the same engine and defaults.
"""

from __future__ import annotations

import numpy as np

from .engine import Engine, default_graph
from .errors import InputError
from .kernels.lesions import MACRO, MICRO
from .scenario import Scenario

#: Default observation times of an injection experiment (days): 90 min, 1, 3, 10 and 13 days.
INJECT_TIMES_DAYS = (1.5 / 24, 1.0, 3.0, 10.0, 13.0)
#: Step of injection experiments (transport and early fate resolve on the scale of minutes-hours).
INJECT_DT_DAYS = 0.25 / 24
#: Step of patient runs and cohorts.
PATIENT_DT_DAYS = 1.0


def run_patient(scenario: Scenario, days: float, seed: int | None = None,
                dt_days: float = PATIENT_DT_DAYS, progress=None, record: bool = False,
                resolution: str = "packets") -> Engine:
    """A primary grows and sheds for ``days`` days. ``progress(fraction)`` is called now and then.
    With ``record`` the engine keeps the step history a run receipt needs (same numbers);
    ``resolution="cells"`` follows every shed cell as its own packet."""
    sc = scenario.copy()
    if seed is not None:
        sc.seed = int(seed)
    if record:
        from .receipt import RecordedEngine

        eng = RecordedEngine(sc, resolution=resolution)
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


def inject_experiment(scenario: Scenario, vessel: str, cells: int, days: float, seed: int | None = None,
                      organ: str | None = None, times: tuple[float, ...] | None = None,
                      dt_days: float = INJECT_DT_DAYS, cluster_cells: int = 1) -> dict:
    """Inject cells into a vessel and follow them (the designs of [luzzi1998] and [fidler1970]).

    Fractions are of injected cells, counted in ``organ`` (default: the first capillary bed
    downstream of the vessel, the organ those experiments observed): ``arrested`` and
    ``extravasated`` are cumulative; ``dormant`` counts solitary non-dividing cells in tissue;
    ``micrometastases``/``macrometastases`` are lesions per injected cell.
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
    eng = Engine(sc, shedding=False)
    eng.inject(vessel, cells, cluster_cells)
    times = sorted(set(t for t in (times or INJECT_TIMES_DAYS) if t <= days) | {float(days)})
    timeline = []
    for t in times:
        eng.advance(t - eng.t_days, dt_days)
        timeline.append(_observe(eng, obs, cells))
    return {"scenario": sc.name, "seed": sc.seed, "vessel": vessel, "organ": g.ids[obs],
            "injected": int(cells), "days": float(days), "timeline": timeline}


#: Lesion sizes as the injection papers counted them: a micrometastasis is a colony of at least
#: two cells (Luzzi 1998 counted small multicellular colonies at day 3); a macrometastasis is a
#: vascularised lesion of at least 50 cells; a tumour nodule (Fidler 1970 counted lung nodules) has
#: at least 1,000 cells (about 0.12 mm at 1e9 cells per cm3).
MICRO_MIN_CELLS = 2.0
MACRO_MIN_CELLS = 50.0
NODULE_MIN_CELLS = 1000.0


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


# --- virtual cohorts live in ``cohort.py``; these names stay importable from here
from .cohort import (PatientResult, check_cohort_out, patient_rows, patient_scenario,  # noqa: E402,F401
                     run_cohort, summarise_cohort, write_cohort_rows)
