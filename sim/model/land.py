"""The land ledger of the zones' blocks: where each block's approved land stands, month by month.

A zone's approved (planned) area, ``block_land`` in mu, is split per block into four categories
that always add up to it (the ledger is conserved):

* ``unsupplied`` — **批而未供**: approved for the zone but not supplied to anyone; the land a new
  project or a firm's new plant can take.
* ``idle`` — **供而未用**: supplied, not used: land of projects (and firms' expansion plants) that
  chose the block and are still in approval, i.e. have not started building; plus the land of
  firms liquidated in the zombie-disposal campaign, held back until it can be let again
  (``held``, a part of ``idle``).
* ``construction`` — **建设中**: land of projects whose construction permit is issued, building
  or awaiting completion acceptance (the seed's 建而未投, built but not operating, is the end of it).
* ``operating`` — land of operating firms (under-used land, 用而未尽, is not a category: output per
  mu and the assessment measure it).

Land changes category only through the named rules below, each a method:
:meth:`LandLedger.open_balance` (the start's firms and pipeline projects),
:meth:`~LandLedger.supply` (location choice: unsupplied → idle),
:meth:`~LandLedger.start_construction` (permit: idle → construction),
:meth:`~LandLedger.start_production` (construction → operating),
:meth:`~LandLedger.exit` (operating → unsupplied, or → idle held back),
:meth:`~LandLedger.release_held` (held back → unsupplied after the re-let lag),
:meth:`~LandLedger.recover_idle` (idle → unsupplied: 国土资源部令第53号, 闲置土地处置办法 2012, art. 14
[R]: land supplied but not built on for two years is taken back without compensation),
:meth:`~LandLedger.cut_unbuilt` (consolidation's 核减: unsupplied land leaves the approved area),
:meth:`~LandLedger.close_blocks` / :meth:`~LandLedger.open_blocks` (a block leaves or joins the
zones: delisted, abolished with its zone, or founded).

The firm-held categories are stored, not recomputed, so :meth:`LandLedger.check` can compare them
with the firm table: if any code moved a firm's land (changed its state) without its rule, the
check fails.  The idle-land **fee** of the same article (up to 20% of the land price for land idle
≥ 1 year) is not charged: projects in approval keep no accounts it could be charged to; the
ledger reports its base (:meth:`LandLedger.idle_over`).

Units: mu.  Everything is O(blocks + rows touched) array work.
"""

from __future__ import annotations

import numpy as np

from sim.model.lifecycle import LifeCycle

#: the four categories, in the order of the records (``land_<name>``)
CATEGORIES = ("unsupplied", "idle", "construction", "operating")


class LandLedger:
    """Per block of the model's zones (index = block), the approved land in four categories (mu)."""

    def __init__(self, model):
        self.model = model
        n = model.block_land.size
        self.unsupplied = np.where(model.block_active, model.block_land, 0.0)
        self.idle = np.zeros(n)  # incl. held
        self.held = np.zeros(n)  # of idle: liquidated firms' land not yet let again
        self.construction = np.zeros(n)
        self.operating = np.zeros(n)
        self._release: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # month -> (blocks, mu)
        self.projects = np.zeros(0, dtype=np.int64)  # rows in approval (in zones or not), ascending
        self.recovered_month = 0.0  # mu taken back under 53号令 this month
        self.cut_month = 0.0  # mu cut from the approved area this month (核减)
        self.cut_total = 0.0

    # ------------------------------------------------------------------ helpers
    def _by_block(self, rows: np.ndarray) -> np.ndarray:
        """Land of ``rows`` summed by their block (rows outside zones, block -1, left out)."""
        f = self.model.firms
        rows = np.asarray(rows, dtype=np.int64)
        inside = rows[f.block[rows] >= 0]
        return np.bincount(f.block[inside], weights=f.land[inside], minlength=self.unsupplied.size)

    def totals(self, blocks: np.ndarray | None = None) -> dict[str, float]:
        """The four categories summed over active blocks (or ``blocks``), mu."""
        sel = self.model.block_active if blocks is None else blocks
        return {c: float(getattr(self, c)[sel].sum()) for c in CATEGORIES}

    def by_zone(self) -> dict[str, np.ndarray]:
        """The four categories summed over each zone's active blocks, mu."""
        m = self.model
        act = m.block_active
        return {
            c: np.bincount(m.block_zone[act], weights=getattr(self, c)[act], minlength=len(m.zones)) for c in CATEGORIES
        }

    def idle_over(self, months: int) -> float:
        """Land in zones of projects supplied ``months`` or more ago and still not building (mu):
        the base of 53号令's idle-land fee (idle ≥ 1 year)."""
        m, f = self.model, self.model.firms
        old = self.projects[(m.month - f.entry_month[self.projects] >= months) & (f.block[self.projects] >= 0)]
        return float(f.land[old].sum())

    def reset_month(self) -> None:
        self.recovered_month = 0.0
        self.cut_month = 0.0

    # ------------------------------------------------------------------ rules
    def open_balance(self, rows: np.ndarray) -> None:
        """Opening balance: the start's firms (operating) and pipeline projects (under construction)
        hold their land in the category of their state, taken from the unsupplied land."""
        f = self.model.firms
        rows = np.asarray(rows, dtype=np.int64)
        for state, cat in ((LifeCycle.CONSTRUCTION, self.construction), (LifeCycle.OPERATING, self.operating)):
            mu = self._by_block(rows[f.state[rows] == state])
            self.unsupplied -= mu
            cat += mu

    def supply(self, rows: np.ndarray) -> None:
        """Supply to projects (location choice, or a firm's new plant): their land goes from
        unsupplied to idle (supplied, not yet built on) the month they choose the block."""
        mu = self._by_block(rows)
        self.unsupplied -= mu
        self.idle += mu
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and (self.projects.size == 0 or rows[0] > self.projects[-1]) and np.all(rows[1:] > rows[:-1]):
            self.projects = np.concatenate([self.projects, rows])  # new rows, ascending: already the union
        else:
            self.projects = np.union1d(self.projects, rows)

    def start_construction(self) -> np.ndarray:
        """Construction start: projects whose permit the approval pipeline has issued since the
        last look (their state left IN_APPROVAL) move their land from idle to construction.
        Returns their rows."""
        f = self.model.firms
        started = self.projects[f.state[self.projects] != LifeCycle.IN_APPROVAL]
        if started.size:
            if np.any(f.state[started] == LifeCycle.WITHDRAWN):
                raise RuntimeError("a withdrawn project was not taken off the land ledger by recover_idle")
            self.projects = self.projects[f.state[self.projects] == LifeCycle.IN_APPROVAL]
            mu = self._by_block(started)
            self.idle -= mu
            self.construction += mu
        return started

    def start_production(self, rows: np.ndarray) -> None:
        """Production start (completion accepted): land goes from construction to operating."""
        mu = self._by_block(rows)
        self.construction -= mu
        self.operating += mu

    def exit(self, rows: np.ndarray, relet_months: int = 0) -> None:
        """Exit of operating firms: their land returns to the block's unsupplied land at once, or,
        after a liquidation, is held back (idle) until ``relet_months`` later (:meth:`release_held`)."""
        f = self.model.firms
        rows = np.asarray(rows, dtype=np.int64)
        mu = self._by_block(rows)
        self.operating -= mu
        if relet_months > 0:
            self.idle += mu
            self.held += mu
            inside = rows[f.block[rows] >= 0]
            if inside.size:
                self._release.setdefault(self.model.month + relet_months, []).append(
                    (f.block[inside].copy(), f.land[inside].copy())
                )
        else:
            self.unsupplied += mu

    def release_held(self) -> None:
        """Land held back since a liquidation can be let again from this month: idle → unsupplied."""
        n = self.unsupplied.size
        for blocks, mu in self._release.pop(self.model.month, []):
            back = np.minimum(np.bincount(blocks, weights=mu, minlength=n), self.held)  # rounding only
            self.held -= back
            self.idle -= back
            self.unsupplied += back

    def due_for_recovery(self, months: int) -> np.ndarray:
        """Rows of projects (in zones or on county land) supplied ``months`` or more ago that have not
        started building: idle land 53号令 takes back."""
        f, m = self.model.firms, self.model
        return self.projects[m.month - f.entry_month[self.projects] >= months]

    def recover_idle(self, rows: np.ndarray) -> float:
        """Idle-land recovery (国土资源部令第53号, art. 14 [R]: idle ≥ 2 years, taken back without
        compensation): the projects' land goes from idle back to unsupplied and they leave the
        ledger's projects.  Returns the mu recovered in zones."""
        rows = np.asarray(rows, dtype=np.int64)
        mu = self._by_block(rows)
        self.idle -= mu
        self.unsupplied += mu
        self.projects = np.setdiff1d(self.projects, rows, assume_unique=True)
        got = float(mu.sum())
        self.recovered_month += got
        return got

    def cut_unbuilt(self, blocks: np.ndarray, reserve_share: float) -> float:
        """Consolidation's cut of unbuilt area (核减): each block in ``blocks`` keeps its supplied land
        (idle, construction, operating) and ``reserve_share`` of its unsupplied land as a planned
        reserve; the rest of the unsupplied land leaves the approved area (``block_land``).
        Returns the mu cut."""
        blocks = np.asarray(blocks, dtype=np.int64)
        cut = (1.0 - reserve_share) * self.unsupplied[blocks]
        self.unsupplied[blocks] -= cut
        self.model.block_land[blocks] -= cut
        total = float(cut.sum())
        self.cut_month += total
        self.cut_total += total
        return total

    def close_blocks(self, blocks) -> None:
        """Blocks leave the zones (delisted, or abolished with their zone): they leave the ledger,
        with the land held back in them (their firms are outside zones from now on)."""
        blocks = np.asarray(blocks, dtype=np.int64)
        for cat in (self.unsupplied, self.idle, self.held, self.construction, self.operating):
            cat[blocks] = 0.0
        for entries in self._release.values():
            for b, mu in entries:
                mu[np.isin(b, blocks)] = 0.0

    def open_blocks(self, blocks) -> None:
        """Blocks join the zones (a zone founded): all their approved land is unsupplied."""
        blocks = np.asarray(blocks, dtype=np.int64)
        self.unsupplied[blocks] = self.model.block_land[blocks]

    # ------------------------------------------------------------------ checks
    def check(self, tol: float = 1e-6) -> list[str]:
        """What is wrong with the ledger now (empty if nothing): on every active block the four
        categories are non-negative and add up to the approved area; inactive blocks hold nothing;
        the firm-held categories equal the land of the firms in those states (so no firm's land
        changed category outside a rule); ``held`` is a part of ``idle``."""
        m, f = self.model, self.model.firms
        act = m.block_active
        errors = []
        total = self.unsupplied + self.idle + self.construction + self.operating
        scale = tol * np.maximum(1.0, m.block_land)
        if np.any(np.abs(total - m.block_land)[act] > scale[act]):
            b = np.flatnonzero(act & (np.abs(total - m.block_land) > scale))
            errors.append(f"not conserved on blocks {b.tolist()}: {total[b]} vs approved {m.block_land[b]}")
        for name in (*CATEGORIES, "held"):
            cat = getattr(self, name)
            if np.any(cat < -scale):
                errors.append(f"{name} negative on blocks {np.flatnonzero(cat < -scale).tolist()}")
            if np.any(np.abs(cat[~act]) > scale[~act]):
                errors.append(f"{name} on inactive blocks {np.flatnonzero(~act & (np.abs(cat) > scale)).tolist()}")
        if np.any(self.held > self.idle + scale):
            errors.append("held exceeds idle")
        for name, state in (
            ("idle", LifeCycle.IN_APPROVAL),
            ("construction", LifeCycle.CONSTRUCTION),
            ("operating", LifeCycle.OPERATING),
        ):
            firm_held = self._by_block(np.flatnonzero(f.state == state))
            ledger = getattr(self, name) - (self.held if name == "idle" else 0.0)
            bad = np.abs(firm_held - ledger) > scale
            if np.any(bad):
                b = np.flatnonzero(bad)
                errors.append(f"{name} on blocks {b.tolist()}: ledger {ledger[b]} vs firms {firm_held[b]}")
        in_approval = np.flatnonzero(f.state == LifeCycle.IN_APPROVAL)
        if not np.array_equal(in_approval, self.projects):
            errors.append("the ledger's projects are not the firm table's projects in approval")
        return errors
