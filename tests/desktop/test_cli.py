"""The ``seedsoil`` command: --screenshot writes a non-blank PNG (also at 2x HiDPI), --smoke-frames
renders and exits 0, bad input exits non-zero."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from desktop.app import parse_args


def _run(*args, extra_env=None, timeout=240):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("NUMBA_CACHE_DIR", "/tmp/nbcache")
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "desktop.app", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _pixels(path):
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
    a = np.frombuffer(img.constBits(), np.uint32, count=img.width() * img.height())
    return img, a


def test_screenshot_writes_a_non_blank_png(tmp_path, qapp):
    out = tmp_path / "shot.png"
    r = _run("--screenshot", str(out), "--sim-days", "60", "--size", "1000x700")
    assert r.returncode == 0, r.stderr
    img, a = _pixels(out)
    assert (img.width(), img.height()) == (1000, 700)
    assert np.unique(a).size > 500  # a real picture, not a flat fill
    rgb = np.stack([(a >> 16) & 255, (a >> 8) & 255, a & 255], axis=1)
    assert (rgb.max(axis=1) > 200).mean() > 0.002  # bright things: text, glyphs
    assert (rgb.max(axis=1) < 60).mean() > 0.2  # and the navy background


def test_screenshot_at_2x_device_pixel_ratio(tmp_path, qapp):
    out = tmp_path / "shot2x.png"
    r = _run(
        "--screenshot", str(out), "--size", "1000x700", "--scenario", "colorectal", extra_env={"QT_SCALE_FACTOR": "2"}
    )
    assert r.returncode == 0, r.stderr
    img, a = _pixels(out)
    assert (img.width(), img.height()) == (2000, 1400)
    assert np.unique(a).size > 500


def test_smoke_frames_exit_zero_and_bad_input_non_zero(tmp_path):
    r = _run("--smoke-frames", "30", "--size", "800x600", "--scenario", "prostate", "--seed", "7")
    assert r.returncode == 0, r.stderr
    r = _run("--smoke-frames", "5", "--scenario", "no-such-cancer")
    assert r.returncode != 0 and "no such scenario" in r.stderr
    r = _run("--size", "huge")
    assert r.returncode != 0


def test_argument_parsing():
    a = parse_args(["--screenshot", "x.png", "--sim-days", "400", "--size", "1920x1080", "--seed", "3"])
    assert a.size == (1920, 1080) and a.sim_days == 400 and a.seed == 3 and a.screenshot == "x.png"
    b = parse_args([])
    assert b.scenario == "breast" and not b.screenshot and b.smoke_frames == 0 and not b.paused


def test_sim_days_with_the_kiosk_is_refused_not_ignored(capsys):
    """The kiosk resets to day 0 when it starts, so a kiosk screenshot after --sim-days would
    silently show day 0."""
    for mode in ("--kiosk", "--soak"):
        with pytest.raises(SystemExit) as e:
            parse_args([mode, "--screenshot", "x.png", "--sim-days", "30"])
        assert e.value.code == 2
        assert "--sim-days does not apply with --kiosk or --soak" in capsys.readouterr().err
    assert parse_args(["--kiosk", "--sim-days", "0"]).kiosk


def test_language_option_opens_the_desktop_window_in_spanish():
    from desktop.core import i18n

    assert parse_args([]).language == "en" and parse_args(["--language", "es"]).language == "es"
    with pytest.raises(SystemExit):
        parse_args(["--language", "fr"])
    assert i18n.LANGUAGES.keys() == {"en", "es"}  # the option's choices follow the shipped tables
