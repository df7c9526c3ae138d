"""``seedsoil-sim validate``: the published figures the model is held to, and whether it is a model.

Each target runs the same engine with the presets' defaults, compares one number with a published
figure and a stated tolerance, and says whether a parameter was fitted to it (``calibration``) or
not (``validation``). Three more checks tell a model from no model:

- ``fit``: fitted numbers against the data points they were fitted to (at most half);
- ``leave_one_out``: each DiSibio primary predicted from a refit without its row (done by
  ``seedsoil-sim calibrate``, from a neutral start, and stored with a fingerprint of the data it
  saw), against the pooled all-cancer row as a prediction that needs no model at all;
- ``anatomy_only``: the same patients with every soil and affinity at 1 (blood and lymph flow alone).

Nothing here feeds back into the model; every figure comes from simulated patients or mice.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim_core.model.body_graph import CATEGORIES, SOIL_KEYS
from sim_core.model.scenario import load_scenario
from sim_core.science.calibration import AFFINITIES, AutopsyFit, FitResult, data_points
from sim_core.science.cohort import CohortJob, run_cohort, run_cohorts
from sim_core.science.disibio import COLORECTAL, POOLED_SHARES, ROWS, sampling_tvd, tv_distance
from sim_core.science.experiments import inject_experiment

COHORT_PATIENTS = 300
COHORT_YEARS = 5.0
COHORT_SEED = 1
#: The pass lines, each used for both the verdict and the tolerance it prints: detectable muscle
#: metastases (% of patients) [newton2012]; in-sample TV distance and metastases per patient of a
#: fitted autopsy row; Luzzi's macrometastases as lesions (cells at day 13); Fidler's survivors in
#: the lung at 24 h (fraction of injected cells).
MUSCLE_MAX_PCT = 5.0
IN_SAMPLE_TVD_MAX = 0.10
MPP_SHARE = 0.30
MACRO_MIN_CELLS = 50.0
FIDLER_ALIVE_24H = (0.005, 0.02)
RELAPSE_PATIENTS = 800
RELAPSE_YEARS = 20.0
#: The breast relapse cohort: T1 tumours (<= 20 mm) removed at 15 mm; Pan 2017's T1N0 group
#: (13 % distant recurrence over years 5-20 at a steady rate, i.e. -ln(0.87)/15 per year). The
#: preset stands for T1N0-N1 disease: at surgery 24-27 % of T1 cancers are node-positive.
RELAPSE_SURGERY_MM = 15.0
PAN_T1N0_RATE = -math.log(1.0 - 0.13) / 15.0
#: Pan 2017's T1N1-3 group: 20 % over years 5-20 at a steady rate.
PAN_T1N13_RATE = -math.log(1.0 - 0.20) / 15.0
T1_NODE_POSITIVE = 0.255
#: Patients of the anatomy-only cohorts (a report, no pass line).
ANATOMY_PATIENTS = 200

LUZZI_VESSEL = "vein:portal->organ:liver"  # mesenteric / portal injection
FIDLER_VESSEL = "vein:ivc->heart:right"  # tail vein -> vena cava
INJECTED = 100_000
MOUSE = "b16"


@dataclass
class Result:
    name: str
    kind: str  # calibration | validation
    got: float
    expected: float
    tolerance: str
    passed: bool
    source: str

    def row(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "got": float(self.got),
            "expected": float(self.expected),
            "tolerance": self.tolerance,
            "pass": bool(self.passed),
            "source": self.source,
        }


def _abs(name, kind, got, expected, tol, source) -> Result:
    return Result(name, kind, got, expected, f"+/- {tol:g}", abs(got - expected) <= tol, source)


def _at_most(name, kind, got, limit, source, fmt="g") -> Result:
    return Result(name, kind, got, 0.0, f"<= {limit:{fmt}}", got <= limit, source)


def _at_least(name, kind, got, limit, source, why="") -> Result:
    return Result(name, kind, got, limit, f">= {limit:g}" + (f" ({why})" if why else ""), got >= limit, source)


def _below(name, kind, got, limit, source) -> Result:
    return Result(name, kind, got, 0.0, f"< {limit:g}", got < limit, source)


def _between(name, kind, got, expected, lo, hi, source) -> Result:
    return Result(name, kind, got, expected, f"{lo:g}-{hi:g}", lo <= got <= hi, source)


def _relative(name, kind, got, expected, share, source) -> Result:
    return Result(name, kind, got, expected, f"+/- {100 * share:g} %", abs(got - expected) <= share * expected, source)


def _factor(name, kind, got, expected, factor, source) -> Result:
    ok = got > 0 and expected / factor <= got <= expected * factor
    return Result(name, kind, got, expected, f"within x{factor:g}", ok, source)


def luzzi_targets(seed: int = 1) -> list[Result]:
    r = inject_experiment(load_scenario(MOUSE), LUZZI_VESSEL, INJECTED, 13, seed=seed)
    at = {round(row["t_days"], 4): row for row in r["timeline"]}
    src = "[luzzi1998]"
    out = [
        _abs("Luzzi: arrested in liver at 90 min", "calibration", at[0.0625]["arrested"], 0.87, 0.05, src),
        _abs("Luzzi: extravasated by day 3", "calibration", at[3.0]["extravasated"], 0.83, 0.05, src),
        _abs("Luzzi: micrometastases at day 3", "calibration", at[3.0]["micrometastases"], 0.025, 0.008, src),
        _factor(
            "Luzzi: macrometastases (>= 50 cells) at day 13",
            "calibration",
            at[13.0]["macrometastases"],
            2.5e-4,
            2.0,
            src,
        ),
        _abs("Luzzi: solitary dormant cells at day 13", "calibration", at[13.0]["dormant"], 0.36, 0.06, src),
    ]
    med = at[13.0]["median_macro_cells"]
    out.append(
        _at_least(
            "Luzzi: median macrometastasis at day 13 (cells)", "validation", med, MACRO_MIN_CELLS, src, "a real lesion"
        )
    )
    return out


def fidler_targets(seed: int = 1) -> list[Result]:
    r = inject_experiment(load_scenario(MOUSE), FIDLER_VESSEL, INJECTED, 14, seed=seed, times=(1.0, 14.0))
    day1, day14 = r["timeline"][0], r["timeline"][-1]
    src = "[fidler1970]"
    ratio = day14["nodules"] / day14["labelled"] if day14["labelled"] > 0 else 0.0
    return [
        _between("Fidler: alive in lung at 24 h", "calibration", day1["alive"], 0.01, *FIDLER_ALIVE_24H, src),
        _factor("Fidler: metastases per labelled cell in lung at day 14", "calibration", ratio, 78 / 400, 3.0, src),
    ]


def _row_shares(r: dict) -> list[float]:
    return [r["categories"][c]["pct_metastases"] for c in CATEGORIES]


def cohort_targets(
    preset: str,
    patients: int = COHORT_PATIENTS,
    years: float = COHORT_YEARS,
    seed: int = COHORT_SEED,
    workers: int | None = None,
    table: dict | None = None,
    executor=None,
) -> list[Result]:
    """In-sample check of a fitted DiSibio row (and the colorectal mixture), plus skeletal muscle."""
    r = table or run_cohort(load_scenario(preset), patients, years, seed, workers=workers, executor=executor)
    row = COLORECTAL if preset == "colorectal" else ROWS[preset]
    tvd = tv_distance(_row_shares(r), row.shares())
    mpp = r["metastases_per_patient"]
    src = "[disibio2008]"
    muscle = r["sites"]["organ:muscle"]["pct_patients"]
    return [
        _at_most(f"DiSibio {preset}: TV distance of site shares", "calibration", tvd, IN_SAMPLE_TVD_MAX, src, ".2f"),
        _relative(
            f"DiSibio {preset}: metastases per patient", "calibration", mpp, row.mets_per_patient, MPP_SHARE, src
        ),
        _below(
            f"{preset}: detectable skeletal-muscle metastases (% of patients)",
            "calibration" if preset == "lung" else "validation",
            muscle,
            MUSCLE_MAX_PCT,
            "[newton2012] [surov2010]",
        ),
    ]


def relapse_cohort(
    patients: int = RELAPSE_PATIENTS, seed: int = COHORT_SEED, workers: int | None = None, executor=None
) -> dict:
    """The breast cohort of the relapse targets: removed at 15 mm and followed 20 years."""
    return run_cohort(
        load_scenario("breast"),
        patients,
        RELAPSE_YEARS,
        seed,
        workers=workers,
        surgery_at_mm=RELAPSE_SURGERY_MM,
        executor=executor,
    )


def _late_hazard(free5: float, free20: float) -> float:
    """Yearly distant-relapse hazard over years 5-20 from the fractions still free then (a steady
    rate, as Pan 2017 report it); inf when nobody is free at 5 years."""
    if free5 <= 0.0:
        return math.inf
    return -math.log(max(free20, 1e-9) / free5) / (RELAPSE_YEARS - 5.0)


def relapse_by_node(table: dict) -> list[dict]:
    """The relapse cohort split by node status at surgery, beside Pan 2017's T1N0 and T1N1-3 late
    rates: a report (no pass line) of how strongly the model ties late relapse to the nodes."""
    first = table["first_distant_metastasis_years"]
    node = table["node_positive_at_surgery"]
    out = []
    for group, positive, published in (
        ("node-negative", False, PAN_T1N0_RATE),
        ("node-positive", True, PAN_T1N13_RATE),
    ):
        mine = np.array([math.inf if t is None else t for t, n in zip(first, node, strict=True) if n == positive])
        free5 = float(np.mean(mine > 5.0)) if mine.size else None
        late = _late_hazard(free5, float(np.mean(mine > RELAPSE_YEARS))) if free5 else None
        out.append(
            {
                "group": group,
                "patients": int(mine.size),
                "free_at_5_years": free5,
                "late_rate": late,
                "published_late_rate": published,
                "source": "[pan2017] T1N0" if not positive else "[pan2017] T1N1-3",
            }
        )
    return out


#: The shape of the hazard of breast-cancer recurrence after surgery in two trial series that no
#: parameter was fitted to: it peaks between years 1 and 2 ([saphner1996], [colleoni2016]); over
#: the first five years it averages 10.4 % a year against 15.2 % at the peak ([colleoni2016]).
#: Their patients (adjuvant trials, mostly node-positive) relapse far more often than this T1
#: cohort, so the report compares the curve's shape, not its height.
PUBLISHED_HAZARD_PEAK_YEARS = (1, 2)
PUBLISHED_PEAK_OVER_FIRST_5 = 15.2 / 10.4


def relapse_hazard(table: dict) -> dict:
    """The relapse cohort's yearly distant-relapse hazard (-ln of the fraction still free at the end
    of each year over that at its start; None once nobody is free), the year it peaks in, and the
    peak over the mean hazard of the first five years, beside the published shape: a report with
    no pass line."""
    free = {row["years"]: row["fraction"] for row in table["metastasis_free"]}

    def hazard(y0: int, y1: int) -> float | None:
        a, b = free.get(y0, 0.0), free.get(y1, 0.0)
        return math.log(a / b) / (y1 - y0) if a > 0 and b > 0 else None

    years = sorted(y for y in free if y > 0 and y - 1 in free)
    yearly = [{"from_years": y - 1, "to_years": y, "hazard": hazard(y - 1, y)} for y in years]
    known = [r for r in yearly if r["hazard"] is not None]
    peak = max(known, key=lambda r: r["hazard"]) if known else None
    first5 = hazard(0, 5)
    ratio = peak["hazard"] / first5 if peak and first5 else None
    return {
        "yearly": yearly,
        "peak_years": [peak["from_years"], peak["to_years"]] if peak else None,
        "peak_over_first_5_years": ratio,
        "published_peak_years": list(PUBLISHED_HAZARD_PEAK_YEARS),
        "published_peak_over_first_5_years": PUBLISHED_PEAK_OVER_FIRST_5,
        "source": "[saphner1996] [colleoni2016]",
    }


def relapse_targets(
    patients: int = RELAPSE_PATIENTS,
    seed: int = COHORT_SEED,
    workers: int | None = None,
    table: dict | None = None,
    executor=None,
) -> list[Result]:
    """Breast cancer removed at 15 mm and followed 20 years: some early relapses, then a steady tail."""
    r = table or relapse_cohort(patients, seed, workers, executor)
    free = {row["years"]: row["fraction"] for row in r["metastasis_free"]}
    early = 1.0 - free[2]
    late = _late_hazard(free[5], free[20])
    node = r.get("pct_node_positive_at_surgery", 0.0) / 100.0
    return [
        _factor(
            "Breast T1 at 15 mm: node-positive at surgery (fraction)",
            "validation",
            node,
            T1_NODE_POSITIVE,
            2.0,
            "[strang_t1]",
        ),
        Result(
            "Breast T1 at 15 mm: distant relapse within 2 years (fraction)",
            "validation",
            early,
            0.0,
            "> 0 (some patients) [saphner1996] [demicheli2004]",
            early > 0.0,
            "[saphner1996]",
        ),
        _factor(
            "Breast T1 at 15 mm: yearly distant-relapse rate, years 5-20",
            "validation",
            late,
            PAN_T1N0_RATE,
            2.0,
            "[pan2017] T1N0",
        ),
    ]


# --- fitted numbers, leaving one out, anatomy alone ------------------------------------------------
def current_fit() -> FitResult:
    """The fitted values now in the defaults and presets."""
    from sim_core.model.params import BY_PATH
    from sim_core.science.calibration import SHARED

    shared = {f"soil.{k}": BY_PATH[f"soil.{k}"].default for k in SOIL_KEYS}
    shared.update({k: BY_PATH[k].default for k in SHARED})
    per = {}
    for n in ROWS:
        p = load_scenario(n).params
        per[n] = {k: p[k] for k in ("shedding.rate_per_g_day", "shedding.lymph_fraction")}
        for a in AFFINITIES:
            if n in a.presets:
                per[n][f"affinity.{a.soil}"] = p[f"affinity.{a.soil}"]
    return FitResult(shared, per)


class StaleLeftOut(Exception):
    """The stored left-out values were fitted to other data than the current autopsy rows."""


def leave_one_out_params(held: str) -> dict:
    """The parameters that predict ``held`` from the other rows: its scenario with the values that
    ``seedsoil-sim calibrate`` refitted without its row (``fitted_values.LEFT_OUT``). Raises
    ``StaleLeftOut`` when the data those refits saw differ from today's rows."""
    from sim_core.model.fitted_values import LEFT_OUT, LEFT_OUT_DATA
    from sim_core.science.calibration import data_fingerprint, held_out_affinities

    others = [n for n in ROWS if n != held]
    if held not in LEFT_OUT or LEFT_OUT_DATA.get(held) != data_fingerprint(others):
        raise StaleLeftOut(
            f"fitted_values.LEFT_OUT[{held!r}]: missing or fitted to other data; "
            "run seedsoil-sim calibrate --left-out-only --write"
        )
    p = held_out_affinities(load_scenario(held).params)
    for k, v in LEFT_OUT[held].items():
        p.set(k, v)
    return p.as_dict()


def left_out_scenario(held: str):
    """``held``'s preset with the values that predict it from the other rows (``leave_one_out_params``)."""
    from sim_core.model.params import Params

    sc = load_scenario(held)
    sc.params = Params(leave_one_out_params(held))
    return sc


def leave_one_out(tables: dict[str, dict]) -> list[dict]:
    """Each primary predicted from the refit without its row (stored by ``calibrate``) by its
    simulated cohort in ``tables`` (``simulate_all``); beside it the pooled row's distance (the
    baseline) and the distance the row shows from itself by chance (``disibio.sampling_tvd``: the
    floor). Raises ``StaleLeftOut`` when the stored left-out values are stale."""
    for n in ROWS:
        leave_one_out_params(n)  # stale stored values: the error simulate_all left to this call
    return [
        {
            "primary": held,
            "tvd": float(tv_distance(_row_shares(tables[f"left out {held}"]), ROWS[held].shares())),
            "baseline_tvd": float(tv_distance(POOLED_SHARES, ROWS[held].shares())),
            "sampling_tvd": sampling_tvd(ROWS[held]),
        }
        for held in ROWS
    ]


def r2_log(observed, simulated) -> float:
    """R^2 of a straight-line fit of log observed share against log simulated share (sites with
    both shares above zero)."""
    o = np.asarray(observed, np.float64)
    s = np.asarray(simulated, np.float64)
    ok = (o > 0) & (s > 0)
    if ok.sum() < 3:
        return 0.0
    x, y = np.log(s[ok]), np.log(o[ok])
    c = np.corrcoef(x, y)[0, 1]
    return float(c * c) if math.isfinite(c) else 0.0


def anatomy_only(tables: dict[str, dict]) -> list[dict]:
    """Each row's anatomy-only cohort in ``tables`` (``simulate_all``): its distance and R² (log)."""
    out = []
    for n, row in ROWS.items():
        r = tables[f"anatomy {n}"]
        sim = _row_shares(r)
        out.append(
            {"primary": n, "tvd": float(tv_distance(sim, row.shares())), "r2_log": float(r2_log(row.shares(), sim))}
        )
    return out


def simulate_all(executor, progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """Every cohort ``validate`` reads, run as one batch through ``executor`` (``cohort.run_cohorts``:
    the same tables as running them one by one, with no worker idle between cohorts). Keys:
    ``relapse``, ``cohort <preset>`` (the 14 rows and the colorectal mixture), ``left out <preset>``
    (left out when the stored left-out values are stale: ``leave_one_out`` then says so) and
    ``anatomy <preset>``."""
    jobs = {
        "relapse": CohortJob(load_scenario("breast"), RELAPSE_PATIENTS, RELAPSE_YEARS, COHORT_SEED, RELAPSE_SURGERY_MM)
    }
    for n in [*ROWS, "colorectal"]:
        jobs[f"cohort {n}"] = CohortJob(load_scenario(n), COHORT_PATIENTS, COHORT_YEARS, COHORT_SEED)
    try:
        for n in ROWS:
            jobs[f"left out {n}"] = CohortJob(left_out_scenario(n), COHORT_PATIENTS, COHORT_YEARS, COHORT_SEED)
    except StaleLeftOut:
        jobs = {k: v for k, v in jobs.items() if not k.startswith("left out ")}
    for n in ROWS:
        jobs[f"anatomy {n}"] = CohortJob(
            load_scenario(n), ANATOMY_PATIENTS, COHORT_YEARS, COHORT_SEED, anatomy_only=True
        )
    return run_cohorts(jobs, executor, done=progress)


def summary(results: list[Result], loo: list[dict]) -> dict:
    fp = AutopsyFit(list(ROWS), models={n: None for n in ROWS}).free_parameters() + mouse_free_parameters()
    tv = np.array([r["tvd"] for r in loo]) if loo else np.zeros(0)
    base = np.array([r["baseline_tvd"] for r in loo]) if loo else np.zeros(0)
    checks = {
        "targets": bool(all(r.passed for r in results)),
        "free_parameters_at_most_half_of_data": bool(fp <= data_points() / 2),
        "leave_one_out_mean_at_most_0.8_baseline": bool(loo) and bool(float(tv.mean()) <= 0.8 * float(base.mean())),
        "leave_one_out_beats_baseline_two_thirds": bool(loo) and bool((tv < base).sum() >= math.ceil(2 * len(tv) / 3)),
    }
    return {"free_parameters": fp, "data_points": data_points(), "checks": checks}


def mouse_free_parameters() -> int:
    """Fitted to the injection experiments: fate.proliferate, micro.switch_per_doubling,
    bed.kill_liver_per_h, bed.kill_lung_per_h and the B16 lung soil (fate.dormant, fate.die and
    micro.regress_per_doubling are derived from the same figures, so they count too)."""
    return 8


def all_targets(
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    executor=None,
    reports: dict | None = None,
    tables: dict[str, dict] | None = None,
) -> list[Result]:
    """Every target, from simulated cohorts (``tables``, as ``simulate_all`` gives them, instead of
    running each cohort here). ``reports`` (a dict), if given, receives the figures that have no
    pass line: ``relapse_by_node`` and ``relapse_hazard``."""
    say = progress or (lambda m: None)
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    tables = tables or {}
    say("Luzzi and Fidler (mice)")
    results = luzzi_targets() + fidler_targets()
    for preset in [*ROWS, "colorectal"]:
        if f"cohort {preset}" not in tables:
            say(f"cohort {preset}")
        table = tables.get(f"cohort {preset}")
        results += cohort_targets(preset, workers=workers, executor=executor, table=table)
    if "relapse" not in tables:
        say("breast relapse after surgery")
    table = tables.get("relapse") or relapse_cohort(workers=workers, executor=executor)
    results += relapse_targets(table=table)
    if reports is not None:
        reports["relapse_by_node"] = relapse_by_node(table)
        reports["relapse_hazard"] = relapse_hazard(table)
    return results


def format_table(results: list[Result]) -> str:
    w = max(len(r.name) for r in results)
    lines = [f"{'target':<{w}}  {'kind':<11} {'got':>10}  {'expected':<28} pass"]
    for r in results:
        got = f"{r.got:.4g}" if math.isfinite(r.got) else str(r.got)
        exp = f"{r.expected:.4g} {r.tolerance}"
        lines.append(f"{r.name:<{w}}  {r.kind:<11} {got:>10}  {exp:<28} {'yes' if r.passed else 'NO'}")
    n_ok = sum(r.passed for r in results)
    lines.append(f"{n_ok} of {len(results)} targets pass")
    return "\n".join(lines)
