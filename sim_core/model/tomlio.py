"""The one TOML codec of Seed & Soil: scenario files, run receipts, checkpoint headers, the kiosk
config, the body graph and the translation tables are all read by ``decode``/``load`` and written
by ``dumps``.

Writing goes through ``tomli_w`` (a maintained writer: it escapes every string the TOML spec asks
for, so a description with newlines, quotes, backslashes or control characters comes back
unchanged). Reading goes through ``msgspec.toml`` (the standard library's strict TOML 1.0 parser,
optionally validated against a ``msgspec.Struct`` schema). Every problem, whatever the file, becomes
one ``InputError`` worded the same way: the file, the field, what is wrong.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import msgspec
import tomli_w

from sim_core.model.errors import InputError

#: The files read here are a few kB (a receipt of hours of live play, a few hundred kB).
DEFAULT_MAX_BYTES = 1 << 20


def _check_finite(node: Any, where: str) -> None:
    if isinstance(node, float) and not math.isfinite(node):
        raise ValueError(f"{where or 'value'}: not a finite number ({node!r})")
    if isinstance(node, dict):
        for k, v in node.items():
            _check_finite(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            _check_finite(v, f"{where}[{i}]")


def dumps(doc: dict[str, Any]) -> str:
    """``doc`` as TOML text. NaN and infinity are refused (``ValueError``): no file of ours holds them
    and the readers reject them."""
    _check_finite(doc, "")
    return tomli_w.dumps(doc)


def _schema_error(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(field, problem) from msgspec's "Expected `int`, got `str` - at `$.params.x`" wording."""
    msg = str(exc)
    problem, field = msg, ""
    if " - at `$." in msg:
        problem, field = msg.split(" - at `$.", 1)
        field = field.rstrip("`")
    if problem.lower().startswith("object contains unknown field"):
        field = ".".join(x for x in (field, problem.split("`")[1] if "`" in problem else "") if x)
        problem = "unknown key"
    return field, problem


def decode(data: bytes | str, source: str, what: str, type: Any = dict, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Decode TOML ``data`` (from ``source``, which is ``what``, e.g. "a scenario file") into
    ``type``; any problem raises one ``InputError`` naming ``source`` and the field."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise InputError(source, "", f"too large for {what} ({len(raw)} bytes; the limit is {max_bytes // 1024} KiB)")
    try:
        return msgspec.toml.decode(raw, type=type)
    except msgspec.ValidationError as exc:
        field, problem = _schema_error(exc)
        raise InputError(source, field, problem) from None
    except UnicodeDecodeError as exc:
        raise InputError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    except msgspec.DecodeError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, UnicodeDecodeError):
            raise InputError(source, "", f"not UTF-8 text (byte {cause.start})") from None
        raise InputError(source, "", f"not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(source, "", f"nested too deeply to be {what}") from None


def read_bytes(path: str | Path, what: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of the file at ``path`` (``what``); missing, a folder, unreadable or too large is
    one ``InputError``."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(str(p), "", "file not found") from None
    except IsADirectoryError:
        raise InputError(str(p), "", f"is a folder, not {what}") from None
    except OSError as exc:
        raise InputError(str(p), "", f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(str(p), "", f"too large for {what} (more than {max_bytes // 1024} KiB)")
    return data


def load(path: str | Path, what: str, type: Any = dict, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """``decode`` the file at ``path``; an unreadable file is one ``InputError`` too."""
    return decode(read_bytes(path, what, max_bytes), str(path), what, type, max_bytes)
