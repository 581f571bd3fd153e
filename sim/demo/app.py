"""The teaching dashboard's page: ``solara run sim.demo.app:Page`` (or ``zonesim-demo``).

Mesa's :func:`~mesa.visualization.SolaraViz` gives the sidebar — the controls (from
:mod:`sim.demo.controls`), Step, Play/Pause and Reset — and drives a
:class:`~sim.demo.model.DemoPair`; the main area is :class:`~sim.demo.components.Dashboard`.

Each browser session gets its own pair: it is built inside the ``Page`` component
(``solara.use_memo``), never at module level, so two students never share a model.  Mesa's
in-browser Python console is not among the components (it would run any code on the server).
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from sim.demo.components import Dashboard
from sim.demo.controls import model_params
from sim.demo.model import DemoPair

TITLE = "Development-zone reform 开发区改革 — reform vs baseline, same seed"

PLAY_INTERVAL_MS = 150
"""Pause between months while playing: slow enough for the charts to keep up."""


@solara.component
def Page():
    """One browser session: its own reform/baseline pair, Mesa's controls and the dashboard."""
    params = solara.use_memo(model_params, [])
    first = solara.use_memo(lambda: DemoPair(**{k: v["value"] for k, v in params.items()}), [])
    pair = solara.use_reactive(first)
    SolaraViz(pair, components=[], model_params=params, name=TITLE, play_interval=PLAY_INTERVAL_MS)
    Dashboard(pair.value)
