"""Translates the ordinary window's fixed texts (control labels, slider titles, headings, cancer
types, play/pause, the map legend's labels) for kiosk mode, then asks the window to re-render its
live texts (clock, staging, values, narrator captions, the legend's sample note, the organ card).
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

from desktop.core import i18n
from desktop.core.i18n import tr


class WindowText:
    """Remembers each fixed English text once, so switching language back and forth is lossless."""

    def __init__(self, win, skip: tuple[QWidget, ...]):
        self.win = win
        known = set()
        english: dict[str, str] = {}  # a text shown in any language -> its English source
        for lang in i18n.LANGUAGES:
            known |= set(i18n.table(lang))
            english.update({v: k for k, v in i18n.table(lang).items()})
        english.update({k: k for k in known})
        self.texts: list[tuple[QWidget, str]] = []
        self.names: list[tuple[QWidget, str]] = []
        for w in win.findChildren(QWidget):
            if any(s is w or s.isAncestorOf(w) for s in skip) or w is win.playback.play:
                continue
            if isinstance(w, (QLabel, QAbstractButton)) and w.text() in english:
                self.texts.append((w, english[w.text()]))
            if w.accessibleName() in english:
                self.names.append((w, english[w.accessibleName()]))
        combo: QComboBox = win.top.scenario
        self.items = [(i, english.get(combo.itemText(i), combo.itemText(i))) for i in range(combo.count())]
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
        self.win.retranslate()

    def _on_controller_playing_changed(self, playing: bool) -> None:
        # Runs after the window's own slot (connected later), so this text wins.
        self.win.playback.play.setText("❚❚  " + tr("Pause") if playing else "▶  " + tr("Play"))
