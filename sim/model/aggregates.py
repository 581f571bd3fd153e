"""Vectorised aggregates of the firm table by zone and block (bincounts over all enterprises).

Land "in use" counts the land held by operating firms and by projects in approval or under
construction (reserved at location choice); output per mu uses operating firms' land only.
"""

from __future__ import annotations

import numpy as np

from sim.model.kernel_cache import kernel, njit
from sim.model.lifecycle import LAND_HOLDING, LifeCycle


class ZoneAggregates:
    """Mixin of :class:`~sim.model.model.ZoneReformModel`: sums of firm columns per zone/block."""

    def _zone_sum(self, values: np.ndarray | None, rows: np.ndarray | None) -> np.ndarray:
        """Per zone, the sum of ``values`` (a firm column; None counts firms) over ``rows`` (None: all)."""
        f = self.firms
        rows = np.arange(len(f)) if rows is None else rows
        return sum_by(f.zone, rows, len(self.zones), values)

    def _state_cache(self) -> dict:
        """The masks and rows of the current states (a new dict for each version of the firm table:
        :meth:`~sim.model.firms.FirmTable.set_state`, ``add`` and ``touch`` bump it)."""
        key = self.firms.version
        if self._state_masks_key != key:
            self._state_masks, self._state_masks_key = {}, key
        return self._state_masks

    _state_masks_key: int | None = None  # the firm table's version of the cached ``_state_masks``

    def _state_mask(self, name: str, states: tuple[int, ...]) -> np.ndarray:
        """Rows whose state is in ``states`` (contiguous codes), cached for the current
        the firm table's ``version``.  Shared: callers must not write into it."""
        cache = self._state_cache()
        mask = cache.get(name)
        if mask is None:
            state = self.firms.state
            lo, hi = min(states), max(states)
            mask = cache[name] = (state == lo) if lo == hi else (state >= lo) & (state <= hi)
        return mask

    def _operating(self) -> np.ndarray:
        return self._state_mask("operating", (LifeCycle.OPERATING,))

    def _rows(self, name: str, mask: np.ndarray) -> np.ndarray:
        cache = self._state_cache()
        rows = cache.get(name + "_rows")
        if rows is None:
            rows = cache[name + "_rows"] = np.flatnonzero(mask)
        return rows

    def _operating_rows(self) -> np.ndarray:
        """Rows of operating firms, ascending (cached like the masks; shared: do not write into it)."""
        return self._rows("operating", self._operating())

    def _holding_rows(self) -> np.ndarray:
        """Rows of firms holding land, ascending (cached like the masks; shared: do not write into it)."""
        return self._rows("holding", self._holding())

    def _holding(self) -> np.ndarray:
        return self._state_mask("holding", LAND_HOLDING)

    def zone_annual_output(self) -> np.ndarray:
        """Current output of each zone's operating firms, annualised (万 yuan/year)."""
        f = self.firms
        rows = self._operating_rows()
        zone = f.zone[rows]
        keep = zone >= 0
        return np.bincount(zone[keep], weights=f.output[rows][keep] * 12.0, minlength=len(self.zones))

    def zone_year_output(self) -> np.ndarray:
        return self._zone_sum(self.firms.output_year, None)

    def zone_year_tax(self) -> np.ndarray:
        """Taxes the zones' firms paid this year (all of them), 万 yuan."""
        return self._zone_sum(self.firms.tax_year, None)

    def zone_year_local_tax(self) -> np.ndarray:
        """Of which local governments keep (what zones' tax statistics count), 万 yuan."""
        return self._zone_sum(self.firms.local_tax_year, None)

    def zone_firm_counts(self) -> np.ndarray:
        return self._zone_sum(None, self._operating_rows())

    def zone_zombie_counts(self) -> np.ndarray:
        return self._zone_sum(self.firms.zombie, self._operating_rows())

    def zone_land_in_use(self) -> np.ndarray:
        """Land held in each zone (operating firms and projects in approval or construction), mu."""
        return self._zone_sum(self.firms.land, self._holding_rows())

    def zone_operating_land(self) -> np.ndarray:
        """Land of each zone's operating firms, mu (the denominator of output per mu)."""
        return self._zone_sum(self.firms.land, self._operating_rows())

    def zone_track_record(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Means over the look-back window: each zone's annualised output, operating land and firm
        count, and the region's annualised output (the current state if no month has run yet)."""
        history = self.zone_history or [
            (
                self.zone_annual_output(),
                self.zone_operating_land(),
                self.zone_firm_counts(),
                self.region_annual_output(),
            )
        ]
        out, land, firms, total = (np.mean([h[i] for h in history], axis=0) for i in range(4))
        return out, land, firms, float(total)

    def block_in_use(self) -> np.ndarray:
        f = self.firms
        return sum_by(f.block, self._holding_rows(), len(self.block_land), f.land)

    def block_free_land(self) -> np.ndarray:
        """Land of each block that a project can take: not held by a firm or project, nor held back
        after a liquidation until it is let again."""
        return np.where(self.block_active, self.block_land - self.block_in_use() - self.block_land_held, 0.0)

    def block_annual_output(self) -> np.ndarray:
        f = self.firms
        sel = self._operating() & (f.block >= 0)
        return np.bincount(f.block[sel], weights=f.output[sel] * 12.0, minlength=len(self.block_land))

    def zone_capacity(self) -> np.ndarray:
        return np.bincount(
            self.block_zone[self.block_active], weights=self.block_land[self.block_active], minlength=len(self.zones)
        )

    def zone_regional_assessments_done(self) -> np.ndarray:
        """Per zone, how many regional-assessment items (区域评) are done zone-wide and in force now:
        commissioned by now (``zone_ra_time``) and among those the devolution policy covers."""
        orders = range(1, self.zone_ra_time.shape[1])
        covered = np.array([self.policies.devolution.ra_covers(o) for o in orders], dtype=bool)
        return ((self.zone_ra_time[:, 1:] <= self.time) & covered).sum(axis=1)

    def zone_sector_counts(self) -> np.ndarray:
        f = self.firms
        n_s = len(self.sector_names)
        return _count_cells(f.zone, f.sector, self._holding_rows(), len(self.zones), n_s)

    def zone_leading_matrix(self) -> np.ndarray:
        """1 where a sector is among a zone's leading sectors (zones × sectors; fixed over a run, built
        with the zones)."""
        return self.zone_leading

    def region_annual_output(self) -> float:
        return float(self.firms.output[self._operating()].sum() * 12.0)

    def zombie_asset_share(self) -> float:
        f = self.firms
        op = self._operating_rows()
        cap = f.capital[op]
        total = cap.sum()
        return float(cap[f.zombie[op]].sum() / total) if total > 0 else 0.0


def sum_by(index: np.ndarray, rows: np.ndarray, n: int, values: np.ndarray | None = None) -> np.ndarray:
    """Sums of ``values`` (None: counts) over ``rows`` by ``index[row]`` (rows with index -1 left out),
    as floats; in row order, like a bincount of the gathered rows, without the gathers."""
    if values is None:
        return _count_by(index, rows, n)
    return _sum_by(index, values, rows, n)


def count_codes(codes: np.ndarray, n: int) -> np.ndarray:
    """``np.bincount(codes, minlength=n)`` of small non-negative integer codes (e.g. life-cycle
    states), about four times faster: no cast of the codes to intp, and four counters per code so
    that consecutive equal codes do not wait on each other's increments."""
    out = np.zeros(n, np.int64)
    _tally(codes, np.zeros((4, n), np.int64), out)
    return out


@kernel
def _tally(codes, lanes, out):
    m = codes.size - codes.size % 4
    for i in range(0, m, 4):
        lanes[0, codes[i]] += 1
        lanes[1, codes[i + 1]] += 1
        lanes[2, codes[i + 2]] += 1
        lanes[3, codes[i + 3]] += 1
    for i in range(m, codes.size):
        lanes[0, codes[i]] += 1
    for k in range(out.size):
        out[k] += lanes[0, k] + lanes[1, k] + lanes[2, k] + lanes[3, k]


@njit(cache=True)
def _sum_by(index, values, rows, n):
    out = np.zeros(n)
    for r in rows:
        i = index[r]
        if i >= 0:
            out[i] += values[r]
    return out


@njit(cache=True)
def _count_by(index, rows, n):
    out = np.zeros(n)
    for r in rows:
        i = index[r]
        if i >= 0:
            out[i] += 1.0
    return out


@njit(cache=True)
def _count_cells(zone, sector, rows, n_zones, n_sectors):
    """Firms per (zone, sector) among ``rows`` (outside zones left out)."""
    out = np.zeros((n_zones, n_sectors))
    for r in rows:
        if zone[r] >= 0:
            out[zone[r], sector[r]] += 1.0
    return out
