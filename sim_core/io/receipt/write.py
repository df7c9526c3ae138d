"""``make_receipt``: the TOML text of a run receipt (starting scenario, seed, history, version)."""

from __future__ import annotations

from typing import Any

from sim_core.io.receipt.format import (
    RECEIPT_FORMAT,
    RNG_SCHEME,
)
from sim_core.model import tomlio
from sim_core.model.engine import Engine
from sim_core.model.scenario import Scenario
from sim_core.version import __version__


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
