"""Parameter metadata, strict scenario loading, and round-tripping scenarios through TOML."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim_core import BY_PATH, SLIDERS, SPECS, InputError, Params, list_presets, load_scenario
from sim_core.model.scenario import parse_scenario

REQUIRED_PRESETS = {"breast", "colorectal", "lung", "melanoma", "prostate", "pancreas", "ovary", "stomach", "sarcoma"}


def test_every_parameter_has_unit_range_default_and_source():
    for s in SPECS:
        assert s.unit and s.source and s.doc, s.path
        assert s.lo <= s.default <= s.hi, s.path
        assert math.isfinite(s.lo) and math.isfinite(s.hi)


def test_required_knobs_exist():
    for path in [
        "transit.attrition",
        "dormancy.entry",
        "dormancy.wake_per_year",
        "antiangio.strength",
        "antiangio.start_day",
        "antiangio.resistance_months",
        "chemo.lung_factor",
        "suppressor.strength",
        "immune.surveillance",
        "shedding.rate_per_g_day",
        "shedding.cluster_cells",
        "shedding.cluster_fraction",
    ]:
        assert path in BY_PATH
    assert set(SLIDERS) <= set(BY_PATH)


def test_presets_load_and_cover_the_required_cancers():
    assert set(list_presets()) >= REQUIRED_PRESETS
    for name in list_presets():
        sc = load_scenario(name)
        assert sc.name == name and sc.primary.startswith("primary:")


#: The head of a valid scenario, to which each bad case below adds its one mistake.
VALID_HEAD = 'name="x"\nprimary="primary:breast"\n'
#: Bad values of ``transit.attrition``, each with the word its error must use.
BAD_ATTRITION = {"nan": "finite", "inf": "finite", "11": "outside", '"x"': "number", "true": "number"}
BAD_SCENARIOS = [
    (VALID_HEAD + "colour=1\n", "colour", "unknown key"),
    *[
        (VALID_HEAD + f"[params.transit]\nattrition={value}\n", "params.transit.attrition", problem)
        for value, problem in BAD_ATTRITION.items()
    ],
    (VALID_HEAD + "[params.transit]\nattriton=1\n", "params.transit.attriton", "unknown"),
    ('name="x"\nprimary="primary:nose"\n', "primary", "unknown primary"),
    (VALID_HEAD + "seed=-3\n", "seed", "seed"),
    ('primary="primary:breast"\n', "name", "name"),
    ('name="x\n', "", "TOML"),
]


@pytest.mark.parametrize("text,field,problem", BAD_SCENARIOS)
def test_bad_scenarios_are_rejected_with_file_and_field(text, field, problem):
    with pytest.raises(InputError) as err:
        parse_scenario(text, "my.toml", ("primary:breast",))
    msg = str(err.value)
    assert msg.startswith("my.toml: ") and "\n" not in msg
    assert field in msg and problem.lower() in msg.lower()


def test_roundtrip_keeps_only_differences(tmp_path):
    sc = load_scenario("breast")
    sc.params.set("transit.attrition", 2.5)
    sc.seed = 42
    p = tmp_path / "mine.toml"
    sc.save(p)
    back = load_scenario(p)
    assert back.params.as_dict() == sc.params.as_dict()
    assert back.seed == 42 and back.primary == "primary:breast"
    assert "attrition = 2.5" in p.read_text()
    assert "anoikis" not in p.read_text()  # defaults are not written


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("old")
    load_scenario("lung").save(p)
    assert p.read_text().startswith('name = "lung"')
    assert [f.name for f in tmp_path.iterdir()] == ["s.toml"]


def test_params_reject_out_of_range_mid_run_values():
    p = Params()
    with pytest.raises(InputError):
        p.set("transit.attrition", -1)
    with pytest.raises(InputError):
        p.set("no.such", 1)
    p.set("transit.attrition", 3)
    assert p["transit.attrition"] == 3.0


def test_model_readme_parameter_table_is_generated_from_params():
    from pathlib import Path

    from sim_core.tools.cli import params_markdown

    text = (Path(__file__).resolve().parents[2] / "sim_core" / "README.md").read_text()
    table = text.split("<!-- params:begin -->\n")[1].split("\n<!-- params:end -->")[0]
    assert table == params_markdown(), "regenerate with: seedsoil-sim params --markdown"


def test_model_readme_reference_table_is_generated_and_every_source_key_resolves():
    import re
    from pathlib import Path

    from sim_core.model.references import REFERENCES, markdown_table

    text = (Path(__file__).resolve().parents[2] / "sim_core" / "README.md").read_text()
    table = text.split("<!-- references:begin -->\n")[1].split("\n<!-- references:end -->")[0]
    assert table == markdown_table(), "regenerate with: seedsoil-sim params --references"
    from sim_core.science.calibration import AFFINITIES

    cited = set()
    for s in SPECS:
        cited |= set(re.findall(r"\[([a-z0-9_]+)\]", s.source))
    for a in AFFINITIES:
        cited |= set(re.findall(r"\[([a-z0-9_]+)\]", a.source))
    assert cited - set(REFERENCES) == set()
    assert len(cited) > 20


def test_every_parameter_says_where_its_default_comes_from():
    from sim_core.model.params import BASES, RULES

    assert {s.basis for s in SPECS} <= set(BASES)
    fitted = [s.path for s in SPECS if s.basis == "fitted"]
    assert "soil.liver" in fitted and "routing.plexus_share" in fitted and "arrest.node" in fitted
    assert {nature for _, nature, _ in RULES} == {"mechanism", "phenomenology"}


def test_removed_parameters_name_their_replacement():
    with pytest.raises(InputError) as err:
        parse_scenario('name="x"\nprimary="primary:breast"\n[params.soil]\nlymph_regional=1\n', "old.toml")
    assert "soil.node" in str(err.value) and "old.toml" in str(err.value)
    with pytest.raises(InputError) as err:
        parse_scenario('name="x"\nprimary="primary:ovary"\n[params.shedding]\ncavity_fraction=1\n', "ovary_v1.toml")
    assert "cavity.exposure" in str(err.value) and "ovary_v1.toml" in str(err.value)


# Any text TOML can hold: newlines, quotes, backslashes, control characters, non-ASCII (no surrogates,
# which no UTF-8 file can carry).
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
_NAME = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
_PARAMS = st.dictionaries(st.sampled_from([s.path for s in SPECS]), st.floats(0, 1), max_size=6)


@st.composite
def _scenarios(draw):
    """Any valid scenario: any preset, any strings, any seed, any parameters inside their ranges."""
    sc = load_scenario(draw(st.sampled_from(sorted(REQUIRED_PRESETS))))
    sc.name, sc.title, sc.description = draw(_NAME), draw(_NAME), draw(_TEXT)
    sc.seed = draw(st.integers(0, 2**63 - 1))
    for path, u in draw(_PARAMS).items():
        spec = BY_PATH[path]
        sc.params.set(path, spec.lo + u * (spec.hi - spec.lo), "hypothesis")
    return sc


def _short_run(sc):
    from sim_core.model.engine import Engine

    eng = Engine(sc)
    for _ in range(3):
        eng.step(6 * 3600.0)
    return eng.counters.copy(), eng.recorder.cells[: eng.recorder.n].copy()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sc=_scenarios())
def test_any_valid_scenario_survives_file_receipt_and_checkpoint(tmp_path_factory, sc):
    """Any valid scenario (strings with newlines, quotes, backslashes, control characters and
    non-ASCII; any seed; parameters anywhere in their ranges) is written by the one TOML codec, read
    back identical, and gives an identical run; the run receipt and the checkpoint carry it the same
    way. A multi-line description used to make a saved file that could not be reopened."""
    from sim_core.io.checkpoint import load_checkpoint, save_checkpoint
    from sim_core.io.receipt import make_receipt, parse_receipt, receipt_scenario
    from sim_core.model.engine import Engine

    path = tmp_path_factory.mktemp("sc") / "s.toml"
    sc.save(path)
    back = load_scenario(path)
    assert back.to_dict() == sc.to_dict()
    assert (back.name, back.title, back.description, back.seed) == (sc.name, sc.title, sc.description, sc.seed)
    assert back.params.as_dict() == sc.params.as_dict()
    (c0, s0), (c1, s1) = _short_run(sc), _short_run(back)
    assert (c0 == c1).all() and (s0 == s1).all()
    eng = Engine(sc, shedding=False)
    r = receipt_scenario(parse_receipt(make_receipt(eng)))
    assert r.to_dict() == {k: v for k, v in sc.to_dict().items() if k != "mix"}
    ck_path = tmp_path_factory.mktemp("ck") / "c.npz"
    save_checkpoint(eng, ck_path)
    assert load_checkpoint(ck_path).scenario.to_dict() == sc.to_dict()
