"""Configuration of the consolidation policy (整合优化)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.params import param


@dataclass
class ConsolidationConfig:
    """Consolidation (整合优化): one management body per county, at most N blocks per zone,
    small zones with potential merged into a larger neighbour, small zones with inverted
    input-output abolished, misnamed zones renamed (宁党办〔2018〕82号)."""

    enabled: bool = param(
        False,
        "-",
        "-",
        doc="consolidation (整合优化): small zones merged into a larger neighbour or abolished, one management "
        "body per county, a cap on blocks per zone (max_blocks), on the consolidation date",
    )
    date: str = param(
        "2018-09",
        "YYYY-MM",
        "[V] 宁党办〔2018〕82号, September 2018",
        doc="month the consolidation plan takes effect: mergers, abolitions and staff pooling happen then",
    )
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
