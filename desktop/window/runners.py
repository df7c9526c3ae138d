"""Runners drive the engine without freezing the window.

``TickRunner`` is a 60 Hz precise timer in the GUI thread: each tick advances the body by
(speed x wall time) in engine steps of at most ``Speed.max_step_s``, and stops stepping when the
tick's wall-time budget is spent, so a heavy late-stage run slows down (and the clock says so)
instead of freezing. With ``async_tick`` set (the controller does), the timer's ticks call it
instead: the engine then steps on its own thread (``engine_thread``) and the tick only publishes
and hands over work; ``tick()`` called by hand stays synchronous. ``warm_up_in_background``
compiles the numba kernels off the GUI thread at start (the on-disk cache makes this fast after
the first run).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Qt, QTimer, Signal

# libgomp (numba's omp layer) makes a thread that waits at a parallel region's end spin on its
# core by default. With both cores taken (the engine thread, another process), the thread it waits
# for then gets no core until the spinner's time slice ends: every parallel raster of the window
# cost about 24 ms whatever its size (measured: 24 ms for one sprite, 0.07 ms with passive waiting).
# Read once, when numba first loads libgomp, which in the window happens after this import; it
# changes how threads wait, not what they compute. An explicit setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FRAME_MS = 16
#: The longest the timer waits between ticks when little moves (``TickRunner.pacer``): the clock
#: and captions still change several times a second, and a tick stays under MAX_WALL_DT_S.
SLOWEST_FRAME_MS = 80
#: Wall time per tick the engine may use; the rest is for drawing.
STEP_BUDGET_S = 0.010
MAX_WALL_DT_S = 0.1


class TickRunner(QObject):
    """Calls ``advance(body_s, budget_s)`` then ``publish()`` on every tick while running."""

    ticked = Signal()

    def __init__(self, advance: Callable[[float, float], float], publish: Callable[[], None], parent=None):
        super().__init__(parent)
        self._advance = advance
        self._publish = publish
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last = 0.0
        self._on = False
        self._manual = False
        self.body_s_per_s = 10.0
        self.actual_rate = 0.0  # body seconds per wall second actually achieved (smoothed)
        self.ticks = 0
        #: called with the wall seconds since the last timer tick instead of ``tick`` (None: tick)
        self.async_tick: Callable[[float], None] | None = None
        #: Frames paced to what moves: returns the seconds the next frame may wait (the window's
        #: body view says, from how fast its dots cross the screen); None: every FRAME_MS. Body
        #: time owed follows the wall clock, so a slower timer changes no number of the run.
        self.pacer: Callable[[], float] | None = None

    @property
    def running(self) -> bool:
        return self._on

    @property
    def manual(self) -> bool:
        """Set by a driver that calls ``tick()`` itself (the soak): the timer stays off from then
        on, so frames are not ticked twice, while ``running`` still says whether the run plays."""
        return self._manual

    @manual.setter
    def manual(self, on: bool) -> None:
        self._manual = bool(on)
        self._sync_timer()

    def start(self) -> None:
        self._on = True
        self._sync_timer()

    def _sync_timer(self) -> None:
        """The timer runs exactly while the run plays and nobody ticks by hand."""
        if self._on and not self._manual:
            if not self._timer.isActive():
                self._last = time.perf_counter()
                self._timer.setInterval(FRAME_MS)  # a run starts at full rate; pacing follows
                self._timer.start()
        else:
            self._timer.stop()

    def stop(self) -> None:
        self._on = False
        self._sync_timer()

    def tick(self, wall_dt_s: float) -> None:
        """One frame: advance by ``wall_dt_s`` of screen time and publish."""
        wall_dt_s = min(max(wall_dt_s, 0.0), MAX_WALL_DT_S)
        want = self.body_s_per_s * wall_dt_s
        done = self._advance(want, STEP_BUDGET_S) if want > 0 else 0.0
        if wall_dt_s > 0:
            rate = done / wall_dt_s
            self.actual_rate = rate if self.actual_rate == 0 else 0.9 * self.actual_rate + 0.1 * rate
        self._publish()
        self.ticks += 1
        self.ticked.emit()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        dt = now - self._last
        self._last = now
        if self.async_tick is None:
            self.tick(dt)
        else:
            self.async_tick(dt)
            self.ticks += 1
            self.ticked.emit()
        self._pace()

    def _pace(self) -> None:
        """The next tick's interval from ``pacer`` (FRAME_MS to SLOWEST_FRAME_MS)."""
        if self.pacer is None or not self._timer.isActive():
            return
        wait_s = self.pacer()
        # (the comparison is also false for inf and nan)
        ms = max(FRAME_MS, round(1000.0 * wait_s)) if wait_s < SLOWEST_FRAME_MS / 1000.0 else SLOWEST_FRAME_MS
        if ms != self._timer.interval():
            self._timer.setInterval(ms)

    @property
    def interval_ms(self) -> int:
        """The timer's current interval (FRAME_MS unless paced down)."""
        return self._timer.interval()


def warm_up() -> None:
    """Compile (or load from the cache) every kernel the window uses."""
    import numpy as np

    from desktop.window.views import packet_item
    from desktop.window.views.raster import draw_sprites
    from sim_core import Engine, load_scenario

    eng = Engine(load_scenario("breast"))
    eng.step(60.0)
    eng.step(86400.0)
    eng.snapshot()
    buf = np.zeros((4, 4), np.uint32)
    one = np.ones(1, np.float32)
    draw_sprites(buf, one, one, one, np.ones(1, np.uint32), one, np.zeros(1, np.int8), one)
    packet_item.warm_up()  # styling and both raster variants: else the first busy frame compiles them


def settle_heap() -> None:
    """Once the window is built and its kernels loaded: collect, then move every object alive now
    (Qt wrappers, pyqtgraph items, numba's compiled code: the program itself) out of the cyclic
    garbage collector's reach (``gc.freeze``). A full collection then walks only what was made
    since. Measured in the kiosk's attract loop at 1920x1080: a full collection about once a
    minute, each holding the GUI thread 62 ms (a dropped frame, and a stall over the 50-ms
    target); none in the same 60 s after freezing. Nothing frozen is ever freed, which is what
    the program's own objects want anyway (they live as long as the window)."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def heap_settled() -> Iterator[None]:
    """``settle_heap`` for a measurement inside a process that goes on (the live benchmark, the
    soak's attract figure): the heap is unfrozen after, so later garbage can be collected."""
    settle_heap()
    try:
        yield
    finally:
        gc.unfreeze()


def warm_up_in_background(done: Callable[[], None], parent: QObject) -> threading.Thread:
    """Run ``warm_up`` in a thread; call ``done`` in the GUI thread when it has finished (after
    ``settle_heap``)."""
    th = threading.Thread(target=warm_up, name="seedsoil-warm-up", daemon=True)
    th.start()
    poll = QTimer(parent)
    poll.setInterval(50)

    def _check():
        if not th.is_alive():
            poll.stop()
            poll.deleteLater()
            settle_heap()
            done()

    poll.timeout.connect(_check)
    poll.start()
    return th
