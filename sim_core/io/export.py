"""Writing run results (time series, funnel, per-site table) to CSV or Parquet, atomically, stamped with
scenario, seed and version, and with a run receipt where one is given."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from sim_core.io.receipt import RECEIPT_KEY, sidecar_path
from sim_core.model.engine import COUNTER_NAMES, Engine
from sim_core.model.errors import InputError
from sim_core.model.scenario import file_mode
from sim_core.version import __version__


def check_out_path(path: str | Path, flag: str, suffixes: tuple[str, ...] | None = (".csv", ".parquet")) -> None:
    """Refuse an output path before any work is done, in one line naming the file and the option:
    a suffix the writer does not know, a folder that does not exist or cannot be written, or a
    Parquet file without the pyarrow that writes it."""
    p = Path(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise InputError(str(p), flag, f"the file name must end in {' or '.join(suffixes)}")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(str(p), flag, "the folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(str(p), flag, "the folder is not writable")
    if p.is_dir():
        raise InputError(str(p), flag, "is a folder, not a file")
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(str(p), flag, "Parquet needs pyarrow (pip install pyarrow); use .csv instead") from None


#: The unit of each cumulative counter (those not named here count cells).
COUNTER_UNITS = {
    "micrometastases_founded": "lesions",
    "angiogenic_switches": "lesions",
    "micrometastases_regressed": "lesions",
    "clusters_shed": "clusters",
}
#: Long-form states: the primary tumour, and the living disseminated cells held in a site (single
#: cells, dormant cells and the cells of its lesions).
STATE_PRIMARY, STATE_DISSEMINATED = "primary tumour", "disseminated"
LONG_COLUMNS = ("t_days", "site_id", "site_name", "state", "cells")


def _with_unit(name: str, unit: str) -> str:
    return name if unit in name.split("_") else f"{name}_{unit}"


def site_column(site_id: str) -> str:
    """The wide time series' column of a site: ``organ:liver`` -> ``organ_liver_cells``."""
    return site_id.replace(":", "_") + "_cells"


def timeseries_columns(eng: Engine) -> tuple[list[str], np.ndarray]:
    """The wide time series: one row per recorded time, every column's unit in its name (days,
    cells, lesions or clusters)."""
    rec = eng.recorder
    n = rec.n
    names = (
        ["t_days", "primary_cells"]
        + [_with_unit(c, COUNTER_UNITS.get(c, "cells")) for c in COUNTER_NAMES]
        + [site_column(c) for c in eng.graph.ids]
    )
    data = np.column_stack([rec.t_days[:n], rec.primary[:n], rec.counters[:n], rec.cells[:n]])
    return names, data


def column_units(eng: Engine) -> dict[str, dict[str, str]]:
    """What each wide column holds: its unit and what it counts (Parquet field metadata)."""
    out = {
        "t_days": {"unit": "days", "description": "time since the start of the run"},
        "primary_cells": {"unit": "cells", "description": "cells in the primary tumour"},
    }
    for c in COUNTER_NAMES:
        unit = COUNTER_UNITS.get(c, "cells")
        out[_with_unit(c, unit)] = {
            "unit": unit,
            "description": f"cumulative count since the start: {c.replace('_', ' ')}",
        }
    g = eng.graph
    for i, cid in enumerate(g.ids):
        out[site_column(cid)] = {
            "unit": "cells",
            "site_id": cid,
            "site_name": g.names[i],
            "description": "living disseminated cells held in the site (single, dormant and in lesions)",
        }
    return out


def timeseries_long(eng: Engine) -> dict[str, list[str] | np.ndarray]:
    """The time series in long (tidy) form: one row per (time, site, state), ``LONG_COLUMNS``
    (numbers as arrays, text as lists)."""
    rec, g = eng.recorder, eng.graph
    n, k = rec.n, g.n
    prim = eng.scenario.primary
    prim_name = g.names[g.index[prim]] if prim in g.index else prim
    t = np.repeat(rec.t_days[:n], k + 1)
    ids = ([prim] + list(g.ids)) * n
    names = ([prim_name] + list(g.names)) * n
    states = ([STATE_PRIMARY] + [STATE_DISSEMINATED] * k) * n
    cells = np.column_stack([rec.primary[:n], rec.cells[:n]]).reshape(-1)
    return {"t_days": t, "site_id": ids, "site_name": names, "state": states, "cells": cells}


def timeseries_csv(eng: Engine, long: bool = False) -> bytes:
    """The time series as CSV bytes (header row first; numbers with 10 significant digits)."""
    buf = io.StringIO()
    if long:
        d = timeseries_long(eng)
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(LONG_COLUMNS)
        w.writerows(
            zip(
                (f"{x:.10g}" for x in d["t_days"]),
                d["site_id"],
                d["site_name"],
                d["state"],
                (f"{x:.10g}" for x in d["cells"]),
                strict=True,
            )
        )
    else:
        names, data = timeseries_columns(eng)
        buf.write(",".join(names) + "\n")
        np.savetxt(buf, data, delimiter=",", fmt="%.10g")
    return buf.getvalue().encode()


def timeseries_table(eng: Engine, long: bool = False, meta: dict[str, str] | None = None):
    """The time series as a pyarrow Table, each field's unit in its metadata."""
    import pyarrow as pa

    if long:
        d = timeseries_long(eng)
        fields = [
            pa.field("t_days", pa.float64(), metadata={"unit": "days"}),
            pa.field("site_id", pa.string()),
            pa.field("site_name", pa.string()),
            pa.field("state", pa.string(), metadata={"values": f"{STATE_PRIMARY}; {STATE_DISSEMINATED}"}),
            pa.field("cells", pa.float64(), metadata={"unit": "cells"}),
        ]
        cols = [pa.array(d[f.name], f.type) for f in fields]
    else:
        names, data = timeseries_columns(eng)
        units = column_units(eng)
        fields = [pa.field(n, pa.float64(), metadata=units[n]) for n in names]
        cols = [pa.array(data[:, i]) for i in range(len(names))]
    return pa.Table.from_arrays(cols, schema=pa.schema(fields, metadata=meta or {}))


def export_timeseries(eng: Engine, path: str | Path, receipt: str | None = None, long: bool = False) -> None:
    """Write the recorder's time series; the format follows the file's suffix (.csv or .parquet).

    Wide (default): one row per recorded time, a column per quantity, its unit in its name.
    ``long``: one row per (time, site, state), columns ``t_days, site_id, site_name, state, cells``.
    With a ``receipt`` (``sim_core.io.receipt.make_receipt``) Parquet carries it in its schema metadata
    and CSV gets it beside it as ``FILE.receipt.toml``; both files are replaced together or not at all.
    A CSV file starts with its header row, so that any CSV reader takes it as it is.
    """
    p = Path(path)
    meta = {
        "seedsoil_version": __version__,
        "scenario": eng.scenario.name,
        "seed": str(eng.seed),
        "layout": "long" if long else "wide",
    }
    files: dict[Path, bytes] = {}
    if p.suffix.lower() == ".csv":
        files[p] = timeseries_csv(eng, long)
        if receipt is not None:
            files[sidecar_path(p)] = receipt.encode("utf-8")
    elif p.suffix.lower() == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(str(p), "--out", "Parquet needs pyarrow (pip install pyarrow); use .csv instead") from None
        if receipt is not None:
            meta[RECEIPT_KEY] = receipt
        sink = pa.BufferOutputStream()
        pq.write_table(timeseries_table(eng, long, meta), sink)
        files[p] = sink.getvalue().to_pybytes()
    else:
        raise InputError(str(p), "--out", "the file name must end in .csv or .parquet")
    write_files_atomic(files, "--out")


def _csv_rows(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def funnel_csv(eng: Engine) -> bytes:
    """The inefficiency funnel and every counter: one row per quantity (cells, or lesions)."""
    f = eng.funnel()
    return _csv_rows(["quantity", "value"], [[k, repr(float(v))] for k, v in f.items()])


def sites_csv(eng: Engine) -> bytes:
    """One row per organ or node: living cells, dormant cells, lesion counts, largest lesion."""
    cells = eng.cells_per_compartment()
    g = eng.graph
    rows = []
    for cid, s in eng.site_table().items():
        rows.append(
            [
                cid,
                g.names[g.index[cid]],
                repr(float(cells[g.index[cid]])),
                s["dormant_cells"],
                s["micrometastases"],
                s["macrometastases"],
                repr(float(s["largest_lesion_cells"])),
            ]
        )
    return _csv_rows(
        ["site", "name", "living_cells", "dormant_cells", "micrometastases", "macrometastases", "largest_lesion_cells"],
        rows,
    )


def _write_bytes(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (tests replace this to simulate a full disk)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_files_atomic(files: dict[Path, bytes], field: str = "") -> None:
    """Replace several files together: each is written to a temporary file in its folder and synced,
    and only when all are complete are they renamed over their targets. On any failure nothing is
    renamed, the temporary files are removed and an ``InputError`` says so in one line."""
    tmps: list[tuple[str, Path]] = []
    target = next(iter(files), Path("?"))
    try:
        for path, data in files.items():
            target = path
            if not path.parent.is_dir():
                raise InputError(str(path), field, "the folder does not exist; nothing was written")
            fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
            tmps.append((tmp, path))
            try:
                if hasattr(os, "fchmod"):  # mkstemp makes 0600 files; give the export normal permissions
                    os.fchmod(fd, file_mode(path))
                _write_bytes(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        for tmp, path in tmps:
            target = path
            os.replace(tmp, path)
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            why = "the disk is full"
        raise InputError(str(target), field, f"could not write ({why}); any existing file was left as it was") from None
    finally:
        for tmp, _ in tmps:
            if os.path.exists(tmp):
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
