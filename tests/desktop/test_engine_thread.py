"""The engine worker's shutdown: no signal after stop(), and no batch left running at exit."""

import os
import subprocess
import sys
import threading
import time

from desktop.window.engine_thread import EngineWorker


def test_stop_waits_for_the_running_batch_and_nothing_is_signalled_after_it():
    calls = []
    started = threading.Event()
    w = EngineWorker(done=lambda: calls.append(time.perf_counter()))

    def job(drain):
        drain()
        started.set()
        time.sleep(0.3)
        return "finished"

    assert w.start(job)
    assert started.wait(5)
    t0 = time.perf_counter()
    w.stop()
    waited = time.perf_counter() - t0
    assert 0.1 < waited < 5.0  # it waited for the batch, not for its timeout
    assert not w._thread.is_alive()
    assert w.take() == "finished"  # the batch ended normally ...
    assert calls == []  # ... and told nobody: stop() had taken ``done``


def test_exit_in_the_middle_of_a_batch_waits_for_it_and_exits_cleanly(tmp_path):
    """A program that ends while a batch runs (a window closed mid-step): the batch ends before
    Python and Qt tear down, and its signal is not sent into a destroyed controller. Before the
    fix the daemon worker was killed mid-batch (the marker below was never written) and 3 of 11
    exits of the live benchmark under load crashed with a segmentation fault."""
    marker = tmp_path / "batch_ended"
    code = f"""
import time, threading
from PySide6.QtCore import QCoreApplication, QObject, Signal
from desktop.window.engine_thread import EngineWorker

class C(QObject):
    sig = Signal()

app = QCoreApplication([])
c = C()
started = threading.Event()
w = EngineWorker(done=c.sig.emit)

def job(drain):
    drain()
    started.set()
    time.sleep(0.4)
    open({str(marker)!r}, "w").write("ok")
    return 1

w.start(job)
started.wait(5)
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-1500:]
    assert marker.read_text() == "ok"
