"""``zonesim-notebooks``: re-execute the analyst notebooks against saved experiments, in place.

    zonesim-notebooks                                  # every notebook in notebooks/, default folders
    zonesim-notebooks --only 03                        # the notebooks whose name contains "03"
    zonesim-notebooks --experiment multirun/quick --levers multirun/levers --sensitivity multirun/sensitivity/morris
    zonesim-notebooks --process-levers multirun/process_levers   # notebook 03's factorial of the process levers
    zonesim-notebooks --html                           # and code-hidden HTML of each, next to the report

Each notebook is a Jupyter notebook (``NN_name.ipynb``) paired with a jupytext percent script
(``NN_name.py``) for review.  The command takes each notebook's cells from whichever of the two
files is newer (so an edit of the script is picked up), executes them in a fresh kernel with
nbclient (working directory: the notebooks folder), and on success writes both files again: the
``.ipynb`` with its new outputs and the ``.py`` re-paired by jupytext.  A failing notebook is
reported by name with the error, left unchanged on disk, and the command exits 1.

The experiment folders reach the notebooks as environment variables (read by their first code
cell through :func:`sim.analysis.load.folder_from_env`): ``ZONESIM_EXPERIMENT`` (the scenario
comparison, default ``multirun/compare``), ``ZONESIM_LEVERS`` (the factorial levers sweep,
default ``multirun/levers``; see :data:`sim.analysis.levers.LEVERS_COMMAND`), ``ZONESIM_PROCESS_LEVERS``
(the factorial of the approval-process reform's levers, default ``multirun/process_levers``; see
:data:`sim.analysis.process_levers.PROCESS_LEVERS_COMMAND`) and
``ZONESIM_SENSITIVITY`` (default ``multirun/sensitivity/morris``) and ``ZONESIM_SENSITIVITY_EFFECT``
(the sensitivity of the reform's effect, ``full_reform`` minus ``baseline`` per sample and seed,
default ``multirun/sensitivity/morris_minus_baseline``).  Every folder is checked before
any notebook runs.  A *default* folder that does not exist yet is first produced by its experiment
command (:data:`EXPERIMENT_COMMANDS`, run from the repository root; ``--no-run`` turns this off), so
that after the main job (``make run``) a fresh clone needs only ``zonesim-notebooks``.

With ``--html`` each executed notebook is also written as code-hidden HTML (nbconvert's lab
template, no input cells or prompts: prose, tables and figures only) to ``<experiment
folder>/notebooks/NN_name.html`` (``--html-dir`` to choose), where the experiment's HTML report
(``zonesim-report``) links to them.  The pages load nothing from the network: figures are
embedded, and the template's script tags for MathJax, RequireJS and Mermaid (none of which the
notebooks use) are left out.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbconvert import HTMLExporter

from sim.analysis.levers import LEVERS_ARGS
from sim.analysis.load import DEFAULT_FOLDERS, Experiment, NotAnExperimentError, Sensitivity, open_folder, repo_root
from sim.analysis.process_levers import PROCESS_LEVERS_ARGS
from sim.analysis.report import NOTEBOOKS_SUBDIR, REPORT_NAME, write_report
from sim.exit_codes import EXIT_BAD_INPUT
from sim.exit_codes import EXIT_FAILURES as EXIT_FAILED
from sim.runner.files import write_text

NOTEBOOKS_DIR = "notebooks"
KERNEL = "python3"
CELL_TIMEOUT_S = 600
PAIRED_FORMATS = "ipynb,py:percent"
FOLDER_KINDS = {
    "ZONESIM_EXPERIMENT": Experiment,
    "ZONESIM_LEVERS": Experiment,
    "ZONESIM_PROCESS_LEVERS": Experiment,
    "ZONESIM_SENSITIVITY": Sensitivity,
    "ZONESIM_SENSITIVITY_EFFECT": Sensitivity,
}
"""What each folder variable must hold: a comparison/sweep or a sensitivity experiment."""
PAIRED_FOLDERS = {"ZONESIM_SENSITIVITY_EFFECT"}
"""Folder variables whose sensitivity experiment must analyse a paired difference (``paired_with``)."""
EXPERIMENT_COMMANDS = {
    "ZONESIM_EXPERIMENT": ["zonesim", "experiment=compare"],
    "ZONESIM_LEVERS": ["zonesim", *LEVERS_ARGS],
    "ZONESIM_PROCESS_LEVERS": ["zonesim", *PROCESS_LEVERS_ARGS],
    "ZONESIM_SENSITIVITY": ["zonesim-sensitivity"],
    "ZONESIM_SENSITIVITY_EFFECT": ["zonesim-sensitivity", "--paired-with", "baseline"],
}
"""The command (console script and arguments) that writes each default folder."""
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
"""nbconvert's lab template without its script tags (CDN URLs): the pages work offline."""


class NotebookFailed(RuntimeError):
    """A notebook raised while executing (the message names it and gives the error)."""


@dataclass(frozen=True)
class Notebook:
    """One analyst notebook: its ``.ipynb`` and paired ``.py`` (either may be missing at first)."""

    folder: Path
    name: str

    @property
    def ipynb(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def script(self) -> Path:
        return self.folder / f"{self.name}.py"

    def source(self) -> Path:
        """The file to take the cells from: the newer of the pair."""
        have = [p for p in (self.ipynb, self.script) if p.exists()]
        return max(have, key=lambda p: p.stat().st_mtime)


def _is_paired_script(path: Path) -> bool:
    head = path.read_text(encoding="utf-8")[:400]
    return head.startswith("# ---") and "jupytext" in head


def find_notebooks(folder: Path, only: str | None = None) -> list[Notebook]:
    """The notebooks of ``folder`` (``.ipynb`` files and jupytext percent scripts), by name; those whose
    name contains ``only`` when given."""
    names = {p.stem for p in folder.glob("*.ipynb")}
    names |= {p.stem for p in folder.glob("*.py") if _is_paired_script(p)}
    chosen = sorted(n for n in names if only is None or only in n)
    return [Notebook(folder, n) for n in chosen]


def produce_missing(folders: dict[str, Path], root: Path) -> None:
    """Run the experiment command of every default folder (``root`` / :data:`DEFAULT_FOLDERS`) that does
    not exist yet, from ``root``; raise :class:`NotAnExperimentError` if a command fails."""
    for variable, folder in folders.items():
        default = (root / DEFAULT_FOLDERS[variable]).resolve()
        if Path(folder).resolve() != default or default.exists():
            continue
        script, *args = EXPERIMENT_COMMANDS[variable]
        exe = Path(sys.executable).parent / script
        print(f"zonesim-notebooks: {default} does not exist: running `{shlex.join([script, *args])}`", flush=True)
        status = subprocess.run([str(exe), *args], cwd=root, check=False).returncode
        if status != 0 and not default.exists():
            raise NotAnExperimentError(
                f"`{shlex.join([script, *args])}` failed (status {status}); {default} was not written"
            )


def check_folders(folders: dict[str, Path]) -> None:
    """Raise :class:`NotAnExperimentError` (naming the folder) unless each holds the right kind of experiment."""
    for variable, folder in folders.items():
        exp = open_folder(folder)
        expected = FOLDER_KINDS[variable]
        if not isinstance(exp, expected):
            raise NotAnExperimentError(
                f"{folder} ({variable}) holds a {exp.kind} experiment, expected a {expected.kind} one"
            )
        if variable in PAIRED_FOLDERS and not exp.design.get("paired_with"):
            raise NotAnExperimentError(
                f"{folder} ({variable}) holds the sensitivity of a scenario's levels, expected that of an effect "
                "(zonesim-sensitivity --paired-with baseline)"
            )


def execute(notebook: Notebook, folders: dict[str, Path], timeout: int = CELL_TIMEOUT_S) -> nbformat.NotebookNode:
    """Run ``notebook`` in a fresh kernel with the folder variables set; write both files on success.

    Raises :class:`NotebookFailed` (files left unchanged) when a cell raises or times out.
    """
    nb = jupytext.read(notebook.source())
    nb.metadata.setdefault("jupytext", {})["formats"] = PAIRED_FORMATS
    env = os.environ | {k: str(Path(v).resolve()) for k, v in folders.items()}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        record_timing=False,
        resources={"metadata": {"path": str(notebook.folder)}},
    )
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError) as exc:
        raise NotebookFailed(f"notebook {notebook.ipynb.name} failed:\n{exc}") from exc
    nbformat.write(nb, notebook.ipynb)
    jupytext.write(nb, notebook.script, fmt="py:percent")
    return nb


def html_exporter() -> HTMLExporter:
    """nbconvert's exporter for code-hidden pages: lab template, no input cells, no prompts, no scripts."""
    return HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def title_of(name: str) -> str:
    """``03_approval_latency`` → ``03 Approval latency`` (the page title)."""
    number, _, words = name.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}".strip()


def write_html(nb: nbformat.NotebookNode, name: str, out_dir: Path) -> Path:
    """Write ``nb`` as code-hidden HTML to ``out_dir/<name>.html`` (whole or not at all); return its path."""
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title_of(name)}})
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_text(out_dir / f"{name}.html", body)


def needed_folders(notebooks: list[Notebook], folders: dict[str, Path]) -> dict[str, Path]:
    """The folders whose variable (``ZONESIM_…``) the notebooks' sources mention."""
    sources = " ".join(nb.source().read_text(encoding="utf-8") for nb in notebooks)
    return {variable: folder for variable, folder in folders.items() if variable in sources}


def run_all(
    notebooks_dir: Path,
    folders: dict[str, Path],
    only: str | None = None,
    timeout: int = CELL_TIMEOUT_S,
    produce: bool = False,
    html_dir: Path | None = None,
) -> list[Path]:
    """Execute the notebooks of ``notebooks_dir`` (those matching ``only``) in name order; print progress;
    return the executed ``.ipynb`` files.  The folders these notebooks read are checked first (and, with
    ``produce``, missing default folders are produced by their experiment commands).  With ``html_dir``
    each executed notebook is also written there as code-hidden HTML.  Stops at the first failure
    (:class:`NotebookFailed`)."""
    notebooks = find_notebooks(notebooks_dir, only)
    if not notebooks:
        raise NotAnExperimentError(f"no notebook in {notebooks_dir}" + (f" matching {only!r}" if only else ""))
    needed = needed_folders(notebooks, folders)
    if produce:
        produce_missing(needed, repo_root())
    check_folders(needed)
    done = []
    for i, notebook in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] {notebook.name}: executing ...", flush=True)
        started = time.monotonic()
        nb = execute(notebook, folders, timeout)
        written = [notebook.ipynb.name, notebook.script.name]
        if html_dir is not None:
            written.append(str(write_html(nb, notebook.name, html_dir)))
        print(
            f"[{i}/{len(notebooks)}] {notebook.name}: done in {time.monotonic() - started:.1f} s "
            f"({', '.join(written)})",
            flush=True,
        )
        done.append(notebook.ipynb)
    return done


def build_parser() -> argparse.ArgumentParser:
    root = repo_root()
    p = argparse.ArgumentParser(
        prog="zonesim-notebooks", description="Re-execute the analyst notebooks in place against saved experiments."
    )
    p.add_argument(
        "--experiment",
        type=Path,
        default=root / DEFAULT_FOLDERS["ZONESIM_EXPERIMENT"],
        help="scenario comparison or sweep folder (default: %(default)s)",
    )
    p.add_argument(
        "--levers",
        type=Path,
        default=root / DEFAULT_FOLDERS["ZONESIM_LEVERS"],
        help="factorial levers sweep folder (default: %(default)s)",
    )
    p.add_argument(
        "--process-levers",
        type=Path,
        default=root / DEFAULT_FOLDERS["ZONESIM_PROCESS_LEVERS"],
        help="factorial sweep of the approval-process reform's levers (default: %(default)s)",
    )
    p.add_argument(
        "--sensitivity",
        type=Path,
        default=root / DEFAULT_FOLDERS["ZONESIM_SENSITIVITY"],
        help="sensitivity experiment folder (default: %(default)s)",
    )
    p.add_argument(
        "--sensitivity-effect",
        type=Path,
        default=root / DEFAULT_FOLDERS["ZONESIM_SENSITIVITY_EFFECT"],
        help="sensitivity experiment of the reform's effect, paired with baseline (default: %(default)s)",
    )
    p.add_argument("--only", metavar="NAME", help="only the notebooks whose name contains NAME")
    p.add_argument("--dir", type=Path, default=root / NOTEBOOKS_DIR, help="notebooks folder (default: %(default)s)")
    p.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell (default: %(default)s)")
    p.add_argument(
        "--html",
        action="store_true",
        help=f"also write each executed notebook as code-hidden HTML to <experiment folder>/{NOTEBOOKS_SUBDIR}/, "
        "where the experiment's report links to it",
    )
    p.add_argument("--html-dir", type=Path, help="folder for the HTML pages instead (implies --html)")
    p.add_argument(
        "--no-run",
        action="store_true",
        help="do not run the experiment command of a missing default folder: report it as an error",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim-notebooks``; exit 1 when a notebook fails, 2 on a bad folder."""
    args = build_parser().parse_args(argv)
    folders = {
        "ZONESIM_EXPERIMENT": args.experiment,
        "ZONESIM_LEVERS": args.levers,
        "ZONESIM_PROCESS_LEVERS": args.process_levers,
        "ZONESIM_SENSITIVITY": args.sensitivity,
        "ZONESIM_SENSITIVITY_EFFECT": args.sensitivity_effect,
    }
    try:
        html_dir = args.html_dir or (args.experiment / NOTEBOOKS_SUBDIR if args.html else None)
        run_all(args.dir, folders, args.only, args.timeout, produce=not args.no_run, html_dir=html_dir)
        report = args.experiment / REPORT_NAME
        if html_dir is not None and report.exists():  # the report links the pages: write it again
            print(f"zonesim-notebooks: report with links to the notebook pages: {write_report(args.experiment)}")
    except NotAnExperimentError as exc:
        print(f"zonesim-notebooks: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except NotebookFailed as exc:
        print(f"zonesim-notebooks: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
