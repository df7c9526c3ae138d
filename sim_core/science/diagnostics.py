"""What limits the autopsy fit, measured. Diagnostics behind the section of ``sim_core/README.md``
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
- ``recovery`` / ``recovery_in_sample``: the left-out protocol and the full fit run on autopsy rows
  the model wrote itself (``model_rows``, exact or drawn at DiSibio's series sizes): what a model
  that is right by construction scores, so a miss can be told apart as the model's or the protocol's.
- ``left_out_influence``: a jackknife over primaries read from the stored refits (nothing is
  fitted): how far each shared value moves when one row leaves the fit, and where each left-out
  prediction misses, site by site.

``python -m sim_core.tools.diagnostics`` runs them.
"""

from __future__ import annotations

import numpy as np

from sim_core.model.body_graph import CATEGORIES
from sim_core.model.params import Params
from sim_core.model.scenario import load_scenario
from sim_core.science import calibration as C
from sim_core.science.disibio import LUNG_MUSCLE_SHARE, POOLED_SHARES, ROWS, AutopsyRow, tv_distance
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


def _expected_prediction(held: str, p: Params, correction: np.ndarray) -> tuple[np.ndarray, float]:
    """``held``'s shares and metastases per patient in the expected-value calculation at ``p``,
    with its simulation correction."""
    model = PresetModel(p, load_scenario(held).primary, C.FIT_YEARS)
    one = C.AutopsyFit([held], models={held: model}, corrections={held: correction})
    return one.corrected(held, model.table(p))


def _left_out_predictions(own: tuple[str, ...] = ()) -> dict[str, tuple[np.ndarray, float]]:
    """Each row's shares and metastases per patient predicted by the expected-value calculation
    (with its stored simulation correction) from its left-out values, the paths in ``own``
    replaced by the full fit's values for it. Raises ``validation.StaleLeftOut`` on stale values."""
    from sim_core.science.validation import leave_one_out_params

    corrections = _stored_corrections()
    out = {}
    for held in ROWS:
        full = load_scenario(held).params
        p = Params(leave_one_out_params(held))
        for path in own:
            p.set(path, full[path])
        out[held] = _expected_prediction(held, p, corrections[held])
    return out


def left_out_bound(own: tuple[str, ...] = ()) -> dict:
    """Each row's left-out prediction (``_left_out_predictions``) and its distance, the pooled
    row's distance beside it. Raises ``validation.StaleLeftOut`` on stale stored values."""
    rows = [
        {
            "primary": held,
            "tvd": tv_distance(shares, ROWS[held].shares()),
            "baseline_tvd": tv_distance(POOLED_SHARES, ROWS[held].shares()),
            "metastases_per_patient": float(mpp),
        }
        for held, (shares, mpp) in _left_out_predictions(own).items()
    ]
    return _summary(rows)


def _affinity_values() -> dict[str, tuple[float, dict[str, float]]]:
    """Each group affinity (two or more members): its full-fit value and, for each member left out,
    the value its group's other members were refitted to."""
    from sim_core.model.fitted_values import LEFT_OUT

    out = {}
    for a in C.AFFINITIES:
        if len(a.presets) < 2:
            continue
        path = f"affinity.{a.soil}"
        full = load_scenario(a.presets[0]).params[path]
        out[f"{path} ({'+'.join(a.presets)})"] = (full, {n: LEFT_OUT[n][path] for n in a.presets})
    return out


def left_out_influence() -> dict:
    """A jackknife over primaries from the values ``calibrate`` stored (nothing is fitted).

    ``values``: for every soil and shared value, and every group affinity (over its members only:
    only they store it), the full fit's value, its value in each refit without one row, the row
    whose absence moves it most and by what factor (``log_ratio``, natural log of left-out over
    full), and the jackknife standard deviation of its logarithm, sqrt((n - 1) / n * sum of squared
    deviations) over the n refits. A value one row carries alone shows up as a large factor.
    ``sites``: each row's left-out prediction in the expected-value calculation (as
    ``left_out_bound`` makes it) minus its published shares, in percentage points of metastases,
    per site, with the prediction's distance. Raises ``validation.StaleLeftOut`` on stale values."""
    from sim_core.model.fitted_values import FITTED, LEFT_OUT

    predicted = _left_out_predictions()  # first: stale stored values raise here
    series: dict[str, tuple[float, dict[str, float]]] = {}
    for path in [f"soil.{k}" for k in C.SOIL_KEYS] + list(C.SHARED):
        series[path] = (FITTED[path][0], {n: LEFT_OUT[n][path] for n in ROWS})
    series.update(_affinity_values())
    values = []
    for path, (full, refits) in series.items():
        lv = np.log(np.maximum(np.array(list(refits.values())), 1e-12))
        logs = dict(zip(refits, lv - np.log(max(full, 1e-12)), strict=True))
        worst = max(logs, key=lambda n: abs(logs[n]))
        k = lv.size
        values.append(
            {
                "value": path,
                "full": float(full),
                "left_out": {n: float(v) for n, v in refits.items()},
                "most_moved_by": worst,
                "log_ratio": float(logs[worst]),
                "jackknife_sd_log": float(np.sqrt((k - 1) / k * ((lv - lv.mean()) ** 2).sum())),
            }
        )
    sites = {}
    for held, (shares, _) in predicted.items():
        diff = 100.0 * (shares - ROWS[held].shares())
        sites[held] = {
            "difference_pct": {c: float(d) for c, d in zip(CATEGORIES, diff, strict=True)},
            "tvd": tv_distance(shares, ROWS[held].shares()),
        }
    return {"values": values, "sites": sites}


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


# --- model recovery: the left-out protocol run on rows the model itself wrote -----------------------
def model_rows(noise: bool, seed: int = 2008) -> tuple[dict[str, AutopsyRow], float, dict[str, np.ndarray]]:
    """Autopsy rows written by the model at the stored values: each primary's expected shares and
    metastases per patient (with its simulation correction), as DiSibio would have printed them from
    the same number of patients. With ``noise`` the series is drawn as ``disibio.sampling_tvd``
    draws it (each named site binomial over the patients, "other" Poisson); without, the expected
    values themselves. Returns the rows, the lung row's skeletal-muscle share and the true shares."""
    from sim_core.science.validation import current_fit

    stored = _stored_corrections()
    fit = C.AutopsyFit(list(ROWS), corrections=stored)
    values = current_fit()
    rng = np.random.default_rng(seed)
    rows, truth, muscle = {}, {}, LUNG_MUSCLE_SHARE
    for n, real in ROWS.items():
        t = fit.model(n).table(fit._params(values, n))
        shares, mpp = fit.corrected(n, t)
        truth[n] = shares
        if n == "lung":
            muscle = t["first_generation"]["organ:muscle"] / max(t["metastases_per_patient"], 1e-9)
        q = np.minimum(shares[:12] * mpp, 1.0)
        if noise:
            named = rng.binomial(real.patients, q).astype(np.float64)
            other = float(rng.poisson(shares[12] * mpp * real.patients))
            mpp = (named.sum() + other) / real.patients
            q = named / real.patients
        rows[n] = AutopsyRow(n, f"{real.label} (written by the model)", real.patients, float(mpp), tuple(100.0 * q))
    return rows, float(muscle), truth


def _recovery_job(args):
    """One left-out refit of written rows by ``calibration.left_out_values`` (as ``calibrate``
    does), its values applied as ``validation.leave_one_out_params`` applies the stored ones."""
    held, rows, muscle, max_nfev = args
    stored = _stored_corrections()
    values = C.left_out_values(held, max_nfev, corrections=stored, data=rows, muscle_share=muscle)
    p = C.held_out_affinities(load_scenario(held).params)
    for k, v in values.items():
        p.set(k, v)
    shares, mpp = _expected_prediction(held, p, stored[held])
    return held, shares, float(mpp)


def recovery(
    noise: bool,
    seed: int = 2008,
    max_nfev: int = C.LEFT_OUT_MAX_NFEV,
    workers: int = 2,
    presets: list[str] | None = None,
    progress=None,
) -> dict:
    """The left-out protocol of ``calibrate``/``validate`` run on rows the model wrote itself
    (``model_rows``), in the expected-value calculation: every primary (or those of ``presets``)
    left out, the others refitted from the neutral start, the left-out row predicted from its group
    values exactly as ``validate`` does. The model is then right by construction, so what is left
    of the distance is what the protocol costs: a primary's own values (lymph fraction, shedding
    rate, one-cancer affinities) unknown when it is left out, and, with ``noise``, the rows' sampling.
    Each row reports its distance from the written row (``tvd``), from the model's true shares
    (``tvd_truth``) and the pooled all-cancer row's distance from the written row (``baseline_tvd``)."""
    from concurrent.futures import ProcessPoolExecutor

    rows, muscle, truth = model_rows(noise, seed)
    names = presets or list(ROWS)
    out = []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as ex:
        for held, shares, mpp in ex.map(_recovery_job, [(n, rows, muscle, max_nfev) for n in names]):
            row = rows[held]
            out.append(
                {
                    "primary": held,
                    "tvd": tv_distance(shares, row.shares()),
                    "baseline_tvd": tv_distance(POOLED_SHARES, row.shares()),
                    "tvd_truth": tv_distance(shares, truth[held]),
                    "sampling_tvd": tv_distance(truth[held], row.shares()),
                    "metastases_per_patient": mpp,
                    "metastases_per_patient_written": row.mets_per_patient,
                }
            )
            if progress:
                progress(f"left out {held}: {out[-1]['tvd']:.3f} (pooled {out[-1]['baseline_tvd']:.3f})")
    return {"noise": noise, "seed": seed, **_summary(out)}


def recovery_in_sample(noise: bool, seed: int = 2008, max_nfev: int = 60, progress=None) -> dict:
    """The full fit (``calibrate``'s, from the stored values, in the expected-value calculation) of
    rows the model wrote itself (``model_rows``): each row's in-sample distance from its written
    row (``tvd``) and from the model's true shares (``tvd_truth``). Without noise both are 0 by
    construction; with noise ``tvd`` is what a model that is right would show in-sample at DiSibio's
    series sizes. ``columns`` splits the distances by site: each column's part of the 14 rows'
    distances (half its absolute share differences, summed over the rows, x 100), for the written
    rows after their fit and for DiSibio's rows at the stored values, to show where this model
    misses more than a right one."""
    from sim_core.science.validation import current_fit

    rows, muscle, truth = model_rows(noise, seed)
    corrections = _stored_corrections()
    fit = C.AutopsyFit(list(ROWS), corrections=corrections, data=rows, muscle_share=muscle)
    cur = current_fit()
    x, res = fit.solve(fit.encode(cur.shared, cur.per_preset), max_nfev=max_nfev, progress=progress)
    tables = fit.tables(x)
    disibio = C.AutopsyFit(list(ROWS), corrections=corrections)
    stored = disibio.tables(disibio.encode(cur.shared, cur.per_preset))

    def parts(f: C.AutopsyFit, t: dict) -> np.ndarray:
        return sum(50.0 * np.abs(f.corrected(n, t[n])[0] - f.data[n].shares()) for n in ROWS)

    written, real = parts(fit, tables), parts(disibio, stored)
    return {
        "rows": {
            n: {
                "tvd": float(res.residual_tvd[n]),
                "tvd_truth": tv_distance(fit.corrected(n, tables[n])[0], truth[n]),
                "sampling_tvd": tv_distance(truth[n], rows[n].shares()),
            }
            for n in ROWS
        },
        "columns": {
            c: {"written_rows": float(written[i]), "disibio_rows": float(real[i])} for i, c in enumerate(CATEGORIES)
        },
    }


#: Values the autopsy fit holds fixed (measured, derived or assumed) that ``score_screen`` tries.
SCREENED = (
    "arrest.bed",
    "arrest.liver",
    "bed.extravasation_per_h",
    "bed.kill_per_h",
    "bed.kill_liver_per_h",
    "bed.kill_lung_per_h",
    "bed.kill_node_per_h",
    "bed.extravasation_lung_per_h",
    "cavity.implant_per_day",
    "cavity.death_per_day",
    "transit.anoikis_per_h",
    "transit.immune_per_h",
    "transit.shear_per_h",
    "transit.cluster_protection",
    "shedding.cluster_fraction",
    "shedding.size_exponent",
    "fate.proliferate",
    "fate.dormant",
    "fate.die",
    "detect.autopsy_mm",
)
_SCREEN_STEP = 0.05


def _screen_units(path: str) -> str:
    """Logit units for shares and probabilities (as the fit moves its own), log units for rates."""
    share = C.AutopsyFit._is_share(path) or path in ("arrest.liver", "arrest.bed") or path.startswith("fate.")
    return "logit" if share else "log"


def _per_primary(g: np.ndarray, r: np.ndarray, q: np.ndarray, blocks: dict[str, slice]) -> tuple[float, dict]:
    """The first-order gain of freeing a value separately in every preset: ``g`` (the residuals'
    derivative along it, moved in every preset at once) split into one column per preset's row,
    made orthogonal to the fitted columns ``q``; the least-squares step along them and its gain."""
    cols = np.zeros((len(r), len(blocks)))
    for j, sl in enumerate(blocks.values()):
        cols[sl, j] = g[sl]
    cols -= q @ (q.T @ cols)
    steps, *_ = np.linalg.lstsq(cols, -r, rcond=None)
    left = r + cols @ steps
    gain = 0.5 * float(r @ r) - 0.5 * float(left @ left)
    return max(gain, 0.0), {n: float(v) for n, v in zip(blocks, steps, strict=True)}


def score_screen(paths: tuple[str, ...] = SCREENED) -> dict:
    """A score test of the stored autopsy fit against values it holds fixed: for each of ``paths``
    (changed alike in every preset), the residuals' derivative along it, made orthogonal to
    every fitted column, gives the cost the fit would lose by freeing that one value, to first
    order (``gain``, with the fit's cost for scale), and the step it would take (``step``, in log
    or logit units: a step of many units means the rows cannot place the value, only push it to an
    end). A value the expected-value calculation does not read has a derivative of 0.
    ``gain_per_primary`` is the same for the value freed separately in each preset (one number per
    primary, ``steps_per_primary``): what a per-primary knob of that kind could win at most, to
    first order."""
    from sim_core.model.params import BY_PATH
    from sim_core.science.validation import current_fit

    fit = C.AutopsyFit(list(ROWS), corrections=_stored_corrections())
    cur = current_fit()
    x = fit.encode(cur.shared, cur.per_preset)
    r = fit.residuals(x)
    q, _ = np.linalg.qr(fit.jacobian(x))
    blocks = fit.row_blocks(x)
    n_model = list(blocks.values())[-1].stop  # the rows' residuals come first, the anchors after
    scored: list[tuple[float, dict]] = []
    for path in paths:
        spec, units = BY_PATH[path], _screen_units(path)

        def moved(v: float, h: float, units: str = units) -> float:
            return float(C._sigmoid(C._logit(v) + h)) if units == "logit" else v * float(np.exp(h))

        h = _SCREEN_STEP
        if any(moved(float(p[path]), h) > spec.hi for p in fit.base.values()):
            h = -h  # a value at its upper end is moved down
        base = {n: p.copy() for n, p in fit.base.items()}
        for p in base.values():
            p.set(path, moved(float(p[path]), h))
        # the same expected-value models with the moved value in every preset's parameters
        shifted = C.AutopsyFit(list(ROWS), models=fit.models, base=base, corrections=fit.corrections)
        g = np.zeros_like(r)
        g[:n_model] = (shifted._model(x) - r[:n_model]) / h
        g_perp = g - q @ (q.T @ g)
        norm = float(g_perp @ g_perp)
        gain = 0.5 * float(r @ g_perp) ** 2 / norm if norm > 1e-18 else 0.0
        step = -float(r @ g_perp) / norm if norm > 1e-18 else 0.0
        value = float(fit.base["breast"][path])
        row = {"path": path, "value": value, "gain": gain, "step": step, "units": units}
        row["gain_per_primary"], row["steps_per_primary"] = _per_primary(g, r, q, blocks)
        scored.append((gain, row))
    scored.sort(key=lambda item: -item[0])
    return {"cost": 0.5 * float(r @ r), "rows": [row for _, row in scored]}
