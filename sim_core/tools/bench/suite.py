"""``seedsoil-sim bench``: how fast cell-resolution transport runs, against this machine's limits
and against the same rules in plain numpy and in Mesa, all measured in one process so the ratios
hold on a shared, noisy machine.

The state stepped is synthetic and the same for every implementation: packets spread evenly over
the body's vessels at random positions, 60 % already-dying shed cells, 39 % viable single cells,
1 % clusters of 5, stepped by ``DT_S`` (blood packets hop through several vessels and beds in a
step; lymph packets mostly move on). The numba rows time a whole engine step (transport of every
packet, then the organs' bed and lesion updates); numpy and Mesa time the per-packet transport
only, which makes their ratios conservative.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from functools import partial
from typing import Any

import numba
import numpy as np

from sim_core.kernels.cells import A_DRAWS, A_PACKET_STEPS, CHUNK
from sim_core.model.cell_mode import CellTransport
from sim_core.model.engine import Engine
from sim_core.model.errors import InputError
from sim_core.model.scenario import load_scenario
from sim_core.tools.bench.rules import Tables, draw_limit, draw_limit_counts, mesa_step, numpy_step, streaming_limit

DT_S = 60.0
FULL_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SIZES = (10_000, 100_000)
MESA_PACKETS = 10_000
COLUMNS = ("vessel", "pos_h", "cells", "kind", "route", "pid")


def synthetic_state(graph, n: int, seed: int = 7) -> dict:
    """``n`` packets at random places in the vessels (setup only: not the model's random stream)."""
    rng = np.random.default_rng(seed)
    vessel = rng.integers(0, graph.m, n).astype(np.int16)
    kind = rng.choice(np.array([2, 0, 1], np.int8), size=n, p=[0.60, 0.39, 0.01])
    return {
        "vessel": vessel,
        "pos_h": (rng.random(n) * graph.v_transit_h[vessel]).astype(np.float32),
        "cells": np.where(kind == 1, 5, 1).astype(np.int16),
        "kind": kind,
        "route": (1 << graph.v_kind[vessel].astype(np.int64)).astype(np.uint8),
        "pid": np.arange(n, dtype=np.int64),
    }


def bench_engine(n: int) -> Engine:
    """A cell-resolution engine with no shedding (so the packet count is the one loaded)."""
    return Engine(
        load_scenario("breast"),
        shedding=False,
        resolution="cells",
        cell_capacity=max(CHUNK, n),
        max_packets=max(1 << 24, 2 * n),
    )


def _transport(eng: Engine) -> CellTransport:
    """The cell transport of an engine made by ``bench_engine`` (cell resolution)."""
    assert eng.cells is not None, "the benchmark steps cell-resolution engines"
    return eng.cells


def load_state(eng: Engine, state: dict) -> None:
    """Put ``state`` into the engine's pool, chunks filled from the front."""
    pool = _transport(eng).pool
    n = state["pid"].shape[0]
    if pool.capacity < n:
        pool.grow(n - pool.n_used)
    pool.n_live[:] = 0
    full, rest = divmod(n, CHUNK)
    pool.n_live[:full] = CHUNK
    if rest:
        pool.n_live[full] = rest
    for name in COLUMNS:
        getattr(pool, name)[:n] = state[name]
    pool.next_id = n


def survivors(eng: Engine) -> dict:
    pool = _transport(eng).pool
    i = pool.live_index()
    return {name: getattr(pool, name)[i].copy() for name in COLUMNS}


def same_packets(a: dict, b: dict) -> bool:
    oa, ob = np.argsort(a["pid"]), np.argsort(b["pid"])
    return all(np.array_equal(a[k][oa], b[k][ob]) for k in COLUMNS)


def engine_tally(eng: Engine) -> tuple:
    tr = _transport(eng)
    return (
        tr.acc.sum(0)[:5],
        tr.acc_died.sum(0),
        tr.acc_arr_s.sum(0),
        tr.acc_arr_c.sum(0),
        tr.acc_float.sum(0),
        tr.acc_clear.sum(0),
    )


def rules_tally(t) -> tuple:
    return (t.acc[:5], t.died, t.arr_s, t.arr_c, t.floating, t.cleared)


def same_tally(a: tuple, b: tuple) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _time_numba_step(eng: Engine, state: dict, reps: int, threads: int) -> tuple[float, dict, tuple, float]:
    """Best seconds of one engine step from ``state`` with ``threads`` threads; also the first
    step's survivors and tallies, and its draws per packet-step."""
    numba.set_num_threads(threads)
    best = math.inf
    first: tuple[dict, tuple, float] | None = None
    for r in range(reps):
        load_state(eng, state)
        eng.step_index = 0
        t0 = time.perf_counter()
        eng.step(DT_S)
        best = min(best, time.perf_counter() - t0)
        if r == 0:
            acc = _transport(eng).acc.sum(0)
            first = (survivors(eng), engine_tally(eng), acc[A_DRAWS] / max(1, acc[A_PACKET_STEPS]))
    assert first is not None, "reps >= 1"
    return best, first[0], first[1], first[2]


def _columns(state: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Copies of the packet columns of ``state`` in ``COLUMNS`` order (a tuple of known length, so
    the limit kernels' calls ``f(*cols, ...)`` and ``partial(f, *cols, ...)`` type-check)."""
    vessel, pos_h, cells, kind, route, pid = (state[c].copy() for c in COLUMNS)
    return vessel, pos_h, cells, kind, route, pid


def _tables(eng: Engine) -> Tables:
    dt_d = DT_S / 86400.0
    return Tables(eng.cells, eng.rates(eng.t_days + 0.5 * dt_d), eng.seed, 0)


def _best(fn, reps: int) -> float:
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bandwidth_gb_s(mib: int = 256) -> float:
    """Memory-copy traffic (bytes read + written per second) of a parallel numba copy."""
    a = np.ones(mib * (1 << 20) // 8)
    b = np.empty_like(a)
    _copy(a, b)
    secs = _best(lambda: _copy(a, b), 5)
    return 2 * a.nbytes / secs / 1e9


@numba.njit(cache=True, nogil=True, parallel=True)
def _copy(a, b):
    for i in numba.prange(a.shape[0]):
        b[i] = a[i]


_READY = """
import time, sys
t0 = time.perf_counter()
from sim_core import Engine, load_scenario
e = Engine(load_scenario("breast"), resolution="cells")
e.step(3600.0)
print(time.perf_counter() - t0)
"""

_MEMORY = """
import sys
from sim_core.tools.bench.suite import bench_engine, load_state, synthetic_state
from sim_core.tools.memory import peak_rss_of_this_process
n = int(sys.argv[1])
e = bench_engine(n)
load_state(e, synthetic_state(e.graph, n))
for _ in range(3):
    load_state(e, synthetic_state(e.graph, n))
    e.step(60.0)
print(peak_rss_of_this_process())
"""


def startup_s() -> dict:
    """Wall seconds from launching a Python process to a stepped cell-resolution engine, with a
    fresh JIT cache directory (cold) and then with the cache it left (warm)."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="seedsoil-bench-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold_s", "warm_s"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", _READY], env=env, check=True, capture_output=True)
            out[label] = round(time.perf_counter() - t0, 3)
    return out


def peak_rss_mb(n: int) -> float:
    """Peak resident memory (MiB) of a fresh process that steps ``n`` packets three times."""
    res = subprocess.run([sys.executable, "-c", _MEMORY, str(n)], check=True, capture_output=True, text=True)
    return round(float(res.stdout.strip().splitlines()[-1]), 1)


#: Ratios to a limit: a run above 1 beat a loop that does strictly less work, so it was disturbed.
LIMIT_RATIOS = ("numba_vs_streaming_limit", "numba_vs_draw_limit", "numba_vs_model_count_draw_limit")


def load_average() -> float | None:
    """The 1-minute load average (None where the system has none, e.g. Windows)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def contention(core: list[dict], ratios: dict, threads: int) -> list[str]:
    """Why a run cannot be trusted, if it cannot: on a shared machine a second busy process made
    numba's 2-thread rows 10-20x slower than its 1-thread rows (an OpenMP pool waits for the
    thread that lost its core), and a ratio to a limit above 1 means the limit was timed while the
    machine was busier than for the model."""
    why = []
    if threads > 1:
        rate = {(r["packets"], r["threads"]): r["packet_steps_per_s"] for r in core if r["impl"] == "numba"}
        for (n, th), v in sorted(rate.items()):
            one = rate.get((n, 1))
            if th == threads and one and v < one:
                why.append(f"{threads} threads slower than 1 at {n:,} packets ({v:,} < {one:,} packet-steps/s)")
    for k in LIMIT_RATIOS:
        if ratios.get(k, 0) > 1:
            why.append(f"{k} = {ratios[k]} > 1")
    return why


def run(quick: bool = False, progress=None) -> dict:
    """Every measurement of the benchmark, as the JSON object ``seedsoil-sim bench --json`` prints.

    Long: the measurements run in one sequence sharing the timings and identity checks (per size:
    numba on every thread and on one, numpy, Mesa, the two limits; then the ratios, start-up, memory
    and the cohort), and the result lists them in the order the JSON prints them."""
    say = progress or (lambda msg: None)
    try:
        import mesa  # noqa: F401
    except ImportError:
        raise InputError(
            "bench", "mesa", "the benchmark compares with Mesa, which is not installed: pip install 'seedsoil[bench]'"
        ) from None
    threads = numba.get_num_threads()
    load_before = load_average()
    sizes = QUICK_SIZES if quick else FULL_SIZES
    say("bandwidth")
    bw = bandwidth_gb_s(64 if quick else 256)
    core, times = [], {}
    identical: dict[str, bool] = {}
    draws_per_step = {}

    def add(n, impl, th, secs):
        times[(n, impl, th)] = secs
        core.append({"packets": n, "impl": impl, "threads": th, "packet_steps_per_s": round(n / secs)})

    for n in sizes:
        reps = max(2, min(20, int(3e6 // n)))
        say(f"{n:,} packets")
        eng = bench_engine(n)
        state = synthetic_state(eng.graph, n)
        load_state(eng, state)
        eng.step(DT_S)  # compile outside the timing
        secs_all, pk_all, tally_all, dps = _time_numba_step(eng, state, reps, threads)
        add(n, "numba", threads, secs_all)
        draws_per_step[n] = float(dps)
        secs_one, pk_one, tally_one, _ = _time_numba_step(eng, state, reps, 1)
        numba.set_num_threads(threads)
        add(n, "numba", 1, secs_one)
        identical.setdefault("threads", True)
        identical["threads"] &= same_packets(pk_all, pk_one) and same_tally(tally_all, tally_one)
        t = _tables(eng)
        np_reps = max(1, min(5, int(3e5 // n)))
        # the timed runs also leave each packet's draws (the numpy rules count them anyway) and
        # the last run's packets and tallies, compared with numba's at the smallest size
        counts = np.zeros(n, np.int64)
        last: list[Any] = []  # the last run's (survivors, Tally)

        def numpy_run(t=t, state=state, counts=counts, last=last):
            last[:] = numpy_step(t, state, DT_S / 3600.0, uniforms=counts)

        secs_np = _best(numpy_run, np_reps)
        add(n, "numpy", 1, secs_np)
        out_np, tally_np = last
        identical.setdefault("draw_counts", True)
        identical["draw_counts"] &= int(counts.sum()) == round(draws_per_step[n] * n)
        if n == sizes[0]:
            identical["numpy"] = same_packets(pk_all, out_np) and same_tally(tally_all, rules_tally(tally_np))
        if n == MESA_PACKETS:
            say("Mesa")
            out_m, tally_m, secs_m = mesa_step(t, state, DT_S / 3600.0)
            add(n, "mesa", 1, secs_m)
            identical["mesa"] = same_packets(pk_all, out_m) and same_tally(tally_all, rules_tally(tally_m))
        cols = _columns(state)
        streaming_limit(*cols, 0)
        add(n, "streaming-limit", threads, _best(partial(streaming_limit, *cols, 0), reps))
        # the model's mean uniforms per packet-step: k each, one more for `extra` in 1000 packets
        k, extra = divmod(round(1000 * draws_per_step[n]), 1000)
        key = np.uint64(t.key)
        draw_limit(*cols, 0, k, extra, key)
        add(
            n,
            "draw-limit",
            threads,
            _best(partial(draw_limit, *cols, 0, k, extra, key), reps),
        )
        counts = counts.astype(np.uint8 if counts.max() < 256 else np.uint16)
        draw_limit_counts(*cols, 0, counts, key)
        add(
            n,
            "draw-limit-model-counts",
            threads,
            _best(partial(draw_limit_counts, *cols, 0, counts, key), reps),
        )

    ref = 1_000_000 if 1_000_000 in sizes else sizes[-1]
    num = times[(ref, "numba", threads)]
    ns = np.array(sizes, float)
    ts = np.array([times[(n, "numba", threads)] for n in sizes])
    # ratios of speeds: > 1 means numba is faster; against the limits, the share of the limit reached
    ratios = {
        "numba_vs_numpy": round(times[(ref, "numpy", 1)] / num, 2),
        "numba_vs_mesa": round(times[(MESA_PACKETS, "mesa", 1)] / times[(MESA_PACKETS, "numba", threads)], 1),
        "numba_vs_streaming_limit": round(times[(ref, "streaming-limit", threads)] / num, 3),
        "numba_vs_draw_limit": round(times[(ref, "draw-limit", threads)] / num, 3),
        # not asked for: the draw limit with each packet making the draws it makes in the model
        "numba_vs_model_count_draw_limit": round(times[(ref, "draw-limit-model-counts", threads)] / num, 3),
        "thread_speedup": round(times[(ref, "numba", 1)] / num, 2),
        "scaling_exponent": round(float(np.polyfit(np.log(ns), np.log(ts), 1)[0]), 3),
    }
    say("startup")
    startup = startup_s()
    say("memory")
    rss = peak_rss_mb(1_000_000)
    say("cohort")
    cohort = cohort_speed(quick)
    why = contention(core, ratios, threads)
    return {
        "headline": {"numba_vs_model_count_draw_limit": ratios["numba_vs_model_count_draw_limit"]},
        "contended": bool(why),
        "contention": why,
        "load_average": {"before": load_before, "after": load_average()},
        "bandwidth_gb_s": round(bw, 2),
        "core": core,
        "ratios": ratios,
        "startup": startup,
        "memory": {"peak_rss_mb_at_1e6": rss},
        "cohort": cohort,
        "identical": identical,
        "draws_per_packet_step": round(draws_per_step[ref], 3),
        "reference_packets": ref,
        "dt_s": DT_S,
        "quick": quick,
        "machine": {
            "cpus": os.cpu_count(),
            "numba_threads": threads,
            "python": platform.python_version(),
            "numba": numba.__version__,
            "numpy": np.__version__,
            "threading_layer": threading_layer(),
        },
    }


#: The cohort row: breast patients over 5 years (weekly steps, as ``seedsoil-sim cohort``).
COHORT_BENCH_PATIENTS = (16, 96)


def cohort_speed(quick: bool = False) -> list[dict]:
    """Patient-years per second of a virtual cohort with 1 and 2 worker processes (after a warm-up
    that compiles the kernels in this process; each worker compiles its own from the disk cache)."""
    from sim_core.model.scenario import load_scenario
    from sim_core.science.cohort import run_cohort

    sc = load_scenario("breast")
    years = 5.0
    patients = COHORT_BENCH_PATIENTS[0] if quick else COHORT_BENCH_PATIENTS[1]
    run_cohort(sc, 2, years, 7, workers=1)
    out = []
    for workers in (1, 2):
        t0 = time.perf_counter()
        run_cohort(sc, patients, years, 7, workers=workers)
        secs = time.perf_counter() - t0
        out.append(
            {
                "workers": workers,
                "patients": patients,
                "years": years,
                "patient_years_per_s": round(patients * years / secs, 1),
            }
        )
    return out


def threading_layer() -> str:
    """The layer numba's parallel kernels use: the one chosen, or the one it will choose (the first
    of its order that loads here)."""
    import importlib

    try:
        return numba.threading_layer()
    except ValueError:
        pass
    # numba.config sets its attributes at import from the environment; its stubs do not list them
    asked = str(numba.config.THREADING_LAYER).lower()  # type: ignore[attr-defined]
    order = {
        "default": ("tbb", "omp", "workqueue"),
        "safe": ("tbb",),
        "threadsafe": ("tbb", "omp"),
        "forksafe": ("tbb", "omp", "workqueue"),
    }.get(asked, (asked,))
    for layer in order:
        try:
            importlib.import_module(
                f"numba.np.ufunc.{layer}pool" if layer != "workqueue" else "numba.np.ufunc.workqueue"
            )
        except ImportError:
            continue
        return f"{layer} (the first parallel kernel will start it)"
    return f"none of {', '.join(order)} loads"


def table(res: dict) -> str:
    """The human-readable form of ``run()``'s result."""
    lines = [
        f"headline: numba reaches {res['ratios']['numba_vs_model_count_draw_limit']} of the draw limit at the "
        f"model's own draw counts ({res['reference_packets']:,} packets)"
    ]
    if res.get("contended"):
        lines.append("CONTENDED RUN, rerun on a quiet machine: " + "; ".join(res["contention"]))
    lines += [
        (
            f"memory-copy bandwidth: {res['bandwidth_gb_s']} GB/s   (numba threads: {res['machine']['numba_threads']},"
            f" step {res['dt_s']:g} s, {res['draws_per_packet_step']} draws per packet-step)"
        ),
        "",
        f"{'packets':>12}  {'implementation':<24} {'threads':>7}  {'packet-steps/s':>16}",
    ]
    for r in res["core"]:
        lines.append(f"{r['packets']:>12,}  {r['impl']:<24} {r['threads']:>7}  {r['packet_steps_per_s']:>16,}")
    lines.append("")
    for k, v in res["ratios"].items():
        lines.append(f"{k:<28} {v}")
    lines.append(f"{'startup cold / warm (s)':<28} {res['startup']['cold_s']} / {res['startup']['warm_s']}")
    lines.append(f"{'peak RSS at 1e6 packets (MB)':<28} {res['memory']['peak_rss_mb_at_1e6']}")
    for row in res.get("cohort", []):
        lines.append(
            f"{'cohort, ' + str(row['workers']) + ' worker(s)':<28} {row['patient_years_per_s']} patient-years/s"
        )
    lines.append(
        f"{'identical results':<28} " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in res["identical"].items())
    )
    return "\n".join(lines)
