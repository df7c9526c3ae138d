"""Kiosk mode for museums and classrooms: lock-down, idle reset, attract loop, quiz, languages.

``KioskShell`` (shell.py) wraps an ordinary ``MainWindow``; everything else here is a small part it uses.
"""
