"""The arrays the pooled-transport kernels share, in three named groups (numba passes a named tuple
of arrays as one argument, with no cost per access), so a kernel takes a few groups instead of
thirty-odd arrays by position."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class GraphArrays(NamedTuple):
    """The body graph as the kernels read it (vessels, their fan-out, compartments)."""

    v_dst: np.ndarray
    v_kind: np.ndarray
    v_class: np.ndarray
    v_share: np.ndarray
    v_transit_h: np.ndarray
    out_ptr: np.ndarray
    out_idx: np.ndarray
    arrest_class: np.ndarray
    comp_kind: np.ndarray


class PacketArrays(NamedTuple):
    """The packet table's columns and its free list (``state.PacketTable``)."""

    cells: np.ndarray
    nclu: np.ndarray
    vessel: np.ndarray
    pos: np.ndarray
    clock: np.ndarray
    route: np.ndarray
    pid: np.ndarray
    active: np.ndarray
    free_stack: np.ndarray
    n_free: np.ndarray
    next_id: np.ndarray


class PoolArrays(NamedTuple):
    """Cells gathered in compartments during a step, and the cells held there (``state.OrganPools``)."""

    pool_s: np.ndarray
    pool_cc: np.ndarray
    pool_ck: np.ndarray
    pool_f: np.ndarray
    pool_t: np.ndarray
    pool_route: np.ndarray
    arr_s: np.ndarray
    arr_c: np.ndarray
    floating: np.ndarray
    arrested_cum: np.ndarray
    cleared_cum: np.ndarray
