"""Configuration sections of the simulated calendar and the region (synthetic or national)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.params import param


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
