"""SimController: owns the Engine and its runner; play, pause, step, speed, reset, scenario,
parameters and the 'release a cluster' journey. Panels send intents here and views listen to
its past-tense signals; nothing else touches the engine.

While the run plays on the runner's timer, the engine steps on its own thread
(``engine_thread.EngineWorker``): each tick takes the frame the worker finished, publishes it and
hands the worker the next batch, without waiting for a step. Hand-driven ticks (tests, the soak,
``--smoke-frames``), "step", ``advance_days`` and "release a cluster" run synchronously after the
batch in flight (if any) has finished. Resolution follows the clock: cell resolution (one packet
per shed cell or cluster) at transit speeds, pooled packets at growth speeds; the switch keeps
every cell (``Engine.set_resolution``).
"""

from __future__ import annotations

import threading
import time
import weakref

import numpy as np
from PySide6.QtCore import QObject, Signal

from desktop.core.follow import FollowTracker
from desktop.core.frames import FrameData, FrameDiffer, Pools
from desktop.core.i18n import num, tr
from desktop.core.journey import founder_journey
from desktop.core.narrator import Caption, Narrator, place_phrase, short_name, tumour_phrase
from desktop.core.speeds import (
    AFTER_FOLLOW_SPEED,
    DEFAULT_SPEED,
    FAST_FORWARD,
    FOLLOW_SPEED,
    SPEEDS,
    STEP_FRAMES_PER_S,
    WATCH_SPEED,
    duration_text,
)
from desktop.window.engine_thread import BatchResult, EngineWorker, threadsafe_layer
from desktop.window.runners import MAX_WALL_DT_S, TickRunner
from desktop.window.theme import ROUTE_WORDS
from sim_core import BLOOD_KINDS, BY_PATH, Engine, InputError, RecordedEngine, Scenario, default_graph, load_scenario

DEFAULT_SCENARIO = "breast"
CLUSTER_CELLS = 40
#: Wall time one worker batch may spend stepping (the GUI paints meanwhile on the other core).
BATCH_BUDGET_S = 0.014
#: Below this many shed cells per screen second the window says that shedding is sparse.
SPARSE_PER_SCREEN_S = 3.0
#: Cell resolution is kept while at most this many packets are in flight (twice the live
#: benchmark's heaviest row, 10^6 at about 5 frames a second) and while one minute of body time
#: sheds fewer cells than that. Late in a run the tumours can shed millions of cells a second:
#: each step would then add hundreds of thousands of packets until the pool is full, so the window
#: stays on pooled packets at transit speeds too and says so (``dense_note``).
CELLS_MAX_IN_FLIGHT = 2_000_000
DENSE_LOOKAHEAD_S = 60.0
#: ``advance_days`` checks after every chunk of this many days, so a run stops on the day the burden
#: kills (``patient.lethal_cells``) instead of going on past it.
ADVANCE_CHUNK_DAYS = 1.0


#: The engine steps on its own thread only where numba's threading layer allows two threads to
#: launch parallel kernels at once (else the runner steps it on the GUI thread, as before).
_THREADED = threadsafe_layer()


def resolution_for(speed) -> str:
    """Cell resolution at transit time scales (each shed cell is its own dot), pooled packets at
    growth scales (packets cross the body within a frame; pooling keeps years per second cheap)."""
    return "packets" if speed.growth else "cells"


class SimController(QObject):
    snapshot_ready = Signal(object)  # FrameData
    scenario_changed = Signal(object)  # Scenario (the one now loaded)
    parameter_changed = Signal(str, float)
    playing_changed = Signal(bool)
    speed_changed = Signal(int)
    caption_changed = Signal(object)  # Caption
    reset_done = Signal()
    follow_changed = Signal(int)  # followed packet id, -1 when none
    journey_ready = Signal(object)  # Journey to replay on the map
    error_occurred = Signal(str)
    _batch_done = Signal()  # from the engine thread: a frame is ready (queued)

    def __init__(self, scenario: Scenario | str = DEFAULT_SCENARIO, seed: int | None = None, parent=None):
        super().__init__(parent)
        self.graph = default_graph()
        self.runner = TickRunner(self.advance, self.publish, self)
        self.worker = EngineWorker(done=self._batch_done.emit)
        weakref.finalize(self, self.worker.stop)
        self._batch_done.connect(self._on_batch_done)
        if _THREADED:
            self.runner.async_tick = self._async_tick
        self._owed_at = 0.0  # when owed time was last counted
        self._pumped = False  # a finished batch started the next one since the last tick
        self._published_at = 0.0
        self.speed_index = DEFAULT_SPEED
        self._debt_s = 0.0
        self._owed_s = 0.0  # body seconds owed while a batch was still running
        self._owed_wall_s = 0.0
        self._generation = 0  # bumped when the engine object is replaced
        self._epoch = 0  # bumped when the speed changes
        self._shadow = None  # parameters as set, while the worker has yet to apply them
        self._gui_thread = threading.current_thread()
        self.batch_stats = {"batches": 0, "steps": 0, "step_wall_s": 0.0, "busy_ticks": 0, "wait_s_max": 0.0}
        self.runner.body_s_per_s = SPEEDS[self.speed_index].body_s_per_s
        self.last_frame: FrameData | None = None
        self._curve_key = None
        self._curve = None
        self._sparse_said = None
        self._death_said = None  # the engine generation whose death was said
        self._refused = None  # (engine, speed epoch, resolution) of a switch the pool refused
        self._dense = None  # (engine, speed epoch) at which shedding was too dense for cells
        self.seed_override = seed
        self._load(scenario)

    # --- scenario and engine ----------------------------------------------------------------------
    def _load(self, scenario: Scenario | str) -> None:
        sc = load_scenario(scenario) if isinstance(scenario, str) else scenario.copy()
        if self.seed_override is not None:
            sc.seed = int(self.seed_override)
        self.scenario = sc
        # RecordedEngine: same numbers, plus the step history a run receipt needs (Lab exports);
        # a new object, so a batch still stepping the old engine never touches this one
        self._engine: Engine = RecordedEngine(sc, resolution=resolution_for(self.speed))
        self._generation += 1
        self._shadow = None
        self._debt_s = 0.0
        self._owed_s = self._owed_wall_s = 0.0
        self.differ = FrameDiffer(self.graph, sc.primary)
        name = short_name(self.graph, self.graph.index[sc.primary])
        self.narrator = Narrator(self.graph, sc.primary, name)
        self.follow = FollowTracker(
            self.graph, travel_speed=FOLLOW_SPEED, watch_speed=WATCH_SPEED, after_speed=AFTER_FOLLOW_SPEED
        )
        self.last_frame = None

    @property
    def engine(self) -> Engine:
        """The engine, once the batch in flight (if any) has finished: what the caller reads is a
        state between two steps. Frame handlers run between batches and never wait here."""
        self._sync()
        return self._engine

    @engine.setter
    def engine(self, eng: Engine) -> None:
        self._sync()
        self._engine = eng
        self._generation += 1
        self._shadow = None

    def clock_days(self) -> float:
        """The engine's clock without waiting for the batch in flight (for measuring how fast the
        body time goes; ``engine`` is the state to read numbers from)."""
        return self._engine.t_days

    @property
    def params(self):
        """The parameters in force, including changes posted to the worker and not yet applied."""
        if self._shadow is not None and self.worker.busy:
            return self._shadow
        return self._engine.params

    @property
    def resolution(self) -> str:
        return self._engine.resolution

    def _sync(self) -> None:
        """Wait for the batch in flight (only from the GUI thread; a no-op when none runs)."""
        if self.worker.busy and threading.current_thread() is self._gui_thread:
            waited = self.worker.wait_idle()
            self.batch_stats["wait_s_max"] = max(self.batch_stats["wait_s_max"], waited)
            self._collect(publish=False)
        if not self.worker.busy:
            self._shadow = None

    def _on_engine(self, fn) -> None:
        """Run ``fn`` (a change to the engine) between two steps: posted to the worker while a batch
        runs, else now."""
        if not self.worker.post(fn):
            fn()

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
        self._say(
            Caption.of(
                lambda: tr(
                    "{title}. Press “Release a cluster” to follow one journey through the body.", title=tr(title)
                ),
                "shed",
                1,
            )
        )

    def load_run(self, scenario: Scenario, engine: Engine | None = None) -> None:
        """Continue from ``scenario`` at time zero, or from ``engine`` (a replayed run receipt) as it
        stands; the file's own seed is kept and "Reset all" goes back to ``scenario``."""
        self.seed_override = None
        self._load(scenario)
        if engine is not None:
            self.engine = engine
            self._switch_resolution(self.resolution_now())
        self.scenario_changed.emit(self.scenario)
        self._emit_all_parameters()
        self.follow_changed.emit(-1)
        self.publish()

    def reset_all(self) -> None:
        """Back to time zero with the scenario's own parameters and seed, at the starting speed."""
        self.speed_index = DEFAULT_SPEED  # so the new engine starts at that speed's resolution
        self._load(self.scenario)
        self.set_speed(DEFAULT_SPEED)
        self._emit_all_parameters()
        self.follow_changed.emit(-1)
        self.reset_done.emit()
        self.publish()

    def _emit_all_parameters(self) -> None:
        for spec in BY_PATH.values():
            self.parameter_changed.emit(spec.path, float(self.params[spec.path]))

    # --- parameters -------------------------------------------------------------------------------
    def set_parameter(self, path: str, value: float) -> bool:
        try:
            trial = self.params.copy()  # validated here; applied between two steps
            trial.set(path, float(value))
        except (InputError, KeyError) as exc:
            self.error_occurred.emit(str(exc))
            return False
        v = float(trial[path])
        eng = self._engine
        if self.worker.post(lambda: eng.set_param(path, v)):
            self._shadow = trial
        else:
            eng.set_param(path, v)
        self.parameter_changed.emit(path, v)
        return True

    def set_treatment(self, on: bool, strength: float) -> None:
        """Anti-angiogenic treatment on (from now, so resistance is counted from today) or off."""
        if on:
            self.set_parameter("antiangio.start_day", min(self._engine.t_days, BY_PATH["antiangio.start_day"].hi))
            self.set_parameter("antiangio.strength", strength)
        else:
            self.set_parameter("antiangio.strength", 0.0)

    # --- time -------------------------------------------------------------------------------------
    def play(self) -> None:
        if self._engine.death_day is not None:
            self._say_death()  # the run ended: nothing left to play until a reset
            return
        if not self.runner.running:
            self._owed_at, self._pumped = time.perf_counter(), False
            self.runner.start()
            self.playing_changed.emit(True)
            self._say_if_sparse()

    def pause(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self._sync()  # the batch in flight ends the run where the clock stops
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, index: int) -> None:
        index = min(max(int(index), 0), len(SPEEDS) - 1)
        self.speed_index = index
        self._debt_s = 0.0
        self._owed_s = self._owed_wall_s = 0.0
        self._epoch += 1
        self.runner.body_s_per_s = SPEEDS[index].body_s_per_s
        self.runner.actual_rate = 0.0
        self._switch_resolution(self.resolution_now())
        self.speed_changed.emit(index)
        self._say_if_sparse()

    def _switch_resolution(self, resolution: str) -> None:
        """Cells <-> pooled packets between two steps, every cell kept; the next frame diff does not
        read the new packet ids as deaths. A cell pool too small for what is in transit keeps
        pooled packets (and says so)."""
        eng, differ = self._engine, self.differ
        key = (id(eng), self._epoch, resolution)
        if self._refused == key:
            return  # refused at this speed already: pooled until the speed changes

        def switch():
            if eng.resolution == resolution:
                return
            try:
                eng.set_resolution(resolution)
            except MemoryError as exc:
                self._refused = key
                self.error_occurred.emit(str(exc))
                return
            differ.forget_packets()

        self._on_engine(switch)

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
        self._sync()
        if self._engine.death_day is not None:
            self._debt_s = 0.0
            return 0.0
        self._follow_the_clock()
        done, self._debt_s, _ = pay_debt(self._engine, self.step_s, self._debt_s + body_s, budget_s)
        return done

    def advance_days(self, days: float) -> None:
        """Run the model ``days`` further in day-long steps (screenshots, tests), then publish. Day
        steps are a growth time scale, so they run on pooled packets; the speed's resolution
        comes back when the clock next steps the engine (every cell kept both ways)."""
        if days > 0:
            eng = self.engine
            eng.set_resolution("packets")
            left = days
            while left > 1e-9 and eng.death_day is None:  # a run ends where the burden kills
                chunk = min(left, ADVANCE_CHUNK_DAYS)
                eng.advance(chunk, 1.0)
                left -= chunk
            self.differ.forget_packets()
        self.publish()

    def _follow_the_clock(self) -> None:
        """Before the clock steps the engine: the resolution of its speed (``advance_days`` leaves
        pooled packets, so a fork or export right after it is of a pooled run)."""
        dense = self._dense
        want = self.resolution_now()
        if self._engine.resolution != want:
            self._switch_resolution(want)
        if self._dense != dense and not self.follow.active:
            note = self.dense_note()
            if note is not None:
                self._say(Caption.of(lambda: self.dense_note() or note, "shed", 2))

    def resolution_now(self) -> str:
        """The speed's resolution (``resolution_for``), but pooled packets while shedding is too
        dense to follow cell by cell (``CELLS_MAX_IN_FLIGHT``), judged from the last frame and
        kept for the rest of this speed so the view does not flip back and forth."""
        want = resolution_for(self.speed)
        if want != "cells":
            return want
        key = (id(self._engine), self._epoch)
        if self._dense == key:
            return "packets"
        f = self.last_frame
        if f is not None:
            shed = float(f.extra.get("shed_per_body_s", 0.0)) * DENSE_LOOKAHEAD_S
            in_flight = int(f.snap.packet_id.shape[0]) if self._engine.resolution == "cells" else 0
            if max(shed, in_flight) > CELLS_MAX_IN_FLIGHT:
                self._dense = key
                return "packets"
        return want

    def dense_note(self) -> str | None:
        """A caption line when shedding is too dense to draw cell by cell at this speed."""
        if self.speed.growth or self._dense != (id(self._engine), self._epoch):
            return None
        f = self.last_frame
        per_s = float(f.extra.get("shed_per_body_s", 0.0)) if f is not None else 0.0
        return tr(
            "The tumours shed {n} cells a second now: too many to draw one by one, so each dot stands for many cells.",
            n=num(round(per_s, -3) if per_s >= 10_000 else per_s),
        )

    # --- the engine thread ------------------------------------------------------------------------
    def _async_tick(self, wall_dt_s: float) -> None:
        """A timer tick while playing: publish the frame the worker finished (if any), then hand it
        the time owed since. Never waits for a step."""
        now = time.perf_counter()
        if self._pumped:  # time up to the last pump is already owed
            wall_dt_s = now - self._owed_at
            self._pumped = False
        self._owed_at = now
        self._pay_forward(wall_dt_s)

    def _on_batch_done(self) -> None:
        """The worker finished a batch: show it and start the next at once, rather than at the next
        tick (so a batch longer than a frame costs one frame, not two); at most 60 times a second,
        and no more often than the runner's paced timer ticks."""
        r = self.runner
        if not r.running or r.manual or r.async_tick is None or not self.worker.has_result:
            return
        now = time.perf_counter()
        # no sooner than the timer's own pace: when little moves, the pacer (the body view) has
        # slowed the timer, and a pump at every finished batch would draw at the engine's rate
        # instead (measured in the kiosk's attract loop: 16-24 frames a second at growth speeds
        # while the pacer asked for 12, 40-46 while one cell travelled against 22-30)
        if now - self._published_at < 0.8 * max(1.0 / STEP_FRAMES_PER_S, r.interval_ms / 1000.0):
            return  # the timer's next tick takes it
        dt = now - self._owed_at if self._owed_at else 0.0
        self._owed_at = now
        self._pumped = True
        self._pay_forward(dt)

    def _pay_forward(self, wall_dt_s: float) -> None:
        wall_dt_s = min(max(wall_dt_s, 0.0), MAX_WALL_DT_S)
        self._collect(publish=True)
        if self._engine.death_day is not None or not self.runner.running:
            return  # the run ended (or was paused by the frame just shown)
        self._owed_s += self.runner.body_s_per_s * wall_dt_s
        self._owed_wall_s += wall_dt_s
        # a run heavier than the screen slows down instead of piling up time
        cap = self.runner.body_s_per_s * MAX_WALL_DT_S
        if self._owed_s > cap:
            self._owed_s, self._owed_wall_s = cap, MAX_WALL_DT_S
        if self.worker.busy:
            self.batch_stats["busy_ticks"] += 1
            return
        self._follow_the_clock()
        eng, differ, gen, epoch = self._engine, self.differ, self._generation, self._epoch
        step, body_s, wall_s, debt = self.step_s, self._owed_s, self._owed_wall_s, self._debt_s
        self._owed_s = self._owed_wall_s = 0.0

        def job(drain) -> BatchResult:
            t0 = time.perf_counter()
            done, left, n = pay_debt(eng, step, debt + body_s, BATCH_BUDGET_S, drain)
            t1 = time.perf_counter()
            drain()
            frame = self._make_frame(eng, differ)
            return BatchResult(gen, epoch, done, left, wall_s, n, t1 - t0, frame)

        self.worker.start(job)

    def _collect(self, publish: bool) -> None:
        """Take the worker's finished frame: its clock and debt, and (``publish``) show it."""
        r = self.worker.take()
        if r is None:
            return
        if r.error is not None:
            self.error_occurred.emit(f"{type(r.error).__name__}: {r.error}")
            self.runner.stop()
            self.playing_changed.emit(False)
            return
        if r.generation != self._generation:
            return  # a batch of an engine that has since been replaced
        st = self.batch_stats
        st["batches"] += 1
        st["steps"] += r.steps
        st["step_wall_s"] += r.step_wall_s
        if r.epoch == self._epoch:
            self._debt_s = r.debt_s
        if r.wall_s > 0:
            rate = r.done_s / r.wall_s
            a = self.runner.actual_rate
            self.runner.actual_rate = rate if a == 0 else 0.9 * a + 0.1 * rate
        if publish:
            self._published_at = time.perf_counter()
            self._finish_frame(r.frame)
        else:
            self.last_frame = r.frame

    def _make_frame(self, eng: Engine, differ: FrameDiffer) -> FrameData:
        """Snapshot, pools and frame diff of ``eng`` (on whichever thread steps it)."""
        frame = differ.diff(eng.snapshot(), Pools.from_engine(eng.pools), eng.params)
        frame.extra.update(self._treatment_readout(eng))
        frame.extra.update(self._sparse_readout(eng))
        return frame

    # --- frames -----------------------------------------------------------------------------------
    def publish(self) -> FrameData:
        self._sync()
        return self._finish_frame(self._make_frame(self._engine, self.differ))

    def _finish_frame(self, frame: FrameData) -> FrameData:
        """Captions and follow-the-cluster for ``frame``, then hand it to the views (GUI thread)."""
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
        if self._engine.death_day is not None and self._death_said != self._generation:
            self.pause()
            self._say_death()
        return frame

    def death_text(self) -> str | None:
        """What ends a run: the day its tumour burden reached ``patient.lethal_cells``, and how much
        of that burden was metastases (None while the patient lives)."""
        eng = self._engine
        if eng.death_day is None:
            return None
        burden = float(eng.burden())
        mets = max(burden - float(eng.primary_cells), 0.0)
        g = burden / eng.params["primary.cells_per_g"]
        mass = f"{num(g)} g" if g < 1000 else f"{num(g / 1000, 1)} kg"
        return tr(
            "Day {d}: the cancer now weighs about {mass}, {share} % of it in metastases, a burden "
            "that kills. The run ends here: metastases, not the first tumour, cause about 90 % of "
            "cancer deaths.",
            d=num(eng.death_day),
            mass=mass,
            share=num(100.0 * mets / burden if burden > 0 else 0.0),
        )

    def _say_death(self) -> None:
        self._death_said = self._generation
        text = self.death_text()
        if text is not None:
            self._say(Caption.of(lambda: self.death_text() or text, "macro", 3))

    def _say(self, caption: Caption, now: float | None = None) -> None:
        self.narrator.push(caption, time.perf_counter() if now is None else now)
        self.caption_changed.emit(caption)

    # --- journeys ---------------------------------------------------------------------------------
    def primary_vein(self) -> str:
        """The blood vessel that drains the primary (largest share)."""
        g = self.graph
        c = g.index[self.scenario.primary]
        blood = [v for v in g.out_vessels(c) if int(g.v_kind[v]) in BLOOD_KINDS]
        v = max(blood, key=lambda v: g.v_share[v])
        return g.v_ids[v]

    def release_cluster(self, cells: int = CLUSTER_CELLS) -> int:
        """Put a cluster into the primary's vein and follow it; returns its packet id."""
        vessel = self.primary_vein()
        self._sync()
        before = self._engine.snapshot().packet_id
        self._engine.inject(vessel, cells, cluster_cells=cells)
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
        j = founder_journey(g, self.scenario.primary, g.ids[comp], route, self.params)
        if j is None:
            self._say(
                Caption.of(
                    lambda: tr(
                        "This lesion's founder came {route}; its path cannot be traced from the primary.",
                        route=tr(ROUTE_WORDS[route]),
                    ),
                    "micro",
                    4,
                )
            )
            return None
        first = ROUTE_WORDS[int(g.v_kind[j.vessels[0]])]
        primary_name = self.narrator.primary_name
        if len(j.vessels) == 1:
            text = (
                "Replay: its founder went from {tumour} straight to {place} {route}. The real trip took about {trip}."
            )
        else:
            text = (
                "Replay: its founder left {tumour} {route}, passed {n} junctions and stopped in {place}. "
                "The real trip took about {trip}."
            )

        def make():
            return tr(
                text,
                tumour=tumour_phrase(primary_name),
                place=place_phrase(g, comp),
                route=tr(first),
                n=len(j.vessels) - 1,
                trip=duration_text(j.transit_s),
            )

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

    def _sparse_readout(self, eng: Engine) -> dict:
        """How many cells the tumours shed per body second now (the engine's own rule), for the
        'shedding is sparse' note."""
        return {
            "shed_per_body_s": eng.shed_per_day() / 86400.0,
            "viable_share": float(eng.params["shedding.viable_fraction"]),
        }

    def sparse_note(self) -> str | None:
        """A caption line when, at this transit speed, too few cells are shed to watch; None else.
        The dots drawn are every cell the model shed: none are invented to fill the screen."""
        f = self.last_frame
        if f is None or self.speed.growth:
            return None
        per_s = float(f.extra.get("shed_per_body_s", 0.0))
        per_screen_s = per_s * self.speed.body_s_per_s
        if per_screen_s >= SPARSE_PER_SCREEN_S:
            return None
        viable = per_s * float(f.extra.get("viable_share", 0.0))
        if per_s <= 0:
            return tr("Nothing is shedding cells now: what moves was shed before.")
        per_h = per_s * 3600
        n = num(per_h) if per_h >= 10 else num(per_h, 1)
        if viable > 0:
            return tr(
                "Shedding is sparse: {n} cells an hour, a living one every {t}. Each is drawn; none invented.",
                n=n,
                t=duration_text(1.0 / viable),
            )
        return tr("Shedding is sparse: {n} cells an hour, nearly all dying within minutes. None are invented.", n=n)

    def _say_if_sparse(self) -> None:
        key = (self.speed_index, self._generation)
        if self._sparse_said == key or self.speed.growth or self.follow.active:
            return
        note = self.sparse_note() or self.dense_note()
        if note is not None:
            self._sparse_said = key
            self._say(Caption.of(lambda: self.sparse_note() or self.dense_note() or note, "shed", 2))

    def _treatment_readout(self, eng: Engine | None = None) -> dict:
        """The treatment's effect on growth now (the drug's multiplier, diluted by the drug-adapted
        share of the primary) and its course from the start of treatment."""
        eng = self._engine if eng is None else eng
        p = eng.params
        m = eng.antiangio_multiplier(eng.t_days)
        effective = m + (1.0 - m) * eng.primary_res if eng.primary_cells > 0 else m
        out = {
            "antiangio_multiplier": effective,
            "antiangio_start_day": p["antiangio.start_day"],
            "antiangio_curve": None,
        }
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
        eng = self._engine
        if eng.primary_cells <= 0 or eng.surgery_day is not None:
            return
        day = min(max(eng.t_days, 1e-3), BY_PATH["surgery.at_day"].hi)
        if self.set_parameter("surgery.at_day", day):
            self._say(
                Caption.of(
                    lambda: tr(
                        "The primary tumour is removed. Cells that left it before surgery are still in the body; "
                        "some sleep for years."
                    ),
                    "shed",
                    6,
                )
            )


def pay_debt(eng: Engine, step: float, debt_s: float, budget_s: float, before_step=None) -> tuple[float, float, int]:
    """Pay ``debt_s`` body seconds in fixed steps of ``step`` until the wall-time budget is spent.

    Returns (body seconds done, debt left, steps). What the budget cannot pay is dropped (at most
    one step is carried), so a heavy run slows down instead of freezing; the step lengths depend only
    on the speed, never on the frame timing. ``before_step`` runs before each step (the worker
    applies posted changes there)."""
    t0 = time.perf_counter()
    done = 0.0
    n = 0
    while debt_s >= step * (1.0 - 1e-9):
        if before_step is not None:
            before_step()
        eng.step(step)
        debt_s -= step
        done += step
        n += 1
        if time.perf_counter() - t0 > budget_s:
            debt_s = min(debt_s, step)
            break
    return done, debt_s, n
