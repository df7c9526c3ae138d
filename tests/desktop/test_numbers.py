"""``desktop.core.numbers`` writes numbers as Qt's QLocale does in English and Spanish, without Qt."""

import random

import pytest
from PySide6.QtCore import QLocale

from desktop.core import i18n, numbers

LOCALES = {
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedStates),
    "es": QLocale(QLocale.Language.Spanish, QLocale.Country.Spain),
}


def _values():
    rng = random.Random(7)
    vals = [
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        12.25,
        0.125,
        2.675,
        999.5,
        9999.5,
        99999.5,
        1240.0,
        12400.0,
        -0.001,
        1e-5,
        5e21,
        123456.789,
        float("nan"),
        float("inf"),
        float("-inf"),
    ]
    for _ in range(1500):
        m = rng.choice(
            [
                rng.uniform(-1, 1),
                rng.random(),
                round(rng.uniform(0, 100), rng.randint(0, 3)) + 0.5 * 10 ** -rng.randint(0, 3),
            ]
        )
        vals.append(m * 10 ** rng.randint(-8, 13))
    return vals


@pytest.mark.parametrize("lang", list(LOCALES))
def test_same_text_as_qlocale(lang):
    q = LOCALES[lang]
    wrong = []
    for v in _values():
        for k in range(4):
            for ours, qts in (
                (numbers.fixed(v, k, lang), q.toString(v, "f", k)),
                (numbers.general(v, k + 1, lang), q.toString(v, "g", k + 1)),
                (numbers.scientific(v, k, lang), q.toString(v, "e", k)),
            ):
                if ours != qts:
                    wrong.append((v, k, ours, qts))
    assert wrong == [], wrong[:10]


def test_sentences_use_the_current_language():
    try:
        i18n.set_language("es")
        assert (i18n.num(12400), i18n.num(1240), i18n.sig(3.4), i18n.sci(0.0015, 1)) == (
            "12.400",
            "1240",
            "3,4",
            "1,5e-3",
        )
        i18n.set_language("en")
        assert (i18n.num(12400), i18n.num(1240), i18n.sig(3.4), i18n.sci(0.0015, 1)) == (
            "12,400",
            "1,240",
            "3.4",
            "1.5e-3",
        )
    finally:
        i18n.set_language("en")
