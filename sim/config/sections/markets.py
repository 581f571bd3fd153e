"""Configuration sections of investment, the product market, labour and credit."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


# --------------------------------------------------------------------------- investment
@dataclass
class InvestmentConfig:
    """Arrival of investment projects and their choice of location (random utility, logit)."""

    arrival_scale: float = param(
        0.9722,
        "multiplier of sector arrival rates",
        "calibrated: zonesim-calibrate, 2026-12-05",
        ge=0,
    )
    project_size_sigma: float = param(1.0, "lognormal sigma of project size", "assumed", ge=0)
    project_quality_sd: float = param(0.2, "s.d. of project log productivity", "assumed", ge=0)
    designated_bases: bool = param(
        True,
        "-",
        "[V] the national layout plan for modern coal chemicals (现代煤化工产业创新发展布局方案, 2017; its number "
        "发改产业〔2017〕553号 [R]) places large coal-chemical projects in four demonstration bases, 宁东 among them; "
        "which zone is a base for which sector: zones.csv base_sectors",
        doc="a project large enough to need approval (核准: its sector's approved_share largest projects) in a "
        "sector with a designated base locates only in a base of its sector while one has room",
    )
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
