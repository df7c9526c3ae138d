"""The program's entry point inside the frozen bundle (PyInstaller); nothing in the project imports it.

Before anything imports numba it points the JIT cache at a per-user directory, because a frozen
numba otherwise ignores ``NUMBA_CACHE_DIR`` and keys its cache on the current directory
(measured for this project): the kernels' code objects carry *relative* file names
(``sim_core/kernels/transport.py``), so numba's own locators resolve them against the cwd. Here a
locator resolves them against the bundle folder instead, for every ``cache=True`` kernel wherever
it lives. When no per-user directory is writable, caching is switched off (``cache=False``) and the
program still starts; there is deliberately no shared /tmp fallback, since another user could plant
machine code there.

Then:

- ``--smoke-test [REPORT]`` compiles (or loads) every kernel the window uses, renders one frame
  offscreen through the window code, writes every export format the Lab's dialogs offer and reads
  each back, checks the memory reader ``--soak`` uses, prints one line of diagnostics (also written
  to REPORT if given, for windowed Windows builds that have no stdout) and exits 0 only if all
  went well;
- ``--kiosk`` is passed on to the window if it knows the option, else the window is shown full
  screen (the Windows installer's "start in kiosk mode at login" uses it);
- anything else starts the window (``desktop.app.main``), behind a splash that shows the kernels
  compiling on the first start and loading from the cache on later ones.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

APP_ID = "seedsoil"
SPLASH_SIZE = (560, 300)
SMOKE_SIZE = "1024x700"
#: What the installed program must be able to write (packaging/README.md, "What the installed
#: program can write"): a frozen build that cannot fails its smoke test. MP4 is not among them.
BUNDLE_FORMATS = (".csv", ".parquet", ".png", ".svg", ".gif")
#: The Lab export that writes each format in the smoke test's round trip.
ROUND_TRIP_EXPORT = {
    ".csv": "timeseries",
    ".parquet": "timeseries",
    ".png": "body",
    ".svg": "body",
    ".gif": "movie",
    ".mp4": "movie",
}
ROUND_TRIP_FRAMES = 4


# --- where the JIT cache goes (pure functions, unit-tested in isolation) ----------------------------


def user_cache_root(platform: str = sys.platform, env=os.environ, home: str | None = None) -> Path:
    """The per-user cache folder of the program: XDG on Linux, %LOCALAPPDATA% on Windows,
    ~/Library/Caches on macOS. Never the install folder (read-only for users)."""
    home_dir = Path(home if home is not None else os.path.expanduser("~"))
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA", "")
        root = Path(base) if base and os.path.isabs(base) else home_dir / "AppData" / "Local"
        return root / "SeedSoil" / "Cache"
    if platform == "darwin":
        return home_dir / "Library" / "Caches" / "SeedSoil"
    xdg = env.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if xdg and os.path.isabs(xdg) else home_dir / ".cache"
    return root / APP_ID


def numba_cache_dir(platform: str = sys.platform, env=os.environ, home: str | None = None) -> Path:
    """``$NUMBA_CACHE_DIR`` if the user set one (it then works frozen too), else ours."""
    given = env.get("NUMBA_CACHE_DIR", "")
    if given:
        return Path(given)
    return user_cache_root(platform, env, home) / "numba"


def is_writable_dir(path: Path) -> bool:
    """Create ``path`` if needed and prove a file can be written in it (as numba itself checks)."""
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
        return True
    except OSError:
        return False


def choose_cache_dir(candidate: Path, writable=is_writable_dir) -> Path | None:
    """The cache folder to use, or None: then the kernels run with ``cache=False``."""
    return candidate if writable(candidate) else None


# --- numba set-up (before any kernel module is imported) ---------------------------------------------


def bundle_dir() -> Path:
    """The folder holding the bundled modules and data (PyInstaller's ``_MEIPASS``), or the repo."""
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))


def configure_numba_cache(frozen: bool | None = None) -> str:
    """Point the numba cache at a writable per-user folder, or turn caching off. Returns a word for
    the diagnostics: the folder, or ``off (...)``. Must run before numba compiles anything."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    chosen = choose_cache_dir(numba_cache_dir())
    if chosen is None:
        import numba.core.dispatcher

        # What cache=True does is one call, Dispatcher.enable_caching; skipping it is cache=False.
        numba.core.dispatcher.Dispatcher.enable_caching = lambda self: None
        return f"off ({numba_cache_dir()} is not writable)"
    os.environ["NUMBA_CACHE_DIR"] = str(chosen)
    if frozen:
        os.environ["NUMBA_CACHE_LOCATOR_CLASSES"] = f"{__name__}.BundleCacheLocator"
        _define_bundle_locator()
    import numba.core.config

    numba.core.config.reload_config()  # in case numba was imported before the variables were set
    return str(chosen)


def _define_bundle_locator() -> None:
    """Define ``BundleCacheLocator`` (numba imports it by the name set in the environment)."""
    from numba.core.caching import UserProvidedCacheLocator

    class BundleCacheLocator(UserProvidedCacheLocator):
        """``$NUMBA_CACHE_DIR`` for kernels whose source path is relative to the bundle folder.

        The source stamp stays numba's: frozen, it is a hash of the executable, which embeds the
        compiled modules, so a rebuilt program never loads stale machine code."""

        @classmethod
        def from_function(cls, py_func, py_file):
            if not os.path.isabs(py_file):
                py_file = str(bundle_dir() / py_file)
            return super().from_function(py_func, py_file)

    globals()["BundleCacheLocator"] = BundleCacheLocator


def kernel_dispatchers() -> list:
    """Every numba kernel defined in the project's loaded modules."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name, mod in list(sys.modules.items()):
        if mod is None or name.split(".")[0] not in ("sim_core", "desktop"):
            continue
        for obj in list(vars(mod).values()):
            if isinstance(obj, Dispatcher) and obj.py_func.__module__ == name:
                found[id(obj)] = obj
    return list(found.values())


def cache_counts() -> tuple[int, int]:
    """(hits, misses) of the on-disk cache over all kernels so far."""
    hits = misses = 0
    for d in kernel_dispatchers():
        hits += sum(d.stats.cache_hits.values())
        misses += sum(d.stats.cache_misses.values())
    return hits, misses


def threading_layer() -> str:
    """The threading layer a parallel kernel gets in this build (omp, tbb or workqueue)."""
    import numba
    import numpy as np

    @numba.njit(parallel=True, cache=False)
    def _probe(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s

    _probe(np.ones(64))
    return numba.threading_layer()


# --- the export round trip and the memory reader (smoke test) ---------------------------------------


def read_back(path: Path, names: list[str], data, frames: int) -> str:
    """Open an export with its format's usual reader, check what it holds, and return the run
    receipt it carries (inside it, or beside it as FILE.receipt.toml). Raises on anything wrong.
    ``names``/``data`` are the time series as the engine held it when it was written."""
    import csv
    import xml.etree.ElementTree as ET

    import numpy as np

    from sim_core import RECEIPT_KEY, sidecar_path

    kind = path.suffix.lower()
    if kind == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        got = np.array([[float(x) for x in row] for row in rows[1:]])
        if rows[0] != names or got.shape != data.shape or not np.allclose(got, data, rtol=1e-9, atol=0):
            raise ValueError(f"{len(rows) - 1} rows under {rows[0][:2]}..., not the engine's {len(data)}")
        return sidecar_path(path).read_text(encoding="utf-8")
    if kind == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if table.column_names != names or not np.array_equal(
            np.column_stack([table.column(n).to_numpy() for n in names]), data
        ):
            raise ValueError(f"{table.num_rows} rows of {table.num_columns} columns, not the engine's")
        return table.schema.metadata[RECEIPT_KEY.encode()].decode("utf-8")
    if kind == ".png":
        from PIL import Image

        with Image.open(path) as img:
            img.load()
            if img.format != "PNG" or min(img.size) < 100:
                raise ValueError(f"a {img.format} of {img.size}")
            return img.text[RECEIPT_KEY]
    if kind == ".svg":
        from desktop.lab.exports import RECEIPT_NS

        root = ET.parse(path).getroot()
        drawn = sum(1 for _ in root.iter())
        if not root.tag.endswith("svg") or drawn < 10:
            raise ValueError(f"root <{root.tag}> with {drawn} elements")
        return root.find(f".//{{{RECEIPT_NS}}}receipt").text
    if kind == ".gif":
        from PIL import Image, ImageSequence

        with Image.open(path) as gif:  # Pillow merges identical neighbours: count the time instead
            ms = sum(f.info["duration"] for f in ImageSequence.Iterator(gif))
            if gif.format != "GIF" or min(gif.size) < 100 or abs(ms - frames * 1000 / 30) > 10 * frames:
                raise ValueError(f"a {gif.format} of {gif.size}, {ms} ms long")
        return sidecar_path(path).read_text(encoding="utf-8")
    if kind == ".mp4":
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        n = sum(1 for _ in reader)
        if n != frames or min(meta["size"]) < 100:
            raise ValueError(f"{n} frames of {meta['size']}")
        return sidecar_path(path).read_text(encoding="utf-8")
    raise ValueError(f"no reader for {kind}")


def export_round_trip(folder: Path) -> tuple[list[str], list[str]]:
    """Write every format the Lab's dialogs offer right now through the Lab itself (a run of a few
    frames; CSV and Parquet time series, PNG and SVG of the body map, the movies) into ``folder``,
    and read each back. Returns (formats that came back whole, problems)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desktop import app as desktop_app
    from desktop import launch
    from desktop.lab.exports import writable_formats
    from sim_core import parse_receipt, timeseries_columns

    app = QApplication.instance() or QApplication(sys.argv[:1])
    controller, win = launch.build(desktop_app.parse_args(["--size", SMOKE_SIZE, "--no-tour"]), app)
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.show()
    app.processEvents()
    done: list[str] = []
    problems: list[str] = []
    try:
        controller.play()
        launch.run_frames(app, controller, 20)
        controller.pause()
        eng = controller.engine
        for suffix in writable_formats():  # movies last: they play the run on
            name = suffix[1:]
            path = folder / f"export{suffix}"
            names, data = timeseries_columns(eng)
            if not win.lab.export(ROUND_TRIP_EXPORT[suffix], path, frames=ROUND_TRIP_FRAMES):
                problems.append(f"{name}: {win.lab.last_message}")
                continue
            try:
                receipt = parse_receipt(read_back(path, names, data, ROUND_TRIP_FRAMES), str(path))
                if receipt.scenario.seed != eng.seed or receipt.step != eng.step_index:
                    raise ValueError(f"its receipt is of step {receipt.step}, the run is at {eng.step_index}")
            except Exception as exc:  # noqa: BLE001 - any way of failing to read it back is reported
                problems.append(f"{name} read back: {type(exc).__name__}: {' '.join(str(exc).split())}")
                continue
            done.append(name)
    finally:
        controller.pause()
        win.close()
    return done, problems


def memory_reader() -> tuple[str, float]:
    """What ``--soak`` reads resident memory with here, and the reading (MiB): psutil where it
    imports (it must in the installers: macOS and Windows have no /proc), else /proc."""
    from sim_core import rss_mb

    try:
        import psutil  # noqa: F401

        source = "psutil"
    except ImportError:
        source = "proc"
    return source, round(rss_mb(), 1)


# --- modes -------------------------------------------------------------------------------------------


def smoke_test(cache: str, report: str | None) -> int:
    """Run the JIT kernels, render one frame offscreen, print diagnostics; 0 when all went well."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.perf_counter()
    problems: list[str] = []
    fields: dict[str, object] = {"frozen": bool(getattr(sys, "frozen", False)), "platform": sys.platform}
    try:
        import numba

        from desktop.window.runners import warm_up

        fields["numba"] = numba.__version__
        warm_up()  # the engine's kernels (a real scenario stepped a day) and the rasteriser
        fields["jit_s"] = round(time.perf_counter() - t0, 2)
        fields.update(cache=cache, kernels=len(kernel_dispatchers()))
        if not cache.startswith("off"):
            fields["cache_hits"], fields["cache_misses"] = cache_counts()
        t1 = time.perf_counter()
        from desktop import app as desktop_app
        from desktop.window import theme

        rc = desktop_app.main(["--smoke-frames", "1", "--size", SMOKE_SIZE, "--no-tour"])
        fields["frame_s"] = round(time.perf_counter() - t1, 2)
        if rc != 0:
            problems.append(f"rendering a frame exited {rc}")
        fields["font"] = theme.FONT_FAMILY
        if theme.FONT_FAMILY == "DejaVu Sans":
            problems.append("the bundled font was not found (text would depend on system fonts)")
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="seedsoil-exports-") as tmp:
            done, bad = export_round_trip(Path(tmp))
        fields["exports"] = ",".join(done) or "none"
        fields["exports_s"] = round(time.perf_counter() - t2, 2)
        problems += [f"export {b}" for b in bad]
        if fields["frozen"]:
            from desktop.lab.exports import format_problem

            problems += [
                f"the installed program cannot write {s[1:]}: {format_problem(s)}"
                for s in BUNDLE_FORMATS
                if s[1:] not in done and format_problem(s)
            ]
        fields["memory"], fields["rss_mb"] = memory_reader()
        if fields["frozen"] and fields["memory"] != "psutil":
            problems.append("psutil is not in the bundle (--soak has no memory reader on macOS and Windows)")
        fields["threads"] = numba.config.NUMBA_NUM_THREADS
        fields["layer"] = threading_layer()
    except Exception as exc:  # reported, and the exit code says so
        import traceback

        traceback.print_exc()
        problems.append(f"{type(exc).__name__}: {exc}")
    fields["total_s"] = round(time.perf_counter() - t0, 2)
    fields["ok"] = not problems
    line = "smoke: " + " ".join(f'{k}="{v}"' if " " in str(v) else f"{k}={v}" for k, v in fields.items())
    if problems:
        line += "\nsmoke: FAILED: " + "; ".join(problems)
    if sys.stdout is not None:
        print(line, flush=True)
    if report:
        Path(report).write_text(line + "\n", encoding="utf-8")
    return 0 if not problems else 1


def warm_up_behind_splash(app) -> None:
    """Compile (first start) or load (later starts) the kernels in a thread while a splash shows
    how many are ready. Errors are left for the window to meet and report."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
    from PySide6.QtWidgets import QSplashScreen

    from desktop.window import theme

    family = theme.load_fonts()
    pix = QPixmap(*SPLASH_SIZE)
    pix.fill(QColor(theme.BG))
    p = QPainter(pix)
    p.setPen(QColor(theme.TEXT))
    p.setFont(QFont(family, 30, QFont.Weight.DemiBold))
    p.drawText(pix.rect().adjusted(0, 70, 0, 0), Qt.AlignmentFlag.AlignHCenter, "Seed & Soil")
    p.setPen(QColor(theme.TEXT_DIM))
    p.setFont(QFont(family, 13))
    p.drawText(pix.rect().adjusted(0, 135, 0, 0), Qt.AlignmentFlag.AlignHCenter, "how cancer spreads")
    p.end()
    splash = QSplashScreen(pix)
    splash.setFont(QFont(family, 11))
    splash.show()

    def say(text: str) -> None:
        splash.showMessage(text, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter, QColor(theme.ACCENT))
        app.processEvents()

    say("Loading the model…")
    import sim_core  # noqa: F401  (imports the kernel modules, so they can be counted)
    from desktop.window.runners import warm_up
    from desktop.window.views import raster  # noqa: F401

    total = len(kernel_dispatchers())
    worker = threading.Thread(target=_quietly, args=(warm_up,), name="seedsoil-warm-up", daemon=True)
    worker.start()
    while worker.is_alive():
        ready = sum(1 for d in kernel_dispatchers() if d.overloads)
        _, misses = cache_counts()
        verb = "Preparing the simulation for first use" if misses else "Loading the simulation"
        say(f"{verb}: {ready} of {total} parts ready")
        worker.join(0.05)
    splash.close()


def _quietly(fn) -> None:
    # any error: the window's own warm-up meets the same one and reports it
    with contextlib.suppress(Exception):
        fn()


def kiosk_argv(argv: list[str]) -> tuple[list[str], bool]:
    """Pass ``--kiosk`` on if the window understands it; else drop it and ask for full screen."""
    if "--kiosk" not in argv:
        return argv, False
    from desktop import app as desktop_app

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            desktop_app.parse_args(["--kiosk"])
        return argv, False
    except SystemExit:
        return [a for a in argv if a != "--kiosk"], True


def _full_screen_when_shown(app):
    """An event filter that shows the main window full screen the first time it is shown, then
    removes itself (an application-wide filter sees every event)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QMainWindow

    class FullScreenWhenShown(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Show and isinstance(obj, QMainWindow):
                app.removeEventFilter(self)
                QTimer.singleShot(0, obj.showFullScreen)
            return False

    return FullScreenWhenShown(app)


def run_window(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop import app as desktop_app

    batch = any(a.startswith(("--screenshot", "--smoke-frames", "-h", "--help")) for a in argv)
    argv, full_screen = kiosk_argv(argv)
    if batch:
        return desktop_app.main(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    warm_up_behind_splash(app)
    if full_screen:
        app.installEventFilter(_full_screen_when_shown(app))
    return desktop_app.main(argv)


def utf8_ctype(platform: str = sys.platform, env=os.environ) -> str | None:
    """The LC_CTYPE to set so Qt finds a UTF-8 locale, or None. A kiosk session often has no LANG;
    Qt then switches to C.UTF-8 itself but warns, and batch modes treat warnings as failures.
    (The bootloader skips Python's own C-locale coercion.)"""
    if platform != "linux" or env.get("LC_ALL"):
        return None
    current = (env.get("LC_CTYPE") or env.get("LANG") or "").lower().replace("-", "")
    return None if "utf8" in current else "C.UTF-8"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    os.environ.setdefault("SEEDSOIL_ASSETS", str(bundle_dir() / "assets"))
    ctype = utf8_ctype()
    if ctype:
        os.environ["LC_CTYPE"] = ctype
    cache = configure_numba_cache()
    if "--smoke-test" in argv:
        rest = argv[argv.index("--smoke-test") + 1 :]
        if len(argv) != len(rest) + 1 or len(rest) > 1:
            print("usage: seedsoil --smoke-test [REPORT]", file=sys.stderr)
            return 2
        return smoke_test(cache, rest[0] if rest else None)
    return run_window(argv)


if __name__ == "__main__":
    sys.exit(main())
