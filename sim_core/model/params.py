"""Every model parameter, once: value, unit, range, slider step, basis and the source of its default.

Sliders, ``seedsoil-sim params``, scenario validation and ``sim_core/README.md`` are all generated
from ``SPECS``. A source names its references by key in square brackets (``[coumans2013]``), each
of which resolves in ``references.py``. ``basis`` says where a default comes from:

- ``measured``: a published figure, used as read;
- ``derived``: arithmetic on published figures (the arithmetic is in the doc);
- ``fitted``: calibrated through the model against the named target (``seedsoil-sim calibrate``
  for the shared soils and routing values, which live in ``fitted_values.py``; per-primary fitted
  values live in the preset files);
- ``assumption``: no source gives it; a plausible value with a range to explore;
- ``control``: a treatment, an experiment or a switch, not a property of the body.

``RULES`` lists the model's rules and says which are mechanism (the behaviour follows from the
biology the rule states) and which are phenomenology (a curve that reproduces an observation
without saying why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim_core.model.body_graph import SOIL_KEYS
from sim_core.model.errors import InputError
from sim_core.model.fitted_values import FITTED


@dataclass(frozen=True)
class ParamSpec:
    path: str  # dotted path, as used in scenario files and sweeps
    default: float
    lo: float
    hi: float
    unit: str
    source: str
    doc: str
    log: bool = False  # a slider for this parameter should be logarithmic
    label: str = ""  # short label for sliders
    basis: str = "assumption"

    @property
    def title(self) -> str:
        return self.label or self.path.split(".")[-1].replace("_", " ")

    @property
    def stderr(self) -> float:
        """Standard error of a fitted shared value (of its log for factors), 0 if none."""
        return FITTED.get(self.path, (0.0, 0.0))[1]


BASES = ("measured", "derived", "fitted", "assumption", "control")
_S: list[ParamSpec] = []


def _p(path, default, lo, hi, unit, basis, source, doc, log=False, label=""):
    if basis not in BASES:
        raise ValueError(basis)
    if path in FITTED:
        default = FITTED[path][0]
    _S.append(ParamSpec(path, float(default), float(lo), float(hi), unit, source, doc, log, label, basis))


def _control(path, doc, label, default=1.0, hi=10.0):
    """A control slider (x): a multiplier of a group of model rates (1 by default, 0 to 10), or a
    treatment's strength (0 = off to 1 = standard dose)."""
    _p(path, default, 0.0, hi, "x", "control", "slider", doc, label=label)


# --- the primary tumour -------------------------------------------------------------------------
_p(
    "primary.initial_cells",
    1e6,
    1e3,
    1e11,
    "cells",
    "derived",
    "[coumans2013] 2.7 mm, below which removal keeps the 5-year risk near 1 %; [delmonte2009] 1e8 cells/cm3",
    "Cells in the primary when a run starts: 1e6 is a 2.7-mm tumour, small enough that hardly any "
    "spread has happened yet.",
    log=True,
)
_p(
    "primary.doubling_days",
    51.0,
    0.5,
    1000.0,
    "days",
    "measured",
    "[coumans2013] 1.7 months (breast)",
    "Volume doubling time of the tumour type while small; metastases grow at the primary's pace. "
    "Every rate of a lesion's life is counted per doubling of its type, so a mouse tumour that "
    "doubles in a day lives the same life as a human one fifty times faster.",
    log=True,
    label="doubling time",
)
_p(
    "primary.doubling_ref_cells",
    1e8,
    1e2,
    1e11,
    "cells",
    "measured",
    "[coumans2013] [peer1993] clinical doubling times are measured on tumours of about 1 cm",
    "Size at which a vascularised tumour doubles in the doubling time (Gompertz growth is faster "
    "below it and slower above).",
    log=True,
)
_p(
    "primary.max_cells",
    1e11,
    1e8,
    1e13,
    "cells",
    "derived",
    "[coumans2013] 1e12 cells ~ 1 kg at 1e9/g; 1 kg at 1e8/g",
    "Gompertz plateau of any one vascularised tumour.",
    log=True,
)
_p(
    "primary.cells_per_g",
    1e8,
    1e8,
    1e9,
    "cells/g",
    "measured",
    "[delmonte2009]",
    "Cell density of tumour tissue (about 1 g per cm3); converts cells to grams and millimetres.",
    log=True,
)
_p(
    "primary.doubling_cv",
    0.5,
    0.0,
    1.5,
    "1",
    "measured",
    "[coumans2013] 1.7 +/- 0.9 months",
    "Patient-to-patient coefficient of variation of the doubling time (virtual cohorts).",
)

# --- the patient -------------------------------------------------------------------------------
_p(
    "patient.lethal_cells",
    1e12,
    1e9,
    1e13,
    "cells",
    "measured",
    "[coumans2013] N_max 1e12 cells",
    "Total tumour burden (primary and metastases) at which the patient dies: a cohort patient is "
    "examined then, and a run notes the day.",
    log=True,
)

# --- shedding -----------------------------------------------------------------------------------
_p(
    "shedding.rate_per_g_day",
    3.5e6,
    1e2,
    1e8,
    "cells/g/day",
    "fitted",
    "[butler1975] 3.5e6 in the rat (the default); human presets: fitted to metastases per patient [disibio2008]",
    "Cells a gram of tumour sheds into its drainage each day at the reference size (1e8 cells, about "
    "1 g; see shedding.size_exponent for other sizes).",
    log=True,
    label="shedding",
)
_p(
    "shedding.size_exponent",
    0.663,
    0.3,
    1.0,
    "1",
    "measured",
    "[iwata2000] colonisation rate m x^alpha with alpha = 0.663, the fractal dimension of the vessels "
    "infiltrating a tumour (fitted to the metastases of one hepatocellular carcinoma)",
    "A tumour sheds through its blood vessels, whose extent grows more slowly than its mass: a "
    "tumour of N cells sheds rate x (N / reference size)^exponent grams' worth a day. 1 would make "
    "every gram shed alike; below 1 a small tumour sheds more per gram than a large one.",
)
_p(
    "shedding.patient_sd",
    1.0,
    0.0,
    2.0,
    "log units",
    "fitted",
    "fitted to all rows of [disibio2008]: some tumours shed far more than others of the same type",
    "Patient-to-patient standard deviation of the log of the shedding rate (virtual cohorts; the factor has mean 1).",
)
_p(
    "shedding.viable_fraction",
    7e-5,
    1e-8,
    1.0,
    "1",
    "derived",
    "[coumans2013] 1 metastasis per 6e7 shed cells, against [luzzi1998] 2.5e-4 per arrested cell: the gap, ~7e-5",
    "Shed cells still able to survive once detached; the rest die of anoikis within minutes.",
    log=True,
    label="viable when shed",
)
_p(
    "shedding.lymph_fraction",
    0.3,
    0.0,
    1.0,
    "1",
    "fitted",
    "per preset, fitted to its regional-node share [disibio2008]; carcinomas and melanoma spread by lymph "
    "first, sarcomas and renal carcinomas by blood [fong1993]",
    "Share of shed cells that enter lymphatics rather than veins.",
)
_p(
    "shedding.cluster_fraction",
    0.03,
    0.0,
    0.5,
    "1",
    "assumption",
    "[aceto2014] clusters are a few % of CTC events",
    "Share of viable shed cells that leave as multicellular clusters rather than singly.",
)
_p(
    "shedding.cluster_cells",
    5.0,
    2.0,
    50.0,
    "cells",
    "assumption",
    "[aceto2014]",
    "Mean cells per circulating tumour-cell cluster.",
    label="cluster size",
)
_p(
    "shedding.from_metastases",
    0.0,
    0.0,
    20.0,
    "x",
    "fitted",
    "fitted to all rows of [disibio2008]; the route: metastases seed further metastases, lung and liver "
    "ones most [bross1975] [gundem2015]; the range, up to 20 times the primary's rate per gram, is an "
    "assumption (no measurement bounds it)",
    "Vascularised metastases shed like the primary, times this factor (per gram: a metastasis grows "
    "inside a capillary bed, and its cells are those that already spread once).",
)

# --- attrition in transit -----------------------------------------------------------------------
_control(
    "transit.attrition",
    "Multiplies every death hazard of cells in vessels and of arrested cells in capillaries.",
    label="attrition",
)
_p(
    "transit.anoikis_per_h",
    0.3,
    0.0,
    20.0,
    "1/h",
    "assumption",
    "[koop1995] little death in circulation",
    "Death by detachment (anoikis) of a single viable cell in blood or lymph.",
)
_p(
    "transit.nonviable_death_per_h",
    60.0,
    1.0,
    3600.0,
    "1/h",
    "assumption",
    "anoikis within minutes of detachment [coumans2013]",
    "Death of shed cells that were not viable: they are gone within minutes, mostly before the first capillary bed.",
    log=True,
)
for _path, _doc in (
    ("transit.shear_per_h", "Death by shear and deformation of a single cell in blood."),
    ("transit.immune_per_h", "Death by immune attack (NK cells) of a single cell in blood or lymph."),
):
    _p(_path, 0.2, 0.0, 20.0, "1/h", "assumption", "[koop1995] little death in circulation", _doc)
del _path, _doc
_p(
    "transit.cluster_protection",
    0.2,
    0.0,
    1.0,
    "x",
    "assumption",
    "[aceto2014]",
    "Multiplies anoikis and immune hazards of cells travelling in a cluster.",
)

# --- arrest in capillary beds and nodes ------------------------------------------------------------
_p(
    "arrest.lung",
    0.92,
    0.0,
    1.0,
    "1",
    "fitted",
    "fitted to all rows of [disibio2008] with a weak anchor at [butler1975]'s 1 - 1/12 (the rows "
    "trade it against the lung soil)",
    "Chance a cell arrests in the lung capillaries on one pass.",
)
_p(
    "arrest.liver",
    0.87,
    0.0,
    1.0,
    "1",
    "measured",
    "[luzzi1998] 90 min",
    "Chance a cell arrests in the liver sinusoids on one pass.",
)
_p(
    "arrest.bed",
    0.90,
    0.0,
    1.0,
    "1",
    "assumption",
    "[chambers2002] first capillary bed met",
    "Chance a cell arrests in any other capillary bed on one pass.",
)
_p(
    "arrest.node",
    0.7,
    0.02,
    0.999,
    "1",
    "fitted",
    "fitted to the regional/distant node split of [disibio2008]",
    "Chance a lymph-borne cell is held in a lymph-node basin on one pass.",
)
_p(
    "routing.plexus_share",
    0.1,
    0.0,
    0.9,
    "1",
    "fitted",
    "[batson1940] the route; its share fitted to [disibio2008] (bone in pelvic primaries)",
    "Share of a pelvic primary's venous blood that enters the vertebral venous plexus (prostate, "
    "rectum, uterus, cervix).",
)
_p(
    "routing.duct_node_share",
    0.2,
    0.0,
    0.9,
    "1",
    "fitted",
    "[troisier1889] the route (abdominal cancers in the left supraclavicular node); its share fitted to "
    "[disibio2008] (distant nodes of abdominal and pelvic primaries)",
    "Share of the thoracic duct's lymph that passes the left supraclavicular (Virchow's) nodes before "
    "it reaches the venous angle; the rest enters the vein directly.",
)

# --- arrested cells: intravascular death or extravasation -------------------------------------------
_p(
    "bed.kill_lung_per_h",
    1.5,
    0.0,
    20.0,
    "1/h",
    "fitted",
    "[fidler1970] ~1 % alive at 24 h (mouse; kept for humans)",
    "Death of cells arrested in lung capillaries (mechanical trauma, NK cells).",
)
_p(
    "bed.kill_liver_per_h",
    0.002,
    0.0,
    20.0,
    "1/h",
    "fitted",
    "[luzzi1998] 83 % extravasated by day 3 (mouse)",
    "Death of cells arrested in liver sinusoids.",
)
_p(
    "bed.kill_per_h",
    0.096,
    0.0,
    20.0,
    "1/h",
    "derived",
    "geometric middle of [koop1995] and [fidler1970]: 10 % alive at 24 h",
    "Death of cells arrested in other capillary beds.",
)
_p(
    "bed.kill_node_per_h",
    0.02,
    0.0,
    20.0,
    "1/h",
    "assumption",
    "none found",
    "Death of cells held in a lymph node before they settle.",
)
_p(
    "bed.extravasation_per_h",
    0.06,
    0.001,
    5.0,
    "1/h",
    "measured",
    "[koop1995] > 80 % out by 24 h",
    "Rate at which an arrested cell crosses the vessel wall into tissue.",
)
_p(
    "bed.extravasation_lung_per_h",
    0.02,
    0.001,
    5.0,
    "1/h",
    "fitted",
    "[fidler1970] (mouse)",
    "Extravasation rate in the lungs.",
)

# --- fate after extravasation (Luzzi weights) ----------------------------------------------------
_p(
    "fate.proliferate",
    0.075,
    0.0,
    1.0,
    "weight",
    "fitted",
    "[luzzi1998] 1 in 40 micrometastases at day 3",
    "Weight of 'start dividing' among the fates of an extravasated cell (times the organ's soil).",
)
_p(
    "fate.dormant",
    0.42,
    0.0,
    1.0,
    "weight",
    "derived",
    "[luzzi1998] 36 % solitary at day 13, of 83 % extravasated",
    "Weight of 'stay dormant' among the fates of an extravasated cell.",
)
_p(
    "fate.die",
    0.505,
    0.0,
    1.0,
    "weight",
    "derived",
    "[luzzi1998] what the other two leave",
    "Weight of 'die' among the fates of an extravasated cell.",
)
_p(
    "fate.death_per_day",
    0.3,
    0.0,
    10.0,
    "1/day",
    "derived",
    "[luzzi1998] deaths spread over days 3-13",
    "Death rate of extravasated cells that are doomed.",
)

# --- dormancy -----------------------------------------------------------------------------------
_control(
    "dormancy.entry",
    "Multiplies the dormant weight: more or fewer extravasated cells fall asleep.",
    label="dormancy",
)
_p(
    "dormancy.wake_per_year",
    1.5e-3,
    0.0,
    1.0,
    "1/year",
    "assumption",
    "[meng2004] dormant disease lasts decades; [pan2017] a steady late hazard; no per-cell rate is published",
    "Rate at which a solitary dormant cell re-awakens and starts a micrometastasis.",
    log=True,
    label="re-awakening",
)

# --- micrometastases and the angiogenic switch ----------------------------------------------------
_p(
    "micro.cap_cells",
    1e5,
    1e2,
    1e7,
    "cells",
    "measured",
    "[folkman2000] 0.2-2 mm; [holmgren1995]",
    "Balanced size of an avascular micrometastasis: there proliferation equals death, and it waits "
    "(angiogenic dormancy) until it switches on new vessels.",
    log=True,
)
_p(
    "micro.regress_per_doubling",
    0.4,
    0.0,
    5.0,
    "1/doubling",
    "fitted",
    "[luzzi1998] most micrometastases gone by day 13 (B16 doubles in a day [b16growth])",
    "Hazard that a growing micrometastasis dies out, per doubling of its size (none once balanced).",
)
_p(
    "micro.regress_until_cells",
    1e3,
    1.0,
    1e7,
    "cells",
    "assumption",
    "[luzzi1998] regression seen over days 3-13, about ten doublings of B16 [b16growth]; beyond that "
    "an established colony rarely dies out [kendall1948]; late relapse needs lasting micrometastases [willis2010]",
    "Size up to which a growing micrometastasis faces its full regression hazard; beyond it the "
    "hazard per doubling falls as this size over the colony's.",
    log=True,
)
_p(
    "micro.switch_per_doubling",
    0.004,
    0.0,
    1.0,
    "1/doubling time",
    "fitted",
    "[luzzi1998] 1 in 100 micrometastases become macrometastases",
    "Hazard of the angiogenic switch per doubling time of the tumour type, times the organ's soil.",
    log=True,
)

# --- treatments and host -------------------------------------------------------------------------
_control(
    "antiangio.strength",
    "Anti-angiogenic treatment dose, 0 = off, 1 = standard dose.",
    label="anti-angiogenesis",
    default=0.0,
    hi=1.0,
)
_p(
    "antiangio.hazard_ratio",
    0.57,
    0.05,
    1.0,
    "x",
    "measured",
    "[hurwitz2004] HR 0.54, [miller2007] HR 0.60",
    "At full dose, the switch hazard and the growth of drug-sensitive vascular cells are multiplied by this.",
)
_p(
    "antiangio.start_day",
    0.0,
    0.0,
    36500.0,
    "days",
    "control",
    "slider",
    "Day treatment starts (counted from the start of the run).",
)
_p(
    "antiangio.stop_day",
    36500.0,
    0.0,
    36500.0,
    "days",
    "control",
    "slider",
    "Day treatment stops; held micrometastases may then switch and grow.",
)
_p(
    "antiangio.resistance_months",
    11.0,
    0.5,
    120.0,
    "months",
    "measured",
    "[hurwitz2004] [miller2007] progression-free 10.6-11.8 months on treatment; [bergers2008] adaptation",
    "Months of full-dose treatment after which drug-adapted cells make up half of a treated tumour; "
    "sets how often sensitive divisions give rise to adapted cells.",
    label="resistance",
)
_p(
    "chemo.lung_factor",
    1.0,
    1.0,
    100.0,
    "x",
    "control",
    "[carmel1977] up to 100x; lung only [vollmer1984]",
    "Chemotherapy pre-treatment: lung arrest is more likely and early lung death this many times slower.",
    log=True,
    label="chemo pre-treatment",
)
_control(
    "suppressor.strength",
    "Metastasis suppressor: cuts the chance an extravasated cell starts to divide; primary growth unchanged.",
    label="suppressor",
    default=0.0,
    hi=1.0,
)
_p(
    "immune.surveillance",
    1.0,
    0.0,
    5.0,
    "x",
    "control",
    "slider",
    "Multiplies immune killing in blood, lymph and nodes.",
    label="immune surveillance",
)

# --- body cavities ------------------------------------------------------------------------------
_p(
    "cavity.exposure",
    0.0,
    0.0,
    1.0,
    "1",
    "assumption",
    "per preset, judged from the primary's serosal covering in textbook anatomy (sim_core/README.md, "
    "'Cavity exposure'); not fitted",
    "Share of the cells a primary sheds that leave from its surface facing a body cavity (stomach 1: "
    "wholly intraperitoneal; rectum 0.25: covered only above; breast 0: outside the pleura).",
)
_p(
    "cavity.covered",
    1.0,
    0.0,
    1.0,
    "1",
    "assumption",
    "anatomy: 0 only for the ovary, whose surface lies bare in the peritoneal cavity",
    "Share of that surface under a serosa the cells must cross (1); 0 where they fall straight into the cavity.",
)
_p(
    "cavity.breach",
    0.5,
    0.0,
    1.0,
    "1",
    "fitted",
    "one value for every primary, fitted to the cavity-lining shares of [disibio2008]",
    "Chance that a cell shed from a serosa-covered surface crosses it into the cavity rather than "
    "entering the primary's vessels.",
)
_p(
    "cavity.implant_per_day",
    0.1,
    0.0,
    10.0,
    "1/day",
    "assumption",
    "none found",
    "Rate at which a floating cell attaches to the cavity lining.",
)
_p(
    "cavity.death_per_day",
    1.0,
    0.0,
    10.0,
    "1/day",
    "assumption",
    "anoikis in ascites; none measured",
    "Death rate of cells floating in a body cavity.",
)
_p(
    "cavity.omentum_share",
    0.3,
    0.0,
    1.0,
    "1",
    "fitted",
    "fitted to the 'other' column of [disibio2008] (omentum, diaphragm)",
    "Share of cells implanting from the peritoneal cavity that land on the omentum and serosal surfaces "
    "rather than the parietal peritoneum.",
)

# --- surgery ------------------------------------------------------------------------------------
_p(
    "surgery.at_mm",
    0.0,
    0.0,
    200.0,
    "mm",
    "control",
    "[coumans2013] breast T1 is up to 20 mm",
    "Remove the primary when its diameter reaches this (0 = never).",
    label="remove primary at",
)
_p("surgery.at_day", 0.0, 0.0, 36500.0, "days", "control", "control", "Remove the primary on this day (0 = never).")
_p(
    "surgery.wake_factor",
    1.0,
    1.0,
    100.0,
    "x",
    "assumption",
    "[demicheli2004] hypothesis that surgery wakes dormant disease (off by default)",
    "For 'surgery.boost_months' after surgery, dormant cells wake and micrometastases switch this many times faster.",
)
_p(
    "surgery.boost_months",
    6.0,
    0.0,
    60.0,
    "months",
    "assumption",
    "[demicheli2004]",
    "How long the wake-up after surgery lasts (with surgery.wake_factor > 1).",
)

# --- what an observer can see ---------------------------------------------------------------------
_p(
    "detect.autopsy_mm",
    3.0,
    0.2,
    20.0,
    "mm",
    "assumption",
    "[ajcc] macrometastasis > 2 mm; a few mm seen by eye",
    "Smallest organ metastasis a pathologist finds at autopsy (gross examination).",
)
_p(
    "detect.node_mm",
    2.0,
    0.2,
    20.0,
    "mm",
    "measured",
    "[ajcc] a node is positive from 2 mm on a routine section",
    "Smallest lymph-node metastasis counted at autopsy (nodes are sectioned).",
)
_p(
    "detect.surgical_node_mm",
    0.2,
    0.01,
    5.0,
    "mm",
    "measured",
    "[ajcc] node micrometastasis from 0.2 mm; [strang_t1] 24-27 % of T1 breast cancers node-positive",
    "Smallest deposit that makes a lymph node positive when it is examined at surgery.",
)
_p(
    "detect.clinical_mm",
    10.0,
    1.0,
    50.0,
    "mm",
    "measured",
    "[eisenhauer2009] measurable on CT from 10 mm",
    "Smallest distant metastasis found in a patient (relapse after surgery).",
)

# --- soil: Paget's seed and soil ----------------------------------------------------------------------
_p(
    "soil.weight",
    1.0,
    0.0,
    1.0,
    "1",
    "control",
    "0 = anatomy only [fontclos2020]",
    "Every soil and affinity is raised to this power: 1 = seed and soil, 0 = blood and lymph flow alone.",
    label="soil matters",
)
for _key in SOIL_KEYS:
    _p(
        f"soil.{_key}",
        1.0,
        1e-4,
        1e4,
        "x",
        "fitted",
        "fitted to all rows of [disibio2008], shared by every primary",
        f"Hospitality of {_key.replace('_', ' ')} tissue for any cancer: multiplies the chance an "
        "extravasated cell there starts to divide and its micrometastasis' switch hazard.",
        log=True,
    )
for _key in SOIL_KEYS:
    _p(
        f"affinity.{_key}",
        1.0,
        1e-3,
        1e3,
        "x",
        "fitted",
        "1, or a named seed-organ affinity of a preset (see its file)",
        f"This cancer's extra liking for {_key.replace('_', ' ')} tissue, on top of the shared soil.",
        log=True,
    )

SPECS: tuple[ParamSpec, ...] = tuple(_S)
BY_PATH: dict[str, ParamSpec] = {s.path: s for s in SPECS}
SLIDERS: tuple[str, ...] = (
    "transit.attrition",
    "dormancy.entry",
    "dormancy.wake_per_year",
    "antiangio.strength",
    "antiangio.resistance_months",
    "chemo.lung_factor",
    "suppressor.strength",
    "immune.surveillance",
    "shedding.rate_per_g_day",
    "shedding.cluster_fraction",
    "soil.weight",
)

#: Parameters of earlier versions, with what replaced them (a scenario naming one gets this hint).
REMOVED: dict[str, str] = {
    "soil.lymph_regional": "regional and distant nodes now share 'soil.node'",
    "soil.lymph_distant": "regional and distant nodes now share 'soil.node'",
    "micro.regress_per_day": "now 'micro.regress_per_doubling' (per doubling of the tumour type)",
    "micro.switch_per_day": "now 'micro.switch_per_doubling' (per doubling time of the tumour type)",
    "shedding.cavity_fraction": "now 'cavity.exposure' (the primary's anatomy) times the shared 'cavity.breach'",
}

#: The model's rules: (rule, mechanism or phenomenology, why).
RULES: tuple[tuple[str, str, str], ...] = (
    (
        "transport along the body graph",
        "mechanism",
        "cells go where the blood and lymph take them; first-pass organs follow from anatomy",
    ),
    ("arrest in the first capillary bed", "mechanism", "cells are larger than capillaries [chambers2002]"),
    (
        "death in transit and in capillaries (constant hazards)",
        "phenomenology",
        "constant rates reproduce the measured survival fractions, not the cause of each death",
    ),
    (
        "fate weights of an extravasated cell, times the soil",
        "phenomenology",
        "weights reproduce Luzzi's counts; the soil factor is Paget's idea made a number",
    ),
    (
        "avascular growth stops at a balanced size",
        "mechanism",
        "without vessels proliferation comes to equal death [holmgren1995] [folkman2000]",
    ),
    (
        "regression per doubling of a growing micrometastasis",
        "phenomenology",
        "reproduces Luzzi's loss of micrometastases; the cause (immune, failure to settle) is not modelled",
    ),
    (
        "regression fades once a colony is established (past micro.regress_until_cells)",
        "mechanism",
        "a colony dies out while it is small, as a branching process does; Luzzi saw regression only over "
        "the first ten or so doublings, so the hazard is not carried on through the 17 a human colony needs "
        "to reach its balanced size",
    ),
    (
        "angiogenic switch at a hazard per doubling time",
        "phenomenology",
        "a constant hazard; what triggers the switch is not modelled",
    ),
    (
        "anti-angiogenic treatment holds micrometastases and slows sensitive cells",
        "mechanism",
        "stopping treatment lets held lesions switch; tumours escape by the outgrowth of drug-adapted cells "
        "[bergers2008], not by a timer",
    ),
    ("Gompertz growth of vascularised tumours", "phenomenology", "a curve that fits tumour growth"),
    ("metastases seed metastases", "mechanism", "vascularised lesions shed like the primary"),
    (
        "cavity share = exposed surface x chance of crossing its serosa",
        "mechanism",
        "only the surface facing a cavity can shed into it, and a serosa must be crossed first (the bare "
        "ovary needs no crossing); the exposures are read from anatomy, one breach value serves all",
    ),
    (
        "shedding grows as mass to the power 0.663",
        "phenomenology",
        "a power law read from one patient's metastases [iwata2000]; that vessels, not mass, set shedding "
        "is the mechanism it stands for",
    ),
    ("detection thresholds", "mechanism", "a lesion counts when it is large enough for the observer"),
)


def check_value(path: str, value, source: str = "<params>") -> float:
    """Validate one value against its spec; raise ``InputError`` naming the field otherwise."""
    spec = BY_PATH.get(path)
    if spec is None:
        if path in REMOVED:
            raise InputError(source, path, f"no longer a parameter: {REMOVED[path]}")
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

    def copy(self) -> Params:
        p = Params.__new__(Params)
        p._v = dict(self._v)
        return p

    def as_dict(self) -> dict[str, float]:
        return dict(self._v)

    def differences(self) -> dict[str, float]:
        """Only the values that differ from the defaults (what a scenario file stores)."""
        return {k: v for k, v in self._v.items() if v != BY_PATH[k].default}
