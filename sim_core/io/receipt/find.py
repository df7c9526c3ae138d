"""Finding a receipt for an exported file: beside it (``FILE.receipt.toml``), in a PNG text chunk,
in SVG ``<metadata>`` or in Parquet schema metadata. Nothing read is pickled or evaluated."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from sim_core.io.receipt.format import (
    MAX_RECEIPT_BYTES,
    RECEIPT_KEY,
    SIDECAR_SUFFIX,
)
from sim_core.model.errors import InputError


# --- finding a receipt in or beside a file ------------------------------------------------------
def sidecar_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def embedded(p: Path) -> bool:
    return p.suffix.lower() in (".png", ".svg", ".parquet")


def png_text_chunks(data: bytes) -> dict[str, str]:
    """tEXt, zTXt and iTXt chunks of a PNG (keyword -> text), read without any imaging library."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    out, i = {}, 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i : i + 8])
        body = data[i + 8 : i + 8 + n]
        i += 12 + n
        try:
            if kind == b"tEXt":
                k, v = body.split(b"\0", 1)
                out[k.decode("latin-1")] = v.decode("latin-1")
            elif kind == b"zTXt":
                k, v = body.split(b"\0", 1)
                out[k.decode("latin-1")] = zlib.decompress(v[1:], bufsize=MAX_RECEIPT_BYTES).decode("latin-1")
            elif kind == b"iTXt":
                k, rest = body.split(b"\0", 1)
                comp, _method, rest = rest[0], rest[1], rest[2:]
                _lang, _tk, text = rest.split(b"\0", 2)
                text = zlib.decompress(text) if comp else text
                out[k.decode("latin-1")] = text.decode("utf-8")
        except (ValueError, zlib.error, UnicodeDecodeError):
            continue
        if kind == b"IEND":
            break
    return out


def find_receipt(path: str | Path) -> str | None:
    """The receipt text carried by ``path`` (or its sidecar ``PATH.receipt.toml``), or None."""
    p = Path(path)
    suffix = p.suffix.lower()
    text = None
    try:
        if suffix == ".toml":
            if p.stat().st_size > MAX_RECEIPT_BYTES:
                return None
            raw = p.read_bytes()
            return _utf8(raw, p) if b"[receipt]" in raw else None
        if suffix == ".png":
            text = png_text_chunks(p.read_bytes()).get(RECEIPT_KEY)
        elif suffix == ".svg":
            text = _svg_receipt(p)
        elif suffix == ".parquet":
            text = _parquet_receipt(p)
    except OSError as exc:
        raise InputError(str(p), "", f"cannot read ({exc.strerror or exc})") from None
    if text is None:
        side = sidecar_path(p)
        if side.is_file() and side.stat().st_size <= MAX_RECEIPT_BYTES:
            text = _utf8(side.read_bytes(), side)
    return text


def _utf8(raw: bytes, p: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(p), "", f"not UTF-8 text (byte {exc.start})") from None


def _svg_receipt(p: Path) -> str | None:
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(p).getroot()
    except ET.ParseError:
        return None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "receipt" and el.text:
            return el.text
    return None


def _parquet_receipt(p: Path) -> str | None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    try:
        meta = pq.read_schema(p).metadata or {}
    except Exception:  # noqa: BLE001 - not a readable Parquet file: look for a sidecar instead
        return None
    raw = meta.get(RECEIPT_KEY.encode())
    return raw.decode("utf-8") if raw else None
