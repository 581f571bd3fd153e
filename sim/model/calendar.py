"""Model calendar: one Mesa time unit is one month; month 0 is ``time.start``."""

from __future__ import annotations

from dataclasses import dataclass

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
    def from_config(cls, time) -> "Calendar":
        y0, m0 = parse_month(time.start, "time.start")
        y1, m1 = parse_month(time.end, "time.end")
        return cls(y0, m0, (y1 - y0) * 12 + (m1 - m0) + 1, time.working_days_per_month,
                   time.calendar_days_per_working_day)

    def from_month(self, month: int) -> "Calendar":
        """The calendar whose month 0 is this one's ``month`` (earlier if negative), to the same end."""
        total = self.start_month - 1 + month
        return Calendar(self.start_year + total // 12, total % 12 + 1, self.n_months - month,
                        self.working_days_per_month, self.calendar_days_per_working_day)

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
