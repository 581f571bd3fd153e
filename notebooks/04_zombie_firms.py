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
# # Zombie firms (僵尸企业)
#
# A firm is a **zombie** under the OECD definition: its interest coverage has been below 1
# for three years and it is at least ten years old. A failing firm exits under a *soft budget
# constraint*: local protection (banks and governments propping it up) keeps some alive.
# Two policies push zombies out:
#
# - **assessment pressure** (亩产论英雄): a zone with a yellow card (黄牌警告) loses part of the
#   protection of its zombies, and abolished zones hand their firms to the county;
# - **zombie disposal** (处置僵尸企业), a campaign from 2018-01 to 2020-12: the firms named zombies
#   by the official definition (loss-making for three years and kept alive by loans) in its first
#   month are listed, and each is liquidated (after 20 months), taken over by a healthy firm of its
#   sector (after 12) or has half its debt restructured (after 9); after 2020 zombies leave only by
#   insolvency.
#
# An exiting firm returns its land, which new projects can use (land recycled, 腾笼换鸟); a
# liquidated one only after a year, when the land is let again.

# %%
from IPython.display import Markdown, display

from sim.analysis import levers, load, plots, tables, text, zombies, zones

exp = load.open_experiment(load.folder_from_env("ZONESIM_EXPERIMENT"))
lever_exp = load.open_experiment(load.folder_from_env("ZONESIM_LEVERS"))
group = zones.pick_group(exp)
display(Markdown(
    f"Scenario comparison: `{load.shown_path(exp.folder)}` ({exp.meta['n_runs']} runs); levers sweep "
    f"`{load.shown_path(lever_exp.folder)}` ({lever_exp.meta['n_runs']} runs). Detailed tables: **{group}**."
))

# %% [markdown]
# ## Zombie share and exits per scenario
#
# Zombie share of operating firms (by count) at the end of the horizon and zombie exits over it:
# mean across seeds and interval.

# %%
zombie_outcomes = ("zombie_share_end", "zombie_share_mean", "zombie_exits_total", "exits_total")
display(tables.styled(tables.summary_table(exp, zombie_outcomes), caption="Zombie outcomes by scenario"))
figure = [p for p in exp.figures if p.stem == "zombies"]
if figure:
    plots.show_file(figure[0])
summary = exp.summary.set_index(["group", "outcome"])
display(Markdown("\n".join(
    f"- **{g}**: zombie share at the end {text.quantity(summary.loc[(g, 'zombie_share_end'), 'mean'], 'share')}, "
    f"{text.num(summary.loc[(g, 'zombie_exits_total'), 'mean'])} zombie exits out of "
    f"{text.num(summary.loc[(g, 'exits_total'), 'mean'])} exits per run."
    for g in exp.groups)))

# %% [markdown]
# ## Zombie stock by sector and by age
#
# The year-end stock of operating firms (in and outside zones) by sector and firm-age band, from
# each run's `firms_yearly` table: the zombie (僵尸企业) share by count, in the last year before
# the reform (2017) and at the end of the horizon, as the mean over seeds of each run's share.
# The literature finds zombies concentrated among old firms: about 3% of firms aged 1–5 and about
# 23% of those over 30 (China's above-scale industrial firms); the chart marks these two facts.

# %%
has_stock = exp.has_run_table(zombies.STOCK_TABLE)
if has_stock:
    stock_years = zombies.stock_years(exp)
    definition = zombies.zombie_definition(exp)
    stock_by_age = zombies.zombie_stock(exp, "age_band", stock_years)
    stock_by_sector = zombies.zombie_stock(exp, "sector", stock_years)
    stock_all = zombies.zombie_stock(exp, "all", stock_years).set_index(["group", "year"])["zombie share"]
    display(Markdown(
        f"Stock years: {' and '.join(map(str, stock_years))}; {exp.meta['n_runs']} runs. Zombie share of all "
        "operating firms: " + "; ".join(
            f"**{g}** " + " → ".join(text.share(stock_all.get((g, y))) for y in stock_years) for g in exp.groups)
        + "."))
else:
    missing = exp.missing_run_table(zombies.STOCK_TABLE)
    display(Markdown(
        f"_{len(missing)} of {exp.run_outcomes['key'].nunique()} runs in `{load.shown_path(exp.folder)}` have no "
        f"`{zombies.STOCK_TABLE}.parquet`: they were written by model code that did not yet record the year-end "
        "stock of firms by sector and age, so the stock tables of this section are skipped. Re-run the experiment "
        "(e.g. `zonesim experiment=compare`) to get them; the exit profile below does not need them._"))

# %% [markdown]
# ### By age band

# %%
if has_stock:
    age_table = zombies.zombie_share_table(stock_by_age, "age_band", exp.groups, group)
    display(tables.styled(age_table, caption="Zombie share of operating firms by age band (mean over seeds)",
                          percent_columns=tuple(c for c in age_table.columns[1:] if not c.startswith("firms"))))
    plots.show(plots.grouped_bars(
        stock_by_age, "age_band", "group", "zombie share", panel="year", percent=True,
        title="Zombie share of operating firms by age band (mean over seeds)", ylabel="zombie share (%)",
        markers={band: fact for band, (fact, _) in zombies.LITERATURE_AGE_SHARES.items()},
        marker_label="literature (ages 1-5, over 30)"))
    display(Markdown("\n".join(zombies.age_pattern_lines(stock_by_age, definition, exp.groups, stock_years[-1]))))

# %% [markdown]
# ### By sector

# %%
if has_stock:
    sector_table = zombies.zombie_share_table(stock_by_sector, "sector", exp.groups, group)
    display(tables.styled(sector_table, caption="Zombie share of operating firms by sector (mean over seeds)",
                          percent_columns=tuple(c for c in sector_table.columns[1:] if not c.startswith("firms"))))
    plots.show(plots.grouped_bars(stock_by_sector, "sector", "group", "zombie share", panel="year", percent=True,
                                  title="Zombie share of operating firms by sector (mean over seeds)",
                                  ylabel="zombie share (%)", order=list(sector_table["sector"])))
    first, last = stock_years[0], stock_years[-1]
    sec = stock_by_sector[stock_by_sector["group"] == group].pivot_table(
        index="sector", columns="year", values="zombie share", aggfunc="mean").dropna(subset=[last])
    if len(sec):
        high, low = sec[last].idxmax(), sec[last].idxmin()
        lines = [(f"- In **{group}** at the end ({last}) the highest zombie share is in **{high}** "
                  f"({text.share(sec.loc[high, last])}), the lowest in **{low}** ({text.share(sec.loc[low, last])}).")]
        if first != last and first in sec:
            change = (sec[last] - sec[first]).dropna()
            if len(change):
                fell = change.idxmin()
                lines.append(f"- From {first} to {last} the share falls most in **{fell}** "
                             f"({100 * change[fell]:+.1f} percentage points: {text.share(sec.loc[fell, first])} "
                             f"→ {text.share(sec.loc[fell, last])}).")
        display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Exits by sector and by age
#
# Every exit with the firm's sector and age: how many per run, and which share of them were
# zombies or insolvent. No firm under 10 years old can be a zombie (OECD age rule).

# %%
by_sector = zombies.exit_profile(exp, group, "sector").sort_values("zombie share of exits", ascending=False)
display(tables.styled(by_sector, caption=f"Exits by sector, {group}",
                      percent_columns=("zombie share of exits", "insolvent share of exits")))
by_age = zombies.exit_profile(exp, group, "age band")
display(tables.styled(by_age, caption=f"Exits by firm age, {group}",
                      percent_columns=("zombie share of exits", "insolvent share of exits")))
top = by_sector.iloc[0] if len(by_sector) else None
if top is not None:
    display(Markdown(
        f"- The sector whose exits are most often zombies is **{top['sector']}** "
        f"({top['zombie share of exits']:.0%} of its {text.num(top['exits per run'])} exits per run).\n"
        f"- Zombie exits by age: " + ", ".join(
            f"{r['age band']}: {r['zombie share of exits']:.0%}" for _, r in by_age.iterrows()) + "."))

# %% [markdown]
# ## By zone
#
# Zombie share of each zone's firms in the first simulated year and at the end (mean over seeds).

# %%
years = sorted(exp.run_table("zones_yearly")["year"].unique())
by_zone = zombies.zombie_share_by_zone(exp, group, [years[0], years[-1]])
display(tables.styled(by_zone, caption=f"Zombie share by zone, {group}",
                      percent_columns=tuple(c for c in by_zone.columns if c.startswith("zombie share"))))

# %% [markdown]
# ## Exits per year and land recycled
#
# Exits, zombie exits and land returned by exiting firms per calendar year (mean per run).

# %%
per_year = zombies.exits_per_year(exp)
plots.show(plots.lines_by(per_year, "year", "zombie exits", "group", title="Zombie exits per year (mean per run)",
                          ylabel="firms / year"))
plots.show(plots.lines_by(per_year, "year", "land returned (mu)", "group",
                          title="Land returned by exiting firms per year (mean per run)", ylabel="mu / year"))
land = per_year.groupby("group")["land returned (mu)"].sum()
display(Markdown("Land returned over the horizon, per run: " + "; ".join(
    f"**{g}** {text.num(v)} mu" for g, v in land.items()) + "."))

# %% [markdown]
# ## Assessment pressure inside the runs
#
# Zone-years of the ranked zones split by whether the zone got a yellow card that year: zombie
# exits in the following year per zombie at the end of the year. This is an association inside
# the runs (carded zones differ in other ways too), not a paired effect.

# %%
for g in zones.assessed_groups(exp):
    rates = zombies.carded_zone_exit_rates(exp, g)
    display(tables.styled(rates, caption=f"Zombie exit rate after a yellow card, {g}"))
    r = rates.set_index("zone-year")["exits per zombie"]
    if len(r) == 2:
        display(Markdown(f"In **{g}**, {r.iloc[1]:.2f} zombie exits per zombie follow a carded zone-year against "
                         f"{r.iloc[0]:.2f} after an uncarded one."))

# %% [markdown]
# ## The effect of assessment pressure and disposal
#
# From the factorial levers sweep: the main effect of switching assessment-ranking and zombie
# disposal on (on minus off, averaged over the other levers, paired on the seed).

# %%
wanted = ["policy/assessment", "policy/zombie_disposal"]
main = levers.main_effects(lever_exp, list(zombie_outcomes))
if main["lever"].isin(wanted).any():
    main = main[main["lever"].isin(wanted)]
else:
    display(Markdown(f"_`{load.shown_path(lever_exp.folder)}` does not switch {' or '.join(wanted)}: "
                     f"showing the levers it does switch. The full levers sweep:_\n\n    {levers.LEVERS_COMMAND}"))
display(tables.styled(levers.effects_display(main, lever_exp), caption="Main effects on zombie outcomes"))
lines = []
for r in main.itertuples():
    phrase = text.change_phrase(r.diff, r.ci_low, r.ci_high, r.unit, lever_exp.level, rel_pct=r.rel_pct, pairs=r.pairs)
    lines.append(f"- **{r.label}** ({r.off} → {r.on}), {lever_exp.outcome_label(r.outcome)}: {phrase}.")
display(Markdown("\n".join(lines) or f"_No two-level lever in `{load.shown_path(lever_exp.folder)}`._"))
