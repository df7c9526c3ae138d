"""Fades of deaths in transit take their cause from the deaths the engine counted on that vessel."""

import numpy as np

from desktop.frames import ANOIKIS, IMMUNE, SHEAR, observed_causes


def test_causes_follow_the_counted_deaths_on_each_vessel():
    delta = np.zeros((3, 3))
    delta[0] = (0, 5, 0)      # vessel 0: only shear deaths this frame
    delta[1] = (0, 0, 2)      # vessel 1: only immune
    ids = np.arange(40)
    vessel = np.array([0, 1, 2, 0] * 10)
    cause, counted = observed_causes(ids, vessel, delta)
    assert (cause[vessel == 0] == SHEAR).all()
    assert (cause[vessel == 1] == IMMUNE).all()
    assert not counted[vessel == 2].any() and counted[vessel != 2].all()


def test_mixed_counts_give_a_matching_mix():
    delta = np.array([[300.0, 100.0, 600.0]])
    ids = np.arange(20000)
    cause, _ = observed_causes(ids, np.zeros(ids.size, np.int64), delta)
    share = np.bincount(cause, minlength=3) / ids.size
    np.testing.assert_allclose(share, [0.3, 0.1, 0.6], atol=0.02)
    assert ANOIKIS == 0
