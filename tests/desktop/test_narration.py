"""Captions: plain words, sentences of at most 25 words, following the cascade's steps."""

import re

from desktop.core.narrator import MAX_WORDS, STEPS
from desktop.core.speeds import FAST_FORWARD
from tests.desktop.conftest import run_frames


def _sentences(text):
    return [s for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s]


def test_captions_across_time_scales_are_short_sentences(qapp, controller, monkeypatch):
    import desktop.core.narrator as nar

    monkeypatch.setattr(nar, "HOLD_S", 0.0)  # a new caption every frame: see them all
    monkeypatch.setattr(nar, "HOLD_RARE_S", 0.0)
    caps = []
    controller.caption_changed.connect(lambda c: caps.append(c))
    # frames come only from run_frames: the runner's own timer would add ticks of real elapsed
    # time between them, and which frame sees the first arrest would depend on the machine's load
    controller.runner.manual = True
    controller.play()
    controller.release_cluster()
    run_frames(qapp, controller, 300)
    for speed in (2, 4, 5, 7, FAST_FORWARD):
        controller.set_speed(speed)
        run_frames(qapp, controller, 60)
    controller.advance_days(900)
    controller.set_speed(3)
    run_frames(qapp, controller, 60)
    texts = {c.text for c in caps}
    assert len(texts) >= 8
    steps = {c.step for c in caps}
    print("steps captioned:", [c.step for c in caps][:12])
    assert steps <= set(STEPS)
    assert {"shed", "transit", "arrest"} <= steps
    for t in texts:
        for s in _sentences(t):
            assert len(s.split()) <= MAX_WORDS, s
