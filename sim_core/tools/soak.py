"""``seedsoil-sim soak``: run the engine at cell resolution on a fast clock for a number of wall
minutes and report whether it held: memory after warm-up, exceptions, conservation of cells.

The load is a heavy-shedding patient (a 10 g breast primary near its plateau, shedding 1e7 cells
per gram per day, half by lymph, dying shed cells living an hour): about 1e8 cells leave the
tumour per day and about 2 million packets are in the vessels at any moment, a steady load, so
that memory growing after warm-up means a leak rather than a bigger tumour. Every value is inside
its parameter's range.
"""

from __future__ import annotations

import gc
import sys
import time
import traceback

from sim_core.model.engine import Engine
from sim_core.model.scenario import Scenario, load_scenario
from sim_core.tools.memory import rss_mb

#: Parameter changes from the breast preset for the soak's load (see the module docstring).
SOAK_LOAD = {
    "primary.initial_cells": 1e9,
    "primary.max_cells": 1.2e9,
    "shedding.rate_per_g_day": 1e7,
    "shedding.lymph_fraction": 0.5,
    "transit.nonviable_death_per_h": 1.0,
}
STEP_S = 3600.0
WARMUP_SHARE = 0.1
#: Warm-up lasts at least this many steps (the first ones compile the kernels).
WARMUP_STEPS = 3
POOL_CAPACITY = 1 << 22


def soak_scenario(seed: int | None = None) -> Scenario:
    sc = load_scenario("breast")
    for path, value in SOAK_LOAD.items():
        sc.params.set(path, value)
    if seed is not None:
        sc.seed = int(seed)
    return sc


def run(minutes: float, seed: int | None = None, progress=None) -> dict:
    """Step until ``minutes`` of wall time have passed; the result is what ``--json`` prints.

    Long: the loop and the result share its counters (steps, exceptions, conservation violations,
    packets in flight, the RSS samples), and the result lists them in the order ``--json`` prints
    them."""
    say = progress or (lambda msg: None)
    start_rss = rss_mb()
    # the pool is sized for the load up front: growing it is part of warming up, not of a leak
    eng = Engine(soak_scenario(seed), resolution="cells", cell_capacity=POOL_CAPACITY)
    assert eng.cells is not None  # resolution="cells" always builds the cell transport
    t0 = time.perf_counter()
    end = t0 + 60.0 * minutes
    warm_at = t0 + WARMUP_SHARE * 60.0 * minutes
    warm_rss = None
    exceptions: list[str] = []
    violations = 0
    in_flight = []
    steps = 0
    last_say = t0
    while time.perf_counter() < end:
        try:
            eng.step(STEP_S)
        except Exception:  # counted and reported: the soak's job is to find these
            exceptions.append(traceback.format_exc(limit=3))
            if len(exceptions) > 20:
                break
            continue
        steps += 1
        now = time.perf_counter()
        if warm_rss is None and now >= warm_at and steps >= WARMUP_STEPS:
            gc.collect()
            warm_rss = rss_mb()
        if warm_rss is not None:
            in_flight.append(eng.cells.pool.n_used)
        if steps % 24 == 0:
            acc = eng.accounting()
            if abs(acc["came"] - acc["alive"] - acc["dead"]) > 1e-9 * max(1.0, acc["came"]) or min(acc.values()) < 0:
                violations += 1
        if now - last_say > 10.0:
            last_say = now
            say(f"day {eng.t_days:.1f}: {eng.cells.pool.n_used:,} packets in flight, {rss_mb():.0f} MB")
    gc.collect()
    end_rss = rss_mb()
    warm_rss = warm_rss if warm_rss is not None else end_rss
    growth = 100.0 * (end_rss - warm_rss) / warm_rss
    low = min(in_flight) if in_flight else 0
    res = {
        "minutes": round((time.perf_counter() - t0) / 60.0, 3),
        "simulated_days": round(eng.t_days, 3),
        "steps": steps,
        "step_s": STEP_S,
        "packets_in_flight": {
            "min_after_warmup": int(low),
            "mean_after_warmup": int(sum(in_flight) / len(in_flight)) if in_flight else 0,
            "max": int(max(in_flight)) if in_flight else 0,
        },
        "cells_shed": float(eng.counters[0]),
        "pool_capacity": eng.cells.pool.capacity,
        "rss_mb": {"start": round(start_rss, 1), "after_warmup": round(warm_rss, 1), "end": round(end_rss, 1)},
        "rss_growth_after_warmup_pct": round(growth, 2),
        "exceptions": len(exceptions),
        "exception_samples": exceptions[:3],
        "conservation_violations": violations,
        "python": sys.version.split()[0],
    }
    res["pass"] = bool(growth < 5.0 and not exceptions and violations == 0 and steps > 0)
    return res
