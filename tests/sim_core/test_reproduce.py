"""``seedsoil-sim reproduce FILE``: an export is run again from what it carries and compared; a
changed number is found; a file with nothing to reproduce is one line, exit 2."""

import json

import pytest

from sim_core.tools.cli import main
from tests.helpers import cohort_args


def _reproduce(capsys, path, *extra):
    rc = main(["reproduce", str(path), "--json", *extra])
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if out.out else None), out.err


def test_a_time_series_export_reproduces_and_a_changed_number_is_found(tmp_path, capsys):
    n_sites = 50
    for name in ("ts.csv", "ts.parquet", "long.csv", "long.parquet"):
        if name.endswith(".parquet"):
            pytest.importorskip("pyarrow")
        out = tmp_path / name
        long = name.startswith("long")
        assert (
            main(
                ["run", "--scenario", "breast", "--days", "25", "--seed", "3", "--out", str(out)]
                + (["--long"] if long else [])
            )
            == 0
        )
        capsys.readouterr()
        rc, r, _ = _reproduce(capsys, out)
        assert rc == 0 and r["identical"] is True and r["kind"] == "timeseries", r
        assert r["layout"] == ("long" if long else "wide") and r["rows_differing"] == 0 and r["step"] == 25
        assert r["rows"] == (26 * (n_sites + 1) if long else 26)
    lines = (tmp_path / "long.csv").read_text().splitlines()
    lines[40] = lines[40].rsplit(",", 1)[0] + ",12345"  # one site's cells at one time
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n")
    rc, r, _ = _reproduce(capsys, tmp_path / "long.csv")
    assert rc == 1 and r["identical"] is False and r["rows_differing"] == 1
    lines = (tmp_path / "ts.csv").read_text().splitlines()
    row = lines[7].split(",")
    row[2] = repr(float(row[2]) + 1.0)  # one shed count, one cell more
    lines[7] = ",".join(row)
    (tmp_path / "ts.csv").write_text("\n".join(lines) + "\n")
    rc, r, _ = _reproduce(capsys, tmp_path / "ts.csv")
    assert rc == 1 and r["identical"] is False and r["rows_differing"] == 1


def test_a_cohort_reproduces_with_its_options_and_a_changed_patient_is_found(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    csv, pq = tmp_path / "c.csv", tmp_path / "c.parquet"
    assert main(cohort_args("breast", 6, 1, "--workers", 1, "--out", str(csv), seed=5)) == 0
    assert main(cohort_args("prostate", 5, 2, "--surgery-at-mm", 15, "--workers", 1, "--out", str(pq), seed=5)) == 0
    capsys.readouterr()
    for path, n in ((csv, 6), (pq, 5)):
        rc, r, _ = _reproduce(capsys, path, "--workers", "2")  # the worker count does not matter
        assert rc == 0 and r["identical"] is True and r["patients"] == n and r["rows_compared"] == n, r
    assert json.loads((tmp_path / "c.csv.meta.json").read_text())["surgery_at_mm"] == 0.0
    lines = csv.read_text().splitlines()
    cells = lines[2].split(",")
    cells[4] = str(int(cells[4]) + 1)  # one more detectable site for patient 1
    lines[2] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    rc, r, _ = _reproduce(capsys, csv)
    assert rc == 1 and r["identical"] is False and r["first_difference"] == "line 3"


def test_nothing_to_reproduce_is_one_line(tmp_path, capsys):
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n")
    for path, why in ((plain, "nothing to reproduce"), (tmp_path / "missing.csv", "no such file")):
        rc, r, err = _reproduce(capsys, path)
        assert rc == 2 and r is None and err.count("\n") == 1 and why in err and str(path) in err
