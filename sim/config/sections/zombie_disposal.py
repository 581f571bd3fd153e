"""Configuration of the zombie-disposal campaign (处置僵尸企业)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class ZombieDisposalConfig:
    """Zombie disposal (处置僵尸企业) as the campaign it was: a list fixed at the start by the
    official definition, each listed firm taken down one path in its documented time."""

    enabled: bool = param(
        False,
        "-",
        "-",
        doc="zombie-firm disposal (处置僵尸企业): a campaign lists the firms the official definition names "
        "zombies and liquidates, merges or restructures each of them",
    )
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
