"""The whole window in Spanish, desktop mode and kiosk Lab level: every visible text (labels,
buttons, the caption strip, the legend, the funnel's axis, the organ card) goes through ``tr()``,
every template has a Spanish entry with the same ``{fields}``, and English comes back unchanged."""

import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from desktop.core import i18n
from desktop.core.speeds import SPEEDS
from desktop.kiosk.window_text import WindowText
from tests.desktop.conftest import SIZE, run_frames
from tests.desktop.test_kiosk_support import _kiosk

#: Texts that need no translation: numbers, units, symbols, stage labels (N0, M1), the title.
_UNIT = re.compile(r"\b(s|min|h|mm|cm|µm|N\d|M\d|\d+(\.\d+)?e[+-]?\d+)\b")
_SYMBOLS = set(" \n0123456789.,:;%×·/()+-−–✕›▶|❚⟲✦?")
PROPER = {"Seed & Soil"}


class _Neutral:
    @staticmethod
    def match(text: str) -> bool:
        return set(_UNIT.sub("", text)) <= _SYMBOLS


NEUTRAL = _Neutral()


def _visible_texts(win) -> list[tuple[str, str]]:
    """(where, text) for every visible text of the window, in a stable order."""
    QApplication.processEvents()
    out = []
    for w in win.findChildren(QWidget):
        if not isinstance(w, (QLabel, QAbstractButton)):
            continue
        if w.isVisible() and w.text().strip():
            out.append((f"{type(w).__name__}:{w.objectName()}", w.text()))
    out.append(("caption", win.caption.text.text()))
    out += [("legend", t) for t in win.body.legend.texts()]
    out += [("funnel axis", t) for t in win.funnel.tick_labels()]
    out += [("scenario", win.top.scenario.currentText()), ("scan size", win.top.size.suffix())]
    return out


def _run_story(qapp, win):
    c = win.controller
    c.play()
    run_frames(qapp, c, 20)
    assert c.release_cluster() >= 0
    run_frames(qapp, c, 200)
    c.set_speed(len(SPEEDS) - 2)  # then months per second: lesions, staging, summaries
    run_frames(qapp, c, 60)
    c.pause()
    win.refresh_all()
    win._on_body_organ_clicked("organ:lungs")  # tap an organ: the card opens
    assert win.card.isVisible()


def _assert_translated(es, en):
    assert len(es) == len(en)
    values = set(i18n.table("es").values())
    bad = [
        (where, t_es)
        for (where, t_es), (_, t_en) in zip(es, en, strict=True)
        if t_es == t_en and not NEUTRAL.match(t_es) and t_es not in PROPER and t_es not in values
    ]
    assert bad == []
    assert sum(t_es != t_en for (_, t_es), (_, t_en) in zip(es, en, strict=True)) > 40


def _assert_templates_have_spanish():
    table = i18n.table("es")
    missing = sorted(s for s in i18n.seen if s not in table and not NEUTRAL.match(s) and s not in PROPER)
    assert missing == []
    fields = [(s, i18n.template_fields(s), i18n.template_fields(table[s])) for s in i18n.seen if s in table]
    assert [x for x in fields if x[1] != x[2]] == []


def test_desktop_window_in_spanish(qtbot, qapp, controller, sizes):
    from desktop.window.main_window import MainWindow

    i18n.seen.clear()
    i18n.set_language("es")
    try:
        win = MainWindow(controller, sizes)
        win.resize(*SIZE)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        controller.publish()
        _run_story(qapp, win)
        words = WindowText(win, ())
        es = _visible_texts(win)
        assert "Día" in win.top.clock.text() and win.card.replay.text() != "Replay the founder's journey"
        i18n.set_language("en")
        words.retranslate()
        en = _visible_texts(win)
        _assert_translated(es, en)
        assert win.top.clock.text().startswith("Day ") and win.caption.steps["shed"].text() == "1  Shedding"
        i18n.set_language("es")
        words.retranslate()
        assert _visible_texts(win) == es  # switching is lossless both ways
        _assert_templates_have_spanish()
    finally:
        i18n.set_language("en")
        controller.pause()


def test_kiosk_lab_in_spanish_and_back_to_english(qtbot, qapp, controller, sizes, clock):  # noqa: F811
    i18n.seen.clear()
    shell = _kiosk(qtbot, controller, sizes, clock, level="lab", language="es")
    try:
        shell.idle.poke()
        shell.show_explore()
        win = shell.win
        assert i18n.language() == "es"
        _run_story(qapp, win)
        es = _visible_texts(win)
        shell.set_language("en")
        en = _visible_texts(win)
        _assert_translated(es, en)
        assert win.playback.reset.text() == "⟲  Reset all" and win.funnel.tick_labels()[0] == "shed"
        assert not any("Día" in t for _, t in en)
        shell.set_language("es")
        assert _visible_texts(win) == es
        _assert_templates_have_spanish()
    finally:
        shell.uninstall()
        controller.pause()
        shell.win.close()
        i18n.set_language("en")


@pytest.mark.parametrize("lang", ["es"])
def test_every_place_name_and_fixed_label_has_a_spanish_entry(lang):
    """Names the story can reach but one run may not: every compartment, route, unit, speed, funnel row."""
    from desktop.core.narrator import STEP_LABELS, place_names
    from desktop.core.speeds import SPEEDS
    from desktop.window import theme
    from desktop.window.panels.funnel_panel import ROWS
    from desktop.window.panels.parameter_panel import _UNITS
    from desktop.window.panels.plots_panel import GROUP_COLORS
    from sim_core import default_graph

    table = i18n.table(lang)
    graph = default_graph()
    wanted = set(place_names(graph)) | set(theme.ROUTE_WORDS) | set(theme.VESSEL_LABELS)
    wanted |= {f"{i + 1}  {label}" for i, label in enumerate(STEP_LABELS)}
    wanted |= {label for label, _, _ in ROWS} | {u for u in _UNITS.values() if u and u != "×"}
    wanted |= set(GROUP_COLORS) | {s.label for s in SPEEDS if not NEUTRAL.match(s.label)}
    tumours = "breast colon rectal lung skin prostate pancreas stomach ovary kidney thigh uterine cervical oesophageal"
    wanted |= {f"the {n} tumour" for n in tumours.split()}
    assert sorted(w for w in wanted if w not in table) == []


def test_numbers_follow_the_language():
    """Counts, sizes and values in sentences take the language's digit groups and decimal mark
    (Qt's QLocale): Spanish '12.400 células', '3,4 millones', '1240' (four digits stay ungrouped);
    before, Spanish texts printed English numbers ('1,240 células', '3.4 millones')."""
    from desktop.core.narrator import count_text
    from desktop.core.speeds import duration_text
    from desktop.window.panels.organ_panel import size_text
    from desktop.window.panels.parameter_panel import value_text
    from sim_core import BY_PATH

    rate = BY_PATH["shedding.rate_per_g_day"]
    try:
        i18n.set_language("es")
        assert count_text(12_400) == "12.400" and count_text(1_240) == "1240"
        assert count_text(3.4e6) == "3,4 millones"
        assert size_text(2.5) == "2,5 mm"
        assert value_text(rate, 9640.0).startswith("9640 ") and value_text(rate, 2.5).startswith("2,5 ")
        assert value_text(rate, 2.36e5).startswith("236.000 ")  # not '2,36e+5' on a kiosk slider
        assert i18n.sci(0.0015) == "1,50e-3"
        got_es = duration_text(3 * 365.25 * 86400.0)
        i18n.set_language("en")
        assert count_text(12_400) == "12,400" and count_text(1_240) == "1,240"
        assert count_text(3.4e6) == "3.4 million"
        assert size_text(2.5) == "2.5 mm"
        assert value_text(rate, 9640.0).startswith("9,640 ") and value_text(rate, 2.36e5).startswith("236,000 ")
        got_en = duration_text(3 * 365.25 * 86400.0)
        print("three years:", got_en, "|", got_es)
        assert "3.0" in got_en and "3,0" in got_es
    finally:
        i18n.set_language("en")


def test_the_scenario_box_holds_a_spanish_title_with_wide_letters(qtbot, sizes):
    """Qt sizes the box in widths of an 'x'; 'Carcinoma de mama' (17 letters, several wide) was cut
    in the Spanish kiosk when the box got 17 of them. It must hold the whole shown title."""
    from desktop.window.panels.top_bar import TopBar

    try:
        i18n.set_language("es")
        bar = TopBar(sizes)
        qtbot.addWidget(bar)
        bar.set_scenario("breast")
        box = bar.scenario
        fm = box.fontMetrics()
        assert box.currentText() == "Carcinoma de mama"
        room = box.minimumContentsLength() * fm.horizontalAdvance("x")
        print("room", room, "title", fm.horizontalAdvance(box.currentText()))
        assert room >= fm.horizontalAdvance(box.currentText())
    finally:
        i18n.set_language("en")
