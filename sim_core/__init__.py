"""Seed & Soil simulation core: a stochastic model of metastasis on an anatomic body graph.

Pure numpy/numba; never imports Qt. Public names are re-exported here; the window, the CLI and the
validation all go through them.
"""

from sim_core.tools.jit_cache import allow_uncached_kernels
from sim_core.version import __version__

# before any kernel is defined: a read-only install with no writable cache folder must still run
allow_uncached_kernels()

# the imports below define numba kernels, so they must come after allow_uncached_kernels() (E402)
from sim_core.io.export import export_timeseries, funnel_csv, sites_csv, timeseries_columns, write_files_atomic  # noqa: E402
from sim_core.io.receipt import (  # noqa: E402
    RECEIPT_KEY,
    Receipt,
    RecordedEngine,
    find_receipt,
    load_receipt,
    make_receipt,
    parse_receipt,
    receipt_scenario,
    replay_receipt,
    sidecar_path,
)
from sim_core.kernels.layout import (  # noqa: E402  (the body graph's enums, for the window)
    ARREST_BED,
    ARREST_CLASSES,
    ARREST_LIVER,
    ARREST_LUNG,
    ARREST_NODE,
    ARREST_NONE,
    BLOOD_KINDS,
    CLASS_BLOOD,
    CLASS_CAVITY,
    CLASS_LYMPH,
    COMPARTMENT_KINDS,
    KIND_CAVITY,
    KIND_HUB,
    KIND_NODE,
    KIND_ORGAN,
    KIND_PRIMARY,
    MACRO,
    MICRO,
    V_ARTERY,
    V_CAVITY,
    V_LYMPH,
    V_PLEXUS,
    V_PORTAL,
    V_VEIN,
    VESSEL_CLASS_OF,
    VESSEL_KINDS,
)
from sim_core.model import tomlio  # noqa: E402
from sim_core.model.assets import assets_dir  # noqa: E402
from sim_core.model.body_graph import BodyGraph, load_body_graph  # noqa: E402
from sim_core.model.engine import COUNTER_NAMES, Engine, Snapshot, default_graph  # noqa: E402
from sim_core.model.errors import InputError  # noqa: E402
from sim_core.model.params import BY_PATH, SLIDERS, SPECS, Params, ParamSpec, check_value  # noqa: E402
from sim_core.model.references import REFERENCES, Reference  # noqa: E402
from sim_core.model.scenario import Scenario, list_presets, load_scenario, write_atomic  # noqa: E402
from sim_core.science.experiments import (  # noqa: E402
    INJECT_DT_DAYS,
    INJECT_TIMES_DAYS,
    INJECT_TRIP_DT_S,
    INJECT_TRIP_S,
    INJECTION_DESIGNS,
    InjectionDesign,
    PublishedFigure,
    inject_experiment,
    observe_injection,
)
from sim_core.tools.bench.suite import threading_layer  # noqa: E402
from sim_core.tools.memory import rss_mb  # noqa: E402
from sim_core.tools.soak import soak_scenario  # noqa: E402


def __getattr__(name):
    # ``system_info`` lives in the CLI (``seedsoil-sim info``); importing it lazily keeps
    # ``python -m sim_core.tools.cli`` from finding the module already imported by its package.
    if name == "system_info":
        from sim_core.tools.cli import system_info

        return system_info
    raise AttributeError(f"module 'sim_core' has no attribute {name!r}")


__all__ = [
    "ARREST_BED",
    "ARREST_CLASSES",
    "ARREST_LIVER",
    "ARREST_LUNG",
    "ARREST_NODE",
    "ARREST_NONE",
    "BLOOD_KINDS",
    "CLASS_BLOOD",
    "CLASS_CAVITY",
    "CLASS_LYMPH",
    "COMPARTMENT_KINDS",
    "KIND_CAVITY",
    "KIND_HUB",
    "KIND_NODE",
    "KIND_ORGAN",
    "KIND_PRIMARY",
    "MACRO",
    "MICRO",
    "V_ARTERY",
    "V_CAVITY",
    "V_LYMPH",
    "V_PLEXUS",
    "V_PORTAL",
    "V_VEIN",
    "VESSEL_CLASS_OF",
    "VESSEL_KINDS",
    "BY_PATH",
    "COUNTER_NAMES",
    "INJECTION_DESIGNS",
    "INJECT_DT_DAYS",
    "INJECT_TIMES_DAYS",
    "INJECT_TRIP_DT_S",
    "INJECT_TRIP_S",
    "REFERENCES",
    "RECEIPT_KEY",
    "SLIDERS",
    "SPECS",
    "BodyGraph",
    "Engine",
    "InjectionDesign",
    "InputError",
    "ParamSpec",
    "Params",
    "PublishedFigure",
    "Receipt",
    "RecordedEngine",
    "Reference",
    "Scenario",
    "Snapshot",
    "__version__",
    "assets_dir",
    "check_value",
    "soak_scenario",
    "threading_layer",
    "timeseries_columns",
    "tomlio",
    "default_graph",
    "export_timeseries",
    "find_receipt",
    "inject_experiment",
    "funnel_csv",
    "list_presets",
    "load_body_graph",
    "load_receipt",
    "load_scenario",
    "rss_mb",
    "make_receipt",
    "observe_injection",
    "parse_receipt",
    "receipt_scenario",
    "replay_receipt",
    "sidecar_path",
    "sites_csv",
    "system_info",
    "write_atomic",
    "write_files_atomic",
]
