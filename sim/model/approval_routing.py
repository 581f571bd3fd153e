"""Compiled routing of the approval pipeline (numba): the applicants' columns and where an item goes.

See :mod:`sim.model.approval_kernels` for the state the kernels share (named tuples of
:mod:`sim.model.approval_layout`); :func:`route` is also called from Python to inspect routing
(:meth:`sim.model.approval.ApprovalSystem.route_items`).
"""

from __future__ import annotations

from sim.model.approval_layout import (
    CHECK,
    D_EFFORT,
    D_NEEDS,
    D_PREP,
    D_REWORK,
    GRAPH,
    ROW,
    SKIPPED,
    T_EFFORT,
    T_ITEM,
    T_OFFICE,
    T_PREP,
    T_PREP_SPENT,
    T_REVIEW,
    T_REWORK,
    T_REWORK_PREP,
    T_TRANSIT,
    ZONE_OFFICE,
)
from sim.model.kernel_cache import njit


# --------------------------------------------------------------------------- applicants
@njit(cache=True, inline="always")
def _zone(a, row):
    """The zone of an applicant (-1: outside zones): an enterprise's row, or ``-1 - j`` for government project ``j``."""
    return a.zone[row] if row >= 0 else a.gov_zone[-1 - row]


@njit(cache=True, inline="always")
def _county(a, row):
    return a.county[row] if row >= 0 else a.gov_county[-1 - row]


@njit(cache=True, inline="always")
def _state(a, row):
    return a.state[row] if row >= 0 else a.gov_state[-1 - row]


@njit(cache=True, inline="always")
def _set_state(a, row, code, month):
    """Set an applicant's life-cycle code (and, with ``month`` ≥ 0, its entry month)."""
    if row >= 0:
        a.state[row] = code
        if month >= 0:
            a.entry_month[row] = month
    else:
        a.gov_state[-1 - row] = code
        if month >= 0:
            a.gov_entry_month[-1 - row] = month


# --------------------------------------------------------------------------- routing
@njit(cache=True, inline="always")
def _services(ctx, in_zone):
    """(prep, rework, transit, hand-off) cuts a case gets: in an active zone once devolution runs."""
    if in_zone and ctx.devolution_active == 1:
        return ctx.prep_cut, ctx.rework_cut, ctx.transit_cut, ctx.handoff_cut
    return 0.0, 0.0, 0.0, 0.0


@njit(cache=True, inline="always")
def route(slot, i, time, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Route item ``i`` of case ``slot``, ready at ``time``, to an office; fill its task row.

    The item is needed when its need draw falls under the catalogue share; a zone's project skips a
    regional-assessment item done zone-wide by ``time``; a devolved item goes to the zone's office
    (or the county office dispatched into the zone), any other to its region/city/county office.
    Returns whether the item goes to an office (False: not needed or skipped, done at once).
    """
    wd = items.scal.working_days
    g = cases.ints[slot, GRAPH]
    if not cases.draws[slot, i, D_NEEDS] < items.share[g, i]:
        return False
    row = cases.ints[slot, ROW]
    z = _zone(applicants, row)
    in_zone = z >= 0
    if in_zone and ctx.devolution_active == 1 and items.ra_order[g, i] > 0:
        order = items.ra_order[g, i]
        if ctx.ra_time[z, order] <= time and ctx.ra_cover[order]:
            cases.ints[slot, SKIPPED] += 1
            return False
    if in_zone and ctx.item_devolved[g, i]:
        o = ctx.zone_office[z] if ctx.service_mode == ZONE_OFFICE else ctx.dispatched[_county(applicants, row)]
    else:
        o = ctx.auth_office[_county(applicants, row), items.authority[g, i]]
    offices.touched[o] = True
    prep_cut, rework_cut, transit_cut, _h = _services(ctx, in_zone)
    prep = items.prep[g, i] * cases.draws[slot, i, D_PREP] * (1 - prep_cut)
    if items.stage_of[g, i] == CHECK:  # a commitment checked: agent service does not make it pass
        rework_cut = 0.0
    t = slot * (tasks.shape[0] // cases.ints.shape[0]) + i
    tasks[t, T_ITEM] = i
    tasks[t, T_OFFICE] = o
    tasks[t, T_PREP] = prep * items.prep_first[g, i] / wd
    tasks[t, T_TRANSIT] = offices.transit_days[o] * (1 - transit_cut) * items.transit_factor[g] / wd
    tasks[t, T_EFFORT] = items.effort[g, i] * cases.draws[slot, i, D_EFFORT] / wd
    tasks[t, T_REVIEW] = items.review[g, i] / wd
    tasks[t, T_REWORK] = 1.0 if cases.draws[slot, i, D_REWORK] < items.rework_p[g, i] * (1 - rework_cut) else 0.0
    tasks[t, T_REWORK_PREP] = prep * items.prep_rework[g, i] / wd
    tasks[t, T_PREP_SPENT] = prep * items.prep_first[g, i] / wd
    return True
