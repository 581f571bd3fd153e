"""Validation of a composed configuration, before any run starts.

Every check names the offending key (its dotted path) and value, so that a bad command line
ends with one clear line.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from typing import Any

import numpy as np

from sim.config.schema import RANKS, ModelConfig


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong kind or out of range."""


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


MAX_HORIZON_YEARS = 50
"""Longest horizon a run may simulate: spending paths extrapolated by their national trends and
today's rules say nothing further out (the reform questions span 2015-2035)."""


def parse_month(value: str, key: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` into ``(year, month)``; raise :class:`ConfigError` naming ``key``."""
    m = _MONTH.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"{key} = {value!r} is not a month of the form YYYY-MM")
    return int(m.group(1)), int(m.group(2))


def _as_declared(key: str, value: Any, declared: str) -> Any:
    """``value`` as the scalar type the schema declares for ``key`` (``declared``: the annotation,
    e.g. ``"int"``): numpy scalars (what SALib, EMA and numpy loops pass in) become Python ones, a
    whole float becomes an int; a fractional number for an integer, a non-boolean for a boolean
    or a non-number for a number is a :class:`ConfigError`.  Other types pass unchanged."""
    is_bool = isinstance(value, (bool, np.bool_))
    if declared == "bool":
        if is_bool:
            return bool(value)
        raise ConfigError(f"{key} = {value!r} is not a boolean (true or false)")
    if declared in ("int", "float") and (is_bool or not isinstance(value, numbers.Real)):
        raise ConfigError(f"{key} = {value!r} is not a number")
    if declared == "int":
        if isinstance(value, numbers.Integral):
            return int(value)
        if math.isfinite(value) and float(value).is_integer():
            return int(value)
        raise ConfigError(f"{key} = {value!r} is not a whole number")
    if declared == "float":
        return float(value)
    return value


def _check_field(key: str, value: Any, meta: dict) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{key} = {value!r} is not one of {', '.join(choices)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    unit = f" ({meta['unit']})" if meta.get("unit") else ""
    lo, hi, gt = meta.get("ge"), meta.get("le"), meta.get("gt")
    if not math.isfinite(value):
        raise ConfigError(f"{key} = {value} is not a finite number")
    if lo is not None and value < lo or hi is not None and value > hi:
        lo_s = "-inf" if lo is None else lo
        hi_s = "inf" if hi is None else hi
        raise ConfigError(f"{key} = {value} is out of range [{lo_s}, {hi_s}]{unit}")
    if gt is not None and value <= gt:
        raise ConfigError(f"{key} = {value} must be greater than {gt}{unit}")


def check_value(key: str, value: Any) -> Any:
    """``value`` checked and normalised as the schema's field ``key`` (dotted) declares it, alone
    (no cross-field rule): what a sweep's replicate seeds need once one of them has passed
    :func:`validate` with the rest of the configuration."""
    obj: Any = ModelConfig()
    *path, name = key.split(".")
    for part in path:
        obj = getattr(obj, part)
    f = next(f for f in dataclasses.fields(obj) if f.name == name)
    value = _as_declared(key, value, f.type if isinstance(f.type, str) else getattr(f.type, "__name__", ""))
    _check_field(key, value, dict(f.metadata))
    return value


def _walk(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".")
            continue
        value = _as_declared(key, value, f.type if isinstance(f.type, str) else getattr(f.type, "__name__", ""))
        setattr(obj, f.name, value)  # normalised: the same value gives the same run key, whatever its type
        _check_field(key, value, dict(f.metadata))
        if isinstance(value, dict):  # a table of numbers (ranks, indicators): every entry finite
            for sub, v in value.items():
                if isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isfinite(v):
                    raise ConfigError(f"{key}.{sub} = {v} is not a finite number")


def _check_rank_table(key: str, table: dict, minimum: float) -> None:
    missing = [r for r in RANKS if r not in table]
    extra = [r for r in table if r not in RANKS]
    if missing or extra:
        raise ConfigError(f"{key} must have exactly the ranks {', '.join(RANKS)} (missing {missing}, unknown {extra})")
    for rank, v in table.items():
        if v < minimum:
            raise ConfigError(f"{key}.{rank} = {v} is out of range [{minimum}, inf]")


def validate(params: ModelConfig) -> ModelConfig:
    """Check every field's range and the cross-field rules; return ``params`` unchanged."""
    _walk(params, "")
    t0 = parse_month(params.time.start, "time.start")
    t1 = parse_month(params.time.end, "time.end")
    if t1 < t0:
        raise ConfigError(f"time.end = {params.time.end} is before time.start = {params.time.start}")
    if t1[0] - t0[0] > MAX_HORIZON_YEARS:
        raise ConfigError(
            f"time.end = {params.time.end} is more than {MAX_HORIZON_YEARS} years after time.start = "
            f"{params.time.start}: the spending paths and rules say nothing that far out"
        )
    pol = params.policy
    parse_month(pol.consolidation.date, "policy.consolidation.date")
    parse_month(pol.devolution.start, "policy.devolution.start")
    parse_month(pol.approval_process.start, "policy.approval_process.start")
    for edge in pol.approval_process.parallel_edges:
        if str(edge).count(">") != 1 or not all(str(edge).split(">")):
            raise ConfigError(f"policy.approval_process.parallel_edges: {edge!r} is not of the form predecessor>item")
    parse_month(pol.assessment.start, "policy.assessment.start")
    parse_month(params.capacity.start, "capacity.start")
    zd = pol.zombie_disposal
    d0 = parse_month(zd.start, "policy.zombie_disposal.start")
    d1 = parse_month(zd.end, "policy.zombie_disposal.end")
    if d1 < d0:
        raise ConfigError(f"policy.zombie_disposal.end = {zd.end} is before policy.zombie_disposal.start = {zd.start}")
    if zd.enabled and d0 < t0:
        raise ConfigError(
            f"policy.zombie_disposal.start = {zd.start} is before time.start = {params.time.start}: the "
            "campaign draws up its list in its first month, which the run must simulate"
        )
    if zd.merger_share + zd.restructuring_share > 1.0:
        raise ConfigError(
            f"policy.zombie_disposal.merger_share + restructuring_share = "
            f"{zd.merger_share + zd.restructuring_share:g} is more than 1 (the rest are liquidated)"
        )
    a = pol.assessment
    if a.years_to_abolish < a.years_to_downgrade:
        raise ConfigError(
            f"policy.assessment.years_to_abolish = {a.years_to_abolish} is smaller than "
            f"policy.assessment.years_to_downgrade = {a.years_to_downgrade}"
        )
    for name, by_indicator in (("weights", a.weights), ("gate", a.gate)):
        unknown = [k for k in by_indicator if k not in ASSESSMENT_INDICATORS]
        if unknown:
            raise ConfigError(
                f"policy.assessment.{name} has unknown indicator {unknown[0]!r} "
                f"(known: {', '.join(ASSESSMENT_INDICATORS)})"
            )
    for k, w in a.weights.items():
        if w < 0:
            raise ConfigError(f"policy.assessment.weights.{k} = {w} is out of range [0, inf]")
    if a.enabled and not any(w > 0 for w in a.weights.values()):
        raise ConfigError("policy.assessment.weights are all 0: the assessment would have no score to rank zones by")
    if not SCENARIO_NAME.fullmatch(str(params.scenario_name)):
        raise ConfigError(
            f"scenario_name = {params.scenario_name!r} is not a name of letters, digits, '_', '-' or "
            "'.' (not starting with '.'): it becomes part of output folder names"
        )
    if a.firm_a_share + a.firm_b_share + a.firm_d_share > 1.0:
        raise ConfigError(
            f"policy.assessment.firm_a_share + firm_b_share + firm_d_share = "
            f"{a.firm_a_share + a.firm_b_share + a.firm_d_share:g} is more than 1 (C: the rest)"
        )
    tx = params.tax
    if len(tx.vat_cut_months) != len(tx.vat_cut_rates):
        raise ConfigError(
            f"tax.vat_cut_months has {len(tx.vat_cut_months)} months but tax.vat_cut_rates has "
            f"{len(tx.vat_cut_rates)} rates: one rate per month"
        )
    parse_month(tx.local_share_vat_from, "tax.local_share_vat_from")
    if len(set(map(str, tx.vat_cut_months))) < len(tx.vat_cut_months):
        raise ConfigError(f"tax.vat_cut_months = {list(tx.vat_cut_months)} names a month twice: one rate per month")
    for i, (month, rate) in enumerate(zip(tx.vat_cut_months, tx.vat_cut_rates)):
        parse_month(str(month), f"tax.vat_cut_months[{i}]")
        if not 0.0 <= float(rate) <= 1.0:
            raise ConfigError(f"tax.vat_cut_rates[{i}] = {rate} is out of range [0, 1]")
    _check_rank_table("bodies.approval_staff", params.bodies.approval_staff, 1)
    _check_rank_table("bodies.leadership_posts", params.bodies.leadership_posts, 0)
    _check_rank_table("bodies.departments", params.bodies.departments, 0)
    _check_rank_table("bodies.admin_cost", params.bodies.admin_cost, 0)
    return params


SCENARIO_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""What ``scenario_name`` may be: it names output folders, so no path separators and no leading dot."""

ASSESSMENT_INDICATORS = ("output_per_mu", "tax_per_mu", "output_growth", "non_zombie_share")
"""Indicators the yearly zone assessment can weigh (all 'higher is better')."""


def _omegaconf_message(exc: Exception) -> str:
    """OmegaConf's first line plus the full key it names (its later lines are hints)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")), "")
    first = lines[0] if lines else type(exc).__name__
    return f"{key}: {first}" if key and key not in first else first


def _unknown_keys(cfg: Any, schema: Any, prefix: str = "") -> list[str]:
    """Keys in ``cfg`` that the schema instance does not declare (e.g. appended with Hydra's ``+``)."""
    from omegaconf import DictConfig

    names = {f.name for f in dataclasses.fields(schema)}
    out = []
    for key in cfg.keys():
        if key not in names:
            out.append(f"{prefix}{key}")
            continue
        default = getattr(schema, key)
        if dataclasses.is_dataclass(default) and isinstance(cfg[key], DictConfig):
            out += _unknown_keys(cfg[key], default, f"{prefix}{key}.")
    return out


def apply_sample(cfg: Any, copy_first: bool = True) -> Any:
    """Set the parameters of row ``sample.index`` of ``sample.file`` (a Parquet file whose columns
    are dotted parameter keys) in a copy of ``cfg``, or in ``cfg`` itself when the caller owns it
    (``copy_first=False``: the copy of a whole configuration is most of the time this takes);
    ``cfg`` as it is when no sample is set."""
    from omegaconf import OmegaConf

    sample = cfg.get("sample") if hasattr(cfg, "get") else None
    if not sample or not sample.get("file"):
        return cfg
    table = _sample_table(str(sample.file))
    if not 0 <= sample.index < len(table):
        raise ConfigError(f"sample.index = {sample.index} is out of range [0, {len(table) - 1}]")
    out = cfg.copy() if copy_first else cfg
    for key, value in table.iloc[[int(sample.index)]].to_dict("records")[0].items():
        current = OmegaConf.select(out, key, default=None)
        if current is None:
            raise ConfigError(f"{sample.file}: column {key!r} is not a configuration key")
        value = value.item() if hasattr(value, "item") else value
        if isinstance(current, int) and not isinstance(current, bool):
            value = int(round(value))  # an integer parameter sampled on a continuous range
        try:
            OmegaConf.update(out, key, value, merge=False)
        except Exception as exc:  # noqa: BLE001 - OmegaConf validation errors
            raise ConfigError(f"{sample.file} row {sample.index}: {key} = {value!r} ({exc})") from exc
    return out


_SAMPLES: dict[tuple, Any] = {}  # sample files read, by (path, size, mtime): a sweep reads one row per run


def _sample_table(path: str):
    import os

    import pandas as pd

    try:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
        if key not in _SAMPLES:
            _SAMPLES.clear()
            _SAMPLES[key] = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"sample.file = {path!r} cannot be read ({exc})") from exc
    return _SAMPLES[key]


def from_values(values: dict[str, Any], seed: int | None = None) -> ModelConfig:
    """A validated :class:`ModelConfig`: the schema's defaults (the ``baseline`` scenario) with the
    dotted ``values`` set (``{"policy.devolution.powers": 20}``; a key of a table of numbers, such
    as ``bodies.approval_staff.bureau``, sets one entry) and ``seed``.  No Hydra: what Mesa's
    ``batch_run`` and other keyword callers of :class:`~sim.model.model.ZoneReformModel` use; a
    scenario other than baseline is composed by :func:`sim.api.make_params`."""
    params = ModelConfig()
    for key, value in values.items():
        *path, name = key.split(".")
        obj = params
        for part in path:
            obj = obj.get(part, _MISSING) if isinstance(obj, dict) else getattr(obj, part, _MISSING)
            if obj is _MISSING or not (dataclasses.is_dataclass(obj) or isinstance(obj, dict)):
                raise ConfigError(f"{key}: unknown configuration key")
        if isinstance(obj, dict):
            if name not in obj:
                raise ConfigError(f"{key}: unknown configuration key")
            obj[name] = value
        elif name in {f.name for f in dataclasses.fields(obj)}:
            setattr(obj, name, value.item() if isinstance(value, np.generic) else value)
        else:
            raise ConfigError(f"{key}: unknown configuration key")
    if seed is not None:
        params.seed = seed
    return validate(params)


_MISSING = object()
_SCHEMA: list = []  # the schema as an OmegaConf structured config, made once (OmegaConf.merge copies it)


def _schema_config():
    from omegaconf import OmegaConf

    if not _SCHEMA:
        _SCHEMA.append(OmegaConf.structured(ModelConfig))
    return _SCHEMA[0]


def from_dictconfig(cfg: Any, copy_first: bool = True) -> ModelConfig:
    """Turn a composed Hydra/OmegaConf config into a validated :class:`ModelConfig`
    (a parameter sample, when ``sample.file`` is set, is applied first: to a copy of ``cfg``, or
    to ``cfg`` itself when the caller owns it, ``copy_first=False``)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    cfg = apply_sample(cfg, copy_first)

    unknown = _unknown_keys(cfg, ModelConfig()) if hasattr(cfg, "keys") else []
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown configuration key")
    try:
        # a configuration Hydra composed on the schema (``zonesim_schema``, the first default) is typed
        # by it already: merging it into the schema again would only copy it (8 ms, in every job)
        typed = OmegaConf.is_config(cfg) and OmegaConf.get_type(cfg) is ModelConfig
        merged = cfg if typed else OmegaConf.merge(_schema_config(), cfg)
        obj = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:  # an unknown key, a missing value or a wrong type
        raise ConfigError(_omegaconf_message(exc)) from exc
    return validate(obj)
