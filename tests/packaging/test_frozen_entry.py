"""The frozen entry's start-up logic, in isolation: where the JIT cache goes, the fallback to
``cache=False``, and the locator that keys the cache on the bundle folder instead of the cwd."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def load_entry():
    spec = importlib.util.spec_from_file_location("frozen_entry", PACKAGING / "frozen_entry.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


entry = load_entry()


@pytest.mark.parametrize(
    "platform, env, expected",
    [
        ("linux", {}, "/home/ann/.cache/seedsoil"),
        ("linux", {"XDG_CACHE_HOME": "/var/cache/ann"}, "/var/cache/ann/seedsoil"),
        ("linux", {"XDG_CACHE_HOME": "relative/ignored"}, "/home/ann/.cache/seedsoil"),  # XDG spec
        ("darwin", {}, "/home/ann/Library/Caches/SeedSoil"),
        ("win32", {"LOCALAPPDATA": "/c/Users/ann/AppData/Local"}, "/c/Users/ann/AppData/Local/SeedSoil/Cache"),
        ("win32", {}, "/home/ann/AppData/Local/SeedSoil/Cache"),
    ],
)
def test_per_user_cache_root_per_platform(platform, env, expected):
    assert entry.user_cache_root(platform, env, home="/home/ann") == Path(expected)


def test_numba_cache_dir_is_ours_unless_the_user_set_numba_cache_dir():
    assert entry.numba_cache_dir("linux", {}, home="/h") == Path("/h/.cache/seedsoil/numba")
    assert entry.numba_cache_dir("linux", {"NUMBA_CACHE_DIR": "/srv/jit"}, home="/h") == Path("/srv/jit")


def test_writable_dir_is_created_and_probed(tmp_path):
    target = tmp_path / "a" / "b"
    assert entry.is_writable_dir(target) and target.is_dir()
    assert list(target.iterdir()) == []  # the probe file is gone


def test_unwritable_dir_gives_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")  # works as root too, unlike chmod
    assert not entry.is_writable_dir(blocker / "numba")
    assert entry.choose_cache_dir(blocker / "numba") is None
    assert entry.choose_cache_dir(tmp_path / "ok") == tmp_path / "ok"
    assert entry.choose_cache_dir(tmp_path / "x", writable=lambda p: False) is None


@pytest.mark.parametrize(
    "platform, env, expected",
    [
        ("linux", {}, "C.UTF-8"),
        ("linux", {"LANG": "C"}, "C.UTF-8"),
        ("linux", {"LANG": "de_DE.UTF-8"}, None),
        ("linux", {"LANG": "en_GB.utf8"}, None),
        ("linux", {"LC_CTYPE": "C.UTF-8"}, None),
        ("linux", {"LC_ALL": "C"}, None),  # the user forced it: leave it alone
        ("darwin", {}, None),
        ("win32", {}, None),
    ],
)
def test_utf8_ctype(platform, env, expected):
    assert entry.utf8_ctype(platform, env) == expected


# The locator and the fallback, each in a fresh process that pretends to be a PyInstaller bundle:
# sys.frozen and sys._MEIPASS set, and a kernel module whose code object has a *relative* file
# name, as PyInstaller makes them.
PROBE = textwrap.dedent("""
    import json, os, sys, types
    sys.path.insert(0, os.environ["PACKAGING"])
    bundle = os.environ["BUNDLE"]
    sys.frozen, sys._MEIPASS = True, bundle
    import frozen_entry
    cache = frozen_entry.configure_numba_cache()
    import numpy as np
    mod = sys.modules["pkg.kern"] = types.ModuleType("pkg.kern")
    rel = os.path.join("pkg", "kern.py")
    with open(os.path.join(bundle, rel)) as f:
        exec(compile(f.read(), rel, "exec"), mod.__dict__)
    out = mod.twice(np.arange(3.0))
    st = mod.twice.stats
    print(json.dumps({"cache": cache, "sum": float(out.sum()), "path": st.cache_path,
                      "hits": sum(st.cache_hits.values()), "misses": sum(st.cache_misses.values())}))
""")
KERNEL = "import numba\n\n@numba.njit(cache=True)\ndef twice(a):\n    return 2 * a\n"


def run_probe(tmp_path, cwd, **env_extra):
    bundle = tmp_path / "bundle"
    (bundle / "pkg").mkdir(parents=True, exist_ok=True)
    (bundle / "pkg" / "kern.py").write_text(KERNEL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PACKAGING=str(PACKAGING), BUNDLE=str(bundle), **env_extra)
    cwd.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_frozen_cache_goes_to_the_per_user_dir_and_ignores_the_cwd(tmp_path):
    home = tmp_path / "xdg"
    first = run_probe(tmp_path, tmp_path / "cwd1", XDG_CACHE_HOME=str(home))
    second = run_probe(tmp_path, tmp_path / "cwd2", XDG_CACHE_HOME=str(home))
    expected = home / "seedsoil" / "numba"
    if sys.platform.startswith("linux"):
        assert first["cache"] == str(expected)
        assert Path(first["path"]).parent == expected
    assert first["sum"] == second["sum"] == 6.0
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (second["hits"], second["misses"]) == (1, 0)  # another cwd, same cache
    assert first["path"] == second["path"]
    assert not (tmp_path / "bundle" / "pkg" / "__pycache__").exists()  # never the install folder


def test_unwritable_cache_dir_falls_back_to_no_cache(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = run_probe(tmp_path, tmp_path / "cwd", NUMBA_CACHE_DIR=str(blocker / "numba"))
    assert result["cache"].startswith("off (")
    assert result["sum"] == 6.0  # the kernel still runs, compiled in memory
    assert result["path"] is None  # numba's NullCache: nothing written anywhere


# --- the smoke test's export round trip (what the frozen bundle runs; here from the sources) --------


def test_export_round_trip_writes_and_reads_back_every_offered_format(qapp, tmp_path):
    from desktop.lab.exports import writable_formats

    done, problems = entry.export_round_trip(tmp_path)
    assert problems == []
    assert done == [s[1:] for s in writable_formats()] == ["csv", "parquet", "png", "svg", "gif", "mp4"]
    assert set(entry.BUNDLE_FORMATS) < set(writable_formats())  # what the installers must write, and no MP4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "export.csv",
        "export.csv.receipt.toml",
        "export.gif",
        "export.gif.receipt.toml",
        "export.mp4",
        "export.mp4.receipt.toml",
        "export.parquet",
        "export.png",
        "export.svg",
    ]


def test_export_round_trip_notices_files_that_do_not_read_back(qapp, tmp_path, monkeypatch):
    """The round trip reads what was written: writers that write the wrong bytes are reported."""
    from sim_core.io import export as export_mod

    real = export_mod.write_files_atomic
    broken = (".csv", ".png", ".gif")

    def spoil(files, field=""):
        return real({p: (b"not a picture" if p.suffix in broken else data) for p, data in files.items()}, field)

    for mod in ("sim_core.io.export", "desktop.lab.exports", "desktop.lab.menu"):
        monkeypatch.setattr(f"{mod}.write_files_atomic", spoil)
    done, problems = entry.export_round_trip(tmp_path)
    assert done == ["parquet", "svg", "mp4"]
    assert [p.split(" ")[:3] for p in problems] == [[s[1:], "read", "back:"] for s in broken]


def test_memory_reader_is_psutil_when_it_imports(monkeypatch):
    source, mib = entry.memory_reader()
    assert source == "psutil" and 20 < mib < 100_000
    monkeypatch.setitem(sys.modules, "psutil", None)
    if sys.platform.startswith("linux"):
        source, mib = entry.memory_reader()
        assert source == "proc" and 20 < mib < 100_000
