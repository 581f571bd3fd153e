"""Typed configuration schema: the one source of every parameter, its unit, its source and its range.

Each field is declared with :func:`param`, which stores the unit, the source (a citation,
"derived", or "assumed") and the admissible range in the field's metadata.  Hydra uses these
dataclasses as its structured-config schema (so an unknown key is rejected at composition),
:mod:`sim.config.validate` checks the ranges before any run, and the documentation can list
every parameter from the same metadata.

The sections are declared one module per concept in :mod:`sim.config.sections` (time and
region; enterprises; markets; approval; each policy family; national rules), :func:`param` and
:func:`range_text` in :mod:`sim.config.params`; this module assembles them into
:class:`ModelConfig` and re-exports every section, so ``sim.config.schema.<Name>`` keeps working.

Sources in brackets follow ``../shared/CALIBRATION.md``: [V] read in the named source,
[D] derived, "assumed" where no source gives the number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.config.params import param, range_text
from sim.config.sections.approval import ApprovalConfig, BodyConfig
from sim.config.sections.approval_process import ApprovalProcessConfig
from sim.config.sections.assessment import AssessmentConfig
from sim.config.sections.consolidation import ConsolidationConfig
from sim.config.sections.devolution import DevolutionConfig
from sim.config.sections.enterprises import FirmConfig, OwnershipConfig, ProtectionConfig, TaxConfig, ZombieConfig
from sim.config.sections.markets import CreditConfig, InvestmentConfig, LabourConfig, MarketConfig
from sim.config.sections.policy import PolicyConfig
from sim.config.sections.rules import CapacityConfig, LandConfig
from sim.config.sections.time_region import NationalRegionConfig, RegionConfig, SyntheticRegionConfig, TimeConfig
from sim.config.sections.zombie_disposal import ZombieDisposalConfig


# --------------------------------------------------------------------------- run
@dataclass
class OutputConfig:
    """What the runner writes (not read by the model)."""

    dir: str = param("", "path", "-", doc="output folder; empty = Hydra's run folder")
    event_logs: bool = param(True, "-", "-")
    firm_panel: bool = param(
        True,
        "-",
        "-",
        doc="record the yearly firm panel (firm_panel table; large at national scale)",
    )
    land_yearly: bool = param(
        True,
        "-",
        "-",
        doc="record the yearly land table (land_yearly: per firm on zone ground; large at national "
        "scale; zonesim-per-mu reads it)",
    )
    print_summary: bool = param(True, "-", "-")


@dataclass
class SampleConfig:
    """A row of a parameter sample (global sensitivity analysis): not a model parameter.

    When ``file`` is set, the runner reads row ``index`` of that Parquet file — one column per
    dotted parameter key — and sets those parameters before validation.
    """

    file: str = param("", "path", "-", doc="Parquet file of parameter samples; empty = none")
    index: int = param(-1, "row", "-", ge=-1)


@dataclass
class ModelConfig:
    """All model parameters.  Built from Hydra's composition, validated before any run."""

    scenario_name: str = param("baseline", "-", "-")
    seed: int = param(
        0,
        "-",
        "-",
        ge=0,
        doc="the run's random seed: the same seed gives the same run; the dashboard gives both runs the same "
        "one, so their differences come from the policies (common random numbers)",
    )
    time: TimeConfig = field(default_factory=TimeConfig)
    region: RegionConfig = field(default_factory=RegionConfig)
    firms: FirmConfig = field(default_factory=FirmConfig)
    zombie: ZombieConfig = field(default_factory=ZombieConfig)
    protection: ProtectionConfig = field(default_factory=ProtectionConfig)
    ownership: OwnershipConfig = field(default_factory=OwnershipConfig)
    investment: InvestmentConfig = field(default_factory=InvestmentConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    labour: LabourConfig = field(default_factory=LabourConfig)
    tax: TaxConfig = field(default_factory=TaxConfig)
    credit: CreditConfig = field(default_factory=CreditConfig)
    approval: ApprovalConfig = field(default_factory=ApprovalConfig)
    bodies: BodyConfig = field(default_factory=BodyConfig)
    land: LandConfig = field(default_factory=LandConfig)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)


RANKS = ("deputy_division", "division", "bureau")
"""Management-body ranks from low to high: 副处级, 正处级, 厅级."""


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (imported lazily: the model never sees Hydra)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="zonesim_schema", node=ModelConfig)


__all__ = [
    "ModelConfig",
    "param",
    "register_configs",
    "RANKS",
    "MISSING",
    "range_text",
    "OutputConfig",
    "SampleConfig",
    "ApprovalConfig",
    "ApprovalProcessConfig",
    "AssessmentConfig",
    "BodyConfig",
    "CapacityConfig",
    "ConsolidationConfig",
    "CreditConfig",
    "DevolutionConfig",
    "FirmConfig",
    "InvestmentConfig",
    "LabourConfig",
    "LandConfig",
    "MarketConfig",
    "NationalRegionConfig",
    "OwnershipConfig",
    "PolicyConfig",
    "ProtectionConfig",
    "RegionConfig",
    "SyntheticRegionConfig",
    "TaxConfig",
    "TimeConfig",
    "ZombieConfig",
    "ZombieDisposalConfig",
]
