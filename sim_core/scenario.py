"""Scenario files (TOML): a primary site, a seed and only the parameters that differ from defaults.

Loading is strict: unknown keys, wrong types, NaN/inf and out-of-range values are rejected with an
``InputError`` naming the file and the field. Nothing a user supplies is pickled or evaluated.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from .assets import assets_dir
from .errors import InputError
from .params import BY_PATH, REMOVED, Params


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

    def __init__(self, name: str, primary: str, params: Params, seed: int = 1, title: str = "",
                 description: str = "", source: str = "<scenario>", mix: dict[str, float] | None = None):
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
        return Scenario(self.name, self.primary, self.params.copy(), self.seed, self.title,
                        self.description, self.source, self.mix)

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
        lines = [f"name = {toml_string(self.name)}", f"title = {toml_string(self.title)}",
                 f"primary = {toml_string(self.primary)}", f"seed = {self.seed}"]
        if self.description:
            lines.append(f"description = {toml_string(self.description)}")
        groups: dict[str, list[str]] = {}
        for path, value in sorted(self.params.differences().items()):
            group, key = path.split(".", 1)
            groups.setdefault(group, []).append(f"{key} = {value!r}")
        for group, items in groups.items():
            lines += ["", f"[params.{group}]", *items]
        if self.mix:
            lines += ["", "[mix]", *(f"{_key(k)} = {float(v)!r}" for k, v in self.mix.items())]
        return "\n".join(lines) + "\n"

    def save(self, path: str | Path) -> None:
        """Write atomically: a temporary file in the same folder, then rename over the target."""
        write_atomic(Path(path), self.to_toml().encode("utf-8"))


def _key(s: str) -> str:
    return s if s.replace("_", "").replace("-", "").isalnum() and s.isascii() else toml_string(s)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(s: str) -> str:
    """``s`` as a TOML basic string: the one writer of strings for scenario files, receipts and
    checkpoints. Quotes, backslashes and every control character are escaped (a raw newline in a
    multi-line description made the saved file invalid TOML)."""
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'



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
        try:
            os.unlink(tmp)
        except OSError:
            pass
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
    if len(data) > MAX_SCENARIO_BYTES:
        raise InputError(source, "", f"too large for a scenario file ({len(data)} bytes; the limit is 1 MiB)")
    try:
        raw = msgspec.toml.decode(data, type=ScenarioFile)
    except msgspec.ValidationError as exc:
        msg = str(exc)
        field = msg.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in msg else ""
        problem = msg.split(" - at ")[0]
        if "unknown field" in problem.lower():
            field = problem.split("`")[1] if "`" in problem else field
            problem = "unknown key"
        raise InputError(source, field, problem) from None
    except msgspec.DecodeError as exc:
        raise InputError(source, "", f"not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise InputError(source, "", "nested too deeply to be a scenario file") from None
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
    try:
        if p.stat().st_size > MAX_SCENARIO_BYTES:
            raise InputError(str(p), "", f"too large for a scenario file ({p.stat().st_size} bytes; the limit is 1 MiB)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(str(p), "", "file not found") from None
    except IsADirectoryError:
        raise InputError(str(p), "", "is a folder, not a scenario file") from None
    except OSError as exc:
        raise InputError(str(p), "", f"cannot read ({exc.strerror})") from None
    return parse_scenario(data, str(p), primaries)
