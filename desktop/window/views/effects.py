"""Short-lived animations (a death fading, an arrest pulsing) as numpy arrays with birth times.

Effects live in wall-clock time so they finish even while the simulation is paused; each frame
turns them into sprites (radius and alpha eased by age) in one vectorised pass.
"""

from __future__ import annotations

import numpy as np

_FIELDS = (
    ("x", np.float32),
    ("y", np.float32),
    ("t0", np.float64),
    ("life", np.float32),
    ("r0", np.float32),
    ("r1", np.float32),
    ("a0", np.float32),
    ("color", np.uint32),
    ("shape", np.int8),
)
MAX_EFFECTS = 4000


class EffectBuffer:
    def __init__(self):
        self.clear()

    def clear(self) -> None:
        for name, dt in _FIELDS:
            setattr(self, name, np.zeros(0, dt))

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def add(self, x, y, now: float, life, r0, r1, a0, color, shape) -> None:
        """Add effects (array arguments of one length, or scalars broadcast to it)."""
        x = np.atleast_1d(np.asarray(x, np.float32))
        n = x.shape[0]
        if n == 0:
            return
        vals = {"x": x, "y": y, "t0": now, "life": life, "r0": r0, "r1": r1, "a0": a0, "color": color, "shape": shape}
        for name, dt in _FIELDS:
            v = np.broadcast_to(np.asarray(vals[name], dt), (n,))
            setattr(self, name, np.concatenate([getattr(self, name), v]))
        if len(self) > MAX_EFFECTS:
            for name, _ in _FIELDS:
                setattr(self, name, getattr(self, name)[-MAX_EFFECTS:])

    def sprites(self, now: float):
        """(x, y, r, color, alpha, shape) of the live effects; expired ones are dropped."""
        age = (now - self.t0) / np.maximum(self.life, 1e-3)
        live = age < 1.0
        if not live.all():
            for name, _ in _FIELDS:
                setattr(self, name, getattr(self, name)[live])
            age = age[live]
        a = np.clip(age, 0.0, 1.0).astype(np.float32)
        ease = 1.0 - (1.0 - a) ** 2
        r = self.r0 + (self.r1 - self.r0) * ease
        alpha = self.a0 * (1.0 - a) ** 1.5
        return self.x, self.y, r.astype(np.float32), self.color, alpha.astype(np.float32), self.shape
