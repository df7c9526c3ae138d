"""A missing or corrupt asset stops ``seedsoil`` with one line naming the file, not a traceback; the
assets it can do without (fonts, the Spanish table) degrade instead of stopping the start."""

import os
import shutil
import subprocess
import sys

import pytest

from sim_core.model.assets import assets_dir

RUN = "import sys, desktop.app; sys.exit(desktop.app.main())"


def _damaged_assets(tmp_path, damage):
    dst = tmp_path / "assets"
    shutil.copytree(assets_dir(), dst, ignore=shutil.ignore_patterns("screenshots", "__pycache__"))
    for f in dst.rglob("*"):
        if f.is_file():
            f.chmod(0o644)  # a checkout can leave files private; an install would not
    damage(dst)
    return dst


def _run(dst, *args):
    env = dict(os.environ, SEEDSOIL_ASSETS=str(dst), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True, text=True, timeout=180)


def _truncate(path, keep):
    path.write_bytes(path.read_bytes()[:keep])


def _replace_with_folder(path):
    path.unlink()
    path.mkdir()


DAMAGE = {
    "missing_svg": (lambda d: (d / "body_map.svg").unlink(), "body_map.svg"),
    "corrupt_svg": (lambda d: (d / "body_map.svg").write_text("<svg><g"), "body_map.svg"),
    "empty_svg": (lambda d: (d / "body_map.svg").write_bytes(b""), "body_map.svg"),
    "truncated_svg": (lambda d: _truncate(d / "body_map.svg", 4000), "body_map.svg"),
    "svg_is_a_folder": (lambda d: _replace_with_folder(d / "body_map.svg"), "body_map.svg"),
    "corrupt_graph": (lambda d: (d / "body_graph.toml").write_text("garbage [[["), "body_graph.toml"),
    "missing_graph": (lambda d: (d / "body_graph.toml").unlink(), "body_graph.toml"),
    "empty_graph": (lambda d: (d / "body_graph.toml").write_bytes(b""), "body_graph.toml"),
    "truncated_graph": (lambda d: _truncate(d / "body_graph.toml", 5000), "body_graph.toml"),
    "graph_not_utf8": (lambda d: (d / "body_graph.toml").write_bytes(b"\xff\xfe" + b"x" * 100), "body_graph.toml"),
    "missing_preset": (lambda d: (d / "scenarios" / "breast.toml").unlink(), "breast"),
    "corrupt_preset": (lambda d: (d / "scenarios" / "breast.toml").write_text("name = [[["), "breast.toml"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_bad_asset_gives_one_line_and_status_2(tmp_path, damage):
    fn, needle = DAMAGE[damage]
    p = _run(_damaged_assets(tmp_path, fn), "--smoke-frames", "2")
    assert p.returncode == 2, p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in p.stderr


def test_missing_kiosk_config_gives_one_line_and_status_2(tmp_path):
    dst = _damaged_assets(tmp_path, lambda d: (d / "kiosk.toml").unlink())
    p = _run(dst, "--kiosk", "--screenshot", str(tmp_path / "k.png"))
    err = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "kiosk.toml" in err[0] and "file not found" in err[0]


@pytest.mark.parametrize(
    "damage, language",
    [
        (lambda d: shutil.rmtree(d / "fonts"), "en"),  # falls back to a system font
        (lambda d: (d / "fonts" / "OpenSans-Regular.ttf").write_bytes(b"junk"), "en"),
        (lambda d: (d / "i18n" / "es.toml").unlink(), "es"),  # shows English
        (lambda d: (d / "i18n" / "es.toml").write_text("garbage [[["), "es"),
    ],
    ids=["no_fonts", "corrupt_font", "no_spanish_table", "corrupt_spanish_table"],
)
def test_assets_it_can_do_without_do_not_stop_the_start(tmp_path, damage, language):
    p = _run(_damaged_assets(tmp_path, damage), "--smoke-frames", "2", "--language", language)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr


def test_binary_svg_gives_one_line_and_status_2(tmp_path):
    p = _run(
        _damaged_assets(tmp_path, lambda d: (d / "body_map.svg").write_bytes(bytes(range(256)) * 8)),
        "--smoke-frames",
        "2",
    )
    err = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "body_map.svg" in err[0]


def test_spanish_table_that_is_not_utf8_does_not_stop_the_start(tmp_path):
    p = _run(
        _damaged_assets(tmp_path, lambda d: (d / "i18n" / "es.toml").write_bytes(b'"Fit" = "\xff"\n')),
        "--smoke-frames",
        "2",
        "--language",
        "es",
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
