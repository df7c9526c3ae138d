"""VesselItem: every vessel of the body graph, drawn once from the graph's own paths (so packets
always ride on a drawn vessel), as faintly luminous lines coloured by kind, with rounded corners.
Cached in device coordinates; it repaints only on zoom or resize.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from desktop.window.theme import VESSEL_COLORS, qcolor
from sim_core import BodyGraph

CORNER_UNITS = 9.0
#: Draw order of vessel kinds (later on top): lymph and cavity under the blood vessels.
KIND_ORDER = (4, 3, 5, 2, 1, 0)


def rounded_path(points: np.ndarray, radius: float = CORNER_UNITS) -> QPainterPath:
    """A polyline with each corner replaced by a quadratic curve (at most ``radius`` units back)."""
    path = QPainterPath(QPointF(*points[0]))
    n = len(points)
    for i in range(1, n - 1):
        p0, p1, p2 = points[i - 1], points[i], points[i + 1]
        a = math.hypot(*(p1 - p0))
        b = math.hypot(*(p2 - p1))
        r = min(radius, 0.45 * a, 0.45 * b)
        if r <= 0.01:
            path.lineTo(QPointF(*p1))
            continue
        q0 = p1 + (p0 - p1) * (r / a)
        q2 = p1 + (p2 - p1) * (r / b)
        path.lineTo(QPointF(*q0))
        path.quadTo(QPointF(*p1), QPointF(*q2))
    path.lineTo(QPointF(*points[-1]))
    return path


class VesselItem(QGraphicsItem):
    def __init__(self, graph: BodyGraph, parent=None):
        super().__init__(parent)
        self.graph = graph
        self._vessel_paths = [rounded_path(graph.path(v)) for v in range(graph.m)]
        self._ids = list(graph.v_ids)
        self._rect = QRectF(0, 0, 600, 1000)
        for p in self._vessel_paths:
            self._rect = self._rect.united(p.boundingRect().adjusted(-4, -4, 4, 4))
        self.width_scale = 1.0
        self.render_count = 0  # paints into Qt's device cache: on zoom, resize or a new primary only
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._primary: str | None = None
        self.set_primary("")

    def set_primary(self, primary: str) -> None:
        """Vessels draining other primaries stay drawn, but faint: they carry nothing in this run.
        The same primary again changes nothing, so the cached drawing is kept (a reset asks for it
        several times, and each redraw of the strokes costs about 11 ms)."""
        if primary == self._primary:
            return
        self._primary = primary
        g = self.graph
        self._paths = {k: QPainterPath() for k in range(len(VESSEL_COLORS))}
        self._faint = QPainterPath()
        for v, path in enumerate(self._vessel_paths):
            src = g.ids[int(g.v_src[v])]
            if src.startswith("primary:") and src != primary:
                self._faint.addPath(path)
            else:
                self._paths[int(g.v_kind[v])].addPath(path)
        self.update()

    def drawn_vessel_ids(self) -> list[str]:
        return list(self._ids)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.render_count += 1
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        s = self.width_scale
        faint = QPen(qcolor("#9fb6d8", 0.13), 1.0 * s)
        faint.setCosmetic(True)
        faint.setDashPattern([2.0, 3.0])
        painter.setPen(faint)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._faint)
        for k in KIND_ORDER:
            path = self._paths[k]
            if path.isEmpty():
                continue
            color = VESSEL_COLORS[k]
            glow = QPen(qcolor(color, 0.13), 7.0 * s)
            glow.setCosmetic(True)
            glow.setCapStyle(Qt.PenCapStyle.RoundCap)
            glow.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(glow)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            core = QPen(qcolor(color, 0.72), 1.6 * s)
            core.setCosmetic(True)
            core.setCapStyle(Qt.PenCapStyle.RoundCap)
            core.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            if k == 4:  # body-cavity spread is not a vessel: dashed
                core.setDashPattern([3.0, 3.0])
            painter.setPen(core)
            painter.drawPath(path)
