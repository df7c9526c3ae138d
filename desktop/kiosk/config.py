"""The curator's kiosk config (``assets/kiosk.toml`` by default): a strict TOML schema, validated
like scenarios (one-line ``InputError`` naming file and field), and the salted PIN hash.

Make a PIN hash with ``python -m desktop.kiosk.config 4711`` and paste the line it prints.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import sys
from pathlib import Path

import msgspec

from desktop.core.assets import asset_path
from sim_core import SLIDERS, InputError, list_presets, tomlio

LEVELS = ("intro", "lab")
LANGUAGES = ("en", "es")
#: Controls a curator may list in ``controls`` (Lab level shows them all).
CONTROLS = (
    "scenario",
    "sliders",
    "play",
    "reset",
    "step",
    "speed",
    "fast_forward",
    "cluster",
    "scan",
    "treatment",
    "surgery",
    "funnel",
    "plots",
    "quiz",
    "anatomy_or_soil",
    "experiments",
    "language",
    "reduce_motion",
)
#: The defaults below are also written out, with a comment each, in the shipped
#: ``assets/kiosk.toml`` (a test holds the two equal).
INTRO_CONTROLS = (
    "scenario",
    "sliders",
    "play",
    "reset",
    "surgery",
    "funnel",
    "quiz",
    "anatomy_or_soil",
    "experiments",
    "language",
    "reduce_motion",
)
#: The three main levers of the Intro level: survival in transit, dormancy, anti-angiogenic treatment.
INTRO_SLIDERS = ("transit.attrition", "dormancy.entry", "antiangio.strength")
PBKDF2_ROUNDS = 200_000


class KioskFile(msgspec.Struct, forbid_unknown_fields=True):
    idle_timeout_s: float = 120.0
    countdown_s: float = 30.0
    level: str = "intro"
    language: str = "en"
    scenario: str = "breast"
    scenarios: list[str] = msgspec.field(default_factory=lambda: ["breast", "colorectal", "lung", "prostate"])
    seed: int = 1
    controls: list[str] = msgspec.field(default_factory=lambda: list(INTRO_CONTROLS))
    intro_sliders: list[str] = msgspec.field(default_factory=lambda: list(INTRO_SLIDERS))
    pin_hash: str = ""
    reduce_motion: bool = False
    touch: bool = True
    screen_width_mm: float = 0.0
    min_target_mm: float = 11.0
    min_target_px: int = 44


class KioskConfig(KioskFile):
    """A validated config (same fields; ``source`` names the file it came from)."""

    source: str = "<defaults>"


def _fail(source: str, field: str, problem: str):
    raise InputError(source, field, problem)


def _check(k: KioskFile, source: str) -> None:  # noqa: C901
    """Every field's range, in the file's order, each failure one line naming its field (one check
    per field: a long but flat list)."""
    for name in ("idle_timeout_s", "countdown_s", "screen_width_mm", "min_target_mm"):
        v = getattr(k, name)
        if not math.isfinite(v):
            _fail(source, name, "must be a finite number")
    if not 10.0 <= k.idle_timeout_s <= 86_400.0:
        _fail(source, "idle_timeout_s", "must be between 10 and 86400 seconds")
    if not 20.0 <= k.countdown_s <= 600.0:
        _fail(source, "countdown_s", "must be between 20 and 600 seconds (WCAG 2.2.1 asks for >= 20 s)")
    if k.level not in LEVELS:
        _fail(source, "level", f"must be one of {', '.join(LEVELS)}")
    if k.language not in LANGUAGES:
        _fail(source, "language", f"must be one of {', '.join(LANGUAGES)}")
    presets = list_presets()
    for i, s in enumerate(k.scenarios):
        if s not in presets:
            _fail(source, f"scenarios[{i}]", f"unknown scenario {s!r}")
    if not k.scenarios:
        _fail(source, "scenarios", "must list at least one scenario")
    if k.scenario not in k.scenarios:
        _fail(source, "scenario", "must be one of the listed scenarios")
    if not 0 <= k.seed < 2**63:
        _fail(source, "seed", "must be between 0 and 2^63-1")
    for i, c in enumerate(k.controls):
        if c not in CONTROLS:
            _fail(source, f"controls[{i}]", f"unknown control {c!r} (known: {', '.join(CONTROLS)})")
    for i, path in enumerate(k.intro_sliders):
        if path not in SLIDERS:
            _fail(source, f"intro_sliders[{i}]", f"unknown slider {path!r}")
    if k.screen_width_mm < 0 or k.screen_width_mm > 10_000:
        _fail(source, "screen_width_mm", "must be between 0 (ask the screen) and 10000")
    if not 5.0 <= k.min_target_mm <= 30.0:
        _fail(source, "min_target_mm", "must be between 5 and 30")
    if not 24 <= k.min_target_px <= 200:
        _fail(source, "min_target_px", "must be between 24 and 200")
    if k.pin_hash and not _parse_hash(k.pin_hash):
        _fail(source, "pin_hash", "must look like pbkdf2_sha256$<rounds>$<salt hex>$<hash hex>")


#: A kiosk config is a few hundred bytes; anything past this is not one (as for scenario files).
MAX_CONFIG_BYTES = 1 << 20


def parse_kiosk_config(text: str | bytes, source: str = "<string>") -> KioskConfig:
    """Decode and validate; any problem is one ``InputError`` naming ``source`` and the field."""
    data = text.encode() if isinstance(text, str) else text
    if not data.strip():
        # most likely a copy or a save that stopped half way: refuse it rather than silently run
        # a public kiosk on defaults the staff never chose (a file of comments only is deliberate)
        raise InputError(
            source,
            "",
            "empty file: a kiosk config sets at least one field (the shipped assets/kiosk.toml lists them all)",
        )
    raw = tomlio.decode(data, source, "a kiosk config", KioskFile, MAX_CONFIG_BYTES)
    _check(raw, source)
    return KioskConfig(**msgspec.structs.asdict(raw), source=source)


def default_config_path() -> Path:
    return Path(os.environ.get("SEEDSOIL_KIOSK_CONFIG") or asset_path("kiosk.toml"))


def load_kiosk_config(path: str | Path | None = None) -> KioskConfig:
    p = Path(path) if path else default_config_path()
    return parse_kiosk_config(tomlio.read_bytes(p, "a kiosk config", MAX_CONFIG_BYTES), str(p))


# --- PIN ------------------------------------------------------------------------------------------
def hash_pin(pin: str, salt: bytes | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, rounds)
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest.hex()}"


def _parse_hash(stored: str):
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256":
        return None
    try:
        rounds, salt, digest = int(parts[1]), bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError:
        return None
    if not 1_000 <= rounds <= 10_000_000 or len(salt) < 8 or len(digest) != 32:
        return None
    return rounds, salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    parsed = _parse_hash(stored)
    if not parsed:
        return False
    rounds, salt, digest = parsed
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, rounds), digest)


if __name__ == "__main__":  # python -m desktop.kiosk.config <PIN>
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or not 4 <= len(sys.argv[1]) <= 12:
        sys.exit("usage: python -m desktop.kiosk.config <PIN of 4-12 digits>")
    print(f'pin_hash = "{hash_pin(sys.argv[1])}"')
