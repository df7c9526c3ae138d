"""Locates the shared ``assets/`` folder (body graph, scenario presets, body-map art)."""

import os
from pathlib import Path


def assets_dir() -> Path:
    """The assets folder: ``$SEEDSOIL_ASSETS``, else the repository's, else the installed package's."""
    env = os.environ.get("SEEDSOIL_ASSETS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "assets"
    if (here / "body_graph.toml").is_file():
        return here
    import importlib.resources

    return Path(str(importlib.resources.files("assets")))
