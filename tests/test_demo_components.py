"""The teaching dashboard without a browser: controls, the reform/baseline pair, the event feed,
export, the rendered components and the server's command line (issue 6, acceptance b and d)."""

from __future__ import annotations

import io
import logging

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from mesa.visualization.utils import force_update

from sim.demo import assets, cli, timing
from sim.demo.components import (
    STANDINGS,
    Dashboard,
    county_layout,
    downloads,
    figure_png,
    outcome_figure,
    region_chart,
    region_charts,
    scoreboard_html,
    zone_table,
)
from sim.demo.controls import CONTROLS, CONTROLS_BY_NAME, model_params, open_bound, schema_meta
from sim.demo.feed import EVENT_TERMS, describe, feed
from sim.demo.model import MONTHS_PER_YEAR, DemoPair
from tests.conftest import compose_params, make_model

MONTHS = 60  # to 2019-12: consolidation (2018-09) and the first yearly assessment (2019) have happened


@pytest.fixture(scope="module")
def pair() -> DemoPair:
    p = DemoPair()
    for _ in range(MONTHS):
        p.step()
    return p


# --------------------------------------------------------------------------- controls
def test_controls_take_defaults_from_the_reform_scenario_and_ranges_from_the_schema():
    reform = compose_params("scenario=full_reform")
    spec = model_params()
    assert list(spec) == [c.name for c in CONTROLS]
    for control in CONTROLS:
        entry = spec[control.name]
        default = reform
        for part in control.key.split("."):
            default = getattr(default, part)
        assert entry["value"] == (str(default) if control.kind == "InputText" else default), control.name
        meta = schema_meta(control.key)
        if control.kind == "SliderInt":
            assert entry["min"] == meta["ge"], control.name
            assert entry["max"] == (meta["le"] if meta["le"] is not None else open_bound(control.key)), control.name
    assert (spec["powers"]["min"], spec["powers"]["max"]) == (0, 37)
    assert (spec["regional_assessment_items"]["min"], spec["regional_assessment_items"]["max"]) == (0, 9)
    assert spec["consolidation_date"]["value"] in spec["consolidation_date"]["values"]
    assert {"consolidation", "one_stop_agent", "assessment", "zombie_disposal"} <= {
        c.name for c in CONTROLS if c.kind == "Checkbox"
    }


def test_controls_reach_the_reform_only_and_the_seed_both_runs():
    p = DemoPair(powers=0, regional_assessment_items=3, assessment=False, consolidation_date="2017-06", seed="7")
    reform, baseline = p.reform.params, p.baseline.params
    assert reform.policy.devolution.powers == 0 and reform.policy.devolution.regional_assessment_items == 3
    assert not reform.policy.assessment.enabled and reform.policy.consolidation.date == "2017-06"
    assert reform.seed == baseline.seed == 7
    assert baseline.scenario_name == "baseline" and not baseline.policy.consolidation.enabled
    assert p.settings.notes == []


def test_values_the_schema_rejects_are_adjusted_with_a_note():
    p = DemoPair(years_to_downgrade=3, years_to_abolish=2, seed="abc")
    assert p.reform.params.policy.assessment.years_to_abolish == 3
    assert p.reform.params.seed == CONTROLS_BY_NAME["seed"].default()
    assert len(p.settings.notes) == 2


def test_classroom_exercises_are_settings_of_the_dashboard():
    from sim.demo.exercises import EXERCISES

    for variants in EXERCISES.values():
        for controls in variants.values():
            assert set(controls) <= set(CONTROLS_BY_NAME)
            assert DemoPair(**controls).settings.notes == []


# --------------------------------------------------------------------------- the pair
def test_pair_steps_both_runs_together_on_common_random_numbers(pair):
    assert pair.reform.month == pair.baseline.month == pair.months_done == MONTHS
    assert pair.date == "2019-12" and pair.time == MONTHS
    for key, params in (("reform", compose_params("scenario=full_reform")), ("baseline", compose_params())):
        alone = make_model(params)
        for _ in range(MONTHS):
            alone.step()
        pd.testing.assert_frame_equal(
            pd.DataFrame(pair.runs()[key].recorder.monthly), pd.DataFrame(alone.recorder.monthly)
        )
    head = pair.headline()
    assert list(head.columns) == ["reform", "baseline"]
    assert head.loc["zones_end", "reform"] < head.loc["zones_end", "baseline"]  # consolidation merged zones
    board = scoreboard_html(pair)  # the vocabulary's labels and units, with the Chinese terms
    for text in (
        "Cumulative output, 亿 yuan 累计工业产值",
        "Zombie share (end)",
        "working days 审批时长",
        "开发区",
        "管委会",
        "Reform − baseline 差",
    ):
        assert text in board, text
    # the difference column: reform minus baseline, a share's in percentage points
    zones = head.loc["zones_end"]
    assert f'<td class="zonesim-diff">{zones["reform"] - zones["baseline"]:+,.0f}</td>' in board
    share = head.loc["zombie_share_end"]
    assert f"{100 * (share['reform'] - share['baseline']):+.1f} pt" in board


# --------------------------------------------------------------------------- event feed
def test_event_feed_tells_zone_events_in_plain_bilingual_language(pair):
    items = feed(pair)
    assert items and items[0].date >= items[-1].date  # newest first
    texts = [i.text for i in items if i.run == "reform"]
    assert any("merged (整合) into" in t and "one county, one zone" in t for t in texts)
    assert any(t.startswith("2019-12 ") and "yellow card (黄牌警告), last in its class" in t for t in texts)
    logged = {i.event for i in items}
    assert logged <= set(EVENT_TERMS), logged - set(EVENT_TERMS)
    zones = {z.zone_id: z for z in pair.reform.zones}
    record = {
        "date": "2020-12",
        "zone_id": "yinchuan_etdz",
        "name_zh": "银川经济技术开发区",
        "event": "downgraded",
        "detail": "body b_yinchuan_etdz: bureau -> division",
    }
    assert describe(record, zones, 3) == (
        "2020-12 Yinchuan Economic and Technological Development Zone 银川经济技术开发区: "
        "management body downgraded (降级), from bureau rank (厅级) to division rank (正处级)"
    )


# --------------------------------------------------------------------------- pictures and export
def test_region_table_shows_merges_standings_and_zone_figures(pair):
    table = zone_table(pair.reform, county_layout(pair.reform.region))
    assert set(table["standing"]) <= set(STANDINGS)
    assert (table["standing"] == "merged 已整合").sum() == (table["status"] == "merged").sum() > 0
    assert (table["standing"] == "yellow card 黄牌警告").any()
    active = table[table["status"] == "active"]
    assert active["output"].sum() > 0 and active["firms"].sum() > 0
    baseline = zone_table(pair.baseline, county_layout(pair.baseline.region))
    assert set(baseline["standing"]) == {"not ranked 未考核"}


def test_export_holds_both_runs_and_a_chart_image(pair):
    raw = pair.csv_bytes("monthly")
    assert raw.startswith("\ufeff".encode()) and raw[3:].decode("utf-8").startswith("run,")  # Excel reads UTF-8
    monthly = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert monthly["run"].value_counts().to_dict() == {"reform": MONTHS, "baseline": MONTHS}
    units = pd.read_csv(io.BytesIO(pair.units_csv_bytes("monthly")), encoding="utf-8-sig")
    assert list(units["column"]) == list(monthly.columns)  # every column, in order, with its unit
    assert units.set_index("column").loc["output", "unit"].startswith("万 yuan") and units["unit"].notna().all()
    assert {"output", "zombie_share", "zombie_exits", "approval_wd_mean"} <= set(monthly.columns)
    parquet = pd.read_parquet(io.BytesIO(pair.parquet_bytes("monthly")))
    assert len(parquet) == 2 * MONTHS
    events = pd.read_csv(io.BytesIO(pair.csv_bytes("zone_events")))
    assert set(events["run"]) == {"reform", "baseline"}
    fig = outcome_figure(pair)
    assert len(fig.axes) == 4 and all(len(ax.lines) >= 2 for ax in fig.axes)
    assert figure_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    offered = downloads(pair)  # what the export panel lists: every file non-empty, names unique
    assert len({suffix for _, suffix, _, _ in offered}) == len(offered) == 6
    assert all(len(data()) > 0 and mime for data, _, _, mime in offered)


def test_the_dashboards_redraw_ends_the_press_that_caused_it(pair, monkeypatch, caplog):
    monkeypatch.setenv(timing.ENV, "1")
    pair.press = timing.PressTimer.start().advanced(1)
    solara.render(Dashboard(pair), handle_error=False)
    assert pair.press is None  # timed and logged by the effect after the redraw (sim.demo.timing)
    pair.press = timing.PressTimer.start().advanced(12)
    with caplog.at_level(logging.INFO):
        force_update()  # the next move's redraw: the last effect cleaned up, this press ended
    assert pair.press is None
    assert [p.months for p in timing.parse(r.getMessage() for r in caplog.records)] == [12]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_dashboard_renders_its_panels(pair):
    _, rc = solara.render(Dashboard(pair), handle_error=False)
    rc.find(v.CardTitle, children=["Month 2019-12 — scoreboard 对比"]).assert_single()
    labels = [w.children[-1] for w in rc.find(v.Btn).widgets]
    assert labels == [
        "Monthly series (CSV)",
        "Units of the monthly series (CSV)",
        "Monthly series (Parquet)",
        "Zones by year (CSV)",
        "Zone events (CSV)",
        "Charts (PNG)",
    ]
    assert any("yellow card (黄牌警告)" in str(w.children) for w in rc.find(v.Html).widgets)
    rc.close()


def test_page_builds_its_own_pair_and_its_buttons_step_and_reset_it():
    from sim.demo.app import Page
    from sim.demo.controller import BUTTONS

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    rc.find(v.CardTitle, children=["Month before 2015-01 — scoreboard 对比"]).assert_single()
    assert not rc.find(v.CardTitle, children=["Command Console"]).widgets  # no Python console in the page
    rc.find(v.Btn, children=[BUTTONS["month"]]).widget.click()
    rc.find(v.Btn, children=[BUTTONS["month"]]).widget.click()
    rc.find(v.CardTitle, children=["Month 2015-02 — scoreboard 对比"]).assert_single()
    rc.find(v.Btn, children=[BUTTONS["year"]]).widget.click()
    rc.find(v.CardTitle, children=["Month 2016-02 — scoreboard 对比"]).assert_single()
    rc.find(v.Btn, children=[BUTTONS["reset"]]).widget.click()
    rc.find(v.CardTitle, children=["Month before 2015-01 — scoreboard 对比"]).assert_single()
    rc.close()


def test_run_to_end_stops_exactly_at_time_end_and_the_buttons_then_do_nothing():
    """The hard stop: advancing past ``time.end`` does nothing (Mesa's loop used to run the pair on to
    2036); the buttons that move the pair are disabled at the end."""
    from sim.demo.controller import BUTTONS, RunController, status_text

    pair = DemoPair()
    assert pair.advance(MONTHS_PER_YEAR) == MONTHS_PER_YEAR and pair.date == "2015-12"
    assert pair.advance(10_000) == pair.months_total - MONTHS_PER_YEAR
    assert pair.date == "2030-12" and not pair.running and pair.months_left == 0
    pair.step()
    assert pair.advance(5) == 0 and pair.date == "2030-12"
    assert len(pair.monthly()) == 2 * pair.months_total  # no month recorded past the end
    assert status_text(pair) == f"Run complete: 2030-12 ({pair.months_total} of {pair.months_total} months)"
    reactive = solara.reactive(pair)
    _, rc = solara.render(RunController(reactive, DemoPair), handle_error=False)
    for key in ("month", "year", "end", "play"):
        assert rc.find(v.Btn, children=[BUTTONS[key]]).widget.disabled, key
    assert not rc.find(v.Btn, children=[BUTTONS["reset"]]).widget.disabled
    rc.find(v.Btn, children=[BUTTONS["reset"]]).widget.click()
    assert reactive.value is not pair and reactive.value.months_done == 0
    rc.close()


def test_every_control_has_help_from_the_schema_and_every_policy_family_can_be_switched():
    """Acceptance c (issue 18): the controls are the schema's declarations (meaning, unit, source) and
    the page shows each one's help; each policy family's on/off switch is a control."""
    from pathlib import Path

    from sim.demo.inputs import PolicyControls, defaults

    for c in CONTROLS:
        meta = schema_meta(c.key)
        assert meta["doc"], f"{c.key} has no doc in the schema"
        assert c.help().startswith(meta["doc"])
        if meta["source"] not in ("-", ""):
            assert meta["source"] in c.help()
    families = sorted(p.name for p in (Path(__file__).parents[1] / "configs" / "policy").iterdir() if p.is_dir())
    assert {f"policy.{f}.enabled" for f in families} <= {c.key for c in CONTROLS}
    chosen = solara.reactive(defaults())
    _, rc = solara.render(PolicyControls(chosen), handle_error=False)
    shown = " ".join(str(w.children) + str(getattr(w, "value", "")) for w in rc.find(v.Html).widgets)
    for c in CONTROLS:
        assert c.help() in shown, c.name
    rc.find(v.Checkbox, label=CONTROLS_BY_NAME["devolution"].label).widget.v_model = False
    assert chosen.value["devolution"] is False
    rc.close()


def test_an_exercise_preset_sets_its_controls_and_builds_a_new_pair():
    from sim.demo.exercises import EXERCISES
    from sim.demo.inputs import ExercisePresets, defaults

    chosen = solara.reactive({**defaults(), "seed": "4"})
    built = []
    _, rc = solara.render(ExercisePresets(chosen, lambda: built.append(DemoPair(**chosen.value))), handle_error=False)
    variant, changes = "no powers", EXERCISES["1. approval time (放管服)"]["no powers"]
    rc.find(v.Btn, children=[variant]).widget.click()
    assert len(built) == 1 and chosen.value == {**defaults(), **changes}  # everything else back to the defaults
    reform = built[0].settings.reform
    assert reform.policy.devolution.powers == 0 and reform.policy.devolution.regional_assessment_items == 9
    n_buttons = sum(len(variants) for variants in EXERCISES.values())
    assert len(rc.find(v.Btn).widgets) == n_buttons
    rc.close()


def test_policy_start_lines_are_labelled_and_share_a_month():
    """Each enabled policy's start is a labelled line on every chart; policies that start in the same
    month share one line ("D+A"); a policy switched off has none."""
    from sim.demo.outcome_charts import POLICY_MARKS, start_marks

    pair = DemoPair()
    p = pair.settings.reform.policy
    marks = start_marks(pair)
    assert marks[p.consolidation.date] == "C" and marks[p.zombie_disposal.start] == "Z"
    assert p.devolution.start == p.assessment.start and marks[p.devolution.start] == "D+A"
    assert marks[p.approval_process.start] == "P"
    fig = outcome_figure(pair)
    for ax in fig.axes:
        labels = {t.get_text().strip() for t in ax.texts}
        assert set(marks.values()) <= labels
    assert all(letter in fig.get_suptitle() for letter in POLICY_MARKS.values())
    off = DemoPair(zombie_disposal=False, devolution=False)
    assert "Z" not in start_marks(off).values() and start_marks(off)[p.assessment.start] == "A"


def test_map_marks_placeholders_shows_closed_zones_and_has_a_size_legend():
    """Placeholder zones say so in the tooltip; merged and abolished zones are crosses of a fixed size
    (a circle sized by their zero output would vanish); the circles' size has a legend."""
    from sim.demo.region_map import CLOSED, CLOSED_MARK_AREA, NAMED_NOTE, PLACEHOLDER_NOTE

    pair = DemoPair()
    pair.advance(48)  # past consolidation (2018-09)
    layout = county_layout(pair.reform.region)
    table = zone_table(pair.reform, layout)
    data = pair.reform.region.zones.set_index("zone_id")["name_status"]
    assert (table["data"] == PLACEHOLDER_NOTE).sum() == (data.loc[table["zone_id"]] == "placeholder").sum() > 0
    assert set(table["data"]) == {PLACEHOLDER_NOTE, NAMED_NOTE}
    spec = region_chart(pair.reform, layout, "t", 1.0)
    layers = spec["layer"]
    circles = next(layer for layer in layers if layer["mark"]["type"] == "circle")
    crosses = next(layer for layer in layers if layer["mark"].get("shape") == "cross")
    assert circles["encoding"]["size"]["legend"] is not None
    assert crosses["mark"]["size"] == CLOSED_MARK_AREA
    closed = table["standing"].isin(CLOSED).sum()
    assert len(crosses["data"]["values"]) == closed and len(circles["data"]["values"]) == len(table) - closed
    import altair as alt

    alt.HConcatChart.from_dict(region_charts(pair, layout), validate=True)  # a valid Vega-Lite 5 spec
    assert closed > 0 and any(t.get("title") == "data 数据" for t in circles["encoding"]["tooltip"])


def test_outcome_chart_is_a_valid_vega_lite_spec_drawn_by_the_browser(pair):
    """The page's outcome charts: a Vega-Lite 5 spec (valid against Altair 5's schema, the renderer's
    major version), one data set at the top, four panels each with the reform − baseline strip, the
    policy starts as labelled rules; no value is NaN (JSON null is fine, NaN is not JSON)."""
    import json
    import math

    import altair as alt

    from sim.demo.outcome_charts import outcome_chart, outcome_frame, start_marks
    from sim.demo.vega import VEGA_LITE_SCHEMA

    spec = outcome_chart(pair)
    alt.VConcatChart.from_dict(spec, validate=True)
    assert spec["$schema"] == VEGA_LITE_SCHEMA and alt.SCHEMA_VERSION.startswith("v5")
    text = json.dumps(spec, allow_nan=False)  # raises on NaN
    panels = [p for row in spec["vconcat"] for p in row["hconcat"]]
    assert len(panels) == 4
    for panel in panels:
        top, strip = panel["vconcat"]
        assert strip["encoding"]["y"]["field"] == "difference"
        labels = [layer for layer in top["layer"] if layer["mark"]["type"] == "text"]
        assert [m["label"] for m in labels[0]["data"]["values"]] == list(start_marks(pair).values())
    rows = spec["data"]["values"]
    frame = outcome_frame(pair).dropna(subset=["value"])
    assert len(rows) == len(frame) and "difference" in text
    reform = frame[(frame["run"] == "Reform") & (frame["outcome"] == "Industrial output")].set_index("t")["value"]
    base = frame[(frame["run"] == "Baseline") & (frame["outcome"] == "Industrial output")].set_index("t")["value"]
    diff = frame[(frame["run"] == "Reform") & (frame["outcome"] == "Industrial output")].set_index("t")["difference"]
    assert all(math.isclose(d, r - b, rel_tol=1e-12, abs_tol=1e-9) for d, r, b in zip(diff, reform, base))
    empty = outcome_chart(DemoPair())  # before the first month: nothing to draw, no infinite axes
    assert empty["data"]["values"] == []
    assert all(p["vconcat"][0]["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 1]
               for row in empty["vconcat"] for p in row["hconcat"])  # fmt: skip


def test_projector_view_draws_the_reforms_map_and_compact_charts(pair):
    """The projector view: the reform's map only, the four charts small with short titles, the
    scoreboard and the feed; no help text and no downloads."""
    from sim.demo.components import PROJECTOR_CHART_SIZE
    from sim.demo.model import OUTCOMES

    _, rc = solara.render(Dashboard(pair, projector=True), handle_error=False)
    specs = [w.spec for w in rc.find(solara.widgets.VegaLite).widgets]
    assert len(specs) == 2
    maps = [s for s in specs if "hconcat" in s and "layer" in s["hconcat"][0]]
    assert len(maps) == 1 and len(maps[0]["hconcat"]) == 1 and maps[0]["hconcat"][0]["title"].startswith("Reform")
    charts = next(s for s in specs if s is not maps[0])
    panels = [p for row in charts["vconcat"] for p in row["hconcat"]]
    assert [p["vconcat"][0]["title"] for p in panels] == [o.short for o in OUTCOMES]
    assert all(p["vconcat"][0]["width"] == PROJECTOR_CHART_SIZE[0] for p in panels)
    rc.find(v.CardTitle, children=["Month 2019-12 — scoreboard 对比"]).assert_single()
    assert not rc.find(v.Btn).widgets  # no downloads on the projected screen
    rc.close()


def test_a_pinned_run_is_a_ghost_line_on_the_charts():
    """Pin the reform's series, build another pair, and the charts draw the pinned run beside the new
    pair's reform and baseline (a grey dotted line); clearing the pin removes it."""
    from sim.demo.controller import BUTTONS, PinControls
    from sim.demo.outcome_charts import PINNED, PINNED_STYLE, outcome_chart

    first = DemoPair()
    first.advance(24)
    reactive, pinned = solara.reactive(first), solara.reactive(None)
    _, rc = solara.render(PinControls(reactive, pinned), handle_error=False)
    rc.find(v.Btn, children=[BUTTONS["pin"]]).widget.click()
    ghost = pinned.value
    assert set(ghost["run"]) == {PINNED} and len(ghost) == 4 * 24
    second = DemoPair(zombie_disposal=False)
    second.advance(12)
    spec = outcome_chart(second, pinned=ghost)
    runs = {row["run"] for row in spec["data"]["values"]}
    assert runs == {"Reform", "Baseline", PINNED}
    colour = spec["vconcat"][0]["hconcat"][0]["vconcat"][0]["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domain"][-1] == PINNED and colour["range"][-1] == PINNED_STYLE[0]
    rc.find(v.Btn, children=[BUTTONS["unpin"]]).widget.click()
    assert pinned.value is None
    rc.close()


def test_every_policy_setting_is_reachable_from_the_page():
    """Item 3 (issue 18): each scalar setting of every policy family is a main control or one of the
    'more levers' inputs, with help text from the schema; lists and tables are named; a lever value
    reaches the reform, and one the schema refuses is left out with a note."""
    import dataclasses

    from sim.config.schema import ModelConfig
    from sim.demo.controls import policy_levers
    from sim.demo.inputs import MoreLevers

    levers, elsewhere = policy_levers()
    policy = ModelConfig().policy
    every = {
        f"policy.{fam.name}.{f.name}"
        for fam in dataclasses.fields(policy)
        for f in dataclasses.fields(getattr(policy, fam.name))
    }
    main = {c.key for c in CONTROLS if c.key.startswith("policy.")}
    assert main | {lv.key for lv in levers} | set(elsewhere) == every
    assert not main & {lv.key for lv in levers} and len(levers) > 50
    assert all(lv.help().endswith(".") for lv in levers)
    pair = DemoPair(levers={"policy.zombie_disposal.merger_share": 0.5, "policy.devolution.no_meeting": False})
    assert pair.settings.reform.policy.zombie_disposal.merger_share == 0.5
    assert pair.settings.reform.policy.devolution.no_meeting is False and pair.settings.notes == []
    refused = DemoPair(
        levers={"policy.zombie_disposal.merger_share": 0.9, "policy.zombie_disposal.restructuring_share": 0.9}
    )
    assert refused.settings.reform.policy.zombie_disposal.merger_share != 0.9
    assert any("merger_share" in note for note in refused.settings.notes)
    chosen = solara.reactive({})
    _, rc = solara.render(MoreLevers(chosen), handle_error=False)
    shown = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
    assert f"{len(levers)} more settings" in shown and "policy.assessment.weights" in shown
    rc.close()


def test_play_advances_month_by_month_and_pause_stops_before_the_next_month():
    import time

    from sim.demo import controller
    from sim.demo.controller import BUTTONS, RunController

    reactive = solara.reactive(DemoPair())
    _, rc = solara.render(RunController(reactive, DemoPair), handle_error=False)
    rc.find(v.Btn, children=[BUTTONS["play"]]).widget.click()
    deadline = time.monotonic() + 60
    while reactive.value.months_done < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reactive.value.months_done >= 3
    rc.find(v.Btn, children=[BUTTONS["pause"]]).widget.click()
    at_pause = reactive.value.months_done
    time.sleep(4 * controller.PLAY_INTERVAL_S + 0.5)
    assert reactive.value.months_done <= at_pause + 1  # at most the month being computed when paused
    settled = reactive.value.months_done
    time.sleep(4 * controller.PLAY_INTERVAL_S)
    assert reactive.value.months_done == settled
    rc.find(v.Btn, children=[BUTTONS["play"]]).assert_single()  # the button offers play again
    rc.close()


# --------------------------------------------------------------------------- server and assets
def test_server_listens_on_loopback_unless_asked(monkeypatch, capsys):
    assert cli.parse_args([]).host == "127.0.0.1"
    with pytest.raises(SystemExit):
        cli.parse_args(["--host", "0.0.0.0"])
    assert cli.parse_args(["--host", "0.0.0.0", "--allow-remote"]).host == "0.0.0.0"
    seen = {}
    monkeypatch.setattr(cli.os, "execve", lambda exe, cmd, env: seen.update(cmd=cmd, env=env))
    monkeypatch.setattr(cli.assets, "missing", lambda dest: [])
    cli.main(["--port", "0"])
    cmd, env = seen["cmd"], seen["env"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "--production" in cmd and cli.APP in cmd
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env[assets.CACHE_ENV] == str(assets.cache_dir())
    assert "http://127.0.0.1:0/" in capsys.readouterr().out


def test_assets_step_is_idempotent_and_explains_a_missing_npm(tmp_path, monkeypatch):
    for spec in assets.PACKAGES:
        (tmp_path / spec).mkdir(parents=True)
        (tmp_path / spec / assets.COMPLETE).write_text("test\n")
    assert assets.missing(tmp_path) == [] and assets.fetch(tmp_path) == []
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    assert assets.main(["--dest", str(tmp_path / "empty")]) == 1
