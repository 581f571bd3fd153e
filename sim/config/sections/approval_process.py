"""Configuration of the approval-process reform (工程建设项目审批制度改革)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class ApprovalProcessConfig:
    """The approval-process reform (工程建设项目审批制度改革, 国办发〔2019〕11号): levers that edit the
    approval graph (parallel stages, combined drawing review, joint acceptance, commitment-based
    approval) and the process's rules (acceptance with missing documents, statutory limits).
    Strengths from national documents, the national pilots and other provinces only; the range in
    each doc is the parameter's sensitivity range across sources."""

    enabled: bool = param(
        False,
        "-",
        "-",
        doc="the national approval-process reform (工程建设项目审批制度改革): parallel stages, combined "
        "reviews, joint acceptance and approval on commitment for applications from its start",
    )
    start: str = param(
        "2019-03",
        "YYYY-MM",
        "[V] 国办发〔2019〕11号, March 2019 (nationwide)",
        doc="new applications from this month run on the reformed process; applications under "
        "way finish on the process they opened on",
    )
    scope: str = param(
        "region",
        "-",
        "[V] 国办发〔2019〕11号: all construction projects, not only zones'",
        choices=("region", "zones"),
        doc="region: every new project; zones: only new projects in zones",
    )
    parallel_edges: list[str] = param(
        [
            "seismic>design_review",
            "climate>design_review",
            "geohazard>land_supply",
            "quality_safety>construction_permit",
            "planning_verification>utility_connection",
        ],
        "edges 'predecessor>item' removed (并联审批)",
        "[V] 11号: parallel approval within a stage, stages overlap; per edge: [R] 11号 assessments (评估评价) "
        "only before construction starts (seismic, climate, geohazard); [R] 11号 quality-safety registration "
        "with the construction permit (合并办理); [R] 11号 utility connection applied for early (assumed edge)",
        doc="range: none to all five (configs/policy/approval_process/national.yaml documents each edge)",
    )
    combined_review: list[str] = param(
        ["drawing_review", "fire_design"],
        "items merged into one review (多图联审); the first leads",
        "[V] 11号: one combined drawing review replacing the fire, civil-defence and technical reviews "
        "(the catalogue has no civil-defence or technical review item)",
        doc="the merged node: one submission (longest preparation), one queue at the lead's office doing every "
        "member's work (efforts add up), one review lag (the longest: reviews run at once); [] = off",
    )
    joint_acceptance: list[str] = param(
        ["completion_filing", "fire_acceptance", "planning_verification"],
        "stage-4 items merged into one acceptance (联合验收); the first leads",
        "[R] 11号: planning, land, fire, civil-defence and archives accepted jointly; environmental acceptance "
        "is the builder's own since 2017 [R] 国环规环评〔2017〕4号, left apart",
        doc="one submission, one queue at the lead's office, one review lag (see joint_acceptance_effort); "
        "range: with environmental_acceptance added; [] = off",
    )
    joint_acceptance_effort: str = param(
        "concurrent",
        "-",
        "[R] 11号: the departments accept at once (统一组织、联合验收), each with its own staff",
        choices=("concurrent", "pooled"),
        doc="concurrent: the joint acceptance takes the longest member's office work; pooled: the lead's "
        "office does every member's work (efforts add up); sensitivity: pooled",
    )
    commitment_items: list[str] = param(
        ["energy_review", "water_resources", "soil_water", "flood_impact", "climate"],
        "items approved on commitment (告知承诺制)",
        "[V] share of items on commitment in other provinces: Qinghai investment projects 14 of 40 (35%, 2020), "
        "Shanghai Pudong 22-34% of licensing items; [V] rule: not items of public safety, ecology, health; "
        "choice of items assumed",
        doc="5 of 25 items (20%); range 20-35% of items (5-9); each leaves the critical path and is checked when "
        "construction ends (the office's work and review, no preparation unless it fails)",
    )
    check_failure_probability: float = param(
        0.05,
        "probability a post-approval check fails",
        "assumed",
        ge=0,
        le=1,
        doc="a failed check sends the applicant back: the item's whole preparation, then the office's review "
        "again, before production may start; range 0.01-0.10 (assumed)",
    )
    rework_cut: float = param(
        0.5,
        "share of the rework probability removed (容缺受理)",
        "assumed",
        ge=0,
        le=1,
        doc="non-essential documents supplied later instead of the application sent back; range 0.3-0.7 (assumed)",
    )
    rework_prep_cut: float = param(
        0.5,
        "share of the preparation redone after rework removed (容缺受理)",
        "assumed",
        ge=0,
        le=1,
        doc="range 0-0.7 (assumed)",
    )
    transit_cut: float = param(
        1.0,
        "share of the transit between offices removed",
        "calibrated on the national pilots (国办发〔2018〕33号: 200+ working days cut to at most 120; government "
        "processing time -40 to -60%): zonesim-calibrate-process, 2026-12-05; at its upper bound (cut 48.6%)",
        ge=0,
        le=1,
        doc="one online approval system and one window per stage (一个系统、一个窗口, 11号): documents no longer "
        "travel between offices; applies on the reformed process (in zones it adds to the one-stop service's "
        "cut); no document gives a number: fitted so that the reform alone cuts government time as the "
        "pilots did (configs/calibration/process.yaml); range 0.5-1",
    )
    review_limit_days: float = param(
        20.0,
        "working days per item (statutory limit)",
        "[R] 行政许可法 (2003) art. 42: a decision within 20 days, extendable by 10",
        ge=0,
        doc="caps each item's review lag; an item whose government time (transit, queue, work, review) exceeds "
        "it is late; 0 = no limit; range 20-30",
    )
