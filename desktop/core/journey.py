"""A lesion founder's likeliest journey: from the primary to the lesion's organ, arriving by the
route the engine recorded for the founder. Used to replay that journey on the map.

The engine stores only the founder's last vessel kind, so the replay shows the most probable path
consistent with it (largest product of flow shares and pass-through chances), and says so.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from sim_core import (
    ARREST_BED,
    ARREST_LIVER,
    ARREST_LUNG,
    ARREST_NODE,
    ARREST_NONE,
    KIND_CAVITY,
    V_CAVITY,
    VESSEL_CLASS_OF,
    BodyGraph,
)

_ARREST_PARAM = {
    ARREST_LUNG: "arrest.lung",
    ARREST_LIVER: "arrest.liver",
    ARREST_BED: "arrest.bed",
    ARREST_NODE: "arrest.node",
}


@dataclass(frozen=True)
class Journey:
    vessels: tuple[int, ...]
    points: np.ndarray  # [k, 2] the whole polyline in body-map units
    seg_end: np.ndarray  # [len(vessels)] cumulative length at the end of each vessel
    transit_s: float  # body time of the trip (blood in seconds, lymph in hours)
    probability: float  # chance of this exact path, given the first vessel class
    via: tuple[str, ...]  # names of the compartments passed on the way

    @property
    def length(self) -> float:
        return float(self.seg_end[-1]) if len(self.seg_end) else 0.0

    def position(self, s: float) -> tuple[float, float, int]:
        """Point at arc length ``s`` along the journey and the index of the vessel it is on."""
        pts = self.points
        seg = np.hypot(*np.diff(pts, axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        s = min(max(s, 0.0), cum[-1])
        i = int(np.searchsorted(cum, s, side="right") - 1)
        i = min(i, len(seg) - 1)
        t = 0.0 if seg[i] == 0 else (s - cum[i]) / seg[i]
        x, y = pts[i] + t * (pts[i + 1] - pts[i])
        v = int(np.searchsorted(self.seg_end, s, side="left"))
        return float(x), float(y), min(v, len(self.vessels) - 1)


def founder_journey(graph: BodyGraph, primary: str, organ: str, route_kind: int, params) -> Journey | None:
    """Most probable vessel path from ``primary`` into ``organ`` whose last vessel has ``route_kind``."""
    src = graph.index[primary]
    dst = graph.index[organ]
    cls = [VESSEL_CLASS_OF[k] for k in graph.v_kind]

    def pass_prob(c: int) -> float:
        ac = int(graph.arrest_class[c])
        if ac == ARREST_NONE:
            return 1.0
        return max(1e-6, 1.0 - float(params[_ARREST_PARAM[ac]]))

    def outs(c: int, klass: int | None) -> list[int]:
        vs = graph.out_vessels(c)
        same = [v for v in vs if klass is None or cls[v] == klass]
        return same or vs

    # Dijkstra over vessels: cost = -log(probability of having taken this vessel)
    best: dict[int, float] = {}
    prev: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for v in outs(src, None):
        c0 = -math.log(max(float(graph.v_share[v]), 1e-12))
        heapq.heappush(heap, (c0, v))
        best[v] = c0
        prev[v] = -1
    goal = -1
    while heap:
        cost, v = heapq.heappop(heap)
        if cost > best.get(v, math.inf):
            continue
        d = int(graph.v_dst[v])
        arrives_here = d == dst or (int(graph.implants_into[d]) == dst and graph.v_kind[v] == V_CAVITY)
        if arrives_here and int(graph.v_kind[v]) == route_kind:
            goal = v
            break
        if graph.kind[d] == KIND_CAVITY or d == src:
            continue
        c_pass = cost - math.log(pass_prob(d))
        for w in outs(d, cls[v]):
            nc = c_pass - math.log(max(float(graph.v_share[w]), 1e-12))
            if nc < best.get(w, math.inf):
                best[w] = nc
                prev[w] = v
                heapq.heappush(heap, (nc, w))
    if goal < 0:
        return None
    chain = []
    v = goal
    while v >= 0:
        chain.append(v)
        v = prev[v]
    chain.reverse()
    return _journey(graph, chain, math.exp(-best[goal]))


def _journey(graph: BodyGraph, chain: list[int], probability: float) -> Journey:
    """The journey along the vessels ``chain``: its polyline, where each vessel ends on it, the
    transit time and the compartments passed."""
    pts = [graph.path(chain[0])]
    for v in chain[1:]:
        pts.append(graph.path(v)[1:])
    points = np.concatenate(pts)
    lengths = [float(np.hypot(*np.diff(graph.path(v), axis=0).T).sum()) for v in chain]
    via = tuple(graph.names[int(graph.v_dst[v])] for v in chain[:-1])
    return Journey(
        vessels=tuple(chain),
        points=points,
        seg_end=np.cumsum(lengths),
        transit_s=float(sum(graph.v_transit_h[v] for v in chain) * 3600.0),
        probability=probability,
        via=via,
    )
