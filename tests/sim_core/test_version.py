"""One version, written once in pyproject.toml."""

import importlib.metadata
import tomllib
from pathlib import Path

import sim_core
from sim_core import version as V

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_version_is_pyprojects():
    want = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert sim_core.__version__ == want


def test_without_package_metadata_the_file_is_read(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert V._version() == tomllib.loads(PYPROJECT.read_text())["project"]["version"]
