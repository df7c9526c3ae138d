"""The expected autopsy table of a virtual cohort, computed instead of simulated (the fit's surrogate).

Calibration moves dozens of parameters and cannot afford a simulated cohort at every step, so it is
steered by this calculation of the same model's expected outcome; every figure it reports still
comes from simulated cohorts (``cohort.py``). It follows the engine's rules in expectation:

- transport: the share of viable shed cells that arrest (and extravasate) in each organ and node,
  or implant on a cavity lining, solved exactly as a linear system on the body graph;
- lesions: a micrometastasis grows by its type's Gompertz law up to its balanced size, regresses
  with a hazard per doubling (fading past ``micro.regress_until_cells``) and switches at a hazard
  per doubling time times its soil; after the switch it grows by the Gompertz law until it is large
  enough to see; dormant cells wake at a constant rate;
- patients: Gauss-Hermite quadrature over the log-normal doubling time of a cohort;
- metastases seeding metastases: one generation, exactly for Poisson-distributed first-generation
  lesions (the probability-generating functional); later generations are left out.

On a time grid of ``DT_DAYS``; soils enter through tables interpolated in log soil, so a call with
new soils, shedding or routing costs milliseconds once the lesion tables of a preset are built.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from sim_core.kernels.layout import ARREST_LUNG, ARREST_NONE, KIND_CAVITY, KIND_NODE, KIND_ORGAN
from sim_core.model.body_graph import CATEGORIES, VESSEL_CLASS, BodyGraph
from sim_core.model.engine import ROUTING_KEYS, cavity_share, default_graph, mm_to_cells, routed, shed_size_factor
from sim_core.model.params import Params

DT_DAYS = 28.0
N_QUAD = 10
#: quadrature nodes over patients' shedding factor
N_SHED = 15
#: log10 soil grid of the lesion tables
SOIL_GRID = np.linspace(-4.0, 4.0, 97)


@functools.lru_cache(maxsize=8)
def _hermite_nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights (probabilists'; weights sum to 1), computed once per n."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    z.flags.writeable = False
    w = w / w.sum()
    w.flags.writeable = False
    return z, w


def _gompertz(n0, r, n_max, t, n_ref):
    """Gompertz from ``n0`` for ``t`` days (rate ``r`` at ``n_ref`` cells); arrays broadcast."""
    alpha = r / math.log(n_max / n_ref)
    ln_k = math.log(n_max)
    return np.exp(ln_k - (ln_k - np.log(n0)) * np.exp(-alpha * t))


def _gompertz_time(n0, n1, r, n_max, n_ref):
    """Days for Gompertz growth from ``n0`` to ``n1`` (0 if ``n1 <= n0``, inf if never)."""
    alpha = r / math.log(n_max / n_ref)
    n0 = np.minimum(n0, n_max * (1 - 1e-12))
    if n1 >= n_max:
        return np.full(np.shape(n0), np.inf)
    ratio = math.log(n_max / n1) / np.log(n_max / n0)
    return np.where(ratio >= 1.0, 0.0, -np.log(np.minimum(ratio, 1.0)) / alpha)


# --- transport: where viable shed cells end up -------------------------------------------------------
def _arrest_p(graph: BodyGraph, p: Params) -> np.ndarray:
    chemo = p["chemo.lung_factor"]
    by_class = np.array(
        [0.0, 1.0 - (1.0 - p["arrest.lung"]) / chemo, p["arrest.liver"], p["arrest.bed"], p["arrest.node"]]
    )
    return by_class[graph.arrest_class]


def _bed_ex(graph: BodyGraph, p: Params, prot: float) -> np.ndarray:
    """Chance that an arrested cell extravasates rather than dies in the capillary."""
    att, imm, chemo = p["transit.attrition"], p["immune.surveillance"], p["chemo.lung_factor"]
    kill = np.array(
        [
            0.0,
            p["bed.kill_lung_per_h"] * att / chemo,
            p["bed.kill_liver_per_h"] * att,
            p["bed.kill_per_h"] * att,
            p["bed.kill_node_per_h"] * att * imm,
        ]
    )[graph.arrest_class]
    ex = np.where(graph.arrest_class == ARREST_LUNG, p["bed.extravasation_lung_per_h"], p["bed.extravasation_per_h"])
    out = ex / (ex + kill * prot)
    return np.where(graph.arrest_class == ARREST_NONE, 0.0, out)


#: Every parameter ``Transport`` reads (``_arrest_p`` and ``_bed_ex`` included), besides the
#: routing shares applied to its graph: the key under which ``PresetModel`` keeps one. A test
#: changes every other parameter and checks the transport stays the same.
TRANSPORT_KEYS = ROUTING_KEYS + (
    "transit.attrition",
    "immune.surveillance",
    "transit.cluster_protection",
    "transit.anoikis_per_h",
    "transit.shear_per_h",
    "transit.immune_per_h",
    "arrest.lung",
    "arrest.liver",
    "arrest.bed",
    "arrest.node",
    "chemo.lung_factor",
    "bed.kill_lung_per_h",
    "bed.kill_liver_per_h",
    "bed.kill_per_h",
    "bed.kill_node_per_h",
    "bed.extravasation_lung_per_h",
    "bed.extravasation_per_h",
    "shedding.cluster_fraction",
    "cavity.implant_per_day",
    "cavity.death_per_day",
    "cavity.omentum_share",
)


#: Transports a ``PresetModel`` keeps (least recently used dropped first).
TRANSPORTS_KEPT = 4


class Transport:
    """Extravasated (or implanted) cells per compartment per viable cell leaving a source."""

    def __init__(self, graph: BodyGraph, p: Params):
        g = self.graph = graph
        self.p = p
        cls = VESSEL_CLASS[g.v_kind]
        att, imm, prot = p["transit.attrition"], p["immune.surveillance"], p["transit.cluster_protection"]
        ha, hs, hi = (
            p["transit.anoikis_per_h"] * att,
            p["transit.shear_per_h"] * att,
            p["transit.immune_per_h"] * att * imm,
        )
        pa = _arrest_p(g, p)
        self.cf = p["shedding.cluster_fraction"]
        imp = p["cavity.implant_per_day"]
        fimp = imp / (imp + p["cavity.death_per_day"] * att) if imp > 0 else 0.0
        om = p["cavity.omentum_share"]
        self._solve = []
        for protect in (1.0, prot):  # single cells, cells in clusters
            haz = np.array([ha * protect + hs + hi * protect, ha * protect + hi * protect, ha * protect])
            surv = np.exp(-haz[cls] * g.v_transit_h)
            m = g.m
            T = np.zeros((m, m))
            arr = np.zeros((g.n, m))  # extravasated in compartment per unit mass in vessel
            bed_ex = _bed_ex(g, p, protect)
            for v in range(m):
                d = g.v_dst[v]
                if g.kind[d] == KIND_CAVITY:
                    a, b = g.implants_into[d], g.implants_also[d]
                    if b >= 0:
                        arr[a, v] += surv[v] * fimp * (1 - om)
                        arr[b, v] += surv[v] * fimp * om
                    elif a >= 0:
                        arr[a, v] += surv[v] * fimp
                    continue
                arr[d, v] += surv[v] * pa[d] * bed_ex[d]
                outs = g.out_vessels(d)
                same = [e for e in outs if cls[e] == cls[v]] or outs
                tot = g.v_share[same].sum()
                for e in same:
                    T[e, v] += surv[v] * (1.0 - pa[d]) * g.v_share[e] / tot
            self._solve.append(arr @ np.linalg.inv(np.eye(m) - T))

    def from_source(self, comp: int, lymph: float, cavity: float) -> np.ndarray:
        """Per compartment: expected extravasated cells per viable cell shed by ``comp``."""
        x0 = self.shed_into(comp, lymph, cavity)
        return (1 - self.cf) * (self._solve[0] @ x0) + self.cf * (self._solve[1] @ x0)

    def shed_into(self, comp: int, lymph: float, cavity: float) -> np.ndarray:
        """Per vessel: the share of ``comp``'s viable shed cells that enters it."""
        g = self.graph
        cls = VESSEL_CLASS[g.v_kind]
        outs = np.array(g.out_vessels(comp), np.int64)
        has = [bool((cls[outs] == k).any()) for k in range(3)]
        frac = np.array([0.0, lymph if has[1] else 0.0, cavity if has[2] else 0.0])
        frac[0] = max(0.0, 1.0 - frac[1] - frac[2]) if has[0] else 0.0
        if frac.sum() > 0.0 and (frac[1] + frac[2] > 1.0 or not has[0]):
            # the shares are weights, as the engine splits them (``kernels.rules.class_shares`` and
            # the transport kernel): the ovary's lymph share and its bare surface's cavity share
            # (exposure 1) add up to more than 1, and without a vein the rest goes to the others
            frac /= frac.sum()
        x0 = np.zeros(g.m)
        for k in range(3):
            sel = outs[cls[outs] == k]
            if frac[k] > 0 and sel.size:
                x0[sel] = frac[k] * g.v_share[sel] / g.v_share[sel].sum()
        return x0


# --- lesions --------------------------------------------------------------------------------------
@dataclass
class LesionTables:
    """Per quadrature patient i, detection class d (0 organ, 1 node), soil grid point s, time."""

    Q: np.ndarray  # [i, d, s, tau]: P(a lesion founded tau ago is detectable now)
    Qd: np.ndarray  # same, for a cell that fell dormant tau ago
    Psw: np.ndarray  # [i, s, a]: density of the switch at age a (per grid step)
    Pswd: np.ndarray  # same from dormancy


def _regress_exposure(cells: np.ndarray, until: float) -> np.ndarray:
    """``kernels.lesions.regress_exposure`` for an array of sizes (taking their logs here)."""
    n = np.asarray(cells, np.float64)
    n = np.maximum(n, 1e-300)
    return np.where(n <= until, np.log(n), math.log(until) + 1.0 - until / n)


def lesion_tables(r: np.ndarray, p: Params, n_t: int, dt: float, det_cells: tuple[float, float]) -> LesionTables:
    K = p["micro.cap_cells"]
    rho = p["micro.regress_per_doubling"] / math.log(2.0)
    until = p["micro.regress_until_cells"]
    sigma = p["micro.switch_per_doubling"] / math.log(2.0)
    n_max = p["primary.max_cells"]
    n_ref = p["primary.doubling_ref_cells"]
    lam = p["dormancy.wake_per_year"] / 365.25
    soils = 10.0**SOIL_GRID
    nq, ns = r.shape[0], soils.shape[0]
    # fine age grid within the coarse grid (sub-steps) for the switch integral
    sub = 4
    a_f = (np.arange(n_t * sub) + 0.5) * dt / sub
    Q = np.zeros((nq, 2, ns, n_t))
    Psw = np.zeros((nq, ns, n_t))
    tau = (np.arange(n_t) + 1.0) * dt  # ages at which detection is asked (end of a step)
    for i in range(nq):
        Na = np.minimum(_gompertz(1.0, r[i], n_max, a_f, n_ref), K)  # micro size at fine ages
        surv_reg = np.exp(-rho * _regress_exposure(Na, until))
        h = sigma * r[i] * soils  # [s]
        live = surv_reg[None, :] * np.exp(-h[:, None] * a_f[None, :])  # [s, a]
        dens = h[:, None] * live * (dt / sub)  # switch probability per sub-step
        # a lesion that switches below the balanced size sheds like one that switched at that size
        # when it gets there: place its switch at that (effective) age
        eff = a_f + _gompertz_time(Na, K * (1 - 1e-9), r[i], n_max, n_ref)
        idx = np.minimum((eff / dt).astype(np.int64), n_t)
        for s_ in range(ns):
            Psw[i, s_] = np.bincount(idx, weights=dens[s_], minlength=n_t + 1)[:n_t]
        Ntau = np.minimum(_gompertz(1.0, r[i], n_max, tau, n_ref), K)
        for d in range(2):
            D = det_cells[d]
            g_time = _gompertz_time(Na, D, r[i], n_max, n_ref)  # [a]
            ready = a_f + g_time  # age at which detectable
            # Q[tau] = sum over sub-steps a with ready <= tau
            ok = ready[None, :] <= tau[:, None]  # [tau, a]
            Q[i, d] = dens @ ok.T.astype(np.float64)
            still = Ntau >= D
            if still.any():
                live_tau = np.exp(-rho * _regress_exposure(Ntau, until))[None, :] * np.exp(-h[:, None] * tau[None, :])
                Q[i, d] += live_tau * still[None, :]
    # dormant route: wake after w ~ Exp(lam), then the lesion's own life
    if lam > 0:
        w = np.arange(n_t)
        kern = np.exp(-lam * w * dt) * (-math.expm1(-lam * dt))  # P(wake in step w)
        Qd = np.zeros_like(Q)
        Pswd = np.zeros_like(Psw)
        for k in range(n_t):
            Qd[..., k] = (Q[..., : k + 1][..., ::-1] * kern[: k + 1]).sum(axis=-1)
            Pswd[..., k] = (Psw[..., : k + 1][..., ::-1] * kern[: k + 1]).sum(axis=-1)
    else:
        Qd = np.zeros_like(Q)
        Pswd = np.zeros_like(Psw)
    return LesionTables(Q, Qd, Psw, Pswd)


def _interp_index(log10_soil: np.ndarray):
    x = (np.clip(log10_soil, SOIL_GRID[0], SOIL_GRID[-1]) - SOIL_GRID[0]) / (SOIL_GRID[1] - SOIL_GRID[0])
    lo = np.minimum(np.floor(x).astype(np.int64), SOIL_GRID.shape[0] - 2)
    return lo, x - lo


def cascade_sums(
    m_u: np.ndarray, X: np.ndarray, scale: np.ndarray, beta: np.ndarray, buf: np.ndarray | None = None
) -> np.ndarray:
    """Expected second-generation lesions of one site group, per patient ``i = q * n_j + j``.

    Patient (q, j) has doubling-time node q and shedding factor node j; its first-generation lesions
    switch at ``scale[j] * m_u[q, src, t]`` (per source and time) and each then seeds the group with
    ``beta[j] * X[q, src, t]`` lesions in expectation. The sum over sources and times of
    ``scale * m_u * (1 - exp(-beta * X))`` is formed for the 10 doubling-time nodes with the factor
    axis broadcast, not for all 150 patients: same numbers, a third of the time."""
    nq, nj = X.shape[0], scale.shape[0]
    if buf is None:
        buf = np.empty((nq, nj) + X.shape[1:])
    np.multiply(-beta[None, :, None, None], X[:, None], out=buf)  # -mu [q, j, src, t]
    np.expm1(buf, out=buf)  # -(1 - e^-mu)
    return -(scale[None, :] * np.einsum("qsk,qjsk->qj", m_u, buf)).ravel()


# --- a preset's cohort ------------------------------------------------------------------------------
class PresetModel:
    """Precomputed growth and lesion tables of one preset; ``table(...)`` is then cheap."""

    def __init__(
        self,
        params: Params,
        primary: str,
        years: float,
        graph: BodyGraph | None = None,
        n_quad: int = N_QUAD,
        dt: float = DT_DAYS,
    ):
        self.base = graph or default_graph()
        self.p = params.copy()
        self.primary = primary
        self.years = years
        self.dt = dt
        self.n_t = int(round(years * 365.25 / dt))
        p = self.p
        cv = p["primary.doubling_cv"]
        z, w = np.polynomial.hermite_e.hermegauss(n_quad if cv > 0 else 1)
        self.w = w / w.sum()
        s2 = math.log(1.0 + cv * cv)
        self.doubling = p["primary.doubling_days"] * np.exp(-0.5 * s2 + math.sqrt(s2) * z)
        self.doubling = np.clip(self.doubling, 0.5, 1000.0)
        self.r = math.log(2.0) / self.doubling
        t = (np.arange(self.n_t) + 0.5) * dt
        n0, n_max = p["primary.initial_cells"], p["primary.max_cells"]
        cpg = p["primary.cells_per_g"]
        N = _gompertz(n0, self.r[:, None], n_max, t[None, :], p["primary.doubling_ref_cells"])
        #: viable cells shed per grid step per unit shedding rate (cells/g/day)
        self.shed_shape = N * shed_size_factor(N, p) / cpg * p["shedding.viable_fraction"] * dt
        det = (mm_to_cells(p["detect.autopsy_mm"], cpg), mm_to_cells(p["detect.node_mm"], cpg))
        self.lt = lesion_tables(self.r, p, self.n_t, dt, det)
        # convolutions with the shedding profile (first generation at the end of follow-up)
        Qr = self.lt.Q[..., ::-1]  # Q at age T - t_k for founding step k
        Qdr = self.lt.Qd[..., ::-1]
        self.conv = np.einsum("ik,idsk->ids", self.shed_shape, Qr)
        self.conv_d = np.einsum("ik,idsk->ids", self.shed_shape, Qdr)
        # switch-time densities of first-generation lesions (absolute time index)
        nt = self.n_t
        self.msw = np.zeros((len(self.r), SOIL_GRID.shape[0], nt))
        self.msw_d = np.zeros_like(self.msw)
        for k in range(nt):
            self.msw[:, :, k:] += self.shed_shape[:, k, None, None] * self.lt.Psw[:, :, : nt - k]
            self.msw_d[:, :, k:] += self.shed_shape[:, k, None, None] * self.lt.Pswd[:, :, : nt - k]
        # detection-weighted shedding of a macrometastasis switched at step s: W[i, d, soil, s]
        K = p["micro.cap_cells"]
        lag = np.arange(nt) * dt + 0.5 * dt
        G = _gompertz(K, self.r[:, None], n_max, lag[None, :], p["primary.doubling_ref_cells"])
        G = G * shed_size_factor(G, p) / cpg * p["shedding.viable_fraction"] * dt
        self.W = np.zeros((len(self.r), 2, SOIL_GRID.shape[0], nt))
        self.Wd = np.zeros_like(self.W)
        for s in range(nt):
            # shed at steps k >= s with size G[k - s]; its lesions are judged at age T - k
            self.W[..., s] = np.einsum("ik,idsk->ids", G[:, : nt - s], Qr[..., s:])
            self.Wd[..., s] = np.einsum("ik,idsk->ids", G[:, : nt - s], Qdr[..., s:])
        #: the last few transports, newest last, each with its site-to-site table per (lymph, cavity)
        #: fraction: a fit's Jacobian alternates between a point and the point moved along one value
        self._transports: dict[tuple[float, ...], tuple[Transport, dict]] = {}

    def _transport(self, p: Params) -> tuple[Transport, dict]:
        key = tuple(p[k] for k in TRANSPORT_KEYS)
        hit = self._transports.pop(key, None)
        if hit is None:
            hit = (Transport(routed(self.base, p), p), {})
            while len(self._transports) >= TRANSPORTS_KEPT:
                del self._transports[next(iter(self._transports))]
        self._transports[key] = hit
        return hit

    def table(self, p: Params | None = None) -> dict:
        """Expected % of patients with a detectable metastasis per DiSibio category, % of metastases,
        metastases per patient, and the per-compartment involvement.

        Long: one derivation from the parameters to the table, each step using the arrays the steps
        above it made (sites, fates, transport, patient nodes, the category groups); split, each
        piece would take and return a handful of arrays."""
        p = p or self.p
        g = self.base
        tr, src_cache = self._transport(p)
        lam, kap = p["shedding.lymph_fraction"], cavity_share(p)
        prim = g.index[self.primary]
        from sim_core.model.engine import soil_vector

        soil = soil_vector(g, p, self.primary)
        sites = [c for c in range(g.n) if g.kind[c] in (KIND_ORGAN, KIND_NODE)]
        own = g.own_organ.get(self.primary, "")
        sites = [c for c in sites if g.ids[c] != own]
        S = np.array(sites)
        A = tr.from_source(prim, lam, kap)[S]
        key = (lam, kap)
        if key not in src_cache:
            src_cache.clear()
            src_cache[key] = np.array([tr.from_source(c, lam, kap)[S] for c in S])
        A_src = src_cache[key]  # [source site, target site]
        s = soil[S]
        w_p = p["fate.proliferate"] * (1.0 - p["suppressor.strength"]) * s
        w_d = p["fate.dormant"] * p["dormancy.entry"]
        w_x = p["fate.die"]
        f_p = w_p / (w_p + w_d + w_x)
        f_d = w_d / (w_p + w_d + w_x)
        det = (g.kind[S] == KIND_NODE).astype(np.int64)
        lo, fr = _interp_index(np.log10(np.maximum(s, 1e-30)))
        rate = p["shedding.rate_per_g_day"]
        # patients differ in how many cells their tumour sheds: a log-normal factor of mean 1
        sd = p["shedding.patient_sd"]
        zs, ws = _hermite_nodes(N_SHED if sd > 0 else 1)
        factors = np.exp(sd * zs - 0.5 * sd * sd)

        def pick(arr, dim_det):
            # arr[i, d, soil, ...] or arr[i, soil, ...] -> [i, site, ...]
            if dim_det:
                a0 = arr[:, det, lo]
                a1 = arr[:, det, lo + 1]
            else:
                a0 = arr[:, lo]
                a1 = arr[:, lo + 1]
            fr_ = fr.reshape((1, -1) + (1,) * (a0.ndim - 2))
            return a0 * (1 - fr_) + a1 * fr_

        lam1_u = A[None, :] * (f_p * pick(self.conv, True) + f_d * pick(self.conv_d, True))  # [q, site]
        m_u = A[None, :, None] * (
            f_p[None, :, None] * pick(self.msw, False) + f_d[None, :, None] * pick(self.msw_d, False)
        )  # [q, src, t]
        F = f_p[None, :, None] * pick(self.W, True) + f_d[None, :, None] * pick(self.Wd, True)  # [q, tgt, t]
        # patients: doubling-time nodes q x shedding-factor nodes j, flattened as i = q * n_j + j
        nq, nj = len(self.w), len(ws)
        wq = (self.w[:, None] * ws[None, :]).ravel()
        scale = rate * np.repeat(factors[None, :], nq, axis=0).ravel()
        rep = np.repeat(np.arange(nq), nj)
        lam1 = scale[:, None] * lam1_u[rep]
        groups: dict[str, list[int]] = {}
        for j, c in enumerate(sites):
            cat = g.site_category(c, self.primary)
            key2 = g.ids[c] if cat == "other" else cat
            groups.setdefault(key2, []).append(j)
        none = {}
        beta = p["shedding.from_metastases"] * rate * factors  # second-generation seeding per factor node
        buf = np.empty((nq, nj) + m_u.shape[1:]) if beta.any() else None
        for key2, idx in groups.items():
            casc: float | np.ndarray = 0.0
            if buf is not None:
                X = np.einsum("st,qtk->qsk", A_src[:, idx], F[:, idx, :])  # [q, src, t]
                casc = cascade_sums(m_u, X, rate * factors, beta, buf)
            none[key2] = np.exp(-lam1[:, idx].sum(axis=1) - casc)  # [i]
        pct = {}
        other = 0.0
        for cat in CATEGORIES:
            if cat == "other":
                continue
            pct[cat] = float(wq @ (1 - none[cat])) if cat in none else 0.0
        other_keys = [k for k in groups if k.startswith(("organ:", "node:"))]
        other = sum(float(wq @ (1 - none[k])) for k in other_keys)
        pct_other_any = float(wq @ (1 - np.prod([none[k] for k in other_keys], axis=0)))
        mpp = sum(pct.values()) + other
        shares = {cat: (pct[cat] / mpp if mpp > 0 else 0.0) for cat in CATEGORIES if cat != "other"}
        shares["other"] = other / mpp if mpp > 0 else 0.0
        pct["other"] = pct_other_any
        per_site = {g.ids[sites[j]]: float(wq @ (1 - np.exp(-lam1[:, j]))) for j in range(len(sites))}
        return {"pct_patients": pct, "shares": shares, "metastases_per_patient": mpp, "first_generation": per_site}
