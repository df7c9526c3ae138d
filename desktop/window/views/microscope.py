"""The microscope: a small animated drawing of the step the caption strip lights, one line below it.

Seven drawings, one per step of the cascade (``narrator.STEPS``), plus one of apoptosis for the
quiz's odd card out. Every drawing is made from code with QPainter paths on a 320 x 180 canvas,
as a function of time in seconds (``draw(key, painter, rect, t)``), so the same drawing serves
the live panel (animated) and still pictures (the quiz cards, reduce motion, tests).

What is drawn, and why it is drawn so:

* a cancer cell is a round orange body with a purple nucleus and a dark nucleolus (as stained);
* red blood cells are biconcave discs: face on, a disc paler in its dimple; edge on, the
  Evans-Fung outline of a real red cell (thick rim, thin centre);
* vessel walls are rows of flat endothelial cells, each with its flattened nucleus;
* the matrix is wavy collagen fibres; organ tissue is a mosaic of pale cells.

The animation is cheap: the panel repaints only its own drawing, at ``FPS`` frames a second, and
only while it is visible, not still (reduce motion) and its window is not minimised.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QRadialGradient
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.window import theme

W, H = 320.0, 180.0  # the canvas every drawing is made on
FPS = 25
#: The inset may use at most this share of the GUI thread: frames are spaced to their measured
#: cost (a drawing that takes 4 ms then shows at about 15 frames a second, not 25), so beside a
#: busy map the microscope slows down before the map drops a frame.
MAX_SHARE = 0.06
#: ... and this share while the kiosk's attract loop plays to nobody (``set_calm``): its drawings
#: cost 3-4 ms a frame at the kiosk's size, about 6 % of a core at MAX_SHARE.
CALM_SHARE = 0.03

# --- colours (the app's theme, and a histology palette that reads on navy) ----------------------
FIELD = "#10203a"  # the tissue behind everything
CELL_IN, CELL_OUT, CELL_EDGE = "#ffb27c", "#e8683a", "#ffd6b8"
NUC_IN, NUC_OUT, NUCLEOLUS = "#a45cb3", "#6a2f7a", "#3b1648"
RBC_RIM, RBC_PIT = "#cf3444", "#f29393"
PLASMA = "#3a1a30"
ENDO, ENDO_EDGE, ENDO_NUC = "#d9879c", "#f2b6c4", "#8a3c6a"
TISSUE, TISSUE_EDGE, TISSUE_NUC = "#1a2d4c", "#2e4a76", "#355a8c"
FIBRE = "#8ea6cc"
NK_IN, NK_OUT, NK_NUC = "#7ff0cf", theme.GREEN, "#0b5d49"
MMP = theme.ACCENT
VEGF = "#f5b83d"


@dataclass(frozen=True)
class Drawing:
    key: str
    label: str  # one line under the drawing (English source; shown through ``tr``)
    period_s: float  # the story repeats after this long
    still_t: float  # the moment shown when nothing may move


DRAWINGS = {
    d.key: d
    for d in (
        Drawing("shed", "Invasion: enzymes cut a path, and a cell enters a vessel", 10.0, 7.4),
        Drawing("transit", "In the blood: shear and a natural-killer cell attack", 8.0, 4.6),
        Drawing("arrest", "Arrest: wedged in a capillary narrower than the cell", 7.0, 5.0),
        Drawing("extravasate", "Escape: squeezing out between the cells of the wall", 9.0, 5.0),
        Drawing("dormant", "Dormancy: one cell sleeps, neither dividing nor dying", 6.0, 2.2),
        Drawing("micro", "Micrometastasis: as many cells are born as die", 12.0, 1.8),
        Drawing("macro", "Angiogenic switch: new vessels sprout toward the colony", 10.0, 8.2),
        Drawing("apoptosis", "Apoptosis: the cell shrinks and breaks up", 6.0, 3.7),
    )
}
#: The drawing shown for each step of the caption strip (``narrator.STEPS``).
STEP_DRAWING = {
    "shed": "shed",
    "transit": "transit",
    "arrest": "arrest",
    "extravasate": "extravasate",
    "dormant": "dormant",
    "micro": "micro",
    "macro": "macro",
}


# --- small helpers -------------------------------------------------------------------------------
def _c(hex_: str, a: float = 1.0) -> QColor:
    return theme.qcolor(hex_, max(0.0, min(1.0, a)))


def _ss(x: float) -> float:
    """Smoothstep on [0, 1]."""
    x = max(0.0, min(1.0, x))
    return x * x * (3 - 2 * x)


def _seg(t: float, a: float, b: float) -> float:
    """0 before ``a``, 1 after ``b``, eased between."""
    return _ss((t - a) / (b - a))


def _lerp(a: float, b: float, f: float) -> float:
    return a + (b - a) * f


def _ellipse(p: QPainter, x: float, y: float, rx: float, ry: float) -> None:
    p.drawEllipse(QPointF(x, y), rx, ry)


def _fade(t: float, period: float, edge: float = 0.5) -> float:
    """1 through the story, fading in at its start and out at its end (the loop's seam)."""
    return min(_seg(t, 0.0, edge), 1.0 - _seg(t, period - edge, period))


# --- the parts -----------------------------------------------------------------------------------
def cancer_cell(
    p: QPainter,
    x: float,
    y: float,
    r: float,
    sx: float = 1.0,
    sy: float = 1.0,
    angle: float = 0.0,
    alpha: float = 1.0,
    blebs: float = 0.0,
    nucleus_dx: float = 0.0,
    tint: str | None = None,
    nucleus: float = 1.0,
) -> None:
    """A round cell with a nucleus; ``sx``/``sy`` squash it, ``blebs`` (0-1) bubbles its membrane."""
    if alpha <= 0.01:
        return
    p.save()
    p.translate(x, y)
    p.rotate(angle)
    p.scale(sx, sy)
    g = QRadialGradient(QPointF(-0.3 * r, -0.35 * r), 1.25 * r)
    g.setColorAt(0.0, _c(tint or CELL_IN, alpha))
    g.setColorAt(1.0, _c(CELL_OUT, alpha))
    p.setBrush(QBrush(g))
    p.setPen(QPen(_c(CELL_EDGE, 0.9 * alpha), 1.1 / max(sx, sy)))
    p.drawEllipse(QPointF(0, 0), r, r)
    if blebs > 0:
        for k in range(7):
            a = k * 2 * math.pi / 7 + 0.4
            br = r * (0.16 + 0.14 * math.sin(3 * k)) * blebs
            p.drawEllipse(QPointF(math.cos(a) * r * 0.98, math.sin(a) * r * 0.98), br, br)
    ng = QRadialGradient(QPointF(nucleus_dx - 0.12 * r, -0.15 * r), 0.55 * r)
    ng.setColorAt(0.0, _c(NUC_IN, alpha))
    ng.setColorAt(1.0, _c(NUC_OUT, alpha))
    p.setBrush(QBrush(ng))
    p.setPen(Qt.PenStyle.NoPen)
    if nucleus >= 1.0:
        p.drawEllipse(QPointF(nucleus_dx, 0.04 * r), 0.46 * r, 0.42 * r)
        p.setBrush(_c(NUCLEOLUS, alpha))
        p.drawEllipse(QPointF(nucleus_dx + 0.12 * r, -0.02 * r), 0.11 * r, 0.11 * r)
    else:  # condensed, dark (pyknosis)
        p.setBrush(_c(NUCLEOLUS, alpha))
        p.drawEllipse(QPointF(nucleus_dx, 0.0), 0.44 * r * nucleus, 0.4 * r * nucleus)
    p.restore()


def _band(path: QPainterPath, side_a: list, side_b: list) -> QPainterPath:
    """Add to ``path`` the closed shape between two polylines drawn the same way (along ``side_a``,
    back along ``side_b``), e.g. a vessel wall cell, a sprout, a cut through the matrix."""
    path.moveTo(side_a[0])
    for q in side_a[1:]:
        path.lineTo(q)
    for q in reversed(side_b):
        path.lineTo(q)
    path.closeSubpath()
    return path


@cache
def _rbc_edge_path() -> QPainterPath:
    """A red cell seen edge on, radius 1: the Evans-Fung profile (thin centre, thick rim)."""
    top, bottom = [], []
    n = 28
    for i in range(n + 1):
        x = -1 + 2 * i / n
        z = 0.5 * math.sqrt(max(0.0, 1 - x * x)) * (0.207 + 2.003 * x * x - 1.123 * x**4)
        top.append(QPointF(x, -max(z, 0.0)))
        bottom.append(QPointF(x, max(z, 0.0)))
    return _band(QPainterPath(), top, bottom)


def red_cell(
    p: QPainter, x: float, y: float, r: float, tilt: float = 0.0, angle: float = 0.0, alpha: float = 1.0
) -> None:
    """A biconcave disc: ``tilt`` 0 face on (a pale dimple), 1 edge on (a dumbbell)."""
    p.save()
    p.translate(x, y)
    p.rotate(angle)
    if tilt < 0.5:
        # face on: the rim, then the pale dimple and a soft step between them (flat fills: a
        # gradient per cell cost a third of a drawing's time for no visible difference at this size)
        p.scale(1.0, 1 - 0.6 * tilt)
        p.setBrush(_c(RBC_RIM, alpha))
        p.setPen(QPen(_c("#ff9aa0", 0.6 * alpha), 0.7))
        p.drawEllipse(QPointF(0, 0), r, r)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_c(RBC_PIT, 0.55 * alpha))
        p.drawEllipse(QPointF(0, 0), 0.68 * r, 0.68 * r)
        p.setBrush(_c(RBC_PIT, 0.9 * alpha))
        p.drawEllipse(QPointF(0, 0), 0.5 * r, 0.5 * r)
    else:
        p.scale(r, r * (1.3 + 0.5 * (1 - tilt)))
        p.setBrush(_c(RBC_RIM, alpha))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPath(_rbc_edge_path())
    p.restore()


#: Where along its cell each endothelial nucleus sits, by the cell's place in the wall (repeats
#: every five cells, so a straight wall is the same picture shifted by five cell lengths).
_NUCLEUS_AT = (0.5, 0.6, 0.41, 0.57, 0.45)
#: Straight walls as ready paths (cells, nuclei), by (y, x0, x1, side, cell_len, thick): a wall that
#: scrolls is one translated path per frame instead of dozens of shapes built anew.
_wall_cache: dict[tuple, tuple[QPainterPath, QPainterPath]] = {}


def _wall_cell(
    fy, a: float, b: float, side: int, thick: float, j: int, cells: QPainterPath
) -> tuple[float, float, float, float, float]:
    """Add one flat endothelial cell from ``a`` to ``b`` along ``y = fy(x)`` to ``cells``; returns
    its nucleus (x, y, rx, ry, angle in degrees). ``j`` is the cell's place in the wall."""
    n = 10
    outer, inner = [], []
    for i in range(n + 1):
        u = i / n
        x = _lerp(a, b, u)
        y = fy(x)
        dx = 0.5
        slope = (fy(x + dx) - fy(x - dx)) / (2 * dx)
        nx, ny = -slope, 1.0
        ln = math.hypot(nx, ny)
        nx, ny = nx / ln * side, ny / ln * side
        th = thick * (0.35 + 0.65 * math.sin(math.pi * u) ** 0.6)
        inner.append(QPointF(x, y))
        outer.append(QPointF(x + nx * th, y + ny * th))
    _band(cells, inner, outer)
    mid = _lerp(a, b, _NUCLEUS_AT[j % len(_NUCLEUS_AT)])
    angle = math.degrees(math.atan(fy(mid + 0.5) - fy(mid - 0.5)))
    return mid, fy(mid) + side * thick * 0.55, min(6.5, (b - a) * 0.22), thick * 0.32, angle


def _straight_wall(
    y: float, x0: float, x1: float, side: int, cell_len: float, thick: float
) -> tuple[QPainterPath, QPainterPath]:
    """The (cells, nuclei) paths of a straight wall at ``shift`` 0, one repeat longer on the left
    than ``x0``..``x1`` needs, so any shift is this picture moved right by less than one repeat."""
    key = (y, x0, x1, side, cell_len, thick)
    paths = _wall_cache.get(key)
    if paths is None:
        period = len(_NUCLEUS_AT) * cell_len
        cells, nuclei = QPainterPath(), QPainterPath()
        for j in range(math.floor((x0 - period) / cell_len) - 1, math.ceil((x1 + cell_len) / cell_len) + 1):
            a = j * cell_len + 1.0
            mx, my, rx, ry, _ = _wall_cell(lambda x: y, a, a + cell_len - 2.0, side, thick, j, cells)
            nuclei.addEllipse(QPointF(mx, my), rx, ry)
        if len(_wall_cache) > 64:
            _wall_cache.clear()
        paths = _wall_cache[key] = (cells, nuclei)
    return paths


def endothelium(
    p: QPainter,
    fy,
    x0: float,
    x1: float,
    side: int,
    cell_len: float = 34.0,
    thick: float = 5.0,
    shift: float = 0.0,
    gap_x: float | None = None,
    gap: float = 0.0,
    alpha: float = 1.0,
) -> None:
    """A vessel wall along ``y = fy(x)`` from ``x0`` to ``x1``: flat cells end to end, each a thin
    lens with its flattened nucleus; ``side`` +1 puts the wall below the line, -1 above; ``shift``
    slides the cells along (a wall that scrolls past). A junction at ``gap_x`` opens by ``gap``
    (the cells either side draw back). A straight wall without a junction is drawn from a cached
    path (``_straight_wall``)."""
    cell_brush, cell_pen = _c(ENDO, 0.92 * alpha), QPen(_c(ENDO_EDGE, 0.8 * alpha), 0.7)
    nuc_brush = _c(ENDO_NUC, alpha)
    y0 = fy(x0)
    if not (gap_x is not None and gap > 0) and fy(x1) == y0 and fy(0.5 * (x0 + x1)) == y0:
        cells, nuclei = _straight_wall(y0, x0, x1, side, cell_len, thick)
        p.save()
        p.translate(shift % (len(_NUCLEUS_AT) * cell_len), 0.0)
        p.setBrush(cell_brush)
        p.setPen(cell_pen)
        p.drawPath(cells)
        p.setBrush(nuc_brush)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPath(nuclei)
        p.restore()
        return
    for j in range(math.floor((x0 - shift) / cell_len) - 1, math.ceil((x1 - shift) / cell_len) + 1):
        a, b = shift + j * cell_len + 1.0, shift + (j + 1) * cell_len - 1.0
        if gap_x is not None and gap > 0:
            if gap_x - cell_len < b <= gap_x + 1:
                b -= gap
            if gap_x - 1 <= a < gap_x + cell_len:
                a += gap
        if b - a < 4 or b < x0 - 2 or a > x1 + 2:
            continue
        cell = QPainterPath()
        mx, my, rx, ry, angle = _wall_cell(fy, a, b, side, thick, j, cell)
        p.setBrush(cell_brush)
        p.setPen(cell_pen)
        p.drawPath(cell)
        p.setBrush(nuc_brush)
        p.setPen(Qt.PenStyle.NoPen)
        p.save()
        p.translate(mx, my)
        p.rotate(angle)
        p.drawEllipse(QPointF(0, 0), rx, ry)
        p.restore()


def lumen(p: QPainter, f_top, f_bot, x0: float, x1: float, colour: str = PLASMA, alpha: float = 1.0) -> None:
    n = 32
    path = QPainterPath(QPointF(x0, f_top(x0)))
    for i in range(1, n + 1):
        x = _lerp(x0, x1, i / n)
        path.lineTo(QPointF(x, f_top(x)))
    for i in range(n, -1, -1):
        x = _lerp(x0, x1, i / n)
        path.lineTo(QPointF(x, f_bot(x)))
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(_c(colour, alpha))
    p.drawPath(path)


@cache
def _fibres(seed: int, n: int, x0: float, y0: float, x1: float, y1: float) -> tuple:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        ang = rnd.uniform(-0.6, 0.6) + (math.pi / 2 if rnd.random() < 0.3 else 0.0)
        cx, cy = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
        length = rnd.uniform(80, 170)
        amp, wave, ph = rnd.uniform(2.0, 4.0), rnd.uniform(26, 44), rnd.uniform(0, 6.3)
        pts = []
        for i in range(41):
            s = -length / 2 + length * i / 40
            w = amp * math.sin(s / wave * 2 * math.pi + ph)
            pts.append((cx + math.cos(ang) * s - math.sin(ang) * w, cy + math.sin(ang) * s + math.cos(ang) * w))
        out.append(tuple(pts))
    return tuple(out)


def fibres(p: QPainter, seed: int, n: int, box: tuple, cut=None, alpha: float = 1.0) -> None:
    """Wavy collagen fibres in ``box``; ``cut(x, y)`` True where the matrix has been digested."""
    pen = QPen(_c(FIBRE, 0.55 * alpha), 1.7)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for pts in _fibres(seed, n, *box):
        path = QPainterPath()
        pen_down = False
        for x, y in pts:
            if cut is not None and cut(x, y):
                pen_down = False
                continue
            if pen_down:
                path.lineTo(x, y)
            else:
                path.moveTo(x, y)
                pen_down = True
        p.drawPath(path)


@cache
def _tissue_cells(seed: int) -> tuple:
    rnd = random.Random(seed)
    out = []
    step = 26.0
    for row in range(9):
        for col in range(15):
            x = col * step + (step / 2 if row % 2 else 0) + rnd.uniform(-4, 4) - 10
            y = row * step * 0.86 + rnd.uniform(-3, 3) - 6
            out.append((x, y, rnd.uniform(10.5, 12.5), rnd.uniform(0, 6.3)))
    return tuple(out)


def tissue(p: QPainter, seed: int, keep_clear=None, alpha: float = 1.0) -> None:
    """The organ around: a mosaic of pale rounded cells, each with a small nucleus."""
    p.setPen(QPen(_c(TISSUE_EDGE, 0.9 * alpha), 1.0))
    for x, y, r, ph in _tissue_cells(seed):
        if keep_clear is not None and keep_clear(x, y):
            continue
        path = QPainterPath()
        for i in range(7):
            a = ph + i * 2 * math.pi / 6
            q = QPointF(x + math.cos(a) * r, y + math.sin(a) * r * 0.92)
            if i == 0:
                path.moveTo(q)
            else:
                path.lineTo(q)
        p.setBrush(_c(TISSUE, alpha))
        p.setPen(QPen(_c(TISSUE_EDGE, 0.9 * alpha), 1.0))
        p.drawPath(path)
        p.setBrush(_c(TISSUE_NUC, alpha))
        p.setPen(Qt.PenStyle.NoPen)
        _ellipse(p, x + 1.5, y, 3.6, 3.0)


def nk_cell(p: QPainter, x: float, y: float, r: float, alpha: float = 1.0, granules: float = 1.0) -> None:
    """A natural-killer cell: smaller, green, a kidney-shaped nucleus and bright granules."""
    g = QRadialGradient(QPointF(x - 0.3 * r, y - 0.3 * r), 1.2 * r)
    g.setColorAt(0.0, _c(NK_IN, alpha))
    g.setColorAt(1.0, _c(NK_OUT, alpha))
    p.setBrush(QBrush(g))
    p.setPen(QPen(_c("#c8fff0", 0.8 * alpha), 1.0))
    p.drawEllipse(QPointF(x, y), r, r)
    path = QPainterPath()
    path.addEllipse(QPointF(x - 0.1 * r, y), 0.5 * r, 0.42 * r)
    notch = QPainterPath()
    notch.addEllipse(QPointF(x + 0.38 * r, y + 0.05 * r), 0.22 * r, 0.2 * r)
    p.setBrush(_c(NK_NUC, alpha))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawPath(path.subtracted(notch))
    p.setBrush(_c("#f2fff9", alpha * granules))
    for k in range(5):
        a = 0.6 + k * 1.1
        _ellipse(p, x + math.cos(a) * 0.68 * r, y + math.sin(a) * 0.62 * r, 1.3, 1.3)


def dots(p: QPainter, pts, colour: str, r: float, alpha: float = 1.0) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    for x, y, a in pts:
        p.setBrush(_c(colour, alpha * a))
        _ellipse(p, x, y, r, r)


# --- the drawings --------------------------------------------------------------------------------
def _flowing_reds(
    p: QPainter,
    seed: int,
    n: int,
    y0: float,
    y1: float,
    x0: float,
    x1: float,
    t: float,
    speed: float,
    r: float = 7.0,
    rel: float = 0.0,
    skip=None,
) -> None:
    """Red cells carried along a straight lumen (rows ``y0``..``y1``), faster in the middle
    (the parabolic profile of flow; ``rel`` is subtracted, for a camera that moves along)."""
    rnd = random.Random(seed)
    span = x1 - x0 + 4 * r
    mid, half = (y0 + y1) / 2, (y1 - y0) / 2
    for _ in range(n):
        y = rnd.uniform(y0 + r, y1 - r)
        v = speed * (1 - ((y - mid) / half) ** 2) - rel
        x = x0 - 2 * r + (rnd.uniform(0, span) + v * t) % span
        if skip is not None and skip(x, y):
            continue
        spin = rnd.uniform(0, 360) + t * (y - mid) * 4.0  # shear turns them over
        tilt = (0.5 + 0.5 * math.sin(math.radians(spin))) ** 3  # mostly face on
        red_cell(p, x, y, r, tilt=tilt, angle=rnd.uniform(-25, 25))


def _draw_shed(p: QPainter, t: float) -> None:
    """The shedding drawing at ``t`` seconds: the lead cell cuts through the matrix and squeezes
    into a vessel.

    Long: paints back to front (the digested path, the vessel with its flowing red cells, the
    enzymes, the lead cell), each layer timed on the same loop; split, the painting order would be
    spread over functions."""
    d = DRAWINGS["shed"]
    s = t % d.period_s
    wall_x = 262.0  # the vessel runs down the right side
    # the path the enzymes cut, from the lead cell to the vessel
    cut_to = _lerp(96.0, wall_x, _seg(s, 2.6, 6.6))

    if cut_to > 96:  # the digested path: the fibres there are gone
        top, bottom = [], []
        for i in range(25):
            x = _lerp(92.0, cut_to, i / 24)
            w = 16 + 4 * math.sin(x / 9)
            top.append(QPointF(x, 92 - w))
            bottom.append(QPointF(x, 92 + w))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_c(FIELD))
        p.drawPath(_band(QPainterPath(), top, bottom))
    if cut_to > 100:  # the digested matrix: a few faint scraps
        pen = QPen(_c(FIBRE, 0.25), 1.3)
        p.setPen(pen)
        rnd = random.Random(17)
        for _ in range(28):
            x, y = rnd.uniform(96, 256), 92 + rnd.uniform(-14, 14)
            a = rnd.uniform(0, math.pi)
            if x < cut_to:
                p.drawLine(QPointF(x, y), QPointF(x + 4 * math.cos(a), y + 4 * math.sin(a)))
    # the vessel: plasma, red cells flowing down, walls of flat cells
    p.save()
    p.translate(320.0, 0.0)
    p.rotate(90.0)  # x down the screen, y leftwards
    lumen(p, lambda x: 8.0, lambda x: 52.0, -10.0, 190.0)
    _flowing_reds(p, 5, 9, 8.0, 52.0, -10.0, 190.0, t, 46.0, r=6.5)
    gap = 9.0 * _seg(s, 5.6, 6.6) * (1 - _seg(s, 8.6, 9.6))
    endothelium(p, lambda x: 53.0, -10.0, 190.0, +1, shift=10.0, gap_x=92.0 + 0.5, gap=gap)
    endothelium(p, lambda x: 7.0, -10.0, 190.0, -1, shift=3.0)
    p.restore()
    # the lead cell: makes enzymes, crawls through the cut matrix, squeezes into the vessel
    mmp_on = _seg(s, 0.2, 0.8) * (1 - _seg(s, 6.0, 7.0))
    if mmp_on > 0:
        pts = []
        for k in range(18):
            age = (s * 0.9 + k / 18) % 1.0
            a = -0.9 + 1.8 * ((k * 7) % 18) / 17
            x0 = _lerp(92.0, cut_to - 20, _seg(s, 2.6, 6.6))
            dist = 14 + 55 * age
            pts.append((x0 + 8 + math.cos(a) * dist, 92 + math.sin(a) * dist * 0.8, (1 - age) * mmp_on))
        dots(p, [(x, y, 0.35 * a) for x, y, a in pts], MMP, 4.2)
        dots(p, pts, MMP, 2.3)
    crawl = _seg(s, 2.8, 6.2)
    enter = _seg(s, 6.2, 7.8)
    ride = _seg(s, 7.8, 9.8)
    x = _lerp(_lerp(86.0, 236.0, crawl), 292.0, enter)
    y = 92.0 + 150.0 * ride**1.6
    squeeze = math.sin(math.pi * enter)
    stretch = 0.18 * math.sin(math.pi * crawl)
    cancer_cell(
        p,
        x,
        y,
        12.5,
        sx=1 + stretch + 0.35 * squeeze,
        sy=1 - 0.6 * stretch - 0.42 * squeeze,
        alpha=1 - _seg(s, 9.4, 10.0),
    )


def _bg_shed(p: QPainter) -> None:
    fibres(p, 11, 46, (80.0, 4.0, 250.0, 176.0))
    # the tumour: packed cells at the left
    rnd = random.Random(3)
    for row in range(8):
        for col in range(4):
            x = col * 23 - 6 + (11 if row % 2 else 0) + rnd.uniform(-2, 2)
            y = row * 23 + rnd.uniform(-2, 2)
            if abs(y - 92) < 12 and x > 60:
                continue  # the lead cell's place
            cancer_cell(p, x, y, 12.0)


def _draw_transit(p: QPainter, t: float) -> None:
    d = DRAWINGS["transit"]
    s = t % d.period_s
    top, bot = 22.0, 158.0
    cam = 38.0  # the camera rides with the cancer cell
    lumen(p, lambda x: top, lambda x: bot, -5.0, 325.0)
    # streaks of plasma: fast in the middle, still at the walls (shear)
    pen = QPen(_c("#ffb3c0", 0.22), 1.2)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    for k in range(7):
        y = top + (k + 0.5) * (bot - top) / 7
        v = 70 * (1 - ((y - 90) / 68) ** 2) - cam
        for j in range(4):
            x = (j * 90 + v * t) % 360 - 20
            p.drawLine(QPointF(x, y), QPointF(x + 0.35 * v + 4, y))
    fade = _fade(s, d.period_s, 0.6)
    cx, cy = 150.0, 88.0
    # red cells, skipping the cancer cell's place
    _flowing_reds(
        p,
        8,
        16,
        top,
        bot,
        -5.0,
        325.0,
        t,
        70.0,
        r=7.0,
        rel=cam,
        skip=lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 < 26**2,
    )
    endothelium(p, lambda x: bot, -5.0, 325.0, +1, shift=-cam * t)
    endothelium(p, lambda x: top, -5.0, 325.0, -1, shift=-cam * t + 11)
    # the natural-killer cell arrives and latches on
    arrive = _seg(s, 0.3, 3.0)
    nx = _lerp(-30.0, cx - 27.0, arrive)
    ny = _lerp(132.0, cy + 16.0, arrive)
    hit = _seg(s, 3.2, 6.0)
    wobble = 0.05 * math.sin(t * 5.0)
    cancer_cell(
        p,
        cx,
        cy,
        17.0,
        sx=1.12 + wobble,
        sy=0.9 - wobble,
        angle=-8.0,
        alpha=fade * (1 - 0.35 * _seg(s, 5.0, 7.4)),
        blebs=_seg(s, 4.6, 7.0),
    )
    if hit > 0:  # granules (perforin, granzymes) cross over
        pts = []
        for k in range(8):
            u = (hit * 1.6 + k / 8) % 1.0
            pts.append((_lerp(nx + 6, cx - 6, u), _lerp(ny - 4, cy + 4, u) + 3 * math.sin(k * 2.1), fade * (1 - u)))
        dots(p, pts, "#eafff6", 1.6)
    nk_cell(p, nx, ny, 10.5, alpha=fade, granules=1 - 0.6 * hit)


def _arrest_half(x: float) -> float:
    return _lerp(36.0, 9.5, _seg(x, 105.0, 200.0))


def _draw_arrest(p: QPainter, t: float) -> None:
    d = DRAWINGS["arrest"]
    s = t % d.period_s
    cy = 90.0
    lumen(p, lambda x: cy - _arrest_half(x), lambda x: cy + _arrest_half(x), -5.0, 325.0)
    move = _seg(s, 0.0, 3.2) ** 0.8
    r = 17.0
    cx = _lerp(-20.0, 168.0, 1 - (1 - move) ** 2)
    half = _arrest_half(cx + 6)
    squash = max(0.0, min(1.0, (r - half) / r)) * _seg(s, 2.4, 3.6)
    fade = _fade(s, d.period_s, 0.5)
    # red cells: single file in the narrow part ahead; those behind pile up against the cancer cell
    for k in range(5):
        free = -40.0 + k * 34 + 60.0 * s
        back = cx - r - 9 - k * 13
        x = min(free, back)
        red_cell(
            p,
            x,
            cy + 8 * math.sin(k * 2.3) * (1 - _seg(x, 90, 150)),
            7.5,
            tilt=0.8 if x > 120 else 0.3,
            angle=90 if x > 120 else 0,
            alpha=fade,
        )
    for k in range(3):  # gone ahead before the cell arrived
        x = 175.0 + k * 38 + 70.0 * s
        if x < 340:
            red_cell(p, x, cy, 6.8, tilt=1.0, angle=90, alpha=fade * (1 - _seg(x, 300, 330)))
    cancer_cell(p, cx, cy, r, sx=1 + 0.45 * squash, sy=1 - 0.48 * squash, alpha=fade)
    if s > 3.3:  # the map's yellow arrest pulse
        for k in range(2):
            u = ((s - 3.3) * 0.7 + k * 0.5) % 1.0
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(_c(theme.ARREST, (1 - u) * 0.8 * fade), 2.0))
            _ellipse(p, cx, cy, 22 + 26 * u, 14 + 26 * u)


def _fg_arrest(p: QPainter) -> None:
    cy = 90.0
    endothelium(p, lambda x: cy + _arrest_half(x), -5.0, 325.0, +1, cell_len=30.0, thick=4.5, shift=4)
    endothelium(p, lambda x: cy - _arrest_half(x), -5.0, 325.0, -1, cell_len=30.0, thick=4.5, shift=19)


def _draw_extravasate(p: QPainter, t: float) -> None:
    d = DRAWINGS["extravasate"]
    s = t % d.period_s
    wall = 66.0
    lumen(p, lambda x: -5.0, lambda x: wall, -5.0, 325.0)
    _flowing_reds(
        p, 9, 9, 0.0, wall - 2, -5.0, 325.0, t, 40.0, r=6.5, skip=lambda x, y: abs(x - 160) < 26 and _seg(s, 0, 8) < 0.9
    )
    fade = _fade(s, d.period_s, 0.5)
    f = _seg(s, 2.0, 7.0)  # how much of the cell is through
    gap = 7.0 * math.sin(math.pi * min(1.0, f * 1.05)) if 0 < f < 1 else 0.0
    gap += 3.0 * _seg(s, 1.2, 2.0) * (1 - _seg(s, 7.0, 8.0))
    r = 16.0
    x = _lerp(120.0, 160.0, _seg(s, 0.0, 1.8))
    ru = r * math.sqrt(max(0.0, 1 - f))
    rl = r * math.sqrt(max(0.0, f))
    yu = wall - 0.85 * ru
    yl = wall + 8 + 0.9 * rl + 10 * _seg(s, 7.0, 8.8)
    body = QPainterPath()
    if ru > 1:
        body.addEllipse(QPointF(x, yu), ru * (1 + 0.15 * f), ru)
    if rl > 1:
        body.addEllipse(QPointF(x, yl), rl * (1 + 0.1 * (1 - f)), rl)
    if 0.02 < f < 0.98:
        neck = QPainterPath()
        neck.addRoundedRect(QRectF(x - 3.2, yu, 6.4, yl - yu), 3, 3)
        body = body.united(neck)
    g = QRadialGradient(QPointF(x - 6, (yu + yl) / 2 - 6), 30)
    g.setColorAt(0.0, _c(CELL_IN, fade))
    g.setColorAt(1.0, _c(CELL_OUT, fade))
    p.setBrush(QBrush(g))
    p.setPen(QPen(_c(CELL_EDGE, 0.9 * fade), 1.1))
    p.drawPath(body.simplified())
    # the nucleus squeezes through the junction last (the stiffest part of the cell)
    fn = _seg(f, 0.35, 0.9)
    ny = _lerp(yu, yl, fn)
    pinch = math.sin(math.pi * fn)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(_c(NUC_OUT, fade))
    _ellipse(p, x, ny, 7.2 * (1 - 0.55 * pinch), 6.6 * (1 + 0.6 * pinch))
    p.setBrush(_c(NUCLEOLUS, fade))
    _ellipse(p, x + 1.5, ny - 1, 1.8, 1.8)
    endothelium(p, lambda x_: wall, -5.0, 325.0, +1, cell_len=40.0, thick=6.0, shift=0.0, gap_x=160.0, gap=gap)


_DORMANT_AT = (196.0, 138.0)


def _dormant_up(x: float) -> float:
    return 14 + 0.35 * x


def _dormant_down(x: float) -> float:
    return 42 + 0.35 * x


def _bg_dormant(p: QPainter) -> None:
    cx, cy = _DORMANT_AT
    tissue(p, 7, keep_clear=lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 < 24**2 or abs((y - 28) - 0.35 * (x - 0)) < 24)
    # a capillary nearby: dormant cells often sit beside small vessels
    lumen(p, _dormant_up, _dormant_down, -5.0, 325.0)
    endothelium(p, _dormant_down, -5.0, 325.0, +1, thick=4.5, shift=3)
    endothelium(p, _dormant_up, -5.0, 325.0, -1, thick=4.5, shift=17)


def _draw_dormant(p: QPainter, t: float) -> None:
    d = DRAWINGS["dormant"]
    s = t % d.period_s
    cx, cy = _DORMANT_AT
    for k in range(4):
        x = (k * 85 + 22 * t) % 340 - 10
        red_cell(p, x, _dormant_up(x) + 14, 6.0, tilt=0.2 + 0.2 * (k % 2), angle=20)
    breath = 0.5 - 0.5 * math.cos(2 * math.pi * s / d.period_s)
    halo = QRadialGradient(QPointF(cx, cy), 34)
    halo.setColorAt(0.0, _c(theme.DORMANT, 0.0))
    halo.setColorAt(0.45, _c(theme.DORMANT, 0.28 + 0.18 * breath))
    halo.setColorAt(1.0, _c(theme.DORMANT, 0.0))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(halo))
    _ellipse(p, cx, cy, 34, 34)
    cancer_cell(p, cx, cy, 13.0 * (1 + 0.03 * breath), tint="#ffc9a0")
    # sleep: three z's drift up, slowly
    p.setPen(_c(theme.DORMANT))
    for k in range(3):
        u = (s / d.period_s + k / 3) % 1.0
        f = theme.font(11 + 8 * u, bold=True)
        p.setFont(f)
        a = math.sin(math.pi * u)
        p.setPen(_c("#bfe6ff", a))
        p.drawText(QPointF(cx + 16 + 16 * u, cy - 14 - 40 * u), "z")


@cache
def _colony(seed: int, n: int, cx: float, cy: float, spread: float) -> tuple:
    """Cell centres packed around (cx, cy): a golden-angle spiral, a little jitter."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        rr = spread * math.sqrt((i + 0.5) / n)
        a = i * 2.39996
        out.append(
            (cx + rr * math.cos(a) + rnd.uniform(-1.5, 1.5), cy + rr * math.sin(a) * 0.85 + rnd.uniform(-1.5, 1.5))
        )
    return tuple(out)


def dividing_cell(p: QPainter, a: tuple, b: tuple, r: float, f: float, alpha: float = 1.0) -> None:
    """Mitosis from the cell at ``a`` (f = 0) to two daughters at ``a`` and ``b`` (f = 1)."""
    if f <= 0:
        cancer_cell(p, a[0], a[1], r, alpha=alpha)
        return
    if f >= 1:
        cancer_cell(p, a[0], a[1], r, alpha=alpha)
        cancer_cell(p, b[0], b[1], r, alpha=alpha)
        return
    sep = _seg(f, 0.15, 0.95)
    bx, by = _lerp(a[0], b[0], sep), _lerp(a[1], b[1], sep)
    ang = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    rd = r * _lerp(0.82, 1.0, sep)
    body = QPainterPath()
    body.addEllipse(QPointF(a[0], a[1]), rd, rd)
    other = QPainterPath()
    other.addEllipse(QPointF(bx, by), rd, rd)
    body = body.united(other)
    g = QRadialGradient(QPointF((a[0] + bx) / 2 - 5, (a[1] + by) / 2 - 5), 2 * r)
    g.setColorAt(0.0, _c(CELL_IN, alpha))
    g.setColorAt(1.0, _c(CELL_OUT, alpha))
    p.setBrush(QBrush(g))
    p.setPen(QPen(_c(CELL_EDGE, 0.9 * alpha), 1.1))
    p.drawPath(body)
    # the chromosomes: condensed, lined up, pulled apart to the two new nuclei
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(_c(NUC_OUT, alpha))
    mx, my = (a[0] + bx) / 2, (a[1] + by) / 2
    pull = _seg(f, 0.1, 0.6)
    for ex, ey in ((a[0], a[1]), (bx, by)):
        px, py = _lerp(mx, ex, 0.3 + 0.7 * pull), _lerp(my, ey, 0.3 + 0.7 * pull)
        p.save()
        p.translate(px, py)
        p.rotate(ang + 90)
        _ellipse(p, 0, 0, 0.42 * r, 0.2 * r + 0.2 * r * _seg(f, 0.6, 1.0))
        p.restore()


def dying_cell(p: QPainter, x: float, y: float, r: float, f: float, alpha: float = 1.0) -> None:
    """Apoptosis: the cell shrinks, its nucleus condenses, it blebs and falls into small bodies."""
    if f <= 0:
        cancer_cell(p, x, y, r, alpha=alpha)
        return
    shrink = 1 - 0.3 * _seg(f, 0.0, 0.4)
    split = _seg(f, 0.5, 0.85)
    gone = _seg(f, 0.8, 1.0)
    a = alpha * (1 - gone)
    if a <= 0.01:
        return
    if split <= 0:
        cancer_cell(
            p,
            x,
            y,
            r * shrink,
            alpha=a,
            blebs=_seg(f, 0.15, 0.45),
            tint="#f5a070",
            nucleus=1.0 - 0.35 * _seg(f, 0.05, 0.3),
        )
        return
    for k in range(5):  # apoptotic bodies drift apart
        ang = k * 2 * math.pi / 5 + 0.5
        d = r * (0.28 + 0.42 * split)
        bx, by = x + math.cos(ang) * d, y + math.sin(ang) * d
        br = r * (0.42 - 0.08 * (k % 2)) * shrink
        # membrane-bound pieces, some holding a scrap of the condensed nucleus
        cancer_cell(p, bx, by, br, alpha=a, tint="#f5a070", nucleus=0.8 if k % 2 == 0 else 0.0)


def _bg_micro(p: QPainter) -> None:
    cx, cy = 160.0, 92.0
    tissue(p, 12, keep_clear=lambda x, y: (x - cx) ** 2 + ((y - cy) / 0.88) ** 2 < 58**2 or x < 42 or x > 282)
    # vessels at a distance: none inside the colony yet
    for x0, shift in ((22.0, 3), (300.0, 11)):
        p.save()
        p.translate(x0, 0)
        p.rotate(90)
        lumen(p, lambda x: -13.0, lambda x: 13.0, -5.0, 185.0)
        endothelium(p, lambda x: 13.0, -5.0, 185.0, +1, thick=4.0, shift=shift)
        endothelium(p, lambda x: -13.0, -5.0, 185.0, -1, thick=4.0, shift=shift + 12)
        p.restore()


def _draw_micro(p: QPainter, t: float) -> None:
    d = DRAWINGS["micro"]
    s = t % d.period_s
    cx, cy = 160.0, 92.0
    for x0 in (22.0, 300.0):
        for k in range(3):
            y = (k * 64 + 20 * t) % 200 - 10
            red_cell(p, x0, y, 6.0, tilt=0.2)
    pts = _colony(2, 14, cx, cy, 46.0)
    r = 12.5
    a_i, s1_i, s2_i, b_i = 3, 12, 9, 6  # who divides, and into which place; who dies
    f_div_a = _seg(s, 0.3, 2.8)
    f_die_s2 = _seg(s, 3.2, 5.8)
    f_div_b = _seg(s, 6.3, 8.8)
    f_die_s1 = _seg(s, 9.2, 11.8)
    for i, (x, y) in enumerate(pts):
        if i in (a_i, b_i, s1_i, s2_i):
            continue
        cancer_cell(p, x, y, r)
    # the place s1 is empty at the start; s2 holds a cell
    dividing_cell(p, pts[a_i], pts[s1_i], r, f_div_a if f_die_s1 <= 0 else 0.0)
    if f_die_s1 > 0:
        cancer_cell(p, *pts[a_i], r)
        dying_cell(p, *pts[s1_i], r, f_die_s1)
    if f_div_b <= 0:
        dying_cell(p, *pts[s2_i], r, f_die_s2)
        cancer_cell(p, *pts[b_i], r)
    else:
        dividing_cell(p, pts[b_i], pts[s2_i], r, f_div_b)


def _sprout_curve(base: tuple, tip: tuple, bend: float):
    def at(u):
        x = _lerp(base[0], tip[0], u) + bend * math.sin(math.pi * u)
        y = _lerp(base[1], tip[1], u)
        return x, y

    return at


def _sprout(p: QPainter, at, g: float, t: float, perfused: float) -> None:
    """A new vessel ``g`` (0-1) of the way along ``at``: a tube of stalk cells behind a tip cell
    reaching out with filopodia; red cells flow in once it is perfused."""
    if g <= 0.02:
        return
    n = 24
    left, right = [], []
    for i in range(n + 1):
        u = g * i / n
        x, y = at(u)
        x2, y2 = at(min(1.0, u + 0.01))
        dx, dy = x2 - x, y2 - y
        ln = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / ln, dx / ln
        w = 9.0 * (1 - _seg(u, g - 0.22, g))  # the tube narrows to the tip cell
        left.append(QPointF(x + nx * w, y + ny * w))
        right.append(QPointF(x - nx * w, y - ny * w))
    tube = _band(QPainterPath(), left, right)
    p.setBrush(_c(ENDO, 0.95))
    p.setPen(QPen(_c(ENDO_EDGE, 0.9), 0.8))
    p.drawPath(tube)
    inner = []  # the lumen behind the tip
    for i in range(n + 1):
        u = g * i / n
        if u > g - 0.22:
            break
        x, y = at(u)
        inner.append(QPointF(x, y))
    if len(inner) > 1:
        pen = QPen(_c(PLASMA, 1.0), 7.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        path = QPainterPath(inner[0])
        for q in inner[1:]:
            path.lineTo(q)
        p.drawPath(path)
    # stalk-cell nuclei along the tube
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(_c(ENDO_NUC))
    for k in range(1, 6):
        u = k * 0.16
        if u < g - 0.05:
            x, y = at(u)
            _ellipse(p, x + (6.5 if k % 2 else -6.5), y, 2.2, 4.2)
    # the tip cell's filopodia feel for the signal
    tx, ty = at(g)
    pen = QPen(_c(ENDO_EDGE, 0.9), 1.0)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    for k in range(5):
        a = math.radians(50 + 20 * k + 6 * math.sin(t * 2 + k))
        ln = 9 + 3 * math.sin(t * 3 + 2 * k)
        p.drawLine(QPointF(tx, ty), QPointF(tx + math.cos(a) * ln, ty + math.sin(a) * ln))
    if perfused > 0:
        for k in range(3):
            u = ((t * 0.35 + k / 3) % 1.0) * (g - 0.25)
            if u > 0.02:
                x, y = at(u)
                red_cell(p, x, y, 3.8, tilt=0.2, alpha=perfused)


def _draw_macro(p: QPainter, t: float) -> None:
    d = DRAWINGS["macro"]
    s = t % d.period_s
    cx, cy = 168.0, 132.0
    wall = 40.0
    lumen(p, lambda x: -5.0, lambda x: wall, -5.0, 325.0)
    _flowing_reds(p, 14, 8, 0.0, wall - 2, -5.0, 325.0, t, 40.0, r=6.0)
    # the signal: VEGF diffuses from the starving colony toward the vessel
    pts = []
    for k in range(22):
        u = (t * 0.18 + k / 22) % 1.0
        a = -math.pi / 2 + 1.5 * math.sin(k * 12.9)
        dist = 40 + 60 * u
        pts.append((cx + math.cos(a) * dist * 1.3, cy + math.sin(a) * dist, math.sin(math.pi * u) * 0.9))
    dots(p, pts, VEGF, 2.3)
    g = _seg(s, 0.6, 7.4) * (1 - _seg(s, 9.4, 10.0))
    perfused = _seg(s, 7.4, 8.2) * (1 - _seg(s, 9.2, 9.6))
    for base, tip, bend, lag in (
        ((120.0, wall + 4), (148.0, cy - 30), -12.0, 0.0),
        ((226.0, wall + 4), (194.0, cy - 28), 14.0, 0.08),
    ):
        _sprout(p, _sprout_curve(base, tip, bend), max(0.0, g - lag) / (1 - lag), t, perfused)
    endothelium(p, lambda x: wall, -5.0, 325.0, +1, thick=5.5, shift=7)


def _fg_macro(p: QPainter) -> None:
    for x, y in _colony(8, 26, 168.0, 132.0, 60.0):
        cancer_cell(p, x, y, 11.0)


def _draw_apoptosis(p: QPainter, t: float) -> None:
    d = DRAWINGS["apoptosis"]
    s = t % d.period_s
    dying_cell(p, 160.0, 90.0, 30.0, _seg(s, 0.6, 5.4))


def _bg_extravasate(p: QPainter) -> None:
    wall = 66.0
    tissue(p, 4, keep_clear=lambda x, y: y < wall + 14 or (abs(x - 160) < 30 and y < wall + 60))
    fibres(p, 31, 8, (0.0, wall + 20, 320.0, 180.0), alpha=0.7)
    p.setPen(QPen(_c("#c9d7ee", 0.5), 1.6))  # the basement membrane under the wall
    p.drawLine(QPointF(-5, wall + 8), QPointF(325, wall + 8))


#: What does not move, painted once per size (``_background``): tissue, fibres, fixed vessels.
_BACKGROUNDS = {
    "shed": _bg_shed,
    "arrest": lambda p: fibres(p, 21, 10, (0.0, 0.0, 320.0, 180.0)),
    "extravasate": _bg_extravasate,
    "dormant": _bg_dormant,
    "micro": _bg_micro,
    "macro": lambda p: tissue(
        p,
        5,
        keep_clear=lambda x, y: (
            y < 56 or (x - 168) ** 2 + ((y - 132) / 0.85) ** 2 < 66**2 or (90 < x < 240 and y < 100)
        ),
    ),
    "apoptosis": lambda p: tissue(p, 9, keep_clear=lambda x, y: (x - 160) ** 2 + (y - 90) ** 2 < 50**2),
}
#: What does not move but lies over moving things (cached the same way, on a clear pixmap).
_FOREGROUNDS = {"arrest": _fg_arrest, "macro": _fg_macro}
_bg_cache: dict[tuple, QPixmap] = {}


def _to_canvas(p: QPainter, rect: QRectF) -> None:
    k = max(rect.width() / W, rect.height() / H)
    p.translate(rect.center())
    p.scale(k, k)
    p.translate(-W / 2, -H / 2)


def _background(key: str, w: int, h: int, dpr: float, front: bool = False) -> QPixmap:
    ck = (key, w, h, round(dpr, 3), front)
    pix = _bg_cache.get(ck)
    if pix is None:
        if len(_bg_cache) > 24:
            _bg_cache.clear()
        pix = QPixmap(max(1, round(w * dpr)), max(1, round(h * dpr)))
        pix.setDevicePixelRatio(dpr)
        pix.fill(QColor(0, 0, 0, 0) if front else _c(FIELD))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        _to_canvas(p, QRectF(0, 0, w, h))
        (_FOREGROUNDS if front else _BACKGROUNDS)[key](p)
        p.end()
        _bg_cache[ck] = pix
    return pix


_PAINTERS = {
    "shed": _draw_shed,
    "transit": _draw_transit,
    "arrest": _draw_arrest,
    "extravasate": _draw_extravasate,
    "dormant": _draw_dormant,
    "micro": _draw_micro,
    "macro": _draw_macro,
    "apoptosis": _draw_apoptosis,
}


def draw(key: str, p: QPainter, rect: QRectF, t: float, radius: float = 0.0) -> None:
    """Paint drawing ``key`` at time ``t`` (seconds) filling ``rect`` (cropped to keep its shape)."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    clip = QPainterPath()
    clip.addRoundedRect(rect, radius, radius)
    p.setClipPath(clip)
    dpr = p.device().devicePixelRatioF() if p.device() is not None else 1.0
    w, h = round(rect.width()), round(rect.height())
    if key in _BACKGROUNDS:
        p.drawPixmap(rect.topLeft(), _background(key, w, h, dpr))
    else:
        p.fillRect(rect, _c(FIELD))
    p.save()
    _to_canvas(p, rect)
    _PAINTERS[key](p, t)
    p.restore()
    if key in _FOREGROUNDS:
        p.drawPixmap(rect.topLeft(), _background(key, w, h, dpr, front=True))
    # the lens: a soft dark rim
    vg = QRadialGradient(rect.center(), 0.72 * max(rect.width(), rect.height()))
    vg.setColorAt(0.55, QColor(0, 0, 0, 0))
    vg.setColorAt(1.0, QColor(0, 0, 0, 120))
    p.fillRect(rect, QBrush(vg))
    p.restore()


def render(key: str, t: float, size: QSize, dpr: float = 1.0) -> QImage:
    """Drawing ``key`` at ``t`` as an image (quiz cards, tests, still pictures)."""
    img = QImage(round(size.width() * dpr), round(size.height() * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(QColor(theme.PANEL))
    p = QPainter(img)
    draw(key, p, QRectF(0, 0, size.width(), size.height()), t, radius=6.0)
    p.end()
    return img


def pixmap(key: str, t: float, size: QSize, dpr: float = 1.0) -> QPixmap:
    return QPixmap.fromImage(render(key, t, size, dpr))


# --- the widgets ---------------------------------------------------------------------------------
class MicroscopeView(QWidget):
    """Paints one drawing, animated at ``FPS`` frames a second, or still."""

    def __init__(self, parent=None, clock=time.monotonic):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)  # nothing beneath repaints
        self.clock = clock
        self.key = "shed"
        self.still = False
        self._t0 = clock()
        self._watched = None
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / FPS))
        self.timer.timeout.connect(self.update)
        self.frames_painted = 0
        self.paint_ms = 0.0  # a running mean of one frame's cost
        self.share = MAX_SHARE  # of the GUI thread (CALM_SHARE when calm)

    def set_drawing(self, key: str) -> None:
        if key != self.key:
            self.key = key
            self._t0 = self.clock()  # each story starts from its beginning
            self.update()

    def set_calm(self, calm: bool) -> None:
        """Fewer frames while nobody watches (``CALM_SHARE``), the full rate again after."""
        self.share = CALM_SHARE if calm else MAX_SHARE

    def set_still(self, still: bool) -> None:
        self.still = bool(still)
        self.sync_timer()
        self.update()

    def moment(self) -> float:
        """The time (seconds into the drawing) painted now."""
        d = DRAWINGS[self.key]
        return d.still_t if self.still else self.clock() - self._t0

    def animating(self) -> bool:
        return self.timer.isActive()

    def sync_timer(self) -> None:
        win = self.window()
        run = not self.still and self.isVisible() and not win.isMinimized() and not self.visibleRegion().isEmpty()
        if run and not self.timer.isActive():
            self.timer.start()
        elif not run and self.timer.isActive():
            self.timer.stop()

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        win = self.window()
        if win is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            win.installEventFilter(self)
            self._watched = win
        self.sync_timer()

    def hideEvent(self, ev) -> None:
        super().hideEvent(ev)
        self.timer.stop()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() in (QEvent.Type.WindowStateChange, QEvent.Type.Hide, QEvent.Type.Show):
            QTimer.singleShot(0, self, self.sync_timer)  # dropped if this view is gone
        return False

    def paintEvent(self, ev) -> None:
        t0 = time.perf_counter()
        p = QPainter(self)
        p.fillRect(self.rect(), _c(theme.PANEL))
        draw(self.key, p, QRectF(self.rect()), self.moment(), radius=6.0)
        p.end()
        self.frames_painted += 1
        ms = 1e3 * (time.perf_counter() - t0)
        self.paint_ms = ms if self.frames_painted == 1 else 0.8 * self.paint_ms + 0.2 * ms
        interval = max(round(1000 / FPS), round(self.paint_ms / self.share))
        if abs(interval - self.timer.interval()) > 2:
            self.timer.setInterval(interval)
        if self.timer.isActive() and not self.isVisible():
            self.timer.stop()


class MicroscopePanel(QWidget):
    """The drawing of the lit step and its one-line label, over the empty top-left corner of the
    body map (above the legend, left of the figure); hidden where the map leaves no room."""

    MAX_W = 420
    MIN_W = 210

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.setObjectName("panel")
        # it paints every pixel of its rectangle (the map's own navy in the corners round its frame),
        # so Qt does not repaint the map under it for each of the microscope's frames (measured in
        # the kiosk's attract loop: the map's scene was drawn twice as often as it changed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.sizes = sizes
        self.step = "shed"
        self.body = None
        self.no_room = False
        self.view = MicroscopeView(self)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.label = QLabel(self)
        self.label.setObjectName("microscope_label")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.label.setStyleSheet(f"font-size: {sizes.small}px; font-weight: 600; color: {theme.TEXT};")
        lay = QVBoxLayout(self)
        m = max(4, round(6 * sizes.scale))
        lay.setContentsMargins(m, m, m, m)
        lay.setSpacing(max(3, round(5 * sizes.scale)))
        lay.addWidget(self.view, 1)
        lay.addWidget(self.label)
        self.retranslate()

    def paintEvent(self, ev) -> None:
        """The panel's frame as the theme draws panels, on the map's background colour."""
        p = QPainter(self)
        p.fillRect(self.rect(), _c(theme.BG))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rad = max(4, round(8 * self.sizes.scale))
        p.setPen(QPen(_c(theme.BORDER), 1.0))
        p.setBrush(_c(theme.PANEL))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), rad, rad)
        p.end()

    # --- the step -----------------------------------------------------------------------------
    def set_step(self, step: str) -> None:
        key = STEP_DRAWING.get(step)
        if key is None:
            return
        self.step = step
        self.view.set_drawing(key)
        self.retranslate()

    def set_text_px(self, px: int) -> None:
        """The label's type size (the kiosk reads it from two metres: the medium size)."""
        self.label.setStyleSheet(f"font-size: {px}px; font-weight: 600; color: {theme.TEXT};")
        self.place()

    def drawing(self) -> str:
        return self.view.key

    def set_still(self, still: bool) -> None:
        self.view.set_still(still)

    def retranslate(self) -> None:
        d = DRAWINGS[self.view.key]
        text = tr(d.label)
        if self.label.text() != text:
            self.label.setText(text)
            self.place()
        self.setAccessibleName(tr("Under the microscope"))
        self.view.setAccessibleName(tr("Under the microscope"))
        self.view.setAccessibleDescription(text)

    # --- placing it over the map --------------------------------------------------------------
    def attach(self, body) -> None:
        """Float over ``body`` (the BodyView); follow its size, its legend and its framing."""
        self.body = body
        self.setParent(body)
        for w in (body, body.legend, body.legend_button):
            w.installEventFilter(self)
        body.vb.sigRangeChanged.connect(self._on_body_range_changed)
        self.place()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide):
            self.place()
        return False

    def _on_body_range_changed(self, *args) -> None:
        self.place()

    def room(self) -> QRectF:
        """The free corner: above the legend, left of the drawn figure (body widget coordinates)."""
        b = self.body
        m = round(12 * self.sizes.scale)
        bottom = float(b.height() - m)
        legend = b.legend_rect()
        if not legend.isEmpty():
            bottom = legend.top() - m
        fig = b.art.figure_rect
        left_edge = b.mapFromScene(b.vb.mapViewToScene(QPointF(fig.left(), fig.top()))).x()
        right = min(float(left_edge) - m, float(b.width() - m))
        return QRectF(m, m, max(0.0, right - m), max(0.0, bottom - m))

    def place(self) -> None:
        if self.body is None:
            return
        room = self.room()
        s = self.sizes.scale
        w = min(room.width(), self.MAX_W * s)
        lay = self.layout()
        mg = lay.contentsMargins()
        for _ in range(3):  # shrink until the label and drawing fit the height
            inner = w - mg.left() - mg.right()
            label_h = self.label.heightForWidth(round(inner)) if inner > 0 else 0
            h = inner * 9 / 16 + label_h + lay.spacing() + mg.top() + mg.bottom()
            if h <= room.height():
                break
            spare = room.height() - (label_h + lay.spacing() + mg.top() + mg.bottom())
            w = max(0.0, spare * 16 / 9 + mg.left() + mg.right())
        self.no_room = w < self.MIN_W * s or h > room.height()
        if self.no_room:
            self.hide()
            return
        self.setGeometry(round(room.left()), round(room.top()), round(w), round(h))
        if self.isHidden():
            self.show()
        self.raise_()
