"""Seed & Soil simulation core: a stochastic model of metastasis on an anatomic body graph.

Pure numpy/numba; never imports Qt. Public names are re-exported here; the window, the CLI and the
validation all go through them.
"""

__version__ = "0.1.0"

from .body_graph import BodyGraph, load_body_graph
from .engine import COUNTER_NAMES, Engine, Snapshot, default_graph
from .errors import InputError
from .params import BY_PATH, SLIDERS, SPECS, ParamSpec, Params
from .scenario import Scenario, list_presets, load_scenario

__all__ = ["BodyGraph", "load_body_graph", "COUNTER_NAMES", "Engine", "Snapshot", "default_graph",
           "InputError", "BY_PATH", "SLIDERS", "SPECS", "ParamSpec", "Params", "Scenario",
           "list_presets", "load_scenario", "__version__"]
