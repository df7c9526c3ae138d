"""Test set-up: offscreen Qt before any QApplication exists; a numba cache inside the checkout."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
