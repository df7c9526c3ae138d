"""Pictures and movies of the window with their run receipt: PNG (receipt in a text chunk), SVG (in
<metadata>) and MP4 or GIF (in the container's comment and beside it as FILE.receipt.toml). Every
file is written whole to a temporary file and renamed, so a failed export leaves an old file as it was.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from sim_core import RECEIPT_KEY, InputError, make_receipt, sidecar_path, write_files_atomic

PICTURE_SUFFIXES = (".png", ".svg")
MOVIE_SUFFIXES = (".mp4", ".gif")
RECEIPT_NS = "urn:seedsoil:run-receipt"


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
    try:   # QWidget's own render (a QGraphicsView would otherwise draw its scene, not the widget)
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    svg = bytes(buf.data()).decode("utf-8")
    start = svg.find("<svg")
    end = svg.find(">", start) + 1
    if start < 0 or end <= 0:
        raise InputError("SVG", "", "Qt wrote no <svg> element")
    meta = (f'\n<metadata><seedsoil:receipt xmlns:seedsoil="{RECEIPT_NS}">{escape(receipt)}'
            "</seedsoil:receipt></metadata>\n")
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
    w, h = img.width() & ~1, img.height() & ~1          # even sizes for yuv420p
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return np.ascontiguousarray(arr[:h, : w * 3].reshape(h, w, 3))


def record_movie(win, path: str | Path, frames: int = 150, fps: int = 30, max_width: int = 960,
                 progress=None) -> str:
    """Play the run on for ``frames`` frames (1/fps s of screen time each, at the current speed, so the
    movie runs at the window's pace), filming the body map offscreen; the receipt is that of the last
    frame. Returns the receipt."""
    p = Path(path)
    kind = p.suffix.lower()
    if kind not in MOVIE_SUFFIXES:
        raise InputError(str(p), "file name", "a movie must end in .mp4 or .gif")
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
            receipt = make_receipt(c.engine, note=f"movie of {frames} frames from step {first[0]} (day "
                                               f"{first[1]:.4g}) to this step")
            final = sink.finish(receipt)
        except OSError as exc:
            raise InputError(str(p), "", f"could not encode the movie ({exc.strerror or exc}); nothing was written") from None
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
                raise InputError(str(self.path), "", "MP4 needs imageio-ffmpeg (pip install 'seedsoil[lab]'); "
                                 "use .gif instead") from None
            h, w = rgb.shape[:2]
            self.size = (w, h)
            self._writer = imageio_ffmpeg.write_frames(str(self.path), (w, h), fps=self.fps, codec="libx264",
                                                       pix_fmt_in="rgb24", pix_fmt_out="yuv420p", quality=7,
                                                       macro_block_size=2, ffmpeg_log_level="error")
            self._writer.send(None)
        if rgb.shape[1::-1] != self.size:       # every frame the first frame's size
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
            first.save(self.path, save_all=True, append_images=rest, duration=round(1000 / self.fps), loop=0,
                       comment=receipt.encode("utf-8")[:65000])
            return self.path
        import imageio_ffmpeg

        out = self.path.with_name("final.mp4")
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(self.path), "-c", "copy",
               "-metadata", f"comment={receipt}", "-movflags", "+faststart", str(out)]
        done = subprocess.run(cmd, capture_output=True, timeout=120, env={**os.environ, "AV_LOG_FORCE_NOCOLOR": "1"})
        return out if done.returncode == 0 and out.exists() else self.path
