"""The command lines whose JSON must not change when the code is reorganised (``run``, ``inject``
and ``cohort`` on two seeds each), and the writer of their stored answers.

The stored files are the numbers of the model as it stands. A change that is meant to change the
model (new rates, a new rule) rewrites them on purpose and says why in its commit:

    python -m tests.golden.cases --write
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> argv for ``seedsoil-sim``; short runs (a few seconds together) that still go through
#: every stage: shedding, transport, arrest, extravasation, dormancy, micrometastases, cohorts,
#: surgery, the cell-resolution kernel and the injection experiments.
CASES: dict[str, list[str]] = {
    "run_breast_seed1": ["run", "--scenario", "breast", "--days", "60", "--seed", "1", "--json"],
    "run_colon_seed2": ["run", "--scenario", "colon", "--days", "60", "--seed", "2", "--json"],
    "run_cells_lung_seed3": [
        "run",
        "--scenario",
        "lung",
        "--days",
        "2",
        "--seed",
        "3",
        "--resolution",
        "cells",
        "--json",
    ],
    "inject_portal_seed1": [
        "inject",
        "--vessel",
        "vein:portal->organ:liver",
        "--cells",
        "2000",
        "--days",
        "13",
        "--seed",
        "1",
        "--json",
    ],
    "inject_tail_vein_seed2": [
        "inject",
        "--vessel",
        "vein:ivc->heart:right",
        "--cells",
        "2000",
        "--days",
        "14",
        "--seed",
        "2",
        "--json",
    ],
    "cohort_colon_seed1": [
        "cohort",
        "--scenario",
        "colon",
        "--patients",
        "12",
        "--years",
        "3",
        "--seed",
        "1",
        "--workers",
        "1",
        "--json",
    ],
    "cohort_breast_surgery_seed2": [
        "cohort",
        "--scenario",
        "breast",
        "--patients",
        "12",
        "--years",
        "4",
        "--seed",
        "2",
        "--workers",
        "1",
        "--surgery-at-mm",
        "20",
        "--json",
    ],
}

#: Fields that say when or with what the numbers were made, not what they are.
VOLATILE = {"version", "seconds"}


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def answer(name: str) -> dict:
    """Run one case in this process and return its JSON without the volatile fields."""
    from sim_core.tools.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(CASES[name])
    if rc != 0:
        raise RuntimeError(f"seedsoil-sim {' '.join(CASES[name])} exited {rc}")
    return strip(json.loads(buf.getvalue()))


def stored(name: str) -> dict:
    return json.loads((HERE / f"{name}.json").read_text())


def write_all() -> None:
    for name in CASES:
        path = HERE / f"{name}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(answer(name), indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store today's answers")
    if ap.parse_args().write:
        write_all()
