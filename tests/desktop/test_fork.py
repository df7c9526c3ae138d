"""Fork and compare: two branches from one state stay bit-identical until a changed parameter acts,
then differ in the expected direction; the window builds, runs, shows both funnels and leaves the
main run untouched."""

import numpy as np
import pytest

from desktop.lab.fork.pair import BranchPair, antiangio_preset, first_difference
from sim_core import Engine, load_scenario


def _state(e: Engine) -> dict[str, np.ndarray]:
    """Every array a researcher could compare: counters, recorder, lesion table, organ pools."""
    rec = e.recorder
    out = {
        "counters": e.counters,
        "t": np.array([e.t_days, e.step_index, e.primary_cells]),
        "rec_t": rec.t_days[: rec.n],
        "rec_counters": rec.counters[: rec.n],
        "rec_cells": rec.cells[: rec.n],
        "rec_primary": rec.primary[: rec.n],
        "died_in_vessel": e.died_in_vessel,
    }
    for name in ("state", "comp", "route", "cells", "born_day", "switch_day", "lid"):
        out[f"lesions.{name}"] = getattr(e.lesions, name)
    for name, arr in vars(e.pools).items():
        if isinstance(arr, np.ndarray):
            out[f"pools.{name}"] = arr
    return out


def assert_identical(a: Engine, b: Engine) -> None:
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        assert np.array_equal(sa[k], sb[k]), k


@pytest.fixture(scope="module")
def breast_day_400():
    e = Engine(load_scenario("breast"))
    e.advance(400, 1.0)
    return e


def test_unchanged_branches_stay_bit_identical(breast_day_400):
    pair = BranchPair(breast_day_400, horizon_days=365)
    pair.run()
    assert pair.a.t_days == pytest.approx(765.0)
    assert pair.a.funnel()["micrometastases_founded"] > 0  # something happened worth comparing
    assert_identical(pair.a, pair.b)
    assert pair.diverged_day is None


def test_identical_until_treatment_starts_then_smaller(breast_day_400):
    start = breast_day_400.t_days + 150
    pair = BranchPair(breast_day_400, horizon_days=120)
    pair.set_changes({"antiangio.strength": 1.0, "antiangio.start_day": start})
    pair.restart()
    pair.run()
    assert_identical(pair.a, pair.b)  # 120 days in: treatment has not begun
    pair.horizon_days = 300
    pair.run()
    assert pair.diverged_day is not None
    print(f"treatment from day {start:g}; first difference at day {pair.diverged_day:g} ({pair.diverged_what})")
    assert start <= pair.diverged_day <= start + 1.0
    assert first_difference(pair.a, pair.b)


def test_antiangiogenesis_gives_smaller_metastases(breast_day_400):
    """Breast, seed 1, forked at day 400, treatment on in B from the fork, 730 days on."""
    pair = BranchPair(breast_day_400, horizon_days=730)
    pair.set_changes(antiangio_preset(pair.origin))
    assert pair.changes == {"antiangio.start_day": 400.0, "antiangio.strength": 1.0}
    pair.restart()
    pair.run()
    la, lb = pair.a.lesions, pair.b.lesions
    macro_a, macro_b = int((la.state == 2).sum()), int((lb.state == 2).sum())
    cells_a, cells_b = float(la.cells[la.state == 2].sum()), float(lb.cells[lb.state == 2].sum())
    print(
        f"macrometastases A {macro_a}, B {macro_b}; cells in them A {cells_a:.4g}, B {cells_b:.4g}; "
        f"primary A {pair.a.primary_cells:.4g}, B {pair.b.primary_cells:.4g}"
    )
    assert macro_b <= macro_a
    # 0.57 with this stop's calibration (0.5 before it): earlier seeding means more metastases
    # are already vascular at the fork, and treatment only slows them
    assert cells_b < 0.7 * cells_a
    assert pair.b.primary_cells < 0.9 * pair.a.primary_cells


def test_changes_are_validated_and_same_value_is_no_change(breast_day_400):
    from sim_core import InputError

    pair = BranchPair(breast_day_400, horizon_days=10)
    with pytest.raises(InputError):
        pair.set_change("transit.attrition", 99.0)
    with pytest.raises(InputError):
        pair.set_change("no.such", 1.0)
    pair.set_change("transit.attrition", pair.origin.params["transit.attrition"])
    assert pair.changes == {}


def test_forks_do_not_touch_the_original(breast_day_400):
    before = _state(breast_day_400)
    before = {k: v.copy() for k, v in before.items()}
    pair = BranchPair(breast_day_400, horizon_days=50)
    pair.set_change("transit.attrition", 3.0)
    pair.restart()
    pair.run()
    after = _state(breast_day_400)
    for k in before:
        assert np.array_equal(before[k], after[k]), k
    assert breast_day_400.params["transit.attrition"] == 1.0


def test_largest_metastasis_is_the_largest_lesion_of_any_stage():
    """A vascular lesion can switch while a few cells large; the size read-out is the body's largest
    lesion, micro or macro (the fork window once showed 0.0 mm beside one macrometastasis)."""
    from desktop.lab.fork.readouts import state_values
    from sim_core import MACRO, MICRO

    e = Engine(load_scenario("breast"))
    e.advance(180, 1.0)
    les = e.lesions
    live = les.state > 0
    assert (les.state == MACRO).any() and (les.state == MICRO).any()
    values = {label: v for label, v, _ in state_values(e)}
    assert values["largest metastasis"] == float(les.cells[live].max())
    assert values["largest metastasis"] > float(les.cells[les.state == MACRO].max())  # a micro is larger
    assert values["cells in metastases"] == float(les.cells[live].sum())


# --- the window -----------------------------------------------------------------------------------
@pytest.fixture
def fork_window(qtbot, controller, sizes):
    from desktop.lab.fork.window import ForkWindow

    controller.advance_days(300)
    w = ForkWindow(controller, sizes=sizes, horizon_days=200)
    w.resize(1280, 800)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.pause()


def test_window_runs_both_branches_and_compares_funnels(qtbot, controller, fork_window):
    eng = controller.engine
    main_before = (eng.t_days, eng.step_index, eng.counters.copy(), eng.recorder.n, eng.params.as_dict())
    w = fork_window
    assert w.pair.fork_day == pytest.approx(300.0)
    assert "day 300" in w.fork_info.text()
    w.apply_preset()  # one click: treatment on in B, both branches run
    assert w.running
    qtbot.waitUntil(lambda: w.pair.finished, timeout=20000)
    qtbot.waitUntil(lambda: not w.running, timeout=2000)
    assert w.pair.a.t_days == pytest.approx(500.0) and w.pair.b.t_days == pytest.approx(500.0)
    rows = {r[0]: r for r in w.table.rows}
    assert {"shed", "arrested", "macrometastases", "primary tumour"} <= rows.keys()
    shed = rows["shed"]
    assert shed[1] and shed[2] and shed[3] != "same"  # both funnels shown, with a difference
    assert "antiangio.strength" in w.map_b.what.text() and "unchanged" in w.map_a.title.text()
    assert "differ since day" in w.verdict.text()
    assert "day 500" in w.map_a.summary.text() and "day 500" in w.map_b.summary.text()
    assert len(w.reps) == 4 and all(r.finished for r in w.reps)
    assert w.table.replicates.text().startswith("Across 5 pairs")
    assert w.reps[0].a.seed != w.pair.a.seed and w.pair.a.seed == controller.scenario.seed
    w.close()
    assert controller.engine is eng
    assert (eng.t_days, eng.step_index, eng.recorder.n) == main_before[:2] + (main_before[3],)
    assert np.array_equal(eng.counters, main_before[2])
    assert eng.params.as_dict() == main_before[4]


def test_window_change_field_and_plain_copy(qtbot, fork_window):
    w = fork_window
    panel = w.changes
    panel.combo.setCurrentIndex(panel.combo.findData("transit.attrition"))
    assert "range" in panel.info.text() and "0 – 10" in panel.info.text()
    panel.value.setText("50")
    panel.set_button.click()
    assert panel.error.isVisibleTo(w) and "outside" in panel.error.text()
    assert w.pair.changes == {}
    w.pair.horizon_days = 20
    w._on_changes_clear_requested()  # B = A: run, and the window says they must stay identical
    w.run_to_end()
    assert "no change" in w.verdict.text()
    assert all(r[3] == "same" for r in w.table.rows)
    panel.value.setText("2.5")
    panel.set_button.click()
    assert w.pair.changes == {"transit.attrition": 2.5}
    assert "transit.attrition: 1 → 2.5" in w.map_b.what.text()


def test_render_fork_screenshot(tmp_path, qapp):
    from PySide6.QtGui import QImage

    from desktop.lab.fork.window import render_fork_screenshot

    out = tmp_path / "fork.png"
    render_fork_screenshot(out, days_before=120, days_after=60, size=(1280, 800))
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)


def test_refork_takes_the_main_run_as_it_is_now(qtbot, controller, fork_window):
    w = fork_window
    w.apply_preset()
    w.pause()
    controller.advance_days(40)  # the main run goes on meanwhile
    w.refork()
    assert w.pair.fork_day == pytest.approx(340.0)
    # the preset treats from the fork day: the new one
    assert w.pair.changes == {"antiangio.start_day": pytest.approx(340.0), "antiangio.strength": 1.0}
    assert "day 340" in w.fork_info.text()
    assert w.pair.days_done == 0 and not w.running


def test_opened_from_the_main_window_and_closed(qtbot, controller, window):
    from desktop.lab.fork.window import ForkWindow

    eng = controller.engine
    before = (eng.t_days, eng.step_index, eng.counters.copy())
    fw = ForkWindow(controller, parent=window, replicates=0)  # as the Lab menu opens it
    assert fw.sizes is window.sizes and fw.isWindow()
    fw.show()
    qtbot.waitExposed(fw)
    fw.set_change("immune.surveillance", 3.0)
    qtbot.waitUntil(lambda: fw.pair.days_done >= 5, timeout=10000)
    fw.close()
    assert (eng.t_days, eng.step_index) == before[:2] and np.array_equal(eng.counters, before[2])
