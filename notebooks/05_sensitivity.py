# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sensitivity of the outcomes to the assumed parameters (敏感性分析)
#
# Many behavioural parameters of the model are *assumed*: no source gives their value
# (investors' response to approval time and subsidies, office background load, productivity
# shocks, local protection of failing firms, ...). The sensitivity experiment varies them over
# plausible ranges and asks how much each one moves the outcomes.
#
# - **Morris screening**: along random trajectories one parameter moves at a time.
#   **mu\*** (mean absolute elementary effect) is the parameter's overall importance, roughly
#   the change in the outcome when the parameter crosses its whole range; **mu** (signed) gives
#   the direction; **sigma** measures non-linearity or interaction with other parameters
#   (sigma/mu\* near or above 1: strongly non-linear or interacting).
# - **Sobol indices**: **S1** is the share of the outcome's variance due to the parameter alone,
#   **ST** the share involving it (interactions included); ST ≈ 0 means the parameter can be fixed.
#
# Two experiments are read: the sensitivity of the outcomes' **levels** under the full reform, and
# that of the reform's **effect** (full reform minus baseline, run on every sample with the same
# seed). An analyst asking "how sure is the reform's effect?" needs the second: a parameter that
# moves both scenarios alike changes the level a lot and the effect not at all.

# %%
from IPython.display import Markdown, display

from sim.analysis import load, plots, sensitivity, tables

sens = load.open_sensitivity(load.folder_from_env("ZONESIM_SENSITIVITY"))
display(Markdown(sensitivity.heading(sens)))
display(tables.styled(tables.provenance_table(sens), caption="Provenance"))
display(Markdown("\n".join(f"- {c}" for c in tables.sensitivity_caveats(sens))))

# %% [markdown]
# ## The parameters and their ranges

# %%
params = sensitivity.parameter_table(sens)
display(tables.styled(params, caption="Uncertain parameters (uniform on their ranges)"))

# %% [markdown]
# ## Indices per outcome
#
# One table per outcome, parameters ranked by importance, followed by the experiment's chart
# (Morris: mu\*–sigma plane and ranked mu\* bars; Sobol: S1 and ST bars).

# %%
for outcome in dict.fromkeys(sens.indices["outcome"]):
    ranked = sensitivity.ranked(sens, outcome)
    display(Markdown(f"### {outcome} — {sens.outcome_unit(outcome)}"))
    display(tables.styled(ranked, caption=f"{sens.method} indices for {outcome}"))
    figure = [p for p in sens.figures if p.stem == f"sensitivity_{outcome}"]
    if figure:
        plots.show_file(figure[0])

# %% [markdown]
# ## What matters most
#
# The three most important parameters for each outcome, with the direction of their effect and
# whether it is non-linear or interacting.

# %%
lines = []
for outcome in dict.fromkeys(sens.indices["outcome"]):
    top = sensitivity.ranked(sens, outcome).head(3)
    parts = [sensitivity.describe(sens, row) for _, row in top.iterrows()]
    lines.append(f"- **{outcome}** ({sens.outcome_unit(outcome)}): " + "; ".join(parts) + ".")
display(Markdown("\n".join(lines) or "_No outcome was analysed._"))

# %% [markdown]
# ## Sensitivity of the reform's effect (paired)
#
# The same parameters and ranges, but every sample row runs twice, as the full reform and as the
# baseline, on the same seed (common random numbers), and the outcome analysed is the paired
# difference, reform minus baseline, in the outcome's unit: the reform's effect. Its indices say
# which assumed parameters the *answer* to the policy question depends on.

# %%
effect = load.open_sensitivity(load.folder_from_env("ZONESIM_SENSITIVITY_EFFECT"))
display(Markdown(sensitivity.heading(effect)))
display(Markdown("\n".join(f"- {c}" for c in tables.sensitivity_caveats(effect))))
for outcome in dict.fromkeys(effect.indices["outcome"]):
    display(Markdown(f"### Effect on {outcome} — {effect.outcome_unit(outcome)}"))
    display(tables.styled(sensitivity.ranked(effect, outcome),
                          caption=f"{effect.method} indices for the effect on {outcome}"))
    figure = [p for p in effect.figures if p.stem == f"sensitivity_{outcome}"]
    if figure:
        plots.show_file(figure[0])

# %% [markdown]
# ## Level or effect: which parameters the answer depends on
#
# Each parameter's rank for an outcome's level beside its rank for the reform's effect on it.
# "level only": among the three most important for the level but not for the effect (it moves
# both scenarios alike); "effect only": it changes what the reform does more than where the
# region ends up.

# %%
both = sensitivity.levels_and_effect(sens, effect)
if both.empty:
    display(Markdown("_The two experiments share no analysed outcome._"))
else:
    display(tables.styled(both, caption="Rank of each parameter for the level and for the reform's effect"))
    lines = []
    for outcome, sub in both.groupby("outcome", sort=False):
        top_effect = sub.sort_values("rank (effect)").head(3)
        level_only = sub.loc[sub["top 3"] == "level only", "parameter"].tolist()
        effect_only = sub.loc[sub["top 3"] == "effect only", "parameter"].tolist()
        line = f"- **{outcome}**: the effect depends most on " + ", ".join(top_effect["parameter"]) + "."
        if level_only:
            line += " Important for the level but not the effect (cancels in the difference): " + ", ".join(level_only) + "."
        if effect_only:
            line += " Important for the effect more than the level: " + ", ".join(effect_only) + "."
        lines.append(line)
    display(Markdown("\n".join(lines)))
