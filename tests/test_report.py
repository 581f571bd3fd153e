"""zonesim-report: one self-contained HTML file per experiment folder (sweep, sensitivity), clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.analysis import report
from tests.analysis_experiments import small_experiments


@pytest.fixture(scope="module")
def experiments(tmp_path_factory):
    return small_experiments(tmp_path_factory.getbasetemp() / "analysis_experiments")


def test_report_of_a_sweep_holds_effects_figures_provenance_and_caveats(experiments, tmp_path, capsys):
    exp = experiments["experiment"]
    out = tmp_path / "report.html"
    report.main([str(exp), "-o", str(out)])
    assert f"wrote {out}" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")

    effects = re.search(r'<table id="T_effects".*?</table>', html, re.DOTALL)
    assert effects, "the effects table is missing"
    # the swept parameter is a column, the compared groups are rows
    assert "policy.devolution.one_stop_agent" in effects.group(0)
    assert "full_reform" in effects.group(0) and "Approval latency, mean (applied 2019+)" in effects.group(0)
    figures = sorted((exp / "aggregate" / "figures").glob("*.png"))
    assert figures and html.count("data:image/png;base64,") == len(figures)
    manifest = json.loads((exp / "manifest.json").read_text())
    assert manifest["git_commit"] in html and "time.end=2019-12" in html
    assert "calibrated to the 2017 state" in html  # computed caveat: calibrated and assumed parameters
    assert "Not covered by the simulated horizon: Output 2020" in html  # the horizon ends 2019-12
    assert not re.search(r'(src|href)="(https?:)?//', html) and "<script" not in html  # self-contained


def test_report_opens_with_the_answer_in_headline_units_and_says_what_the_intervals_cover(experiments, tmp_path):
    """Before the caveats and tables: one box per compared group (the full reform first) with the
    paired change of each headline outcome, in the vocabulary's units, and a note on the intervals."""
    out = tmp_path / "report.html"
    report.main([str(experiments["experiment"]), "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    answer, caveats, effects = (html.index(f'id="{s}"') for s in ("answer", "caveats", "effects"))
    assert answer < caveats < effects
    section = html[answer:caveats]
    boxes = re.findall(r'<div class="box".*?<h3>(.*?)</h3><ul>(.*?)</ul></div>', section, re.DOTALL)
    groups = [g for g, _ in boxes]
    assert groups == sorted(groups) and len(groups) == 2 and all(g.startswith("full_reform") for g in groups)
    for _, lines in boxes:
        assert "Cumulative output: " in lines and "亿 yuan [" in lines
        latency = re.search(r"Approval latency, mean \(applied 2019\+\): ([^<]*)", lines).group(1)
        # a horizon ending 2019-12 completes no project applied in 2019: no pairs to estimate from
        assert "working days [" in latency or latency.startswith("cannot be estimated")
        assert "percentage points" in lines  # the zombie share's change
    assert "cover the model&#39;s randomness between seeds only" in section
    # each box's stripe in its scenario's colour, as CSS takes it (hex, not matplotlib's "tab:red")
    assert len(re.findall(r'class="box" style="border-left-color: #[0-9a-f]{6}"', section)) == len(boxes)


def test_report_links_the_notebook_pages_relative_to_where_it_is_written(experiments, tmp_path):
    """The pages ``zonesim-notebooks --html`` writes into ``<folder>/notebooks/`` are linked, by their
    titles, with links that resolve from the report's own folder; without pages the report says how
    to make them."""
    import shutil

    folder = tmp_path / "exp"
    shutil.copytree(experiments["experiment"], folder)
    html = report.build_report(folder)
    assert 'id="notebooks"' in html and "zonesim-notebooks --html --experiment" in html
    pages = folder / "notebooks"
    pages.mkdir()
    for name, title in (("01_reform_scenarios", "01 Reform scenarios"), ("03_approval_latency", "03 Approval latency")):
        (pages / f"{name}.html").write_text(f"<html><head><title>{title}</title></head></html>", encoding="utf-8")
    for out in (folder / "report.html", tmp_path / "elsewhere" / "report.html"):
        report.main([str(folder), "-o", str(out)])
        text = out.read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', text[text.index('id="notebooks"') :])
        assert [t for _, t in links] == ["01 Reform scenarios", "03 Approval latency"]
        for href, _ in links:
            assert (out.parent / href).resolve() == (pages / Path(href).name).resolve()


def test_the_answer_orders_the_full_reform_first_then_each_family():
    from sim.plotting import group_rank

    groups = ["zombie_disposal", "baseline", "devolution", "full_reform", "other", "consolidation"]
    assert sorted(groups, key=group_rank) == [
        "full_reform",
        "consolidation",
        "devolution",
        "zombie_disposal",
        "other",
        "baseline",
    ]


def test_report_defaults_to_a_file_in_the_folder(experiments, capsys):
    exp = experiments["experiment"]
    report.main([str(exp)])
    assert (exp / report.REPORT_NAME).stat().st_size > 0
    assert str(exp / report.REPORT_NAME) in capsys.readouterr().out


def test_report_of_a_sensitivity_folder(experiments, tmp_path):
    sens = experiments["sensitivity"]
    out = report.write_report(sens, tmp_path / "sens.html")
    html = out.read_text(encoding="utf-8")
    assert "sensitivity report" in html and "morris" in html
    assert 'id="T_parameters"' in html and 'id="T_indices_0"' in html
    assert html.count("data:image/png;base64,") == len(list((sens / "figures").glob("*.png")))
    assert "Morris trajectories" in html  # caveat: a quick look with 2 trajectories


@pytest.mark.parametrize("layout, hint", [("empty", "is not an experiment folder"), ("runs_only", "zonesim-aggregate")])
def test_report_names_a_folder_that_is_not_an_experiment(tmp_path, capsys, layout, hint):
    folder = tmp_path / layout
    (folder / "runs" if layout == "runs_only" else folder).mkdir(parents=True)
    with pytest.raises(SystemExit) as exc:
        report.main([str(folder)])
    assert exc.value.code == report.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("zonesim-report: error:") and str(folder) in err and hint in err
    assert not (folder / report.REPORT_NAME).exists()
