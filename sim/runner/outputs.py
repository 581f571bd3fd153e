"""The tables a run writes (``<name>.parquet`` in its folder; README, "Outputs of a single run").

Shared by the runner, which writes them, and the analysis layer, which reads them; this module
imports no model code, so the analysis layer can use it without loading the model.
"""

TABLES = (
    "monthly",
    "zones_yearly",
    "approvals",
    "exits",
    "zone_events",
    "offices",
    "firms_yearly",
    "sectors_yearly",
    "firm_panel",
    "land_yearly",
)


#: the project streams of the approvals table (column ``stream``) and their readable names: enterprise
#: projects filed and approved, government-investment projects (sim.data.region.ITEM_STREAMS)
STREAM_NAMES = {"filed": "filed (备案)", "approved": "approved (核准)", "government": "government (审批)"}


def stream_approvals(approvals):
    """The approvals of new projects of every stream (a run's ``approvals`` table less the rows of
    firms' expansion plants, ``expansion`` true; tables written before expansions existed have no
    such column): enterprise projects filed (备案) and approved (核准), and government projects
    (column ``stream``)."""
    if approvals is None or "expansion" not in approvals.columns:
        return approvals
    return approvals[~approvals["expansion"].astype(bool)]


def project_approvals(approvals):
    """The approvals of enterprises' investment projects (:func:`stream_approvals` less government
    projects; tables written before streams existed have no ``stream`` column).  Approval latency,
    the headline outcome, is measured on them."""
    app = stream_approvals(approvals)
    if app is None or "stream" not in app.columns:
        return app
    return app[app["stream"] != "government"]


def projects_applied(approvals, cohort: tuple[str, str]):
    """:func:`project_approvals` of the projects that applied in ``cohort`` (first and last month
    ``YYYY-MM``, inclusive): a cohort by application date."""
    app = project_approvals(approvals)
    return app[(app["applied"] >= cohort[0]) & (app["applied"] <= cohort[1])]


def headline_outcomes(tables) -> dict:
    """Headline outcomes of one run, from its tables: industrial output (亿 yuan), zombie firms,
    exits and entries, approval latency (working days) and zones.  A run's ``summary.csv`` holds
    them (after its scenario and seed); :func:`sim.outcomes` and ``sim.simulate(...).outcomes``
    return them."""
    import numpy as np

    mon = tables["monthly"]
    app = project_approvals(tables["approvals"])
    by_stream = stream_approvals(tables["approvals"])  # enterprise projects filed and approved, government projects
    yearly = mon.groupby("year")
    out_y = yearly["output"].sum() / 1e4  # 亿 yuan/year
    zs = yearly["zombie_share"].last()
    return {
        "output_first_year_亿": out_y.iloc[0],
        "output_last_year_亿": out_y.iloc[-1],
        "output_cumulative_亿": float(out_y.sum()),
        "output_per_mu_last": float(mon["output_per_mu"].iloc[-1]),
        "zombie_share_first": float(zs.iloc[0]),
        "zombie_share_last": float(zs.iloc[-1]),
        "zombie_exits": int(mon["zombie_exits"].sum()),
        "exits": int(mon["exits"].sum()),
        "entries": int(mon["entries"].sum()),
        "approvals": len(app),
        "approval_wd_mean": float(app["approval_wd"].mean()) if len(app) else np.nan,
        "approval_wd_median": float(app["approval_wd"].median()) if len(app) else np.nan,
        "approval_wd_p90": float(app["approval_wd"].quantile(0.9)) if len(app) else np.nan,
        "approval_gov_wd_mean": float(app["approval_gov_wd"].mean()) if len(app) else np.nan,
        "approval_items_late_share": (
            float(app["items_late"].sum() / app["items_served"].sum())
            if len(app) and app["items_served"].sum()
            else np.nan
        ),
        "approval_checks_failed": int(app["checks_failed"].sum()) if len(app) else 0,
        **{
            f"approval_{m}_mean_{stream}": float(v.mean()) if len(v) else np.nan
            for stream in STREAM_NAMES
            for m, v in (
                ("wd", by_stream.loc[by_stream["stream"] == stream, "approval_wd"]),
                ("gov_wd", by_stream.loc[by_stream["stream"] == stream, "approval_gov_wd"]),
            )
        },
        "zones_first": int(mon["zones"].iloc[0]),
        "zones_last": int(mon["zones"].iloc[-1]),
        "bodies_last": int(mon["bodies"].iloc[-1]),
    }
