"""Reading receipts back: ``parse_receipt`` checks every field and event (one-line errors naming
the field), ``replay_receipt`` repeats the history on a new engine for bit-identical numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sim_core.io.receipt.find import embedded, find_receipt, sidecar_path
from sim_core.io.receipt.format import (
    MAX_RECEIPT_BYTES,
    RECEIPT_FORMAT,
    SIDECAR_SUFFIX,
)
from sim_core.io.receipt.recorded import RecordedEngine
from sim_core.model import tomlio
from sim_core.model.engine import RESOLUTIONS
from sim_core.model.errors import InputError
from sim_core.model.params import BY_PATH, Params, check_value
from sim_core.model.scenario import Scenario, parse_scenario


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
    src = str(p) if p.suffix.lower() == ".toml" or embedded(p) else str(sidecar_path(p))
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
