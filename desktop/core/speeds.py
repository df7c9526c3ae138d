"""The speed ladder and the honest clock: how much body time one second on screen shows.

Transit speeds (seconds to hours per second) let packets visibly travel; growth speeds (days to
years per second) let lesions grow while transport happens too fast to follow. The clock text says
which one is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.i18n import num, tr

MINUTE_S = 60.0
HOUR_S = 3600.0
DAY_S = 86400.0
YEAR_D = 365.25
MONTH_D = YEAR_D / 12.0


@dataclass(frozen=True)
class Speed:
    label: str  # on the speed button
    body_s_per_s: float  # body seconds shown per second on screen
    max_step_s: float  # longest single engine step at this speed
    growth: bool  # True: a growth time scale (packets move too fast to follow)

    @property
    def label_text(self) -> str:
        """The label in the current language ('1 s' and '10 min' are the same in every language)."""
        return self.label if self.label.split()[-1] in ("s", "min") else tr(self.label)

    @property
    def scale_text(self) -> str:
        if self.growth:
            return tr("Growth time scale: {speed} of body time per second", speed=self.label_text)
        return tr("Transit time scale: {speed} of body time per second", speed=self.label_text)


SPEEDS: tuple[Speed, ...] = (
    Speed("1 s", 1.0, 1.0, False),
    Speed("3 s", 3.0, 3.0, False),
    Speed("10 s", 10.0, 10.0, False),
    Speed("1 min", MINUTE_S, MINUTE_S, False),
    Speed("10 min", 10 * MINUTE_S, 10 * MINUTE_S, False),
    Speed("1 hour", HOUR_S, HOUR_S, False),
    Speed("1 day", DAY_S, DAY_S / 4, True),
    Speed("1 week", 7 * DAY_S, DAY_S, True),
    Speed("1 month", MONTH_D * DAY_S, DAY_S, True),
    Speed("1 year", YEAR_D * DAY_S, 2 * DAY_S, True),
)


def speed_named(label: str) -> int:
    return next(i for i, s in enumerate(SPEEDS) if s.label == label)


#: Where a run starts: blood-borne packets cross a vessel in about a second.
DEFAULT_SPEED = speed_named("10 s")
#: Following a released cluster: slow enough to read the captions as it travels.
FOLLOW_SPEED = speed_named("3 s")
#: Watching an arrested cluster: hours per second, so extravasation and deaths show.
WATCH_SPEED = speed_named("1 hour")
#: After a followed cluster has settled: months per second, so lesions grow.
AFTER_FOLLOW_SPEED = speed_named("1 month")
#: The fast-forward button's speed.
FAST_FORWARD = len(SPEEDS) - 1
#: The slowest growth speed (used after a followed cluster has settled).
FIRST_GROWTH = next(i for i, s in enumerate(SPEEDS) if s.growth)
#: Body time of one 'step' press is one frame at 60 frames per second of the current speed.
STEP_FRAMES_PER_S = 60.0


def clock_text(t_days: float, growth: bool) -> str:
    """'Day 12 · 04:31:07' at transit scale; 'Day 47', then from the first anniversary 'Year 2,
    day 47' at growth scale. Years are counted as a visitor reads them (the second year is
    'Year 2'), the day within the year as days are counted from the start (from 0)."""
    day = int(t_days)
    if not growth:
        rem = (t_days - day) * DAY_S
        h = int(rem // HOUR_S)
        m = int((rem - h * HOUR_S) // MINUTE_S)
        s = int(rem - h * HOUR_S - m * MINUTE_S)
        return tr("Day {day}", day=day) + f" · {h:02d}:{m:02d}:{s:02d}"
    if t_days < YEAR_D:
        return tr("Day {day}", day=day)
    years = int(t_days // YEAR_D)
    d = int(t_days - years * YEAR_D)
    return tr("Year {years}, day {day}", years=years + 1, day=d)


def duration_text(seconds: float) -> str:
    """A body-time span in plain words: '40 s', '12 min', '3 h', '5 days', '2.1 years'."""
    if seconds < 90:
        return f"{num(seconds)} s"
    if seconds < 90 * MINUTE_S:
        return f"{num(seconds / MINUTE_S)} min"
    if seconds < 2 * DAY_S:
        return f"{num(seconds / HOUR_S)} h"
    days = seconds / DAY_S
    if days < 2 * YEAR_D:
        return tr("{n} days", n=num(days))
    return tr("{n} years", n=num(days / YEAR_D, 1))
