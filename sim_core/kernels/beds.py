"""Cells held in an organ: intravascular death or extravasation, then death, dormancy or growth.

Per compartment and arrival route, aggregated counts of arrested, doomed and dormant cells change
by exact competing hazards over the step; an extravasated cell's fate is drawn from weights
(divide / sleep / die) in which "divide" is multiplied by the organ's soil for this seed.
Cells floating in a body cavity implant on its lining or die.
"""

import math

import numpy as np

from sim_core.kernels._jit import jit
from sim_core.kernels.layout import (
    ARREST_LIVER,
    ARREST_LUNG,
    ARREST_NODE,
    ARREST_NONE,
    C_DIED_ARRESTED,
    C_DIED_CAVITY,
    C_DIED_TISSUE,
    C_DORMANT,
    C_EXTRAVASATED,
    C_IMPLANTED,
    C_WOKE,
    N_ROUTES,
    R_CAVITY_DEATH,
    R_CLUSTER_PROT,
    R_DOOMED_DEATH,
    R_EX,
    R_EX_LUNG,
    R_IMPLANT,
    R_KILL_BED,
    R_KILL_LIVER,
    R_KILL_LUNG,
    R_KILL_NODE,
    R_OMENTUM,
    R_W_DIE,
    R_W_DORMANT,
    R_W_PROLIF,
    R_WAKE,
    STRIDE,
    V_CAVITY,
)
from sim_core.kernels.rng import binomial, make_key

STREAM_BEDS = 2


@jit
def bed_rates(arrest_class, rates):
    """(death, extravasation) hazards per hour of a cell arrested in this kind of compartment."""
    if arrest_class == ARREST_LUNG:
        return rates[R_KILL_LUNG], rates[R_EX_LUNG]
    if arrest_class == ARREST_LIVER:
        return rates[R_KILL_LIVER], rates[R_EX]
    if arrest_class == ARREST_NODE:
        return rates[R_KILL_NODE], rates[R_EX]
    return rates[R_KILL_BED], rates[R_EX]


@jit
def leave_pool(n, h_die, h_out, dt, key, ctr):
    """Of ``n`` cells with competing hazards, how many (died, left) during ``dt``."""
    h = h_die + h_out
    if n <= 0 or h <= 0.0:
        return 0, 0
    gone = binomial(n, -math.expm1(-h * dt), key, ctr[0])
    ctr[0] += STRIDE
    out = binomial(gone, h_out / h, key, ctr[0])
    ctr[0] += STRIDE
    return gone - out, out


@jit
def update_beds(
    dt_h,
    comp_kind,
    arrest_class,
    implants_into,
    implants_also,
    soil,
    arr_s,
    arr_c,
    doomed,
    dormant,
    floating,
    extravasated_cum,
    spawn,
    counters,
    rates,
    seed,
    step,
):
    """One step of every organ's and node's held cells. New dividing cells go to ``spawn``.

    Cells implanting from a cavity land on its lining (``implants_into``) or, for a share
    ``R_OMENTUM``, on its second lining (``implants_also``, the omentum for the peritoneum).

    Long: one numba loop over compartments and routes: arrivals, deaths, escapes and fates of a pool draw in a
    fixed order (the same numbers on any thread count); split per rule, each pool's arrays would pass through
    a call per compartment."""
    key = make_key(seed, STREAM_BEDS, step)
    ctr = np.zeros(1, np.int64)  # the stream's next counter value
    n = comp_kind.shape[0]
    dt_d = dt_h / 24.0
    implanted = np.zeros(n, np.int64)
    # body cavities: floating cells implant on the lining or die
    h_imp = rates[R_IMPLANT]
    h_cd = rates[R_CAVITY_DEATH]
    for c in range(n):
        if floating[c] > 0:
            died, imp = leave_pool(floating[c], h_cd, h_imp, dt_d, key, ctr)
            floating[c] -= died + imp
            counters[C_DIED_CAVITY] += died
            counters[C_IMPLANTED] += imp
            if imp > 0 and implants_also[c] >= 0:
                also = binomial(imp, rates[R_OMENTUM], key, ctr[0])
                ctr[0] += STRIDE
                implanted[implants_also[c]] += also
                imp -= also
            if implants_into[c] >= 0:
                implanted[implants_into[c]] += imp
    prot = rates[R_CLUSTER_PROT]
    # the fate weights of an extravasated cell (divide, sleep, die), then the old residents' hazards
    w_p0, w_d, w_x = rates[R_W_PROLIF], rates[R_W_DORMANT], rates[R_W_DIE]
    h_doom, h_wake = rates[R_DOOMED_DEATH], rates[R_WAKE]
    for c in range(n):
        if arrest_class[c] == ARREST_NONE:
            continue
        h_kill, h_ex = bed_rates(arrest_class[c], rates)
        w_p = w_p0 * soil[c]
        w_all = w_p + w_d + w_x
        for k in range(N_ROUTES):
            # old residents first, over the whole step
            if doomed[c, k] > 0:
                d = binomial(doomed[c, k], -math.expm1(-h_doom * dt_d), key, ctr[0])
                ctr[0] += STRIDE
                doomed[c, k] -= d
                counters[C_DIED_TISSUE] += d
            if dormant[c, k] > 0 and h_wake > 0.0:
                w = binomial(dormant[c, k], -math.expm1(-h_wake * dt_d), key, ctr[0])
                ctr[0] += STRIDE
                dormant[c, k] -= w
                spawn[c, k] += w
                counters[C_WOKE] += w
            died_s, ex_s = leave_pool(arr_s[c, k], h_kill, h_ex, dt_h, key, ctr)
            died_c, ex_c = leave_pool(arr_c[c, k], h_kill * prot, h_ex, dt_h, key, ctr)
            arr_s[c, k] -= died_s + ex_s
            arr_c[c, k] -= died_c + ex_c
            counters[C_DIED_ARRESTED] += died_s + died_c
            ex = ex_s + ex_c
            if k == V_CAVITY:  # route kinds are vessel kinds
                ex += implanted[c]
            if ex <= 0:
                continue
            extravasated_cum[c] += ex
            counters[C_EXTRAVASATED] += ex
            n_p = 0
            if w_all > 0.0:
                n_p = binomial(ex, w_p / w_all, key, ctr[0])
                ctr[0] += STRIDE
            rest = ex - n_p
            n_d = 0
            if rest > 0 and w_d + w_x > 0.0:
                n_d = binomial(rest, w_d / (w_d + w_x), key, ctr[0])
                ctr[0] += STRIDE
            n_x = rest - n_d
            spawn[c, k] += n_p
            counters[C_DORMANT] += n_d
            # newcomers entered, on average, half-way through the step
            if n_x > 0:
                d = binomial(n_x, -math.expm1(-h_doom * dt_d * 0.5), key, ctr[0])
                ctr[0] += STRIDE
                n_x -= d
                counters[C_DIED_TISSUE] += d
            dormant[c, k] += n_d
            doomed[c, k] += n_x
