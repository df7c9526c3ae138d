"""``frames.hash01``: the stable per-id number behind sampling, death causes and lesion places.
The numba loop must give exactly the splitmix64 finaliser as numpy computes it (the window's
samples and placements stay where they were)."""

import numpy as np

from desktop.core.frames import hash01


def _splitmix01(ids):
    with np.errstate(over="ignore"):
        z = np.asarray(ids).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def test_hash01_is_the_splitmix64_finaliser_bit_for_bit():
    rng = np.random.default_rng(3)
    cases = [
        rng.integers(0, 2**62, 20_000),
        np.arange(-50, 50),
        np.array([0, 1, 2**63 - 1]),
        np.arange(12).reshape(3, 4),
        np.arange(7, dtype=np.int32),
        np.array(7),
        np.zeros(0, np.int64),
    ]
    for ids in cases:
        got, want = hash01(ids), _splitmix01(ids)
        assert got.shape == want.shape and got.dtype == np.float64
        assert np.array_equal(got, want)
    u = hash01(np.arange(100_000))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
