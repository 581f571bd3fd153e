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


#: an application year counts as observed only if at least this share of a typical year's projects
#: (the median count per year) completed before the run ended: the last years hold only the
#: projects fast enough to finish (right-censoring), so their mean latency is biased down
MIN_COMPLETE_SHARE = 0.5


def observed_application_years(approvals, by: list[str], min_share: float = MIN_COMPLETE_SHARE):
    """Whether each application year is observed (not censored by the end of the runs), per group
    of ``by`` columns: a boolean Series indexed by ``by`` + ``year``, true where the year's count of
    completed approvals is at least ``min_share`` of the group's median year."""
    a = approvals.assign(year=approvals["applied"].astype(str).str[:4].astype(int))
    count = a.groupby([*by, "year"], sort=True).size()
    median = count.groupby(level=list(range(len(by)))).transform("median") if by else count.median()
    return count >= min_share * median
