"""Experiments: Luzzi's liver experiment and Fidler's lung experiment replayed on the body map.

``ExperimentView`` shows one replay (``desktop.core.experiments.ExperimentReplay``): the body map with
every injected cell in the blood drawn as its own dot, the clock from seconds to days, a funnel of
what became of the injected cells in the organ the paper counted (the command line's timeline
fractions of this moment), and one caption per published figure, the paper's beside the
simulated one, with its reference key. A ``QTimer`` steps the replay on the GUI thread, as many
of the command line's steps per frame as the pacing (``experiments.Pacer``) owes within a budget.

``ExperimentWindow`` puts it in a window for the Lab menu; the kiosk's screen is
``desktop/kiosk/experiment_screen.py``. ``render_experiment_screenshot`` renders a moment of it.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.experiments import DAY_S, ExperimentReplay, Pacer, clock_text, figure_caption, pct, source_line
from desktop.core.frames import FrameDiffer, Pools
from desktop.core.i18n import num, tr
from desktop.window import run_screen, theme
from desktop.window.timed_run import TimedRun
from desktop.window.views import raster
from desktop.window.views.body_view import BodyView
from sim_core import INJECTION_DESIGNS

TICK_MS = 16
#: The part of the body the experiments happen in (map units): heart, lungs, liver and gut.
TORSO = QRectF(140.0, 230.0, 330.0, 340.0)
#: Cells travelling together share one place in their vessel (the model has no spread within a
#: vessel); on the map each is drawn up to this far (map units) from it, so every one can be seen.
CLOUD_RADIUS = 14.0
#: What the funnel shows, per experiment: (timeline key, words, colour). The first row is the
#: injected cells; every fraction is of them, counted in the organ the paper looked at.
FUNNEL_ROWS = {
    "luzzi": (
        ("arrested", "stuck in the liver's capillaries", theme.ARREST),
        ("extravasated", "out of the vessels, into the liver", theme.SKY),
        ("dormant", "still single cells in the liver", theme.DORMANT),
        ("micrometastases", "small colonies", theme.MICRO),
        ("macrometastases", "tumours (50 cells or more)", theme.MACRO),
    ),
    "fidler": (
        ("arrested", "stuck in the lungs' capillaries", theme.ARREST),
        ("alive", "alive in the lungs (cells)", theme.SKY),
        ("labelled", "labelled cells in the lungs", theme.DORMANT),
        ("micrometastases", "small colonies", theme.MICRO),
        ("nodules", "tumours (1,000 cells or more)", theme.MACRO),
    ),
}
#: Rows that count colonies (lesions), not cells.
LESION_ROWS = ("micrometastases", "macrometastases", "nodules")


def stage_text(replay: ExperimentReplay, row: dict) -> str:
    """What is happening now, in one or two sentences.

    Long: one branch per stage of the replay, in the order the stages happen, the liver's and the
    lungs' sentences side by side (each a whole translatable sentence, which ruff spreads over
    several lines); split, the story would be read out of order."""
    d, t_s = replay.design, replay.t_days * DAY_S
    n = num(d.cells)
    liver = d.key == "luzzi"
    if replay.finished:
        k = round(row["macrometastases" if liver else "nodules"] * d.cells)
        if liver:
            return tr(
                "From {n} cells, {k} tumours by day {d}. Nearly every cell survived the trip and got out "
                "of the vessels; almost none could grow there. The last step is the hard one.",
                n=n,
                k=num(k),
                d=num(d.days),
            )
        return tr(
            "From {n} cells, {k} lung tumours by day {d}: the lungs' capillaries catch nearly every "
            "cell, but few survive there.",
            n=n,
            k=num(k),
            d=num(d.days),
        )
    if row["arrested"] <= 0:
        if liver:
            return tr(
                "{n} mouse melanoma cells are injected into the mesenteric vein, which drains the gut "
                "into the liver. Each dot is one cell.",
                n=n,
            )
        return tr(
            "{n} mouse melanoma cells are injected into a tail vein, which leads to the heart; the heart "
            "pumps them into the lungs. Each dot is one cell.",
            n=n,
        )
    if t_s < 120:
        if liver:
            return tr(
                "Within seconds most cells stick in the liver's narrow capillaries (yellow). The few "
                "that slip through ride on to the heart and the lungs."
            )
        return tr(
            "Within seconds most cells stick in the lungs' capillaries (yellow), the first narrow vessels they meet."
        )
    if liver:
        if t_s < 1.5 * 3600:
            return tr(
                "The stuck cells wait in the capillaries. Some die there; the others begin to squeeze "
                "out through the vessel wall."
            )
        if replay.t_days < 3.0:
            return tr(
                "Getting out is easy: by day 3 most cells have left the vessels. Now each cell, alone, "
                "divides, sleeps or dies."
            )
        return tr(
            "Most stay single: they sleep or die. Of the small colonies few keep growing, and fewer "
            "still get their own blood vessels and become tumours."
        )
    if replay.t_days < 1.0:
        return tr("In the lungs most stuck cells die within hours: by the next day about one in a hundred is alive.")
    return tr(
        "The few survivors divide. Fidler counted the tumours in the lungs two weeks later, and the "
        "labelled cells still there."
    )


def cloud(snap):
    """``snap`` with each cell in the blood drawn a little apart from its place: a fixed offset by
    its id within ``CLOUD_RADIUS`` (a bolus of 100,000 cells at one place is otherwise one dot)."""
    import dataclasses

    import numpy as np

    from desktop.core.frames import hash01

    ids = snap.packet_id.astype(np.int64)
    if ids.size == 0:
        return snap
    r = CLOUD_RADIUS * np.sqrt(hash01(ids))
    a = 2 * np.pi * hash01(ids * 7919 + 17)
    xy = snap.packet_xy + np.column_stack([r * np.cos(a), r * np.sin(a)])
    return dataclasses.replace(snap, packet_xy=xy)


class ExperimentMap(BodyView):
    """The body map framed on the torso (heart, lungs, liver and gut), without its own legend."""

    def fit(self) -> None:
        self._fitted = True
        self.vb.setRange(TORSO, padding=0)

    def legend_rect(self):
        from PySide6.QtCore import QRect

        return QRect()


class ExperimentFunnel(QWidget):
    """What became of the injected cells, in the paper's organ: log-scale bars of counts, the share
    of the injected cells beside each, and the paper's figure as a white mark on its row."""

    def __init__(self, sizes: theme.Sizes, kiosk: bool = False, parent=None):
        super().__init__(parent)
        self.sizes = sizes
        self.text_px = round(sizes.medium * (1.2 if kiosk else 1.0))
        self.rows: list[tuple[str, str, float, str, float | None]] = []  # key, words, fraction, colour, paper
        self.injected = 1
        self.fractions: dict[str, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(round(self.text_px * 2.4 * 6))
        self.setAccessibleName(tr("Where the injected cells went"))

    def set_rows(self, key: str, row: dict, injected: int, papers: dict[str, float]) -> None:
        self.injected = int(injected)
        self.fractions = {k: float(row[k]) for k, _, _ in FUNNEL_ROWS[key]}
        self.rows = [(k, words, self.fractions[k], color, papers.get(k)) for k, words, color in FUNNEL_ROWS[key]]
        self.setAccessibleDescription("; ".join(f"{tr(w)}: {self.count_text(k, f)}" for k, w, f, _, _ in self.rows))
        self.update()

    def counts(self) -> dict[str, int]:
        """Each row as a whole count (cells or colonies) of this moment."""
        return {k: round(f * self.injected) for k, f in self.fractions.items()}

    def count_text(self, key: str, fraction: float) -> str:
        n = fraction * self.injected
        if key in LESION_ROWS or fraction > 1.0:  # lesions, or cells grown past the injected
            return num(round(n))
        return tr("{n} ({p})", n=num(round(n)), p=pct(fraction))

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = self.width(), self.height()
        px = self.text_px
        font, bold = theme.font(px), theme.font(px, bold=True)
        rows = [("injected", "injected", 1.0, theme.TEXT_DIM, None)] + self.rows
        pitch = h / max(len(rows), 1)
        bar_h = min(pitch * 0.34, px * 1.1)
        top = math.log10(max(self.injected, 10))
        for i, (key, words, frac, color, paper) in enumerate(rows):
            y = i * pitch
            p.setFont(bold if i == 0 else font)
            p.setPen(theme.qcolor(theme.TEXT))
            label = tr(words) if i else tr("injected into the vein")
            p.drawText(QRectF(0, y, w, pitch * 0.5), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, label)
            yb = y + pitch * 0.55
            n = frac * self.injected
            bw = (w * 0.62) * (min(max(math.log10(n), 0.05) / top, 1.0) if n >= 1 else 0.0)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.qcolor(theme.PANEL_2))
            p.drawRect(QRectF(0, yb, w * 0.62, bar_h))
            p.setBrush(theme.qcolor(color))
            p.drawRect(QRectF(0, yb, bw, bar_h))
            if paper is not None and paper > 0:
                pn = paper * self.injected
                xp = (w * 0.62) * (max(math.log10(pn), 0.05) / top if pn >= 1 else 0.0)
                pen = QPen(theme.qcolor("#ffffff"), max(2.0, 3 * self.sizes.scale))
                p.setPen(pen)
                p.drawLine(round(xp), round(yb - bar_h * 0.35), round(xp), round(yb + bar_h * 1.35))
            p.setPen(theme.qcolor(theme.TEXT))
            p.setFont(bold)
            text = num(self.injected) if i == 0 else self.count_text(key, frac)
            p.drawText(
                QRectF(w * 0.62 + px * 0.5, yb - pitch * 0.2, w * 0.38 - px * 0.5, bar_h + pitch * 0.4),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        p.end()


class ExperimentView(TimedRun, QWidget):
    """One injection experiment replayed: map, clock, funnel, the paper against the simulation."""

    finished = Signal()

    def __init__(self, graph, sizes: theme.Sizes, kiosk: bool = False, seed: int | None = None, parent=None):
        super().__init__(parent)
        self.graph, self.sizes, self.kiosk = graph, sizes, kiosk
        self.seed = seed
        self.replay: ExperimentReplay | None = None
        self.pacer: Pacer | None = None
        self.differ: FrameDiffer | None = None
        #: redraw only the still state (the kiosk's reduce-motion): the replay runs to the end at once
        self.still = False
        self._init_timer(TICK_MS)
        #: frames drawn and wall seconds since the replay started playing (measured pacing)
        self.frames = 0
        self.started_at = 0.0
        self.played_s = 0.0
        self.row: dict | None = None
        self._build()
        self.retranslate()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        """The screen's widgets and layout.

        Long: builds the widgets in the order they appear on screen (the heading, the map and its
        key, the funnel and the papers' figures beside it, the caption, the buttons); split, the
        layout would be read out of order."""
        sz, kiosk = self.sizes, self.kiosk
        m = round(8 * sz.scale)
        big = round(sz.large * (1.15 if kiosk else 1.0))
        mid = round(sz.medium * (1.2 if kiosk else 1.0))
        self.title = QLabel()
        self.title.setStyleSheet(f"font-size: {big}px; font-weight: 700; color: {theme.TEXT};")
        head = run_screen.head_row(self, m)
        self.clock.setStyleSheet(f"font-size: {big}px; font-weight: 700; color: {theme.ACCENT};")
        self.info.setStyleSheet(f"font-size: {mid if kiosk else sz.small}px;")
        self.body = ExperimentMap(self.graph, sz)
        self.body.legend.hide()
        self.body.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body.fit()
        key = QHBoxLayout()
        key.setSpacing(round(4 * sz.scale))
        self.key_labels: list[QLabel] = []
        for shape, color, r in (
            (raster.GLOW, theme.VESSEL_COLORS[0], 4.0),
            (raster.DOT, theme.ARREST, 3.0),
            (raster.DIAMOND, theme.DORMANT, 4.0),
            (raster.RING, theme.MICRO, 5.0),
            (raster.DISC, theme.MACRO, 6.0),
        ):
            lab = QLabel()
            lab.setObjectName("dim")
            lab.setStyleSheet(f"font-size: {mid if kiosk else sz.small}px;")
            key.addWidget(run_screen.glyph_label(shape, color, r, sz))
            key.addWidget(lab)
            key.addSpacing(m)
            self.key_labels.append(lab)
        key.addStretch(1)
        self.map_note = QLabel()
        self.map_note.setObjectName("dim")
        self.map_note.setWordWrap(True)
        self.map_note.setStyleSheet(f"font-size: {mid if kiosk else sz.small}px;")
        left = QVBoxLayout()
        left.setSpacing(round(4 * sz.scale))
        left.addWidget(self.body, 1)
        left.addLayout(key)
        left.addWidget(self.map_note)
        self.funnel_title = QLabel()
        self.funnel_title.setObjectName("heading")
        self.funnel_title.setWordWrap(True)
        self.funnel_title.setStyleSheet(f"font-size: {mid}px; font-weight: 700;")
        self.funnel = ExperimentFunnel(sz, kiosk)
        self.papers_title = QLabel()
        self.papers_title.setObjectName("heading")
        self.papers_title.setStyleSheet(f"font-size: {mid}px; font-weight: 700;")
        self.figure_labels: list[QLabel] = []
        self.papers = QVBoxLayout()
        self.papers.setSpacing(round(6 * sz.scale))
        self.source = QLabel()
        self.source.setObjectName("dim")
        self.source.setWordWrap(True)
        self.source.setStyleSheet(f"font-size: {sz.small}px;")
        right = QVBoxLayout()
        right.setContentsMargins(m, m, m, m)
        right.setSpacing(m)
        right.addWidget(self.funnel_title)
        right.addWidget(self.funnel, 3)
        right.addWidget(self.papers_title)
        right.addLayout(self.papers)
        right.addStretch(1)
        right.addWidget(self.source)
        row = QHBoxLayout()
        row.setSpacing(m)
        row.addLayout(left, 11)
        row.addWidget(run_screen.panel(right), 9)
        line_px = big if kiosk else sz.medium
        self.caption = run_screen.caption_label(f"color: {theme.ACCENT}; font-size: {line_px}px;", line_px)
        self.choice: dict[str, QPushButton] = {}
        self.button_bar, self.buttons = run_screen.button_bar()
        for key in INJECTION_DESIGNS:
            b = QPushButton()
            b.setObjectName("big")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, k=key: self.start(k))
            self.buttons.addWidget(b)
            self.choice[key] = b
        run_screen.add_run_buttons(self, self.buttons, spacing=m * 3)
        run_screen.lay_out_screen(self, m, head, row)

    # --- running --------------------------------------------------------------------------------
    def start(self, key: str) -> None:
        """Experiment ``key`` ("luzzi" or "fidler") from the injection, playing."""
        self.pause()
        self.replay = ExperimentReplay(key, self.seed)
        self.pacer = Pacer(self.replay)
        d = self.replay.design
        self.differ = FrameDiffer(self.graph, self.replay.scenario.primary)
        self.body.set_primary(self.replay.scenario.primary)
        # every injected cell in the blood is drawn (the window's usual cap is 20,000)
        self.body.packets.max_packets = max(self.body.packets.max_packets, int(d.cells * 1.25))
        self.body.lesions.clear()
        self._build_figures()
        self.retranslate()
        self.refresh()
        self.frames, self.played_s = 0, 0.0
        self.started_at = time.perf_counter()
        if self.still:
            self.run_to_end()
        else:
            self.play()

    def restart(self) -> None:
        if self.replay is not None:
            self.start(self.replay.design.key)

    def _can_play(self) -> bool:
        return self.replay is not None and not self.replay.finished

    def stop(self) -> None:
        """Pause and drop the replay (the kiosk's idle reset)."""
        self.pause()
        self.replay = self.pacer = None
        self._build_figures()
        self.retranslate()

    def run_until(self, t_days: float) -> None:
        """The replay to ``t_days`` now, without the timer (screenshots, tests), then drawn."""
        if self.replay is not None:
            self.replay.run_until(t_days)
        self.refresh()

    def run_to_end(self) -> None:
        self.pause()
        self.run_until(math.inf)
        self.finished.emit()

    def tick(self, wall_dt_s: float) -> int:
        """One frame: the steps ``wall_dt_s`` of screen time owes, then the picture."""
        if self.replay is None or self.replay.finished:
            return 0
        n = self.pacer.advance(wall_dt_s)
        self.played_s += wall_dt_s
        if n:
            self.refresh()
        else:
            self._show_state()
        if self.replay.finished:
            self._timer.stop()
            self.refresh()
            self.finished.emit()
        return n

    def _on_timer_timeout(self) -> None:
        self.tick(self._wall_since_tick())

    # --- views ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        r = self.replay
        if r is None:
            return
        e = r.engine
        f = self.differ.diff(cloud(e.snapshot()), Pools.from_engine(e.pools), e.params)
        self.body.show_frame(f)
        self.body.primary_label.setVisible(False)  # no primary: the cells were injected
        if r.finished:
            self.body.freeze()
        self.frames += 1
        row = r.observe()
        self.row = row
        papers = {fig.quantity: fig.value for fig in r.design.figures}
        self.funnel.set_rows(r.design.key, row, r.design.cells, papers)
        self.caption.setText(stage_text(r, row))
        self._show_figures()
        self._show_note(f)
        self._show_state()

    def _build_figures(self) -> None:
        for lab in self.figure_labels:
            self.papers.removeWidget(lab)
            lab.deleteLater()
        self.figure_labels = []
        if self.replay is None:
            return
        px = round(self.sizes.medium * (1.2 if self.kiosk else 1.0))
        for _ in self.replay.design.figures:
            lab = QLabel()
            lab.setWordWrap(True)
            lab.setTextFormat(Qt.TextFormat.PlainText)
            lab.setStyleSheet(f"font-size: {px}px;")
            self.papers.addWidget(lab)
            self.figure_labels.append(lab)

    def figure_texts(self) -> list[str]:
        r = self.replay
        if r is None:
            return []
        return [figure_caption(fig, r.reached(fig), r.design.cells, r.design.source) for fig in r.design.figures]

    def _show_figures(self) -> None:
        r = self.replay
        for lab, fig, text in zip(self.figure_labels, r.design.figures, self.figure_texts(), strict=False):
            lab.setText(text)
            there = r.reached(fig) is not None
            theme.restyle(
                lab,
                lab.styleSheet().split(" color:")[0]
                + f" color: {theme.TEXT if there else theme.TEXT_DIM};"
                + (" font-weight: 700;" if there else ""),
            )

    def _show_note(self, f) -> None:
        p = self.body.packets
        moving = int(f.snap.packet_id.shape[0])
        if p.sampled:
            text = tr(
                "In the blood: {n} of {m} cells drawn (a fixed sample); too many to draw every one.",
                n=num(p.shown),
                m=num(p.total),
            )
        elif moving:
            text = tr("In the blood: every cell drawn ({n}).", n=num(moving))
        else:
            text = tr("No cell is in the blood now.")
        self.map_note.setText(
            text
            + " "
            + tr(
                "Cells moving together are drawn a little apart so each can be "
                "seen. In the organs, each symbol stands for many cells."
            )
        )

    def _show_state(self) -> None:
        r = self.replay
        text = clock_text(r.t_days) if r is not None else ""
        if r is not None and r.finished:
            text += " · " + tr("finished")
        self.clock.setText(text)
        run_screen.show_run_buttons(self, r is not None, r is not None and r.finished)
        self.again.setEnabled(r is not None)
        for k, b in self.choice.items():
            b.setChecked(r is not None and r.design.key == k)

    def retranslate(self) -> None:
        for k, b in self.choice.items():
            b.setText(tr(INJECTION_DESIGNS[k].title))
            b.setAccessibleName(tr("Replay {title}", title=tr(INJECTION_DESIGNS[k].title)))
        self.again.setText(tr("Watch again"))
        self.again.setAccessibleName(tr("Watch the experiment again from the injection"))
        self.skip.setText(tr("Skip to the end"))
        for lab, text in zip(
            self.key_labels,
            ("a cell in the blood", "stuck in a capillary", "sleeping cells", "small colony", "tumour"),
            strict=False,
        ):
            lab.setText(tr(text))
        self.papers_title.setText(tr("The paper and the simulation"))
        self.body.setAccessibleName(tr("Body map"))
        r = self.replay
        if r is None:
            self.title.setText(tr("Experiments"))
            self.info.setText(
                tr(
                    "Choose an experiment: mouse cancer cells injected into a vein, every cell "
                    "followed, and the simulation beside what the paper measured."
                )
            )
            self.funnel_title.setText("")
            self.source.setText("")
            self.caption.setText("")
            self.map_note.setText("")
        else:
            d = r.design
            organ = tr("the liver") if d.key == "luzzi" else tr("the lungs")
            self.title.setText(tr(d.title))
            vein = tr("the mesenteric vein") if d.key == "luzzi" else tr("a tail vein")
            self.info.setText(
                tr(
                    "{n} B16 mouse melanoma cells into {vein}, as the paper did; every cell "
                    "followed. Same engine, rates and seed ({seed}) as seedsoil-sim inject.",
                    n=num(d.cells),
                    vein=vein,
                    seed=r.scenario.seed,
                )
            )
            self.funnel_title.setText(tr("What became of the injected cells, counted in {organ}", organ=organ))
            self.source.setText(tr("Source: {ref}. White marks: the paper's figures.", ref=source_line(d)))
            self.refresh()
        self._show_state()


class ExperimentWindow(run_screen.RunWindow):
    """The Lab's window: one experiment replayed; the main run is paused meanwhile (two cores)."""

    def __init__(
        self, controller, key: str = "luzzi", parent=None, sizes: theme.Sizes | None = None, seed: int | None = None
    ):
        super().__init__(tr("Seed & Soil — experiments"), parent, sizes)
        if controller is not None:
            controller.pause()
        self.view = ExperimentView(controller.graph if controller is not None else _graph(), self.sizes, seed=seed)
        self.setCentralWidget(self.view)
        self.view.start(key)


def _graph():
    from sim_core import default_graph

    return default_graph()


def parse_moment(text: str) -> float:
    """'90min', '5s', '12h', '3d' (or a number of days) -> days."""
    t = text.strip().lower()
    for suffix, per_day in (("min", 1440.0), ("s", 86400.0), ("h", 24.0), ("d", 1.0)):
        if t.endswith(suffix):
            return float(t[: -len(suffix)]) / per_day
    return float(t)


def render_experiment_screenshot(
    path: str,
    key: str = "luzzi",
    at: str | None = None,
    seed: int | None = None,
    size: tuple[int, int] = (1920, 1080),
    language: str = "en",
) -> ExperimentWindow:
    """The Lab window at body time ``at`` ('6s', '90min', '3d'; default: the end) as a PNG."""
    from PySide6.QtWidgets import QApplication

    from desktop.core import i18n

    app = QApplication.instance() or QApplication([])
    theme.load_fonts()
    i18n.set_language(language)
    win = ExperimentWindow(None, key, sizes=theme.sizes_for_height(size[1]), seed=seed)
    win.view.pause()
    theme.show_offscreen(app, win, size)
    win.view.run_until(math.inf if at is None else parse_moment(at))
    theme.save_settled(app, win, win.view.refresh, path)
    return win
