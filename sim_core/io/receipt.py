"""Run receipts: a small TOML text that says exactly how a run was made, so it can be replayed.

An engine's numbers depend only on (scenario, seed, the sequence of step lengths), plus whatever was
changed on the way: parameters moved mid-run and clusters injected by hand. ``RecordedEngine``
keeps that history as it happens (step lengths compressed into (dt_s, count) runs, each change at
its place in the sequence); ``make_receipt`` writes it with the starting scenario, the step, the
clock and the version; ``replay_receipt`` builds a new engine and repeats the history step for step,
which gives bit-identical numbers. Receipts travel inside exported files (Parquet schema metadata,
a PNG text chunk, SVG <metadata>) or beside them as ``FILE.receipt.toml``; ``find_receipt`` gets
one back from any of these. Nothing read here is pickled or evaluated.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim_core.model import tomlio
from sim_core.model.engine import RESOLUTIONS, Engine
from sim_core.model.errors import InputError
from sim_core.model.params import BY_PATH, Params, check_value
from sim_core.model.scenario import Scenario, parse_scenario
from sim_core.version import __version__

RECEIPT_FORMAT = 1
#: Key of the receipt in PNG text chunks and Parquet schema metadata.
RECEIPT_KEY = "seedsoil-receipt"
SIDECAR_SUFFIX = ".receipt.toml"
#: A receipt of an hour of live play is a few kB; anything past this is not one.
MAX_RECEIPT_BYTES = 8 << 20
RNG_SCHEME = "splitmix64 keyed by (seed, stream, step, counter)"
#: History entries kept before recording stops (equal steps share one entry, so this is days of live
#: play); past it the receipt says ``replayable = false`` instead of memory growing without bound.
MAX_HISTORY = 100_000


class RecordedEngine(Engine):
    """An ``Engine`` that writes down what it is asked to do, so a receipt can say it honestly.

    ``history`` holds ``["steps", dt_s, count]``, ``["set", path, value]`` and
    ``["inject", vessel, cells, cluster_cells]`` entries in the order they happened;
    ``start_scenario`` is the scenario (parameters and seed) at the last reset. ``history`` becomes
    None if it outgrows ``MAX_HISTORY`` (the run then gets an honest, unreplayable receipt).
    """

    start_scenario: Scenario
    start_resolution: str
    history: list[list] | None

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.start_scenario = self.scenario.copy()
        self.start_resolution = self.resolution
        self.history = []

    def set_resolution(self, resolution: str) -> None:
        was = self.resolution
        super().set_resolution(resolution)
        if self.resolution != was:
            self._note(["resolution", self.resolution])

    def _note(self, entry: list) -> None:
        if self.history is not None:
            self.history.append(entry)
            if len(self.history) > MAX_HISTORY:
                self.history = None

    def step(self, dt_s: float) -> None:
        super().step(dt_s)
        dt = float(dt_s)
        h = self.history
        if h and h[-1][0] == "steps" and h[-1][1] == dt:
            h[-1][2] += 1
        else:
            self._note(["steps", dt, 1])

    def set_param(self, path: str, value: float) -> None:
        super().set_param(path, value)
        v = float(self.params[path])
        h = self.history
        if h and h[-1][0] == "set" and h[-1][1] == path:  # a slider drag between two steps: keep the last
            h[-1][2] = v
        else:
            self._note(["set", path, v])

    def inject(self, vessel: str, cells: int, cluster_cells: int = 1) -> None:
        super().inject(vessel, cells, cluster_cells)
        self._note(["inject", vessel, int(cells), int(cluster_cells)])


@dataclass
class Receipt:
    """A loaded receipt: where the run started, what happened, and where it stood."""

    scenario: Scenario
    step: int
    t_days: float
    version: str
    events: list[list] = field(default_factory=list)
    params_now: dict[str, float] = field(default_factory=dict)
    replayable: bool = True
    shedding: bool = True
    source: str = "<receipt>"
    resolution: str = "packets"
    record_every_days: float = 1.0

    @property
    def step_runs(self) -> list[tuple[float, int]]:
        """The step lengths as (dt_s, count) runs, in order (changes in between left out)."""
        return [(e[1], e[2]) for e in self.events if e[0] == "steps"]


# --- writing ------------------------------------------------------------------------------------
def _scenario_table(sc: Scenario) -> dict[str, Any]:
    """``sc`` as the receipt's [scenario] table (only parameters that differ from the defaults)."""
    doc = sc.to_dict()
    doc.pop("mix", None)  # a single run uses the main component; the receipt says which
    return doc


def _recorded(eng: Engine) -> tuple[Scenario, list[list]] | None:
    """(start scenario, history) of an engine whose recorded history leads from its start scenario
    to its present state; None for any other engine."""
    hist = getattr(eng, "history", None)
    start = getattr(eng, "start_scenario", None)
    if hist is None or start is None:
        return None
    p = start.params.as_dict()
    steps = 0
    for e in hist:
        if e[0] == "steps":
            steps += e[2]
        elif e[0] == "set":
            p[e[1]] = e[2]
    if steps == eng.step_index and p == eng.params.as_dict() and start.seed == eng.seed:
        return start, hist
    return None


def _receipt_events(history: list[list]) -> list[dict]:
    """A recorded engine's history as the receipt's ``event`` tables, in order."""
    events = []
    for e in history:
        if e[0] == "steps":
            events.append({"dt_s": float(e[1]), "count": int(e[2])})
        elif e[0] == "set":
            events.append({"set": e[1], "value": float(e[2])})
        elif e[0] == "resolution":
            events.append({"resolution": e[1]})
        else:
            events.append({"inject": e[1], "cells": int(e[2]), "cluster_cells": int(e[3])})
    return events


def make_receipt(eng: Engine, note: str = "") -> str:
    """The receipt of ``eng``'s run as TOML text.

    A ``RecordedEngine`` whose history adds up gets a replayable receipt; any other engine (say,
    one resumed from a checkpoint) gets one that states its scenario and clock but
    ``replayable = false``, because the steps that led there are not known.
    """
    recorded = _recorded(eng)
    replayable = recorded is not None
    start = recorded[0] if recorded is not None else eng.scenario
    head = [
        "# Seed & Soil run receipt. Drop it (or the file it came with) on the Seed & Soil window",
        "# to restore this run; sim_core.io.receipt.replay_receipt() repeats it headless.",
    ]
    if note:
        head.append("# " + " ".join(note.splitlines()))
    events = _receipt_events(recorded[1]) if recorded is not None else []
    # TOML puts a document's plain keys before its tables, so the history (an array of inline
    # tables) comes first and the [receipt], [scenario] and [params_now] tables after it.
    parts = ["\n".join(head)]
    if events:
        parts.append(
            "# what happened since time zero, in order: runs of equal steps (dt_s seconds, count\n"
            "# times), parameters set between steps, cells injected by hand\n" + tomlio.dumps({"event": events})
        )
    parts.append(
        tomlio.dumps(
            {
                "receipt": {
                    "format": RECEIPT_FORMAT,
                    "version": __version__,
                    "step": int(eng.step_index),
                    "t_days": float(eng.t_days),
                    "replayable": replayable,
                    "shedding": bool(eng.shedding),
                    "resolution": (
                        getattr(eng, "start_resolution", eng.resolution)
                        if replayable
                        else getattr(eng, "resolution", "packets")
                    ),
                    "record_every_days": float(eng.record_every_days),
                    "rng": RNG_SCHEME,
                }
            }
        )
    )
    parts.append(tomlio.dumps({"scenario": _scenario_table(start)}))
    now = {k: float(v) for k, v in sorted(eng.params.differences().items())}
    parts.append(
        "# every parameter in force at this step that differs from its default\n" + tomlio.dumps({"params_now": now})
    )
    return "\n".join(parts)


# --- reading ------------------------------------------------------------------------------------
def _scenario_toml(d: dict, source: str) -> str:
    """A scenario table (as decoded) back to TOML text, for the strict scenario loader."""
    if not isinstance(d, dict):
        raise InputError(source, "scenario", "must be a table")
    try:
        return tomlio.dumps(d)
    except (TypeError, ValueError) as exc:
        raise InputError(source, "scenario", str(exc)) from None


def _get(d: dict, key: str, kind, source: str, where: str):
    if key not in d:
        raise InputError(source, f"{where}{key}", "missing")
    v = d[key]
    ok = isinstance(v, kind) and not (kind is not bool and isinstance(v, bool))
    if kind is float:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    if not ok:
        raise InputError(source, f"{where}{key}", f"expected {getattr(kind, '__name__', kind)}, got {type(v).__name__}")
    if kind is float:
        v = float(v)
        if not math.isfinite(v):
            raise InputError(source, f"{where}{key}", "must be a finite number")
    return v


def _parse_event(e: object, i: int, source: str) -> list:
    """One ``[[event]]`` table of a receipt as a history entry (``RecordedEngine.history``)."""
    where = f"event[{i}]."
    if not isinstance(e, dict):
        raise InputError(source, f"event[{i}]", "must be a table")
    entry: list
    if "dt_s" in e:
        dt = _get(e, "dt_s", float, source, where)
        n = _get(e, "count", int, source, where)
        if not dt > 0 or n < 1:
            raise InputError(source, where + "dt_s", "steps need dt_s > 0 and count >= 1")
        entry = ["steps", dt, n]
        extra = set(e) - {"dt_s", "count"}
    elif "set" in e:
        path = _get(e, "set", str, source, where)
        if path not in BY_PATH:
            raise InputError(source, where + "set", f"unknown parameter {path!r}")
        entry = ["set", path, check_value(path, e.get("value"), f"{source} {where}value")]
        extra = set(e) - {"set", "value"}
    elif "resolution" in e:
        res = _get(e, "resolution", str, source, where)
        if res not in RESOLUTIONS:
            raise InputError(source, where + "resolution", f"must be one of {', '.join(RESOLUTIONS)}")
        entry = ["resolution", res]
        extra = set(e) - {"resolution"}
    elif "inject" in e:
        vessel = _get(e, "inject", str, source, where)
        cells = _get(e, "cells", int, source, where)
        clu = _get(e, "cluster_cells", int, source, where)
        if not (1 <= cells <= 10**9 and 1 <= clu <= 10**9):
            raise InputError(source, where + "cells", "cells and cluster_cells must be between 1 and 1e9")
        entry = ["inject", vessel, cells, clu]
        extra = set(e) - {"inject", "cells", "cluster_cells"}
    else:
        raise InputError(source, f"event[{i}]", "needs dt_s/count, set/value, resolution or inject/cells/cluster_cells")
    if extra:
        raise InputError(source, where + sorted(extra)[0], "unknown key")
    return entry


def parse_receipt(text: str | bytes, source: str = "<receipt>") -> Receipt:
    """Validate a receipt's text; ``InputError`` names the file and the field of any problem."""
    doc = tomlio.decode(text, source, "a run receipt", dict, MAX_RECEIPT_BYTES)
    if not isinstance(doc.get("receipt"), dict):
        raise InputError(source, "receipt", "missing: this is not a Seed & Soil run receipt")
    unknown = set(doc) - {"receipt", "scenario", "params_now", "event"}
    if unknown:
        raise InputError(source, sorted(unknown)[0], "unknown key")
    head = doc["receipt"]
    fmt = _get(head, "format", int, source, "receipt.")
    if fmt != RECEIPT_FORMAT:
        raise InputError(
            source, "receipt.format", f"format {fmt} is not known to this version (it reads {RECEIPT_FORMAT})"
        )
    step = _get(head, "step", int, source, "receipt.")
    if step < 0:
        raise InputError(source, "receipt.step", "must be >= 0")
    t_days = _get(head, "t_days", float, source, "receipt.")
    version = _get(head, "version", str, source, "receipt.")
    replayable = _get(head, "replayable", bool, source, "receipt.")
    shedding = bool(head.get("shedding", True))
    resolution = head.get("resolution", "packets")
    if resolution not in RESOLUTIONS:
        raise InputError(source, "receipt.resolution", f"must be one of {', '.join(RESOLUTIONS)}")
    every = _get(head, "record_every_days", float, source, "receipt.") if "record_every_days" in head else 1.0
    if not every > 0:
        raise InputError(source, "receipt.record_every_days", "must be > 0")
    sc = parse_scenario(_scenario_toml(doc.get("scenario"), source), f"{source} [scenario]")
    now_raw = doc.get("params_now", {})
    if not isinstance(now_raw, dict):
        raise InputError(source, "params_now", "must be a table")
    params_now = {k: check_value(k, v, f"{source} [params_now]") for k, v in now_raw.items()}
    events: list[list] = []
    raw_events = doc.get("event", [])
    if not isinstance(raw_events, list):
        raise InputError(source, "event", "must be an array of tables ([[event]])")
    total = 0
    for i, e in enumerate(raw_events):
        entry = _parse_event(e, i, source)
        events.append(entry)
        if entry[0] == "steps":
            total += entry[2]
    if replayable and total != step:
        raise InputError(source, "event", f"the steps add up to {total}, but receipt.step is {step}")
    return Receipt(sc, step, t_days, version, events, params_now, replayable, shedding, source, resolution, every)


def load_receipt(path: str | Path) -> Receipt:
    """The receipt in or beside ``path``: a receipt file, or a file exported with one."""
    p = Path(path)
    text = find_receipt(p)
    if text is None:
        raise InputError(str(p), "", f"carries no run receipt (and there is no {p.name}{SIDECAR_SUFFIX} beside it)")
    src = str(p) if p.suffix.lower() == ".toml" or _embedded(p) else str(sidecar_path(p))
    return parse_receipt(text, src)


def replay_receipt(receipt: Receipt | str | Path, graph=None, progress=None) -> RecordedEngine:
    """A new engine, advanced through the receipt's history to exactly its step. Replaying costs
    what the engine work of the original run cost; ``progress(fraction)`` is called every 500 steps
    (an exception it raises stops the replay)."""
    r = receipt if isinstance(receipt, Receipt) else load_receipt(receipt)
    if not r.replayable:
        raise InputError(r.source, "receipt.replayable", "false: the steps that led to this run were not recorded")
    eng = RecordedEngine(
        r.scenario, graph, shedding=r.shedding, resolution=r.resolution, record_every_days=r.record_every_days
    )
    done = 0
    for e in r.events:
        if e[0] == "steps":
            for _ in range(e[2]):
                eng.step(e[1])
                done += 1
                if progress and done % 500 == 0:
                    progress(done / max(r.step, 1))
        elif e[0] == "set":
            eng.set_param(e[1], e[2])
        elif e[0] == "resolution":
            eng.set_resolution(e[1])
        else:
            try:
                eng.inject(e[1], e[2], e[3])
            except InputError as exc:
                raise InputError(r.source, "event.inject", exc.problem) from None
    if eng.step_index != r.step or eng.t_days != r.t_days:
        raise InputError(
            r.source,
            "receipt.t_days",
            f"the replay reached step {eng.step_index}, day {eng.t_days!r}, not step {r.step}, day {r.t_days!r}",
        )
    if eng.params.differences() != r.params_now:
        raise InputError(r.source, "params_now", "the replayed parameters differ from the ones recorded")
    return eng


def receipt_scenario(r: Receipt) -> Scenario:
    """The scenario in force at the receipt's step (start scenario plus the recorded changes)."""
    sc = r.scenario.copy()
    sc.params = Params(r.params_now, r.source)
    return sc


# --- finding a receipt in or beside a file ------------------------------------------------------
def sidecar_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def _embedded(p: Path) -> bool:
    return p.suffix.lower() in (".png", ".svg", ".parquet")


def png_text_chunks(data: bytes) -> dict[str, str]:
    """tEXt, zTXt and iTXt chunks of a PNG (keyword -> text), read without any imaging library."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    out, i = {}, 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i : i + 8])
        body = data[i + 8 : i + 8 + n]
        i += 12 + n
        try:
            if kind == b"tEXt":
                k, v = body.split(b"\0", 1)
                out[k.decode("latin-1")] = v.decode("latin-1")
            elif kind == b"zTXt":
                k, v = body.split(b"\0", 1)
                out[k.decode("latin-1")] = zlib.decompress(v[1:], bufsize=MAX_RECEIPT_BYTES).decode("latin-1")
            elif kind == b"iTXt":
                k, rest = body.split(b"\0", 1)
                comp, _method, rest = rest[0], rest[1], rest[2:]
                _lang, _tk, text = rest.split(b"\0", 2)
                text = zlib.decompress(text) if comp else text
                out[k.decode("latin-1")] = text.decode("utf-8")
        except (ValueError, zlib.error, UnicodeDecodeError):
            continue
        if kind == b"IEND":
            break
    return out


def find_receipt(path: str | Path) -> str | None:
    """The receipt text carried by ``path`` (or its sidecar ``PATH.receipt.toml``), or None."""
    p = Path(path)
    suffix = p.suffix.lower()
    text = None
    try:
        if suffix == ".toml":
            if p.stat().st_size > MAX_RECEIPT_BYTES:
                return None
            raw = p.read_bytes()
            return _utf8(raw, p) if b"[receipt]" in raw else None
        if suffix == ".png":
            text = png_text_chunks(p.read_bytes()).get(RECEIPT_KEY)
        elif suffix == ".svg":
            text = _svg_receipt(p)
        elif suffix == ".parquet":
            text = _parquet_receipt(p)
    except OSError as exc:
        raise InputError(str(p), "", f"cannot read ({exc.strerror or exc})") from None
    if text is None:
        side = sidecar_path(p)
        if side.is_file() and side.stat().st_size <= MAX_RECEIPT_BYTES:
            text = _utf8(side.read_bytes(), side)
    return text


def _utf8(raw: bytes, p: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(p), "", f"not UTF-8 text (byte {exc.start})") from None


def _svg_receipt(p: Path) -> str | None:
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(p).getroot()
    except ET.ParseError:
        return None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "receipt" and el.text:
            return el.text
    return None


def _parquet_receipt(p: Path) -> str | None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    try:
        meta = pq.read_schema(p).metadata or {}
    except Exception:  # noqa: BLE001 - not a readable Parquet file: look for a sidecar instead
        return None
    raw = meta.get(RECEIPT_KEY.encode())
    return raw.decode("utf-8") if raw else None
