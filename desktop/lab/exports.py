"""Pictures and movies of the window with their run receipt: PNG (receipt in a text chunk), SVG (in
<metadata>) and MP4 or GIF (in the container's comment and beside it as FILE.receipt.toml). Every
file is written whole to a temporary file and renamed, so a failed export leaves an old file as it was.

Which formats this program can write depends on what is installed (the frozen installers carry no
MP4 encoder; a plain ``pip install`` has neither pyarrow nor Pillow): ``writable_formats()`` says,
and the Lab's save dialogs offer only those (``dialog_filter``).
"""

from __future__ import annotations

import functools
import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from sim_core import RECEIPT_KEY, InputError, make_receipt, sidecar_path, write_files_atomic

MOVIE_SUFFIXES = (".mp4", ".gif")
RECEIPT_NS = "urn:seedsoil:run-receipt"

#: What each Lab export can be written as, best first: a save dialog offers the ones this program
#: can write in this order, so the format it preselects is the best one that works.
EXPORT_FORMATS = {
    "timeseries": (".parquet", ".csv"),
    "funnel": (".csv",),
    "sites": (".csv",),
    "body": (".png", ".svg"),
    "plots": (".png", ".svg"),
    "funnel_chart": (".png", ".svg"),
    "movie": (".mp4", ".gif"),
}
FORMAT_NAMES = {".csv": "CSV", ".parquet": "Parquet", ".png": "PNG", ".svg": "SVG", ".gif": "GIF", ".mp4": "MP4"}


def _pip_hint(package: str) -> str:
    """How to add ``package``: pip, unless this is the installed (frozen) program, which has no pip."""
    return "" if getattr(sys, "frozen", False) else f" (pip install {package})"


def _import_problem(modules: tuple[str, ...], what: str, package: str) -> str | None:
    try:
        for name in modules:  # the package first: a submodule already imported would not notice
            importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - ImportError, or a library that fails to load
        why = "is not installed" if isinstance(exc, ImportError) else f"does not load ({type(exc).__name__})"
        return f"{what} needs {package}, which {why} in this program{_pip_hint(package)}"
    return None


@functools.lru_cache(maxsize=8)
def _has_x264(ffmpeg: str) -> bool:
    """Does this ffmpeg program have the H.264 encoder the MP4 writer asks for? (Asked once.)"""
    try:
        done = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and " libx264 " in done.stdout


def _mp4_problem() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return f"MP4 needs imageio-ffmpeg, which is not installed in this program{_pip_hint('imageio-ffmpeg')}"
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # noqa: BLE001 - imageio-ffmpeg raises RuntimeError when it finds none
        return "MP4 needs an ffmpeg program, and imageio-ffmpeg found none (" + " ".join(str(exc).split()) + ")"
    if not _has_x264(exe):
        return f"MP4 needs ffmpeg's libx264 encoder, which {exe} does not have"
    return None


def format_problem(suffix: str) -> str | None:
    """Why this program cannot write ``suffix`` files right now (one line), or None if it can."""
    s = suffix.lower()
    if s in (".csv", ".png", ".svg"):  # numpy and Qt, always there
        return None
    if s == ".parquet":
        return _import_problem(("pyarrow", "pyarrow.parquet"), "Parquet", "pyarrow")
    if s == ".gif":
        return _import_problem(("PIL", "PIL.Image"), "GIF", "Pillow")
    if s == ".mp4":
        return _mp4_problem()
    return f"{suffix or 'a file without a suffix'} is not a format the Lab writes"


def writable_formats() -> tuple[str, ...]:
    """The formats this program can write right now, as suffixes: CSV, PNG and SVG always; Parquet
    when pyarrow imports; GIF when Pillow imports; MP4 when imageio-ffmpeg finds an ffmpeg with the
    libx264 encoder. Asked afresh on every call (imports are cached by Python, the ffmpeg check here),
    so a dialog never offers what the running program cannot write."""
    return tuple(s for s in FORMAT_NAMES if format_problem(s) is None)


def dialog_filter(key: str, formats: tuple[str, ...] | None = None) -> str:
    """The save dialog's file filter for export ``key``: the formats it can be written as now, best
    first (empty when there is none)."""
    ok = writable_formats() if formats is None else formats
    return ";;".join(f"{FORMAT_NAMES[s]} (*{s})" for s in EXPORT_FORMATS[key] if s in ok)


def check_writable(key: str, path: str | Path) -> None:
    """Refuse, in one line (an ``InputError``), a format of export ``key`` that this program cannot
    write now. (A suffix the export never takes is left to its writer, which names the right ones.)"""
    p = Path(path)
    suffix = p.suffix.lower()
    allowed = EXPORT_FORMATS[key]
    problem = format_problem(suffix) if suffix in allowed else None
    if problem:
        others = [s for s in allowed if s != suffix and format_problem(s) is None]
        hint = f"; use {' or '.join(others)} instead" if others else ""
        raise InputError(str(p), "", f"{problem}; nothing was written{hint}")


def png_bytes(widget: QWidget, receipt: str) -> bytes:
    img = widget.grab().toImage()
    img.setText(RECEIPT_KEY, receipt)
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "PNG"):
        raise InputError("PNG", "", "Qt could not encode the picture")
    return bytes(buf.data())


def svg_bytes(widget: QWidget, receipt: str, title: str) -> bytes:
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen.setOutputDevice(buf)
    size = widget.size()
    gen.setSize(size)
    gen.setViewBox(QRect(0, 0, size.width(), size.height()))
    gen.setTitle(title)
    gen.setDescription("Seed & Soil; the run receipt is in <metadata>")
    painter = QPainter(gen)
    try:  # QWidget's own render (a QGraphicsView would otherwise draw its scene, not the widget)
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    svg = bytes(buf.data()).decode("utf-8")
    start = svg.find("<svg")
    end = svg.find(">", start) + 1
    if start < 0 or end <= 0:
        raise InputError("SVG", "", "Qt wrote no <svg> element")
    meta = (
        f'\n<metadata><seedsoil:receipt xmlns:seedsoil="{RECEIPT_NS}">{escape(receipt)}</seedsoil:receipt></metadata>\n'
    )
    return (svg[:end] + meta + svg[end:]).encode("utf-8")


def export_picture(widget: QWidget, path: str | Path, receipt: str, title: str) -> None:
    p = Path(path)
    kind = p.suffix.lower()
    if kind == ".png":
        data = png_bytes(widget, receipt)
    elif kind == ".svg":
        data = svg_bytes(widget, receipt, title)
    else:
        raise InputError(str(p), "file name", "a picture must end in .png or .svg")
    write_files_atomic({p: data})


def _rgb(img: QImage, max_width: int) -> np.ndarray:
    if img.width() > max_width:
        img = img.scaledToWidth(max_width, Qt.TransformationMode.SmoothTransformation)
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width() & ~1, img.height() & ~1  # even sizes for yuv420p
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return np.ascontiguousarray(arr[:h, : w * 3].reshape(h, w, 3))


def record_movie(win, path: str | Path, frames: int = 150, fps: int = 30, max_width: int = 960, progress=None) -> str:
    """Play the run on for ``frames`` frames (1/fps s of screen time each, at the current speed, so the
    movie runs at the window's pace), filming the body map offscreen; the receipt is that of the last
    frame. Returns the receipt."""
    p = Path(path)
    kind = p.suffix.lower()
    if kind not in MOVIE_SUFFIXES:
        raise InputError(str(p), "file name", "a movie must end in .mp4 or .gif")
    check_writable("movie", p)
    if not 2 <= frames <= 36000:
        raise InputError(str(p), "frames", "must be between 2 and 36000")
    if not p.parent.is_dir():
        raise InputError(str(p), "", "the folder does not exist; nothing was written")
    c = win.controller
    was_playing = c.playing
    c.pause()
    first = (c.engine.step_index, c.engine.t_days)
    with tempfile.TemporaryDirectory(prefix="seedsoil-movie-") as tmpdir:
        raw = Path(tmpdir) / f"raw{kind}"
        try:
            sink = _MovieSink(raw, kind, fps)
            for i in range(frames):
                c.runner.tick(1.0 / fps)
                QApplication.processEvents()
                sink.add(_rgb(win.body.grab().toImage(), max_width))
                if progress:
                    progress((i + 1) / frames)
            sink.close()
            receipt = make_receipt(
                c.engine, note=f"movie of {frames} frames from step {first[0]} (day {first[1]:.4g}) to this step"
            )
            final = sink.finish(receipt)
        except OSError as exc:
            raise InputError(
                str(p), "", f"could not encode the movie ({exc.strerror or exc}); nothing was written"
            ) from None
        finally:
            if was_playing:
                c.play()
        write_files_atomic({p: final.read_bytes(), sidecar_path(p): receipt.encode("utf-8")})
    return receipt


class _MovieSink:
    """Frames to an MP4 (ffmpeg via imageio-ffmpeg) or a GIF (Pillow)."""

    def __init__(self, path: Path, kind: str, fps: int):
        self.path, self.kind, self.fps = path, kind, fps
        self._writer = None
        self._gif: list = []

    def add(self, rgb: np.ndarray) -> None:
        if self.kind == ".gif":
            from PIL import Image

            self._gif.append(Image.fromarray(rgb).quantize(colors=255))
            return
        if self._writer is None:
            try:
                import imageio_ffmpeg
            except ImportError:
                raise InputError(
                    str(self.path), "", "MP4 needs imageio-ffmpeg (pip install 'seedsoil[lab]'); use .gif instead"
                ) from None
            h, w = rgb.shape[:2]
            self.size = (w, h)
            self._writer = imageio_ffmpeg.write_frames(
                str(self.path),
                (w, h),
                fps=self.fps,
                codec="libx264",
                pix_fmt_in="rgb24",
                pix_fmt_out="yuv420p",
                quality=7,
                macro_block_size=2,
                ffmpeg_log_level="error",
            )
            self._writer.send(None)
        if rgb.shape[1::-1] != self.size:  # every frame the first frame's size
            fixed = np.zeros((self.size[1], self.size[0], 3), np.uint8)
            h, w = min(rgb.shape[0], self.size[1]), min(rgb.shape[1], self.size[0])
            fixed[:h, :w] = rgb[:h, :w]
            rgb = fixed
        self._writer.send(np.ascontiguousarray(rgb).tobytes())

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def finish(self, receipt: str) -> Path:
        """The finished file, with the receipt in its comment where the container has one."""
        if self.kind == ".gif":
            first, rest = self._gif[0], self._gif[1:]
            first.save(
                self.path,
                save_all=True,
                append_images=rest,
                duration=round(1000 / self.fps),
                loop=0,
                comment=receipt.encode("utf-8")[:65000],
            )
            return self.path
        import imageio_ffmpeg

        out = self.path.with_name("final.mp4")
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-i",
            str(self.path),
            "-c",
            "copy",
            "-metadata",
            f"comment={receipt}",
            "-movflags",
            "+faststart",
            str(out),
        ]
        done = subprocess.run(cmd, capture_output=True, timeout=120, env={**os.environ, "AV_LOG_FORCE_NOCOLOR": "1"})
        return out if done.returncode == 0 and out.exists() else self.path
