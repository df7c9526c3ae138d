"""Lesions: founding micrometastases, their regression or angiogenic switch, and tumour growth.

A micrometastasis grows to the avascular cap and either dies out or switches on angiogenesis and
becomes a vascularised macrometastasis that grows by a Gompertz law. Each lesion draws its random
numbers from its own stable id, so the result does not depend on array order or threads.
"""

import math

from ._jit import jit
from .layout import (C_BORN, C_DIED_LESION, C_FOUNDER_CELLS, C_MACRO, C_MICRO, C_MICRO_REGRESSED,
                     N_ROUTES, NEED_LESIONS, OK, R_CAP, R_GROWTH, R_MAX_CELLS, R_REGRESS, R_SWITCH,
                     R_VASC_GROWTH)
from .rng import make_key, uniform

STREAM_SPAWN = 3
STREAM_LESIONS = 5
MICRO = 1
MACRO = 2


@jit
def gompertz(cells, rate_ref, n_ref, n_max, dt):
    """Gompertz growth whose rate at ``n_ref`` cells is ``rate_ref`` per day, plateau ``n_max``."""
    if cells >= n_max or rate_ref <= 0.0:
        return cells
    if n_ref >= n_max:
        n_ref = n_max * 0.5
    alpha = rate_ref / math.log(n_max / n_ref)
    ln_k = math.log(n_max)
    return math.exp(ln_k - (ln_k - math.log(cells)) * math.exp(-alpha * dt))


@jit
def spawn_lesions(spawn, t_days, dt_days, les_state, les_comp, les_route, les_cells, les_born,
                  les_switch, les_id, free_stack, n_free, next_id, counters, seed, step, ctr):
    """Found one micrometastasis per dividing cell in ``spawn`` (emptied as it goes).

    Returns ``NEED_LESIONS`` when slots run out; the caller grows the table and calls again.
    """
    key = make_key(seed, STREAM_SPAWN, step)
    n = spawn.shape[0]
    for c in range(n):
        for k in range(N_ROUTES):
            while spawn[c, k] > 0:
                if n_free[0] == 0:
                    return NEED_LESIONS
                n_free[0] -= 1
                i = free_stack[n_free[0]]
                les_state[i] = MICRO
                les_comp[i] = c
                les_route[i] = k
                les_cells[i] = 1.0
                les_born[i] = t_days + uniform(key, ctr[0]) * dt_days
                ctr[0] += 1
                les_switch[i] = -1.0
                les_id[i] = next_id[0]
                next_id[0] += 1
                spawn[c, k] -= 1
                counters[C_MICRO] += 1
                counters[C_FOUNDER_CELLS] += 1
    return OK


@jit
def grow_lesions(dt_days, t_days, les_state, les_comp, les_cells, les_switch, les_id, free_stack,
                 n_free, soil, counters, rates, seed, step):
    """One step of every lesion: regression or switch of micrometastases, then growth.

    The switch hazard is multiplied by the soil of the lesion's organ: a good soil helps a
    micrometastasis recruit vessels and grow, as it helps a cell start dividing (science 1.9).
    """
    key = make_key(seed, STREAM_LESIONS, step)
    h_r = rates[R_REGRESS]
    cap = rates[R_CAP]
    r_avasc = rates[R_GROWTH]
    r_vasc = rates[R_VASC_GROWTH]
    n_max = rates[R_MAX_CELLS]
    for i in range(les_state.shape[0]):
        s = les_state[i]
        if s == 0:
            continue
        before = les_cells[i]
        if s == MICRO:
            ctr = les_id[i] * 4
            h_s = rates[R_SWITCH] * soil[les_comp[i]]
            h = h_r + h_s
            if h > 0.0 and uniform(key, ctr) < -math.expm1(-h * dt_days):
                if uniform(key, ctr + 1) * h < h_r:
                    counters[C_DIED_LESION] += before
                    counters[C_MICRO_REGRESSED] += 1
                    les_state[i] = 0
                    les_cells[i] = 0.0
                    free_stack[n_free[0]] = i
                    n_free[0] += 1
                    continue
                les_state[i] = MACRO
                les_switch[i] = t_days + uniform(key, ctr + 2) * dt_days
                counters[C_MACRO] += 1
        if les_state[i] == MICRO:
            after = before * math.exp(r_avasc * dt_days)
            if after > cap:
                after = max(cap, before)
        else:
            after = gompertz(before, r_vasc, cap, n_max, dt_days)
        les_cells[i] = after
        counters[C_BORN] += after - before
