"""Seed & Soil desktop window (PySide6 + pyqtgraph); imports only ``sim_core``'s public API."""
