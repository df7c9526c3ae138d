"""Scenario switch, tapping organs and lesions, replaying a founder's journey, the scan view,
following a released cluster, and the N/M summary."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from desktop.core.frames import lesion_diameter_mm
from desktop.core.journey import founder_journey
from desktop.core.speeds import FOLLOW_SPEED, SPEEDS
from desktop.core.staging import stage
from sim_core import default_graph, load_scenario
from tests.desktop.conftest import run_frames


def test_switching_the_cancer_type_loads_its_scenario(qtbot, qapp, window, controller):
    controller.play()
    run_frames(qapp, controller, 10)
    combo = window.top.scenario
    i = combo.findData("prostate")
    with qtbot.waitSignal(controller.scenario_changed):
        combo.setCurrentIndex(i)
        combo.activated.emit(i)
    sc = load_scenario("prostate")
    assert controller.scenario.primary == sc.primary == "primary:prostate"
    assert controller.engine.t_days == 0.0
    for path, row in window.params.rows.items():
        assert row.value == sc.params[path] == controller.params[path]
    assert "primary:prostate" not in window.body.art.hidden
    assert "primary:ovary" in window.body.art.hidden
    run_frames(qapp, controller, 5)
    assert controller.engine.t_days > 0
    g = controller.graph
    assert window.body.frame.primary == g.index["primary:prostate"]


def test_tapping_an_organ_opens_its_card(qtbot, qapp, window, controller):
    controller.advance_days(60)  # before any lung lesion is drawn where we tap
    g = controller.graph
    x, y = g.xy[g.index["organ:lungs"]]
    with qtbot.waitSignal(window.body.organ_clicked) as sig:
        window.body.click_at(QPointF(x - 10, y + 25))
    assert sig.args == ["organ:lungs"]
    assert window.card.isVisible()
    assert window.card.title.text() == "Lungs"
    dorm = int(controller.last_frame.snap.dormant_cells[g.index["organ:lungs"]])
    assert f"Dormant (asleep): {dorm:,}" in window.card.body.text()
    assert window.body.art.highlight.isVisible()
    window.body.click_at(QPointF(5, 5))
    assert not window.card.isVisible()


def _first_lesion_sprite(body):
    sp = body.lesions.sprites()
    idx = np.flatnonzero(sp["key"] >= 0)
    assert idx.size, "no lesion drawn"
    i = idx[-1]
    return int(sp["key"][i]), QPointF(float(sp["x"][i]), float(sp["y"][i]))


def test_tapping_a_lesion_replays_its_founders_journey(qtbot, qapp, window, controller):
    controller.advance_days(700)
    window.grab()  # paint once so hit-testing knows the zoom
    lid, pos = _first_lesion_sprite(window.body)
    with qtbot.waitSignal(controller.journey_ready) as sig:
        window.body.click_at(pos)
    j = sig.args[0]
    assert window.body.replaying and window.card.isVisible()
    f = controller.last_frame
    i = int(np.flatnonzero(f.snap.lesion_id == lid)[0])
    g = controller.graph
    assert int(g.v_dst[j.vessels[-1]]) == int(f.snap.lesion_comp[i]) or int(
        g.implants_into[int(g.v_dst[j.vessels[-1]])]
    ) == int(f.snap.lesion_comp[i])
    assert int(g.v_kind[j.vessels[-1]]) == int(f.snap.lesion_route[i])
    assert "Replay" in window.caption.text.text()
    body = window.body
    qtbot.wait(200)  # the marker moves along the journey
    x0, y0 = j.points[0]
    assert (body.replay_dot.pos().x(), body.replay_dot.pos().y()) != (x0, y0)
    body._replay_step(body._replay_t0 + 60.0)  # ... and clears itself at the end
    assert not body.replaying and not body.replay_path.isVisible()


def test_journeys_follow_anatomy():
    g = default_graph()
    p = load_scenario("breast").params
    ids = lambda j: [g.v_ids[v] for v in j.vessels]  # noqa: E731
    lung = founder_journey(g, "primary:breast", "organ:lungs", 0, p)
    assert ids(lung) == ["primary:breast->vein:svc", "vein:svc->heart:right", "heart:right->organ:lungs"]
    liver = founder_journey(g, "primary:colon", "organ:liver", 2, p)
    assert ids(liver) == ["primary:colon->vein:portal", "vein:portal->organ:liver"]
    spine = founder_journey(g, "primary:prostate", "organ:spine", 5, p)
    assert ids(spine)[0] == "primary:prostate->vein:vertebral_plexus"
    node = founder_journey(g, "primary:breast", "node:axillary", 3, p)
    assert ids(node) == ["primary:breast->node:axillary"] and node.transit_s == pytest.approx(7200)


def test_scan_view_shows_only_lesions_above_the_detection_size(qtbot, qapp, window, controller):
    controller.advance_days(1500)
    f = controller.last_frame
    d = lesion_diameter_mm(f.snap.lesion_cells, f.cells_per_g)
    assert (d < 5).sum() > 0
    top = window.top
    top.size.setValue(2)
    top.scan.setChecked(True)
    body = window.body
    assert not body.packets.isVisible() and body.banner.isVisible()
    assert "What a scan would see" in body.banner.text()
    assert body.lesions.scan_mm == 2.0
    big = int((d >= 2).sum())
    assert 0 < body.lesions.visible_lesions <= big
    assert body.lesions.hidden_lesions >= int((d < 2).sum())
    keys = body.lesions.sprites()["key"]
    drawn = keys[keys >= 0]
    assert np.all(np.isin(drawn, f.snap.lesion_id[d >= 2]))
    assert "Scan sees" in top.stage.text()
    top.size.setValue(30)
    assert body.lesions.scan_mm == 30.0
    top.scan.setChecked(False)
    assert body.packets.isVisible() and not body.banner.isVisible()
    assert body.lesions.scan_mm is None


def test_a_released_cluster_is_followed_to_its_arrest(qtbot, qapp, window, controller):
    caps = []
    controller.caption_changed.connect(lambda c: caps.append(c))
    pid = controller.release_cluster()
    assert pid >= 0 and window.body.packets.follow_pid == pid
    assert controller.speed_index == FOLLOW_SPEED and controller.playing
    assert not SPEEDS[FOLLOW_SPEED].growth
    for _ in range(40):
        run_frames(qapp, controller, 30)
        if controller.follow.state != "travelling":
            break
    assert controller.follow.state in ("arrested", "done")
    steps = [c.step for c in caps]
    assert "shed" in steps and ("arrest" in steps or "transit" in steps)
    assert any("cluster" in c.text.lower() for c in caps)
    assert controller.speed_index > FOLLOW_SPEED  # it sped up to show what happens next


def test_staging_counts_regional_nodes_and_distant_sites():
    g = default_graph()
    ax, lu, br = (g.index[c] for c in ("node:axillary", "organ:lungs", "organ:brain"))
    comp = np.array([ax, lu, br])
    state = np.array([2, 1, 2])
    d = np.array([12.0, 0.5, 3.0])
    st = stage(g, "primary:breast", comp, state, d, np.zeros(g.n))
    assert (st.n_label, st.m_label) == ("N1", "M1") and st.n_regional == 1
    assert set(st.distant_sites) == {"Lungs", "Brain"}
    scan = stage(g, "primary:breast", comp, state, d, np.zeros(g.n), min_diam_mm=5)
    assert (scan.n_label, scan.m_label) == ("N1", "M0")
    none = stage(g, "primary:breast", comp[:0], state[:0], d[:0], np.ones(g.n))
    assert (none.n_label, none.m_label) == ("N0", "M0") and "dormant" in none.m_text


def test_staging_says_one_site_not_1_sites():
    g = default_graph()
    dormant = np.zeros(g.n)
    dormant[g.index["organ:lungs"]] = 40.0
    one = stage(g, "primary:breast", np.zeros(0, int), np.zeros(0, int), np.zeros(0), dormant)
    assert one.m_text == "no distant lesion; dormant cells in one site"
    dormant[g.index["organ:brain"]] = 3.0
    two = stage(g, "primary:breast", np.zeros(0, int), np.zeros(0, int), np.zeros(0), dormant)
    assert two.m_text == "no distant lesion; dormant cells in 2 sites"
    lung = stage(g, "primary:breast", np.array([g.index["organ:lungs"]]), np.array([2]), np.array([9.0]), np.zeros(g.n))
    assert lung.m_text == "distant lesions in one site: Lungs"


def test_glyphs_land_on_their_organs_in_a_whole_window_grab(qapp, window, controller):
    """The raster item must place sprites right in the window's backing store, not only alone."""
    from PySide6.QtGui import QColor

    from desktop.window import theme

    controller.advance_days(200)
    qapp.processEvents()
    img = window.grab().toImage()
    dpr = img.devicePixelRatio()
    g = controller.graph
    body = window.body
    x, y = g.xy[g.index[controller.scenario.primary]]
    p = body.viewport().mapTo(window, body.mapFromScene(body.vb.mapViewToScene(QPointF(x, y))))
    got = img.pixelColor(int(p.x() * dpr), int(p.y() * dpr))
    want = QColor(theme.PRIMARY)
    assert abs(got.red() - want.red()) + abs(got.green() - want.green()) + abs(got.blue() - want.blue()) < 40


def test_more_packets_than_the_budget_draws_a_stable_sample_and_says_so(qapp, window, controller):
    controller.set_parameter("shedding.rate_per_g_day", 1e8)
    controller.set_parameter("shedding.viable_fraction", 0.05)
    controller.set_speed(3)
    packets = window.body.packets
    packets.max_packets = 40
    run_frames(qapp, controller, 40)
    assert packets.total > 40
    assert packets.sampled and packets.shown < packets.total
    assert "stable sample" in window.body.legend.sample_text()
    assert f"{packets.shown:,} of {packets.total:,}" in window.body.legend.sample_text()
    # stable: a packet drawn in one frame is still drawn in the next while it lives
    keys = lambda: set(int(k) for k in packets.sprites()["key"] if k >= 0)  # noqa: E731
    before = keys()
    run_frames(qapp, controller, 1)
    alive = set(controller.last_frame.snap.packet_id.tolist())
    assert (before & alive) <= keys()
