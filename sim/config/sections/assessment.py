"""Configuration of the zones' assessment policy."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class AssessmentConfig:
    """Assessment and ranking, 亩产论英雄 ("output per mu decides"): yearly composite score,
    ranking within classes, yellow card, downgrade, abolition, upgrade; ``rule`` picks the
    seed's classes and downgrade trigger or MOFCOM's (ranking of national ETDZs by region)."""

    enabled: bool = param(
        False,
        "-",
        "-",
        doc="assessment-ranking (亩产论英雄): each year zones are scored and ranked within their class; the "
        "bottom get a yellow card, repeated bottom years downgrade and then abolish a zone",
    )
    start: str = param("2019-01", "YYYY-MM", "assumed: first assessed year 2019")
    weights: dict[str, float] = param(
        {"output_per_mu": 0.4, "tax_per_mu": 0.3, "output_growth": 0.2, "non_zombie_share": 0.1},
        "weights of normalised indicators",
        "assumed after Zhejiang 亩均论英雄 formulas ([V])",
    )
    bottom_k: int = param(
        1,
        "zones per class",
        "[V] seed: the bottom of the year",
        ge=1,
        doc="how many zones at the bottom of each class get a yellow card (黄牌警告) each year",
    )
    years_to_downgrade: int = param(
        2,
        "consecutive bottom years (K1)",
        "[V] seed",
        ge=1,
        doc="a zone at the bottom this many years in a row is downgraded (降级)",
    )
    years_to_abolish: int = param(
        3,
        "consecutive bottom years (K2)",
        "[V] seed",
        ge=1,
        doc="a zone at the bottom this many years in a row is abolished (撤销); its firms stay, managed by the county",
    )
    upgrade_top: int = param(1, "best zones per class upgraded each year", "[V] seed: outstanding -> rank raised", ge=0)
    upgrade_min_years: int = param(1, "assessed years before a zone can be upgraded", "assumed", ge=1)
    grace_years: int = param(
        3,
        "full years a new zone runs before it is ranked",
        "assumed",
        ge=0,
        doc="a new zone's first firms need about a year of approval and a year of construction (the model's "
        "own times) before its output per mu says anything; ranking it earlier puts it last by construction",
    )
    gate: dict[str, float] = param(
        {},
        "minimum of an indicator, in its own unit (万 yuan/mu; growth: output / last year's; share)",
        "[R] Guangdong 粤办函〔2014〕23号: a park is carded only if it misses its 达标 targets and ranks last in "
        "its class; the targets are set per park and were not retrieved, so none by default (Ningxia's seed "
        "cards the bottom zone)",
        doc="absolute gate before the relative rule: a bottom zone is carded, and its bottom year counted, only if "
        "at least one indicator is below its minimum here; empty: every bottom zone",
    )
    abolish_output_below: float = param(
        0.0,
        "万 yuan/year of a zone's output",
        "[R] Inner Mongolia 2021 (开发区优化调整实施方案): parks with gross industrial output ≤ 10亿 yuan "
        "(100000) abolished in principle; 0 = off (not Ningxia's rule)",
        ge=0,
        doc="absolute floor: a zone past absolute_min_years whose year's output is at most this is abolished "
        "(a national zone: recommended for delisting)",
    )
    abolish_developed_below: float = param(
        0.0,
        "share of a zone's planned land in use",
        "[R] 发改外资〔2005〕1521号 (national clean-up of zones): zones approved 5 or more years earlier with "
        "developed land below 20% (0.2) of their planned area abolished; 0 = off (not Ningxia's rule)",
        ge=0,
        le=1,
        doc="absolute floor: a zone past absolute_min_years with less of its planned land in use is abolished "
        "(a national zone: recommended for delisting)",
    )
    absolute_min_years: int = param(
        5,
        "full years since a zone's founding",
        "[R] 发改外资〔2005〕1521号: 5 years; zones older than the run count as old enough",
        ge=0,
        doc="the absolute floors apply only to zones this old",
    )
    firm_classes: bool = param(
        False,
        "-",
        "[V] Zhejiang 亩均论英雄 (firm classes A-D); not in Ningxia's reform (the seed ranks zones)",
        doc="grade the firms on zone land A-D each year and take land back from persistent D firms",
    )
    firm_tax_weight: float = param(
        0.6,
        "weight of tax per mu (output per mu: the rest)",
        "[V] Huangyan formula: tax per mu 30, value "
        "added per mu 20 (of the indicators the model carries; output stands in for value added)",
        ge=0,
        le=1,
    )
    firm_a_share: float = param(0.225, "share of a county's graded firms", "[V] Zhejiang: A 20-25%", ge=0, le=1)
    firm_b_share: float = param(0.40, "share of a county's graded firms", "[V] Zhejiang: B 35-45%", ge=0, le=1)
    firm_d_share: float = param(
        0.05,
        "share of a county's graded firms",
        "[V] Zhejiang: D about 5% (C: the rest, 25-35%)",
        ge=0,
        le=1,
    )
    firm_d_years_to_recover: int = param(
        3,
        "years in a row graded D",
        "assumed: as the zones' K2; D firms that do not improve are closed (腾笼换鸟) [R]",
        ge=1,
        doc="a firm graded D this many years in a row has its land taken back and closes",
    )
    national_zones: str = param(
        "recommend_delisting",
        "-",
        "[R] national zones are approved and withdrawn by the State Council (国务院), national status by the "
        "national ranking (MOFCOM: 石嘴山经开区 2021 [V])",
        choices=("recommend_delisting", "abolish"),
        doc="what K2 bottom years do to a national zone: recommend_delisting = the province can card and "
        "downgrade it and recommend delisting (logged), not abolish it; abolish = as a region-level zone",
    )
    classify_by: str = param("level", "-", "[V] seed: 分类考核", choices=("level", "none"))
    yellow_card_protection_cut: float = param(
        0.5, "share of zombie protection removed in a carded zone", "assumed", ge=0, le=1
    )
    yellow_card_bar_raise: float = param(0.1, "entry-bar rise in a carded zone", "assumed", ge=0)
    yellow_card_extra_staff: int = param(
        1, "approval staff added to a carded zone's office", "assumed: a carded zone improves service (seed)", ge=0
    )
    abolished_firms_to: str = param(
        "county",
        "-",
        "assumed",
        choices=("county", "neighbour"),
        doc="who takes over an abolished zone's firms",
    )
    rule: str = param(
        "seed",
        "-",
        "[V] seed (Ningxia); mofcom: MOFCOM yearly ranking of national ETDZs",
        choices=("seed", "mofcom"),
        doc="seed: classes by level, K1 bottom years in a row downgrade; mofcom: classes by macro region / "
        "province, bottom-k several times within a window downgrades (national zones lose national level)",
    )
    mofcom_bottom_k: int = param(
        5,
        "zones per class",
        "[V] MOFCOM yearly ranking of national ETDZs: bottom 5 of a region",
        ge=1,
    )
    mofcom_window_years: int = param(
        3,
        "years",
        "[V] twice in the bottom 5 within 3 years -> downgrade candidate",
        ge=1,
    )
    mofcom_times_in_window: int = param(
        2,
        "bottom years within the window",
        "[V] twice in the bottom 5 within 3 years -> downgrade candidate",
        ge=1,
    )
    mofcom_max_bottom_share: float = param(
        0.2,
        "share of a class",
        "assumed: a shrunken country does not card most of a small class",
        gt=0,
        le=1,
    )
