"""Numba rasteriser: antialiased sprites (dots with halos, rings, diamonds, crosses, rosettes)
alpha-blended into one premultiplied ARGB32 buffer, so a frame of packets costs one image blit.

The buffer is cut into bands of rows drawn in parallel; every band draws its sprites in the given
order, so the picture is the same whatever the band height or thread count. The kernels are
``@njit`` (``cache=True, nogil=True``); a slow reference lives in ``tests/desktop/test_raster.py``.
"""

import math
import time

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)
pjit = numba.njit(cache=True, nogil=True, parallel=True)

#: Sprite shapes.
GLOW = 0        # bright core (colour lightened) with a soft halo: a packet of single cells
DISC = 1        # solid disc with a light rim: a macrometastasis, the primary tumour
RING = 2        # annulus: a micrometastasis, an arrest pulse, a selection
DIAMOND = 3     # filled diamond: a dormant cell
CROSS = 4       # diagonal cross: death by shear
ROSETTE = 5     # three touching discs with a halo: a cluster
DOT = 6         # small plain disc: a non-viable cell
FILLDISC = 7    # ring outline with a disc filling it to ``fill``: a growing lesion

#: Halo radius of GLOW and ROSETTE sprites, in sprite radii (the legend's look).
HALO = 2.4
#: Dots up to this radius (px) are drawn by the cheap ``_tiny`` (a crowded body's packets): their
#: square fits a 4x4 pixel footprint.
TINY = 1.69
#: Rows per band: small enough to share the work out evenly, big enough that few sprites straddle two.
BAND_ROWS = 24


@jit
def _words(cr, cg, cb):
    """An opaque colour (channels 0..255) as the two words ``_blend`` works on: red|blue, alpha|green."""
    return ((np.int64(cr + 0.5) << 16) | np.int64(cb + 0.5)), ((np.int64(255) << 16) | np.int64(cg + 0.5))


@jit
def _blend(buf, yy, xx, s_rb, s_ag, a):
    """Premultiplied 'source over' of an opaque colour (``_words``) with alpha ``a`` at one pixel.
    Integer arithmetic on two channels at a time, alpha in 1/256 steps: within one level of the
    exact float result."""
    if a <= 0.0:
        return
    ai = np.int64(a * 256.0 + 0.5) if a < 1.0 else np.int64(256)
    if ai == 0:
        return
    ki = 256 - ai
    d = np.int64(buf[yy, xx])
    rb = ((s_rb * ai + (d & 0x00FF00FF) * ki + 0x00800080) >> 8) & 0x00FF00FF
    ag = (s_ag * ai + ((d >> 8) & 0x00FF00FF) * ki + 0x00800080) & 0xFF00FF00
    buf[yy, xx] = np.uint32(rb | ag)


@jit
def _cover(edge):
    """Antialiased coverage of a pixel whose centre lies ``edge`` px inside a boundary."""
    c = edge + 0.5
    if c <= 0.0:
        return 0.0
    if c >= 1.0:
        return 1.0
    return c


@jit
def _reach(rad, sh, halo):
    """How far (px) from its centre a sprite can colour a pixel, plus a margin."""
    if sh == GLOW or sh == ROSETTE:
        return max(rad * halo, rad) + 1.5
    return rad + 1.5


@jit
def _span(cx, dy, r2, x0, x1):
    """Columns of the row ``dy`` below the centre whose pixel centres may lie within sqrt(r2)."""
    rem = r2 - dy * dy
    if rem <= 0.0:
        return 1, 0
    s = math.sqrt(rem)
    return max(x0, int(math.floor(cx - 0.5 - s))), min(x1, int(math.ceil(cx - 0.5 + s)))


@jit
def _tiny(buf, row0, row1, cx, cy, rad, s_rb, s_ag, a0):
    """A dot of at most TINY px radius drawn as an antialiased square of the disc's area (the
    product of an x and a y coverage) over a fixed 4x4 footprint: at this size it looks the same
    as a disc, and needs neither square roots nor loops of varying length."""
    w = buf.shape[1]
    e = 0.8862269 * rad + 0.5   # half the side of a square of area pi * rad^2, plus the blur
    ix0 = int(math.floor(cx - e - 0.5)) + 1
    iy0 = int(math.floor(cy - e - 0.5)) + 1
    for j in range(4):
        yy = iy0 + j
        if yy < row0 or yy >= row1:
            continue
        wy = a0 * _cover(e - 0.5 - abs(yy + 0.5 - cy))
        for i in range(4):
            xx = ix0 + i
            if 0 <= xx < w:
                _blend(buf, yy, xx, s_rb, s_ag, wy * _cover(e - 0.5 - abs(xx + 0.5 - cx)))


@jit
def _dot_words(argb, sh, halo):
    """The colour words of a sprite ``_tiny`` can draw (a plain dot, or a glow without halo with
    its core lightened by a quarter), or (0, 0) for any other sprite."""
    if sh != DOT and not (sh == GLOW and halo <= 1.05):
        return np.int64(0), np.int64(0)
    cr = float((argb >> 16) & 255)
    cg = float((argb >> 8) & 255)
    cb = float(argb & 255)
    if sh == GLOW:
        return _words(cr + (255.0 - cr) * 0.25, cg + (255.0 - cg) * 0.25, cb + (255.0 - cb) * 0.25)
    return _words(cr, cg, cb)


@jit
def _sprite(buf, row0, row1, cx, cy, rad, argb, a0, sh, fill, halo):
    """Draw one sprite (centre and radius in device px) into rows row0 <= y < row1 of ``buf``."""
    w = buf.shape[1]
    reach = _reach(rad, sh, halo)
    x0 = max(int(math.floor(cx - reach)), 0)
    x1 = min(int(math.ceil(cx + reach)), w - 1)
    y0 = max(int(math.floor(cy - reach)), row0)
    y1 = min(int(math.ceil(cy + reach)), row1 - 1)
    if x0 > x1 or y0 > y1:
        return
    cr = float((argb >> 16) & 255)
    cg = float((argb >> 8) & 255)
    cb = float(argb & 255)
    c_rb, c_ag = _words(cr, cg, cb)
    # light core colour for glowing sprites
    l_rb, l_ag = _words(cr + (255.0 - cr) * 0.6, cg + (255.0 - cg) * 0.6, cb + (255.0 - cb) * 0.6)
    if sh == GLOW:  # the common case at high counts: walk only the rows' spans inside the halo
        halo_r = rad * halo
        if halo_r <= rad * 1.05:
            # crowded: no halo, and a core less washed out, so the vessel colour still shows
            halo_r = 0.0
            l_rb, l_ag = _words(cr + (255.0 - cr) * 0.25, cg + (255.0 - cg) * 0.25, cb + (255.0 - cb) * 0.25)
        if halo_r == 0.0 and rad <= TINY:
            _tiny(buf, row0, row1, cx, cy, rad, l_rb, l_ag, a0)
            return
        outer = max(halo_r, rad + 0.5)
        for yy in range(y0, y1 + 1):
            dy = yy + 0.5 - cy
            xa, xb = _span(cx, dy, outer * outer, x0, x1)
            for xx in range(xa, xb + 1):
                dx = xx + 0.5 - cx
                d = math.sqrt(dx * dx + dy * dy)
                if d < halo_r:
                    t = 1.0 - d / halo_r
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * 0.55 * t * t)
                cov = _cover(rad - d)
                if cov > 0.0:
                    _blend(buf, yy, xx, l_rb, l_ag, a0 * cov)
        return
    if sh == DOT:
        if rad <= TINY:
            _tiny(buf, row0, row1, cx, cy, rad, c_rb, c_ag, a0)
            return
        outer = rad + 0.5
        for yy in range(y0, y1 + 1):
            dy = yy + 0.5 - cy
            xa, xb = _span(cx, dy, outer * outer, x0, x1)
            for xx in range(xa, xb + 1):
                dx = xx + 0.5 - cx
                cov = _cover(rad - math.sqrt(dx * dx + dy * dy))
                if cov > 0.0:
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * cov)
        return
    if sh == ROSETTE:
        # three lobes around the centre, over a halo (none when crowded)
        halo_r = rad * halo if halo > 1.05 else 0.0
        lobe_r = rad * 0.56
        lobes = rad * 0.48 + lobe_r + 0.5
        outer = max(halo_r, lobes)
        lx0 = cx + math.cos(-1.5707963) * rad * 0.48
        ly0 = cy + math.sin(-1.5707963) * rad * 0.48
        lx1 = cx + math.cos(2.0943951 - 1.5707963) * rad * 0.48
        ly1 = cy + math.sin(2.0943951 - 1.5707963) * rad * 0.48
        lx2 = cx + math.cos(4.1887902 - 1.5707963) * rad * 0.48
        ly2 = cy + math.sin(4.1887902 - 1.5707963) * rad * 0.48
        for yy in range(y0, y1 + 1):
            dy = yy + 0.5 - cy
            py = yy + 0.5
            xa, xb = _span(cx, dy, outer * outer, x0, x1)
            for xx in range(xa, xb + 1):
                dx = xx + 0.5 - cx
                d = math.sqrt(dx * dx + dy * dy)
                if d < halo_r:
                    t = 1.0 - d / halo_r
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * 0.5 * t * t)
                if d >= lobes:
                    continue
                px = xx + 0.5
                best = _cover(lobe_r - math.sqrt((px - lx0) ** 2 + (py - ly0) ** 2))
                best = max(best, _cover(lobe_r - math.sqrt((px - lx1) ** 2 + (py - ly1) ** 2)))
                best = max(best, _cover(lobe_r - math.sqrt((px - lx2) ** 2 + (py - ly2) ** 2)))
                if best > 0.0:
                    _blend(buf, yy, xx, l_rb, l_ag, a0 * best)
        return
    thick = max(1.3, rad * 0.3)
    for yy in range(y0, y1 + 1):
        dy = yy + 0.5 - cy
        for xx in range(x0, x1 + 1):
            dx = xx + 0.5 - cx
            d = math.sqrt(dx * dx + dy * dy)
            if sh == DISC:
                cov = _cover(rad - d)
                if cov > 0.0:
                    rim = _cover(d - (rad - 1.2))
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * cov * (1.0 - rim))
                    if rim > 0.0:
                        _blend(buf, yy, xx, l_rb, l_ag, a0 * cov * rim)
            elif sh == RING:
                cov = _cover(rad - d) * _cover(d - (rad - thick))
                if cov > 0.0:
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * cov)
            elif sh == DIAMOND:
                m = abs(dx) + abs(dy)
                cov = _cover((rad - m) * 0.7071)
                if cov > 0.0:
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * cov)
            elif sh == CROSS:
                if d <= rad + 0.5:
                    e1 = abs(dx - dy) * 0.7071
                    e2 = abs(dx + dy) * 0.7071
                    e = min(e1, e2)
                    cov = _cover(thick * 0.5 - e) * _cover(rad - d)
                    if cov > 0.0:
                        _blend(buf, yy, xx, c_rb, c_ag, a0 * cov)
            else:  # FILLDISC
                ring = _cover(rad - d) * _cover(d - (rad - max(1.1, rad * 0.14)))
                if ring > 0.0:
                    _blend(buf, yy, xx, l_rb, l_ag, a0 * 0.8 * ring)
                cov = _cover(rad * fill - d)
                if cov > 0.0:
                    _blend(buf, yy, xx, c_rb, c_ag, a0 * cov)


def _draw_banded(buf, x, y, r, color, alpha, shape, fill, sx, sy, ox, oy, rscale, halo, band_rows, clear,
                 n_threads):
    """Draw every sprite i, centred at device pixel (sx*x[i] + ox, sy*y[i] + oy) with radius
    rscale*r[i] px, into ``buf`` [h, w]; with ``clear`` the buffer is zeroed first.

    ``color`` is 0xAARRGGBB (straight alpha, multiplied by ``alpha[i]``); ``fill`` is only read by
    FILLDISC (0..1 of the radius); ``halo`` is the halo radius of GLOW and ROSETTE in radii. Later
    sprites are on top. Returns the number of sprites that touched the buffer.
    """
    h, w = buf.shape
    n = x.shape[0]
    n_bands = max((h + band_rows - 1) // band_rows, 1)
    cx = np.empty(n)
    cy = np.empty(n)
    rad = np.empty(n)
    a0 = np.empty(n)
    band0 = np.empty(n, np.int64)
    band1 = np.empty(n, np.int64)
    for i in numba.prange(n):
        cx[i] = sx * x[i] + ox
        cy[i] = sy * y[i] + oy
        rad[i] = rscale * r[i]
        a0[i] = alpha[i] * (((color[i] >> 24) & 255) / 255.0)
        band0[i] = 0
        band1[i] = -1
        if a0[i] <= 0.0 or rad[i] <= 0.0:
            continue
        reach = _reach(rad[i], shape[i], halo)
        if (math.ceil(cx[i] + reach) < 0 or math.ceil(cy[i] + reach) < 0
                or math.floor(cx[i] - reach) >= w or math.floor(cy[i] - reach) >= h):
            continue
        band0[i] = max(int(math.floor(cy[i] - reach)), 0) // band_rows
        band1[i] = min(int(math.ceil(cy[i] + reach)), h - 1) // band_rows
    # bucket the sprites by band, keeping their order within each band
    start = np.zeros(n_bands + 1, np.int64)
    drawn = 0
    for i in range(n):
        if band1[i] >= band0[i]:
            drawn += 1
        for b in range(band0[i], band1[i] + 1):
            start[b + 1] += 1
    for b in range(n_bands):
        start[b + 1] += start[b]
    # copy each band's sprites next to each other, so drawing a band reads memory in order
    nxt = start[:-1].copy()
    m = start[n_bands]
    gx = np.empty(m)
    gy = np.empty(m)
    gr = np.empty(m)
    ga = np.empty(m)
    gc = np.empty(m, np.uint32)
    gs = np.empty(m, np.int8)
    gf = np.empty(m, np.float32)
    # a crowded body's dots skip the general path, with their colour worked out once here
    dot_rb = np.zeros(n, np.int64)
    dot_ag = np.zeros(n, np.int64)
    for i in numba.prange(n):
        if rad[i] <= TINY:
            dot_rb[i], dot_ag[i] = _dot_words(color[i], shape[i], halo)
    g_rb = np.empty(m, np.int64)
    g_ag = np.empty(m, np.int64)
    for i in range(n):
        for b in range(band0[i], band1[i] + 1):
            k = nxt[b]
            g_rb[k] = dot_rb[i]
            g_ag[k] = dot_ag[i]
            gx[k] = cx[i]
            gy[k] = cy[i]
            gr[k] = rad[i]
            ga[k] = a0[i]
            gc[k] = color[i]
            gs[k] = shape[i]
            gf[k] = fill[i]
            nxt[b] = k + 1
    # bands dealt out round-robin, so busy parts of the picture are shared between threads
    for t in numba.prange(n_threads):
        for b in range(t, n_bands, n_threads):
            row0 = b * band_rows
            row1 = min(row0 + band_rows, h)
            if clear:
                buf[row0:row1, :] = 0
            for k in range(start[b], start[b + 1]):
                if g_ag[k] != 0:
                    _tiny(buf, row0, row1, gx[k], gy[k], gr[k], g_rb[k], g_ag[k], ga[k])
                else:
                    _sprite(buf, row0, row1, gx[k], gy[k], gr[k], gc[k], ga[k], gs[k], gf[k], halo)
    return drawn


#: The same kernel compiled twice: threads pay off only for big frames (on a busy two-core machine a
#: parallel region can wait a whole time slice for its second thread).
_draw_serial = jit(_draw_banded)
_draw_parallel = pjit(_draw_banded)
#: Sprites from which a frame is drawn by several threads.
PARALLEL_FROM = 8_000


class ThreadChoice:
    """Whether big frames are drawn by several threads, decided by timing both ways now and then:
    on a busy machine a parallel region can wait longer for its threads than it saves (the picture
    is the same either way, so switching is invisible)."""

    TRIAL_FRAMES = 12       # frames per trial, alternating serial and parallel
    EVERY = 600             # big frames between trials

    def __init__(self):
        self.parallel = True
        self._count = 0
        self._times = {False: [], True: []}

    def pick(self) -> bool:
        phase = self._count % self.EVERY
        return bool(phase % 2) if phase < self.TRIAL_FRAMES else self.parallel

    def record(self, parallel: bool, seconds: float) -> None:
        phase = self._count % self.EVERY
        self._count += 1
        if phase >= self.TRIAL_FRAMES:
            return
        self._times[parallel].append(seconds)
        if phase == self.TRIAL_FRAMES - 1:
            self.parallel = bool(np.median(self._times[True]) < np.median(self._times[False]))
            self._times = {False: [], True: []}


#: The choice made for this process's big frames.
THREADS = ThreadChoice()


def draw_sprites_mapped(buf, x, y, r, color, alpha, shape, fill, sx, sy, ox, oy, rscale, halo=HALO,
                        band_rows=BAND_ROWS, clear=True):
    """Draw the sprites through the mapping x -> sx*x + ox, y -> sy*y + oy, r -> rscale*r; the
    arrays must already have the kernel's types (float32, uint32 colours, int8 shapes)."""
    args = (buf, x, y, r, color, alpha, shape, fill, float(sx), float(sy), float(ox), float(oy),
            float(rscale), float(halo), int(band_rows), bool(clear))
    if x.shape[0] < PARALLEL_FROM or numba.get_num_threads() < 2:
        return _draw_serial(*args, 1)
    parallel = THREADS.pick()
    t0 = time.perf_counter()
    drawn = _draw_parallel(*args, numba.get_num_threads()) if parallel else _draw_serial(*args, 1)
    THREADS.record(parallel, time.perf_counter() - t0)
    return drawn


def warm_up() -> None:
    """Compile (or load from the cache) both variants of the kernel, e.g. behind a splash."""
    buf = np.zeros((4, 4), np.uint32)
    one = np.ones(1, np.float32)
    for kernel in (_draw_serial, _draw_parallel):
        kernel(buf, one, one, one, np.ones(1, np.uint32), one, np.zeros(1, np.int8), one, 1.0, 1.0, 0.0, 0.0,
               1.0, HALO, BAND_ROWS, True, 1)


def draw_sprites(buf, x, y, r, color, alpha, shape, fill):
    """Draw every sprite i at device pixel (x[i], y[i]) with radius r[i] px into ``buf`` [h, w]
    (no clearing, the default halo); see ``_draw_banded``. Returns the number drawn."""
    f32 = np.float32
    return _draw_serial(buf, np.ascontiguousarray(x, f32), np.ascontiguousarray(y, f32),
                        np.ascontiguousarray(r, f32), np.ascontiguousarray(color, np.uint32),
                        np.ascontiguousarray(alpha, f32), np.ascontiguousarray(shape, np.int8),
                        np.ascontiguousarray(fill, f32), 1.0, 1.0, 0.0, 0.0, 1.0, HALO, BAND_ROWS, False, 1)
