"""Capacity replacement (产能置换) in the sectors under capacity cuts (去产能).

The national capacity-cut drive of 2016–2020 (coal −500 Mt, steel −100 to −150 Mt [V]) closed
capacity and, with it, froze it: in the sectors under cuts (``capacity_cut`` = 1 in the sector
table: coal and metallurgy in Ningxia) new capacity may be built only against capacity retired
elsewhere, at a reduction ratio (减量置换).  In the model the rule comes into force with the
zombie-disposal campaign (the campaign's capacity-cut path is its other half,
:mod:`sim.model.policies.disposal`):

* **Licences.**  Every firm and project of a regulated sector then holds a licence (核定产能)
  equal to its capital, installed and under construction (万 yuan: the rule counts nominal
  capacity, which the model measures as capital at the sector's capital-output ratio).  A firm's
  capital plus capital under construction never exceeds its licence; replacing what wears out
  needs no quota, adding to it does.
* **Quotas** (置换指标).  Capacity retired in the region -- a regulated firm's exit, or a project
  that gives up -- becomes quota: the retiring firm's capital ÷ ``replacement_ratio`` (a project
  that never built returns its licence whole).  Capacity closed on the campaign's capacity-cut
  path yields ``cut_quota_share`` of that (capacity closed with the central award funds may not
  be used for replacement [R]).  A takeover moves the target's licence to the acquirer.
* **Who gets quota.**  Each month the firms that want to invest beyond their licence get the
  sector's quota most productive first (the quota market's clearing: the quota goes to those
  whose extra capacity earns most; its price is not modelled); new projects and firms' new plants
  need quota for their whole capital when they are proposed, in arrival order, and do not go ahead
  without it.
"""

from __future__ import annotations

import numpy as np

from sim.model.firms import LAND_HOLDING


class CapacityReplacement:
    """The sector quota pools of capacity replacement and the licences that bind firms' capital."""

    def __init__(self, model, params):
        """``params``: the ``policy.zombie_disposal`` config (its ``capacity_*`` and ``*_quota_*`` keys)."""
        self.model = model
        self.params = params
        sec = model.region.sectors
        self.regulated = (sec["capacity_cut"].to_numpy(dtype=int) == 1 if "capacity_cut" in sec
                          else np.zeros(len(sec), dtype=bool))
        self.enabled = bool(params.enabled and params.capacity_replacement and self.regulated.any())
        self.start = model.calendar.index(params.start, "policy.zombie_disposal.start")
        self.quota = np.zeros(len(sec))  # per sector: capacity that may still be added, 万 yuan of capital
        self.reset_month()

    def reset_month(self) -> None:
        self.projects_refused = 0  # projects (new firms) that found no quota this month
        self.expansions_refused = 0  # firms' new plants that found no quota this month
        self.retired = 0.0  # capital of regulated firms retired this month, 万 yuan
        self.granted = 0.0  # quota given out this month (net of refunds), 万 yuan
        self.added = 0.0  # quota created this month (retired capacity, licences given back), 万 yuan

    @property
    def in_force(self) -> bool:
        """The replacement rule binds this month."""
        return self.enabled and self.model.month >= self.start

    def come_into_force(self) -> None:
        """Licence every regulated firm and project holding land or building (and firms' plants in
        approval) at its capital, installed plus under construction."""
        if not self.enabled:
            return
        f = self.model.firms
        held = np.isin(f.state, LAND_HOLDING) & self.regulated[f.sector]
        f.licence[held] = f.capital[held] + f.capital_wip[held]

    def room(self, rows: np.ndarray) -> np.ndarray:
        """Capital ``rows`` may still add under their licences (inf for unregulated firms)."""
        f = self.model.firms
        return np.maximum(f.licence[rows] - f.capital[rows] - f.capital_wip[rows], 0.0)

    def cap_investment(self, idx: np.ndarray, internal: np.ndarray, loan: np.ndarray,
                       a_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The month's investment plans of the operating firms ``idx`` (paid from cash flow
        ``internal``, and ``loan``) within their licences, after the sector's quota has gone to the
        firms short of it, most productive (``a_eff``) first.  Returns the plans cut to fit."""
        if not self.in_force:
            return internal, loan
        f = self.model.firms
        room = self.room(idx)
        short = np.where(np.isfinite(room), np.maximum(internal + loan - room, 0.0), 0.0)
        wanting = np.flatnonzero(short > 0.0)
        if wanting.size:
            order = wanting[np.lexsort((-a_eff[wanting], f.sector[idx[wanting]]))]
            got = self._hand_out(f.sector[idx[order]], short[order])
            f.licence[idx[order]] += got
            room[order] += got
        internal = np.minimum(internal, room)
        loan = np.minimum(loan, room - internal)
        return internal, loan

    def grant(self, sector: np.ndarray, capital: np.ndarray) -> np.ndarray:
        """Quota for proposals (new projects, new plants) of ``capital`` in ``sector``, in the given
        order, each whole or not at all; unregulated sectors need none.  Returns who got it."""
        ok = np.ones(sector.size, dtype=bool)
        if not self.in_force:
            return ok
        for j in np.flatnonzero(self.regulated[sector]):
            s = sector[j]
            ok[j] = self.quota[s] >= capital[j]
            if ok[j]:
                self.quota[s] -= capital[j]
                self.granted += float(capital[j])
        return ok

    def refund(self, sector: np.ndarray, capital: np.ndarray) -> None:
        """Quota granted to proposals that then went no further (no credit) goes back to the pool."""
        if self.in_force:
            reg = self.regulated[sector]
            np.add.at(self.quota, sector[reg], capital[reg])
            self.granted -= float(capital[reg].sum())

    def licence_new(self, rows: np.ndarray) -> None:
        """New projects or plants (``rows``) proposed while the rule binds: licensed at their capital."""
        if self.in_force:
            f = self.model.firms
            reg = rows[self.regulated[f.sector[rows]]]
            f.licence[reg] = f.capital[reg]

    def retire(self, rows: np.ndarray, share: float = 1.0) -> None:
        """Regulated firms ``rows`` close: ``share`` × their capital ÷ ``replacement_ratio`` becomes quota."""
        if not self.in_force or rows.size == 0:
            return
        f = self.model.firms
        reg = rows[self.regulated[f.sector[rows]]]
        k = f.capital[reg] + f.capital_wip[reg]
        self.retired += float(k.sum())
        np.add.at(self.quota, f.sector[reg], share * k / self.params.replacement_ratio)
        self.added += float(share * k.sum() / self.params.replacement_ratio)

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
