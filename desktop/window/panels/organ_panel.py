"""OrganPanel: the card shown when an organ is tapped. What is there now (cells stuck in
capillaries, dormant cells, micro- and macrometastases with sizes), how the founder cells got
there, and a button to replay the largest lesion's founder journey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.core.frames import FrameData, lesion_diameter_mm
from desktop.core.i18n import num, sig, tr
from desktop.core.narrator import count_text
from desktop.window import theme
from sim_core import KIND_CAVITY, KIND_NODE, KIND_ORGAN, BodyGraph


def cells_text(n: float) -> str:
    return tr("1 cell") if round(n) == 1 else tr("{n} cells", n=count_text(n))


def size_text(d_mm: float) -> str:
    if d_mm >= 10:
        return f"{num(d_mm / 10, 1)} cm"
    if d_mm >= 1:
        return f"{num(d_mm, 1)} mm"
    return f"{num(1000 * d_mm)} µm"


@dataclass(frozen=True)
class OrganReport:
    comp: int
    title: str
    lines: tuple[str, ...]
    routes: str
    largest_lesion: int  # lesion id, -1 if none


def organ_report(graph: BodyGraph, f: FrameData, comp: int, primary: str, soil: float | None) -> OrganReport:
    s = f.snap
    po = f.pools
    kind = int(graph.kind[comp])
    lines = []
    if comp == f.primary:
        d = float(lesion_diameter_mm(s.primary_cells, f.cells_per_g)) if s.primary_cells > 0 else 0.0
        lines.append(
            tr("Primary tumour: {cells}, about {size} across.", cells=cells_text(s.primary_cells), size=size_text(d))
        )
    if kind in (KIND_ORGAN, KIND_NODE):
        if soil is not None:
            word = "fertile" if soil > 1.5 else ("poor" if soil < 0.67 else "average")
            lines.append(tr("Soil for this cancer: ×{soil} ({word}).", soil=sig(soil, 2), word=tr(word)))
        lines.append(tr("Stuck in capillaries now: {cells}.", cells=cells_text(po.arrested_now[comp])))
        lines.append(tr("Escaped but doomed: {cells}.", cells=cells_text(po.doomed_now[comp])))
        lines.append(tr("Dormant (asleep): {cells}.", cells=cells_text(s.dormant_cells[comp])))
    if kind == KIND_CAVITY:
        lines.append(tr("Floating in the cavity: {cells}.", cells=cells_text(po.floating_now[comp])))
    here = s.lesion_comp == comp
    largest = -1
    for state, word in ((1, "Micrometastases"), (2, "Macrometastases")):
        sel = here & (s.lesion_state == state)
        n = int(sel.sum())
        if n:
            cells = s.lesion_cells[sel]
            d = lesion_diameter_mm(cells.max(), f.cells_per_g)
            big = "{what}: {n}; largest {cells}, {size}." if n > 1 else "{what}: {n}; size {cells}, {size}."
            lines.append(tr(big, what=tr(word), n=num(n), cells=cells_text(cells.max()), size=size_text(float(d))))
        else:
            lines.append(tr("{what}: none.", what=tr(word)))
    if here.any():
        idx = np.flatnonzero(here)
        largest = int(s.lesion_id[idx[np.argmax(s.lesion_cells[idx])]])
    # how the founders came: lesions by founder route, dormant cells by arrival route
    words = theme.ROUTE_WORDS
    counts = np.bincount(s.lesion_route[here].astype(np.int64), minlength=6).astype(float)
    dormant = po.dormant_by_route[comp]
    if counts.sum() > 0:
        parts = [f"{tr(words[k])} ({num(int(counts[k]))})" for k in np.argsort(-counts) if counts[k] > 0]
        routes = tr("How the founder cells of its lesions arrived: {routes}.", routes=", ".join(parts))
    elif dormant.sum() > 0:
        tot = dormant.sum()
        parts = [
            f"{num(100 * dormant[k] / tot)} % {tr(words[k])}" for k in np.argsort(-dormant) if dormant[k] / tot >= 0.005
        ]
        routes = tr("Its dormant cells came {routes}.", routes=", ".join(parts))
    else:
        routes = tr("No cancer cell has settled here yet.")
    return OrganReport(comp, tr(graph.names[comp]), tuple(lines), routes, largest)


class OrganPanel(QFrame):
    replay_requested = Signal(int)  # lesion id
    closed = Signal()

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setAccessibleName(tr("Organ details"))
        self.comp = -1
        self.report: OrganReport | None = None
        lay = QVBoxLayout(self)
        m = round(12 * sizes.scale)
        lay.setContentsMargins(m, m, m, m)
        head = QHBoxLayout()
        self.title = QLabel("")
        self.title.setObjectName("heading")
        self.title.setWordWrap(True)
        self.close_button = QPushButton("✕")
        self.close_button.setAccessibleName(tr("Close organ details"))
        self.close_button.clicked.connect(self._on_close_clicked)
        head.addWidget(self.title, 1)
        head.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(head)
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.routes = QLabel("")
        self.routes.setObjectName("dim")
        self.routes.setWordWrap(True)
        self.replay = QPushButton(tr("Replay the founder's journey"))
        self.replay.setAccessibleName(tr("Replay the journey of the largest lesion's founder cell"))
        self.replay.clicked.connect(self._on_replay_clicked)
        lay.addWidget(self.body)
        lay.addWidget(self.routes)
        lay.addWidget(self.replay)

    def show_report(self, r: OrganReport) -> None:
        self.report = r
        self.comp = r.comp
        self.title.setText(r.title)
        self.body.setText("\n".join(r.lines))
        self.routes.setText(r.routes)
        self.replay.setVisible(r.largest_lesion >= 0)
        self.adjustSize()

    def _on_replay_clicked(self) -> None:
        if self.report is not None and self.report.largest_lesion >= 0:
            self.replay_requested.emit(self.report.largest_lesion)

    def _on_close_clicked(self) -> None:
        self.hide()
        self.comp = -1
        self.closed.emit()
