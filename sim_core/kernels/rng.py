"""Counter-based random numbers: every draw is a pure function of (seed, stream, counter).

A splitmix64-style finaliser mixes the key, so results do not depend on thread count, scheduling or
array order (measured here: ``np.random`` inside ``prange`` is not reproducible with two
threads). Discrete distributions are built from these uniforms.
"""

import math

import numpy as np

from sim_core.kernels._jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
#: ``binomial`` sums Bernoulli trials below this n, inverts the pmf below this n*min(p, 1-p), and
#: uses a rounded normal above (``binomial_draws`` counts the uniforms each way takes).
BINOMIAL_SUM_BELOW = 40
BINOMIAL_INVERT_BELOW = 25.0


@jit
def mix64(x):
    """splitmix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = np.uint64(x) + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def make_key(seed, stream, step):
    """Key of one random stream: a (seed, stream id, step) triple folded into 64 bits."""
    h = mix64(np.uint64(seed))
    h = mix64(h ^ np.uint64(stream))
    return mix64(h ^ np.uint64(step))


@jit
def uniform(key, counter):
    """Uniform double in the open interval (0, 1) for draw ``counter`` of stream ``key``."""
    z = mix64(np.uint64(key) ^ mix64(np.uint64(counter)))
    return (float(z >> _S11) + 0.5) * _INV53


@jit
def normal(key, counter):
    """Standard normal deviate (Box-Muller, uses draws counter and counter+1)."""
    u1 = uniform(key, counter)
    u2 = uniform(key, counter + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@jit
def poisson(lam, key, counter):
    """Poisson deviate; exact inversion below mean 30, rounded normal above (error < 1 % there).

    Uses at most 2 counter values (counter, counter+1).
    """
    if lam <= 0.0:
        return 0
    if lam < 30.0:
        u = uniform(key, counter)
        k = 0
        p = math.exp(-lam)
        cdf = p
        while u > cdf and k < 1000:
            k += 1
            p *= lam / k
            cdf += p
        return k
    x = math.floor(lam + math.sqrt(lam) * normal(key, counter) + 0.5)
    return int(x) if x > 0.0 else 0


@jit
def binomial(n, p, key, counter):
    """Binomial(n, p) deviate from at most max(n, 2) counter values starting at ``counter``.

    n < 40: sum of Bernoulli trials. n*min(p,1-p) < 25: exact inversion of the pmf. Otherwise a
    rounded normal approximation (variance n p (1-p) >= 24, so its error is a few per cent in the
    tails and negligible in the mean). The result is always within [0, n].
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    q = 1.0 - p if flip else p
    if n < BINOMIAL_SUM_BELOW:
        k = 0
        for i in range(n):
            if uniform(key, counter + i) < q:
                k += 1
    elif n * q < BINOMIAL_INVERT_BELOW:
        u = uniform(key, counter)
        k = 0
        f = math.exp(n * math.log1p(-q))
        cdf = f
        ratio = q / (1.0 - q)
        while u > cdf and k < n:
            f *= ratio * (n - k) / (k + 1)
            k += 1
            cdf += f
    else:
        mean = n * q
        sd = math.sqrt(mean * (1.0 - q))
        x = math.floor(mean + sd * normal(key, counter) + 0.5)
        if x < 0.0:
            x = 0.0
        elif x > n:
            x = float(n)
        k = int(x)
    return n - k if flip else k


@jit
def binomial_draws(n, p):
    """How many uniforms ``binomial(n, p, ...)`` computes (it reserves more counter values than it
    uses: callers step their counter by ``STRIDE``, but count the draws with this)."""
    if n <= 0 or p <= 0.0 or p >= 1.0:
        return 0
    q = 1.0 - p if p > 0.5 else p
    if n < BINOMIAL_SUM_BELOW:
        return n
    if n * q < BINOMIAL_INVERT_BELOW:
        return 1
    return 2


@jit
def uniform_seq(key, counter):
    """Uniform double in (0, 1): element ``counter`` of the splitmix64 sequence seeded by ``key``.

    One finaliser per draw instead of two: the per-packet kernels, which draw once per vessel and
    once per junction, use this (counters there are packet id << 20 | draw index, all distinct)."""
    z = mix64(np.uint64(key) + np.uint64(counter) * _GOLDEN)
    return (float(z >> _S11) + 0.5) * _INV53
