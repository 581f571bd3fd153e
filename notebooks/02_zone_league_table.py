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
# # Zone league table (开发区考核排名)
#
# Under assessment-ranking (亩产论英雄, "output per mu decides") every active zone gets a
# yearly composite score (output and tax per mu, output growth, share of healthy firms) and a
# rank within its class (national zones and region-level zones are ranked separately, 分类考核).
# The bottom zone of a class gets a **yellow card** (黄牌警告); two bottom years in a row
# **downgrade** its management body (降级), three **abolish** the zone (撤销); the best zone
# of a class is **upgraded** (升级). Separately, **consolidation** (整合优化) merges or abolishes
# zones once, by rule, at the reform date: one zone per county, small zones into a larger
# neighbour, small zones with inverted input–output closed.
#
# This notebook shows the scores and ranks, the cards and status changes, each zone's
# trajectory, and which zones the consolidation rules removed and why.

# %%
from IPython.display import Markdown, display

from sim.analysis import load, plots, tables, zones

exp = load.open_experiment(load.folder_from_env("ZONESIM_EXPERIMENT"))
assessed = zones.assessed_groups(exp)
group = zones.pick_group(exp, assessed or None)
seed = min(exp.meta["seeds"])
display(Markdown(
    f"Experiment `{load.shown_path(exp.folder)}`. Groups that rank zones: "
    f"{', '.join(assessed) or 'none (no group runs assessment-ranking)'}. "
    f"Shown below: **{group}**; single-run tables use seed **{seed}**, cross-run tables all "
    f"{exp.run_outcomes[exp.run_outcomes['group'] == group]['key'].nunique()} runs of the group."
))

# %% [markdown]
# ## Zone events per scenario
#
# How often each kind of event happens, per run (mean over seeds).

# %%
counts = zones.event_counts(exp)
display(tables.styled(counts, caption="Zone events, mean number per run"))

# %% [markdown]
# ## The league: ranks per year
#
# Rank within the zone's class (1 = best) in every assessed year of one run; a blank means the
# zone was no longer active (merged or abolished). Zones are listed by class, then by final rank.

# %%
league = zones.league_table(exp, group, seed)
display(tables.styled(league, caption=f"Rank within class per year, {group}, seed {seed}"))
scores = zones.league_table(exp, group, seed, value="score")
display(tables.styled(scores, caption=f"Assessment score per year, {group}, seed {seed}"))

# %% [markdown]
# ## Trajectories
#
# Each zone's assessment score and its output per mu of land in use, year by year, in one run.
# The labelled lines are the zones with the highest final values; grey lines are the others.

# %%
traj = zones.trajectories(exp, group, seed, "score").dropna()
if len(traj):
    plots.show(plots.lines_by(traj, "year", "score", "zone_id",
                              title=f"Assessment score per zone, {group}, seed {seed}", ylabel="score"))
per_mu = zones.trajectories(exp, group, seed, "output_per_mu")
plots.show(plots.lines_by(per_mu, "year", "output_per_mu", "zone_id",
                          title=f"Output per mu of land in use, {group}, seed {seed}",
                          ylabel="output per mu (10k yuan / mu / year)"))

# %% [markdown]
# ## Which zones are carded, downgraded, abolished, upgraded
#
# Across all runs of the group: yellow cards per run and the share of runs in which each zone
# was downgraded, abolished by the assessment, merged or abolished by consolidation, or upgraded.

# %%
fates = zones.zone_fates(exp, group)
display(tables.styled(fates, caption=f"Zone fates across the runs of {group}",
                      percent_columns=tuple(c for c in fates.columns if c.startswith("share of runs"))))
lines = []
if len(fates):
    top = fates.iloc[0]
    lines.append(f"- Most carded: **{top['zone_id']}** ({top['name_zh']}), "
                 f"{top['yellow cards per run']:.1f} yellow cards per run.")
    for col, what in (("share of runs abolished by assessment", "abolished by the assessment"),
                      ("share of runs downgraded", "downgraded"), ("share of runs upgraded", "upgraded")):
        hit = fates[fates[col] > 0].sort_values(col, ascending=False)
        if len(hit):
            names = ", ".join(f"{r.zone_id} ({r[col]:.0%} of runs)" for _, r in hit.head(5).iterrows())
            lines.append(f"- {len(hit)} zone(s) {what} in at least one run; most often: {names}.")
        else:
            lines.append(f"- No zone was {what} in any run.")
display(Markdown("\n".join(lines) or "_No zone events in this group._"))

# %% [markdown]
# ## What consolidation removed, and why
#
# Zones merged into a host or abolished by the consolidation rules, with the rule that
# applied (the reason recorded by the model), the month, and in how many runs it happened. The
# rules decide on each zone's track record, so with other seeds a borderline zone can be merged
# rather than abolished.

# %%
removed = zones.consolidation_removals(exp, group)
display(tables.styled(removed, caption=f"Zones removed by consolidation, {group}"))
if len(removed):
    n_runs = int(removed["of runs"].iloc[0])
    always = removed[removed["runs"] == n_runs]
    varies = removed[removed["runs"] < n_runs]
    reasons = removed.assign(rule=removed["detail"].str.split("consolidation: ").str[-1])
    by_rule = reasons.groupby("rule")["zone_id"].nunique()
    display(Markdown(
        f"- {always['zone_id'].nunique()} zone(s) are removed the same way in all {n_runs} runs; "
        f"{varies['zone_id'].nunique()} change fate with the seed"
        + (f" ({', '.join(sorted(set(varies['zone_id'])))})" if len(varies) else "") + ".\n"
        + "\n".join(f"- rule \"{rule}\": {k} zone(s)" for rule, k in by_rule.items())
    ))
else:
    display(Markdown("_Consolidation removed no zone in this group._"))
