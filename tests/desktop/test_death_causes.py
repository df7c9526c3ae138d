"""Fades of deaths in transit take their cause from the deaths the engine counted on that vessel."""

import numpy as np

from desktop.core.frames import ANOIKIS, IMMUNE, SHEAR, observed_causes


def test_causes_follow_the_counted_deaths_on_each_vessel():
    delta = np.zeros((3, 3))
    delta[0] = (0, 5, 0)  # vessel 0: only shear deaths this frame
    delta[1] = (0, 0, 2)  # vessel 1: only immune
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
    # the counts' columns are anoikis, shear, immune: each cause carries its own column's share
    np.testing.assert_allclose([share[ANOIKIS], share[SHEAR], share[IMMUNE]], [0.3, 0.1, 0.6], atol=0.02)


def test_each_cause_is_drawn_in_its_own_colour_and_shape():
    """The cause codes index the packet layer's tables (and the legend's words): anoikis a grey dot,
    shear a yellow cross, immune attack a green ring."""
    from desktop.window import theme
    from desktop.window.views import raster
    from desktop.window.views.packet_item import CAUSE_ARGB, CAUSE_SHAPE

    assert (CAUSE_ARGB[ANOIKIS], CAUSE_SHAPE[ANOIKIS]) == (theme.argb(theme.DEATH_ANOIKIS), raster.DOT)
    assert (CAUSE_ARGB[SHEAR], CAUSE_SHAPE[SHEAR]) == (theme.argb(theme.DEATH_SHEAR), raster.CROSS)
    assert (CAUSE_ARGB[IMMUNE], CAUSE_SHAPE[IMMUNE]) == (theme.argb(theme.DEATH_IMMUNE), raster.RING)
