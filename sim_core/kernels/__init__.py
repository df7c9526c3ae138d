"""Numba kernels of the simulation: leaf modules of @njit functions over arrays and scalars.

Each kernel has a slow, readable twin in ``tests/sim_core/reference.py`` and a test that compares
the two. Nothing here imports the rest of ``sim_core``.
"""
