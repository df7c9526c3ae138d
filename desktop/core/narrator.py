"""Captions in plain words about what is happening now, following the steps of the cascade.

Pure Python: ``Narrator.update(frame, now_s)`` returns a new ``Caption`` when one is due. Each
caption stays up for a few seconds so it can be read; rare events ("a lesion grew its own blood
vessels") jump the queue. Every sentence is at most 25 words (a test checks the templates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from desktop.core.frames import FrameData, counter
from desktop.core.i18n import num, tr
from desktop.core.speeds import duration_text
from sim_core import KIND_NODE, MACRO, MICRO, BodyGraph

#: The steps of the metastatic cascade, as shown in the caption strip.
STEPS = ("shed", "transit", "arrest", "extravasate", "dormant", "micro", "macro")
STEP_LABELS = ("Shedding", "Transit", "Arrest", "Escape", "Dormancy", "Micrometastasis", "Macrometastasis")
MAX_WORDS = 25
HOLD_S = 5.0
HOLD_RARE_S = 3.0

_SHORT = {
    "organ:lungs": "lung",
    "organ:liver": "liver",
    "organ:brain": "brain",
    "organ:spine": "spine",
    "organ:pelvis_bone": "pelvic bone",
    "organ:long_bones": "thigh bone",
    "organ:adrenals": "adrenal",
    "organ:kidneys": "kidney",
    "organ:spleen": "spleen",
    "organ:pancreas": "pancreas",
    "organ:skin": "skin",
    "organ:muscle": "muscle",
    "organ:heart_wall": "heart muscle",
    "organ:gi_wall": "bowel wall",
    "organ:thyroid": "thyroid",
    "organ:peritoneum": "peritoneum",
    "organ:pleura": "pleura",
    "organ:omentum": "omentum",
    "primary:breast": "breast",
    "primary:colon": "colon",
    "primary:rectum": "rectal",
    "primary:lung": "lung",
    "primary:skin": "skin",
    "primary:prostate": "prostate",
    "primary:pancreas": "pancreas",
    "primary:stomach": "stomach",
    "primary:ovary": "ovary",
    "primary:kidney": "kidney",
    "primary:limb": "thigh",
    "primary:uterus": "uterine",
    "primary:cervix": "cervical",
    "primary:oesophagus": "oesophageal",
}


def short_name(graph: BodyGraph, c: int) -> str:
    cid = graph.ids[c]
    if cid in _SHORT:
        return _SHORT[cid]
    return graph.names[c].split(" (")[0].lower()


def place_phrase(graph: BodyGraph, c: int) -> str:
    """'a liver capillary', 'the axillary nodes', 'the peritoneal cavity' (in the current language)."""
    k = int(graph.kind[c])
    name = short_name(graph, c)
    if k in (2, 4):
        return tr(f"the {name}")
    return tr(f"{_article(name)} {name} capillary")


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def the_name(graph: BodyGraph, c: int) -> str:
    """'the liver' (in the current language: 'el hígado')."""
    return tr(f"the {short_name(graph, c)}")


def tumour_phrase(primary_name: str) -> str:
    """'the breast tumour' (in the current language)."""
    return tr(f"the {primary_name} tumour")


def place_names(graph: BodyGraph) -> list[str]:
    """Every English phrase ``place_phrase``, ``the_name`` and the full names can ask ``tr`` for."""
    out = []
    for c in range(graph.n):
        name = short_name(graph, c)
        out += [f"the {name}", graph.names[c], graph.names[c].split(" (")[0]]
        if int(graph.kind[c]) not in (2, 4):
            out.append(f"{_article(name)} {name} capillary")
    return out


def count_text(x: float) -> str:
    """Plain counts: '7', '1,240', '3.4 million', '19 billion'."""
    x = float(x)
    if x < 10_000:
        return num(x)
    for div, word in ((1e12, "{n} trillion"), (1e9, "{n} billion"), (1e6, "{n} million")):
        if x >= div:
            v = x / div
            return tr(word, n=num(v, 1) if v < 10 else num(v))
    return num(x)


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Caption:
    text: str
    step: str  # one of STEPS
    priority: int = 0  # higher jumps the queue
    #: Makes ``text`` again in the current language (a language switch re-renders the caption).
    make: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, make: Callable[[], str], step: str, priority: int = 0) -> Caption:
        return cls(make(), step, priority, make)

    def again(self) -> str:
        return self.make() if self.make is not None else tr(self.text)


class Narrator:
    """Chooses the caption for the current frame."""

    def __init__(self, graph: BodyGraph, primary: str, primary_name: str):
        self.graph = graph
        self.primary = graph.index[primary]
        self.primary_name = primary_name
        self.reset()

    def reset(self) -> None:
        self.current: Caption | None = None
        self._since = -1e9
        self._firsts: set[str] = set()
        self._rot = 0
        self._window_s = 0.0
        self._acc = None

    def set_primary(self, primary: str, primary_name: str) -> None:
        self.primary = self.graph.index[primary]
        self.primary_name = primary_name
        self.reset()

    def push(self, caption: Caption, now_s: float) -> Caption:
        """Show ``caption`` now (follow mode and user actions use this)."""
        self.current = caption
        self._since = now_s
        return caption

    def update(self, frame: FrameData, now_s: float, growth: bool) -> Caption | None:
        self._accumulate(frame)
        held = now_s - self._since
        rare = self._rare_event(frame)
        if rare is not None and (held >= HOLD_RARE_S or rare.priority > (self.current.priority if self.current else 0)):
            return self.push(rare, now_s)
        if held < HOLD_S:
            return None
        cap = self._summary(frame, growth)
        self._acc = None
        self._window_s = 0.0
        return self.push(cap, now_s) if cap else None

    # --- rare events, once each or when they happen ------------------------------------------------
    def _rare_event(self, f: FrameData) -> Caption | None:
        """A caption for a rare event of this frame, if there is one.

        Long: one branch per rare event (a switch, a first colony, a first arrest or escape in an organ), in the
        order their captions take precedence."""
        g = self.graph
        s = f.snap
        if f.switched_lesions.any():
            c = int(s.lesion_comp[f.switched_lesions][0])
            return Caption.of(
                lambda: tr(
                    "A micrometastasis in {organ} has grown its own blood vessels. Now it can grow into a real tumour.",
                    organ=the_name(g, c),
                ),
                "macro",
                3,
            )
        if f.new_lesions.any():
            c = int(s.lesion_comp[f.new_lesions][0])
            key = f"micro:{c}"
            if key not in self._firsts:
                self._firsts.add(key)
                woke = f.counters_delta.shape[0] and counter(f.counters_delta, "woke") > 0
                if woke:
                    text = (
                        "A sleeping cell in {organ} woke up and began to divide: "
                        "a micrometastasis, still far too small to see."
                    )
                else:
                    text = (
                        "A cell that escaped into {organ} has started to divide. This tiny colony is a micrometastasis."
                    )
                return Caption.of(lambda: tr(text, organ=the_name(g, c)), "micro", 2)
        if len(f.regressed_comp) and "regress" not in self._firsts:
            self._firsts.add("regress")
            c = int(f.regressed_comp[0])
            return Caption.of(
                lambda: tr("A micrometastasis in {organ} has died out, as most of them do.", organ=the_name(g, c)),
                "micro",
                1,
            )
        ex = f.new_extravasations
        if ex.sum() > 0 and f.dt_s <= 3600:
            c = int(np.argmax(ex))
            key = f"ex:{c}"
            clustered = f.pools.cluster_arrested_now[c] > 0
            if key not in self._firsts:
                self._firsts.add(key)
                if clustered:
                    text = "Cells of a cluster are squeezing out of {place} into the tissue around it…"
                else:
                    text = "A cell is squeezing out of {place} into the tissue around it…"
                return Caption.of(lambda: tr(text, place=place_phrase(g, c)), "extravasate", 1)
        arr = f.new_arrests
        if arr.sum() > 0 and f.dt_s <= 600:
            c = int(np.argmax(arr))
            key = f"arr:{c}"
            if key not in self._firsts:
                self._firsts.add(key)
                n = arr[c]
                held = g.kind[c] == KIND_NODE
                if n < 2:
                    text = "A cell is held in {place}: arrest." if held else "A cell is stuck in {place}: arrest."
                else:
                    text = (
                        "{n} cells are held in {place}: arrest." if held else "{n} cells are stuck in {place}: arrest."
                    )

                def make():
                    return (
                        tr(text, n=count_text(n), place=place_phrase(g, c))
                        + " "
                        + tr("Most arrested cells will die there.")
                    )

                return Caption.of(make, "arrest", 1)
        return None

    # --- summaries, rotating, for the time scale on screen -----------------------------------------
    def _accumulate(self, f: FrameData) -> None:
        if self._acc is None:
            self._acc = np.zeros_like(f.snap.counters)
        if f.counters_delta.shape == self._acc.shape:
            self._acc += f.counters_delta
        self._window_s += f.dt_s

    def _summary(self, f: FrameData, growth: bool) -> Caption | None:
        """A summary caption for this moment: one of the candidates, each from the same counters.

        Long: it builds the candidates (shedding, deaths in transit, arrest, dormancy, colonies) side by side
        from the counters it reads once, then picks one; split, each would read them again."""
        s = f.snap
        acc = self._acc if self._acc is not None else np.zeros_like(s.counters)
        window_s = self._window_s
        span = duration_text(window_s) if window_s > 0 else ""
        shed = counter(s.counters, "shed")
        dead_transit = (
            counter(s.counters, "died_anoikis") + counter(s.counters, "died_shear") + counter(s.counters, "died_immune")
        )
        dormant = float(s.dormant_cells.sum())
        micro = int((s.lesion_state == MICRO).sum())
        macro = int((s.lesion_state == MACRO).sum())
        options: list[Caption] = []
        if not growth:
            shed_now = counter(acc, "shed")
            if shed_now > 0 and span:
                options.append(
                    Caption.of(
                        lambda: tr(
                            "In the last {span}, {tumour} shed {n} cells into its veins and lymph.",
                            span=duration_text(window_s),
                            tumour=tumour_phrase(self.primary_name),
                            n=count_text(shed_now),
                        ),
                        "shed",
                    )
                )
            if shed > 0:
                pct = 100.0 * dead_transit / shed
                options.append(
                    Caption.of(
                        lambda: tr(
                            "Almost all shed cells die within minutes, most by anoikis: cut off, they kill themselves. "
                            "{pct} % of {n} so far.",
                            pct=num(pct, 2),
                            n=count_text(shed),
                        ),
                        "transit",
                    )
                )
            moving = float(s.packet_cells[s.packet_nclu >= 0].sum())
            if moving > 0:
                options.append(
                    Caption.of(
                        lambda: tr(
                            "{n} living cancer cells are travelling in blood and lymph right now. "
                            "Bright dots are alive; dim ones are dying.",
                            n=count_text(moving),
                        ),
                        "transit",
                    )
                )
            else:
                options.append(
                    Caption.of(
                        lambda: tr(
                            "Bright dots are living cancer cells; dim dots are shed cells that are already dying."
                        ),
                        "transit",
                    )
                )
        else:
            new_micro = counter(acc, "micrometastases_founded")
            regressed = counter(acc, "micrometastases_regressed")
            if span and (new_micro or regressed):
                options.append(
                    Caption.of(
                        lambda: tr(
                            "In the last {span}: {n} new micrometastases, {m} died out.",
                            span=duration_text(window_s),
                            n=count_text(new_micro),
                            m=count_text(regressed),
                        ),
                        "micro",
                    )
                )
            if dormant > 0:
                options.append(
                    Caption.of(
                        lambda: tr("{n} cells sleep in organs and nodes. No scan can see them.", n=count_text(dormant)),
                        "dormant",
                    )
                )
            if macro:
                options.append(
                    Caption.of(
                        lambda: tr(
                            "{n} lesions have their own blood supply and keep growing; {m} smaller ones have not.",
                            n=num(macro),
                            m=num(micro),
                        ),
                        "macro",
                    )
                )
            options.append(
                Caption.of(
                    lambda: tr(
                        "{tumour} keeps growing and shedding cells. Only a few of them will ever found a metastasis.",
                        tumour=cap_first(tumour_phrase(self.primary_name)),
                    ),
                    "shed",
                )
            )
        if not options:
            return None
        self._rot = (self._rot + 1) % len(options)
        return options[self._rot]
