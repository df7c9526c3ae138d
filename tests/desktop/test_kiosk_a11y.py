"""Kiosk accessibility and languages, offscreen: touch targets, contrast, accessible names,
keyboard, pause and reduce motion, Spanish and the reset to English."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QScrollBar, QSlider

from desktop.core import i18n
from desktop.kiosk import a11y
from desktop.kiosk.quiz_model import CARDS, ORDER
from tests.desktop.conftest import run_frames


# --- accessibility --------------------------------------------------------------------------------
def _screens(shell):
    """Show each kiosk screen in turn and yield its name."""
    shell.idle.poke()
    yield "explore"
    shell.win._on_body_organ_clicked("organ:liver")
    shell.win.card.replay.show()
    assert shell.win.card.isVisible() and shell.win.card.close_button.isVisible()
    yield "organ card"
    shell.win.close_card()
    shell.show_quiz()
    yield "quiz"
    shell.show_explore()
    shell.toggle_keys()
    yield "keys"
    shell.toggle_keys()
    shell.countdown.popup()
    yield "countdown"
    shell.countdown.hide()
    shell.open_pinpad()
    yield "pinpad"
    shell.pinpad.hide()


@pytest.mark.parametrize("level", ["kiosk", "lab"])
def test_every_touch_target_is_at_least_44_px(level, request):
    shell = request.getfixturevalue(level)
    assert shell.target_px >= 44
    for screen in _screens(shell):
        QApplication.processEvents()
        small = [
            (screen, type(w).__name__, w.accessibleName(), w.width(), w.height())
            for w in a11y.interactive_widgets(shell.win)
            if w.isVisible() and min(w.width(), w.height()) < shell.target_px
        ]
        assert small == []


def test_target_size_follows_the_screen_in_millimetres():
    # A 43" 1080p panel is ~950 mm wide: 11 mm is ~22 px, so 44 px wins; a 13" 4K panel is the reverse.
    assert a11y.min_target_px(44, 11.0, 1920, 950.0) == 44
    assert a11y.min_target_px(44, 11.0, 3840, 294.0) == 144


def test_theme_contrast_ratios_meet_the_kiosk_numbers():
    assert a11y.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert a11y.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    for fg, bg, what in a11y.BODY_TEXT_PAIRS:
        assert a11y.contrast(fg, bg) >= 7.0, what
    for fg, bg, what in a11y.TEXT_PAIRS:
        assert a11y.contrast(fg, bg) >= 4.5, what
    for fg, bg, what in a11y.GRAPHIC_PAIRS:
        assert a11y.contrast(fg, bg) >= 3.0, what


def _name(w):
    iface = QAccessible.queryAccessibleInterface(w)
    return iface.text(QAccessible.Text.Name) if iface else ""


@pytest.mark.parametrize("level", ["kiosk", "lab"])
def test_every_control_has_an_accessible_name_and_takes_focus(level, request):
    shell = request.getfixturevalue(level)
    for screen in _screens(shell):
        for w in a11y.interactive_widgets(shell.win):
            assert _name(w).strip(), (screen, type(w).__name__, getattr(w, "text", lambda: "")())
            if not isinstance(w, QScrollBar):
                assert w.focusPolicy() & Qt.FocusPolicy.TabFocus, (screen, _name(w))
    for row in shell.win.params.rows.values():  # value text with units
        assert row.value_label.text() in row.slider.accessibleDescription()
    assert isinstance(shell.win.params.rows["transit.attrition"].slider, QSlider)


def test_keyboard_reaches_the_quiz_and_the_shortcuts_overlay(kiosk, qtbot):
    kiosk.idle.poke()
    qtbot.keyClick(kiosk.win, Qt.Key.Key_Q)
    assert kiosk.stack.currentIndex() == 1
    qtbot.keyClick(kiosk.win, Qt.Key.Key_E)
    assert kiosk.stack.currentIndex() == 0
    qtbot.keyClick(kiosk.win, "?")
    assert kiosk.keys.isVisible()


def test_pause_stops_the_model_and_reduce_motion_keeps_the_attract_loop_still(kiosk, clock, qtbot, qapp):
    c = kiosk.controller
    kiosk.idle.poke()
    assert c.playing
    run_frames(qapp, c, 30)  # cells move, effects start
    qtbot.mouseClick(kiosk.win.playback.play, Qt.MouseButton.LeftButton)
    assert not c.playing and not c.runner._timer.isActive()
    body = kiosk.win.body
    assert not body._anim.isActive() and len(body.packets.effects) == 0 and len(body.lesions.effects) == 0
    t = c.engine.t_days
    qtbot.wait(100)  # several frames of the real 60 Hz timer
    assert c.engine.t_days == t
    kiosk.motion_button.click()
    assert kiosk.reduce_motion
    kiosk.attract.start()
    kiosk.idle.enter_attract()
    kiosk.tick()
    assert not c.playing


# --- languages ------------------------------------------------------------------------------------
def test_language_button_switches_to_spanish_and_reset_restores_english(kiosk, clock):
    kiosk.idle.poke()
    assert kiosk.lang_button.text() == "Español"
    kiosk.lang_button.click()
    assert i18n.language() == "es"
    assert kiosk.quiz_button.text() == "Juego: Conoce el recorrido"
    assert kiosk.quiz.check_button.text() == "Comprobar"
    assert kiosk.lang_button.text() == "English"
    w = kiosk.win  # the window's own controls follow
    assert w.playback.reset.text() == "⟲  Reiniciar todo" and w.top.scenario.currentText() == "Carcinoma de mama"
    assert w.body.legend.translate("Vessels") == "Vasos"
    assert w.playback.play.text().endswith("Pausa") and w.params.rows["transit.attrition"].title.text() == "Pérdidas"
    clock.advance(kiosk.config.idle_timeout_s + kiosk.config.countdown_s + 2)
    kiosk.tick()
    clock.advance(kiosk.config.countdown_s + 1)
    kiosk.tick()
    assert i18n.language() == "en" and kiosk.quiz_button.text() == "Know the Flow quiz"
    assert w.playback.reset.text() == "⟲  Reset all" and w.params.rows["transit.attrition"].title.text() == "Attrition"


def test_spanish_table_parses_strictly():
    import msgspec

    from desktop.core.assets import asset_path

    table = msgspec.toml.decode(asset_path("i18n/es.toml").read_bytes(), type=dict[str, str])
    assert len(table) > 100 and i18n.table("es") == table


def test_every_kiosk_string_has_a_spanish_entry(kiosk, clock):
    i18n.seen.clear()
    kiosk.set_language("es")
    for _ in range(70):
        clock.advance(1.0)
        kiosk.tick()
    for key in ORDER:
        kiosk.quiz.place(key)
    kiosk.quiz.check()
    kiosk.quiz.reset()
    for key in ("apoptosis", "mmp", "ecm", "immune", "extravasation"):
        kiosk.quiz.place(key)
    kiosk.quiz.check()
    kiosk.countdown.show_seconds(20)
    kiosk.pinpad.set_message(i18n.tr("Wrong PIN"))
    for card in CARDS:
        i18n.tr(card.text), i18n.tr(card.explanation)
    missing = sorted(s for s in i18n.seen if s not in i18n.table("es"))
    assert missing == []
    assert len(i18n.seen) > 50
