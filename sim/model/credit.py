"""The credit pool: a finite supply of bank credit to the region's industry.

Every firm's debt is a loan outstanding from a pool (one for the region, or one per county or
per sector: ``credit.scope``).  A pool's lending capacity starts ``headroom`` above the loans
outstanding at the start and grows at ``growth`` a year.  Each month, after repayments, banks
first roll over the cash deficits of their borrowers in full, whatever the room (evergreen
lending under a soft budget constraint: refusing would make them recognise the loss; Kornai
1986, Caballero, Hoshi & Kashyap 2008) -- the hard budget constraint comes from exits, not from
the pool.  New loans are granted only while there is room: incumbents' investment (pro rata)
and their new plants, then new projects later in the month (first come, first served).  An exit writes the firm's
debt off: the
loan leaves the pool (room is freed), the recovered part (``recovery_rate`` × its capital) is
repaid, and ``loss_absorption`` of the rest is lending capacity destroyed; a haircut agreed in
a disposal case (restructuring, a takeover) is written down the same way, with nothing recovered.

So zombies congest credit only through this pool: their rolled-over deficits use room that
healthy firms' investment and new projects would otherwise get.  The pool keeps a ledger of its
flows, ``outstanding' = outstanding + lent - repaid - written off``, checked by the tests against
the firms' debts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.kernel_cache import kernel

if TYPE_CHECKING:
    from sim.model.firms import FirmTable

#: ledger entries, summed since the last :meth:`CreditPool.take_month`
FLOWS = (
    "lent_deficits",
    "lent_investment",
    "lent_projects",
    "lent_expansions",
    "repaid",
    "written_off",
    "recovered",
    "capacity_destroyed",
    "investment_refused",
    "projects_refused",
    "expansions_refused",
)


class CreditPool:
    """Lending capacity and loans outstanding of ``n`` pools (index = pool id)."""

    def __init__(self, outstanding: np.ndarray, params):
        self.params = params
        self.outstanding = np.asarray(outstanding, dtype=float).copy()
        self.limit = self.outstanding * (1.0 + params.headroom)
        self._month = {k: 0.0 for k in FLOWS}

    @property
    def room(self) -> np.ndarray:
        return np.maximum(self.limit - self.outstanding, 0.0)

    def grow(self) -> None:
        """One month of growth of lending capacity."""
        self.limit *= (1.0 + self.params.growth) ** (1.0 / 12.0)

    def repay(self, pool: np.ndarray, amount: np.ndarray) -> None:
        self.outstanding -= np.bincount(pool, weights=amount, minlength=self.limit.size)
        self._month["repaid"] += float(np.sum(amount))

    def roll_over(self, pool: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Borrowers' cash deficits, lent in full (they may take the pool above its capacity)."""
        self.outstanding += np.bincount(pool, weights=amount, minlength=self.limit.size)
        self._month["lent_deficits"] += float(np.sum(amount))
        return np.asarray(amount, dtype=float).copy()

    def grant(self, pool: np.ndarray, amount: np.ndarray, kind: str) -> np.ndarray:
        """Pro-rata loans of one priority group: the granted amount per request."""
        n = self.limit.size
        asked = np.bincount(pool, weights=amount, minlength=n)
        share = np.where(asked > 0, np.minimum(1.0, self.room / np.where(asked > 0, asked, 1.0)), 1.0)
        granted = amount * share[pool]
        self.outstanding += np.bincount(pool, weights=granted, minlength=n)
        self._month["lent_" + kind] += float(granted.sum())
        self._month[kind + "_refused"] += float(amount.sum() - granted.sum())
        return granted

    def grant_in_order(
        self,
        pool: np.ndarray,
        amount: np.ndarray,
        kind: str = "projects",
        budget: tuple | None = None,
        short: np.ndarray | None = None,
    ) -> np.ndarray:
        """Loans for new plants (``kind``: projects or expansions), first come first served: a mask
        of the financed requests.  ``budget`` = ``(key, need, pools)``: a second resource each
        request needs whole, ``need[j]`` of ``pools[key[j]]`` (capacity-replacement quota, used up
        in place); a request short of it gets no loan (and is marked in ``short``), one short of
        credit takes none of it."""
        pool = np.ascontiguousarray(pool, dtype=np.int64)
        amount = np.ascontiguousarray(amount, dtype=float)
        ok = np.zeros(amount.size, dtype=bool)
        lacking = np.zeros(amount.size, dtype=bool) if short is None else short
        room = self.room.copy()
        if budget is None:
            _in_order(pool, amount, room, ok, lacking, _NO_KEY, _NO_NEED, _NO_NEED, False)
        else:
            key, need, pools = budget
            if not (isinstance(pools, np.ndarray) and pools.dtype == np.float64):
                raise TypeError("grant_in_order: the budget's pools must be a float64 array (used up in place)")
            _in_order(
                pool,
                amount,
                room,
                ok,
                lacking,
                np.ascontiguousarray(key, np.int64),
                np.ascontiguousarray(need, float),
                pools,
                True,
            )
        lent = np.bincount(pool[ok], weights=amount[ok], minlength=self.limit.size)
        self.outstanding += lent
        self._month["lent_" + kind] += float(lent.sum())
        self._month[kind + "_refused"] += float(amount[~ok & ~lacking].sum())  # for lack of credit
        return ok

    def write_off(self, pool: np.ndarray, debt: np.ndarray, capital: np.ndarray) -> None:
        """Exits: their loans leave the pool; the unrecovered part destroys lending capacity."""
        n = self.limit.size
        recovered = np.minimum(debt, self.params.recovery_rate * capital)
        loss = debt - recovered
        self.outstanding -= np.bincount(pool, weights=debt, minlength=n)
        destroyed = self.params.loss_absorption * np.bincount(pool, weights=loss, minlength=n)
        self.limit -= destroyed
        self._month["written_off"] += float(debt.sum())
        self._month["recovered"] += float(recovered.sum())
        self._month["capacity_destroyed"] += float(destroyed.sum())

    def write_down(self, pool: np.ndarray, amount: np.ndarray) -> None:
        """Debt cut by agreement (a restructuring haircut, a debt-for-equity swap, the part of a
        taken-over firm's debt its acquirer does not assume): the loans leave the pool and
        ``loss_absorption`` of them is lending capacity destroyed (nothing is recovered)."""
        self.write_off(pool, amount, np.zeros_like(amount))

    def transfer(self, source: np.ndarray, target: np.ndarray, amount: np.ndarray) -> None:
        """Loans that change borrower (an acquirer assumes them): they move from pool ``source`` to
        pool ``target``; nothing is lent, repaid or written off."""
        n = self.limit.size
        self.outstanding += np.bincount(target, weights=amount, minlength=n) - np.bincount(
            source, weights=amount, minlength=n
        )

    def take_month(self) -> dict[str, float]:
        """The month's ledger (and start a new one)."""
        out, self._month = self._month, {k: 0.0 for k in FLOWS}
        return out


_NO_KEY = np.zeros(0, dtype=np.int64)
_NO_NEED = np.zeros(0)


@kernel
def _in_order(pool, amount, room, ok, lacking, key, need, pools, use_budget):
    """First come first served (:meth:`CreditPool.grant_in_order`): request ``j`` short of its budget
    (``need[j]`` of ``pools[key[j]]``) is marked ``lacking``; one that fits its pool's ``room`` is
    granted (``ok``) and takes its loan from the room and, with ``use_budget``, its need from the pools."""
    for j in range(amount.shape[0]):
        if use_budget and need[j] > 0.0 and need[j] > pools[key[j]]:
            lacking[j] = True
            continue
        if amount[j] <= room[pool[j]]:
            ok[j] = True
            room[pool[j]] -= amount[j]
            if use_budget:
                pools[key[j]] -= need[j]


def book_financing(
    f: FirmTable,
    idx: np.ndarray,
    lent: np.ndarray,
    loans: np.ndarray,
    repay: np.ndarray,
    internal: np.ndarray,
    vat: float,
    rescued_until: int,
) -> np.ndarray:
    """The month's finance of the operating firms ``idx`` (in place): debt moves by the rolled-over
    deficit ``lent`` and the investment ``loans`` less ``repay``; a firm whose deficit was rolled over
    is kept alive by loans until month ``rescued_until``; the investment (``internal`` funds plus
    ``loans``) goes into capital under construction, its input VAT (rate ``vat``) into the VAT credit
    and the year's investment.  Returns each firm's investment."""
    invest = np.empty(idx.shape[0])
    _book_financing(
        np.asarray(idx, dtype=np.int64),
        lent,
        loans,
        repay,
        internal,
        float(vat),
        int(rescued_until),
        f.debt,
        f.rescued_until,
        f.capital_wip,
        f.vat_credit,
        f.investment_year,
        invest,
    )
    return invest


@kernel
def _book_financing(idx, lent, loans, repay, internal, vat, until, debt, rescued, wip, vat_credit, inv_year, invest):
    for j in range(idx.shape[0]):
        r = idx[j]
        debt[r] += lent[j] + loans[j] - repay[j]
        if lent[j] > 0.0:
            rescued[r] = until
        inv = internal[j] + loans[j]
        invest[j] = inv
        wip[r] += inv
        vat_credit[r] += vat * inv
        inv_year[r] += inv
