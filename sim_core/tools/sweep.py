"""Parameter sweeps: a grid of parameter points x replicates, run on Dask, stored in Parquet.

Every finished run is written at once as its own small Parquet part (atomically), and the parts are
merged into the output file as runs finish, so an interrupted sweep loses no finished run and a
rerun with the same output skips what is stored. Replicate r uses the same seed at every point
(common random numbers), so differences between points are not drowned in seed noise.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim_core.model.engine import COUNTER_NAMES
from sim_core.model.errors import InputError
from sim_core.model.params import BY_PATH, check_value
from sim_core.model.scenario import Scenario, parse_scenario, write_atomic
from sim_core.version import __version__

#: The funnel's quantities a sweep row keeps: shed, the deaths in transit (total, then by cause,
#: as the engine's counters name them), the fates in tissue, what is held now, and the lesion counts.
FUNNEL_COLUMNS = (
    "shed",
    "died_in_transit",
    *COUNTER_NAMES[COUNTER_NAMES.index("died_anoikis") : COUNTER_NAMES.index("died_in_tissue") + 1],
    "dormant_now",
    "micrometastases_now",
    "macrometastases_now",
    "micrometastases_founded",
    "angiogenic_switches",
)


#: Funnel quantities that count lesions (the others count cells).
LESION_COUNTS = {"micrometastases_now", "macrometastases_now", "micrometastases_founded", "angiogenic_switches"}


def funnel_column(name: str) -> str:
    """A funnel quantity's column, its unit in its name: ``shed`` -> ``shed_cells``."""
    unit = "lesions" if name in LESION_COUNTS else "cells"
    return name if unit in name.split("_") else f"{name}_{unit}"


def parse_axis(text: str) -> tuple[str, np.ndarray]:
    """``PATH=START:STOP:COUNT`` -> (path, values); values checked against the parameter's range."""
    try:
        path, spec = text.split("=", 1)
        start, stop, count = spec.split(":")
        lo, hi, n = float(start), float(stop), int(count)
    except ValueError:
        raise InputError("sweep", "--param", f"{text!r} is not PATH=START:STOP:COUNT") from None
    if path not in BY_PATH:
        raise InputError("sweep", "--param", f"unknown parameter {path!r}")
    if not 1 <= n <= 1000 or not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError("sweep", "--param", f"{text!r}: COUNT must be 1-1000 and the bounds finite")
    spec_ = BY_PATH[path]
    values = np.geomspace(lo, hi, n) if spec_.log and lo > 0 and hi > 0 and n > 1 else np.linspace(lo, hi, n)
    for v in values:
        check_value(path, float(v), "sweep --param")
    return path, values


def replicate_seed(base_seed: int, replicate: int) -> int:
    digest = hashlib.sha256(f"{base_seed}:{replicate}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 2


def run_key(scenario_toml: str, point: dict[str, float], seed: int, days: float) -> str:
    text = scenario_toml + repr(sorted(point.items())) + f"|{seed}|{days!r}|{__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def run_one(scenario_toml: str, point: dict[str, float], seed: int, days: float, replicate: int, key: str) -> dict:
    """One patient run at one grid point; returns a flat row. Runs in a Dask worker."""
    from sim_core.science.experiments import run_patient

    sc = parse_scenario(scenario_toml, "sweep")
    for path, value in point.items():
        sc.params.set(path, value)
    eng = run_patient(sc, days, seed)
    f = eng.funnel()
    row: dict = {
        "run_key": key,
        "scenario": sc.name,
        "days": float(days),
        "replicate": replicate,
        "seed": int(seed),
        "version": __version__,
    }
    row.update({f"param:{p}": float(v) for p, v in point.items()})
    row.update({funnel_column(c): float(f[c]) for c in FUNNEL_COLUMNS})
    for cid, site in eng.site_table().items():
        s = cid.replace(":", "_")
        row[f"{s}_micrometastases"] = site["micrometastases"]
        row[f"{s}_macrometastases"] = site["macrometastases"]
        row[f"{s}_dormant_cells"] = site["dormant_cells"]
    return row


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _stored_rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    rows = []
    if out.exists():
        try:
            rows += pq.read_table(out).to_pylist()
        except Exception as exc:  # noqa: BLE001 - any unreadable file is reported the same way
            raise InputError(str(out), "--out", f"exists but is not a readable Parquet file ({exc})") from None
    parts = _parts_dir(out)
    if parts.is_dir():
        for part in sorted(parts.glob("*.parquet")):
            try:
                rows += pq.read_table(part).to_pylist()
            except Exception:  # noqa: BLE001 - a torn part is simply run again
                part.unlink(missing_ok=True)
    seen, unique = set(), []
    for r in rows:
        if r.get("run_key") not in seen:
            seen.add(r.get("run_key"))
            unique.append(r)
    return unique


def _parquet_bytes(rows: list[dict], meta: dict[str, str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    fields = []
    for f in table.schema:  # a swept parameter's column carries the parameter's unit
        spec = BY_PATH.get(f.name[len("param:") :]) if f.name.startswith("param:") else None
        fields.append(f.with_metadata({"unit": spec.unit, "source": spec.source}) if spec else f)
    table = table.cast(pa.schema(fields, metadata=meta))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def sweep_metadata(
    scenario: Scenario, axes: list[tuple[str, np.ndarray]], replicates: int, days: float, base_seed: int
) -> dict[str, str]:
    """The Parquet schema metadata of a sweep: what reruns any row (``seedsoil-sim reproduce``).
    Every value is JSON text; ``scenario_toml`` is the whole base scenario, ``grid`` is
    ``[[path, [values...]], ...]``."""
    return {
        "seedsoil_version": json.dumps(__version__),
        "scenario": json.dumps(scenario.name),
        "scenario_toml": json.dumps(scenario.to_toml()),
        "base_seed": json.dumps(int(base_seed)),
        "grid": json.dumps([[p, [float(x) for x in v]] for p, v in axes]),
        "replicates": json.dumps(int(replicates)),
        "days": json.dumps(float(days)),
    }


def _checked_sweep_args(out: str | Path, replicates: int, days: float, workers: int | None) -> Path:
    """``out`` as a path, once it and the counts are checked (``InputError`` naming the option)."""
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise InputError(str(out), "--out", "a sweep writes Parquet: the name must end in .parquet")
    if not out.parent.is_dir():
        raise InputError(str(out), "--out", "the folder does not exist")
    if not 1 <= replicates <= 10000:
        raise InputError("sweep", "--replicates", "must be between 1 and 10000")
    if not 0 < days <= 36500:
        raise InputError("sweep", "--days", "must be in (0, 36500]")
    if workers is not None and not 1 <= workers <= 512:
        raise InputError("sweep", "--workers", "must be between 1 and 512")
    return out


def _write_sweep(out: Path, rows: list[dict], wanted: set[str], meta: dict[str, str]) -> None:
    """Write ``rows`` to ``out`` (the grid's runs first, then older ones), then remove the parts
    folder the runs were kept in meanwhile."""
    parts = _parts_dir(out)
    keep = [r for r in rows if r["run_key"] in wanted] + [r for r in rows if r["run_key"] not in wanted]
    try:
        write_atomic(out, _parquet_bytes(keep, meta))
    except OSError as exc:
        raise InputError(
            str(out), "--out", f"could not write ({exc.strerror or exc}); finished runs are kept in {parts}"
        ) from None
    if parts.is_dir():
        for part in parts.glob("*.parquet"):
            part.unlink()
        parts.rmdir()


def run_sweep(
    scenario: Scenario,
    axes: list[tuple[str, np.ndarray]],
    replicates: int,
    days: float,
    out: str | Path,
    base_seed: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
    scheduler_file: str | None = None,
) -> dict:
    """Run the grid on a local cluster of ``workers`` processes, or on the Dask scheduler at
    ``scheduler`` or named by ``scheduler_file``; return ``{"runs", "computed", "skipped", "out"}``."""
    from sim_core.science.cluster import check_options, dask_client, require_distributed

    require_distributed("sweep", "--scheduler-file" if scheduler_file else "--scheduler")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(
            "sweep", "", "sweeps need dask[distributed] and pyarrow (pip install 'seedsoil[sweep]')"
        ) from None
    from distributed import as_completed

    check_options("sweep", scheduler, scheduler_file, workers)
    out = _checked_sweep_args(out, replicates, days, workers)
    base_seed = scenario.seed if base_seed is None else base_seed
    toml = scenario.to_toml()
    paths = [p for p, _ in axes]
    jobs = []
    for values in itertools.product(*[v for _, v in axes]):
        point = {p: float(v) for p, v in zip(paths, values, strict=True)}
        for r in range(replicates):
            seed = replicate_seed(base_seed, r)
            jobs.append((point, seed, r, run_key(toml, point, seed, days)))
    rows = _stored_rows(out)
    done = {r["run_key"] for r in rows}
    todo = [j for j in jobs if j[3] not in done]
    meta = sweep_metadata(scenario, axes, replicates, days, base_seed)
    parts = _parts_dir(out)
    if todo:
        # connected, checked and warmed up before anything is written: a scheduler that cannot be
        # reached leaves no parts folder and no output file behind
        with dask_client("sweep", scheduler, scheduler_file, workers) as client:
            parts.mkdir(exist_ok=True)
            futures = [
                client.submit(run_one, toml, point, seed, days, r, key, key=f"seedsoil-{key}", pure=False)
                for point, seed, r, key in todo
            ]
            for i, fut in enumerate(as_completed(futures)):
                row = fut.result()
                write_atomic(parts / f"{row['run_key']}.parquet", _parquet_bytes([row], meta))
                rows.append(row)
                if progress:
                    progress((i + 1) / len(todo))
    _write_sweep(out, rows, {j[3] for j in jobs}, meta)
    return {"runs": len(jobs), "computed": len(todo), "skipped": len(jobs) - len(todo), "out": str(out)}
