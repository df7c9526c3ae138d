"""ParameterPanel: one slider per path in ``sim_core.SLIDERS``, built from its ``ParamSpec``
(label, unit, range, log scale, doc). Each slider also has − / + buttons, answers the arrow
keys, and carries an accessible name and a value text. Anti-angiogenic treatment gets an on/off
switch and a live read-out of how much of its effect is left as resistance grows.

The sliders are grouped in tabs (``TABS``): how cells spread, what treatment does, what the body
does to them. One tab at a time keeps every slider of it on screen beside the read-outs; the
kiosk's Intro level, with only a few controls, shows its groups one under the other instead
(``set_tabbed(False)``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core.i18n import num, sci, sig, tr
from desktop.window import theme
from sim_core import BY_PATH, SLIDERS, ParamSpec

STEPS = 1000
BUTTON_STEP = 25
#: The tabs and their sliders, in the order they appear. The surgery button, the treatment switch
#: and its read-outs go with the treatment sliders. Sliders of ``SLIDERS`` not listed here go in
#: one more tab ("More"), so a new one is never lost.
TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Spread",
        (
            "shedding.rate_per_g_day",
            "shedding.cluster_fraction",
            "transit.attrition",
            "dormancy.entry",
            "dormancy.wake_per_year",
        ),
    ),
    ("Treatment", ("antiangio.strength", "antiangio.resistance_months", "chemo.lung_factor")),
    ("Body", ("immune.surveillance", "suppressor.strength", "soil.weight")),
)
TREATMENT_TAB = 1
_UNITS = {
    "x": "×",
    "1": "",
    "1/year": "per year",
    "1/day": "per day",
    "1/h": "per hour",
    "cells/g/day": "cells per g per day",
    "months": "months",
    "days": "days",
    "cells": "cells",
}


def unit_text(spec: ParamSpec) -> str:
    return _UNITS.get(spec.unit, spec.unit)


def value_text(spec: ParamSpec, v: float) -> str:
    """'2.5 ×', '11 months', '1.50e-3 per year', '236,000 cells per g per day', '3 %' (in the
    language's number format)."""
    u = unit_text(spec)
    u = tr(u) if u not in ("", "×") else u
    if spec.unit == "1" and spec.hi <= 1.0:
        return f"{sig(100 * v, 3)} %"
    if v != 0 and (abs(v) < 0.01 or abs(v) >= 1e9):  # grouped digits read better up to billions
        text = sci(v, 2)
    elif abs(v) >= 1000:
        text = num(v)
    else:
        text = sig(v, 3)
    return f"{text} {u}".strip()


class ScaleMap:
    """Slider position 0..STEPS <-> parameter value, linear or logarithmic as the spec says."""

    def __init__(self, spec: ParamSpec):
        self.spec = spec
        self.log = spec.log
        if self.log:
            self.floor = spec.lo if spec.lo > 0 else max(spec.hi * 1e-4, (spec.default or spec.hi) / 100.0)
            self.zero_at_0 = spec.lo <= 0

    def value(self, pos: int) -> float:
        s = self.spec
        f = min(max(pos, 0), STEPS) / STEPS
        if not self.log:
            v = s.lo + (s.hi - s.lo) * f
        elif self.zero_at_0 and pos <= 0:
            return 0.0
        else:
            v = math.exp(math.log(self.floor) + (math.log(s.hi) - math.log(self.floor)) * f)
        v = float(f"{v:.3g}")
        return min(max(v, s.lo), s.hi)

    def position(self, v: float) -> int:
        s = self.spec
        if not self.log:
            f = (v - s.lo) / (s.hi - s.lo) if s.hi > s.lo else 0.0
        elif v <= 0:
            return 0
        else:
            f = (math.log(max(v, self.floor)) - math.log(self.floor)) / (math.log(s.hi) - math.log(self.floor))
        return int(round(min(max(f, 0.0), 1.0) * STEPS))


class SliderRow(QWidget):
    """Title, [−] slider [+], value: one line per parameter."""

    value_edited = Signal(str, float)

    def __init__(self, spec: ParamSpec, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.map = ScaleMap(spec)
        self.value = spec.default
        title = spec.title[:1].upper() + spec.title[1:]
        self.title = QLabel(tr(title))
        self.title.setObjectName("heading")
        self.value_label = QLabel()
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setSingleStep(10)
        self.slider.setPageStep(100)
        self.slider.setAccessibleName(tr(title))
        self.minus = QPushButton("−")
        self.plus = QPushButton("+")
        for b, word in ((self.minus, "Decrease"), (self.plus, "Increase")):
            b.setAccessibleName(tr(f"{word} {spec.title}"))
            b.setAutoRepeat(True)
            b.setFixedWidth(round(34 * sizes.scale))
            # as tall as the slider, not as a text button: eleven rows share the column
            b.setStyleSheet(f"QPushButton {{ padding: {max(1, round(2 * sizes.scale))}px 0px; }}")
        self._tip()
        self.title.setObjectName("")
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setFixedWidth(round(165 * sizes.scale))
        self.title.setWordWrap(True)
        self.value_label.setFixedWidth(round(118 * sizes.scale))
        self.value_label.setWordWrap(True)  # '3,500,000' over 'cells per g per day'
        row = QHBoxLayout(self)
        row.setContentsMargins(0, round(2 * sizes.scale), 0, round(2 * sizes.scale))
        row.setSpacing(round(5 * sizes.scale))
        row.addWidget(self.title)
        row.addWidget(self.minus)
        row.addWidget(self.slider, 1)
        row.addWidget(self.plus)
        row.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.minus.clicked.connect(lambda: self.nudge(-1))
        self.plus.clicked.connect(lambda: self.nudge(+1))
        self.set_value(spec.default)

    def nudge(self, direction: int) -> None:
        self.slider.setValue(self.slider.value() + direction * BUTTON_STEP)

    def set_value(self, v: float) -> None:
        """Show ``v`` (from the controller) without emitting an edit."""
        self.value = float(v)
        self.slider.blockSignals(True)
        self.slider.setValue(self.map.position(v))
        self.slider.blockSignals(False)
        self._show()

    def _show(self) -> None:
        text = value_text(self.spec, self.value)
        self.value_label.setText(text)
        self.slider.setAccessibleDescription(f"{text}. {tr(self.spec.doc)}")

    def _tip(self) -> None:
        spec = self.spec
        tip = (
            tr(spec.doc)
            + "\n"
            + tr(
                "Range {lo} to {hi}. Source: {cite}.",
                lo=value_text(spec, spec.lo),
                hi=value_text(spec, spec.hi),
                cite=spec.source,
            )
        )
        for w in (self.title, self.slider, self.value_label):
            w.setToolTip(tip)

    def _on_slider_value_changed(self, pos: int) -> None:
        v = self.map.value(pos)
        self.value = v
        self._show()
        self.value_edited.emit(self.spec.path, v)


def _invalidate(item) -> None:
    item.invalidate()
    lay = item.layout()
    if lay is not None:
        for i in range(lay.count()):
            _invalidate(lay.itemAt(i))


class _Pages(QWidget):
    """The tab pages. Tabbed, only the current page shows and the height is the tallest page's, so
    switching tabs (or the treatment curve appearing) moves nothing else in the column; untabbed,
    the pages stand one under the other. Pages marked ``empty`` (every control hidden) take no
    room. Placed by hand: a layout would report only the shown page's height for a width."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pages: list[QWidget] = []
        self.tabbed = True
        self._height = -1

    def add(self, page: QWidget) -> None:
        page.setParent(self)
        page.installEventFilter(self)
        self.pages.append(page)

    def refresh(self) -> None:
        """After a change inside a page (a text, a control shown): a hidden page's layout does not
        report it, so the height is asked for again here."""
        h = self.heightForWidth(self.width())
        if h != self._height:
            self._height = h
            self.updateGeometry()
        self.place()

    def _counted(self) -> list[QWidget]:
        return [p for p in self.pages if not p.property("empty")]

    @staticmethod
    def _page_height(page: QWidget, w: int) -> int:
        page.ensurePolished()  # a page never shown has not had the style sheet's type sizes yet
        h = page.heightForWidth(w) if page.hasHeightForWidth() else -1
        return h if h >= 0 else page.sizeHint().height()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        heights = [self._page_height(p, w) for p in self._counted()]
        if not heights:
            return 0
        return max(heights) if self.tabbed else sum(heights)

    def sizeHint(self) -> QSize:
        w = max([p.sizeHint().width() for p in self._counted()] or [0])
        return QSize(w, self.heightForWidth(self.width() if self.isVisible() else w))

    def minimumSizeHint(self) -> QSize:
        w = max([p.minimumSizeHint().width() for p in self._counted()] or [0])
        return QSize(w, self.heightForWidth(self.width() if self.isVisible() else w))

    def place(self) -> None:
        w, y = self.width(), 0
        for p in self._counted():
            h = self._page_height(p, w)
            p.setGeometry(0, 0 if self.tabbed else y, w, max(h, self.height()) if self.tabbed else h)
            y += h

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.place()

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        self.remeasure()

    def changeEvent(self, ev) -> None:
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.StyleChange:
            self.remeasure()

    def remeasure(self) -> None:
        """Measure every page again in the current style: a page not shown yet was measured
        unpolished (smaller buttons), and its layout keeps what it measured until told."""
        for page in self.pages:
            page.ensurePolished()
            for w in page.findChildren(QWidget):
                w.updateGeometry()
            _invalidate(page.layout())  # nested layouts too: only showing a page does that
        self.refresh()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.Type.LayoutRequest and obj in self.pages:
            self.refresh()  # a page's height changed (a longer text, a control shown)
        return False


class ParameterPanel(QWidget):
    """Emits ``parameter_edited(path, value)`` and ``treatment_toggled(on, strength)``."""

    parameter_edited = Signal(str, float)
    treatment_toggled = Signal(bool, float)
    surgery_requested = Signal()

    def __init__(self, sizes: theme.Sizes, parent=None):
        """The sliders in tabs, with the surgery button, the treatment switch and its effect curve
        in their places.

        Long: builds the widgets in the order they appear (the heading and the tabs, then each tab's
        page top to bottom with the surgery button, the switch and the curve where they belong);
        split, the layout would be read out of order."""
        super().__init__(parent)
        self.sizes = sizes
        self.rows: dict[str, SliderRow] = {}
        s = sizes.scale
        lay = QVBoxLayout(self)
        lay.setContentsMargins(round(10 * s), round(6 * s), round(10 * s), round(2 * s))
        lay.setSpacing(0)
        self.head = QLabel(tr("What if…? (changes act at once)"))
        self.head.setObjectName("heading")
        self.surgery = QPushButton(tr("Remove the primary (surgery)"))
        self.surgery.setAccessibleName(tr("Remove the primary tumour now"))
        self.surgery.setToolTip(tr("Surgery: the tumour stops shedding; cells that already left stay in the body."))
        self.surgery.clicked.connect(self.surgery_requested)
        self.surgery.setStyleSheet(f"QPushButton {{ padding: {max(1, round(2 * s))}px {round(12 * s)}px; }}")
        self.treatment = QCheckBox(tr("Anti-angiogenic treatment"))
        self.treatment.setAccessibleName(tr("Anti-angiogenic treatment on or off"))
        self.treatment.toggled.connect(self._on_treatment_toggled)
        self.effect = QLabel("")
        self.effect.setObjectName("dim")
        self.effect.setWordWrap(True)
        self.effect.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.curve = pg.PlotWidget(background=theme.PANEL)
        # as tall as three lines of the read-out beside it, so the page keeps one height
        self.curve.setFixedHeight(max(round(58 * s), 3 * QFontMetrics(theme.font(sizes.small)).lineSpacing() + 6))
        self.curve.setMouseEnabled(False, False)
        self.curve.hideButtons()
        self.curve.setYRange(0, 100, padding=0.05)
        self.curve.getAxis("left").setWidth(round(34 * s))
        self.curve.getAxis("left").setTicks([[(0, "0"), (100, "100")]])  # a short chart: two ticks read
        self.curve.setLabel("bottom", tr("days of treatment"))
        self._curve = self.curve.plot(pen=pg.mkPen(theme.SKY, width=2))
        self._now = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(theme.ACCENT), pen=None)
        self.curve.addItem(self._now)
        self.curve.setVisible(False)
        self._last_strength = 1.0
        for path in SLIDERS:  # built in SLIDERS order (``rows`` keeps it), placed by ``TABS``
            row = SliderRow(BY_PATH[path], sizes)
            row.value_edited.connect(self._on_row_value_edited)
            self.rows[path] = row
        listed = {p for _, paths in TABS for p in paths}
        tabs = [(name, [p for p in paths if p in self.rows]) for name, paths in TABS]
        extra = [p for p in SLIDERS if p not in listed]
        if extra:
            tabs.append(("More", extra))
        self.tab_names = [name for name, _ in tabs]
        self.tabs = QTabBar()
        self.tabs.setExpanding(True)
        self.tabs.setDrawBase(False)
        self.tabs.setAccessibleName(tr("Groups of sliders"))
        for name in self.tab_names:
            self.tabs.addTab(tr(name))
        top = QHBoxLayout()  # the heading and the tabs share a line: the column is short
        top.setSpacing(round(10 * s))
        top.addWidget(self.head, 0)
        top.addWidget(self.tabs, 1, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(top)
        lay.addSpacing(round(4 * s))
        self.pages = _Pages()
        #: Widgets of each page whose being shown makes the page worth showing.
        self._content: list[list[QWidget]] = []
        self.tab_of: dict[str, int] = {}
        for i, (name, paths) in enumerate(tabs):
            page = QWidget()
            pl = QVBoxLayout(page)
            pl.setContentsMargins(0, 0, 0, 0)
            pl.setSpacing(0)
            content: list[QWidget] = []
            if name == "Treatment":  # surgery, and the switch above its two sliders
                top = QHBoxLayout()
                top.setContentsMargins(0, 0, 0, round(2 * s))
                top.setSpacing(round(12 * s))
                top.addWidget(self.surgery)
                top.addWidget(self.treatment, 1)
                pl.addLayout(top)
                content += [self.surgery, self.treatment]
            for path in paths:
                pl.addWidget(self.rows[path])
                content.append(self.rows[path])
                self.tab_of[path] = i
                if path == "antiangio.resistance_months":
                    # the effect in words beside its curve: one short line of the column
                    effect_row = QHBoxLayout()
                    effect_row.setSpacing(round(8 * s))
                    effect_row.setContentsMargins(0, 0, 0, round(2 * s))
                    effect_row.addWidget(self.effect, 3)
                    effect_row.addWidget(self.curve, 2)
                    pl.addLayout(effect_row)
            pl.addStretch(1)
            self.pages.add(page)
            self._content.append(content)
        if "Treatment" not in self.tab_names:  # the surgery button and the switch always have a place
            for w in (self.treatment, self.surgery):
                self.pages.pages[0].layout().insertWidget(0, w)
                self._content[0].append(w)
        lay.addWidget(self.pages)
        lay.addStretch(1)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.set_tabbed(True)

    # --- tabs -------------------------------------------------------------------------------------
    def set_tabbed(self, tabbed: bool) -> None:
        """Tabs (one group at a time) or, for a few controls, every shown group one under the other."""
        self.pages.tabbed = tabbed
        policy = self.curve.sizePolicy()
        policy.setRetainSizeWhenHidden(tabbed)  # the treatment tab keeps room for its curve
        self.curve.setSizePolicy(policy)
        self.sync_tabs()

    @property
    def tabbed(self) -> bool:
        return self.pages.tabbed

    def sync_tabs(self) -> None:
        """Show the pages (and tabs) that have a shown control, after controls were hidden or shown."""
        current = self.tabs.currentIndex()
        for i, page in enumerate(self.pages.pages):
            empty = all(w.isHidden() for w in self._content[i])
            page.setProperty("empty", empty)
            self.tabs.setTabVisible(i, not empty)
        if not self.tabs.isTabVisible(current):
            current = next((i for i in range(self.tabs.count()) if self.tabs.isTabVisible(i)), 0)
            self.tabs.setCurrentIndex(current)
        self.tabs.setVisible(self.tabbed)
        self._show_pages()

    def _show_pages(self) -> None:
        current = self.tabs.currentIndex()
        for i, page in enumerate(self.pages.pages):
            page.setVisible(not page.property("empty") and (not self.tabbed or i == current))
        self.pages.updateGeometry()
        self.pages.refresh()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def current_tab(self) -> int:
        return self.tabs.currentIndex()

    def _on_tabs_current_changed(self, index: int) -> None:
        self._show_pages()

    def retranslate(self) -> None:
        for i, name in enumerate(self.tab_names):
            self.tabs.setTabText(i, tr(name))
        self.tabs.setAccessibleName(tr("Groups of sliders"))
        self.head.setText(tr("What if…? (changes act at once)"))
        self.curve.setLabel("bottom", tr("days of treatment"))
        self.surgery.setText(tr("Remove the primary (surgery)"))
        self.surgery.setAccessibleName(tr("Remove the primary tumour now"))
        self.surgery.setToolTip(tr("Surgery: the tumour stops shedding; cells that already left stay in the body."))
        for row in self.rows.values():
            row._show()
            row._tip()
        self.pages.refresh()

    def _on_row_value_edited(self, path: str, value: float) -> None:
        self.parameter_edited.emit(path, value)

    def _on_treatment_toggled(self, on: bool) -> None:
        strength = self.rows["antiangio.strength"].value if "antiangio.strength" in self.rows else 1.0
        self.treatment_toggled.emit(on, strength if strength > 0 else self._last_strength)

    def set_value(self, path: str, value: float) -> None:
        row = self.rows.get(path)
        if row is not None:
            row.set_value(value)
        if path == "antiangio.strength":
            if value > 0:
                self._last_strength = value
            self.treatment.blockSignals(True)
            self.treatment.setChecked(value > 0)
            self.treatment.blockSignals(False)

    def show_surgery(self, primary_present: bool) -> None:
        """The surgery button works once: after that it says the primary is gone."""
        self.surgery.setEnabled(primary_present)
        self.surgery.setText(tr("Remove the primary (surgery)") if primary_present else tr("Primary removed"))

    def show_treatment(self, t_days: float, start_day: float, multiplier: float, curve) -> None:
        """Live read-out of the anti-angiogenic effect (``curve`` = (days, effect %) or None)."""
        on = self.treatment.isChecked()
        self.curve.setVisible(on and curve is not None)
        self._show_effect(on, t_days, start_day, multiplier, curve)
        self.pages.refresh()

    def _show_effect(self, on: bool, t_days: float, start_day: float, multiplier: float, curve) -> None:
        if not on:
            self.effect.setText(tr("Treatment off: tumours recruit blood vessels freely."))
            return
        effect = 100.0 * (1.0 - multiplier)
        since = max(0.0, t_days - start_day)
        self.effect.setText(
            tr(
                "Effect now: tumour growth slowed by {pct} % after {n} days; it fades as drug-adapted cells take over.",
                pct=num(effect),
                n=num(since),
            )
        )
        if curve is not None:
            days, pct = curve
            self._curve.setData(days, pct)
            self._now.setData([since], [effect])
            self.curve.setXRange(0, float(np.max(days)), padding=0.02)
