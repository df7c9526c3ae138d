"""Idle reset: after ``timeout_s`` without a touch, warn and count down ``countdown_s``; a touch
extends; at zero the kiosk goes back to its start state. Time comes from an injectable clock so
tests move it by hand instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal

#: Events that count as a visitor being there.
ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.TabletPress,
}

#: The presses that wake the exhibit from its attract loop and do nothing else.
PRESSES = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.TabletPress}

ACTIVE, WARNING, ATTRACT = "active", "warning", "attract"


class IdleMonitor(QObject):
    """States: ``attract`` (nobody there) → ``active`` (a visitor) → ``warning`` → ``attract``."""

    warned = Signal()  # the countdown began
    countdown_ticked = Signal(int)  # whole seconds left
    extended = Signal()  # a touch during the countdown
    timed_out = Signal()  # countdown reached zero
    woke = Signal()  # first touch while in the attract loop

    def __init__(self, timeout_s: float, countdown_s: float, clock=time.monotonic, parent=None):
        super().__init__(parent)
        self.timeout_s = float(timeout_s)
        self.countdown_s = float(countdown_s)
        self.clock = clock
        self.state = ATTRACT
        self.last_activity = clock()
        self._warn_start = 0.0
        self._last_left = -1
        #: Says whether the press that wakes the exhibit from the attract loop is to do nothing
        #: else (the kiosk shell: while its attract card shows); None: presses pass on.
        self.swallow_wake: Callable[[], bool] | None = None

    def poke(self) -> None:
        """A visitor did something."""
        self.last_activity = self.clock()
        if self.state == WARNING:
            self.state = ACTIVE
            self.extended.emit()
        elif self.state == ATTRACT:
            self.state = ACTIVE
            self.woke.emit()

    def enter_attract(self) -> None:
        self.state = ATTRACT

    def seconds_left(self) -> int:
        if self.state != WARNING:
            return int(math.ceil(self.countdown_s))
        return max(0, int(math.ceil(self.countdown_s - (self.clock() - self._warn_start))))

    def check(self) -> None:
        """Called a few times a second (and by tests after moving the clock)."""
        now = self.clock()
        if self.state == ACTIVE and now - self.last_activity >= self.timeout_s:
            self.state = WARNING
            self._warn_start = now
            self._last_left = -1
            self.warned.emit()
        if self.state == WARNING:
            left = self.seconds_left()
            if left != self._last_left:
                self._last_left = left
                self.countdown_ticked.emit(left)
            if left <= 0:
                self.state = ATTRACT
                self.timed_out.emit()

    def eventFilter(self, obj, ev) -> bool:  # installed on the QApplication
        if ev.type() in ACTIVITY:
            swallow = (
                self.state == ATTRACT and ev.type() in PRESSES and self.swallow_wake is not None and self.swallow_wake()
            )  # (asked first: waking hides the card)
            self.poke()
            if swallow:
                return True  # the touch that wakes the exhibit presses nothing beneath it
        return False
