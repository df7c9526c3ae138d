"""One TOML codec: every kind of TOML file the program reads fails the same way, and no module
decodes or writes TOML on its own."""

import re
from pathlib import Path

import pytest

from sim_core import InputError, load_scenario
from sim_core.io.receipt import load_receipt
from sim_core.model import tomlio
from sim_core.model.body_graph import load_body_graph

ROOT = Path(__file__).resolve().parents[2]

LOADERS = {
    "a scenario file": load_scenario,
    "a run receipt": load_receipt,
    "a body graph file": load_body_graph,
}


@pytest.mark.parametrize("what", sorted(LOADERS))
def test_broken_toml_is_one_line_naming_the_file(tmp_path, what):
    p = tmp_path / ("x.receipt.toml" if "receipt" in what else "x.toml")
    p.write_text('[receipt]\nname = "unterminated\n', "utf-8")
    with pytest.raises(InputError) as err:
        LOADERS[what](p)
    msg = str(err.value)
    print(msg)
    assert msg.startswith(f"{p}: not valid TOML (") and "\n" not in msg


@pytest.mark.parametrize("what", sorted(LOADERS))
def test_bytes_that_are_not_utf8_are_named(tmp_path, what):
    p = tmp_path / ("x.receipt.toml" if "receipt" in what else "x.toml")
    p.write_bytes(b'[receipt]\nname = "caf\xe9"\n')
    with pytest.raises(InputError) as err:
        LOADERS[what](p)
    assert str(err.value) == f"{p}: not UTF-8 text (byte 21)"


def test_a_folder_is_named_as_what_was_expected(tmp_path):
    for what, loader in LOADERS.items():
        if "receipt" in what:
            continue  # a folder is not a file a receipt can be found in
        with pytest.raises(InputError) as err:
            loader(tmp_path)
        assert str(err.value) == f"{tmp_path}: is a folder, not {what}"


def test_schema_errors_name_the_field():
    import msgspec

    class Shape(msgspec.Struct, forbid_unknown_fields=True):
        size: int = 1

    with pytest.raises(InputError) as err:
        tomlio.decode('size = "big"', "f.toml", "a shape", Shape)
    assert str(err.value) == "f.toml: size: Expected `int`, got `str`"
    with pytest.raises(InputError) as err:
        tomlio.decode("colour = 1", "f.toml", "a shape", Shape)
    assert str(err.value) == "f.toml: colour: unknown key"


def test_the_writer_escapes_what_toml_needs_and_refuses_non_finite_numbers():
    tricky = 'a "quote", a \\ backslash,\na newline, a tab\t, \x00\x1f\x7f and ü/中'
    text = tomlio.dumps({"s": tricky, "x": 0.1, "t": {"k": [1, 2]}})
    assert tomlio.decode(text, "mem", "a test") == {"s": tricky, "x": 0.1, "t": {"k": [1, 2]}}
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            tomlio.dumps({"t": {"v": [bad]}})


def test_no_module_reads_or_writes_toml_on_its_own():
    """The codec is the only place that decodes TOML or formats TOML values."""
    offenders = []
    for path in sorted((ROOT / "sim_core").rglob("*.py")) + sorted((ROOT / "desktop").rglob("*.py")):
        if path.name == "tomlio.py":
            continue
        text = path.read_text("utf-8")
        if re.search(r"\btomllib\b|msgspec\.toml|\btomli_w\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
