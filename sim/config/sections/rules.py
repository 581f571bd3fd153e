"""Configuration of the national rules in force in every scenario: capacity replacement and idle land."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class CapacityConfig:
    """Capacity replacement (产能置换), a national rule in force in every scenario: in the sectors it
    covers (sectors.csv capacity_replacement) capacity is added only against capacity retired in
    the region (sim.model.capacity)."""

    replacement: bool = param(
        True,
        "-",
        "[R] 国发〔2016〕6号 (steel) and 7号 (coal), 2016-02: no new capacity except by reduction or "
        "equal replacement; 工信部原〔2017〕337号 (steel, cement, flat glass)",
        doc="capacity replacement in force",
    )
    start: str = param(
        "2016-02",
        "YYYY-MM",
        "[R] 国发〔2016〕6号 and 7号 (2016-02)",
        doc="the rule binds from this month; firms and projects then holding land are licensed at their "
        "capital (before the run's start: at the start)",
    )
    replacement_ratio: float = param(
        1.0,
        "capacity retired per unit of new capacity",
        "[R] 工信部原〔2017〕337号: at least 1.25:1 in key "
        "air-pollution regions, 1:1 (equal replacement) elsewhere, Ningxia among the latter; assumed the same for "
        "coal and the other covered sectors",
        ge=1,
        le=10,
    )
    cut_quota_share: float = param(
        0.0,
        "share of the capacity closed on the capacity-cut path",
        "[R] 工信部原〔2017〕337号: capacity closed "
        "with the central award funds may not be used for replacement; assumed the same for coal",
        ge=0,
        le=1,
        doc="what of a cut firm's licensed capacity becomes quota (a firm that exits otherwise: all of it)",
    )


@dataclass
class LandConfig:
    """The idle-land rule in force before and after the reform (国土资源部令第53号, 闲置土地处置办法, 2012),
    applied to the land ledger of the zones' blocks (:mod:`sim.model.land`) and to county land."""

    idle_fee_months: int = param(
        12,
        "months since supply without construction",
        "[R] 国土资源部令第53号 (2012), art. 14: land idle ≥ 1 year pays an idle-land fee of up to 20% of its price",
        ge=1,
        doc="land idle this long is the fee's base (recorded, not charged: projects in approval keep no accounts)",
    )
    idle_recovery_months: int = param(
        24,
        "months since supply without construction",
        "[R] 国土资源部令第53号 (2012), art. 14: land idle ≥ 2 years can be taken back without compensation",
        ge=1,
        doc="a project in approval this long after its land was supplied loses it and is withdrawn",
    )
