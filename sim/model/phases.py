"""The month's phases of :class:`~sim.model.model.ZoneReformModel` (the order is ``step``'s, in
:mod:`sim.model.model`): the approval pipeline and construction sites since the last step, zones
founded, markets and production, exits, and the year's close."""

from __future__ import annotations

import numpy as np

from sim.model.agents import ZoneStatus
from sim.model.credit import book_financing
from sim.model.firm_accounts import book_month, close_year, install_capital, reset_year_accounts, update_productivity
from sim.model.firm_exits import exit_draws
from sim.model.firms import agglomeration_of_rows, site_cluster
from sim.model.lifecycle import DisposalPath
from sim.model.market import clear_markets
from sim.model.streams import Stream, stream
from sim.model.tax import close_tax_year, monthly_tax_array


class MonthlyPhases:
    """The phases ``ZoneReformModel.step`` runs each month (a mixin of the model: they read and write its state)."""

    def _spin_up(self) -> None:
        """Simulate the spin-up months (``time.spinup_years`` before the start) and forget their
        records, so that the run starts at month 0 from a state the model's own dynamics made:
        firms' debt, ages, zombie histories and customer bases, the offices' queues and the
        projects in the pipeline.  The population is generated at the first month, its sales at the
        spending paths' level then; spending and labour supply follow their trends from there
        (:attr:`path_month`); tax rates are the start month's (:attr:`dated_month`); no policy
        dated from the start on has begun."""
        while self.month < 0 and self.running:
            self.step()
        self.recorder.forget()
        self.office_pool.reset_statistics()
        self.steps = 0  # Mesa's step count: months since the start (as max_steps of mesa.batch_run reads it)

    def _reset_month_counters(self) -> None:
        self.exits_month = 0
        self.zombie_exits_month = 0
        self.entries_month = 0
        self.projects_month = 0
        self.projects_crowded_out = 0
        self.ra_spending_month = 0.0
        self.subsidy_month = 0.0
        self.investment_month = 0.0
        self.expansions_month = 0
        self.expansions_blocked_month = 0
        self.expansions_refused_month = 0
        self.completed_month: list[float] = []  # approval working days of the month's completed projects
        self.completed_gov_month: list[float] = []  # ... of which the government's processing time
        self.items_served_month = 0  # ... their items done at an office
        self.items_late_month = 0  # ... of which over the statutory limit (approval-process reform)
        self.checks_failed_month = 0  # ... their failed post-approval checks
        self.land_freed_month = 0.0
        self.projects_withdrawn_month = 0
        self.mu_recoveries_month = 0  # firms closed by 亩均 land recovery (sim.model.policies.mu_classes)
        self.land.reset_month()
        self.capacity.reset_month()
        self.disposals_month = np.zeros(len(DisposalPath), dtype=np.int64)  # cases closed, by path

    def _found_zones(self) -> None:
        planned = [z for z in self._planned if z.status == ZoneStatus.PLANNED]
        self._planned = [z for z in planned if z.founded_month is None or z.founded_month > self.month]
        for z in planned:
            if z.founded_month is not None and z.founded_month <= self.month:
                body = self.policies.consolidation.body_for_new_zone(z)
                if body is not None:
                    z.body = body
                z.status = ZoneStatus.ACTIVE
                z.body.zones.add(z)
                if not z.body.active:
                    z.body.active = True
                    z.body.office.set_staff(self.params.bodies.approval_staff[z.body.rank], self.time)
                self.block_active[z.blocks] = True
                self.land.open_blocks(z.blocks)
                self.log_zone_event(z, "founded", f"managed by body {z.body.body_id}")

    def _produce(self) -> None:
        """Markets clear, firms book the month and borrow, capital is installed (module docstring, 2)."""
        f, p = self.firms, self.params
        idx = self._operating_rows()
        shocks = stream(p.seed, Stream.PRODUCTIVITY, self.month).standard_normal(self._next_key)
        a = update_productivity(f, idx, shocks[f.key[idx]], p.firms)
        agg = agglomeration_of_rows(  # the operating firms' own columns: not every row ever created
            site_cluster(f.site_block[idx], self.block_zone_start),
            f.sector[idx],
            np.arange(idx.size),
            len(self.zones),
            len(self.sector_names),
            p.firms.agglomeration_elasticity,
        )
        a_eff = a + np.log(agg)
        path = self.spending_path[self.path_month]
        price, qty, cap, index, spend = clear_markets(
            idx,
            f.sector,
            a_eff,
            f.capital,
            f.demand_weight,
            len(self.sector_names),
            self.k_cap,
            self.sigma,
            self.sigma_a,
            self.home_share,
            path * (1.0 - self.export_share),
            path * self.export_share,
            self.p_star,
            p.market.demand == "elastic",
            self.labour.cost_index(self.path_month),
        )
        sold = np.isfinite(index)
        self.sector_price = np.where(sold, index, np.nan)
        self.sector_spending = spend
        self.sector_shifter = np.where(
            sold, spend * np.where(sold, index, 1.0) ** (self.sigma - 1.0), path * self.p_star ** (self.sigma - 1.0)
        )
        vat = self.vat_rate[self.dated_month]
        req = book_month(
            f,
            idx,
            a_eff,
            price,
            qty,
            cap,
            self.sigma,
            self.k_cap,
            p.firms,
            self.labour.wage,
            p.labour,
            self.month,
            monthly_tax_array(p.tax, vat, self.local_vat_share[self.dated_month]),
            self.resource_tax,
            self.labour.input_price(self.path_month),
        )
        # within capacity licences where capacity replacement binds (sim.model.capacity)
        req["internal"], req["loan"] = self.capacity.cap_investment(idx, req["internal"], req["loan"], a_eff)
        self.labour.adjust(
            self.path_month, np.bincount(f.sector[idx], weights=f.workers[idx], minlength=len(self.sector_names))
        )
        pool = f.credit_pool[idx]
        self.credit.repay(pool, req["repay"])
        lent = self.credit.roll_over(pool, req["deficit"])  # evergreen: deficits are always financed
        loans = self.credit.grant(pool, req["loan"], "investment")
        # debt, rescues (kept alive by loans: the official zombie test), capital under construction and
        # its input VAT (deducted from later output VAT), the year's investment: one compiled pass
        invest = book_financing(f, idx, lent, loans, req["repay"], req["internal"], vat, self.month + 12)
        self.investment_month += float(invest.sum())
        install_capital(f, idx, p.firms)
        self.market.expansions(idx, req["beyond_plant"])
        self.credit.grow()

    def _exits(self) -> None:
        """Insolvency exits under the soft budget constraint (a yellow card cuts zombies' protection)."""
        f = self.firms
        self.land.release_held()
        self._recover_idle_land()
        idx = self._operating_rows()
        if idx.size == 0:
            return
        carded = np.append(self.zone_table.carded_this_year, False)  # [-1]: outside
        u = stream(self.params.seed, Stream.EXIT, self.month).random(self._next_key)
        gone = idx[
            exit_draws(
                f,
                idx,
                u,
                len(self.counties),
                carded,
                1.0 - self.params.policy.assessment.yellow_card_protection_cut,
                self.params.protection,
                self.params.firms,
            )
        ]
        self.close_firms(gone)

    def _recover_idle_land(self) -> None:
        """Idle-land recovery (国土资源部令第53号, art. 14 [R]): a project supplied land
        ``land.idle_recovery_months`` or more ago that has not started building loses it, without
        compensation, and gives up (:meth:`withdraw_projects`)."""
        rows = self.land.due_for_recovery(self.params.land.idle_recovery_months)
        if rows.size:
            self.land.recover_idle(rows)
            self.withdraw_projects(rows)

    def _close_year(self) -> None:
        """Zombie status from the year's accounts of firms that operated all twelve months;
        firms that started during the year only open fresh accounts; every operating firm closes
        its income-tax year (:func:`sim.model.tax.close_tax_year`)."""
        f = self.firms
        op = self._operating_rows()
        whole = self.operated_all_year()
        close_year(f, whole, self.params.zombie)
        reset_year_accounts(f, op[f.entry_month[op] > max(self.month - 11, self.first_month)])
        close_tax_year(f, op, self.params.tax)  # losses carried forward, income-tax year closed

    def operated_all_year(self) -> np.ndarray:
        """Rows (ascending) of the operating firms that have operated all twelve months of this year:
        the firms whose yearly accounts cover a whole year."""
        op = self._operating_rows()
        return op[self.firms.entry_month[op] <= max(self.month - 11, self.first_month)]

    def _learn_from_year(self) -> None:
        """What the year teaches for the next: investors' expected approval latency (from the year's
        completions, :meth:`InvestmentMarket.update_expected_latency`) and each zone's output of
        the year (``last_output``, the assessment's growth indicator)."""
        self.market.update_expected_latency()
        out = self.zone_year_output()
        for z in self.zones:
            z.last_output = out[z.index]

    def _advance_pipeline(self) -> None:
        """Before the month's phases: what happened in the approval pipeline and on construction
        sites since the last step (permits, production starts), in time order: until the end of this
        month (:meth:`Clock.step_time`)."""
        now = self.clock.step_time(self.month)
        due = int(np.searchsorted(self._pipeline_starts, now, side="left"))
        if due:
            self.start_production(self._pipeline_rows[:due])
            self._pipeline_rows, self._pipeline_starts = self._pipeline_rows[due:], self._pipeline_starts[due:]
        done = self.approval.advance(now)
        rows = done["row"]
        firm_rows = rows[rows >= 0]  # government projects (rows < 0) hold no plant, land or VAT credit
        self._credit_plant_vat(firm_rows)
        self.land.start_construction()  # the permits issued: idle -> construction
        self.land.start_production(firm_rows)  # completions accepted: construction -> operating
        if rows.size:
            plant = np.zeros(rows.size, dtype=bool)  # firms' expansion plants
            plant[rows >= 0] = self.firms.parent[firm_rows] >= 0
            new = (rows >= 0) & ~plant  # new enterprises: the monthly approval records are theirs
            wd, days = self.approval.latency(done)
            self.market.observe_latency(done["zone"][new], days[new])
            self.recorder.log_approvals(done, plant, wd, days)
            self.completed_month += wd[new].tolist()
            self.completed_gov_month += done["gov_wd"][new].tolist()
            self.items_served_month += int(done["items_served"][new].sum())
            self.items_late_month += int(done["items_late"][new].sum())
            self.checks_failed_month += int(done["checks_failed"][new].sum())
            self.entries_month += int(new.sum()) + self.install_expansions(rows[plant])
