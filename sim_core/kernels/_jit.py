"""The one place that sets numba flags for every kernel (cache on disk, release the GIL)."""

import numba

#: Decorator for all kernels. ``parallel``/``fastmath`` are added per kernel only where a
#: benchmark shows a gain (none yet: the kernels are serial and short).
jit = numba.njit(cache=True, nogil=True)
#: For a kernel whose only caller is another kernel that takes plain arrays and groups them
#: (``transport.transport_step``), and for the small rules of ``rules.py``: numba inlines it into
#: its callers, so the grouping and the rule cost no call.
#:
#: A caution measured here (numba 0.68): a helper inlined into a ``prange`` loop that unpacked a
#: tuple into locals named like its caller's arguments changed a run's numbers (``cells.put``, now
#: written by index). The stored runs of ``tests/golden`` catch such a change; run them after
#: touching an inlined helper.
jit_inline = numba.njit(cache=True, nogil=True, inline="always")
