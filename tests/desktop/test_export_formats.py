"""The Lab's save dialogs offer only the formats the running program can write: Parquet only with
pyarrow, GIF only with Pillow, MP4 only with an ffmpeg that has libx264 (imageio-ffmpeg), CSV, PNG
and SVG always, best first. A writer asked for a missing format refuses in one line and writes
nothing. (The installers carry pyarrow and Pillow but no MP4 encoder: packaging/README.md.)"""

import sys

import pytest

from desktop.lab import exports
from desktop.lab.exports import format_problem, writable_formats
from tests.desktop.conftest import run_frames
from tests.desktop.test_lab_parameters import lab_window  # noqa: F401  (fixture)

EVERYTHING = (".csv", ".parquet", ".png", ".svg", ".gif", ".mp4")


@pytest.fixture
def lab(qapp, lab_window, controller):  # noqa: F811
    controller.play()
    run_frames(qapp, controller, 20)
    controller.pause()
    return lab_window.lab


@pytest.fixture
def dialogs(monkeypatch):
    """Stands in for the save dialog: records each filter offered and answers with a path that has
    no suffix and the first (preselected) filter, as a person pressing Enter would."""
    asked = []
    answer = {"path": ""}

    def get_save_file_name(parent, title, folder, filt):
        asked.append(filt)
        return answer["path"], filt.split(";;")[0]

    monkeypatch.setattr("desktop.lab.menu.QFileDialog.getSaveFileName", get_save_file_name)
    return asked, answer


def _without(monkeypatch, *modules):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import then raises ImportError


def test_with_everything_installed_the_full_list_is_offered_best_first(lab):
    assert writable_formats() == EVERYTHING
    assert lab.export_filter("timeseries") == "Parquet (*.parquet);;CSV (*.csv)"
    assert lab.export_filter("movie") == "MP4 (*.mp4);;GIF (*.gif)"
    assert lab.export_filter("body") == "PNG (*.png);;SVG (*.svg)"
    assert lab.export_filter("sites") == "CSV (*.csv)"


@pytest.mark.parametrize(
    "missing, gone, key, offered",
    [
        (("pyarrow",), ".parquet", "timeseries", "CSV (*.csv)"),
        (("PIL",), ".gif", "movie", "MP4 (*.mp4)"),
        (("imageio_ffmpeg",), ".mp4", "movie", "GIF (*.gif)"),
    ],
)
def test_a_missing_library_takes_its_format_out_of_the_dialog(lab, monkeypatch, missing, gone, key, offered):
    _without(monkeypatch, *missing)
    assert writable_formats() == tuple(s for s in EVERYTHING if s != gone)
    assert lab.export_filter(key) == offered
    problem = format_problem(gone)
    assert "\n" not in problem and "is not installed in this program" in problem


def test_the_installed_program_offers_csv_parquet_png_svg_gif(lab, monkeypatch):
    """The installers' set: no imageio-ffmpeg. Messages there suggest no pip (there is no Python)."""
    _without(monkeypatch, "imageio_ffmpeg")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert writable_formats() == (".csv", ".parquet", ".png", ".svg", ".gif")
    assert "pip" not in format_problem(".mp4")
    monkeypatch.delattr(sys, "frozen")
    assert "(pip install imageio-ffmpeg)" in format_problem(".mp4")


@pytest.mark.parametrize(
    "missing, key, path_name, first",
    [
        (("pyarrow",), "timeseries", "series", ".csv"),
        (("imageio_ffmpeg",), "movie", "film", ".gif"),
    ],
)
def test_the_dialogs_first_format_is_one_that_works(
    lab, controller, tmp_path, monkeypatch, dialogs, missing, key, path_name, first
):
    asked, answer = dialogs
    _without(monkeypatch, *missing)
    monkeypatch.setattr("desktop.lab.menu.QInputDialog.getInt", lambda *a: (3, True))  # frames
    answer["path"] = str(tmp_path / path_name)
    lab._on_export(key)
    assert asked == [lab.export_filter(key)]
    written = tmp_path / (path_name + first)
    assert written.is_file() and written.stat().st_size > 100, lab.last_message
    assert lab.last_message.startswith(f"Wrote {written.name}")


def test_a_movie_with_no_encoder_at_all_is_greyed_out_and_opens_no_dialog(lab, monkeypatch, dialogs):
    asked, _ = dialogs
    _without(monkeypatch, "PIL", "imageio_ffmpeg")
    assert lab.export_filter("movie") == ""
    lab._check_exports()
    act = lab.actions["export_movie"]
    assert not act.isEnabled() and "MP4 needs imageio-ffmpeg" in act.toolTip() and "GIF needs Pillow" in act.toolTip()
    assert lab.actions["export_timeseries"].isEnabled()
    lab._on_export("movie")
    assert asked == [] and "GIF needs Pillow" in lab.last_message and "\n" not in lab.last_message
    monkeypatch.undo()
    lab._check_exports()
    assert act.isEnabled() and "needs" not in act.toolTip()  # Qt shows the label when no tooltip is set


@pytest.mark.parametrize(
    "missing, key, name, says",
    [
        (("pyarrow",), "timeseries", "ts.parquet", "Parquet needs pyarrow"),
        (("PIL",), "movie", "m.gif", "GIF needs Pillow"),
        (("imageio_ffmpeg",), "movie", "m.mp4", "MP4 needs imageio-ffmpeg"),
    ],
)
def test_a_writer_asked_for_a_missing_format_refuses_in_one_line(
    lab, controller, tmp_path, monkeypatch, missing, key, name, says
):
    _without(monkeypatch, *missing)
    step = controller.engine.step_index
    assert not lab.export(key, tmp_path / name, frames=3)
    msg = lab.last_message
    assert "\n" not in msg and says in msg and str(tmp_path / name) in msg and "nothing was written" in msg
    other = ".csv" if key == "timeseries" else (".mp4" if name.endswith(".gif") else ".gif")
    assert f"use {other} instead" in msg
    assert list(tmp_path.iterdir()) == [] and controller.engine.step_index == step  # no movie was played


def test_the_movie_writer_itself_refuses_without_the_lab(lab, tmp_path, monkeypatch):
    from sim_core import InputError

    _without(monkeypatch, "imageio_ffmpeg")
    with pytest.raises(InputError, match="MP4 needs imageio-ffmpeg"):
        exports.record_movie(lab.win, tmp_path / "m.mp4", frames=3)
    assert list(tmp_path.iterdir()) == []


def test_an_ffmpeg_without_libx264_or_none_at_all_offers_no_mp4(lab, monkeypatch, tmp_path):
    import imageio_ffmpeg

    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho ' V....D mpeg4   MPEG-4 part 2'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(fake))
    assert ".mp4" not in writable_formats() and lab.export_filter("movie") == "GIF (*.gif)"
    assert format_problem(".mp4") == f"MP4 needs ffmpeg's libx264 encoder, which {fake} does not have"

    def none():
        raise RuntimeError("No ffmpeg exe could be found.\nInstall ffmpeg on your system.")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", none)
    problem = format_problem(".mp4")
    assert ".mp4" not in writable_formats() and "\n" not in problem and "found none" in problem
