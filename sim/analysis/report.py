"""``zonesim-report <experiment folder> [-o out.html]``: one self-contained HTML report.

    zonesim-report multirun/compare                   # writes multirun/compare/report.html
    zonesim-report multirun/levers -o levers.html     # a sweep: swept parameters as columns
    zonesim-report multirun/sensitivity/morris        # a sensitivity experiment

The file needs nothing else to be read (no scripts, no external style sheets, no network):
tables are HTML, figures are PNG embedded as base64, styles are inline.  For a comparison or
sweep it holds the headline effects table (paired differences versus the reference with their
intervals), one sentence per scenario and outcome, the figures, all effects, the summary,
failed runs, the outcome glossary and provenance (from ``manifest.json``); for a sensitivity
experiment the design, the ranked indices per outcome with their charts and provenance.
Caveats are computed from the folder (:mod:`sim.analysis.tables`).  A folder that is not an
experiment stops the command with one line naming it (exit status 2).
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from sim.analysis import sensitivity, tables
from sim.analysis.load import Experiment, NotAnExperimentError, Sensitivity, open_folder, shown_path
from sim.exit_codes import EXIT_BAD_INPUT
from sim.runner.files import write_text

REPORT_NAME = "report.html"
NOTEBOOKS_SUBDIR = "notebooks"
"""Where ``zonesim-notebooks --html`` writes an experiment's notebook pages (inside its folder)."""
EFFECTS_ID = "effects"

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1rem auto; max-width: 78rem;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: .4rem 0; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.2rem; }
#answer h2 { margin-top: .6rem; }
table.zonesim-table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0 1.2rem; }
table.zonesim-table caption { text-align: left; font-weight: 600; padding: .3rem 0; }
table.zonesim-table th, table.zonesim-table td { border: 1px solid #ddd; padding: .2rem .5rem; }
table.zonesim-table th { background: #f3f3f3; }
table.zonesim-table td { text-align: right; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
.caveats li { margin-bottom: .3rem; } .note { color: #555; font-size: .9rem; }
.boxes { display: flex; flex-wrap: wrap; gap: .6rem; }
.box { border: 1px solid #ddd; border-left: 6px solid #888; padding: .3rem .8rem; flex: 1 1 22rem; }
.box h3 { margin: .2rem 0; font-size: 1rem; } .box ul { margin: .2rem 0; padding-left: 1.1rem; font-size: .92rem; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if answer %}<section id="answer"><h2>The answer</h2>
<div class="boxes">{% for box in answer %}<div class="box" style="border-left-color: {{ box.color }}">
<h3>{{ box.group }}</h3><ul>{% for line in box.lines %}<li>{{ line }}</li>{% endfor %}</ul></div>{% endfor %}</div>
<p class="note interval-note">{{ interval_note }}</p></section>{% endif %}
<p class="note">Generated {{ generated }} by zonesim-report from <code>{{ folder }}</code>.</p>
<p>{{ lead }}</p>
<section id="caveats"><h2>Caveats</h2>
<ul class="caveats">{% for c in caveats %}<li>{{ c }}</li>{% endfor %}</ul></section>
{% for s in sections %}
<section id="{{ s.id }}"><h2>{{ s.title }}</h2>
{% if s.text %}<p>{{ s.text }}</p>{% endif %}
{% if s.bullets %}<ul>{% for b in s.bullets %}<li>{{ b }}</li>{% endfor %}</ul>{% endif %}
{% if s.links %}<ul>{% for href, text in s.links %}<li><a href="{{ href }}">{{ text }}</a></li>{% endfor %}</ul>
{% endif %}
{% for t in s.tables %}{{ t | safe }}{% endfor %}
{% for f in s.figures %}<figure><img alt="{{ f.name }}" src="data:image/png;base64,{{ f.data }}">
<figcaption>{{ f.name }}</figcaption></figure>{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


@dataclass
class EmbeddedFigure:
    """A PNG file embedded as base64."""

    name: str
    data: str

    @classmethod
    def from_file(cls, path: Path) -> EmbeddedFigure:
        return cls(path.name, base64.b64encode(path.read_bytes()).decode("ascii"))


@dataclass
class Section:
    """A titled part of the report: a paragraph, bullet points, HTML tables and figures."""

    id: str
    title: str
    text: str = ""
    bullets: tuple[str, ...] | list[str] = ()
    tables: tuple[str, ...] | list[str] = ()
    figures: tuple[EmbeddedFigure, ...] | list[EmbeddedFigure] = ()
    links: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()


def notebook_pages(folder: str | Path) -> list[Path]:
    """The code-hidden HTML notebooks written for this experiment (``zonesim-notebooks --html``), by name."""
    return sorted((Path(folder) / NOTEBOOKS_SUBDIR).glob("*.html"))


def _page_title(page: Path) -> str:
    found = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8", errors="replace")[:4000], re.S)
    return html.unescape(found.group(1).strip()) if found else page.stem


def _notebooks_section(exp: Experiment, report_dir: Path) -> Section:
    pages = notebook_pages(exp.folder)
    if not pages:
        return Section(
            "notebooks",
            "Analyst notebooks",
            text="The five analyst notebooks (scenarios, zone league table, approval latency, zombie firms, "
            "sensitivity) can be added here as code-hidden pages: "
            f"zonesim-notebooks --html --experiment {shown_path(exp.folder)}",
        )
    links = [(Path(os.path.relpath(p, report_dir)).as_posix(), _page_title(p)) for p in pages]
    return Section(
        "notebooks",
        "Analyst notebooks",
        text="Code-hidden pages of the analyst notebooks, executed on this experiment's runs.",
        links=links,
    )


def _experiment_sections(exp: Experiment, report_dir: Path) -> tuple[str, list[Section]]:
    pct = round(exp.level * 100)
    present = set(exp.effects["outcome"])
    headline = [o for o in tables.HEADLINE_OUTCOMES if o in present] or sorted(present)
    lead = (
        f"{exp.meta.get('n_runs')} runs in {len(exp.groups)} groups ({', '.join(exp.groups)}); swept parameters: "
        f"{', '.join(exp.swept) or 'none'}; seeds {', '.join(map(str, exp.meta.get('seeds', [])))}. "
        f"Effects are paired differences versus {exp.reference} over runs matched on "
        f"{', '.join(exp.meta.get('pair_keys', []))}, with {pct}% t-intervals."
    )
    sentences = tables.effect_sentences(exp, headline)
    effects_png = [f for f in exp.figures if f.stem == "effects"]
    # each group minus the reference over time first, then the levels
    other_png = sorted((f for f in exp.figures if f.stem != "effects"), key=lambda f: f.stem != "differences")
    sections = [
        Section(
            EFFECTS_ID,
            "Effects versus the reference",
            text="Each group minus the reference for the headline outcomes: industrial output, zombie-firm "
            "exit and approval latency.",
            tables=[
                tables.styled(
                    tables.effects_table(exp, headline),
                    table_id=EFFECTS_ID,
                    caption=f"Paired differences versus {exp.reference}",
                ).to_html()
            ],
            figures=[EmbeddedFigure.from_file(f) for f in effects_png],
        ),
        Section(
            "reading",
            "What the numbers say",
            text="A direction is stated only when the interval excludes zero.",
            bullets=[f"{group}: {s}" for group, items in sentences.items() for s in items],
        ),
        Section(
            "figures",
            "Figures",
            text="Each group minus the reference over time (same-seed pairs), then the levels: means across "
            "seeds with their intervals as bands; latency distributions.",
            figures=[EmbeddedFigure.from_file(f) for f in other_png],
        ),
        _notebooks_section(exp, report_dir),
        Section(
            "effects-all",
            "All outcomes",
            tables=[
                tables.styled(
                    tables.effects_table(exp), table_id="effects_all", caption="Paired differences, every outcome"
                ).to_html(),
                tables.styled(
                    tables.summary_table(exp), table_id="summary", caption="Mean and interval per group"
                ).to_html(),
            ],
        ),
    ]
    if len(exp.failures):
        sections.append(
            Section("failures", "Failed runs", tables=[tables.styled(exp.failures, caption="Failed runs").to_html()])
        )
    glossary = [f"{o['label']} ({o['unit']}): {o['description']}" for o in exp.meta.get("outcomes", {}).values()]
    sections.append(Section("glossary", "Outcomes", bullets=glossary))
    return lead, sections


def _sensitivity_sections(sens: Sensitivity) -> tuple[str, list[Section]]:
    d = sens.design
    what = d.get("scenario", "") + (f" minus {d['paired_with']}" if d.get("paired_with") else "")
    lead = (
        f"Global sensitivity ({sens.method}, size {d.get('n')}) of the outcomes of {what} to "
        f"{len(d.get('parameters', []))} assumed parameters; {len(sens.outcomes)} sample rows, model seed "
        f"{d.get('seed')}."
    )
    sections = [
        Section(
            "parameters",
            "Parameters",
            tables=[
                tables.styled(
                    sensitivity.parameter_table(sens), table_id="parameters", caption="Sampled ranges (uniform)"
                ).to_html()
            ],
        )
    ]
    for i, outcome in enumerate(dict.fromkeys(sens.indices["outcome"])):
        ranked = sensitivity.ranked(sens, outcome)
        sections.append(
            Section(
                f"outcome-{i}",
                f"{outcome} — {sens.outcome_unit(outcome)}",
                bullets=[sensitivity.describe(sens, row) for _, row in ranked.head(3).iterrows()],
                tables=[tables.styled(ranked, table_id=f"indices_{i}", caption=f"{sens.method} indices").to_html()],
                figures=[EmbeddedFigure.from_file(f) for f in sens.figures if f.stem == f"sensitivity_{outcome}"],
            )
        )
    return lead, sections


def build_report(folder: str | Path, report_dir: str | Path | None = None) -> str:
    """The report of the experiment in ``folder`` as one HTML document (raises
    :class:`~sim.analysis.load.NotAnExperimentError` for a folder that is not an experiment); links to
    the notebook pages are relative to ``report_dir`` (default ``folder``), where the report will be."""
    exp = open_folder(folder)
    report_dir = Path(report_dir if report_dir is not None else folder).resolve()
    answer, note = [], ""
    if isinstance(exp, Experiment):
        title = f"zonesim experiment report: {Path(exp.folder).resolve().name}"
        lead, sections = _experiment_sections(exp, report_dir)
        caveats = tables.experiment_caveats(exp)
        answer, note = tables.answer_boxes(exp), tables.interval_note(exp)
    else:
        title = f"zonesim sensitivity report: {Path(exp.folder).resolve().name}"
        lead, sections = _sensitivity_sections(exp)
        caveats = tables.sensitivity_caveats(exp)
    sections.append(
        Section(
            "provenance",
            "Provenance",
            tables=[
                tables.styled(
                    tables.provenance_table(exp), table_id="provenance", caption="What produced this folder"
                ).to_html()
            ],
        )
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        title=title,
        folder=shown_path(exp.folder),
        lead=lead,
        answer=answer,
        interval_note=note,
        caveats=caveats,
        sections=sections,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``folder`` to ``out`` (default ``<folder>/report.html``); return the path."""
    path = Path(out) if out is not None else Path(folder) / REPORT_NAME
    text = build_report(folder, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path, text)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim-report``."""
    parser = argparse.ArgumentParser(
        prog="zonesim-report", description="Write one self-contained HTML report of an experiment folder."
    )
    parser.add_argument("folder", help="experiment folder: comparison, sweep or sensitivity")
    parser.add_argument("-o", "--output", help=f"HTML file to write (default: <folder>/{REPORT_NAME})")
    args = parser.parse_args(argv)
    try:
        path = write_report(args.folder, args.output)
    except NotAnExperimentError as exc:
        print(f"zonesim-report: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print(f"zonesim-report: wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
