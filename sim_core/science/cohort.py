"""Virtual cohorts: many patients, one seed each, read like an autopsy table or a relapse study.

A patient is a preset (or, for a mixture such as colorectal, a preset drawn by its weight) with its
own seed and a doubling time drawn around the preset's. Without surgery the primary grows and sheds
for ``years``, or until the tumour burden kills the patient (``patient.lethal_cells``), and the
patient is then examined as at autopsy: a site counts when it holds a lesion a
pathologist would see (``detect.autopsy_mm`` in organs, ``detect.node_mm`` in sectioned lymph nodes).
With surgery (``surgery_at_mm``) the primary is removed when it reaches that diameter and the patient
is followed for ``years`` more; a distant metastasis is found when it reaches ``detect.clinical_mm``.
Patients are independent, so they run in parallel processes or on a Dask cluster without changing
any number.
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim_core.kernels.layout import KIND_NODE, KIND_ORGAN, MACRO
from sim_core.model.body_graph import CATEGORIES
from sim_core.model.engine import Engine, default_graph, mm_to_cells
from sim_core.model.errors import InputError
from sim_core.model.params import BY_PATH
from sim_core.model.scenario import Scenario

#: Step of cohort patients. Every rule is a hazard resolved exactly within a step, so a week gives
#: the same cohorts as a day (``tests/sim_core/test_cohort.py`` checks it) at a seventh of the cost.
COHORT_DT_DAYS = 7.0
#: A primary that has not reached the surgical size after this long is removed anyway.
MAX_YEARS_TO_SURGERY = 40.0


@dataclass
class PatientResult:
    preset: str
    doubling_days: float
    largest: np.ndarray  # float32 [n]: largest lesion (cells) per compartment at the end
    detectable: np.ndarray  # bool [n]: a lesion an examiner would find at the end
    macro: np.ndarray  # bool [n]: a vascularised lesion at the end
    examined_day: float = math.nan  # the day of the autopsy or the end of follow-up
    died: bool = False  # the tumour burden reached patient.lethal_cells
    surgery_day: float = math.nan
    primary_mm: float = math.nan  # diameter at surgery
    node_positive: bool = False  # a regional node lesion >= detect.surgical_node_mm at surgery
    first_distant_days: float = math.nan  # after surgery; 0 = present at surgery; nan = never


def patient_scenario(scenario: Scenario, seed: int, index: int) -> Scenario:
    """Patient ``index`` of a cohort: its preset (drawn from a mixture), seed and doubling time."""
    rng = np.random.Generator(np.random.Philox(key=[seed, index]))
    comps = scenario.components()
    pick = rng.random()
    sc = comps[-1][0]
    for comp, share in comps:
        if pick < share:
            sc = comp
            break
        pick -= share
    sc = sc.copy()
    cv = sc.params["primary.doubling_cv"]
    mean = sc.params["primary.doubling_days"]
    if cv > 0:
        s2 = math.log(1.0 + cv * cv)
        d = mean * math.exp(rng.normal(-0.5 * s2, math.sqrt(s2)))
        spec = BY_PATH["primary.doubling_days"]
        sc.params.set("primary.doubling_days", min(max(d, spec.lo), spec.hi))
    sd = sc.params["shedding.patient_sd"]
    if sd > 0:
        f = math.exp(rng.normal(-0.5 * sd * sd, sd))
        spec = BY_PATH["shedding.rate_per_g_day"]
        sc.params.set("shedding.rate_per_g_day", min(max(sc.params["shedding.rate_per_g_day"] * f, spec.lo), spec.hi))
    sc.seed = int(rng.integers(0, 2**62))
    return sc


def detect_cells(graph, params) -> np.ndarray:
    """Per compartment, the smallest lesion (cells) an autopsy counts: sectioned nodes, gross organs."""
    cpg = params["primary.cells_per_g"]
    node = mm_to_cells(params["detect.node_mm"], cpg)
    organ = mm_to_cells(params["detect.autopsy_mm"], cpg)
    return np.where(graph.kind == KIND_NODE, node, organ)


def distant_mask(graph, primary: str) -> np.ndarray:
    """Organs and lymph nodes outside the primary's regional basin."""
    regional = set(graph.regional_nodes.get(primary, ()))
    return np.array(
        [
            (k == KIND_ORGAN) or (k == KIND_NODE and cid not in regional)
            for k, cid in zip(graph.kind, graph.ids, strict=True)
        ]
    )


def largest_lesions(eng: Engine) -> np.ndarray:
    les = eng.lesions
    used = les.state > 0
    out = np.zeros(eng.graph.n)
    np.maximum.at(out, les.comp[used], les.cells[used])
    return out


def _run_patient(args) -> PatientResult:
    scenario, seed, index, years, surgery_mm, anatomy_only = args
    sc = patient_scenario(scenario, seed, index)
    if anatomy_only:
        sc.params.set("soil.weight", 0.0)
    if surgery_mm > 0:
        sc.params.set("surgery.at_mm", surgery_mm)
        sc.params.set("surgery.at_day", 0.0)
    eng = Engine(sc, record_every_days=1e12)
    g = eng.graph
    res = PatientResult(
        sc.name, sc.params["primary.doubling_days"], np.zeros(g.n, np.float32), np.zeros(g.n, bool), np.zeros(g.n, bool)
    )
    if surgery_mm > 0:
        limit = MAX_YEARS_TO_SURGERY * 365.25
        while eng.surgery_day is None and eng.t_days < limit:
            mm = eng.primary_mm()
            eng.step(COHORT_DT_DAYS * 86400.0)
            if eng.surgery_day is not None:
                res.primary_mm = mm
        if eng.surgery_day is None:
            res.primary_mm = eng.primary_mm()
            eng.remove_primary()
        assert eng.surgery_day is not None  # set by the surgery in a step or by remove_primary()
        res.surgery_day = float(eng.surgery_day)
        cpg = sc.params["primary.cells_per_g"]
        largest = largest_lesions(eng)
        regional = ~distant_mask(g, sc.primary) & (g.kind == KIND_NODE)
        res.node_positive = bool((largest[regional] >= mm_to_cells(sc.params["detect.surgical_node_mm"], cpg)).any())
        distant = distant_mask(g, sc.primary)
        clinical = mm_to_cells(sc.params["detect.clinical_mm"], cpg)
        if (largest[distant] >= clinical).any():
            res.first_distant_days = 0.0
        end = eng.t_days + years * 365.25
        while eng.t_days < end - 1e-9 and eng.death_day is None:
            eng.step(min(COHORT_DT_DAYS, end - eng.t_days) * 86400.0)
            if math.isnan(res.first_distant_days):
                les = eng.lesions
                hit = (les.state > 0) & (les.cells >= clinical)
                if hit.any() and distant[les.comp[hit]].any():
                    res.first_distant_days = eng.t_days - res.surgery_day
    else:
        # examined at death (tumour burden) or at the end of follow-up, whichever comes first
        end = years * 365.25
        while eng.t_days < end - 1e-9 and eng.death_day is None:
            eng.step(min(COHORT_DT_DAYS, end - eng.t_days) * 86400.0)
    res.examined_day = eng.t_days
    res.died = eng.death_day is not None
    largest = largest_lesions(eng)
    res.largest = largest.astype(np.float32)
    res.detectable = largest >= detect_cells(g, sc.params)
    les = eng.lesions
    res.macro = np.bincount(les.comp[les.state == MACRO], minlength=g.n) > 0
    return res


def _run_chunk(args) -> list[PatientResult]:
    scenario, seed, indices, years, surgery_mm, anatomy_only = args
    return [_run_patient((scenario, seed, i, years, surgery_mm, anatomy_only)) for i in indices]


def run_cohort(
    scenario: Scenario,
    patients: int,
    years: float,
    seed: int,
    workers: int | None = None,
    progress=None,
    scheduler: str | None = None,
    keep_patients: bool = False,
    surgery_at_mm: float = 0.0,
    anatomy_only: bool = False,
    executor=None,
    scheduler_file: str | None = None,
) -> dict:
    """Many patients, one seed each; the autopsy-style table of where metastases are, and with
    ``surgery_at_mm`` the relapse curve after removing the primary at that diameter.

    ``sites`` counts each compartment once per patient; ``categories`` regroups compartments into
    the columns of DiSibio & French 2008 and also counts each once per patient, which is what
    ``metastases_per_patient`` sums ("other" organs count one site each, as there). Counts are of
    detectable lesions; ``pct_patients_any`` counts any lesion. ``keep_patients`` adds
    ``patient_rows``, one flat dict per patient (``write_cohort_rows`` stores them). ``executor``
    (a process pool) runs the patients instead of a pool made for this call. With ``scheduler``
    (an address) or ``scheduler_file`` they run on that Dask scheduler's workers instead.
    """
    if scheduler or scheduler_file:
        from sim_core.science.cluster import check_options

        check_options("cohort", scheduler, scheduler_file, workers)
    if not 1 <= patients <= 100000:
        raise InputError("cohort", "--patients", "must be between 1 and 100000")
    if not 0 < years <= 100:
        raise InputError("cohort", "--years", "must be in (0, 100]")
    if not (surgery_at_mm == 0 or 0.2 <= surgery_at_mm <= 200):
        raise InputError("cohort", "--surgery-at-mm", "must be between 0.2 and 200 mm")
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers < 1:
        raise InputError("cohort", "--workers", "must be at least 1")
    results = run_patients(
        scenario,
        patients,
        years,
        seed,
        workers,
        progress,
        scheduler,
        surgery_at_mm,
        anatomy_only,
        executor,
        scheduler_file,
    )
    out = _cohort_table(scenario, seed, years, results, surgery_at_mm, anatomy_only)
    if keep_patients:
        out["patient_rows"] = patient_rows(scenario, seed, results)
    return out


def _cohort_table(
    scenario: Scenario, seed: int, years: float, results: list[PatientResult], surgery_at_mm: float, anatomy_only: bool
) -> dict:
    out = summarise_cohort(scenario, seed, years, results)
    out["anatomy_only"] = bool(anatomy_only)
    if surgery_at_mm > 0:
        out.update(relapse_summary(results, years, surgery_at_mm))
    return out


@dataclass(frozen=True)
class CohortJob:
    """One cohort of a batch that ``run_cohorts`` runs (the arguments of ``run_cohort``)."""

    scenario: Scenario
    patients: int
    years: float
    seed: int
    surgery_at_mm: float = 0.0
    anatomy_only: bool = False


#: Patients per task when ``run_cohorts`` queues several cohorts: small, so that the last tasks
#: of a batch end close together (a worker builds one engine per patient, whatever the task size).
BATCH_CHUNK = 4


def run_cohorts(jobs: dict[str, CohortJob], executor, done=None, chunk: int = BATCH_CHUNK) -> dict[str, dict]:
    """Several cohorts through one process pool at once, each table as ``run_cohort`` gives it (the
    same patients, the same numbers). Every cohort's patients are queued together, in small tasks
    and in the order of ``jobs``, so no worker waits for the slowest patients of one cohort before
    the next cohort starts; put the longest cohorts first. ``done(key)`` is called as each cohort
    is complete."""
    from concurrent.futures import as_completed

    tasks = {}
    for key, j in jobs.items():
        for a in range(0, j.patients, chunk):
            idx = list(range(a, min(a + chunk, j.patients)))
            args = (j.scenario, j.seed, idx, j.years, j.surgery_at_mm, j.anatomy_only)
            tasks[executor.submit(_run_chunk, args)] = (key, a)
    parts: dict[str, dict[int, list[PatientResult]]] = {k: {} for k in jobs}
    left = {k: -(-j.patients // chunk) for k, j in jobs.items()}
    out: dict[str, dict] = {}
    try:
        for fut in as_completed(tasks):
            key, a = tasks[fut]
            parts[key][a] = fut.result()
            left[key] -= 1
            if left[key] == 0:
                j = jobs[key]
                got = parts.pop(key)
                results = [r for a0 in sorted(got) for r in got[a0]]
                out[key] = _cohort_table(j.scenario, j.seed, j.years, results, j.surgery_at_mm, j.anatomy_only)
                if done:
                    done(key)
    except BaseException:
        for fut in tasks:
            fut.cancel()  # a failed patient (or Ctrl-C) stops the batch instead of running it out
        raise
    return {k: out[k] for k in jobs}


def run_patients(
    scenario: Scenario,
    patients: int,
    years: float,
    seed: int,
    workers: int = 1,
    progress=None,
    scheduler: str | None = None,
    surgery_at_mm: float = 0.0,
    anatomy_only: bool = False,
    executor=None,
    scheduler_file: str | None = None,
) -> list[PatientResult]:
    """The patients' results in patient order, however they were run."""
    if scheduler or scheduler_file:
        jobs = [(scenario, seed, i, years, surgery_at_mm, anatomy_only) for i in range(patients)]
        return _run_on_dask(jobs, scheduler, progress, scheduler_file)
    if executor is not None or (workers > 1 and patients >= 8):
        # chunks of consecutive patients: a worker builds its engines and kernels once per chunk
        size = max(1, min(25, patients // (4 * max(workers, 2))))
        chunks = [range(a, min(a + size, patients)) for a in range(0, patients, size)]
        chunk_jobs = [(scenario, seed, list(c), years, surgery_at_mm, anatomy_only) for c in chunks]
        results: list[PatientResult] = []
        ex = executor or ProcessPoolExecutor(max_workers=workers)
        try:
            for part in ex.map(_run_chunk, chunk_jobs):
                results += part
                if progress:
                    progress(len(results) / patients)
        finally:
            if executor is None:
                ex.shutdown()
        return results
    results = []
    for i in range(patients):
        results.append(_run_patient((scenario, seed, i, years, surgery_at_mm, anatomy_only)))
        if progress:
            progress((i + 1) / patients)
    return results


def _run_on_dask(
    jobs: list, scheduler: str | None, progress=None, scheduler_file: str | None = None
) -> list[PatientResult]:
    """Run the patients on an existing Dask scheduler (its address, or the file it wrote); results
    come back in patient order. ``sim_core.science.cluster`` checks the workers and warms them up first."""
    from sim_core.science.cluster import dask_client

    with dask_client("cohort", scheduler, scheduler_file, local=False) as client:
        from distributed import as_completed

        futures = client.map(_run_patient, jobs, pure=False)
        where = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(jobs)
        for n, fut in enumerate(as_completed(futures)):
            results[where[fut.key]] = fut.result()
            if progress:
                progress((n + 1) / len(jobs))
    return results


def site_compartments(graph) -> list[int]:
    return [c for c in range(graph.n) if graph.kind[c] in (KIND_ORGAN, KIND_NODE)]


def category_keys(graph, primary: str) -> dict[str, list[int]]:
    """Sites counted once per patient, as DiSibio counted them: each named category is one site,
    and each organ of the "other" column is a site of its own."""
    out: dict[str, list[int]] = {}
    own = graph.own_organ.get(primary, "")
    for c in site_compartments(graph):
        if graph.ids[c] == own:
            continue
        cat = graph.site_category(c, primary)
        key = graph.ids[c] if cat == "other" else cat
        out.setdefault(key, []).append(c)
    return out


def summarise_cohort(scenario: Scenario, seed: int, years: float, results: list[PatientResult]) -> dict:
    g = default_graph()
    n_pat = len(results)
    det = np.array([r.detectable for r in results]).reshape(n_pat, g.n)
    anyl = np.array([r.largest > 0 for r in results]).reshape(n_pat, g.n)
    macro = np.array([r.macro for r in results]).reshape(n_pat, g.n)
    largest = np.array([r.largest for r in results]).reshape(n_pat, g.n)
    primaries = [_primary_of(scenario, r.preset) for r in results]
    site_comps = site_compartments(g)
    # per patient: which keyed sites are involved (keys depend on the patient's primary)
    events = {cat: np.zeros(n_pat, bool) for cat in CATEGORIES}
    other_events = np.zeros(n_pat)
    for i, prim in enumerate(primaries):
        for key, cs in category_keys(g, prim).items():
            hit = bool(det[i, cs].any())
            if key.startswith(("organ:", "node:")):
                events["other"][i] |= hit
                other_events[i] += hit
            else:
                events[key][i] = hit
    total = sum(int(events[c].sum()) for c in CATEGORIES if c != "other") + float(other_events.sum())
    categories = {}
    for cat in CATEGORIES:
        n_ev = float(other_events.sum()) if cat == "other" else float(events[cat].sum())
        categories[cat] = {
            "pct_patients": 100.0 * float(events[cat].mean()) if n_pat else 0.0,
            "pct_metastases": 100.0 * n_ev / total if total else 0.0,
        }
    comp_total = int(det[:, site_comps].sum())
    sites = {}
    for c in site_comps:
        k = int(det[:, c].sum())
        here = largest[anyl[:, c], c]
        sites[g.ids[c]] = {
            "name": g.names[c],
            "category": g.site_category(c, scenario.primary),
            "pct_patients": 100.0 * k / n_pat,
            "pct_patients_any": 100.0 * float(anyl[:, c].mean()),
            "pct_patients_macro": 100.0 * float(macro[:, c].mean()),
            "pct_metastases": 100.0 * k / comp_total if comp_total else 0.0,
            "largest_lesion_cells": float(np.median(here)) if here.size else 0.0,
        }
    return {
        "scenario": scenario.name,
        "seed": seed,
        "years": years,
        "patients": n_pat,
        "pct_died": 100.0 * float(np.mean([r.died for r in results])) if n_pat else 0.0,
        "median_years_examined": float(np.median([r.examined_day for r in results])) / 365.25 if n_pat else 0.0,
        "metastases_per_patient": total / n_pat if n_pat else 0.0,
        "pct_patients_any": 100.0 * float(anyl[:, site_comps].any(axis=1).mean()),
        "pct_patients_detectable": 100.0 * float(det[:, site_comps].any(axis=1).mean()),
        "sites": sites,
        "categories": categories,
    }


def _primary_of(scenario: Scenario, preset: str) -> str:
    if not scenario.mix:
        return scenario.primary
    for comp, _ in scenario.components():
        if comp.name == preset:
            return comp.primary
    return scenario.primary


def relapse_summary(results: list[PatientResult], years: float, surgery_mm: float) -> dict:
    """Metastasis-free fraction at each whole year after surgery, each patient's time to the first
    distant metastasis (years; 0 if present at surgery; None if none was found) and whether a
    regional node held a lesion at surgery (the same patients, in the same order)."""
    first = np.array([r.first_distant_days for r in results]) / 365.25
    free = []
    for y in range(int(math.floor(years + 1e-9)) + 1):
        free.append({"years": y, "fraction": float(np.mean(~(first <= y))) if len(first) else 0.0})
    return {
        "surgery_at_mm": surgery_mm,
        "metastasis_free": free,
        "first_distant_metastasis_years": [None if math.isnan(x) else round(float(x), 4) for x in first],
        "pct_node_positive_at_surgery": 100.0 * float(np.mean([r.node_positive for r in results])),
        "node_positive_at_surgery": [bool(r.node_positive) for r in results],
        "median_years_to_surgery": float(np.median([r.surgery_day for r in results])) / 365.25,
    }


def patient_rows(scenario: Scenario, seed: int, results: list[PatientResult]) -> list[dict]:
    """One flat row per patient: its preset, seed and doubling time, and where it has metastases."""
    g = default_graph()
    sites = site_compartments(g)
    rows = []
    for i, r in enumerate(results):
        sc = patient_scenario(scenario, seed, i)
        row = {
            "patient": i,
            "preset": r.preset,
            "seed": sc.seed,
            "doubling_days": r.doubling_days,
            "sites_detectable": int(r.detectable[sites].sum()),
            "sites_any": int((r.largest[sites] > 0).sum()),
        }
        if not math.isnan(r.surgery_day):
            row["surgery_day"] = r.surgery_day
            row["first_distant_metastasis_years"] = (
                r.first_distant_days / 365.25 if not math.isnan(r.first_distant_days) else -1.0
            )
        for c in sites:
            row[lesion_column(g.ids[c])] = (
                LESION_STATES[2] if r.detectable[c] else LESION_STATES[int(bool(r.largest[c] > 0))]
            )
        rows.append(row)
    return rows


def check_cohort_out(path: str) -> None:
    """Refuse a bad ``--out`` before the cohort runs, not after."""
    from sim_core.io.export import check_out_path

    check_out_path(path, "--out")


#: The values of a patient's ``<site>_lesion`` column: no lesion there, only lesions too small
#: for the observer to see (the detection model's thresholds), or a detectable lesion.
LESION_STATES = ("none", "too small to see", "detectable")


def lesion_column(site_id: str) -> str:
    """A patient row's column for a site: ``organ:liver`` -> ``organ_liver_lesion``."""
    return site_id.replace(":", "_") + "_lesion"


def meta_path(p):
    """The JSON file beside a CSV export that holds what the CSV cannot: version, scenario, seed."""
    from pathlib import Path

    p = Path(p)
    return p.with_name(p.name + ".meta.json")


def cohort_csv_text(rows: list[dict]) -> str:
    """The CSV form of per-patient rows: the header row, then one line a patient."""
    cols = list(rows[0]) if rows else ["patient"]
    lines = [",".join(cols)]
    for r in rows:
        lines.append(",".join(repr(r[c]) if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols))
    return "\n".join(lines) + "\n"


def write_cohort_rows(
    scenario: Scenario,
    rows: list[dict],
    path: str,
    seed: int,
    years: float,
    surgery_at_mm: float = 0.0,
    anatomy_only: bool = False,
) -> None:
    """Store the per-patient rows atomically; a site's ``<site>_lesion`` column says in words what
    the patient has there (``LESION_STATES``). Parquet keeps the cohort's scenario, seed and version
    in its schema metadata; a CSV file starts with its header row (so that any CSV reader takes it
    as it is) and has them in ``FILE.meta.json`` beside it, written together with it."""
    from pathlib import Path

    from sim_core.io.export import write_files_atomic
    from sim_core.version import __version__

    p = Path(path)
    check_cohort_out(path)
    info = {
        "seedsoil_version": __version__,
        "scenario_toml": scenario.to_toml(),
        "seed": int(seed),
        "years": float(years),
        "patients": len(rows),
        "lesion_states": list(LESION_STATES),
        "surgery_at_mm": float(surgery_at_mm),
        "anatomy_only": bool(anatomy_only),
    }
    cols = list(rows[0]) if rows else ["patient"]
    if p.suffix.lower() == ".csv":
        files = {p: cohort_csv_text(rows).encode(), meta_path(p): (json.dumps(info, indent=1) + "\n").encode()}
    else:  # Parquet (check_cohort_out has made sure pyarrow is there): the same facts, as JSON text
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = {k: v if isinstance(v, str) else json.dumps(v) for k, v in info.items()}
        table = pa.table({c: [r.get(c) for r in rows] for c in cols}).replace_schema_metadata(meta)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        files = {p: sink.getvalue().to_pybytes()}
    write_files_atomic(files, "--out")
