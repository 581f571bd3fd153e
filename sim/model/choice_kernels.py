"""Compiled kernel of the projects' location choice (numba); the mechanism is described in
:mod:`sim.model.investment`.

Each project chooses, in arrival order, among the zones it may enter (active, a block with room for
its land, an entry bar its quality clears) and the outside option, with multinomial-logit
probabilities ``exp(U_j) / Σ exp(U_k)``: the choice probabilities of the random-utility model with
Gumbel taste shocks (McFadden 1974), drawn by inverting the cumulative probabilities with one
uniform per project instead of one Gumbel shock per zone.  A project that locates takes land in
the zone's block with most room and adds to the zone's same-sector count, which the next project
sees (agglomeration).
"""

from __future__ import annotations

import numpy as np
from numba import njit

OUTSIDE, CROWDED_OUT = -1, -2


@njit(cache=True)
def _weight(base_u, same, lead, beta_agg, beta_lead, shift, z, s):
    return np.exp(base_u[z] + beta_agg * np.log1p(same[z, s]) + beta_lead * lead[z, s] - shift[s])


@njit(cache=True)
def _feasible_weights(weight_s, ok, room, bar, land, quality, cum):
    """Cumulative weights of the zones a project may enter (``cum``); returns their total."""
    total = 0.0
    for z in range(weight_s.shape[0]):
        if ok[z] and room[z] >= land and quality >= bar[z]:
            total += weight_s[z]
        cum[z] = total
    return total


@njit(cache=True)
def locate(
    sector,
    land,
    quality,
    crowded,
    u,
    base_u,
    u_out,
    beta_agg,
    beta_lead,
    active,
    bar,
    lead,
    same,
    block_ptr,
    blocks,
    block_free,
    block_active,
    zone_out,
    block_out,
):
    """Choose a location for each project; write its zone (or ``OUTSIDE`` / ``CROWDED_OUT``) and
    block into ``zone_out`` and ``block_out``.  ``same`` (zones × sectors) and ``block_free`` are
    updated as projects locate."""
    n_z, n_s = same.shape
    # utilities are shifted per sector by their largest value (exp never overflows)
    shift = np.full(n_s, u_out)
    for s in range(n_s):
        for z in range(n_z):
            v = base_u[z] + beta_agg * np.log1p(same[z, s]) + beta_lead * lead[z, s]
            if v > shift[s]:
                shift[s] = v
    weight = np.empty((n_s, n_z))  # by sector, then zone: a project scans one contiguous row
    for s in range(n_s):
        for z in range(n_z):
            weight[s, z] = _weight(base_u, same, lead, beta_agg, beta_lead, shift, z, s)
    room = np.zeros(n_z)  # most free land in one active block of each zone
    for z in range(n_z):
        for j in range(block_ptr[z], block_ptr[z + 1]):
            b = blocks[j]
            if block_active[b] and block_free[b] > room[z]:
                room[z] = block_free[b]
    cum = np.empty(n_z)
    for p in range(sector.shape[0]):
        block_out[p] = -1
        if crowded[p]:
            zone_out[p] = CROWDED_OUT
            continue
        s = sector[p]
        total = _feasible_weights(weight[s], active, room, bar, land[p], quality[p], cum)
        w_out = np.exp(u_out - shift[s])
        target = u[p] * (total + w_out)
        if target >= total:
            zone_out[p] = OUTSIDE
            continue
        z = np.searchsorted(cum, target, side="right")
        zone_out[p] = z
        best, best_free = -1, -1.0
        for j in range(block_ptr[z], block_ptr[z + 1]):
            b = blocks[j]
            if block_active[b] and (block_free[b] > best_free or (block_free[b] == best_free and b < best)):
                best, best_free = b, block_free[b]
        block_out[p] = best
        block_free[best] -= land[p]
        room[z] = 0.0
        for j in range(block_ptr[z], block_ptr[z + 1]):
            b = blocks[j]
            if block_active[b] and block_free[b] > room[z]:
                room[z] = block_free[b]
        same[z, s] += 1.0
        weight[s, z] = _weight(base_u, same, lead, beta_agg, beta_lead, shift, z, s)
