"""BodyView: the animated anatomic map. A pyqtgraph ViewBox (pan and zoom) holding the SVG body,
the vessels, the organ glyphs and the batched packet item, with overlays for the legend, the
organ card and the scan banner. Clicks become intents (organ or lesion), nothing more.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QLabel,
    QPushButton,
    QWidget,
)

from desktop.core import i18n
from desktop.core.frames import FrameData, lesion_diameter_mm
from desktop.core.i18n import num, tr
from desktop.core.journey import Journey
from desktop.window import theme
from desktop.window.views import label_layout
from desktop.window.views.body_art import BodyArt
from desktop.window.views.legend import LegendWidget
from desktop.window.views.lesion_item import PRIMARY_KEY, LesionItem
from desktop.window.views.packet_item import PacketItem
from desktop.window.views.vessel_item import VesselItem, rounded_path
from sim_core import KIND_NODE, KIND_ORGAN, MACRO, BodyGraph

BODY_RECT = QRectF(0, 0, 600, 1000)
#: "Fit" frames the drawn figure with this share of its height free above and below...
FIT_MARGIN = 0.012
#: ...and at least this wide a strip of the map (body units), so organ names beside the figure
#: stay in view on a narrow map.
FIT_MIN_WIDTH = 560.0
#: Organs holding visible macrometastases get a name label, biggest lesion first, as many as the
#: columns beside the figure hold (the rest are counted in one "+N more" label), and at most this
#: many: every organ and node site of assets/body_graph.toml (18 organs, 7 node basins).
MAX_SITE_LABELS = 25
#: Organ names stand in columns beside the figure (``label_layout``), in px at scale 1: this far
#: from the figure, from the view's edge and from any other label or overlay, ...
LABEL_GAP_PX = 10.0
#: ... this far apart when stacked, ...
LABEL_SPACING_PX = 3.0
#: ... with this inner margin in their boxes (Qt's default is 4: tighter boxes stack more names) ...
LABEL_MARGIN_PX = 2.0
#: ... and joined to their organs by a thin leader whose last piece runs level this far.
LEADER_ELBOW_PX = 14.0
REPLAY_UNITS_PER_S = 170.0
#: Frame pacing (``frame_interval_s``, read by the runner's timer): the most a drawn dot may move
#: between two frames (px) before the frame rate goes up, ...
PACE_STEP_PX = 1.5
#: ... a move longer than this between two frames is a jump (a pooled packet crossing a vessel in
#: one frame at a growth speed), which no frame rate would make smooth, ...
PACE_JUMP_PX = 40.0
#: ... frames stay this close while something fades or grows in (effects are timed animations) ...
PACE_ANIMATING_S = 1 / 20
#: ... and above this many drawn packets every frame is drawn (so many dots always move).
PACE_TRACK_MAX = 512
#: Calm pacing (``BodyView.calm``, set by the kiosk while its attract loop plays to nobody): a
#: frame each time the fastest dot has moved this far, and fades at this interval. Measured at
#: 1920x1080 over the whole 79-s story: the attract loop drew 40-46 frames a second while one
#: cell travelled (each frame about 6 ms of the GUI thread) and 16-24 while fades played at the
#: growth speeds (about 10 ms each), 33-35 % of one core in all; the target for an exhibit left
#: alone all day is 25 %. Smoothness is for whoever touches the screen: that ends the calm. (The
#: runner's timer never waits longer than runners.SLOWEST_FRAME_MS, 12.5 frames a second.)
PACE_CALM_STEP_PX = 3.0
PACE_CALM_ANIMATING_S = 1 / 12
#: ... and never more often than a film's 24 frames a second (fast dots, or too many to track).
PACE_CALM_MIN_S = 1 / 24
#: While frames arrive at least this often (a run playing), they animate the fades and pulses: the
#: view's own animation timer then draws nothing in between (each of its ticks re-rasterised every
#: packet: one or two extra paints per frame at 10^5 packets).
FRAMES_ANIMATE_S = 0.12


def _n(count: float, noun: str) -> str:
    return tr("{n} " + noun + ("" if round(count) == 1 else "s"), n=num(count))


class BodyView(pg.GraphicsView):
    organ_clicked = Signal(str)
    lesion_clicked = Signal(int)
    background_clicked = Signal()

    def __init__(self, graph: BodyGraph, sizes: theme.Sizes, parent=None):
        super().__init__(parent, background=theme.BG)
        # the opaque background brush covers every pixel, so Qt need not paint what lies beneath
        # the map first (measured: about 2.6 ms a frame at 1024x700)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.graph = graph
        self.sizes = sizes
        self.setAccessibleName(tr("Body map"))
        self.setAccessibleDescription(tr("Cancer cells travelling through the body; click an organ for details."))
        self.vb = pg.ViewBox(invertY=True, lockAspect=True, enableMenu=False)
        self.vb.setMouseEnabled(True, True)
        self.vb.setLimits(minXRange=40, maxXRange=5000, minYRange=40, maxYRange=1600)
        self.setCentralItem(self.vb)
        self.art = BodyArt(graph)
        self.vessels = VesselItem(graph)
        self.lesions = LesionItem(BODY_RECT, graph.n)
        self.lesions.set_slots(self.art.slots, graph.xy)
        self.packets = PacketItem(BODY_RECT)
        for z, item in enumerate((self.art.item, self.art.highlight, self.vessels, self.lesions, self.packets)):
            item.setZValue(z)
            self.vb.addItem(item, ignoreBounds=True)
        self.packets.size_scale = 1.7 * sizes.scale
        self.lesions.size_scale = 1.45 * sizes.scale
        self.vessels.width_scale = max(0.8, sizes.scale)
        self._build_replay_items()
        self._build_labels()
        self._build_overlay_widgets()
        self.card = None  # organ card, placed by set_card
        self.scan_mm: float | None = None
        self.primary = ""
        self.frame: FrameData | None = None
        self._selected = ""
        self._anim = QTimer(self)
        self._anim.setInterval(round(1000 * PACE_ANIMATING_S))  # fades need no more
        self._anim.timeout.connect(self._on_anim_timeout)
        self._replay: Journey | None = None
        self._replay_t0 = 0.0
        self._frame_at = -1e9  # when the last frame was shown
        self._motion = None  # (time, packet ids, positions) of the last frame, for pacing
        self.motion_px_s = 0.0  # fastest drawn dot on screen (px/s; inf: too many to tell)
        self.calm = False  # coarser frame pacing while nobody watches (PACE_CALM_*)
        self._fitted = True
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.vb.sigRangeChangedManually.connect(self._on_vb_range_changed_manually)
        self.vb.sigRangeChanged.connect(self._site_labels_stale)
        self.vb.sigResized.connect(self._site_labels_stale)
        self.fit()

    # --- set-up ---------------------------------------------------------------------------------
    def _build_overlay_widgets(self) -> None:
        """The widgets over the map: the legend, the banner, the legend's more/fewer button and Fit."""
        self.legend = LegendWidget(self.sizes, self)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"background: rgba(17,30,53,225); border: 2px solid {theme.ACCENT};"
            f"border-radius: 8px; padding: 8px; font-size: {self.sizes.medium}px;"
        )
        self.banner.hide()
        self.legend_button = QPushButton(self)  # compact legend only (the kiosk): more / fewer entries
        self.legend_button.setObjectName("big")
        self.legend_button.setCheckable(True)
        self.legend_button.clicked.connect(self.toggle_legend)
        self.legend_button.hide()
        self._sync_legend_button()
        self.fit_button = QPushButton(tr("Fit"), self)
        self.fit_button.setAccessibleName(tr("Fit the whole body in view"))
        self.fit_button.clicked.connect(self.fit)

    def _build_replay_items(self) -> None:
        self.replay_path = QGraphicsPathItem()
        pen = QPen(theme.qcolor(theme.ACCENT, 0.9), 3.0 * self.sizes.scale)
        pen.setCosmetic(True)
        pen.setDashPattern([2.0, 2.0])
        self.replay_path.setPen(pen)
        self.replay_path.setZValue(6)
        self.replay_path.setVisible(False)
        r = 9.0 * self.sizes.scale
        self.replay_dot = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
        self.replay_dot.setBrush(theme.qcolor(theme.ACCENT))
        self.replay_dot.setPen(QPen(theme.qcolor("#ffffff"), 2.0))
        self.replay_dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.replay_dot.setZValue(7)
        self.replay_dot.setVisible(False)
        self.vb.addItem(self.replay_path, ignoreBounds=True)
        self.vb.addItem(self.replay_dot, ignoreBounds=True)

    def _build_labels(self) -> None:
        fill = theme.qcolor(theme.BG, 0.72)
        self.primary_label = pg.TextItem("", color=theme.TEXT, fill=fill, anchor=(0, 0.5))
        self.primary_label.setFont(theme.font(self.sizes.medium, bold=True))
        self.organ_label = pg.TextItem("", color=theme.ACCENT, fill=fill, anchor=(0, 1))
        self.organ_label.setFont(theme.font(self.sizes.medium, bold=True))
        self.organ_label.setVisible(False)
        for it in (self.primary_label, self.organ_label):
            it.setZValue(8)
            self.vb.addItem(it, ignoreBounds=True)
        # one name per organ or node site (so a name keeps its item while the ranking changes),
        # then the "+N more" label; callers may restyle them all through ``site_labels``
        sites = [c for c in range(self.graph.n) if self.graph.kind[c] in (KIND_ORGAN, KIND_NODE)][:MAX_SITE_LABELS]
        self.site_labels = [self._new_site_label() for _ in range(len(sites) + 1)]
        self._site_label = dict(zip(sites, self.site_labels, strict=False))
        self.more_label = self.site_labels[-1]
        self.leaders = QGraphicsPathItem()
        pen = QPen(theme.qcolor(theme.TEXT_DIM, 0.5), max(1.0, self.sizes.scale))
        pen.setCosmetic(True)
        self.leaders.setPen(pen)
        self.leaders.setZValue(2.5)  # over the vessels, under the organ glyphs and the dots
        self.vb.addItem(self.leaders, ignoreBounds=True)
        self._ranked: tuple[int, ...] = ()  # organs wanting a name, biggest lesion first
        self._label_key = None  # what the shown layout was made from
        self.label_layout: label_layout.Layout | None = None
        self._site_mask = np.zeros(self.graph.n, bool)  # compartments that have a name item
        self._site_mask[sites] = True
        self._relabel = QTimer(self)
        self._relabel.setSingleShot(True)
        self._relabel.setInterval(0)
        self._relabel.timeout.connect(self._layout_site_labels)

    def _new_site_label(self) -> pg.TextItem:
        t = pg.TextItem("", color=theme.TEXT_DIM, fill=theme.qcolor(theme.BG, 0.6))
        t.setFont(theme.font(self.sizes.small))
        t.textItem.document().setDocumentMargin(max(1.0, LABEL_MARGIN_PX * self.sizes.scale))
        t.setZValue(8)
        t.setVisible(False)
        self.vb.addItem(t, ignoreBounds=True)
        return t

    def set_card(self, card) -> None:
        self.card = card
        card.setParent(self)
        card.hide()
        self.place_overlays()

    # --- state ----------------------------------------------------------------------------------
    def set_primary(self, primary: str) -> None:
        self.primary = primary
        self.art.set_primary(primary)
        self.vessels.set_primary(primary)
        self.packets.clear()
        self.lesions.clear()
        self.stop_replay()
        self.select_organ("")
        self.frame = None
        self._ranked = ()
        self._layout_site_labels()

    def set_scan(self, mm: float | None) -> None:
        self.scan_mm = mm
        self.lesions.scan_mm = mm
        self.packets.setVisible(mm is None)
        self.vessels.setOpacity(0.35 if mm is not None else 1.0)
        self.banner.setVisible(mm is not None)
        if self.frame is not None:
            self.show_frame(self.frame, force=True)

    def set_follow(self, pid: int) -> None:
        self.packets.follow_pid = pid

    def select_organ(self, comp_id: str) -> None:
        self._selected = comp_id
        self.art.select(comp_id)
        if comp_id and comp_id in self.graph.index:
            c = self.graph.index[comp_id]
            self.organ_label.setText(tr(self.graph.names[c]))
            x, y = self.graph.xy[c]
            right_side = x > 300  # the organ card sits top right: label towards the middle
            self.organ_label.setAnchor((1, 1) if right_side else (0, 1))
            self.organ_label.setPos(QPointF(x - 10 if right_side else x + 10, y - 10))
            self.organ_label.setVisible(True)
        else:
            self.organ_label.setVisible(False)
            self.lesions.selected_lesion = -1
        self._site_labels_stale()

    def retranslate(self) -> None:
        """Re-render the map's own texts (labels, banner, legend) in the current language."""
        if self.organ_label.isVisible() and self._selected in self.graph.index:
            self.organ_label.setText(tr(self.graph.names[self.graph.index[self._selected]]))
        if self.frame is not None:
            self._update_primary_label(self.frame)
            self._update_site_labels(self.frame)
            if self.scan_mm is not None:
                self.banner.setText(self.scan_text(self.frame))
                self.banner.adjustSize()
        self.legend.update()
        self._sync_legend_button()

    # --- the legend's compact form (kiosk) --------------------------------------------------------
    def set_legend_compact(self, compact: bool) -> None:
        """Kiosk: the legend in bigger type, collapsed to a few entries, with a button for the rest."""
        self.legend.set_compact(compact, self.sizes.medium if compact else None)
        self.legend_button.setVisible(compact)
        self._sync_legend_button()
        self._legend_changed()

    def set_legend_expanded(self, expanded: bool) -> None:
        self.legend.set_expanded(expanded)
        self._sync_legend_button()
        self._legend_changed()

    def toggle_legend(self) -> None:
        self.set_legend_expanded(not self.legend.expanded)

    def _sync_legend_button(self) -> None:
        b, expanded = self.legend_button, self.legend.expanded
        b.setChecked(expanded)
        b.setText(tr("Fewer symbols") if expanded else tr("More symbols…"))
        b.setAccessibleName(
            tr("Show only the main symbols of the map key") if expanded else tr("Show every symbol of the map key")
        )
        b.adjustSize()

    def _legend_changed(self) -> None:
        self.place_overlays()
        if self._fitted:
            self.fit()

    # --- framing --------------------------------------------------------------------------------
    def legend_rect(self) -> QRect:
        """The legend and its button, in this widget's coordinates (empty when hidden)."""
        r = QRect()
        for w in (self.legend, self.legend_button):
            if not w.isHidden():
                r = r.united(w.geometry())
        return r

    def fit(self) -> None:
        """Frame the drawn figure: its height (with a small margin) fills the map's, centred, or
        moved right of the legend where the legend would cover it."""
        self._fitted = True
        fig = self.art.figure_rect
        m = FIT_MARGIN * fig.height()
        top, height = fig.top() - m, fig.height() + 2 * m
        w, h = self.vb.width(), self.vb.height()
        if w < 2 or h < 2:  # not laid out yet
            self.vb.setRange(QRectF(fig.center().x() - FIT_MIN_WIDTH / 2, top, FIT_MIN_WIDTH, height), padding=0)
            return
        ppu = min(h / height, w / FIT_MIN_WIDTH)  # pixels per body unit
        gap = 12 * self.sizes.scale
        legend = self.legend_rect()
        clear = legend.right() + gap if not legend.isEmpty() else 0.0
        if clear > 0 and clear + fig.width() * ppu + gap > w:  # too narrow to clear it at this size
            ppu = max((w - clear - gap) / fig.width(), 0.5 * ppu)
        span_w, span_h = w / ppu, h / ppu
        x0 = fig.center().x() - span_w / 2
        if clear > 0 and (fig.left() - x0) * ppu < clear:
            x0 = fig.left() - clear / ppu
        y0 = top + height / 2 - span_h / 2
        self.vb.setRange(QRectF(x0, y0, span_w, span_h), padding=0)

    def figure_on_screen(self) -> QRectF:
        """The drawn figure's bounding box in this widget's pixels."""
        scene = self.vb.mapViewToScene(self.art.figure_rect).boundingRect()
        return QRectF(self.mapFromScene(scene).boundingRect())

    # --- frames ---------------------------------------------------------------------------------
    def show_frame(self, f: FrameData, force: bool = False) -> None:
        self.frame = f
        now = time.perf_counter()
        self._frame_at = now
        if self.scan_mm is None:
            self.packets.show_frame(f, now)
        self._track_motion(f, now)
        self.lesions.show_frame(f, now, force)
        self.legend.set_sample(self.packets.shown, self.packets.total, self.scan_mm is not None)
        self._update_primary_label(f)
        self._update_site_labels(f)
        if self.scan_mm is not None:
            self.banner.setText(self.scan_text(f))
            self.banner.adjustSize()
            self.place_overlays()
        self._maybe_animate()

    def scan_text(self, f: FrameData) -> str:
        s = f.snap
        d = lesion_diameter_mm(s.lesion_cells, f.cells_per_g)
        seen = int((d >= self.scan_mm).sum())
        pd = float(lesion_diameter_mm(s.primary_cells, f.cells_per_g)) if s.primary_cells > 0 else 0.0
        seen_primary = pd >= self.scan_mm
        hidden = int(d.shape[0] - seen)
        dorm = float(s.dormant_cells.sum())
        moving = float(s.packet_cells[s.packet_nclu >= 0].sum())
        what = tr("the primary tumour") if seen_primary else tr("not even the primary tumour")
        more = "" if not seen else (tr(" and 1 metastasis") if seen == 1 else tr(" and {n} metastases", n=num(seen)))
        return (
            tr("What a scan would see (lesions of {mm} mm or more): {what}.", mm=f"{self.scan_mm:g}", what=what + more)
            + "\n"
            + tr(
                "Invisible to it: {a}, {b}, {c} in transit.",
                a=_n(hidden, "smaller lesion"),
                b=_n(dorm, "dormant cell"),
                c=_n(moving, "living cell"),
            )
        )

    def _update_primary_label(self, f: FrameData) -> None:
        s = f.snap
        if s.primary_cells <= 0:
            self.primary_label.setVisible(False)
            return
        d = float(lesion_diameter_mm(s.primary_cells, f.cells_per_g))
        size = f"{num(d / 10, 1)} cm" if d >= 10 else f"{num(d)} mm"
        self.primary_label.setText(tr("Primary tumour · {size}", size=size))
        x, y = self.graph.xy[f.primary]
        self.primary_label.setPos(QPointF(x + 24, y))
        self.primary_label.setVisible(self.scan_mm is None or d >= self.scan_mm)

    def _update_site_labels(self, f: FrameData) -> None:
        """Name the organs with visible macrometastases, biggest first, in columns beside the figure.
        Called every frame: the layout is made again only when what it depends on changed."""
        s = f.snap
        macro = s.lesion_state == MACRO
        if self.scan_mm is not None:
            macro &= lesion_diameter_mm(s.lesion_cells, f.cells_per_g) >= self.scan_mm
        ranked: tuple[int, ...] = ()
        if macro.any():
            biggest = np.zeros(self.graph.n)
            np.maximum.at(biggest, s.lesion_comp[macro], s.lesion_cells[macro])
            order = np.argsort(-biggest, kind="stable")[: int((biggest > 0).sum())]
            ranked = tuple(order[self._site_mask[order]].tolist())
        self._ranked = ranked
        self._layout_site_labels()

    def site_label_text(self, comp: int) -> str:
        """An organ's name without its closing note ('Kidney (right)' -> 'Kidney'); a note inside
        the name stays ('Pelvic (iliac) nodes': 'Pelvic' alone would not say what it is)."""
        name = self.graph.names[comp]
        short = name.split(" (")[0]
        return tr(short if name.endswith(")") else name)

    def more_label_text(self, n: int) -> str:
        return tr("+{n} more", n=num(n))

    def _site_labels_stale(self, *args) -> None:
        """The view or an overlay moved: lay the names out again once the event settles (the
        microscope panel, for one, follows the same range change)."""
        if getattr(self, "_ranked", ()):
            self._relabel.start()

    def _text_rect(self, item: pg.TextItem) -> tuple[float, float, float, float]:
        """Where a TextItem's box is on screen (scene pixels), from its position and anchor."""
        br = item.textItem.boundingRect()
        p = self.vb.mapViewToScene(item.pos())
        x0, y0 = p.x() - item.anchor.x() * br.width(), p.y() - item.anchor.y() * br.height()
        return (x0, y0, x0 + br.width(), y0 + br.height())

    def childEvent(self, ev) -> None:
        super().childEvent(ev)
        self._overlays = None  # a widget came or went: list the overlays again when next needed

    def _overlay_widgets(self) -> list[QWidget]:
        """The widgets floating over the map (legend, its button, Fit, the organ card, the banner,
        the microscope panel); each is watched, so that its moves re-lay the names."""
        if getattr(self, "_overlays", None) is None:
            vp = self.viewport()
            self._overlays = [
                w
                for w in self.children()
                if isinstance(w, QWidget) and w is not vp and w.windowType() == Qt.WindowType.Widget
            ]
            for w in self._overlays:
                w.installEventFilter(self)  # (once: Qt moves a filter installed again)
        return self._overlays

    def _label_obstacles(self) -> list[tuple[float, float, float, float]]:
        """What the names must leave uncovered (scene pixels): the primary's and the tapped organ's
        labels and the visible overlay widgets."""
        out = [self._text_rect(t) for t in (self.primary_label, self.organ_label) if t.isVisible()]
        off = self.mapToScene(self.viewport().mapFrom(self, QPoint(0, 0)))
        dx, dy = off.x(), off.y()
        for w in self._overlay_widgets():
            if w.isVisible():
                x, y, ww, hh = w.geometry().getRect()
                out.append((x + dx, y + dy, x + ww + dx, y + hh + dy))
        return out

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() in (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Move, QEvent.Type.Resize):
            self._site_labels_stale()
        return super().eventFilter(obj, ev)

    def _layout_site_labels(self) -> None:
        """Place the names of ``_ranked`` (``label_layout``) and draw their leaders, unless nothing
        they depend on changed since the last time (the frame loop calls this every frame)."""
        self._relabel.stop()
        vw, vh = self.vb.width(), self.vb.height()
        if not self._ranked or vw < 2 or vh < 2:
            if self._label_key is not None:
                self._label_key = None
                self.label_layout = None
                for lab in self.site_labels:
                    lab.setVisible(False)
                self.leaders.setPath(QPainterPath())
            return
        obstacles = self._label_obstacles()
        (x0, x1), (y0, y1) = self.vb.viewRange()
        # while every name fits, the ranking does not change where they stand: the set decides
        ranked = self._ranked if self.label_layout and self.label_layout.hidden else tuple(sorted(self._ranked))
        font = self.site_labels[0].textItem.font()
        key = (ranked, i18n.language(), (x0, x1, y0, y1, vw, vh), tuple(obstacles), font.pixelSize())
        if key == self._label_key:
            return
        self._label_key = key
        self.vb.updateMatrix()
        to_scene = self.vb.childGroup.sceneTransform()  # body units -> scene pixels, and back
        to_view = to_scene.inverted()[0]
        calls = []
        for c in self._ranked:
            lab = self._site_label[c]
            lab.setText(self.site_label_text(c))
            br = lab.textItem.boundingRect()
            p = to_scene.map(QPointF(*self.graph.xy[c]))
            calls.append(label_layout.Callout(c, (p.x(), p.y()), br.width(), br.height()))
        more = self.more_label
        if more.textItem.font() != font:
            more.setFont(font)
        fm = QFontMetricsF(more.textItem.font())
        pad = 2 * more.textItem.document().documentMargin() + 4  # (a box, never narrower than the text)
        more_size = (
            fm.horizontalAdvance(self.more_label_text(len(self._ranked))) + pad,
            calls[0].height if calls else fm.height() + pad,
        )
        view = self.mapToScene(self.viewport().rect()).boundingRect().intersected(self.vb.sceneBoundingRect())
        fig = to_scene.mapRect(self.art.figure_rect)
        s = self.sizes.scale
        lay = label_layout.layout_callouts(
            calls,
            (view.left(), view.top(), view.right(), view.bottom()),
            (fig.left(), fig.top(), fig.right(), fig.bottom()),
            obstacles,
            more_size,
            gap=LABEL_GAP_PX * s,
            spacing=LABEL_SPACING_PX * s,
            elbow=LEADER_ELBOW_PX * s,
        )
        self.label_layout = lay
        self._show_label_layout(lay, to_view)

    def _show_label_layout(self, lay: label_layout.Layout, to_view) -> None:
        """Put the names where ``lay`` places them (``to_view``: scene pixels to body units), draw
        their leaders and hide the names it does not place."""
        path = QPainterPath()
        shown = set()
        for p in lay.placed + ((lay.more,) if lay.more else ()):
            lab = self.more_label if p.key == label_layout.MORE else self._site_label[p.key]
            if p.key == label_layout.MORE:
                lab.setText(self.more_label_text(lay.more_count))
            left = p.side == label_layout.LEFT
            anchor = (1, 0) if left else (0, 0)  # pinned by the edge facing the figure
            if tuple(lab.anchor) != anchor:
                lab.setAnchor(anchor)
            lab.setPos(to_view.map(QPointF(p.rect[2] if left else p.rect[0], p.rect[1])))
            lab.setVisible(True)
            shown.add(id(lab))
            if p.leader:
                path.moveTo(to_view.map(QPointF(*p.leader[0])))
                for q in p.leader[1:]:
                    path.lineTo(to_view.map(QPointF(*q)))
        for lab in self.site_labels:
            if id(lab) not in shown:
                lab.setVisible(False)
        self.leaders.setPath(path)

    # --- replay of a founder's journey --------------------------------------------------------------
    def play_journey(self, j: Journey) -> None:
        self._replay = j
        self._replay_t0 = time.perf_counter()
        self.replay_path.setPath(rounded_path(j.points, 4.0))
        self.replay_path.setVisible(True)
        x, y, _ = j.position(0.0)
        self.replay_dot.setPos(QPointF(x, y))
        self.replay_dot.setVisible(True)
        self._maybe_animate()

    def freeze(self) -> None:
        """Stop every animation now (kiosk pause and reduce-motion): effects end in this frame."""
        now = time.perf_counter()
        self.stop_replay()
        self._anim.stop()
        self.packets.effects.clear()
        self.lesions.effects.clear()
        self.packets.animate(now)
        self.lesions.animate(now)

    def stop_replay(self) -> None:
        self._replay = None
        self.replay_path.setVisible(False)
        self.replay_dot.setVisible(False)

    @property
    def replaying(self) -> bool:
        return self._replay is not None

    def _replay_step(self, now: float) -> None:
        j = self._replay
        dur = min(max(j.length / REPLAY_UNITS_PER_S, 2.5), 9.0)
        u = (now - self._replay_t0) / dur
        if u >= 1.6:  # linger at the organ, then clear
            self.stop_replay()
            return
        u = min(u, 1.0)
        ease = u * u * (3 - 2 * u)
        x, y, _ = j.position(ease * j.length)
        self.replay_dot.setPos(QPointF(x, y))

    # --- pacing ----------------------------------------------------------------------------------
    def _track_motion(self, f: FrameData, now: float) -> None:
        """How fast the fastest drawn dot crosses the screen (``motion_px_s``), from the packets
        this frame and the last have in common (by id); jumps (``PACE_JUMP_PX``) are not motion."""
        s = f.snap
        if self.scan_mm is not None or not self.packets.isVisible():
            self._motion, self.motion_px_s = None, 0.0
            return
        if s.packet_id.shape[0] > PACE_TRACK_MAX:
            self._motion, self.motion_px_s = None, float("inf")
            return
        ids, xy = s.packet_id, s.packet_xy
        prev, self._motion = self._motion, (now, ids.copy(), np.array(xy, np.float64))
        if prev is None or now <= prev[0]:
            self.motion_px_s = 0.0 if ids.shape[0] == 0 else float("inf")
            return
        _, i_new, i_old = np.intersect1d(ids, prev[1], assume_unique=True, return_indices=True)
        if i_new.size == 0:
            self.motion_px_s = 0.0
            return
        d = np.hypot(*(xy[i_new] - prev[2][i_old]).T) * self.packets.px_per_unit
        d = d[d < PACE_JUMP_PX]
        self.motion_px_s = float(d.max() / (now - prev[0])) if d.size else 0.0

    def frame_interval_s(self) -> float:
        """How long the next frame may wait, from what moves on the map: a frame each time the
        fastest dot has moved ``PACE_STEP_PX`` (at most 60 a second), at least every
        ``PACE_ANIMATING_S`` while effects fade or a journey replays (``PACE_CALM_*`` when
        ``calm``). The runner's timer reads it
        (``TickRunner.pacer``); a slower timer changes no number of the run, only how often it is
        drawn."""
        if self.replaying:
            return 0.0
        v = self.motion_px_s
        step, fades = (PACE_CALM_STEP_PX, PACE_CALM_ANIMATING_S) if self.calm else (PACE_STEP_PX, PACE_ANIMATING_S)
        wait = step / v if v > 0 else float("inf")
        if self.packets.animating or self.lesions.animating:
            wait = min(wait, fades)
        return max(wait, PACE_CALM_MIN_S) if self.calm else wait

    # --- animation --------------------------------------------------------------------------------
    def _maybe_animate(self) -> None:
        busy = self.packets.animating or self.lesions.animating or self.replaying
        if busy and not self._anim.isActive():
            self._anim.start()

    def _on_anim_timeout(self) -> None:
        now = time.perf_counter()
        if self.replaying:
            self._replay_step(now)
        elif now - self._frame_at < FRAMES_ANIMATE_S:
            return  # frames are arriving and animate the fades themselves: no extra repaint between
        if self.packets.animating:
            self.packets.animate(now)
        if self.lesions.animating:
            self.lesions.animate(now)
        if not (self.packets.animating or self.lesions.animating or self.replaying):
            self.packets.animate(now)
            self.lesions.animate(now)
            self._anim.stop()

    # --- input ----------------------------------------------------------------------------------
    def _on_scene_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        pos = self.vb.mapSceneToView(ev.scenePos())
        self.click_at(pos)

    def click_at(self, pos: QPointF) -> None:
        """Handle a tap at ``pos`` (body units): a lesion first, else an organ, else background."""
        keys = self.lesions.sprites()["key"]
        key = self.lesions.pick(pos, tol_px=5.0, mask=keys != -1)
        if key is not None and int(key) >= 0:
            self.lesions.selected_lesion = int(key)
            self.lesion_clicked.emit(int(key))
            return
        cid = self.art.organ_at(pos)
        if key is not None and int(key) == PRIMARY_KEY:
            cid = self.primary
        if cid:
            self.organ_clicked.emit(cid)
        else:
            self.background_clicked.emit()

    def _on_vb_range_changed_manually(self, *args) -> None:
        self._fitted = False  # the visitor zoomed or panned: keep their view on resize

    # --- layout -----------------------------------------------------------------------------------
    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if not hasattr(self, "_fitted"):  # pyqtgraph resizes during its own __init__
            return
        self.place_overlays()
        self._update_zoom_ref()
        if self._fitted:
            self.fit()

    def _update_zoom_ref(self) -> None:
        w, h = max(self.width(), 1), max(self.height(), 1)
        ref = min(w / 560.0, h / 990.0)
        for it in (self.lesions, self.packets):
            it.zoom_ref = ref

    def place_overlays(self) -> None:
        m = round(12 * self.sizes.scale)
        if self.legend_button.isHidden():
            self.legend.move(m, self.height() - self.legend.height() - m)
        else:  # the button stays put at the bottom; the legend grows upwards from it
            b = self.legend_button
            gap = round(6 * self.sizes.scale)
            self.legend.fit_height(self.height() - b.height() - 2 * m - gap)
            b.setFixedWidth(self.legend.width())
            b.move(m, self.height() - b.height() - m)
            self.legend.move(m, b.y() - self.legend.height() - gap)
        self.fit_button.adjustSize()
        self.fit_button.move(self.width() - self.fit_button.width() - m, self.height() - self.fit_button.height() - m)
        if self.card is not None:
            self.card.setFixedWidth(min(round(380 * self.sizes.scale), self.width() // 2))
            self.card.adjustSize()
            self.card.move(self.width() - self.card.width() - m, m)
        if self.banner.isVisible():
            # along the bottom, between the legend and the Fit button: the legs matter least
            left = self.legend_rect().right() + 1 + m
            right = self.fit_button.x() - m
            bw = max(200, min(right - left, round(760 * self.sizes.scale)))
            self.banner.setFixedWidth(bw)
            self.banner.adjustSize()
            self.banner.move(left + max(0, (right - left - bw) // 2), self.height() - self.banner.height() - m)
