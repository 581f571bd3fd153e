"""Dated policy objects (strategy pattern): each has an enabled flag, a start month and hooks
that the model calls in its phase order.  A policy that is disabled, or whose start lies in the
future, changes nothing — so a scenario is identical to ``baseline`` before its policies start."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel


class Policy:
    """Base class: ``active`` once enabled and the model's month has reached ``start``."""

    name = "policy"

    def __init__(self, model: ZoneReformModel, params, start_label: str, start_key: str):
        self.model = model
        self.params = params
        self.start = model.calendar.index(start_label, start_key)

    @property
    def active(self) -> bool:
        return bool(self.params.enabled) and self.model.month >= self.start

    def on_month(self) -> None:
        """Called at the start of every month, before investment arrives."""

    def on_year_end(self) -> None:
        """Called in December after the firms' yearly accounts are closed."""
