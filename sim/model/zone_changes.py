"""Changes to zones and their management bodies in :class:`~sim.model.model.ZoneReformModel`: merging,
abolishing, delisting blocks, ranks and staff; every change is logged (:meth:`ZoneChanges.log_zone_event`)."""

from __future__ import annotations

import numpy as np

from sim.model.agents import ManagementBody, Zone, ZoneStatus
from sim.model.kernel_cache import kernel


@kernel
def _move_zone(zone: np.ndarray, block: np.ndarray, src: int, dst: int) -> None:
    """Firms managed by zone ``src`` pass to zone ``dst`` (``-1``: to their county, off every
    block): one pass over the firm rows, in place."""
    for i in range(zone.size):
        if zone[i] == src:
            zone[i] = dst
            if dst < 0:
                block[i] = -1


@kernel
def _leave_block(zone: np.ndarray, block: np.ndarray, b: int) -> None:
    """Firms on block ``b`` leave it and its zone (the block is delisted): one pass, in place."""
    for i in range(block.size):
        if block[i] == b:
            zone[i] = -1
            block[i] = -1


class ZoneChanges:
    """Zone and body changes (a mixin of the model: the reforms call them)."""

    def active_zones(self) -> list[Zone]:
        """The active zones, in index order (read from the zone table's status column: one pass over
        an array instead of a status lookup per zone, which at national scale, 2,543 zones several
        times a month, was a second a run)."""
        zones = self.zones
        return [zones[i] for i in np.flatnonzero(self.zone_table.active())]

    def _move_firms(self, src: Zone, dst: Zone | None) -> None:
        f = self.firms
        _move_zone(f.zone, f.block, src.index, -1 if dst is None else dst.index)
        self.zones_moved += [src.index] if dst is None else [src.index, dst.index]
        self.government.move(src.index, -1 if dst is None else dst.index)

    def _retire_body(self, zone: Zone, successor: ManagementBody | None) -> None:
        body = zone.body
        body.zones.discard(zone)
        if not body.zones and body.active and body is not successor:
            body.active = False
            if successor is not None:  # pooled staff follow the work
                successor.extra_staff += int(
                    round(self.params.policy.consolidation.staff_retention * body.office.staff)
                )
                self.restaff(successor)
            self.log_zone_event(zone, "body_abolished", f"body {body.body_id} ({body.rank}) cut")

    def merge_zone(self, zone: Zone, host: Zone, reason: str) -> None:
        """``zone`` joins ``host``: its firms and blocks move, its body is cut if left with no zone."""
        self._move_firms(zone, host)
        for b in zone.blocks:
            self.block_zone[b] = host.index
        host.blocks = host.blocks + zone.blocks
        zone.blocks = []
        self.policies.assessment.lift_card(zone)
        zone.status = ZoneStatus.MERGED
        zone.merged_into = host.zone_id
        self.log_zone_event(zone, "merged", f"into {host.zone_id}: {reason}")
        self._retire_body(zone, host.body)
        zone.remove()  # out of model.agents; kept in self.zones (indexed by zone) with its status

    def abolish_zone(self, zone: Zone, reason: str, to: str = "county") -> None:
        """Abolish ``zone``: its firms stay, under the county or a neighbouring zone (none is lost)."""
        host = self._neighbour_zone(zone) if to == "neighbour" else None
        if host is not None:
            self._move_firms(zone, host)
            for b in zone.blocks:
                self.block_zone[b] = host.index
            host.blocks = host.blocks + zone.blocks
        else:
            self._move_firms(zone, None)
            self.block_active[zone.blocks] = False
            self.land.close_blocks(zone.blocks)
        zone.blocks = []
        self.policies.assessment.lift_card(zone)
        zone.status = ZoneStatus.ABOLISHED
        self.log_zone_event(zone, "abolished", reason + (f"; firms to {host.zone_id}" if host else "; firms to county"))
        self._retire_body(zone, None)
        zone.remove()  # out of model.agents; kept in self.zones (indexed by zone) with its status

    def _neighbour_zone(self, zone: Zone) -> Zone | None:
        county = self.counties_by_id[zone.county_id]
        out = self.zone_annual_output()
        cands = [z for z in self.active_zones() if z is not zone and z.county_id == zone.county_id]
        cands = cands or [z for z in self.active_zones() if z.county_id in county.neighbours]
        return max(cands, key=lambda z: (out[z.index], -z.index)) if cands else None

    def delist_block(self, zone: Zone, block: int, reason: str) -> None:
        f = self.firms
        _leave_block(f.zone, f.block, block)
        self.zones_moved.append(zone.index)
        self.block_active[block] = False
        self.land.close_blocks([block])
        zone.blocks = [b for b in zone.blocks if b != block]
        self.log_zone_event(zone, "block_delisted", f"block {block}: {reason}")

    def set_body_rank(self, body: ManagementBody, rank: str, event: str, zone: Zone) -> None:
        old = body.rank
        body.rank = rank
        self.restaff(body)
        self.log_zone_event(zone, event, f"body {body.body_id}: {old} -> {rank}")

    def restaff(self, body: ManagementBody) -> None:
        """Set a body's office staff from its rank, pooled staff and any yellow-card boost."""
        body.office.set_staff(self.params.bodies.approval_staff[body.rank] + body.extra_staff, self.time)

    def log_zone_event(self, zone: Zone, event: str, detail: str) -> None:
        """``zone`` changed (``event``, with ``detail``): every change to a zone's status, body, rank,
        level or blocks comes here.  A new :attr:`zone_version` (caches of zone arrays compare it);
        the recorder is told."""
        self.zone_version += 1
        self.recorder.log_zone_event(zone, event, detail)
