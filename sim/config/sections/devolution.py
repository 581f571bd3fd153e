"""Configuration of the devolution policy (放管服)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class DevolutionConfig:
    """Devolution (放管服): powers moved to zones, service mode, agent service, regional assessment."""

    enabled: bool = param(
        False,
        "-",
        "-",
        doc="devolution (放管服): from its start, economic powers move to the zones' own offices, with "
        "agent service and regional assessment; off keeps every approval item at its pre-reform authority",
    )
    start: str = param("2019-01", "YYYY-MM", "assumed: 赋权指导目录 in force from 2019")
    powers: int = param(
        37,
        "powers devolved",
        "[V] seed: 37 economic management powers",
        ge=0,
        le=37,
        doc="how many of the 37 powers move to the zones (赋权): the approval items they cover are then done "
        "at the zone's office instead of the city or region, with less transit and a shorter queue",
    )
    service_mode: str = param(
        "zone_office",
        "-",
        "[V] seed: in-zone office or county-dispatched office",
        choices=("zone_office", "county_dispatched"),
    )
    dispatched_staff: int = param(4, "staff a county dispatches to its zone", "assumed", ge=1)
    no_meeting: bool = param(True, "-", "[V] seed: 不见面 approval")
    no_meeting_transit_cut: float = param(0.8, "share of transit time removed", "assumed", ge=0, le=1)
    one_stop_agent: bool = param(
        True,
        "-",
        "[V] seed: 一站式代办",
        doc="one-stop agent service (代办): zone staff prepare the applications, cutting the applicant's "
        "preparation time and the chance that an item is sent back",
    )
    agent_prep_cut: float = param(
        0.35,
        "share of preparation time removed",
        "assumed, range 0.2-0.5: no source isolates it; agent-served projects finish 40% or more sooner than "
        "self-filed ones in 合川 (Chongqing, 2022 [R]; self-selected, no method), and mixed packages with "
        "agent service report 40-60% (巴中, 聊城 [R])",
        ge=0,
        le=1,
    )
    agent_rework_cut: float = param(
        0.5,
        "share of rework probability removed",
        "assumed, range 0.25-0.75: agents pre-check documents and give the full list of requirements at once "
        "(一次性告知; Guangdong DRC case of 高明, 2024 [R]), but no source reports a send-back rate",
        ge=0,
        le=1,
    )
    regional_assessment_items: int = param(
        9,
        "items (区域评)",
        "[V] seed: 9 items",
        ge=0,
        le=9,
        doc="items of regional assessment (区域评) a zone does once for all its projects, paid by the county; "
        "a project in the zone then skips them",
    )
    regional_assessment_cost: float = param(
        50.0, "万 yuan per item per zone, paid by the county", "assumed (per-project total ~45万 [D])", ge=0
    )
    ra_budget_share: float = param(
        0.02, "share of county fiscal revenue per year for regional assessment", "assumed", ge=0, le=1
    )
    regional_assessment_months: float = param(
        4.0, "months to complete one zone-wide item", "[V] park-wide geohazard assessment >= 3 months", ge=0
    )
    county_zone_integration: bool = param(True, "-", "[V] seed: 县区一体")
    integration_handoff_cut: float = param(0.5, "share of stage hand-off time removed", "assumed", ge=0, le=1)
