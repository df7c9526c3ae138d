"""The seed's experiments, replayed: the window's replay takes the command line's steps and shows
its numbers (``seedsoil-sim inject --resolution cells --json``), the clock passes minutes, days and
the last day, the captions quote the paper's figure beside the simulated one, and the kiosk offers
the screen and its idle reset leaves it."""

import json
import math
import subprocess
import sys

import pytest

from desktop.core import experiments as X
from desktop.core import i18n
from sim_core import INJECTION_DESIGNS, default_graph
from tests.desktop.test_kiosk_support import _kiosk


@pytest.fixture(scope="module")
def cli_luzzi():
    d = INJECTION_DESIGNS["luzzi"]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim_core.tools.cli",
            "inject",
            "--scenario",
            d.scenario,
            "--vessel",
            d.vessel,
            "--cells",
            str(d.cells),
            "--days",
            f"{d.days:g}",
            "--seed",
            "1",
            "--resolution",
            "cells",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_designs_are_the_validations():
    """Preset, vessel, cells, days and every published figure as ``seedsoil-sim validate`` has them."""
    from sim_core.science import validation as V

    luzzi, fidler = INJECTION_DESIGNS["luzzi"], INJECTION_DESIGNS["fidler"]
    assert (luzzi.scenario, luzzi.vessel, luzzi.cells) == (V.MOUSE, V.LUZZI_VESSEL, V.INJECTED)
    assert (fidler.scenario, fidler.vessel, fidler.cells) == (V.MOUSE, V.FIDLER_VESSEL, V.INJECTED)
    targets = {r.name: r for r in V.luzzi_targets() + V.fidler_targets()}
    for d in (luzzi, fidler):
        for fig in d.figures:
            t = targets[fig.target]
            assert t.expected == pytest.approx(fig.value, rel=1e-12)
            assert t.source == f"[{d.source}]"


@pytest.mark.parametrize("key", ["luzzi", "fidler"])
def test_replay_equals_inject_experiment(key):
    r = X.ExperimentReplay(key, seed=1)
    r.run()
    assert r.result() == INJECTION_DESIGNS[key].run(seed=1, resolution="cells")


def test_window_funnel_equals_the_command_line(qtbot, sizes, cli_luzzi):
    from desktop.window.panels.experiment_panel import ExperimentView

    view = ExperimentView(default_graph(), sizes, seed=1)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.start("luzzi")
    view.pause()
    clocks = []
    rows = {round(row["t_days"], 6): row for row in cli_luzzi["timeline"]}
    checked = 0
    while not view.replay.finished:
        n_before = len(view.replay.timeline)
        view.replay.step()
        if len(view.replay.timeline) > n_before or view.replay.steps % 50 == 0:
            view.refresh()
            clocks.append(view.clock.text())
        if len(view.replay.timeline) > n_before:
            cli = rows[round(view.replay.timeline[-1]["t_days"], 6)]
            counts = view.funnel.counts()
            for k, c in counts.items():
                assert c == round(cli[k] * cli_luzzi["injected"]), k
            checked += 1
    assert checked == len(cli_luzzi["timeline"]) == 5
    assert view.replay.timeline == cli_luzzi["timeline"]
    # the clock went through seconds, minutes, hours and days to the last day
    assert any(" s after" in c for c in clocks) and any(" min after" in c for c in clocks)
    assert any(" h after" in c for c in clocks)
    assert view.clock.text().startswith("Day 13 after injection")
    # every caption quotes the paper's figure and the simulated one, printed from the run
    texts = view.figure_texts()
    for fig, text in zip(view.replay.design.figures, texts, strict=True):
        row = rows[round(fig.t_days, 6)]
        assert text.startswith("paper: " + X.figure_paper_text(fig))
        assert "here: " + X.pct(row[fig.quantity]) in text
        assert text.endswith("[luzzi1998]")
    assert texts[0].startswith("paper: 87 % arrested in the liver at 90 min · here: ")
    assert "here: " + X.pct(rows[0.0625]["arrested"]) in texts[0]


def test_pacing_shows_the_arrest_within_seconds_and_holds_at_figures():
    r = X.ExperimentReplay("luzzi", seed=1)
    p = X.Pacer(r)
    wall = 0.0
    while r.observe()["arrested"] <= 0:
        p.advance(1 / 30, budget_s=10.0)
        wall += 1 / 30
    assert wall < 5.0
    while not r.timeline:
        p.advance(1 / 30, budget_s=10.0)
    assert p.hold_left == pytest.approx(X.HOLD_S)
    t = r.t_days
    p.advance(1.0)
    assert r.t_days == t  # standing still while the caption is read


def test_kiosk_offers_experiments_and_idle_reset_leaves_it(qtbot, controller, sizes, clock):  # noqa: F811
    from desktop.kiosk.shell import EXPERIMENTS, EXPLORE

    shell = _kiosk(qtbot, controller, sizes, clock)
    try:
        shell.idle.poke()
        assert shell.experiments_button.isVisible()
        shell.experiments_button.click()
        assert shell.stack.currentIndex() == EXPERIMENTS and shell.experiments.running
        assert shell.experiments.view.replay.design.key == "luzzi"
        shell.experiments.view.choice["fidler"].click()
        assert shell.experiments.view.replay.design.key == "fidler"
        shell.experiments.view.tick(0.5)
        clock.advance(shell.config.idle_timeout_s + 1)
        shell.tick()
        assert shell.countdown.isVisible()
        clock.advance(shell.config.countdown_s + 1)
        shell.tick()
        assert shell.stack.currentIndex() == EXPLORE and not shell.experiments_button.isChecked()
        assert shell.experiments.view.replay is None and not shell.experiments.running
    finally:
        shell.uninstall()
        controller.pause()
        shell.win.close()


def test_every_experiment_text_has_spanish(qtbot, sizes):
    from desktop.window.panels.experiment_panel import ExperimentView

    i18n.seen.clear()
    i18n.set_language("es")
    try:
        view = ExperimentView(default_graph(), sizes, kiosk=True, seed=1)
        qtbot.addWidget(view)
        view.show()
        for key in ("fidler", "luzzi"):
            view.start(key)
            view.pause()
            for t in (1e-5, 5 / 86400, 300 / 86400, 0.5, 2.0, math.inf):
                view.run_until(t)
        es = view.caption.text()
        view.stop()
        table = i18n.table("es")
        missing = sorted(
            s for s in i18n.seen if s not in table and any(c.isalpha() for c in s) and s not in {"Seed & Soil"}
        )
        assert missing == []
        bad = [s for s in i18n.seen if s in table and i18n.template_fields(s) != i18n.template_fields(table[s])]
        assert bad == []
        assert "Del" in es or "De " in es
    finally:
        i18n.set_language("en")
