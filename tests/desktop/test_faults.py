"""Fault injection (issue 8, the reliability notes' fault matrix): the window still starts from a
read-only install folder with nowhere to cache compiled kernels, and still draws with no OpenGL.
Bad assets are in ``test_bad_assets.py``; bad kiosk configs in ``test_kiosk_config.py``."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

import desktop
import sim_core
from sim_core.model.assets import assets_dir

NOBODY = 65534
RUN = "import sys, desktop.app; sys.exit(desktop.app.main())"


def _read_only(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        mode = 0o555 if p.is_dir() else 0o444
        p.chmod(mode)


def _writable(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def read_only_install():
    """A copy of the program (sim_core, desktop, assets) and a home folder, both read-only, in a
    folder every user can read. As root (who may write anywhere) the program runs as nobody."""
    root = Path(tempfile.mkdtemp(prefix="seedsoil-ro-"))
    root.chmod(0o755)
    skip = shutil.ignore_patterns("__pycache__", "screenshots", "*.pyc")
    for pkg in (Path(sim_core.__file__).parent, Path(desktop.__file__).parent):
        shutil.copytree(pkg, root / pkg.name, ignore=skip)
    shutil.copytree(assets_dir(), root / "assets", ignore=skip)
    (root / "home").mkdir()
    runtime = Path(tempfile.mkdtemp(prefix="seedsoil-rt-"))  # Qt wants a private runtime folder
    as_user = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: a read-only folder cannot be made")
        os.chown(runtime, NOBODY, NOBODY)
        as_user = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        # nobody must be able to run this Python and read its packages (not so when the checkout
        # and its virtual environment sit in a folder only root may enter)
        probe = subprocess.run(
            [*as_user, sys.executable, "-c", "import numba, PySide6"], cwd=root, capture_output=True, text=True
        )
        if probe.returncode != 0:
            shutil.rmtree(root)
            shutil.rmtree(runtime, ignore_errors=True)
            last = (probe.stderr.strip().splitlines() or ["?"])[-1]
            pytest.skip(f"user nobody cannot use the Python environment at {sys.prefix}: {last}")
    _read_only(root)
    yield root, runtime, as_user
    _writable(root)
    shutil.rmtree(root)
    shutil.rmtree(runtime, ignore_errors=True)


def test_read_only_install_without_a_cache_folder_still_starts(read_only_install):
    root, runtime, as_user = read_only_install
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH", "SEEDSOIL_ASSETS")
    }
    env.update(HOME=str(root / "home"), PYTHONPATH=str(root), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    probe = subprocess.run(
        [*as_user, sys.executable, "-c", "import os; open(os.environ['HOME'] + '/x', 'w')"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "PermissionError" in probe.stderr, "the copy is not read-only"
    p = subprocess.run(
        [*as_user, sys.executable, "-c", RUN, "--smoke-frames", "30", "--size", "1024x700"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    err = p.stderr.strip().splitlines()
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Traceback" not in p.stderr
    assert len(err) == 1 and "compiled-kernel cache" in err[0] and "NUMBA_CACHE_DIR" in err[0], err
    assert str(root / "sim_core") in err[0]  # it says where it looked
    written = [p for p in root.rglob("*") if p.name == "__pycache__" or p.suffix == ".nbi"]
    assert written == []
    # the headless command line from the same install: it used to stop with "no locator available"
    cli = "import sys, sim_core.tools.cli; sys.exit(sim_core.tools.cli.main())"
    p = subprocess.run(
        [*as_user, sys.executable, "-c", cli, "run", "--scenario", "breast", "--days", "3", "--json"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-3000:]
    assert '"shed"' in p.stdout and "NUMBA_CACHE_DIR" in p.stderr


def _assert_drawn(png: Path) -> None:
    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert not img.isNull() and img.width() == 1024
    a = np.frombuffer(img.constBits(), np.uint32, img.width() * img.height()).reshape(img.height(), img.width())
    body = a[80:-80, 40 : img.width() // 2]  # the map's part of the window
    assert np.unique(a).size > 500  # text, art, sprites: not one flat fill
    assert np.unique(body).size > 100
    _, counts = np.unique(body, return_counts=True)
    assert 1 - counts.max() / body.size > 0.05  # >5 % of the map is not its background


#: Run in the child before the window: count every OpenGL context and GL widget anything makes.
_COUNT_GL = (
    "import atexit, sys\n"
    "from PySide6 import QtGui, QtOpenGLWidgets\n"
    "made = []\n"
    "_create = QtGui.QOpenGLContext.create\n"
    "def create(self):\n"
    "    made.append('context')\n"
    "    return _create(self)\n"
    "QtGui.QOpenGLContext.create = create\n"
    "class Counted(QtOpenGLWidgets.QOpenGLWidget):\n"
    "    def __init__(self, *a, **k):\n"
    "        made.append('widget')\n"
    "        super().__init__(*a, **k)\n"
    "QtOpenGLWidgets.QOpenGLWidget = Counted\n"
    "atexit.register(lambda: print('GL objects made:', len(made), file=sys.stderr))\n"
)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs Xvfb (.ci/run installs it)")
def test_no_opengl_the_raster_path_still_draws(tmp_path, qapp):
    """The window on Qt's real X11 platform with OpenGL switched off (``QT_XCB_GL_INTEGRATION=none``:
    no GL context can exist) draws the body, the cells and the panels, and never asks for GL: the
    child counts every OpenGL context and GL widget made (pyqtgraph's included) and must count none.
    Turning pyqtgraph's ``useOpenGL`` on in the child makes this fail (a GL viewport)."""
    code = _COUNT_GL + "import desktop.app\nsys.exit(desktop.app.main())\n"
    out = tmp_path / "nogl.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(QT_QPA_PLATFORM="xcb", QT_XCB_GL_INTEGRATION="none")
    p = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            sys.executable,
            "-c",
            code,
            "--screenshot",
            str(out),
            "--size",
            "1024x700",
            "--sim-days",
            "120",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    assert "GL objects made: 0" in p.stderr, p.stderr[-3000:]
    _assert_drawn(out)


def test_the_blank_check_can_fail(tmp_path, qapp):
    blank = QImage(1024, 700, QImage.Format.Format_RGB32)
    blank.fill(0x111E35)
    blank.save(str(tmp_path / "blank.png"))
    with pytest.raises(AssertionError):
        _assert_drawn(tmp_path / "blank.png")
