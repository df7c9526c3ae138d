"""A staging-like summary: regional lymph nodes involved (N) and distant metastasis (M).

Not a clinical TNM stage (that depends on the cancer and on counts of nodes): N counts the
primary's regional node basins that hold a lesion, M says whether any distant site (an organ or a
non-regional node basin) holds one. With ``min_diam_mm`` > 0 only lesions a scan could see count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.core.i18n import tr
from sim_core import BodyGraph

KIND_ORGAN, KIND_NODE = 1, 2


@dataclass(frozen=True)
class Stage:
    n_involved: int
    n_regional: int
    regional_involved: tuple[str, ...]  # names of involved regional basins
    distant_sites: tuple[str, ...]  # names of distant sites with a lesion
    distant_macro: bool  # at least one distant lesion is a macrometastasis
    dormant_sites: int  # sites holding only dormant cells

    @property
    def n_label(self) -> str:
        return "N0" if self.n_involved == 0 else ("N1" if self.n_involved == 1 else "N2")

    @property
    def m_label(self) -> str:
        if not self.distant_sites:
            return "M0"
        return "M1" if self.distant_macro else tr("M1 (micro)")

    @property
    def n_text(self) -> str:
        if self.n_involved == 0:
            return tr("no regional node basin involved (0 of {n})", n=self.n_regional)
        return tr(
            "{n} of {m} regional basins: {names}",
            n=self.n_involved,
            m=self.n_regional,
            names=", ".join(tr(x) for x in self.regional_involved),
        )

    @property
    def m_text(self) -> str:
        if not self.distant_sites:
            if self.dormant_sites == 1:
                return tr("no distant lesion; dormant cells in one site")
            if self.dormant_sites:
                return tr("no distant lesion; dormant cells in {n} sites", n=self.dormant_sites)
            return tr("no distant metastasis")
        shown = ", ".join(tr(x) for x in self.distant_sites[:3]) + (
            tr(" and more") if len(self.distant_sites) > 3 else ""
        )
        if len(self.distant_sites) == 1:
            return tr("distant lesions in one site: {names}", names=shown)
        return tr("distant lesions in {n} sites: {names}", n=len(self.distant_sites), names=shown)


def stage(
    graph: BodyGraph,
    primary: str,
    lesion_comp: np.ndarray,
    lesion_state: np.ndarray,
    lesion_diam_mm: np.ndarray,
    dormant_cells: np.ndarray,
    min_diam_mm: float = 0.0,
) -> Stage:
    regional = [graph.index[c] for c in graph.regional_nodes.get(primary, ())]
    keep = (lesion_state > 0) & (lesion_diam_mm >= min_diam_mm)
    comps = lesion_comp[keep]
    states = lesion_state[keep]
    has = np.zeros(graph.n, bool)
    has[comps] = True
    macro = np.zeros(graph.n, bool)
    macro[comps[states == 2]] = True
    site = (graph.kind == KIND_ORGAN) | (graph.kind == KIND_NODE)
    distant = site.copy()
    distant[regional] = False
    involved = [graph.names[c] for c in regional if has[c]]
    distant_idx = np.flatnonzero(distant & has)
    # largest burden first would need sizes; alphabetical keeps the text stable between frames
    distant_names = tuple(sorted(graph.names[c] for c in distant_idx))
    dormant_only = int((distant & ~has & (dormant_cells > 0)).sum()) if min_diam_mm <= 0 else 0
    return Stage(
        n_involved=len(involved),
        n_regional=len(regional),
        regional_involved=tuple(involved),
        distant_sites=distant_names,
        distant_macro=bool((distant & macro).any()),
        dormant_sites=dormant_only,
    )
