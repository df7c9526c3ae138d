"""Numba rasteriser: antialiased sprites (dots with halos, rings, diamonds, crosses, rosettes)
alpha-blended into one premultiplied ARGB32 buffer, so a frame of packets costs one image blit.

The buffer's rows are cut into one part per thread; every part draws the sprites that reach it in
the given order, so the picture is the same whatever the thread count. The kernels are
``@njit`` (``cache=True, nogil=True``); a slow reference lives in ``tests/desktop/test_raster.py``.
"""

import math
import time

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)
#: Inlined into the drawing loop at numba level: left to LLVM, these small helpers stayed calls.
ijit = numba.njit(cache=True, nogil=True, inline="always")
pjit = numba.njit(cache=True, nogil=True, parallel=True)

#: Sprite shapes.
GLOW = 0  # bright core (colour lightened) with a soft halo: a packet of single cells
DISC = 1  # solid disc with a light rim: a macrometastasis, the primary tumour
RING = 2  # annulus: a micrometastasis, an arrest pulse, a selection
DIAMOND = 3  # filled diamond: a dormant cell
CROSS = 4  # diagonal cross: death by shear
ROSETTE = 5  # three touching discs with a halo: a cluster
DOT = 6  # small plain disc: a non-viable cell
FILLDISC = 7  # ring outline with a disc filling it to ``fill``: a growing lesion

#: Halo radius of GLOW and ROSETTE sprites, in sprite radii (the legend's look).
HALO = 2.4
#: Dots up to this radius (px) are drawn by the cheap ``_tiny`` (a crowded body's packets): their
#: square fits a 4x4 pixel footprint.
TINY = 1.69


@jit
def _words(cr, cg, cb):
    """An opaque colour (channels 0..255) as the two words ``_blend`` works on: red|blue, alpha|green."""
    return ((np.int64(cr + 0.5) << 16) | np.int64(cb + 0.5)), ((np.int64(255) << 16) | np.int64(cg + 0.5))


@ijit
def _blend_i(buf, yy, xx, s_rb, s_ag, a):
    """The blend of ``_blend`` without its early exit, for the hot loop of crowded frames: an alpha
    that rounds to 0 leaves the pixel exactly as it was (so a zero weight can stand in for a
    skipped pixel)."""
    _blend_ai(buf, yy, xx, s_rb, s_ag, _ai(a))


@jit
def _blend(buf, yy, xx, s_rb, s_ag, a):
    """Premultiplied 'source over' of an opaque colour (``_words``) with alpha ``a`` at one pixel.
    Integer arithmetic on two channels at a time, alpha in 1/256 steps: within one level of the
    exact float result."""
    if a > 0.0:
        _blend_i(buf, yy, xx, s_rb, s_ag, a)


@ijit
def _cover(edge):
    """Antialiased coverage of a pixel whose centre lies ``edge`` px inside a boundary."""
    return min(max(edge + 0.5, 0.0), 1.0)


@ijit
def _lobe(px, py, lx, ly, lobe_r, far2):
    """Coverage of pixel centre (px, py) by a rosette lobe: no square root where it is 0 anyway
    (at ``lobe_r + 0.5`` or farther; a rounding there gives an alpha that blends to nothing)."""
    d2 = (px - lx) ** 2 + (py - ly) ** 2
    if d2 >= far2:
        return 0.0
    return _cover(lobe_r - math.sqrt(d2))


@jit
def _reach(rad, sh, halo):
    """How far (px) from its centre a sprite can colour a pixel, plus a margin."""
    if sh in (GLOW, ROSETTE):
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


@ijit
def _blend_ai(buf, yy, xx, s_rb, s_ag, ai):
    """``_blend_i`` with the alpha already in 1/256 steps (0..256)."""
    ki = 256 - ai
    d = np.int64(buf[yy, xx])
    rb = ((s_rb * ai + (d & 0x00FF00FF) * ki + 0x00800080) >> 8) & 0x00FF00FF
    ag = (s_ag * ai + ((d >> 8) & 0x00FF00FF) * ki + 0x00800080) & 0xFF00FF00
    buf[yy, xx] = np.uint32(rb | ag)


@ijit
def _halo(buf, yy, xx, dist, halo_r, h_rb, h_ag, peak):
    """A halo's pixel at ``dist`` from the centre: alpha ``peak`` at the centre fading as the
    square to 0 at ``halo_r`` (nothing beyond, or with no halo)."""
    if dist < halo_r:
        fade = 1.0 - dist / halo_r
        _blend(buf, yy, xx, h_rb, h_ag, peak * fade * fade)


@ijit
def _ai(a):
    """An alpha as ``_blend_i`` rounds it: 1/256 steps, at most 256."""
    return min(np.int64(a * 256.0 + 0.5), np.int64(256))


@ijit
def _tiny(buf, row0, row1, cx, cy, rad, s_rb, s_ag, a0):
    """``_tiny_edge`` for a footprint wholly inside the buffer's rows row0..row1 (nearly every dot):
    no clamped indices, and a row whose weight rounds to 0 is skipped (it would leave its pixels
    exactly as they were), and a dot with only 2 or 3 pixels of non-zero weight a side walks only
    those. The same pixels, bit for bit."""
    w = buf.shape[1]
    e = 0.8862269 * rad + 0.5
    ix0 = int(math.floor(cx - e - 0.5)) + 1
    iy0 = int(math.floor(cy - e - 0.5)) + 1
    if ix0 < 0 or ix0 + 3 >= w or iy0 < row0 or iy0 + 3 >= row1:
        _tiny_edge(buf, row0, row1, cx, cy, rad, s_rb, s_ag, a0)
        return
    # the first pixel centre lies less than e left of the dot's centre, so pixel k on has
    # |d| >= e, weight 0, once k >= 2e: at e <= 1 a 2x2 footprint draws the same pixels, at
    # e <= 1.5 a 3x3 one (a crowded frame's dots), else 4x4
    n = 2 if e <= 1.0 else (3 if e <= 1.5 else 4)
    wx0 = _cover(e - 0.5 - abs(ix0 + 0.5 - cx))
    wx1 = _cover(e - 0.5 - abs(ix0 + 1.5 - cx))
    wx2 = _cover(e - 0.5 - abs(ix0 + 2.5 - cx))
    wx3 = _cover(e - 0.5 - abs(ix0 + 3.5 - cx))
    for j in range(n):
        yy = iy0 + j
        wy = a0 * _cover(e - 0.5 - abs(yy + 0.5 - cy))
        if wy * 256.0 < 0.5:
            continue
        _blend_ai(buf, yy, ix0, s_rb, s_ag, _ai(wy * wx0))
        _blend_ai(buf, yy, ix0 + 1, s_rb, s_ag, _ai(wy * wx1))
        if n > 2:
            _blend_ai(buf, yy, ix0 + 2, s_rb, s_ag, _ai(wy * wx2))
            if n > 3:
                _blend_ai(buf, yy, ix0 + 3, s_rb, s_ag, _ai(wy * wx3))


@ijit
def _tiny_edge(buf, row0, row1, cx, cy, rad, s_rb, s_ag, a0):
    """A dot of at most TINY px radius drawn as an antialiased square of the disc's area (the
    product of an x and a y coverage) over a fixed 4x4 footprint: at this size it looks the same
    as a disc, and needs neither square roots nor loops of varying length. Written without
    data-dependent branches (columns off the buffer get weight 0 at a clamped index): this is the
    hot loop of a crowded frame, and mispredicted branches were most of its cost."""
    w = buf.shape[1]
    e = 0.8862269 * rad + 0.5  # half the side of a square of area pi * rad^2, plus the blur
    ix0 = int(math.floor(cx - e - 0.5)) + 1
    iy0 = int(math.floor(cy - e - 0.5)) + 1
    x0 = min(max(ix0, 0), w - 1)
    x1 = min(max(ix0 + 1, 0), w - 1)
    x2 = min(max(ix0 + 2, 0), w - 1)
    x3 = min(max(ix0 + 3, 0), w - 1)
    wx0 = _cover(e - 0.5 - abs(ix0 + 0.5 - cx)) * (x0 == ix0)
    wx1 = _cover(e - 0.5 - abs(ix0 + 1.5 - cx)) * (x1 == ix0 + 1)
    wx2 = _cover(e - 0.5 - abs(ix0 + 2.5 - cx)) * (x2 == ix0 + 2)
    wx3 = _cover(e - 0.5 - abs(ix0 + 3.5 - cx)) * (x3 == ix0 + 3)
    for j in range(4):
        yy = iy0 + j
        if yy < row0 or yy >= row1:  # rows of other parts belong to other threads
            continue
        wy = a0 * _cover(e - 0.5 - abs(yy + 0.5 - cy))
        _blend_i(buf, yy, x0, s_rb, s_ag, wy * wx0)
        _blend_i(buf, yy, x1, s_rb, s_ag, wy * wx1)
        _blend_i(buf, yy, x2, s_rb, s_ag, wy * wx2)
        _blend_i(buf, yy, x3, s_rb, s_ag, wy * wx3)


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
def _sprite(buf, row0, row1, cx, cy, rad, argb, a0, sh, fill, halo):  # noqa: C901
    """Draw one sprite (centre and radius in device px) into rows row0 <= y < row1 of ``buf``.

    Long: numba compiles the per-pixel loop with every shape's branch inline; a call per shape and
    pixel would cost more than the branches (10^5 sprites a frame)."""
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
                _halo(buf, yy, xx, d, halo_r, c_rb, c_ag, a0 * 0.55)
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
        lobe_far2 = (lobe_r + 0.5) * (lobe_r + 0.5)
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
                _halo(buf, yy, xx, d, halo_r, c_rb, c_ag, a0 * 0.5)
                if d >= lobes:
                    continue
                px = xx + 0.5
                best = _lobe(px, py, lx0, ly0, lobe_r, lobe_far2)
                best = max(best, _lobe(px, py, lx1, ly1, lobe_r, lobe_far2))
                best = max(best, _lobe(px, py, lx2, ly2, lobe_r, lobe_far2))
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


@ijit
def _placed(i, x, y, r, color, alpha, shape, sx, sy, ox, oy, rscale, halo, w, row0, row1):
    """Sprite i in device pixels: (centre x, centre y, radius, opacity, reaches rows row0..row1-1
    of a buffer ``w`` wide, first row it can touch)."""
    cx = sx * x[i] + ox
    cy = sy * y[i] + oy
    rad = rscale * r[i]
    a0 = alpha[i] * (((color[i] >> 24) & 255) / 255.0)
    if a0 <= 0.0 or rad <= 0.0:
        return cx, cy, rad, a0, False, 0
    reach = _reach(rad, shape[i], halo)
    top = math.floor(cy - reach)
    inside = not (
        math.ceil(cx + reach) < 0 or math.ceil(cy + reach) < row0 or math.floor(cx - reach) >= w or top >= row1
    )
    return cx, cy, rad, a0, inside, max(int(top), 0)


@jit
def _draw_rows(buf, row0, row1, sprites, view):
    """Every sprite that reaches rows row0 <= y < row1, straight into those rows, in the given
    order. Each pixel sees the same sprites in the same order as with any other split of the rows,
    so the picture does not depend on it; there is no bucketing, which cost as much as drawing a
    crowded frame. Returns how many of the sprites drawn start in these rows (their first row is
    here), so that the counts of a split add up to the sprites that touch the buffer."""
    x, y, r, color, alpha, shape, fill = sprites
    sx, sy, ox, oy, rscale, halo, clear = view
    w = buf.shape[1]
    if clear:
        buf[row0:row1, :] = 0
    drawn = 0
    # the colour words of the last tiny sprite: neighbours in draw order mostly share colour and
    # shape (a crowded frame's dying cells are one colour), so they are worked out once per run
    last_c, last_sh = np.uint32(0), np.int8(-1)
    s_rb, s_ag = np.int64(0), np.int64(0)
    for i in range(x.shape[0]):
        cx, cy, rad, a0, inside, top = _placed(
            i, x, y, r, color, alpha, shape, sx, sy, ox, oy, rscale, halo, w, row0, row1
        )
        if not inside:
            continue
        if top >= row0:
            drawn += 1
        if rad <= TINY:
            if color[i] != last_c or shape[i] != last_sh:
                last_c, last_sh = color[i], shape[i]
                s_rb, s_ag = _dot_words(last_c, last_sh, halo)
            if s_ag != 0:
                _tiny(buf, row0, row1, cx, cy, rad, s_rb, s_ag, a0)
                continue
        _sprite(buf, row0, row1, cx, cy, rad, color[i], a0, shape[i], fill[i], halo)
    return drawn


@jit
def _draw_serial(buf, x, y, r, color, alpha, shape, fill, sx, sy, ox, oy, rscale, halo, clear, n_parts):
    """Draw every sprite i, centred at device pixel (sx*x[i] + ox, sy*y[i] + oy) with radius
    rscale*r[i] px, into ``buf`` [h, w]; with ``clear`` the buffer is zeroed first.

    ``color`` is 0xAARRGGBB (straight alpha, multiplied by ``alpha[i]``); ``fill`` is only read by
    FILLDISC (0..1 of the radius); ``halo`` is the halo radius of GLOW and ROSETTE in radii. Later
    sprites are on top. The rows are drawn in ``n_parts`` bands one after another (the picture is
    the same for any number). Returns the number of sprites that touched the buffer.
    """
    h = buf.shape[0]
    parts = max(1, min(n_parts, h))
    sprites, view = (x, y, r, color, alpha, shape, fill), (sx, sy, ox, oy, rscale, halo, clear)
    drawn = 0
    for t in range(parts):
        drawn += _draw_rows(buf, t * h // parts, (t + 1) * h // parts, sprites, view)
    return drawn


@pjit
def _draw_parallel(buf, x, y, r, color, alpha, shape, fill, sx, sy, ox, oy, rscale, halo, clear, n_parts):
    """``_draw_serial`` with its bands drawn by threads, one contiguous band each (measured: faster
    than finer stripes dealt round-robin, since every band scans all sprites). A separate function,
    not ``pjit`` of the serial one: numba's on-disk cache keys kernels by their Python function, so
    the two variants of one function overwrote each other's machine code there."""
    h = buf.shape[0]
    parts = max(1, min(n_parts, h))
    sprites, view = (x, y, r, color, alpha, shape, fill), (sx, sy, ox, oy, rscale, halo, clear)
    counts = np.zeros(parts, np.int64)
    for t in numba.prange(parts):
        counts[t] = _draw_rows(buf, t * h // parts, (t + 1) * h // parts, sprites, view)
    return counts.sum()


#: Sprites from which a frame is drawn by several threads.
PARALLEL_FROM = 8_000


class ThreadChoice:
    """Whether big frames are drawn by several threads, decided by timing both ways now and then:
    on a busy machine a parallel region can wait longer for its threads than it saves (the picture
    is the same either way, so switching is invisible)."""

    TRIAL_FRAMES = 12  # frames per trial, alternating serial and parallel
    EVERY = 600  # big frames between trials

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


#: The mapping that leaves coordinates and radii as they are: (sx, sy, ox, oy, rscale).
UNMAPPED = (1.0, 1.0, 0.0, 0.0, 1.0)


def draw_sprites_mapped(buf, x, y, r, color, alpha, shape, fill, sx, sy, ox, oy, rscale, halo=HALO, clear=True):
    """Draw the sprites through the mapping x -> sx*x + ox, y -> sy*y + oy, r -> rscale*r; the
    arrays must already have the kernel's types (float32, uint32 colours, int8 shapes)."""
    args = (
        buf,
        x,
        y,
        r,
        color,
        alpha,
        shape,
        fill,
        float(sx),
        float(sy),
        float(ox),
        float(oy),
        float(rscale),
        float(halo),
        bool(clear),
    )
    if x.shape[0] < PARALLEL_FROM or numba.get_num_threads() < 2:
        return _draw_serial(*args, 1)
    parallel = THREADS.pick()
    t0 = time.perf_counter()
    drawn = _draw_parallel(*args, numba.get_num_threads()) if parallel else _draw_serial(*args, 1)
    THREADS.record(parallel, time.perf_counter() - t0)
    return drawn


@jit
def extent(x, y, r):
    """(min x, min y, max x, max y, max r) of the sprites, NaNs left out, in one pass (NaN where
    no sprite is finite): what ``nanmin``/``nanmax`` give, without five passes over a crowded frame."""
    x_lo = y_lo = r_hi = x_hi = y_hi = np.nan
    for i in range(x.shape[0]):
        xi, yi, ri = x[i], y[i], r[i]
        if xi == xi:
            if not (xi >= x_lo):
                x_lo = xi
            if not (xi <= x_hi):
                x_hi = xi
        if yi == yi:
            if not (yi >= y_lo):
                y_lo = yi
            if not (yi <= y_hi):
                y_hi = yi
        if ri == ri and not (ri <= r_hi):
            r_hi = ri
    return x_lo, y_lo, x_hi, y_hi, r_hi


def warm_up() -> None:
    """Compile (or load from the cache) both variants of the kernel, e.g. behind a splash."""
    buf = np.zeros((4, 4), np.uint32)
    one = np.ones(1, np.float32)
    extent(one, one, one)
    for kernel in (_draw_serial, _draw_parallel):
        kernel(
            buf,
            one,
            one,
            one,
            np.ones(1, np.uint32),
            one,
            np.zeros(1, np.int8),
            one,
            *UNMAPPED,
            HALO,
            True,
            2,
        )


def draw_sprites(buf, x, y, r, color, alpha, shape, fill):
    """Draw every sprite i at device pixel (x[i], y[i]) with radius r[i] px into ``buf`` [h, w]
    (no clearing, the default halo); see ``_draw_serial``. Returns the number drawn."""
    f32 = np.float32
    return _draw_serial(
        buf,
        np.ascontiguousarray(x, f32),
        np.ascontiguousarray(y, f32),
        np.ascontiguousarray(r, f32),
        np.ascontiguousarray(color, np.uint32),
        np.ascontiguousarray(alpha, f32),
        np.ascontiguousarray(shape, np.int8),
        np.ascontiguousarray(fill, f32),
        1.0,
        1.0,
        0.0,
        0.0,
        1.0,
        HALO,
        False,
        1,
    )
