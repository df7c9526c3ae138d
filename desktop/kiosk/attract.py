"""The attract loop: with nobody there, the live model follows one cluster from the primary while
captions tell that journey step by step, then invite a touch. The captions are timed to the story
(the model's own follow camera shows the cells); with reduce-motion the model stays still.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from desktop.core.i18n import tr

#: (caption, seconds on screen). Each stays >= 6 s: readable, and nothing changes > 3 times a second.
#: The durations follow the live journey of the breast preset (released at ``RELEASE_STEP``): in
#: the blood for ~6 s, arrested at ~6 s, dormant at ~19 s, a micrometastasis at ~35 s, a
#: macrometastasis at ~45 s after release.
STORY = (
    ("A tumour grows. Its cells make MMPs, enzymes that cut the basement membrane around it.", 7.0),
    ("One cell crawls out through the gap and squeezes into a small blood vessel.", 7.0),
    (
        "Almost every cell that breaks away dies within minutes: cut off from its neighbours, it kills itself (anoikis).",  # noqa: E501  (a translated sentence, kept whole)
        6.0,
    ),
    ("One cell survives the trip and gets stuck in a narrow vessel of another organ.", 7.0),
    ("It squeezes out of the vessel into the organ: extravasation.", 7.0),
    ("There it sleeps. Dormant cells can wait for months or years.", 9.0),
    ("One day it wakes and divides. The colony stops at about a millimetre until it calls in new blood vessels.", 9.0),
    ("Now it grows into a new tumour: a metastasis.", 9.0),
)
#: The step at which the model releases the cluster it then follows.
RELEASE_STEP = 2
INVITE_S = 6.0


class AttractLoop(QObject):
    """Steps through ``STORY`` on its clock; ``tick()`` is called a few times a second."""

    step_changed = Signal(int, int, str)  # index, total, caption (translated)
    restarted = Signal()  # a new journey begins (release a new cluster)

    def __init__(self, clock=time.monotonic, parent=None):
        super().__init__(parent)
        self.clock = clock
        self.running = False
        self.index = -1
        self._started = 0.0

    def start(self) -> None:
        self.running = True
        self.index = -1
        self._started = self.clock()
        self.restarted.emit()
        self.tick()

    def stop(self) -> None:
        self.running = False

    def current_text(self) -> str:
        return tr(STORY[self.index][0]) if 0 <= self.index < len(STORY) else tr("Touch to explore")

    def tick(self) -> None:
        if not self.running:
            return
        t = self.clock() - self._started
        total = sum(d for _, d in STORY) + INVITE_S
        if t >= total:
            self.start()
            return
        acc, idx = 0.0, len(STORY)
        for i, (_, d) in enumerate(STORY):
            if t < acc + d:
                idx = i
                break
            acc += d
        if idx != self.index:
            self.index = idx
            self.step_changed.emit(idx, len(STORY), self.current_text())

    def retranslate(self) -> None:
        if self.running:
            self.step_changed.emit(self.index, len(STORY), self.current_text())
