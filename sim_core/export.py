"""Writing run results (time series, funnel, per-site table) to CSV or Parquet, atomically, stamped with
scenario, seed and version, and with a run receipt where one is given."""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from . import __version__
from .engine import COUNTER_NAMES, Engine
from .errors import InputError
from .receipt import RECEIPT_KEY, sidecar_path
from .scenario import file_mode


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


def timeseries_columns(eng: Engine) -> tuple[list[str], np.ndarray]:
    rec = eng.recorder
    n = rec.n
    names = ["t_days", "primary_cells"] + list(COUNTER_NAMES) + [f"cells:{c}" for c in eng.graph.ids]
    data = np.column_stack([rec.t_days[:n], rec.primary[:n], rec.counters[:n], rec.cells[:n]])
    return names, data


def export_timeseries(eng: Engine, path: str | Path, receipt: str | None = None) -> None:
    """Write the recorder's time series; the format follows the file's suffix (.csv or .parquet).

    With a ``receipt`` (``sim_core.receipt.make_receipt``) Parquet carries it in its schema metadata
    and CSV gets it beside it as ``FILE.receipt.toml``; both files are replaced together or not at all.
    A CSV file starts with its header row, so that any CSV reader takes it as it is.
    """
    p = Path(path)
    names, data = timeseries_columns(eng)
    meta = {"seedsoil_version": __version__, "scenario": eng.scenario.name, "seed": str(eng.seed)}
    files: dict[Path, bytes] = {}
    if p.suffix.lower() == ".csv":
        buf = io.StringIO()
        buf.write(",".join(names) + "\n")
        np.savetxt(buf, data, delimiter=",", fmt="%.10g")
        files[p] = buf.getvalue().encode()
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
        table = pa.table({n: data[:, i] for i, n in enumerate(names)}).replace_schema_metadata(meta)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
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
        rows.append([cid, g.names[g.index[cid]], repr(float(cells[g.index[cid]])), s["dormant_cells"],
                     s["micrometastases"], s["macrometastases"], repr(float(s["largest_lesion_cells"]))])
    return _csv_rows(["site", "name", "living_cells", "dormant_cells", "micrometastases", "macrometastases",
                      "largest_lesion_cells"], rows)


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
                if hasattr(os, "fchmod"):   # mkstemp makes 0600 files; give the export normal permissions
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
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
