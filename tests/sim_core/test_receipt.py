"""Run receipts replay a run bit for bit; exports carry them and are atomic (a failed write leaves the
old file byte-identical); ``seedsoil-sim run --out`` and ``cohort --out`` write what they promise, and
a cohort gives the same numbers on a Dask cluster as in a process pool."""

import errno
import os
import stat

import numpy as np
import pytest

from sim_core import (
    InputError,
    RecordedEngine,
    export_timeseries,
    find_receipt,
    load_receipt,
    load_scenario,
    make_receipt,
    parse_receipt,
    replay_receipt,
    sidecar_path,
)
from sim_core.io import export as export_mod
from sim_core.model.engine import Engine
from sim_core.tools.cli import main
from tests.helpers import cohort_args


def _same_state(a, b):
    sa, sb = a.snapshot(), b.snapshot()
    for name in sa.__dataclass_fields__:
        x, y = np.asarray(getattr(sa, name)), np.asarray(getattr(sb, name))
        assert x.shape == y.shape and np.array_equal(x, y), name
    assert a.t_days == b.t_days and a.step_index == b.step_index
    assert a.params.as_dict() == b.params.as_dict()
    assert np.array_equal(a.recorder.cells[: a.recorder.n], b.recorder.cells[: b.recorder.n])


def _window_like_run():
    """What the window does: short steps at one speed, a slider moved, a cluster released, faster
    steps, a day-stepped fast-forward that ends on a partial step."""
    eng = RecordedEngine(load_scenario("breast"))
    for _ in range(40):
        eng.step(60.0)
    eng.set_param("transit.attrition", 1.7)
    eng.set_param("transit.attrition", 2.5)  # a drag between two steps keeps the last value
    g = eng.graph
    eng.inject(g.v_ids[g.out_vessels(g.index["primary:breast"])[0]], 40, 40)  # "Release a cluster"
    for _ in range(25):
        eng.step(3600.0)
    eng.set_param("dormancy.entry", 3.0)
    eng.advance(4.4, 1.0)
    return eng


def test_receipt_replay_gives_identical_numbers():
    eng = _window_like_run()
    text = make_receipt(eng)
    r = parse_receipt(text, "mem")
    assert r.replayable and r.step == eng.step_index and r.t_days == eng.t_days
    assert r.step_runs == [(60.0, 40), (3600.0, 25), (86400.0, 4), (r.step_runs[-1][0], 1)]
    assert [e for e in r.events if e[0] == "set"] == [["set", "transit.attrition", 2.5], ["set", "dormancy.entry", 3.0]]
    assert r.scenario.params["transit.attrition"] == 1.0  # the start, not the end
    assert r.params_now["transit.attrition"] == 2.5
    replayed = replay_receipt(r)
    _same_state(eng, replayed)
    # the replayed engine keeps recording: its own receipt is the same text
    assert make_receipt(replayed) == text


def test_a_replayed_run_continues_exactly_like_the_original():
    eng = _window_like_run()
    twin = replay_receipt(parse_receipt(make_receipt(eng)))
    for e in (eng, twin):
        e.advance(20.0, 1.0)
    _same_state(eng, twin)


def test_cell_resolution_and_record_interval_are_replayed_too():
    eng = RecordedEngine(load_scenario("melanoma"), shedding=False, resolution="cells", record_every_days=0.25)
    g = eng.graph
    eng.inject(g.v_ids[0], 500)
    for _ in range(30):
        eng.step(900.0)
    r = parse_receipt(make_receipt(eng))
    assert (r.resolution, r.record_every_days, r.shedding) == ("cells", 0.25, False)
    _same_state(eng, replay_receipt(r))


def test_engine_without_history_gets_an_honest_unreplayable_receipt():
    eng = Engine(load_scenario("lung"))
    eng.advance(3.0, 1.0)
    r = parse_receipt(make_receipt(eng), "x.toml")
    assert not r.replayable and r.step == 3
    with pytest.raises(InputError, match="replayable"):
        replay_receipt(r)


def test_history_is_bounded_and_then_honestly_unreplayable(monkeypatch):
    from sim_core.io.receipt import recorded

    monkeypatch.setattr(recorded, "MAX_HISTORY", 5)
    eng = RecordedEngine(load_scenario("breast"))
    for i in range(8):  # alternating step lengths: one entry each
        eng.step(60.0 if i % 2 else 120.0)
    assert eng.history is None
    assert not parse_receipt(make_receipt(eng)).replayable
    eng.reset()
    assert eng.history == []


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda t: t.replace("dt_s = 60.0", "dt_s = -60.0"), "event[0].dt_s"),
        (lambda t: t.replace('set = "transit.attrition"', 'set = "transit.nonsense"'), "event[1].set"),
        (lambda t: t.replace("value = 2.5", "value = 99.0"), "transit.attrition"),
        (lambda t: t.replace("count = 40", "count = 41"), "event"),
        (lambda t: t.replace("[receipt]", "[receit]"), "no run receipt"),
        (lambda t: t.replace('primary = "primary:breast"', 'primary = "primary:elbow"'), "primary"),
        (lambda t: t.replace("{ dt_s = 60.0, count = 40 }", "{ what = 1 }"), "event[0]"),
    ],
)
def test_broken_receipts_are_refused_naming_file_and_field(edit, field, tmp_path):
    p = tmp_path / "bad.receipt.toml"
    p.write_text(edit(make_receipt(_window_like_run())))
    with pytest.raises(InputError) as err:
        replay_receipt(load_receipt(p))
    msg = str(err.value)
    assert "\n" not in msg and str(p) in msg and field in msg


def test_timeseries_parquet_and_csv_carry_the_receipt(tmp_path):
    import pyarrow.parquet as pq

    eng = _window_like_run()
    text = make_receipt(eng)
    export_timeseries(eng, tmp_path / "ts.parquet", receipt=text)
    table = pq.read_table(tmp_path / "ts.parquet")
    assert table.num_rows == eng.recorder.n and "organ_liver_cells" in table.column_names
    assert table.schema.metadata[b"seedsoil-receipt"].decode() == text
    assert find_receipt(tmp_path / "ts.parquet") == text
    export_timeseries(eng, tmp_path / "ts.csv", receipt=text)
    assert sidecar_path(tmp_path / "ts.csv").read_text() == text
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "ts.csv").stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
    _same_state(eng, replay_receipt(load_receipt(tmp_path / "ts.csv")))


def test_read_only_folder_leaves_the_old_file_byte_identical(tmp_path, monkeypatch):
    eng = _window_like_run()
    out = tmp_path / "ro" / "ts.csv"
    out.parent.mkdir()
    out.write_bytes(b"old contents\n")
    sidecar_path(out).write_bytes(b"old receipt\n")
    out.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root ignores folder permissions: make the folder refuse as it would

        def refuse(*a, **k):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(export_mod.tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(InputError) as err:
            export_timeseries(eng, out, receipt=make_receipt(eng))
    finally:
        out.parent.chmod(stat.S_IRWXU)
    msg = str(err.value)
    assert "\n" not in msg and str(out) in msg and "Permission denied" in msg and "left as it was" in msg
    assert out.read_bytes() == b"old contents\n" and sidecar_path(out).read_bytes() == b"old receipt\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["ts.csv", "ts.csv.receipt.toml"]


@pytest.mark.parametrize("name", ["ts.parquet", "ts.csv"])
def test_full_disk_leaves_the_old_file_byte_identical(tmp_path, monkeypatch, name):
    eng = _window_like_run()
    out = tmp_path / name
    out.write_bytes(b"precious\x00bytes")
    calls = []

    def full(fd, data):
        calls.append(len(data))
        if len(calls) == 2 or name.endswith(".parquet"):  # CSV: the sidecar fails after the table was written
            raise OSError(errno.ENOSPC, "No space left on device")
        os.write(fd, bytes(data))

    monkeypatch.setattr(export_mod, "_write_bytes", full)
    with pytest.raises(InputError, match="disk is full") as err:
        export_timeseries(eng, out, receipt=make_receipt(eng))
    assert "\n" not in str(err.value) and name in str(err.value)
    assert out.read_bytes() == b"precious\x00bytes"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary files left behind


def test_cli_run_out_parquet_carries_a_replayable_receipt(tmp_path, capsys):
    import pyarrow.parquet as pq

    out = tmp_path / "run.parquet"
    assert main(["run", "--scenario", "lung", "--days", "30.5", "--seed", "3", "--out", str(out)]) == 0
    t = pq.read_table(out)
    assert t.num_rows >= 31 and t.schema.metadata[b"seed"] == b"3"
    r = load_receipt(out)
    assert r.scenario.seed == 3 and r.t_days == pytest.approx(30.5)
    eng = replay_receipt(r)
    assert float(t.column("primary_cells")[-1].as_py()) == eng.recorder.primary[eng.recorder.n - 1]


def test_cohort_out_writes_one_row_per_patient(tmp_path, capsys):
    import pyarrow.parquet as pq

    out = tmp_path / "cohort.parquet"
    assert main(cohort_args("ovary", 4, 0.5, "--workers", 1, "--out", str(out), seed=2)) == 0
    t = pq.read_table(out)
    assert t.num_rows == 4 and t.column("patient").to_pylist() == [0, 1, 2, 3]
    assert {"seed", "preset", "doubling_days", "sites_detectable", "sites_any", "organ_liver_lesion"} <= set(
        t.column_names
    )
    assert t.schema.metadata[b"seed"] == b"2"
    csv = tmp_path / "cohort.csv"
    assert main(cohort_args("ovary", 4, 0.5, "--workers", 1, "--out", str(csv), seed=2)) == 0
    lines = csv.read_text().splitlines()
    assert len(lines) == 1 + 4  # the header row first, then one row a patient
    assert lines[0].split(",")[:4] == ["patient", "preset", "seed", "doubling_days"]
    import json

    assert json.loads(t.schema.metadata[b"lesion_states"]) == ["none", "too small to see", "detectable"]
    assert json.loads((tmp_path / "cohort.csv.meta.json").read_text())["seed"] == 2


def test_cohort_out_bad_name_is_refused_before_running(tmp_path, capsys):
    assert main(cohort_args("ovary", 4, 0.5, "--out", str(tmp_path / "c.xlsx"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and "c.xlsx" in err


def test_cohort_on_a_dask_cluster_equals_the_process_pool():
    from distributed import LocalCluster

    from sim_core.science.cohort import run_cohort

    sc = load_scenario("stomach")
    pool = run_cohort(sc, 8, 1.0, 5, workers=2, keep_patients=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = run_cohort(sc, 8, 1.0, 5, scheduler=cluster.scheduler_address, keep_patients=True)
    assert dask == pool
    assert len(dask["patient_rows"]) == 8
