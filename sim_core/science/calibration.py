"""Calibration: the numbers the model is fitted to, how, and how many fitted numbers there are.

Two fits, both through the model's own rules:

- ``fit_mouse``: the lesion and fate rates from the injection experiments of Luzzi 1998 (liver) and
  Fidler 1970 (lung), simulated as the papers did them (``experiments.inject_experiment``);
- ``AutopsyFit``: the shared organ soils, the shared routing values (the serosal breach among them),
  each preset's shedding rate and lymph fraction, and the named affinities, from the DiSibio & French
  autopsy rows. It is
  steered by the expected-value calculation of ``expected.py`` (seconds instead of hours); the
  figures ``validate`` reports come from simulated cohorts.

A primary left out of the fit (``leave_one_out``) is predicted from what the others say about
primaries like it: the mean lymph fraction of its group, the geometric-mean shedding rate of the
primaries that kill as it does (``OBSTRUCTING``), its groups' affinities as the others show them
and 1 elsewhere. Its cavity share is not a per-primary value: its own anatomy (``cavity.exposure``,
``cavity.covered`` in its preset) times the shared ``cavity.breach`` the others were fitted with.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from sim_core.model.body_graph import CATEGORIES, SOIL_KEYS
from sim_core.model.params import BY_PATH, Params
from sim_core.model.scenario import load_scenario
from sim_core.science.disibio import LUNG_MUSCLE_SHARE, ROWS, AutopsyRow
from sim_core.science.expected import PresetModel

#: Years of a fitted cohort (as ``validation.COHORT_YEARS``).
FIT_YEARS = 5.0
#: Seed of the cohorts simulated during calibration (``validate`` uses another).
CALIBRATION_SEED = 1001


@dataclass(frozen=True)
class Affinity:
    """A named seed-organ affinity: the cancers of a group like this tissue beyond its soil. One
    value is fitted for the whole group, so a primary left out of the fit still gets the value its
    group's other members show (or 1 when it is the group's only member)."""

    presets: tuple[str, ...]
    soil: str
    source: str

    @property
    def owner(self) -> str:
        """The fit's name for this value (a column of its own, like a shared value)."""
        return f"affinity:{'+'.join(self.presets)}"


#: Each affinity names the observation that motivates it and the primaries it covers; the groups are
#: read from the clinical literature, not from the autopsy rows the value is fitted to.
AFFINITIES: tuple[Affinity, ...] = (
    Affinity(
        ("breast", "prostate", "lung", "kidney"),
        "bone",
        "[coleman2006] bone metastases in 65-75 % of advanced breast and prostate cancers, 30-40 % of "
        "lung and 20-25 % of renal cancers, more than their share of blood flow predicts; [bubendorf2000] "
        "bone in 90 % of prostate-cancer patients with blood-borne spread",
    ),
    Affinity(
        ("lung", "melanoma", "kidney", "breast"),
        "brain",
        "[barnholtz2004] brain metastases most often from lung cancer, melanoma, renal and breast cancer; "
        "[riihimaki2014] characteristic of lung cancer",
    ),
    Affinity(
        ("lung", "breast", "melanoma"),
        "adrenal",
        "[glomset1938] adrenal metastases most frequent from lung and breast carcinomas and melanoma; "
        "[riihimaki2014] characteristic of lung cancer",
    ),
    Affinity(("melanoma",), "other", "[patel1978] skin, heart and bowel metastases are frequent in melanoma"),
    Affinity(("sarcoma",), "bone", "bone sarcomas metastasise to bone as well as lung [fong1993]"),
)


def _members(a: Affinity, presets) -> tuple[str, ...]:
    return tuple(n for n in a.presets if n in presets)


#: How a primary usually kills, which sets how long its patient lives to spread it: by closing a
#: narrow passage (the oesophagus: starvation; the large bowel: obstruction; the cervix: both ureters,
#: uraemia [pearson_cervix]) or by its spread. A left-out primary takes the geometric-mean shedding
#: rate of the fitted primaries that kill as it does: a grouping (phenomenology), read from pathology,
#: not from the autopsy rows; the stomach (a wide sac) and the pancreas (jaundice) are not in it. Not
#: chosen blind: it was tried after the mean rate of all primaries was seen to overpredict metastases
#: per patient for these four rows (sim_core/README.md says so beside the figures).
OBSTRUCTING = ("oesophagus", "colon", "rectum", "cervix")
#: Lymph-fraction groups: carcinomas and melanoma spread by lymph first, sarcomas and renal
#: carcinomas by blood [fong1993]; a left-out primary takes its group's mean.
LYMPH_GROUP = {"sarcoma": "blood", "kidney": "blood"}
#: Standard deviation (logit or log units) of per-primary values around their group's mean, if they
#: are to be pulled towards it. Empty: tried with 1-2 units, pooling drove every primary to the same
#: corner of the parameter space and worsened both the in-sample fit and the left-out predictions.
PRIOR_SD: dict[str, float] = {}
#: Weak anchors (value, sd in logit units) for what the autopsy rows cannot tell apart: whether
#: nodes are seeded by lymph or by blood. Left free, the fit sends almost no cell into lymph, lets
#: every node pass what it gets (node arrest at its lower bound) and makes nodes the most fertile
#: tissue by a factor of 100, which contradicts the lymphatic first step of carcinomas seen in every
#: pathology text. The anchors keep a carcinoma's lymph share near a half, a sarcoma's or renal
#: carcinoma's near a tenth, and a node holding about half of the cells that reach it. Lung arrest
#: trades against the lung soil: left free, the full fit put it at 0.48 (standard error 0.82 logit
#: units) and the left-out refits anywhere from 0.002 (with a lung soil at its 1e4 bound) to 0.81;
#: its anchor is Butler's measured 1 - 1/12 [butler1975].
ANCHORS = {
    ("lymph", "shedding.lymph_fraction"): (0.5, 1.5),
    ("blood", "shedding.lymph_fraction"): (0.1, 1.5),
    ("all", "arrest.node"): (0.5, 1.5),
    ("all", "arrest.lung"): (0.92, 1.5),
}
#: Shared values fitted with the soils, and their starting points.
SHARED = {
    "arrest.node": 0.5,
    "routing.plexus_share": 0.1,
    "routing.duct_node_share": 0.2,
    "shedding.from_metastases": 0.1,
    "cavity.omentum_share": 0.3,
    "shedding.patient_sd": 1.0,
    "arrest.lung": 0.92,
    "cavity.breach": 0.5,
}
#: Residual weights: shares of metastases, log metastases per patient, the lung-muscle share.
W_SHARES, W_MPP, W_MUSCLE = 10.0, 5.0, 1.0


def require_scipy() -> None:
    """The fits solve least squares with scipy, an optional dependency: one clear line if missing."""
    try:
        import scipy.optimize  # noqa: F401
    except ImportError:
        from sim_core.model.errors import InputError

        raise InputError(
            "calibrate", "scipy", "needed for the least-squares fit: pip install 'seedsoil[calibrate]'"
        ) from None


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-np.clip(v, -700.0, 700.0)))


def _log_in_range(path: str, x: float) -> float:
    """A log value moved into its parameter's range before exponentiating: a solver step far past a
    bound (where the value is clipped and the rows no longer move) cannot overflow."""
    s = BY_PATH[path]
    lo = math.log(s.lo) if s.lo > 0 else -700.0
    return float(min(max(x, lo), math.log(s.hi)))


def _clip(path: str, v: float) -> float:
    s = BY_PATH[path]
    return float(min(max(v, s.lo), s.hi))


@dataclass
class FitResult:
    shared: dict[str, float]  # soil.* and SHARED paths
    per_preset: dict[str, dict[str, float]]  # preset -> path -> value
    stderr: dict[str, float] = field(default_factory=dict)  # log or logit units
    residual_tvd: dict[str, float] = field(default_factory=dict)

    def params_for(self, preset: str) -> Params:
        """The preset's parameters with these fitted values."""
        p = load_scenario(preset).params
        for k, v in self.shared.items():
            p.set(k, _clip(k, v))
        for k, v in self.per_preset.get(preset, {}).items():
            p.set(k, _clip(k, v))
        return p


class AutopsyFit:
    """Least squares of DiSibio's site shares and metastases per patient over ``presets``."""

    def __init__(
        self,
        presets: list[str],
        models: dict[str, PresetModel | None] | None = None,
        years: float = FIT_YEARS,
        base: dict[str, Params] | None = None,
        corrections: dict[str, np.ndarray] | None = None,
        data: dict[str, AutopsyRow] | None = None,
        muscle_share: float = LUNG_MUSCLE_SHARE,
    ):
        self.presets = list(presets)
        #: the rows fitted (DiSibio's unless ``data`` replaces them, as ``diagnostics.recovery`` does
        #: with rows drawn from the model itself) and the lung row's skeletal-muscle share
        self.data = {n: (data or ROWS)[n] for n in self.presets}
        self.muscle_share = muscle_share
        #: per preset, log(simulated / expected) of the 13 shares and of metastases per patient:
        #: what the expected-value calculation leaves out (deaths from tumour burden, later
        #: generations of metastases), measured by simulating cohorts (``simulated_corrections``)
        self.corrections = {
            n: np.asarray(corrections.get(n, np.zeros(14)), np.float64) if corrections else np.zeros(14)
            for n in self.presets
        }
        self.affs = [a for a in AFFINITIES if _members(a, self.presets)]
        self._aff_by_owner = {a.owner: a for a in self.affs}
        self.base = base or {n: load_scenario(n).params for n in self.presets}
        #: a preset given None in ``models`` gets no model: enough to count the unknowns
        self.models: dict[str, PresetModel | None] = models or {}
        for n in self.presets:
            if n not in self.models:
                self.models[n] = PresetModel(self.base[n], load_scenario(n).primary, years)
        lay: list[tuple[str, str]] = [("soil", k) for k in SOIL_KEYS] + [("shared", k) for k in SHARED]
        for n in self.presets:
            lay += [(n, "shedding.rate_per_g_day"), (n, "shedding.lymph_fraction")]
        lay += [(a.owner, f"affinity.{a.soil}") for a in self.affs]
        self.layout = lay
        self.index = {x: i for i, x in enumerate(lay)}
        self._tables: dict[str, dict] = {}

    # --- the vector of unknowns ---------------------------------------------------------------------
    @staticmethod
    def _is_share(path: str) -> bool:
        return path.endswith("_fraction") or path in (
            "arrest.node",
            "arrest.lung",
            "routing.plexus_share",
            "routing.duct_node_share",
            "cavity.omentum_share",
            "cavity.breach",
        )

    def encode(self, shared: dict[str, float], per_preset: dict[str, dict[str, float]]) -> np.ndarray:
        x = np.zeros(len(self.layout))
        for i, (owner, path) in enumerate(self.layout):
            if owner == "soil":
                v = shared.get(f"soil.{path}", 1.0)
            elif owner == "shared":
                v = shared.get(path, SHARED[path])
            elif owner in self._aff_by_owner:
                m = _members(self._aff_by_owner[owner], self.presets)
                v = math.exp(
                    float(
                        np.mean([math.log(max(per_preset.get(n, {}).get(path, self.base[n][path]), 1e-12)) for n in m])
                    )
                )
            else:
                v = per_preset.get(owner, {}).get(path, self.base[owner][path])
            full = f"soil.{path}" if owner == "soil" else path
            x[i] = _logit(v) if self._is_share(full) else math.log(max(v, 1e-12))
        return x

    def decode(self, x: np.ndarray) -> FitResult:
        shared: dict[str, float] = {}
        per: dict[str, dict[str, float]] = {n: {} for n in self.presets}
        for i, (owner, path) in enumerate(self.layout):
            full = f"soil.{path}" if owner == "soil" else path
            v = float(_sigmoid(x[i])) if self._is_share(full) else math.exp(_log_in_range(full, x[i]))
            if owner in ("soil", "shared"):
                shared[full] = _clip(full, v)
            elif owner in self._aff_by_owner:
                for n in _members(self._aff_by_owner[owner], self.presets):
                    per[n][path] = _clip(path, v)
            else:
                per[owner][path] = _clip(path, v)
        return FitResult(shared, per)

    def start(self) -> np.ndarray:
        """Starting point: the current defaults and presets."""
        shared = {f"soil.{k}": BY_PATH[f"soil.{k}"].default for k in SOIL_KEYS}
        shared.update({k: BY_PATH[k].default for k in SHARED})
        per = {n: {path: self.base[n][path] for owner, path in self.layout if owner == n} for n in self.presets}
        return self.encode(shared, per)

    def _shared_column(self, owner: str) -> bool:
        """A column that moves several presets' rows: a soil, a shared value or a group's affinity."""
        return owner in ("soil", "shared") or owner in self._aff_by_owner

    # --- residuals ----------------------------------------------------------------------------------
    def tables(self, x: np.ndarray) -> dict[str, dict]:
        """Each preset's expected table at ``x``. A preset whose own values did not change since one
        of its last few tables (the Jacobian moving a group's affinity, or the solver asking for the
        residuals at the point it just took the Jacobian of) reuses that table."""
        fit = self.decode(x)
        out = {}
        for n in self.presets:
            # the model itself (not its id, which a replaced and freed model could pass on) in the key
            key = (self.model(n), tuple(fit.shared.values()), tuple(sorted(fit.per_preset[n].items())))
            memo = self._tables.setdefault(n, {})
            if key not in memo:
                if len(memo) >= 4:
                    memo.pop(next(iter(memo)))
                memo[key] = self.model(n).table(self._params(fit, n))
            out[n] = memo[key]
        return out

    def model(self, n: str) -> PresetModel:
        """The expected-value model of preset ``n``."""
        m = self.models[n]
        if m is None:
            raise ValueError(f"this fit was made without a model for {n!r}")
        return m

    def _params(self, fit: FitResult, n: str) -> Params:
        p = self.base[n].copy()
        for k, v in fit.shared.items():
            p.set(k, v)
        for k, v in fit.per_preset[n].items():
            p.set(k, v)
        return p

    def residuals(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate([self._model(x), self._tail(x)])

    def corrected(self, n: str, t: dict) -> tuple[np.ndarray, float]:
        """The expected shares and metastases per patient of ``n`` with its simulation correction."""
        c = self.corrections[n]
        sh = np.array([t["shares"][k] for k in CATEGORIES]) * np.exp(c[:13])
        return sh / sh.sum(), t["metastases_per_patient"] * math.exp(c[13])

    def _row(self, n: str, t: dict) -> list[float]:
        """The residuals of preset ``n``'s row at its table ``t``: 13 shares, metastases per
        patient and, for the lung, Newton's skeletal-muscle share."""
        sh, mpp = self.corrected(n, t)
        r = list(W_SHARES * (sh - self.data[n].shares()))
        r.append(W_MPP * math.log(max(mpp, 1e-9) / self.data[n].mets_per_patient))
        if n == "lung":
            ms = t["first_generation"]["organ:muscle"] / max(t["metastases_per_patient"], 1e-9)
            r.append(W_MUSCLE * math.log((ms + 1e-4) / (self.muscle_share + 1e-4)))
        return r

    def _model(self, x: np.ndarray) -> np.ndarray:
        return np.array([v for n, t in self.tables(x).items() for v in self._row(n, t)])

    def row_blocks(self, x: np.ndarray) -> dict[str, slice]:
        """Where each preset's row lies among the residuals at ``x`` (the model's part first)."""
        out, i = {}, 0
        for n, t in self.tables(x).items():
            k = len(self._row(n, t))
            out[n] = slice(i, i + k)
            i += k
        return out

    def _group(self, n: str, path: str) -> str:
        if path == "shedding.lymph_fraction":
            return LYMPH_GROUP.get(n, "lymph")
        return "all"

    def _prior(self, x: np.ndarray) -> list[float]:
        out = []
        for path, sd in PRIOR_SD.items():
            groups: dict[str, list[float]] = {}
            for n in self.presets:
                if (n, path) in self.index:
                    groups.setdefault(self._group(n, path), []).append(x[self.index[(n, path)]])
            for n in self.presets:
                if (n, path) in self.index:
                    vals = groups[self._group(n, path)]
                    out.append((x[self.index[(n, path)]] - float(np.mean(vals))) / sd if len(vals) > 1 else 0.0)
        for a in self.affs:
            out.append(0.1 * x[self.index[(a.owner, f"affinity.{a.soil}")]])
        for (group, path), (value, sd) in ANCHORS.items():
            if path in SHARED:
                out.append((x[self.index[("shared", path)]] - _logit(value)) / sd)
                continue
            for n in self.presets:
                if (n, path) in self.index and self._group(n, path) == group:
                    out.append((x[self.index[(n, path)]] - _logit(value)) / sd)
        return out

    def solve(self, x0: np.ndarray | None = None, max_nfev: int = 60, progress=None) -> tuple[np.ndarray, FitResult]:
        require_scipy()
        from scipy.optimize import least_squares

        from sim_core.science.disibio import tv_distance

        start = time.monotonic()
        calls = [0]

        def fun(x):
            calls[0] += 1
            if progress and calls[0] % 10 == 0:
                progress(f"{calls[0]} steps, {time.monotonic() - start:.0f} s")
            return self.residuals(x)

        res = least_squares(
            fun,
            self.start() if x0 is None else x0,
            jac=self.jacobian,
            method="trf",
            max_nfev=max_nfev,
            ftol=1e-12,
            xtol=1e-12,
            gtol=1e-12,
        )
        fit = self.decode(res.x)
        fit.stderr = self._stderr(res)
        for n, t in self.tables(res.x).items():
            fit.residual_tvd[n] = tv_distance(self.corrected(n, t)[0], self.data[n].shares())
        return res.x, fit

    def _column_groups(self) -> list[list[int]]:
        """Columns whose model residuals one evaluation can give: each shared value alone, and the
        k-th own value of every preset together (presets' rows do not overlap)."""
        groups = [[j] for j, (owner, _) in enumerate(self.layout) if self._shared_column(owner)]
        own: dict[str, list[int]] = {}
        for j, (owner, _) in enumerate(self.layout):
            if not self._shared_column(owner):
                own.setdefault(owner, []).append(j)
        for k in range(max((len(v) for v in own.values()), default=0)):
            groups.append([cols[k] for cols in own.values() if k < len(cols)])
        return groups

    def _model_rows(self) -> dict[str, tuple[int, int]]:
        rows, start = {}, 0
        for n in self.presets:
            rows[n] = (start, start + 14 + (1 if n == "lung" else 0))
            start = rows[n][1]
        return rows

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Forward differences of the model rows by column groups; the scale and pooling rows
        (cheap) one column at a time."""
        h = 1e-4
        r0 = self.residuals(x)
        J = np.zeros((r0.shape[0], x.shape[0]))
        rows = self._model_rows()
        n_model = max(b for _, b in rows.values())
        for group in self._column_groups():
            xp = x.copy()
            xp[group] += h
            d = (self._model(xp) - r0[:n_model]) / h
            for j in group:
                owner = self.layout[j][0]
                if self._shared_column(owner):
                    J[:n_model, j] = d
                else:
                    a, b = rows[owner]
                    J[a:b, j] = d[a:b]
        tail = self._tail(x)
        for j in range(x.shape[0]):
            xp = x.copy()
            xp[j] += h
            J[n_model:, j] = (self._tail(xp) - tail) / h
        return J

    def _tail(self, x: np.ndarray) -> np.ndarray:
        """Residuals after the model rows: the soils' geometric mean is 1 (the common scale is
        shedding's), and per-primary values are pooled towards their group."""
        soils = np.array([x[self.index[("soil", k)]] for k in SOIL_KEYS])
        return np.array([10.0 * soils.mean()] + self._prior(x))

    def _stderr(self, res) -> dict[str, float]:
        """Standard errors of the shared values (log units; logit for shares) from the Jacobian."""
        try:
            J = res.jac.toarray() if hasattr(res.jac, "toarray") else np.asarray(res.jac)
            dof = max(1, J.shape[0] - J.shape[1])
            s2 = float(res.fun @ res.fun) / dof
            cov = np.linalg.pinv(J.T @ J) * s2
            se = np.sqrt(np.clip(np.diag(cov), 0, None))
        except (ValueError, np.linalg.LinAlgError):
            return {}
        out = {}
        for i, (owner, path) in enumerate(self.layout):
            if owner in self._aff_by_owner:
                out[f"{owner}.{path}"] = float(se[i])
            elif self._shared_column(owner):
                out[f"soil.{path}" if owner == "soil" else path] = float(se[i])
        return out

    # --- counting and leaving out -------------------------------------------------------------------
    def free_parameters(self) -> int:
        """Fitted numbers: every unknown but one soil (their geometric mean is fixed at 1)."""
        return len(self.layout) - 1

    def neutral_start(self) -> np.ndarray:
        """A starting point that owes nothing to the fitted values: every soil 1, the shared values
        at their ``SHARED`` starting points, each preset's own values as its scenario file has them
        (fitted to its own row, which is in this fit)."""
        shared = {f"soil.{k}": 1.0 for k in SOIL_KEYS}
        shared.update(SHARED)
        per = {n: {path: self.base[n][path] for owner, path in self.layout if owner == n} for n in self.presets}
        for a in self.affs:
            for n in _members(a, self.presets):
                per[n][f"affinity.{a.soil}"] = 1.0
        return self.encode(shared, per)

    def held_out_values(self, fit: FitResult, preset: str) -> dict[str, float]:
        """The fitted values that predict a preset that was not in this fit: the shared values, its
        shedding rate (the geometric mean of those that kill as it does), lymph fraction (its
        group's mean), and its groups' affinities as the other members show them."""
        p = self.held_out_params(fit, preset)
        keys = list(fit.shared) + ["shedding.rate_per_g_day", "shedding.lymph_fraction"]
        # affinities other than 1 only: a held-out primary's others are 1 (``held_out_affinities``)
        keys += [k for k, v in p.as_dict().items() if k.startswith("affinity.") and v != 1.0]
        return {k: float(p[k]) for k in keys}

    def held_out_params(self, fit: FitResult, preset: str) -> Params:
        """Parameters for a preset that was not in this fit: shared values from the fit (the cavity
        breach among them; its cavity exposure is its own anatomy), its shedding rate and lymph
        fraction from its groups' fitted values (``OBSTRUCTING``, ``LYMPH_GROUP``), and the
        affinities of the groups it belongs to as fitted on their other members (1 where it is
        alone)."""
        p = load_scenario(preset).params
        for k, v in fit.shared.items():
            p.set(k, _clip(k, v))
        held_out_affinities(p)
        for a in AFFINITIES:
            # a group's affinity as its other members showed it; 1 if no other member was fitted
            others = [n for n in _members(a, self.presets) if n != preset]
            if preset in a.presets and others:
                p.set(
                    f"affinity.{a.soil}", _clip(f"affinity.{a.soil}", fit.per_preset[others[0]][f"affinity.{a.soil}"])
                )
        same = [n for n in self.presets if (n in OBSTRUCTING) == (preset in OBSTRUCTING)] or self.presets
        rates = [math.log(fit.per_preset[n]["shedding.rate_per_g_day"]) for n in same]
        p.set("shedding.rate_per_g_day", _clip("shedding.rate_per_g_day", math.exp(float(np.mean(rates)))))
        lam = [
            _logit(fit.per_preset[n]["shedding.lymph_fraction"])
            for n in self.presets
            if self._group(n, "shedding.lymph_fraction") == self._group(preset, "shedding.lymph_fraction")
        ]
        if lam:
            p.set("shedding.lymph_fraction", float(_sigmoid(np.mean(lam))))
        return p


# --- leaving one primary out ------------------------------------------------------------------------
#: Least-squares evaluations of a refit without one row. From the neutral start, 20 evaluations
#: bring the soils within about 30 % of the full fit's (measured: about 120 s for two refits side by
#: side on this 2-core machine).
LEFT_OUT_MAX_NFEV = 20


def data_fingerprint(presets) -> str:
    """A short hash of the autopsy data of ``presets`` (and Newton's muscle share when lung is one
    of them): the left-out values stored in ``fitted_values.py`` are current only while it holds."""
    import hashlib

    rows = [(n, ROWS[n].patients, ROWS[n].mets_per_patient, tuple(ROWS[n].pct_patients)) for n in sorted(presets)]
    text = repr((rows, LUNG_MUSCLE_SHARE if "lung" in presets else None))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def left_out_values(
    held: str,
    max_nfev: int = LEFT_OUT_MAX_NFEV,
    corrections: dict | None = None,
    base: dict[str, Params] | None = None,
    models: dict | None = None,
    data: dict[str, AutopsyRow] | None = None,
    muscle_share: float = LUNG_MUSCLE_SHARE,
) -> dict[str, float]:
    """Refit the autopsy model without ``held``'s row, from the neutral start, and return the values
    that predict ``held``. ``held``'s data are never read, and nothing fitted with them is a
    starting point (a test checks both). The other rows keep their simulation corrections
    (``corrections``, default the stored ones): those describe the model, not the data. ``data``
    and ``muscle_share`` replace DiSibio's rows (``diagnostics.recovery``)."""
    from sim_core.model.fitted_values import CORRECTIONS

    others = [n for n in ROWS if n != held]
    corr = corrections if corrections is not None else {n: np.array(c) for n, c in CORRECTIONS.items()}
    fit = AutopsyFit(
        others,
        models={n: models[n] for n in others} if models else None,
        base={n: base[n] for n in others} if base else None,
        corrections={n: np.asarray(corr[n]) for n in others if n in corr},
        data=data,
        muscle_share=muscle_share,
    )
    _, res = fit.solve(fit.neutral_start(), max_nfev=max_nfev)
    return fit.held_out_values(res, held)


def _left_out_job(args):
    held, max_nfev, corrections, base = args
    return held, left_out_values(held, max_nfev, corrections, base)


def left_out_all(
    max_nfev: int = LEFT_OUT_MAX_NFEV,
    corrections: dict | None = None,
    base: dict[str, Params] | None = None,
    workers: int = 2,
    progress=None,
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Every primary left out in turn (one refit per process): the values that predict it and the
    fingerprint of the data they were fitted to."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(n, max_nfev, corrections, base) for n in ROWS]
    values: dict[str, dict[str, float]] = {}
    with ProcessPoolExecutor(max_workers=max(1, workers)) as ex:
        for held, vals in ex.map(_left_out_job, jobs):
            values[held] = vals
            if progress:
                progress(f"left out {held}")
    prints = {n: data_fingerprint([m for m in ROWS if m != n]) for n in ROWS}
    return values, prints


#: Share floor of the corrections (a category the model gives ~0 % is not corrected without bound).
CORRECTION_FLOOR = 0.005


def correction_of(r: dict, t: dict) -> np.ndarray:
    """log(simulated / expected) of the 13 shares (each with ``CORRECTION_FLOOR`` added) and of
    metastases per patient, from a simulated cohort ``r`` and the expected table ``t``."""
    sim = np.array([r["categories"][c]["pct_metastases"] / 100.0 for c in CATEGORIES])
    exp = np.array([t["shares"][c] for c in CATEGORIES])
    c = np.log((sim + CORRECTION_FLOOR) / (exp + CORRECTION_FLOOR))
    m = math.log(max(r["metastases_per_patient"], 0.05) / max(t["metastases_per_patient"], 0.05))
    return np.append(c, m)


def simulated_corrections(
    fit: AutopsyFit, result: FitResult, patients: int, seed: int, workers: int, progress=None
) -> dict[str, np.ndarray]:
    """log(simulated / expected) shares and metastases per patient of every preset at ``result``.
    The cohorts run as one batch through one pool (``cohort.run_cohorts``: the same tables as one
    by one, with no worker idle between cohorts)."""
    from concurrent.futures import ProcessPoolExecutor

    from sim_core.science.cohort import CohortJob, run_cohorts

    jobs = {}
    for n in fit.presets:
        sc = load_scenario(n)
        sc.params = fit._params(result, n)
        jobs[n] = CohortJob(sc, patients, FIT_YEARS, seed)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as ex:
        tables = run_cohorts(jobs, ex)
    out = {}
    for n, job in jobs.items():
        r = tables[n]
        t = fit.model(n).table(job.scenario.params)
        out[n] = correction_of(r, t)
        if progress:
            progress(
                f"simulated {n}: {patients} patients, mpp {r['metastases_per_patient']:.2f} "
                f"(expected {t['metastases_per_patient']:.2f})"
            )
    return out


def data_points() -> int:
    """Numbers fitted to: per DiSibio row 12 independent shares and metastases per patient; Newton's
    lung-muscle share; the five Luzzi figures and Fidler's two."""
    return 13 * len(ROWS) + 1 + 5 + 2


# --- the mouse experiments ----------------------------------------------------------------------
MOUSE_SEED = 1001
MOUSE_CELLS = 200_000


def _luzzi(p: Params) -> dict:
    from sim_core.science.experiments import inject_experiment

    sc = load_scenario("b16")
    sc.params = p
    r = inject_experiment(sc, "vein:portal->organ:liver", MOUSE_CELLS, 13, seed=MOUSE_SEED)
    return {round(row["t_days"], 4): row for row in r["timeline"]}


def _fidler(p: Params) -> tuple[float, float]:
    from sim_core.science.experiments import inject_experiment

    sc = load_scenario("b16")
    sc.params = p
    r = inject_experiment(sc, "vein:ivc->heart:right", MOUSE_CELLS, 14, seed=MOUSE_SEED, times=(1.0, 14.0))
    d1, d14 = r["timeline"][0], r["timeline"][-1]
    return d1["alive"], (d14["nodules"] / d14["labelled"] if d14["labelled"] > 0 else 0.0)


def _solve_log(f, target: float, x0: float, lo: float, hi: float, steps: int = 8) -> float:
    """x in [lo, hi] with f(x) ~ target for a monotone f, by secant steps in log x and log f."""
    xs, ys = [x0], [f(x0)]
    x1 = min(max(x0 * (1.3 if ys[0] < target else 1 / 1.3), lo), hi)
    xs.append(x1)
    ys.append(f(x1))
    for _ in range(steps):
        (xa, ya), (xb, yb) = (xs[-2], ys[-2]), (xs[-1], ys[-1])
        if ya <= 0 or yb <= 0 or abs(math.log(yb / target)) < 0.01:
            break
        slope = (math.log(yb) - math.log(ya)) / (math.log(xb) - math.log(xa)) if xb != xa else 0.0
        if slope == 0.0 or not math.isfinite(slope):
            break
        xn = math.exp(math.log(xb) + (math.log(target) - math.log(yb)) / slope)
        xn = min(max(xn, lo), hi)
        xs.append(xn)
        ys.append(f(xn))
    best = min(range(len(xs)), key=lambda i: abs(math.log(max(ys[i], 1e-12) / target)))
    return xs[best]


def fit_mouse(progress=None) -> tuple[dict[str, float], float]:
    """The shared fate and lesion rates from Luzzi 1998 and Fidler 1970 (in B16 mice), and the B16
    lung soil (Fidler's metastases per surviving cell). Returns (shared values, B16 lung soil).

    Long: one sweep of six one-parameter fits, run twice, each solved against the values the fits
    before it just set, so their order is the method; ruff spreads each ``_solve_log`` call over
    several lines."""
    say = progress or (lambda m: None)
    p = load_scenario("b16").params

    def with_(path, v):
        q = p.copy()
        q.set(path, _clip(path, v))
        return q

    def set_(path, v):
        p.set(path, _clip(path, v))
        say(f"{path} = {p[path]:.4g}")

    for _ in range(2):
        set_(
            "bed.kill_liver_per_h",
            _solve_log(
                lambda v: 1.0 - _luzzi(with_("bed.kill_liver_per_h", v))[3.0]["extravasated"],
                0.17,
                p["bed.kill_liver_per_h"],
                1e-4,
                1.0,
            ),
        )
        set_(
            "fate.proliferate",
            _solve_log(
                lambda v: _luzzi(with_("fate.proliferate", v))[3.0]["micrometastases"],
                0.025,
                p["fate.proliferate"],
                1e-3,
                0.9,
            ),
        )
        set_(
            "fate.dormant",
            _solve_log(
                lambda v: _luzzi(with_("fate.dormant", v))[13.0]["dormant"], 0.36, p["fate.dormant"], 0.05, 0.95
            ),
        )
        set_("fate.die", max(0.0, 1.0 - p["fate.proliferate"] - p["fate.dormant"]))
        set_(
            "micro.switch_per_doubling",
            _solve_log(
                lambda v: _luzzi(with_("micro.switch_per_doubling", v))[13.0]["macrometastases"],
                2.5e-4,
                p["micro.switch_per_doubling"],
                1e-5,
                0.5,
            ),
        )
        set_(
            "bed.kill_lung_per_h",
            _solve_log(
                lambda v: 1.0 / max(_fidler(with_("bed.kill_lung_per_h", v))[0], 1e-9),
                100.0,
                p["bed.kill_lung_per_h"],
                0.05,
                20.0,
            ),
        )
        set_("soil.lung", _solve_log(lambda v: _fidler(with_("soil.lung", v))[1], 78 / 400, p["soil.lung"], 0.1, 1e3))
    shared = {
        k: p[k]
        for k in (
            "bed.kill_liver_per_h",
            "fate.proliferate",
            "fate.dormant",
            "fate.die",
            "micro.switch_per_doubling",
            "bed.kill_lung_per_h",
        )
    }
    return shared, p["soil.lung"]


# --- writing the fitted values ---------------------------------------------------------------------
def held_out_affinities(p: Params) -> Params:
    """Set every named affinity of ``p`` to 1: a primary left out of the fit has no affinities of
    its own (only those of its groups, as their other members showed them, set after this)."""
    for k in [k for k in p.as_dict() if k.startswith("affinity.")]:
        p.set(k, 1.0)
    return p


def write_fitted(
    shared: dict[str, float],
    stderr: dict[str, float],
    per_preset: dict[str, dict[str, float]],
    b16_lung: float | None = None,
    corrections: dict[str, np.ndarray] | None = None,
    left_out: tuple[dict, dict] | None = None,
) -> list[str]:
    """Rewrite ``fitted_values.py`` and the presets' fitted values (atomically); returns the files.

    Long: it gathers every file it rewrites for the one ``write_files_atomic`` call:
    ``fitted_values.py`` line by line in the order the module reads (``FITTED``, ``CORRECTIONS``,
    ``LEFT_OUT``, ``LEFT_OUT_DATA``), then the presets and B16's lung soil."""
    from pathlib import Path

    from sim_core.io.export import write_files_atomic
    from sim_core.model import fitted_values
    from sim_core.model.scenario import presets_dir

    values = dict(fitted_values.FITTED)
    for k, v in shared.items():
        values[k] = (float(f"{v:.4g}"), float(f"{stderr.get(k, values.get(k, (0, 0))[1]):.3g}"))
    head = fitted_values.__doc__.strip()
    lines = [f'"""{head}\n"""', "", "FITTED: dict[str, tuple[float, float]] = {"]
    lines += [f"    {k!r}: ({v[0]!r}, {v[1]!r})," for k, v in values.items()]
    lines.append("}")
    corr = corrections if corrections is not None else getattr(fitted_values, "CORRECTIONS", {})
    lines += [
        "",
        "#: log(simulated / expected) of each autopsy row's 13 shares and metastases per patient at",
        "#: these values (``calibration.simulated_corrections``), used by the fit and its refits.",
        "CORRECTIONS: dict[str, tuple[float, ...]] = {",
    ]
    lines += [f"    {n!r}: ({', '.join(f'{float(x):.4f}' for x in c)})," for n, c in corr.items()]
    lines.append("}")
    lo_values, lo_prints = (
        left_out
        if left_out is not None
        else (getattr(fitted_values, "LEFT_OUT", {}), getattr(fitted_values, "LEFT_OUT_DATA", {}))
    )
    lines += [
        "",
        "#: The values that predict each primary when its row is left out of the autopsy fit",
        "#: (``calibration.left_out_values``: refitted from a neutral start without the row), and the",
        "#: fingerprint of the data each refit saw (``calibration.data_fingerprint``).",
        "LEFT_OUT: dict[str, dict[str, float]] = {",
    ]
    for n, vals in lo_values.items():
        lines.append(f"    {n!r}: {{")
        lines += [f"        {k!r}: {float(f'{v:.4g}')!r}," for k, v in vals.items()]
        lines.append("    },")
    lines.append("}")
    lines.append("LEFT_OUT_DATA: dict[str, str] = {")
    lines += [f"    {n!r}: {h!r}," for n, h in lo_prints.items()]
    lines.append("}")
    files = {Path(fitted_values.__file__): ("\n".join(lines) + "\n").encode()}
    for name, vals in per_preset.items():
        path = presets_dir() / f"{name}.toml"
        sc = load_scenario(name)
        for k, v in vals.items():
            sc.params.set(k, float(f"{v:.4g}"))
        files[path] = sc.to_toml().encode()
    if b16_lung is not None:
        # the mouse preset pins its own organ values, so it is written line by line, not as the
        # differences from the (human) defaults
        path = presets_dir() / "b16.toml"
        text = path.read_text(encoding="utf-8")
        head, sep, tail = text.partition("[params.soil]")
        lines = [ln for ln in tail.splitlines() if ln.strip() and not ln.startswith("lung")]
        files[path] = (head + sep + "\n" + "\n".join(lines + [f"lung = {b16_lung:.4g}"]) + "\n").encode()
    write_files_atomic(files, "calibrate --write")
    return [str(p) for p in files]
