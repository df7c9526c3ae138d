"""Starting without a writable numba cache: when no folder can hold a kernel's compiled code (a
read-only install folder, a read-only or missing home, no ``NUMBA_CACHE_DIR``), numba refuses to
define a ``cache=True`` kernel at import time; here that kernel is compiled uncached instead and one
line says so. ``sim_core/__init__.py`` installs it before any kernel is defined, so importing
``sim_core`` first covers the window's kernels too.

Why not fall back to a shared temp folder: another user could plant machine code there (the same
reasoning as ``packaging/frozen_entry.py``, which handles the frozen bundle its own way).
"""

from __future__ import annotations

import sys
from typing import TypedDict

NOTICE = (
    "note: no writable folder for the compiled-kernel cache (next to {src} or in the "
    "user cache); kernels are compiled at every start. Set NUMBA_CACHE_DIR to a writable folder "
    "to cache them."
)


class _State(TypedDict):
    installed: bool
    uncached: list[str]  # qualified names of the kernels compiled without a cache


_state: _State = {"installed": False, "uncached": []}


def allow_uncached_kernels(stream=None) -> None:
    """Make ``@njit(cache=True)`` fall back to no caching when numba finds no cache locator."""
    if _state["installed"]:
        return
    import numba.core.dispatcher as dispatcher

    original = dispatcher.Dispatcher.enable_caching

    def enable_caching(self):
        try:
            original(self)
        except RuntimeError as exc:  # numba: "cannot cache function ...: no locator available"
            if "no locator available" not in str(exc):
                raise
            if not _state["uncached"]:
                import os

                print(
                    NOTICE.format(src=os.path.dirname(self.py_func.__code__.co_filename)),
                    file=stream or sys.stderr,
                    flush=True,
                )
            _state["uncached"].append(self.py_func.__qualname__)

    # ignored: replacing the method on numba's class is the point of this module
    dispatcher.Dispatcher.enable_caching = enable_caching  # type: ignore[method-assign]
    _state["installed"] = True


def uncached_kernels() -> list[str]:
    """Names of the kernels that run without a cache in this process (for diagnostics and tests)."""
    return list(_state["uncached"])
