"""The body-map art and the body graph agree: every compartment and vessel is drawn, every drawn
organ exists, organs are drawn where the graph puts them, and taps find the right organ."""

from PySide6.QtCore import QPointF

from desktop.window.views.body_art import BodyArt, looks_like_compartment, svg_element_ids, svg_path
from desktop.window.views.vessel_item import VesselItem
from sim_core import default_graph


def test_every_compartment_has_an_svg_element(qapp):
    g = default_graph()
    ids = set(svg_element_ids(svg_path().read_text()))
    missing = [c for c in g.ids if c not in ids]
    assert missing == []


def test_every_drawn_organ_exists_in_the_graph(qapp):
    g = default_graph()
    ids = svg_element_ids(svg_path().read_text())
    assert len(ids) == len(set(ids)), "duplicate element ids"
    extra = [i for i in ids if i not in g.index]
    assert extra == [], f"SVG elements that are not compartments: {extra}"
    assert all(looks_like_compartment(i) for i in ids)


def test_every_vessel_is_drawn_and_nothing_else(qapp):
    g = default_graph()
    item = VesselItem(g)
    drawn = item.drawn_vessel_ids()
    assert sorted(drawn) == sorted(g.v_ids)
    assert len(drawn) == len(set(drawn))


def test_organs_are_drawn_where_the_graph_puts_them(qapp):
    g = default_graph()
    art = BodyArt(g)
    off = []
    for c, cid in enumerate(g.ids):
        x, y = g.xy[c]
        b = art.renderer.boundsOnElement(cid)
        if not b.adjusted(-2, -2, 2, 2).contains(QPointF(x, y)):
            off.append(cid)
    assert off == []


def test_tapping_an_organ_finds_it(qapp):
    g = default_graph()
    art = BodyArt(g)
    art.set_primary("primary:breast")
    for cid in (
        "organ:liver",
        "organ:brain",
        "organ:lungs",
        "node:axillary",
        "organ:spleen",
        "organ:kidneys",
        "heart:left",
        "organ:long_bones",
    ):
        x, y = g.xy[g.index[cid]]
        assert art.organ_at(QPointF(x, y)) == cid, cid
    assert art.organ_at(QPointF(5, 5)) is None


def test_sex_specific_primaries_show_only_for_their_scenario(qapp):
    art = BodyArt(default_graph())
    art.set_primary("primary:prostate")
    assert "primary:ovary" in art.hidden and "primary:prostate" not in art.hidden
    art.set_primary("primary:breast")
    assert {"primary:ovary", "primary:prostate"} <= art.hidden


def test_every_organ_has_glyph_slots_inside_it(qapp):
    g = default_graph()
    art = BodyArt(g)
    for cid in ("organ:liver", "organ:lungs", "node:axillary", "organ:brain"):
        c = g.index[cid]
        pts = art.slots[c]
        assert len(pts) >= 8
        inside = sum(art.contains(cid, x, y) for x, y in pts)
        assert inside == len(pts)
