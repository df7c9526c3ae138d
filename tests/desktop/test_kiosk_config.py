"""The kiosk config is user-edited data: strict schema, one-line errors naming file and field,
and a salted PIN hash."""

import pytest

from desktop.kiosk.config import (hash_pin, load_kiosk_config, parse_kiosk_config, verify_pin)
from sim_core import InputError


def test_shipped_config_loads_with_the_defaults():
    cfg = load_kiosk_config()
    assert cfg.idle_timeout_s == 120.0 and cfg.countdown_s >= 20
    assert cfg.level == "intro" and cfg.language == "en"
    assert cfg.scenario in cfg.scenarios


@pytest.mark.parametrize("text, field", [
    ("colour = 'red'", ""),                       # unknown key
    ("idle_timeout_s = 'soon'", "idle_timeout_s"),  # wrong type
    ("idle_timeout_s = nan", "idle_timeout_s"),
    ("idle_timeout_s = inf", "idle_timeout_s"),
    ("idle_timeout_s = 2.0", "idle_timeout_s"),    # out of range
    ("countdown_s = 5.0", "countdown_s"),          # below WCAG's 20 s
    ("level = 'expert'", "level"),
    ("language = 'fr'", "language"),
    ("scenarios = ['breast', 'spleen']", "scenarios[1]"),
    ("scenario = 'kidney'", "scenario"),
    ("controls = ['play', 'console']", "controls[1]"),
    ("intro_sliders = ['nope']", "intro_sliders[0]"),
    ("pin_hash = '1234'", "pin_hash"),
    ("level = ", ""),                              # not TOML
])
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
