"""Life events of enterprises in :class:`~sim.model.model.ZoneReformModel`: projects created and
started, expansion plants, closures, withdrawals, takeovers and debt restructuring."""

from __future__ import annotations

import numpy as np

from sim.model.lifecycle import LifeCycle


class FirmEvents:
    """Enterprises' life events (a mixin of the model: they write the firm table and the model's counters)."""

    def close_firms(self, rows: np.ndarray, relet_months: int = 0, replaceable: float = 1.0) -> None:
        """The operating firms ``rows`` close: their debt is written off (the capital recovers part
        of it), their zone land returns to its block, at once or after ``relet_months``, and, in a
        sector under capacity replacement, ``replaceable`` of their capacity becomes quota."""
        if rows.size == 0:
            return
        f = self.firms
        self.capacity.retire(rows, replaceable)
        self.credit.write_off(f.credit_pool[rows], f.debt[rows], f.capital[rows] + f.capital_wip[rows])
        self.firms.set_state(rows, LifeCycle.EXITED)
        f.exit_month[rows] = self.month
        self.exits_month += rows.size
        self.zombie_exits_month += int(f.zombie[rows].sum())
        in_zone = rows[f.zone[rows] >= 0]
        self.land_freed_month += float(f.land[in_zone].sum())
        self.land.exit(rows, relet_months)
        self.recorder.log_exits(rows)

    @property
    def block_land_held(self) -> np.ndarray:
        """Per block, liquidated firms' land held back until it can be let again, mu (of the ledger's idle land)."""
        return self.land.held

    def withdraw_projects(self, rows: np.ndarray) -> None:
        """Projects in approval at ``rows`` give up: they leave the approval pipeline (their open
        items are not served), repay the loan they had not spent (nothing was built) and stay in
        the table as WITHDRAWN, with the month in ``exit_month``; a firm whose new plant gives up
        may file another."""
        f = self.firms
        self.credit.repay(f.credit_pool[rows], f.debt[rows])
        self.capacity.give_back(rows)
        f.debt[rows] = 0.0
        self.firms.set_state(rows, LifeCycle.WITHDRAWN)
        f.exit_month[rows] = self.month
        plant = rows[f.parent[rows] >= 0]
        f.expanding[f.parent[plant]] = False
        self.projects_withdrawn_month += rows.size

    def take_over(self, targets: np.ndarray, acquirers: np.ndarray) -> None:
        """Mergers (兼并重组): each firm ``targets[i]`` is taken over by ``acquirers[i]``, which runs its
        plant at its own productivity and sells to its customers too: capital (installed and
        building), land, customer base, overhead, workers (职工安置: the acquirer takes them on, and
        sheds those it does not need as any firm paying its own way does) and VAT credit move to the
        acquirer; the acquirer assumes the debt its capital recovers (``credit.recovery_rate``), the
        rest is written down."""
        if targets.size == 0:
            return
        f, fp = self.firms, self.params.firms
        k = f.capital[targets] + f.capital_wip[targets]
        assumed = np.minimum(f.debt[targets], self.params.credit.recovery_rate * k)
        self.credit.write_down(f.credit_pool[targets], f.debt[targets] - assumed)
        self.credit.transfer(f.credit_pool[targets], f.credit_pool[acquirers], assumed)
        for col, moved in (
            (f.capital, f.capital[targets]),
            (f.capital_wip, f.capital_wip[targets]),
            (f.land, f.land[targets]),
            (f.demand_weight, f.demand_weight[targets]),
            (f.overhead, f.overhead[targets]),
            (f.debt, assumed),
            (f.plant_limit, fp.plant_headroom * f.capital[targets]),
            (f.workers, f.workers[targets]),
            (f.vat_credit, f.vat_credit[targets]),
            (f.licence, f.licence[targets]),
        ):
            np.add.at(col, acquirers, moved)
        self.exits_month += targets.size
        self.zombie_exits_month += int(f.zombie[targets].sum())
        f.land[targets] = 0.0  # the land stays in use, by the acquirer: none returns to the zone
        self.recorder.log_exits(targets)
        for col in (f.capital, f.capital_wip, f.debt, f.demand_weight, f.overhead, f.workers, f.vat_credit):
            col[targets] = 0.0
        self.firms.set_state(targets, LifeCycle.MERGED)
        f.acquired_by[targets] = acquirers  # taken over this month: its disposal_due

    def restructure(self, rows: np.ndarray, haircut: float) -> None:
        """Debt restructuring or a debt-for-equity swap (债转股): ``haircut`` of each firm's debt is
        written down (the banks' loss destroys lending capacity); the firm carries on, no longer
        kept alive by rolled-over loans (it stops hoarding workers until a deficit is rolled over
        again).  The income the forgiven debt makes is not taxed in the model."""
        if rows.size == 0:
            return
        f = self.firms
        cut = haircut * f.debt[rows]
        self.credit.write_down(f.credit_pool[rows], cut)
        f.debt[rows] -= cut
        f.rescued_until[rows] = np.minimum(f.rescued_until[rows], self.month)

    def next_keys(self, n: int) -> np.ndarray:
        """Random keys (CRN) for ``n`` new projects."""
        keys = np.arange(self._next_key, self._next_key + n, dtype=np.int64)
        self._next_key += n
        return keys

    def customer_base(self, size: np.ndarray, log_prod: np.ndarray, sector: np.ndarray) -> np.ndarray:
        """The demand weight φ with which a newcomer in ``sector`` sells ``size`` (万 yuan/year) at its
        monopolistic-competition price ``p = e^(-a)`` in today's market: revenue ``A_s·φ·p^(1-σ)`` =
        size, so ``φ = size·p^(σ-1)/A_s`` (``A_s`` the sector's demand shifter)."""
        sigma = self.sigma[sector]
        return size * np.exp(-log_prod) ** (sigma - 1.0) / np.maximum(self.sector_shifter[sector], 1e-300)

    def _add_projects(
        self, state: LifeCycle, keys, sector, zone, block, county, credit_pool, size, quality, capital, land
    ) -> np.ndarray:
        """New enterprises in ``state`` at their chosen locations (``zone`` index and ``block``, or -1
        outside), holding their land from now on; returns their rows.

        Its customer base is :meth:`customer_base` of its planned sales ``size``; its capital is
        sized to that output."""
        fp = self.params.firms
        price = np.exp(-quality)
        rows = self.firms.add(
            key=keys,
            sector=sector,
            zone=zone,
            county=county,
            credit_pool=credit_pool,
            block=block,
            state=int(state),
            log_prod=quality,
            capital=capital,
            capital_year_start=capital,
            plant_limit=fp.plant_headroom * capital,
            price=price,
            overhead=fp.fixed_cost_share * size,
            demand_weight=self.customer_base(size, quality, sector),
            capacity=np.exp(quality) * capital / self.k_cap[sector],
            land=land,
            debt=fp.entrant_leverage * capital,
            age=0.0,
            state_owned=self.ownership.entrants(keys),
            entry_month=self.month,
        )
        self.capacity.licence_new(rows)
        return rows

    def create_projects(self, keys, draws: dict, **projects) -> np.ndarray:
        """Investment projects that chose their locations: reserve the land and apply for approval
        (``draws``: their approval draws, one row per project, see :data:`sim.model.approval.DRAWS`)."""
        rows = self._add_projects(LifeCycle.IN_APPROVAL, keys, **projects)
        self.land.supply(rows)
        self.projects_month += rows.size
        self.approval.open(rows, draws)
        return rows

    def create_pipeline_projects(self, keys, starts_at: np.ndarray, **projects) -> np.ndarray:
        """Projects approved before the start and under construction: they hold their land and start
        production at ``starts_at`` (months from the start), with no approval record."""
        rows = self._add_projects(LifeCycle.CONSTRUCTION, keys, **projects)
        order = np.argsort(np.concatenate([self._pipeline_starts, starts_at]), kind="stable")
        self.land.open_balance(rows)
        self._pipeline_rows = np.concatenate([self._pipeline_rows, rows])[order]
        self._pipeline_starts = np.concatenate([self._pipeline_starts, starts_at])[order]
        return rows

    def create_expansions(self, parents: np.ndarray, capital: np.ndarray, land: np.ndarray, draws: dict) -> None:
        """New plants of the operating firms ``parents`` (capital and land of each): rows in
        approval that share their parent's location and random key (they never operate on their own
        while it lives)."""
        f, fp = self.firms, self.params.firms
        rows = f.add(
            key=f.key[parents],
            sector=f.sector[parents],
            zone=f.zone[parents],
            county=f.county[parents],
            credit_pool=f.credit_pool[parents],
            block=f.block[parents],
            site_block=f.site_block[parents],
            state=int(LifeCycle.IN_APPROVAL),
            log_prod=f.log_prod[parents],
            capital=capital,
            capital_year_start=capital,
            land=land,
            debt=fp.entrant_leverage * capital,
            parent=parents,
            age=0.0,
            state_owned=f.state_owned[parents],
            entry_month=self.month,
        )
        f.expanding[parents] = True
        self.capacity.licence_new(rows)
        self.land.supply(rows)
        self.expansions_month += rows.size
        self.approval.open(rows, draws)

    def install_expansions(self, rows: np.ndarray) -> int:
        """Expansion plants at ``rows`` are built: each is installed into its parent (capital, land,
        debt; its land can hold ``plant_headroom`` × the new capital); a plant whose parent has left
        carries on as a firm of its own (it keeps the key, and gets a customer base as a project of
        its size would).  Returns the number of such new firms."""
        if rows.size == 0:
            return 0
        f, fp = self.firms, self.params.firms
        parent = f.parent[rows]
        alive = f.state[parent] == LifeCycle.OPERATING
        into, plant = parent[alive], rows[alive]
        np.add.at(f.capital, into, f.capital[plant])
        np.add.at(f.plant_limit, into, fp.plant_headroom * f.capital[plant])
        np.add.at(f.debt, into, f.debt[plant])
        np.add.at(f.land, into, f.land[plant])
        np.add.at(f.vat_credit, into, f.vat_credit[plant])
        np.add.at(f.licence, into, f.licence[plant])
        f.expanding[parent] = False
        for col in (f.capital, f.debt, f.land, f.vat_credit):
            col[plant] = 0.0
        self.firms.set_state(plant, LifeCycle.MERGED)
        orphan = rows[~alive]
        if orphan.size:
            size = f.capital[orphan] / self.kappa[f.sector[orphan]]
            f.demand_weight[orphan] = self.customer_base(size, f.log_prod[orphan], f.sector[orphan])
            f.plant_limit[orphan] = fp.plant_headroom * f.capital[orphan]
            f.overhead[orphan] = fp.fixed_cost_share * size
            f.parent[orphan] = -1
        return int(orphan.size)

    def _credit_plant_vat(self, rows: np.ndarray) -> None:
        """A plant that starts production has paid input VAT on its capital goods: the month's VAT
        rate × its capital becomes VAT credit it deducts from its output VAT (a firm's new plant
        passes it to the firm, :meth:`install_expansions`)."""
        rows = np.asarray(rows, dtype=np.int64)
        self.firms.vat_credit[rows] += (
            self.vat_rate[min(self.dated_month, self.calendar.n_months - 1)] * self.firms.capital[rows]
        )

    def start_production(self, rows) -> None:
        """The enterprises at ``rows`` (under construction at the start) start operating (entries)."""
        self._credit_plant_vat(rows)
        self.firms.set_state(rows, LifeCycle.OPERATING)
        self.land.start_production(rows)
        self.firms.entry_month[rows] = self.month
        self.entries_month += np.size(rows)
