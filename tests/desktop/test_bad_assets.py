"""A missing or corrupt asset stops ``seedsoil`` with one line naming the file, not a traceback."""

import os
import shutil
import subprocess
import sys

import pytest

from sim_core.assets import assets_dir


@pytest.mark.parametrize("damage,needle", [
    ("missing_svg", "body_map.svg"),
    ("corrupt_svg", "body_map.svg"),
    ("corrupt_graph", "body_graph.toml"),
])
def test_bad_asset_gives_one_line_and_status_2(tmp_path, damage, needle):
    dst = tmp_path / "assets"
    shutil.copytree(assets_dir(), dst, ignore=shutil.ignore_patterns("screenshots", "__pycache__"))
    if damage == "missing_svg":
        (dst / "body_map.svg").unlink()
    elif damage == "corrupt_svg":
        (dst / "body_map.svg").write_text("<svg><g")
    else:
        (dst / "body_graph.toml").write_text("garbage [[[")
    env = dict(os.environ, SEEDSOIL_ASSETS=str(dst), QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([sys.executable, "-c", "import sys, desktop.app; sys.exit(desktop.app.main())",
                        "--smoke-frames", "2"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in p.stderr
