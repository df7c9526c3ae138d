"""Scenario files (TOML): a primary site, a seed and only the parameters that differ from defaults.

Loading is strict: unknown keys, wrong types, NaN/inf and out-of-range values are rejected with an
``InputError`` naming the file and the field. Nothing a user supplies is pickled or evaluated.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from sim_core.model import tomlio
from sim_core.model.assets import assets_dir
from sim_core.model.errors import InputError
from sim_core.model.params import BY_PATH, REMOVED, Params


class ScenarioFile(msgspec.Struct, forbid_unknown_fields=True):
    """The schema of a scenario file's top level."""

    name: str
    primary: str
    title: str = ""
    description: str = ""
    seed: int = 1
    params: dict[str, Any] = {}
    mix: dict[str, float] = {}


class Scenario:
    """A loaded scenario: where the primary is, its seed and its full parameter set."""

    def __init__(
        self,
        name: str,
        primary: str,
        params: Params,
        seed: int = 1,
        title: str = "",
        description: str = "",
        source: str = "<scenario>",
        mix: dict[str, float] | None = None,
    ):
        self.name = name
        self.primary = primary
        self.params = params
        self.seed = int(seed)
        self.title = title or name
        self.description = description
        self.source = source
        #: preset name -> weight: a cohort draws each patient from these presets (a single run
        #: uses ``primary`` and ``params``, those of the main component)
        self.mix = dict(mix or {})

    def copy(self) -> Scenario:
        return Scenario(
            self.name, self.primary, self.params.copy(), self.seed, self.title, self.description, self.source, self.mix
        )

    def components(self) -> list[tuple[Scenario, float]]:
        """(scenario, share) of each kind of patient: the mixed presets, each with this scenario's
        own parameter changes on top, or this scenario alone."""
        if not self.mix:
            return [(self, 1.0)]
        total = sum(self.mix.values())
        out = []
        for name, w in self.mix.items():
            sc = load_scenario(name)
            for k, v in self.params.differences().items():
                sc.params.set(k, v, self.source)
            sc.seed = self.seed
            out.append((sc, w / total))
        return out

    def to_toml(self) -> str:
        """The scenario as a TOML document holding only non-default parameters."""
        return tomlio.dumps(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The scenario as the table a scenario file holds (only non-default parameters)."""
        doc: dict[str, Any] = {"name": self.name, "title": self.title, "primary": self.primary, "seed": self.seed}
        if self.description:
            doc["description"] = self.description
        groups: dict[str, dict[str, Any]] = {}
        for path, value in sorted(self.params.differences().items()):
            group, key = path.split(".", 1)
            groups.setdefault(group, {})[key] = value
        if groups:
            doc["params"] = groups
        if self.mix:
            doc["mix"] = {k: float(v) for k, v in self.mix.items()}
        return doc

    def save(self, path: str | Path) -> None:
        """Write atomically: a temporary file in the same folder, then rename over the target."""
        write_atomic(Path(path), self.to_toml().encode("utf-8"))


def file_mode(path: Path) -> int:
    """The mode a written file should get: that of the file it replaces, else 0666 less the umask
    (``mkstemp`` alone would leave it 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` so that a reader sees the old file or the new one, never a torn one."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent) or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, file_mode(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _flatten(d: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            _flatten(v, key, out)
        else:
            out[key] = v


def presets_dir() -> Path:
    return assets_dir() / "scenarios"


def list_presets() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


#: Scenario files are a few hundred bytes; anything past this is not one.
MAX_SCENARIO_BYTES = 1 << 20


def parse_scenario(text: bytes | str, source: str, primaries: tuple[str, ...] | None = None) -> Scenario:
    data = text.encode() if isinstance(text, str) else text
    raw = tomlio.decode(data, source, "a scenario file", ScenarioFile, MAX_SCENARIO_BYTES)
    flat: dict[str, Any] = {}
    _flatten(raw.params, "", flat)
    overrides = {}
    for k, v in flat.items():
        if k in REMOVED:
            raise InputError(source, f"params.{k}", f"no longer a parameter: {REMOVED[k]}")
        if k not in BY_PATH:
            raise InputError(source, f"params.{k}", "unknown parameter")
        overrides[k] = v
    try:
        params = Params(overrides, source)
    except InputError as exc:
        raise InputError(source, f"params.{exc.field}", exc.problem) from None
    if primaries is not None and raw.primary not in primaries:
        raise InputError(source, "primary", f"unknown primary site {raw.primary!r}")
    if not 0 <= raw.seed < 2**63:
        raise InputError(source, "seed", "must be between 0 and 2^63-1")
    presets = set(list_presets())
    for k, w in raw.mix.items():
        if k not in presets:
            raise InputError(source, f"mix.{k}", f"not a preset (presets: {', '.join(sorted(presets))})")
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w > 0):
            raise InputError(source, f"mix.{k}", "the weight must be a positive number")
        if parse_scenario((presets_dir() / f"{k}.toml").read_bytes(), k).mix:
            raise InputError(source, f"mix.{k}", "a mixture cannot contain another mixture")
    return Scenario(raw.name, raw.primary, params, raw.seed, raw.title, raw.description, source, raw.mix)


def load_scenario(name_or_path: str | Path, primaries: tuple[str, ...] | None = None) -> Scenario:
    """A preset by name (``breast``) or a scenario file by path."""
    p = Path(name_or_path)
    if p.suffix != ".toml" and not p.exists():
        candidate = presets_dir() / f"{name_or_path}.toml"
        if not candidate.is_file():
            raise InputError(str(name_or_path), "", f"no such scenario (presets: {', '.join(list_presets())})")
        p = candidate
    data = tomlio.read_bytes(p, "a scenario file", MAX_SCENARIO_BYTES)
    return parse_scenario(data, str(p), primaries)
