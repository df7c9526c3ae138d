"""``TimedRun``: what a view that plays a simulated run on a Qt timer needs, written once (the
experiment replay and the Lab's anatomy-or-soil split both play this way): the timer, play and
pause, the wall time since the last tick (capped, so a stalled tick does not jump ahead), and no
stepping while the view is hidden."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

#: The longest wall time one tick may count (s).
MAX_TICK_S = 0.25


class TimedRun:
    """Mix into a ``QWidget`` before it; the view defines ``_can_play``, ``_show_state`` and
    ``_on_timer_timeout``, and calls ``_init_timer`` in its ``__init__``."""

    _timer: QTimer
    _last_tick: float

    def _init_timer(self, interval_ms: int) -> None:
        self._timer = QTimer(self)  # type: ignore[arg-type]  (self is the QWidget this is mixed into)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last_tick = 0.0

    def _can_play(self) -> bool:
        raise NotImplementedError

    def _show_state(self) -> None:
        raise NotImplementedError

    def _on_timer_timeout(self) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self._can_play():
            self._last_tick = time.perf_counter()
            self._timer.start()
        self._show_state()

    def pause(self) -> None:
        self._timer.stop()
        self._show_state()

    def toggle_run(self) -> None:
        if self.running:
            self.pause()
        else:
            self.play()

    def _wall_since_tick(self) -> float:
        """Wall seconds since the last tick (at most ``MAX_TICK_S``); this tick becomes the last."""
        now = time.perf_counter()
        wall = min(now - self._last_tick, MAX_TICK_S)
        self._last_tick = now
        return wall

    def hideEvent(self, ev) -> None:
        self.pause()  # nobody is looking: no stepping in the background
        super().hideEvent(ev)  # type: ignore[misc]  (the QWidget this is mixed into)
