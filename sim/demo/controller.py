"""The dashboard's run controls: +1 month, +1 year, run to the end, play and pause, reset.

Mesa's own controller (Step with a *render interval*, ▶/❚❚) steps the model in a loop that does
not stop at the end of the run and lets one more batch of months through a pause; its interval
slider offers odd numbers only, so a class cannot jump one year.  These controls move a
:class:`~sim.demo.model.DemoPair` by whole months with :meth:`DemoPair.advance`, which never goes
past ``time.end``; pause stops before the next month (a month already being computed finishes:
a few milliseconds of model time), and the charts are redrawn once per button press, not once
per month, so "+1 year" costs one redraw.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import solara
from mesa.visualization.utils import force_update, update_counter

from sim.demo.model import MONTHS_PER_YEAR, DemoPair
from sim.demo.outcome_charts import pin
from sim.demo.timing import PressTimer

PLAY_INTERVAL_S = 0.15
"""Pause between months while playing: slow enough for a class to follow the charts."""

BUTTONS = {
    "month": "+1 month 下月",
    "year": "+1 year 一年",
    "end": "Run to end 到终点",
    "play": "▶ Play 播放",
    "pause": "❚❚ Pause 暂停",
    "reset": "Reset 重置",
    "pin": "Pin this reform 固定对比",
    "unpin": "Clear the pin 取消固定",
}
"""Button labels (English first, as the tests and docs/teaching.md name them)."""

HELP = {
    "month": "Advance both runs by one month.",
    "year": "Advance both runs by twelve months (or to the end of the run).",
    "end": "Run both to the last month of the run (time.end) and stop there.",
    "play": "Advance month by month until paused or at the end.",
    "pause": "Stop before the next month.",
    "reset": "Build a new reform/baseline pair from the controls below (and the seed); starts before the first month.",
    "pin": "Keep the reform's lines so far as a grey dotted line, to compare with the next settings (Reset, then run).",
    "unpin": "Remove the pinned run's line.",
}
"""What each button does (its tooltip)."""


def status_text(pair: DemoPair) -> str:
    """Where the pair stands: the last month done, out of how many."""
    if not pair.running:
        return f"Run complete: {pair.date} ({pair.months_done} of {pair.months_total} months)"
    return f"Month {pair.date} — {pair.months_done} of {pair.months_total} months"


@solara.component
def RunController(pair: solara.Reactive[DemoPair], build: Callable[[], DemoPair]):
    """Buttons that move ``pair`` (a reactive holding the session's pair); ``build`` makes a new
    pair from the current controls (Reset).  Re-renders after every move (Mesa's step counter), so
    the status line and the buttons' states follow the pair."""
    update_counter.get()
    playing = solara.use_reactive(False)

    def advance(months: int) -> None:
        timer = PressTimer.start()
        done = pair.value.advance(months)
        if done:
            pair.value.press = timer.advanced(done)  # ended by the dashboard's redraw (sim.demo.timing)
            force_update()

    def play() -> None:
        while playing.value and pair.value.running:
            advance(1)
            time.sleep(PLAY_INTERVAL_S)
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def reset() -> None:
        playing.value = False
        pair.value = build()
        force_update()

    idle = not playing.value and pair.value.running

    def button(key: str, on_click, disabled: bool = False, color: str = "primary"):
        solara.Button(
            BUTTONS[key], on_click=on_click, disabled=disabled, color=color, small=True, attributes={"title": HELP[key]}
        )

    with solara.Column(gap="6px"):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            button("month", lambda: advance(1), disabled=not idle)
            button("year", lambda: advance(MONTHS_PER_YEAR), disabled=not idle)
            button("end", lambda: advance(pair.value.months_left), disabled=not idle)
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            if playing.value:
                button("pause", lambda: playing.set(False))
            else:
                button("play", lambda: playing.set(True), disabled=not pair.value.running)
            button("reset", reset, color="secondary")
        solara.Text(status_text(pair.value), classes=["zonesim-status"], style={"font-size": "0.9em"})


@solara.component
def PinControls(pair: solara.Reactive[DemoPair], pinned: solara.Reactive):
    """Pin the current reform's series as a ghost line (:func:`sim.demo.outcome_charts.pin`), or
    clear it: compare one setting with the next without writing anything down."""
    update_counter.get()

    def do_pin() -> None:
        pinned.value = pin(pair.value)

    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            BUTTONS["pin"],
            on_click=do_pin,
            disabled=pair.value.months_done == 0,
            small=True,
            outlined=True,
            attributes={"title": HELP["pin"]},
        )
        if pinned.value is not None:
            solara.Button(
                BUTTONS["unpin"],
                on_click=lambda: pinned.set(None),
                small=True,
                text=True,
                attributes={"title": HELP["unpin"]},
            )
