"""``seedsoil-sim``: the JSON contract, and one-line errors with status 2 for bad input."""

import json
import subprocess
import sys

import pytest

from sim_core.tools.cli import main
from tests.helpers import cohort_args


def run_cli(*args):
    p = subprocess.run([sys.executable, "-m", "sim_core.tools.cli", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def test_scenarios_lists_presets_name_first(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert {ln.split("\t")[0] for ln in lines} >= {"breast", "lung", "ovary", "sarcoma"}


def test_params_json_has_unit_range_default_source(capsys):
    assert main(["params", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"path", "unit", "min", "max", "default", "source"} <= set(rows[0])
    assert any(r["path"] == "transit.attrition" for r in rows)


def test_run_json_contract(capsys, tmp_path):
    out = tmp_path / "ts.csv"
    sc = tmp_path / "big.toml"  # a 1-g tumour, so 60 days shed enough cells to see every stage
    sc.write_text(
        'name = "big"\nprimary = "primary:breast"\n[params.primary]\ninitial_cells = 1e8\n'
        "[params.shedding]\nrate_per_g_day = 1e6\n"
    )
    assert main(["run", "--scenario", str(sc), "--days", "60", "--seed", "2", "--json", "--out", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["scenario"], r["seed"], r["days"]) == ("big", 2, 60.0) and r["version"]
    f = r["funnel"]
    for key in ("shed", "died_in_transit", "arrested", "extravasated", "dormant", "micrometastases", "macrometastases"):
        assert key in f
    assert set(f["died_in_transit_by_cause"]) == {"anoikis", "shear", "immune"}
    assert f["shed"] > f["arrested"] > f["extravasated"] > 0
    site = r["sites"]["organ:liver"]
    assert set(site) == {"dormant_cells", "micrometastases", "macrometastases", "largest_lesion_cells"}
    text = out.read_text().splitlines()
    assert text[0].startswith("t_days,primary_cells,shed")  # the header row first
    assert len(text) == 1 + 61
    assert "seed = 2" in (tmp_path / "ts.csv.receipt.toml").read_text()


def test_run_says_when_founder_cells_wait_for_lesion_rows(capsys, tmp_path, monkeypatch):
    """Past the lesion table's ceiling (here lowered to 500 rows) ``run`` still succeeds and says on
    stderr how many founder cells wait; below it, it says nothing."""
    import sim_core.model.engine as engine

    sc = tmp_path / "flood.toml"  # the slider corner of test_engine's ceiling tests
    sc.write_text(
        'name = "flood"\nprimary = "primary:breast"\n'
        "[params.primary]\ninitial_cells = 1e6\ndoubling_days = 0.5\ndoubling_ref_cells = 1e11\n"
        "[params.shedding]\nviable_fraction = 0.945\n[params.fate]\nproliferate = 0.9969\ndormant = 0.0\n"
        "[params.micro]\nregress_per_doubling = 0.0\n"
    )
    monkeypatch.setattr(engine, "MAX_LESIONS", 500)
    assert main(["run", "--scenario", str(sc), "--days", "2", "--seed", "1", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["funnel"]["micrometastases"] <= 500
    assert "the lesion table is full" in out.err and "founder cells wait alive" in out.err
    monkeypatch.setattr(engine, "MAX_LESIONS", 1 << 25)
    assert main(["run", "--scenario", "breast", "--days", "2", "--seed", "1", "--json"]) == 0
    assert "lesion table" not in capsys.readouterr().err


def test_inject_json_contract(capsys):
    assert (
        main(
            [
                "inject",
                "--vessel",
                "vein:portal->organ:liver",
                "--cells",
                "20000",
                "--days",
                "13",
                "--seed",
                "1",
                "--json",
            ]
        )
        == 0
    )
    r = json.loads(capsys.readouterr().out)
    assert r["injected"] == 20000 and r["organ"] == "organ:liver"
    times = [row["t_days"] for row in r["timeline"]]
    assert times == pytest.approx([0.0625, 1, 3, 10, 13])
    for row in r["timeline"]:
        assert {"t_days", "alive", "arrested", "extravasated", "dormant", "micrometastases", "macrometastases"} <= set(
            row
        )


def test_cohort_json_contract(capsys):
    assert main(cohort_args("ovary", 40, 3, "--json", "--workers", 1, seed=1)) == 0
    r = json.loads(capsys.readouterr().out)
    print("metastases per patient:", r["metastases_per_patient"])
    assert r["metastases_per_patient"] > 0  # (10 patients for 1 year had none: the shares were empty)
    s = r["sites"]["organ:peritoneum"]
    assert {"name", "pct_patients", "pct_metastases"} <= set(s)
    assert sum(v["pct_metastases"] for v in r["sites"].values()) == pytest.approx(100.0, abs=1e-6)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["run", "--scenario", "nosuch", "--days", "3", "--seed", "1"], "nosuch"),
        (["run", "--scenario", "breast", "--days", "nan"], "--days"),
        (["run", "--scenario", "breast", "--days", "-4"], "--days"),
        (["inject", "--vessel", "vein:nowhere", "--cells", "10", "--days", "1", "--seed", "1"], "--vessel"),
        (["cohort", "--scenario", "breast", "--patients", "0", "--years", "1"], "--patients"),
        (["run", "--scenario", "breast", "--days", "3", "--out", "/nonexistent/dir/x.csv"], "--out"),
        (["run", "--scenario", "breast", "--days", "3", "--out", "x.xlsx"], "--out"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, needle):
    rc, out, err = run_cli(*args)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert "Traceback" not in err


def test_bad_scenario_file_names_file_and_field(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text('name = "b"\nprimary = "primary:breast"\n[params.dormancy]\nentry = 1e9\n')
    rc, _, err = run_cli("run", "--scenario", str(p), "--days", "3")
    assert rc == 2 and str(p) in err and "params.dormancy.entry" in err and len(err.splitlines()) == 1


def test_full_disk_on_export_keeps_the_old_file(tmp_path, monkeypatch):
    import sim_core.model.scenario as scen

    target = tmp_path / "ts.csv"
    target.write_text("precious")

    def no_space(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scen.os, "fsync", no_space)
    rc = main(["run", "--scenario", "breast", "--days", "2", "--out", str(target)])
    assert rc == 2
    assert target.read_text() == "precious"
    assert [f.name for f in tmp_path.iterdir()] == ["ts.csv"]


def test_parquet_export_without_pyarrow_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *a, **k):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    rc = main(["run", "--scenario", "breast", "--days", "2", "--out", str(tmp_path / "x.parquet")])
    err = capsys.readouterr().err
    assert rc == 2 and "pyarrow" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_output_paths_are_refused_before_any_work(tmp_path, monkeypatch, capsys):
    """run, cohort and sweep check --out (and run --checkpoint) first: a bad path costs nothing."""
    from sim_core.science import experiments

    def no_run(*a, **k):
        raise AssertionError("the simulation started before --out was checked")

    monkeypatch.setattr(experiments, "run_patient", no_run)
    missing = tmp_path / "no-such-folder" / "ts.csv"
    cases = [
        (["run", "--scenario", "breast", "--days", "400", "--out", str(missing)], "the folder does not exist"),
        (["run", "--scenario", "breast", "--days", "400", "--out", str(tmp_path)], "end in .csv or .parquet"),
        (["run", "--scenario", "breast", "--days", "400", "--checkpoint", str(tmp_path / "c.txt")], "end in .npz"),
        (
            [
                "sweep",
                "--scenario",
                "breast",
                "--param",
                "transit.attrition=1:2:2",
                "--days",
                "5",
                "--out",
                str(tmp_path / "s.csv"),
            ],
            "end in .parquet",
        ),
        (
            ["cohort", "--scenario", "breast", "--patients", "5", "--years", "1", "--out", str(missing)],
            "the folder does not exist",
        ),
    ]
    for args, why in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert (
            err.count("\n") == 1
            and why in err
            and args[args.index("--out" if "--out" in args else "--checkpoint") + 1] in err
        ), err


def test_every_option_of_every_command_says_what_it_does():
    import argparse

    from sim_core.tools.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    bare = [
        (name, a.option_strings)
        for name, sp in sub.choices.items()
        for a in sp._actions
        if a.option_strings and not a.help
    ]
    assert len(sub.choices) >= 12 and not bare, bare


def test_every_export_loads_in_pandas_and_pyarrow_as_it_is(tmp_path, capsys):
    """Each CSV starts with its header row: plain ``pandas.read_csv`` gets the right shape (a first
    comment line made it a 32x1 frame); plain ``pyarrow.parquet.read_table`` reads the Parquet
    twins. Units are in the column names (and in Parquet's field metadata); the cohort says in words
    what a patient has at each site; what a CSV cannot hold lies beside it (the run's receipt, the
    cohort's version, seed and full scenario)."""
    pd = pytest.importorskip("pandas")
    import pyarrow.parquet as pq

    from sim_core.model.scenario import parse_scenario

    n_sites = len(_graph_ids())
    for long in (False, True):
        for suffix in (".csv", ".parquet"):
            out = tmp_path / f"run{'_long' if long else ''}{suffix}"
            assert (
                main(
                    ["run", "--scenario", "breast", "--days", "20", "--seed", "4", "--out", str(out)]
                    + (["--long"] if long else [])
                )
                == 0
            )
            df = pd.read_csv(out) if suffix == ".csv" else pq.read_table(out).to_pandas()
            times = 21  # day 0 to day 20, one row a day
            if long:
                assert list(df.columns) == ["t_days", "site_id", "site_name", "state", "cells"]
                assert df.shape == (times * (n_sites + 1), 5)
                prim = df[df["state"] == "primary tumour"]
                assert len(prim) == times and set(prim["site_id"]) == {"primary:breast"}
                assert set(df["state"]) == {"primary tumour", "disseminated"}
                assert (df.groupby("t_days").size() == n_sites + 1).all()
            else:
                assert df.shape == (times, 2 + 21 + n_sites)
                assert all(":" not in c for c in df.columns)
                assert {
                    "t_days",
                    "primary_cells",
                    "shed_cells",
                    "organ_liver_cells",
                    "micrometastases_founded_lesions",
                    "clusters_shed",
                } <= set(df.columns)
                assert all(c == "t_days" or c.endswith(("_cells", "_lesions", "clusters_shed")) for c in df.columns)
            assert df["t_days"].iloc[-1] == pytest.approx(20.0)
            if suffix == ".csv":
                assert (tmp_path / f"{out.name}.receipt.toml").is_file()
            else:
                schema = pq.read_schema(out)
                assert schema.field("t_days").metadata[b"unit"] == b"days"
                cells = schema.field("cells" if long else "organ_liver_cells").metadata
                assert cells[b"unit"] == b"cells"
    # the same run, wide and long, holds the same numbers
    wide = pd.read_csv(tmp_path / "run.csv")
    longf = pd.read_csv(tmp_path / "run_long.csv")
    liver = longf[longf["site_id"] == "organ:liver"]["cells"].to_numpy()
    assert liver.tolist() == wide["organ_liver_cells"].tolist()
    capsys.readouterr()
    for suffix in (".csv", ".parquet"):
        co = tmp_path / f"cohort{suffix}"
        assert main(cohort_args("breast", 6, 0.5, "--workers", 1, "--out", str(co), seed=2)) == 0
        df = pd.read_csv(co) if suffix == ".csv" else pq.read_table(co).to_pandas()
        assert df.shape[0] == 6 and df["patient"].tolist() == list(range(6))
        site_cols = [c for c in df.columns if c.endswith("_lesion")]
        assert "organ_liver_lesion" in site_cols and all(":" not in c for c in df.columns)
        assert set(df[site_cols].to_numpy().ravel()) <= {"none", "too small to see", "detectable"}
        meta = (
            json.loads((tmp_path / "cohort.csv.meta.json").read_text())
            if suffix == ".csv"
            else {k.decode(): v.decode() for k, v in pq.read_schema(co).metadata.items()}
        )
        assert parse_scenario(meta["scenario_toml"], "meta").name == "breast"
        assert json.loads(str(meta["seed"])) == 2 and json.loads(str(meta["patients"])) == 6
    capsys.readouterr()


def _graph_ids():
    from sim_core.model.engine import default_graph

    return default_graph().ids


def test_long_needs_out(capsys):
    assert main(["run", "--scenario", "breast", "--days", "1", "--long"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--long" in err and "--out" in err
