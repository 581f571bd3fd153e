"""The dashboard's controls, each bound to one key of the configuration schema.

Nothing here declares a default or a range of its own: a control's default is the value the
``full_reform`` scenario composes (``configs/``, built on ``sim/config/schema.py``), its range
and choices are the schema's ``ge``/``le``/``choices`` metadata.  Where the schema leaves an
upper bound open (zones carded per class, years to downgrade or abolish), the slider ends at
what the region and the calendar allow: the largest class of zones minus one (a class no
larger than ``bottom_k`` has no bottom), and the number of years the assessment can run.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

from sim.config.schema import ModelConfig
from sim.config.validate import parse_month, validate

REFORM_SCENARIO = "full_reform"
"""The reform the dashboard runs by default: the Ningxia package (configs/scenario/full_reform.yaml)."""

BASELINE_SCENARIO = "baseline"
"""What the reform is compared with: pre-2018 rules, same seed (configs/scenario/baseline.yaml)."""


@functools.cache
def scenario_params(scenario: str) -> ModelConfig:
    """The validated parameters ``zonesim scenario=<scenario>`` runs with (composed once, then copied)."""
    from sim import make_params

    return make_params(scenario)


def get_key(params: ModelConfig, key: str) -> Any:
    """The value of a dotted key (``policy.devolution.powers``) in ``params``."""
    obj = params
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def set_key(params: ModelConfig, key: str, value: Any) -> None:
    """Set a dotted key in ``params`` (in place)."""
    *path, last = key.split(".")
    obj = params
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)


def schema_meta(key: str) -> dict:
    """The schema's metadata of a dotted key: unit, source, ge, le, gt, choices, doc."""
    *path, last = key.split(".")
    obj: Any = ModelConfig()
    for part in path:
        obj = getattr(obj, part)
    return dict(next(f.metadata for f in dataclasses.fields(obj) if f.name == last))


def key_help(key: str) -> str:
    """A parameter's meaning, unit and source from the schema, in one line."""
    meta = schema_meta(key)
    parts = [meta["doc"]]
    if meta["unit"] not in ("-", "YYYY-MM"):
        parts.append(f"unit: {meta['unit']}")
    if meta["source"] not in ("-", ""):
        parts.append(f"source: {meta['source']}")
    return "; ".join(p for p in parts if p) + "."


def horizon_months(params: ModelConfig) -> list[str]:
    """Every simulated month, ``YYYY-MM``, from ``time.start`` to ``time.end``."""
    (y0, m0), (y1, m1) = parse_month(params.time.start, "time.start"), parse_month(params.time.end, "time.end")
    return [
        f"{y:04d}-{m:02d}" for y in range(y0, y1 + 1) for m in range(1, 13) if (y, m) >= (y0, m0) and (y, m) <= (y1, m1)
    ]


@dataclass(frozen=True)
class Control:
    """A dashboard control: a keyword of :class:`~sim.demo.model.DemoPair` bound to one schema key."""

    name: str
    key: str
    label: str
    kind: str  # Mesa's input types: "Checkbox", "SliderInt", "Select", "InputText"

    @property
    def meta(self) -> dict:
        return schema_meta(self.key)

    def default(self) -> Any:
        return get_key(scenario_params(REFORM_SCENARIO), self.key)

    def bounds(self) -> tuple[int, int]:
        """Slider range: the schema's ``ge``/``le``, an open upper bound closed by :func:`open_bound`."""
        meta = self.meta
        hi = meta["le"] if meta["le"] is not None else open_bound(self.key)
        return int(meta["ge"]), int(hi)

    def choices(self) -> list[str]:
        """Select values: the schema's ``choices``, or every month of the horizon for a date."""
        if self.meta["choices"]:
            return list(self.meta["choices"])
        return horizon_months(scenario_params(REFORM_SCENARIO))

    def help(self) -> str:
        """What the control means, its unit and its source, from the schema (shown under it)."""
        return key_help(self.key)

    def user_param(self) -> dict:
        """Mesa's ``model_params`` entry for this control."""
        spec: dict[str, Any] = {"type": self.kind, "label": self.label, "value": self.default()}
        if self.kind == "SliderInt":
            spec["min"], spec["max"] = self.bounds()
            spec["step"] = 1
        elif self.kind == "Select":
            spec["values"] = self.choices()
        elif self.kind == "InputText":
            spec["value"] = str(spec["value"])
        return spec


CONTROLS: tuple[Control, ...] = (
    Control("consolidation", "policy.consolidation.enabled", "Consolidation 整合优化", "Checkbox"),
    Control("consolidation_date", "policy.consolidation.date", "Consolidation date 整合时间", "Select"),
    Control("devolution", "policy.devolution.enabled", "Devolution 放管服", "Checkbox"),
    Control("powers", "policy.devolution.powers", "Powers devolved to zones 赋权事项", "SliderInt"),
    Control(
        "regional_assessment_items",
        "policy.devolution.regional_assessment_items",
        "Regional-assessment items 区域评",
        "SliderInt",
    ),
    Control("one_stop_agent", "policy.devolution.one_stop_agent", "One-stop agent service 一站式代办", "Checkbox"),
    Control("assessment", "policy.assessment.enabled", "Assessment-ranking 亩产论英雄", "Checkbox"),
    Control("bottom_k", "policy.assessment.bottom_k", "Zones carded per class (bottom k)", "SliderInt"),
    Control(
        "years_to_downgrade", "policy.assessment.years_to_downgrade", "Bottom years to downgrade 降级", "SliderInt"
    ),
    Control("years_to_abolish", "policy.assessment.years_to_abolish", "Bottom years to abolish 撤销", "SliderInt"),
    Control("zombie_disposal", "policy.zombie_disposal.enabled", "Zombie-firm disposal 处置僵尸企业", "Checkbox"),
    Control(
        "approval_process",
        "policy.approval_process.enabled",
        "Approval-process reform 工程建设项目审批制度改革",
        "Checkbox",
    ),
    Control("seed", "seed", "Random seed (both runs) 随机种子", "InputText"),
)
"""The controls, in the order the sidebar shows them."""

CONTROLS_BY_NAME = {c.name: c for c in CONTROLS}


@dataclass(frozen=True)
class Lever:
    """A policy setting of the schema that is not one of the main :data:`CONTROLS`: its dotted key,
    the kind of input it takes (``Checkbox``, ``InputInt``, ``InputFloat``, ``Select``) and, for a
    selection, its values."""

    key: str
    kind: str
    values: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.key.removeprefix("policy.")

    def default(self) -> Any:
        return get_key(scenario_params(REFORM_SCENARIO), self.key)

    def help(self) -> str:
        return key_help(self.key)


def policy_levers() -> tuple[tuple[Lever, ...], tuple[str, ...]]:
    """Every setting of the policy families (``policy.<family>.<name>``) not among :data:`CONTROLS`:
    the scalar ones as :class:`Lever` inputs, and the keys of the lists and tables (edited in
    ``configs/``, not on the page)."""
    params = scenario_params(REFORM_SCENARIO)
    shown = {c.key for c in CONTROLS}
    levers, elsewhere = [], []
    for family in dataclasses.fields(params.policy):
        section = getattr(params.policy, family.name)
        for f in dataclasses.fields(section):
            key = f"policy.{family.name}.{f.name}"
            if key in shown:
                continue
            value, meta = getattr(section, f.name), f.metadata
            if isinstance(value, bool):
                levers.append(Lever(key, "Checkbox"))
            elif isinstance(value, int):
                levers.append(Lever(key, "InputInt"))
            elif isinstance(value, float):
                levers.append(Lever(key, "InputFloat"))
            elif isinstance(value, str) and meta.get("choices"):
                levers.append(Lever(key, "Select", tuple(meta["choices"])))
            elif isinstance(value, str) and meta.get("unit") == "YYYY-MM":
                levers.append(Lever(key, "Select", tuple(horizon_months(params))))
            else:
                elsewhere.append(key)
    return tuple(levers), tuple(elsewhere)


def open_bound(key: str) -> int:
    """Upper end of a slider whose schema range is open above (see the module docstring)."""
    params = scenario_params(REFORM_SCENARIO)
    if key == "policy.assessment.bottom_k":
        from sim.data import build_region

        zones = build_region(params).zones
        return int(zones.groupby("level").size().max()) - 1
    if key in ("policy.assessment.years_to_downgrade", "policy.assessment.years_to_abolish"):
        first = parse_month(params.policy.assessment.start, "policy.assessment.start")[0]
        last = parse_month(params.time.end, "time.end")[0]
        return last - first + 1
    raise KeyError(f"{key} has no upper bound in the schema and no rule for one")


def model_params() -> dict[str, dict]:
    """Mesa ``SolaraViz(model_params=...)``: every control with its default and range."""
    return {c.name: c.user_param() for c in CONTROLS}


@dataclass
class Settings:
    """The parameters of one reform/baseline pair, and notes on any control value adjusted to fit."""

    reform: ModelConfig
    baseline: ModelConfig
    notes: list[str]

    @property
    def seed(self) -> int:
        return self.reform.seed

    @classmethod
    def from_controls(cls, levers: dict[str, Any] | None = None, **values: Any) -> Settings:
        """Reform = ``full_reform`` with the controls' values and ``levers`` (dotted policy keys of
        :func:`policy_levers` → values); baseline = ``baseline``, same seed.

        A value the schema rejects never reaches the model: an unreadable seed falls back to the
        default, years to abolish is raised to years to downgrade (the schema's rule), and levers the
        schema refuses are left out, each with a note the page shows.
        """
        reform = copy.deepcopy(scenario_params(REFORM_SCENARIO))
        baseline = copy.deepcopy(scenario_params(BASELINE_SCENARIO))
        notes: list[str] = []
        for name, value in values.items():
            if value is None:
                continue
            control = CONTROLS_BY_NAME[name]
            if control.key == "seed":
                value = _read_seed(value, control, notes)
            set_key(reform, control.key, value)
        a = reform.policy.assessment
        if a.years_to_abolish < a.years_to_downgrade:
            notes.append(
                f"years to abolish raised to {a.years_to_downgrade}: a zone is downgraded before it is abolished"
            )
            a.years_to_abolish = a.years_to_downgrade
        baseline.seed = reform.seed
        if levers:
            trial = copy.deepcopy(reform)
            for key, value in levers.items():
                set_key(trial, key, value)
            try:
                return cls(validate(trial), validate(baseline), notes)
            except ValueError as exc:
                notes.append(f"the other levers were left at their defaults: {exc}")
        return cls(validate(reform), validate(baseline), notes)


def _read_seed(value: Any, control: Control, notes: list[str]) -> int:
    lo = control.meta["ge"]
    try:
        seed = int(str(value).strip())
    except ValueError:
        seed = None
    if seed is None or seed < lo:
        seed = control.default()
        notes.append(f"seed {value!r} is not a whole number >= {lo}: using {seed}")
    return seed
