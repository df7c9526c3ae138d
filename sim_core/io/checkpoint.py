"""Checkpoints: the whole engine state in one ``.npz`` (arrays plus a TOML header), never pickle.

Because every random draw is keyed by (seed, step, ...), restoring the arrays, the clock and the
step index makes the continuation bit-identical to an uninterrupted run with the same seed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from sim_core.model import tomlio
from sim_core.model.engine import Engine
from sim_core.model.errors import InputError
from sim_core.model.scenario import parse_scenario, write_atomic
from sim_core.version import __version__

FORMAT = "seedsoil-checkpoint-1"
_TABLES = ("packets", "lesions")
_POOLS = ("arr_s", "arr_c", "doomed", "dormant", "spawn", "floating", "arrested_cum", "extravasated_cum", "cleared_cum")


def _state_arrays(eng: Engine) -> dict[str, np.ndarray]:
    out = {}
    for name in _TABLES:
        table = getattr(eng, name)
        for col, _, _ in table._columns:
            out[f"{name}.{col}"] = getattr(table, col)
        out[f"{name}.free_stack"] = table.free_stack
        out[f"{name}.n_free"] = table.n_free
        out[f"{name}.next_id"] = table.next_id
    for col in _POOLS:
        out[f"pools.{col}"] = getattr(eng.pools, col)
    out["counters"] = eng.counters
    out["died_in_vessel"] = eng.died_in_vessel
    rec = eng.recorder
    out["recorder.t_days"] = rec.t_days[: rec.n]
    out["recorder.counters"] = rec.counters[: rec.n]
    out["recorder.cells"] = rec.cells[: rec.n]
    out["recorder.primary"] = rec.primary[: rec.n]
    return out


def save_checkpoint(eng: Engine, path: str | Path) -> None:
    """Write the engine's state atomically to ``path`` (``.npz``)."""
    p = Path(path)
    if getattr(eng, "resolution", "packets") != "packets":
        raise InputError(
            str(p), "resolution", "checkpoints hold pooled-packet runs only; cell-resolution runs cannot be saved yet"
        )
    header = tomlio.dumps(
        {
            "format": FORMAT,
            "version": __version__,
            "t_days": float(eng.t_days),
            "step": int(eng.step_index),
            "primary_cells": float(eng.primary_cells),
            "next_record": float(eng._next_record),
            "record_every_days": float(eng.record_every_days),
            "shedding": bool(eng.shedding),
        }
    )
    buf = io.BytesIO()
    arrays = {"header": np.array(header), "scenario": np.array(eng.scenario.to_toml()), **_state_arrays(eng)}
    # ignored: mypy reads **arrays as possibly filling the bool ``allow_pickle`` (no key is named so)
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    if not p.parent.exists():
        raise InputError(str(p), "checkpoint", "the folder does not exist")
    try:
        write_atomic(p, buf.getvalue())
    except OSError as exc:
        raise InputError(
            str(p), "checkpoint", f"could not write ({exc.strerror or exc}); nothing was changed"
        ) from None


def load_checkpoint(path: str | Path) -> Engine:
    """An engine restored from ``path``; a damaged or foreign file raises ``InputError``."""
    p = Path(path)
    src = str(p)
    try:
        with np.load(p, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise InputError(src, "", "file not found") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(src, "", f"not a checkpoint ({exc})") from None
    for key in ("header", "scenario"):
        if key not in data:
            raise InputError(src, key, "missing: not a Seed & Soil checkpoint")
    head = tomlio.decode(str(data["header"]), f"{src}:header", "a checkpoint header")
    if head.get("format") != FORMAT:
        raise InputError(src, "header.format", f"expected {FORMAT!r}, got {head.get('format')!r}")
    scenario = parse_scenario(str(data["scenario"]), f"{src}:scenario")
    eng = Engine(
        scenario, shedding=bool(head.get("shedding", True)), record_every_days=float(head.get("record_every_days", 1.0))
    )
    try:
        for name in _TABLES:
            table = getattr(eng, name)
            for col, dtype, _ in table._columns:
                setattr(table, col, _array(data, f"{name}.{col}", dtype, src))
            table.free_stack = _array(data, f"{name}.free_stack", np.int64, src)
            table.n_free = _array(data, f"{name}.n_free", np.int64, src)
            table.next_id = _array(data, f"{name}.next_id", np.int64, src)
            sizes = {getattr(table, col).shape[0] for col, _, _ in table._columns} | {table.free_stack.shape[0]}
            if len(sizes) != 1:
                raise InputError(src, name, "columns of different lengths")
        for col in _POOLS:
            ref = getattr(eng.pools, col)
            arr = _array(data, f"pools.{col}", ref.dtype, src)
            if arr.shape != ref.shape:
                raise InputError(src, f"pools.{col}", f"shape {arr.shape} does not fit this body graph {ref.shape}")
            setattr(eng.pools, col, arr)
        eng.counters = _array(data, "counters", np.float64, src)
        eng.died_in_vessel = _array(data, "died_in_vessel", np.float64, src)
        rec = eng.recorder
        t = _array(data, "recorder.t_days", np.float64, src)
        rec.n = 0
        for i in range(t.shape[0]):
            rec.record(t[i], data["recorder.counters"][i], data["recorder.cells"][i], data["recorder.primary"][i])
        eng.t_days = float(head["t_days"])
        eng.step_index = int(head["step"])
        eng.primary_cells = float(head["primary_cells"])
        eng._next_record = float(head["next_record"])
    except KeyError as exc:
        raise InputError(src, str(exc).strip("'"), "missing") from None
    return eng


def _array(data: dict, key: str, dtype, src: str) -> np.ndarray:
    if key not in data:
        raise InputError(src, key, "missing")
    arr = data[key]
    if arr.dtype != np.dtype(dtype):
        raise InputError(src, key, f"expected {np.dtype(dtype)}, got {arr.dtype}")
    return np.array(arr)
