"""Languages: one ``tr()`` that every visible string of the window (desktop and kiosk) goes through,
backed by a table per language (``assets/i18n/<lang>.toml``, keyed by the English source string).
Generated sentences are templates with named fields (``tr("{n} cells", n=...)``); place names come
from a table of the body graph's names ('the liver' -> 'el hígado', article included).

Why not Qt's QTranslator: ``lrelease`` is present, but .qm files are compiled binaries that
curators and volunteer translators cannot edit or review in a pull request, and switching language
at run time still needs every widget to re-set its text; a TOML table (parsed strictly, never
evaluated) plus a ``retranslate()`` per screen does the same with no build step. A missing entry
falls back to English, and tests check every string and template has a Spanish entry with the
same fields (tests/desktop/test_window_language.py).

Numbers shown in a sentence go through ``num``/``sig``/``sci``, which write them as Qt's ``QLocale``
of the current language would (``numbers.py``, no Qt needed): digit groups and decimal mark
('12,400' and '3.4' in English, '12.400' and '3,4' in Spanish, where four-digit numbers are not
grouped: '1240').
"""

from __future__ import annotations

import re

from desktop.core import numbers
from desktop.core.assets import asset_path
from sim_core import InputError, tomlio

LANGUAGES = {"en": "English", "es": "Español"}
_tables: dict[str, dict[str, str]] = {}
_current = "en"
#: Every source string asked for since start (tests check each has a translation).
seen: set[str] = set()


def table(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    if lang not in _tables:
        path = asset_path(f"i18n/{lang}.toml")
        try:
            raw = tomlio.load(path, "a translation table", dict[str, str])
        except InputError:
            raw = {}  # a broken table shows English rather than stopping the exhibit
        _tables[lang] = raw
    return _tables[lang]


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else "en"


def language() -> str:
    return _current


def num(x: float, decimals: int = 0) -> str:
    """``x`` with ``decimals`` places, grouped as the current language groups digits."""
    return numbers.fixed(x, decimals, _current)


def sig(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits (like Python's ``g``), in the current language."""
    return numbers.general(x, digits, _current)


def sci(x: float, digits: int = 2) -> str:
    """``x`` in scientific notation with ``digits`` decimals and a short exponent ('1.5e-3')."""
    return numbers.scientific(x, digits, _current).replace("e-0", "e-").replace("e+0", "e+")


def tr(source: str, **fields) -> str:
    """``source`` in the current language, with ``{name}`` fields filled in after translating."""
    seen.add(source)
    out = table(_current).get(source, source)
    out = out.format(**fields) if fields else out
    if _current == "es" and fields:  # 'de el hígado' -> 'del hígado' where a field starts with 'el'
        out = _CONTRACT.sub(lambda m: m.group(1) + "l ", out)
        out = _MILLIONS.sub(r"\1 de ", out)  # '3 millones células' -> '3 millones de células'
    return out


_CONTRACT = re.compile(r"\b([Dd]e|[Aa]) el ")
_MILLIONS = re.compile(r"\b(millones|billones) (?=(células|micrometástasis)\b)")


def template_fields(text: str) -> set[str]:
    """The ``{name}`` fields of a template (tests compare English and Spanish)."""
    import string

    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
