"""Translates the ordinary window's fixed texts (control labels, slider titles, headings, cancer
types, play/pause, the map legend's labels) for kiosk mode. Texts the window rewrites every frame
(clock, staging, values, narrator captions, the legend's sample note) stay English.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

from . import i18n
from .i18n import tr


class WindowText:
    """Remembers each fixed English text once, so switching language back and forth is lossless."""

    def __init__(self, win, skip: tuple[QWidget, ...]):
        self.win = win
        known = set()
        for lang in i18n.LANGUAGES:
            known |= set(i18n.table(lang))
        self.texts: list[tuple[QWidget, str]] = []
        self.names: list[tuple[QWidget, str]] = []
        for w in win.findChildren(QWidget):
            if any(s is w or s.isAncestorOf(w) for s in skip) or w is win.playback.play:
                continue
            if isinstance(w, (QLabel, QAbstractButton)) and w.text() in known:
                self.texts.append((w, w.text()))
            if w.accessibleName() in known:
                self.names.append((w, w.accessibleName()))
        combo: QComboBox = win.top.scenario
        self.items = [(i, combo.itemText(i)) for i in range(combo.count())]
        win.body.legend.translate = tr
        win.controller.playing_changed.connect(self._on_controller_playing_changed)

    def retranslate(self) -> None:
        for w, en in self.texts:
            w.setText(tr(en))
        for w, en in self.names:
            w.setAccessibleName(tr(en))
        for i, en in self.items:
            self.win.top.scenario.setItemText(i, tr(en))
        self._on_controller_playing_changed(self.win.controller.playing)
        self.win.body.legend.update()

    def _on_controller_playing_changed(self, playing: bool) -> None:
        # Runs after the window's own slot (connected later), so this text wins.
        self.win.playback.play.setText("❚❚  " + tr("Pause") if playing else "▶  " + tr("Play"))
