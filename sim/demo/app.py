"""The teaching dashboard's page: ``solara run sim.demo.app:Page`` (or ``zonesim-demo``).

The sidebar holds the run controls (:mod:`sim.demo.controller`: +1 month, +1 year, run to the
end, play/pause, reset) and Mesa's inputs for the policy controls (:mod:`sim.demo.controls`,
rendered by :func:`mesa.visualization.solara_viz.ModelCreator`); the main area is
:class:`~sim.demo.components.Dashboard`.  Mesa's ``SolaraViz`` page is not used: its step loop
lets months through a pause and jumps by odd numbers of months only.

Each browser session gets its own pair: it is built inside the ``Page`` component
(``solara.use_memo``), never at module level, so two students never share a model.  Mesa's
in-browser Python console is not among the components (it would run any code on the server).
"""

from __future__ import annotations

import solara
from mesa.visualization.solara_viz import ModelCreator

from sim.demo.components import Dashboard
from sim.demo.controller import RunController
from sim.demo.controls import model_params
from sim.demo.model import DemoPair

TITLE = "Development-zone reform 开发区改革 — reform vs baseline, same seed"


@solara.component
def Page():
    """One browser session: its own reform/baseline pair, the run controls, the policy controls and
    the dashboard."""
    params = solara.use_memo(model_params, [])
    defaults = {k: v["value"] for k, v in params.items()}
    first = solara.use_memo(lambda: DemoPair(**defaults), [])
    pair = solara.use_reactive(first)
    chosen = solara.use_reactive(dict(defaults))  # the controls' values, set by ModelCreator

    def build() -> DemoPair:
        return DemoPair(**{**defaults, **chosen.value})

    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run 运行"):
            RunController(pair, build)
        with solara.Card("Policy controls 政策 (then Reset)"):
            ModelCreator(pair, params, model_parameters=chosen)
    Dashboard(pair.value)
