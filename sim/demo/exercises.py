"""The classroom exercises of ``docs/teaching.md`` as dashboard settings, and the numbers behind them.

    python -m sim.demo.exercises             # every variant, seeds 0-2, to the end of the horizon
    python -m sim.demo.exercises --seeds 5

Each variant is a set of dashboard controls (:data:`sim.demo.controls.CONTROLS`); the table
printed is what a class would read off the dashboard at the last month, averaged over seeds.
Re-run it after the model changes (e.g. after calibration) to refresh the numbers quoted in
``docs/teaching.md``: the lessons are the directions, the numbers move with the model.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from sim.demo.model import MONTHS_PER_YEAR, WAN_PER_YI, DemoPair
from sim.runner.outputs import project_approvals

EXERCISES: dict[str, dict[str, dict]] = {
    "1. approval time (放管服)": {
        "reform defaults": {},
        "no powers, no regional assessment, no agent": {
            "powers": 0,
            "regional_assessment_items": 0,
            "one_stop_agent": False,
        },
        "no powers": {"powers": 0},
        "no regional assessment": {"regional_assessment_items": 0},
        "no agent service": {"one_stop_agent": False},
    },
    "2. strictness of the ranking (亩产论英雄)": {
        "reform defaults": {},
        "strict: bottom 3, downgrade after 1, abolish after 2": {
            "bottom_k": 3,
            "years_to_downgrade": 1,
            "years_to_abolish": 2,
        },
        "no ranking": {"assessment": False},
    },
    "3. zombie disposal (处置僵尸企业)": {
        "reform defaults": {},
        "no zombie disposal": {"zombie_disposal": False},
    },
}
"""Exercise -> variant -> the controls it changes from the reform's defaults."""

WATCH: dict[str, str] = {
    "1. approval time (放管服)": "Watch the approval-latency chart after 2019 and the scoreboard's approval time; "
    "switch off one measure at a time to see which removes most working days.",
    "2. strictness of the ranking (亩产论英雄)": "Watch the event feed (yellow cards, downgrades, abolitions), the "
    "number of zones and the output chart: does a stricter ranking raise output, or only close zones?",
    "3. zombie disposal (处置僵尸企业)": "Watch the zombie share and exits so far, then the output chart: "
    "the campaign of 2018-2020 closes zombies; who takes over their sales?",
}
"""What to watch in each exercise (docs/teaching.md's "Watch" paragraphs, shortened for the screen)."""


def outcomes(pair: DemoPair, run_key: str) -> dict[str, float]:
    """What a class reads off the dashboard at the end of a run."""
    run = pair.runs()[run_key]
    mon = pd.DataFrame(run.recorder.monthly)
    app = project_approvals(run.recorder.approvals_table())
    events = pd.DataFrame(run.recorder.zone_events, columns=["event"])
    since = run.calendar.index(pair.settings.reform.policy.devolution.start)  # projects under the new rules
    return {
        "approval latency, wd (projects since devolution)": app.loc[app["applied_time"] >= since, "approval_wd"].mean(),
        "output in last year, 亿 yuan": mon["output"].tail(MONTHS_PER_YEAR).sum() / WAN_PER_YI,
        "zombie share at end, %": 100 * mon["zombie_share"].iloc[-1],
        "zombie exits": mon["zombie_exits"].sum(),
        "zones at end": mon["zones"].iloc[-1],
        "yellow cards": (events["event"] == "yellow_card").sum(),
        "abolished": (events["event"] == "abolished").sum(),
        "firms in zones at end, %": 100 * mon["in_zone_firm_share"].iloc[-1],
    }


def run_variant(controls: dict, seeds: range) -> pd.DataFrame:
    """Mean outcomes of the reform (and of its baseline) over ``seeds``, to the end of the horizon."""
    rows = []
    for seed in seeds:
        pair = DemoPair(seed=seed, **controls)
        while pair.running:
            pair.step()
        rows += [{"run": key, **outcomes(pair, key)} for key in ("reform", "baseline")]
    return pd.DataFrame(rows).groupby("run", sort=False).mean()


def table(seeds: range) -> pd.DataFrame:
    rows = {}
    for exercise, variants in EXERCISES.items():
        for name, controls in variants.items():
            result = run_variant(controls, seeds)
            rows[(exercise, name)] = result.loc["reform"]
            rows.setdefault(("baseline", "pre-2018 rules"), result.loc["baseline"])
    return pd.DataFrame(rows).T


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.demo.exercises", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    args = ap.parse_args(argv)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.1f}".format):
        print(table(range(args.seeds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
