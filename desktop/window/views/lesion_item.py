"""LesionItem: what sits in the organs, as glyphs in one batched sprite item.

Dormant cells are small sky-blue diamonds, cells stuck in capillaries small yellow dots,
micrometastases orange rings, macrometastases vermillion discs that grow with the lesion, the
primary a larger disc. Arrests pulse, new lesions flash. In 'scan' mode only lesions at least
the detection size remain. Up to ``per_organ`` of the largest lesions per organ are drawn.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from desktop.core.frames import FrameData, hash01, lesion_diameter_mm
from desktop.window import theme
from desktop.window.views import raster
from desktop.window.views.effects import EffectBuffer
from desktop.window.views.sprite_item import SpriteItem

A = theme.argb
PER_ORGAN = 40
PRIMARY_KEY = -2
#: With more lesions than this, the glyphs are rebuilt at most every ``THROTTLE_S`` (pulses
#: still animate every frame), so a late-stage run keeps its frame rate.
MANY_LESIONS = 5000
THROTTLE_S = 0.12


def lesion_radius(d_mm: np.ndarray) -> np.ndarray:
    return (1.6 + 1.7 * np.log2(1.0 + np.asarray(d_mm, np.float64))).astype(np.float32)


def primary_radius(d_mm: float) -> float:
    return float(3.0 + 2.4 * np.log2(1.0 + d_mm))


def top_per_group(group: np.ndarray, size: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``size`` within each ``group`` value (vectorised)."""
    if group.size == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((-size, group))
    g = group[order]
    first = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    counts = np.diff(np.r_[first, g.size])
    rank = np.arange(g.size) - np.repeat(first, counts)
    return order[rank < k]


class LesionItem(SpriteItem):
    def __init__(self, bounds: QRectF, n_comp: int, parent=None):
        super().__init__(bounds, parent)
        self.n_comp = n_comp
        self.slot_xy = np.zeros((n_comp, 1, 2))
        self.slot_n = np.ones(n_comp, np.int64)
        self.per_organ = PER_ORGAN
        self.scan_mm: float | None = None
        self.selected_lesion = -1
        self.effects = EffectBuffer()
        self._base = None
        self._built_at = -1e9
        self.hidden_lesions = 0  # lesions not drawn (below the scan size or beyond per_organ)
        self.visible_lesions = 0

    def set_slots(self, slots: dict[int, np.ndarray], centres: np.ndarray) -> None:
        k = max(len(v) for v in slots.values()) if slots else 1
        xy = np.repeat(centres[:, None, :], k, axis=1).astype(np.float64)
        n = np.ones(self.n_comp, np.int64)
        for c, pts in slots.items():
            xy[c, : len(pts)] = pts
            n[c] = len(pts)
        self.slot_xy, self.slot_n = xy, n

    def _slot(self, comp: np.ndarray, u: np.ndarray) -> np.ndarray:
        j = np.minimum((u * self.slot_n[comp]).astype(np.int64), self.slot_n[comp] - 1)
        return self.slot_xy[comp, j]

    def show_frame(self, f: FrameData, now: float, force: bool = False) -> None:
        """Rebuild the marks of frame ``f`` (with many lesions, at most every ``THROTTLE_S`` unless
        ``force``; in between only its events are added) and animate them.

        Long: builds the marks through the one ``add`` in the order they are painted (dormant cells,
        arrested cells, lesions biggest first, the primary, the selection ring); split, the painting
        order would be spread over functions."""
        s = f.snap
        if (
            not force
            and s.lesion_id.shape[0] > MANY_LESIONS
            and now - self._built_at < THROTTLE_S
            and self._base is not None
        ):
            if self.scan_mm is None and f.dt_s <= 6 * 3600:
                self._add_events(f, now)
            self.animate(now)
            return
        self._built_at = now
        scan = self.scan_mm
        parts = []  # (x, y, r, color, alpha, shape, fill, key)

        def add(xy, r, color, alpha, shape, key, fill=None):
            n = len(xy)
            if n == 0:
                return
            parts.append(
                (
                    xy[:, 0],
                    xy[:, 1],
                    np.broadcast_to(np.float32(r) if np.isscalar(r) else r, (n,)),
                    np.broadcast_to(np.uint32(color), (n,)),
                    np.broadcast_to(np.float32(alpha), (n,)),
                    np.broadcast_to(np.int8(shape), (n,)),
                    np.ones(n, np.float32) if fill is None else fill,
                    np.broadcast_to(key, (n,)),
                )
            )

        if scan is None:
            comps = np.arange(self.n_comp)
            dorm = s.dormant_cells
            nd = np.where(dorm > 0, np.minimum(np.ceil(1.8 * np.log10(1.0 + dorm)), 10), 0).astype(np.int64)
            if nd.sum():
                cc = np.repeat(comps, nd)
                j = np.arange(cc.size) - np.repeat(np.cumsum(nd) - nd, nd)
                jj = np.maximum(self.slot_n[cc] - 1 - j, 0)
                add(self.slot_xy[cc, jj], 2.6, A(theme.DORMANT), 0.95, raster.DIAMOND, -1)
            arr = f.pools.arrested_now
            na = np.where(arr > 0, np.minimum(np.ceil(1.5 * np.log10(1.0 + arr)), 6), 0).astype(np.int64)
            if na.sum():
                cc = np.repeat(comps, na)
                j = np.arange(cc.size) - np.repeat(np.cumsum(na) - na, na)
                jj = np.minimum(j * 3 + 1, self.slot_n[cc] - 1)
                add(self.slot_xy[cc, jj], 2.0, A(theme.ARREST), 0.95, raster.DOT, -1)
        d_mm = lesion_diameter_mm(s.lesion_cells, f.cells_per_g)
        visible = np.ones(d_mm.shape[0], bool) if scan is None else d_mm >= scan
        idx = np.flatnonzero(visible)
        idx = idx[top_per_group(s.lesion_comp[idx], s.lesion_cells[idx], self.per_organ)]
        idx = idx[np.argsort(-s.lesion_cells[idx], kind="stable")]  # big ones first, small on top
        self.visible_lesions = int(idx.size)
        self.hidden_lesions = int(d_mm.shape[0] - idx.size)
        comp = s.lesion_comp[idx].astype(np.int64)
        xy = self._slot(comp, hash01(s.lesion_id[idx]))
        r = lesion_radius(d_mm[idx])
        macro = s.lesion_state[idx] == 2
        keys = s.lesion_id[idx].astype(np.int64)
        add(xy[macro], r[macro], A(theme.MACRO), 1.0, raster.DISC, keys[macro])
        add(xy[~macro], np.maximum(r[~macro], 2.4), A(theme.MICRO), 1.0, raster.RING, keys[~macro])
        pd = float(lesion_diameter_mm(s.primary_cells, f.cells_per_g)) if s.primary_cells > 0 else 0.0
        if s.primary_cells > 0 and (scan is None or pd >= scan):
            add(self.slot_xy[f.primary, :1], primary_radius(pd), A(theme.PRIMARY), 1.0, raster.DISC, PRIMARY_KEY)
        if self.selected_lesion >= 0:
            hit = np.flatnonzero(keys == self.selected_lesion)
            if hit.size:
                i = hit[0]
                add(xy[i : i + 1], r[i] + 6.0, A(theme.ACCENT), 1.0, raster.RING, -1)
        self._base = parts
        if scan is None and f.dt_s <= 6 * 3600:
            self._add_events(f, now)
        self.animate(now)

    def _add_events(self, f: FrameData, now: float) -> None:
        s = f.snap
        c = np.flatnonzero(f.new_arrests > 0)
        if c.size:
            xy = self.slot_xy[c, 0]
            r1 = 7.0 + 3.0 * np.log10(1.0 + f.new_arrests[c])
            self.effects.add(xy[:, 0], xy[:, 1], now, 0.9, 2.0, r1, 1.0, A(theme.ARREST), raster.RING)
        c = np.flatnonzero(f.new_extravasations > 0)
        if c.size:
            xy = self.slot_xy[c, np.minimum(2, self.slot_n[c] - 1)]
            self.effects.add(xy[:, 0], xy[:, 1], now, 1.0, 7.0, 2.0, 1.0, A(theme.SKY), raster.RING)
        for mask, color, r0, r1 in (
            (f.new_lesions, theme.MICRO, 2.0, 12.0),
            (f.switched_lesions, theme.MACRO, 3.0, 16.0),
        ):
            if mask.any():
                idx = np.flatnonzero(mask)[:50]
                xy = self._slot(s.lesion_comp[idx].astype(np.int64), hash01(s.lesion_id[idx]))
                self.effects.add(xy[:, 0], xy[:, 1], now, 1.2, r0, r1, 1.0, A(color), raster.RING)

    def animate(self, now: float) -> None:
        ex, ey, er, ec, ea, es = self.effects.sprites(now)
        parts = list(self._base or [])
        n = ex.shape[0]
        parts.append((ex, ey, er, ec, ea, es, np.ones(n, np.float32), np.full(n, -1, np.int64)))
        cols = list(zip(*parts, strict=False))
        cat = [np.concatenate([np.asarray(a) for a in col]) for col in cols]
        self.set_sprites(
            cat[0],
            cat[1],
            cat[2],
            cat[3].astype(np.uint32),
            cat[4],
            cat[5].astype(np.int8),
            cat[6],
            key=cat[7].astype(np.int64),
        )

    def clear(self) -> None:
        self.effects.clear()
        self._base = None
        self.animate(0.0)

    @property
    def animating(self) -> bool:
        return len(self.effects) > 0
