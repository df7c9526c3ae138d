"""The body-map art (``assets/body_map.svg``): the drawn figure, per-organ hit masks, glyph slots
inside each organ, and a highlight of the selected organ. Element ids are compartment ids.

Sex-specific primaries (prostate, ovary, uterus, cervix) are shown only when they are the
scenario's primary: the SVG text is filtered before it is handed to the renderer, so the art stays
one file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import QGraphicsColorizeEffect, QGraphicsItem

from desktop.core.assets import asset_path
from desktop.core.frames import hash01
from sim_core import BodyGraph, InputError

MASK_PX_PER_UNIT = 2.0
FIGURE_PX_PER_UNIT = 1.0
SLOTS_PER_ORGAN = 96
#: Shown only when they are the primary of the loaded scenario.
SEX_SPECIFIC = ("primary:prostate", "primary:ovary", "primary:uterus", "primary:cervix")


def svg_path() -> Path:
    return asset_path("body_map.svg")


def svg_element_ids(text: str) -> list[str]:
    """Every ``id`` in the SVG document, in document order."""
    root = ET.fromstring(text)
    return [el.attrib["id"] for el in root.iter() if "id" in el.attrib]


def _without_elements(text: str, hidden: set[str]) -> str:
    if not hidden:
        return text
    root = ET.fromstring(text)
    parents = {child: parent for parent in root.iter() for child in parent}
    for el in list(root.iter()):
        if el.attrib.get("id") in hidden:
            parents[el].remove(el)
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(root, encoding="unicode")


def _read_svg(path) -> str:
    """The body map's SVG text; a file that is not UTF-8 text is a one-line InputError."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"not UTF-8 text (byte {exc.start}): not an SVG file") from None


class CachedSvgItem(QGraphicsSvgItem):
    """The SVG art, cached by Qt at device resolution (``DeviceCoordinateCache``): ``paint`` runs
    only when the cache is (re)made, on a zoom, a resize or new art, and ``render_count`` says how
    often (a plain frame blits the cache)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.render_count = 0
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Qt's default cache limit (1024x768) is smaller than the body at 1080p, and an item over
        # the limit is re-rendered from the SVG on every frame (about 12 ms measured)
        self.setMaximumCacheSize(QSize(8192, 8192))

    def paint(self, painter, option, widget=None) -> None:
        self.render_count += 1
        super().paint(painter, option, widget)


#: What a body map's art gives, the same for every view of one graph and one SVG text: its
#: renderer, per-organ masks, figure box and glyph slots (0.2 s to build; the kiosk makes a new map
#: for each screen of its loop), and the renderers without each set of hidden organs.
_ART_CACHE: dict[tuple, tuple] = {}
_SHOWN_CACHE: dict[tuple, QSvgRenderer] = {}


class BodyArt:
    """Loads the SVG once per scenario and answers 'which organ is here?'."""

    def __init__(self, graph: BodyGraph, text: str | None = None):
        self.graph = graph
        self.text = text if text is not None else _read_svg(svg_path())
        self.ids = svg_element_ids(self.text)
        self.compartment_ids = [i for i in self.ids if i in graph.index]
        key = (graph.source, graph.ids, tuple(map(tuple, graph.xy)), self.text)
        hit = _ART_CACHE.get(key)
        if hit is None:
            self.renderer = QSvgRenderer(QByteArray(self.text.encode("utf-8")))
            self._masks: dict[str, tuple[QRectF, np.ndarray]] = {}
            self._build_masks()
            self.figure_rect = self._figure_rect()
            self.slots = self._build_slots()
            for _, m in self._masks.values():
                m.flags.writeable = False
            for a in self.slots.values():
                a.flags.writeable = False
            if len(_ART_CACHE) > 8:
                _ART_CACHE.clear()
            _ART_CACHE[key] = (self.renderer, self._masks, QRectF(self.figure_rect), self.slots)
        else:
            self.renderer, self._masks, fig, self.slots = hit
            self.figure_rect = QRectF(fig)
        self.item = CachedSvgItem()
        self.highlight = CachedSvgItem()
        eff = QGraphicsColorizeEffect()
        eff.setColor(QColor("#f5c451"))
        eff.setStrength(0.85)
        self.highlight.setGraphicsEffect(eff)
        self.highlight.setVisible(False)
        self._shown_renderer: QSvgRenderer | None = None
        self.hidden: set[str] = set()
        self.set_primary("")

    # --- what is drawn --------------------------------------------------------------------------
    def set_primary(self, primary: str) -> None:
        """Hide the sex-specific organs other than ``primary``. When that leaves the same organs
        drawn, the renderer and the cached picture are kept (a new renderer re-renders the body,
        several milliseconds, and a kiosk reset asks for the same primary three times)."""
        hidden = {c for c in SEX_SPECIFIC if c != primary}
        if self._shown_renderer is None or hidden != self.hidden:
            self.hidden = hidden
            key = (self.text, frozenset(hidden))
            self._shown_renderer = _SHOWN_CACHE.get(key)
            if self._shown_renderer is None:  # (kept: items share it; one per primary at most)
                text = _without_elements(self.text, hidden)
                self._shown_renderer = _SHOWN_CACHE[key] = QSvgRenderer(QByteArray(text.encode("utf-8")))
            self.item.setSharedRenderer(self._shown_renderer)
            self.highlight.setSharedRenderer(self._shown_renderer)
        self.select("")

    def select(self, comp_id: str) -> None:
        r = self._shown_renderer
        if not comp_id or r is None or not r.elementExists(comp_id):
            self.highlight.setVisible(False)
            return
        self.highlight.setElementId(comp_id)
        self.highlight.setPos(r.boundsOnElement(comp_id).topLeft())
        self.highlight.setVisible(True)

    def _figure_rect(self) -> QRectF:
        """The bounding box of everything drawn (the figure, not the document's blank edges), in
        body units, from a picture of the whole art at FIGURE_PX_PER_UNIT."""
        k = FIGURE_PX_PER_UNIT
        doc = self.renderer.viewBoxF()
        if doc.isEmpty():
            doc = QRectF(0, 0, 600, 1000)
        w, h = max(1, int(np.ceil(doc.width() * k))), max(1, int(np.ceil(doc.height() * k)))
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        p = QPainter(img)
        self.renderer.render(p, QRectF(0, 0, w, h))
        p.end()
        alpha = (np.frombuffer(img.constBits(), np.uint32, count=w * h).reshape(h, w) >> 24) > 8
        rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
        if rows.size == 0:
            return QRectF(doc)
        return QRectF(
            doc.left() + cols[0] / k,
            doc.top() + rows[0] / k,
            (cols[-1] + 1 - cols[0]) / k,
            (rows[-1] + 1 - rows[0]) / k,
        )

    # --- hit testing ----------------------------------------------------------------------------
    def _build_masks(self) -> None:
        k = MASK_PX_PER_UNIT
        for cid in self.compartment_ids:
            b = self.renderer.boundsOnElement(cid).adjusted(-1, -1, 1, 1)
            w = max(1, int(np.ceil(b.width() * k)))
            h = max(1, int(np.ceil(b.height() * k)))
            img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            p = QPainter(img)
            p.scale(k, k)
            p.translate(-b.left(), -b.top())
            self.renderer.render(p, cid, self.renderer.boundsOnElement(cid))
            p.end()
            arr = np.frombuffer(img.constBits(), np.uint32, count=w * h).reshape(h, w)
            self._masks[cid] = (b, (arr >> 24) > 24)

    def area(self, cid: str) -> float:
        return float(self._masks[cid][1].sum()) / MASK_PX_PER_UNIT**2

    def contains(self, cid: str, x: float, y: float) -> bool:
        b, m = self._masks[cid]
        i = int((y - b.top()) * MASK_PX_PER_UNIT)
        j = int((x - b.left()) * MASK_PX_PER_UNIT)
        return 0 <= i < m.shape[0] and 0 <= j < m.shape[1] and bool(m[i, j])

    def organ_at(self, pos: QPointF) -> str | None:
        """The smallest drawn compartment under ``pos`` (so nodes win over the organ behind them)."""
        hits = [c for c in self.compartment_ids if c not in self.hidden and self.contains(c, pos.x(), pos.y())]
        if not hits:
            return None
        return min(hits, key=self.area)

    # --- where glyphs go --------------------------------------------------------------------------
    def _build_slots(self) -> dict[int, np.ndarray]:
        """Points inside each organ for lesion and dormancy glyphs, spread out, first near its centre."""
        out: dict[int, np.ndarray] = {}
        for cid in self.compartment_ids:
            c = self.graph.index[cid]
            b, m = self._masks[cid]
            ii, jj = np.nonzero(m)
            cx, cy = self.graph.xy[c]
            if ii.size == 0:
                out[c] = np.array([[cx, cy]])
                continue
            pts = np.column_stack([b.left() + (jj + 0.5) / MASK_PX_PER_UNIT, b.top() + (ii + 0.5) / MASK_PX_PER_UNIT])
            # keep to the inner part of big organs; thin or small shapes keep everything
            d = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
            inner = pts[d <= np.quantile(d, 0.8)] if pts.shape[0] > 200 else pts
            order = np.argsort(hash01(np.arange(inner.shape[0]) + 7919 * c))
            cand = inner[order[: 8 * SLOTS_PER_ORGAN]]
            out[c] = _spread(cand, np.array([cx, cy]), SLOTS_PER_ORGAN)
        return out


def _spread(cand: np.ndarray, start: np.ndarray, k: int) -> np.ndarray:
    """Greedy farthest-point order: slot 0 nearest the centre, then ever-emptier spots."""
    k = min(k, cand.shape[0])
    chosen = [int(np.argmin(np.hypot(*(cand - start).T)))]
    dmin = np.hypot(*(cand - cand[chosen[0]]).T)
    for _ in range(k - 1):
        i = int(np.argmax(dmin))
        chosen.append(i)
        dmin = np.minimum(dmin, np.hypot(*(cand - cand[i]).T))
    return cand[chosen]


def compartment_prefixes() -> tuple[str, ...]:
    return ("primary:", "organ:", "node:", "heart:", "vein:", "artery:", "lymph:", "cavity:")


_ID_RE = re.compile(r"^[a-z]+:[a-z_]+$")


def looks_like_compartment(element_id: str) -> bool:
    return bool(_ID_RE.match(element_id)) and element_id.startswith(compartment_prefixes())
