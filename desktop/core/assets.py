"""Files of the shared ``assets/`` folder, found as the model finds them (``sim_core.assets_dir``:
``$SEEDSOIL_ASSETS``, else the checkout's, else the installed package's)."""

from __future__ import annotations

from pathlib import Path

from sim_core import assets_dir


def asset_path(name: str) -> Path:
    """A file in the assets folder (it may not exist: callers say which one is missing)."""
    return assets_dir() / name
