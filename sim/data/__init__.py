"""Region data: the embedded Ningxia tables, a loader that validates them, synthetic and national generators."""

from __future__ import annotations

from sim.data.loader import load_catalogue, load_region
from sim.data.national import make_national_region
from sim.data.region import DataError, RegionData, check_totals
from sim.data.synthetic import make_region


def build_region(params) -> RegionData:
    """The region a run simulates, from the validated ``params.region`` (reads files: runner only).
    A generator asked for more counties, zones or firms than any region has is refused first
    (:func:`sim.config.limits.check_bounds`), before it loops over them."""
    from sim.config.limits import check_bounds

    check_bounds(params)
    r = params.region
    match r.kind:
        case "ningxia":
            region = load_region(r.data_dir)
            region.total_firms, region.total_output = r.total_firms, r.total_output
            check_totals(region)
        case "synthetic":
            sectors, items, spending = load_catalogue()
            s = r.synthetic
            region = make_region(s, s.seed, sectors, items, spending)
            region.total_firms, region.total_output = s.enterprises, s.enterprises * s.output_per_firm
        case "national":
            sectors, items, spending = load_catalogue()
            region = make_national_region(r.national, r.national.seed, sectors, items, spending)
        case other:
            raise DataError(f"region.kind = {other!r} is not known")
    return region


__all__ = [
    "build_region",
    "load_region",
    "load_catalogue",
    "make_region",
    "make_national_region",
    "RegionData",
    "DataError",
]
