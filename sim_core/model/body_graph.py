"""The anatomic body graph as compact arrays: compartments, vessels (CSR by source) and id maps.

Built from ``assets/body_graph.toml``. First-pass anatomy (gut -> portal vein -> liver; other veins
-> right heart -> lungs; lymph -> nodes -> thoracic duct -> blood) is a property of this graph, not
of the engine: the engine only follows vessels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

# The graph's enums are defined in ``kernels.layout`` (the kernels read them too).
from sim_core.kernels import layout as L
from sim_core.model import tomlio
from sim_core.model.assets import assets_dir
from sim_core.model.errors import InputError

#: ``L.VESSEL_CLASS_OF`` as an array, to index by an array of vessel kinds.
VESSEL_CLASS = np.array(L.VESSEL_CLASS_OF, dtype=np.int8)

#: Site categories of the DiSibio & French 2008 autopsy table ([disibio2008] in references.py). Lymph nodes are
#: "regional" or "distant" relative to the primary (``regional_nodes`` of each primary).
CATEGORIES = (
    "lymph_regional",
    "lymph_distant",
    "liver",
    "lung",
    "bone",
    "brain",
    "adrenal",
    "pleura",
    "peritoneum",
    "kidney",
    "spleen",
    "pancreas",
    "other",
)

#: Soils: one hospitality factor per kind of tissue, shared by every primary (``soil.<key>``).
#: Regional and distant lymph nodes are one tissue; skeletal muscle has its own soil (it takes a
#: fifth of the cardiac output yet rarely holds a metastasis); the rest of the "other" column shares
#: one. A compartment names its soil with ``soil = ...`` in the graph, else it is its category's.
SOIL_KEYS = ("node", *CATEGORIES[2:-1], "muscle", "other")


def path_lengths(path_xy: np.ndarray, path_ptr: np.ndarray) -> np.ndarray:
    """Arc length along each vessel's polyline at each of its points (0 at its first point), so a
    packet's drawn position is found by a binary search instead of walking the polyline."""
    cum = np.zeros(path_xy.shape[0])
    for v in range(path_ptr.shape[0] - 1):
        a, b = int(path_ptr[v]), int(path_ptr[v + 1])
        seg = np.hypot(*np.diff(path_xy[a:b], axis=0).T)
        cum[a + 1 : b] = np.cumsum(seg)
    return cum


@dataclass(frozen=True)
class BodyGraph:
    """Read-only arrays describing the body. Index order is the file's order."""

    source: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    kind: np.ndarray  # int8 [n]
    xy: np.ndarray  # float64 [n, 2]
    arrest_class: np.ndarray  # int8 [n]
    category: tuple[str, ...]  # per compartment ("" for hubs, primaries, cavities)
    soil_key: tuple[str, ...]  # per compartment: its ``SOIL_KEYS`` entry ("" if it holds no lesion)
    implants_into: np.ndarray  # int32 [n]: for a cavity, the organ its cells implant on; else -1
    implants_also: np.ndarray  # int32 [n]: for a cavity, a second lining (``cavity.omentum_share``); else -1
    regional_nodes: dict[str, tuple[str, ...]]
    own_organ: dict[str, str]  # primary -> the organ compartment it grows in (no metastasis there)
    v_ids: tuple[str, ...]
    v_src: np.ndarray  # int32 [m]
    v_dst: np.ndarray  # int32 [m]
    v_kind: np.ndarray  # int8 [m]
    v_share: np.ndarray  # float64 [m], normalised within (source, flow class)
    v_transit_h: np.ndarray  # float64 [m]
    path_ptr: np.ndarray  # int32 [m+1] into path_xy
    path_xy: np.ndarray  # float64 [k, 2]
    path_cum: np.ndarray  # float64 [k]: arc length from its path's first point to each point
    out_ptr: np.ndarray  # int32 [n+1]: vessels leaving compartment c are out_idx[out_ptr[c]:out_ptr[c+1]]
    out_idx: np.ndarray  # int32 [m]
    index: dict[str, int] = field(repr=False)
    v_index: dict[str, int] = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.v_ids)

    def out_vessels(self, comp: str | int) -> list[int]:
        c = self.index[comp] if isinstance(comp, str) else comp
        return [int(v) for v in self.out_idx[self.out_ptr[c] : self.out_ptr[c + 1]]]

    def path(self, v: int) -> np.ndarray:
        return self.path_xy[self.path_ptr[v] : self.path_ptr[v + 1]]

    def primaries(self) -> list[str]:
        return [i for i, k in zip(self.ids, self.kind, strict=True) if k == L.KIND_PRIMARY]

    def site_category(self, comp: int, primary: str | None) -> str:
        """DiSibio column of a compartment for a given primary ('' if it cannot hold a metastasis)."""
        cat = self.category[comp]
        if cat == "lymph_node":
            regional = self.regional_nodes.get(primary or "", ())
            return "lymph_regional" if self.ids[comp] in regional else "lymph_distant"
        return cat

    def first_bed(self, vessel: str | int) -> int:
        """The capillary bed or node a cell entering ``vessel`` meets first on the largest-flow path."""
        v = self.v_index[vessel] if isinstance(vessel, str) else vessel
        for _ in range(100):
            c = int(self.v_dst[v])
            if self.arrest_class[c] != L.ARREST_NONE:
                return c
            outs = self.out_vessels(c)
            if not outs:
                return c
            same = [o for o in outs if VESSEL_CLASS[self.v_kind[o]] == VESSEL_CLASS[self.v_kind[v]]]
            pick = same or outs
            v = max(pick, key=lambda o: self.v_share[o])
        raise InputError(self.source, f"vessel {self.v_ids[v]}", "no capillary bed downstream")

    def with_plexus_share(self, share: float) -> BodyGraph:
        """A copy in which every primary with a vertebral-plexus vein sends ``share`` of its venous
        blood that way (split evenly if it has several) and the rest down its other veins in their
        file proportions. ``routing.plexus_share`` sets it: no measurement gives the share (Batson
        1940 showed the route, not its flow), so it is a fitted, shared parameter."""
        cls = VESSEL_CLASS[self.v_kind]

        def split(outs):
            plexus = outs[self.v_kind[outs] == L.V_PLEXUS]
            return plexus, outs[(cls[outs] == L.CLASS_BLOOD) & (self.v_kind[outs] != L.V_PLEXUS)]

        return self._with_share(L.KIND_PRIMARY, split, share)

    def with_duct_node_share(self, share: float) -> BodyGraph:
        """A copy in which every lymph hub (the thoracic duct) sends ``share`` of its lymph through
        the lymph nodes it reaches (Virchow's left supraclavicular nodes, split evenly if several)
        and the rest straight into its vein. ``routing.duct_node_share`` sets it: the route is the
        one that puts abdominal and pelvic cancers in the left supraclavicular node [troisier1889],
        but no measurement gives the share, so it is a fitted, shared parameter."""
        cls = VESSEL_CLASS[self.v_kind]

        def split(outs):
            outs = outs[cls[outs] == L.CLASS_LYMPH]
            to_node = self.kind[self.v_dst[outs]] == L.KIND_NODE
            return outs[to_node], outs[~to_node]

        return self._with_share(L.KIND_HUB, split, share)

    def _with_share(self, kind: int, split, share: float) -> BodyGraph:
        """A copy in which every compartment of ``kind`` sends ``share`` of its flow down the
        vessels ``split(out_vessels)`` names first (evenly) and the rest down the vessels it names
        second, in their file proportions. Compartments lacking either group keep their shares."""
        v_share = self.v_share.copy()
        for c in range(self.n):
            if self.kind[c] != kind:
                continue
            chosen, other = split(np.array(self.out_vessels(c), np.int64))
            if chosen.size == 0 or other.size == 0:
                continue
            v_share[other] *= (1.0 - share) / v_share[other].sum()
            v_share[chosen] = share / chosen.size
        return replace(self, v_share=v_share)


def _req(d: dict, key: str, typ, src: str, where: str):
    if key not in d:
        raise InputError(src, f"{where}.{key}", "missing")
    val = d[key]
    if typ is float and isinstance(val, int) and not isinstance(val, bool):
        val = float(val)
    if not isinstance(val, typ) or isinstance(val, bool):
        raise InputError(src, f"{where}.{key}", f"expected {typ.__name__}, got {type(val).__name__}")
    if typ is float and not math.isfinite(val):
        raise InputError(src, f"{where}.{key}", "must be a finite number")
    return val


def _entry_id(entry, position: str, table: str, allowed: set, seen: list, src: str) -> tuple[str, str]:
    """Check a table entry's keys and id; return the id and how to name the entry in errors."""
    if not isinstance(entry, dict):
        raise InputError(src, position, "must be a table")
    unknown = set(entry) - allowed
    if unknown:
        raise InputError(src, f"{position}.{sorted(unknown)[0]}", "unknown key")
    eid = _req(entry, "id", str, src, position)
    if eid in seen:
        raise InputError(src, f"{table} {eid}", "duplicate id")
    return eid, f"{table} {eid}"


_COMP_KEYS = {"id", "name", "kind", "x", "y", "arrest", "category", "soil", "implants", "regional_nodes", "own_organ"}
_VESSEL_KEYS = {"id", "from", "to", "kind", "share", "transit_s", "path"}


class _Compartments(NamedTuple):
    """The compartment table as read, in file order."""

    ids: list[str]
    names: list[str]
    kinds: list[int]
    xy: list[tuple[float, float]]
    arrest: list[int]
    cats: list[str]
    soils: list[str]
    implants: list[list[str]]  # per compartment: the organ ids its cells implant on
    regional: dict[str, tuple[str, ...]]
    own: dict[str, str]


class _Vessels(NamedTuple):
    """The vessel table as read, in file order."""

    ids: list[str]
    src: list[int]
    dst: list[int]
    kind: list[int]
    share: list[float]
    transit_h: list[float]
    paths: list[np.ndarray]


def _read_compartments(comps: list, src: str) -> _Compartments:
    """The compartment entries, each checked on its own."""
    cs = _Compartments([], [], [], [], [], [], [], [], {}, {})
    for i, c in enumerate(comps):
        cid, where = _entry_id(c, f"compartment[{i}]", "compartment", _COMP_KEYS, cs.ids, src)
        kind = _req(c, "kind", str, src, where)
        if kind not in L.COMPARTMENT_KINDS:
            raise InputError(src, f"{where}.kind", f"must be one of {', '.join(L.COMPARTMENT_KINDS)}")
        cs.ids.append(cid)
        cs.names.append(_req(c, "name", str, src, where))
        cs.kinds.append(L.COMPARTMENT_KINDS.index(kind))
        cs.xy.append((_req(c, "x", float, src, where), _req(c, "y", float, src, where)))
        ac = c.get("arrest", "bed" if kind == "organ" else ("node" if kind == "node" else "none"))
        if ac not in L.ARREST_CLASSES:
            raise InputError(src, f"{where}.arrest", f"must be one of {', '.join(L.ARREST_CLASSES)}")
        cs.arrest.append(L.ARREST_CLASSES.index(ac))
        cat = c.get("category", "")
        if kind in ("organ", "node") and cat not in CATEGORIES + ("lymph_node",):
            raise InputError(src, f"{where}.category", f"must be one of {', '.join(CATEGORIES)}")
        cs.cats.append(cat)
        soil = c.get("soil", "node" if cat == "lymph_node" else (cat if kind in ("organ", "node") else ""))
        if kind in ("organ", "node") and soil not in SOIL_KEYS:
            raise InputError(src, f"{where}.soil", f"must be one of {', '.join(SOIL_KEYS)}")
        cs.soils.append(soil)
        imp = c.get("implants", "")
        if isinstance(imp, str):
            imp = [imp] if imp else []
        if not isinstance(imp, list) or len(imp) > 2 or not all(isinstance(t, str) for t in imp):
            raise InputError(src, f"{where}.implants", "one organ id, or a list of two")
        cs.implants.append(imp)
        if "regional_nodes" in c:
            cs.regional[cid] = tuple(c["regional_nodes"])
        if "own_organ" in c:
            cs.own[cid] = _req(c, "own_organ", str, src, where)
    return cs


def _check_links(cs: _Compartments, index: dict[str, int], src: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the compartments' references to one another; return the first and second organ each
    compartment's cells implant on (-1: none)."""
    ids, kinds = cs.ids, cs.kinds
    implants = np.full(len(ids), -1, np.int32)
    implants2 = np.full(len(ids), -1, np.int32)
    for i, targets in enumerate(cs.implants):
        for j, target in enumerate(targets):
            if target not in index or kinds[index[target]] != L.KIND_ORGAN:
                raise InputError(src, f"compartment {ids[i]}.implants", f"{target!r} is not an organ compartment")
            (implants if j == 0 else implants2)[i] = index[target]
        if not targets and kinds[i] == L.KIND_CAVITY:
            raise InputError(src, f"compartment {ids[i]}.implants", "a cavity must name the organ its cells implant on")
    for prim, organ in cs.own.items():
        if organ not in index or kinds[index[organ]] != L.KIND_ORGAN:
            raise InputError(src, f"compartment {prim}.own_organ", f"{organ!r} is not an organ compartment")
    for prim, nodes in cs.regional.items():
        for n in nodes:
            if n not in index or kinds[index[n]] != L.KIND_NODE:
                raise InputError(src, f"compartment {prim}.regional_nodes", f"{n!r} is not a lymph-node compartment")
    return implants, implants2


def _read_vessels(vessels: list, index: dict[str, int], src: str) -> _Vessels:
    """The vessel entries, each checked on its own (shares not yet normalised)."""
    vs = _Vessels([], [], [], [], [], [], [])
    for j, v in enumerate(vessels):
        vid, where = _entry_id(v, f"vessel[{j}]", "vessel", _VESSEL_KEYS, vs.ids, src)
        a, b = _req(v, "from", str, src, where), _req(v, "to", str, src, where)
        for key, cid in (("from", a), ("to", b)):
            if cid not in index:
                raise InputError(src, f"{where}.{key}", f"unknown compartment {cid!r}")
        kind = _req(v, "kind", str, src, where)
        if kind not in L.VESSEL_KINDS:
            raise InputError(src, f"{where}.kind", f"must be one of {', '.join(L.VESSEL_KINDS)}")
        share = _req(v, "share", float, src, where)
        transit = _req(v, "transit_s", float, src, where)
        if share <= 0 or transit <= 0:
            raise InputError(src, f"{where}.share/transit_s", "must be > 0")
        pts = v.get("path")
        try:
            arr = np.asarray(pts, dtype=np.float64)
        except (TypeError, ValueError):
            arr = np.zeros((0, 2))
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 2 or not np.isfinite(arr).all():
            raise InputError(src, f"{where}.path", "needs at least two [x, y] points")
        vs.ids.append(vid)
        vs.src.append(index[a])
        vs.dst.append(index[b])
        vs.kind.append(L.VESSEL_KINDS.index(kind))
        vs.share.append(share)
        vs.transit_h.append(transit / 3600.0)
        vs.paths.append(arr)
    return vs


def _normalised_shares(v_src: np.ndarray, cls: np.ndarray, share: list[float], n: int) -> np.ndarray:
    """The vessels' file shares normalised within (source compartment, flow class), for ``n``
    compartments: the shares of one class leaving one compartment sum to 1."""
    out = np.array(share, np.float64)
    for c in range(n):
        for k in range(3):
            sel = (v_src == c) & (cls == k)
            if sel.any():
                out[sel] /= out[sel].sum()
    return out


def load_body_graph(path: str | Path | None = None) -> BodyGraph:
    """Parse and check the body graph; every problem raises ``InputError`` naming file and field."""
    p = Path(path) if path else assets_dir() / "body_graph.toml"
    src = str(p)
    data = tomlio.load(p, "a body graph file")
    comps = data.get("compartment", [])
    vessels = data.get("vessel", [])
    if not comps or not vessels:
        raise InputError(src, "compartment/vessel", "the graph needs both tables")

    cs = _read_compartments(comps, src)
    ids, names, kinds, xy, arrest, cats, soils, _, regional, own = cs
    index = {cid: i for i, cid in enumerate(ids)}
    implants, implants2 = _check_links(cs, index, src)
    v_ids, v_src, v_dst, v_kind, v_share, v_tr, paths = _read_vessels(vessels, index, src)

    v_src_a = np.array(v_src, np.int32)
    v_kind_a = np.array(v_kind, np.int8)
    share = _normalised_shares(v_src_a, VESSEL_CLASS[v_kind_a], v_share, len(ids))
    order = np.lexsort((np.arange(len(v_src)), v_src_a))
    counts = np.bincount(v_src_a, minlength=len(ids))
    out_ptr = np.zeros(len(ids) + 1, np.int32)
    out_ptr[1:] = np.cumsum(counts)
    for i, cid in enumerate(ids):
        if kinds[i] == L.KIND_HUB and counts[i] == 0:
            raise InputError(src, f"compartment {cid}", "a hub needs at least one outgoing vessel")
    path_ptr = np.zeros(len(paths) + 1, np.int32)
    path_ptr[1:] = np.cumsum([len(p) for p in paths])
    path_xy = np.concatenate(paths).astype(np.float64)
    return BodyGraph(
        source=src,
        ids=tuple(ids),
        names=tuple(names),
        kind=np.array(kinds, np.int8),
        xy=np.array(xy, np.float64),
        arrest_class=np.array(arrest, np.int8),
        category=tuple(cats),
        soil_key=tuple(soils),
        implants_into=implants,
        implants_also=implants2,
        regional_nodes=regional,
        own_organ=own,
        v_ids=tuple(v_ids),
        v_src=v_src_a,
        v_dst=np.array(v_dst, np.int32),
        v_kind=v_kind_a,
        v_share=share,
        v_transit_h=np.array(v_tr, np.float64),
        path_ptr=path_ptr,
        path_xy=path_xy,
        path_cum=path_lengths(path_xy, path_ptr),
        out_ptr=out_ptr,
        out_idx=order.astype(np.int32),
        index=index,
        v_index={v: i for i, v in enumerate(v_ids)},
    )
