"""The window at 1920x1080, the size of an exhibit screen and of most desktops: every slider of the
"What if…?" tab shown is on screen without scrolling, the body fills the map's height with the
legend beside it, and the kiosk's legend shows a few entries until a visitor asks for the rest."""

import gc
import types

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from desktop.core import i18n
from desktop.window import theme
from desktop.window.panels.parameter_panel import TABS, TREATMENT_TAB
from desktop.window.views.legend import CORE, LegendWidget
from sim_core import SLIDERS
from tests.desktop.conftest import run_frames
from tests.desktop.test_kiosk_support import make_config

FULL_HD = (1920, 1080)


def _desktop(qtbot, size, language="en"):
    """The window as ``seedsoil --size WxH`` builds it (with the Lab menu bar), shown offscreen."""
    from desktop.launch import build

    args = types.SimpleNamespace(size=size, scenario="breast", seed=None, language=language, kiosk_cfg=None)
    controller, win = build(args, QApplication.instance())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    controller.publish()
    QApplication.processEvents()
    assert win.size().toTuple() == size
    return controller, win


def _kiosk(qtbot, clock, size, **changes):  # noqa: F811
    from desktop.kiosk.shell import KioskShell
    from desktop.window.controller import SimController
    from desktop.window.main_window import MainWindow

    controller = SimController("breast")
    win = MainWindow(controller, theme.sizes_for_height(size[1]))
    win.resize(*size)
    qtbot.addWidget(win)
    shell = KioskShell(win, make_config(**changes), clock=clock)
    shell.timer.stop()
    win.show()
    qtbot.waitExposed(win)
    QApplication.processEvents()
    # 1024x700 comes out a few pixels taller: the kiosk's touch targets need that minimum height
    assert win.width() == size[0] and size[1] <= win.height() <= size[1] + 20
    return shell


def _close_kiosk(shell):
    shell.uninstall()
    shell.controller.pause()
    shell.win.close()
    i18n.set_language("en")
    gc.collect()


def _rows_on_screen(win):
    """{path: (shown, whole row inside the scroll area's viewport)} for the rows of the shown tab."""
    vp = win.params_scroll.viewport()
    out = {}
    for path, row in win.params.rows.items():
        if row.isVisible():
            box = QRect(row.mapTo(vp, row.rect().topLeft()), row.size())
            out[path] = vp.rect().contains(box)
    return out


# --- 1. the "What if…?" tabs -----------------------------------------------------------------------
def test_every_slider_is_in_exactly_one_tab():
    listed = [p for _, paths in TABS for p in paths]
    assert sorted(listed) == sorted(SLIDERS) and len(set(listed)) == len(listed)


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_tab_shows_all_its_sliders_without_scrolling_at_1920x1080(qtbot, qapp, language):
    controller, win = _desktop(qtbot, FULL_HD, language)
    try:
        p = win.params
        bar = win.params_scroll.verticalScrollBar()
        seen = []
        for treatment_on in (False, True):  # the treatment curve appears beside its read-out
            if treatment_on:
                p.treatment.setChecked(True)
                controller.play()
                run_frames(qapp, controller, 20)
                controller.pause()
                win.refresh_all()
            for i, (name, paths) in enumerate(TABS):
                p.show_tab(i)
                qapp.processEvents()
                on_screen = _rows_on_screen(win)
                print(
                    f"{language} treatment {'on ' if treatment_on else 'off'} {name}: "
                    f"{sum(on_screen.values())} of {len(paths)} sliders whole on screen; "
                    f"scroll range {bar.maximum()}"
                )
                assert set(on_screen) == set(paths)  # this tab's rows and no other
                assert all(on_screen.values()), on_screen
                assert bar.maximum() == 0
                assert p.tabs.tabText(i) == i18n.tr(name)
                seen += list(on_screen)
            if treatment_on:
                p.show_tab(TREATMENT_TAB)
                qapp.processEvents()
                assert p.curve.isVisible() and p.effect.isVisible()
                vp = win.params_scroll.viewport()
                for w in (p.curve, p.surgery, p.treatment):
                    assert vp.rect().contains(QRect(w.mapTo(vp, w.rect().topLeft()), w.size())), w
        assert sorted(set(seen)) == sorted(SLIDERS)
        # the read-outs below keep legible type and room for the plot's end labels
        s = win.sizes.scale
        print(
            f"funnel {win.funnel.height()} px, row type {win.funnel.text_px} px; "
            f"plot {win.plots.height()} px; sliders {win.params_scroll.height()} px"
        )
        assert win.funnel.text_px >= 12
        assert win.plots.height() >= round(160 * s)
    finally:
        controller.pause()
        win.close()
        i18n.set_language("en")


def test_tabs_switch_at_1280x800_and_keep_their_behaviour(qtbot, qapp):
    controller, win = _desktop(qtbot, (1280, 800))
    try:
        p = win.params
        assert p.tabs.isVisible() and p.tabs.count() == len(TABS)
        for i, (_, paths) in enumerate(TABS):
            qtbot.mouseClick(p.tabs, Qt.MouseButton.LeftButton, pos=p.tabs.tabRect(i).center())
            qapp.processEvents()
            assert p.current_tab() == i
            assert set(_rows_on_screen(win)) == set(paths)
        # a value set from outside reaches a row on a hidden tab; the switch follows the dose
        p.show_tab(0)
        controller.set_parameter("antiangio.strength", 0.5)
        assert p.rows["antiangio.strength"].value == 0.5 and p.treatment.isChecked()
        controller.set_parameter("antiangio.strength", 0.0)
        assert not p.treatment.isChecked()
    finally:
        controller.pause()
        win.close()


# --- 2. the body fills the map's height -------------------------------------------------------------
def _body_share(body):
    fig = body.figure_on_screen()
    share = fig.height() / body.height()
    return fig, share


def test_the_body_fills_the_map_height_beside_the_legend_on_the_desktop(qtbot):
    controller, win = _desktop(qtbot, FULL_HD)
    try:
        body = win.body
        fig, share = _body_share(body)
        print(
            f"desktop {FULL_HD}: figure {fig.height():.0f} of {body.height()} px = {share:.3f}; "
            f"figure x {fig.left():.0f}-{fig.right():.0f}, legend right {body.legend_rect().right()}"
        )
        assert share >= 0.85
        assert QRect(0, 0, body.width(), body.height()).contains(fig.toAlignedRect().adjusted(1, 1, -1, -1))
        assert not fig.intersects(body.legend_rect().toRectF())
        body.vb.scaleBy((0.5, 0.5))  # zoom in, then "Fit" frames it again
        assert _body_share(body)[1] > 1.0
        body.fit()
        assert _body_share(body)[1] == pytest.approx(share, abs=0.01)
    finally:
        controller.pause()
        win.close()


@pytest.mark.parametrize("size", [FULL_HD, (1024, 700)])
def test_the_body_fills_the_map_height_in_the_kiosk_and_the_key_never_covers_it(qtbot, clock, size):  # noqa: F811
    shell = _kiosk(qtbot, clock, size)
    try:
        body = shell.win.body
        for expanded in (False, True):
            body.set_legend_expanded(expanded)
            QApplication.processEvents()
            fig, share = _body_share(body)
            key = body.legend_rect()
            print(
                f"kiosk {size}, key {'expanded' if expanded else 'collapsed'}: figure {fig.height():.0f} of "
                f"{body.height()} px = {share:.3f}; figure x {fig.left():.0f}-{fig.right():.0f}, key {key}"
            )
            assert not fig.intersects(key.toRectF())
            assert QRect(0, 0, body.width(), body.height()).contains(fig.toAlignedRect().adjusted(1, 1, -1, -1))
            assert body.rect().contains(key)  # the whole key on the map
            if size == FULL_HD:
                assert share >= 0.85
    finally:
        _close_kiosk(shell)


# --- 3. the kiosk's key: a few entries, the rest one tap away --------------------------------------------
def test_the_kiosk_key_shows_six_entries_until_asked_and_the_idle_reset_folds_it(qtbot, clock):  # noqa: F811
    shell = _kiosk(qtbot, clock, FULL_HD)
    try:
        body, legend, button = shell.win.body, shell.win.body.legend, shell.win.body.legend_button
        everything = LegendWidget(shell.win.sizes).entries()  # the desktop's whole legend
        assert legend.collapsed and legend.isVisible() and button.isVisible()
        few = legend.entries()
        assert len(few) <= 6 and set(few) == set(CORE)
        small_height = legend.height()
        assert button.height() >= shell.target_px  # a touch target
        shell.idle.poke()  # a visitor arrives
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        QApplication.processEvents()
        assert not legend.collapsed and button.isChecked()
        all_entries = legend.entries()
        assert all_entries == everything and len(all_entries) >= 17
        assert legend.height() > small_height
        assert button.text() == i18n.tr("Fewer symbols")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # tap again: folded
        assert legend.collapsed and legend.entries() == few
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # open, then walk away
        assert not legend.collapsed
        shell.set_language("es")
        assert button.text() == "Menos símbolos"
        clock.advance(shell.config.idle_timeout_s + 0.5)  # nobody touches it: the countdown...
        shell.tick()
        assert shell.idle.state == "warning" and not legend.collapsed
        clock.advance(shell.config.countdown_s + 0.5)  # ...runs out: back to the start
        shell.tick()
        assert shell.idle.state == "attract"
        assert legend.collapsed and len(legend.entries()) <= 6 and not button.isChecked()
        assert button.text() == i18n.tr("More symbols…")
        assert body.legend_rect().height() < 0.5 * body.height()
    finally:
        _close_kiosk(shell)


def test_the_desktop_legend_is_whole_and_has_no_button(window):
    legend = window.body.legend
    assert not legend.collapsed and window.body.legend_button.isHidden()
    assert len(legend.entries()) >= 17


def test_the_kiosk_intro_shows_its_few_controls_without_tabs_and_the_lab_with_them(qtbot, clock):  # noqa: F811
    intro = _kiosk(qtbot, clock, FULL_HD)
    try:
        p = intro.win.params
        assert not p.tabs.isVisible() and not p.tabbed
        shown = [path for path, row in p.rows.items() if row.isVisible()]
        assert sorted(shown) == sorted(intro.config.intro_sliders)  # from two tabs, one under the other
        assert p.surgery.isVisible() and not p.treatment.isVisible()
        assert all(_rows_on_screen(intro.win).values())
        assert intro.win.params_scroll.verticalScrollBar().maximum() == 0
    finally:
        _close_kiosk(intro)
    lab = _kiosk(qtbot, clock, FULL_HD, level="lab")
    try:
        win, p = lab.win, lab.win.params
        assert p.tabs.isVisible() and p.tabbed
        p.show_tab(2)
        lab.reset_to_start()  # the idle reset: back to the first tab
        assert p.current_tab() == 0
        # touch-sized sliders may scroll within their tab; the funnel keeps legible type and the
        # window stays on the screen
        print(
            f"kiosk lab: window {win.size().toTuple()}, sliders {win.params_scroll.height()} px "
            f"(scroll range {win.params_scroll.verticalScrollBar().maximum()}), funnel {win.funnel.height()} px "
            f"at {win.funnel.text_px} px type"
        )
        assert win.size().toTuple() == FULL_HD
        assert win.funnel.text_px >= 12
    finally:
        _close_kiosk(lab)
