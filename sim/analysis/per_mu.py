"""Output and tax per mu, two ways, and what moves the assessment's measure (reads run tables only).

A run's ``land_yearly`` table has one row per firm on zone ground and year it operated: its
``site_block`` (the block its land lies in), the zone managing it at the year end (``zone_id``,
empty if none), its operating land at the year end (``land_mu``, 0 if it left during the year)
and the year's ``output_year`` and ``local_tax_year`` (万 yuan).  Per mu is per mu of operating land
at the year end, as the assessment measures it (ODD §7.11).

**Two definitions** (year t; sums over the firms counted):

* *assessment* ``A_t = Σ O_i / Σ L_i`` over the firms a zone manages at the year end (those the
  assessment counts: ``zone_id`` set; its numerator includes firms that left during the year, its
  denominator only the land operating at the year end).  Summed over zones this is what
  ``zones_yearly`` holds (``output``, ``tax_local``, ``land_operating`` of active zones).
* *fixed* (base year b, default 2017) ``F_t = Σ O_i / Σ L_i`` over the firms on the **ground of
  the zones active in year b** (firms whose ``site_zone``, the zone that owned their block at the
  start, was active in b), whoever manages them in t: after a merger, an abolition or a block's
  delisting they still count; land of zones founded later does not.

**Decomposition** of ``A_t − A_b`` (exact; every part is per mu, 万 yuan/mu):

* ``definition = (A_t − F_t) − (A_b − F_b)``: the change due to which firms and land the
  assessment counts (zones founded, abolished to the county, blocks delisted);
* ``F_t − F_b``, split as Foster, Haltiwanger and Krizan (2001) with land shares as weights.  A
  firm's productivity is its output per mu ``p_i = O_i / L_i`` and its share ``s_i = L_i / L`` (firms
  with land at the year end, L their total land); firms without land at the year end (they left
  during the year) add their output ``X`` as ``X / L``.  So ``F = Σ s_i p_i + X / L`` and, with ``C``
  the firms with land in both years, ``N`` those with land in t only (entrants), ``E`` those with
  land in b only (exits), ``P_b = Σ s_ib p_ib`` and ``Δ`` = t − b:

  - ``within  = Σ_C s_ib Δp_i``
  - ``between = Σ_C Δs_i (p_ib − P_b)``
  - ``cross   = Σ_C Δs_i Δp_i``
  - ``entry   = Σ_N s_it (p_it − P_b)``
  - ``exit    = −Σ_E s_ib (p_ib − P_b)``
  - ``leavers = X_t / L_t − X_b / L_b`` (output of firms that left during the year, per mu of the rest)

  ``composition = between + cross + entry + exit + leavers``, so
  ``A_t − A_b = definition + within + composition`` to rounding.

The same with local tax (``local_tax_year``, what zones' tax statistics count) in place of output.
A firm is its random ``key`` (a firm's new plant and a plant carrying on after its parent left keep
it): rows of one key are summed.  The module imports no model code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASE_YEAR = 2017
"""The year whose zones define the fixed ground and from which changes are measured (the last
year before the 2018 reform)."""

MEASURES = {"output": "output_year", "tax": "local_tax_year"}
"""Measure name → the ``land_yearly`` column of its numerator (tax: local taxes, as the assessment)."""

FHK_PARTS = ("within", "between", "cross", "entry", "exit", "leavers")
COMPOSITION_PARTS = FHK_PARTS[1:]


def fhk(base: pd.DataFrame, cur: pd.DataFrame) -> dict[str, float]:
    """Foster–Haltiwanger–Krizan parts of the change of ``Σ value / Σ land`` from ``base`` to ``cur``.

    Each frame has one row per firm, indexed by firm, with columns ``value`` and ``land`` (land 0:
    the firm has no land at the year end).  Returns the parts of :data:`FHK_PARTS` plus
    ``composition``, ``change`` and the two levels ``level_base``, ``level``."""
    out = {}
    lv = {}
    for name, d in (("b", base), ("t", cur)):
        land = d["land"].to_numpy(dtype=float)
        total = land.sum()
        has = land > 0
        lv[name] = {
            "L": total,
            "s": pd.Series(np.where(has, land / total, 0.0) if total > 0 else np.zeros(land.size), index=d.index),
            "p": pd.Series(
                np.where(has, d["value"].to_numpy(dtype=float) / np.where(has, land, 1.0), 0.0), index=d.index
            ),
            "has": pd.Series(has, index=d.index),
            "X": float(d["value"].to_numpy(dtype=float)[~has].sum()),
        }
    b, t = lv["b"], lv["t"]
    if not (b["L"] > 0 and t["L"] > 0):
        return {k: np.nan for k in (*FHK_PARTS, "composition", "change", "level_base", "level")}
    kb = b["has"].index[b["has"].to_numpy()]
    kt = t["has"].index[t["has"].to_numpy()]
    cont = kb.intersection(kt)
    entrants = kt.difference(kb)
    exits = kb.difference(kt)
    p_b = float((b["s"][kb] * b["p"][kb]).sum())
    s0, s1 = b["s"][cont], t["s"][cont]
    p0, p1 = b["p"][cont], t["p"][cont]
    out["within"] = float((s0 * (p1 - p0)).sum())
    out["between"] = float(((s1 - s0) * (p0 - p_b)).sum())
    out["cross"] = float(((s1 - s0) * (p1 - p0)).sum())
    out["entry"] = float((t["s"][entrants] * (t["p"][entrants] - p_b)).sum())
    out["exit"] = -float((b["s"][exits] * (b["p"][exits] - p_b)).sum())
    out["leavers"] = t["X"] / t["L"] - b["X"] / b["L"]
    out["composition"] = sum(out[k] for k in COMPOSITION_PARTS)
    level_b = (float(base["value"].sum())) / b["L"]
    level_t = (float(cur["value"].sum())) / t["L"]
    out["change"] = level_t - level_b
    out["level_base"], out["level"] = level_b, level_t
    return out


def fixed_zones(zones_yearly: pd.DataFrame, base_year: int = BASE_YEAR) -> set[str]:
    """The zones active at the end of ``base_year`` (their ground is the fixed definition's)."""
    zy = zones_yearly[zones_yearly["year"] == base_year]
    return set(zy.loc[zy["status"].astype(str) == "active", "zone_id"])


def _firms(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per firm (key): summed ``value`` (``column``) and ``land``."""
    g = rows.groupby("key", sort=True)
    return pd.DataFrame({"value": g[column].sum(), "land": g["land_mu"].sum()})


def per_mu(land_yearly: pd.DataFrame, zones_yearly: pd.DataFrame, base_year: int = BASE_YEAR) -> pd.DataFrame:
    """Per year of one run: for each measure m (``output``, ``tax``) the two definitions
    ``m_per_mu_assessment`` and ``m_per_mu_fixed``, their numerators and land (``m_assessment``,
    ``land_assessment``, ...), and the decomposition of ``m_per_mu_assessment`` − its base-year value:
    ``m_change``, ``m_definition``, ``m_within``, ``m_composition`` and the composition's parts
    (``m_between``, ``m_cross``, ``m_entry``, ``m_exit``, ``m_leavers``).  The change parts are NaN
    if the run has no base year."""
    ly = land_yearly
    ground = ly[ly["site_zone"].isin(fixed_zones(zones_yearly, base_year))]
    managed = ly[ly["zone_id"].notna() & (ly["zone_id"].astype(object) != "")]
    years = sorted(int(y) for y in zones_yearly["year"].unique())
    rows = []
    for m, col in MEASURES.items():
        base_f = _firms(ground[ground["year"] == base_year], col)
        base_a = managed[managed["year"] == base_year]
        a_b = base_a[col].sum() / base_a["land_mu"].sum() if len(base_a) else np.nan
        for y in years:
            cur_f = _firms(ground[ground["year"] == y], col)
            cur_a = managed[managed["year"] == y]
            num_a, land_a = float(cur_a[col].sum()), float(cur_a["land_mu"].sum())
            num_f, land_f = float(cur_f["value"].sum()), float(cur_f["land"].sum())
            a_t = num_a / land_a if land_a > 0 else np.nan
            f_t = num_f / land_f if land_f > 0 else np.nan
            parts = (
                fhk(base_f, cur_f)
                if len(base_f)
                else {k: np.nan for k in (*FHK_PARTS, "composition", "change", "level_base")}
            )
            f_b = parts["level_base"]
            rows.append(
                {
                    "year": y,
                    "measure": m,
                    "assessment": num_a,
                    "land_assessment": land_a,
                    "fixed": num_f,
                    "land_fixed": land_f,
                    "per_mu_assessment": a_t,
                    "per_mu_fixed": f_t,
                    "change": a_t - a_b,
                    "definition": (a_t - f_t) - (a_b - f_b),
                    **{k: parts[k] for k in (*FHK_PARTS, "composition")},
                }
            )
    long = pd.DataFrame(rows)
    wide = long.pivot(index="year", columns="measure")
    wide.columns = [f"{m}_{c}" for c, m in wide.columns]
    return wide.reset_index()[["year", *[f"{m}_{c}" for m in MEASURES for c in _COLUMNS]]]


_COLUMNS = (
    "per_mu_assessment",
    "per_mu_fixed",
    "assessment",
    "land_assessment",
    "fixed",
    "land_fixed",
    "change",
    "definition",
    "within",
    "composition",
    *COMPOSITION_PARTS,
)
"""Columns of :func:`per_mu` per measure (prefixed ``output_`` / ``tax_``)."""

PER_MU_COLUMNS = [f"{m}_{c}" for m in MEASURES for c in _COLUMNS]
