"""How much memory this process holds: now (the soaks' leak checks) and at its peak (the
benchmark's memory line). Linux reads ``/proc``; elsewhere psutil, then ``resource``."""

from __future__ import annotations

import os
import sys


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open(f"/proc/{os.getpid()}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_of_this_process() -> float:
    """Peak resident memory (MiB) of this process since it started its program. On Linux that is
    VmHWM: ``ru_maxrss`` would also count the parent's memory copied at fork, before exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / 2**20
    except ImportError:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 2**20 if sys.platform == "darwin" else kb / 1024
