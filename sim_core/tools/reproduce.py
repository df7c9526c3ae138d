"""``seedsoil-sim reproduce FILE``: run again what made an export, and say whether the numbers are
identical.

- A time series (``run --out``, the Lab's export; CSV or Parquet) carries its run receipt (beside
  the CSV, inside the Parquet file): the receipt is replayed step by step and the series it gives is
  compared, column by column, with the file's (for CSV, as the file writes numbers: 10 significant
  digits).
- A cohort (``cohort --out``) carries its scenario, seed, years and options (in ``FILE.meta.json``
  beside a CSV, in Parquet's metadata): the cohort is run again and compared patient by patient.
- A sweep (``sweep --out``, Parquet) carries its base scenario, grid, days and base seed in its
  metadata and each row its parameter values, seed and days: a row (``--row N``, default the first,
  or ``--row all``) is run again and compared column by column.
- A receipt alone (``.receipt.toml``, a PNG or SVG export) holds no numbers: it is replayed to its
  step, which checks that the history still adds up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sim_core.model.errors import InputError


def _parquet_meta(p: Path) -> dict:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(str(p), "", "Parquet needs pyarrow (pip install pyarrow)") from None
    try:
        return pq.read_schema(p).metadata or {}
    except Exception as exc:  # noqa: BLE001  (pyarrow raises several kinds for a bad file)
        raise InputError(str(p), "", f"not a readable Parquet file ({exc})") from None


def _cohort_meta(p: Path) -> dict | None:
    if p.suffix.lower() == ".parquet":
        meta = _parquet_meta(p)
        if b"scenario_toml" not in meta or b"patients" not in meta:
            return None
        d = {k.decode(): v.decode() for k, v in meta.items()}
        try:
            return {k: v if k in ("scenario_toml", "seedsoil_version") else json.loads(v) for k, v in d.items()}
        except ValueError as exc:
            raise InputError(str(p), "metadata", f"not the JSON values a cohort writes ({exc})") from None
    from sim_core.science.cohort import meta_path

    side = meta_path(p)
    if p.suffix.lower() == ".csv" and side.is_file():
        try:
            return json.loads(side.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(str(side), "", f"not readable JSON ({exc})") from None
    return None


def _sweep_meta(p: Path) -> dict | None:
    """A sweep's metadata, decoded (every value is JSON text but the bare ``scenario`` name), or
    None if ``p`` is not a sweep's Parquet file."""
    if p.suffix.lower() != ".parquet":
        return None
    raw = _parquet_meta(p)
    if b"grid" not in raw or b"replicates" not in raw:
        return None
    if b"scenario_toml" not in raw:
        raise InputError(
            str(p),
            "metadata",
            "an older sweep file: its metadata keeps no base scenario (scenario_toml) to run the rows again from",
        )
    out = {}
    for k, v in raw.items():
        key = k.decode("utf-8", "replace")
        if key == "scenario" or key.startswith("ARROW:"):
            continue
        try:
            out[key] = json.loads(v)
        except ValueError as exc:
            raise InputError(str(p), f"metadata {key}", f"not the JSON a sweep writes ({exc})") from None
    if not isinstance(out.get("scenario_toml"), str):
        raise InputError(str(p), "metadata scenario_toml", "not a scenario's TOML text")
    return out


def _rerun_row(args) -> dict:
    from sim_core.tools.sweep import run_one

    return run_one(*args)


def _sweep_rows(p: Path, n_rows: int, row) -> list[int]:
    if row is None:
        return [0]
    if str(row).strip().lower() == "all":
        return list(range(n_rows))
    try:
        i = int(str(row))
    except ValueError:
        raise InputError(str(p), "--row", f"{row!r} is neither a row number nor 'all'") from None
    if not 0 <= i < n_rows:
        raise InputError(str(p), "--row", f"no row {i}: the file has rows 0 to {n_rows - 1}")
    return [i]


def _rerun_rows(jobs: list[tuple], workers: int | None, progress) -> list[dict]:
    """``_rerun_row`` of each job, in order: on ``workers`` processes (default: the CPUs, at most
    8) when there are several jobs, else here; ``progress`` gets the share done after each."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers < 1:
        raise InputError("reproduce", "--workers", "must be at least 1")
    new: list[dict] = []
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as ex:
            for out in ex.map(_rerun_row, jobs):
                new.append(out)
                if progress:
                    progress(len(new) / len(jobs))
    else:
        for job in jobs:
            new.append(_rerun_row(job))
            if progress:
                progress(len(new) / len(jobs))
    return new


def _sweep(p: Path, meta: dict, row, workers: int | None, progress) -> dict:
    """Run sweep rows again from the stored base scenario and compare every column but ``version``."""
    import pyarrow.parquet as pq

    from sim_core.model.scenario import parse_scenario
    from sim_core.tools.sweep import run_key
    from sim_core.version import __version__

    toml = meta["scenario_toml"]
    parse_scenario(toml, f"{p}: metadata scenario_toml")  # a bad scenario is one line, here
    try:
        stored = pq.read_table(p).to_pylist()
    except Exception as exc:  # noqa: BLE001
        raise InputError(str(p), "", f"not a readable Parquet file ({exc})") from None
    if not stored:
        raise InputError(str(p), "", "the sweep holds no rows")
    which = _sweep_rows(p, len(stored), row)
    jobs = []
    for i in which:
        r = stored[i]
        point = {k[len("param:") :]: float(v) for k, v in r.items() if k.startswith("param:") and v is not None}
        try:
            seed, days, rep, key = int(r["seed"]), float(r["days"]), int(r["replicate"]), str(r["run_key"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(str(p), f"row {i}", f"lacks what a sweep row holds ({exc})") from None
        if r.get("version") == __version__ and run_key(toml, point, seed, days) != key:
            raise InputError(
                str(p),
                f"row {i}",
                "was not made from the scenario in the file's metadata "
                "(its run_key differs): nothing to compare it with",
            )
        jobs.append((toml, point, seed, days, rep, key))
    new = _rerun_rows(jobs, workers, progress)
    differing, first = [], None
    for i, fresh in zip(which, new, strict=True):
        old = {k: v for k, v in stored[i].items() if v is not None and k != "version"}
        fresh = {k: v for k, v in fresh.items() if k != "version"}
        cols = [c for c in sorted(set(old) | set(fresh)) if old.get(c) != fresh.get(c)]
        if cols:
            differing.append(i)
            if first is None:
                first = f"row {i} column {cols[0]}"
    return {
        "file": str(p),
        "kind": "sweep",
        "identical": not differing,
        "rows": which,
        "rows_compared": len(which),
        "rows_differing": differing,
        "first_difference": first,
        "stored_version": stored[which[0]].get("version"),
    }


def _first_difference(a: Sequence[object], b: Sequence[object]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):  # a shorter one differs at its end
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _cohort(p: Path, meta: dict, workers: int | None, progress) -> dict:
    from sim_core.model.scenario import parse_scenario
    from sim_core.science.cohort import cohort_csv_text, run_cohort

    try:
        sc = parse_scenario(meta["scenario_toml"], f"{p}: scenario_toml")
        seed, years, patients = int(meta["seed"]), float(meta["years"]), int(meta["patients"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(p), "metadata", f"incomplete cohort metadata ({exc})") from None
    r = run_cohort(
        sc,
        patients,
        years,
        seed,
        workers=workers,
        keep_patients=True,
        progress=progress,
        surgery_at_mm=float(meta.get("surgery_at_mm", 0.0)),
        anatomy_only=bool(meta.get("anatomy_only", False)),
    )
    rows = r["patient_rows"]
    if p.suffix.lower() == ".csv":
        old: Sequence[object] = p.read_text("utf-8").splitlines()
        new: Sequence[object] = cohort_csv_text(rows).splitlines()
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(p)
        cols = list(rows[0]) if rows else ["patient"]
        old = [t.column_names] + [list(x) for x in zip(*(t.column(c).to_pylist() for c in t.column_names), strict=True)]
        new = [cols] + [[row.get(c) for c in cols] for row in rows]
    first = _first_difference(old, new)
    return {
        "file": str(p),
        "kind": "cohort",
        "identical": first is None,
        "patients": patients,
        "rows_compared": min(len(old), len(new)) - 1,
        "first_difference": None if first is None else f"line {first + 1}",
    }


def _cell(text: str):
    """A CSV cell as the number it writes (so 1e+06 and 1000000 are the same), else as text."""
    try:
        return float(text)
    except ValueError:
        return text


def _timeseries(p: Path, eng) -> dict:
    """Compare a time-series export, wide or long, with the same series written again from the
    replayed run by the same writer (CSV: line by line, as the file writes numbers; Parquet: column
    by column)."""
    from sim_core.io.export import LONG_COLUMNS, timeseries_csv, timeseries_table

    if p.suffix.lower() == ".csv":
        import csv

        old = list(csv.reader(p.read_text("utf-8").splitlines()))
        long = bool(old) and old[0] == list(LONG_COLUMNS)
        new = list(csv.reader(timeseries_csv(eng, long).decode().splitlines()))
        head_old, head_new = (old[0] if old else []), new[0]
        rows_old, rows_new = [tuple(map(_cell, r)) for r in old[1:]], [tuple(map(_cell, r)) for r in new[1:]]
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(p)
        long = t.column_names == list(LONG_COLUMNS)
        w = timeseries_table(eng, long)
        head_old, head_new = t.column_names, w.column_names
        rows_old = list(zip(*(t.column(c).to_pylist() for c in head_old), strict=True)) if head_old else []
        rows_new = list(zip(*(w.column(c).to_pylist() for c in head_new), strict=True))
    same_columns = head_old == head_new
    same_shape = same_columns and len(rows_old) == len(rows_new)
    differ = sum(a != b for a, b in zip(rows_old, rows_new, strict=True)) if same_shape else None
    return {
        "file": str(p),
        "kind": "timeseries",
        "layout": "long" if long else "wide",
        "identical": bool(same_shape and differ == 0),
        "step": int(eng.step_index),
        "rows": len(rows_new),
        "columns": len(head_new),
        "rows_differing": differ,
        "same_columns": same_columns,
    }


def reproduce(path: str | Path, workers: int | None = None, progress=None, row: int | str | None = None) -> dict:
    """Re-run what made ``path`` and compare; ``identical`` is True, False, or None for a receipt
    that holds no numbers (then ``replayed`` says it reached its step). ``row`` picks the rows of a
    sweep to run again: a row number (default 0) or ``"all"``."""
    from sim_core.io.receipt import find_receipt, parse_receipt, replay_receipt

    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "", "no such file")
    sweep = _sweep_meta(p)
    if sweep is not None:
        return _sweep(p, sweep, row, workers, progress)
    if row is not None:
        raise InputError(str(p), "--row", "only a sweep's Parquet file has rows to choose from")
    meta = _cohort_meta(p)
    if meta is not None:
        return _cohort(p, meta, workers, progress)
    text = find_receipt(p)
    if text is None:
        raise InputError(str(p), "", "carries no run receipt and no cohort or sweep metadata: nothing to reproduce")
    r = parse_receipt(text, str(p))
    eng = replay_receipt(r, progress=progress)
    if p.suffix.lower() in (".csv", ".parquet"):
        return _timeseries(p, eng)
    return {
        "file": str(p),
        "kind": "receipt",
        "identical": None,
        "replayed": True,
        "step": int(eng.step_index),
        "t_days": float(eng.t_days),
    }
