"""Checkpoints: resume is bit-identical to an uninterrupted run; damaged files give one line."""

import json
import zipfile

import numpy as np
import pytest

from sim_core import Engine, InputError, load_scenario
from sim_core.io.checkpoint import _state_arrays, load_checkpoint, save_checkpoint
from sim_core.science.experiments import run_patient
from sim_core.tools.cli import main


def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    sc = load_scenario("ovary")
    sc.params.set("shedding.viable_fraction", 0.01)  # lesions, dormant cells and cavity cells to carry over
    whole = run_patient(sc, 160, seed=9)
    half = run_patient(sc, 80, seed=9)
    save_checkpoint(half, tmp_path / "c.npz")
    resumed = load_checkpoint(tmp_path / "c.npz")
    resumed.advance(80, 1.0)
    assert resumed.t_days == whole.t_days and resumed.step_index == whole.step_index
    assert resumed.primary_cells == whole.primary_cells
    a, b = _state_arrays(whole), _state_arrays(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert whole.counters[0] > 0 and (whole.lesions.state > 0).any()


def test_resume_mid_injection_with_packets_in_flight(tmp_path):
    def fresh():
        e = Engine(load_scenario("melanoma"), shedding=False)
        e.inject("vein:ivc->heart:right", 5000, cluster_cells=5)
        return e

    whole, part = fresh(), fresh()
    for _ in range(6):
        whole.step(3.0)
    for _ in range(3):
        part.step(3.0)
    assert part.alive_in_transit() > 0
    save_checkpoint(part, tmp_path / "p.npz")
    back = load_checkpoint(tmp_path / "p.npz")
    for _ in range(3):
        back.step(3.0)
    assert np.array_equal(back.counters, whole.counters)
    assert np.array_equal(back.packets.cells, whole.packets.cells)


def test_cli_checkpoint_and_resume_match_one_long_run(tmp_path, capsys):
    ck = tmp_path / "run.npz"
    assert main(["run", "--scenario", "breast", "--days", "50", "--seed", "3", "--checkpoint", str(ck), "--json"]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", str(ck), "--days", "50", "--json"]) == 0
    resumed = json.loads(capsys.readouterr().out)
    assert main(["run", "--scenario", "breast", "--days", "100", "--seed", "3", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert resumed["t_days"] == pytest.approx(100.0)
    assert resumed["funnel"] == whole["funnel"] and resumed["sites"] == whole["sites"]


@pytest.mark.parametrize("damage", ["garbage", "truncate", "no_header", "wrong_format"])
def test_damaged_checkpoints_are_refused_with_one_line(tmp_path, damage):
    good = tmp_path / "good.npz"
    save_checkpoint(run_patient(load_scenario("lung"), 5, seed=1), good)
    bad = tmp_path / "bad.npz"
    if damage == "garbage":
        bad.write_bytes(b"not a zip at all")
    elif damage == "truncate":
        bad.write_bytes(good.read_bytes()[:500])
    else:
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
            for item in zin.namelist():
                if damage == "no_header" and item == "header.npy":
                    continue
                data = zin.read(item)
                if damage == "wrong_format" and item == "header.npy":
                    buf = __import__("io").BytesIO()
                    np.save(buf, np.array('format = "something-else"\n'))
                    data = buf.getvalue()
                zout.writestr(item, data)
    with pytest.raises(InputError) as err:
        load_checkpoint(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)


def test_info_lists_versions(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"seedsoil", "numba", "numpy", "numba_threads", "numba_cache_dir"} <= set(info)
    # what a bug report needs, without importing Qt: every runtime dependency, the CPU, the real
    # kernel cache folder and the threading layer (before any parallel kernel has run)
    assert {"llvmlite", "msgspec", "pyarrow", "distributed", "pyside6-essentials", "cpu"} <= set(info)
    import sys
    from importlib.metadata import version

    assert info["llvmlite"] == version("llvmlite") and info["cpu"]
    assert info["numba_cache_dir"] not in ("", "(next to the sources)")
    assert info["threading_layer"].split()[0] in ("tbb", "omp", "workqueue")
    import subprocess

    code = (
        "import sys; from sim_core.tools.cli import system_info; system_info(); "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
