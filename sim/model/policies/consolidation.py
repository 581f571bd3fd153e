"""Consolidation (整合优化), a one-off reform at a configurable date.

Rules, applied in this order to the zones' track record over the ``lookback_months`` before
the reform date (mean output, land and firms, so that one bad month decides nothing) (宁党办〔2018〕82号 and the seed):

1. **Abolish** (撤销) a region-level zone with few firms (≤ ``abolish_max_firms``) whose
   input–output is severely inverted (投入产出严重倒挂): output per mu below
   ``inversion_ratio`` × the median of active zones.  Its firms stay, under the county.
2. **One county, one zone** (一县一区): in a county with several zones, all merge into the host
   (national level first, then the most planned land, then the largest output).  Customs-supervised types in
   ``exempt_types`` keep their own body (documented exception).
3. **Small zones with potential** merge into a larger neighbour: a region-level zone whose
   planned land is below ``small_zone_share`` × the largest zone of its city (by land, a
   structural size that a few new projects do not change) joins the largest
   national-level zone (not of an exempt type) of an adjacent county in the same city, if
   there is one.
4. **Block limit**: a zone keeps its ``max_blocks`` blocks with the largest output; the other
   blocks are delisted (their firms stay, under the county; their land leaves the zone).
5. **Management bodies**: one body per county (一个机构、一套班子) — merged zones' bodies are
   cut and their approval staff pooled into the host's office; ranks set by rule (a national
   zone keeps bureau rank only above ``bureau_min_output_share`` of regional output; a
   region-level zone is division rank above ``division_min_output_share``, else deputy).
6. **Rename** (名称规范) surviving zones whose name does not match their function (counted only).
7. **Cut of unbuilt area** (核减): every surviving zone's approved area is cut, block by block, to
   its supplied land (idle, under construction, operating) plus a planned reserve,
   ``unbuilt_reserve_share`` of its unsupplied land; the rest leaves the approved area
   (:meth:`sim.model.land.LandLedger.cut_unbuilt`).

Which zones merge or close is decided by these rules on the zones' data, never by a list.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.config.schema import RANKS
from sim.model.policies.base import Policy


class _TrackRecord(NamedTuple):
    """The zones' means over the look-back window (``ZoneReformModel.zone_track_record``); ``output``
    is updated as zones merge (a host's output counts its merged zones')."""

    output: np.ndarray
    land: np.ndarray
    firms: np.ndarray
    total: float


class Consolidation(Policy):
    name = "consolidation"

    def __init__(self, model, params):
        super().__init__(model, params, params.date, "policy.consolidation.date")
        self.applied = False

    @property
    def pending(self) -> bool:
        """Enabled and not yet applied: zones' track record is still being kept for it."""
        return bool(self.params.enabled) and not self.applied

    def on_month(self) -> None:
        if self.pending and self.model.month >= self.start:
            self.applied = True
            self.apply()

    # ------------------------------------------------------------------ the rules
    def apply(self) -> None:
        """Apply the rules, in the order of the module's list, to the zones' track record."""
        record = _TrackRecord(*self.model.zone_track_record())  # means over the look-back window
        self.abolish_inverted(record)
        self.one_zone_per_county(record)
        self.merge_small_zones(record)
        self.cap_blocks()
        self.set_ranks(record)
        self.rename()
        self.cut_unbuilt()

    def _merge(self, zone, host, record: _TrackRecord, reason: str) -> None:
        """Merge ``zone`` into ``host``; the host's output in the record now counts the zone's."""
        record.output[host.index] += record.output[zone.index]
        self.model.merge_zone(zone, host, reason)

    def abolish_inverted(self, record: _TrackRecord) -> None:
        """Rule 1: abolish a region-level zone with few firms whose input–output is severely inverted."""
        m, p = self.model, self.params
        with np.errstate(divide="ignore", invalid="ignore"):
            opm = np.where(record.land > 0, record.output / record.land, 0.0)
        active = m.active_zones()
        median = float(np.median([opm[z.index] for z in active])) if active else 0.0
        for z in active:
            if (
                z.level == "region"
                and record.firms[z.index] <= p.abolish_max_firms
                and opm[z.index] < p.inversion_ratio * median
            ):
                m.abolish_zone(z, "consolidation: few firms, input-output inverted", to="county")

    def one_zone_per_county(self, record: _TrackRecord) -> None:
        """Rule 2: one county, one zone — a county's zones (not of an exempt type) merge into the host."""
        m, exempt, out = self.model, set(self.params.exempt_types), record.output
        planned = m.zone_capacity()  # planned land: the host is the larger zone by plan, not by a noisy output
        by_county: dict[str, list] = {}
        for z in m.active_zones():
            if z.type not in exempt:
                by_county.setdefault(z.county_id, []).append(z)
        for zones in by_county.values():
            if len(zones) > 1:
                host = max(zones, key=lambda z: (z.level == "national", planned[z.index], out[z.index], -z.index))
                for z in zones:
                    if z is not host:
                        self._merge(z, host, record, "consolidation: one county, one zone")

    def merge_small_zones(self, record: _TrackRecord) -> None:
        """Rule 3: a small region-level zone (by planned land) merges into an adjacent national zone."""
        m, p, exempt, out = self.model, self.params, set(self.params.exempt_types), record.output
        size = m.zone_capacity()
        cities = [m.counties_by_id[y.county_id].city_id for y in m.zones]
        codes = {c: i for i, c in enumerate(dict.fromkeys(cities))}
        zone_city = np.array([codes[c] for c in cities], dtype=np.int64)
        for z in m.active_zones():
            if z.level != "region" or z.type in exempt:
                continue
            county = m.counties_by_id[z.county_id]
            # the city's zones active now (earlier merges of this loop included), in index order
            same_city = m.zone_table.active() & (zone_city == zone_city[z.index])
            city_zones = [m.zones[i] for i in np.flatnonzero(same_city)]
            if size[z.index] >= p.small_zone_share * max(size[y.index] for y in city_zones):
                continue
            hosts = [
                y
                for y in city_zones
                if y.level == "national" and y.type not in exempt and y.county_id in county.neighbours
            ]
            if hosts:
                host = max(hosts, key=lambda y: (out[y.index], -y.index))
                self._merge(z, host, record, "consolidation: small zone merged into a larger neighbour")

    def cap_blocks(self) -> None:
        """Rule 4: a zone keeps its ``max_blocks`` blocks with the largest output; the others are delisted."""
        m, p = self.model, self.params
        block_out = m.block_annual_output()
        for z in m.active_zones():
            blocks = [b for b in z.blocks if m.block_active[b]]
            if len(blocks) > p.max_blocks:
                ranked = sorted(blocks, key=lambda b: (-block_out[b], b))
                for b in ranked[p.max_blocks :]:
                    m.delist_block(z, b, "consolidation: block limit")

    def set_ranks(self, record: _TrackRecord) -> None:
        """Rule 5: one body per county, ranked by rule (a body is only ever ranked down)."""
        m, p = self.model, self.params
        for z in m.active_zones():
            share = record.output[z.index] / record.total if record.total > 0 else 0.0
            if z.level == "national":
                rank = "bureau" if share >= p.bureau_min_output_share else "division"
            else:
                rank = "division" if share >= p.division_min_output_share else "deputy_division"
            if rank != z.body.rank and RANKS.index(rank) < RANKS.index(z.body.rank):
                m.set_body_rank(z.body, rank, "rank_corrected", z)

    def rename(self) -> None:
        """Rule 6: rename surviving zones whose name does not match their function (counted only)."""
        m = self.model
        for z in m.active_zones():
            if z.name_mismatch and not z.renamed:
                z.renamed = True
                m.log_zone_event(z, "renamed", "name does not match function (名不副实)")

    def cut_unbuilt(self) -> None:
        """Rule 7: cut every surviving zone's approved area to its supplied land plus a reserve (核减)."""
        m = self.model
        for z in m.active_zones():
            blocks = [b for b in z.blocks if m.block_active[b]]
            if blocks:
                cut = m.land.cut_unbuilt(np.array(blocks), self.params.unbuilt_reserve_share)
                if cut > 0:
                    m.log_zone_event(z, "land_cut", f"{cut:.0f} mu of unbuilt approved land cut (核减)")

    def body_for_new_zone(self, zone):
        """After consolidation a newly founded zone is run by its county's existing body."""
        if not (self.params.enabled and self.applied):
            return None
        for z in self.model.active_zones():
            if z.county_id == zone.county_id and z is not zone and z.type not in set(self.params.exempt_types):
                return z.body
        return None
