"""PlotsPanel: living cancer cells per site over time (log scale), one line per group of
compartments, each labelled at its end (colour is never the only cue).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QWidget

from desktop.core.i18n import tr
from desktop.window import theme
from sim_core import BodyGraph

GROUP_COLORS = {
    "primary": theme.PRIMARY,
    "regional nodes": theme.GREEN,
    "distant nodes": "#7fe3c9",
    "lungs": theme.SKY,
    "liver": theme.ORANGE,
    "bone": theme.YELLOW,
    "brain": theme.PURPLE,
    "other organs": theme.GREY,
}
#: The plot is redrawn only when its picture would change: times are compared in steps of this
#: share of the time axis, cell counts in steps of this many decades (both below a pixel of the
#: plot at the window's sizes). At transit speeds a line's end moves less than that for seconds,
#: and a redraw cost the window about 15 ms (setting the lines, then Qt painting the plot).
X_QUANTUM = 1 / 2000
Y_QUANTUM_DECADES = 0.01
#: The axes' ranges move in steps, not with every redraw: the time axis ends at X_ROOM_SET times the
#: last day when it is set, and is set again when the lines' ends come within X_ROOM_MIN of its end
#: (the room the end labels need) or shrink far from it; the cell axis likewise rises by whole
#: steps of Y_STEP_DECADES. An unchanged axis is not drawn again (it is cached as a picture): a
#: redraw at transit speeds measured 8.7 ms with both axes redrawn, about 4 ms without.
X_ROOM_SET, X_ROOM_MIN = 1.45, 1.25
Y_STEP_DECADES = 0.5


def compartment_groups(graph: BodyGraph, primary: str) -> dict[str, np.ndarray]:
    """Compartment indices of each plotted group (the primary is plotted from its own series)."""
    regional = set(graph.regional_nodes.get(primary, ()))
    groups: dict[str, list[int]] = {k: [] for k in GROUP_COLORS if k != "primary"}
    for c, cid in enumerate(graph.ids):
        k = int(graph.kind[c])
        if k == 2:
            groups["regional nodes" if cid in regional else "distant nodes"].append(c)
        elif k in (1, 4):
            cat = graph.category[c]
            if cid == "organ:lungs":
                groups["lungs"].append(c)
            elif cid == "organ:liver":
                groups["liver"].append(c)
            elif cat == "bone":
                groups["bone"].append(c)
            elif cid == "organ:brain":
                groups["brain"].append(c)
            else:
                groups["other organs"].append(c)
    return {k: np.array(v, np.int64) for k, v in groups.items()}


class PlotsPanel(QWidget):
    def __init__(self, graph: BodyGraph, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.sizes = sizes
        lay = theme.titled_column(self, tr("Living cancer cells, by site"), 4)
        self.plot = pg.PlotWidget(background=theme.PANEL)
        self.plot.setAccessibleName(tr("Cells per site over time"))
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setTextPen(theme.TEXT_DIM)
            self.plot.getAxis(ax).setPen(theme.BORDER)
            # an axis (with its tick labels and the grid) is painted again only when it changes
            self.plot.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._label_time_axis()
        self.plot.getAxis("left").setWidth(round(46 * sizes.scale))
        lay.addWidget(self.plot, 1)
        self.curves = {}
        self.labels = {}
        label_font = theme.font(round(sizes.small * 0.9))
        self._label_line_px = QFontMetrics(label_font).height()
        for name, color in GROUP_COLORS.items():
            self.curves[name] = self.plot.plot(pen=pg.mkPen(color, width=2.2), connect="finite", antialias=True)
            t = pg.TextItem(tr(name), color=color, anchor=(0, 0.5))
            t.setFont(label_font)
            self.plot.addItem(t)
            self.labels[name] = t
        self.groups: dict[str, np.ndarray] = {}
        self._shown_key: bytes | None = None
        self._x_end = 0.0  # the time axis' end as last set (0: not set)
        self._y_top = 0.0  # the cell axis' top (decades) as last set

    def _label_time_axis(self) -> None:
        # in the tick labels' colour: the axis line's colour (its default) is near the background's
        self.plot.setLabel("bottom", tr("days"), color=theme.TEXT_DIM)

    def retranslate(self) -> None:
        self._label_time_axis()
        for name, t in self.labels.items():
            t.setText(tr(name))

    def set_primary(self, primary: str) -> None:
        self.groups = compartment_groups(self.graph, primary)
        self._shown_key = None
        self._x_end = self._y_top = 0.0
        for c in self.curves.values():
            c.setData([], [])
        for t in self.labels.values():
            t.setVisible(False)

    def show_history(self, t_days: np.ndarray, cells: np.ndarray, primary: np.ndarray) -> None:
        """``cells`` is [rows, n compartments]; a live row may be appended by the caller."""
        if t_days.size == 0:
            return
        series = {"primary": primary}
        for name, idx in self.groups.items():
            series[name] = cells[:, idx].sum(axis=1) if idx.size else np.zeros(t_days.size)
        xmax = max(float(t_days[-1]), 1.0)
        key = self._picture_key(t_days, series, xmax)
        if key == self._shown_key:
            return
        self._shown_key = key
        top = 1.0
        ends = {}
        for name, y in series.items():
            y = np.where(y >= 1.0, y, np.nan)
            self.curves[name].setData(t_days, y)
            last = y[-1]
            if np.isfinite(last):
                ends[name] = float(np.log10(last))
                top = max(top, float(np.nanmax(y)))
            else:
                self.labels[name].setVisible(False)
        ytop = y_axis_top(max(2.0, np.log10(top) * 1.08), self._y_top)
        for name, ly in spread_labels(ends, self._label_gap() * ytop, ytop).items():
            lab = self.labels[name]
            lab.setVisible(True)
            lab.setPos(float(t_days[-1]), ly)
        x_end = x_axis_end(xmax, self._x_end)
        if x_end != self._x_end:
            self._x_end = x_end
            self.plot.setXRange(0, x_end, padding=0)
        if ytop != self._y_top:
            self._y_top = ytop
            self.plot.setYRange(0, ytop, padding=0)

    def _picture_key(self, t_days: np.ndarray, series: dict[str, np.ndarray], xmax: float) -> bytes:
        """The plot's picture in quantised numbers (``X_QUANTUM``, ``Y_QUANTUM_DECADES``) with the
        plot's height: equal keys draw the same picture."""
        x = np.round(t_days / (xmax * X_QUANTUM))  # (the axis ends at 1.3 xmax)
        y = [
            np.where(v >= 1.0, np.round(np.log10(np.maximum(v, 1.0)) / Y_QUANTUM_DECADES), -1.0)
            for v in series.values()
        ]
        head = np.array(
            [np.round(np.log(xmax) / X_QUANTUM), round(self.plot.getViewBox().height()), len(series)], np.float64
        )
        return b"".join(a.astype(np.float64).tobytes() for a in (head, x, *y))

    def _label_gap(self) -> float:
        """Spacing of the end labels as a share of the plot's height: one line of label text
        (at least 11 %, the spacing on a tall plot), so labels of nearby lines never overlap."""
        h = self.plot.getViewBox().height()
        return max(0.11, self._label_line_px / h) if h > 0 else 0.11


def x_axis_end(xmax: float, current: float) -> float:
    """The time axis' end for lines ending at day ``xmax``: ``current`` while it leaves the end
    labels their room (X_ROOM_MIN) and the lines fill at least half of it, else X_ROOM_SET room."""
    if X_ROOM_MIN * xmax <= current <= 2.0 * X_ROOM_SET * xmax:
        return current
    return X_ROOM_SET * xmax


def y_axis_top(want: float, current: float) -> float:
    """The cell axis' top (decades) for lines that need ``want``: ``current`` while the lines stay
    below it and reach at least half of it, else ``want`` rounded up to a whole Y_STEP_DECADES."""
    if want <= current <= 2.0 * want:
        return current
    return float(Y_STEP_DECADES * np.ceil(want / Y_STEP_DECADES))


def spread_labels(ends: dict[str, float], gap: float, top: float) -> dict[str, float]:
    """Move end-of-line labels apart (keeping their order) so none overlap or leave the plot."""
    items = sorted(ends.items(), key=lambda kv: kv[1])
    ys = []
    for _, y in items:
        ys.append(max(y, ys[-1] + gap) if ys else max(y, 0.5 * gap))
    ceiling = top - 0.5 * gap
    for i in range(len(ys) - 1, -1, -1):  # then push down from the top where they overflow
        ys[i] = min(ys[i], ceiling)
        ceiling = ys[i] - gap
    return {name: y for (name, _), y in zip(items, ys, strict=False)}
