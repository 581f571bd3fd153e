"""The teaching dashboard's page: ``solara run sim.demo.app:Page`` (or ``zonesim-demo``).

The sidebar holds the run controls (:mod:`sim.demo.controller`: +1 month, +1 year, run to the
end, play/pause, reset), the exercise presets and the policy controls with their help text
(:mod:`sim.demo.inputs`, bound to :mod:`sim.demo.controls`); the main area is
:class:`~sim.demo.components.Dashboard`.  Mesa's ``SolaraViz`` page is not used: its step loop
lets months through a pause and jumps by odd numbers of months only.

Each browser session gets its own pair: it is built inside the ``Page`` component
(``solara.use_memo``), never at module level, so two students never share a model.  Mesa's
in-browser Python console is not among the components (it would run any code on the server).
"""

from __future__ import annotations

import solara

from sim.demo.components import Dashboard
from sim.demo.controller import PinControls, RunController
from sim.demo.inputs import ExercisePresets, MoreLevers, PolicyControls, defaults
from sim.demo.model import DemoPair
from sim.demo.sessions import on_session

TITLE = "Development-zone reform 开发区改革 — reform vs baseline, same seed"

solara.lab.on_kernel_start(on_session)  # a closed tab gives its memory back (sim.demo.sessions)

PROJECTOR_LABEL = "Projector view 投影 (one screen)"
"""The switch between the full dashboard and the one-screen view for a projected class."""


@solara.component
def Page():
    """One browser session: its own reform/baseline pair, the run controls, the policy controls and
    the dashboard."""
    start = solara.use_memo(defaults, [])
    first = solara.use_memo(lambda: DemoPair(**start), [])
    pair = solara.use_reactive(first)
    chosen = solara.use_reactive(dict(start))  # the controls' values
    projector = solara.use_reactive(False)  # one screen for a projected class
    pinned = solara.use_reactive(None)  # a pinned run's series: the charts' ghost line
    levers = solara.use_reactive({})  # other policy settings changed from the reform's defaults

    def build() -> DemoPair:
        return DemoPair(**{**start, **chosen.value}, levers=dict(levers.value))

    def load() -> None:  # an exercise preset: the other levers back to the defaults, the new pair at once
        levers.set({})
        pair.value = build()

    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run 运行"):
            RunController(pair, build)
            PinControls(pair, pinned)
            solara.Switch(label=PROJECTOR_LABEL, value=projector)
        with solara.Card("Exercises 练习 (docs/teaching.md)"):
            ExercisePresets(chosen, load)
        with solara.Card("Policy controls 政策 (then Reset)"):
            PolicyControls(chosen)
        with solara.Card("More levers 更多政策参数 (then Reset)"):
            MoreLevers(levers)
    Dashboard(pair.value, projector=projector.value, pinned=pinned.value)
