"""What the model records: monthly region series, yearly per-zone and per-firm-group tables, event logs.

Rows are kept in memory as plain dicts; :meth:`Recorder.tables` returns pandas DataFrames.
The runner decides where (and whether) to write them.  Units: output and money in 万 yuan,
land in mu, latency in working days (``_wd``) and calendar days (``_days``); ``approval_gov_*`` is the
government's processing time only (no applicant preparation, no hand-offs between stages).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.model.aggregates import count_codes
from sim.model.lifecycle import DisposalPath, LifeCycle
from sim.model.metrics_tables import AGE_BANDS, AGE_LABELS, RecorderTables
from sim.model.policies.mu_classes import D_CLASS


class Recorder(RecorderTables):
    def __init__(self, model):
        self.model = model
        self.monthly: list[dict] = []
        self.zone_years: list[dict] = []
        self.approvals: list[dict] = []
        self.exits: list[dict] = []
        self.zone_events: list[dict] = []
        self.firm_groups: list[dict] = []  # per year: group keys and sums (see firm_groups_table)
        self.sector_years: list[dict] = []
        self.panel: list[dict] = []  # per year: the firm panel's columns (see firm_panel_table)
        self.land_years: list[dict] = []  # per year: firms on zone land (see land_yearly_table)
        n_sec = len(model.sector_names)
        self._sector_acc = {k: np.zeros(n_sec) for k in ("revenue", "output_real", "spending_path")}

    def forget(self) -> None:
        """Drop every record so far (the spin-up's).  Nothing here feeds the dynamics: the recorder
        only reads the model's state."""
        for log in (
            self.monthly,
            self.zone_years,
            self.approvals,
            self.exits,
            self.zone_events,
            self.firm_groups,
            self.sector_years,
            self.panel,
            self.land_years,
        ):
            log.clear()

    # ------------------------------------------------------------------ events
    def log_approvals(self, done: dict, plant: np.ndarray, wd: np.ndarray, days: np.ndarray) -> None:
        """Record projects whose approval items are all done (a batch from
        :meth:`~sim.model.approval.ApprovalSystem.advance`; ``plant``: which are firms' expansion
        plants; ``wd`` and ``days``: their approval time, :meth:`~sim.model.approval.ApprovalSystem.latency`),
        with the government's processing time (transit, queue, office work, review) in calendar days."""
        cal = self.model.calendar
        self.approvals.append(
            {
                **done,
                "expansion": plant,
                "approval_wd": wd,
                "approval_calendar_days": days,
                "approval_gov_calendar_days": done["gov_wd"] * cal.calendar_days_per_working_day,
                "to_permit_wd": cal.working_days(done["permit"] - done["applied"]),
            }
        )

    def log_exits(self, rows: np.ndarray) -> None:
        m = self.model
        f = m.firms
        self.exits.append(
            {
                "month": np.full(rows.size, m.month),
                "key": f.key[rows].copy(),
                "zone": f.zone[rows].copy(),
                "county": f.county[rows].copy(),
                "sector": f.sector[rows].copy(),
                "zombie": f.zombie[rows].copy(),
                "age": f.age[rows].copy(),
                "land_mu": f.land[rows].copy(),
                "capital": f.capital[rows].copy(),
                "insolvent": f.debt[rows] > m.params.firms.insolvency_leverage * f.capital[rows],
                "disposal_path": f.disposal_path[rows].copy(),
                "mu_class": f.mu_class[rows].copy(),
            }
        )

    def log_zone_event(self, zone, event: str, detail: str) -> None:
        m = self.model
        self.zone_events.append(
            {
                "date": m.calendar.label(m.month),
                "month": m.month,
                "zone_id": zone.zone_id,
                "name_zh": zone.name_zh,
                "event": event,
                "detail": detail,
            }
        )

    # ------------------------------------------------------------------ series
    def record_month(self) -> None:
        m = self.model
        f = m.firms
        op = m._operating_rows()
        op_in_zone = op[f.zone[op] >= 0]
        out = f.output[op]
        zombie = f.zombie[op]
        bodies = [b for b in m.bodies.values() if b.active]
        ranks = Counter(b.rank for b in bodies)
        bp = m.params.bodies
        land_use = m.zone_land_in_use()
        cap = m.zone_capacity()
        out_zone = float(f.output[op_in_zone].sum())
        land_zone = float(land_use.sum())
        n_op = int(op.size)
        in_states = count_codes(f.state, len(LifeCycle))
        dev = m.policies.devolution
        revenue_s = m.sector_spending / 12.0  # at the market's root: the sector's summed revenue
        with np.errstate(divide="ignore", invalid="ignore"):
            real_s = np.where(m.sector_spending > 0, revenue_s / m.sector_price, 0.0)
        self._sector_acc["revenue"] += revenue_s
        self._sector_acc["output_real"] += real_s
        self._sector_acc["spending_path"] += m.spending_path[m.path_month] / 12.0
        credit = m.credit_month
        ledger = m.land.totals()
        self.monthly.append(
            {
                "date": m.calendar.label(m.month),
                "month": m.month,
                "year": m.calendar.year(m.month),
                "output": float(out.sum()),
                "output_real": float(real_s.sum()),
                "output_in_zones": out_zone,
                "in_zone_output_share": out_zone / out.sum() if out.sum() > 0 else 0.0,
                "firms": n_op,
                "firms_in_zones": int(op_in_zone.size),
                "in_zone_firm_share": float(op_in_zone.size / n_op) if n_op else 0.0,
                "zombies": int(zombie.sum()),
                "zombie_share": float(zombie.mean()) if n_op else 0.0,
                "zombie_asset_share": m.zombie_asset_share(),
                "debt": float(f.debt[op].sum()),
                "capital": float(f.capital[op].sum()),
                "employment": float(f.workers[op].sum()),
                "capital_building": float(f.capital_wip[op].sum()),
                "investment": m.investment_month,
                "credit_limit": float(m.credit.limit.sum()),
                "credit_outstanding": float(m.credit.outstanding.sum()),
                **{f"credit_{k}": v for k, v in credit.items()},
                "exits": m.exits_month,
                "zombie_exits": m.zombie_exits_month,
                "entries": m.entries_month,
                "disposal_cases_open": m.policies.zombie_disposal.open_cases(),
                **{
                    f"disposal_{path.name.lower()}s": int(m.disposals_month[path])
                    for path in DisposalPath
                    if path != DisposalPath.NOT_LISTED
                },
                "projects": m.projects_month,
                "projects_crowded_out": m.projects_crowded_out,
                "expansions": m.expansions_month,
                "expansions_without_land": m.expansions_blocked_month,
                "expansions_crowded_out": m.expansions_refused_month,
                "in_approval": int(in_states[LifeCycle.IN_APPROVAL]),
                "under_construction": int(in_states[LifeCycle.CONSTRUCTION]),
                "approvals_completed": len(m.completed_month),
                "approval_wd_mean": float(np.mean(m.completed_month)) if m.completed_month else np.nan,
                "approval_gov_wd_mean": float(np.mean(m.completed_gov_month)) if m.completed_gov_month else np.nan,
                "approval_items_late_share": (
                    m.items_late_month / m.items_served_month if m.items_served_month else np.nan
                ),
                "approval_checks_failed": m.checks_failed_month,
                "zones": len(m.active_zones()),
                "bodies": len(bodies),
                "leadership_posts": sum(bp.leadership_posts[r] * n for r, n in ranks.items()),
                "departments": sum(bp.departments[r] * n for r, n in ranks.items()),
                "admin_cost": sum(bp.admin_cost[r] * n for r, n in ranks.items()) / 12.0,
                "ra_spending": m.ra_spending_month,
                "subsidy_spending": m.subsidy_month,
                "land_capacity": float(cap.sum()),
                "land_in_use": land_zone,
                "land_freed": m.land_freed_month,
                "land_held_for_relet": float(m.block_land_held.sum()),
                **{f"land_{c}": v for c, v in ledger.items()},
                "land_recovered_idle": m.land.recovered_month,
                "land_idle_over_1y": m.land.idle_over(m.params.land.idle_fee_months),
                "land_cut": m.land.cut_month,
                "projects_withdrawn": m.projects_withdrawn_month,
                "mu_land_recoveries": m.mu_recoveries_month,
                "mu_class_d_firms": int((f.mu_class[op] == D_CLASS).sum()),
                "capacity_quota": float(m.capacity.quota.sum()),
                "capacity_retired": m.capacity.retired,
                "capacity_quota_added": m.capacity.added,
                "capacity_quota_granted": m.capacity.granted,
                "projects_refused_quota": m.capacity.projects_refused,
                "expansions_refused_quota": m.capacity.expansions_refused,
                "output_per_mu": 12.0 * out_zone / land_zone if land_zone > 0 else 0.0,
                "competition_index": m.market.competition_index,
                "powers_devolved": dev.params.powers if dev.active else 0,
                "ra_items": dev.params.regional_assessment_items if dev.active else 0,
            }
        )

    def record_year(self) -> None:
        m = self.model
        year = m.calendar.year(m.month)
        out, tax, tax_local = m.zone_year_output(), m.zone_year_tax(), m.zone_year_local_tax()
        firms, zombies = m.zone_firm_counts(), m.zone_zombie_counts()
        land, cap = m.zone_land_in_use(), m.zone_capacity()
        ledger = m.land.by_zone()
        ra_done = m.zone_regional_assessments_done()
        self.record_firm_groups(year)
        self.record_sectors(year)
        if m.params.output.land_yearly:
            self.record_land_year(year)
        if m.params.output.firm_panel:
            self.record_panel(year)
        for z in m.zones:
            i = z.index
            if z.status == "planned":
                continue
            self.zone_years.append(
                {
                    "year": year,
                    "zone_id": z.zone_id,
                    "name_zh": z.name_zh,
                    "name_en": z.name_en,
                    "county_id": z.county_id,
                    "level": z.level,
                    "type": z.type,
                    "status": str(z.status),
                    "merged_into": z.merged_into,
                    "body_id": z.body.body_id,
                    "rank": z.body.rank,
                    "blocks": int(m.block_active[z.blocks].sum()) if z.blocks else 0,
                    "land_capacity": cap[i],
                    "land_in_use": land[i],
                    **{f"land_{c}": v[i] for c, v in ledger.items()},
                    "firms": int(firms[i]),
                    "zombies": int(zombies[i]),
                    "output": out[i],
                    "tax": tax[i],
                    "tax_local": tax_local[i],
                    "output_per_mu": out[i] / land[i] if land[i] > 0 else 0.0,
                    "tax_per_mu": tax[i] / land[i] if land[i] > 0 else 0.0,
                    "tax_local_per_mu": tax_local[i] / land[i] if land[i] > 0 else 0.0,
                    "score": z.score if z.active else np.nan,
                    "class_rank": z.class_rank if z.active else 0,
                    "yellow_card": z.carded_this_year,
                    "consecutive_bottom": z.consecutive_bottom,
                    "yellow_cards_total": z.yellow_cards,
                    "subsidy": z.subsidy,
                    "entry_bar": z.entry_bar,
                    "expected_latency_days": z.expected_latency_days,
                    "ra_items_done": int(ra_done[i]),
                    "office_staff": z.body.office.staff,
                    "renamed": z.renamed,
                }
            )

    def record_firm_groups(self, year: int) -> None:
        """Operating firms at the year end by sector, age band and location: count, zombies, output."""
        m = self.model
        f = m.firms
        op = m._operating_rows()
        rank = np.empty(len(m.sector_names), dtype=np.int64)  # groups come out in the order of sector names
        rank[np.argsort(np.asarray(m.sector_names, dtype=object), kind="stable")] = np.arange(rank.size)
        n_bands = len(AGE_LABELS)
        band = np.searchsorted(AGE_BANDS, f.age[op], side="right") - 1  # [lower, upper) bands
        key = (rank[f.sector[op]] * n_bands + band) * 2 + (f.zone[op] >= 0)
        n_groups = rank.size * n_bands * 2
        firms = np.bincount(key, minlength=n_groups)
        zombies = np.bincount(key, weights=f.zombie[op], minlength=n_groups)
        output = np.bincount(key, weights=f.output_year[op], minlength=n_groups)
        present = np.flatnonzero(firms)
        self.firm_groups.append(
            {
                "year": np.full(present.size, year),
                "key": present,
                "firms": firms[present],
                "zombies": zombies[present].astype(np.int64),
                "output": output[present],
            }
        )

    def record_sectors(self, year: int) -> None:
        """The year's market and capital by sector (operating firms at the year end for stocks)."""
        m = self.model
        f = m.firms
        op = m._operating_rows()
        n = len(m.sector_names)
        sec = f.sector[op]

        def by(values, s=sec):
            return np.bincount(s, weights=values, minlength=n)

        every = np.flatnonzero(f.state != LifeCycle.PROJECT)  # yearly flows of firms that left during the year too
        qty, cap = by(f.quantity[op]), by(f.capacity[op])
        with np.errstate(divide="ignore", invalid="ignore"):
            self.sector_years.append(
                {
                    "year": np.full(n, year),
                    "sector": np.asarray(m.sector_names, dtype=object),
                    "revenue": self._sector_acc["revenue"].copy(),
                    "output_real": self._sector_acc["output_real"].copy(),
                    "spending_at_rest_of_china_price": self._sector_acc["spending_path"].copy(),
                    "price_index": m.sector_price.copy(),
                    "firms": np.bincount(sec, minlength=n),
                    "zombies": np.bincount(sec[f.zombie[op]], minlength=n),
                    "capital": by(f.capital[op]),
                    "capital_building": by(f.capital_wip[op]),
                    "zombie_capital": by(f.capital[op] * f.zombie[op]),
                    "investment": by(f.investment_year[every], f.sector[every]),
                    "capacity_units": cap,
                    "output_units": qty,
                    "utilisation": np.where(cap > 0, qty / cap, np.nan),
                    "debt": by(f.debt[op]),
                    "employment": by(f.workers_year[every], f.sector[every]),
                    "wage_index": m.labour.wage.copy(),
                    "replacement_quota": m.capacity.quota.copy(),
                }
            )
        for acc in self._sector_acc.values():
            acc[:] = 0.0

    def record_panel(self, year: int) -> None:
        """Firms that operated the whole year: one row each (the firm panel)."""
        m = self.model
        f = m.firms
        rows = m.operated_all_year()
        with np.errstate(divide="ignore", invalid="ignore"):
            util = np.where(f.capacity[rows] > 0, f.quantity[rows] / f.capacity[rows], np.nan)
        self.panel.append(
            {
                "year": np.full(rows.size, year),
                "key": f.key[rows].copy(),
                "sector": f.sector[rows].copy(),
                "zone": f.zone[rows].copy(),
                "zombie": f.zombie[rows].copy(),
                "age": f.age[rows].copy(),
                "state_owned": f.state_owned[rows].copy(),
                "log_productivity": f.log_prod[rows].copy(),
                "revenue": f.output_year[rows].copy(),
                "variable_inputs": f.var_input_year[rows].copy(),
                "employment": f.workers_year[rows].copy(),
                "capital": f.capital[rows].copy(),
                "capital_start": f.capital_year_start[rows].copy(),
                "investment": f.investment_year[rows].copy(),
                "debt": f.debt[rows].copy(),
                "price": f.price[rows].copy(),
                "utilisation": util,
                "mu_class": f.mu_class[rows].copy(),
            }
        )

    def record_land_year(self, year: int) -> None:
        """Firms whose land lies on zone ground (``site_block`` ≥ 0) and that operated during the
        year: operating at the year end, or with output or taxes this year (left during it).  One
        row each, recorded after the year-end policies (as ``zones_yearly``): the zone managing it
        then, its operating land then (0 if no longer operating) and its yearly flows.  The flows
        are those :meth:`~sim.model.aggregates.ZoneAggregates.zone_year_output` sums by zone (every
        row with a zone, whatever its state), so the rows with a zone add up to the zones' totals."""
        m = self.model
        f = m.firms
        op = f.state == LifeCycle.OPERATING
        sel = (f.site_block >= 0) & (op | (f.output_year != 0) | (f.tax_year != 0) | (f.local_tax_year != 0))
        rows = np.flatnonzero(sel)
        self.land_years.append(
            {
                "year": np.full(rows.size, year),
                "key": f.key[rows].copy(),
                "row": rows,
                "site_block": f.site_block[rows].copy(),
                "zone": f.zone[rows].copy(),
                "land_mu": np.where(op[rows], f.land[rows], 0.0),
                "output_year": f.output_year[rows].copy(),
                "tax_year": f.tax_year[rows].copy(),
                "local_tax_year": f.local_tax_year[rows].copy(),
                "operating": op[rows],
            }
        )
