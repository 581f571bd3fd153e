"""Size limits of a run, checked before anything is allocated.

Two kinds of check, each ending in one :class:`~sim.config.validate.ConfigError` line that names
the key (or data file) and what is admissible:

* hard bounds (:data:`BOUNDS`): sizes no real region has, refused whatever the machine (a
  thousand times Ningxia's firms is China's economy; an approval office of a hundred thousand
  staff is none of China's).  :func:`check_bounds` reads the configuration alone, so it runs
  before a region is generated (a generator asked for 300 million counties would otherwise loop
  for hours);
* a memory estimate (:func:`estimate`): the bytes a run takes at its peak, from its firms, the
  projects expected over the horizon, its zones, land blocks and approval staff, and its months,
  compared with the memory this machine has available (:func:`check_memory`), and for a sweep
  with the number of runs at once.

The estimate is a linear model, its coefficients (bytes per firm, per project, ...) measured on
this model's peak resident memory (``/usr/bin/time``, 2026-12-05; national ×1 2015–2035: 3.1 GiB
measured, 3.0 GiB estimated; national ×0.1: 633 MiB and 628 MiB): within a factor of two, enough
to tell a run that fits from one that needs ten times the machine.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from sim.config.validate import ConfigError, parse_month

GiB = 1024**3
MiB = 1024**2

# bytes (measured peak RSS, see the module docstring)
BASE_BYTES = 350 * MiB  # interpreter, numpy, pandas, Mesa, the compiled kernels
FIRM_BYTES = 1200  # a firm at the start: its rows in the firm table (room for twice the firms), outputs
FIRM_YEAR_BYTES = 80  # a firm and simulated year: yearly records, exits, entrants' rows
PANEL_YEAR_BYTES = 100  # a firm and year of each of the firm panel and the land table (output.*)
PROJECT_BYTES = 2700  # a project expected over the run: its draws, approval case (the storage of open
# cases grows fourfold when full, its unused room untouched), its firm's expansions; 1000 until
# 2026-12-02, raised with the measured national peak (1.5 -> 3.1 GiB) once the approval pipeline
# and firms' plants grew
STAFF_BYTES = 16  # an approval staff member: a free time in the office pool, sorted when staffed
BLOCK_BYTES = 150  # a land block: its land, owner and the zone lists that hold it
PLACE_BYTES = 4096  # a county or zone: generator rows, tables, agents
ZONE_YEAR_BYTES = 1024  # a zone and year: the yearly zone records
FLOOR_BYTES = 1 * GiB  # estimates below this are never refused (any machine that runs Python has it)


@dataclass(frozen=True)
class Bound:
    """The largest admissible value of a size, and why."""

    high: float
    why: str


_FIRMS = Bound(10_000_000, "more than 25 times China's above-scale industrial firms (~375,000)")
_STAFF = Bound(100_000, "more approval staff than any office has")
#: hard bounds on configuration keys (dotted; a rank table's entries by ``key.*``)
BOUNDS: dict[str, Bound] = {
    "region.total_firms": _FIRMS,
    "region.synthetic.enterprises": _FIRMS,
    "region.national.enterprises": _FIRMS,
    "region.synthetic.cities": Bound(100_000, "more cities than the generator can lay out"),
    "region.synthetic.counties_per_city": Bound(1_000, "more counties per city than any city has"),
    "region.synthetic.zones_per_county": Bound(100, "more zones per county than any county has"),
    "region.national.counties": Bound(100_000, "35 times China's county-level divisions (2,851)"),
    "region.national.zones_national": Bound(100_000, "more zones than the generator can lay out"),
    "region.national.zones_provincial": Bound(100_000, "more zones than the generator can lay out"),
    "investment.arrival_scale": Bound(1_000, "a thousand times the sectors' arrival rates"),
    "investment.pipeline_months": Bound(1_200, "a century of arrivals under construction at the start"),
    "approval.region_staff_per_100_firms": Bound(100, "more than one approval staff member per firm"),
    "approval.city_staff_per_100_firms": Bound(100, "more than one approval staff member per firm"),
    "approval.county_staff_per_100_firms": Bound(100, "more than one approval staff member per firm"),
    "approval.min_office_staff": _STAFF,
    "bodies.approval_staff.*": _STAFF,
    "policy.devolution.dispatched_staff": _STAFF,
    "policy.assessment.yellow_card_extra_staff": _STAFF,
}
#: most counties and zones a region may have (generated or read)
MAX_COUNTIES = 100_000
MAX_ZONES = 100_000


def _get(params, key: str):
    obj = params
    for part in key.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _values(params, key: str) -> list[tuple[str, float]]:
    """``(dotted key, value)`` of ``key``, or of every entry of a table for ``table.*``."""
    if key.endswith(".*"):
        table = _get(params, key[:-2])
        return [(f"{key[:-2]}.{k}", v) for k, v in table.items()]
    return [(key, _get(params, key))]


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.3g}"


def _bytes(n: float) -> str:
    if n >= GiB:
        return f"~{n / GiB:,.0f} GiB" if n >= 10 * GiB else f"~{n / GiB:.1f} GiB"
    return f"~{n / MiB:,.0f} MiB"


def _scaled(count: float, scale: float) -> int:
    """A national-catalogue count shrunk by ``region.national.scale`` (as the generator does)."""
    return max(1, round(count * scale))


# --------------------------------------------------------------------------- sizes
@dataclass
class Sizes:
    """What a run's memory grows with (counts at the start; ``projects``: expected over the run)."""

    firms: float
    counties: float
    cities: float
    zones: float
    blocks: float
    months: float
    projects: float
    staff: float
    staff_key: str  # the key whose staff dominate
    firms_key: str
    places_key: str  # what sets the counties and zones
    projects_why: str

    @property
    def years(self) -> float:
        return self.months / 12.0


def months(params) -> int:
    """Simulated months, the spin-up included (``time.start`` .. ``time.end``)."""
    y0, m0 = parse_month(params.time.start, "time.start")
    y1, m1 = parse_month(params.time.end, "time.end")
    return (y1 - y0) * 12 + (m1 - m0) + 1 + 12 * int(params.time.spinup_years)


def planned_sizes(params) -> tuple[float, float, float, str, str]:
    """(firms, counties, zones, firms key, places key) the configuration asks for before any data is
    read: the generators' sizes (zones: expected); the embedded or user data's are its tables'."""
    r = params.region
    if r.kind == "synthetic":
        s = r.synthetic
        counties = s.cities * s.counties_per_city
        return (
            s.enterprises,
            counties,
            counties * s.zones_per_county,
            "region.synthetic.enterprises",
            "region.synthetic.cities x counties_per_city (x zones_per_county)",
        )
    if r.kind == "national":
        n = r.national
        zones = _scaled(n.zones_national, n.scale) + _scaled(n.zones_provincial, n.scale)
        return (
            _scaled(n.enterprises, n.scale),
            _scaled(n.counties, n.scale),
            zones,
            "region.national.enterprises",
            "region.national.counties, zones_national + zones_provincial (x scale)",
        )
    return r.total_firms, 0, 0, "region.total_firms", f"the data of {r.data_dir or 'the embedded Ningxia folder'}"


def sizes(params, region) -> Sizes:
    """The sizes of a run of ``params`` on ``region`` (a :class:`~sim.data.RegionData`)."""
    firms, _, _, firms_key, places_key = planned_sizes(params)
    firms = float(region.total_firms if region.total_firms is not None else firms)
    z, c = region.zones, region.counties
    n_months = months(params)
    inv, ap = params.investment, params.approval
    arrivals = float(region.sectors["arrivals_per_1000_firms"].astype(float).sum())
    # projects created (a month draws entry_max_multiplier times as many candidates, most not arriving)
    per_year = (arrivals * inv.arrival_scale + ap.government_projects_per_1000_firms) * firms / 1000.0
    projects = per_year * (n_months + inv.pipeline_months) / 12.0
    projects_why = (
        f"investment.arrival_scale = {_num(inv.arrival_scale)} x the sectors' "
        f"{_num(arrivals)} arrivals per 1,000 firms a year x {_num(firms)} firms x "
        f"{_num(n_months)} months"
    )
    # approval staff: zone bodies by rank, carded and dispatched extras, government offices by level
    ranks = z.groupby("body_id", sort=False)["rank"].first().value_counts()
    cities = float(c["city_id"].nunique())
    terms = {
        f"bodies.approval_staff.{rank}": params.bodies.approval_staff.get(rank, 0) * float(n)
        for rank, n in ranks.items()
    }
    terms["policy.assessment.yellow_card_extra_staff"] = params.policy.assessment.yellow_card_extra_staff * float(
        ranks.sum()
    )  # every body carded at once
    terms["policy.devolution.dispatched_staff"] = params.policy.devolution.dispatched_staff * float(len(c))
    for level in ("region", "city", "county"):
        terms[f"approval.{level}_staff_per_100_firms"] = getattr(ap, f"{level}_staff_per_100_firms") * firms / 100
    terms["approval.min_office_staff"] = ap.min_office_staff * (1 + cities + len(c))
    staff_key = max(terms, key=terms.get)
    return Sizes(
        firms=firms,
        counties=float(len(c)),
        cities=cities,
        zones=float(len(z)),
        blocks=float(z["blocks"].astype(float).sum()),
        months=float(n_months),
        projects=projects,
        staff=float(sum(terms.values())),
        staff_key=staff_key,
        firms_key=firms_key,
        places_key=places_key,
        projects_why=projects_why,
    )


def estimate(params, s: Sizes) -> dict[str, float]:
    """Peak bytes of a run by what they are for (keys: ``base``, ``firms``, ``projects``, ``staff``,
    ``blocks``, ``places``); their sum is the estimate."""
    out = params.output
    panel = PANEL_YEAR_BYTES * (bool(getattr(out, "firm_panel", True)) + bool(getattr(out, "land_yearly", True)))
    return {
        "base": float(BASE_BYTES),
        "firms": s.firms * (FIRM_BYTES + s.years * (FIRM_YEAR_BYTES + panel)),
        "projects": s.projects * PROJECT_BYTES,
        "staff": s.staff * STAFF_BYTES,
        "blocks": s.blocks * BLOCK_BYTES,
        "places": (s.counties + s.zones) * PLACE_BYTES + s.zones * s.years * ZONE_YEAR_BYTES,
    }


# --------------------------------------------------------------------------- the machine
def _meminfo(field: str) -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cgroup_room() -> float | None:
    """Memory this process's cgroup may still use (v2 or v1), None without a limit."""
    for limit, used in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            raw = Path(limit).read_text().strip()
        except OSError:
            continue
        if raw == "max" or not raw.isdigit() or int(raw) >= 1 << 60:
            return None
        try:
            return float(int(raw) - int(Path(used).read_text().strip()))
        except (OSError, ValueError):
            return float(raw)
    return None


def available_memory() -> float:
    """Bytes of memory this machine has available now (``MemAvailable``; less under a cgroup limit)."""
    avail = _meminfo("MemAvailable")
    if avail is None:
        try:
            avail = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            avail = math.inf
    room = _cgroup_room()
    return min(avail, room) if room is not None else avail


# --------------------------------------------------------------------------- checks
def _low(params, key: str) -> float:
    """The schema's lower bound of ``key`` (0 for a table's entry or an unbounded field)."""
    import dataclasses

    *path, name = key.split(".")
    obj = _get(params, ".".join(path)) if path else params
    if not dataclasses.is_dataclass(obj):
        return 0
    meta = next(f.metadata for f in dataclasses.fields(obj) if f.name == name)
    return meta.get("ge") if meta.get("ge") is not None else (meta.get("gt") or 0)


def _bound_error(params, key: str, value: float, bound: Bound) -> ConfigError:
    return ConfigError(
        f"{key} = {_num(value)} is out of range [{_num(_low(params, key))}, {_num(bound.high)}]: {bound.why}"
    )


def check_bounds(params) -> None:
    """Refuse sizes no real region has (:data:`BOUNDS`), and generators asked for more counties or
    zones than :data:`MAX_COUNTIES` / :data:`MAX_ZONES`, before any region is read or generated."""
    for pattern, bound in BOUNDS.items():
        for key, value in _values(params, pattern):
            if isinstance(value, (int, float)) and value > bound.high:
                raise _bound_error(params, key, value, bound)
    _, counties, zones, _, places_key = planned_sizes(params)
    if counties > MAX_COUNTIES:
        raise ConfigError(f"{places_key}: {_num(counties)} counties, more than {MAX_COUNTIES:,} (China has 2,851)")
    if zones > MAX_ZONES:
        raise ConfigError(f"{places_key}: {_num(zones)} zones, more than {MAX_ZONES:,} (China has 2,543)")


def check_memory(params, region, runs_at_once: int = 1, workers_key: str = "", available: float | None = None) -> float:
    """Refuse a run (``runs_at_once`` runs of it, for a sweep's parallel workers) whose estimated
    peak memory is more than this machine has available; return the estimate of one run (bytes)."""
    s = sizes(params, region)
    parts = estimate(params, s)
    need = sum(parts.values())
    total = need * max(runs_at_once, 1)
    if total <= FLOOR_BYTES:
        return need
    have = available_memory() if available is None else available
    if total <= have:
        return need
    what = max((k for k in parts if k != "base"), key=parts.get)
    cause = {
        "firms": f"{s.firms_key} = {_num(s.firms)} firms over {_num(s.months)} months",
        "projects": s.projects_why + f" (~{s.projects:,.3g} projects)",
        "staff": f"{s.staff_key} = {_num(_staff_value(params, s.staff_key))} ({_num(s.staff)} approval staff in all)",
        "blocks": f"{region.origin}/zones.csv column blocks sums to {_num(s.blocks)}",
        "places": f"{s.places_key}: {_num(s.counties)} counties and {_num(s.zones)} zones over {_num(s.months)} months",
    }[what]
    many = f" x {runs_at_once} runs at once ({workers_key}), {_bytes(total)} in all" if runs_at_once > 1 else ""
    raise ConfigError(
        f"{cause}: a run needs {_bytes(need)} of memory{many} ({what} {_bytes(parts[what])}); "
        f"this machine has {_bytes(have)} available"
    )


def _staff_value(params, key: str) -> float:
    try:
        return float(_get(params, key))
    except (AttributeError, KeyError, TypeError):
        return math.nan
