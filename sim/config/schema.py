"""Typed configuration schema: the one source of every parameter, its unit, its source and its range.

Each field is declared with :func:`param`, which stores the unit, the source (a citation,
"derived", or "assumed") and the admissible range in the field's metadata.  Hydra uses these
dataclasses as its structured-config schema (so an unknown key is rejected at composition),
:mod:`sim.config.validate` checks the ranges before any run, and the documentation can list
every parameter from the same metadata.

Sources in brackets follow ``../shared/CALIBRATION.md``: [V] read in the named source,
[D] derived, "assumed" where no source gives the number.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING


def range_text(meta: dict, default: Any = None) -> str:
    """A parameter's admissible range in words, as the ODD's tables and ``zonesim --help`` write it
    (``meta``: its field metadata; ``default`` gives its type)."""
    if isinstance(default, bool):
        return "true, false"
    if meta.get("unit") == "YYYY-MM":
        return "a month YYYY-MM"
    if meta.get("choices"):
        return "one of: " + ", ".join(meta["choices"])
    lo, hi, gt = meta.get("ge"), meta.get("le"), meta.get("gt")
    if gt is not None and hi is not None:
        return f"({gt:g}, {hi:g}]"
    if lo is not None and hi is not None:
        return f"[{lo:g}, {hi:g}]"
    if gt is not None:
        return f"> {gt:g}"
    if lo is not None:
        return f"≥ {lo:g}"
    if hi is not None:
        return f"≤ {hi:g}"
    return "any"


def param(
    default: Any,
    unit: str,
    source: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    choices: tuple[str, ...] | None = None,
    doc: str = "",
):
    """Declare a model parameter with its unit, source and admissible range."""
    meta = {"unit": unit, "source": source, "ge": ge, "le": le, "gt": gt, "choices": choices, "doc": doc}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


# --------------------------------------------------------------------------- time
@dataclass
class TimeConfig:
    """Simulated calendar: monthly steps from ``start`` to ``end`` inclusive."""

    start: str = param("2015-01", "YYYY-MM", "issue 2: simulate 2015-2030", doc="first simulated month")
    end: str = param("2030-12", "YYYY-MM", "issue 2: simulate 2015-2030", doc="last simulated month")
    spinup_years: int = param(
        0,
        "years",
        "assumed: off (the start is the generated population); ODD section 5 reports what a spin-up does to the start",
        ge=0,
        le=50,
        doc="years simulated before start and not recorded (spending along the trends of spending.csv, its first "
        "year's rates before it; tax rules of the start; no policy): firms' debt, ages and zombie histories and "
        "the offices' queues at the start then come from the model's own dynamics, not from the generated draws",
    )
    working_days_per_month: float = param(
        20.8, "working days/month", "derived: 250 working days a year / 12", gt=0, le=31
    )
    calendar_days_per_working_day: float = param(
        1.46, "calendar days/working day", "derived: 365 / 250", ge=1.0, le=2.0
    )


# --------------------------------------------------------------------------- region
@dataclass
class SyntheticRegionConfig:
    """Sizes of a generated region (used when ``region.kind = synthetic``)."""

    seed: int = param(0, "-", "-", ge=0, doc="the region's own seed: replicate seeds share one region")
    cities: int = param(3, "count", "assumed", ge=1)
    counties_per_city: int = param(3, "count", "assumed", ge=1)
    zones_per_county: float = param(1.5, "zones/county (mean)", "assumed", ge=0)
    national_share: float = param(0.2, "share of zones", "assumed", ge=0, le=1)
    enterprises: int = param(600, "above-scale firms at start", "assumed", ge=1)
    in_zone_share: float = param(0.78, "share of firms", "[V] seed: 78% of above-scale firms in zones", ge=0, le=1)
    output_per_firm: float = param(31800.0, "万 yuan/year", "derived: Ningxia 3.65e7 万 yuan / 1,150 firms", gt=0)
    size_skew: float = param(1.2, "lognormal sigma of zone size", "assumed", ge=0)


_CATALOGUE = "[V] 2018 catalogue (CALIBRATION.md, National scale)"


@dataclass
class NationalRegionConfig:
    """A synthetic China from the 2018 catalogue (used when ``region.kind = national``).

    Every count is multiplied by ``scale``; the national-type counts set the proportions of
    the national zones' types.
    """

    seed: int = param(0, "-", "-", ge=0, doc="the region's own seed: replicate seeds share one region")
    scale: float = param(
        1.0,
        "share of the catalogue's counts",
        "-",
        gt=0,
        le=1,
        doc="shrinks counties, zones and firms proportionally (tests, demos)",
    )
    counties: int = param(2851, "count", "[R] 2,851 county-level divisions (2018)", ge=1)
    zones_national: int = param(552, "zones", _CATALOGUE, ge=1)
    zones_provincial: int = param(1991, "zones", _CATALOGUE, ge=1)
    zones_etdz: int = param(219, "zones (type weight)", _CATALOGUE, ge=0)
    zones_hightech: int = param(156, "zones (type weight)", _CATALOGUE, ge=0)
    zones_customs: int = param(135, "zones (type weight)", _CATALOGUE, ge=0)
    zones_border: int = param(19, "zones (type weight)", _CATALOGUE, ge=0)
    zones_other: int = param(23, "zones (type weight)", _CATALOGUE, ge=0)
    enterprises: int = param(
        375000, "above-scale firms at start", "[R] ~373k-399k above-scale industrial firms (2017-20)", ge=1
    )
    in_zone_share: float = param(
        0.78, "share of firms", "assumed: Ningxia's 78% ([V] seed) applied nationally", ge=0, le=1
    )
    output_per_firm: float = param(31800.0, "万 yuan/year", "derived: Ningxia 3.65e7 万 yuan / 1,150 firms", gt=0)
    size_skew: float = param(1.2, "lognormal sigma of zone size", "assumed", ge=0)


@dataclass
class RegionConfig:
    """Which region is simulated and its aggregate economy."""

    kind: str = param(
        "ningxia", "-", "-", choices=("ningxia", "synthetic", "national"), doc="embedded data or a generator"
    )
    data_dir: str | None = param(None, "path", "-", doc="folder of region CSV files; None = the embedded Ningxia data")
    total_firms: int = param(
        1150,
        "above-scale industrial firms",
        "[D] CALIBRATION: ~1,150 (2015-17)",
        ge=1,
        doc="firms outside zones = total_firms - firms listed in zones.csv",
    )
    total_output: float = param(
        3.65e7,
        "万 yuan/year",
        "derived: industrial value added 1,096.30亿 yuan (2017, [V]) / value-added ratio 0.30 (assumed)",
        gt=0,
        doc="output in region.output_year (the start's is smaller by the spending paths' growth until then)",
    )
    output_year: int = param(
        2017,
        "year",
        "[V] the year of the output facts (total_output, output shares, output per mu)",
        ge=1900,
        le=2200,
        doc="the start's firm sizes are the output of this year deflated by the sectors' spending paths",
    )
    firm_size_sigma: float = param(1.2, "lognormal sigma", "assumed", ge=0, doc="dispersion of firm size in a zone")
    leading_sector_share: float = param(
        0.7, "share of firms", "assumed", ge=0, le=1, doc="share of a zone's firms in its leading sectors"
    )
    synthetic: SyntheticRegionConfig = field(default_factory=SyntheticRegionConfig)
    national: NationalRegionConfig = field(default_factory=NationalRegionConfig)


# --------------------------------------------------------------------------- enterprises
@dataclass
class FirmConfig:
    """Production and finance of enterprises (monthly, vectorised over all firms)."""

    productivity_persistence: float = param(
        0.85, "annual AR(1) coefficient of log productivity", "assumed", ge=0, le=0.999
    )
    productivity_sd: float = param(0.12, "annual s.d. of log-productivity shocks", "assumed", ge=0)
    productivity_age_drift: float = param(
        0.0,
        "log points/year of age",
        "off: no sourced strength retrieved (Brandt, Van Biesebroeck & Zhang 2012 [V]: incumbents' TFP grows "
        "2.85% a year while net entry gives over two thirds of industry TFP growth, so entrants gain on "
        "incumbents; ODD section 5 reports what 0.02 does)",
        ge=0,
        le=0.2,
        doc="vintage: a firm's log productivity reverts towards -drift x its age instead of 0, so firms fall "
        "behind the technology of entrants as they age (productivity relative to the rest of China's, "
        "whose prices are data); 0 = every firm reverts to the same mean whatever its age",
    )
    initial_productivity_sd: float = param(0.2, "s.d. of initial log productivity", "assumed", ge=0)
    fixed_cost_share: float = param(
        0.1262,
        "overhead per year, share of the firm's planned output at entry",
        "calibrated: zonesim-calibrate, 2026-12-03",
        ge=0,
        le=1,
        doc="costs that vary neither with output nor with capacity (administration, ...), fixed at entry",
    )
    depreciation_rate: float = param(
        0.096,
        "1/year",
        "[V] Zhang Jun et al. 2004 / Zhang 2008 (default of CHNCapitalStock::CompK_ZJ); 5-11% in the literature [R]",
        ge=0,
        le=1,
    )
    build_months: float = param(
        18.0,
        "months (mean) for new capacity to be installed",
        "[V] time to build 3-5 quarters (OECD estimates), Chinese power units 22-36 months; assumed in between",
        gt=0,
    )
    target_utilisation: float = param(
        0.85,
        "capacity utilisation firms plan for",
        "assumed (normal utilisation 80-85% [R])",
        gt=0,
        le=1,
    )
    investment_adjust_months: float = param(
        12.0,
        "months to close the gap between desired and installed capital",
        "assumed",
        gt=0,
    )
    plant_headroom: float = param(
        1.5,
        "installed capital a firm's land can hold / capital at entry",
        "assumed",
        ge=1,
        doc="beyond it an expansion needs new land: a new plant that goes through approval like a project",
    )
    expansion_min_share: float = param(
        0.2,
        "smallest expansion plant, share of the firm's capital",
        "assumed",
        gt=0,
        doc="a firm files a new plant when the capital its land cannot hold reaches this share",
    )
    max_leverage: float = param(
        1.5,
        "debt / (installed + building capital) above which banks lend no more for investment",
        "assumed",
        gt=0,
    )
    interest_rate: float = param(
        0.05, "1/year", "PBoC 1-year benchmark lending rate 4.35% (2015-10) plus spread: assumed", ge=0, le=0.5
    )
    repayment_share: float = param(
        0.3,
        "share of the surplus cash flow that repays debt above the target leverage",
        "assumed",
        ge=0,
        le=1,
    )
    target_leverage: float = param(
        0.8,
        "debt / (installed + building capital) firms keep: investment is loan-financed in this proportion",
        "assumed (above-scale industry's liabilities/assets about 56% in 2015-17 [R]; capital here is fixed "
        "capital only)",
        ge=0,
    )
    initial_leverage_mean: float = param(1.983, "debt/capital", "calibrated: zonesim-calibrate, 2026-12-03", ge=0, le=3)
    initial_leverage_sd: float = param(0.3, "debt/capital", "assumed", ge=0)
    insolvency_leverage: float = param(
        2.5,
        "debt / fixed capital",
        "derived: liabilities exceed total assets, fixed assets being about 40% of the total assets of "
        "above-scale industrial firms [R]",
        gt=0,
    )
    base_exit_rate: float = param(0.03, "1/year", "assumed", ge=0, le=1, doc="exit hazard of solvent firms")
    insolvent_exit_rate: float = param(
        0.6, "1/year", "assumed", ge=0, le=12, doc="exit hazard of a failing (insolvent or zombie), unprotected firm"
    )
    agglomeration_elasticity: float = param(
        0.03, "elasticity of output to same-sector firms in zone", "assumed", ge=0, le=1
    )
    initial_age_mean: float = param(11.0, "years", "assumed", ge=0)
    construction_months: float = param(12.0, "months from permit to production of a new project", "assumed", ge=0)
    entrant_leverage: float = param(0.5, "debt/capital", "assumed", ge=0, le=3)


@dataclass
class TaxConfig:
    """Taxes on industrial firms (sim.model.tax): VAT on value added with its surcharges, the
    resource tax on sales where a sector pays it (``sectors.csv``), corporate income tax on
    profit with losses carried forward.  National tax law: the same in every scenario.  Zones'
    tax statistics count the taxes local governments keep (the local shares below; surcharges
    and resource tax are wholly local)."""

    vat_rate: float = param(
        0.17,
        "share of value added",
        "[V] general VAT rate before 2018-05 (增值税暂行条例)",
        ge=0,
        le=1,
    )
    vat_cut_months: list[str] = param(
        ["2018-05", "2019-04"],
        "YYYY-MM",
        "[V] 财税〔2018〕32号 (17% -> 16% from 2018-05-01); 财政部 税务总局 海关总署公告2019年第39号 "
        "(16% -> 13% from 2019-04-01)",
        doc="months from which the general VAT rate changes (to the rate at the same place of vat_cut_rates)",
    )
    vat_cut_rates: list[float] = param(
        [0.16, 0.13],
        "share of value added",
        "as vat_cut_months",
        doc="the general VAT rate from each month of vat_cut_months on",
    )
    vat_surcharge: float = param(
        0.12,
        "share of the VAT paid",
        "[R] urban maintenance and construction tax 7% (in cities) + education surcharge 3% + local education "
        "surcharge 2% of the VAT paid",
        ge=0,
        le=1,
    )
    income_tax_rate: float = param(
        0.15,
        "share of taxable profit",
        "[R] 15% for encouraged industries in the western region (西部大开发, 财税〔2011〕58号) and for high-tech "
        "enterprises, 25% otherwise (企业所得税法); assumed: every firm at 15%",
        ge=0,
        le=1,
    )
    local_share_vat: float = param(
        0.25,
        "share of the VAT the region and county keep (before local_share_vat_from)",
        "[R] domestic VAT split 75:25 between the centre and local governments before 2016-05",
        ge=0,
        le=1,
    )
    local_share_vat_from: str = param(
        "2016-05",
        "YYYY-MM",
        "[R] 国发〔2016〕26号 (营改增 completed: the VAT split becomes 50:50 from 2016-05-01)",
        doc="month from which local governments keep local_share_vat_after of the VAT",
    )
    local_share_vat_after: float = param(
        0.5,
        "share of the VAT the region and county keep",
        "[R] 国发〔2016〕26号",
        ge=0,
        le=1,
    )
    local_share_income_tax: float = param(
        0.4,
        "share of the corporate income tax the region and county keep",
        "[R] income-tax sharing reform (国发〔2001〕37号): 60:40 between the centre and local governments from 2003",
        ge=0,
        le=1,
    )
    loss_carry_years: int = param(
        5,
        "years",
        "[R] 企业所得税法 art. 18: a year's loss offsets the profits of the next 5 years",
        ge=0,
        le=5,
    )


@dataclass
class ZombieConfig:
    """Zombie-firm definition (McGowan, Andrews & Millot 2017, OECD): age >= 10 and interest
    coverage (EBIT / interest) < 1 in each of the last 3 years."""

    definition: str = param(
        "oecd",
        "-",
        "[V] McGowan-Andrews-Millot 2017 (OECD); China 2016 official: 3 loss years",
        choices=("oecd", "china2016"),
    )
    min_age_years: float = param(10.0, "years", "[V] OECD definition", ge=0)
    icr_threshold: float = param(1.0, "EBIT/interest", "[V] OECD definition", ge=0)
    consecutive_years: int = param(3, "years", "[V] OECD definition; China 2016: 3 loss years", ge=1)


@dataclass
class ProtectionConfig:
    """Soft budget constraint: the county and its banks keep failing firms alive (jobs, tax)."""

    base: float = param(
        0.8129,
        "probability an insolvent firm is propped up per exit draw",
        "calibrated: zonesim-calibrate, 2026-12-03",
        ge=0,
        le=1,
    )
    size_weight: float = param(
        0.35, "extra protection per unit of the firm's share of county output", "assumed", ge=0, le=1
    )
    max: float = param(0.95, "probability", "assumed", ge=0, le=1)


# --------------------------------------------------------------------------- investment
@dataclass
class InvestmentConfig:
    """Arrival of investment projects and their choice of location (random utility, logit)."""

    arrival_scale: float = param(
        0.8941,
        "multiplier of sector arrival rates",
        "calibrated: zonesim-calibrate, 2026-12-03",
        ge=0,
    )
    project_size_sigma: float = param(1.0, "lognormal sigma of project size", "assumed", ge=0)
    project_quality_sd: float = param(0.2, "s.d. of project log productivity", "assumed", ge=0)
    beta_agglomeration: float = param(0.6, "utility per log(1+same-sector firms)", "assumed")
    beta_latency: float = param(-0.8, "utility per 100 expected approval days", "assumed")
    beta_subsidy: float = param(2.0, "utility per unit land-subsidy rate", "assumed")
    beta_rank: float = param(0.3, "utility per rank step (deputy=0, division=1, bureau=2)", "assumed")
    beta_leading: float = param(0.8, "utility if the sector is a leading sector of the zone", "assumed")
    beta_national: float = param(0.3, "utility of a national-level zone", "assumed")
    outside_utility: float = param(
        1.409,
        "utility of locating outside zones, per county",
        "assumed: 4.5 - ln 22 (Ningxia's 22 counties), the value of the one outside option set so that about "
        "3/4 of new projects locate in zones, as 78% of firms do ([V] seed)",
        doc="the outside option stands for the sites outside zones in every county: its utility is this plus "
        "ln(number of counties), McFadden's (1978) size term, so that a replicated region keeps its in-zone share",
    )
    pipeline_months: float = param(
        23.0,
        "months of arrivals before the start already under construction",
        "derived: pre-reform approval 237 working days ([V]) = 11 months + construction_months (12, assumed)",
        ge=0,
    )
    prior_latency_days: float = param(346.0, "calendar days", "derived: 237 working days ([V]) x 1.46", gt=0)
    latency_memory: float = param(0.8, "weight of past expected latency per year", "assumed", ge=0, le=1)
    base_subsidy: float = param(0.1, "share of land price", "assumed", ge=0, le=1)
    competition_scope: str = param(
        "adjacent_cities",
        "which zones compete with a zone for projects",
        "assumed, after the spatial-interaction studies of local competition for investment, which find it "
        "between neighbouring jurisdictions (contiguity weights); 'region' counts every zone of the region",
        choices=("region", "city", "adjacent_cities"),
        doc="region: every active zone; city: the zones of its own prefecture-level city (地级市; a province in "
        "the national region); adjacent_cities: those of its own city and of the cities adjacent to it",
    )
    subsidy_per_competitor: float = param(
        0.05, "extra subsidy per competing zone with the same leading sector", "assumed", ge=0, le=1
    )
    max_subsidy: float = param(0.6, "share of land price", "assumed", ge=0, le=1)
    land_price: float = param(15.0, "万 yuan/mu", "assumed", ge=0)
    base_entry_bar: float = param(
        -0.15, "minimum log productivity a zone admits", "assumed", doc="screening of projects by zones"
    )
    bar_cut_per_competitor: float = param(
        0.04,
        "fall of the entry bar per competing zone",
        "assumed",
        ge=0,
        doc="homogeneous competition lowers the bar",
    )
    entry_price_elasticity: float = param(
        1.0,
        "elasticity of a sector's project arrivals to its price index (relative to the rest of China)",
        "assumed: entrants go where prices, and so margins, are high",
        ge=0,
    )
    entry_max_multiplier: float = param(
        3.0,
        "cap on the arrivals multiplier (P/P*)^elasticity",
        "assumed",
        ge=1,
    )


# --------------------------------------------------------------------------- markets and credit
@dataclass
class MarketConfig:
    """Product markets: CES demand over firms' varieties inside an Armington split (sim.model.market).

    Elasticities, export and home shares and spending paths are data (``sectors.csv``,
    ``spending.csv``); this holds the choices that are not per sector.
    """

    demand: str = param(
        "ces",
        "-",
        "-",
        choices=("ces", "elastic"),
        doc="ces: the sector price index and spending respond to Ningxia's supply; elastic: each firm's "
        "demand curve is fixed (perfectly elastic demand for the region's sector; for tests)",
    )
    rest_of_china_price: float = param(
        1.0,
        "price index of the rest of China's varieties / Ningxia's at the first simulated month",
        "assumed: the same in every scenario",
        gt=0,
        doc="the level of P*; it then moves with each sector's national producer prices (price_growth in "
        "spending.csv), the same in every scenario",
    )


@dataclass
class LabourConfig:
    """Labour markets, one per sector in the region, each with a wage (sim.model.labour).

    Labour is a share of variable costs; firms kept alive by loans hoard workers they no longer
    need (Caballero, Hoshi & Kashyap 2008: zombies that do not shed workers), holding up their
    sector's wage and so the costs of the healthy firms competing with them for workers.
    """

    market: str = param(
        "sector",
        "-",
        "-",
        choices=("sector", "fixed"),
        doc="sector: each sector's wage moves with its labour market's tightness; fixed: every wage stays at the "
        "start's (perfectly elastic labour supply; for tests)",
    )
    labour_share: float = param(
        0.15,
        "share of variable costs at the start's wage",
        "assumed (wages 10-20% of industrial firms' operating costs [R])",
        ge=0,
        le=1,
    )
    annual_wage: float = param(
        6.0,
        "万 yuan per worker a year at the start",
        "[R] industrial wage about 6万 yuan a year (2017)",
        gt=0,
        doc="turns the wage bill into workers (employment in the firm panel)",
    )
    supply_elasticity: float = param(
        1.0,
        "elasticity of a sector's labour supply to its wage",
        "assumed (local labour supply elasticities of about 1-4 in US local labour markets, Moretti 2011 [R]; "
        "lower for one sector's workers in the short run)",
        gt=0,
    )
    wage_adjust_months: float = param(
        12.0,
        "months for a wage to close its log gap to the market-clearing wage",
        "assumed (wages reset about once a year)",
        ge=1,
    )
    hoarding_release: float = param(
        0.2,
        "1/year: rate at which a firm kept alive by loans lets its surplus workers go (1 - e^-rate of the "
        "surplus within a year)",
        "assumed (zombies do not shed workers, Caballero-Hoshi-Kashyap 2008 [V]; worker resettlement was the "
        "main obstacle to closing zombies in China, 国发〔2016〕6号/7号 [R])",
        ge=0,
        le=12,
    )


@dataclass
class CreditConfig:
    """A finite supply of bank credit to the region's industry (the pool evergreen lending draws on).

    Every firm's debt is a loan from the pool; new loans (cash deficits rolled over first — banks
    avoid recognising losses, Caballero, Hoshi & Kashyap 2008 — then new projects, then
    investment) are granted only while the pool has room; an exit writes the debt off, freeing
    the loan and destroying the lost part of the lending capacity.
    """

    scope: str = param(
        "region",
        "-",
        "-",
        choices=("region", "county", "sector"),
        doc="one pool for the region, one per county, or one per sector (banks' industry credit quotas)",
    )
    headroom: float = param(
        0.02,
        "lending capacity above the loans outstanding at the start, share",
        "assumed",
        ge=0,
    )
    growth: float = param(
        0.06,
        "1/year growth of lending capacity",
        "[V] RMB loans +12.7% (2017), +13.2% (2018), +7.7% (2024); loans to firms about 3 points below the "
        "total [V]; loans to industry slower in the deleveraging of 2015-17 [R]: assumed 6% (range 3-10%)",
        ge=-0.5,
        le=0.5,
    )
    recovery_rate: float = param(
        0.37,
        "share of an exiting firm's capital that repays its debt",
        "[R] World Bank Doing Business: China recovery rate 36.9 cents per dollar",
        ge=0,
        le=1,
    )
    loss_absorption: float = param(
        1.0,
        "share of a written-off loss that lowers lending capacity",
        "assumed: a loss is lost funds",
        ge=0,
        le=1,
    )


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
        0.373,
        "multiplier of the transit days of every office level",
        "calibrated: zonesim-calibrate, 2026-12-03",
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
        0.396,
        "multiplier of catalogue office effort",
        "calibrated: zonesim-calibrate, 2026-12-03",
        gt=0,
    )
    prep_scale: float = param(
        0.1665,
        "multiplier of catalogue preparation times",
        "calibrated: zonesim-calibrate, 2026-12-03",
        gt=0,
        doc="of the items whose preparation is assumed (catalogue column scaled); a documented one is kept",
    )
    review_scale: float = param(
        0.3435,
        "multiplier of catalogue review lags",
        "calibrated: zonesim-calibrate, 2026-12-03",
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


# --------------------------------------------------------------------------- policies
@dataclass
class ConsolidationConfig:
    """Consolidation (整合优化): one management body per county, at most N blocks per zone,
    small zones with potential merged into a larger neighbour, small zones with inverted
    input-output abolished, misnamed zones renamed (宁党办〔2018〕82号)."""

    enabled: bool = param(False, "-", "-")
    date: str = param("2018-09", "YYYY-MM", "[V] 宁党办〔2018〕82号, September 2018")
    max_blocks: int = param(3, "blocks per zone", "[V] seed: 每个开发区不超过3个区块", ge=1)
    lookback_months: int = param(36, "months of track record the rules look at", "assumed", ge=1)
    abolish_max_firms: int = param(5, "firms", "assumed: 'few firms' (入园企业少)", ge=0)
    inversion_ratio: float = param(
        0.35, "zone output per mu / regional zone median", "assumed: 'input-output severely inverted'", ge=0
    )
    small_zone_share: float = param(
        0.05,
        "zone planned land / largest zone's planned land in its city",
        "assumed",
        ge=0,
        le=1,
        doc="below this a region-level zone merges into an adjacent national zone",
    )
    exempt_types: list[str] = param(
        ["bonded"],
        "zone types",
        "assumed: customs-supervised zones keep their own body",
    )
    bureau_min_output_share: float = param(
        0.03,
        "share of regional output",
        "assumed",
        ge=0,
        le=1,
        doc="a national zone keeps bureau rank only above this share (rank correction)",
    )
    division_min_output_share: float = param(
        0.005,
        "share of regional output",
        "assumed",
        ge=0,
        le=1,
        doc="a region-level zone gets division rank above this share, else deputy-division",
    )
    staff_retention: float = param(
        1.0, "share of merged bodies' approval staff pooled into the host", "assumed", ge=0, le=1
    )
    unbuilt_reserve_share: float = param(
        0.5,
        "share of a surviving block's unsupplied land kept as planned reserve",
        "assumed",
        ge=0,
        le=1,
        doc="the cut of unbuilt area (核减) at the reform date leaves supplied land and this share of the "
        "unsupplied land approved; the rest leaves the approved area (1 = no cut)",
    )


@dataclass
class DevolutionConfig:
    """Devolution (放管服): powers moved to zones, service mode, agent service, regional assessment."""

    enabled: bool = param(False, "-", "-")
    start: str = param("2019-01", "YYYY-MM", "assumed: 赋权指导目录 in force from 2019")
    powers: int = param(37, "powers devolved", "[V] seed: 37 economic management powers", ge=0, le=37)
    service_mode: str = param(
        "zone_office",
        "-",
        "[V] seed: in-zone office or county-dispatched office",
        choices=("zone_office", "county_dispatched"),
    )
    dispatched_staff: int = param(4, "staff a county dispatches to its zone", "assumed", ge=1)
    no_meeting: bool = param(True, "-", "[V] seed: 不见面 approval")
    no_meeting_transit_cut: float = param(0.8, "share of transit time removed", "assumed", ge=0, le=1)
    one_stop_agent: bool = param(True, "-", "[V] seed: 一站式代办")
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
    regional_assessment_items: int = param(9, "items (区域评)", "[V] seed: 9 items", ge=0, le=9)
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


@dataclass
class ApprovalProcessConfig:
    """The approval-process reform (工程建设项目审批制度改革, 国办发〔2019〕11号): levers that edit the
    approval graph (parallel stages, combined drawing review, joint acceptance, commitment-based
    approval) and the process's rules (acceptance with missing documents, statutory limits).
    Strengths from national documents, the national pilots and other provinces only; the range in
    each doc is the parameter's sensitivity range across sources."""

    enabled: bool = param(False, "-", "-")
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
        "processing time -40 to -60%): zonesim-calibrate-process, 2026-12-03; at its upper bound (cut 41.6%)",
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


@dataclass
class AssessmentConfig:
    """Assessment and ranking, 亩产论英雄 ("output per mu decides"): yearly composite score,
    ranking within classes, yellow card, downgrade, abolition, upgrade; ``rule`` picks the
    seed's classes and downgrade trigger or MOFCOM's (ranking of national ETDZs by region)."""

    enabled: bool = param(False, "-", "-")
    start: str = param("2019-01", "YYYY-MM", "assumed: first assessed year 2019")
    weights: dict[str, float] = param(
        {"output_per_mu": 0.4, "tax_per_mu": 0.3, "output_growth": 0.2, "non_zombie_share": 0.1},
        "weights of normalised indicators",
        "assumed after Zhejiang 亩均论英雄 formulas ([V])",
    )
    bottom_k: int = param(1, "zones per class", "[V] seed: the bottom of the year", ge=1)
    years_to_downgrade: int = param(2, "consecutive bottom years (K1)", "[V] seed", ge=1)
    years_to_abolish: int = param(3, "consecutive bottom years (K2)", "[V] seed", ge=1)
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


@dataclass
class ZombieDisposalConfig:
    """Zombie disposal (处置僵尸企业) as the campaign it was: a list fixed at the start by the
    official definition, each listed firm taken down one path in its documented time."""

    enabled: bool = param(False, "-", "-")
    start: str = param(
        "2018-01",
        "YYYY-MM",
        "[V] seed: zombies eliminated during the reform",
        doc="the list of targeted firms is drawn up this month",
    )
    end: str = param(
        "2020-12",
        "YYYY-MM",
        "[V] NDRC and 10 departments, 2018-12: zombie and capacity-cut debt disposal to be completed by end-2020",
        doc="last month of the campaign: cases not closed by then close this month",
    )
    merger_share: float = param(
        0.3,
        "share of listed firms",
        "assumed (paths [V]: 兼并重组, 破产清算, debt restructuring; no split published)",
        ge=0,
        le=1,
        doc="taken over by a healthy firm of their sector (兼并重组)",
    )
    restructuring_share: float = param(
        0.3,
        "share of listed firms",
        "assumed (as merger_share)",
        ge=0,
        le=1,
        doc="debt restructured or swapped for equity (债转股, 国发〔2016〕54号); the rest are liquidated (破产清算)",
    )
    liquidation_months: int = param(
        20,
        "months from listing to closure",
        "[R] World Bank Doing Business 2019, China: resolving insolvency takes 1.7 years",
        ge=0,
    )
    merger_months: int = param(12, "months from listing to the takeover", "assumed", ge=0)
    restructuring_months: int = param(
        9,
        "months from listing to the plan in force",
        "[V] Enterprise Bankruptcy Law 2006, art. 79: a reorganisation plan within 6 months, extendable by 3",
        ge=0,
    )
    restructuring_haircut: float = param(
        0.5,
        "share of the debt written down or swapped for equity",
        "assumed",
        ge=0,
        le=1,
    )
    relet_months: int = param(
        12,
        "months before a liquidated firm's land can be let again",
        "assumed (re-tendering: 招拍挂)",
        ge=0,
    )
    capacity_cut_months: int = param(
        12,
        "months from listing to closure",
        "assumed (cuts were set as yearly targets in target-responsibility letters, 国发〔2016〕6号 and 7号 [R])",
        ge=0,
        doc="in a sector under capacity cuts (sectors.csv capacity_cut) a listed firm that is not restructured, and "
        "is not taken over, has its capacity closed (去产能) instead of being liquidated",
    )


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


@dataclass
class PolicyConfig:
    consolidation: ConsolidationConfig = field(default_factory=ConsolidationConfig)
    devolution: DevolutionConfig = field(default_factory=DevolutionConfig)
    approval_process: ApprovalProcessConfig = field(default_factory=ApprovalProcessConfig)
    assessment: AssessmentConfig = field(default_factory=AssessmentConfig)
    zombie_disposal: ZombieDisposalConfig = field(default_factory=ZombieDisposalConfig)


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
    seed: int = param(0, "-", "-", ge=0)
    time: TimeConfig = field(default_factory=TimeConfig)
    region: RegionConfig = field(default_factory=RegionConfig)
    firms: FirmConfig = field(default_factory=FirmConfig)
    zombie: ZombieConfig = field(default_factory=ZombieConfig)
    protection: ProtectionConfig = field(default_factory=ProtectionConfig)
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


__all__ = ["ModelConfig", "param", "register_configs", "RANKS", "MISSING"]
