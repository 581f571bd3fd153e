"""Compiled kernels of the investment choices (numba): the projects' location choice, and the
incumbents' new plants (which file one, and which fit their block's free land); the mechanisms are
described in :mod:`sim.model.investment`.

Each project chooses, in arrival order, among the zones it may enter (active, a block with room for
its land, an entry bar its quality clears) and the outside option, with multinomial-logit
probabilities ``exp(U_j) / Σ exp(U_k)``: the choice probabilities of the random-utility model with
Gumbel taste shocks (McFadden 1974), drawn by inverting the cumulative probabilities with one
uniform per project instead of one Gumbel shock per zone.  A project that locates takes land in
the zone's block with most room and adds to the zone's same-sector count, which the next project
sees (agglomeration).  A project of a designated base's scale chooses, with the same
probabilities, among the bases of its sector only (no site outside zones); if none can take it,
among all zones and the outside option as any project.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.model.kernel_cache import kernel, njit

OUTSIDE, CROWDED_OUT = -1, -2

#: the candidate projects, in arrival order: sector, land (mu), quality, crowded out already (no
#: credit or not arrived), the uniform draw that picks the choice, and whether the project is of a
#: designated base's scale (it may locate only in a base of its sector, if one has room)
Projects = namedtuple("Projects", "sector land quality crowded u based")
#: the zones as projects see them: base utility, active, entry bar (quality), leading-sector and
#: same-sector matrices (zones × sectors), their blocks (``blocks[block_ptr[z] : block_ptr[z + 1]]``),
#: each block's free land and whether it is active, and the designated bases (zones × sectors, 0/1)
Zones = namedtuple("Zones", "base_u active bar lead same block_ptr blocks block_free block_active base")
#: the choice's constants: the outside option's utility and the weights of agglomeration and leading sectors
Tastes = namedtuple("Tastes", "u_out beta_agg beta_lead")


@njit(cache=True, inline="always")
def _utility(zones, tastes, z, s):
    """Systematic utility of zone ``z`` to a project of sector ``s``."""
    return zones.base_u[z] + tastes.beta_agg * np.log1p(zones.same[z, s]) + tastes.beta_lead * zones.lead[z, s]


@kernel
def _weight(zones, tastes, shift, z, s):
    return np.exp(_utility(zones, tastes, z, s) - shift[s])


@kernel
def _feasible_weights(weight_s, ok, room, bar, land, quality, cum, base_s, only_bases):
    """Cumulative weights of the zones a project may enter (``cum``); returns their total.  With
    ``only_bases``, only the zones designated for its sector (``base_s``)."""
    total = 0.0
    for z in range(weight_s.shape[0]):
        if ok[z] and room[z] >= land and quality >= bar[z] and (base_s[z] or not only_bases):
            total += weight_s[z]
        cum[z] = total
    return total


@kernel
def _room(zones, z):
    """The most free land in one active block of zone ``z``."""
    room = 0.0
    for j in range(zones.block_ptr[z], zones.block_ptr[z + 1]):
        b = zones.blocks[j]
        if zones.block_active[b] and zones.block_free[b] > room:
            room = zones.block_free[b]
    return room


@kernel
def _take_land(zones, z, land):
    """A project takes ``land`` in zone ``z``'s active block with most room (the lowest on a tie);
    returns the block."""
    best, best_free = -1, -1.0
    for j in range(zones.block_ptr[z], zones.block_ptr[z + 1]):
        b = zones.blocks[j]
        if zones.block_active[b] and (
            zones.block_free[b] > best_free or (zones.block_free[b] == best_free and b < best)
        ):
            best, best_free = b, zones.block_free[b]
    zones.block_free[best] -= land
    return best


@njit(cache=True)
def locate(projects, zones, tastes, zone_out, block_out):
    """Choose a location for each project; write its zone (or ``OUTSIDE`` / ``CROWDED_OUT``) and
    block into ``zone_out`` and ``block_out``.  ``zones.same`` (zones × sectors) and
    ``zones.block_free`` are updated as projects locate."""
    n_z, n_s = zones.same.shape
    # utilities are shifted per sector by their largest value (exp never overflows)
    shift = np.full(n_s, tastes.u_out)
    for s in range(n_s):
        for z in range(n_z):
            v = _utility(zones, tastes, z, s)
            if v > shift[s]:
                shift[s] = v
    weight = np.empty((n_s, n_z))  # by sector, then zone: a project scans one contiguous row
    for s in range(n_s):
        for z in range(n_z):
            weight[s, z] = _weight(zones, tastes, shift, z, s)
    room = np.zeros(n_z)
    for z in range(n_z):
        room[z] = _room(zones, z)
    cum = np.empty(n_z)
    for p in range(projects.sector.shape[0]):
        block_out[p] = -1
        if projects.crowded[p]:
            zone_out[p] = CROWDED_OUT
            continue
        s = projects.sector[p]
        land = projects.land[p]
        base_s = zones.base[:, s]
        quality = projects.quality[p]
        total = 0.0
        if projects.based[p]:  # of a designated base's scale: the bases only, no site outside zones
            total = _feasible_weights(weight[s], zones.active, room, zones.bar, land, quality, cum, base_s, True)
        if total > 0.0:
            w_out = 0.0
        else:  # not such a project, or no base can take it: the usual choice
            total = _feasible_weights(weight[s], zones.active, room, zones.bar, land, quality, cum, base_s, False)
            w_out = np.exp(tastes.u_out - shift[s])
        target = projects.u[p] * (total + w_out)
        if target >= total:
            zone_out[p] = OUTSIDE
            continue
        z = np.searchsorted(cum, target, side="right")
        zone_out[p] = z
        block_out[p] = _take_land(zones, z, land)
        room[z] = _room(zones, z)
        zones.same[z, s] += 1.0
        weight[s, z] = _weight(zones, tastes, shift, z, s)


@njit(cache=True)
def fit_in_blocks(block, land, free):
    """Which plants fit the free land of their block (-1: outside zones, always), in order, each
    taking its land before the next looks (``free`` is used up in place)."""
    fits = np.ones(block.size, dtype=np.bool_)
    for j in range(block.size):
        b = block[j]
        if b >= 0:
            fits[j] = land[j] <= free[b]
            if fits[j]:
                free[b] -= land[j]
    return fits


@njit(cache=True)
def expansion_plans(rows, beyond, capital, expanding, land, plant_limit, min_share, headroom):
    """The firms ``rows`` that file a new plant: the excess ``beyond`` reaches ``min_share`` of their
    capital and none is under way.  Returns their rows, the excess capital and the land it needs at
    the density of their plant (land per capital its land can hold ÷ ``headroom``), in order."""
    n = 0
    for j in range(rows.size):
        r = rows[j]
        if beyond[j] >= min_share * capital[r] and not expanding[r]:
            n += 1
    out_rows, extra, need = np.empty(n, rows.dtype), np.empty(n), np.empty(n)
    k = 0
    for j in range(rows.size):
        r = rows[j]
        if beyond[j] >= min_share * capital[r] and not expanding[r]:
            density = plant_limit[r] / headroom
            if density < 1e-12:
                density = 1e-12
            out_rows[k], extra[k], need[k] = r, beyond[j], beyond[j] * land[r] / density
            k += 1
    return out_rows, extra, need
