"""Reorganising the code must not change a number: ``run``, ``inject`` and ``cohort`` print, for
the same scenario and seed, exactly the JSON stored in ``tests/golden`` (see ``cases.py`` for when
and how the stored answers are rewritten)."""

import pytest

from tests.golden.cases import CASES, answer, stored


def _first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a.keys() ^ b.keys())} differ"
        for k in a:
            d = _first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_same_json_as_stored(name):
    got, want = answer(name), stored(name)
    diff = _first_difference(got, want)
    assert diff is None, f"{name}: {diff}"


def test_the_comparison_sees_a_change_in_the_last_digit():
    want = stored("run_breast_seed1")
    got = answer("run_breast_seed1")
    got["funnel"]["shed"] = want["funnel"]["shed"] + 1.0
    assert _first_difference(got, want) == f"$.funnel.shed: {got['funnel']['shed']!r} != {want['funnel']['shed']!r}"
