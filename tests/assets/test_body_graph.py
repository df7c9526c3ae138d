"""The body graph: complete, consistent, and first-pass anatomy that follows from its vessels."""

import numpy as np
import pytest

from sim_core import InputError, default_graph, load_body_graph
from sim_core.kernels.layout import KIND_NODE, KIND_ORGAN, KIND_PRIMARY
from sim_core.model.assets import assets_dir
from sim_core.model.body_graph import CATEGORIES, VESSEL_CLASS

REQUIRED = {
    "primary": [
        "breast",
        "colon",
        "rectum",
        "lung",
        "skin",
        "prostate",
        "pancreas",
        "stomach",
        "ovary",
        "kidney",
        "limb",
    ],
    "organ": [
        "lungs",
        "liver",
        "brain",
        "spine",
        "pelvis_bone",
        "long_bones",
        "adrenals",
        "kidneys",
        "spleen",
        "pancreas",
        "skin",
        "muscle",
        "heart_wall",
        "gi_wall",
        "thyroid",
        "peritoneum",
        "pleura",
    ],
    "node": ["axillary", "cervical", "mediastinal", "mesenteric", "para_aortic", "pelvic", "inguinal"],
}


def test_required_compartments_exist():
    g = default_graph()
    for prefix, names in REQUIRED.items():
        for name in names:
            assert f"{prefix}:{name}" in g.index
    for cid in [
        "heart:right",
        "heart:left",
        "vein:portal",
        "vein:ivc",
        "vein:svc",
        "artery:aorta",
        "lymph:thoracic_duct",
        "vein:left_subclavian",
        "vein:vertebral_plexus",
        "cavity:peritoneal",
        "cavity:pleural",
    ]:
        assert cid in g.index


def test_shares_sum_to_one_per_source_and_class():
    g = default_graph()
    cls = VESSEL_CLASS[g.v_kind]
    for c in range(g.n):
        for k in range(3):
            sel = (g.v_src == c) & (cls == k)
            if sel.any():
                assert g.v_share[sel].sum() == pytest.approx(1.0)


def test_arterial_shares_follow_cardiac_output_table():
    """Brain 12 %, kidneys 19 % of cardiac output (Williams & Leggett via NRC 1999), after
    normalisation; the omentum takes 0.5 % and the node basins 1 % from "other"."""
    g = default_graph()
    out = {g.ids[g.v_dst[v]]: g.v_share[v] for v in g.out_vessels("artery:aorta")}
    total_pct = 12 + 4 + 6.5 + 15 + 1 + 3 + 0.3 + 2.5 + 19 + 22 + 5 + 3 + 2 + 2.5 + 1.5 + 1 + 0.5 + 1 + 0.5
    assert out["organ:brain"] == pytest.approx(12 / total_pct, rel=1e-6)
    assert out["organ:kidneys"] == pytest.approx(19 / total_pct, rel=1e-6)


@pytest.mark.parametrize(
    "vessel,first",
    [
        ("primary:colon->vein:portal", "organ:liver"),  # gut -> portal vein -> liver
        ("primary:stomach->vein:portal", "organ:liver"),
        ("primary:breast->vein:svc", "organ:lungs"),  # other veins -> right heart -> lungs
        ("primary:limb->vein:ivc", "organ:lungs"),
        ("primary:breast->node:axillary", "node:axillary"),  # lymph -> regional node
        ("primary:prostate->vein:vertebral_plexus", "organ:spine"),  # Batson
        ("node:para_aortic->lymph:thoracic_duct", "organ:lungs"),  # duct -> subclavian -> heart -> lungs
    ],
)
def test_first_pass_follows_from_the_graph(vessel, first):
    g = default_graph()
    assert g.ids[g.first_bed(vessel)] == first


def test_lung_primary_skips_the_lung_filter():
    g = default_graph()
    v = g.v_index["primary:lung->heart:left"]
    assert g.ids[g.v_dst[v]] == "heart:left"


def test_ovary_drains_into_the_peritoneal_cavity():
    g = default_graph()
    dsts = {g.ids[g.v_dst[v]] for v in g.out_vessels("primary:ovary")}
    assert "cavity:peritoneal" in dsts
    assert g.ids[g.implants_into[g.index["cavity:peritoneal"]]] == "organ:peritoneum"


def test_every_vessel_has_a_drawable_path_and_every_site_a_category():
    g = default_graph()
    for v in range(g.m):
        p = g.path(v)
        assert p.shape[0] >= 2 and np.isfinite(p).all()
        assert np.allclose(p[0], g.xy[g.v_src[v]]) and np.allclose(p[-1], g.xy[g.v_dst[v]])
    for c in range(g.n):
        if g.kind[c] in (KIND_ORGAN, KIND_NODE):
            assert g.site_category(c, "primary:breast") in CATEGORIES
        if g.kind[c] == KIND_PRIMARY:
            assert g.ids[c] in g.regional_nodes


def test_every_compartment_can_reach_the_heart_or_is_a_sink():
    """No dead ends: cells that pass any bed, node or hub can flow on."""
    g = default_graph()
    for c in range(g.n):
        if g.kind[c] in (KIND_ORGAN, KIND_NODE) or g.ids[c].startswith(("vein:", "heart:", "artery:", "lymph:")):
            assert g.out_vessels(c), g.ids[c]


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda s: s.replace('kind = "organ"', 'kind = "orgn"', 1), "kind"),
        (lambda s: s.replace("share = 1.0", "share = -1.0", 1), "share"),
        (lambda s: s.replace('to = "vein:svc"', 'to = "vein:nowhere"', 1), "to"),
        (lambda s: s.replace("[[vessel]]", "[[vessel]]\ncolour = 3", 1), "colour"),
        (lambda s: s + "\n[[vessel", ""),
    ],
)
def test_broken_graph_gives_one_line_error_naming_file_and_field(tmp_path, edit, field):
    src = (assets_dir() / "body_graph.toml").read_text()
    p = tmp_path / "graph.toml"
    p.write_text(edit(src))
    with pytest.raises(InputError) as err:
        load_body_graph(p)
    msg = str(err.value)
    assert "\n" not in msg and str(p) in msg and field in msg


def test_missing_graph_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_body_graph(tmp_path / "absent.toml")
