"""One palette for every figure (sim.plotting): a scenario keeps its colour whichever scenarios are
drawn with it, the baseline is black, dashed and on top, and a decomposition family has the colour
of the scenario that runs it alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from sim.plotting import SCENARIO_COLORS, colors, family_color, line_style, mean_bands

SCENARIOS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "configs" / "scenario").glob("*.yaml"))


def test_every_scenario_has_its_own_colour():
    assert sorted(SCENARIO_COLORS) == SCENARIOS
    assert len({to_rgba(c) for c in SCENARIO_COLORS.values()}) == len(SCENARIO_COLORS)


def test_a_scenario_keeps_its_colour_in_any_company_and_order():
    full = colors(SCENARIOS)
    for subset in (["full_reform", "baseline"], ["devolution", "full_reform"], list(reversed(SCENARIOS))):
        assert {g: full[g] for g in subset} == colors(subset)
    # group labels carry their scenario first
    assert colors(["baseline", "full_reform, powers=37"])["full_reform, powers=37"] == SCENARIO_COLORS["full_reform"]


def test_groups_of_one_scenario_and_other_labels_get_distinct_colours():
    groups = ["devolution, powers=0", "devolution, powers=37"]
    pal = colors(groups)
    assert pal[groups[0]] != pal[groups[1]]
    zones = [f"zone {i}" for i in range(25)]
    assert len({to_rgba(c) for c in colors(zones).values()}) == 25


def test_the_baseline_is_dashed_and_drawn_above_the_reforms():
    base, reform = line_style("baseline"), line_style("full_reform")
    assert base["ls"] == "--" and reform["ls"] == "-" and base["zorder"] > reform["zorder"]
    frame = pd.DataFrame(
        {
            "group": ["baseline"] * 4 + ["full_reform"] * 4,
            "x": [0, 1, 0, 1] * 2,
            "y": [1.0, 2.0, 1.2, 2.2, 1.0, 2.0, 1.2, 2.2],  # identical means: the baseline must stay visible
        }
    )
    ax = Figure().subplots()
    mean_bands(ax, frame, "x", "y", "group", ["baseline", "full_reform"], colors(["baseline", "full_reform"]), 0.95)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert lines["baseline"].get_linestyle() == "--"
    assert lines["baseline"].get_zorder() > lines["full_reform"].get_zorder()


def test_a_decomposition_family_has_the_colour_of_its_scenario():
    assert family_color("zombie_disposal", "C0") == SCENARIO_COLORS["zombie_disposal"]
    assert family_color("approval_process", "C0") == SCENARIO_COLORS["approval_reform"]
    assert family_color("something_else", "C3") == "C3"
