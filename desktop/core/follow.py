"""Follow one released cluster through the body, frame by frame, and narrate its journey.

Packets get a new id when they pass a junction (cells arriving at a compartment leave again as
new packets), so the tracker hands over to the new cluster packet nearest to where the old one
vanished. When it vanishes for good at a capillary bed that just gained arrested cells, it has
arrested there; the tracker then watches that organ until its cells have died or escaped.
Pure Python/numpy; it returns captions and speed requests, the controller acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.core.frames import FrameData
from desktop.core.i18n import tr
from desktop.core.narrator import Caption, place_phrase, the_name, tumour_phrase
from sim_core import KIND_NODE, KIND_ORGAN, BodyGraph

IDLE, TRAVELLING, ARRESTED, DONE = "idle", "travelling", "arrested", "done"
HANDOVER_UNITS = 40.0
ARRIVE_UNITS = 25.0
WATCH_WALL_S = 25.0


@dataclass
class FollowUpdate:
    caption: Caption | None = None
    speed: int | None = None  # index into SPEEDS the follow wants now
    finished: bool = False


class FollowTracker:
    def __init__(self, graph: BodyGraph, travel_speed: int, watch_speed: int, after_speed: int):
        self.graph = graph
        self.travel_speed = travel_speed
        self.watch_speed = watch_speed
        self.after_speed = after_speed
        self.state = IDLE
        self.pid = -1
        self.xy = np.zeros(2)
        self.cells = 0
        self.start_cells = 0
        self.organ = -1
        self._max_id = -1
        self._watch_t0 = 0.0
        self._escaped = 0.0
        self._arrested_last = 0.0
        self._passed: list[int] = []

    @property
    def active(self) -> bool:
        return self.state in (TRAVELLING, ARRESTED)

    def start(self, pid: int, cells: int, xy, source_name: str) -> FollowUpdate:
        self.state = TRAVELLING
        self.pid = int(pid)
        self.cells = self.start_cells = int(cells)
        self.xy = np.asarray(xy, float)
        self._max_id = int(pid)
        self._passed = []
        self.organ = -1
        return FollowUpdate(
            Caption.of(
                lambda: tr(
                    "Watch one cluster of {n} cells break away from {tumour} into a vein, shown at three times real speed.",  # noqa: E501  (a translated sentence, kept whole)
                    n=cells,
                    tumour=tumour_phrase(source_name),
                ),
                "shed",
                5,
            ),
            self.travel_speed,
        )

    def stop(self) -> None:
        self.state = IDLE

    def update(self, f: FrameData, now_s: float) -> FollowUpdate:
        if self.state == TRAVELLING:
            return self._travel(f, now_s)
        if self.state == ARRESTED:
            return self._watch(f, now_s)
        return FollowUpdate()

    def _travel(self, f: FrameData, now_s: float) -> FollowUpdate:
        s = f.snap
        g = self.graph
        hit = np.flatnonzero(s.packet_id == self.pid)
        new_ids = s.packet_id > self._max_id
        if s.packet_id.size:
            self._max_id = max(self._max_id, int(s.packet_id.max()))
        if hit.size:
            i = int(hit[0])
            self.xy = s.packet_xy[i].copy()
            lost = self.cells - int(s.packet_cells[i])
            self.cells = int(s.packet_cells[i])
            if lost > 0:
                left = self.cells
                return FollowUpdate(
                    Caption.of(
                        lambda: tr("{n} of its cells died on the way. {m} are still travelling.", n=lost, m=left),
                        "transit",
                        5,
                    )
                )
            return FollowUpdate()
        # handover at a junction: the nearest new cluster packet
        cand = np.flatnonzero(new_ids & (s.packet_nclu >= 1))
        if cand.size:
            d = np.hypot(*(s.packet_xy[cand] - self.xy).T)
            j = int(cand[np.argmin(d)])
            if d.min() <= HANDOVER_UNITS:
                c = self._nearest_comp(self.xy)
                self.pid = int(s.packet_id[j])
                self.xy = s.packet_xy[j].copy()
                self.cells = int(s.packet_cells[j])
                if c >= 0 and c not in self._passed:
                    self._passed.append(c)
                    return FollowUpdate(self._passing_caption(c))
                return FollowUpdate()
        c = self._nearest_comp(self.xy)
        if c >= 0 and f.new_arrests[c] > 0:
            self.state = ARRESTED
            self.organ = c
            self._watch_t0 = now_s
            self._arrested_last = float(f.pools.cluster_arrested_now[c])
            self._escaped = 0.0
            text = (
                "The cluster is held in {place}: arrest. Speeding up: now an hour passes every second."
                if g.kind[c] == KIND_NODE
                else "The cluster is stuck in {place}: arrest. Speeding up: now an hour passes every second."
            )
            return FollowUpdate(Caption.of(lambda: tr(text, place=place_phrase(g, c)), "arrest", 5), self.watch_speed)
        self.state = DONE
        text = "The cluster's last cells died on the way. Most circulating tumour cells end like this."
        return FollowUpdate(Caption.of(lambda: tr(text), "transit", 5), self.after_speed, finished=True)

    def _watch(self, f: FrameData, now_s: float) -> FollowUpdate:
        c = self.organ
        g = self.graph
        left = float(f.pools.cluster_arrested_now[c])
        # cells of arrested clusters that left the capillary this frame, of which at most the
        # organ's new extravasations escaped (the rest died): the cluster's own escapees
        drop = max(self._arrested_last - left, 0.0)
        self._arrested_last = left
        self._escaped = min(self._escaped + min(float(f.new_extravasations[c]), drop), self.start_cells)
        if f.new_extravasations[c] > 0:
            return FollowUpdate(
                Caption.of(
                    lambda: tr(
                        "Cells are squeezing out of the capillary into {organ} tissue: extravasation.",
                        organ=the_name(g, c),
                    ),
                    "extravasate",
                    5,
                )
            )
        if left <= 0.5 or now_s - self._watch_t0 > WATCH_WALL_S:
            self.state = DONE
            esc = int(round(self._escaped))
            start = self.start_cells
            if esc >= start:
                text = "All {n} of its cells escaped into {organ}. Now months pass every second."
            elif esc:
                text = (
                    "{n} of its {m} cells escaped into {organ}; the others died "
                    "or are still stuck. Now months pass every second."
                )
            else:
                text = "None of its {m} cells escaped yet. Now months pass every second: watch what grows."
            return FollowUpdate(
                Caption.of(lambda: tr(text, n=esc, m=start, organ=the_name(g, c)), "dormant", 5),
                self.after_speed,
                finished=True,
            )
        return FollowUpdate()

    def _passing_caption(self, c: int) -> Caption:
        g = self.graph
        cid = g.ids[c]
        if cid == "heart:right":
            text = "It tumbles through the right heart, which pumps it straight into the lungs."
        elif cid == "heart:left":
            text = "It reaches the left heart, which pumps it out into the arteries of the whole body."
        elif cid.startswith("vein:portal"):
            text = "It enters the portal vein, which carries blood from the gut to the liver."
        elif cid == "artery:aorta":
            text = "It is in the aorta now; blood flow decides which organ it reaches."
        elif g.kind[c] in (KIND_ORGAN, KIND_NODE):
            return Caption.of(
                lambda: tr("It squeezes through {place} without sticking, and travels on.", place=place_phrase(g, c)),
                "transit",
                5,
            )
        else:
            return Caption.of(lambda: tr("It passes {organ} and travels on.", organ=the_name(g, c)), "transit", 5)
        return Caption.of(lambda: tr(text), "transit", 5)

    def _nearest_comp(self, xy) -> int:
        d = np.hypot(*(self.graph.xy - np.asarray(xy)).T)
        c = int(np.argmin(d))
        return c if d[c] <= ARRIVE_UNITS else -1
