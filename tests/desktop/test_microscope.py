"""The microscope: a small animated drawing of the step the caption strip lights, its one-line
label, the still frame under reduce motion, and the same drawings on the quiz cards."""

import numpy as np
import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QIcon, QImage

from desktop.core import i18n
from desktop.core.i18n import tr
from desktop.core.narrator import STEPS, Caption
from desktop.kiosk.quiz_model import CARDS
from desktop.window.views import microscope as mic
from tests.desktop.conftest import run_frames

FULL_HD = (1920, 1080)


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    ptr = img.constBits()
    a = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    bgr = a[:, : img.width() * 4].reshape(img.height(), img.width(), 4)[..., :3]
    return bgr[..., ::-1].astype(int).copy()  # RGB


@pytest.fixture
def big_window(qtbot, controller):
    from desktop.window import theme
    from desktop.window.main_window import MainWindow

    theme.load_fonts()
    win = MainWindow(controller, theme.sizes_for_height(FULL_HD[1]))
    win.resize(*FULL_HD)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    controller.publish()
    yield win
    controller.pause()
    win.close()


def _figure_rect(body) -> QRect:
    fig = body.art.figure_rect
    a = body.mapFromScene(body.vb.mapViewToScene(fig.topLeft()))
    b = body.mapFromScene(body.vb.mapViewToScene(fig.bottomRight()))
    return QRect(a, b).normalized()


def test_the_microscope_shows_the_step_the_strip_lights(big_window, qapp):
    win = big_window
    panel = win.microscope
    for step in STEPS:
        win.controller.caption_changed.emit(Caption.of(lambda: tr("Caption"), step))
        qapp.processEvents()
        lit = [k for k, lab in win.caption.steps.items() if "font-weight: 600" in lab.styleSheet()]
        assert lit == [step]
        assert panel.drawing() == mic.STEP_DRAWING[step]
        assert panel.label.text() == mic.DRAWINGS[mic.STEP_DRAWING[step]].label
        # what the view paints is that drawing (a still frame, to compare pixel for pixel)
        panel.set_still(True)
        view = panel.view
        got = _pixels(view.grab().toImage())
        want = _pixels(
            mic.render(panel.drawing(), mic.DRAWINGS[panel.drawing()].still_t, view.size(), view.devicePixelRatioF())
        )
        assert got.shape == want.shape and np.abs(got - want).max() <= 2
        panel.set_still(False)


def test_the_microscope_follows_the_live_narrator(big_window, qapp, monkeypatch):
    import desktop.core.narrator as nar

    monkeypatch.setattr(nar, "HOLD_S", 0.0)  # a new caption every frame: many steps
    monkeypatch.setattr(nar, "HOLD_RARE_S", 0.0)
    from desktop.core.speeds import SPEEDS

    win, c = big_window, big_window.controller
    # frames come only from run_frames: the runner's own timer would add ticks of real elapsed
    # time between them, so under load (the full suite) the steps seen depended on the machine
    c.runner.manual = True
    c.play()
    seen = set()
    for phase in range(2):
        if phase:  # years per second: dormancy, colonies
            c.advance_days(900)
            c.set_speed(len(SPEEDS) - 2)
        for _ in range(8):
            run_frames(qapp, c, 8)
            assert win.microscope.drawing() == mic.STEP_DRAWING[win.caption.current.step]
            seen.add(win.caption.current.step)
    print("steps seen:", seen)
    assert len(seen) >= 3


def test_at_full_hd_it_covers_neither_the_body_nor_the_legend_nor_the_controls(big_window, qapp):
    win = big_window
    qapp.processEvents()
    panel, body = win.microscope, win.body
    assert panel.isVisible() and not panel.no_room
    g = panel.geometry()
    print("microscope", g, "figure", _figure_rect(body), "legend", body.legend_rect())
    assert g.width() >= 300 and g.height() >= 180
    assert not g.intersects(_figure_rect(body))
    assert not g.intersects(body.legend_rect())
    assert body.rect().contains(g)  # inside the map: never over the controls
    assert not g.intersects(body.fit_button.geometry())


def test_each_drawing_is_drawn_and_the_seven_differ():
    size = QSize(192, 108)
    field = np.array([int(mic.FIELD[i : i + 2], 16) for i in (1, 3, 5)])
    images = {}
    for key, d in mic.DRAWINGS.items():
        px = _pixels(mic.render(key, d.still_t, size))
        drawn = (np.abs(px - field).sum(axis=2) > 40).mean()
        print(key, f"{drawn:.0%} of pixels drawn")
        assert drawn > 0.25, key
        images[key] = px
        later = _pixels(mic.render(key, d.still_t + d.period_s / 3, size))
        assert np.abs(later - px).mean() > 0.5, key  # it moves
    steps = [mic.STEP_DRAWING[s] for s in STEPS]
    assert len(set(steps)) == 7
    for i, a in enumerate(steps):
        for b in steps[i + 1 :]:
            assert np.abs(images[a] - images[b]).mean() > 12, (a, b)


def test_the_animation_is_cheap_and_stops_when_hidden(big_window, qtbot):
    view = big_window.microscope.view
    assert view.animating() and view.timer.interval() >= 1000 // 30
    n = view.frames_painted
    # it repaints itself while shown (within 2 s: a loaded machine may delay a 30 fps timer)
    qtbot.waitUntil(lambda: view.frames_painted > n, timeout=2000)
    big_window.hide()
    qtbot.waitUntil(lambda: not view.animating(), timeout=1000)
    big_window.show()
    qtbot.waitUntil(view.animating, timeout=1000)


def test_a_costly_drawing_slows_the_inset_not_the_map(big_window, qtbot, monkeypatch):
    """Frames are spaced to their measured cost: a drawing that takes 8 ms may use at most 6 %
    of the GUI thread, so it shows about every 133 ms (7.5 a second) instead of every 40."""
    import time

    view = big_window.microscope.view
    real = mic.draw

    def slow(*a, **k):
        time.sleep(0.008)
        real(*a, **k)

    monkeypatch.setattr(mic, "draw", slow)
    n = view.frames_painted
    qtbot.waitUntil(lambda: view.frames_painted >= n + 8, timeout=5000)
    print(f"paint {view.paint_ms:.1f} ms, interval {view.timer.interval()} ms")
    assert view.paint_ms >= 8.0
    assert view.timer.interval() >= round(view.paint_ms / mic.MAX_SHARE) - 3 >= 130


def test_reduce_motion_in_the_kiosk_draws_a_still_frame(kiosk, qtbot):  # noqa: F811
    view, c = kiosk.win.microscope.view, kiosk.controller
    kiosk.idle.poke()  # a visitor: the model plays, the drawing moves
    kiosk.show_explore()
    assert c.playing
    qtbot.waitUntil(view.animating, timeout=1000)
    kiosk.motion_button.click()
    assert kiosk.reduce_motion and view.still and not view.animating()
    t = view.moment()
    qtbot.wait(150)
    assert view.moment() == t == mic.DRAWINGS[view.key].still_t
    c.play()  # reduce motion holds even if the model plays
    assert view.still and not view.animating()
    kiosk.motion_button.click()
    c.play()
    assert not view.still and view.animating()
    c.pause()  # as everywhere in the kiosk, pause stops motion
    assert view.still and not view.animating()


def test_quiz_cards_show_the_drawing_of_their_step(kiosk):  # noqa: F811
    from desktop.kiosk.quiz_screen import CARD_DRAWINGS

    kiosk.show_quiz()
    shown = {}
    for card in CARDS:
        b = kiosk.quiz.cards[card.key]
        drawing, moment = CARD_DRAWINGS[card.key]
        assert b.drawing == drawing
        size = b.iconSize()
        got = _pixels(b.icon().pixmap(size, QIcon.Mode.Normal).toImage())
        want = _pixels(mic.render(drawing, moment, size))
        assert got.shape == want.shape and np.abs(got - want).max() <= 2, card.key
        shown[card.key] = got
    # the three invasion cards show three different moments of the invasion drawing
    assert {CARD_DRAWINGS[k][0] for k in ("mmp", "ecm", "intravasation")} == {"shed"}
    assert CARD_DRAWINGS["immune"][0] == "transit" and CARD_DRAWINGS["extravasation"][0] == "extravasate"
    keys = list(shown)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert np.abs(shown[a] - shown[b]).mean() > 3, (a, b)


def test_every_microscope_text_has_a_spanish_entry(big_window):
    table = i18n.table("es")
    texts = [d.label for d in mic.DRAWINGS.values()] + ["Under the microscope"]
    assert [t for t in texts if t not in table] == []
    try:
        i18n.set_language("es")
        big_window.retranslate()
        panel = big_window.microscope
        assert panel.label.text() == table[mic.DRAWINGS[panel.drawing()].label]
        assert panel.accessibleName() == "Al microscopio"
    finally:
        i18n.set_language("en")
        big_window.retranslate()
