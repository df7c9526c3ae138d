"""Seed & Soil simulation core: a stochastic model of metastasis on an anatomic body graph.

Pure numpy/numba; never imports Qt. Public names are re-exported here; the window, the CLI and the
validation all go through them.
"""

__version__ = "0.1.0"

from .jit_cache import allow_uncached_kernels

# before any kernel is defined: a read-only install with no writable cache folder must still run
allow_uncached_kernels()

from .body_graph import BodyGraph, load_body_graph
from .engine import COUNTER_NAMES, Engine, Snapshot, default_graph
from .errors import InputError
from .params import BY_PATH, SLIDERS, SPECS, ParamSpec, Params, check_value
from .scenario import Scenario, list_presets, load_scenario, write_atomic
from .receipt import (RECEIPT_KEY, Receipt, RecordedEngine, find_receipt, load_receipt, make_receipt,
                      parse_receipt, receipt_scenario, replay_receipt, sidecar_path)
from .export import export_timeseries, funnel_csv, sites_csv, write_files_atomic


def __getattr__(name):
    # ``system_info`` lives in the CLI (``seedsoil-sim info``); importing it lazily keeps
    # ``python -m sim_core.cli`` from finding the module already imported by its package.
    if name == "system_info":
        from .cli import system_info

        return system_info
    raise AttributeError(f"module 'sim_core' has no attribute {name!r}")


__all__ = ["BodyGraph", "load_body_graph", "COUNTER_NAMES", "Engine", "Snapshot", "default_graph",
           "InputError", "BY_PATH", "SLIDERS", "SPECS", "ParamSpec", "Params", "Scenario",
           "list_presets", "load_scenario", "__version__", "write_atomic", "check_value",
           "RECEIPT_KEY", "Receipt", "RecordedEngine", "find_receipt", "load_receipt", "make_receipt",
           "parse_receipt", "receipt_scenario", "replay_receipt", "sidecar_path",
           "export_timeseries", "funnel_csv", "sites_csv", "write_files_atomic", "system_info"]
