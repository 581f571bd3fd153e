"""zonesim as an EMA Workbench model: exploratory modelling over uncertainties and policy levers.

    from ema_workbench import SequentialEvaluator, perform_experiments
    from sim.ema import model

    zonesim = model("full_reform", overrides=["time.end=2020-12"])
    with SequentialEvaluator(zonesim) as evaluator:
        experiments, outcomes = perform_experiments(zonesim, scenarios=20, policies=2, evaluator=evaluator)

Needs the ``ema`` extra (``pip install -e ".[ema]"``).  Every experiment goes through the public API:
:func:`sim.make_params` (the same validated configuration ``zonesim scenario=… seed=… key=value``
runs) and :func:`sim.simulate`, and returns the run's headline outcomes (the columns of a run's
``summary.csv``).  Nothing is declared twice:

- **uncertainties** are the parameters and ranges of the sensitivity design
  (``configs/experiment/sensitivity.yaml``, read by :mod:`sim.experiments.sensitivity`, which
  checks them against the schema);
- **levers** are :data:`LEVERS` below: policy parameters whose range is the schema's admissible
  range (:mod:`sim.config.schema`) unless the schema leaves a side open, where a range inside
  the admissible one is declared;
- **outcomes** are the outcomes of the sensitivity design (names and units there).

The levers only act in a scenario whose policies are switched on (``full_reform``, the default).
EMA 3 wants parameter names that are Python identifiers, so a dotted key is named with ``__``
(``policy__devolution__powers``), as the experiments table's columns; the model function is
handed the dotted keys (EMA's ``variable_name``).  Integer parameters are EMA
``IntegerParameter``, booleans ``BooleanParameter``, parameters with a list of choices
``CategoricalParameter``; the seed is one value for every experiment (common random numbers).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sim.config.schema import range_text
from sim.experiments.sensitivity import DesignError, design_from_spec, load_spec, make_parameter, schema_field
from sim.vocabulary import parameter_column, parameter_key

MODEL_NAME = "zonesim"
DEFAULT_SCENARIO = "full_reform"
DEFAULT_SEED = 0
EXTRA_HINT = 'pip install -e ".[ema]" (or pip install "zonesim[ema]")'

#: The policy levers and their ranges. ``None``: the schema's admissible range (or, for a boolean or
#: a parameter with choices, every value). A pair: a range declared here because the schema's is
#: open on one side; it is checked to lie inside the admissible one.
LEVERS: dict[str, tuple[float, float] | None] = {
    "policy.devolution.powers": None,  # [0, 37] powers devolved
    "policy.devolution.regional_assessment_items": None,  # [0, 9] items assessed zone-wide (区域评)
    "policy.devolution.one_stop_agent": None,  # true, false: one-stop agent service (一站式代办)
    "policy.devolution.service_mode": None,  # zone_office, county_dispatched
    "policy.consolidation.max_blocks": (1, 5),  # schema: >= 1; Ningxia's rule is 3
    "policy.assessment.years_to_abolish": (2, 5),  # schema: >= 1, and not below years_to_downgrade (2)
    "policy.approval_process.transit_cut": (0.5, 1.0),  # schema [0, 1]; its documented range is 0.5-1
}


class MissingExtraError(ImportError):
    """EMA Workbench is not installed (the ``ema`` extra)."""


def require_ema() -> ModuleType:
    """The ``ema_workbench`` module, or an error saying which extra to install."""
    try:
        with warnings.catch_warnings():  # "ipyparallel not installed": an evaluator zonesim does not use
            warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
            import ema_workbench
    except ImportError as exc:
        raise MissingExtraError(f"EMA Workbench is not installed (the 'ema' extra): {EXTRA_HINT}") from exc
    return ema_workbench


column_name = parameter_column
"""The identifier that stands for a dotted key in EMA and in tables (``policy__devolution__powers``)."""

dotted_key = parameter_key
"""The dotted configuration key of an identifier made by :func:`column_name`."""


# --------------------------------------------------------------------------- the declarations
def declared_uncertainties() -> dict[str, list[float]]:
    """The sensitivity design's uncertain parameters and their ``[low, high]`` ranges."""
    spec, _ = load_spec()
    return {p.name: [p.low, p.high] for p in design_from_spec(spec).parameters}


def declared_outcomes() -> dict[str, str]:
    """The sensitivity design's outcomes (run-summary column -> unit and meaning)."""
    spec, _ = load_spec()
    return design_from_spec(spec).outcomes


def _schema_range(key: str, meta: dict) -> tuple[float, float]:
    """The admissible ``[ge, le]`` of ``key``; an error when the schema leaves a side open."""
    low, high = meta.get("ge"), meta.get("le")
    if low is None or high is None:
        raise DesignError(f"{key}: the schema's range ({range_text(meta)}) is open: declare [low, high]")
    return low, high


def ema_parameter(key: str, bounds: Sequence[float] | None = None) -> Any:
    """The EMA parameter of the configuration key ``key``, named :func:`column_name` ``(key)``.

    A boolean is a ``BooleanParameter``, a parameter with choices a ``CategoricalParameter`` over
    them, an integer an ``IntegerParameter`` and a number a ``RealParameter`` over ``bounds``
    (default: the schema's admissible range), checked against the schema as the sensitivity
    design's ranges are (:func:`sim.experiments.sensitivity.make_parameter`).
    """
    ema = require_ema()
    meta, default, kind = schema_field(key)
    name = column_name(key)
    if kind is bool:
        return ema.BooleanParameter(name, default=default, variable_name=key)
    if meta.get("choices"):
        return ema.CategoricalParameter(name, list(meta["choices"]), default=default, variable_name=key)
    p = make_parameter(key, bounds if bounds is not None else _schema_range(key, meta))
    if not p.integer:
        return ema.RealParameter(name, p.low, p.high, default=default, variable_name=key)
    if not (p.low.is_integer() and p.high.is_integer()):
        raise DesignError(f"{key} is an integer: its range [{p.low:g}, {p.high:g}] needs whole ends")
    return ema.IntegerParameter(name, int(p.low), int(p.high), default=default, variable_name=key)


def _chosen(chosen: Sequence[str] | Mapping[str, Any] | None, declared: Mapping[str, Any]) -> dict[str, Any]:
    """``key -> bounds`` of the parameters asked for: all declared ones (``None``), the declared
    ranges of some keys (a list; an undeclared key gets its schema range) or ranges given here."""
    if chosen is None:
        return dict(declared)
    if isinstance(chosen, Mapping):
        return dict(chosen)
    if isinstance(chosen, str):
        chosen = [chosen]
    return {key: declared.get(key) for key in chosen}


def ema_parameters(chosen: Sequence[str] | Mapping[str, Any] | None, declared: Mapping[str, Any]) -> list:
    """The EMA parameters of :func:`_chosen` ``(chosen, declared)``."""
    return [ema_parameter(key, bounds) for key, bounds in _chosen(chosen, declared).items()]


# --------------------------------------------------------------------------- the model function
def summary_outcomes(params) -> dict[str, Any]:
    """Run ``params`` and return its headline outcomes (:func:`sim.simulate`'s ``outcomes``): the
    outcomes a run's ``summary.csv`` holds, under the same names."""
    from sim import simulate

    return simulate(params).outcomes


@dataclass(frozen=True)
class ZonesimFunction:
    """The function EMA calls for one experiment: parameter values (dotted keys) in, outcomes out.

    Every call composes ``scenario`` with ``overrides`` and ``seed`` and sets the values on top
    (:func:`sim.make_params`, which validates them), runs and keeps ``outcomes``.  A plain
    dataclass, so that EMA's multiprocessing evaluator can send it to its workers.
    """

    scenario: str
    seed: int
    overrides: tuple[str, ...]
    outcomes: tuple[str, ...]

    def params(self, values: Mapping[str, Any]):
        """The validated configuration of one experiment."""
        from sim import make_params

        return make_params(self.scenario, self.seed, overrides=values, hydra_overrides=self.overrides)

    def __call__(self, **values: Any) -> dict[str, Any]:
        summary = summary_outcomes(self.params(values))
        unknown = [o for o in self.outcomes if o not in summary]
        if unknown:
            raise KeyError(f"outcome {unknown[0]!r} is not in the run summary; it has: {', '.join(summary)}")
        return {o: float(summary[o]) for o in self.outcomes}


def model(
    scenario: str = DEFAULT_SCENARIO,
    uncertainties: Sequence[str] | Mapping[str, Any] | None = None,
    levers: Sequence[str] | Mapping[str, Any] | None = None,
    outcomes: Sequence[str] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    overrides: Sequence[str] = (),
    name: str = MODEL_NAME,
) -> Any:
    """An EMA Workbench ``Model`` of zonesim in ``scenario``.

    ``uncertainties`` and ``levers``: ``None`` for every declared one (module docstring), a list
    of dotted keys (declared ranges; a key declared nowhere gets its schema range), or a mapping
    ``key -> [low, high]`` (``None`` for the schema's range); ``outcomes``: run-summary columns
    (default: the sensitivity design's).  ``seed`` and ``overrides`` (Hydra syntax, e.g.
    ``["time.end=2020-12", "region=synthetic"]``) apply to every experiment.  The scenario and
    overrides are composed and validated once here, so a typo stops before any experiment.
    """
    ema = require_ema()
    function = ZonesimFunction(
        scenario, int(seed), tuple(overrides), tuple(outcomes if outcomes is not None else declared_outcomes())
    )
    function.params({})
    uncs = ema_parameters(uncertainties, declared_uncertainties())
    levs = ema_parameters(levers, LEVERS)
    both = {p.name for p in uncs} & {p.name for p in levs}
    if both:
        raise DesignError(f"{dotted_key(sorted(both)[0])} is both an uncertainty and a lever")
    zonesim = ema.Model(name, function=function)
    zonesim.uncertainties = uncs
    zonesim.levers = levs
    zonesim.outcomes = [ema.ScalarOutcome(o) for o in function.outcomes]
    return zonesim


__all__ = [
    "LEVERS",
    "DesignError",
    "MissingExtraError",
    "ZonesimFunction",
    "column_name",
    "declared_outcomes",
    "declared_uncertainties",
    "dotted_key",
    "ema_parameter",
    "model",
    "require_ema",
    "summary_outcomes",
]
