"""The event feed: the model's zone events told in plain language, with the Chinese terms.

The model records every change to a zone (``Recorder.zone_events``: date, zone, event, detail);
this module turns a record into a sentence a student can read, e.g.
``2019-12 Yinchuan ETDZ 银川经济技术开发区: yellow card (黄牌警告), last in its class``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RANK_TERMS = {
    "bureau": "bureau rank (厅级)",
    "division": "division rank (正处级)",
    "deputy_division": "deputy-division rank (副处级)",
}
"""Management-body ranks (see ``sim.config.schema.RANKS``) in plain words."""

EVENT_TERMS = {
    "yellow_card": "yellow card (黄牌警告), last in its class",
    "downgraded": "management body downgraded (降级)",
    "upgraded": "management body upgraded (升级), best in its class",
    "merged": "merged (整合) into {host}",
    "abolished": "abolished (撤销)",
    "body_abolished": "its management body (管委会) is cut",
    "block_delisted": "a block of land leaves the zone (区块调出), at most {max_blocks} blocks per zone",
    "rank_corrected": "rank set by rule (规格调整)",
    "renamed": "renamed (更名): the name did not match its function (名不副实)",
    "founded": "founded (设立)",
    "rank_unchanged": "rank unchanged: its body also runs a national zone",
    "rank_at_limit": "rank already at its limit",
    "land_cut": "approved land that no project was given is cut from the zone (核减)",
}
"""One phrase per event type the model logs (``sim.model``: ``log_zone_event`` calls)."""

EVENT_KINDS = {
    "yellow_card": "warning",
    "downgraded": "warning",
    "abolished": "error",
    "body_abolished": "info",
    "merged": "info",
    "block_delisted": "info",
    "rank_corrected": "info",
    "renamed": "info",
    "founded": "success",
    "upgraded": "success",
    "rank_unchanged": "info",
    "rank_at_limit": "info",
    "land_cut": "info",
}
"""How the feed colours an event: a sanction, a closure, a reorganisation or good news."""

_RANK_CHANGE = re.compile(r"(\w+) -> (\w+)")
_MERGED_INTO = re.compile(r"^into (\w+)")
_REASON = re.compile(r"(consolidation|assessment): ([^;]*)")


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed."""

    date: str
    run: str
    zone_id: str
    event: str
    text: str

    @property
    def kind(self) -> str:
        return EVENT_KINDS.get(self.event, "info")


def zone_title(zone) -> str:
    """``English name 中文名`` of a zone agent."""
    return f"{zone.name_en} {zone.name_zh}"


def describe(record: dict, zones_by_id: dict, max_blocks: int) -> str:
    """The sentence for one ``zone_events`` record (``zones_by_id``: zone id -> Zone agent)."""
    zone = zones_by_id.get(record["zone_id"])
    who = zone_title(zone) if zone is not None else f"{record['zone_id']} {record['name_zh']}"
    event, detail = record["event"], str(record["detail"])
    phrase = EVENT_TERMS.get(event)
    if phrase is None:
        return f"{record['date']} {who}: {event.replace('_', ' ')} ({detail})"
    host = _MERGED_INTO.match(detail)
    host_zone = zones_by_id.get(host.group(1)) if host else None
    phrase = phrase.format(host=zone_title(host_zone) if host_zone else "a neighbouring zone", max_blocks=max_blocks)
    change = _RANK_CHANGE.search(detail)
    if change and event in ("downgraded", "upgraded", "rank_corrected"):
        old, new = (RANK_TERMS.get(r, r) for r in change.groups())
        phrase += f", from {old} to {new}"
    why = _REASON.search(detail)
    if event in ("merged", "abolished") and why:
        phrase += f" — {why.group(1)} rule: {why.group(2)}"
    return f"{record['date']} {who}: {phrase}"


def feed(pair, newest_first: bool = True) -> list[FeedItem]:
    """Every zone event of both runs of a :class:`~sim.demo.model.DemoPair`, as feed items."""
    items = []
    for run_key, run in pair.runs().items():
        zones = {z.zone_id: z for z in run.zones}
        max_blocks = run.params.policy.consolidation.max_blocks
        for order, rec in enumerate(run.recorder.zone_events):
            items.append(
                (
                    rec["month"],
                    order,
                    FeedItem(rec["date"], run_key, rec["zone_id"], rec["event"], describe(rec, zones, max_blocks)),
                )
            )
    items.sort(key=lambda t: (t[0], t[1]), reverse=newest_first)
    return [item for _, _, item in items]
