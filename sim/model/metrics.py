"""What the model records: monthly region series, yearly per-zone and per-firm-group tables, event logs.

Rows are kept in memory as plain dicts; :meth:`Recorder.tables` returns pandas DataFrames.
The runner decides where (and whether) to write them.  Units: output and money in 万 yuan,
land in mu, latency in working days (``_wd``) and calendar days (``_days``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from sim.model.firms import LifeCycle

#: firm-age bands (years) of the yearly firm table; the edges follow the zombie-by-age facts of
#: the literature (≈3% of firms aged 1-5, ≈23% of those over 30; ../shared/CALIBRATION.md)
AGE_BANDS = (0.0, 5.0, 10.0, 20.0, 30.0, np.inf)
AGE_LABELS = ("0-5", "5-10", "10-20", "20-30", "30+")


class Recorder:
    def __init__(self, model):
        self.model = model
        self.monthly: list[dict] = []
        self.zone_years: list[dict] = []
        self.approvals: list[dict] = []
        self.exits: list[dict] = []
        self.zone_events: list[dict] = []
        self.firm_groups: list[pd.DataFrame] = []
        self._year_latency: dict[int, list[float]] = defaultdict(list)
        self.zone_year_output_cache = np.full(len(model.zones), np.nan)

    # ------------------------------------------------------------------ events
    def log_approval(self, case) -> float:
        """Record a project whose four approval stages are done; return its approval latency (working days)."""
        m = self.model
        cal = m.calendar
        ent = case.enterprise
        z = int(m.firms.zone[ent.row])
        months = (m.time - case.applied) - m.params.firms.construction_months
        wd = cal.working_days(months)
        days = wd * cal.calendar_days_per_working_day
        permit_wd = cal.working_days(case.permit_at - case.applied)
        self.approvals.append({
            "key": ent.key, "zone_id": m.zones[z].zone_id if z >= 0 else None, "in_zone": z >= 0,
            "county_id": ent.county_id, "sector": ent.sector,
            "applied": cal.label(int(case.applied) - 1 if case.applied >= 1 else 0),
            "applied_time": case.applied, "permit_time": case.permit_at, "production_time": m.time,
            "stage1_wd": case.stage_days[0], "stage2_wd": case.stage_days[1],
            "stage3_wd": case.stage_days[2], "stage4_wd": case.stage_days[3],
            "to_permit_wd": permit_wd, "approval_wd": wd, "approval_days": days,
            "items_skipped": case.items_skipped,
        })
        self._year_latency[z].append(days)
        return wd

    def log_exits(self, rows: np.ndarray) -> None:
        m = self.model
        f = m.firms
        insolvent = f.debt[rows] > m.params.firms.insolvency_leverage * f.capital[rows]
        for r, ins in zip(rows, insolvent):
            z = int(f.zone[r])
            self.exits.append({
                "date": m.calendar.label(m.month), "month": m.month, "key": int(f.key[r]),
                "zone_id": m.zones[z].zone_id if z >= 0 else None,
                "county_id": m.county_ids[int(f.county[r])], "sector": m.sector_names[int(f.sector[r])],
                "zombie": bool(f.zombie[r]), "age": float(f.age[r]), "insolvent": bool(ins),
                "land_mu": float(f.land[r]), "capital": float(f.capital[r]),
            })

    def log_zone_event(self, zone, event: str, detail: str) -> None:
        m = self.model
        self.zone_events.append({
            "date": m.calendar.label(m.month), "month": m.month, "zone_id": zone.zone_id,
            "name_zh": zone.name_zh, "event": event, "detail": detail,
        })

    def year_latency_by_zone(self) -> dict[int, float]:
        out = {z: float(np.mean(v)) for z, v in self._year_latency.items() if v}
        self._year_latency.clear()
        return out

    # ------------------------------------------------------------------ series
    def record_month(self) -> None:
        m = self.model
        f = m.firms
        st = f.state
        op = st == LifeCycle.OPERATING
        in_zone = f.zone >= 0
        out = f.output[op]
        zombie = f.zombie[op]
        bodies = [b for b in m.bodies.values() if b.active]
        bp = m.params.bodies
        land_use = m.zone_land_in_use()
        cap = m.zone_capacity()
        out_zone = float(f.output[op & in_zone].sum())
        land_zone = float(land_use.sum())
        n_op = int(op.sum())
        dev = m.policies.devolution
        self.monthly.append({
            "date": m.calendar.label(m.month), "month": m.month, "year": m.calendar.year(m.month),
            "output": float(out.sum()), "output_in_zones": out_zone,
            "in_zone_output_share": out_zone / out.sum() if out.sum() > 0 else 0.0,
            "firms": n_op, "firms_in_zones": int((op & in_zone).sum()),
            "in_zone_firm_share": float((op & in_zone).sum() / n_op) if n_op else 0.0,
            "zombies": int(zombie.sum()), "zombie_share": float(zombie.mean()) if n_op else 0.0,
            "zombie_asset_share": m.zombie_asset_share(),
            "debt": float(f.debt[op].sum()), "capital": float(f.capital[op].sum()),
            "exits": m.exits_month, "zombie_exits": m.zombie_exits_month, "entries": m.entries_month,
            "projects": m.projects_month, "projects_crowded_out": m.projects_crowded_out,
            "in_approval": int((st == LifeCycle.IN_APPROVAL).sum()),
            "under_construction": int((st == LifeCycle.CONSTRUCTION).sum()),
            "approvals_completed": len(m.completed_month),
            "approval_wd_mean": float(np.mean(m.completed_month)) if m.completed_month else np.nan,
            "zones": len(m.active_zones()), "bodies": len(bodies),
            "leadership_posts": sum(bp.leadership_posts[b.rank] for b in bodies),
            "departments": sum(bp.departments[b.rank] for b in bodies),
            "admin_cost": sum(bp.admin_cost[b.rank] for b in bodies) / 12.0,
            "ra_spending": m.ra_spending_month, "subsidy_spending": m.subsidy_month,
            "land_capacity": float(cap.sum()), "land_in_use": land_zone, "land_freed": m.land_freed_month,
            "output_per_mu": 12.0 * out_zone / land_zone if land_zone > 0 else 0.0,
            "competition_index": m.market.competition_index,
            "powers_devolved": dev.params.powers if dev.active else 0,
            "ra_items": dev.params.regional_assessment_items if dev.active else 0,
        })

    def record_year(self) -> None:
        m = self.model
        year = m.calendar.year(m.month)
        out, tax = m.zone_year_output(), m.zone_year_tax()
        firms, zombies = m.zone_firm_counts(), m.zone_zombie_counts()
        land, cap = m.zone_land_in_use(), m.zone_capacity()
        self.zone_year_output_cache = out.copy()
        self.record_firm_groups(year)
        for z in m.zones:
            i = z.index
            if z.status == "planned":
                continue
            self.zone_years.append({
                "year": year, "zone_id": z.zone_id, "name_zh": z.name_zh, "name_en": z.name_en,
                "county_id": z.county_id, "level": z.level, "type": z.type, "status": str(z.status),
                "merged_into": z.merged_into, "body_id": z.body.body_id, "rank": z.body.rank,
                "blocks": int(m.block_active[z.blocks].sum()) if z.blocks else 0,
                "land_capacity": cap[i], "land_in_use": land[i], "firms": int(firms[i]),
                "zombies": int(zombies[i]), "output": out[i], "tax": tax[i],
                "output_per_mu": out[i] / land[i] if land[i] > 0 else 0.0,
                "tax_per_mu": tax[i] / land[i] if land[i] > 0 else 0.0,
                "score": z.score if z.active else np.nan, "class_rank": z.class_rank if z.active else 0,
                "yellow_card": z.carded_this_year, "consecutive_bottom": z.consecutive_bottom,
                "yellow_cards_total": z.yellow_cards, "subsidy": z.subsidy, "entry_bar": z.entry_bar,
                "expected_latency_days": z.expected_latency_days,
                "ra_items_done": sum(1 for o in z.ra_done if z.has_regional_assessment(o)),
                "office_staff": z.body.office.staff, "renamed": z.renamed,
            })

    def record_firm_groups(self, year: int) -> None:
        """Operating firms at the year end by sector, age band and location: count, zombies, output."""
        m = self.model
        f = m.firms
        op = np.flatnonzero(f.state == LifeCycle.OPERATING)
        groups = pd.DataFrame({
            "sector": np.asarray(m.sector_names)[f.sector[op]],
            "age_band": pd.cut(f.age[op], AGE_BANDS, right=False, labels=AGE_LABELS),
            "in_zone": f.zone[op] >= 0, "zombie": f.zombie[op], "output": f.output_year[op],
        })
        table = groups.groupby(["sector", "age_band", "in_zone"], observed=True).agg(
            firms=("zombie", "size"), zombies=("zombie", "sum"), output=("output", "sum")).reset_index()
        table.insert(0, "year", year)
        table["age_band"] = table["age_band"].astype(str)
        self.firm_groups.append(table)

    def offices_table(self) -> pd.DataFrame:
        m = self.model
        rows = []
        for o in m.approval.offices():
            rows.append({
                "office": o.key, "level": o.level, "staff": o.staff, "items_served": o.items_served,
                "mean_wait_wd": m.calendar.working_days(o.wait_time / o.items_served) if o.items_served else 0.0,
                "utilisation": o.busy_time / (o.staff * max(m.time, 1e-9)),
            })
        return pd.DataFrame(rows)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "monthly": pd.DataFrame(self.monthly),
            "zones_yearly": pd.DataFrame(self.zone_years),
            "approvals": pd.DataFrame(self.approvals, columns=_APPROVAL_COLUMNS),
            "exits": pd.DataFrame(self.exits, columns=_EXIT_COLUMNS),
            "zone_events": pd.DataFrame(self.zone_events, columns=_EVENT_COLUMNS),
            "offices": self.offices_table(),
            "firms_yearly": (pd.concat(self.firm_groups, ignore_index=True) if self.firm_groups
                             else pd.DataFrame(columns=_FIRM_GROUP_COLUMNS)),
        }


_APPROVAL_COLUMNS = [
    "key", "zone_id", "in_zone", "county_id", "sector", "applied", "applied_time", "permit_time",
    "production_time", "stage1_wd", "stage2_wd", "stage3_wd", "stage4_wd", "to_permit_wd",
    "approval_wd", "approval_days", "items_skipped",
]
_EXIT_COLUMNS = ["date", "month", "key", "zone_id", "county_id", "sector", "zombie", "age", "insolvent",
                 "land_mu", "capital"]
_FIRM_GROUP_COLUMNS = ["year", "sector", "age_band", "in_zone", "firms", "zombies", "output"]
_EVENT_COLUMNS = ["date", "month", "zone_id", "name_zh", "event", "detail"]
