"""PacketItem: every packet of cells in transit, drawn by ONE batched sprite item per frame.

The look says what a packet is: a glowing dot is viable single cells, a three-lobed rosette a
cluster, a small dim dot shed cells that are already dying; the colour is the kind of vessel it
rides, the size grows with the cell count. Deaths fade where they happen, by cause: anoikis a
dissolving grey dot, shear a yellow cross, immune attack a green ring closing in. When there are
more packets than ``max_packets``, a stable sample (by packet id) is drawn and ``sampled`` says so.
When many are drawn the glyphs get simpler and smaller (``detail``), so the busy body stays
readable and the frame stays cheap.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from PySide6.QtCore import QRectF

from desktop.core.frames import IMMUNE, SHEAR, FrameData, hash01
from desktop.window import theme
from desktop.window.views import raster
from desktop.window.views.effects import EffectBuffer
from desktop.window.views.sprite_item import SpriteItem

KIND_ARGB = np.array([theme.argb(c) for c in theme.VESSEL_COLORS], np.uint32)
NONVIABLE_ARGB = np.uint32(theme.argb(theme.NONVIABLE))
FOLLOW_ARGB = np.uint32(theme.argb(theme.ACCENT))
CAUSE_ARGB = np.array(
    [theme.argb(theme.DEATH_ANOIKIS), theme.argb(theme.DEATH_SHEAR), theme.argb(theme.DEATH_IMMUNE)], np.uint32
)
CAUSE_SHAPE = np.array([raster.DOT, raster.CROSS, raster.RING], np.int8)
FADE_S = 1.1
#: Packets drawn at most (a stable sample by packet id beyond): room above 10^5, so a body with
#: about 10^5 packets in flight (whose count wanders round it) has every one drawn. Measured in the
#: live window (``seedsoil --bench-render --live``, desktop/README.md).
MAX_PACKETS = 125_000
#: Up to this many drawn packets the glyphs have their full look (the legend's).
FULL_DETAIL = 3_000
#: From this many on, glyphs have no halo and shrink as sqrt(1/count) (at most down to MIN_SCALE).
NO_HALO = 12_000
MIN_SCALE = 0.3


@numba.njit(cache=True, nogil=True)
def _style_packets(order, xy, cells, nclu, kind, kind_argb, nonviable_argb, x, y, r, color, alpha, shape):
    """Gather the packets ``order`` picks and give each its glyph in one pass. The radius (logical
    px at the reference zoom) grows slowly with the cells a packet carries, L = log2(max(cells, 1)):
    a cluster (nclu > 0) min(3.2 + 0.6 L, 6.5) as a rosette, single viable cells min(2.0 + 0.5 L,
    4.5) as a glow in its vessel's colour, shed cells already dying (nclu < 0) min(0.9 + 0.15 L,
    1.6) as a dim dot."""
    for j in range(order.shape[0]):
        i = order[j]
        x[j] = xy[i, 0]
        y[j] = xy[i, 1]
        lc = math.log2(max(cells[i], 1.0))
        c = nclu[i]
        if c > 0:
            r[j] = min(3.2 + 0.6 * lc, 6.5)
            shape[j] = raster.ROSETTE
        elif c < 0:
            r[j] = min(0.9 + 0.15 * lc, 1.6)
            shape[j] = raster.DOT
        else:
            r[j] = min(2.0 + 0.5 * lc, 4.5)
            shape[j] = raster.GLOW
        color[j] = nonviable_argb if c < 0 else kind_argb[kind[i]]
        alpha[j] = 0.4 if c < 0 else 1.0


@numba.njit(cache=True, nogil=True)
def _draw_order(nclu, sel):
    """The packets ``sel`` (indices) in draw order: by ``nclu`` clipped to -1..32767, stable (dying
    cells under living ones, clusters on top, bigger ones later): a counting sort, the same order
    as ``np.argsort(np.clip(nclu[sel], -1, 32767).astype(np.int16), kind="stable")`` mapped
    through ``sel``, in two passes over the packets."""
    n = sel.shape[0]
    top = 0
    for j in range(n):
        k = min(max(nclu[sel[j]], -1), 32767) + 1
        if k > top:
            top = k
    start = np.zeros(top + 2, np.int64)
    for j in range(n):
        start[min(max(nclu[sel[j]], -1), 32767) + 2] += 1
    for k in range(1, top + 2):
        start[k] += start[k - 1]
    out = np.empty(n, np.int64)
    for j in range(n):
        i = sel[j]
        k = min(max(nclu[i], -1), 32767) + 1
        out[start[k]] = i
        start[k] += 1
    return out


def draw_order(nclu: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Indices of the packets to draw (all, or ``keep``), in draw order (see ``_draw_order``)."""
    sel = np.arange(nclu.shape[0], dtype=np.int64) if keep is None else keep.astype(np.int64, copy=False)
    return _draw_order(np.ascontiguousarray(nclu, np.int64), sel)


def warm_up() -> None:
    """Compile (or load from the cache) the packet layer's kernels, e.g. in the start-up warm-up
    thread, so that the first busy frame does not stall the window."""
    one = np.zeros(1, np.int64)
    out = [np.empty(1, t) for t in (np.float32, np.float32, np.float32, np.uint32, np.float32, np.int8)]
    _style_packets(one, np.zeros((1, 2)), one, one, np.zeros(1, np.int8), KIND_ARGB, NONVIABLE_ARGB, *out)
    draw_order(one)
    hash01(one)  # (the sample above the cap, and the dying cells' thinning)
    raster.warm_up()


def sample_fraction(n: int, budget: int) -> float:
    """Share of packets to draw, in steps of 2^(1/4): between steps the same packets (by id) stay
    drawn from frame to frame, so the sample does not flicker as the count changes."""
    if n <= budget:
        return 1.0
    return float(2.0 ** (np.floor(4.0 * np.log2(budget / n)) / 4.0))


def detail(n: int) -> tuple[float, float]:
    """(halo in radii, size scale) for ``n`` drawn packets: the full look up to FULL_DETAIL, the
    halo shrinking away by NO_HALO, then dots shrinking so the drawn area stays about constant."""
    if n <= FULL_DETAIL:
        return raster.HALO, 1.0
    if n <= NO_HALO:
        u = np.log(n / FULL_DETAIL) / np.log(NO_HALO / FULL_DETAIL)
        return float(raster.HALO - (raster.HALO - 1.0) * u), float(1.0 - 0.2 * u)
    return 1.0, float(max(MIN_SCALE, 0.8 * np.sqrt(NO_HALO / n)))


class PacketItem(SpriteItem):
    def __init__(self, bounds: QRectF, parent=None, max_packets: int = MAX_PACKETS):
        super().__init__(bounds, parent)
        self.max_packets = max_packets  # the sampling budget; a benchmark may raise it
        self.effects = EffectBuffer()
        self.follow_pid = -1
        self.total = 0  # packets in the body
        self.shown = 0  # packets drawn (fewer when sampled)
        self._base = None

    @property
    def sampled(self) -> bool:
        return self.shown < self.total

    def show_frame(self, f: FrameData, now: float) -> None:
        s = f.snap
        n = s.packet_id.shape[0]
        self.total = n
        keep = None
        if n > self.max_packets:
            keep = np.flatnonzero(hash01(s.packet_id) < sample_fraction(n, self.max_packets))
        # draw order: dying cells under living ones, clusters on top (a counting sort on a small key)
        order = draw_order(s.packet_nclu, keep)
        self.shown = k = int(order.size)
        x, y, r_full = np.empty(k, np.float32), np.empty(k, np.float32), np.empty(k, np.float32)
        color, alpha, shape = np.empty(k, np.uint32), np.empty(k, np.float32), np.empty(k, np.int8)
        _style_packets(
            order,
            s.packet_xy,
            s.packet_cells,
            s.packet_nclu,
            s.packet_kind,
            KIND_ARGB,
            NONVIABLE_ARGB,
            x,
            y,
            r_full,
            color,
            alpha,
            shape,
        )
        self.halo, scale = detail(self.shown)
        r = r_full * np.float32(scale) if scale != 1.0 else r_full
        ids = s.packet_id[order]
        if self.follow_pid >= 0:
            hit = np.flatnonzero(ids == self.follow_pid)
            if hit.size:
                i = hit[0]  # a full-size ring round the followed packet, however crowded
                x, y = np.append(x, x[i]), np.append(y, y[i])
                r = np.append(r, np.float32(r_full[i] + 7.0))
                color = np.append(color, FOLLOW_ARGB)
                alpha = np.append(alpha, np.float32(1.0))
                shape = np.append(shape, np.int8(raster.RING))
                ids = np.append(ids, ids[i])
        self._base = (x, y, r, color, alpha, shape, ids.astype(np.int64, copy=False))
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
            self.effects.add(xy[:, 0], xy[:, 1], now, life, r0, r1, bright, CAUSE_ARGB[cause], CAUSE_SHAPE[cause])
        self.animate(now)

    def clear(self) -> None:
        self.effects.clear()
        self._base = None
        self.total = self.shown = 0
        self.set_sprites(*(np.zeros(0),) * 5, np.zeros(0, np.int8))

    def animate(self, now: float) -> None:
        ex, ey, er, ec, ea, es = self.effects.sprites(now)
        if self._base is None:
            x, y, r, c, a, s, k = (np.zeros(0, np.float32),) * 7
            c, s, k = c.astype(np.uint32), s.astype(np.int8), k.astype(np.int64)
        else:
            x, y, r, c, a, s, k = self._base
        if ex.shape[0] == 0:  # nothing fading: hand over the packet arrays as they are
            self.set_sprites(x, y, r, c, a, s, key=k)
            return
        self.set_sprites(
            np.concatenate([ex, x]),
            np.concatenate([ey, y]),
            np.concatenate([er, r]),
            np.concatenate([ec, c]).astype(np.uint32),
            np.concatenate([ea, a]),
            np.concatenate([es, s]).astype(np.int8),
            key=np.concatenate([np.full(ex.shape[0], -1, np.int64), k]),
        )

    @property
    def animating(self) -> bool:
        return len(self.effects) > 0
