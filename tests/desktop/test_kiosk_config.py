"""The kiosk config is user-edited data: strict schema, one-line errors naming file and field,
and a salted PIN hash; hostile files and fuzzing (Hypothesis, and atheris where installed)."""

import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.kiosk.config import hash_pin, load_kiosk_config, parse_kiosk_config, verify_pin
from sim_core import InputError
from tests.desktop.conftest import run_app
from tests.helpers import fuzz, parsed_or_one_line, toml_value


def test_shipped_config_loads_with_the_defaults():
    cfg = load_kiosk_config()
    assert cfg.idle_timeout_s == 120.0 and cfg.countdown_s >= 20
    assert cfg.level == "intro" and cfg.language == "en"
    assert cfg.scenario in cfg.scenarios


@pytest.mark.parametrize(
    "text, field",
    [
        ("colour = 'red'", "colour"),  # unknown key
        ("idle_timeout_s = 'soon'", "idle_timeout_s"),  # wrong type
        ("idle_timeout_s = nan", "idle_timeout_s"),
        ("idle_timeout_s = inf", "idle_timeout_s"),
        ("idle_timeout_s = 2.0", "idle_timeout_s"),  # out of range
        ("countdown_s = 5.0", "countdown_s"),  # below WCAG's 20 s
        ("level = 'expert'", "level"),
        ("language = 'fr'", "language"),
        ("scenarios = ['breast', 'spleen']", "scenarios[1]"),
        ("scenario = 'kidney'", "scenario"),
        ("controls = ['play', 'console']", "controls[1]"),
        ("intro_sliders = ['nope']", "intro_sliders[0]"),
        ("pin_hash = '1234'", "pin_hash"),
        ("level = ", ""),  # not TOML
    ],
)
def test_bad_configs_fail_with_one_line_naming_file_and_field(text, field):
    with pytest.raises(InputError) as err:
        parse_kiosk_config(text, "kiosk.toml")
    msg = str(err.value)
    assert msg.startswith("kiosk.toml:") and "\n" not in msg
    assert field in msg


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_kiosk_config(tmp_path / "none.toml")


def test_pin_hash_is_salted_and_verifies():
    a, b = hash_pin("4711", rounds=1000), hash_pin("4711", rounds=1000)
    assert a != b and "4711" not in a
    assert verify_pin("4711", a) and not verify_pin("4712", a) and not verify_pin("4711", "junk")
    assert parse_kiosk_config(f"pin_hash = '{a}'").pin_hash == a


# --- hostile files and fuzzing (issue 8) ------------------------------------------------------------


def outcome(data: bytes):
    """A config, or the InputError, which must be one line naming the file."""
    return parsed_or_one_line(parse_kiosk_config, data)


@fuzz(400)
@given(st.binary(max_size=600))
def test_random_bytes_give_a_config_or_one_line(data):
    outcome(data)


@fuzz(300)
@given(st.text(alphabet=st.sampled_from("[]{}=\"'.,#\n abc0129_-+eE"), max_size=120))
def test_toml_shaped_noise_gives_a_config_or_one_line(text):
    outcome(text.encode())


FIELDS = (
    "idle_timeout_s",
    "countdown_s",
    "level",
    "language",
    "scenario",
    "scenarios",
    "seed",
    "controls",
    "intro_sliders",
    "reduce_motion",
    "touch",
    "screen_width_mm",
    "min_target_mm",
    "min_target_px",
)
NAMES = st.sampled_from(
    [
        "intro",
        "lab",
        "en",
        "es",
        "fr",
        "breast",
        "lung",
        "kidney",
        "spleen",
        "play",
        "quiz",
        "console",
        "transit.attrition",
        "dormancy.entry",
        "nope",
        "",
    ]
)
SCALARS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.integers(0, 700),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 700),
    st.booleans(),
    NAMES,
)
VALUES = st.one_of(SCALARS, st.lists(NAMES, max_size=4))
FLOAT_RANGES = {
    "idle_timeout_s": (10, 86_400),
    "countdown_s": (20, 600),
    "screen_width_mm": (0, 10_000),
    "min_target_mm": (5, 30),
}


def invalid_fields(given: dict) -> set[str]:
    """An oracle written apart from the loader: which of the given fields are bad."""
    from desktop.kiosk.config import CONTROLS
    from sim_core import SLIDERS, list_presets

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    bad = set()
    for k, v in given.items():
        if k in FLOAT_RANGES:
            lo, hi = FLOAT_RANGES[k]
            ok = number(v) and math.isfinite(v) and lo <= v <= hi
        elif k == "level":
            ok = v in ("intro", "lab")
        elif k == "language":
            ok = v in ("en", "es")
        elif k == "seed":
            ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63
        elif k == "min_target_px":
            ok = isinstance(v, int) and not isinstance(v, bool) and 24 <= v <= 200
        elif k in ("reduce_motion", "touch"):
            ok = isinstance(v, bool)
        elif k == "scenarios":
            ok = isinstance(v, list) and bool(v) and all(s in list_presets() for s in v)
        elif k == "controls":
            ok = isinstance(v, list) and all(c in CONTROLS for c in v)
        elif k == "intro_sliders":
            ok = isinstance(v, list) and all(s in SLIDERS for s in v)
        elif k == "scenario":
            ok = isinstance(v, str)
        else:
            ok = False  # an unknown key
        if not ok:
            bad.add(k)
    scenarios = given.get("scenarios", ["breast", "colorectal", "lung", "prostate"])
    if "scenarios" not in bad and "scenario" not in bad and given.get("scenario", "breast") not in scenarios:
        bad.add("scenario")
    return bad


@fuzz(400)
@given(st.dictionaries(st.sampled_from(FIELDS + ("colour", "idle_timeout")), VALUES, max_size=5))
def test_a_config_is_accepted_exactly_when_every_field_is_valid(given_fields):
    text = "\n".join(f"{k} = {toml_value(v)}" for k, v in given_fields.items())
    result = outcome(text.encode())
    bad = invalid_fields(given_fields)
    if not given_fields:  # an empty file
        assert isinstance(result, InputError) and "empty file" in str(result)
        return
    if isinstance(result, InputError):
        assert bad, f"rejected a valid config: {text!r} -> {result}"
        assert any(f in str(result) for f in bad), (str(result), bad)  # names a bad field
    else:
        assert not bad, f"accepted {bad} in {text!r}"
        for k, v in given_fields.items():
            assert getattr(result, k) == v


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n"])
def test_an_empty_file_is_a_one_line_error(tmp_path, data):
    (tmp_path / "kiosk.toml").write_bytes(data)
    with pytest.raises(InputError) as err:
        load_kiosk_config(tmp_path / "kiosk.toml")
    msg = str(err.value)
    assert msg.startswith(str(tmp_path / "kiosk.toml")) and "empty file" in msg and "\n" not in msg


def test_a_file_of_comments_only_means_the_shipped_defaults(tmp_path):
    (tmp_path / "kiosk.toml").write_bytes(b"# every setting left at its default\n")
    cfg = load_kiosk_config(tmp_path / "kiosk.toml")
    assert cfg.idle_timeout_s == 120.0 and cfg.level == "intro" and cfg.pin_hash == ""


@pytest.mark.parametrize(
    "name, data, needle",
    [
        ("nul.toml", b"\x00" * 64, "not valid TOML"),
        ("bom.toml", b"\xef\xbb\xbflanguage = 'en'\n", "not valid TOML"),
        ("dup.toml", b"level = 'intro'\nlevel = 'lab'\n", "not valid TOML"),
        ("table.toml", b"[level]\nx = 1\n", "level"),
        ("longpin.toml", b"pin_hash = '" + b"a" * 100_000 + b"'\n", "pin_hash"),
        ("hugeint.toml", b"seed = 99999999999999999999999\n", "seed"),
    ],
)
def test_hostile_files_are_one_line_errors_naming_file_and_field(tmp_path, name, data, needle):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError) as err:
        load_kiosk_config(p)
    msg = str(err.value)
    assert msg.startswith(str(p)) and needle in msg and "\n" not in msg and len(msg) < 400


def test_a_folder_or_unreadable_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is a folder, not a kiosk config"):
        load_kiosk_config(tmp_path)


def test_a_file_over_1_mb_is_refused(tmp_path):
    p = tmp_path / "huge.toml"
    p.write_bytes(b"# padding\n" * 200_000 + b"level = 'intro'\n")
    with pytest.raises(InputError):
        load_kiosk_config(p)


def test_deep_nesting_is_a_one_line_error(tmp_path):
    p = tmp_path / "deep.toml"
    p.write_bytes(b"controls = " + b"[" * 5000 + b"]" * 5000)
    with pytest.raises(InputError):
        load_kiosk_config(p)


def test_bad_utf8_is_a_one_line_error(tmp_path):
    p = tmp_path / "badutf.toml"
    p.write_bytes(b'language = "\xff\xfe"\n')
    with pytest.raises(InputError):
        load_kiosk_config(p)


def test_a_bad_config_stops_the_kiosk_with_one_line_and_status_2(tmp_path):
    p = tmp_path / "kiosk.toml"
    p.write_text("countdown_s = 'soon'\n")
    r = run_app("--kiosk", "--kiosk-config", str(p), "--screenshot", str(tmp_path / "k.png"), timeout=120)
    err = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(err) == 1, r.stderr
    assert str(p) in err[0] and "countdown_s" in err[0] and not (tmp_path / "k.png").exists()


ATHERIS_HARNESS = """
import sys
import atheris
import desktop.window.theme
from sim_core import InputError
for name in [m for m in sys.modules if m == "tomllib" or m.startswith("tomllib.")]:
    del sys.modules[name]            # msgspec imported it already: import it again, instrumented
with atheris.instrument_imports():   # the loader and the TOML parser, not numpy, numba or Qt
    import tomllib
    from desktop.kiosk.config import parse_kiosk_config

def one_input(data):
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():            # mostly text, so the fuzzer gets past UTF-8 into TOML
        data = fdp.ConsumeUnicodeNoSurrogates(600).encode()
    else:
        data = fdp.ConsumeBytes(600)
    try:
        parse_kiosk_config(data, "fuzz.toml")
    except InputError as err:
        assert "\\n" not in str(err) and str(err).startswith("fuzz.toml")

atheris.Setup(sys.argv, one_input)
atheris.Fuzz()
"""


def test_atheris_finds_no_other_escape(tmp_path):
    pytest.importorskip("atheris")
    import resource

    # Linux carries a process's peak resident size over fork and exec, so the harness starts with
    # this process's peak as its own (2.6 GB after the whole suite in CI, where libFuzzer's default
    # 2 GB limit then stopped it at once): give the fuzzed parser its 2 GB on top of that
    limit_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 + 2048
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            ATHERIS_HARNESS,
            "-runs=100000",
            "-seed=1",
            "-max_len=1024",
            f"-rss_limit_mb={limit_mb}",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-3000:]


def test_shipped_file_states_the_code_defaults():
    """assets/kiosk.toml writes every default out for curators; it must say what the code does."""
    import msgspec

    from desktop.core.assets import asset_path
    from desktop.kiosk.config import KioskFile, load_kiosk_config

    shipped = load_kiosk_config(asset_path("kiosk.toml"))
    defaults = KioskFile()
    for name in KioskFile.__struct_fields__:
        assert getattr(shipped, name) == getattr(defaults, name), name
    assert set(msgspec.toml.decode(asset_path("kiosk.toml").read_bytes())) == set(KioskFile.__struct_fields__)
