"""Notebook 03's view of the approval-process reform: which lever removes which days, per stage,
from a two-level factorial of its levers (sim.analysis.process_levers)."""

from __future__ import annotations

import pytest

from sim.analysis import process_levers
from sim.analysis.load import open_experiment
from tests.conftest import run_cli

COHORT = ("2020-01", "2020-06")


@pytest.fixture(scope="module")
def factorial(tmp_path_factory):
    """approval_reform with the one-system lever and the combined drawing review each off or on (4 runs)."""
    folder = tmp_path_factory.mktemp("process_levers") / "sweep"
    done = run_cli(
        [
            "-m",
            "scenario=approval_reform",
            "policy.approval_process.transit_cut=0,1",
            "policy.approval_process.combined_review=[],[drawing_review,fire_design]",
            "seed=0",
            "time.end=2021-12",
            "hydra/launcher=basic",
            f"hydra.sweep.dir={folder}",
        ],
        cwd=folder.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return open_experiment(folder)


def test_each_lever_removes_days_where_its_mechanism_acts(factorial):
    eff = process_levers.stage_effects(factorial, COHORT)
    assert set(eff["lever"]) == {"policy.approval_process.transit_cut", "policy.approval_process.combined_review"}
    assert (eff["pairs"] == 2).all() and eff["unit"].eq("working days").all()
    gov = process_levers.days_removed(eff, process_levers.MEASURES["gov"])
    one_system = gov.loc[process_levers.PROCESS_LEVER_LABELS["policy.approval_process.transit_cut"]]
    review = gov.loc[process_levers.PROCESS_LEVER_LABELS["policy.approval_process.combined_review"]]
    # no transit between offices: every stage's government time falls
    assert (one_system[list(process_levers.STAGE_NAMES.values())] > 0).all()
    # one combined drawing review: the construction-permit stage (3) falls, more than any other stage moves
    stage3 = process_levers.STAGE_NAMES[3]
    assert review[stage3] > 0
    others = [s for k, s in process_levers.STAGE_NAMES.items() if k != 3]
    assert review[stage3] > review[others].abs().max()
    # levers ordered by the days they remove in all
    assert list(gov["all stages"]) == sorted(gov["all stages"], reverse=True)


def test_the_notebook_command_sweeps_every_lever_of_the_reform():
    """The experiment behind notebook 03 switches each of the reform's eight levers (and nothing else)."""
    swept = [a.split("=")[0] for a in process_levers.PROCESS_LEVERS_ARGS if a.startswith("policy.approval_process.")]
    assert sorted(swept) == sorted(process_levers.PROCESS_LEVER_LABELS)


def test_an_emptied_list_is_the_off_value_of_a_list_lever():
    """Regression: Hydra keeps quoted items (edges such as 'seismic>design_review') with their
    quotes, and "['..." sorts before "[]": the emptied list must still count as off."""
    from sim.analysis.levers import off_on

    assert off_on(["['seismic>design_review']", "[]"]) == ("[]", "['seismic>design_review']")
    assert off_on(["[drawing_review,fire_design]", "[]"]) == ("[]", "[drawing_review,fire_design]")
    assert off_on(["20", "0"]) == ("0", "20")


def test_latency_by_year_leaves_out_censored_years(factorial):
    """Projects that applied in the runs' last year mostly had not finished: that year is cut."""
    from sim.analysis import latency

    counts = factorial.approvals.assign(year=factorial.approvals["applied"].str[:4]).groupby("year").size()
    by_year = latency.latency_by_year(factorial)
    assert 2021 not in by_year.index and counts.get("2021", 0) < 0.5 * counts.median()
    assert 2019 in by_year.index
    assert len(latency.latency_by_year(factorial, min_share=0.0)) >= len(by_year)


def test_each_stream_gets_its_own_lever_effects(factorial):
    """Per project stream: the one-system lever removes government days in every stream, each on its
    own route; the stream table has a column per stream."""
    eff = process_levers.stream_effects(factorial, ("2019-06", "2020-12"))
    assert set(eff["stream"]) == set(process_levers.STREAM_NAMES.values())
    table = process_levers.days_removed_by_stream(eff, process_levers.MEASURES["gov"])
    one_system = table.loc[process_levers.PROCESS_LEVER_LABELS["policy.approval_process.transit_cut"]]
    assert (one_system > 0).all()
    assert list(table.columns) == list(process_levers.STREAM_NAMES.values())


def test_stream_times_split_by_stream_and_place(factorial):
    from sim.analysis import latency

    t = latency.stream_times(factorial)
    assert set(t["stream"]) == set(latency.STREAM_NAMES.values())
    assert set(t["place"]) <= {"in zones", "outside"}
    assert (t["government (wd)"] <= t["total (wd)"] + 1e-9).all()
    # projects per run, times the runs of each group, add up to the experiment's new projects
    runs = factorial.stream_approvals.groupby("group")["key"].nunique()
    assert (t["projects per run"] * t["group"].map(runs)).sum() == pytest.approx(len(factorial.stream_approvals))
