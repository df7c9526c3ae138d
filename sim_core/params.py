"""Every model parameter, once: value, unit, range, slider step and the source of its default.

Sliders, ``seedsoil-sim params``, scenario validation and ``sim_core/README.md`` are all generated
from ``SPECS``. Source tags such as "science 1.7" point at rows of ``shared/science.md``; "fit" marks
values calibrated through the model against a validation target (the target is named).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .body_graph import CATEGORIES
from .errors import InputError


@dataclass(frozen=True)
class ParamSpec:
    path: str        # dotted path, as used in scenario files and sweeps
    default: float
    lo: float
    hi: float
    unit: str
    source: str
    doc: str
    log: bool = False    # a slider for this parameter should be logarithmic
    label: str = ""      # short label for sliders

    @property
    def title(self) -> str:
        return self.label or self.path.split(".")[-1].replace("_", " ")


_S: list[ParamSpec] = []


def _p(path, default, lo, hi, unit, source, doc, log=False, label=""):
    _S.append(ParamSpec(path, float(default), float(lo), float(hi), unit, source, doc, log, label))


# --- the primary tumour -------------------------------------------------------------------------
_p("primary.initial_cells", 1e8, 1e3, 1e11, "cells", "science 9.1, 7.7",
   "Cells in the primary when a patient run starts (1e8 = about 1 g, a 1-cm tumour at 1e8 cells/g).", log=True)
_p("primary.doubling_days", 51.0, 5.0, 400.0, "days", "science 7.5 (Coumans 2013: 1.7 months)",
   "Volume doubling time of vascularised tumour (primary and macrometastases) while small.", log=True,
   label="doubling time")
_p("primary.max_cells", 1e11, 1e8, 1e13, "cells", "science 9.2 (1 kg at 1e8 cells/g)",
   "Gompertz plateau of any one vascularised tumour.", log=True)
_p("primary.cells_per_g", 1e8, 1e8, 1e9, "cells/g", "science 9.1 (Del Monte 2009)",
   "Cell density of carcinoma tissue; converts cells to grams for shedding.", log=True)
_p("primary.doubling_cv", 0.5, 0.0, 1.5, "1", "science 7.5 (1.7 +/- 0.9 months)",
   "Patient-to-patient coefficient of variation of the doubling time (virtual cohorts).")

# --- shedding -----------------------------------------------------------------------------------
_p("shedding.rate_per_g_day", 3.5e6, 1e3, 1e8, "cells/g/day", "science 2.1 (Butler & Gullino 1975, rat)",
   "Cells a gram of tumour sheds into its drainage each day.", log=True, label="shedding")
_p("shedding.viable_fraction", 7e-5, 1e-8, 1.0, "1", "science A / 1.13 (Coumans 2013 gap, ~7e-5)",
   "Shed cells still able to survive once detached; the rest die of anoikis within minutes.", log=True,
   label="viable when shed")
_p("shedding.lymph_fraction", 0.3, 0.0, 1.0, "1", "assumption (science 6: carcinomas spread by lymph first)",
   "Share of shed cells that enter lymphatics rather than veins.")
_p("shedding.cavity_fraction", 0.0, 0.0, 1.0, "1", "assumption (science 6, transcoelomic route)",
   "Share of shed cells that fall into a body cavity (ovary, stomach: peritoneum).")
_p("shedding.cluster_fraction", 0.03, 0.0, 0.5, "1", "assumption (Aceto 2014, science 2.6: clusters are a few % of CTC events)",
   "Share of viable shed cells that leave as multicellular clusters rather than singly.")
_p("shedding.cluster_cells", 5.0, 2.0, 50.0, "cells", "assumption (science 2.6-2.7)",
   "Mean cells per circulating tumour-cell cluster.", label="cluster size")
_p("shedding.from_metastases", 0.0, 0.0, 1.0, "1", "assumption (DESIGN: optional seeding from metastases)",
   "Macrometastases shed like the primary, times this factor (0 = off).")

# --- attrition in transit -----------------------------------------------------------------------
_p("transit.attrition", 1.0, 0.0, 10.0, "x", "slider (science C)",
   "Multiplies every death hazard of cells in vessels and of arrested cells in capillaries.",
   label="attrition")
_p("transit.anoikis_per_h", 0.3, 0.0, 20.0, "1/h", "science 1.6 (Koop 1995: little death in circulation)",
   "Death by detachment (anoikis) of a single cell in blood or lymph.")
_p("transit.nonviable_death_per_h", 60.0, 1.0, 3600.0, "1/h", "assumption (anoikis within minutes of detachment)",
   "Death of shed cells that were not viable: they are gone within minutes, mostly before the first capillary bed.",
   log=True)
_p("transit.shear_per_h", 0.2, 0.0, 20.0, "1/h", "science 1.6, 1.11",
   "Death by shear and deformation of a single cell in blood.")
_p("transit.immune_per_h", 0.2, 0.0, 20.0, "1/h", "science 1.6 (assumption within 'virtually no destruction')",
   "Death by immune attack (NK cells) of a single cell in blood or lymph.")
_p("transit.cluster_protection", 0.2, 0.0, 1.0, "x", "assumption (Aceto 2014, science 2.6)",
   "Multiplies anoikis and immune hazards of cells travelling in a cluster.")

# --- arrest in capillary beds and nodes ------------------------------------------------------------
_p("arrest.lung", 0.92, 0.0, 1.0, "1", "science 3.3 (1 - 1/12, Butler & Gullino 1975)",
   "Chance a cell arrests in the lung capillaries on one pass.")
_p("arrest.liver", 0.87, 0.0, 1.0, "1", "science 1.1 (Luzzi 1998, 90 min)",
   "Chance a cell arrests in the liver sinusoids on one pass.")
_p("arrest.bed", 0.90, 0.0, 1.0, "1", "science 1.10 (first capillary bed met; assumption)",
   "Chance a cell arrests in any other capillary bed on one pass.")
_p("arrest.node", 0.70, 0.0, 1.0, "1", "assumption (science H: not found)",
   "Chance a lymph-borne cell is held in a lymph-node basin on one pass.")

# --- arrested cells: intravascular death or extravasation -------------------------------------------
_p("bed.kill_lung_per_h", 1.5, 0.0, 20.0, "1/h", "fit: Fidler 1970 (science 1.7, ~1 % alive at 24 h)",
   "Death of cells arrested in lung capillaries (mechanical trauma, NK cells).")
_p("bed.kill_liver_per_h", 0.002, 0.0, 20.0, "1/h", "fit: Luzzi 1998 (science 1.2, 83 % extravasated by day 3)",
   "Death of cells arrested in liver sinusoids.")
_p("bed.kill_per_h", 0.096, 0.0, 20.0, "1/h", "science C (geometric middle, 10 % alive at 24 h)",
   "Death of cells arrested in other capillary beds.")
_p("bed.kill_node_per_h", 0.02, 0.0, 20.0, "1/h", "assumption",
   "Death of cells held in a lymph node before they settle.")
_p("bed.extravasation_per_h", 0.06, 0.001, 5.0, "1/h", "science 1.6, C (>80 % out by 24 h; Luzzi 0.042)",
   "Rate at which an arrested cell crosses the vessel wall into tissue.")
_p("bed.extravasation_lung_per_h", 0.02, 0.001, 5.0, "1/h", "fit: Fidler 1970 (science 1.7)",
   "Extravasation rate in the lungs.")

# --- fate after extravasation (Luzzi weights) ----------------------------------------------------
_p("fate.proliferate", 0.075, 0.0, 1.0, "weight", "fit: Luzzi 1998 (science 1.3, 1 in 40 micrometastases at day 3)",
   "Weight of 'start dividing' among the fates of an extravasated cell (times the organ's soil).")
_p("fate.dormant", 0.42, 0.0, 1.0, "weight", "science C (Luzzi 1998: 36 % solitary at day 13)",
   "Weight of 'stay dormant' among the fates of an extravasated cell.")
_p("fate.die", 0.505, 0.0, 1.0, "weight", "science C (p_die = 1 - the others)",
   "Weight of 'die' among the fates of an extravasated cell.")
_p("fate.death_per_day", 0.3, 0.0, 10.0, "1/day", "science C (deaths spread over days 3-13)",
   "Death rate of extravasated cells that are doomed.")

# --- dormancy -----------------------------------------------------------------------------------
_p("dormancy.entry", 1.0, 0.0, 10.0, "x", "slider",
   "Multiplies the dormant weight: more or fewer extravasated cells fall asleep.", label="dormancy")
_p("dormancy.wake_per_year", 1.5e-3, 0.0, 1.0, "1/year", "science E (illustration: Pan 2017 hazard / D q)",
   "Rate at which a dormant cell re-awakens and starts a micrometastasis.", log=True, label="re-awakening")

# --- micrometastases and the angiogenic switch ----------------------------------------------------
_p("micro.regress_per_day", 0.4, 0.0, 5.0, "1/day", "science C (most micrometastases gone in ~10 days)",
   "Rate at which an avascular micrometastasis dies out.")
_p("micro.switch_per_day", 0.0016, 0.0, 1.0, "1/day", "fit: Luzzi 1998 (science 1.4, 1 in 100 micro -> macro)",
   "Rate of the angiogenic switch that lets a micrometastasis grow into a macrometastasis.", log=True)
_p("micro.cap_cells", 1e6, 1e4, 1e7, "cells", "science 7.1 (Folkman 2000: 0.2-2 mm, 1e5-1e6 cells)",
   "Largest avascular lesion: without new vessels it stops growing here.", log=True)

# --- treatments and host -------------------------------------------------------------------------
_p("antiangio.strength", 0.0, 0.0, 1.0, "x", "slider (science F)",
   "Anti-angiogenic treatment dose, 0 = off, 1 = standard dose.", label="anti-angiogenesis")
_p("antiangio.hazard_ratio", 0.57, 0.05, 1.0, "x", "science F, 7.13-7.14 (PFS HR 0.54-0.60)",
   "At full dose, switch rate and vascular growth rate are multiplied by this.")
_p("antiangio.start_day", 0.0, 0.0, 36500.0, "days", "slider",
   "Day treatment starts (counted from the start of the run).")
_p("antiangio.resistance_months", 11.0, 0.5, 120.0, "months", "science F, 7.17 (PFS 10.6-11.8 months)",
   "Mean time for tumours to learn to resist: the effect wanes as exp(-t / this).", label="resistance")
_p("chemo.lung_factor", 1.0, 1.0, 100.0, "x", "science G, 8.1-8.2 (cyclophosphamide, up to 100x, lung only)",
   "Chemotherapy pre-treatment: lung arrest is more likely and early lung death this many times slower.",
   log=True, label="chemo pre-treatment")
_p("suppressor.strength", 0.0, 0.0, 1.0, "x", "assumption (DESIGN: metastasis suppressor)",
   "Metastasis suppressor: cuts the chance an extravasated cell starts to divide; primary growth unchanged.",
   label="suppressor")
_p("immune.surveillance", 1.0, 0.0, 5.0, "x", "slider",
   "Multiplies immune killing in blood, lymph and nodes.", label="immune surveillance")

# --- body cavities ------------------------------------------------------------------------------
_p("cavity.implant_per_day", 0.1, 0.0, 10.0, "1/day", "assumption (science H: ovary, 73 % peritoneum)",
   "Rate at which a floating cell attaches to the cavity lining.")
_p("cavity.death_per_day", 1.0, 0.0, 10.0, "1/day", "assumption (anoikis in ascites)",
   "Death rate of cells floating in a body cavity.")

# --- soil: Paget's seed-and-soil multipliers per site -----------------------------------------------
for _cat in CATEGORIES:
    _p(f"soil.{_cat}", 1.0, 0.0, 1e4, "x", "science I (metastasis share / flow share), fitted per preset to science 5a",
       f"Multiplies the 'start dividing' weight and the angiogenic switch rate in {_cat.replace('_', ' ')} sites.",
       log=True)

SPECS: tuple[ParamSpec, ...] = tuple(_S)
BY_PATH: dict[str, ParamSpec] = {s.path: s for s in SPECS}
SLIDERS: tuple[str, ...] = ("transit.attrition", "dormancy.entry", "dormancy.wake_per_year",
                            "antiangio.strength", "antiangio.resistance_months", "chemo.lung_factor",
                            "suppressor.strength", "immune.surveillance", "shedding.rate_per_g_day",
                            "shedding.cluster_fraction")


def check_value(path: str, value, source: str = "<params>") -> float:
    """Validate one value against its spec; raise ``InputError`` naming the field otherwise."""
    spec = BY_PATH.get(path)
    if spec is None:
        raise InputError(source, path, "unknown parameter")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(source, path, f"expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(source, path, "must be a finite number")
    if not spec.lo <= v <= spec.hi:
        raise InputError(source, path, f"{v:g} is outside [{spec.lo:g}, {spec.hi:g}] {spec.unit}")
    return v


class Params:
    """A full set of parameter values (defaults overridden by a scenario and by sliders)."""

    __slots__ = ("_v",)

    def __init__(self, overrides: dict[str, float] | None = None, source: str = "<params>"):
        self._v = {s.path: s.default for s in SPECS}
        for k, v in (overrides or {}).items():
            self._v[k] = check_value(k, v, source)

    def __getitem__(self, path: str) -> float:
        return self._v[path]

    def set(self, path: str, value: float, source: str = "<params>") -> None:
        self._v[path] = check_value(path, value, source)

    def copy(self) -> "Params":
        p = Params()
        p._v = dict(self._v)
        return p

    def as_dict(self) -> dict[str, float]:
        return dict(self._v)

    def differences(self) -> dict[str, float]:
        """Only the values that differ from the defaults (what a scenario file stores)."""
        return {k: v for k, v in self._v.items() if v != BY_PATH[k].default}
