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
# # Reform scenarios compared (改革情景比较)
#
# Ningxia's 2018–2020 development-zone (开发区) reform combined three policy families:
# **consolidation** (整合优化: fewer zones, one management body per county), **devolution**
# (放管服: economic powers moved to the zones, one-stop agent service 代办, regional assessment
# 区域评, no-meeting approval 不见面审批) and **assessment-ranking** (亩产论英雄, "output per mu
# decides": yellow card 黄牌警告, downgrade, abolition), plus **zombie-firm disposal**
# (处置僵尸企业) and the **approval-process reform** (工程建设项目审批制度改革: parallel and
# combined reviews, approval on commitment). The comparison experiment runs each of the five alone and all together
# (`full_reform`) against the pre-reform rules (`baseline`), with the same random seeds in every
# scenario, so each difference below is a *paired* difference over same-seed runs.
#
# The three outcomes: **industrial output**, **zombie-firm exit** and **approval latency**.
# Every number in this notebook is computed from the saved experiment; the text states what
# the numbers say, and the mechanisms in the model that produce them.

# %%
from IPython.display import Markdown, display

from sim.analysis import load, plots, tables, text

exp = load.open_experiment(load.folder_from_env("ZONESIM_EXPERIMENT"))
meta = exp.meta
display(Markdown(
    f"Experiment `{load.shown_path(exp.folder)}`: **{meta['n_runs']} runs** in {len(exp.groups)} groups "
    f"({', '.join(exp.groups)}), seeds {', '.join(map(str, meta['seeds']))}; effects versus "
    f"**{exp.reference}**, paired on {', '.join(meta['pair_keys'])}, {round(exp.level * 100)}% t-intervals."
))

# %% [markdown]
# ## Provenance and caveats
#
# What produced these outputs (from `manifest.json`) and what limits their reading (computed
# from the folder: failed runs, number of seed pairs, intervals containing zero, parameters
# whose value no source gives).

# %%
display(tables.styled(tables.provenance_table(exp), caption="Provenance"))
display(Markdown("\n".join(f"- {c}" for c in tables.experiment_caveats(exp))))

# %% [markdown]
# ## The effects table
#
# Each reform scenario minus the baseline, for the headline outcomes: cumulative industrial
# output (亿 yuan), zombie share at the end and zombie exits over the horizon, and the mean
# approval latency of projects applied from 2019 (working days, application to production,
# construction excluded).

# %%
headline = tables.effects_table(exp, tables.HEADLINE_OUTCOMES)
display(tables.styled(headline, caption=f"Paired differences versus {exp.reference}", table_id="effects"))

# %% [markdown]
# ## What the numbers say
#
# One sentence per scenario and outcome. A direction ("raises", "lowers") is stated only when
# the interval excludes zero.

# %%
lines = []
for group, sentences in tables.effect_sentences(exp, tables.HEADLINE_OUTCOMES).items():
    lines += [f"**{group}**", *(f"- {s}" for s in sentences), ""]
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## The effects chart
#
# Every outcome, every scenario: mean paired difference and its interval; the dashed line is
# no difference.

# %%
effects_png = [p for p in exp.figures if p.stem == "effects"]
if effects_png:
    plots.show_file(effects_png[0])
else:
    display(Markdown("_No effects chart in this folder (aggregated without figures or with one group)._"))

# %% [markdown]
# ## Each reform minus the baseline, over time
#
# The same pairs, year by year: each scenario minus the baseline run of the same seed (mean over
# the pairs and its interval as a band). Industrial output per calendar year in % of the
# baseline's, the zombie share in percentage points, and the approval latency of the projects
# applied in each year (working days). Application years whose projects had not mostly finished
# by the end of the runs are left out: only the fast ones had (right-censoring).

# %%
differences_png = [p for p in exp.figures if p.stem == "differences"]
if differences_png:
    plots.show_file(differences_png[0])
else:
    display(Markdown("_No differences chart in this folder (aggregated without figures or without a reference group)._"))

# %% [markdown]
# ## Time series with bands
#
# Mean across seeds with its interval as a band: industrial output (monthly and per complete
# year), zombie share and zombie exits, in-zone output per mu of land, and the distribution of
# approval latency per project.

# %%
for path in exp.figures:
    if path.stem not in ("effects", "differences"):
        display(Markdown(f"**{path.stem.replace('_', ' ')}** (`{path.name}`)"))
        plots.show_file(path)

# %% [markdown]
# ## What drives each difference
#
# The model produces the differences through these mechanisms (docs/ODD.md §7):
#
# - **Devolution (放管服) → approval latency.** Devolved powers move approval items from region,
#   city and county offices to the zone's own office (less transit, shorter queues);
#   one-stop agent service (代办) cuts the applicant's preparation time and the chance of an
#   item being sent back; regional assessment (区域评) removes items a county has already done
#   zone-wide; no-meeting approval (不见面) cuts transit. Shorter expected latency makes zones
#   more attractive in the investors' location choice, so more projects arrive and produce:
#   **output** follows latency.
# - **Consolidation (整合优化) → fewer zones and bodies.** Small zones merge into a neighbour or
#   close; their approval staff are pooled into the host's office; fewer zones also soften the
#   subsidy race between zones (homogeneous competition).
# - **Assessment-ranking (亩产论英雄) → zone turnover and zombie protection.** Bottom zones get a
#   yellow card (黄牌警告), which withdraws part of the local protection of their zombie firms;
#   repeated bottom years downgrade and then abolish a zone, moving its firms to the county.
# - **Zombie disposal (处置僵尸企业) → zombie exit, and output through markets and credit.**
#   A campaign (2018-01 to 2020-12): the firms the official definition names zombies in its first
#   month are listed, and each is liquidated (its land let again a year later), taken over by a
#   healthy firm of its sector (which runs the plant at its own productivity) or has its debt
#   restructured; after 2020 zombies leave only by insolvency. A liquidated zombie's customers turn to
#   the other firms of its sector (CES demand): survivors with spare capacity sell more at once,
#   capacity-bound ones raise their price and sell more only once they have invested and built;
#   part of the demand goes to the rest of China (Armington) while the region's prices are
#   higher. Banks no longer roll over the zombies' deficits, which leaves room in the credit pool
#   for healthy firms' investment and new projects, but each write-down (liquidations' unrecovered
#   loans, takeovers' unassumed debt, restructuring haircuts) is lending capacity lost. Output per firm and per mu rise; whether total output rises
#   depends on how fast survivors and entrants replace the closed capacity.
#
# The size of each link in these data:

# %%
eff = exp.effects.set_index(["group", "outcome"])


def effect_of(group: str, outcome: str) -> str:
    if (group, outcome) not in eff.index:
        return "not in this experiment"
    r = eff.loc[(group, outcome)]
    return text.change_phrase(r["diff_mean"], r["ci_low"], r["ci_high"], r["unit"], exp.level,
                              rel_pct=r["rel_diff_pct"], pairs=r["n_pairs"])


links = [
    ("devolution", "approval_wd_mean_from2019", "approval latency (applied 2019+)"),
    ("devolution", "approvals_from2019", "projects reaching production (applied 2019+)"),
    ("devolution", "output_cumulative", "cumulative output"),
    ("consolidation", "zones_end", "zones at the end"),
    ("consolidation", "bodies_end", "management bodies at the end"),
    ("assessment", "zones_end", "zones at the end"),
    ("assessment", "zombie_exits_total", "zombie exits"),
    ("full_reform", "zombie_share_end", "zombie share at the end"),
    ("full_reform", "zombie_exits_total", "zombie exits"),
    ("full_reform", "output_per_mu_end", "in-zone output per mu at the end"),
]
display(Markdown("\n".join(f"- **{g}**, {what}: {effect_of(g, o)}." for g, o, what in links
                           if g in exp.groups)))

# %% [markdown]
# ## All outcomes
#
# The full effects table (every run-level outcome) and the per-scenario summary (mean across
# seeds and its interval).

# %%
display(tables.styled(tables.effects_table(exp), caption="Paired differences, all outcomes"))
display(tables.styled(tables.summary_table(exp), caption="Summary by scenario"))
