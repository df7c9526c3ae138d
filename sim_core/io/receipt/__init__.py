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

from sim_core.io.receipt.find import find_receipt, png_text_chunks, sidecar_path
from sim_core.io.receipt.format import (
    MAX_HISTORY,
    MAX_RECEIPT_BYTES,
    RECEIPT_FORMAT,
    RECEIPT_KEY,
    RNG_SCHEME,
    SIDECAR_SUFFIX,
)
from sim_core.io.receipt.read import Receipt, load_receipt, parse_receipt, receipt_scenario, replay_receipt
from sim_core.io.receipt.recorded import RecordedEngine
from sim_core.io.receipt.write import make_receipt

__all__ = [
    "MAX_HISTORY",
    "MAX_RECEIPT_BYTES",
    "RECEIPT_FORMAT",
    "RECEIPT_KEY",
    "RNG_SCHEME",
    "SIDECAR_SUFFIX",
    "Receipt",
    "RecordedEngine",
    "find_receipt",
    "load_receipt",
    "make_receipt",
    "parse_receipt",
    "png_text_chunks",
    "receipt_scenario",
    "replay_receipt",
    "sidecar_path",
]
