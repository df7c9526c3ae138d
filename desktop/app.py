"""Entry point of ``seedsoil``, the window. With no arguments it opens the default scenario, starts
playing and releases a cluster of cells to follow (so cells are on the move at once);
``--screenshot`` renders the window offscreen to a PNG after ``--sim-days`` and
exits; ``--smoke-frames N`` renders N frames and exits non-zero on any error or Qt warning.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import xml.etree.ElementTree as ET


def parse_args(argv):
    """The ``seedsoil`` command line, checked (a bad value exits with argparse's message).

    Long: one argparse definition per option, in the order ``seedsoil --help`` lists them, then the
    checks across options that argparse cannot express."""
    p = argparse.ArgumentParser(prog="seedsoil", description="Seed & Soil: watch how cancer spreads.")
    p.add_argument("--scenario", default="breast", help="preset name (e.g. breast, colorectal) or a scenario file")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument("--screenshot", metavar="PATH", help="render the window to this PNG and exit")
    p.add_argument(
        "--sim-days",
        type=float,
        default=0.0,
        metavar="D",
        help="with --screenshot or --smoke-frames: run the model D days first (not with "
        "--kiosk or --soak: the kiosk always starts at day 0)",
    )
    p.add_argument("--size", default=None, metavar="WxH", help="window size, e.g. 1920x1080")
    p.add_argument(
        "--smoke-frames",
        type=int,
        default=0,
        metavar="N",
        help="render N frames, then exit (non-zero on any error or Qt warning)",
    )
    p.add_argument("--paused", action="store_true", help="open paused")
    p.add_argument(
        "--no-tour", action="store_true", help="do not open by releasing a cluster of cells to follow through the body"
    )
    p.add_argument(
        "--language",
        default="en",
        choices=("en", "es"),
        help="language of the window's texts (kiosk mode takes it from its config)",
    )
    p.add_argument(
        "--kiosk",
        action="store_true",
        help="museum/classroom mode: full screen, locked down, attract loop, idle reset, quiz",
    )
    p.add_argument(
        "--kiosk-config",
        metavar="PATH",
        default=None,
        help="kiosk config TOML (default: assets/kiosk.toml or $SEEDSOIL_KIOSK_CONFIG)",
    )
    p.add_argument(
        "--kiosk-view",
        default="attract",
        choices=("attract", "explore", "countdown", "quiz", "split", "experiment"),
        help="with --kiosk --screenshot: which kiosk screen to render (split: 'Anatomy or soil?', "
        "run to the end; experiment: the Experiments screen, see --experiment)",
    )
    p.add_argument(
        "--experiment",
        choices=("luzzi", "fidler"),
        default=None,
        help="with --screenshot: render the Experiments replay of this injection experiment "
        "(with --kiosk: and --kiosk-view experiment, the kiosk's screen)",
    )
    p.add_argument(
        "--experiment-at",
        metavar="T",
        default=None,
        help="with --experiment: the moment of the replay, e.g. 5s, 90min, 12h, 3d (default: the end)",
    )
    p.add_argument(
        "--soak",
        action="store_true",
        help="drive the kiosk offscreen as fast as it goes for --minutes, then report leaks, "
        "exceptions and Qt warnings (non-zero exit on a failure)",
    )
    p.add_argument("--minutes", type=float, default=10.0, metavar="M", help="with --soak: how long to run")
    p.add_argument(
        "--json", action="store_true", help="with --soak or --bench-render: print the report as one JSON object"
    )
    p.add_argument(
        "--bench-render",
        action="store_true",
        help="measure the body view's frames per second with 1k-100k moving packets (offscreen, "
        "1920x1080) beside a pyqtgraph baseline, and the seconds to the first frame",
    )
    p.add_argument("--quick", action="store_true", help="with --bench-render: small counts, few frames")
    p.add_argument(
        "--live",
        action="store_true",
        help="with --bench-render: the real window on the real engine at cell resolution "
        "(10^4, 10^5, 10^6 packets in flight)",
    )
    args = p.parse_args(argv)
    if args.soak and not args.size:
        args.size = "1024x700"  # why this size: desktop/tools/soak.py
    if not args.minutes > 0:
        p.error("--minutes must be > 0")
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            if w < 320 or h < 240:
                raise ValueError
            args.size = (w, h)
        except ValueError:
            p.error("--size must look like 1920x1080 (at least 320x240)")
    if args.sim_days < 0:
        p.error("--sim-days must be >= 0")
    if args.sim_days > 0 and (args.kiosk or args.soak):
        p.error("--sim-days does not apply with --kiosk or --soak: the kiosk always starts at day 0")
    if args.smoke_frames < 0:
        p.error("--smoke-frames must be >= 0")
    return args


def main(argv=None) -> int:  # noqa: C901
    """Start what the command line asks for.

    Long: one branch per mode (benchmark, soak, kiosk, experiment screenshot, batch, the window),
    each a call, in the order they take precedence, kept in one function so that order reads top to
    bottom."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.bench_render:
        from desktop.tools.bench_render import main as bench_render

        if args.live:
            from desktop.tools.bench_render import main_live

            return main_live(quick=args.quick, as_json=args.json)
        return bench_render(quick=args.quick, as_json=args.json)
    batch = bool(args.screenshot or args.smoke_frames or args.soak)
    if batch and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from desktop.core.platform_check import problem

    missing = problem()
    if missing:  # before Qt, which would abort with a paragraph instead
        print(f"seedsoil: {missing}", file=sys.stderr)
        return 2
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    import sim_core  # noqa: F401  (first: it lets kernels run uncached on a read-only install)
    from desktop.launch import MessageLog, build, run_batch, start_interactive
    from sim_core import InputError

    log = MessageLog()
    if batch:
        qInstallMessageHandler(log.qt_handler)
        sys.excepthook = log.excepthook
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Seed & Soil")
    args.kiosk_cfg = None
    try:
        if args.kiosk or args.soak:
            from desktop.kiosk.config import load_kiosk_config

            args.kiosk_cfg = load_kiosk_config(args.kiosk_config)
        controller, win = build(args, app)
    except InputError as exc:
        print(f"seedsoil: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing or unreadable asset: one line, not a traceback
        print(f"seedsoil: {exc.filename or 'asset'}: cannot read ({exc.strerror or exc})", file=sys.stderr)
        return 2
    except ET.ParseError as exc:
        print(f"seedsoil: body_map.svg: not valid SVG ({exc})", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        return 1
    if args.soak:
        from desktop.tools.soak import run_soak

        return run_soak(app, controller, win, args, log)
    if args.kiosk and args.screenshot and args.kiosk_view == "experiment":
        from desktop.kiosk.experiment_screen import render_kiosk_experiment

        return render_kiosk_experiment(app, controller, win, args, log)
    if args.kiosk:
        from desktop.kiosk.launch import run_kiosk

        return run_kiosk(app, controller, win, args, log)
    if args.experiment and args.screenshot:
        from desktop.window.panels.experiment_panel import render_experiment_screenshot

        try:
            render_experiment_screenshot(
                args.screenshot,
                args.experiment,
                args.experiment_at,
                args.seed,
                args.size or (1920, 1080),
                args.language,
            )
        except Exception:  # reported and turned into a non-zero exit
            log.problems.append(traceback.format_exc())
        for p in log.problems:
            print(f"seedsoil: {p}", file=sys.stderr)
        return 1 if log.problems else 0
    if batch:
        return run_batch(app, controller, win, args, log)
    return start_interactive(app, controller, win, args)


if __name__ == "__main__":
    sys.exit(main())
