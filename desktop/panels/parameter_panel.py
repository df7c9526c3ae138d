"""ParameterPanel: one slider per path in ``sim_core.SLIDERS``, built from its ``ParamSpec``
(label, unit, range, log scale, doc). Each slider also has − / + buttons, answers the arrow
keys, and carries an accessible name and a value text. Anti-angiogenic treatment gets an on/off
switch and a live read-out of how much of its effect is left as resistance grows.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from sim_core import BY_PATH, SLIDERS, ParamSpec

from .. import theme
from ..kiosk.i18n import num, sci, sig, tr

STEPS = 1000
BUTTON_STEP = 25
_UNITS = {"x": "×", "1": "", "1/year": "per year", "1/day": "per day", "1/h": "per hour",
          "cells/g/day": "cells per g per day", "months": "months", "days": "days", "cells": "cells"}


def unit_text(spec: ParamSpec) -> str:
    return _UNITS.get(spec.unit, spec.unit)


def value_text(spec: ParamSpec, v: float) -> str:
    """'2.5 ×', '11 months', '1.50e-3 per year', '236,000 cells per g per day', '3 %' (in the
    language's number format)."""
    u = unit_text(spec)
    u = tr(u) if u not in ("", "×") else u
    if spec.unit == "1" and spec.hi <= 1.0:
        return f"{sig(100 * v, 3)} %"
    if v != 0 and (abs(v) < 0.01 or abs(v) >= 1e9):   # grouped digits read better up to billions
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
        self._tip()
        self.title.setObjectName("")
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setFixedWidth(round(165 * sizes.scale))
        self.title.setWordWrap(True)
        self.value_label.setFixedWidth(round(118 * sizes.scale))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, round(3 * sizes.scale), 0, round(3 * sizes.scale))
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
        tip = tr(spec.doc) + "\n" + tr("Range {lo} to {hi}. Source: {cite}.", lo=value_text(spec, spec.lo),
                                          hi=value_text(spec, spec.hi), cite=spec.source)
        for w in (self.title, self.slider, self.value_label):
            w.setToolTip(tip)

    def _on_slider_value_changed(self, pos: int) -> None:
        v = self.map.value(pos)
        self.value = v
        self._show()
        self.value_edited.emit(self.spec.path, v)


class ParameterPanel(QWidget):
    """Emits ``parameter_edited(path, value)`` and ``treatment_toggled(on, strength)``."""

    parameter_edited = Signal(str, float)
    treatment_toggled = Signal(bool, float)
    surgery_requested = Signal()

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.sizes = sizes
        self.rows: dict[str, SliderRow] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(round(10 * sizes.scale), round(6 * sizes.scale), round(10 * sizes.scale), 0)
        lay.setSpacing(0)
        head = QLabel(tr("What if…? (changes act at once)"))
        head.setObjectName("heading")
        lay.addWidget(head)
        self.surgery = QPushButton(tr("Remove the primary (surgery)"))
        self.surgery.setAccessibleName(tr("Remove the primary tumour now"))
        self.surgery.setToolTip(tr("Surgery: the tumour stops shedding; cells that already left stay in the body."))
        self.surgery.clicked.connect(self.surgery_requested)
        lay.addWidget(self.surgery)
        self.treatment = QCheckBox(tr("Anti-angiogenic treatment"))
        self.treatment.setAccessibleName(tr("Anti-angiogenic treatment on or off"))
        self.treatment.toggled.connect(self._on_treatment_toggled)
        self.effect = QLabel("")
        self.effect.setObjectName("dim")
        self.effect.setWordWrap(True)
        self.curve = pg.PlotWidget(background=theme.PANEL)
        self.curve.setFixedHeight(round(70 * sizes.scale))
        self.curve.setMouseEnabled(False, False)
        self.curve.hideButtons()
        self.curve.setYRange(0, 100, padding=0.05)
        self.curve.getAxis("left").setWidth(round(34 * sizes.scale))
        self.curve.setLabel("bottom", tr("days of treatment"))
        self._curve = self.curve.plot(pen=pg.mkPen(theme.SKY, width=2))
        self._now = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(theme.ACCENT), pen=None)
        self.curve.addItem(self._now)
        self.curve.setVisible(False)
        self._last_strength = 1.0
        for path in SLIDERS:
            spec = BY_PATH[path]
            row = SliderRow(spec, sizes)
            row.value_edited.connect(self._on_row_value_edited)
            if path == "antiangio.strength":
                lay.addSpacing(round(6 * sizes.scale))
                lay.addWidget(self.treatment)
            lay.addWidget(row)
            if path == "antiangio.resistance_months":
                lay.addWidget(self.effect)
                lay.addWidget(self.curve)
            self.rows[path] = row
        lay.addStretch(1)

    def retranslate(self) -> None:
        self.curve.setLabel("bottom", tr("days of treatment"))
        self.surgery.setText(tr("Remove the primary (surgery)"))
        self.surgery.setAccessibleName(tr("Remove the primary tumour now"))
        self.surgery.setToolTip(tr("Surgery: the tumour stops shedding; cells that already left stay in the body."))
        for row in self.rows.values():
            row._show()
            row._tip()

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
        if not on:
            self.effect.setText(tr("Treatment off: tumours recruit blood vessels freely."))
            return
        effect = 100.0 * (1.0 - multiplier)
        since = max(0.0, t_days - start_day)
        self.effect.setText(tr("Effect now: tumour growth slowed by {pct} % after {n} days; "
                               "it fades as drug-adapted cells take over.", pct=num(effect), n=num(since)))
        if curve is not None:
            days, pct = curve
            self._curve.setData(days, pct)
            self._now.setData([since], [effect])
            self.curve.setXRange(0, float(np.max(days)), padding=0.02)
