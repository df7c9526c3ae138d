"""Sweeps on a local Dask cluster: rows per run, resumable, independent of the worker count."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim_core import BY_PATH, InputError, load_scenario
from sim_core.tools.cli import main
from sim_core.tools.sweep import _parquet_bytes, parse_axis, run_one, run_sweep


def test_three_points_by_two_replicates_on_two_workers_then_nothing_new(tmp_path, capsys):
    out = tmp_path / "s.parquet"
    args = [
        "sweep",
        "--scenario",
        "breast",
        "--param",
        "dormancy.entry=0.5:2:3",
        "--replicates",
        "2",
        "--days",
        "20",
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["runs"], first["computed"], first["skipped"]) == (6, 6, 0)
    table = pq.read_table(out)
    assert table.num_rows == 6
    assert sorted(set(table.column("param:dormancy.entry").to_pylist())) == [0.5, 1.25, 2.0]
    assert json.loads(table.schema.metadata[b"scenario"]) == "breast"
    assert table.schema.field("param:dormancy.entry").metadata[b"unit"] == BY_PATH["dormancy.entry"].unit.encode()
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["computed"], again["skipped"]) == (0, 6)
    assert pq.read_table(out).num_rows == 6
    assert not (tmp_path / "s.parquet.parts").exists()


def test_a_finished_run_left_by_an_interrupted_sweep_is_not_run_again(tmp_path):
    sc = load_scenario("lung")
    axes = [parse_axis("transit.attrition=1:2:2")]
    out = tmp_path / "x.parquet"
    ref = run_sweep(sc, axes, 1, 10, tmp_path / "ref.parquet", workers=1)
    assert ref["computed"] == 2
    done = pq.read_table(tmp_path / "ref.parquet").to_pylist()[0]
    parts = tmp_path / "x.parquet.parts"
    parts.mkdir()
    (parts / f"{done['run_key']}.parquet").write_bytes(_parquet_bytes([done], {}))
    (parts / "torn.parquet").write_bytes(b"PAR1 half a file")
    r = run_sweep(sc, axes, 1, 10, out, workers=1)
    assert (r["computed"], r["skipped"]) == (1, 1)
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 2


def test_rows_do_not_depend_on_the_number_of_workers(tmp_path):
    sc = load_scenario("stomach")
    axes = [parse_axis("immune.surveillance=0.5:1.5:2")]
    run_sweep(sc, axes, 2, 15, tmp_path / "one.parquet", workers=1)
    run_sweep(sc, axes, 2, 15, tmp_path / "two.parquet", workers=2)
    key = lambda r: r["run_key"]  # noqa: E731
    a = sorted(pq.read_table(tmp_path / "one.parquet").to_pylist(), key=key)
    b = sorted(pq.read_table(tmp_path / "two.parquet").to_pylist(), key=key)
    assert a == b


def test_a_row_carries_parameters_seed_funnel_and_sites():
    row = run_one(load_scenario("ovary").to_toml(), {"transit.attrition": 2.0}, 5, 10.0, 0, "k")
    assert row["param:transit.attrition"] == 2.0 and row["seed"] == 5
    assert row["shed_cells"] > 0 and "organ_peritoneum_macrometastases" in row
    assert "micrometastases_now_lesions" in row and all(":" not in k for k in row if not k.startswith("param:"))


@pytest.mark.parametrize(
    "text",
    ["transit.attrition", "transit.attrition=1:2", "nope=1:2:3", "transit.attrition=1:99:3", "transit.attrition=1:2:0"],
)
def test_bad_axes_name_the_field(text):
    with pytest.raises(InputError) as err:
        parse_axis(text)
    assert "--param" in str(err.value)


def test_log_parameters_are_swept_geometrically():
    _, values = parse_axis("dormancy.wake_per_year=0.001:0.1:3")
    np.testing.assert_allclose(values, [0.001, 0.01, 0.1])
