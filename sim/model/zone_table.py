"""The zones' changing state as arrays (like :class:`~sim.model.firms.FirmTable` for enterprises).

Row ``i`` is the zone whose ``index`` is ``i``.  A :class:`~sim.model.agents.Zone` is a view: its
status, investment terms, assessment record and output memory are properties that read and write
its row here, so whatever changes a zone (consolidation, assessment, the investment market, the
month's phases) changes one place, and vectorised readers (the exit hazard's yellow cards, the
location choice's subsidies and entry bars) take a column instead of looping over agents.  What
is not a number stays on the agent: its blocks (a list of block indices), leading sectors, body
and assessment history (the years at the bottom since its last downgrade).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

#: the columns and their types; a Zone reads each as the Python type given
COLUMNS: dict[str, tuple[type, type]] = {
    "status": (np.int8, int),  # code of a ZoneStatus (ZoneTable.STATUSES order)
    "founded_month": (np.int64, int),  # month it is founded; NOT_FOUNDED_LATER: there from the start
    "renamed": (np.bool_, bool),
    "expected_latency_days": (np.float64, float),  # what investors expect its approval to take
    "subsidy": (np.float64, float),  # land-subsidy rate it offers
    "entry_bar": (np.float64, float),  # lowest project quality it admits
    "score": (np.float64, float),  # last assessment score (NaN before the first)
    "class_rank": (np.int32, int),  # rank in its class at the last assessment (0: not ranked)
    "consecutive_bottom": (np.int32, int),  # assessments in a row at the bottom of its class
    "yellow_cards": (np.int32, int),
    "carded_this_year": (np.bool_, bool),  # yellow card at the last assessment, in force this year
    "assessed_years": (np.int32, int),
    "last_output": (np.float64, float),  # output of the last year (the assessment's growth indicator)
}

#: ``founded_month`` of a zone with no founding date (it exists from the start)
NOT_FOUNDED_LATER = np.iinfo(np.int64).min


class ZoneTable:
    """One array per column of :data:`COLUMNS`, one row per zone (planned zones included)."""

    def __init__(self, n: int, statuses: type[StrEnum]):
        self.n = n
        self.statuses = list(statuses)  # ZoneStatus members by code
        for name, (dtype, _) in COLUMNS.items():
            setattr(self, name, np.zeros(n, dtype=dtype))
        self.founded_month[:] = NOT_FOUNDED_LATER
        self.score[:] = np.nan
        self.last_output[:] = np.nan

    def __len__(self) -> int:
        return self.n

    def status_code(self, status: StrEnum) -> int:
        return self.statuses.index(status)

    def has_status(self, status: StrEnum | str) -> np.ndarray:
        """Mask of the zones in ``status`` (a ZoneStatus or its value)."""
        return self.status == self.status_code(status)

    def active(self) -> np.ndarray:
        """Mask of the active zones (founded, not merged or abolished)."""
        return self.has_status("active")


class Column:
    """A Zone attribute stored in its row of the model's :class:`ZoneTable` column of the same name."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        self.cast = COLUMNS[name][1]

    def __get__(self, zone, owner=None):
        if zone is None:
            return self
        return self.cast(getattr(zone.model.zone_table, self.name)[zone.index])

    def __set__(self, zone, value) -> None:
        getattr(zone.model.zone_table, self.name)[zone.index] = value


class StatusColumn(Column):
    """The zone's :class:`~sim.model.agents.ZoneStatus`, stored as its code."""

    def __get__(self, zone, owner=None):
        if zone is None:
            return self
        table = zone.model.zone_table
        return table.statuses[int(table.status[zone.index])]

    def __set__(self, zone, value) -> None:
        table = zone.model.zone_table
        table.status[zone.index] = table.status_code(value)


class FoundedColumn(Column):
    """The month a zone is founded, or None if it exists from the start."""

    def __get__(self, zone, owner=None):
        if zone is None:
            return self
        month = int(zone.model.zone_table.founded_month[zone.index])
        return None if month == NOT_FOUNDED_LATER else month

    def __set__(self, zone, value) -> None:
        zone.model.zone_table.founded_month[zone.index] = NOT_FOUNDED_LATER if value is None else value
