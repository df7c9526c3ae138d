"""The model behind "Anatomy or soil?", free of Qt so tests can drive it directly.

One patient twice, from day 0 and one seed, with the fork machinery (``BranchPair``): branch A is
the scenario as it is (seed and soil), branch B the same with ``soil.weight`` = 0, the engine's own
anatomy-only switch (the one behind ``seedsoil-sim cohort --anatomy-only``): every soil factor and
affinity raised to the power 0, so every organ and node is equally fertile and only blood and lymph
flow decide where metastases grow. Both branches take the same steps and draw the same random
numbers, so the first difference is the soil's doing.

Shedding does not depend on soil, so both sides shed the same cells at every step while only the
primary sheds; once metastases grow big enough to shed too (``shedding.from_metastases``), the side
with more of them sheds more.
"""

from __future__ import annotations

import time

import numpy as np

from desktop.lab.fork.pair import BranchPair
from sim_core import MACRO, BodyGraph, Engine, Scenario

#: The anatomy-only switch of ``sim_core``: every soil and affinity raised to this power.
ANATOMY_ONLY = {"soil.weight": 0.0}
YEAR_DAYS = 365.25
#: How far both sides run: five years, or less if one side fills up with tumours first.
HORIZON_DAYS = 5 * YEAR_DAYS
#: A side with this many macrometastases has made its point; stepping on would only get slow.
MAX_TUMOURS = 600

#: Organ groups a visitor knows, by compartment id (lymph nodes and bones are grouped by kind).
GROUP_OF = {
    "organ:lungs": "lungs",
    "organ:liver": "liver",
    "organ:brain": "brain",
    "organ:kidneys": "kidneys",
    "organ:adrenals": "adrenal glands",
    "organ:muscle": "muscle",
    "organ:gi_wall": "bowel wall",
    "organ:skin": "skin",
    "organ:spleen": "spleen",
    "organ:pancreas": "pancreas",
    "organ:heart_wall": "heart muscle",
    "organ:thyroid": "thyroid",
    "organ:peritoneum": "peritoneum",
    "organ:omentum": "peritoneum",
    "organ:pleura": "pleura",
}
#: Every group label ``site_groups`` can give (tests check each has a translation).
GROUP_LABELS = ("lymph nodes", "bones", *dict.fromkeys(GROUP_OF.values()))


def site_groups(graph: BodyGraph) -> dict[str, np.ndarray]:
    """Compartment indices of each organ group where a metastasis can grow."""
    out: dict[str, list[int]] = {}
    for c, cid in enumerate(graph.ids):
        k = int(graph.kind[c])
        if k == 2:
            label = "lymph nodes"
        elif k == 1 and graph.category[c] == "bone":
            label = "bones"
        elif cid in GROUP_OF:
            label = GROUP_OF[cid]
        else:
            continue
        out.setdefault(label, []).append(c)
    return {k: np.array(v, np.int64) for k, v in out.items()}


def tumours_by_group(e: Engine, groups: dict[str, np.ndarray]) -> dict[str, int]:
    """Macrometastases (lesions with their own blood supply) in each group."""
    les = e.lesions
    per = np.bincount(les.comp[les.state == MACRO], minlength=e.graph.n)
    return {name: int(per[idx].sum()) for name, idx in groups.items()}


def compare_sites(anatomy: dict[str, int], soil: dict[str, int], top: int = 6) -> list[tuple[str, int, int]]:
    """(group, tumours by blood flow alone, tumours with seed and soil) for the ``top`` groups with
    the most tumours on either side, most first; groups with none on both sides are left out."""
    rows = [(g, anatomy[g], soil[g]) for g in anatomy if anatomy[g] or soil[g]]
    rows.sort(key=lambda r: (-max(r[1], r[2]), -(r[1] + r[2]), r[0]))
    return rows[:top]


def soil_lesson(anatomy: dict[str, int], soil: dict[str, int]) -> tuple[str | None, str | None]:
    """(the group the soil favours most, the group it disfavours most), or None for either.

    The favoured group holds more tumours with seed and soil than by blood flow alone, the
    disfavoured one fewer; among those, the one whose share of its side's tumours changed most
    wins (so a side with more tumours overall does not make every organ look favoured)."""
    na, ns = sum(anatomy.values()), sum(soil.values())
    share = {g: (soil[g] / ns if ns else 0.0) - (anatomy[g] / na if na else 0.0) for g in anatomy}
    more = [g for g in anatomy if soil[g] > anatomy[g]]
    fewer = [g for g in anatomy if soil[g] < anatomy[g]]
    gain = max(more, key=lambda g: (share[g], soil[g] - anatomy[g], g)) if more else None
    loss = min(fewer, key=lambda g: (share[g], soil[g] - anatomy[g], g)) if fewer else None
    return gain, loss


class SoilSplit:
    """Seed and soil (``soil``) against blood flow alone (``anatomy``): one ``BranchPair`` from day 0."""

    def __init__(self, scenario: Scenario, horizon_days: float = HORIZON_DAYS, max_tumours: int = MAX_TUMOURS):
        self.scenario = scenario.copy()
        self.max_tumours = int(max_tumours)
        self.pair = BranchPair(Engine(self.scenario.copy()), horizon_days=horizon_days)
        self.pair.set_changes(ANATOMY_ONLY)  # no change at all if the scenario is anatomy-only already
        self.pair.restart()
        self.groups = site_groups(self.pair.origin.graph)

    @property
    def soil(self) -> Engine:
        return self.pair.a

    @property
    def anatomy(self) -> Engine:
        return self.pair.b

    @property
    def same_soil(self) -> bool:
        """True when the scenario already ignores soil: both sides are then the same run."""
        return not self.pair.changes

    @property
    def t_days(self) -> float:
        return self.pair.a.t_days

    @property
    def full(self) -> bool:
        return max(int((e.lesions.state == MACRO).sum()) for e in (self.soil, self.anatomy)) >= self.max_tumours

    @property
    def finished(self) -> bool:
        return self.pair.finished or self.full

    def restart(self) -> None:
        self.pair.restart()

    def advance(self, days: float, budget_s: float = float("inf")) -> int:
        """Step both sides until ``days`` more days have passed, the run is finished or ``budget_s``
        of wall time is spent; returns the steps taken."""
        t0 = time.perf_counter()
        end = self.pair.days_done + days
        n = 0
        while not self.finished and self.pair.days_done < end - 1e-9:
            self.pair.step()
            n += 1
            if time.perf_counter() - t0 > budget_s:
                break
        return n

    def run(self) -> None:
        self.advance(float("inf"))

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """(tumours by group with blood flow alone, with seed and soil)."""
        return tumours_by_group(self.anatomy, self.groups), tumours_by_group(self.soil, self.groups)
