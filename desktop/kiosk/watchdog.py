"""Long-running support: ping a systemd watchdog (``NOTIFY_SOCKET``) from the GUI thread, so a
frozen event loop stops the pings and systemd restarts the program, and write native crashes
(faulthandler) and uncaught errors to a log in the user's log directory.
"""

from __future__ import annotations

import faulthandler
import os
import socket
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer


def sd_notify(message: bytes, env=os.environ) -> bool:
    """Send one datagram to systemd; False when not run under systemd (or the send failed)."""
    addr = env.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(addr)
            s.sendall(message)
        return True
    except OSError:
        return False


class Watchdog(QObject):
    """Sends READY=1 once, then WATCHDOG=1 every half of ``WATCHDOG_USEC`` (default every 10 s)."""

    def __init__(self, env=os.environ, parent=None):
        super().__init__(parent)
        self.env = env
        self.enabled = bool(env.get("NOTIFY_SOCKET"))
        usec = int(env.get("WATCHDOG_USEC", "0") or 0)
        self.interval_ms = max(1000, usec // 2000) if usec else 10_000
        self.pings = 0
        self.timer = QTimer(self)
        self.timer.setInterval(self.interval_ms)
        self.timer.timeout.connect(self.ping)

    def start(self) -> None:
        if self.enabled:
            sd_notify(b"READY=1", self.env)
            self.ping()
            self.timer.start()

    def ping(self) -> None:
        if sd_notify(b"WATCHDOG=1", self.env):
            self.pings += 1


def log_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".local" / "state" / "seedsoil") / "logs"


def enable_crash_log(folder: Path | None = None, on_error=None):
    """Native crashes go to ``crash.log`` (faulthandler); Python errors are logged and passed to
    ``on_error`` (the kiosk resets to its attract loop) instead of ending the program."""
    folder = folder or log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(folder / "crash.log", "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (kept open for faulthandler)
    except OSError:
        return None
    f.write(f"--- seedsoil kiosk started {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}\n")
    faulthandler.enable(file=f, all_threads=True)

    def hook(etype, value, tb):
        f.write("".join(traceback.format_exception(etype, value, tb)))
        if on_error is not None:
            try:
                on_error()
            except Exception:
                f.write(traceback.format_exc())

    sys.excepthook = hook
    return f
