"""Numbers as Qt's ``QLocale`` writes them in the window's languages, without Qt, so that sentences
can be built (and tested) anywhere: ``fixed`` ('f'), ``general`` ('g', significant digits) and
``scientific`` ('e').

What Qt does and these do too (a test compares them with ``QLocale`` over thousands of values):
the exact binary value rounded half away from zero ('13' for 12.5, '0.13' for 0.125, '2.67' for
2.675, which is stored just below); digit groups in fixed notation, Spanish only from five integer
digits ('1240', '12.400'; CLDR's minimum grouping digits); a sign on negatives that round to zero
('-0.00') but not on -0.0; 'nan', 'inf' and '-inf' as they are.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

#: decimal mark, group separator, fewest integer digits that are grouped (CLDR minimumGroupingDigits:
#: Spanish leaves four-digit numbers whole, '1240', and groups from five, '12.400')
SEPARATORS = {"en": (".", ",", 4), "es": (",", ".", 5)}


def _group(digits: str, sep: str, least: int) -> str:
    if len(digits) < least:
        return digits
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def _finish(sign: str, whole: str, frac: str, lang: str, exp: str = "") -> str:
    point, sep, least = SEPARATORS.get(lang, SEPARATORS["en"])
    body = (_group(whole, sep, least) if not exp else whole) + (point + frac if frac else "")
    return sign + body + exp


def _sign(x: float) -> str:
    return "-" if x < 0 else ""  # Qt: '-0.00' for -0.001, but '0' for -0.0


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "nan"
    return None if math.isfinite(x) else ("-inf" if x < 0 else "inf")


def fixed(x: float, decimals: int, lang: str) -> str:
    if (s := _special(float(x))) is not None:
        return s
    d = Decimal(float(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(d):f}".partition(".")
    return _finish(_sign(float(x)), whole, frac, lang)


def scientific(x: float, decimals: int, lang: str) -> str:
    if (s := _special(float(x))) is not None:
        return s
    d = Decimal(float(x))
    if d == 0:
        mant, e = Decimal(0).quantize(Decimal(1).scaleb(-decimals)), 0
    else:
        e = d.adjusted()
        mant = d.scaleb(-e).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if abs(mant) >= 10:
            e += 1
            mant = d.scaleb(-e).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(mant):f}".partition(".")
    return _finish(_sign(float(x)), whole, frac, lang, f"e{'-' if e < 0 else '+'}{abs(e):02d}")


def general(x: float, digits: int, lang: str) -> str:
    if (s := _special(float(x))) is not None:
        return s
    digits = max(1, digits)
    d = Decimal(float(x))
    if d == 0:
        return "0"
    e = d.adjusted()
    r = d.scaleb(-e).quantize(Decimal(1).scaleb(-(digits - 1)), rounding=ROUND_HALF_UP)
    if abs(r) >= 10:
        e += 1
        r = d.scaleb(-e).quantize(Decimal(1).scaleb(-(digits - 1)), rounding=ROUND_HALF_UP)
    if e < -4 or e >= digits:
        whole, _, frac = f"{abs(r):f}".partition(".")
        frac = frac.rstrip("0")
        return _finish(_sign(float(x)), whole, frac, lang, f"e{'-' if e < 0 else '+'}{abs(e):02d}")
    v = r.scaleb(e)
    whole, _, frac = f"{abs(v):f}".partition(".")
    frac = frac[: max(0, digits - 1 - e)].rstrip("0")
    return _finish(_sign(float(x)), whole, frac, lang)
