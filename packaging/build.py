#!/usr/bin/env python3
"""Build Seed & Soil's frozen one-folder bundle and the platform's installers; no Python needed to run them.

    python packaging/build.py --platform linux     # bundle, smoke test, .tar.gz, .deb
    python packaging/build.py --platform windows   # bundle, smoke test, Inno Setup installer
    python packaging/build.py --platform macos     # .app, smoke test, signing*, .dmg, notarisation*
    python packaging/build.py --relock             # regenerate locks/*.txt from locks/requirements.in

(* only when credentials are configured; the build says what it skipped and why.)

Steps: a separate build venv gets the platform's hash-pinned lock (``locks/<platform>.txt``: the
pinned PySide6/numba/pyqtgraph and PyInstaller); PyInstaller freezes ``frozen_entry.py`` with
``seedsoil.spec``; the bundle's ``--smoke-test`` runs twice in a clean environment with a fresh
per-user cache (cold: kernels compile; warm, from another directory: cache hits); then the
installers. Everything is written under ``packaging/build`` and ``packaging/dist`` (git-ignored).
PyInstaller does not cross-compile, so each platform is built on that platform (see
``.github/workflows/release.yml``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOCKS = HERE / "locks"
PYTHON = (3, 11)  # the locks are resolved for this Python
HOSTS = {"linux": "linux", "windows": "win32", "macos": "darwin"}
LOCK_TARGETS = {"linux": "x86_64-manylinux_2_34", "windows": "x86_64-pc-windows-msvc", "macos": "aarch64-apple-darwin"}
APP_NAME = "Seed & Soil"
MAC_APP = "SeedSoil.app"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
HOMEPAGE = "https://github.com/seedsoil/seedsoil"
MAINTAINER = "Seed & Soil maintainers <maintainers@seedsoil.invalid>"


class BuildError(RuntimeError):
    """A step failed; the message says which and why."""


# --- small helpers ---------------------------------------------------------------------------------


def say(msg: str) -> None:
    print(f"[build] {msg}", flush=True)


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    say("$ " + " ".join(str(c) for c in cmd))
    done = subprocess.run([str(c) for c in cmd], **kw)
    if done.returncode != 0:
        raise BuildError(f"{Path(str(cmd[0])).name} exited {done.returncode}")
    return done


def tree_size(path: Path) -> int:
    """Bytes of all files under ``path`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def project_version() -> str:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def link_tree(src: Path, dst: Path) -> None:
    """Copy a tree by hard links where possible (the bundle is ~400 MB), keeping symlinks."""

    def link_or_copy(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, symlinks=True, copy_function=link_or_copy)


class Report:
    """What was made, measured and skipped; printed at the end."""

    def __init__(self):
        self.lines: list[str] = []
        self.skipped: list[str] = []
        self.facts: dict[str, object] = {}

    def made(self, what: str, path: Path) -> None:
        size = tree_size(path) if path.is_dir() else path.stat().st_size
        self.lines.append(f"{what}: {path}  ({mib(size)})")
        self.facts[f"{what} bytes"] = size

    def skip(self, what: str, why: str) -> None:
        say(f"SKIPPED {what}: {why}")
        self.skipped.append(f"{what}: {why}")

    def print(self) -> None:
        print("\n== build summary ==")
        for line in self.lines:
            print("  " + line)
        for k, v in self.facts.items():
            if not k.endswith("bytes"):
                print(f"  {k}: {v}")
        for s in self.skipped:
            print("  skipped " + s)


# --- the build venv ----------------------------------------------------------------------------------


def ensure_venv(plat: str, venv: Path, python: str) -> Path:
    """A venv holding exactly the platform's lock (reused while the lock is unchanged)."""
    lock = LOCKS / f"{plat}.txt"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = venv / "seedsoil-lock.sha256"
    py = venv_python(venv)
    if py.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        say(f"build venv up to date: {venv}")
        return py
    if venv.exists():
        shutil.rmtree(venv)
    run([python, "-m", "venv", venv])
    got = subprocess.run(
        [py, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.split()
    if tuple(map(int, got)) != PYTHON:
        raise BuildError(
            f"the locks are for Python {'.'.join(map(str, PYTHON))}, but {python} is "
            f"{'.'.join(got)}; pass --python PATH"
        )
    run(
        [
            py,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "-r",
            lock,
        ]
    )
    stamp.write_text(digest + "\n")
    return py


def relock() -> None:
    """Re-resolve locks/requirements.in for each platform, with hashes (needs ``uv``)."""
    uv = shutil.which("uv")
    if not uv:
        raise BuildError("--relock needs uv on PATH (pip install uv)")
    for plat, target in LOCK_TARGETS.items():
        run(
            [
                uv,
                "pip",
                "compile",
                "requirements.in",
                "--generate-hashes",
                "--quiet",
                "--no-header",
                "--python-version",
                ".".join(map(str, PYTHON)),
                "--python-platform",
                target,
                "-o",
                f"{plat}.txt",
            ],
            cwd=LOCKS,
        )  # relative names: the files do not depend on the cwd


# --- icons (runs inside the build venv, which has PySide6 and Pillow) ---------------------------------


def render_icons(out: Path) -> None:
    """PNG icons from packaging/icons/seedsoil.svg, plus a .ico for Windows."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841  (Qt needs one)
    svg = QSvgRenderer(str(HERE / "icons" / "seedsoil.svg"))
    out.mkdir(parents=True, exist_ok=True)
    for size in ICON_SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        svg.render(p)
        p.end()
        if not img.save(str(out / f"seedsoil-{size}.png")):
            raise BuildError(f"could not write the {size}px icon")
    try:
        from PIL import Image
    except ImportError:
        return
    Image.open(out / "seedsoil-256.png").save(out / "seedsoil.ico", sizes=[(s, s) for s in ICON_SIZES[:6]])


# --- bundle and smoke test ---------------------------------------------------------------------------


def freeze(py: Path, plat: str, work: Path, icons: Path, version: str) -> Path:
    icon = {"windows": icons / "seedsoil.ico", "macos": icons / "seedsoil-512.png"}.get(plat)
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        PYTHONDONTWRITEBYTECODE="1",
        SEEDSOIL_VERSION=version,
        SEEDSOIL_ICON=str(icon or ""),
    )
    run(
        [
            py,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            work / "dist",
            "--workpath",
            work / "pyinstaller",
            HERE / "seedsoil.spec",
        ],
        env=env,
        cwd=work,
    )
    return work / "dist" / (MAC_APP if plat == "macos" else "seedsoil")


def bundle_executable(bundle: Path, plat: str) -> Path:
    if plat == "macos":
        return bundle / "Contents" / "MacOS" / "seedsoil"
    return bundle / ("seedsoil.exe" if plat == "windows" else "seedsoil")


def clean_env(plat: str, cache_home: Path) -> dict:
    """The environment of a user who has no Python: no venv, no PYTHON*/NUMBA_* variables, and
    a fresh per-user cache folder (what the program picks on that platform)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "NUMBA_", "SEEDSOIL_", "VIRTUAL_ENV", "CONDA", "PIP_"))
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if "venv" not in p and ".pyenv" not in p
    )
    env["QT_QPA_PLATFORM"] = "offscreen"
    if plat == "linux":
        env["XDG_CACHE_HOME"] = str(cache_home)
    elif plat == "windows":
        env["LOCALAPPDATA"] = str(cache_home)
    else:  # ~/Library/Caches is under HOME; the program honours NUMBA_CACHE_DIR like numba does
        env["NUMBA_CACHE_DIR"] = str(cache_home / "numba")
    return env


def smoke_test(exe: Path, plat: str, cwd: Path, env: dict) -> dict:
    """Run ``--smoke-test`` once; return its diagnostics and the wall time of the process."""
    report = cwd / "smoke-report.txt"
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(exe), "--smoke-test", str(report)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    wall = time.perf_counter() - t0
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    if done.returncode != 0 or "ok=True" not in text:
        raise BuildError(f"smoke test failed (exit {done.returncode}):\n{done.stdout}{done.stderr}{text}")
    fields = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', text)}
    fields["wall_s"] = round(wall, 2)
    say(f"smoke test passed in {wall:.1f} s: {text.strip()}")
    return fields


def smoke_cold_and_warm(exe: Path, plat: str, tmp: Path, report: Report) -> None:
    """Cold start (empty cache: the kernels compile), then warm start from another directory (the
    cache must be hit: frozen numba must not key its cache on the current directory)."""
    cache_home = tmp / "cache"
    env = clean_env(plat, cache_home)
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    cold = smoke_test(exe, plat, tmp / "a", env)
    warm = smoke_test(exe, plat, tmp / "b", env)
    if int(warm.get("cache_misses", 1)) != 0 or int(warm.get("cache_hits", 0)) == 0:
        raise BuildError(f"the warm start did not reuse the JIT cache: {warm}")
    if int(cold.get("cache_misses", 0)) == 0:
        raise BuildError(f"the cold start found a cache it should not have: {cold}")
    report.facts["smoke test, cold start (s, whole process)"] = cold["wall_s"]
    report.facts["smoke test, warm start (s, whole process)"] = warm["wall_s"]
    report.facts["smoke test diagnostics (warm)"] = " ".join(
        f"{k}={warm[k]}"
        for k in (
            "frozen",
            "platform",
            "numba",
            "layer",
            "threads",
            "cache_hits",
            "cache_misses",
            "jit_s",
            "frame_s",
            "font",
            "exports",
            "exports_s",
            "memory",
        )
        if k in warm
    )
    report.facts["export formats written and read back (frozen)"] = warm.get("exports", "")


# --- Linux ---------------------------------------------------------------------------------------------


def make_targz(bundle: Path, out: Path, name: str) -> Path:
    path = out / f"{name}.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=name)
    return path


def deb_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def glibc_version() -> str:
    """The build host's glibc: the bundle's libraries need at least this one."""
    return platform.libc_ver()[1] or "2.36"


def make_deb(bundle: Path, icons: Path, work: Path, out: Path, version: str) -> Path:
    root = work / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    link_tree(bundle, root / "opt" / "seedsoil")
    (root / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/seedsoil/seedsoil", root / "usr" / "bin" / "seedsoil")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "seedsoil.desktop", apps / "seedsoil.desktop")
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        d = hicolor / f"{size}x{size}" / "apps"
        d.mkdir(parents=True)
        shutil.copy2(icons / f"seedsoil-{size}.png", d / "seedsoil.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(HERE / "icons" / "seedsoil.svg", hicolor / "scalable" / "apps" / "seedsoil.svg")
    doc = root / "usr" / "share" / "doc" / "seedsoil"
    doc.mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "copyright", doc / "copyright")
    (root / "DEBIAN").mkdir()
    arch = deb_arch()
    control = (
        (HERE / "linux" / "control.in")
        .read_text()
        .format(
            version=version,
            arch=arch,
            maintainer=os.environ.get("SEEDSOIL_MAINTAINER", MAINTAINER),
            installed_kib=tree_size(root) // 1024 + 1,
            homepage=HOMEPAGE,
            glibc=glibc_version(),
        )
    )
    (root / "DEBIAN" / "control").write_text(control)
    for p in [root, *root.rglob("*")]:  # dpkg wants 0755 dirs and no group/other write bits
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else p.stat().st_mode & 0o755)
    path = out / f"seedsoil_{version}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zzstd", "--build", root, path])
    return path


def installers_linux(bundle: Path, icons: Path, work: Path, out: Path, version: str, report: Report) -> None:
    name = f"seedsoil-{version}-linux-{platform.machine()}"
    t0 = time.perf_counter()
    report.made(".tar.gz", make_targz(bundle, out, name))
    report.facts[".tar.gz time (s)"] = round(time.perf_counter() - t0, 1)
    if shutil.which("dpkg-deb") and shutil.which("dpkg"):
        t0 = time.perf_counter()
        report.made(".deb", make_deb(bundle, icons, work, out, version))
        report.facts[".deb time (s)"] = round(time.perf_counter() - t0, 1)
    else:
        report.skip(".deb", "dpkg-deb is not installed (apt-get install dpkg)")
    report.skip(
        "AppImage",
        "appimagetool is in neither Debian's nor PyPI's packages (its PyPI "
        "wrappers download it from GitHub at run time); the .deb and .tar.gz cover Linux",
    )


# --- Windows -------------------------------------------------------------------------------------------


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    return None


def installers_windows(bundle: Path, icons: Path, work: Path, out: Path, version: str, report: Report) -> None:
    iscc = find_iscc()
    if not iscc:
        report.skip("Inno Setup installer", "ISCC.exe not found (choco install innosetup)")
        return
    run(
        [
            iscc,
            "/Qp",
            f"/DAppVersion={version}",
            f"/DSourceDir={bundle}",
            f"/DOutputDir={out}",
            f"/DIconFile={icons / 'seedsoil.ico'}",
            f"/DLicenseFile={HERE / 'linux' / 'copyright'}",
            HERE / "windows" / "seedsoil.iss",
        ]
    )
    report.made("setup.exe", out / f"SeedSoil-{version}-windows-x64-setup.exe")
    report.skip(
        "Authenticode signing",
        "not configured (needs an HSM-backed certificate; the installer is unsigned, so SmartScreen will warn)",
    )


# --- macOS ---------------------------------------------------------------------------------------------


def installers_macos(app: Path, work: Path, out: Path, version: str, report: Report) -> None:
    identity = os.environ.get("APPLE_CODESIGN_IDENTITY", "")
    entitlements = HERE / "macos" / "entitlements.plist"
    if identity:
        run(
            [
                "codesign",
                "--force",
                "--deep",
                "--options",
                "runtime",
                "--timestamp",
                "--entitlements",
                entitlements,
                "--sign",
                identity,
                app,
            ]
        )
        run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", app])
        # Notarisation does not run the program: prove the signed, hardened app still JITs.
        with tempfile.TemporaryDirectory() as tmp:
            smoke_test(bundle_executable(app, "macos"), "macos", Path(tmp), clean_env("macos", Path(tmp)))
    else:
        report.skip(
            "codesign",
            "APPLE_CODESIGN_IDENTITY is not set; the .app keeps PyInstaller's "
            "ad-hoc signature (Gatekeeper will ask users to confirm the first start)",
        )
    stage = work / "dmg"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    shutil.copytree(app, stage / app.name, symlinks=True)
    os.symlink("/Applications", stage / "Applications")
    dmg = out / f"SeedSoil-{version}-macos-{platform.machine()}.dmg"
    run(["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", stage, "-ov", "-format", "UDZO", dmg])
    if identity:
        run(["codesign", "--force", "--timestamp", "--sign", identity, dmg])
    report.made(".dmg", dmg)
    key = [os.environ.get(k, "") for k in ("APPLE_NOTARY_KEY_PATH", "APPLE_NOTARY_KEY_ID", "APPLE_NOTARY_ISSUER")]
    profile = os.environ.get("APPLE_NOTARY_PROFILE", "")
    if identity and (all(key) or profile):
        auth = ["--keychain-profile", profile] if profile else ["--key", key[0], "--key-id", key[1], "--issuer", key[2]]
        run(["xcrun", "notarytool", "submit", dmg, "--wait", *auth])
        run(["xcrun", "stapler", "staple", dmg])  # offline kiosks cannot look the ticket up
    else:
        report.skip(
            "notarisation",
            "needs APPLE_CODESIGN_IDENTITY and either APPLE_NOTARY_PROFILE or APPLE_NOTARY_KEY_PATH/_KEY_ID/_ISSUER",
        )


# --- main ----------------------------------------------------------------------------------------------


def build(plat: str, python: str, venv: Path | None, out: Path) -> Report:
    if not sys.platform.startswith(HOSTS[plat]):
        raise BuildError(
            f"PyInstaller does not cross-compile: build --platform {plat} on {plat} "
            f"(this is {sys.platform}); CI does that in .github/workflows/release.yml"
        )
    report = Report()
    version = project_version()
    work = HERE / "build" / plat
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    py = ensure_venv(plat, venv or HERE / "build" / f"venv-{plat}", python)
    report.facts["build venv time (s)"] = round(time.perf_counter() - t0, 1)
    icons = work / "icons"
    run([py, HERE / "build.py", "--render-icons", icons], env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    t0 = time.perf_counter()
    bundle = freeze(py, plat, work, icons, version)
    report.facts["PyInstaller time (s)"] = round(time.perf_counter() - t0, 1)
    report.made("bundle (unpacked)", bundle)
    with tempfile.TemporaryDirectory(prefix="seedsoil-smoke-") as tmp:
        smoke_cold_and_warm(bundle_executable(bundle, plat), plat, Path(tmp), report)
    if plat == "linux":
        installers_linux(bundle, icons, work, out, version, report)
    elif plat == "windows":
        installers_windows(bundle, icons, work, out, version, report)
    else:
        installers_macos(bundle, work, out, version, report)
    (work / "summary.json").write_text(
        json.dumps({"lines": report.lines, "skipped": report.skipped, "facts": report.facts}, indent=1)
    )
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--platform", choices=sorted(HOSTS))
    p.add_argument(
        "--python", default=sys.executable, help="Python 3.11 interpreter for the build venv (default: this one)"
    )
    p.add_argument("--venv", type=Path, help="build venv folder (default: packaging/build/venv-PLATFORM)")
    p.add_argument("--out", type=Path, default=HERE / "dist", help="where the installers go")
    p.add_argument("--relock", action="store_true", help="regenerate locks/*.txt (needs uv)")
    p.add_argument("--render-icons", type=Path, help=argparse.SUPPRESS)  # runs inside the build venv
    args = p.parse_args(argv)
    try:
        if args.render_icons:
            render_icons(args.render_icons)
            return 0
        if args.relock:
            relock()
            return 0
        if not args.platform:
            p.error("--platform is required")
        t0 = time.perf_counter()
        report = build(args.platform, args.python, args.venv, args.out.resolve())
        report.facts["total build time (s)"] = round(time.perf_counter() - t0, 1)
        report.print()
        return 0
    except BuildError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
