"""Run the fit diagnostics of ``sim_core.science.diagnostics`` and print what they measure (one command a line):

python -m sim_core.tools.diagnostics bound [--own lymph,rate,affinities] [--json]
python -m sim_core.tools.diagnostics corrections [--patients 1600] [--seed 4242] [--refit 30] [--json]
python -m sim_core.tools.diagnostics recovery [--noise] [--seed 2008] [--only a,b] [--in-sample] [--json]
python -m sim_core.tools.diagnostics screen [--json]
python -m sim_core.tools.diagnostics influence [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from sim_core.science.diagnostics import (
    OWN,
    correction_drift,
    left_out_bound,
    left_out_influence,
    recovery,
    recovery_in_sample,
    refit_with,
    score_screen,
)


def _own_paths(spec: str) -> tuple[str, ...]:
    from sim_core.model.errors import InputError

    paths: list[str] = []
    for name in filter(None, (s.strip() for s in spec.split(","))):
        if name not in OWN:
            raise InputError("diagnostics bound", "--own", f"{name!r} is not one of {', '.join(OWN)}")
        paths += OWN[name]
    return tuple(paths)


def _print_rows(title: str, s: dict) -> None:
    print(title)
    for r in s["rows"]:
        win = "beats pooled" if r["tvd"] < r["baseline_tvd"] else ""
        print(f"  {r['primary']:11s} {r['tvd']:.3f}  pooled {r['baseline_tvd']:.3f}  {win}")
    mean, base, n = s["mean_tvd"], s["mean_baseline_tvd"], len(s["rows"])
    print(f"  mean {mean:.4f} / {base:.4f} = {s['ratio']:.3f}, {s['wins']} of {n} beat pooled")


def _say(msg: str) -> None:
    print(f"diagnostics: {msg}", file=sys.stderr, flush=True)


def _bound(a: argparse.Namespace) -> None:
    s = left_out_bound(_own_paths(a.own))
    if a.json:
        print(json.dumps(s, indent=1))
    else:
        _print_rows(f"left out, own values from the full fit: {a.own or 'none'}", s)


def _recovery(a: argparse.Namespace) -> None:
    from sim_core.model.errors import InputError
    from sim_core.science.disibio import ROWS

    if a.seed < 0:
        raise InputError("diagnostics recovery", "--seed", f"{a.seed} is negative")
    if a.in_sample:
        ins = recovery_in_sample(a.noise, a.seed, progress=_say)
        if a.json:
            print(json.dumps(ins, indent=1))
            return
        print("in-sample, rows written by the model: distance from the row, from the model's shares")
        for n, v in ins["rows"].items():
            print(f"  {n:11s} {v['tvd']:.3f}  truth {v['tvd_truth']:.3f}  sampling {v['sampling_tvd']:.3f}")
        tv = [v["tvd"] for v in ins["rows"].values()]
        print(f"  mean {np.mean(tv):.3f}, over 0.10: {sum(t > 0.10 for t in tv)}")
        print("each site's part of the 14 distances (x 100): written rows fitted, DiSibio's rows at the stored fit")
        for c, v in ins["columns"].items():
            print(f"  {c:16s} {v['written_rows']:5.1f}  {v['disibio_rows']:5.1f}")
        return
    only = [n.strip() for n in a.only.split(",") if n.strip()]
    for n in only:
        if n not in ROWS:
            raise InputError("diagnostics recovery", "--only", f"{n!r} is not an autopsy row")
    s = recovery(a.noise, a.seed, workers=a.workers, presets=only or None, progress=_say)
    if a.json:
        print(json.dumps(s, indent=1))
    else:
        kind = f"drawn at DiSibio's sizes (seed {a.seed})" if a.noise else "exact"
        _print_rows(f"left out, rows written by the model ({kind})", s)


def _screen(a: argparse.Namespace) -> None:
    s = score_screen()
    if a.json:
        print(json.dumps(s, indent=1))
        return
    print(f"fixed values the autopsy rows would move, first order (the fit's cost is {s['cost']:.2f});")
    print("gain freed as one shared value (its step), then freed separately in every preset")
    for r in s["rows"]:
        print(
            f"  {r['path']:30s} {r['value']:<10.4g} gain {r['gain']:6.3f}  step {r['step']:+9.2f} {r['units']:5s}"
            f"  per primary {r['gain_per_primary']:6.3f}"
        )


def _influence(a: argparse.Namespace) -> None:
    from sim_core.model.body_graph import CATEGORIES

    s = left_out_influence()
    if a.json:
        print(json.dumps(s, indent=1))
        return
    print(f"values refitted without each row: full fit, range over the {len(s['sites'])} refits, the row whose")
    print("absence moves it most (factor), jackknife sd of the log")
    for v in s["values"]:
        lo = min(v["left_out"], key=v["left_out"].get)
        hi = max(v["left_out"], key=v["left_out"].get)
        print(
            f"  {v['value']:42s} {v['full']:<9.4g} {v['left_out'][lo]:9.3g} ({lo}) to {v['left_out'][hi]:.3g} ({hi});"
            f" without {v['most_moved_by']} x{np.exp(v['log_ratio']):.3g}; sd {v['jackknife_sd_log']:.2f}"
        )
    print("where each left-out prediction misses: predicted minus published, % of metastases")
    print("  " + " " * 11 + " ".join(f"{c[:7]:>7s}" for c in CATEGORIES) + "    tvd")
    for n, r in s["sites"].items():
        print(f"  {n:11s}" + " ".join(f"{r['difference_pct'][c]:+7.1f}" for c in CATEGORIES) + f"  {r['tvd']:.3f}")


def _corrections(a: argparse.Namespace) -> None:
    from sim_core.model.errors import InputError

    if not 1 <= a.patients <= 100000:
        raise InputError("diagnostics corrections", "--patients", "must be between 1 and 100000")
    drift = correction_drift(a.patients, a.seed, a.workers, progress=_say)
    out: dict = {"patients": a.patients, "seed": a.seed, "rows": drift}
    if a.refit > 0:
        _say(f"refitting with these corrections ({a.refit} evaluations)")
        out["refit_tvd"] = refit_with({n: np.array(v["correction"]) for n, v in drift.items()}, a.refit)
    if a.json:
        print(json.dumps(out, indent=1))
        return
    print(f"{a.patients} patients, seed {a.seed}: distance, correction drift (mean, max), refit distance")
    for n, v in drift.items():
        ref = f"  refit {out['refit_tvd'][n]:.3f}" if "refit_tvd" in out else ""
        print(f"  {n:11s} {v['tvd']:.3f}  drift {v['drift_mean']:.3f} {v['drift_max']:.2f}{ref}")
    tv = [v["tvd"] for v in drift.values()]
    line = f"  mean {np.mean(tv):.3f}, over 0.10: {sum(t > 0.10 for t in tv)}"
    if "refit_tvd" in out:
        rt = list(out["refit_tvd"].values())
        line += f"; refit mean {np.mean(rt):.3f}, over 0.10: {sum(t > 0.10 for t in rt)}"
    print(line)


def main(argv: list[str] | None = None) -> int:
    from sim_core.model.errors import InputError
    from sim_core.science.validation import StaleLeftOut

    ap = argparse.ArgumentParser(prog="python -m sim_core.tools.diagnostics", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    b = sub.add_parser("bound", help="left-out predictions with per-primary values from the full fit")
    b.add_argument("--own", default="", help=f"comma-separated: {', '.join(OWN)}")
    b.add_argument("--json", action="store_true")
    c = sub.add_parser("corrections", help="simulation corrections from bigger cohorts at the stored values")
    c.add_argument("--patients", type=int, default=1600)
    c.add_argument("--seed", type=int, default=4242)
    c.add_argument("--workers", type=int, default=2)
    c.add_argument("--refit", type=int, default=0, help="then refit with them (this many evaluations)")
    c.add_argument("--json", action="store_true")
    r = sub.add_parser("recovery", help="the left-out protocol on rows the model wrote itself")
    r.add_argument("--noise", action="store_true", help="draw the rows at DiSibio's sizes (else exact)")
    r.add_argument("--seed", type=int, default=2008)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--only", default="", help="comma-separated primaries (default all)")
    r.add_argument("--in-sample", action="store_true", help="the full fit of the written rows instead")
    r.add_argument("--json", action="store_true")
    sc = sub.add_parser("screen", help="a score test of the values the autopsy fit holds fixed")
    sc.add_argument("--json", action="store_true")
    inf = sub.add_parser("influence", help="how far each shared value moves when one row leaves the fit")
    inf.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        actions = {
            "bound": _bound,
            "recovery": _recovery,
            "corrections": _corrections,
            "screen": _screen,
            "influence": _influence,
        }
        actions[a.what](a)
        return 0
    except (InputError, StaleLeftOut) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. ``head``) stopped early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
