"""What limits the autopsy fit, measured. Two diagnostics behind the section of ``sim_core/README.md``
on why the in-sample and left-out lines of ``validate`` still fail; nothing here feeds back into the
model, the fit or ``validate``.

- ``left_out_bound``: the expected-value calculation's prediction of each left-out row from the
  values ``calibrate`` refitted without it (those ``validate`` simulates), with chosen per-primary
  values (lymph fraction, shedding rate, named affinities) taken instead from the full fit, which
  has seen the row. Taking all of them bounds what any outside source for per-primary values could
  give: the error left is that of the shared values (soils, routing) refitted without the row.
- ``correction_drift``: simulates every row at the stored values with a larger cohort and another
  seed than ``calibrate`` uses, and reports each row's distance from its autopsy row and how far
  the new simulation corrections lie from the stored ones; ``refit_with`` solves the expected-value
  fit again from the stored values with such corrections, to see whether the fit's optimum moves.

``python -m sim_core.tools.diagnostics`` runs them.
"""

from __future__ import annotations

import numpy as np

from sim_core.model.body_graph import CATEGORIES
from sim_core.model.params import Params
from sim_core.model.scenario import load_scenario
from sim_core.science import calibration as C
from sim_core.science.disibio import POOLED_SHARES, ROWS, tv_distance
from sim_core.science.expected import PresetModel

#: The per-primary values ``left_out_bound`` can take from the full fit, by short name.
OWN = {
    "lymph": ("shedding.lymph_fraction",),
    "rate": ("shedding.rate_per_g_day",),
    "affinities": tuple(sorted({f"affinity.{a.soil}" for a in C.AFFINITIES})),
}


def _stored_corrections() -> dict[str, np.ndarray]:
    from sim_core.model.fitted_values import CORRECTIONS

    return {n: np.asarray(CORRECTIONS[n], np.float64) for n in ROWS}


def _summary(rows: list[dict]) -> dict:
    tv = np.array([r["tvd"] for r in rows])
    base = np.array([r["baseline_tvd"] for r in rows])
    return {
        "rows": rows,
        "mean_tvd": float(tv.mean()),
        "mean_baseline_tvd": float(base.mean()),
        "ratio": float(tv.mean() / base.mean()),
        "wins": int((tv < base).sum()),
    }


def left_out_bound(own: tuple[str, ...] = ()) -> dict:
    """Each row predicted by the expected-value calculation (with its stored simulation correction)
    from its left-out values, the paths in ``own`` replaced by the full fit's values for it; the
    pooled row's distance beside it. Raises ``validation.StaleLeftOut`` on stale stored values."""
    from sim_core.science.validation import leave_one_out_params

    corrections = _stored_corrections()
    rows = []
    for held in ROWS:
        scenario = load_scenario(held)
        p = Params(leave_one_out_params(held))
        for path in own:
            p.set(path, scenario.params[path])
        model = PresetModel(p, scenario.primary, C.FIT_YEARS)
        one = C.AutopsyFit([held], models={held: model}, corrections={held: corrections[held]})
        shares, mpp = one.corrected(held, model.table(p))
        rows.append(
            {
                "primary": held,
                "tvd": tv_distance(shares, ROWS[held].shares()),
                "baseline_tvd": tv_distance(POOLED_SHARES, ROWS[held].shares()),
                "metastases_per_patient": float(mpp),
            }
        )
    return _summary(rows)


def correction_drift(
    patients: int, seed: int, workers: int = 2, progress=None, presets: list[str] | None = None
) -> dict[str, dict]:
    """Every row (or those of ``presets``) simulated at the stored values (``patients`` patients,
    ``seed``): its distance from the autopsy row, its metastases per patient, its simulation
    corrections (``correction``, as ``calibration.correction_of``) and their mean and largest
    absolute difference from the stored ones over the 13 shares (log units)."""
    from sim_core.science.cohort import run_cohort
    from sim_core.science.validation import current_fit

    stored = _stored_corrections()
    names = presets or list(ROWS)
    fit = C.AutopsyFit(names, corrections={n: stored[n] for n in names})
    values = current_fit()
    out = {}
    for n in names:
        sc = load_scenario(n)
        sc.params = fit._params(values, n)
        r = run_cohort(sc, patients, C.FIT_YEARS, seed, workers=workers)
        c = C.correction_of(r, fit.model(n).table(sc.params))
        d = np.abs(c[:13] - stored[n][:13])
        shares = [r["categories"][k]["pct_metastases"] for k in CATEGORIES]
        out[n] = {
            "tvd": tv_distance(shares, ROWS[n].shares()),
            "metastases_per_patient": float(r["metastases_per_patient"]),
            "correction": c.tolist(),
            "drift_mean": float(d.mean()),
            "drift_max": float(d.max()),
        }
        if progress:
            progress(f"{n}: distance {out[n]['tvd']:.3f}, correction drift {d.mean():.3f}")
    return out


def refit_with(corrections: dict[str, np.ndarray], max_nfev: int = 30, progress=None) -> dict[str, float]:
    """The expected-value fit of every row solved again from the stored values with ``corrections``;
    each row's in-sample distance at its optimum."""
    fit = C.AutopsyFit(list(ROWS), corrections=corrections)
    _, res = fit.solve(fit.start(), max_nfev=max_nfev, progress=progress)
    return dict(res.residual_tvd)
