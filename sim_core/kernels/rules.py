"""The transport rules, each written once, for both resolutions.

The pooled kernel (``transport``: packets of many cells, binomial draws) and the cell kernel
(``cells``: one packet per cell or cluster, one uniform per decision) apply the same rules; the
cell engine also tabulates some of them per step (``model.cell_mode``). Each rule lives here as a
small function that numba inlines into its callers, so sharing it costs no call per packet:

- ``hazards``: the death hazards of a packet kind in a vessel class, by cause;
- ``split_deaths``: how the cells that died divide among the causes;
- ``arrest_probability`` and ``arrival``: what arriving in a compartment does;
- ``exit_shares``: which outgoing vessels cells leaving a compartment may take;
- ``class_shares``: how shed cells divide among blood, lymph and cavity;
- ``shed_split``: how shed cells divide into viable singles, clusters and non-viable cells.
"""

from sim_core.kernels._jit import jit_inline
from sim_core.kernels.layout import (
    ARREST_BED,
    ARREST_LIVER,
    ARREST_LUNG,
    ARREST_NODE,
    ARREST_NONE,
    ARRIVE_CLEAR,
    ARRIVE_DEPOSIT,
    CLASS_BLOOD,
    CLASS_CAVITY,
    CLASS_LYMPH,
    KIND_CAVITY,
    KIND_CLUSTER,
    KIND_NONVIABLE,
    KIND_SINGLE,
    R_ANOIKIS,
    R_ANOIKIS_NONVIABLE,
    R_ARREST_BED,
    R_ARREST_LIVER,
    R_ARREST_LUNG,
    R_ARREST_NODE,
    R_CAVITY_FRAC,
    R_CLUSTER_CELLS,
    R_CLUSTER_FRAC,
    R_CLUSTER_PROT,
    R_IMMUNE,
    R_LYMPH_FRAC,
    R_SHEAR,
    R_VIABLE,
    STRIDE,
)
from sim_core.kernels.rng import binomial, binomial_draws


@jit_inline
def unit_kind(nclu):
    """The packet kind of a pooled packet: ``nclu`` < 0 non-viable cells, 0 single cells, > 0 clusters."""
    if nclu < 0:
        return KIND_NONVIABLE
    if nclu > 0:
        return KIND_CLUSTER
    return KIND_SINGLE


@jit_inline
def hazards(kind, vclass, rates):
    """Death hazards per hour (anoikis, shear, immune) of a cell of packet ``kind`` in a vessel of
    class ``vclass``. Shear acts in blood only; immune attack everywhere but in a cavity's fluid.
    A cluster protects its cells from anoikis and immune attack (``R_CLUSTER_PROT``, a factor),
    not from shear. Non-viable cells die of anoikis only, at their own fast rate."""
    if kind == KIND_NONVIABLE:
        return rates[R_ANOIKIS_NONVIABLE], 0.0, 0.0
    ha = rates[R_ANOIKIS]
    hs = rates[R_SHEAR] if vclass == CLASS_BLOOD else 0.0
    hi = rates[R_IMMUNE] if vclass != CLASS_CAVITY else 0.0
    if kind == KIND_CLUSTER:
        prot = rates[R_CLUSTER_PROT]
        return ha * prot, hs, hi * prot
    return ha, hs, hi


@jit_inline
def split_deaths(dead, ha, hs, hi, key, counter):
    """``dead`` cells divided among anoikis, shear and immune attack in proportion to their hazards
    (two binomials at ``counter`` and ``counter + STRIDE``; the second only when some remain and
    shear acts). Returns (anoikis, shear, immune, next counter, uniforms computed)."""
    h = ha + hs + hi
    da = binomial(dead, ha / h, key, counter)
    used = binomial_draws(dead, ha / h)
    counter += STRIDE
    rest = dead - da
    ds = 0
    if rest > 0 and hs > 0.0:
        ds = binomial(rest, hs / (hs + hi), key, counter)
        used += binomial_draws(rest, hs / (hs + hi))
        counter += STRIDE
    return da, ds, rest - ds, counter, used


@jit_inline
def arrest_probability(arrest_class, rates):
    """Chance that one cell (or one cluster) is held on one pass through a compartment."""
    if arrest_class == ARREST_LUNG:
        return rates[R_ARREST_LUNG]
    if arrest_class == ARREST_LIVER:
        return rates[R_ARREST_LIVER]
    if arrest_class == ARREST_BED:
        return rates[R_ARREST_BED]
    if arrest_class == ARREST_NODE:
        return rates[R_ARREST_NODE]
    return 0.0


@jit_inline
def arrival(kind, arrest_class, comp_kind, rates):
    """What arriving in a compartment does to a packet of ``kind``: ``ARRIVE_DEPOSIT`` (viable cells
    reaching a cavity float in it), ``ARRIVE_CLEAR`` (non-viable cells reaching a capillary bed, a
    node or a cavity are cleared), or else the chance of arrest (0 for non-viable cells, which
    pass junctions like the others)."""
    if kind == KIND_NONVIABLE:
        if arrest_class != ARREST_NONE or comp_kind == KIND_CAVITY:
            return ARRIVE_CLEAR
        return 0.0
    if comp_kind == KIND_CAVITY:
        return ARRIVE_DEPOSIT
    return arrest_probability(arrest_class, rates)


@jit_inline
def exit_shares(d, vclass, out_ptr, out_idx, v_class, v_share):
    """(flow share of compartment ``d``'s outgoing vessels of class ``vclass``, flow share of all
    its outgoing vessels). Cells leaving ``d`` take the vessels of the class they arrived by (blood
    stays in blood) and, only where those carry no flow (the venous angle: lymph -> blood), any."""
    of_class = 0.0
    of_all = 0.0
    for j in range(out_ptr[d], out_ptr[d + 1]):
        share = v_share[out_idx[j]]
        of_all += share
        if v_class[out_idx[j]] == vclass:
            of_class += share
    return of_class, of_all


@jit_inline
def class_shares(c, out_ptr, out_idx, v_class, rates):
    """Shares of blood, lymph and cavity among the cells shed by compartment ``c``: lymph and cavity
    at their rates where ``c`` has such a vessel out, blood the rest; a class with no vessel out of
    ``c`` gets nothing (its share is folded into blood, or lost if there is no blood vessel)."""
    has_blood = False
    has_lymph = False
    has_cavity = False
    for j in range(out_ptr[c], out_ptr[c + 1]):
        vc = v_class[out_idx[j]]
        if vc == CLASS_BLOOD:
            has_blood = True
        elif vc == CLASS_LYMPH:
            has_lymph = True
        else:
            has_cavity = True
    f_lymph = rates[R_LYMPH_FRAC] if has_lymph else 0.0
    f_cavity = rates[R_CAVITY_FRAC] if has_cavity else 0.0
    f_blood = 1.0 - f_lymph - f_cavity
    if f_blood < 0.0 or not has_blood:
        f_blood = 0.0
    return f_blood, f_lymph, f_cavity


@jit_inline
def shed_split(n_shed, rates, key, counter):
    """Of ``n_shed`` shed cells: how many are viable, how many of those leave in clusters, and in
    how many clusters (of ``R_CLUSTER_CELLS`` cells on average; at least two cells make a cluster).
    Two binomials at ``counter`` and ``counter + STRIDE``. Returns (viable, in clusters, clusters,
    next counter)."""
    viable = binomial(n_shed, rates[R_VIABLE], key, counter)
    in_clusters = binomial(viable, rates[R_CLUSTER_FRAC], key, counter + STRIDE)
    nclu = int(round(in_clusters / rates[R_CLUSTER_CELLS])) if in_clusters >= 2 else 0
    if nclu < 1 and in_clusters >= 2:
        nclu = 1
    if nclu == 0:
        in_clusters = 0
    return viable, in_clusters, nclu, counter + 2 * STRIDE
