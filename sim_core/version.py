"""The program's version, from one place: ``pyproject.toml``'s ``[project] version``.

An installed copy reads it from its package metadata; a source checkout that was not installed and
the frozen bundle (whose build copies ``pyproject.toml`` in) read the file itself.
"""

from __future__ import annotations

from pathlib import Path


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("seedsoil")
    except PackageNotFoundError:
        pass
    from sim_core.model import tomlio
    from sim_core.model.errors import InputError

    here = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return str(tomlio.load(here, "project file")["project"]["version"])
    except (InputError, KeyError, TypeError):
        return "unknown"


__version__ = _version()
