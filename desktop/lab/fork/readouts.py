"""Read-outs of fork-and-compare: ``CompareTablePanel`` puts the two funnels (and what is in the body
now) side by side with their differences; ``SiteHistoryPanel`` plots cells by site and lesion counts
over time for both branches, A solid and B dashed, with the fork day marked.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.core.frames import lesion_diameter_mm
from desktop.core.narrator import count_text
from desktop.window import theme
from desktop.window.panels.funnel_panel import ROWS as FUNNEL_ROWS
from desktop.window.panels.plots_panel import GROUP_COLORS, compartment_groups, spread_labels
from sim_core import COUNTER_NAMES, MACRO, MICRO, BodyGraph, Engine

A_COLOR = theme.SKY
B_COLOR = theme.ORANGE
_C = {name: i for i, name in enumerate(COUNTER_NAMES)}


def _size_text(cells: float, cells_per_g: float) -> str:
    if cells <= 0:
        return "none"
    d = float(lesion_diameter_mm(cells, cells_per_g))
    return f"{d / 10:.1f} cm" if d >= 10 else f"{d:.1f} mm"


def state_values(e: Engine) -> list[tuple[str, float, str]]:
    """(label, value, kind) of what is in the body now; kind 'count' or 'size' (cells, shown as a
    diameter)."""
    les = e.lesions
    micro, macro = les.state == MICRO, les.state == MACRO
    live = les.state > 0
    in_mets = float(les.cells[live].sum())
    # any lesion: a micrometastasis at its balanced size can outgrow a vascular one that just switched
    largest = float(les.cells[live].max()) if live.any() else 0.0
    return [
        ("primary tumour", float(e.primary_cells), "size"),
        ("macrometastases now", float(macro.sum()), "count"),
        ("micrometastases now", float(micro.sum()), "count"),
        ("largest metastasis", largest, "size"),
        ("cells in metastases", in_mets, "count"),
        ("dormant cells now", float(e.pools.dormant.sum()), "count"),
    ]


def compare_rows(a: Engine, b: Engine) -> list[tuple[str, float, float, str]]:
    """Every compared quantity as (label, value in A, value in B, kind); the funnel first, with
    the same rows and labels as the main window's funnel."""
    rows = [(label, f(a.counters), f(b.counters), "count") for label, f, _ in FUNNEL_ROWS]
    rows += [(la, va, vb, k) for (la, va, k), (_, vb, _) in zip(state_values(a), state_values(b), strict=False)]
    return rows


def diff_texts(va: float, vb: float, kind: str, cells_per_g: float) -> tuple[str, str, str, str]:
    """Cell texts A, B, B − A, B ÷ A ('same' when bit-identical)."""
    if kind == "size":
        ta, tb = _size_text(va, cells_per_g), _size_text(vb, cells_per_g)
    else:
        ta, tb = count_text(va), count_text(vb)
    if va == vb:
        return ta, tb, "same", ""
    d = vb - va
    sign = "+" if d > 0 else "−"
    dt = sign + (count_text(abs(d)) if kind == "count" else f"{count_text(abs(d))} cells")
    if va > 0 and vb > 0:
        r = vb / va
        ratio = f"×{r:.3g}" if 0.001 <= r < 1000 else f"×{r:.1e}"
    else:
        ratio = "none in B" if vb == 0 else "none in A"
    return ta, tb, dt, ratio


class CompareTablePanel(QWidget):
    """The two funnels and the body's contents now, in one table: A, B, B − A, B ÷ A."""

    HEADERS = ("", "A  unchanged", "B  changed", "B − A", "B ÷ A")

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.sizes = sizes
        lay = theme.titled_column(self, "Where the shed cells went, A against B", 6)
        note = QLabel(
            "Counts since day 0: the part before the fork is shared, so any difference arose after it. "
            "Rows in bold differ."
        )
        note.setObjectName("dim")
        note.setWordWrap(True)
        lay.addWidget(note)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setAccessibleName("Funnel of branch A and branch B, with differences")
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.HEADERS)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.verticalHeader().setDefaultSectionSize(round(21 * sizes.scale))
        pad = round(4 * sizes.scale)
        self.table.setStyleSheet(
            f"QTableWidget {{ background: {theme.PANEL}; alternate-background-color: #15243e;"
            f" border: none; font-size: {sizes.small}px; }}"
            f"QTableWidget::item {{ padding: 0 {pad * 2}px; }}"
            f"QHeaderView::section {{ background: {theme.PANEL_2}; color: {theme.TEXT}; border: none;"
            f" padding: {pad}px {pad * 2}px; font-weight: 600; font-size: {sizes.small}px; }}"
        )
        lay.addWidget(self.table)
        self.replicates = QLabel("")
        self.replicates.setWordWrap(True)
        self.replicates.setStyleSheet(f"color: {theme.ACCENT};")
        lay.addWidget(self.replicates)
        lay.addStretch(1)
        self.rows: list[tuple[str, str, str, str, str]] = []

    def show_branches(self, a: Engine, b: Engine) -> None:
        cpg = float(a.params["primary.cells_per_g"])
        rows = []
        for label, va, vb, kind in compare_rows(a, b):
            rows.append((label, *diff_texts(va, vb, kind, cpg)))
        if rows == self.rows:
            return
        self.rows = rows
        t = self.table
        t.setRowCount(len(rows))
        t.setMinimumHeight(
            t.horizontalHeader().sizeHint().height()
            + 2 * t.frameWidth()
            + 8  # no scrolling
            + len(rows) * t.verticalHeader().defaultSectionSize()
        )
        bold = theme.font(self.sizes.small, bold=True)
        plain = theme.font(self.sizes.small)
        section = len(FUNNEL_ROWS)
        for r, cells in enumerate(rows):
            differs = cells[3] != "same"
            for col, text in enumerate(cells):
                it = t.item(r, col)
                if it is None:
                    it = QTableWidgetItem()
                    t.setItem(r, col, it)
                it.setText(text)
                it.setTextAlignment(
                    (Qt.AlignmentFlag.AlignLeft if col == 0 else Qt.AlignmentFlag.AlignRight)
                    | Qt.AlignmentFlag.AlignVCenter
                )
                it.setFont(bold if differs else plain)
                color = theme.TEXT
                if col == 1:
                    color = A_COLOR
                elif col == 2:
                    color = B_COLOR
                elif col >= 3:
                    color = theme.TEXT if differs else theme.TEXT_DIM
                elif r >= section:
                    color = theme.ACCENT if differs else theme.TEXT_DIM
                else:
                    color = theme.TEXT if differs else theme.TEXT_DIM
                it.setForeground(QBrush(theme.qcolor(color)))
        t.item(section, 0).setToolTip("From here on: what is in the body at the current day.")


class SiteHistoryPanel(QWidget):
    """Living cells by site (log scale) and lesions over time, A solid and B dashed."""

    def __init__(self, graph: BodyGraph, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.sizes = sizes
        lay = theme.titled_column(self, "Living cancer cells by site (log scale) — A solid, B dashed", 6)
        self.cells_plot = self._plot("living cells (log)", log=True)
        self.cells_plot.setAccessibleName("Cells per site over time in branches A and B")
        self.cells_plot.setLabel("bottom", "")  # the plot below carries the shared time axis label
        lay.addWidget(self.cells_plot, 2)
        sub = QLabel("Macrometastases (lesions with their own blood supply) — A solid, B dashed")
        sub.setObjectName("dim")
        lay.addWidget(sub)
        self.les_plot = self._plot("macrometastases", log=False)
        self.les_plot.setAccessibleName("Macrometastases over time in branches A and B")
        lay.addWidget(self.les_plot, 1)
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.labels: dict[str, pg.TextItem] = {}
        for name, color in GROUP_COLORS.items():
            for br, style in (("A", Qt.PenStyle.SolidLine), ("B", Qt.PenStyle.DashLine)):
                pen = pg.mkPen(color, width=2.4 if br == "A" else 2.0, style=style)
                self.curves[(name, br)] = self.cells_plot.plot(pen=pen, connect="finite")
            t = pg.TextItem(name, color=color, anchor=(0, 0.5))
            t.setFont(theme.font(round(sizes.small * 0.9)))
            self.cells_plot.addItem(t)
            self.labels[name] = t
        self.les_curves = {}
        self.les_labels = {}
        for br, color, style in (("A", A_COLOR, Qt.PenStyle.SolidLine), ("B", B_COLOR, Qt.PenStyle.DashLine)):
            self.les_curves[br] = self.les_plot.plot(pen=pg.mkPen(color, width=2.6, style=style))
            t = pg.TextItem(br, color=color, anchor=(0, 0.5))
            t.setFont(theme.font(round(sizes.small * 0.9), bold=True))
            self.les_plot.addItem(t)
            self.les_labels[br] = t
        self.fork_lines = []
        for p in (self.cells_plot, self.les_plot):
            line = pg.InfiniteLine(
                angle=90,
                movable=False,
                pen=pg.mkPen(theme.ACCENT, width=1.5, style=Qt.PenStyle.DotLine),
                label="fork",
                labelOpts={"color": theme.ACCENT, "position": 0.93},
            )
            p.addItem(line)
            self.fork_lines.append(line)
        self.groups: dict[str, np.ndarray] = {}

    def _plot(self, ylabel: str, log: bool) -> pg.PlotWidget:
        p = pg.PlotWidget(background=theme.PANEL)
        p.setLogMode(x=False, y=log)
        p.showGrid(x=False, y=True, alpha=0.15)
        p.setMouseEnabled(False, False)
        p.hideButtons()
        for ax in ("left", "bottom"):
            p.getAxis(ax).setTextPen(theme.TEXT_DIM)
            p.getAxis(ax).setPen(theme.BORDER)
            p.getAxis(ax).setStyle(tickFont=theme.font(round(self.sizes.small * 0.85)))
        # after the pens: the label takes its own colour and size (left alone it drew almost black)
        p.setLabel(
            "bottom", "days since the start of the run", color=theme.TEXT_DIM, size=f"{round(self.sizes.small * 0.9)}px"
        )
        p.getAxis("left").setWidth(round(58 * self.sizes.scale))
        p.getAxis("left").enableAutoSIPrefix(False)
        return p

    def set_primary(self, primary: str) -> None:
        self.groups = compartment_groups(self.graph, primary)

    def show_branches(self, a: Engine, b: Engine, fork_day: float, horizon_days: float) -> None:
        lo = max(0.0, fork_day - 0.4 * horizon_days)
        hi = fork_day + horizon_days
        for line in self.fork_lines:
            line.setPos(fork_day)
        ends: dict[str, float] = {}
        top = 10.0
        for br, e in (("A", a), ("B", b)):
            t, series = _history(e, self.groups)
            keep = t >= lo - 1.0
            for name, y in series.items():
                y = np.where(y[keep] >= 1.0, y[keep], np.nan)
                self.curves[(name, br)].setData(t[keep], y)
                if np.isfinite(y).any():
                    top = max(top, float(np.nanmax(y)))
                if y.size and np.isfinite(y[-1]):
                    ends[name] = max(ends.get(name, -1.0), float(np.log10(y[-1])))
        ytop = max(2.0, np.log10(top) * 1.08)
        for name, lab in self.labels.items():
            lab.setVisible(name in ends)
        x_end = float(max(a.t_days, b.t_days))
        for name, ly in spread_labels(ends, 0.1 * ytop, ytop).items():
            self.labels[name].setPos(x_end, ly)
        span = hi - lo
        self.cells_plot.setXRange(lo, hi + 0.2 * span, padding=0)
        self.cells_plot.setYRange(0, ytop, padding=0)
        self._show_lesions(a, b, lo, hi, x_end)

    def _show_lesions(self, a: Engine, b: Engine, lo: float, hi: float, x_end: float) -> None:
        top = 1.0
        last = {}
        for br, e in (("A", a), ("B", b)):
            rec = e.recorder
            t = rec.t_days[: rec.n]
            keep = t >= lo - 1.0
            macro = rec.counters[: rec.n][keep, _C["angiogenic_switches"]]
            self.les_curves[br].setData(t[keep], macro)
            if macro.size:
                top = max(top, float(macro.max()))
                last[br] = float(macro[-1])
        ytop = top * 1.2 + 0.5
        ys = spread_labels(last, 0.14 * ytop, ytop)
        for br, lab in self.les_labels.items():
            lab.setVisible(br in ys)
            if br in ys:
                lab.setText(f"{br}: {last[br]:,.0f}")
                lab.setPos(x_end, ys[br])
        span = hi - lo
        self.les_plot.setXRange(lo, hi + 0.2 * span, padding=0)
        self.les_plot.setYRange(0, ytop, padding=0)


def _history(e: Engine, groups: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rec = e.recorder
    t = rec.t_days[: rec.n]
    cells = rec.cells[: rec.n]
    series = {"primary": rec.primary[: rec.n]}
    for name, idx in groups.items():
        series[name] = cells[:, idx].sum(axis=1) if idx.size else np.zeros(t.size)
    return t, series
