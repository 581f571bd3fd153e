"""Synthetic region generator: counties, zones and firms as parameters, for tests and scale.

The generator writes the same five tables as the embedded data (and passes the same checks);
sectors and the approval-item catalogue are the embedded Ningxia ones.  Cities are chains of
counties (each county adjacent to the next, the first counties of consecutive cities adjacent);
zones per county are Poisson; zone sizes are lognormal; a zone's output per mu is lognormal
around the Ningxia zone average of 39.4 万 yuan/mu ([V], 2017).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.schema import RANKS
from sim.data.region import RegionData
from sim.model.streams import Stream, stream

ZONE_OUTPUT_PER_MU = 39.4  # 万 yuan/mu, Ningxia zones 2017 [V]
LAND_IN_USE_SHARE = 0.6  # share of a zone's planned land in use at the start: assumed (ODD §7.14)
MIN_ZONE_LAND_MU = 1000.0  # smallest planned zone area, mu: assumed (ODD §7.14)


def make_region(cfg, seed: int, sectors: pd.DataFrame, items: pd.DataFrame, spending: pd.DataFrame) -> RegionData:
    """Generate a region from ``cfg`` (:class:`~sim.config.schema.SyntheticRegionConfig`)."""
    rng = stream(seed, Stream.SYNTHETIC)
    counties, adjacency = [], []
    for c in range(cfg.cities):
        for k in range(cfg.counties_per_city):
            cid = f"c{c}_{k}"
            counties.append(
                {
                    "county_id": cid,
                    "name_zh": f"县{c}-{k}",
                    "name_en": f"County {c}-{k}",
                    "city_id": f"city{c}",
                    "fiscal_revenue": float(rng.lognormal(np.log(50000), 0.6)),
                    "source": "synthetic",
                }
            )
            if k > 0:
                adjacency.append({"county_a": f"c{c}_{k - 1}", "county_b": cid, "source": "synthetic"})
        if c > 0:
            adjacency.append({"county_a": f"c{c - 1}_0", "county_b": f"c{c}_0", "source": "synthetic"})

    n_zone = rng.poisson(cfg.zones_per_county, len(counties))
    if n_zone.sum() == 0:
        n_zone[0] = 1
    sec_names = list(sectors["sector"])
    rows = []
    weights = []
    for ci, county in enumerate(counties):
        for _ in range(int(n_zone[ci])):
            national = rng.random() < cfg.national_share
            weights.append(rng.lognormal(0.0, cfg.size_skew) * (3.0 if national else 1.0))
            opm = ZONE_OUTPUT_PER_MU * rng.lognormal(0.0, 0.3)
            lead = rng.choice(len(sec_names), size=min(3, len(sec_names)), replace=False)
            rows.append(
                {
                    "zone_id": f"z{len(rows)}",
                    "name_zh": f"开发区{len(rows)}",
                    "name_en": f"Zone {len(rows)}",
                    "county_id": county["county_id"],
                    "level": "national" if national else "region",
                    "type": "etdz" if national else "industrial",
                    "body_id": f"b{len(rows)}",
                    "rank": RANKS[2] if national else RANKS[int(rng.integers(0, 2))],
                    "blocks": int(rng.integers(1, 4)),
                    "output_per_mu": round(float(opm), 2),
                    "leading_sectors": ";".join(sec_names[i] for i in lead),
                    "name_mismatch": int(rng.random() < 0.2),
                    "founded": "",
                    "source": "synthetic",
                }
            )
    w = np.array(weights) / np.sum(weights)
    n_in = int(round(cfg.enterprises * cfg.in_zone_share))
    firms = rng.multinomial(n_in, w) if rows else np.zeros(0, int)
    total = cfg.enterprises * cfg.output_per_firm
    share_in = cfg.in_zone_share  # output share of zones follows their firm share (assumed)
    for r, n, wi in zip(rows, firms, w):
        r["firms"] = int(n)
        r["output_share"] = float(share_in * wi) if n > 0 else 0.0
        used = r["output_share"] * total / r["output_per_mu"]
        r["land_mu"] = float(max(used / LAND_IN_USE_SHARE, MIN_ZONE_LAND_MU))
    return RegionData.generated(counties, adjacency, rows, sectors, items, spending, "<synthetic>")
