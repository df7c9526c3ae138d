"""Writing run results to CSV or Parquet, atomically, stamped with scenario, seed and version."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from . import __version__
from .engine import COUNTER_NAMES, Engine
from .errors import InputError
from .scenario import write_atomic


def timeseries_columns(eng: Engine) -> tuple[list[str], np.ndarray]:
    rec = eng.recorder
    n = rec.n
    names = ["t_days", "primary_cells"] + list(COUNTER_NAMES) + [f"cells:{c}" for c in eng.graph.ids]
    data = np.column_stack([rec.t_days[:n], rec.primary[:n], rec.counters[:n], rec.cells[:n]])
    return names, data


def export_timeseries(eng: Engine, path: str | Path) -> None:
    """Write the recorder's time series; the format follows the file's suffix (.csv or .parquet)."""
    p = Path(path)
    names, data = timeseries_columns(eng)
    meta = {"seedsoil_version": __version__, "scenario": eng.scenario.name, "seed": str(eng.seed)}
    if p.suffix.lower() == ".csv":
        buf = io.StringIO()
        buf.write(f"# seedsoil {__version__} scenario={eng.scenario.name} seed={eng.seed}\n")
        buf.write(",".join(names) + "\n")
        np.savetxt(buf, data, delimiter=",", fmt="%.10g")
        payload = buf.getvalue().encode()
    elif p.suffix.lower() == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(str(p), "--out", "Parquet needs pyarrow (pip install pyarrow); use .csv instead") from None
        table = pa.table({n: data[:, i] for i, n in enumerate(names)}).replace_schema_metadata(meta)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        payload = sink.getvalue().to_pybytes()
    else:
        raise InputError(str(p), "--out", "the file name must end in .csv or .parquet")
    if not p.parent.exists():
        raise InputError(str(p), "--out", "the folder does not exist")
    try:
        write_atomic(p, payload)
    except OSError as exc:
        raise InputError(str(p), "--out", f"could not write ({exc.strerror or exc}); nothing was changed") from None
