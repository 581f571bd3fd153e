"""The run-level outcomes of an experiment: declared once in :mod:`sim.vocabulary`
(:data:`OUTCOMES`: label, unit, aggregation, meaning) and computed from one run's tables by
:func:`sim.runner.outcomes.run_outcomes`; re-exported here for the aggregation layer."""

from __future__ import annotations

from sim.runner.outcomes import run_outcomes
from sim.vocabulary import OUTCOMES, OUTPUT_YEARS, RECENT_FROM, Outcome

__all__ = ["OUTCOMES", "OUTPUT_YEARS", "RECENT_FROM", "Outcome", "run_outcomes"]
