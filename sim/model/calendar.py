"""Model calendar and clock: one Mesa time unit is one month; month 0 is ``time.start``.

The model's clock is the month (:attr:`ZoneReformModel.month`).  Mesa's continuous ``time``,
on which the approval pipeline's events run, is derived from it by :class:`Clock`, the one
place that names the conversions; :class:`Calendar` turns months into dates and days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.validate import parse_month


@dataclass(frozen=True)
class Calendar:
    """Converts between ``YYYY-MM`` labels, month indices and working/calendar days."""

    start_year: int
    start_month: int
    n_months: int
    working_days_per_month: float
    calendar_days_per_working_day: float

    @classmethod
    def from_config(cls, time) -> Calendar:
        y0, m0 = parse_month(time.start, "time.start")
        y1, m1 = parse_month(time.end, "time.end")
        return cls(
            y0, m0, (y1 - y0) * 12 + (m1 - m0) + 1, time.working_days_per_month, time.calendar_days_per_working_day
        )

    def from_month(self, month: int) -> Calendar:
        """The calendar whose month 0 is this one's ``month`` (earlier if negative), to the same end."""
        total = self.start_month - 1 + month
        return Calendar(
            self.start_year + total // 12,
            total % 12 + 1,
            self.n_months - month,
            self.working_days_per_month,
            self.calendar_days_per_working_day,
        )

    def index(self, label: str, key: str = "date") -> int:
        """Month index of ``YYYY-MM`` (may lie before 0 or after the horizon)."""
        y, m = parse_month(label, key)
        return (y - self.start_year) * 12 + (m - self.start_month)

    def label(self, month: int) -> str:
        total = self.start_month - 1 + month
        return f"{self.start_year + total // 12:04d}-{total % 12 + 1:02d}"

    def year(self, month: int) -> int:
        return self.start_year + (self.start_month - 1 + month) // 12

    def is_year_end(self, month: int) -> bool:
        return (self.start_month - 1 + month) % 12 == 11

    def is_year_start(self, month: int) -> bool:
        return (self.start_month - 1 + month) % 12 == 0

    def months(self, working_days: float) -> float:
        return working_days / self.working_days_per_month

    def working_days(self, months: float) -> float:
        return months * self.working_days_per_month


@dataclass(frozen=True)
class Clock:
    """Mesa's ``time`` as a reading of the month.  Mesa's clock starts at 0 with the first simulated
    month, ``first_month`` (the spin-up's first); each step first advances it by one, so during the
    step of ``month`` it reads that month's end, :meth:`step_time`.  The tables give pipeline times
    as months since ``time.start`` (:meth:`since_start`): an application made during month ``m``
    shows ``m + 1`` and belongs to month ``m`` (:meth:`month_of`)."""

    first_month: int

    def step_time(self, month: int) -> float:
        """Mesa's ``time`` during the step of ``month``: the end of the month."""
        return float(month - self.first_month + 1)

    def since_start(self, time):
        """A Mesa time (scalar or array) as months since ``time.start``."""
        return time + self.first_month

    def month_of(self, since_start) -> np.ndarray:
        """The months whose steps ran at ``since_start`` (months since ``time.start``, as in the
        tables; an event between steps belongs to the nearest step), none before the first month."""
        return np.maximum(np.rint(since_start).astype(np.int64) - 1, self.first_month)
