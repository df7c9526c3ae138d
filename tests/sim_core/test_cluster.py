"""A real cluster on one machine: a ``dask scheduler`` and two ``dask worker`` processes, started
here as separate processes on 127.0.0.1. Sweeps and cohorts run on them by address and by
scheduler file give the same rows as the local runs; the workers are warmed up by the plugin when
they join; a wrong version, an unreachable scheduler, no worker at all and contradictory options
are each one line, exit 2, leaving no file behind. The sweep's Parquet metadata is JSON that runs
any row again (``seedsoil-sim reproduce``)."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

from sim_core import __version__  # noqa: E402
from sim_core.model.scenario import load_scenario, parse_scenario  # noqa: E402
from sim_core.science import cluster  # noqa: E402
from sim_core.tools.cli import main  # noqa: E402
from tests.helpers import cohort_args  # noqa: E402

DASK = Path(sys.executable).parent / "dask"
SWEEP = ["sweep", "--scenario", "breast", "--param", "dormancy.entry=0.5:2:2", "--replicates", "2", "--days", "5"]
COHORT = cohort_args("stomach", 4, 1, "--json", seed=5)
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL whatever is still there after 10 s."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10.0
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        # the group too: a nanny's worker process outlives a killed nanny
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler (writing its scheduler file) and two single-thread workers, each a process
    group of its own, all killed at the end however the tests went."""
    from distributed import Client

    assert DASK.is_file(), f"the dask command of the test extra's distributed is missing: {DASK}"
    root = tmp_path_factory.mktemp("dask-cluster")
    sched_file = root / "scheduler.json"
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen] = []
    logs = []
    client = None

    def start(name: str, *args: str) -> subprocess.Popen:
        log = open(root / f"{name}.log", "wb")  # noqa: SIM115 - closed at teardown
        logs.append(log)
        p = subprocess.Popen(
            [str(DASK), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
            env=dict(os.environ),
            start_new_session=True,
        )
        procs.append(p)
        return p

    def logs_text() -> str:
        return "\n".join(f"--- {f.name}\n{Path(f.name).read_text(errors='replace')[-2000:]}" for f in logs)

    try:
        sched = start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            str(sched_file),
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not sched_file.is_file():
            assert sched.poll() is None and time.monotonic() < deadline, "the scheduler did not start\n" + logs_text()
            time.sleep(0.1)
        for i in range(2):
            start(
                f"worker{i}",
                "worker",
                address,
                "--name",
                f"w{i}",
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--dashboard-address",
                "127.0.0.1:0",
                "--local-directory",
                str(root / f"w{i}"),
                "--death-timeout",
                "60",
            )
        client = Client(address, timeout=max(1.0, deadline - time.monotonic()))
        try:
            client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
        except TimeoutError:
            pytest.fail("two workers did not join within 60 s\n" + logs_text())
        yield {"address": address, "file": str(sched_file), "client": client}
    finally:
        if client is not None:
            client.close()
        _stop(procs)
        for f in logs:
            f.close()


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The reference sweep on a local cluster of two processes."""
    out = tmp_path_factory.mktemp("local-sweep") / "local.parquet"
    assert main([*SWEEP, "--out", str(out), "--workers", "2"]) == 0
    return out


def _rows(path) -> list[dict]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: r["run_key"])


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("seedsoil-sim: ") and "Traceback" not in err, err
    return err


def test_a_sweep_on_a_running_scheduler_by_address_or_by_file_equals_the_local_run(
    dask_cluster, local_sweep, tmp_path, capsys
):
    want = _rows(local_sweep)
    assert len(want) == 4 and len({r["seed"] for r in want}) == 2
    for flag, value in (("--scheduler", dask_cluster["address"]), ("--scheduler-file", dask_cluster["file"])):
        out = tmp_path / f"{flag.strip('-')}.parquet"
        capsys.readouterr()
        assert main([*SWEEP, "--out", str(out), flag, value]) == 0
        r = json.loads(capsys.readouterr().out)
        assert (r["runs"], r["computed"], r["skipped"]) == (4, 4, 0)
        assert _rows(out) == want, flag
        assert pq.read_schema(out).metadata == pq.read_schema(local_sweep).metadata
        assert not (tmp_path / f"{out.name}.parts").exists()


def test_a_cohort_on_a_running_scheduler_by_address_or_by_file_equals_the_local_run(dask_cluster, tmp_path, capsys):
    local = tmp_path / "local.parquet"
    assert main([*COHORT, "--workers", "1", "--out", str(local)]) == 0
    summary = json.loads(capsys.readouterr().out)
    want = pq.read_table(local).to_pylist()
    assert [r["patient"] for r in want] == [0, 1, 2, 3]
    for flag, value in (("--scheduler", dask_cluster["address"]), ("--scheduler-file", dask_cluster["file"])):
        out = tmp_path / f"{flag.strip('-')}.parquet"
        assert main([*COHORT, "--out", str(out), flag, value]) == 0
        assert json.loads(capsys.readouterr().out) == summary, flag
        assert pq.read_table(out).to_pylist() == want, flag


def test_each_worker_was_warmed_up_by_the_plugin_when_it_joined(dask_cluster, tmp_path, capsys):
    client = dask_cluster["client"]
    # a cohort of one registers the plugin if no earlier test has (it is registered once)
    assert main(cohort_args("breast", 1, 0.1, "--json", "--scheduler", dask_cluster["address"])) == 0
    plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    records = client.run(cluster.warm_up_record)
    assert len(records) == 2 and all(cluster.PLUGIN_NAME in names for names in plugins.values()), plugins
    pids = {r["pid"] for r in records.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    # the warm-up compiled (or loaded) every kernel the runs since have used: none was compiled in a task
    now = client.run(cluster.compiled_kernels)
    for address, rec in records.items():
        assert rec["version"] == __version__ and rec["seconds"] > 0
        assert rec["kernels"] >= 5 and now[address] == rec["kernels"], (rec, now)
    assert cluster.warm_up_record() == {}  # not in this process: only on the workers


def test_a_worker_on_another_version_is_one_line_naming_it(dask_cluster, tmp_path, monkeypatch, capsys):
    import numba

    monkeypatch.setattr(cluster, "client_versions", lambda: {"seedsoil": "0.0.1-other", "numba": numba.__version__})
    out = tmp_path / "v.parquet"
    assert main([*SWEEP, "--out", str(out), "--scheduler-file", dask_cluster["file"]]) == 2
    err = _one_line_error(capsys)
    assert f"worker {dask_cluster['address'].rsplit(':', 1)[0]}:" in err
    assert f"seedsoil {__version__} with numba {numba.__version__}" in err and "0.0.1-other" in err, err
    assert "--scheduler-file" in err and dask_cluster["file"] in err
    assert sorted(os.listdir(tmp_path)) == []


def test_an_unreachable_scheduler_is_one_line_within_seconds_and_leaves_nothing(tmp_path, capsys):
    nobody = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "u.parquet"
    t0 = time.monotonic()
    assert main([*SWEEP, "--out", str(out), "--scheduler", nobody]) == 2
    took = time.monotonic() - t0
    err = _one_line_error(capsys)
    assert f"--scheduler: cannot reach '{nobody}'" in err, err
    assert took < cluster.CONNECT_TIMEOUT_S + 5, took
    assert sorted(os.listdir(tmp_path)) == []


def test_a_missing_or_broken_scheduler_file_is_one_line(tmp_path, capsys):
    missing, broken = tmp_path / "none.json", tmp_path / "broken.json"
    broken.write_text("{not json")
    for args, path, why in ((COHORT, missing, "no such file"), (SWEEP, broken, "not a readable scheduler file")):
        out = tmp_path / ("o.parquet" if args is SWEEP else "c.parquet")
        assert main([*args, "--out", str(out), "--scheduler-file", str(path)]) == 2
        err = _one_line_error(capsys)
        assert f"{path}: --scheduler-file: {why}" in err, err
        assert not out.exists() and not (tmp_path / f"{out.name}.parts").exists()


def test_no_worker_joining_is_one_line(tmp_path, monkeypatch, capsys):
    from distributed import LocalCluster

    monkeypatch.setattr(cluster, "WORKERS_TIMEOUT_S", 0.5)
    out = tmp_path / "n.parquet"
    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}
    ) as empty:
        assert main([*SWEEP, "--out", str(out), "--scheduler", empty.scheduler_address]) == 2
    err = _one_line_error(capsys)
    assert "no worker joined the scheduler within 0.5 s" in err, err
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize(
    "args",
    [
        [*SWEEP, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
        [*SWEEP, "--workers", "2", "--scheduler-file", "s.json"],
        [*COHORT, "--workers", "1", "--scheduler", "tcp://127.0.0.1:1"],
        [*COHORT, "--workers", "1", "--scheduler-file", "s.json"],
        [*SWEEP, "--scheduler", "tcp://127.0.0.1:1", "--scheduler-file", "s.json"],
        [*COHORT, "--scheduler", "tcp://127.0.0.1:1", "--scheduler-file", "s.json"],
    ],
)
def test_contradictory_options_are_refused_in_one_line(args, tmp_path, capsys):
    out = tmp_path / "x.parquet"
    t0 = time.monotonic()
    assert main([*args, "--out", str(out)]) == 2
    assert time.monotonic() - t0 < 3.0  # refused before any connection is tried
    err = _one_line_error(capsys)
    assert ("--workers" in err) if "--workers" in args else ("not both" in err), err
    assert sorted(os.listdir(tmp_path)) == []


def test_sweep_metadata_is_json_that_reruns_a_row(local_sweep, tmp_path, capsys):
    path = tmp_path / "s.parquet"
    shutil.copyfile(local_sweep, path)
    meta = pq.read_table(path).schema.metadata
    values = {k.decode(): json.loads(v) for k, v in meta.items()}
    assert values["scenario"] == "breast"
    base = load_scenario("breast")
    assert values["grid"] == [["dormancy.entry", [0.5, 2.0]]]
    assert (values["days"], values["replicates"], values["base_seed"]) == (5.0, 2, base.seed)
    assert values["seedsoil_version"] == __version__
    again = parse_scenario(values["scenario_toml"], "scenario_toml")
    assert again.to_dict() == base.to_dict() and again.params.differences() == base.params.differences()
    assert set(values) == {"grid", "days", "replicates", "base_seed", "seedsoil_version", "scenario", "scenario_toml"}

    def reproduce(*extra):
        rc = main(["reproduce", str(path), "--json", *extra])
        return rc, json.loads(capsys.readouterr().out)

    rc, r = reproduce()
    assert rc == 0 and r["kind"] == "sweep" and r["identical"] is True and r["rows"] == [0], r
    rc, r = reproduce("--row", "all", "--workers", "1")
    assert rc == 0 and r["rows_compared"] == 4 and r["rows_differing"] == [], r
    table = pq.read_table(path)
    shed = table.column("shed_cells").to_pylist()
    shed[2] += 1.0  # one cell more shed in row 2
    table = table.set_column(table.column_names.index("shed_cells"), "shed_cells", [shed]).replace_schema_metadata(meta)
    pq.write_table(table, path)
    rc, r = reproduce("--row", "2")
    assert rc == 1 and r["identical"] is False and r["first_difference"] == "row 2 column shed_cells", r
    rc, r = reproduce("--row", "all", "--workers", "1")
    assert rc == 1 and r["rows_differing"] == [2], r
    rc, r = reproduce("--row", "1")
    assert rc == 0 and r["identical"] is True
    assert main(["reproduce", str(path), "--row", "4"]) == 2
    assert "--row: no row 4: the file has rows 0 to 3" in _one_line_error(capsys)
