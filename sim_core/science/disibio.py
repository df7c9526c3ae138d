"""The autopsy table the soils are fitted to and checked against: DiSibio & French 2008.

3,827 autopsies (1914-1943), per primary: patients, metastases per patient and the % of patients
with a metastasis at each of 12 named sites, as transcribed by hand in the Font-Clos et al. 2020
project from the paper's figure ([disibio2008] in ``references.py``). "Other" (skin, heart,
thyroid, omentum, diaphragm, bowel wall, ...) is what the 12 named sites leave of the metastases,
each site counted once per patient as DiSibio counted them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_core.model.body_graph import CATEGORIES

#: The 12 named columns: the body graph's categories but the last ("other", the 13th column).
NAMED = CATEGORIES[:-1]


@dataclass(frozen=True)
class AutopsyRow:
    preset: str
    label: str
    patients: int
    mets_per_patient: float
    pct_patients: tuple[float, ...]  # the 12 named columns

    def shares(self) -> np.ndarray:
        """Share of all metastases at each of the 13 columns (the last is "other")."""
        named = np.array(self.pct_patients) / 100.0 / self.mets_per_patient
        return np.append(named, 1.0 - named.sum())

    @property
    def metastases(self) -> float:
        return self.patients * self.mets_per_patient


ROWS: dict[str, AutopsyRow] = {
    r.preset: r
    for r in (
        AutopsyRow("breast", "Breast", 432, 5.17, (53, 64, 50, 57, 49, 10, 34, 37, 14, 9, 12, 11)),
        AutopsyRow("colon", "Colon", 123, 1.54, (34, 15, 28, 12, 2, 1, 7, 1, 16, 6, 1, 7)),
        AutopsyRow("rectum", "Rectum", 437, 1.53, (38, 21, 27, 20, 6, 0, 8, 3, 6, 3, 2, 1)),
        AutopsyRow("lung", "Lung", 163, 3.80, (70, 47, 36, 29, 23, 9, 36, 17, 7, 18, 11, 14)),
        AutopsyRow(
            "melanoma", "Skin of the trunk (melanoma proxy)", 67, 4.66, (51, 46, 30, 51, 27, 15, 28, 16, 12, 19, 16, 16)
        ),
        AutopsyRow("prostate", "Prostate", 193, 2.39, (63, 44, 19, 31, 47, 0, 8, 4, 1, 4, 4, 3)),
        AutopsyRow("pancreas", "Pancreas", 109, 2.96, (62, 32, 58, 27, 6, 0, 11, 10, 23, 7, 6, 0)),
        AutopsyRow("ovary", "Ovary", 86, 3.51, (42, 30, 29, 21, 7, 2, 10, 19, 73, 9, 9, 2)),
        AutopsyRow("sarcoma", "Bone primary (sarcoma proxy)", 35, 2.51, (23, 23, 17, 51, 43, 3, 11, 17, 3, 6, 3, 9)),
        AutopsyRow("stomach", "Stomach", 348, 2.67, (65, 30, 36, 19, 9, 0, 11, 4, 23, 3, 4, 11)),
        AutopsyRow("kidney", "Kidney", 62, 3.42, (37, 42, 34, 48, 32, 6, 29, 16, 10, 13, 5, 15)),
        AutopsyRow("uterus", "Uterus", 120, 2.41, (53, 35, 28, 25, 7, 0, 12, 6, 17, 7, 1, 3)),
        AutopsyRow("cervix", "Cervix", 418, 1.93, (56, 32, 23, 22, 9, 0, 6, 3, 9, 5, 3, 1)),
        AutopsyRow("oesophagus", "Oesophagus", 129, 1.42, (54, 17, 16, 15, 5, 0, 5, 6, 3, 3, 2, 3)),
    )
}

#: The colorectal row (colon and rectum together): a check of the colorectal mixture, not fitted
#: on its own (its patients are those of the two rows above).
COLORECTAL = AutopsyRow("colorectal", "Colorectal", 560, 1.53, (37, 19, 28, 18, 5, 1, 8, 2, 8, 4, 2, 2))

#: All 41 primaries pooled (9,484 metastases): % of all metastases per column; "other" is the rest.
POOLED_SHARES = np.append(np.array((20.5, 12.9, 11.1, 10.7, 6.5, 1.1, 5.1, 3.7, 4.4, 2.4, 2.1, 2.2)) / 100.0, 0.0)
POOLED_SHARES[-1] = 1.0 - POOLED_SHARES.sum()

#: Newton et al. 2012 (from the same autopsies, lung primaries): skeletal muscle held 2 of 619
#: metastases ([newton2012]).
LUNG_MUSCLE_SHARE = 2.0 / 619.0


def tv_distance(a, b) -> float:
    """Total-variation distance of two share vectors (each normalised to sum 1)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return 0.5 * float(np.abs(a / a.sum() - b / b.sum()).sum())


#: Re-drawn autopsy series behind ``sampling_tvd`` (more draws move its third decimal by < 0.001).
SAMPLING_DRAWS = 4000


def sampling_tvd(row: AutopsyRow, draws: int = SAMPLING_DRAWS, seed: int = 2008) -> float:
    """The TV distance a row shows from its own shares by chance alone: the mean distance between
    the row and series of the same size re-drawn from it (each named site involved in a patient
    with the row's frequency, binomially; "other" metastases Poisson at the row's rate per patient).

    A model that knew each primary's true pattern would still sit about this far from the printed
    row, so it is the floor under any TVD reported against it: about 0.02 for DiSibio's 432 breast
    patients, 0.12 for the 35 bone primaries."""
    rng = np.random.default_rng(seed)
    q = np.asarray(row.pct_patients, np.float64) / 100.0
    obs = row.shares()
    other_rate = obs[-1] * row.mets_per_patient * row.patients
    named = rng.binomial(row.patients, q, size=(draws, q.size)).astype(np.float64)
    other = rng.poisson(max(other_rate, 0.0), size=(draws, 1)).astype(np.float64)
    sims = np.hstack([named, other])
    sims /= np.maximum(sims.sum(axis=1, keepdims=True), 1.0)
    return float(0.5 * np.abs(sims - obs / obs.sum()).sum(axis=1).mean())
