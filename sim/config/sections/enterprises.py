"""Configuration sections of enterprises: production and finance, tax, zombies, protection."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


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
        0.1234,
        "overhead per year, share of the firm's planned output at entry",
        "calibrated: zonesim-calibrate, 2026-12-05",
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
    initial_leverage_mean: float = param(1.982, "debt/capital", "calibrated: zonesim-calibrate, 2026-12-05", ge=0, le=3)
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
        0.7107,
        "probability an insolvent firm is propped up per exit draw",
        "calibrated: zonesim-calibrate, 2026-12-05",
        ge=0,
        le=1,
    )
    size_weight: float = param(
        0.35, "extra protection per unit of the firm's share of county output", "assumed", ge=0, le=1
    )
    max: float = param(0.95, "probability", "assumed", ge=0, le=1)
    state_owned_at_max: bool = param(
        True,
        "-",
        "[V] Kornai 1986 (the soft budget constraint of state firms); 人大国发院《中国僵尸企业研究报告》2016: the "
        "zombie share is highest among state and collective firms, far below it among private and foreign ones",
        doc="a failing state or collective firm is propped up at `max` whatever its size (its owner is the "
        "government); false: by its share of county output like a private firm",
    )


@dataclass
class OwnershipConfig:
    """Who owns a firm (sim.model.ownership): state or collective (公有) or private."""

    private_law_year: int = param(
        1988,
        "year",
        "[V] 私营企业暂行条例 (State Council, 1988): private firms with more than 7 employees allowed from 1988",
        ge=1949,
        le=2100,
        doc="an incumbent founded before this year (start year minus its age) is state or collectively owned",
    )
    state_share: float = param(
        0.0275,
        "share of firms",
        "[V] state or collective firms were 2.75% of the industrial census's (above-scale) firms in 2013 "
        "(人大国发院《中国僵尸企业研究报告》2016); used for firms founded since the law (an upper bound: the "
        "2013 stock includes the older state firms)",
        ge=0,
        le=1,
        doc="share of state or collective firms among those founded since `private_law_year` and among entrants",
    )
