"""The one place that sets numba flags for every kernel (cache on disk, release the GIL)."""

import numba

#: Decorator for all kernels. ``parallel``/``fastmath`` are added per kernel only where a
#: benchmark shows a gain (none yet: the kernels are serial and short).
jit = numba.njit(cache=True, nogil=True)
#: For a kernel whose only caller is another kernel that takes plain arrays and groups them
#: (``transport.transport_step``): numba inlines it there, so the grouping costs nothing.
jit_inline = numba.njit(cache=True, nogil=True, inline="always")
