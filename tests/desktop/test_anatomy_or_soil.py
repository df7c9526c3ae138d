""" "Anatomy or soil?": one patient twice from one seed, blood flow alone against seed and soil.
The two sides share the seed and shed alike while only the primary sheds; the anatomy side has
every soil factor and affinity 1, the soil side the scenario's own; after five years a prostate
patient has bone tumours by Batson's plexus alone and more with seed and soil. The Lab window opens
from the menu and leaves
the main run alone; the kiosk screen opens from its button and the idle reset leaves it."""

import gc

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

from desktop.core import i18n
from desktop.lab.fork.soil import GROUP_LABELS, MACRO, SoilSplit, compare_sites, site_groups, soil_lesson
from sim_core import COUNTER_NAMES, load_scenario
from tests.desktop.conftest import SIZE
from tests.desktop.test_kiosk_support import _kiosk

SHED = COUNTER_NAMES.index("shed")


@pytest.fixture(scope="module")
def prostate_five_years():
    split = SoilSplit(load_scenario("prostate"))
    split.run()
    return split


def test_one_seed_and_the_same_shedding_until_metastases_shed():
    sc = load_scenario("prostate")
    split = SoilSplit(sc, horizon_days=3 * 365.25)
    soil, anat = split.soil, split.anatomy
    assert soil.seed == anat.seed == sc.seed
    assert soil is not anat and soil.t_days == anat.t_days == 0.0
    steps = 0
    while not split.finished:
        split.advance(1.0)
        steps += 1
        assert soil.t_days == anat.t_days and soil.step_index == anat.step_index == steps
        if (soil.lesions.state == MACRO).any() or (anat.lesions.state == MACRO).any():
            break  # from here metastases shed too, and the sides hold different ones
        assert soil.counters[SHED] == anat.counters[SHED], f"day {soil.t_days}"
    first_macro = soil.t_days
    print(
        f"shed alike for {steps} steps: {soil.counters[SHED]:.6g} cells; sides differ since day "
        f"{split.pair.diverged_day} ({split.pair.diverged_what}); first macrometastasis day {first_macro}"
    )
    # months of identical shedding after the lesions already differ
    assert split.pair.diverged_day is not None and split.pair.diverged_day < 100
    assert steps >= split.pair.diverged_day + 60
    assert soil.counters[SHED] > 1e7
    split.advance(365.0)
    assert soil.counters[SHED] != anat.counters[SHED]  # metastases shed as well, unlike each other


def test_anatomy_side_has_every_soil_one_and_the_soil_side_the_scenarios(prostate_five_years):
    split = prostate_five_years
    soil, anat = split.soil, split.anatomy
    p = load_scenario("prostate").params
    assert anat.params["soil.weight"] == 0.0 and soil.params["soil.weight"] == p["soil.weight"] == 1.0
    g = soil.graph
    own = g.own_organ.get("primary:prostate", "")
    checked, not_one = 0, 0
    sites = np.concatenate(list(site_groups(g).values()))
    assert sorted(sites) == [c for c in range(g.n) if g.soil_key[c]]  # every site where a lesion can grow
    for c in sites:
        key = g.soil_key[c]
        if g.ids[c] == own:
            assert anat.site_soil(c) == soil.site_soil(c) == 0.0
            continue
        assert anat.site_soil(c) == 1.0, g.ids[c]
        expected = p[f"soil.{key}"] * p[f"affinity.{key}"]
        assert soil.site_soil(c) == pytest.approx(expected, rel=1e-12), g.ids[c]
        checked += 1
        not_one += expected != 1.0
    bone = g.index["organ:spine"]
    print(f"{checked} sites; soil side: spine {soil.site_soil(bone):.3g}, {not_one} sites not 1")
    assert checked >= 20 and not_one >= 5
    assert soil.site_soil(bone) > 1.0


def test_prostate_tumours_reach_bone_by_the_plexus_and_more_with_seed_and_soil(prostate_five_years):
    """Blood flow alone already takes prostate cells to the spine (Batson's plexus, a fitted share
    of the pelvic venous blood); seed and soil adds the bone affinity and fertile nodes, so more
    tumours grow in all. Blood flow alone grows 2-3 bone tumours in this run, depending on the
    fitted values of the day, so the check is that it grows any."""
    split = prostate_five_years
    assert split.t_days == pytest.approx(5 * 365.25)
    anat, soil = split.counts()
    print(
        "blood flow alone:",
        {k: v for k, v in anat.items() if v},
        "| seed and soil:",
        {k: v for k, v in soil.items() if v},
    )
    assert anat["bones"] >= 1 and soil["bones"] > anat["bones"]
    assert soil["lymph nodes"] > anat["lymph nodes"]
    assert sum(soil.values()) > 2 * sum(anat.values())
    gain, loss = soil_lesson(anat, soil)
    print("lesson:", gain, loss)
    assert gain in ("bones", "lymph nodes")


def test_rows_and_the_lesson_from_counts():
    anat = {"lymph nodes": 5, "bones": 0, "kidneys": 2, "liver": 1, "brain": 0}
    soil = {"lymph nodes": 49, "bones": 36, "kidneys": 0, "liver": 0, "brain": 0}
    assert compare_sites(anat, soil) == [("lymph nodes", 5, 49), ("bones", 0, 36), ("kidneys", 2, 0), ("liver", 1, 0)]
    assert compare_sites(anat, soil, top=2) == [("lymph nodes", 5, 49), ("bones", 0, 36)]
    # the nodes gain more tumours, but bone's share changes most: bone is the soil's lesson
    assert soil_lesson(anat, soil) == ("bones", "kidneys")
    assert soil_lesson(anat, anat) == (None, None)
    assert soil_lesson({"liver": 3, "lungs": 0}, {"liver": 1, "lungs": 0}) == (None, "liver")
    assert soil_lesson({"liver": 0}, {"liver": 0}) == (None, None)


class _Stub:
    def __init__(self, anat, soil, same=False):
        self.same_soil, self._c = same, (anat, soil)

    def counts(self):
        return self._c


def test_every_sentence_and_label_has_a_spanish_entry():
    from desktop.lab.anatomy_or_soil import lesson_text, row_label, the_group

    cases = [
        _Stub({"bones": 0, "liver": 2}, {"bones": 5, "liver": 0}),
        _Stub({"bones": 0}, {"bones": 5}),
        _Stub({"liver": 2}, {"liver": 1}),
        _Stub({"liver": 2}, {"liver": 2}),
        _Stub({"liver": 0}, {"liver": 0}),
        _Stub({}, {}, same=True),
    ]
    try:
        i18n.seen.clear()
        i18n.set_language("es")
        texts = [lesson_text(c) for c in cases]
        labels = [(row_label(g), the_group(g)) for g in GROUP_LABELS]
        table = i18n.table("es")
        assert sorted(s for s in i18n.seen if s not in table) == []
        assert [s for s in i18n.seen if i18n.template_fields(s) != i18n.template_fields(table[s])] == []
        assert texts[0].startswith("Con semilla y terreno crecen más tumores en los huesos (5 frente a 0")
        assert "menos en el hígado (0 frente a 2)" in texts[0]
        assert len(set(texts)) == len(texts)
        assert ("Huesos", "los huesos") in labels and ("Hígado", "el hígado") in labels
    finally:
        i18n.set_language("en")


# --- the Lab window -------------------------------------------------------------------------------
def test_lab_menu_opens_the_split_and_leaves_the_main_run_alone(qtbot, controller, sizes):
    from desktop.lab import install_lab
    from desktop.window.main_window import MainWindow

    win = MainWindow(controller, sizes)
    lab = install_lab(win)
    win.resize(*SIZE)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    controller.set_parameter("transit.attrition", 2.0)  # the split takes the main run's parameters ...
    controller.advance_days(50)  # ... but starts again at day 0
    eng = controller.engine
    before = (eng.t_days, eng.step_index, eng.counters.copy())
    assert lab.actions["anatomy_or_soil"].text() == "Anatomy or soil?…"
    lab.actions["anatomy_or_soil"].trigger()
    w = lab.anatomy_window
    assert w is not None and w.isVisible() and w.isWindow()
    v = w.view
    assert v.running and v.split.scenario.name == "breast" and v.split.t_days < 50
    assert v.split.soil.params["transit.attrition"] == v.split.anatomy.params["transit.attrition"] == 2.0
    assert v.split.soil.seed == v.split.anatomy.seed == eng.seed
    qtbot.waitUntil(lambda: v.split.t_days >= 60, timeout=20000)  # the timer steps both, together
    assert v.split.soil.t_days == v.split.anatomy.t_days
    assert v.anatomy_map.title.text() == "Blood flow alone" and v.soil_map.title.text() == "Seed and soil"
    v.run_to_end()
    assert v.split.finished and not v.running
    assert v.clock.text() == f"{v.split.t_days / 365.25:.1f} years · finished"
    anat, soil = v.split.counts()
    assert v.bars.rows == compare_sites(anat, soil, 6) and v.bars.rows
    assert v.caption.text().startswith("With seed and soil")
    assert "tumours" in v.anatomy_map.summary.text() and "tumours" in v.soil_map.summary.text()
    v.restart()
    assert v.split.t_days == 0.0 and v.running
    w.close()
    assert not v.running
    assert (eng.t_days, eng.step_index) == before[:2] and np.array_equal(eng.counters, before[2])
    controller.pause()
    win.close()


def test_render_split_screenshot(tmp_path, qapp):
    from PySide6.QtGui import QImage

    from desktop.lab.anatomy_or_soil import render_split_screenshot

    out = tmp_path / "split.png"
    w = render_split_screenshot(out, scenario="lung", days=400, size=(1280, 800))
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    assert w.view.split.t_days == pytest.approx(400.0)


# --- the kiosk ------------------------------------------------------------------------------------
def _controls(*extra):
    from desktop.kiosk.config import INTRO_CONTROLS

    return [c for c in INTRO_CONTROLS if c != "anatomy_or_soil"] + list(extra)


@pytest.fixture
def split_kiosk(qtbot, controller, sizes, clock):  # noqa: F811
    shell = _kiosk(qtbot, controller, sizes, clock, controls=_controls("anatomy_or_soil"))
    yield shell
    shell.uninstall()
    controller.pause()
    shell.win.close()
    i18n.set_language("en")
    gc.collect()


def test_kiosk_button_opens_the_split_and_the_idle_reset_leaves_it(split_kiosk, clock, qtbot):  # noqa: F811
    k = split_kiosk
    start, start_state = k.state_hash(), k.state()
    k.idle.poke()  # a visitor arrives
    assert k.split_button.isVisible() and k.split_button.text() == "Anatomy or soil?"
    assert k.split_button.height() >= k.target_px
    k.split_button.click()
    view = k.split.view
    assert k.stack.currentWidget() is k.split and k.split_button.isChecked()
    assert view.running and not k.controller.playing
    assert view.split.scenario.name == k.config.scenario and view.split.soil.seed == k.config.seed
    assert not view.run_button.isVisible() and not view.skip.isVisible()  # the kiosk just plays
    qtbot.waitUntil(lambda: view.split.t_days >= 30, timeout=20000)
    k.split.type_buttons["prostate"].click()  # another cancer type, from day 0
    assert view.split.scenario.name == "prostate" and view.split.t_days < 30
    assert k.split.type_buttons["prostate"].isChecked() and not k.split.type_buttons["breast"].isChecked()
    k.set_language("es")
    assert (
        view.anatomy_map.title.text() == "Solo el flujo de sangre" and k.split_button.text() == "¿Anatomía o terreno?"
    )
    QApplication.processEvents()
    assert [w for w in QApplication.topLevelWidgets() if isinstance(w, (QMenu, QFileDialog)) and w.isVisible()] == []
    # nobody touches the screen: countdown, then the start state, the split stopped and dropped
    clock.advance(k.config.idle_timeout_s + 1)
    k.tick()
    assert k.countdown.isVisible()
    clock.advance(k.config.countdown_s + 1)
    k.tick()
    assert k.stack.currentIndex() == 0 and not k.split_button.isChecked()
    assert view.split is None and not view.running
    assert {key: v for key, v in k.state().items() if v != start_state[key]} == {}
    assert k.state_hash() == start and i18n.language() == "en"


def test_kiosk_without_the_control_offers_no_split(qtbot, controller, sizes, clock):  # noqa: F811
    shell = _kiosk(qtbot, controller, sizes, clock, controls=_controls())
    try:
        shell.idle.poke()
        assert not shell.split_button.isVisible()
        shell.show_split()
        assert shell.stack.currentIndex() == 0 and shell.split.view.split is None
    finally:
        shell.uninstall()
        controller.pause()
        shell.win.close()
        gc.collect()
