"""A Dask cluster for sweeps and cohorts: a running scheduler (``--scheduler ADDRESS`` or
``--scheduler-file FILE``, the JSON file ``dask scheduler --scheduler-file FILE`` writes, as
dask-jobqueue and dask-mpi do), or a local cluster made for one sweep.

Before any work is sent, the client checks that the scheduler answers within ``CONNECT_TIMEOUT_S``
seconds, that at least one worker has joined within ``WORKERS_TIMEOUT_S``, and that every worker
runs the same seedsoil and numba as this process (other versions could give other numbers). Each
worker then compiles, or loads from its cache, the numba kernels once when it joins (``WarmUp``, a
worker plugin), so the first task does not carry the compilation. Every failure is one
``InputError`` line naming the option.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim_core.model.errors import InputError
from sim_core.version import __version__

try:
    from distributed import WorkerPlugin
except ImportError:  # the sweep extra is not installed; require_distributed says so in one line
    WorkerPlugin = object  # type: ignore[assignment,misc]

#: Seconds to wait for the scheduler to answer.
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait, once connected, for the first worker to join.
WORKERS_TIMEOUT_S = 30.0
#: The name the warm-up plugin is registered under (once per scheduler).
PLUGIN_NAME = "seedsoil-warm-up"

#: What the warm-up did in this worker process (empty where it has not run): ``warm_up_record``.
_WARM_UP: dict = {}


def require_distributed(command: str, field: str) -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(command, field, "needs dask[distributed] (pip install 'seedsoil[sweep]')") from None


def check_options(command: str, scheduler: str | None, scheduler_file: str | None, workers) -> None:
    """Refuse options that contradict each other: a running scheduler has its own workers."""
    if scheduler and scheduler_file:
        raise InputError(command, "--scheduler-file", "give --scheduler or --scheduler-file, not both")
    if workers is not None and (scheduler or scheduler_file):
        flag = "--scheduler" if scheduler else "--scheduler-file"
        raise InputError(command, "--workers", f"the scheduler's workers run the work: drop --workers or {flag}")


def client_versions() -> dict[str, str]:
    """The versions every worker must share with this process."""
    import numba

    return {"seedsoil": __version__, "numba": numba.__version__}


def scheduler_address(scheduler_file: str) -> str:
    """The address in a scheduler file (``{"address": "tcp://...", ...}``), or one line saying why not."""
    p = Path(scheduler_file).expanduser()
    try:
        info = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(str(p), "--scheduler-file", "no such file (is the scheduler running?)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(p), "--scheduler-file", f"not a readable scheduler file ({exc})") from None
    address = info.get("address") if isinstance(info, dict) else None
    if not isinstance(address, str) or not address:
        raise InputError(str(p), "--scheduler-file", "holds no scheduler address")
    return address


def _worker_versions() -> dict[str, str]:
    """Runs on each worker (so it imports what it reports inside)."""
    import numba

    from sim_core.version import __version__ as seedsoil_version

    return {"seedsoil": seedsoil_version, "numba": numba.__version__}


def check_workers(client, source: str, field: str) -> None:
    """At least one worker, and every worker on this process's seedsoil and numba."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (TimeoutError, OSError):
        raise InputError(source, field, f"no worker joined the scheduler within {WORKERS_TIMEOUT_S:g} s") from None
    try:
        found = client.run(_worker_versions)
    except Exception as exc:  # noqa: BLE001 - a worker that cannot import seedsoil fails in many ways
        raise InputError(source, field, f"a worker cannot run seedsoil ({type(exc).__name__}: {exc})") from None
    mine = client_versions()
    for address, theirs in sorted(found.items()):
        if theirs != mine:
            raise InputError(
                source,
                field,
                f"worker {address} runs seedsoil {theirs.get('seedsoil')} with numba "
                f"{theirs.get('numba')}, this client seedsoil {mine['seedsoil']} with "
                f"numba {mine['numba']}: install the same versions on every worker",
            )


def warm_up() -> dict:
    """Compile (or load from the cache) the kernels a run uses: a small patient for a few days."""
    from sim_core.model.scenario import load_scenario
    from sim_core.science.experiments import run_patient

    t0 = time.perf_counter()
    run_patient(load_scenario("breast"), 3.0, seed=1)
    return {
        "seconds": round(time.perf_counter() - t0, 3),
        "pid": os.getpid(),
        "kernels": compiled_kernels(),
        "version": __version__,
    }


def compiled_kernels() -> int:
    """How many of this process's numba kernels have been compiled or loaded so far."""
    import importlib
    import pkgutil

    from numba.core.dispatcher import Dispatcher

    from sim_core import kernels

    n = 0
    for mod in pkgutil.iter_modules(kernels.__path__):
        m = importlib.import_module(f"{kernels.__name__}.{mod.name}")
        n += sum(1 for v in vars(m).values() if isinstance(v, Dispatcher) and v.signatures)
    return n


def warm_up_record() -> dict:
    """What the warm-up plugin did in this process ({} if it has not run here)."""
    return dict(_WARM_UP)


class WarmUp(WorkerPlugin):
    """Compiles or loads the kernels once, when a worker joins, off the worker's event loop."""

    name = PLUGIN_NAME
    idempotent = True  # registered once per scheduler; workers that join later get it too

    async def setup(self, worker) -> None:
        record = await asyncio.get_running_loop().run_in_executor(None, warm_up)
        _WARM_UP.clear()
        _WARM_UP.update(record)


@contextmanager
def dask_client(
    command: str,
    scheduler: str | None = None,
    scheduler_file: str | None = None,
    workers: int | None = None,
    local: bool = True,
) -> Iterator:
    """A checked, warmed-up ``distributed.Client``: on ``scheduler`` (an address), on the scheduler
    a ``scheduler_file`` names, or (``local``) on a local cluster of ``workers`` processes (default 2)."""
    field = "--scheduler-file" if scheduler_file else "--scheduler"
    require_distributed(command, field)
    check_options(command, scheduler, scheduler_file, workers)
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler or scheduler_file:
        source = str(Path(scheduler_file).expanduser()) if scheduler_file else command
        address = scheduler_address(scheduler_file) if scheduler_file else scheduler
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise InputError(source, field, f"cannot reach {address!r} ({why})") from None
    elif local:
        source = command
        # no dashboard; the scheduler's HTTP server (health checks) on any free port of this machine only
        cluster = LocalCluster(
            n_workers=workers or 2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        client = Client(cluster)
    else:
        raise ValueError("dask_client: no scheduler and no local cluster asked for")
    try:
        check_workers(client, source, field)
        try:
            client.register_plugin(WarmUp(), name=PLUGIN_NAME)
        except Exception as exc:  # noqa: BLE001 - the worker's own error, reported in one line
            raise InputError(source, field, f"a worker failed to warm up ({type(exc).__name__}: {exc})") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
