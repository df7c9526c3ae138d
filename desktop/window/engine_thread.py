"""The engine's own thread: steps run there, the GUI thread only draws.

``EngineWorker`` is a plain Python thread that runs one *batch* at a time: the GUI hands it
(engine, body seconds owed, fixed step, wall budget) and returns at once; the worker steps, then
makes the frame (snapshot, pools, frame diff) into its back buffer and says so (a queued call into
the GUI thread). The GUI then takes that finished frame (the swap happens under a condition lock
that is never held during a step), publishes it and starts the next batch, so painting one frame
overlaps stepping the next; the 60 Hz timer does the same when the worker is idle. While a batch
is still running the GUI does not wait: it keeps the time owed (capped) for the next batch.

Commands from the window while a batch runs (a slider, a speed change's resolution switch) are
posted as messages and applied by the worker between two steps, so a receipt records them between
the same steps the run took them (``RecordedEngine`` notes steps, parameter changes and
resolution switches in order). When no batch runs they are applied at once on the caller's
thread. Nothing else touches an engine while a batch steps it.

Numba: the worker sets its own thread count (``numba.set_num_threads`` is per calling thread);
``ENGINE_THREADS`` is the measured choice (see desktop/README.md, "Threads").
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: numba threads for the engine's parallel kernels on the worker thread (None: numba's default).
ENGINE_THREADS: int | None = 1
#: Seconds ``stop`` waits for a running batch (a batch is at most a few frames of engine steps).
STOP_WAIT_S = 5.0


def threadsafe_layer() -> bool:
    """Can two threads launch numba parallel kernels at once (the engine thread and the GUI
    thread's rasteriser)? True for the omp and tbb layers; numba's workqueue layer aborts the
    process when they do (measured), so with it the window steps on the GUI thread as before."""
    from sim_core import threading_layer

    layer = threading_layer()
    return layer.startswith(("omp", "tbb"))


@dataclass
class BatchResult:
    generation: int  # which engine (a reset or scenario change makes a new generation)
    epoch: int  # which speed (a speed change makes a new epoch)
    done_s: float  # body seconds stepped
    debt_s: float  # body seconds still owed after the batch
    wall_s: float  # screen seconds the batch's time was owed for
    steps: int
    step_wall_s: float  # wall seconds spent stepping
    frame: Any  # FrameData, or None when the batch failed
    error: BaseException | None = None


class EngineWorker:
    """One thread, one batch at a time; messages between steps; the finished frame in a buffer."""

    def __init__(
        self,
        threads: int | None = ENGINE_THREADS,
        name: str = "seedsoil-engine",
        done: Callable[[], None] | None = None,
    ):
        """``done`` is called on the worker thread when a batch's result is ready (the controller
        passes a Qt signal's ``emit``: a queued call into the GUI thread)."""
        self._threads = threads
        self._done = done
        # held while ``done`` is called, and by ``stop`` to take it away: no call after stop()
        # (re-entrant: a garbage collection on the worker thread may stop its own worker)
        self._emit = threading.RLock()
        self._cv = threading.Condition()
        self._job: Callable[[Callable[[], None]], BatchResult] | None = None
        self._busy = False
        self._result: BatchResult | None = None
        self._inbox: list[Callable[[], None]] = []
        self._stop = False
        self._name = name
        self._thread: threading.Thread | None = None
        self.batches = 0
        _LIVE.add(self)

    # --- GUI side ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, job: Callable[[Callable[[], None]], BatchResult]) -> bool:
        """Run ``job(drain)`` on the worker; False (and nothing done) if a batch is still running.
        ``job`` must call ``drain()`` before each step: that applies the posted messages."""
        with self._cv:
            if self._busy:
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=_serve, args=(weakref.ref(self),), name=self._name, daemon=True)
                self._thread.start()
            self._job = job
            self._busy = True
            self._cv.notify_all()
            return True

    @property
    def has_result(self) -> bool:
        return self._result is not None

    def take(self) -> BatchResult | None:
        """The finished batch's result, if there is one (never waits)."""
        with self._cv:
            r, self._result = self._result, None
            return r

    def post(self, fn: Callable[[], None]) -> bool:
        """Queue ``fn`` for the worker if a batch runs (True); else False: the caller runs it now."""
        with self._cv:
            if not self._busy:
                return False
            self._inbox.append(fn)
            return True

    def wait_idle(self, timeout: float | None = None) -> float:
        """Wait for the running batch (if any) to finish; returns the seconds waited."""
        t0 = time.perf_counter()
        with self._cv:
            self._cv.wait_for(lambda: not self._busy, timeout)
        return time.perf_counter() - t0

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """No more batches and no more calls to ``done``; then wait up to ``wait_s`` seconds (0: not
        at all) for a batch still running to end. At exit this keeps engine steps and signals from
        running while Python and Qt tear down (measured before: 3 of 11 exits of the live benchmark
        under load crashed, the worker emitting its signal into a controller being destroyed)."""
        with self._emit:
            self._done = None
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        t = self._thread
        if wait_s > 0 and t is not None and t is not threading.current_thread() and t.is_alive():
            t.join(wait_s)

    # --- worker side -------------------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            with self._cv:
                if not self._inbox:
                    return
                todo, self._inbox = self._inbox, []
            for fn in todo:
                fn()

    def _serve_one(self) -> bool:
        with self._cv:
            self._cv.wait_for(lambda: self._job is not None or self._stop)
            if self._stop:
                return False
            job, self._job = self._job, None
        try:
            result = job(self._drain)
        except BaseException as exc:  # reported to the GUI thread with the result
            result = BatchResult(-1, -1, 0.0, 0.0, 0.0, 0, 0.0, None, exc)
        while True:
            # messages that arrived after the job's last drain are applied before the batch ends, so
            # none is left behind once ``busy`` is False
            try:
                self._drain()
            except BaseException as exc:
                result.error = result.error or exc
            with self._cv:
                if self._inbox:
                    continue
                self._result = result
                self._busy = False
                self.batches += 1
                self._cv.notify_all()
            with self._emit:
                if self._done is not None:
                    # RuntimeError: the controller (a QObject) is gone, nobody to tell
                    with contextlib.suppress(RuntimeError):
                        self._done()
            return True


#: Every worker not yet collected: all are stopped at exit (``stop_all``).
_LIVE: weakref.WeakSet[EngineWorker] = weakref.WeakSet()


def stop_all(wait_s: float = STOP_WAIT_S) -> None:
    """Stop every engine worker and wait for their batches (run at interpreter exit, before
    PySide6 destroys the application: ``atexit`` runs the latest registered first)."""
    for w in list(_LIVE):
        w.stop(wait_s)


atexit.register(stop_all)


def _serve(ref: weakref.ref) -> None:
    w = ref()
    if w is None:
        return
    if w._threads is not None:
        import numba

        numba.set_num_threads(min(int(w._threads), numba.config.NUMBA_NUM_THREADS))
    del w
    while True:
        w = ref()
        if w is None or not w._serve_one():
            return
        del w
