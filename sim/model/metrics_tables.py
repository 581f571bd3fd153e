"""The recorder's tables: the kept rows and logs as pandas DataFrames (:meth:`RecorderTables.tables`;
the records themselves are kept by :class:`sim.model.metrics.Recorder`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.approval import STREAMS
from sim.model.firms import site_cluster
from sim.model.lifecycle import DisposalPath
from sim.model.policies.mu_classes import MU_CLASSES

#: firm-age bands (years) of the yearly firm table; the edges follow the zombie-by-age facts of
#: the literature (≈3% of firms aged 1-5, ≈23% of those over 30; ../shared/CALIBRATION.md)
AGE_BANDS = (0.0, 5.0, 10.0, 20.0, 30.0, np.inf)
AGE_LABELS = ("0-5", "5-10", "10-20", "20-30", "30+")

_APPROVAL_COLUMNS = [
    "key",
    "stream",
    "zone_id",
    "in_zone",
    "county_id",
    "sector",
    "applied",
    "applied_time",
    "permit_time",
    "production_time",
    "stage1_wd",
    "stage2_wd",
    "stage3_wd",
    "stage4_wd",
    "stage1_gov_wd",
    "stage2_gov_wd",
    "stage3_gov_wd",
    "stage4_gov_wd",
    "to_permit_wd",
    "approval_wd",
    "approval_gov_wd",
    "approval_calendar_days",
    "approval_gov_calendar_days",
    "items_skipped",
    "expansion",
    "reformed_process",
    "items_served",
    "items_late",
    "checks_failed",
]
_EXIT_COLUMNS = [
    "date",
    "month",
    "key",
    "zone_id",
    "county_id",
    "sector",
    "zombie",
    "age",
    "insolvent",
    "land_mu",
    "capital",
    "disposal_path",
    "mu_class",
]
_FIRM_GROUP_COLUMNS = ["year", "sector", "age_band", "in_zone", "firms", "zombies", "output"]
_EVENT_COLUMNS = ["date", "month", "zone_id", "name_zh", "event", "detail"]
_SECTOR_COLUMNS = [
    "year",
    "sector",
    "revenue",
    "output_real",
    "spending_at_rest_of_china_price",
    "price_index",
    "firms",
    "zombies",
    "capital",
    "capital_building",
    "zombie_capital",
    "investment",
    "capacity_units",
    "output_units",
    "utilisation",
    "debt",
    "employment",
    "wage_index",
]
_PANEL_COLUMNS = [
    "year",
    "key",
    "sector",
    "in_zone",
    "zombie",
    "age",
    "state_owned",
    "log_productivity",
    "revenue",
    "variable_inputs",
    "employment",
    "capital",
    "capital_start",
    "investment",
    "debt",
    "price",
    "utilisation",
    "mu_class",
]
_LAND_COLUMNS = [
    "year",
    "key",
    "row",
    "site_block",
    "site_zone",
    "zone_id",
    "land_mu",
    "output_year",
    "tax_year",
    "local_tax_year",
    "operating",
]


class RecorderTables:
    """The table builders of :class:`~sim.model.metrics.Recorder` (a mixin: they read its logs)."""

    def land_yearly_table(self) -> pd.DataFrame:
        if not self.land_years:
            return pd.DataFrame(columns=_LAND_COLUMNS)
        m = self.model
        g = {c: np.concatenate([y[c] for y in self.land_years]) for c in self.land_years[0]}
        ids = [z.zone_id for z in m.zones]
        g["site_zone"] = np.asarray(ids, dtype=object)[site_cluster(g["site_block"], m.block_zone_start)]
        g["zone_id"] = self._names(g.pop("zone"), ids)
        return pd.DataFrame(g, columns=_LAND_COLUMNS)

    def sectors_table(self) -> pd.DataFrame:
        if not self.sector_years:
            return pd.DataFrame(columns=_SECTOR_COLUMNS)
        return pd.DataFrame({c: np.concatenate([y[c] for y in self.sector_years]) for c in _SECTOR_COLUMNS})

    def firm_panel_table(self) -> pd.DataFrame:
        if not self.panel:
            return pd.DataFrame(columns=_PANEL_COLUMNS)
        m = self.model
        g = {c: np.concatenate([y[c] for y in self.panel]) for c in self.panel[0]}
        g["sector"] = np.asarray(m.sector_names, dtype=object)[g["sector"]]
        g["in_zone"] = g.pop("zone") >= 0
        g["mu_class"] = np.asarray(MU_CLASSES, dtype=object)[g["mu_class"]]
        return pd.DataFrame(g, columns=_PANEL_COLUMNS)

    def firm_groups_table(self) -> pd.DataFrame:
        if not self.firm_groups:
            return pd.DataFrame(columns=_FIRM_GROUP_COLUMNS)
        g = {c: np.concatenate([chunk[c] for chunk in self.firm_groups]) for c in self.firm_groups[0]}
        names = np.asarray(self.model.sector_names, dtype=object)
        names = names[np.argsort(names, kind="stable")]
        n_bands = len(AGE_LABELS)
        k = g["key"]
        return pd.DataFrame(
            {
                "year": g["year"],
                "sector": names[k // 2 // n_bands],
                "age_band": np.asarray(AGE_LABELS, dtype=object)[(k // 2) % n_bands],
                "in_zone": k % 2 == 1,
                "firms": g["firms"],
                "zombies": g["zombies"],
                "output": g["output"],
            },
            columns=_FIRM_GROUP_COLUMNS,
        )

    def offices_table(self) -> pd.DataFrame:
        m = self.model
        rows = []
        for o in m.approval.offices():
            rows.append(
                {
                    "office": o.key,
                    "level": o.level,
                    "staff": o.staff,
                    "items_served": o.items_served,
                    "mean_wait_wd": m.calendar.working_days(o.wait_time / o.items_served) if o.items_served else 0.0,
                    "utilisation": o.busy_time / (o.staff * max(m.clock.since_start(m.time), 1e-9)),
                }
            )
        return pd.DataFrame(rows)

    def _names(self, codes: np.ndarray, names: list[str]) -> np.ndarray:
        """Names of codes as an object array, None where the code is -1."""
        lut = np.array([*names, None], dtype=object)
        return lut[np.where(codes >= 0, codes, len(names))]

    def approvals_table(self) -> pd.DataFrame:
        if not self.approvals:
            return pd.DataFrame(columns=_APPROVAL_COLUMNS)
        m = self.model
        f = m.firms
        a = {c: np.concatenate([chunk[c] for chunk in self.approvals]) for c in self.approvals[0]}
        rows = a["row"]
        ent = rows >= 0  # enterprises' projects; the others are government projects (row -1 - j)
        firm_rows, gov_rows = np.where(ent, rows, 0), np.where(ent, 0, -1 - rows)
        key = np.where(ent, f.key[firm_rows], -1)
        county = np.where(ent, f.county[firm_rows], m.government.county[gov_rows] if m.government.n else 0)
        sector = np.where(ent, np.asarray(m.sector_names, dtype=object)[f.sector[firm_rows]], None)
        for t in ("applied", "permit", "time"):  # months since the start (at a step: its month + 1)
            a[t] = m.clock.since_start(a[t])
        applied_month = m.clock.month_of(a["applied"])
        stage, gov = a["stage_wd"], a["stage_gov_wd"]
        return pd.DataFrame(
            {
                "key": key,
                "stream": np.asarray(STREAMS, dtype=object)[a["graph"] % len(STREAMS)],
                "zone_id": self._names(a["zone"], [z.zone_id for z in m.zones]),
                "in_zone": a["zone"] >= 0,
                "county_id": np.asarray(m.county_ids, dtype=object)[county],
                "sector": sector,
                "applied": self._labels(applied_month),
                "applied_time": a["applied"],
                "permit_time": a["permit"],
                "production_time": a["time"],
                "stage1_wd": stage[:, 0],
                "stage2_wd": stage[:, 1],
                "stage3_wd": stage[:, 2],
                "stage4_wd": stage[:, 3],
                "stage1_gov_wd": gov[:, 0],
                "stage2_gov_wd": gov[:, 1],
                "stage3_gov_wd": gov[:, 2],
                "stage4_gov_wd": gov[:, 3],
                "to_permit_wd": a["to_permit_wd"],
                "approval_wd": a["approval_wd"],
                "approval_gov_wd": a["gov_wd"],
                "approval_calendar_days": a["approval_calendar_days"],
                "approval_gov_calendar_days": a["approval_gov_calendar_days"],
                "items_skipped": a["skipped"],
                "expansion": a["expansion"],
                "reformed_process": a["graph"] // len(STREAMS) == 1,
                "items_served": a["items_served"],
                "items_late": a["items_late"],
                "checks_failed": a["checks_failed"],
            },
            columns=_APPROVAL_COLUMNS,
        )

    def _labels(self, months: np.ndarray) -> np.ndarray:
        uniq, inv = np.unique(months, return_inverse=True)
        return np.array([self.model.calendar.label(int(u)) for u in uniq], dtype=object)[inv]

    def exits_table(self) -> pd.DataFrame:
        if not self.exits:
            return pd.DataFrame(columns=_EXIT_COLUMNS)
        m = self.model
        e = {c: np.concatenate([chunk[c] for chunk in self.exits]) for c in self.exits[0]}
        return pd.DataFrame(
            {
                "date": self._labels(e["month"]),
                "month": e["month"],
                "key": e["key"],
                "zone_id": self._names(e["zone"], [z.zone_id for z in m.zones]),
                "county_id": np.asarray(m.county_ids, dtype=object)[e["county"]],
                "sector": np.asarray(m.sector_names, dtype=object)[e["sector"]],
                "zombie": e["zombie"],
                "age": e["age"],
                "insolvent": e["insolvent"],
                "land_mu": e["land_mu"],
                "capital": e["capital"],
                "disposal_path": np.asarray([d.name.lower() for d in DisposalPath], dtype=object)[e["disposal_path"]],
                "mu_class": np.asarray(MU_CLASSES, dtype=object)[e["mu_class"]],
            },
            columns=_EXIT_COLUMNS,
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "monthly": pd.DataFrame(self.monthly),
            "zones_yearly": pd.DataFrame(self.zone_years),
            "approvals": self.approvals_table(),
            "exits": self.exits_table(),
            "zone_events": pd.DataFrame(self.zone_events, columns=_EVENT_COLUMNS),
            "offices": self.offices_table(),
            "firms_yearly": self.firm_groups_table(),
            "sectors_yearly": self.sectors_table(),
            "firm_panel": self.firm_panel_table(),
            "land_yearly": self.land_yearly_table(),
        }
