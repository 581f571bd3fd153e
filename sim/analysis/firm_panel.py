"""The yearly firm panel (``firm_panel.parquet``): productivity of zombies, and zombie congestion.

Two measures the literature takes on firm panels, applied to the simulated one:

* **Revenue productivity (TFPR)** as Hsieh & Klenow (2009) measure it:
  ``log TFPR = log(revenue) - α_s·log(K) - (1 - α_s)·log(variable inputs)``, with the
  capital share ``α_s`` of the sector's costs (user cost ``(r + δ)·K`` against variable
  inputs) in the year measured; the **zombie productivity gap** is the mean log TFPR of zombies
  minus that of the other firms of their sector and year (a within-sector comparison, as in
  McGowan, Andrews & Millot 2018 and Lam, Schipke, Tan & Tan 2017, IMF WP/17/266).  The
  model's own productivity ``log_productivity`` (TFPQ) is reported beside it: the zombie flag
  never reads or writes it, so any gap is selection.
* **Zombie congestion** as Caballero, Hoshi & Kashyap (2008) test it: firms' investment rate
  ``I/K`` and employment growth in a year regressed on their sector's zombie share (of capital)
  over that year (the zombies flagged at the end of the year before), a non-zombie indicator and
  its interaction with the share, with year and sector fixed effects and firm controls: the firm's
  own sales growth, as Caballero, Hoshi & Kashyap control for investment opportunities, plus log
  capital and last year's return on capital; standard errors clustered by sector-year
  (statsmodels).  The published sign of the interaction is negative: where zombies hold more of
  a sector, healthy firms invest and hire less relative to zombies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: published comparisons for the emergent zombie productivity gap (see ../shared/CALIBRATION.md)
PUBLISHED_GAP = (
    "OECD (McGowan, Andrews & Millot 2018): a 3.5-point higher zombie share goes with 1.2% lower labour "
    "productivity [V]; zombies' productivity is well below that of other firms, typically 10-30% lower TFP "
    "in the literature [R]; Tan, Huang & Woo (2016): TFP growth +1.06 points a year if zombies exit [V]"
)
PUBLISHED_CHK = (
    "Caballero, Hoshi & Kashyap (2008, AER): a higher industry zombie share lowers non-zombies' investment "
    "and employment growth (negative coefficients) [V: sign]; regressors non-zombie (1/0), industry zombie "
    "percentage and sales growth, fixed effects [V: the literature table of doi:10.52372/jps.40101, Table 1]"
)
#: the firm controls of the published specification (the firm's own sales growth: its investment
#: opportunities) and the two the model adds (size, last year's return on capital)
CHK_CONTROLS = "sales_growth + log_capital + lag_return"
#: the controls before sales growth entered (reported as a diagnostic: without a control for the
#: firm's own demand, sectors whose zombie share rose in a price slump and recovered with prices
#: give healthy firms' level coefficient the opposite sign)
CHK_CONTROLS_WITHOUT_SALES = "log_capital + lag_return"


#: the published comparison of zombie shares by owner (人大国发院 2016, industrial census 1998-2013)
PUBLISHED_OWNERSHIP = (
    "人大国发院《中国僵尸企业研究报告》(2016): the zombie share is highest among state and collective firms, "
    "far lower and alike among private and foreign ones [V: sign]; model: firms aged 10+ (the OECD definition's "
    "floor), baseline, 2015-2017"
)


def zombie_share_by_owner(panel: pd.DataFrame, years: tuple[int, int], min_age: float) -> dict[str, float]:
    """Zombie share of state or collective and of private firms aged ``min_age`` or more in the
    panel's ``years`` (first, last), pooled over firm-years, and their difference in points."""
    p = panel[panel["year"].between(*years) & (panel["age"] >= min_age)]
    share = p.groupby(p["state_owned"].astype(bool))["zombie"].mean()
    state, private = float(share.get(True, np.nan)), float(share.get(False, np.nan))
    return {"state": state, "private": private, "difference_points": 100.0 * (state - private)}


def with_tfpr(panel: pd.DataFrame, interest_rate: float, depreciation_rate: float) -> pd.DataFrame:
    """The panel with ``alpha`` (sector-year capital share of costs) and ``log_tfpr`` columns; rows
    with no revenue, capital or inputs are dropped."""
    p = panel[(panel["revenue"] > 0) & (panel["capital"] > 0) & (panel["variable_inputs"] > 0)].copy()
    cap_cost = (interest_rate + depreciation_rate) * p["capital"]
    g = pd.DataFrame({"cap": cap_cost, "var": p["variable_inputs"], "year": p["year"], "sector": p["sector"]})
    sums = g.groupby(["year", "sector"])[["cap", "var"]].transform("sum")
    p["alpha"] = sums["cap"] / (sums["cap"] + sums["var"])
    p["log_tfpr"] = (
        np.log(p["revenue"]) - p["alpha"] * np.log(p["capital"]) - (1.0 - p["alpha"]) * np.log(p["variable_inputs"])
    )
    return p


def zombie_productivity_gap(
    panel: pd.DataFrame,
    year: int,
    interest_rate: float,
    depreciation_rate: float,
) -> dict[str, float]:
    """Zombies' mean log TFPR, log TFPQ (``log_productivity``) and log revenue per worker minus the
    other firms' in ``year``, within sectors (sector-demeaned), with the number of zombies."""
    p = with_tfpr(panel[panel["year"] == year], interest_rate, depreciation_rate)
    p["log_labour_productivity"] = np.log(p["revenue"] / p["employment"])
    out = {"year": year, "zombies": int(p["zombie"].sum()), "firms": len(p)}
    for col in ("log_tfpr", "log_productivity", "log_labour_productivity"):
        within = p[col] - p.groupby("sector")[col].transform("mean")
        z, n = within[p["zombie"]], within[~p["zombie"]]
        out[f"gap_{col}"] = float(z.mean() - n.mean()) if len(z) and len(n) else np.nan
    return out


def congestion_panel(panel: pd.DataFrame, healthy_only: bool = True) -> pd.DataFrame:
    """Firm-years (healthy ones only, by default) with the regression's variables: ``nonzombie`` (1/0),
    ``investment_rate`` (I/K at the start
    of the year), ``employment_growth`` (log change on last year), ``zombie_share`` (zombies'
    share of their sector's capital at the end of last year: the zombies it competed with), ``log_capital``,
    ``lag_return`` (last year's
    revenue less variable inputs, per unit of capital), ``sales_growth`` (log change of revenue on last
    year)."""
    p = panel.sort_values(["key", "year"]).copy()
    share = (
        p.assign(zk=p["capital"] * p["zombie"])
        .groupby(["run", "year", "sector"] if "run" in p else ["year", "sector"])[["zk", "capital"]]
        .transform("sum")
    )
    p["zombie_share_end"] = share["zk"] / share["capital"]
    # the zombies a firm competes with during year t are those flagged at the end of year t - 1
    cells = p.groupby((["run"] if "run" in p else []) + ["year", "sector"])["zombie_share_end"].first().reset_index()
    cells["year"] += 1
    p = p.merge(
        cells.rename(columns={"zombie_share_end": "zombie_share"}),
        how="left",
        on=(["run"] if "run" in p else []) + ["year", "sector"],
    )
    keys = ["run", "key"] if "run" in p else ["key"]
    prev = p.groupby(keys).shift(1)
    consecutive = prev["year"] == p["year"] - 1
    p["employment_growth"] = np.where(consecutive, np.log(p["employment"] / prev["employment"]), np.nan)
    p["lag_return"] = np.where(consecutive, (prev["revenue"] - prev["variable_inputs"]) / prev["capital"], np.nan)
    p["sales_growth"] = np.where(consecutive, np.log(p["revenue"] / prev["revenue"]), np.nan)
    p["investment_rate"] = p["investment"] / p["capital_start"]
    p["log_capital"] = np.log(p["capital_start"])
    p["nonzombie"] = (~p["zombie"].astype(bool)).astype(float)
    keep = (
        (p["capital_start"] > 0)
        & np.isfinite(p["employment_growth"])
        & np.isfinite(p["lag_return"])
        & np.isfinite(p["sales_growth"])
    )
    if healthy_only:
        keep &= p["nonzombie"] == 1.0
    return (
        p[keep]
        .replace([np.inf, -np.inf], np.nan)
        .dropna(
            subset=["investment_rate", "employment_growth", "zombie_share", "log_capital", "lag_return", "sales_growth"]
        )
    )


def chk_regression(panel: pd.DataFrame) -> pd.DataFrame:
    """Caballero–Hoshi–Kashyap (2008) regressions on the panel, one row per outcome
    (``investment_rate``, ``employment_growth``) and specification:

    * ``interacted`` (their main one): all firm-years,
      ``y = b1·nonzombie + b2·Z + b3·nonzombie×Z + controls + year and sector effects``; the
      congestion coefficient is ``b3``: how much worse healthy firms do, relative to zombies, where
      zombies hold more of the sector;
    * ``healthy``: healthy firm-years only, ``y = b·Z + controls + effects``;
    * ``healthy_without_sales_growth``: the same without the sales-growth control (a diagnostic:
      the sector's demand cycle then moves both the zombie share and healthy firms' investment).

    Controls: :data:`CHK_CONTROLS`.  Columns: the specification, its ``controls``, the
    coefficient, its standard error (clustered by sector-year), 95% interval, p-value
    and the number of firm-years.  ``panel`` may hold several runs (a ``run`` column).
    """
    import statsmodels.formula.api as smf

    everyone = congestion_panel(panel, healthy_only=False)
    runs = "run" in everyone and everyone["run"].nunique() > 1
    fe = "C(year) + C(sector)" + (" + C(run)" if runs else "")
    rows = []
    healthy = everyone[everyone["nonzombie"] == 1.0]
    interaction = "nonzombie + zombie_share + nonzombie:zombie_share"
    for spec, data, term, rhs, controls in (
        ("interacted", everyone, "nonzombie:zombie_share", interaction, CHK_CONTROLS),
        ("healthy", healthy, "zombie_share", "zombie_share", CHK_CONTROLS),
        ("healthy_without_sales_growth", healthy, "zombie_share", "zombie_share", CHK_CONTROLS_WITHOUT_SALES),
    ):
        cells = data[["run", "year", "sector"] if "run" in data else ["year", "sector"]].astype(str)
        groups = pd.factorize(cells.agg("/".join, axis=1))[0]
        for outcome in ("investment_rate", "employment_growth"):
            fit = smf.ols(f"{outcome} ~ {rhs} + {controls} + {fe}", data=data).fit(
                cov_type="cluster", cov_kwds={"groups": groups}
            )
            lo, hi = fit.conf_int().loc[term]
            rows.append(
                {
                    "specification": spec,
                    "controls": controls,
                    "outcome": outcome,
                    "term": term,
                    "coefficient": fit.params[term],
                    "std_error": fit.bse[term],
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": fit.pvalues[term],
                    "firm_years": int(fit.nobs),
                }
            )
    return pd.DataFrame(rows)
