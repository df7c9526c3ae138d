"""``seedsoil-sim reproduce FILE``: run again what made an export, and say whether the numbers are
identical.

- A time series (``run --out``, the Lab's export; CSV or Parquet) carries its run receipt (beside
  the CSV, inside the Parquet file): the receipt is replayed step by step and the series it gives is
  compared, column by column, with the file's (for CSV, as the file writes numbers: 10 significant
  digits).
- A cohort (``cohort --out``) carries its scenario, seed, years and options (in ``FILE.meta.json``
  beside a CSV, in Parquet's metadata): the cohort is run again and compared patient by patient.
- A receipt alone (``.receipt.toml``, a PNG or SVG export) holds no numbers: it is replayed to its
  step, which checks that the history still adds up.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import InputError


def _cohort_meta(p: Path) -> dict | None:
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(str(p), "", "Parquet needs pyarrow (pip install pyarrow)") from None
        try:
            meta = pq.read_schema(p).metadata or {}
        except Exception as exc:  # noqa: BLE001  (pyarrow raises several kinds for a bad file)
            raise InputError(str(p), "", f"not a readable Parquet file ({exc})") from None
        if b"scenario_toml" not in meta or b"patients" not in meta:
            return None
        d = {k.decode(): v.decode() for k, v in meta.items()}
        try:
            return {k: v if k in ("scenario_toml", "seedsoil_version") else json.loads(v) for k, v in d.items()}
        except ValueError as exc:
            raise InputError(str(p), "metadata", f"not the JSON values a cohort writes ({exc})") from None
    from .cohort import meta_path

    side = meta_path(p)
    if p.suffix.lower() == ".csv" and side.is_file():
        try:
            return json.loads(side.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(str(side), "", f"not readable JSON ({exc})") from None
    return None


def _first_difference(a: list, b: list) -> int | None:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _cohort(p: Path, meta: dict, workers: int | None, progress) -> dict:
    from .cohort import cohort_csv_text, run_cohort
    from .scenario import parse_scenario

    try:
        sc = parse_scenario(meta["scenario_toml"], f"{p}: scenario_toml")
        seed, years, patients = int(meta["seed"]), float(meta["years"]), int(meta["patients"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(p), "metadata", f"incomplete cohort metadata ({exc})") from None
    r = run_cohort(sc, patients, years, seed, workers=workers, keep_patients=True, progress=progress,
                   surgery_at_mm=float(meta.get("surgery_at_mm", 0.0)),
                   anatomy_only=bool(meta.get("anatomy_only", False)))
    rows = r["patient_rows"]
    if p.suffix.lower() == ".csv":
        old = p.read_text("utf-8").splitlines()
        new = cohort_csv_text(rows).splitlines()
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(p)
        cols = list(rows[0]) if rows else ["patient"]
        old = [t.column_names] + [list(x) for x in zip(*(t.column(c).to_pylist() for c in t.column_names))]
        new = [cols] + [[row.get(c) for c in cols] for row in rows]
    first = _first_difference(old, new)
    return {"file": str(p), "kind": "cohort", "identical": first is None, "patients": patients,
            "rows_compared": min(len(old), len(new)) - 1,
            "first_difference": None if first is None else f"line {first + 1}"}


def _timeseries(p: Path, eng) -> dict:
    from .export import timeseries_columns

    names, data = timeseries_columns(eng)
    if p.suffix.lower() == ".csv":
        lines = p.read_text("utf-8").splitlines()
        head = lines[0].split(",") if lines else []
        try:
            got = np.array([[float(x) for x in ln.split(",")] for ln in lines[1:]], float)
        except ValueError as exc:
            raise InputError(str(p), "", f"not a time-series CSV ({exc})") from None
        want = np.array([[float(f"{x:.10g}") for x in row] for row in data], float)
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(p)
        head = t.column_names
        got = np.column_stack([np.asarray(t.column(c).to_numpy(), float) for c in head]) if head else np.zeros((0, 0))
        want = np.asarray(data, float)
    same_shape = head == list(names) and got.shape == want.shape
    differ = int((got != want).any(axis=1).sum()) if same_shape else None
    return {"file": str(p), "kind": "timeseries", "identical": bool(same_shape and differ == 0),
            "step": int(eng.step_index), "rows": int(want.shape[0]), "columns": len(names),
            "rows_differing": differ, "same_columns": head == list(names)}


def reproduce(path: str | Path, workers: int | None = None, progress=None) -> dict:
    """Re-run what made ``path`` and compare; ``identical`` is True, False, or None for a receipt
    that holds no numbers (then ``replayed`` says it reached its step)."""
    from .receipt import find_receipt, parse_receipt, replay_receipt

    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "", "no such file")
    meta = _cohort_meta(p)
    if meta is not None:
        return _cohort(p, meta, workers, progress)
    text = find_receipt(p)
    if text is None:
        raise InputError(str(p), "", "carries no run receipt and no cohort metadata: nothing to reproduce")
    r = parse_receipt(text, str(p))
    eng = replay_receipt(r, progress=progress)
    if p.suffix.lower() in (".csv", ".parquet"):
        return _timeseries(p, eng)
    return {"file": str(p), "kind": "receipt", "identical": None, "replayed": True, "step": int(eng.step_index),
            "t_days": float(eng.t_days)}
