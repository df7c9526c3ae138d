"""Every Lab export opens with its format's standard reader and carries the run receipt (inside the
file where the format allows, else as FILE.receipt.toml); a read-only folder or a full disk fails in
one line and leaves the old file byte-identical."""

import csv
import errno
import os
import stat
import xml.etree.ElementTree as ET

import pytest

from sim_core import COUNTER_NAMES, parse_receipt, sidecar_path
from sim_core.io import export as export_mod
from tests.desktop.conftest import run_frames
from tests.desktop.test_lab_parameters import lab_window  # noqa: F401  (fixture)


@pytest.fixture
def played(qapp, lab_window, controller):  # noqa: F811
    controller.play()
    run_frames(qapp, controller, 40)
    controller.set_parameter("transit.attrition", 3.0)
    run_frames(qapp, controller, 10)
    controller.pause()
    return lab_window


def _check_receipt(text, controller):
    r = parse_receipt(text, "export")
    assert r.replayable and r.step == controller.engine.step_index and r.t_days == controller.engine.t_days
    assert r.params_now["transit.attrition"] == 3.0 and r.scenario.seed == controller.engine.seed
    assert r.version


def test_time_series_parquet_and_csv(played, controller, tmp_path):
    import pyarrow.parquet as pq

    lab = played.lab
    assert lab.export("timeseries", tmp_path / "ts.parquet")
    t = pq.read_table(tmp_path / "ts.parquet")
    assert "t_days" in t.column_names and t.num_rows == controller.engine.recorder.n
    _check_receipt(t.schema.metadata[b"seedsoil-receipt"].decode(), controller)
    assert lab.export("timeseries", tmp_path / "ts.csv")
    rows = list(csv.reader(line for line in (tmp_path / "ts.csv").read_text().splitlines() if not line.startswith("#")))
    assert rows[0][:2] == ["t_days", "primary_cells"]
    _check_receipt(sidecar_path(tmp_path / "ts.csv").read_text(), controller)
    lab.actions["long_form"].setChecked(True)  # the Export menu's "long form" box
    try:
        assert lab.export("timeseries", tmp_path / "long.csv")
    finally:
        lab.actions["long_form"].setChecked(False)
    rows = list(csv.reader((tmp_path / "long.csv").read_text().splitlines()))
    n_sites = len(controller.engine.graph.ids)
    assert rows[0] == ["t_days", "site_id", "site_name", "state", "cells"]
    assert len(rows) - 1 == controller.engine.recorder.n * (n_sites + 1)
    _check_receipt(sidecar_path(tmp_path / "long.csv").read_text(), controller)


def test_funnel_and_site_tables(played, controller, tmp_path):
    lab = played.lab
    assert lab.export("funnel", tmp_path / "funnel.csv") and lab.export("sites", tmp_path / "sites.csv")
    funnel = dict(csv.reader((tmp_path / "funnel.csv").open()))
    assert set(COUNTER_NAMES) <= set(funnel) and float(funnel["shed"]) == controller.engine.funnel()["shed"]
    sites = list(csv.DictReader((tmp_path / "sites.csv").open()))
    assert {r["site"] for r in sites} == set(controller.engine.site_table())
    assert {"living_cells", "dormant_cells", "micrometastases", "macrometastases"} <= set(sites[0])
    for name in ("funnel.csv", "sites.csv"):
        _check_receipt(sidecar_path(tmp_path / name).read_text(), controller)


@pytest.mark.parametrize("key", ["body", "plots", "funnel_chart"])
def test_pictures_png_and_svg(played, controller, tmp_path, key):
    from PIL import Image

    lab = played.lab
    assert lab.export(key, tmp_path / "pic.png")
    with Image.open(tmp_path / "pic.png") as img:
        img.load()
        assert img.width > 100 and img.height > 100
        _check_receipt(img.text["seedsoil-receipt"], controller)
    assert lab.export(key, tmp_path / "pic.svg")
    root = ET.parse(tmp_path / "pic.svg").getroot()
    assert root.tag.endswith("svg")
    found = [el.text for el in root.iter() if el.tag.endswith("}receipt")]
    assert len(found) == 1
    _check_receipt(found[0], controller)
    assert len(list(root.iter())) > 10  # something was drawn


@pytest.mark.parametrize("name, frames", [("run.mp4", 12), ("run.gif", 6)])
def test_movie(played, controller, tmp_path, name, frames):
    import imageio.v3 as iio

    lab = played.lab
    step0 = controller.engine.step_index
    assert lab.export("movie", tmp_path / name, frames=frames)
    assert controller.engine.step_index > step0  # the movie plays the run on
    if name.endswith(".mp4"):
        got = iio.imread(tmp_path / name, index=None)
        assert got.shape[0] == frames and got.shape[-1] == 3 and got.shape[1] > 100
    else:  # Pillow merges identical neighbouring frames into one longer frame: count the time instead
        from PIL import Image, ImageSequence

        with Image.open(tmp_path / name) as gif:
            ms = [f.info["duration"] for f in ImageSequence.Iterator(gif)]
            assert gif.width > 100 and abs(sum(ms) - frames * 1000 / 30) <= 10 * len(ms)  # GIF keeps 1/100 s
    _check_receipt(sidecar_path(tmp_path / name).read_text(), controller)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, name + ".receipt.toml"]


def _refuse_in(folder, monkeypatch):
    """Root ignores folder permissions; refuse temporary files there as the kernel would for others."""
    if os.geteuid() != 0:
        return
    real = export_mod.tempfile.mkstemp

    def mkstemp(*a, dir=None, **k):
        if dir and os.path.samefile(dir, folder):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(export_mod.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize(
    "key, name",
    [
        ("body", "map.png"),
        ("plots", "plot.svg"),
        ("timeseries", "ts.parquet"),
        ("sites", "sites.csv"),
        ("movie", "m.gif"),
    ],
)
def test_read_only_folder_fails_cleanly(played, controller, tmp_path, monkeypatch, key, name):
    lab = played.lab
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / name
    target.write_bytes(b"an older export\n")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    _refuse_in(folder, monkeypatch)
    try:
        assert not lab.export(key, target, frames=3)
    finally:
        folder.chmod(stat.S_IRWXU)
    msg = lab.last_message
    assert "\n" not in msg and str(target) in msg and "Permission denied" in msg and "left as it was" in msg
    assert target.read_bytes() == b"an older export\n" and [p.name for p in folder.iterdir()] == [name]


@pytest.mark.parametrize(
    "key, name",
    [("body", "map.png"), ("funnel_chart", "f.svg"), ("funnel", "f.csv"), ("timeseries", "ts.csv"), ("movie", "m.mp4")],
)
def test_full_disk_fails_cleanly(played, controller, tmp_path, monkeypatch, key, name):
    lab = played.lab
    target = tmp_path / name
    target.write_bytes(b"keep me\x00")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_mod, "_write_bytes", full)
    assert not lab.export(key, target, frames=3)
    assert "disk is full" in lab.last_message and str(target) in lab.last_message
    assert target.read_bytes() == b"keep me\x00" and [p.name for p in tmp_path.iterdir()] == [name]
