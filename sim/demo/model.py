"""DemoPair: the reform and its baseline on the same seed, stepped month by month together.

Mesa's dashboard drives one model; the classroom wants a comparison.  A pair is therefore a
small Mesa model of its own whose step advances both :class:`~sim.model.model.ZoneReformModel`
runs by one month: differences between them come from the policies alone, because both use the
same seed and so the same random draws (common random numbers).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from sim.data import build_region
from sim.demo import sessions
from sim.demo.controls import Settings
from sim.model.model import ZoneReformModel
from sim.runner.outcomes import run_outcomes
from sim.vocabulary import TABLES

RUNS = ("reform", "baseline")
"""The two runs of a pair, in display order."""

RUN_LABELS = {"reform": "Reform 改革", "baseline": "Baseline 基准 (pre-2018 rules)"}

WAN_PER_YI = 1e4
"""万 yuan per 亿 yuan: the model counts money in 万 (10⁴) yuan, the dashboard shows 亿 (10⁸)."""

MONTHS_PER_YEAR = 12

CSV_ENCODING = "utf-8-sig"
"""CSV downloads start with a UTF-8 byte-order mark: Excel then reads their Chinese text as UTF-8
(without it, it guesses the system's code page and shows mojibake)."""

LATENCY_WINDOW_MONTHS = 12
"""Approval latency is averaged over the approvals completed in the last this-many months."""


@dataclass(frozen=True)
class Outcome:
    """One outcome the issue compares (output, zombie share and exits, approval latency): its
    chart title, Chinese name, units, and how its monthly series is read from the ``monthly`` table."""

    name: str
    title: str
    name_zh: str
    unit: str  # short, for the scoreboard
    ylabel: str  # long, for the chart's axis
    short: str = ""  # the title of its chart in the projector view (name and unit, a few words)

    def series(self, monthly: pd.DataFrame) -> pd.Series:
        match self.name:
            case "output":
                return monthly["output"] * MONTHS_PER_YEAR / WAN_PER_YI
            case "zombie_share":
                return 100 * monthly["zombie_share"]
            case "zombie_exits":
                return monthly["zombie_exits"].cumsum()
            case "latency":
                done = monthly["approvals_completed"]
                total = (monthly["approval_wd_mean"].fillna(0) * done).rolling(LATENCY_WINDOW_MONTHS, 1).sum()
                count = done.rolling(LATENCY_WINDOW_MONTHS, 1).sum()
                return (total / count.where(count > 0)).astype(float)
        raise KeyError(self.name)


OUTCOMES = (
    Outcome(
        "output",
        "Industrial output",
        "工业产值",
        "亿 yuan/year",
        "100 million yuan / year (annualised month)",
        "Output 产值, 亿 yuan/yr",
    ),
    Outcome(
        "zombie_share",
        "Zombie firms: share of operating firms",
        "僵尸企业占比",
        "%",
        "% of firms (OECD definition)",
        "Zombie share 僵尸占比, %",
    ),
    Outcome(
        "zombie_exits",
        "Zombie firms: exits so far",
        "僵尸企业退出",
        "firms",
        "firms (cumulative)",
        "Zombie exits 退出, firms",
    ),
    Outcome(
        "latency",
        "Approval latency",
        "审批时长",
        f"working days, last {LATENCY_WINDOW_MONTHS} months",
        f"working days, mean of last {LATENCY_WINDOW_MONTHS} months",
        "Approval 审批, working days",
    ),
)
"""The four live charts, reform against baseline (same seed)."""

SCOREBOARD = (
    "output_cumulative",
    "zombie_share_end",
    "zombie_exits_total",
    "approval_wd_mean_from2019",
    "zones_end",
    "bodies_end",
)
"""The run-level outcomes on the scoreboard (:data:`sim.vocabulary.OUTCOMES`: names, labels and
units as in a run's ``summary.csv``); "cumulative" and "end" mean "so far" while a run is going."""


class DemoPair(mesa.Model):
    """A reform run and a baseline run (no reform) with the same seed, stepped together.

    Every keyword is a dashboard control (:data:`sim.demo.controls.CONTROLS`); ``None`` keeps
    the ``full_reform`` scenario's value; ``levers`` sets any other policy setting by its dotted key
    (:func:`sim.demo.controls.policy_levers`).  Reset builds a new pair from the controls.
    ``press``: the run button's press being redrawn (:class:`sim.demo.timing.PressTimer`), if any.
    """

    press = None

    def __init__(
        self,
        consolidation: bool | None = None,
        consolidation_date: str | None = None,
        devolution: bool | None = None,
        powers: int | None = None,
        regional_assessment_items: int | None = None,
        one_stop_agent: bool | None = None,
        assessment: bool | None = None,
        bottom_k: int | None = None,
        years_to_downgrade: int | None = None,
        years_to_abolish: int | None = None,
        zombie_disposal: bool | None = None,
        approval_process: bool | None = None,
        seed: int | str | None = None,
        levers: dict | None = None,
    ):
        self.settings = Settings.from_controls(
            consolidation=consolidation,
            consolidation_date=consolidation_date,
            devolution=devolution,
            powers=powers,
            regional_assessment_items=regional_assessment_items,
            one_stop_agent=one_stop_agent,
            assessment=assessment,
            bottom_k=bottom_k,
            years_to_downgrade=years_to_downgrade,
            years_to_abolish=years_to_abolish,
            zombie_disposal=zombie_disposal,
            approval_process=approval_process,
            seed=seed,
            levers=levers,
        )
        super().__init__(rng=self.settings.seed)
        self.reform = ZoneReformModel(self.settings.reform, build_region(self.settings.reform))
        self.baseline = ZoneReformModel(self.settings.baseline, build_region(self.settings.baseline))
        sessions.track(self)

    def step(self) -> None:
        """One month in both runs; nothing once the last month (``time.end``) is done."""
        if not self.running:
            return
        self.reform.step()
        self.baseline.step()
        self.running = self.reform.running and self.baseline.running

    def advance(self, months: int) -> int:
        """Up to ``months`` months in both runs, never past ``time.end``; the months done."""
        done = 0
        while done < months and self.running:
            self.step()
            done += 1
        return done

    # ------------------------------------------------------------------ reading the pair
    def runs(self) -> dict[str, ZoneReformModel]:
        return {"reform": self.reform, "baseline": self.baseline}

    @property
    def months_done(self) -> int:
        """Months simulated so far (both runs have done the same number)."""
        return self.reform.month

    @property
    def months_total(self) -> int:
        """Months from ``time.start`` to ``time.end``, both included."""
        return self.reform.calendar.n_months

    @property
    def months_left(self) -> int:
        return self.months_total - self.months_done

    @property
    def date(self) -> str:
        """The last simulated month, ``YYYY-MM`` (the month before the start if none yet)."""
        cal = self.reform.calendar
        return cal.label(self.months_done - 1) if self.months_done else f"before {cal.label(0)}"

    def table(self, name: str) -> pd.DataFrame:
        """One of the model's recorded tables (``monthly``, ``zones_yearly``, ``zone_events``, ...)
        for both runs, with a ``run`` column first."""
        parts = [run.recorder.tables()[name].assign(run=key) for key, run in self.runs().items()]
        out = pd.concat([p for p in parts if len(p)] or parts, ignore_index=True)
        return out[["run"] + [c for c in out.columns if c != "run"]]

    def monthly(self) -> pd.DataFrame:
        return self.table("monthly")

    def csv_bytes(self, name: str = "monthly") -> bytes:
        """One table of both runs as CSV (:data:`CSV_ENCODING`)."""
        return self.table(name).to_csv(index=False).encode(CSV_ENCODING)

    def units_csv_bytes(self, name: str = "monthly") -> bytes:
        """The unit and meaning of every column of :meth:`csv_bytes` (from the data dictionary,
        :mod:`sim.vocabulary`, as in ``docs/outputs.md``), as CSV."""
        entry = TABLES[name]
        rows = [{"column": "run", "unit": "category (text)", "description": "reform or baseline (same seed)"}]
        rows += [
            {"column": c.name, "unit": c.unit, "description": c.description}
            for c in (entry.columns[k] for k in self.table(name).columns if k in entry.columns)
        ]
        return pd.DataFrame(rows).to_csv(index=False).encode(CSV_ENCODING)

    def parquet_bytes(self, name: str = "monthly") -> bytes:
        buf = io.BytesIO()
        self.table(name).to_parquet(buf, index=False)
        return buf.getvalue()

    def headline(self) -> pd.DataFrame:
        """The scoreboard: one row per outcome of :data:`SCOREBOARD` (names of
        :data:`sim.vocabulary.OUTCOMES`), one column per run, computed from the tables so far by
        the function that writes a run's ``summary.csv`` (so at the last month the scoreboard and
        the run's ``summary.csv`` agree)."""
        rows = {}
        for key, run in self.runs().items():
            rec = run.recorder
            if not rec.monthly:
                rows[key] = dict.fromkeys(SCOREBOARD, np.nan)
                continue
            values = run_outcomes({"monthly": pd.DataFrame(rec.monthly), "approvals": rec.approvals_table()})
            rows[key] = {name: values[name] for name in SCOREBOARD}
        return pd.DataFrame(rows, index=list(SCOREBOARD))
