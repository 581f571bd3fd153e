"""Assessment and ranking, 亩产论英雄 ("output per mu decides").

Every year each active zone gets a composite score: a weighted sum of indicators (output per
mu, tax per mu, output growth, share of non-zombie firms), each divided by its class mean (as in
Zhejiang's 亩均论英雄 formulas, where each indicator is divided by a benchmark).  Zones are
ranked within classes (national / region level: 分类考核).  The seed's rules:

* the bottom ``bottom_k`` of a class get a **yellow card** (黄牌警告) and their head is
  interviewed; a carded zone presses harder on its zombies (less protection), screens
  projects harder (higher entry bar) and improves its service (extra approval staff) in the
  following year;
* ``years_to_downgrade`` (K₁, default 2) consecutive bottom years → the management body is
  **downgraded** one rank;
* ``years_to_abolish`` (K₂, default 3) consecutive bottom years → the body is **abolished**
  and the zone with it; its firms stay, under the county or a neighbouring zone.  Only a
  region-level zone: a national zone is the State Council's to withdraw, so the province
  **recommends delisting** it (``national_zones``) and it carries on, carded and downgraded;
* a zone founded during the run is ranked only after ``grace_years`` (its first firms need
  approval and construction before its output per mu means anything);
* optional **absolute thresholds**, each from a document (none in Ningxia's seed, so off by
  default): a ``gate`` of minimum indicator values, without which a bottom zone is not carded
  (Guangdong 2014: carded only if it misses its targets *and* ranks last); and floors that
  abolish a zone at least ``absolute_min_years`` old whose output is at most
  ``abolish_output_below`` (Inner Mongolia 2021: 10亿 yuan) or with less than
  ``abolish_developed_below`` of its planned land in use (the national clean-up of 2005: 20%);
* the best ``upgrade_top`` of a class are **upgraded** one rank (outstanding → rank raised), up
  to bureau rank for national zones and division rank for region-level ones (as in the
  consolidation's rank rule).

``firm_classes`` adds Zhejiang's firm-level classes A–D and land recovery from persistent D
firms (:mod:`sim.model.policies.mu_classes`; not in Ningxia's reform, off in every scenario).

``rule = mofcom`` ranks as MOFCOM's yearly ranking of national economic and technological
development zones (国家级经开区综合发展水平考核评价, since 2016) instead: the score and the
yellow card are the seed's, but

* **classes** are a national zone's macro region (east / central / west / northeast) and a
  provincial zone's province (from the zones' ``macro_region`` and ``province_id``; where a
  region has no such columns, the zone's city, i.e. its county's ``city_id``);
* the **bottom** of a class is its last ``mofcom_bottom_k`` zones, but never more than
  ``mofcom_max_bottom_share`` of the class (so a shrunken country does not card most of it);
* a zone in the bottom ``mofcom_times_in_window`` times within ``mofcom_window_years`` years
  becomes a **downgrade candidate** and is downgraded: a national zone loses its national
  level (as 石嘴山经开区 in 2021 after two years in the bottom 5), a provincial zone's body
  goes one rank down.  A downgrade clears the zone's record of bottom years.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import RANKS
from sim.model.policies.base import Policy
from sim.model.policies.mu_classes import FirmClasses

RANK_CEILING = {"national": "bureau", "region": "division"}
"""Highest body rank a zone's level allows: 厅级 for national zones, 正处级 for region-level ones."""


class Assessment(Policy):
    name = "assessment"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.assessment.start")
        self.firm_classes = FirmClasses(model, params)

    def _zone_sums(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """Every zone's output, local tax, operating land, firms and zombies this year, for reading
        the zones ``idx``.  During the year end's ranking, summed over the firm table once, and again only when a zone
        of ``idx`` has lost or gained firms since (an abolition hands its firms to the county or a
        neighbour; other zones' sums do not change) or firms have closed, not once per class (at
        national scale, with MOFCOM's classes, that was a third of a run)."""
        m = self.model
        key = (m.month, m.firms.version)
        stale = self._sums_key != key or not set(m.zones_moved[self._sums_moves :]).isdisjoint(idx.tolist())
        if stale or not self._ranking:  # outside the year end's ranking nothing is kept
            self._sums = (
                m.zone_year_output(),
                m.zone_year_local_tax(),  # what zones' tax statistics count
                m.zone_operating_land(),
                m.zone_firm_counts(),
                m.zone_zombie_counts(),
            )
            self._sums_key, self._sums_moves = (key if self._ranking else None), len(m.zones_moved)
        return self._sums

    _sums_key: tuple | None = None
    _sums_moves = 0
    _ranking = False  # inside on_year_end: the zones' sums may be shared between classes

    def indicators(self, zones) -> dict[str, np.ndarray]:
        """This year's indicators of ``zones`` (each 'higher is better')."""
        idx = np.array([z.index for z in zones], dtype=int)
        out, tax, land, firms, zombies = (a[idx] for a in self._zone_sums(idx))
        last = np.array([z.last_output for z in zones])
        with np.errstate(divide="ignore", invalid="ignore"):
            return {
                "output_per_mu": np.where(land > 0, out / land, 0.0),
                "tax_per_mu": np.where(land > 0, tax / land, 0.0),
                "output_growth": np.where(last > 0, out / last, 1.0),
                "non_zombie_share": np.where(firms > 0, 1.0 - zombies / np.maximum(firms, 1), 0.0),
            }

    def scores(self, zones) -> np.ndarray:
        ind = self.indicators(zones)
        score = np.zeros(len(zones))
        for name, w in self.params.weights.items():
            x = ind[name]
            mean = x.mean() if len(x) else 0.0
            score += w * (x / mean if mean > 0 else 0.0)
        return score

    def classes(self) -> dict[str, list]:
        """The zones ranked this year, by class (分类考核); zones too new to have a record are left out."""
        out: dict[str, list] = {}
        m = self.model
        for z in m.active_zones():
            if not self.has_run(z, self.params.grace_years):
                continue  # too new to have a record
            out.setdefault(self.class_of(z), []).append(z)
        return out

    def has_run(self, zone, years: int) -> bool:
        """Has ``zone`` run ``years`` full years by this month?  Zones older than the run have."""
        m = self.model
        return zone.founded_month is None or m.month - zone.founded_month + 1 >= 12 * years

    def fails_gate(self, zones) -> np.ndarray:
        """Which ``zones`` are below the minimum of at least one ``gate`` indicator (all of them
        when there is no gate: the seed cards every bottom zone)."""
        if not self.params.gate:
            return np.ones(len(zones), dtype=bool)
        ind = self.indicators(zones)
        return np.any([ind[name] < low for name, low in self.params.gate.items()], axis=0)

    def apply_floors(self) -> None:
        """Absolute floors (``abolish_output_below``, ``abolish_developed_below``): a zone past
        ``absolute_min_years`` whose year's output is at most the floor, or with less than the
        floor's share of its planned land in use, is abolished; a national zone is recommended
        for delisting (the province cannot abolish it)."""
        m, p = self.model, self.params
        if p.abolish_output_below <= 0 and p.abolish_developed_below <= 0:
            return
        zones = [z for z in m.active_zones() if self.has_run(z, p.absolute_min_years)]
        idx = np.array([z.index for z in zones], dtype=int)
        output = m.zone_year_output()[idx]
        developed = m.zone_land_in_use()[idx] / np.maximum(m.zone_capacity()[idx], 1e-12)
        for z, out, dev in zip(zones, output, developed):
            if p.abolish_output_below > 0 and out <= p.abolish_output_below:
                reason = f"output {out:,.0f} 万 yuan, at most the floor of {p.abolish_output_below:,.0f}"
            elif p.abolish_developed_below > 0 and dev < p.abolish_developed_below:
                reason = f"{dev:.0%} of its planned land in use, below the floor of {p.abolish_developed_below:.0%}"
            else:
                continue
            if self.province_cannot_abolish(z):
                m.log_zone_event(
                    z, "delisting_recommended", f"{reason}: national zone, the province recommends delisting"
                )
            else:
                m.abolish_zone(z, f"assessment floor: {reason}", to=p.abolished_firms_to)

    def class_of(self, zone) -> str:
        """The class a zone is ranked in: its level (seed), or under MOFCOM's rule its macro region
        (national zones) or province (provincial zones), falling back to its city."""
        if self.params.rule == "mofcom":
            home = zone.macro_region if zone.level == "national" else zone.province_id
            return f"{zone.level}:{home or self.model.counties_by_id[zone.county_id].city_id}"
        return zone.level if self.params.classify_by == "level" else "all"

    def bottom_size(self, class_size: int) -> int:
        """How many zones of a class of ``class_size`` are its bottom (0: the class has none).

        Seed: ``bottom_k``, in a class larger than that.  MOFCOM: ``mofcom_bottom_k``, at most
        ``mofcom_max_bottom_share`` of the class and never the whole class."""
        p = self.params
        if p.rule == "mofcom":
            return max(0, min(p.mofcom_bottom_k, int(p.mofcom_max_bottom_share * class_size), class_size - 1))
        return p.bottom_k if class_size > p.bottom_k else 0

    def on_year_end(self) -> None:
        if not self.active:
            return
        self._ranking = True
        try:
            self._rank_year()
        finally:
            self._ranking, self._sums_key = False, None

    def _rank_year(self) -> None:
        """The year end's assessment: firm classes, absolute floors, then each class ranked."""
        m, p = self.model, self.params
        if p.firm_classes:  # firms first: a zone abolished below hands its firms to the county
            recovered = self.firm_classes.on_year_end()
            m.close_firms(recovered)
            m.mu_recoveries_month += recovered.size
        self.apply_floors()  # absolute floors before the ranking: an abolished zone is not ranked
        for cls, zones in self.classes().items():
            score = self.scores(zones)
            order = np.lexsort((np.array([z.index for z in zones]), -score))  # best first, ties by index
            for r, i in enumerate(order):
                zones[i].score, zones[i].class_rank = float(score[i]), r + 1
                zones[i].assessed_years += 1
                self._card(zones[i], False)
            n_bottom = self.bottom_size(len(zones))
            if n_bottom == 0:
                continue  # a class too small to have a bottom
            failing = self.fails_gate(zones)  # a bottom zone that clears the absolute gate is not carded
            bottom = [zones[i] for i in order[len(zones) - n_bottom :] if failing[i]]
            for z in zones:
                if z not in bottom:
                    z.consecutive_bottom = 0
            for z in bottom:
                z.consecutive_bottom += 1
                z.yellow_cards += 1
                self._card(z, True)
                m.log_zone_event(z, "yellow_card", f"last in class {cls} (黄牌警告), score {z.score:.3f}")
                if z.consecutive_bottom >= p.years_to_abolish and not self.province_cannot_abolish(z):
                    m.abolish_zone(
                        z, f"assessment: bottom {z.consecutive_bottom} years in a row", to=p.abolished_firms_to
                    )
                    continue
                if z.consecutive_bottom == p.years_to_abolish:
                    m.log_zone_event(
                        z,
                        "delisting_recommended",
                        f"bottom {z.consecutive_bottom} years in a row: "
                        "national zone, the province recommends delisting",
                    )
                if p.rule == "mofcom":
                    self._mofcom_record(z)
                elif z.consecutive_bottom == p.years_to_downgrade:
                    self._change_rank(z, -1, "downgraded")
            top = [zones[i] for i in order[: p.upgrade_top]]
            for z in top:
                if z.active and not z.carded_this_year and z.assessed_years >= p.upgrade_min_years:
                    self._change_rank(z, +1, "upgraded")

    def province_cannot_abolish(self, zone) -> bool:
        """A national zone is the State Council's: the province can only recommend its delisting."""
        return zone.level == "national" and self.params.national_zones == "recommend_delisting"

    # ------------------------------------------------------------------ MOFCOM rule
    def _mofcom_record(self, zone) -> None:
        """Add this year to a bottom zone's record; a downgrade candidate (降级候选) is downgraded."""
        year = self.model.calendar.year(self.model.month)
        zone.bottom_years.append(year)
        if self.is_downgrade_candidate(zone, year):
            self.model.log_zone_event(zone, "downgrade_candidate", f"bottom in {self._window_text(zone, year)}")
            self._mofcom_downgrade(zone)

    def bottom_years_in_window(self, zone, year: int) -> list[int]:
        """The zone's bottom years within the ``mofcom_window_years`` years ending in ``year``."""
        return [y for y in zone.bottom_years if year - self.params.mofcom_window_years < y <= year]

    def is_downgrade_candidate(self, zone, year: int) -> bool:
        """In the bottom ``mofcom_times_in_window`` times within the window ending in ``year``?"""
        return len(self.bottom_years_in_window(zone, year)) >= self.params.mofcom_times_in_window

    def _window_text(self, zone, year: int) -> str:
        years = ", ".join(str(y) for y in self.bottom_years_in_window(zone, year))
        return f"{years} (within {self.params.mofcom_window_years} years)"

    def _mofcom_downgrade(self, zone) -> None:
        """A national zone loses its national level; a provincial zone's body goes one rank down.
        The record of bottom years starts afresh."""
        zone.bottom_years.clear()
        if zone.level == "national":
            self.delist_national(zone)
        else:
            self._change_rank(zone, -1, "downgraded")

    def delist_national(self, zone) -> None:
        """Take national status from a zone (撤销国家级): it becomes a provincial (region-level)
        zone, ranked with its province from next year; its body keeps its rank unless that is above
        a region-level zone's ceiling and it runs no other national zone."""
        zone.level = "region"
        self.model.log_zone_event(zone, "delisted_national", "national status withdrawn: now a provincial zone")
        body = zone.body
        ceiling = RANKS.index(RANK_CEILING[zone.level])
        if RANKS.index(body.rank) > ceiling and not any(z.level == "national" for z in body.zones):
            self.model.set_body_rank(body, RANKS[ceiling], "downgraded", zone)

    # ------------------------------------------------------------------ ranks and cards
    def _change_rank(self, zone, step: int, event: str) -> None:
        """Raise or lower the zone's body one rank.  A body that also runs a zone of a higher
        level (a national zone) is ranked through that zone only, not through its smaller one."""
        body = zone.body
        if any(z.level == "national" for z in body.zones) and zone.level != "national":
            self.model.log_zone_event(zone, "rank_unchanged", f"body {body.body_id} also runs a national zone")
            return
        i = RANKS.index(body.rank) + step
        ceiling = RANKS.index(RANK_CEILING[zone.level])  # region-level zones: 正处 at most
        if 0 <= i <= ceiling:
            self.model.set_body_rank(body, RANKS[i], event, zone)
        else:
            self.model.log_zone_event(
                zone, "rank_at_limit", f"{event[:-1]} not possible: body {body.body_id} stays {body.rank}"
            )

    def lift_card(self, zone) -> None:
        self._card(zone, False)

    def _card(self, zone, on: bool) -> None:
        """Put a yellow card on the zone or lift it; while carded its office gets extra staff
        (the zone improves its service) and its zombies lose protection (see the model's exits)."""
        if zone.carded_this_year == on:
            return
        zone.carded_this_year = on
        zone.body.extra_staff += self.params.yellow_card_extra_staff if on else -self.params.yellow_card_extra_staff
        self.model.restaff(zone.body)
