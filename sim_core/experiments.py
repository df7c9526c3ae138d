"""The three ways to run the model: a patient, an injection experiment and a virtual cohort.

Each builds an ``Engine`` from a scenario and a seed and reads its outputs; the CLI, the
validation and the window call these, so all of them use the same engine and defaults.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .body_graph import CATEGORIES, KIND_NODE, KIND_ORGAN
from .engine import Engine, default_graph
from .errors import InputError
from .kernels.lesions import MACRO, MICRO
from .params import BY_PATH
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
    """Inject cells into a vessel and follow them (the Luzzi / Fidler designs, science §1).

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


def _observe(eng: Engine, c: int, injected: int) -> dict:
    po, les = eng.pools, eng.lesions
    here = (les.comp == c) & (les.state > 0)
    alive_here = float(po.alive()[c] + les.cells[here].sum())
    solitary = float(po.dormant[c].sum() + po.doomed[c].sum())
    return {
        "t_days": round(eng.t_days, 6),
        "alive": alive_here / injected,
        "alive_anywhere": float(eng.cells_per_compartment().sum() + eng.alive_in_transit()) / injected,
        "arrested": float(po.arrested_cum[c]) / injected,
        "extravasated": float(po.extravasated_cum[c]) / injected,
        "dormant": solitary / injected,
        "micrometastases": int(((les.comp == c) & (les.state == MICRO)).sum()) / injected,
        "macrometastases": int(((les.comp == c) & (les.state == MACRO)).sum()) / injected,
    }


# --- virtual cohorts ---------------------------------------------------------------------------
@dataclass
class PatientResult:
    involved: np.ndarray          # bool [n compartments]: a micro- or macrometastasis there
    macro: np.ndarray             # bool [n]


def patient_scenario(scenario: Scenario, seed: int, index: int) -> Scenario:
    """Patient ``index`` of a cohort: its own seed and a doubling time drawn around the preset's."""
    sc = scenario.copy()
    rng = np.random.Generator(np.random.Philox(key=[seed, index]))
    cv = sc.params["primary.doubling_cv"]
    mean = sc.params["primary.doubling_days"]
    if cv > 0:
        s2 = math.log(1.0 + cv * cv)
        d = mean * math.exp(rng.normal(-0.5 * s2, math.sqrt(s2)))
        spec = BY_PATH["primary.doubling_days"]
        sc.params.set("primary.doubling_days", min(max(d, spec.lo), spec.hi))
    sc.seed = int(rng.integers(0, 2**62))
    return sc


def _run_one(args) -> PatientResult:
    scenario, seed, index, days = args
    eng = Engine(patient_scenario(scenario, seed, index), record_every_days=1e9)
    eng.advance(days, PATIENT_DT_DAYS)
    les = eng.lesions
    n = eng.graph.n
    involved = np.bincount(les.comp[les.state > 0], minlength=n) > 0
    macro = np.bincount(les.comp[les.state == MACRO], minlength=n) > 0
    return PatientResult(involved, macro)


def run_cohort(scenario: Scenario, patients: int, years: float, seed: int, workers: int | None = None,
               progress=None, scheduler: str | None = None, keep_patients: bool = False) -> dict:
    """Many patients, one seed each; the autopsy-style table of where metastases are.

    ``sites`` counts each compartment once per patient; ``categories`` regroups compartments into
    the columns of DiSibio & French 2008 (science §5a) and also counts each once per patient, which
    is what ``metastases_per_patient`` sums ("other" organs count one site each, as there).
    Patients are independent, so they may run in parallel processes, or on the Dask cluster at
    ``scheduler`` (as ``seedsoil-sim sweep``), without changing any number. ``keep_patients`` adds
    ``patient_rows``, one flat dict per patient (``write_cohort_rows`` stores them).
    """
    if not 1 <= patients <= 100000:
        raise InputError("cohort", "--patients", "must be between 1 and 100000")
    if not 0 < years <= 100:
        raise InputError("cohort", "--years", "must be in (0, 100]")
    days = years * 365.25
    jobs = [(scenario, seed, i, days) for i in range(patients)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    results: list[PatientResult] = []
    if scheduler:
        results = _run_on_dask(jobs, scheduler, progress)
    elif workers > 1 and patients >= 8:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for i, r in enumerate(ex.map(_run_one, jobs, chunksize=max(1, patients // (4 * workers)))):
                results.append(r)
                if progress:
                    progress((i + 1) / patients)
    else:
        for i, job in enumerate(jobs):
            results.append(_run_one(job))
            if progress:
                progress((i + 1) / patients)
    out = summarise_cohort(scenario, seed, years, results)
    if keep_patients:
        out["patient_rows"] = patient_rows(scenario, seed, results)
    return out


def _run_on_dask(jobs: list, scheduler: str, progress=None) -> list[PatientResult]:
    """Run the patients on an existing Dask scheduler; results come back in patient order."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("cohort", "--scheduler", "needs dask[distributed] (pip install 'seedsoil[sweep]')") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("cohort", "--scheduler", f"cannot reach {scheduler!r} ({exc})") from None
    try:
        futures = client.map(_run_one, jobs, pure=False)
        where = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(jobs)
        for n, fut in enumerate(as_completed(futures)):
            results[where[fut.key]] = fut.result()
            if progress:
                progress((n + 1) / len(jobs))
    finally:
        client.close()
    return results


def patient_rows(scenario: Scenario, seed: int, results: list[PatientResult]) -> list[dict]:
    """One flat row per patient: its seed and doubling time, and where it has metastases."""
    g = default_graph()
    sites = [c for c in range(g.n) if g.kind[c] in (KIND_ORGAN, KIND_NODE)]
    rows = []
    for i, r in enumerate(results):
        sc = patient_scenario(scenario, seed, i)
        row = {"patient": i, "seed": sc.seed, "doubling_days": sc.params["primary.doubling_days"],
               "sites_involved": int(r.involved[sites].sum()), "sites_macro": int(r.macro[sites].sum())}
        for c in sites:
            row[f"site:{g.ids[c]}"] = 2 if r.macro[c] else int(bool(r.involved[c]))
        rows.append(row)
    return rows


def check_cohort_out(path: str) -> None:
    """Refuse a bad ``--out`` before the cohort runs, not after."""
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(str(p), "--out", "the file name must end in .csv or .parquet")
    if not p.parent.is_dir():
        raise InputError(str(p), "--out", "the folder does not exist")


def write_cohort_rows(scenario: Scenario, rows: list[dict], path: str, seed: int, years: float) -> None:
    """Store the per-patient rows atomically; ``site:<id>`` is 0 none, 1 micrometastasis only, 2 macro.
    Parquet keeps the cohort's scenario, seed and version in its schema metadata; CSV in a first
    comment line."""
    import io
    from pathlib import Path

    from . import __version__
    from .export import write_files_atomic

    p = Path(path)
    check_cohort_out(path)
    meta = {"seedsoil_version": __version__, "scenario_toml": scenario.to_toml(), "seed": str(seed),
            "years": repr(float(years)), "patients": str(len(rows))}
    cols = list(rows[0]) if rows else ["patient"]
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(str(p), "--out", "Parquet needs pyarrow (pip install pyarrow); use .csv instead") from None
        table = pa.table({c: [r[c] for r in rows] for c in cols}).replace_schema_metadata(meta)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        data = sink.getvalue().to_pybytes()
    else:
        buf = io.StringIO()
        buf.write(f"# seedsoil {__version__} cohort scenario={scenario.name} seed={seed} years={years:g}\n")
        buf.write(",".join(cols) + "\n")
        for r in rows:
            buf.write(",".join(repr(r[c]) if isinstance(r[c], float) else str(r[c]) for c in cols) + "\n")
        data = buf.getvalue().encode()
    write_files_atomic({p: data}, "--out")


def summarise_cohort(scenario: Scenario, seed: int, years: float, results: list[PatientResult]) -> dict:
    g = default_graph()
    n_pat = len(results)
    involved = np.array([r.involved for r in results])
    macro = np.array([r.macro for r in results])
    site_comps = [c for c in range(g.n) if g.kind[c] in (KIND_ORGAN, KIND_NODE)]
    # category-level involvement: "other" organs stay separate sites
    cat_sites: dict[str, list[int]] = {}
    for c in site_comps:
        cat = g.site_category(c, scenario.primary)
        key = g.ids[c] if cat == "other" else cat
        cat_sites.setdefault(key, []).append(c)
    per_key = {k: involved[:, cs].any(axis=1) for k, cs in cat_sites.items()}
    total_site_events = sum(int(v.sum()) for v in per_key.values())
    sites = {}
    comp_total = int(involved[:, site_comps].sum())
    for c in site_comps:
        k = int(involved[:, c].sum())
        sites[g.ids[c]] = {"name": g.names[c], "category": g.site_category(c, scenario.primary),
                           "pct_patients": 100.0 * k / n_pat,
                           "pct_patients_macro": 100.0 * int(macro[:, c].sum()) / n_pat,
                           "pct_metastases": 100.0 * k / comp_total if comp_total else 0.0}
    categories = {}
    for cat in CATEGORIES:
        keys = [k for k in per_key if (k == cat) or (cat == "other" and k.startswith(("organ:", "node:")))]
        events = sum(int(per_key[k].sum()) for k in keys)
        pat = np.zeros(n_pat, bool)
        for k in keys:
            pat |= per_key[k]
        categories[cat] = {"pct_patients": 100.0 * pat.mean() if n_pat else 0.0,
                           "pct_metastases": 100.0 * events / total_site_events if total_site_events else 0.0}
    return {"scenario": scenario.name, "seed": seed, "years": years, "patients": n_pat,
            "metastases_per_patient": total_site_events / n_pat if n_pat else 0.0,
            "pct_patients_any": 100.0 * float(involved[:, site_comps].any(axis=1).mean()),
            "sites": sites, "categories": categories}
