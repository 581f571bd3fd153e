"""Configuration: every config file composes; every declared parameter is read by the model."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.config.schema import ModelConfig
from sim.runner.run import simulate
from tests.conftest import CONFIG_DIR, compose_params

SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
POLICY_OPTIONS = sorted((p.parent.name, p.stem) for p in (CONFIG_DIR / "policy").glob("*/*.yaml"))


def test_expected_scenarios_exist():
    assert set(SCENARIOS) >= {
        "baseline",
        "consolidation",
        "devolution",
        "approval_reform",
        "assessment",
        "zombie_disposal",
        "full_reform",
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_names_itself(scenario):
    """Each scenario file composes against the schema and sets scenario_name to its own name."""
    p = compose_params(f"scenario={scenario}")
    assert p.scenario_name == scenario


def test_full_reform_enables_the_five_policies_and_baseline_none():
    full, base = compose_params("scenario=full_reform"), compose_params()
    for name in ("consolidation", "devolution", "approval_process", "assessment", "zombie_disposal"):
        assert getattr(full.policy, name).enabled
        assert not getattr(base.policy, name).enabled


@pytest.mark.parametrize("group,option", POLICY_OPTIONS)
def test_every_policy_option_composes(group, option):
    compose_params(f"policy/{group}={option}")


def test_single_policy_scenarios_enable_only_their_policy():
    for scenario, name in (
        ("consolidation", "consolidation"),
        ("devolution", "devolution"),
        ("approval_reform", "approval_process"),
        ("assessment", "assessment"),
        ("zombie_disposal", "zombie_disposal"),
    ):
        p = compose_params(f"scenario={scenario}")
        on = [
            k
            for k in ("consolidation", "devolution", "approval_process", "assessment", "zombie_disposal")
            if getattr(p.policy, k).enabled
        ]
        assert on == [name]


def _leaves(obj, prefix=""):
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = prefix + f.name
        if dataclasses.is_dataclass(value):
            yield from _leaves(value, key + ".")
        else:
            yield key, value, dict(f.metadata)


def test_every_parameter_has_unit_and_source():
    """Each schema field documents its unit and its source (or 'assumed')."""
    for key, _, meta in _leaves(ModelConfig()):
        assert meta.get("unit"), f"{key} has no unit"
        assert meta.get("source"), f"{key} has no source"


# Parameters that are not model inputs (run bookkeeping) or that act only through a switch
# set in _ACTIVATE below.
_NOT_MODEL = {
    "output.dir",
    "output.event_logs",
    "output.print_summary",
    "scenario_name",
    "region.kind",
    "region.data_dir",
    "sample.file",
    "sample.index",
}
# ~7,500 firms, 11 national zones in 4 macro regions; ranking from 2016 gives six assessed years
_MOFCOM_REGION = ["region=national", "region.national.scale=0.02", "policy.assessment.start=2016-01"]
_ACTIVATE = {
    "policy.devolution.dispatched_staff": ["policy.devolution.service_mode=county_dispatched"],
    # acts on zombies in carded zones: give it years and zombies that disposal has not removed
    "policy.assessment.yellow_card_protection_cut": ["time.end=2026-12", "policy.zombie_disposal.enabled=false"],
    "policy.assessment.grace_years": ["time.end=2022-12"],
    # firm classes are a lever, off by default: grade firms, and let D firms be recovered within the run
    **{
        f"policy.assessment.{k}": [
            "policy.assessment.firm_classes=true",
            "policy.assessment.firm_d_years_to_recover=1",
            "time.end=2022-12",
        ]
        for k in ("firm_tax_weight", "firm_a_share", "firm_b_share", "firm_d_share")
    },
    "policy.assessment.firm_d_years_to_recover": ["policy.assessment.firm_classes=true", "time.end=2024-12"],
    # the calibrated base protection is next to the cap: lower it so that firm size can add to it
    "protection.size_weight": ["protection.base=0.3"],
    # the best zone of each class is mostly at the top rank already: upgrade the best three
    "policy.assessment.upgrade_min_years": ["policy.assessment.upgrade_top=3"],
    # downgrade and abolition need K1/K2 bottom years in a row: start ranking early enough to reach them
    # (the province abolishes no national zone: let it, so that seed 0 has zones at the threshold)
    "policy.assessment.years_to_abolish": [
        "policy.assessment.start=2016-01",
        "time.end=2026-12",
        "policy.assessment.national_zones=abolish",
    ],
    # the province recommends delisting a national zone at the bottom rather than abolish it: rank long
    # enough for a national zone to reach the abolition threshold
    "policy.assessment.national_zones": ["policy.assessment.start=2016-01", "time.end=2026-12"],
    "policy.assessment.abolished_firms_to": [
        "policy.assessment.start=2016-01",
        "time.end=2026-12",
        "policy.assessment.national_zones=abolish",
    ],
    # seed 0 has no zone at the abolition thresholds: put one there, so that the thresholds and
    # the window of the track record decide
    "policy.consolidation.lookback_months": [
        "policy.consolidation.inversion_ratio=0.5",
        "policy.consolidation.abolish_max_firms=6",
    ],
    "policy.consolidation.abolish_max_firms": ["policy.consolidation.inversion_ratio=0.5"],
    # seed 0's inverted zones all have more firms than the 'few firms' threshold: raise it
    "policy.consolidation.inversion_ratio": ["policy.consolidation.abolish_max_firms=10"],
    # MOFCOM-style ranking: classes by macro region and province need the national region's
    # columns, and the window of bottom years needs a few assessed years
    "policy.assessment.rule": _MOFCOM_REGION,
    **{
        f"policy.assessment.mofcom_{k}": ["policy.assessment.rule=mofcom", *_MOFCOM_REGION]
        for k in ("window_years", "times_in_window", "max_bottom_share")
    },
    # small classes cap the bottom below k: let half of a class be its bottom, so that k decides
    "policy.assessment.mofcom_bottom_k": [
        "policy.assessment.rule=mofcom",
        "policy.assessment.mofcom_max_bottom_share=0.5",
        *_MOFCOM_REGION,
    ],
    # the floors' age applies only when a floor is on: a new zone (苏银, 2019) is spared below it
    "policy.assessment.absolute_min_years": ["policy.assessment.abolish_output_below=100000"],
    # customs zones matter only where consolidation meets them (exempt type): more zones per county
    "region.national.zones_customs": ["region.national.scale=0.02"],
}
# The full reform on Ningxia, to 2021: every mechanism is exercised at least once.
_RUN = ["scenario=full_reform", "time.end=2021-12"]
# Rule thresholds are robust to small changes by design: move them far enough to bite.
_STRONG = {
    # a firm's share of its county's output is small: the weight must move far to flip an exit
    "protection.size_weight": "1",
    # a later deadline changes nothing when every path fits: one that cuts liquidations short does
    "policy.zombie_disposal.end": "2019-03",
    # the seed's 2 bottom years: with these draws no zone's downgrade at 2 differs from one at 3
    # (it is abolished at 3 either way); a downgrade after 1 bottom year does differ
    "policy.assessment.years_to_downgrade": "1",
    "policy.consolidation.lookback_months": "3",
    "policy.consolidation.abolish_max_firms": "10",
    "policy.consolidation.inversion_ratio": "0.9",
    "policy.consolidation.small_zone_share": "0.3",
    "policy.consolidation.bureau_min_output_share": "0.2",
    "policy.consolidation.division_min_output_share": "0.02",
    "approval.region_staff_per_100_firms": "0.5",  # region-office queues are short: fewer staff bite
    "policy.assessment.yellow_card_protection_cut": "1.0",
    "policy.assessment.mofcom_bottom_k": "1",
    # the absolute floors are off (0): set them where they bite (Inner Mongolia's 10亿; zones use 67-100% of their land)
    "policy.assessment.abolish_output_below": "100000",
    "policy.assessment.abolish_developed_below": "0.75",
    "policy.assessment.absolute_min_years": "0",
    "policy.assessment.mofcom_window_years": "1",  # a window of one year holds one bottom year: no candidate
    "region.synthetic.national_share": "0.9",
    # with the default approval times no project stays in approval a year: shorter lags bite
    "land.idle_fee_months": "3",
    "land.idle_recovery_months": "6",
    "firms.plant_headroom": "1.0",  # no firm grows beyond its land's 1.5 x capital before 2022: none may grow
    # national region: counts change only where round(count × scale) does (see _NATIONAL)
    "region.national.scale": "0.008",
    "region.national.counties": "6000",
    "region.national.zones_national": "1500",
    "region.national.zones_provincial": "3000",
    "region.national.enterprises": "500000",
    **{f"region.national.zones_{t}": "2000" for t in ("etdz", "hightech", "customs", "border", "other")},
}
_SYNTHETIC = ["region=synthetic", "region.synthetic.enterprises=300"]
_NATIONAL = ["region=national", "region.national.scale=0.005"]  # ~1,900 firms, 13 zones, 31 provinces


def _region_switch(key: str) -> list[str]:
    """The overrides that make a generator's parameters act: region.synthetic.* and region.national.*."""
    section = key.split(".")[1] if key.startswith("region.") else ""
    return {"synthetic": _SYNTHETIC, "national": _NATIONAL}.get(section, [])


def _perturbed(key: str, value, meta: dict) -> str | None:
    if meta.get("unit") == "YYYY-MM":  # a date: one year later, or earlier for the horizon's end
        year, month = value.split("-")
        return f"{int(year) + (-1 if key == 'time.end' else 1)}-{month}"
    if isinstance(value, bool):
        return str(not value).lower()
    if meta.get("choices"):
        others = [c for c in meta["choices"] if c != value]
        return others[0]
    if isinstance(value, int):
        hi = meta.get("le")
        new = value + 1 if hi is None or value + 1 <= hi else value - 1
        return str(new)
    if isinstance(value, float):
        lo, hi = meta.get("ge"), meta.get("le")
        new = value * 1.5 if value != 0 else 0.1
        if hi is not None and new > hi:
            new = value * 0.5
        if lo is not None and new < lo:
            new = lo
        return repr(new)
    return None


def _outcomes(overrides):
    t = simulate(compose_params(*_RUN, *overrides))
    zone_types = t["zones_yearly"]["type"].value_counts().rename(lambda k: f"zone-years of type {k}")
    mu_classes = t["firm_panel"]["mu_class"].value_counts().rename(lambda k: f"firm-years of 亩均 class {k!r}")
    return pd.concat(
        [
            t["monthly"].drop(columns=["date"]).sum(numeric_only=True),
            t["approvals"].sum(numeric_only=True),
            t["zones_yearly"].sum(numeric_only=True),
            t["sectors_yearly"].sum(numeric_only=True).add_prefix("sectors: "),
            t["firm_panel"].sum(numeric_only=True).add_prefix("panel: "),
            t["land_yearly"].sum(numeric_only=True).add_prefix("land: "),
            zone_types.astype(float),
            mu_classes.astype(float),
        ]
    )


@pytest.fixture(scope="module")
def reference():
    return _outcomes([])


SCALARS = [(k, v, m) for k, v, m in _leaves(ModelConfig()) if k not in _NOT_MODEL and not isinstance(v, (dict, list))]


@pytest.mark.parametrize("key,value,meta", SCALARS, ids=[k for k, _, _ in SCALARS])
def test_every_parameter_is_read_by_the_model(key, value, meta, reference):
    """Changing any model parameter changes some outcome (no parameter declared but ignored)."""
    current = _get(compose_params(*_RUN), key)
    new = _STRONG.get(key) or _perturbed(key, current, meta)
    assert new is not None, f"no perturbation for {key}"
    extra = _region_switch(key) + _ACTIVATE.get(key, [])
    ref = _outcomes(extra) if extra else reference
    changed = _outcomes([*extra, f"{key}={new}"])
    assert not ref.equals(changed), f"{key}: {current} -> {new} changed nothing"


def _get(obj, key):
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj
