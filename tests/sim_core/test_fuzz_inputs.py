"""Fuzzing the scenario loader: whatever bytes arrive, the answer is a scenario or one InputError line."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim_core import BY_PATH, InputError, load_scenario
from sim_core.model.scenario import parse_scenario
from tests.helpers import fuzz, parsed_or_one_line, toml_value

PRIMARIES = ("primary:breast", "primary:lung")
KEYS = sorted(BY_PATH)


def outcome(data: bytes):
    """A scenario, or the InputError, which must be one line naming the file."""
    return parsed_or_one_line(parse_scenario, data, PRIMARIES)


@fuzz(300)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data):
    outcome(data)


toml_scalar = st.one_of(
    st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=8)
)


@fuzz(300)
@given(
    st.lists(st.tuples(st.sampled_from(KEYS + ["transit.nope", "bogus.key", "soil"]), toml_scalar), max_size=6),
    st.sampled_from(PRIMARIES + ("primary:nose",)),
    st.integers(-5, 2**64),
)
def test_structured_scenarios_are_accepted_only_when_every_field_is_valid(entries, primary, seed):
    lines = ['name = "f"', f'primary = "{primary}"', f"seed = {seed}"]
    groups: dict[str, list[str]] = {}
    for path, value in dict(entries).items():
        group, _, key = path.partition(".")
        groups.setdefault(group, []).append(f"{key or 'x'} = {toml_value(value)}")
    for group, items in groups.items():
        lines += [f"[params.{group}]", *items]
    result = outcome("\n".join(lines).encode())
    if not isinstance(result, InputError):
        for path, value in dict(entries).items():
            spec = BY_PATH[path]
            assert not isinstance(value, (bool, str))
            assert spec.lo <= float(value) <= spec.hi and math.isfinite(value)
        assert primary in PRIMARIES and 0 <= seed < 2**63


def test_hostile_files(tmp_path):
    cases = {
        "empty.toml": b"",
        "deep.toml": b"x = " + b"[" * 100000 + b"]" * 100000,
        "deeptable.toml": b"params = " + b"{a = " * 3000 + b"1" + b"}" * 3000,
        "badutf.toml": b'name = "\xff\xfe"\nprimary = "primary:breast"\n',
        "huge.toml": b"# padding\n" * 200000,
        "nul.toml": b"\x00" * 64,
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        try:
            load_scenario(p)
        except InputError as err:
            assert str(p) in str(err) and "\n" not in str(err)
        else:
            raise AssertionError(f"{name} was accepted")
    with pytest.raises(InputError) as err:  # a folder is not a scenario file
        load_scenario(tmp_path)
    assert "folder" in str(err.value) and str(tmp_path) in str(err.value)
