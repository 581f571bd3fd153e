"""Zombie disposal (处置僵尸企业) as the campaign it was.

Nationally a drive of 2016–2020 (steel −100–150 Mt, coal −500 Mt of capacity [V]); zombie and
capacity-cut debt disposal was to be completed by end-2020 (NDRC and 10 departments, 2018-12
[V]).  In the model the campaign draws up its list once, in its first month, by the official
definition (China 2016): firms loss-making for ``zombie.consecutive_years`` years running and
kept alive by loans (a cash deficit rolled over by their bank within the last twelve months).
Each listed firm is taken down one path, drawn for it at listing, and its case closes after the
path's documented time, or at the campaign's end if that comes first (the deadline):

* **liquidation** (破产清算): the firm closes, its debt is written off against what its capital
  recovers, and its zone land is let again only after ``relet_months``;
* **merger** (兼并重组): the most productive healthy firm of its sector on the same land (its zone
  block; outside zones, its county) takes over its plant, land and customers and runs them at its
  own productivity; it assumes the debt the plant's capital recovers, the rest is written down
  (with no such firm the case ends in liquidation);
* **restructuring** (debt restructuring, debt-for-equity swaps, 债转股 国发〔2016〕54号): a share of
  the debt is written down and the firm carries on;
* **capacity cut** (去产能, 国发〔2016〕6号 steel and 7号 coal [R]): in a sector under capacity cuts
  (``capacity_cut`` in the sector table: coal and metallurgy) a listed firm drawn for liquidation
  has its capacity closed instead, in ``capacity_cut_months`` (as does one drawn for a merger that
  finds no acquirer): it closes as a liquidated firm does, but under capacity replacement
  (:mod:`sim.model.capacity`) only ``capacity.cut_quota_share`` of its licence may be used to
  replace capacity elsewhere.

Every write-down is a loss to the credit pool (``credit.loss_absorption``).  Firms that become
zombies after the list is drawn up are not on it; after the campaign zombies leave only by
insolvency, as before the reform.  The spending paths (and so the sector price paths at the
rest of China's price) are the same in every scenario.
"""

from __future__ import annotations

import numpy as np

from sim.model.lifecycle import DisposalPath
from sim.model.policies.base import Policy
from sim.model.streams import Stream, stream


class ZombieDisposal(Policy):
    name = "zombie_disposal"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.zombie_disposal.start")
        self.cut_sectors = model.region.sector_column("capacity_cut") == 1  # 去产能: coal and metallurgy
        self.end = model.calendar.index(params.end, "policy.zombie_disposal.end")
        self.months = {
            DisposalPath.LIQUIDATION: params.liquidation_months,
            DisposalPath.MERGER: params.merger_months,
            DisposalPath.RESTRUCTURING: params.restructuring_months,
            DisposalPath.CAPACITY_CUT: params.capacity_cut_months,
        }

    @property
    def campaigning(self) -> bool:
        """The campaign is under way this month."""
        return bool(self.params.enabled) and self.start <= self.model.month <= self.end

    def on_month(self) -> None:
        if not self.campaigning:
            return
        if self.model.month == self.start:
            self.draw_up_list()
        self.close_cases()

    def official_zombies(self) -> np.ndarray:
        """Rows of the operating firms that the official definition names zombies this month."""
        m = self.model
        f = m.firms
        op = m._operating_rows()
        loss_making = f.loss_years[op] >= m.params.zombie.consecutive_years
        kept_alive = f.rescued_until[op] > m.month
        return op[loss_making & kept_alive]

    def draw_up_list(self) -> np.ndarray:
        """List the official zombies and draw each one's path (random key stream: the same firm
        gets the same draw in every scenario); returns the listed rows."""
        m = self.model
        f = m.firms
        rows = self.official_zombies()
        u = stream(m.params.seed, Stream.DISPOSAL, self.start).random(m._next_key)[f.key[rows]]
        p = self.params
        path = np.where(
            u < p.merger_share,
            DisposalPath.MERGER,
            np.where(u < p.merger_share + p.restructuring_share, DisposalPath.RESTRUCTURING, DisposalPath.LIQUIDATION),
        )
        cut = (path == DisposalPath.LIQUIDATION) & self.cut_sectors[f.sector[rows]]
        path = np.where(cut, DisposalPath.CAPACITY_CUT, path)  # 去产能 in the sectors under capacity cuts
        f.disposal_path[rows] = path
        months = np.array([self.months[DisposalPath(k)] for k in path], dtype=np.int32)
        f.disposal_due[rows] = np.minimum(self.start + months, self.end)  # the deadline closes late cases
        return rows

    def close_cases(self) -> None:
        """The cases due this month, of listed firms still operating."""
        m = self.model
        f = m.firms
        op = m._operating_rows()
        due = op[(f.disposal_path[op] != DisposalPath.NOT_LISTED) & (f.disposal_due[op] == m.month)]
        liquidate = due[f.disposal_path[due] == DisposalPath.LIQUIDATION]
        merge = due[f.disposal_path[due] == DisposalPath.MERGER]
        targets, acquirers = self.acquirers(merge)
        m.restructure(due[f.disposal_path[due] == DisposalPath.RESTRUCTURING], self.params.restructuring_haircut)
        m.take_over(targets, acquirers)
        failed = np.setdiff1d(merge, targets)  # no acquirer: liquidated, or in the cut sectors cut
        in_cut = self.cut_sectors[f.sector[failed]]
        closed = np.union1d(liquidate, failed[~in_cut])
        m.close_firms(closed, self.params.relet_months)
        cut = np.union1d(due[f.disposal_path[due] == DisposalPath.CAPACITY_CUT], failed[in_cut])
        m.close_firms(cut, self.params.relet_months, m.params.capacity.cut_quota_share)
        closed = np.union1d(closed, cut)
        f.output[closed] = 0.0  # closed before the month's production: they sell nothing this month
        m.disposals_month += np.bincount(f.disposal_path[due], minlength=len(DisposalPath))

    def acquirers(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each target, the most productive healthy (not a zombie, not listed) operating firm of
        its sector on the same land -- in its zone block, or, outside zones, in its county -- since a
        firm's plant and land lie in one place; targets without one are left out.  Returns
        ``(targets, acquirers)`` aligned."""
        m = self.model
        f = m.firms
        op = m._operating_rows()
        healthy = op[~f.zombie[op] & (f.disposal_path[op] == DisposalPath.NOT_LISTED)]
        return most_productive_on_same_land(targets, healthy, f.sector, f.block, f.county, f.log_prod)

    def open_cases(self) -> int:
        """Listed firms still operating whose case has not closed."""
        if not self.params.enabled or self.model.month < self.start:
            return 0
        f, op = self.model.firms, self.model._operating_rows()
        return int(
            np.count_nonzero((f.disposal_path[op] != DisposalPath.NOT_LISTED) & (f.disposal_due[op] > self.model.month))
        )


def most_productive_on_same_land(targets, candidates, sector, block, county, log_prod) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``targets``, the row of ``candidates`` of the same sector on the same land
    (the same zone block; outside zones, block < 0, the same county) with the highest ``log_prod``,
    the first of ``candidates`` on a tie (as ``argmax``); targets without one are left out.  Returns
    ``(targets, acquirers)`` aligned, in the order of ``targets``.

    One sort of the candidates by place and productivity, then a binary search per target: the
    scan of every candidate per target took 20 s of a national run."""
    none = np.array([], dtype=np.int64)
    targets, candidates = np.asarray(targets, dtype=np.int64), np.asarray(candidates, dtype=np.int64)
    if targets.size == 0 or candidates.size == 0:
        return none, none

    def place(rows):  # sector, block, and the county outside zones (-1 in a zone: the block is the place)
        b = block[rows].astype(np.int64)
        return np.stack([sector[rows].astype(np.int64), b, np.where(b < 0, county[rows], -1).astype(np.int64)])

    cand, targ = place(candidates), place(targets)
    low = np.minimum(cand.min(axis=1), targ.min(axis=1))
    span = np.maximum(cand.max(axis=1), targ.max(axis=1)) - low + 1

    def code(keys):  # one integer per place
        k = keys - low[:, None]
        return (k[0] * span[1] + k[1]) * span[2] + k[2]

    cand_code, targ_code = code(cand), code(targ)
    order = np.lexsort((np.arange(candidates.size), -log_prod[candidates], cand_code))  # per place, the best first
    sorted_code = cand_code[order]
    first = np.flatnonzero(np.r_[True, sorted_code[1:] != sorted_code[:-1]])
    place_code, best = sorted_code[first], candidates[order[first]]
    at = np.minimum(np.searchsorted(place_code, targ_code), place_code.size - 1)
    found = place_code[at] == targ_code
    return targets[found], best[at[found]]
