"""Packet and lesion tables (struct-of-arrays, fixed capacity with a free list) and organ pools."""

from __future__ import annotations

import numpy as np

from sim_core.kernels.layout import N_ROUTES
from sim_core.kernels.structs import PacketArrays, PoolArrays


def fill_rows(table, rows, **columns) -> None:
    """Write ``columns`` (name = values, or one value for all) into rows ``rows`` of a table."""
    for name, values in columns.items():
        getattr(table, name)[rows] = values


def _grow(arr: np.ndarray, cap: int, fill=0) -> np.ndarray:
    out = np.full((cap,) + arr.shape[1:], fill, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


class Column:
    """A table column, declared once on its class: its dtype and the value of an empty row. Each
    instance holds the column's array under the same name (the instance's own attribute, which
    Python reads before this declaration); the type checker reads it as an array."""

    def __init__(self, dtype: type, fill: object = 0):
        self.dtype, self.fill = dtype, fill

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> np.ndarray:
        raise AttributeError(f"column {self.name!r} is made by the table's __init__")


def columns_of(cls: type) -> tuple[tuple[str, type, object], ...]:
    """(name, dtype, fill) of the ``Column`` declarations of ``cls``, in the order written."""
    return tuple((k, v.dtype, v.fill) for k, v in vars(cls).items() if isinstance(v, Column))


class _Table:
    """Columns of equal length plus a stack of free row indices; rows never move."""

    #: (name, dtype, fill) of every column, from the subclass' ``Column`` declarations
    _columns: tuple[tuple[str, type, object], ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._columns = columns_of(cls)

    def __init__(self, capacity: int):
        for name, dtype, fill in self._columns:
            setattr(self, name, np.full(capacity, fill, dtype=dtype))
        # popped from the end: lowest free index first, so tables stay dense at the front
        self.free_stack = np.arange(capacity - 1, -1, -1, dtype=np.int64)
        self.n_free = np.array([capacity], dtype=np.int64)
        self.next_id = np.array([0], dtype=np.int64)

    @property
    def capacity(self) -> int:
        return self.free_stack.shape[0]

    @property
    def n_used(self) -> int:
        return self.capacity - int(self.n_free[0])

    def grow(self, min_free: int = 0, limit: int | None = None) -> None:
        """Add rows (at least doubling, at least ``min_free`` free), to at most ``limit`` rows."""
        old = self.capacity
        new = max(2 * old, old + min_free, 1024)
        if limit is not None:
            new = min(new, limit)
        if new <= old:
            return
        for name, _, fill in self._columns:
            setattr(self, name, _grow(getattr(self, name), new, fill))
        nf = int(self.n_free[0])
        stack = np.empty(new, dtype=np.int64)
        stack[: new - old] = np.arange(new - 1, old - 1, -1)
        stack[new - old : new - old + nf] = self.free_stack[:nf]
        self.free_stack = stack
        self.n_free[0] = nf + new - old


class PacketTable(_Table):
    """Packets of cells in vessels: single cells (``nclu == 0``) or ``nclu`` clusters."""

    cells = Column(np.int64)
    nclu = Column(np.int64)  # clusters in the packet; 0 = viable single cells, -1 = non-viable
    vessel = Column(np.int32)
    pos_h = Column(np.float64, 0.0)  # hours travelled along the vessel
    clock_h = Column(np.float64, 0.0)  # hours of the current step already used
    route = Column(np.int64)  # bit set of vessel kinds travelled since the last compartment
    pid = Column(np.int64, -1)  # stable id
    active = Column(np.int8)

    def kernel_arrays(self) -> PacketArrays:
        """The columns (in ``PacketArrays`` order) and the free list, as the transport kernels take
        them (anew after ``grow``)."""
        columns = [getattr(self, name) for name, _, _ in self._columns]
        return PacketArrays._make([*columns, self.free_stack, self.n_free, self.next_id])


class LesionTable(_Table):
    """Micrometastases (state 1) and macrometastases (state 2)."""

    state = Column(np.int8)
    comp = Column(np.int32)
    route = Column(np.int8)  # vessel kind by which the founder cell arrived
    cells = Column(np.float64, 0.0)
    born_day = Column(np.float64, 0.0)
    switch_day = Column(np.float64, -1.0)
    res = Column(np.float64, 0.0)  # share of drug-adapted cells (macrometastases)
    lid = Column(np.int64, -1)


class OrganPools:
    """Aggregated cells held in each compartment, by the route kind they arrived on."""

    def __init__(self, n: int):
        shape = (n, N_ROUTES)
        self.arr_s = np.zeros(shape, np.int64)  # arrested single cells (intravascular)
        self.arr_c = np.zeros(shape, np.int64)  # arrested cells that came as clusters
        self.doomed = np.zeros(shape, np.int64)  # extravasated, will die
        self.dormant = np.zeros(shape, np.int64)  # extravasated, solitary and asleep
        self.spawn = np.zeros(shape, np.int64)  # dividing cells waiting for a lesion slot
        self.floating = np.zeros(n, np.int64)  # cells adrift in a body cavity
        self.arrested_cum = np.zeros(n, np.float64)
        self.cleared_cum = np.zeros(n, np.float64)  # non-viable cells cleared on arrival here
        self.extravasated_cum = np.zeros(n, np.float64)
        # arrivals waiting to be processed inside the transport kernel (empty between steps)
        self.pool_s = np.zeros(shape, np.int64)
        self.pool_cc = np.zeros(shape, np.int64)
        self.pool_ck = np.zeros(shape, np.int64)
        self.pool_f = np.zeros(shape, np.int64)  # non-viable cells
        self.pool_t = np.zeros((n, N_ROUTES, 3), np.float64)
        self.pool_route = np.zeros(n, np.int64)

    def kernel_arrays(self) -> PoolArrays:
        """The pools in the order the transport kernel takes them (``PoolArrays``' names are theirs)."""
        return PoolArrays(*(getattr(self, name) for name in PoolArrays._fields))

    def alive(self) -> np.ndarray:
        """Cells held per compartment (not counting lesions)."""
        return (self.arr_s + self.arr_c + self.doomed + self.dormant + self.spawn).sum(axis=1) + self.floating


class CellPool:
    """Cell-resolution packets: one per cell or cluster, in chunks of ``kernels.cells.CHUNK`` slots.

    Each chunk keeps its live packets packed at its front, so ``n_live[c]`` is all the bookkeeping
    a chunk needs: its free slots are its tail. Small dtypes keep a packet at 18 bytes.
    """

    vessel = Column(np.int16)
    pos_h = Column(np.float32)
    cells = Column(np.int16)
    kind = Column(np.int8)
    route = Column(np.uint8)
    pid = Column(np.int64)

    def __init__(self, capacity: int, max_packets: int):
        from sim_core.kernels.cells import CHUNK

        self.chunk = CHUNK
        self.max_packets = int(max_packets)
        nch = max(1, -(-int(capacity) // CHUNK))
        self.n_live = np.zeros(nch, np.int64)
        for name, dtype, _ in columns_of(CellPool):
            setattr(self, name, np.full(nch * CHUNK, 0, dtype))  # written, so resident from the start
        self.next_id = 0

    @property
    def capacity(self) -> int:
        return self.n_live.shape[0] * self.chunk

    @property
    def n_used(self) -> int:
        return int(self.n_live.sum())

    def free(self) -> int:
        return self.capacity - self.n_used

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name, _, _ in columns_of(CellPool)) + self.n_live.nbytes

    def grow(self, min_free: int) -> None:
        """Add chunks (at least doubling) so that ``min_free`` slots are free; bounded by
        ``max_packets``, past which the run stops with a clear error."""
        need = self.n_used + int(min_free)
        new = max(2 * self.capacity, need)
        if new > self.max_packets:
            new = self.max_packets
            if new < need or new <= self.capacity:
                raise MemoryError(
                    f"the cell-resolution pool is full at {self.capacity:,} packets "
                    f"(max_packets); lower the shedding or use aggregated packets"
                )
        nch = -(-new // self.chunk)
        add = nch - self.n_live.shape[0]
        self.n_live = np.concatenate([self.n_live, np.zeros(add, np.int64)])
        for name, dtype, _ in columns_of(CellPool):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(add * self.chunk, dtype)]))

    def columns(self) -> tuple[np.ndarray, ...]:
        """The packet columns (vessel, position, cells, kind, route, id) as the cell kernels take
        them (anew after ``grow``)."""
        return (self.vessel, self.pos_h, self.cells, self.kind, self.route, self.pid)

    def live_index(self) -> np.ndarray:
        from sim_core.kernels.cells import live_slots

        out = np.empty(self.n_used, np.int64)
        live_slots(self.n_live, out)
        return out
