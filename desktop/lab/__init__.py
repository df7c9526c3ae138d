"""Lab level of the window (desktop mode only, never kiosk): exact parameters, scenario files,
exports with run receipts, fork and compare, system info."""
