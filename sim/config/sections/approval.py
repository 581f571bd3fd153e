"""Configuration sections of the approval offices and the zones' management bodies."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


# --------------------------------------------------------------------------- approval
@dataclass
class ApprovalConfig:
    """Offices, staff and delays of the approval pipeline (queueing at finite staff)."""

    region_staff_per_100_firms: float = param(
        3.0,
        "approval staff per 100 firms in the region",
        "assumed",
        gt=0,
        doc="offices are sized to the economy they serve (initial firm count)",
    )
    city_staff_per_100_firms: float = param(3.0, "approval staff per 100 firms in the city", "assumed", gt=0)
    county_staff_per_100_firms: float = param(3.0, "approval staff per 100 firms in the county", "assumed", gt=0)
    min_office_staff: int = param(2, "staff", "assumed", ge=1, doc="smallest government approval office")
    background_load: float = param(
        0.35,
        "share of office capacity taken by other work",
        "assumed",
        ge=0,
        le=0.95,
        doc="of government (region, city, county) offices; zone and dispatched offices serve projects only",
    )
    transit_days_region: float = param(10.0, "working days per item", "assumed", ge=0)
    transit_days_city: float = param(6.0, "working days per item", "assumed", ge=0)
    transit_days_county: float = param(3.0, "working days per item", "assumed", ge=0)
    transit_days_zone: float = param(0.5, "working days per item", "assumed", ge=0)
    transit_scale: float = param(
        0.565,
        "multiplier of the transit days of every office level",
        "calibrated: zonesim-calibrate, 2026-12-05",
        gt=0,
        doc="the transit days by level are assumed; the calibration fits their common scale",
    )
    government_projects_per_1000_firms: float = param(
        7.0,
        "government-investment projects per year per 1,000 firms at the start",
        "assumed: about one project in ten (enterprise projects: about 70 per 1,000 firms a year); the state "
        "budget funded about 6% of fixed-asset investment nationally in 2017 [R] (NBS), in larger projects",
        ge=0,
        le=100,
        doc="the third stream (审批): proposal, feasibility study, preliminary design, then the common route; "
        "they load the offices and are reported apart (sim.model.government)",
    )
    government_in_zone_share: float = param(
        0.5,
        "share of government projects in a zone of their county",
        "assumed",
        ge=0,
        le=1,
        doc="zone infrastructure (roads, pipelines, standard factory buildings); the rest are outside zones",
    )
    rework_probability: float = param(0.3, "probability an item is sent back once", "assumed", ge=0, le=1)
    rework_prep_share: float = param(0.5, "share of preparation redone after rework", "assumed", ge=0, le=1)
    stage_handoff_days: float = param(
        8.0,
        "working days between stages",
        "assumed",
        ge=0,
        doc="from an item of one stage to an item of a later stage that waits for it",
    )
    precedence: str = param(
        "catalogue",
        "-",
        "[V]/[R] per edge: catalogue column source",
        choices=("stages", "catalogue"),
        doc="which item waits for which: catalogue = the catalogue's predecessors column (the pre-reform "
        "serial order, calibrated); stages = stages in sequence, items of a stage in parallel (not calibrated)",
    )
    service_cv: float = param(0.5, "coefficient of variation of office effort", "assumed", ge=0)
    prep_cv: float = param(0.5, "coefficient of variation of preparation", "assumed", ge=0)
    item_effort_scale: float = param(
        0.3436,
        "multiplier of catalogue office effort",
        "calibrated: zonesim-calibrate, 2026-12-05",
        gt=0,
    )
    prep_scale: float = param(
        0.1583,
        "multiplier of catalogue preparation times",
        "calibrated: zonesim-calibrate, 2026-12-05",
        gt=0,
        doc="of the items whose preparation is assumed (catalogue column scaled); a documented one is kept",
    )
    review_scale: float = param(
        0.3092,
        "multiplier of catalogue review lags",
        "calibrated: zonesim-calibrate, 2026-12-05",
        gt=0,
        doc="of the items whose review lag is assumed (catalogue column scaled); the statutory EIA lag, "
        "the assessments' (whole item 1-3 months) and the utility connection's are kept",
    )


@dataclass
class BodyConfig:
    """Zone management bodies (管委会) by rank: staff, approval staff, posts, departments, cost."""

    approval_staff: dict[str, int] = param({"bureau": 10, "division": 6, "deputy_division": 3}, "staff", "assumed")
    leadership_posts: dict[str, int] = param({"bureau": 5, "division": 4, "deputy_division": 3}, "posts", "assumed")
    departments: dict[str, int] = param(
        {"bureau": 8, "division": 5, "deputy_division": 3},
        "internal departments",
        "[V] seed: bureau 7-10, division 4-6 (deputy assumed)",
    )
    admin_cost: dict[str, float] = param(
        {"bureau": 3000.0, "division": 1500.0, "deputy_division": 800.0}, "万 yuan/year", "assumed"
    )
