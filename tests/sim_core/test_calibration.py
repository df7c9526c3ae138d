"""The soil fit moves each site's factor toward the autopsy table, in bounded steps."""

import pytest

from sim_core import load_scenario
from sim_core.calibration import MAX_STEP, _step, fit_preset


def test_steps_are_bounded():
    assert _step(1000.0, 0.9) == MAX_STEP
    assert _step(1e-6, 0.9) == 1.0 / MAX_STEP
    assert _step(2.0, 0.5) == pytest.approx(2.0 ** 0.5)


def test_one_iteration_raises_a_starved_site_and_keeps_the_geometric_mean():
    sc = load_scenario("breast")
    sc.params.set("soil.bone", 1e-3)  # bone almost closed: far fewer bone metastases than the table's 49 %
    out = fit_preset(sc, "breast", patients=40, years=3.0, iterations=1, workers=1, log=lambda m: None)
    ratio = out.params["soil.bone"] / sc.params["soil.bone"]
    print("bone soil moved by", ratio)
    assert ratio > 1.5
    assert out.params["shedding.rate_per_g_day"] != sc.params["shedding.rate_per_g_day"]
