"""``seedsoil-sim``: the headless command line (scenarios, params, run, inject, cohort, validate).

Other tools call it, so its JSON is a contract. Bad input exits with status 2 and one line naming
the file and the field; nothing prints a traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from sim_core.model.errors import InputError
from sim_core.model.params import SPECS
from sim_core.version import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2
        self.exit(2, f"{self.prog}: {message}\n")


def _progress(label: str, enabled: bool):
    if not enabled:
        return None
    start = time.monotonic()

    def show(frac: float) -> None:
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r{label} [{bar:<30}] {100 * frac:5.1f}% {time.monotonic() - start:6.1f}s")
        if frac >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _scenario(arg: str):
    from sim_core.model.engine import default_graph
    from sim_core.model.scenario import load_scenario

    return load_scenario(arg, tuple(default_graph().primaries()))


def _finite(kind):
    def parse(s: str):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a valid {kind.__name__}: {s!r}") from None
        if isinstance(v, float) and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be finite: {s!r}")
        return v

    return parse


def _json(sp) -> None:
    """The ``--json`` switch, the same for every command that has it."""
    sp.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _seed(sp) -> None:
    """The ``--seed`` option of a single run."""
    sp.add_argument("--seed", type=_finite(int), help="random seed (default: the scenario's)")


def _workers(sp, help_text: str) -> None:
    """The ``--workers`` option (a whole number of processes), with this command's own help."""
    sp.add_argument("--workers", type=_finite(int), help=help_text)


def cmd_scenarios(a) -> int:
    from sim_core.model.scenario import list_presets

    for name in list_presets():
        sc = _scenario(name)
        print(f"{name}\t{sc.primary}\t{sc.title}")
    return 0


def params_markdown() -> str:
    """The parameter table of ``sim_core/README.md`` (generated, so it never drifts)."""
    rows = ["| parameter | default | range | unit | basis | source |", "|---|---|---|---|---|---|"]
    for s in SPECS:
        se = f" (se {s.stderr:.2g})" if s.stderr > 0 else ""
        rows.append(f"| `{s.path}` | {s.default:.4g}{se} | {s.lo:g} – {s.hi:g} | {s.unit} | {s.basis} | {s.source} |")
    return "\n".join(rows)


def cmd_params(a) -> int:
    if a.references:
        from sim_core.model.references import markdown_table

        print(markdown_table())
        return 0
    if a.markdown:
        print(params_markdown())
        return 0
    if a.json:
        print(
            json.dumps(
                [
                    {
                        "path": s.path,
                        "unit": s.unit,
                        "min": s.lo,
                        "max": s.hi,
                        "default": s.default,
                        "basis": s.basis,
                        "source": s.source,
                        "doc": s.doc,
                    }
                    for s in SPECS
                ],
                indent=1,
            )
        )
        return 0
    for s in SPECS:
        print(f"{s.path}\t{s.unit}\t[{s.lo:g}, {s.hi:g}]\tdefault {s.default:g}\t{s.source}")
    return 0


def cmd_vessels(a) -> int:
    from sim_core.kernels.layout import VESSEL_KINDS
    from sim_core.model.engine import default_graph

    g = default_graph()
    for v, vid in enumerate(g.v_ids):
        print(f"{vid}\t{VESSEL_KINDS[g.v_kind[v]]}\tfirst bed: {g.ids[g.first_bed(v)]}")
    return 0


def _run_result(eng, sc, seed: int, days: float) -> dict:
    """What ``run --json`` prints: the run's clock, primary, funnel and sites."""
    f = eng.funnel()
    return {
        "scenario": sc.name,
        "seed": seed,
        "days": days,
        "t_days": eng.t_days,
        "version": __version__,
        "primary_cells": eng.primary_cells,
        "lethal_burden_day": eng.death_day,
        "surgery_day": eng.surgery_day,
        "funnel": {
            "shed": f["shed"],
            "died_in_transit": f["died_in_transit"],
            "died_in_transit_by_cause": {
                "anoikis": f["died_anoikis"],
                "shear": f["died_shear"],
                "immune": f["died_immune"],
            },
            "arrested": f["arrested"],
            "died_arrested": f["died_arrested"],
            "extravasated": f["extravasated"],
            "died_in_tissue": f["died_in_tissue"],
            "dormant": f["dormant_now"],
            "entered_dormancy": f["entered_dormancy"],
            "micrometastases": f["micrometastases_now"],
            "macrometastases": f["macrometastases_now"],
            "micrometastases_founded": f["micrometastases_founded"],
            "angiogenic_switches": f["angiogenic_switches"],
            "entered_cavity": f["entered_cavity"],
            "implanted": f["implanted"],
        },
        "sites": eng.site_table(),
    }


def cmd_run(a) -> int:
    from sim_core.io.checkpoint import load_checkpoint, save_checkpoint
    from sim_core.io.export import export_timeseries
    from sim_core.science.experiments import run_patient

    if not 0 < a.days <= 36500:
        raise InputError("run", "--days", "must be in (0, 36500]")
    from sim_core.io.export import check_out_path

    if a.out:  # before the run, not after it
        check_out_path(a.out, "--out")
    elif a.long:
        raise InputError("run", "--long", "says how to write --out: give --out FILE too")
    if a.checkpoint:
        check_out_path(a.checkpoint, "--checkpoint", (".npz",))
    show = _progress("run", a.days > 365 and sys.stderr.isatty())
    if a.resume:
        if a.scenario or a.seed is not None:
            raise InputError("run", "--resume", "the checkpoint carries its scenario and seed; drop --scenario/--seed")
        eng = load_checkpoint(a.resume)
        sc, seed = eng.scenario, eng.seed
        eng.advance(a.days, 1.0)
    else:
        if not a.scenario:
            raise InputError("run", "--scenario", "required (or --resume CHECKPOINT)")
        sc = _scenario(a.scenario)
        seed = sc.seed if a.seed is None else a.seed
        eng = run_patient(sc, a.days, seed, progress=show, record=True, resolution=a.resolution)
    if a.out:
        from sim_core.io.receipt import make_receipt

        export_timeseries(eng, a.out, receipt=make_receipt(eng, note="made by seedsoil-sim run"), long=a.long)
    if a.checkpoint:
        save_checkpoint(eng, a.checkpoint)
    out = _run_result(eng, sc, seed, a.days)
    waiting = int(eng.pools.spawn.sum())
    if waiting:  # only with sliders at extremes: see Engine._found_lesions
        print(f"note: the lesion table is full; {waiting:,} founder cells wait alive for a row", file=sys.stderr)
    if a.json:
        print(json.dumps(out, indent=1))
    else:
        fu = out["funnel"]
        print(f"{sc.title}, {a.days:g} days, seed {seed}")
        print(
            f"  shed {fu['shed']:.3g} cells; died in transit {fu['died_in_transit']:.3g}; "
            f"arrested {fu['arrested']:.3g}; extravasated {fu['extravasated']:.3g}"
        )
        print(
            f"  dormant now {fu['dormant']:.3g}; micrometastases {fu['micrometastases']}; "
            f"macrometastases {fu['macrometastases']}"
        )
        for cid, s in out["sites"].items():
            if s["micrometastases"] or s["macrometastases"]:
                print(
                    f"  {cid}: {s['macrometastases']} macro, {s['micrometastases']} micro, "
                    f"largest {s['largest_lesion_cells']:.3g} cells, {s['dormant_cells']} dormant"
                )
    return 0


#: Runtime dependencies whose versions a bug report needs (read from the installed metadata, so
#: that ``info`` never imports Qt); "not installed" where absent.
INFO_PACKAGES = (
    "numpy",
    "numba",
    "llvmlite",
    "msgspec",
    "scipy",
    "pyarrow",
    "distributed",
    "psutil",
    "PySide6-Essentials",
    "pyqtgraph",
    "Pillow",
)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in INFO_PACKAGES:
        try:
            out[name.lower()] = version(name)
        except PackageNotFoundError:
            out[name.lower()] = "not installed"
    return out


def _cpu_model() -> str:
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        import subprocess

        try:
            return (
                subprocess.run(
                    ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=5
                ).stdout.strip()
                or platform.processor()
            )
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine()


def _kernel_cache_dir() -> str:
    """Where the compiled kernels really go (numba resolves an unset NUMBA_CACHE_DIR to a folder
    next to the sources or in the user's cache), or that they are compiled at every start."""
    from sim_core.kernels import transport

    path = getattr(getattr(transport.transport_step, "_cache", None), "_cache_path", None)
    return str(path) if path else "(none: kernels are compiled at every start)"


def system_info() -> dict:
    """Versions, CPU, threads and the JIT cache: what ``seedsoil-sim info`` prints and the window copies."""
    import platform

    import numba

    from sim_core.tools.bench.suite import threading_layer

    info = {
        "seedsoil": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": __import__("os").cpu_count(),
    }
    info.update(_versions())
    info.update(
        {
            # numba.config sets its attributes at import from the environment; its stubs do not list them
            "numba_threads": numba.config.NUMBA_NUM_THREADS,  # type: ignore[attr-defined]
            "numba_cache_dir": _kernel_cache_dir(),
            "threading_layer": threading_layer(),
        }
    )
    return info


def cmd_bench(a) -> int:
    from sim_core.tools.bench import suite as bench

    res = bench.run(quick=a.quick, progress=lambda msg: print(f"bench: {msg}", file=sys.stderr, flush=True))
    print(json.dumps(res, indent=1) if a.json else bench.table(res))
    if res["contended"]:
        print(
            "bench: warning: another process disturbed this run, its speeds are not the machine's "
            f"({'; '.join(res['contention'])}); rerun when the machine is quiet",
            file=sys.stderr,
        )
    return 0 if all(res["identical"].values()) else 1


def cmd_soak(a) -> int:
    from sim_core.tools import soak

    if not 0 < a.minutes <= 24 * 60:
        raise InputError("--minutes", "minutes", "must be between 0 and 1440")
    res = soak.run(a.minutes, a.seed, progress=lambda msg: print(f"soak: {msg}", file=sys.stderr, flush=True))
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        for k, v in res.items():
            print(f"{k}: {v}")
    return 0 if res["pass"] else 1


def cmd_info(a) -> int:
    info = system_info()
    if a.json:
        print(json.dumps(info, indent=1))
    else:
        for k, v in info.items():
            print(f"{k}: {v}")
    return 0


def cmd_inject(a) -> int:
    from sim_core.science.experiments import inject_experiment

    sc = _scenario(a.scenario)
    r = inject_experiment(
        sc, a.vessel, a.cells, a.days, sc.seed if a.seed is None else a.seed, organ=a.organ, resolution=a.resolution
    )
    r["version"] = __version__
    if a.json:
        print(json.dumps(r, indent=1))
    else:
        print(f"{a.cells} cells into {a.vessel}; counted in {r['organ']}")
        for row in r["timeline"]:
            print("  " + "  ".join(f"{k}={v:.4g}" for k, v in row.items()))
    return 0


def cmd_cohort(a) -> int:
    from sim_core.science.cohort import check_cohort_out, run_cohort, write_cohort_rows

    sc = _scenario(a.scenario)
    seed = sc.seed if a.seed is None else a.seed
    if a.out:
        check_cohort_out(a.out)
    r = run_cohort(
        sc,
        a.patients,
        a.years,
        seed,
        workers=a.workers,
        scheduler=a.scheduler,
        progress=_progress("cohort", sys.stderr.isatty()),
        keep_patients=bool(a.out),
        surgery_at_mm=a.surgery_at_mm or 0.0,
        anatomy_only=a.anatomy_only,
        scheduler_file=a.scheduler_file,
    )
    r["version"] = __version__
    if a.out:
        write_cohort_rows(sc, r.pop("patient_rows"), a.out, seed, a.years, a.surgery_at_mm or 0.0, a.anatomy_only)
    if a.json:
        print(json.dumps(r, indent=1))
        return 0
    what = "anatomy only (every soil 1)" if a.anatomy_only else "seed and soil"
    print(
        f"{sc.title}: {a.patients} patients, {a.years:g} years, seed {seed}, {what}; "
        f"{r['metastases_per_patient']:.2f} sites with a detectable metastasis per patient"
    )
    for cat, v in r["categories"].items():
        print(f"  {cat:<15} {v['pct_patients']:5.1f}% of patients  {v['pct_metastases']:5.1f}% of metastases")
    if "metastasis_free" in r:
        print(
            f"  primary removed at {r['surgery_at_mm']:g} mm (median {r['median_years_to_surgery']:.1f} years "
            f"after the start; {r['pct_node_positive_at_surgery']:.0f}% node-positive)"
        )
        print(
            "  free of distant metastasis: "
            + ", ".join(f"{f['years']} y {100 * f['fraction']:.0f}%" for f in r["metastasis_free"])
        )
    return 0


def _print_relapse_reports(reports: dict) -> None:
    """The relapse cohort's reports that have no pass line, as ``validate`` prints them."""
    print("breast relapse by node status at surgery   patients  free at 5 y  late rate  Pan 2017")
    for r in reports.get("relapse_by_node", []):
        free5 = "-" if r["free_at_5_years"] is None else f"{r['free_at_5_years']:.3f}"
        late = "-" if r["late_rate"] is None else f"{r['late_rate']:.4f}"
        print(f"  {r['group']:<40} {r['patients']:>8}  {free5:>11}  {late:>9}  {r['published_late_rate']:.4f}")
    hz = reports.get("relapse_hazard")
    if hz and hz["peak_years"]:
        rates = " ".join("-" if r["hazard"] is None else f"{r['hazard']:.3f}" for r in hz["yearly"])
        ratio = hz["peak_over_first_5_years"]
        a, b = hz["published_peak_years"]
        print(f"breast relapse hazard by year after surgery: {rates}")
        print(
            f"  peaks in years {hz['peak_years'][0]}-{hz['peak_years'][1]} (published {a}-{b}), "
            f"peak / first five years {'-' if ratio is None else f'{ratio:.2f}'} "
            f"(published {hz['published_peak_over_first_5_years']:.2f}) {hz['source']}"
        )


def cmd_validate(a) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from sim_core.science import validation as V

    t0 = time.monotonic()

    def say(m):
        print(f"validate: {time.monotonic() - t0:6.0f} s  {m}", file=sys.stderr, flush=True)

    workers = a.workers or max(1, min(__import__("os").cpu_count() or 1, 8))
    # every cohort in one batch through one pool of worker processes: each compiles (or loads)
    # the kernels once, and no worker waits between cohorts
    say("simulating every cohort (progress: each as it is complete)")
    with ProcessPoolExecutor(max_workers=workers) as ex:
        tables = V.simulate_all(ex, progress=say)
    reports: dict = {}
    results = V.all_targets(workers=workers, progress=say, reports=reports, tables=tables)
    try:
        loo = V.leave_one_out(tables)
    except V.StaleLeftOut as e:
        print(f"validate: {e}", file=sys.stderr)
        loo = []
    anat = V.anatomy_only(tables)
    summ = V.summary(results, loo)
    out = {
        "targets": [r.row() for r in results],
        "fit": {"free_parameters": summ["free_parameters"], "data_points": summ["data_points"]},
        "leave_one_out": loo,
        "anatomy_only": anat,
        "relapse_by_node": reports.get("relapse_by_node", []),
        "relapse_hazard": reports.get("relapse_hazard"),
        "checks": summ["checks"],
        "seconds": round(time.monotonic() - t0, 1),
        "version": __version__,
    }
    if a.json:
        print(json.dumps(out, indent=1))
    else:
        print(V.format_table(results))
        print(f"fitted numbers {summ['free_parameters']} for {summ['data_points']} data points")
        print("left out        tvd  baseline (pooled row)  chance alone (the row's size)")
        for r in loo:
            print(f"  {r['primary']:<11} {r['tvd']:.3f}  {r['baseline_tvd']:.3f}{'':<15}  {r['sampling_tvd']:.3f}")
        print("anatomy only    tvd  R2(log)")
        for r in anat:
            print(f"  {r['primary']:<11} {r['tvd']:.3f}  {r['r2_log']:.2f}")
        _print_relapse_reports(reports)
        for k, v in summ["checks"].items():
            print(f"{k}: {'yes' if v else 'NO'}")
    return 0 if all(summ["checks"].values()) else 1


def cmd_reproduce(a) -> int:
    from sim_core.tools.reproduce import reproduce

    r = reproduce(a.file, workers=a.workers, progress=_progress("reproduce", sys.stderr.isatty()), row=a.row)
    r["version"] = __version__
    if a.json:
        print(json.dumps(r, indent=1))
    elif r["identical"] is None:
        print(f"{r['file']}: the receipt replays to step {r['step']} (it holds no numbers to compare)")
    elif r["kind"] == "sweep":
        which = f"row {r['rows'][0]}" if len(r["rows"]) == 1 else f"{len(r['rows'])} rows"
        diff = f"; rows differing: {', '.join(map(str, r['rows_differing']))}" if r["rows_differing"] else ""
        print(f"{r['file']}: {'identical' if r['identical'] else 'DIFFERENT'} (sweep, {which}{diff})")
    else:
        print(f"{r['file']}: {'identical' if r['identical'] else 'DIFFERENT'} ({r['kind']})")
    return 0 if r["identical"] in (True, None) else 1


def cmd_sweep(a) -> int:
    from sim_core.tools.sweep import parse_axis, run_sweep

    if not a.param:
        raise InputError("sweep", "--param", "give at least one PATH=START:STOP:COUNT")
    axes = [parse_axis(t) for t in a.param]
    sc = _scenario(a.scenario)
    from sim_core.io.export import check_out_path

    check_out_path(a.out, "--out", (".parquet",))
    t0 = time.monotonic()
    r = run_sweep(
        sc,
        axes,
        a.replicates,
        a.days,
        a.out,
        base_seed=a.seed,
        scheduler=a.scheduler,
        workers=a.workers,
        progress=_progress("sweep", sys.stderr.isatty()),
        scheduler_file=a.scheduler_file,
    )
    r["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(r))
    return 0


def cmd_calibrate(a) -> int:
    """``seedsoil-sim calibrate``: fit, print the values as JSON and, with ``--write``, store them.

    Long: the calibration's stages in the order they run and report on stderr (the mouse
    experiments, the autopsy rows' rounds of least squares and simulated corrections, the
    leave-one-out refits, the writing), each starting from the values of the one before."""
    import numpy as np

    from sim_core.model.scenario import load_scenario
    from sim_core.science import calibration as C
    from sim_core.science.disibio import ROWS
    from sim_core.science.validation import current_fit

    t0 = time.monotonic()

    def say(m):
        print(f"calibrate: {time.monotonic() - t0:6.0f} s  {m}", file=sys.stderr, flush=True)

    C.require_scipy()
    workers = a.workers or 2
    a.left_out_steps = a.left_out_steps or C.LEFT_OUT_MAX_NFEV
    if a.left_out_only:
        say(f"leaving each autopsy row out ({a.left_out_steps} evaluations a refit, {workers} processes)")
        left_out = C.left_out_all(a.left_out_steps, workers=workers, progress=say)
        print(
            json.dumps(
                {"left_out": left_out[0], "data": left_out[1], "seconds": round(time.monotonic() - t0, 1)}, indent=1
            )
        )
        if a.write:
            for path in C.write_fitted({}, {}, {}, None, None, left_out=left_out):
                say(f"wrote {path}")
        return 0
    mouse: dict[str, float] = {}
    b16_lung: float | None = None
    if not a.skip_mouse:
        say("mouse experiments (Luzzi 1998, Fidler 1970)")
        mouse, b16_lung = C.fit_mouse(progress=say)
    base = {}
    for n in ROWS:
        p = load_scenario(n).params
        for k, v in mouse.items():
            p.set(k, v)
        base[n] = p
    say("autopsy rows (DiSibio & French 2008): lesion tables")
    from sim_core.model.fitted_values import CORRECTIONS

    fit = C.AutopsyFit(list(ROWS), base=base, corrections={k: np.array(v) for k, v in CORRECTIONS.items()})
    cur = current_fit()
    x0 = fit.encode(cur.shared, cur.per_preset)
    for round_ in range(a.rounds + 1):
        say(f"autopsy rows: least squares (round {round_ + 1} of {a.rounds + 1})")
        x0, res = fit.solve(x0, max_nfev=a.max_steps, progress=say)
        if round_ < a.rounds:
            say("simulating every row to correct the expected-value calculation")
            fit.corrections = C.simulated_corrections(fit, res, a.patients, C.CALIBRATION_SEED, workers, progress=say)
    shared = dict(res.shared)
    shared.update(mouse)
    say(f"leaving each autopsy row out ({a.left_out_steps} evaluations a refit, {workers} processes)")
    loo_base = {}
    for n in ROWS:
        p = res.params_for(n)
        for k, v in mouse.items():
            p.set(k, v)
        loo_base[n] = p
    left_out = C.left_out_all(
        a.left_out_steps, corrections=fit.corrections, base=loo_base, workers=workers, progress=say
    )
    out = {
        "shared": shared,
        "stderr_log_units": res.stderr,
        "per_preset": res.per_preset,
        "b16_lung_soil": b16_lung,
        "residual_tvd": res.residual_tvd,
        "free_parameters": fit.free_parameters(),
        "data_points": C.data_points(),
        "corrections": {n: [round(float(v), 4) for v in c] for n, c in fit.corrections.items()},
        "left_out": left_out[0],
        "seconds": round(time.monotonic() - t0, 1),
    }
    print(json.dumps(out, indent=1))
    if a.write:
        for path in C.write_fitted(shared, res.stderr, res.per_preset, b16_lung, fit.corrections, left_out):
            say(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``seedsoil-sim`` command line: one subcommand per command, each with its options.

    Long: one argparse definition per command, with its options, in the order ``seedsoil-sim
    --help`` lists them."""
    p = _Parser(prog="seedsoil-sim", description="Seed & Soil headless simulator")
    p.add_argument("--version", action="version", version=f"seedsoil-sim {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    sub.add_parser("scenarios", help="list the presets, one per line, name first").set_defaults(fn=cmd_scenarios)
    sp = sub.add_parser("params", help="every parameter with unit, range, default and source")
    _json(sp)
    sp.add_argument("--markdown", action="store_true", help="the table in sim_core/README.md")
    sp.add_argument("--references", action="store_true", help="the reference table in sim_core/README.md")
    sp.set_defaults(fn=cmd_params)
    sp = sub.add_parser("info", help="versions, threads and JIT cache (for bug reports)")
    _json(sp)
    sp.set_defaults(fn=cmd_info)
    sub.add_parser("vessels", help="vessel ids (for inject) and the first bed after each").set_defaults(fn=cmd_vessels)
    sp = sub.add_parser("run", help="a patient run")
    sp.add_argument("--scenario", help="preset name or scenario file (default: breast)")
    sp.add_argument("--days", type=_finite(float), required=True, help="days to run (more days, with --resume)")
    _seed(sp)
    sp.add_argument("--out", help="time series to this file, .csv or .parquet (checked before the run)")
    sp.add_argument(
        "--long",
        action="store_true",
        help="write --out in long form: one row per time, site and state "
        "(t_days, site_id, site_name, state, cells) instead of a column per quantity",
    )
    sp.add_argument(
        "--resolution",
        choices=("packets", "cells"),
        default="packets",
        help="pooled packets (default) or one packet per shed cell",
    )
    sp.add_argument("--checkpoint", help="save the whole state at the end (.npz)")
    sp.add_argument("--resume", help="continue from a checkpoint (.npz)")
    _json(sp)
    sp.set_defaults(fn=cmd_run)
    sp = sub.add_parser("inject", help="an injection experiment")
    sp.add_argument("--vessel", required=True, help="vessel id to inject into (list: seedsoil-sim vessels)")
    sp.add_argument("--cells", type=_finite(int), required=True, help="cells injected")
    sp.add_argument("--days", type=_finite(float), required=True, help="days to follow them")
    _seed(sp)
    sp.add_argument(
        "--scenario", default="melanoma", help="preset or file whose rates the cells follow (default: melanoma)"
    )
    sp.add_argument("--organ", help="compartment to count in (default: first bed downstream)")
    sp.add_argument(
        "--resolution",
        choices=("packets", "cells"),
        default="packets",
        help="pooled packets (default) or one packet per injected cell, its first trip in "
        "0.1-s steps (what the window's Experiments replay runs)",
    )
    _json(sp)
    sp.set_defaults(fn=cmd_inject)
    sp = sub.add_parser("cohort", help="a virtual cohort")
    sp.add_argument("--scenario", required=True, help="preset name or scenario file")
    sp.add_argument("--patients", type=_finite(int), required=True, help="patients in the cohort")
    sp.add_argument("--years", type=_finite(float), required=True, help="years each patient is followed")
    sp.add_argument(
        "--seed", type=_finite(int), help="cohort seed (default: the scenario's); patient i uses a seed drawn from it"
    )
    _workers(
        sp, "processes (default: CPU count); results do not depend on it; not with --scheduler or --scheduler-file"
    )
    sp.add_argument("--scheduler", help="address of a Dask scheduler to run the patients on, e.g. tcp://host:8786")
    sp.add_argument(
        "--scheduler-file",
        metavar="FILE",
        help="run the patients on the Dask scheduler that wrote FILE (dask scheduler --scheduler-file)",
    )
    sp.add_argument("--out", help="one row per patient, .parquet or .csv")
    sp.add_argument(
        "--surgery-at-mm",
        type=_finite(float),
        metavar="D",
        help="remove each primary when it reaches D mm, then follow --years more (relapse curve)",
    )
    sp.add_argument(
        "--anatomy-only",
        action="store_true",
        help="every soil and affinity 1: where blood and lymph flow alone would take metastases",
    )
    _json(sp)
    sp.set_defaults(fn=cmd_cohort)
    sp = sub.add_parser(
        "validate", help="every published target, leave-one-out and anatomy-only; exit 0 only if all checks hold"
    )
    _json(sp)
    _workers(sp, "processes for the cohorts (default 2); results do not depend on it")
    sp.set_defaults(fn=cmd_validate)
    sp = sub.add_parser(
        "reproduce",
        help="run again what made an export (time series, cohort, sweep, receipt) "
        "and say whether the numbers are identical (exit 1 if not)",
    )
    sp.add_argument(
        "file", help="a run's CSV or Parquet time series, a cohort's CSV or Parquet, a sweep's Parquet, or a receipt"
    )
    _workers(sp, "processes for a cohort or for several sweep rows (default: CPU count); results do not depend on it")
    sp.add_argument(
        "--row", metavar="N|all", help="of a sweep: the row to run again, counting from 0 (default 0), or 'all'"
    )
    _json(sp)
    sp.set_defaults(fn=cmd_reproduce)
    sp = sub.add_parser("sweep", help="a parameter grid x replicates on Dask, resumable, to Parquet")
    sp.add_argument("--scenario", required=True, help="preset name or scenario file the grid varies")
    sp.add_argument("--param", action="append", help="PATH=START:STOP:COUNT (repeatable)")
    sp.add_argument(
        "--replicates", type=_finite(int), default=1, help="runs per grid point, each with its own seed (default 1)"
    )
    sp.add_argument("--days", type=_finite(float), required=True, help="days each run lasts")
    sp.add_argument("--out", required=True, help="Parquet file of results; an interrupted sweep resumes from it")
    sp.add_argument("--seed", type=_finite(int), help="base seed (default: the scenario's)")
    sp.add_argument(
        "--scheduler", help="address of an existing Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)"
    )
    sp.add_argument(
        "--scheduler-file",
        metavar="FILE",
        help="run on the Dask scheduler that wrote FILE (dask scheduler --scheduler-file)",
    )
    _workers(sp, "worker processes of the local cluster (default 2); not with --scheduler or --scheduler-file")
    sp.set_defaults(fn=cmd_sweep)
    sp = sub.add_parser(
        "calibrate",
        help="fit the shared soils, routing and each preset's values to Luzzi, "
        "Fidler and DiSibio 2008 (progress on stderr)",
    )
    sp.add_argument(
        "--write", action="store_true", help="store the values in sim_core/model/fitted_values.py and the presets"
    )
    sp.add_argument(
        "--skip-mouse", action="store_true", help="keep the fate and lesion rates; fit the autopsy rows only"
    )
    sp.add_argument(
        "--max-steps", type=_finite(int), default=60, help="least-squares evaluations per round (default 60)"
    )
    sp.add_argument(
        "--rounds",
        type=_finite(int),
        default=2,
        help="rounds of simulated corrections to the expected-value calculation (default 2)",
    )
    sp.add_argument("--patients", type=_finite(int), default=400, help="patients per simulated row (default 400)")
    sp.add_argument(
        "--left-out-steps",
        type=_finite(int),
        help="least-squares evaluations of each leave-one-out refit (default: LEFT_OUT_MAX_NFEV "
        "in sim_core/science/calibration.py)",
    )
    sp.add_argument(
        "--left-out-only",
        action="store_true",
        help="only redo the leave-one-out refits (from a neutral start) that validate predicts with",
    )
    _workers(sp, "processes (default 2)")
    sp.set_defaults(fn=cmd_calibrate)
    sp = sub.add_parser(
        "bench", help="speed of cell-resolution transport against numpy, Mesa and this machine's limits"
    )
    sp.add_argument("--quick", action="store_true", help="10^4 and 10^5 packets only (a CI check that it works)")
    _json(sp)
    sp.set_defaults(fn=cmd_bench)
    sp = sub.add_parser("soak", help="run at cell resolution on a fast clock; report memory, exceptions, conservation")
    sp.add_argument("--minutes", type=_finite(float), required=True, help="wall-clock minutes to run (at most 1440)")
    _seed(sp)
    _json(sp)
    sp.set_defaults(fn=cmd_soak)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except InputError as exc:
        print(f"seedsoil-sim: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # e.g. the cell-resolution pool at max_packets
        print(f"seedsoil-sim: out of memory: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seedsoil-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
