"""Capacity replacement (产能置换) in the sectors whose capacity the state froze.

From 2016 (国发〔2016〕6号 steel and 7号 coal [R]; 工信部原〔2017〕337号 adds cement and flat glass
[R]; electrolytic aluminium from 2017–2018 [R]) new capacity in those sectors may be built only
against capacity retired, at equal or reduction ratios (等量 / 减量置换).  It is a national rule,
in force in every scenario (``capacity``, from ``capacity.start``); the sectors are those with
``capacity_replacement`` = 1 in the sector table.  The zombie-disposal campaign's capacity-cut
path (去产能, :mod:`sim.model.policies.disposal`) closes capacity whose quota may not be reused.

* **Licences** (核定产能).  When the rule comes into force, every firm and project of a covered
  sector that holds land or is building (and every firm's new plant in approval) is licensed at
  its capital, installed and under construction (万 yuan: the rule counts nominal capacity, which
  the model measures as capital at the sector's capital-output ratio).  From then on a licensed
  firm's capital plus capital under construction never exceeds its licence: replacing what
  wears out needs no quota, adding to it does.
* **Quota** (置换指标), a pool per sector in 万 yuan of capital.  A licensed firm that closes
  gives its licence ÷ ``replacement_ratio`` (what it was allowed to run, not what it still had
  installed); a firm closed on the campaign's capacity-cut path gives ``cut_quota_share`` of that
  (capacity closed with the central award funds may not be used for replacement [R]); a project
  or plant that gives up before building returns its licence whole.  A takeover moves the
  target's licence to the acquirer; a firm's new plant, once built, adds its licence to the firm's.
* **Who gets it.**  Proposals -- new projects (when they choose a location, in arrival order, after
  the month's exits) and firms' new plants (after the month's investment) -- need quota for their
  whole capital and a loan, first come first served; either missing, they do not go ahead.  Firms
  whose investment plans go beyond their licence get what is left of the sector's quota during the
  month's production, most productive first (the quota market's clearing: it goes to the extra
  capacity that earns most; its price is not modelled).  The pool is regional: replacement across
  provinces (跨省置换, allowed in practice [R]) is not modelled.
"""

from __future__ import annotations

import numpy as np

from sim.model.kernel_cache import kernel
from sim.model.lifecycle import LAND_HOLDING


class CapacityReplacement:
    """The sector quota pools of capacity replacement and the licences that bind firms' capital."""

    def __init__(self, model, params):
        """``params``: the ``capacity`` config."""
        self.model = model
        self.params = params
        sec = model.region.sectors
        self.covered = model.region.sector_column("capacity_replacement") == 1
        self.enabled = bool(params.replacement and self.covered.any())
        self.start = max(model.calendar.index(params.start, "capacity.start"), model.first_month)
        self.licensed = False  # licences handed out (the rule has come into force)
        self.quota = np.zeros(len(sec))  # per sector: capacity that may still be added, 万 yuan of capital
        self.reset_month()

    def reset_month(self) -> None:
        self.projects_refused = 0  # projects (new firms) that found no quota this month
        self.expansions_refused = 0  # firms' new plants that found no quota this month
        self.retired = 0.0  # licences of covered firms that closed this month, 万 yuan
        self.granted = 0.0  # quota given out this month, 万 yuan
        self.added = 0.0  # quota created this month (retired licences, licences given back), 万 yuan

    @property
    def in_force(self) -> bool:
        """The replacement rule binds this month."""
        return self.enabled and self.model.month >= self.start

    def on_month(self) -> None:
        """In the month the rule comes into force (the first month if it is in force before): licences."""
        if self.in_force and not self.licensed:
            self.come_into_force()

    def come_into_force(self) -> None:
        """Licence every covered firm and project holding land or building (and firms' plants in
        approval) at its capital, installed plus under construction."""
        f = self.model.firms
        held = np.isin(f.state, LAND_HOLDING) & self.covered[f.sector]
        f.licence[held] = f.capital[held] + f.capital_wip[held]
        self.licensed = True

    def cap_investment(
        self, idx: np.ndarray, internal: np.ndarray, loan: np.ndarray, a_eff: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The month's investment plans of the operating firms ``idx`` (paid from cash flow
        ``internal``, and ``loan``) within their licences, after the sector's quota has gone to the
        firms short of it, most productive (``a_eff``) first.  Returns the plans cut to fit."""
        if not self.in_force:
            return internal, loan
        f = self.model.firms
        room, short = np.empty(idx.size), np.empty(idx.size)
        _room_and_short(idx, f.licence, f.capital, f.capital_wip, internal, loan, room, short)
        wanting = np.flatnonzero(short > 0.0)
        if wanting.size:
            order = wanting[np.lexsort((-a_eff[wanting], f.sector[idx[wanting]]))]
            got = self._hand_out(f.sector[idx[order]], short[order])
            f.licence[idx[order]] += got
            room[order] += got
        internal, loan = internal.copy(), loan.copy()
        _within_room(internal, loan, room)
        return internal, loan

    def budget(self, sector: np.ndarray, capital: np.ndarray, exempt: bool = False) -> tuple | None:
        """What proposals of ``capital`` in ``sector`` need of the quota pools, for
        :meth:`sim.model.credit.CreditPool.grant_in_order` (``(sector, need, pools)``; covered
        sectors only), or None when the rule does not bind them (not in force, or ``exempt``:
        projects approved before the run's start)."""
        if exempt or not self.in_force:
            return None
        return sector, np.where(self.covered[sector], capital, 0.0), self.quota

    def count_granted(
        self, sector: np.ndarray, capital: np.ndarray, ok: np.ndarray, short: np.ndarray, kind: str
    ) -> None:
        """Book what :meth:`budget`'s proposals took (``ok``) and how many lacked quota (``short``)."""
        if not self.in_force:
            return
        self.granted += float(np.sum(np.where(self.covered[sector] & ok, capital, 0.0)))
        refused = int(np.sum(short))
        if kind == "projects":
            self.projects_refused += refused
        else:
            self.expansions_refused += refused

    def licence_new(self, rows: np.ndarray) -> None:
        """New projects or plants (``rows``) proposed while the rule binds: licensed at their capital."""
        if self.in_force:
            f = self.model.firms
            reg = rows[self.covered[f.sector[rows]]]
            f.licence[reg] = f.capital[reg]

    def retire(self, rows: np.ndarray, share: float = 1.0) -> None:
        """Licensed firms ``rows`` close: ``share`` × their licences ÷ ``replacement_ratio`` becomes quota."""
        if not self.in_force or rows.size == 0:
            return
        f = self.model.firms
        reg = rows[np.isfinite(f.licence[rows])]
        lic = f.licence[reg]
        self.retired += float(lic.sum())
        np.add.at(self.quota, f.sector[reg], share * lic / self.params.replacement_ratio)
        self.added += float(share * lic.sum() / self.params.replacement_ratio)

    def give_back(self, rows: np.ndarray) -> None:
        """Projects or plants ``rows`` that gave up before building: their licences return whole."""
        f = self.model.firms
        reg = rows[np.isfinite(f.licence[rows])]
        np.add.at(self.quota, f.sector[reg], f.licence[reg])
        self.added += float(f.licence[reg].sum())
        f.licence[reg] = np.inf

    def _hand_out(self, sector: np.ndarray, want: np.ndarray) -> np.ndarray:
        """Quota to requests ``want`` (sorted by sector, then priority): each sector's pool filled in order."""
        got = np.zeros(want.size)
        for s in np.unique(sector):
            at = np.flatnonzero(sector == s)
            before = np.concatenate([[0.0], np.cumsum(want[at])[:-1]])
            got[at] = np.clip(self.quota[s] - before, 0.0, want[at])
            self.quota[s] -= got[at].sum()
        self.granted += float(got.sum())
        return got


@kernel
def _room_and_short(idx, licence, capital, wip, internal, loan, room, short):
    """Per firm ``idx[j]``: the capital its licence still allows, ``room = max(licence - K - K_building, 0)``
    (inf without a licence), and how far its plans (``internal + loan``) exceed it (0 without a licence)."""
    for j in range(idx.shape[0]):
        r = idx[j]
        free = licence[r] - capital[r] - wip[r]
        if free < 0.0:
            free = 0.0
        room[j] = free
        over = 0.0
        if np.isfinite(free):
            over = internal[j] + loan[j] - free
            if over < 0.0:
                over = 0.0
        short[j] = over


@kernel
def _within_room(internal, loan, room):
    """Plans cut to the room (in place): internal funds first, then the loan."""
    for j in range(room.shape[0]):
        if room[j] < internal[j]:
            internal[j] = room[j]
        rest = room[j] - internal[j]
        if rest < loan[j]:
            loan[j] = rest
