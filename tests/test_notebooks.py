"""Analyst notebooks: committed with rendered outputs; every one executes against a fresh small experiment."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from sim.analysis import notebooks
from sim.analysis.report import write_report
from tests.analysis_experiments import small_experiments

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ["01_reform_scenarios", "02_zone_league_table", "03_approval_latency", "04_zombie_firms", "05_sensitivity"]


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _check_rendered(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    outputs = _outputs(nb)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: error output {errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), f"{path.name}: unexecuted cell"
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no image"
    assert any("<table" in o.get("data", {}).get("text/html", "") for o in outputs), f"{path.name}: no table"
    assert any("text/markdown" in o.get("data", {}) for o in outputs), f"{path.name}: no computed text"


def _check_code_hidden(page: str) -> None:
    """A notebook page: prose, tables and figures, no code cells' input, nothing fetched from the network."""
    assert "<img" in page and "<table" in page
    assert 'class="jp-InputPrompt' not in page and 'class="highlight' not in page
    assert 'jp-mod-noInput"' in page  # code cells keep their outputs only
    assert "from sim.analysis" not in page  # the first code cell's imports are hidden
    assert not re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']https?://""", page)


@pytest.mark.parametrize("name", ["01_reform_scenarios", "05_sensitivity"])
def test_a_notebook_page_hides_the_code_and_works_offline(name, tmp_path):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    page = notebooks.write_html(nb, name, tmp_path / "pages")
    assert page == tmp_path / "pages" / f"{name}.html"
    text = page.read_text(encoding="utf-8")
    _check_code_hidden(text)
    assert f"<title>{notebooks.title_of(name)}</title>" in text


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_rendered_and_paired(name):
    """Acceptance a: outputs (images, tables, computed text) committed, no error output, a paired script."""
    _check_rendered(NOTEBOOKS / f"{name}.ipynb")
    script = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
    assert script.startswith("# ---") and "formats: ipynb,py:percent" in script


@pytest.mark.slow
def test_every_notebook_executes_against_a_small_experiment(tmp_path_factory, tmp_path, capsys):
    """Acceptance b: the re-execution command runs every notebook on outputs made in this test run."""
    folders = small_experiments(tmp_path_factory.getbasetemp() / "analysis_experiments")
    copy = tmp_path / "notebooks"
    copy.mkdir()
    for name in EXPECTED:
        for suffix in (".ipynb", ".py"):
            shutil.copy(NOTEBOOKS / f"{name}{suffix}", copy)
    experiment = tmp_path / "experiment"
    shutil.copytree(folders["experiment"], experiment)
    write_report(experiment)
    notebooks.main(
        [
            "--html",
            "--dir",
            str(copy),
            "--experiment",
            str(experiment),
            "--levers",
            str(folders["experiment"]),
            "--process-levers",
            str(folders["experiment"]),
            "--sensitivity",
            str(folders["sensitivity"]),
            "--sensitivity-effect",
            str(folders["sensitivity_effect"]),
        ]
    )
    progress = capsys.readouterr().out
    for name in EXPECTED:
        assert f"{name}: done" in progress
        _check_rendered(copy / f"{name}.ipynb")
        nb = nbformat.read(copy / f"{name}.ipynb", as_version=4)
        assert str(experiment.name) in str(_outputs(nb)) or name == "05_sensitivity"
    # acceptance e (issue 18): code-hidden HTML of all five, linked from the experiment's report
    pages = sorted((experiment / "notebooks").glob("*.html"))
    assert [p.stem for p in pages] == EXPECTED
    for page in pages:
        _check_code_hidden(page.read_text(encoding="utf-8"))
    report = (experiment / "report.html").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f'href="notebooks/{name}.html"' in report


def test_a_failing_notebook_is_named_and_left_unchanged(tmp_path, capsys):
    folder = tmp_path / "nbs"
    folder.mkdir()
    broken = folder / "99_broken.py"
    broken.write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n#   kernelspec:\n"
        "#     display_name: Python 3\n#     language: python\n#     name: python3\n# ---\n\n"
        "# %%\nraise ValueError('no such zone')\n",
        encoding="utf-8",
    )
    with pytest.raises(notebooks.NotebookFailed, match=r"99_broken\.ipynb failed(.|\n)*no such zone"):
        notebooks.execute(notebooks.Notebook(folder, "99_broken"), {})
    assert not (folder / "99_broken.ipynb").exists()


def test_a_bad_experiment_folder_stops_before_any_notebook_runs(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        notebooks.main(["--dir", str(NOTEBOOKS), "--experiment", str(tmp_path), "--no-run"])
    assert exc.value.code == notebooks.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "zonesim-notebooks: error:" in err and str(tmp_path) in err


@pytest.mark.slow
def test_zombie_notebook_tolerates_runs_without_the_firm_stock(tmp_path_factory, tmp_path, capsys):
    """Outputs written before the model recorded ``firms_yearly``: notebook 04 says so and still runs."""
    folders = small_experiments(tmp_path_factory.getbasetemp() / "analysis_experiments")
    old = tmp_path / "old_outputs"
    shutil.copytree(folders["experiment"], old)
    removed = [p.unlink() or p for p in (old / "runs").glob("*/firms_yearly.parquet")]
    assert removed
    copy = tmp_path / "notebooks"
    copy.mkdir()
    for suffix in (".ipynb", ".py"):
        shutil.copy(NOTEBOOKS / f"04_zombie_firms{suffix}", copy)
    notebooks.main(
        [
            "--dir",
            str(copy),
            "--only",
            "04",
            "--experiment",
            str(old),
            "--levers",
            str(old),
            "--sensitivity",
            str(folders["sensitivity"]),
        ]
    )
    assert "04_zombie_firms: done" in capsys.readouterr().out
    _check_rendered(copy / "04_zombie_firms.ipynb")
    shown = str(_outputs(nbformat.read(copy / "04_zombie_firms.ipynb", as_version=4)))
    assert "have no `firms_yearly.parquet`" in shown and "Exits by sector" in shown
