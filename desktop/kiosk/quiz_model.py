"""The 'Know the Flow' quiz as plain data: six cards, five slots, one right order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    key: str
    text: str
    explanation: str


CARDS = (
    Card("mmp", "MMP secretion", "Tumour cells release MMPs, enzymes that cut the proteins holding tissue together."),
    Card(
        "ecm",
        "Extracellular-matrix breakdown",
        "The cut matrix and basement membrane open a path, so cells can crawl out of the tumour.",
    ),
    Card(
        "intravasation",
        "Invasion of a blood vessel",
        "Cells squeeze between the cells of a vessel wall and are carried off in the blood.",
    ),
    Card(
        "immune",
        "Escaping the immune lymphocytes",
        "Most cells die within minutes of leaving the tumour; in the blood, immune cells kill some of the rest.",
    ),
    Card(
        "extravasation",
        "Leaking out of the vessel",
        "A surviving cell sticks in a small vessel of another organ and squeezes out into it.",
    ),
    Card(
        "apoptosis",
        "Increased apoptosis",
        "Does not belong: apoptosis is cell suicide. More of it stops spread; it is not a step of it.",
    ),
)
BY_KEY = {c.key: c for c in CARDS}
ORDER = ("mmp", "ecm", "intravasation", "immune", "extravasation")
N_SLOTS = len(ORDER)


class QuizModel:
    """Which card sits in which slot; ``check()`` marks each slot right or wrong."""

    def __init__(self):
        self.slots: list[str | None] = [None] * N_SLOTS

    def reset(self) -> None:
        self.slots = [None] * N_SLOTS

    def place(self, key: str, slot: int | None = None) -> int:
        """Put ``key`` in ``slot`` (or the first empty one); returns the slot, -1 if none free."""
        if key not in BY_KEY:
            return -1
        if key in self.slots:
            self.slots[self.slots.index(key)] = None
        if slot is None:
            slot = next((i for i, s in enumerate(self.slots) if s is None), -1)
        if not 0 <= slot < N_SLOTS:
            return -1
        self.slots[slot] = key
        return slot

    def remove(self, slot: int) -> None:
        if 0 <= slot < N_SLOTS:
            self.slots[slot] = None

    def full(self) -> bool:
        return all(s is not None for s in self.slots)

    def check(self) -> list[bool]:
        return [s == want for s, want in zip(self.slots, ORDER, strict=False)]

    def solved(self) -> bool:
        return all(self.check())
