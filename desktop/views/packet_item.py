"""PacketItem: every packet of cells in transit, drawn by ONE batched sprite item per frame.

The look says what a packet is: a glowing dot is viable single cells, a three-lobed rosette a
cluster, a small dim dot shed cells that are already dying; the colour is the kind of vessel it
rides, the size grows with the cell count. Deaths fade where they happen, by cause: anoikis a
dissolving grey dot, shear a yellow cross, immune attack a green ring closing in. When there are
more packets than ``max_packets``, a stable sample (by packet id) is drawn and ``sampled`` says so.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from .. import theme
from ..frames import IMMUNE, SHEAR, FrameData, hash01
from . import raster
from .effects import EffectBuffer
from .sprite_item import SpriteItem

KIND_ARGB = np.array([theme.argb(c) for c in theme.VESSEL_COLORS], np.uint32)
NONVIABLE_ARGB = np.uint32(theme.argb(theme.NONVIABLE))
FOLLOW_ARGB = np.uint32(theme.argb(theme.ACCENT))
CAUSE_ARGB = np.array([theme.argb(theme.DEATH_ANOIKIS), theme.argb(theme.DEATH_SHEAR),
                       theme.argb(theme.DEATH_IMMUNE)], np.uint32)
CAUSE_SHAPE = np.array([raster.DOT, raster.CROSS, raster.RING], np.int8)
FADE_S = 1.1
MAX_PACKETS = 4000


def packet_radius(cells: np.ndarray, nclu: np.ndarray) -> np.ndarray:
    """Radius in logical px (at the reference zoom) grows slowly with the cells a packet carries."""
    lc = np.log2(np.maximum(cells, 1).astype(np.float64))
    r = np.where(nclu > 0, np.minimum(3.2 + 0.6 * lc, 6.5), np.minimum(2.0 + 0.5 * lc, 4.5))
    return np.where(nclu < 0, np.minimum(0.9 + 0.15 * lc, 1.6), r).astype(np.float32)


def sample_fraction(n: int, budget: int) -> float:
    """Share of packets to draw, in steps of 2^(1/4): between steps the same packets (by id) stay
    drawn from frame to frame, so the sample does not flicker as the count changes."""
    if n <= budget:
        return 1.0
    return float(2.0 ** (np.floor(4.0 * np.log2(budget / n)) / 4.0))


class PacketItem(SpriteItem):
    def __init__(self, bounds: QRectF, parent=None):
        super().__init__(bounds, parent)
        self.max_packets = MAX_PACKETS
        self.effects = EffectBuffer()
        self.follow_pid = -1
        self.total = 0      # packets in the body
        self.shown = 0      # packets drawn (fewer when sampled)
        self._base = None

    @property
    def sampled(self) -> bool:
        return self.shown < self.total

    def show_frame(self, f: FrameData, now: float) -> None:
        s = f.snap
        n = s.packet_id.shape[0]
        self.total = n
        keep = np.ones(n, bool)
        if n > self.max_packets:
            keep = hash01(s.packet_id) < sample_fraction(n, self.max_packets)
        # draw order: dying cells under living ones, clusters on top
        order = np.flatnonzero(keep)
        order = order[np.argsort(s.packet_nclu[order], kind="stable")]
        self.shown = int(order.size)
        nclu = s.packet_nclu[order]
        cells = s.packet_cells[order]
        color = KIND_ARGB[s.packet_kind[order].astype(np.int64)]
        color = np.where(nclu < 0, NONVIABLE_ARGB, color).astype(np.uint32)
        shape = np.where(nclu > 0, raster.ROSETTE, np.where(nclu < 0, raster.DOT, raster.GLOW)).astype(np.int8)
        alpha = np.where(nclu < 0, 0.4, 1.0).astype(np.float32)
        xy = s.packet_xy[order]
        r = packet_radius(cells, nclu)
        ids = s.packet_id[order]
        if self.follow_pid >= 0:
            hit = np.flatnonzero(ids == self.follow_pid)
            if hit.size:
                i = hit[0]
                xy = np.vstack([xy, xy[i:i + 1]])
                r = np.append(r, np.float32(r[i] + 7.0))
                color = np.append(color, FOLLOW_ARGB)
                alpha = np.append(alpha, np.float32(1.0))
                shape = np.append(shape, np.int8(raster.RING))
                ids = np.append(ids, ids[i])
        self._base = (xy[:, 0], xy[:, 1], r, color, alpha, shape, ids)
        d = f.deaths
        if d.xy.shape[0]:
            # Non-viable cells die by the thousand: a faint, short, thinned-out fade, so their
            # stream reads as 'dying' without hiding the living cells' deaths.
            show = d.viable | (hash01(np.arange(d.xy.shape[0]) + int(s.step) * 7919) < 0.35)
            viable = d.viable[show]
            cause = d.cause[show].astype(np.int64)
            bright = np.where(viable, 1.0, 0.3).astype(np.float32)
            r0 = np.where(viable, 5.0, 2.2).astype(np.float32)
            r1 = np.where(cause == IMMUNE, 1.5, np.where(cause == SHEAR, r0 * 1.6, 0.4)).astype(np.float32)
            r0 = np.where(cause == IMMUNE, r0 * 1.8, r0).astype(np.float32)
            life = np.where(viable, FADE_S, 0.6 * FADE_S).astype(np.float32)
            xy = d.xy[show]
            self.effects.add(xy[:, 0], xy[:, 1], now, life, r0, r1, bright, CAUSE_ARGB[cause],
                             CAUSE_SHAPE[cause])
        self.animate(now)

    def clear(self) -> None:
        self.effects.clear()
        self._base = None
        self.total = self.shown = 0
        self.set_sprites(*(np.zeros(0),) * 5, np.zeros(0, np.int8))

    def animate(self, now: float) -> None:
        ex, ey, er, ec, ea, es = self.effects.sprites(now)
        if self._base is None:
            x, y, r, c, a, s, k = (np.zeros(0),) * 7
            s = s.astype(np.int8)
        else:
            x, y, r, c, a, s, k = self._base
        self.set_sprites(np.concatenate([ex, x]), np.concatenate([ey, y]), np.concatenate([er, r]),
                         np.concatenate([ec, c]).astype(np.uint32), np.concatenate([ea, a]),
                         np.concatenate([es, s]).astype(np.int8),
                         key=np.concatenate([np.full(ex.shape[0], -1, np.int64), np.asarray(k, np.int64)]))

    @property
    def animating(self) -> bool:
        return len(self.effects) > 0
