"""The dashboard's policy controls, each with its meaning, unit and source, and the exercise presets.

Every control of :data:`sim.demo.controls.CONTROLS` is drawn with the widget its kind names and,
under it, its help text from the configuration schema (:meth:`~sim.demo.controls.Control.help`:
the parameter's ``doc``, unit and source), as NetLogo's Info tab would give it.  The exercises of
``docs/teaching.md`` (:data:`sim.demo.exercises.EXERCISES`) are one-click buttons: a button sets
the controls to the variant's values (the reform's defaults otherwise) and builds a new pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from sim.demo.controls import CONTROLS, Lever, policy_levers
from sim.demo.exercises import EXERCISES, WATCH

HELP_STYLE = {"font-size": "0.75em", "color": "#616161", "line-height": "1.25", "margin": "0 0 10px 0"}


def defaults() -> dict[str, Any]:
    """Every control at the reform's default (the ``full_reform`` scenario's value)."""
    return {c.name: c.user_param()["value"] for c in CONTROLS}


@solara.component
def SettingInput(
    name: str,
    kind: str,
    label: str,
    help_text: str,
    default: Any,
    store: solara.Reactive[dict],
    values: tuple | list = (),
    bounds: tuple[int, int] | None = None,
):
    """One setting (a main :class:`Control` or another :class:`Lever`): the widget its ``kind``
    names, bound to ``store[name]`` (``default`` until changed), and its help text under it."""
    value = store.value.get(name, default)

    def set_value(new: Any) -> None:
        store.value = {**store.value, name: new}

    match kind:
        case "Checkbox":
            solara.Checkbox(label=label, value=bool(value), on_value=set_value)
        case "SliderInt":
            lo, hi = bounds
            solara.SliderInt(label, value=int(value), min=lo, max=hi, step=1, on_value=set_value, thumb_label="always")
        case "InputInt":
            solara.InputInt(label, value=int(value), on_value=set_value, continuous_update=False)
        case "InputFloat":
            solara.InputFloat(label, value=float(value), on_value=set_value, continuous_update=False)
        case "Select":
            solara.Select(label, value=value, values=list(values), on_value=set_value)
        case "InputText":
            solara.InputText(label, value=str(value), on_value=set_value, continuous_update=False)
        case _:
            raise ValueError(f"setting {name}: unknown kind {kind!r}")
    solara.Text(help_text, classes=["zonesim-help"], style=HELP_STYLE)


@solara.component
def PolicyControls(chosen: solara.Reactive[dict]):
    """Every policy control, in the order of :data:`CONTROLS`."""
    for control in CONTROLS:
        spec = control.user_param()
        SettingInput(
            control.name,
            control.kind,
            control.label,
            control.help(),
            spec["value"],
            chosen,
            values=spec.get("values", ()),
            bounds=(spec["min"], spec["max"]) if control.kind == "SliderInt" else None,
        )


@solara.component
def ExercisePresets(chosen: solara.Reactive[dict], load: Callable[[], None]):
    """One button per exercise variant: set the controls to it and build a new pair (``load``)."""

    def preset(changes: dict[str, Any]) -> Callable[[], None]:
        def apply() -> None:
            chosen.value = {**defaults(), **changes}
            load()

        return apply

    for exercise, variants in EXERCISES.items():
        # plain text, not solara.Markdown: that loads mermaid from a CDN (offline: an error per render)
        solara.Text(f"Exercise {exercise}", style={"font-weight": "600", "font-size": "0.9em"})
        solara.Text(WATCH[exercise], style=HELP_STYLE)
        with solara.Row(gap="4px", style={"flex-wrap": "wrap", "margin-bottom": "8px"}):
            for variant, changes in variants.items():
                solara.Button(
                    variant,
                    on_click=preset(changes),
                    small=True,
                    outlined=True,
                    classes=["zonesim-preset"],
                    # wrapped, not upper-cased: long variant names keep the sidebar narrow
                    style={"text-transform": "none", "white-space": "normal", "height": "auto", "max-width": "100%"},
                    attributes={
                        "title": f"Set the controls to '{variant}' (other controls at the reform's defaults) and Reset"
                    },  # fmt: skip
                )


@solara.component
def MoreLevers(levers: solara.Reactive[dict]):
    """Every other setting of the policy families, one fold per family, from the configuration
    schema; lists and tables (the approval graph's edits, the assessment's weights) are named, to be
    set in ``configs/``.  Changed values take effect at the next Reset."""
    found, elsewhere = solara.use_memo(policy_levers, [])
    families: dict[str, list[Lever]] = {}
    for lever in found:
        families.setdefault(lever.key.split(".")[1], []).append(lever)
    changed = len(levers.value)
    solara.Text(
        f"{len(found)} more settings of the policy families; {changed} changed from the reform's defaults.",
        style=HELP_STYLE,
    )
    if changed:
        solara.Button("Back to the defaults", on_click=lambda: levers.set({}), small=True, text=True)
    for family, members in families.items():
        with solara.Details(summary=f"{family.replace('_', ' ')} ({len(members)})"):
            for lever in members:
                SettingInput(lever.key, lever.kind, lever.label, lever.help(), lever.default(), levers, lever.values)
    solara.Text("Set in configs/ (lists and tables): " + ", ".join(elsewhere) + ".", style=HELP_STYLE)
