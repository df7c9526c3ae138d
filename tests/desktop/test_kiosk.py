"""Kiosk mode, offscreen, on a hand-moved clock: lock-down, idle countdown and reset, attract
loop, quiz, staff exit, watchdog, touch."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCloseEvent, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

from desktop.core import i18n
from desktop.kiosk.attract import RELEASE_STEP, STORY
from desktop.kiosk.quiz_model import ORDER
from desktop.window.views import microscope
from tests.desktop.conftest import run_frames
from tests.desktop.test_kiosk_support import PIN, make_config


# --- lock-down ------------------------------------------------------------------------------------
def test_close_attempts_leave_the_window_up(kiosk, qtbot):
    win = kiosk.win
    assert not win.close()
    ev = QCloseEvent()
    QApplication.sendEvent(win, ev)
    assert not ev.isAccepted()
    win.windowHandle().close()
    for key, mod in (
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    ):
        qtbot.keyClick(win, key, mod)
    QApplication.processEvents()
    assert win.isVisible()
    assert kiosk.lockdown.refused >= 6
    assert bool(win.windowFlags() & Qt.WindowType.FramelessWindowHint)
    assert QApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor


def _popups():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, (QMenu, QFileDialog)) and w.isVisible()]


def test_no_context_menu_and_no_file_dialog_is_reachable(lab, qtbot):
    win = lab.win
    views = win.findChildren(pg.GraphicsView)
    assert views, "the map and plots are pyqtgraph views"
    for v in views:
        assert v.scene().contextMenu == []  # no "Export…"
        for item in v.scene().items():
            if isinstance(item, pg.ViewBox):
                assert not item.menuEnabled()
    for w in win.findChildren(type(win.centralWidget())):
        assert w.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
        if w.isVisible():
            QApplication.sendEvent(
                w, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), w.mapToGlobal(QPoint(5, 5)))
            )
    for v in views:
        if v.isVisible():
            c = v.viewport().rect().center()
            qtbot.mouseClick(v.viewport(), Qt.MouseButton.RightButton, pos=c)
    QApplication.processEvents()
    assert _popups() == []
    # Belt and braces: a file dialog that something opened anyway is closed at once.
    dlg = QFileDialog()
    dlg.show()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=1000)


# --- idle countdown, extension, reset -------------------------------------------------------------
def test_idle_countdown_extension_and_reset_to_the_start_state(kiosk, clock, qapp):
    start, start_state = kiosk.state_hash(), kiosk.state()
    assert kiosk.idle.state == "attract" and kiosk.attract_overlay.isVisible()
    # nobody watching: calm pacing (coarser frames, a slower microscope)
    assert kiosk.win.body.calm and kiosk.win.microscope.view.share == microscope.CALM_SHARE
    kiosk.idle.poke()  # a visitor arrives
    assert kiosk.idle.state == "active" and not kiosk.attract_overlay.isVisible()
    assert not kiosk.win.body.calm and kiosk.win.microscope.view.share == microscope.MAX_SHARE
    c = kiosk.controller
    c.set_parameter("transit.attrition", 3.0)
    c.set_speed(5)
    c.set_scenario("lung")
    run_frames(qapp, c, 20)
    kiosk.set_language("es")
    kiosk.show_quiz()
    kiosk.quiz.place("mmp")
    assert kiosk.state_hash() != start
    clock.advance(kiosk.config.idle_timeout_s - 1)
    kiosk.tick()
    assert kiosk.idle.state == "active" and not kiosk.countdown.isVisible()
    clock.advance(1.5)
    kiosk.tick()
    assert kiosk.countdown.isVisible()
    assert kiosk.idle.seconds_left() >= 20 and "30" in kiosk.countdown.seconds.text()
    clock.advance(12)
    kiosk.tick()
    assert kiosk.countdown.left == 18
    kiosk.countdown.button.click()  # one tap extends
    assert kiosk.idle.state == "active" and not kiosk.countdown.isVisible()
    clock.advance(kiosk.config.idle_timeout_s + 0.5)
    kiosk.tick()
    assert kiosk.countdown.isVisible()
    clock.advance(kiosk.config.countdown_s + 0.5)
    kiosk.tick()
    assert not kiosk.countdown.isVisible()
    after = kiosk.state()
    assert {k: v for k, v in after.items() if v != start_state[k]} == {}
    assert kiosk.state_hash() == start
    assert i18n.language() == "en" and kiosk.stack.currentIndex() == 0
    assert kiosk.attract.running and kiosk.attract_overlay.isVisible()
    kiosk.tick()  # the attract loop resumes its journey
    assert c.playing


def test_attract_loop_tells_the_journey_then_invites(kiosk, clock):
    seen, followed = [], []
    kiosk.attract.step_changed.connect(lambda i, n, text: seen.append(text))
    kiosk.controller.follow_changed.connect(
        lambda pid: followed.append((kiosk.attract.index, pid)) if pid >= 0 else None
    )
    kiosk.attract.start()
    for _ in range(80):
        clock.advance(1.0)
        kiosk.tick()
    assert [s for s, _ in STORY][: len(STORY)] == seen[: len(STORY)]
    assert "MMP" in seen[0] and "metastasis" in seen[len(STORY) - 1]
    assert followed and followed[0][0] == RELEASE_STEP  # the live model releases its cluster
    assert kiosk.controller.playing
    assert kiosk.attract_overlay.invite.text() == "Touch to explore"
    assert min(d for _, d in STORY) >= 1 / 3  # no caption changes > 3 times a second


# --- quiz -----------------------------------------------------------------------------------------
def test_quiz_right_order_by_tapping(kiosk, qtbot):
    kiosk.quiz_button.click()
    q = kiosk.quiz
    assert kiosk.stack.currentWidget() is q
    assert not q.check_button.isEnabled()
    for key in ORDER:
        qtbot.mouseClick(q.cards[key], Qt.MouseButton.LeftButton)
    assert q.model.slots == list(ORDER) and q.check_button.isEnabled()
    assert not q.cards["apoptosis"].isHidden() and q.cards["apoptosis"].isEnabled()
    qtbot.mouseClick(q.check_button, Qt.MouseButton.LeftButton)
    assert q.result == [True] * 5
    assert all(m.text().startswith("✓") for m in q.marks)  # a symbol and a word, not colour alone
    assert all(n.text() for n in q.notes)  # each step explained
    assert "right order" in q.verdict.text()
    qtbot.mouseClick(q.reset_button, Qt.MouseButton.LeftButton)
    assert q.model.slots == [None] * 5 and q.result is None


def test_quiz_wrong_order_is_marked_and_can_be_fixed(kiosk, qtbot):
    q = kiosk.quiz
    kiosk.show_quiz()
    for key in ("apoptosis", "ecm", "mmp", "immune", "extravasation"):
        qtbot.mouseClick(q.cards[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(q.check_button, Qt.MouseButton.LeftButton)
    assert q.result == [False, True, False, True, True]
    assert q.marks[0].text().startswith("✗") and "Does not belong" in q.notes[0].text()
    assert "3 of 5" in q.verdict.text()
    qtbot.mouseClick(q.slots[0], Qt.MouseButton.LeftButton)  # tap a place to take the card back
    assert q.model.slots[0] is None and q.cards["apoptosis"].isEnabled()
    q.slots[0].dropped.emit(0, "mmp")  # what a drag onto place 1 does
    q.slots[2].dropped.emit(2, "intravasation")
    qtbot.mouseClick(q.check_button, Qt.MouseButton.LeftButton)
    assert q.model.solved()


# --- staff exit -----------------------------------------------------------------------------------
def test_staff_exit_needs_the_corner_gesture_and_the_pin_with_a_lockout(kiosk, clock, qtbot):
    exited = []
    kiosk.exited.connect(lambda: exited.append(1))
    kiosk.idle.poke()
    for _ in range(6):  # taps on a control never count
        qtbot.mouseClick(kiosk.explore_button, Qt.MouseButton.LeftButton)
    assert not kiosk.pinpad.isVisible()
    corner = kiosk.win.top.mapTo(kiosk.win, QPoint(4, 4))
    assert max(corner.x(), corner.y()) < 90 and kiosk.win.childAt(corner) is not None
    target = kiosk.win.childAt(corner)
    at = target.mapFrom(kiosk.win, corner)
    for _ in range(4):
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=at)
        clock.advance(0.3)
    assert not kiosk.pinpad.isVisible()
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=at)
    assert kiosk.pinpad.isVisible()
    clock.advance(25)  # left open: it closes itself
    kiosk.tick()
    assert not kiosk.pinpad.isVisible()
    for _ in range(5):
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=at)
    assert kiosk.pinpad.isVisible()
    for _ in range(5):
        kiosk.pinpad.entered.emit("0000")
    assert kiosk.guard.locked_for_s() == pytest.approx(60.0)
    kiosk.pinpad.entered.emit(PIN)  # right PIN, but locked out
    assert not exited and "Locked" in kiosk.pinpad.title.text()
    clock.advance(61)
    for digit in PIN:
        next(b for b in kiosk.pinpad.keys if b.property("key") == digit).click()
    assert kiosk.pinpad.dots.text() == "••••"
    next(b for b in kiosk.pinpad.keys if b.property("key") == "✓").click()
    assert exited and kiosk.lockdown.allow_close


def test_watchdog_pings_systemd_when_run_under_it(tmp_path, qapp):
    import socket

    from desktop.kiosk.watchdog import Watchdog, enable_crash_log

    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv:
        srv.bind(path)
        srv.settimeout(1.0)
        dog = Watchdog(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000000"})
        assert dog.interval_ms == 10_000
        dog.start()
        assert srv.recv(64) == b"READY=1" and srv.recv(64) == b"WATCHDOG=1"
        dog.timer.stop()
    assert not Watchdog(env={}).enabled
    import faulthandler
    import sys

    hook = sys.excepthook
    try:
        calls = []
        f = enable_crash_log(tmp_path / "logs", on_error=lambda: calls.append(1))
        sys.excepthook(ValueError, ValueError("boom"), None)
        assert calls == [1] and "boom" in (tmp_path / "logs" / "crash.log").read_text()
    finally:
        sys.excepthook = hook
        faulthandler.disable()
        f.close()


def test_a_finger_tap_places_a_quiz_card_and_counts_as_a_visitor(kiosk, qtbot):
    from PySide6.QtTest import QTest

    kiosk.show_quiz()
    kiosk.idle.enter_attract()
    dev = QTest.createTouchDevice()
    card = kiosk.quiz.cards["mmp"]
    centre = card.mapTo(kiosk.win, card.rect().center())
    QTest.touchEvent(kiosk.win, dev).press(0, centre).commit()
    QTest.touchEvent(kiosk.win, dev).release(0, centre).commit()
    QApplication.processEvents()
    assert kiosk.idle.state == "active"
    qtbot.waitUntil(lambda: kiosk.quiz.model.slots[0] == "mmp", timeout=1000)


# --- a steady map ---------------------------------------------------------------------------------
def test_the_map_keeps_its_size_and_its_drawing_across_visits_and_captions(kiosk, clock, qapp):
    """A visitor's arrival, the captions and an idle reset neither resize the map (a resize
    re-renders the vessels and the body art, ~11 ms and a visible jump) nor rebuild its drawing."""
    from desktop.core.narrator import Caption

    body = kiosk.win.body
    art_renderer, vessel_paths = body.art._shown_renderer, body.vessels._paths
    attract_size = body.size()
    assert not kiosk.win.caption.isVisible()
    kiosk.idle.poke()  # a visitor arrives: the caption shows
    qapp.processEvents()
    assert kiosk.win.caption.isVisible()
    assert body.size() == attract_size
    sizes = set()
    for text in ("Short.", "A much longer caption " * 12, "Short again."):
        kiosk.win.caption.show_caption(Caption.of(lambda t=text: t, "shed"))
        qapp.processEvents()
        sizes.add(body.size().toTuple())
    assert len(sizes) <= 2  # at most one growth, to the tallest caption; never back down
    kiosk.reset_to_start()
    qapp.processEvents()
    assert body.art._shown_renderer is art_renderer and body.vessels._paths is vessel_paths
    kiosk.controller.set_scenario("prostate")  # another primary: a new drawing
    assert body.vessels._paths is not vessel_paths


def test_the_story_card_keeps_clear_of_the_map_legend(kiosk, qapp):
    ov = kiosk.attract_overlay
    assert ov.isVisible()
    for text in ("Short.", "A much longer story caption that wraps over more than one line " * 3):
        ov.show_step(0, 8, text)
        qapp.processEvents()
        legend = kiosk._legend_rect()
        card = ov.geometry()  # the overlay is the card's rectangle
        assert ov.card.geometry() == ov.rect()
        assert legend is not None and not card.intersects(legend), (card, legend)
        assert ov.parentWidget().rect().contains(card)  # all of it on the screen
        assert card.height() >= ov.card.minimumSizeHint().height()


def test_a_touch_anywhere_in_the_attract_loop_wakes_and_presses_nothing(kiosk, qtbot, qapp):
    """The story card covers only itself (a see-through widget over the whole window made Qt
    repaint the live map under every microscope frame), yet the touch that wakes the exhibit still
    does nothing else: here, on the Play button under the loop."""
    ov = kiosk.attract_overlay
    assert kiosk.idle.state == "attract" and ov.isVisible()
    container = ov.parentWidget()
    assert ov.width() < container.width() and ov.height() < container.height() / 2
    pressed = []
    play = kiosk.win.playback.play
    play.clicked.connect(lambda *a: pressed.append(1))
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert kiosk.idle.state == "active" and not ov.isVisible()
    assert pressed == []  # woke, pressed nothing
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)  # awake: a press presses
    assert pressed == [1]


# --- the funnel at the Intro level ----------------------------------------------------------------
def test_intro_shows_the_funnel_tab_and_not_the_plots(kiosk, lab, qapp):
    """On a small screen the read-outs are tabs: Intro shows only the ones its config lists, with
    no tab bar for a single tab, leaves the sliders whole, and sets the funnel's type no taller
    than its rows are apart."""
    win = kiosk.win
    tabs, f = win.readouts, win.funnel
    qapp.processEvents()
    assert "funnel" in kiosk.config.controls and "plots" not in kiosk.config.controls
    assert tabs.isVisible() and tabs.isTabVisible(0) and not tabs.isTabVisible(1)
    assert not tabs.tabBar().isVisible()
    assert win.params_scroll.verticalScrollBar().maximum() == 0  # no slider hidden
    pitch = f.plot.height() / (len(f.texts) + 0.6)
    print(f"funnel rows {pitch:.1f} px apart, type {f.text_px} px (at most {f.max_text_px})")
    assert f.text_px <= 0.9 * pitch and f.text_px <= f.max_text_px
    assert lab.win.readouts.isTabVisible(0) and lab.win.readouts.isTabVisible(1)
    assert lab.win.readouts.tabBar().isVisible()


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 700)])
def test_intro_gives_the_funnel_the_spare_room_in_big_type(qtbot, controller, clock, qapp, size):
    """The funnel (most shed cells die: the exhibit's lesson) fills what the three Intro sliders
    leave of the column, in the controls' type where its rows have room for it and no taller than
    they are apart where they do not, and the sliders stay whole."""
    from PySide6.QtGui import QFontMetrics

    from desktop.kiosk.shell import KioskShell
    from desktop.window import theme
    from desktop.window.main_window import MainWindow

    sizes = theme.sizes_for_height(size[1])
    win = MainWindow(controller, sizes)
    win.resize(*size)
    qtbot.addWidget(win)
    shell = KioskShell(win, make_config(), clock=clock)
    shell.timer.stop()
    try:
        win.show()
        qtbot.waitExposed(win)
        run_frames(qapp, controller, 30)
        f = win.funnel
        column = win.right_column.geometry().height()
        pitch = f.plot.height() / (len(f.texts) + 0.6)
        print(
            f"{size}: funnel {f.height()} of a {column} px column; rows {pitch:.1f} px apart; type "
            f"{f.text_px} px (at most {f.max_text_px}); axis {f.axis.width()} px; sliders' scroll "
            f"range {win.params_scroll.verticalScrollBar().maximum()}"
        )
        assert f.isVisible() and f.max_text_px == sizes.medium
        assert f.text_px <= 0.9 * pitch or f.text_px == 9
        assert not f.plot.getPlotItem().getAxis("bottom").isVisible()
        assert win.params_scroll.verticalScrollBar().maximum() == 0  # no slider hidden
        if size == (1920, 1080):
            assert f.text_px == sizes.medium >= 16
            assert f.height() > 0.5 * column
        else:
            assert not win.readouts.tabBar().isVisible()
        for lang in ("en", "es"):
            shell.set_language(lang)
            qapp.processEvents()
            fm = QFontMetrics(theme.font(f.text_px))
            widest = max(fm.horizontalAdvance(label) for label in f.tick_labels())
            assert widest < f.axis.width(), (lang, widest, f.axis.width())
    finally:
        shell.uninstall()
        controller.pause()
        win.close()
        i18n.set_language("en")
