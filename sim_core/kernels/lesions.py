"""Lesions: founding micrometastases, their regression, angiogenic dormancy and switch, and growth.

A micrometastasis (avascular) grows by the same Gompertz law as a vascular tumour of its type (fast
when tiny) until it reaches its balanced size, where proliferation equals death (angiogenic
dormancy, Holmgren 1995). While it still grows it may die out: the hazard of regression is a fixed
amount per doubling of its size, so a colony that doubles quickly is as likely to reach balance as
one that doubles slowly, until the colony is established (``regress_until_cells``); past that size
the hazard per doubling falls as that size over the colony's, since a large colony rarely dies out.
At any size it may switch on angiogenesis, at a hazard per doubling time of its tumour type, times
its organ's soil and the anti-angiogenic multiplier. A switched lesion is a vascularised
macrometastasis that grows by a Gompertz law; under anti-angiogenic treatment its sensitive cells
grow more slowly and drug-adapted cells (which arise in proportion to sensitive divisions) take
over: resistance is the outgrowth of adapted cells, not a timer. Each lesion draws its random
numbers from its own stable id, so the result does not depend on array order or threads.
"""

import math

from sim_core.kernels._jit import jit
from sim_core.kernels.layout import (
    C_BORN,
    C_DIED_LESION,
    C_FOUNDER_CELLS,
    C_MACRO,
    C_MICRO,
    C_MICRO_REGRESSED,
    MACRO,
    MICRO,
    N_ROUTES,
    NEED_LESIONS,
    OK,
    R_AA_MULT,
    R_ADAPT,
    R_CAP,
    R_DOUBLING_REF,
    R_GROWTH,
    R_MAX_CELLS,
    R_REGRESS,
    R_REGRESS_UNTIL,
    R_SWITCH,
)
from sim_core.kernels.rng import make_key, uniform

STREAM_SPAWN = 3
STREAM_LESIONS = 5


@jit
def gompertz_shrink(rate_ref, n_ref, n_max, dt):
    """The factor by which a Gompertz step of ``dt`` days shrinks log(plateau / cells) (rate at
    ``n_ref`` cells ``rate_ref`` per day, plateau ``n_max``): the same for every lesion of a step."""
    if n_ref >= n_max:
        n_ref = n_max * 0.5
    alpha = rate_ref / math.log(n_max / n_ref)
    return math.exp(-alpha * dt)


@jit
def gompertz(cells, rate_ref, n_ref, n_max, dt):
    """Gompertz growth whose rate at ``n_ref`` cells is ``rate_ref`` per day, plateau ``n_max``."""
    if cells >= n_max or rate_ref <= 0.0:
        return cells
    ln_k = math.log(n_max)
    return math.exp(ln_k - (ln_k - math.log(cells)) * gompertz_shrink(rate_ref, n_ref, n_max, dt))


@jit
def treated_growth(cells, resistant, rate, mult, adapt, n_ref, n_max, dt):
    """One step of a vascularised tumour under an anti-angiogenic multiplier ``mult`` (1 = none).

    Sensitive cells grow at ``rate * mult``, adapted ones at ``rate``; while ``mult < 1`` a share
    ``adapt`` of the sensitive cells' divisions produce adapted cells. Returns (cells, resistant
    fraction). With ``mult == 1`` this is plain Gompertz growth and the fraction is unchanged.
    """
    if cells <= 0.0:
        return cells, resistant
    eff = mult + (1.0 - mult) * resistant
    after = gompertz(cells, rate * eff, n_ref, n_max, dt)
    if mult >= 1.0:
        return after, resistant
    grow = math.log(after / cells)  # log growth of the whole lesion this step
    g_s = grow * mult / eff  # of its sensitive cells
    g_r = grow / eff  # of its adapted cells
    sens = cells * (1.0 - resistant)
    res = cells * resistant
    sens_after = sens * math.exp(g_s)
    new_res = adapt * max(sens_after - sens, 0.0)
    res_after = res * math.exp(g_r) + new_res
    sens_after -= new_res
    total = sens_after + res_after
    if total <= 0.0:
        return after, resistant
    return total, res_after / total


@jit
def regress_exposure(ln_cells, cells, until, ln_until):
    """Regression exposure of a colony grown from 1 to ``cells`` cells, in e-folds of growth: each
    e-fold counts fully up to ``until`` cells and ``until / cells`` of one beyond, so a colony past
    that size is established and rarely dies out (as an extinction-prone branching process). Takes
    the logs of ``cells`` and ``until`` the caller already has, so no lesion pays a logarithm here."""
    if cells <= until:
        return ln_cells
    return ln_until + 1.0 - until / cells


@jit
def spawn_lesions(
    spawn,
    t_days,
    dt_days,
    les_state,
    les_comp,
    les_route,
    les_cells,
    les_born,
    les_switch,
    les_res,
    les_id,
    free_stack,
    n_free,
    next_id,
    counters,
    seed,
    step,
):
    """Found one micrometastasis per dividing cell in ``spawn`` (emptied).

    Returns ``NEED_LESIONS``, having changed nothing, when there are fewer free slots than cells
    to place; the caller grows the table and calls again.
    """
    key = make_key(seed, STREAM_SPAWN, step)
    if n_free[0] < spawn.sum():
        return NEED_LESIONS
    ctr = 0
    n = spawn.shape[0]
    for c in range(n):
        for k in range(N_ROUTES):
            while spawn[c, k] > 0:
                n_free[0] -= 1
                i = free_stack[n_free[0]]
                les_state[i] = MICRO
                les_comp[i] = c
                les_route[i] = k
                les_cells[i] = 1.0
                les_born[i] = t_days + uniform(key, ctr) * dt_days
                ctr += 1
                les_switch[i] = -1.0
                les_res[i] = 0.0
                les_id[i] = next_id[0]
                next_id[0] += 1
                spawn[c, k] -= 1
                counters[C_MICRO] += 1
                counters[C_FOUNDER_CELLS] += 1
    return OK


@jit
def grow_lesions(
    dt_days,
    t_days,
    les_state,
    les_comp,
    les_cells,
    les_switch,
    les_res,
    les_id,
    free_stack,
    n_free,
    soil,
    counters,
    rates,
    seed,
    step,
):
    """One step of every lesion: growth, then regression or switch of micrometastases.

    A micrometastasis grows by ``gompertz`` up to the balanced size; the regression hazard
    integrated over the step is ``R_REGRESS`` times the log of its growth in the step (so it
    vanishes at balance; past ``R_REGRESS_UNTIL`` cells each e-fold counts only that size over the
    colony's, ``regress_exposure``); the switch hazard is ``R_SWITCH`` per day times the organ's
    soil. Both compete over the step. Macrometastases grow under the anti-angiogenic multiplier with their
    adapted fraction (``treated_growth``).

    Long: one numba loop over lesions in which growth, regression and the switch share each lesion's draws, in
    a fixed order."""
    key = make_key(seed, STREAM_LESIONS, step)
    h_reg, until, cap = rates[R_REGRESS], rates[R_REGRESS_UNTIL], rates[R_CAP]  # micrometastases
    r, n_ref, n_max = rates[R_GROWTH], rates[R_DOUBLING_REF], rates[R_MAX_CELLS]  # growth, both kinds
    mult, adapt = rates[R_AA_MULT], rates[R_ADAPT]  # anti-angiogenic treatment (macrometastases)
    # The Gompertz step shared by every lesion of this call, hoisted out of the loop (each lesion's
    # size is bit for bit what ``gompertz`` computes), with one logarithm and one exponential left per
    # growing lesion.
    grows = r > 0.0
    ln_k = math.log(n_max)
    shrink = gompertz_shrink(r, n_ref, n_max, dt_days) if grows else 1.0
    ln_until = math.log(until) if until > 0.0 else 0.0
    ln_cap = math.log(cap) if cap > 0.0 else 0.0
    for i in range(les_state.shape[0]):
        s = les_state[i]
        if s == 0:
            continue
        before = les_cells[i]
        if s == MICRO:
            ctr = les_id[i] * 4
            if before >= cap or before >= n_max or not grows:
                after = before  # balanced (or not growing): no growth, no regression exposure
                a_reg = 0.0
            else:
                ln_b = math.log(before)
                ln_a = ln_k - (ln_k - ln_b) * shrink
                after = math.exp(ln_a)
                if after > cap:
                    after, ln_a = cap, ln_cap
                e_after = regress_exposure(ln_a, after, until, ln_until)
                a_reg = h_reg * (e_after - regress_exposure(ln_b, before, until, ln_until))
            a_sw = rates[R_SWITCH] * soil[les_comp[i]] * dt_days
            a = a_reg + a_sw
            les_cells[i] = after
            counters[C_BORN] += after - before
            if a > 0.0 and uniform(key, ctr) < -math.expm1(-a):
                if uniform(key, ctr + 1) * a < a_reg:
                    counters[C_DIED_LESION] += after
                    counters[C_MICRO_REGRESSED] += 1
                    les_state[i] = 0
                    les_cells[i] = 0.0
                    free_stack[n_free[0]] = i
                    n_free[0] += 1
                    continue
                les_state[i] = MACRO
                les_switch[i] = t_days + uniform(key, ctr + 2) * dt_days
                les_res[i] = 0.0
                counters[C_MACRO] += 1
            continue
        after, res = treated_growth(before, les_res[i], r, mult, adapt, n_ref, n_max, dt_days)
        les_cells[i] = after
        les_res[i] = res
        counters[C_BORN] += after - before
