"""Fitting a preset's soil factors and shedding rate to an autopsy table (science §5a).

This is how the presets' ``soil.*`` and ``shedding.rate_per_g_day`` values were obtained: run a
virtual cohort, compare each site's share of patients with DiSibio & French 2008, move the soil
factor of that site by the ratio of Poisson intensities, and put the common scale into the shedding
rate (CTC counts say human shedding is far below the rat figure, science B). It runs on a different
seed from the validation and writes nothing: ``seedsoil-sim calibrate`` prints the TOML lines.
"""

from __future__ import annotations

import math

from .body_graph import CATEGORIES
from .experiments import run_cohort
from .scenario import Scenario
from .validation import DISIBIO_METS_PER_PATIENT, DISIBIO_PCT_METASTASES, DISIBIO_PCT_PATIENTS

CALIBRATION_SEED = 1001


#: Largest change of one soil factor per iteration: a site seen in 0 or 1 of a few hundred
#: patients says little, and an unbounded step would chase that noise.
MAX_STEP = 3.0


def _step(ratio: float, damping: float) -> float:
    return min(max(ratio ** damping, 1.0 / MAX_STEP), MAX_STEP)


def _intensity(p: float, n: int) -> float:
    lo = 1.0 / n
    p = min(max(p, lo), 1.0 - lo)
    return -math.log(1.0 - p)


def fit_preset(scenario: Scenario, name: str, patients: int = 200, years: float = 5.0,
               iterations: int = 6, soils: bool = True, workers: int | None = None, log=print) -> Scenario:
    """Return a copy of ``scenario`` with fitted soil factors (if ``soils``) and shedding rate."""
    sc = scenario.copy()
    named = [c for c in CATEGORIES if c != "other"]
    target_p = dict(zip(named, (x / 100.0 for x in DISIBIO_PCT_PATIENTS[name])))
    other_events = DISIBIO_PCT_METASTASES[name][-1] / 100.0 * DISIBIO_METS_PER_PATIENT[name]
    mpp_target = DISIBIO_METS_PER_PATIENT[name]
    for it in range(iterations):
        damping = 0.9 if it < iterations // 2 else 0.5
        r = run_cohort(sc, patients, years, CALIBRATION_SEED + it, workers=workers)
        mpp = r["metastases_per_patient"]
        log(f"{name} iteration {it}: metastases/patient {mpp:.2f} (target {mpp_target})")
        if not soils:
            factor = (mpp_target / max(mpp, 0.01)) ** 1.2
            rate = sc.params["shedding.rate_per_g_day"] * factor
            sc.params.set("shedding.rate_per_g_day", min(max(rate, 1e3), 1e8))
            continue
        logs = []
        for cat in named:
            got = r["categories"][cat]["pct_patients"] / 100.0
            k = _step(_intensity(target_p[cat], patients) / _intensity(got, patients), damping)
            new = min(max(sc.params[f"soil.{cat}"] * k, 1e-3), 1e4)
            sc.params.set(f"soil.{cat}", new)
            if target_p[cat] > 0.02:
                logs.append(math.log(new))
        other_got = r["categories"]["other"]["pct_metastases"] / 100.0 * mpp
        k = _step(max(other_events, 0.01) / max(other_got, 1.0 / patients), damping)
        sc.params.set("soil.other", min(max(sc.params["soil.other"] * k, 1e-3), 1e4))
        # keep the soils' geometric mean at 1: the common scale belongs to shedding
        g = math.exp(sum(logs) / len(logs))
        for cat in CATEGORIES:
            sc.params.set(f"soil.{cat}", min(max(sc.params[f"soil.{cat}"] / g, 1e-3), 1e4))
        sc.params.set("shedding.rate_per_g_day", min(max(sc.params["shedding.rate_per_g_day"] * g, 1e3), 1e8))
    return sc


def fitted_lines(sc: Scenario) -> str:
    """The TOML lines of the fitted values, 3 significant figures."""
    lines = ["[params.shedding]", f"rate_per_g_day = {sc.params['shedding.rate_per_g_day']:.3g}", "",
             "[params.soil]"]
    lines += [f"{c} = {sc.params[f'soil.{c}']:.3g}" for c in CATEGORIES if sc.params[f"soil.{c}"] != 1.0]
    return "\n".join(lines)
