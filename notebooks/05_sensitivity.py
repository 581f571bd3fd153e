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

# %%
from IPython.display import Markdown, display

from sim.analysis import load, plots, sensitivity, tables

sens = load.open_sensitivity(load.folder_from_env("ZONESIM_SENSITIVITY"))
design = sens.design
display(Markdown(
    f"Sensitivity experiment `{load.shown_path(sens.folder)}`: **{sens.method}**, size {design['n']}, "
    f"scenario **{design['scenario']}**" + (f" minus **{design['paired_with']}**" if design.get("paired_with") else "")
    + f", {len(design['parameters'])} parameters, {len(sens.outcomes)} sample rows, model seed {design['seed']}."
))
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
