""" "Anatomy or soil?": the same patient twice from one seed, side by side. Left, blood flow alone
(every soil factor and affinity 1, the engine's anatomy-only switch); right, seed and soil (the
scenario as it is). Two body maps on one clock, the tumours of each organ as mirrored bars between
them, and one sentence saying what the difference shows.

``SplitView`` is the whole comparison (the kiosk shows it as a screen, ``desktop/kiosk/split_view.py``);
``AnatomyOrSoilWindow`` puts it in a window for the Lab menu. The two runs are a ``BranchPair`` from
``fork_pair`` (see ``fork_soil``), stepped in the GUI thread by a ``QTimer`` at a fixed pace with a
wall-time budget per tick, as fork-and-compare does. Render it with ``render_split_screenshot`` or
``python -m desktop.lab.anatomy_or_soil --screenshot out.png``.
"""

from __future__ import annotations

import dataclasses
import time

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.frames import FrameDiffer, Pools
from desktop.core.i18n import num, tr
from desktop.lab.fork.maps import BranchMapPanel
from desktop.lab.fork.soil import HORIZON_DAYS, MACRO, YEAR_DAYS, SoilSplit, compare_sites, soil_lesson
from desktop.window import run_screen, theme
from desktop.window.timed_run import TimedRun
from desktop.window.views import raster
from sim_core import Scenario

ANATOMY_COLOR = theme.SKY
SOIL_COLOR = theme.ORANGE
TICK_MS = 30
#: Body time per wall second: five years in about nine seconds, slower only if a step is heavy.
DAYS_PER_S = 200.0
#: Wall time per tick the two runs may use; the rest is for drawing (and, in the kiosk, the window).
STEP_BUDGET_S = 0.014
#: Wall seconds between redraws of the maps and the bars while running.
REFRESH_S = 0.25
#: Organ rows in the bars.
TOP_ROWS = 6


def row_label(group: str) -> str:
    """'Lymph nodes', 'Liver' … in the current language."""
    return tr(group[:1].upper() + group[1:])


def the_group(group: str) -> str:
    """'the lymph nodes', 'the liver' … in the current language (for sentences)."""
    return tr(f"the {group}")


def lesson_text(split: SoilSplit) -> str:
    """One sentence on what the difference between the two bodies shows, now."""
    if split.same_soil:
        return tr("Soil matters is set to 0 in this run, so both sides are blood flow alone and stay the same.")
    anat, soil = split.counts()
    if not any(anat.values()) and not any(soil.values()):
        return tr("No tumours yet: watch in which organs the first ones grow, left and right.")
    gain, loss = soil_lesson(anat, soil)
    # the organ groups that gained and lost, with their counts on each side (the sentences pick theirs)
    words = {}
    if gain:
        words.update(gain=the_group(gain), s=num(soil[gain]), a=num(anat[gain]))
    if loss:
        words.update(loss=the_group(loss), s2=num(soil[loss]), a2=num(anat[loss]))
    if gain and loss:
        return tr(
            "With seed and soil, more tumours grow in {gain} ({s} against {a} by blood flow alone) and "
            "fewer in {loss} ({s2} against {a2}): blood carries the cells, the soil decides where they grow.",
            **words,
        )
    if gain:
        return tr(
            "With seed and soil, more tumours grow in {gain} ({s} against {a} by blood flow alone): "
            "blood carries the cells, the soil decides where they grow.",
            **words,
        )
    if loss:
        return tr(
            "With seed and soil, fewer tumours grow in {loss} ({s2} against {a2} by blood flow alone): "
            "blood carries the cells, the soil decides where they grow.",
            **words,
        )
    return tr("So far both bodies have their tumours in the same organs: the soil has not made a difference yet.")


def tumours_only(snap):
    """``snap`` with only its macrometastases among the lesions: thousands of micrometastases (on
    both sides, since the cells arrive alike) would hide the tumours, where the two bodies differ."""
    keep = snap.lesion_state == MACRO
    return dataclasses.replace(
        snap,
        **{
            k: getattr(snap, k)[keep]
            for k in ("lesion_comp", "lesion_cells", "lesion_state", "lesion_route", "lesion_id")
        },
    )


class SideMap(BranchMapPanel):
    """One side: its name in its colour, what it means, a body map drawn still, and a count."""

    def __init__(self, color: str, graph, sizes: theme.Sizes, kiosk: bool, parent=None):
        super().__init__("", color, graph, sizes, parent)
        self.tag.hide()
        big = sizes.large if kiosk else sizes.medium
        self.title.setStyleSheet(f"color: {color}; font-size: {big}px; font-weight: 700;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.what.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setStyleSheet(f"font-size: {sizes.medium}px;")
        if kiosk:
            self.what.setStyleSheet(f"font-size: {sizes.medium}px;")
            for lab in self.body.site_labels:  # organ names a little bigger, still inside the map
                lab.setFont(theme.font(sizes.small))
        self.body.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture here: nothing to tap on it

    def set_primary(self, graph, primary: str) -> None:
        self.differ = FrameDiffer(graph, primary)
        self.body.set_primary(primary)

    def show_engine(self, e) -> None:
        f = self.differ.diff(tumours_only(e.snapshot()), Pools.from_engine(e.pools), e.params)
        self.body.show_frame(f)
        self.body.freeze()  # a frame spans days: draw the state, still
        self.body.primary_label.setVisible(False)
        st = e.lesions.state
        macro, micro = int((st == MACRO).sum()), int((st == 1).sum())
        self.summary.setText(tr("<b>{n}</b> tumours · {m} small metastases, not shown", n=num(macro), m=num(micro)))


class SiteBars(QWidget):
    """Tumours per organ as mirrored bars: blood flow alone to the left, seed and soil to the right,
    the organ's name between them; one scale for both sides."""

    def __init__(self, sizes: theme.Sizes, kiosk: bool, parent=None):
        super().__init__(parent)
        self.sizes = sizes
        self.text_px = round(sizes.medium * (1.15 if kiosk else 1.0))
        self.rows: list[tuple[str, int, int]] = []
        self.empty = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(round(self.text_px * 2.2 * 3))

    def set_rows(self, rows: list[tuple[str, int, int]], empty: str) -> None:
        """``rows``: (organ group, tumours by blood flow alone, tumours with seed and soil)."""
        if rows == self.rows and empty == self.empty:
            return
        self.rows, self.empty = list(rows), empty
        self.setAccessibleDescription(
            "; ".join(
                tr("{organ}: {a} by blood flow alone, {s} with seed and soil", organ=row_label(g), a=num(a), s=num(s))
                for g, a, s in rows
            )
            or empty
        )
        self.update()

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = self.width(), self.height()
        px = self.text_px
        font = theme.font(px)
        bold = theme.font(px, bold=True)
        if not self.rows:
            p.setFont(font)
            p.setPen(theme.qcolor(theme.TEXT_DIM))
            p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty)
            return
        p.setFont(font)
        fm = p.fontMetrics()
        name_w = max(fm.horizontalAdvance(row_label(g)) for g, _, _ in self.rows) + px
        num_w = p.fontMetrics().horizontalAdvance("0000") + px * 0.4
        half = (w - name_w) / 2.0
        bar_max = max(half - num_w, 10.0)
        top = max(max(a, s) for _, a, s in self.rows)
        row_h = min(px * 3.0, h / max(len(self.rows), 1))
        bar_h = row_h * 0.62
        y0 = 0.0  # top-aligned under the side names: rows do not jump as they come
        cx_l, cx_r = half, half + name_w
        for i, (g, a, s) in enumerate(self.rows):
            y = y0 + i * row_h
            yc = y + row_h / 2.0
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.qcolor(theme.PANEL_2))
            p.drawRect(QRectF(cx_l - bar_max, yc - bar_h / 2, bar_max, bar_h))
            p.drawRect(QRectF(cx_r, yc - bar_h / 2, bar_max, bar_h))
            la = bar_max * a / top if top else 0.0
            ls = bar_max * s / top if top else 0.0
            p.setBrush(theme.qcolor(ANATOMY_COLOR))
            p.drawRect(QRectF(cx_l - la, yc - bar_h / 2, la, bar_h))
            p.setBrush(theme.qcolor(SOIL_COLOR))
            p.drawRect(QRectF(cx_r, yc - bar_h / 2, ls, bar_h))
            p.setFont(font)
            p.setPen(theme.qcolor(theme.TEXT))
            p.drawText(QRectF(cx_l, y, name_w, row_h), Qt.AlignmentFlag.AlignCenter, row_label(g))
            p.setFont(bold)
            p.setPen(theme.qcolor(ANATOMY_COLOR))
            p.drawText(
                QRectF(cx_l - la - num_w - px * 0.3, y, num_w, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                num(a),
            )
            p.setPen(theme.qcolor(SOIL_COLOR))
            p.drawText(
                QRectF(cx_r + ls + px * 0.3, y, num_w, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                num(s),
            )
        p.end()


class SplitView(TimedRun, QWidget):
    """Blood flow alone against seed and soil, one patient, one seed, one clock."""

    finished = Signal()

    def __init__(self, graph, sizes: theme.Sizes, kiosk: bool = False, parent=None):
        super().__init__(parent)
        self.graph, self.sizes, self.kiosk = graph, sizes, kiosk
        self.split: SoilSplit | None = None
        #: redraw only when the runs are finished (the kiosk's reduce-motion)
        self.still = False
        self._init_timer(TICK_MS)
        self._last_refresh = 0.0
        self._build()
        self.retranslate()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        """The screen's widgets and layout.

        Long: builds the widgets in the order they appear on screen (the heading, the two maps
        either side of the bars and their key, the caption, the buttons); split, the layout would be
        read out of order."""
        sz = self.sizes
        m = round(8 * sz.scale)
        self.title = QLabel()
        self.title.setObjectName("clock")
        head = run_screen.head_row(self, m)
        if self.kiosk:
            self.info.setStyleSheet(f"font-size: {sz.medium}px;")
        self.anatomy_map = SideMap(ANATOMY_COLOR, self.graph, sz, self.kiosk)
        self.soil_map = SideMap(SOIL_COLOR, self.graph, sz, self.kiosk)
        self.soil_map.body.vb.setXLink(self.anatomy_map.body.vb)  # zoom and pan the two bodies together
        self.soil_map.body.vb.setYLink(self.anatomy_map.body.vb)
        self.bars_title = QLabel()
        self.bars_title.setObjectName("heading")
        self.bars_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if self.kiosk:
            self.bars_title.setStyleSheet(f"font-size: {sz.large}px;")
        self.bars_note = QLabel()
        self.bars_note.setObjectName("dim")
        self.bars_note.setWordWrap(True)
        self.bars_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bars_note.setStyleSheet(f"font-size: {sz.medium if self.kiosk else sz.small}px;")
        sides = QHBoxLayout()
        self.left_word, self.right_word = QLabel(), QLabel()
        for lab, color, align in (
            (self.left_word, ANATOMY_COLOR, Qt.AlignmentFlag.AlignLeft),
            (self.right_word, SOIL_COLOR, Qt.AlignmentFlag.AlignRight),
        ):
            lab.setStyleSheet(f"color: {color}; font-size: {sz.medium}px; font-weight: 700;")
            lab.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        sides.addWidget(self.left_word)
        sides.addStretch(1)
        sides.addWidget(self.right_word)
        self.bars = SiteBars(sz, self.kiosk)
        key = QHBoxLayout()
        key.addStretch(1)
        self.key_macro, self.key_dormant, self.key_stuck = QLabel(), QLabel(), QLabel()
        for shape, color, r, lab in (
            (raster.DISC, theme.MACRO, 6.0, self.key_macro),
            (raster.DIAMOND, theme.DORMANT, 4.0, self.key_dormant),
            (raster.DOT, theme.ARREST, 3.0, self.key_stuck),
        ):
            lab.setObjectName("dim")
            lab.setWordWrap(True)  # longer words (Spanish) wrap rather than squeeze the maps
            if self.kiosk:
                lab.setStyleSheet(f"font-size: {sz.medium}px;")
            key.addWidget(run_screen.glyph_label(shape, color, r, sz))
            key.addWidget(lab)
            key.addSpacing(m * 2)
        key.addStretch(1)
        mid = QVBoxLayout()
        mid.setContentsMargins(m, m, m, m)
        mid.addWidget(self.bars_title)
        mid.addWidget(self.bars_note)
        mid.addSpacing(m)
        mid.addLayout(sides)
        mid.addWidget(self.bars, 1)
        mid.addLayout(key)
        middle = run_screen.panel(mid)
        row = QHBoxLayout()
        row.setSpacing(m)
        row.addWidget(self.anatomy_map, 6)
        row.addWidget(middle, 5)
        row.addWidget(self.soil_map, 6)
        self.caption = run_screen.caption_label(
            f"color: {theme.ACCENT};" + ("" if self.kiosk else f" font-size: {sz.medium}px;"),
            sz.large if self.kiosk else sz.medium,
        )
        self.button_bar, self.buttons = run_screen.button_bar()
        run_screen.add_run_buttons(self, self.buttons)
        run_screen.lay_out_screen(self, m, head, row)

    # --- running --------------------------------------------------------------------------------
    def start(self, scenario: Scenario, horizon_days: float = HORIZON_DAYS) -> None:
        """A new comparison of ``scenario`` (its parameters and seed) from day 0, playing."""
        self.pause()
        self.split = SoilSplit(scenario, horizon_days=horizon_days)
        primary = self.split.scenario.primary
        self.anatomy_map.set_primary(self.graph, primary)
        self.soil_map.set_primary(self.graph, primary)
        self.retranslate()
        self.play()

    def restart(self) -> None:
        if self.split is None:
            return
        self.pause()
        self.split.restart()
        self.refresh()
        self.play()

    def _can_play(self) -> bool:
        return self.split is not None and not self.split.finished

    def stop(self) -> None:
        """Pause and drop the two runs (the kiosk's idle reset)."""
        self.pause()
        self.split = None

    def run_to_end(self) -> None:
        """Both runs to the end now, without the timer (the Lab's skip, tests, screenshots)."""
        self.pause()
        if self.split is not None:
            self.split.run()
        self.refresh()
        self.finished.emit()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.split.advance(DAYS_PER_S * self._wall_since_tick(), budget_s=STEP_BUDGET_S)
        if self.split.finished:
            self._timer.stop()
            self.refresh()
            self.finished.emit()
        elif not self.still and now - self._last_refresh >= REFRESH_S:
            self.refresh()
        else:
            self._show_state()

    # --- views ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._last_refresh = time.perf_counter()
        sp = self.split
        if sp is None:
            return
        self.anatomy_map.show_engine(sp.anatomy)
        self.soil_map.show_engine(sp.soil)
        anat, soil = sp.counts()
        self.bars.set_rows(compare_sites(anat, soil, TOP_ROWS), tr("No tumours yet."))
        self.caption.setText(lesson_text(sp))
        self._show_state()

    def _show_state(self) -> None:
        sp = self.split
        t = sp.t_days if sp is not None else 0.0
        text = tr("{years} years", years=num(t / YEAR_DAYS, 1))
        if sp is not None and sp.finished:
            text += " · " + tr("finished")
        self.clock.setText(text)
        run_screen.show_run_buttons(self, sp is not None, sp is not None and sp.finished)

    def retranslate(self) -> None:
        self.title.setText(tr("Anatomy or soil?"))
        self.anatomy_map.title.setText(tr("Blood flow alone"))
        self.anatomy_map.what.setText(tr("Every organ is equally good soil: only blood and lymph flow decide."))
        self.soil_map.title.setText(tr("Seed and soil"))
        self.soil_map.what.setText(tr("Each organ's soil decides whether arriving cells can grow."))
        self.anatomy_map.body.setAccessibleName(tr("Body map: blood flow alone"))
        self.soil_map.body.setAccessibleName(tr("Body map: seed and soil"))
        self.bars_title.setText(tr("Tumours by organ"))
        self.bars_note.setText(tr("Metastases big enough to have their own blood supply."))
        self.left_word.setText("◀ " + tr("Blood flow alone"))
        self.right_word.setText(tr("Seed and soil") + " ▶")
        self.bars.setAccessibleName(tr("Tumours by organ"))
        self.key_macro.setText(tr("tumour"))
        self.key_dormant.setText(tr("dormant (sleeping) cells"))
        self.key_stuck.setText(tr("cells stuck in capillaries"))
        self.again.setText(tr("Watch again"))
        self.again.setAccessibleName(tr("Watch both bodies again from the start"))
        self.skip.setText(tr("Skip to the end"))
        sp = self.split
        if sp is not None:
            sc = sp.scenario
            self.info.setText(
                tr(
                    "{cancer}: the same patient twice from the first day, with the same random "
                    "numbers. Only the soil differs.",
                    cancer=tr(sc.title),
                )
            )
        else:
            self.info.setText("")
        self.refresh()
        self._show_state()


class AnatomyOrSoilWindow(run_screen.RunWindow):
    """The Lab's window: the main run's scenario (its parameters and seed) from day 0, both ways."""

    def __init__(self, controller, parent=None, sizes: theme.Sizes | None = None, horizon_days: float = HORIZON_DAYS):
        super().__init__(tr("Seed & Soil — anatomy or soil?"), parent, sizes)
        self.controller = controller
        self.view = SplitView(controller.graph, self.sizes)
        self.setCentralWidget(self.view)
        # the engine as it is now: sliders and seed included; the copy starts again at day 0
        self.view.start(controller.engine.scenario.copy(), horizon_days)


def render_split_screenshot(
    path: str,
    scenario: str = "prostate",
    seed: int | None = None,
    size: tuple[int, int] = (1920, 1080),
    days: float | None = None,
    language: str = "en",
) -> AnatomyOrSoilWindow:
    """Run both sides ``days`` days (default: to the end) and save the Lab window as a PNG."""
    from PySide6.QtWidgets import QApplication

    from desktop.core import i18n
    from desktop.window.controller import SimController

    app = QApplication.instance() or QApplication([])
    theme.load_fonts()
    i18n.set_language(language)
    controller = SimController(scenario, seed=seed)
    win = AnatomyOrSoilWindow(controller, sizes=theme.sizes_for_height(size[1]))
    win.view.pause()  # stepped by hand below, not by the timer
    theme.show_offscreen(app, win, size)
    if days is None:
        win.view.run_to_end()
    else:
        win.view.split.advance(days)
        win.view.refresh()
    theme.save_settled(app, win, win.view.refresh, path)
    controller.pause()
    return win


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m desktop.lab.anatomy_or_soil", description="Render the anatomy-or-soil window."
    )
    ap.add_argument("--screenshot", required=True, metavar="PATH")
    ap.add_argument("--scenario", default="prostate")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--days", type=float, default=None, help="days to run (default: to the end)")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--language", default="en", choices=("en", "es"))
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    render_split_screenshot(args.screenshot, args.scenario, args.seed, (w, h), args.days, args.language)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
