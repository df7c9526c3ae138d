"""SimController: owns the Engine and its runner; play, pause, step, speed, reset, scenario,
parameters and the 'release a cluster' journey. Panels send intents here and views listen to
its past-tense signals; nothing else touches the engine.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Signal

from sim_core import BY_PATH, Engine, InputError, RecordedEngine, Scenario, default_graph, load_scenario

from .follow import FollowTracker
from .frames import FrameData, FrameDiffer, Pools
from .journey import founder_journey
from .kiosk.i18n import tr
from .narrator import Caption, Narrator, place_phrase, short_name, tumour_phrase
from .runners import TickRunner
from .speeds import (
    AFTER_FOLLOW_SPEED,
    DEFAULT_SPEED,
    FAST_FORWARD,
    FOLLOW_SPEED,
    SPEEDS,
    STEP_FRAMES_PER_S,
    WATCH_SPEED,
    duration_text,
)
from .theme import ROUTE_WORDS

DEFAULT_SCENARIO = "breast"
CLUSTER_CELLS = 40


class SimController(QObject):
    snapshot_ready = Signal(object)       # FrameData
    scenario_changed = Signal(object)     # Scenario (the one now loaded)
    parameter_changed = Signal(str, float)
    playing_changed = Signal(bool)
    speed_changed = Signal(int)
    caption_changed = Signal(object)      # Caption
    reset_done = Signal()
    follow_changed = Signal(int)          # followed packet id, -1 when none
    journey_ready = Signal(object)        # Journey to replay on the map
    error_occurred = Signal(str)

    def __init__(self, scenario: Scenario | str = DEFAULT_SCENARIO, seed: int | None = None, parent=None):
        super().__init__(parent)
        self.graph = default_graph()
        self.runner = TickRunner(self.advance, self.publish, self)
        self.speed_index = DEFAULT_SPEED
        self._debt_s = 0.0
        self.runner.body_s_per_s = SPEEDS[self.speed_index].body_s_per_s
        self.last_frame: FrameData | None = None
        self._curve_key = None
        self._curve = None
        self._seed_override = seed
        self._load(scenario)

    # --- scenario and engine ----------------------------------------------------------------------
    def _load(self, scenario: Scenario | str) -> None:
        sc = load_scenario(scenario) if isinstance(scenario, str) else scenario.copy()
        if self._seed_override is not None:
            sc.seed = int(self._seed_override)
        self.scenario = sc
        # RecordedEngine: same numbers, plus the step history a run receipt needs (Lab exports)
        self.engine: Engine = RecordedEngine(sc)
        self._debt_s = 0.0
        self.differ = FrameDiffer(self.graph, sc.primary)
        name = short_name(self.graph, self.graph.index[sc.primary])
        self.narrator = Narrator(self.graph, sc.primary, name)
        self.follow = FollowTracker(self.graph, travel_speed=FOLLOW_SPEED, watch_speed=WATCH_SPEED,
                                     after_speed=AFTER_FOLLOW_SPEED)
        self.last_frame = None

    @property
    def params(self):
        return self.engine.params

    @property
    def playing(self) -> bool:
        return self.runner.running

    @property
    def speed(self):
        return SPEEDS[self.speed_index]

    def set_scenario(self, name_or_path: str) -> None:
        try:
            self._load(name_or_path)
        except InputError as exc:
            self.error_occurred.emit(str(exc))
            return
        self.scenario_changed.emit(self.scenario)
        self._emit_all_parameters()
        self.follow_changed.emit(-1)
        self.publish()
        title = self.scenario.title
        self._say(Caption.of(lambda: tr("{title}. Press “Release a cluster” to follow one journey through the body.",
                                        title=tr(title)), "shed", 1))

    def load_run(self, scenario: Scenario, engine: Engine | None = None) -> None:
        """Continue from ``scenario`` at time zero, or from ``engine`` (a replayed run receipt) as it
        stands; the file's own seed is kept and "Reset all" goes back to ``scenario``."""
        self._seed_override = None
        self._load(scenario)
        if engine is not None:
            self.engine = engine
        self.scenario_changed.emit(self.scenario)
        self._emit_all_parameters()
        self.follow_changed.emit(-1)
        self.publish()

    def reset_all(self) -> None:
        """Back to time zero with the scenario's own parameters and seed, at the starting speed."""
        self._load(self.scenario)
        self.set_speed(DEFAULT_SPEED)
        self._emit_all_parameters()
        self.follow_changed.emit(-1)
        self.reset_done.emit()
        self.publish()

    def _emit_all_parameters(self) -> None:
        for spec in BY_PATH.values():
            self.parameter_changed.emit(spec.path, float(self.engine.params[spec.path]))

    # --- parameters -------------------------------------------------------------------------------
    def set_parameter(self, path: str, value: float) -> bool:
        try:
            self.engine.set_param(path, float(value))
        except (InputError, KeyError) as exc:
            self.error_occurred.emit(str(exc))
            return False
        self.parameter_changed.emit(path, float(self.engine.params[path]))
        return True

    def set_treatment(self, on: bool, strength: float) -> None:
        """Anti-angiogenic treatment on (from now, so resistance is counted from today) or off."""
        if on:
            self.set_parameter("antiangio.start_day", min(self.engine.t_days, BY_PATH["antiangio.start_day"].hi))
            self.set_parameter("antiangio.strength", strength)
        else:
            self.set_parameter("antiangio.strength", 0.0)

    # --- time -------------------------------------------------------------------------------------
    def play(self) -> None:
        if not self.runner.running:
            self.runner.start()
            self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, index: int) -> None:
        index = min(max(int(index), 0), len(SPEEDS) - 1)
        self.speed_index = index
        self._debt_s = 0.0
        self.runner.body_s_per_s = SPEEDS[index].body_s_per_s
        self.runner.actual_rate = 0.0
        self.speed_changed.emit(index)

    def faster(self) -> None:
        self.set_speed(self.speed_index + 1)

    def slower(self) -> None:
        self.set_speed(self.speed_index - 1)

    def fast_forward(self) -> None:
        self.set_speed(FAST_FORWARD)
        self.play()

    def step_once(self) -> None:
        """Pause and advance by one frame's worth of body time at the current speed."""
        self.pause()
        self._debt_s = 0.0
        self.advance(self.speed.body_s_per_s / STEP_FRAMES_PER_S, budget_s=10.0)
        self._debt_s = 0.0
        self.publish()

    @property
    def step_s(self) -> float:
        """The fixed engine step at this speed: one 60th of a second's worth, at most ``max_step_s``.

        Fixed steps make a run depend only on (scenario, seed, speed), not on the frame rate.
        """
        sp = self.speed
        return min(sp.max_step_s, sp.body_s_per_s / STEP_FRAMES_PER_S)

    def advance(self, body_s: float, budget_s: float) -> float:
        """Owe the body ``body_s`` more seconds and pay in fixed steps, within ``budget_s`` of wall time.

        What the budget cannot pay is dropped (the clock then shows the rate actually reached)
        rather than carried, so a heavy run slows down instead of freezing.
        """
        t0 = time.perf_counter()
        step = self.step_s
        self._debt_s += body_s
        done = 0.0
        while self._debt_s >= step * (1.0 - 1e-9):
            self.engine.step(step)
            self._debt_s -= step
            done += step
            if time.perf_counter() - t0 > budget_s:
                self._debt_s = min(self._debt_s, step)
                break
        return done

    def advance_days(self, days: float) -> None:
        """Run the model ``days`` further in day-long steps (screenshots, tests), then publish."""
        if days > 0:
            self.engine.advance(days, 1.0)
        self.publish()

    # --- frames -----------------------------------------------------------------------------------
    def publish(self) -> FrameData:
        eng = self.engine
        frame = self.differ.diff(eng.snapshot(), Pools.from_engine(eng.pools), eng.params)
        frame.extra.update(self._treatment_readout())
        self.last_frame = frame
        now = time.perf_counter()
        if self.follow.active:
            upd = self.follow.update(frame, now)
            if upd.speed is not None and upd.speed != self.speed_index:
                self.set_speed(upd.speed)
            if upd.caption is not None:
                self._say(upd.caption, now)
            if upd.finished:
                self.follow_changed.emit(-1)
            elif self.follow.active:
                self.follow_changed.emit(self.follow.pid)
        else:
            cap = self.narrator.update(frame, now, self.speed.growth)
            if cap is not None:
                self.caption_changed.emit(cap)
        self.snapshot_ready.emit(frame)
        return frame

    def _say(self, caption: Caption, now: float | None = None) -> None:
        self.narrator.push(caption, time.perf_counter() if now is None else now)
        self.caption_changed.emit(caption)

    # --- journeys ---------------------------------------------------------------------------------
    def primary_vein(self) -> str:
        """The blood vessel that drains the primary (largest share)."""
        g = self.graph
        c = g.index[self.scenario.primary]
        blood = [v for v in g.out_vessels(c) if int(g.v_kind[v]) in (0, 1, 2, 5)]
        v = max(blood, key=lambda v: g.v_share[v])
        return g.v_ids[v]

    def release_cluster(self, cells: int = CLUSTER_CELLS) -> int:
        """Put a cluster into the primary's vein and follow it; returns its packet id."""
        vessel = self.primary_vein()
        before = self.engine.snapshot().packet_id
        self.engine.inject(vessel, cells, cluster_cells=cells)
        frame = self.publish()
        snap = frame.snap
        fresh = ~np.isin(snap.packet_id, before) & (snap.packet_nclu >= 1)
        if not fresh.any():
            return -1
        i = int(np.flatnonzero(fresh)[0])
        pid, xy = int(snap.packet_id[i]), snap.packet_xy[i]
        upd = self.follow.start(pid, cells, xy, self.narrator.primary_name)
        self.set_speed(upd.speed)
        self._say(upd.caption)
        self.follow_changed.emit(pid)
        self.play()
        return pid

    def stop_following(self) -> None:
        self.follow.stop()
        self.follow_changed.emit(-1)

    def replay_lesion(self, lesion_id: int):
        """Trace the likeliest journey of a lesion's founder cell and ask the map to replay it."""
        f = self.last_frame
        if f is None:
            return None
        hit = np.flatnonzero(f.snap.lesion_id == lesion_id)
        if hit.size == 0:
            return None
        i = int(hit[0])
        g = self.graph
        comp = int(f.snap.lesion_comp[i])
        route = int(f.snap.lesion_route[i])
        j = founder_journey(g, self.scenario.primary, g.ids[comp], route, self.engine.params)
        if j is None:
            self._say(Caption.of(lambda: tr("This lesion's founder came {route}; its path cannot be traced "
                                            "from the primary.", route=tr(ROUTE_WORDS[route])), "micro", 4))
            return None
        first = ROUTE_WORDS[int(g.v_kind[j.vessels[0]])]
        primary_name = self.narrator.primary_name
        if len(j.vessels) == 1:
            text = ("Replay: its founder went from {tumour} straight to {place} {route}. "
                    "The real trip took about {trip}.")
        else:
            text = ("Replay: its founder left {tumour} {route}, passed {n} junctions and stopped in {place}. "
                    "The real trip took about {trip}.")

        def make():
            return tr(text, tumour=tumour_phrase(primary_name), place=place_phrase(g, comp), route=tr(first),
                      n=len(j.vessels) - 1, trip=duration_text(j.transit_s))
        self._say(Caption.of(make, "transit", 4))
        self.journey_ready.emit(j)
        return j

    def history(self):
        """(t_days, cells per compartment, primary cells) recorded so far, plus the live moment."""
        rec = self.engine.recorder
        t = rec.t_days[: rec.n]
        cells = rec.cells[: rec.n]
        prim = rec.primary[: rec.n]
        if self.engine.t_days > (t[-1] if t.size else -1) + 1e-9:
            t = np.append(t, self.engine.t_days)
            cells = np.vstack([cells, self.engine.cells_per_compartment()[None, :]])
            prim = np.append(prim, self.engine.primary_cells)
        return t, cells, prim

    def _treatment_readout(self) -> dict:
        """The treatment's effect on growth now (the drug's multiplier, diluted by the drug-adapted
        share of the primary) and its course from the start of treatment."""
        eng = self.engine
        p = eng.params
        m = eng.antiangio_multiplier(eng.t_days)
        effective = m + (1.0 - m) * eng.primary_res if eng.primary_cells > 0 else m
        out = {"antiangio_multiplier": effective,
               "antiangio_start_day": p["antiangio.start_day"], "antiangio_curve": None}
        if p["antiangio.strength"] > 0:
            start = p["antiangio.start_day"]
            span = max(eng.t_days - start, 0.0) + 2 * 365.25
            days = np.linspace(0.0, span, 60)
            if self._curve_key != (p["antiangio.strength"], p["antiangio.resistance_months"], start):
                self._curve = (days, eng.treatment_effect(days, adapted=0.0))
                self._curve_key = (p["antiangio.strength"], p["antiangio.resistance_months"], start)
            out["antiangio_curve"] = self._curve
        return out

    # --- surgery ----------------------------------------------------------------------------------
    def remove_primary(self) -> None:
        """Surgery now: the primary is removed at the next step (a parameter change, so receipts and
        saved scenarios keep it); its cells stop shedding, what has already spread stays."""
        if self.engine.primary_cells <= 0 or self.engine.surgery_day is not None:
            return
        day = min(max(self.engine.t_days, 1e-3), BY_PATH["surgery.at_day"].hi)
        if self.set_parameter("surgery.at_day", day):
            self._say(Caption.of(lambda: tr(
                "The primary tumour is removed. Cells that left it before surgery are still in the body; "
                "some sleep for years."), "shed", 6))
