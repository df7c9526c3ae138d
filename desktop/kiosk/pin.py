"""The staff exit: a hidden gesture (five taps in the top-left corner within three seconds) opens a
PIN pad; the PIN is checked against the salted hash in the config and five wrong PINs lock it out
for 60 s.
"""

from __future__ import annotations

import time

from desktop.kiosk.config import verify_pin

GESTURE_TAPS = 5
GESTURE_WINDOW_S = 3.0
CORNER_PX = 90
MAX_WRONG = 5
LOCKOUT_S = 60.0


class CornerGesture:
    """Counts taps in the top-left corner; ``tap()`` returns True when the gesture completes."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._taps: list[float] = []

    def tap(self, x: float, y: float) -> bool:
        if x > CORNER_PX or y > CORNER_PX:
            self._taps.clear()
            return False
        now = self.clock()
        self._taps = [t for t in self._taps if now - t <= GESTURE_WINDOW_S] + [now]
        if len(self._taps) >= GESTURE_TAPS:
            self._taps.clear()
            return True
        return False


class PinGuard:
    """Checks PINs with a rate limit. No stored hash means staff exit is disabled."""

    def __init__(self, pin_hash: str, clock=time.monotonic):
        self.pin_hash = pin_hash
        self.clock = clock
        self.wrong = 0
        self.locked_until = 0.0

    def locked_for_s(self) -> float:
        return max(0.0, self.locked_until - self.clock())

    def try_pin(self, pin: str) -> bool:
        if not self.pin_hash or self.locked_for_s() > 0:
            return False
        if verify_pin(pin, self.pin_hash):
            self.wrong = 0
            return True
        self.wrong += 1
        if self.wrong >= MAX_WRONG:
            self.wrong = 0
            self.locked_until = self.clock() + LOCKOUT_S
        return False
