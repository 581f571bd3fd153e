"""National region generator: a synthetic China built from the structure of the 2018 catalogue.

The 2018 catalogue of development zones (中国开发区审核公告目录) lists 2,543 zones: 552 national
(219 ETDZ, 156 high-tech, 135 customs special supervision, 19 border cooperation, 23 other)
and 1,991 provincial [V].  This generator writes the same five tables as the embedded data
(and passes the same checks), with

* 31 provinces as the *city* level of :class:`~sim.data.region.RegionData` (``city_id`` =
  province; ``city_zh``/``city_en`` carry the province's names, as in Ningxia's counties.csv);
* counties per province in proportion to ``provinces.csv`` (at least one each), each province
  a chain of adjacent counties (no adjacency across provinces: assumed);
* national zones placed in provinces in proportion to their share of above-scale firms,
  provincial zones in proportion to their counties (both assumed), each in a random county
  of its province;
* in-zone firms split over provinces in proportion to ``firm_share`` and within a province
  over its zones by lognormal size weights; firms outside zones follow county fiscal revenue,
  which is set in proportion to the province's firms per county;
* every count multiplied by ``scale`` (0 < scale <= 1) for tests and demos.

Sectors and the approval-item catalogue are the embedded Ningxia ones.  Assumptions shared
with the synthetic generator (§7.14) are imported from it, not repeated.
"""

from __future__ import annotations

from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.schema import RANKS
from sim.data.region import DataError, RegionData
from sim.data.synthetic import LAND_IN_USE_SHARE, MIN_ZONE_LAND_MU, ZONE_OUTPUT_PER_MU
from sim.model.streams import Stream, stream

FISCAL_REVENUE_MEDIAN = 50000.0  # 万 yuan/year, median county fiscal revenue: assumed, as §7.14
FISCAL_REVENUE_SIGMA = 0.6  # lognormal sigma of county fiscal revenue: assumed, as §7.14
NATIONAL_SIZE_FACTOR = 3.0  # size weight of a national zone relative to a provincial one: assumed, as §7.14
OUTPUT_PER_MU_SIGMA = 0.3  # lognormal sigma of a zone's output per mu around 39.4 [V]: assumed, as §7.14
LEADING_SECTORS = 3  # leading sectors per zone: assumed, as §7.14 (Ningxia's zones list 3)
MAX_BLOCKS = 3  # blocks per zone drawn from 1..3: [V] seed, at most 3 blocks per zone
NAME_MISMATCH_SHARE = 0.2  # share of zones whose name does not match their industry: assumed, as §7.14

NATIONAL_TYPES = {  # config field -> zone type written to zones.csv
    "zones_etdz": "etdz",  # 国家级经济技术开发区
    "zones_hightech": "hightech",  # 国家级高新技术产业开发区
    "zones_customs": "bonded",  # 海关特殊监管区域 (exempt from consolidation, as Ningxia's bonded zone)
    "zones_border": "border",  # 边境/跨境经济合作区
    "zones_other": "national_other",  # 其他国家级开发区
}
PROVINCIAL_TYPE = "industrial"

PROVINCE_COLUMNS = ("province_id", "name_zh", "name_en", "counties", "macro_region", "firm_share", "source")
MACRO_REGIONS = ("east", "central", "west", "northeast")  # NBS four-region division; MOFCOM ranks ETDZs by region


# --------------------------------------------------------------------------- province table
def provinces_file() -> Path:
    """The embedded province table (31 provinces, with the source of every number)."""
    return Path(str(resources.files("sim.data") / "national" / "provinces.csv"))


def _province_number(df: pd.DataFrame, path: Path, col: str, integer: bool) -> None:
    """Coerce column ``col`` to numbers >= 0 (whole if ``integer``); raise naming file, row, column."""
    values = pd.to_numeric(df[col], errors="coerce")
    for i, (raw, v) in enumerate(zip(df[col], values)):
        where = f"{path} row {i + 2} (province_id={df['province_id'].iloc[i]})"
        if pd.isna(v) or not np.isfinite(v) or v < 0:
            raise DataError(f"{where}: column {col} = {raw!r} is not a finite number >= 0")
        if integer and (v != int(v) or v < 1):
            raise DataError(f"{where}: column {col} = {raw!r} is not a whole number >= 1")
    df[col] = values.astype(int) if integer else values.astype(float)


def load_provinces(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the province table: ids unique, counties whole >= 1, firm shares >= 0, sum > 0."""
    path = Path(path) if path else provinces_file()
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from exc
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in PROVINCE_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]}")
    if df.empty:
        raise DataError(f"{path}: no rows")
    dup = df["province_id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{path} row {i + 2}: duplicate province_id {df['province_id'].iloc[i]!r}")
    bad = ~df["macro_region"].isin(MACRO_REGIONS)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path} row {i + 2} (province_id={df['province_id'].iloc[i]}): unknown macro region "
            f"{df['macro_region'].iloc[i]!r} in column macro_region (one of {', '.join(MACRO_REGIONS)})"
        )
    _province_number(df, path, "counties", integer=True)
    _province_number(df, path, "firm_share", integer=False)
    if df["firm_share"].sum() <= 0:
        raise DataError(f"{path}: column firm_share sums to 0")
    return df


# --------------------------------------------------------------------------- counts
def apportion(total: int, weights) -> np.ndarray:
    """Split ``total`` whole units in proportion to ``weights`` (largest remainder, ties by order)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=int)
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(int)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def scaled(count: int, scale: float, minimum: int = 0) -> int:
    """A catalogue count shrunk by ``scale`` (rounded), at least ``minimum``."""
    return max(minimum, round(count * scale))


# --------------------------------------------------------------------------- tables
def _counties(cfg, provinces: pd.DataFrame, rng) -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    """Counties of every province (a chain each), with fiscal revenue following the province's firms."""
    n_by_prov = np.maximum(1, apportion(scaled(cfg.counties, cfg.scale, 1), provinces["counties"]))
    firms_per_county = provinces["firm_share"].to_numpy() / n_by_prov
    relative = firms_per_county / np.average(firms_per_county, weights=n_by_prov)
    counties, adjacency, by_prov = [], [], {}
    for prov, n, rel in zip(provinces.itertuples(index=False), n_by_prov, relative):
        ids = [f"{prov.province_id}_{k}" for k in range(int(n))]
        by_prov[prov.province_id] = ids
        for k, cid in enumerate(ids):
            counties.append(
                {
                    "county_id": cid,
                    "name_zh": f"{prov.name_zh}县{k}",
                    "name_en": f"{prov.name_en} county {k}",
                    "city_id": prov.province_id,
                    "city_zh": prov.name_zh,
                    "city_en": prov.name_en,
                    "fiscal_revenue": float(FISCAL_REVENUE_MEDIAN * rel * rng.lognormal(0.0, FISCAL_REVENUE_SIGMA)),
                    "source": "national generator: fiscal revenue assumed",
                }
            )
        adjacency += [
            {"county_a": a, "county_b": b, "source": "national generator: chain, assumed"} for a, b in pairwise(ids)
        ]
    return counties, adjacency, by_prov


def _zone_plan(cfg) -> list[tuple[str, str]]:
    """(level, type) of every zone: national zones split over types as the catalogue, then provincial."""
    n_national = scaled(cfg.zones_national, cfg.scale, 1)
    per_type = apportion(n_national, [getattr(cfg, f) for f in NATIONAL_TYPES])
    plan = [("national", t) for t, n in zip(NATIONAL_TYPES.values(), per_type) for _ in range(int(n))]
    return plan + [("region", PROVINCIAL_TYPE)] * scaled(cfg.zones_provincial, cfg.scale, 1)


def _zones(cfg, provinces: pd.DataFrame, by_prov: dict, sectors: pd.DataFrame, rng) -> list[dict]:
    """Zones by level and type, each in a random county of its province, with their attributes."""
    prov_ids = list(provinces["province_id"])
    macro = dict(zip(provinces["province_id"], provinces["macro_region"]))
    p_national = provinces["firm_share"].to_numpy() / provinces["firm_share"].sum()
    p_provincial = provinces["counties"].to_numpy() / provinces["counties"].sum()
    sec_names = list(sectors["sector"])
    p_sector = sectors["output_share"].to_numpy() / sectors["output_share"].sum()
    n_lead = min(LEADING_SECTORS, len(sec_names))
    rows = []
    for level, ztype in _zone_plan(cfg):
        national = level == "national"
        prov = prov_ids[rng.choice(len(prov_ids), p=p_national if national else p_provincial)]
        county = by_prov[prov][int(rng.integers(len(by_prov[prov])))]
        lead = rng.choice(len(sec_names), size=n_lead, replace=False, p=p_sector)
        i = len(rows)
        rows.append(
            {
                "zone_id": f"z{i}",
                "name_zh": f"开发区{i}",
                "name_en": f"Zone {i}",
                "county_id": county,
                "province_id": prov,
                "macro_region": macro[prov],
                "level": level,
                "type": ztype,
                "body_id": f"b{i}",
                "rank": RANKS[2] if national else RANKS[int(rng.integers(0, 2))],
                "blocks": int(rng.integers(1, MAX_BLOCKS + 1)),
                "output_per_mu": round(float(ZONE_OUTPUT_PER_MU * rng.lognormal(0.0, OUTPUT_PER_MU_SIGMA)), 2),
                "leading_sectors": ";".join(sec_names[j] for j in lead),
                "name_mismatch": int(rng.random() < NAME_MISMATCH_SHARE),
                "founded": "",
                "size_weight": float(rng.lognormal(0.0, cfg.size_skew) * (NATIONAL_SIZE_FACTOR if national else 1.0)),
                "source": "national generator",
            }
        )
    return rows


def _place_firms(cfg, provinces: pd.DataFrame, rows: list[dict], rng) -> int:
    """Split in-zone firms over provinces with zones (by firm share), then over their zones (by size)."""
    n_total = scaled(cfg.enterprises, cfg.scale, 1)
    zones = pd.DataFrame(rows)
    has_zone = provinces["province_id"].isin(zones["province_id"]).to_numpy()
    per_prov = apportion(round(n_total * cfg.in_zone_share), provinces["firm_share"].to_numpy() * has_zone)
    for prov, n in zip(provinces["province_id"], per_prov):
        ix = np.flatnonzero(zones["province_id"].to_numpy() == prov)
        if len(ix) == 0:
            continue
        w = zones["size_weight"].to_numpy()[ix]
        for i, k in zip(ix, rng.multinomial(int(n), w / w.sum())):
            rows[i]["firms"] = int(k)
    return n_total


def _size_land(rows: list[dict], n_total: int, total_output: float) -> None:
    """Output follows firms (assumed); planned land leaves the in-use share free (never over capacity)."""
    for r in rows:
        r["output_share"] = r["firms"] / n_total
        used = r["output_share"] * total_output / r["output_per_mu"]
        r["land_mu"] = float(max(used / LAND_IN_USE_SHARE, MIN_ZONE_LAND_MU))
        del r["size_weight"]


def make_national_region(
    cfg,
    seed: int,
    sectors: pd.DataFrame,
    items: pd.DataFrame,
    spending: pd.DataFrame,
    provinces: pd.DataFrame | None = None,
) -> RegionData:
    """Generate the national region from ``cfg`` (:class:`~sim.config.schema.NationalRegionConfig`).

    The result has ``total_firms`` and ``total_output`` set (firms and output of the whole
    country at the start, scaled).
    """
    provinces = load_provinces() if provinces is None else provinces
    rng = stream(seed, Stream.NATIONAL)
    counties, adjacency, by_prov = _counties(cfg, provinces, rng)
    rows = _zones(cfg, provinces, by_prov, sectors, rng)
    n_total = _place_firms(cfg, provinces, rows, rng)
    _size_land(rows, n_total, n_total * cfg.output_per_firm)
    region = RegionData.generated(counties, adjacency, rows, sectors, items, spending, "<national>")
    region.total_firms, region.total_output = n_total, n_total * cfg.output_per_firm
    return region


__all__ = ["apportion", "load_provinces", "make_national_region"]
