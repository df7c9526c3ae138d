"""Numba rasteriser: antialiased sprites (dots with halos, rings, diamonds, crosses, rosettes)
alpha-blended into one premultiplied ARGB32 buffer, so a frame of packets costs one image blit.

Leaf module of ``@njit`` functions only (``cache=True, nogil=True``); a slow reference lives in
``tests/desktop/test_raster.py``.
"""

import math

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)

#: Sprite shapes.
GLOW = 0        # bright core (colour lightened) with a soft halo: a packet of single cells
DISC = 1        # solid disc with a light rim: a macrometastasis, the primary tumour
RING = 2        # annulus: a micrometastasis, an arrest pulse, a selection
DIAMOND = 3     # filled diamond: a dormant cell
CROSS = 4       # diagonal cross: death by shear
ROSETTE = 5     # three touching discs with a halo: a cluster
DOT = 6         # small plain disc: a non-viable cell
FILLDISC = 7    # ring outline with a disc filling it to ``fill``: a growing lesion


@jit
def _blend(buf, yy, xx, cr, cg, cb, a):
    """Premultiplied 'source over' of colour (cr, cg, cb in 0..255) with alpha ``a`` at one pixel."""
    if a <= 0.0:
        return
    if a > 1.0:
        a = 1.0
    d = buf[yy, xx]
    da = (d >> 24) & 255
    dr = (d >> 16) & 255
    dg = (d >> 8) & 255
    db = d & 255
    k = 1.0 - a
    oa = a * 255.0 + da * k
    orr = cr * a + dr * k
    og = cg * a + dg * k
    ob = cb * a + db * k
    buf[yy, xx] = ((np.uint32(oa + 0.5) << 24) | (np.uint32(orr + 0.5) << 16)
                   | (np.uint32(og + 0.5) << 8) | np.uint32(ob + 0.5))


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
def draw_sprites(buf, x, y, r, color, alpha, shape, fill):
    """Draw every sprite i at device pixel (x[i], y[i]) with radius r[i] px into ``buf`` [h, w].

    ``color`` is 0xAARRGGBB (straight alpha, multiplied by ``alpha[i]``); ``fill`` is only read
    by FILLDISC (0..1 of the radius). Sprites are drawn in order, so later ones are on top.
    Returns the number of sprites that touched the buffer.
    """
    h, w = buf.shape
    drawn = 0
    for i in range(x.shape[0]):
        a0 = alpha[i] * (((color[i] >> 24) & 255) / 255.0)
        if a0 <= 0.0 or r[i] <= 0.0:
            continue
        cx = x[i]
        cy = y[i]
        rad = r[i]
        sh = shape[i]
        cr = float((color[i] >> 16) & 255)
        cg = float((color[i] >> 8) & 255)
        cb = float(color[i] & 255)
        reach = rad + 1.5
        if sh == GLOW or sh == ROSETTE:
            reach = rad * 2.4 + 1.5
        x0 = int(math.floor(cx - reach))
        x1 = int(math.ceil(cx + reach))
        y0 = int(math.floor(cy - reach))
        y1 = int(math.ceil(cy + reach))
        if x1 < 0 or y1 < 0 or x0 >= w or y0 >= h:
            continue
        if x0 < 0:
            x0 = 0
        if y0 < 0:
            y0 = 0
        if x1 > w - 1:
            x1 = w - 1
        if y1 > h - 1:
            y1 = h - 1
        drawn += 1
        # light core colour for glowing sprites
        lr = cr + (255.0 - cr) * 0.6
        lg = cg + (255.0 - cg) * 0.6
        lb = cb + (255.0 - cb) * 0.6
        thick = max(1.3, rad * 0.3)
        for yy in range(y0, y1 + 1):
            dy = yy + 0.5 - cy
            for xx in range(x0, x1 + 1):
                dx = xx + 0.5 - cx
                d = math.sqrt(dx * dx + dy * dy)
                if sh == GLOW:
                    halo_r = rad * 2.4
                    if d < halo_r:
                        t = 1.0 - d / halo_r
                        _blend(buf, yy, xx, cr, cg, cb, a0 * 0.55 * t * t)
                    cov = _cover(rad - d)
                    if cov > 0.0:
                        _blend(buf, yy, xx, lr, lg, lb, a0 * cov)
                elif sh == DISC:
                    cov = _cover(rad - d)
                    if cov > 0.0:
                        rim = _cover(d - (rad - 1.2))
                        _blend(buf, yy, xx, cr, cg, cb, a0 * cov * (1.0 - rim))
                        if rim > 0.0:
                            _blend(buf, yy, xx, lr, lg, lb, a0 * cov * rim)
                elif sh == RING:
                    cov = _cover(rad - d) * _cover(d - (rad - thick))
                    if cov > 0.0:
                        _blend(buf, yy, xx, cr, cg, cb, a0 * cov)
                elif sh == DIAMOND:
                    m = abs(dx) + abs(dy)
                    cov = _cover((rad - m) * 0.7071)
                    if cov > 0.0:
                        _blend(buf, yy, xx, cr, cg, cb, a0 * cov)
                elif sh == CROSS:
                    if d <= rad + 0.5:
                        e1 = abs(dx - dy) * 0.7071
                        e2 = abs(dx + dy) * 0.7071
                        e = min(e1, e2)
                        cov = _cover(thick * 0.5 - e) * _cover(rad - d)
                        if cov > 0.0:
                            _blend(buf, yy, xx, cr, cg, cb, a0 * cov)
                elif sh == ROSETTE:
                    halo_r = rad * 2.4
                    if d < halo_r:
                        t = 1.0 - d / halo_r
                        _blend(buf, yy, xx, cr, cg, cb, a0 * 0.5 * t * t)
                    best = 0.0
                    for k in range(3):
                        ang = 2.0943951 * k - 1.5707963
                        ox = cx + math.cos(ang) * rad * 0.48
                        oy = cy + math.sin(ang) * rad * 0.48
                        ddx = xx + 0.5 - ox
                        ddy = yy + 0.5 - oy
                        c = _cover(rad * 0.56 - math.sqrt(ddx * ddx + ddy * ddy))
                        if c > best:
                            best = c
                    if best > 0.0:
                        _blend(buf, yy, xx, lr, lg, lb, a0 * best)
                elif sh == DOT:
                    cov = _cover(rad - d)
                    if cov > 0.0:
                        _blend(buf, yy, xx, cr, cg, cb, a0 * cov)
                else:  # FILLDISC
                    ring = _cover(rad - d) * _cover(d - (rad - max(1.1, rad * 0.14)))
                    if ring > 0.0:
                        _blend(buf, yy, xx, lr, lg, lb, a0 * 0.8 * ring)
                    fr = rad * fill[i]
                    cov = _cover(fr - d)
                    if cov > 0.0:
                        _blend(buf, yy, xx, cr, cg, cb, a0 * cov)
    return drawn
