"""The land ledger of the zones' blocks (:mod:`sim.model.land`).

Acceptance: the ledger is conserved every month (approved area = unsupplied + idle + under
construction + operating on every active block), checked as a property over random seeds,
regions and scenarios; land changes category only through a named rule, and each rule has a
test here: it moves the right land between the right categories, in the month it should.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compose_params, make_model, tiny_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.firms import LifeCycle
from sim.model.land import CATEGORIES

TOL = 1e-6  # mu
RULES = (
    "open_balance",
    "supply",
    "start_construction",
    "start_production",
    "exit",
    "release_held",
    "recover_idle",
    "cut_unbuilt",
    "close_blocks",
    "open_blocks",
)
ACCOUNTS = (*CATEGORIES, "held")

#: a disposal campaign early, consolidation early, and idle land taken back (and its fee base counted)
#: after a few months, so that every rule acts within two years of the Ningxia data
EARLY = (
    "scenario=full_reform",
    "seed=3",
    "policy.consolidation.date=2016-01",
    "policy.devolution.start=2016-01",
    "policy.zombie_disposal.start=2015-07",
    "policy.zombie_disposal.end=2016-06",
    "policy.zombie_disposal.liquidation_months=9",
    "policy.zombie_disposal.merger_months=6",
    "policy.zombie_disposal.restructuring_months=3",
    "policy.zombie_disposal.relet_months=4",
    "land.idle_fee_months=3",
    "land.idle_recovery_months=6",
    "time.end=2016-12",
)


def _accounts(ledger) -> dict[str, np.ndarray]:
    return {a: getattr(ledger, a).copy() for a in ACCOUNTS}


class Audit:
    """Runs a model month by month, logging every call of a ledger rule with what it moved
    (per account and block) and the firm states at each month's end."""

    def __init__(self, m):
        self.m = m
        self.calls: list[dict] = []
        self.states = [m.firms.state.copy()]  # at the start, then after each month
        self.entry = [m.firms.entry_month.copy()]
        self.blocks = [m.firms.block.copy()]
        self.block_land = [m.block_land.copy()]
        self.ledgers = [_accounts(m.land)]
        for name in RULES:
            setattr(m.land, name, self._spy(name, getattr(m.land, name)))

    def _spy(self, name, rule):
        def call(*args, **kwargs):
            before, land = _accounts(self.m.land), self.m.block_land.copy()
            out = rule(*args, **kwargs)
            after = _accounts(self.m.land)
            self.calls.append(
                {
                    "month": self.m.month,
                    "rule": name,
                    "args": args,
                    "out": out,
                    "before": before,
                    "state": self.m.firms.state.copy(),
                    "block": self.m.firms.block.copy(),
                    "land": self.m.firms.land.copy(),
                    "delta": {a: after[a] - before[a] for a in ACCOUNTS},
                    "land_delta": self.m.block_land - land,
                }
            )
            return out

        return call

    def run(self):
        m = self.m
        while m.running:
            m.step()
            assert not (errors := m.land.check()), f"month {m.month - 1}: {errors}"
            self.states.append(m.firms.state.copy())
            self.entry.append(m.firms.entry_month.copy())
            self.blocks.append(m.firms.block.copy())
            self.block_land.append(m.block_land.copy())
            self.ledgers.append(_accounts(m.land))
        return self

    def of(self, rule: str) -> list[dict]:
        return [c for c in self.calls if c["rule"] == rule]


def _land_by_block(m, rows, call: dict | None = None) -> np.ndarray:
    """Land of ``rows`` per block, as the firm table had it now or when ``call`` was made."""
    block, land = (call["block"], call["land"]) if call else (m.firms.block, m.firms.land)
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[block[rows] >= 0]
    return np.bincount(block[rows], weights=land[rows], minlength=m.block_land.size)


def _moved(call, src: str, dst: str | None, mu: np.ndarray) -> None:
    """The call moved exactly ``mu`` (per block) from ``src`` to ``dst`` (None: out of the
    approved area) and touched no other category."""
    d = call["delta"]
    assert np.allclose(d[src], -mu, atol=TOL), call["rule"]
    if dst is not None:
        assert np.allclose(d[dst], mu, atol=TOL), call["rule"]
    for c in CATEGORIES:
        if c not in (src, dst):
            assert np.allclose(d[c], 0.0, atol=TOL), (call["rule"], c)


@pytest.fixture(scope="module")
def audit():
    return Audit(make_model(compose_params(*EARLY))).run()


# --------------------------------------------------------------------------- conservation
@st.composite
def small_runs(draw):
    """Short runs of small synthetic regions: random seeds, scenarios, idle-land lags, and a
    disposal campaign and the reforms early."""
    scenario = draw(st.sampled_from(["baseline", "consolidation", "full_reform"]))
    date = draw(st.sampled_from(["2015-06", "2016-01"]))
    return [
        f"scenario={scenario}",
        f"seed={draw(st.integers(0, 10_000))}",
        "region=synthetic",
        f"region.synthetic.seed={draw(st.integers(0, 1_000))}",
        f"region.synthetic.enterprises={draw(st.integers(50, 400))}",
        f"region.synthetic.zones_per_county={draw(st.floats(0.5, 3.0)):.2f}",
        f"investment.arrival_scale={draw(st.sampled_from([1, 4]))}",
        f"land.idle_recovery_months={draw(st.sampled_from([3, 6, 24]))}",
        f"policy.assessment.abolished_firms_to={draw(st.sampled_from(['county', 'neighbour']))}",
        "policy/zombie_disposal=ningxia",
        "policy.zombie_disposal.start=2015-03",
        "policy.zombie_disposal.end=2016-06",
        "policy.zombie_disposal.liquidation_months=4",
        "policy.zombie_disposal.merger_months=3",
        "policy.zombie_disposal.restructuring_months=2",
        f"policy.zombie_disposal.relet_months={draw(st.sampled_from([0, 3]))}",
        f"policy.consolidation.date={date}",
        f"policy.devolution.start={date}",
        f"policy.assessment.start={date}",
        "time.end=2016-12",
    ]


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=small_runs())
def test_ledger_is_conserved_every_month(overrides):
    """Every month, on every active block: approved area = unsupplied + idle + construction +
    operating, none negative, and the firm-held categories equal the land of the firms in those
    states; the monthly records add up to the zones' approved area."""
    m = make_model(compose_params(*overrides))
    assert not m.land.check(), overrides
    while m.running:
        m.step()
        assert not (errors := m.land.check()), f"{overrides} month {m.month - 1}: {errors}"
    mon = m.results()["monthly"]
    parts = mon[[f"land_{c}" for c in CATEGORIES]].sum(axis=1)
    assert np.allclose(parts, mon["land_capacity"], rtol=1e-9, atol=TOL)
    assert (mon[[f"land_{c}" for c in CATEGORIES]] >= -TOL).all().all()


def test_ledger_is_conserved_on_the_ningxia_data(audit):
    """The same on the embedded data with every rule acting (the audit run checks every month),
    and no category changes between two months except by a rule's call."""
    m = audit.m
    for month in range(m.calendar.n_months):
        calls = [c for c in audit.calls if c["month"] == month]
        for a in ACCOUNTS:
            moved = sum((c["delta"][a] for c in calls), np.zeros(m.block_land.size))
            assert np.allclose(audit.ledgers[month + 1][a] - audit.ledgers[month][a], moved, atol=TOL), (month, a)
        changed = audit.block_land[month + 1] - audit.block_land[month]
        cut = sum((c["land_delta"] for c in calls), np.zeros(m.block_land.size))
        assert np.allclose(changed, cut, atol=TOL), month  # the approved area changes only by the cut
    ran = {c["rule"] for c in audit.calls}
    assert ran >= set(RULES) - {"open_balance", "open_blocks"}, set(RULES) - ran


def test_the_records_report_the_ledger(audit):
    m = audit.m
    mon, zy = m.results()["monthly"], m.results()["zones_yearly"]
    last = m.land.totals()
    for c in CATEGORIES:
        assert mon[f"land_{c}"].iloc[-1] == pytest.approx(last[c])
        assert zy[zy["year"] == 2016][f"land_{c}"].sum() == pytest.approx(last[c])
    assert mon["land_recovered_idle"].sum() == pytest.approx(sum(c["out"] for c in audit.of("recover_idle")))
    assert mon["land_cut"].sum() == pytest.approx(sum(c["out"] for c in audit.of("cut_unbuilt")))


# --------------------------------------------------------------------------- the rules
def test_opening_balance_follows_the_initial_population():
    """At the start: firms operating, the start's pipeline under construction, nothing supplied
    and idle, the rest unsupplied."""
    m = make_model(compose_params("time.end=2015-02"))
    f = m.firms
    assert np.allclose(m.land.operating, _land_by_block(m, np.flatnonzero(f.state == LifeCycle.OPERATING)))
    assert np.allclose(m.land.construction, _land_by_block(m, np.flatnonzero(f.state == LifeCycle.CONSTRUCTION)))
    assert m.land.construction.sum() > 0 and m.land.idle.sum() == 0
    act = m.block_active
    assert np.allclose(m.land.unsupplied[act], (m.block_land - m.land.operating - m.land.construction)[act])


def test_supply_moves_a_new_projects_land_from_unsupplied_to_idle_in_its_month(audit):
    m, f = audit.m, audit.m.firms
    calls = audit.of("supply")
    assert calls
    for c in calls:
        rows = c["args"][0]
        assert np.all(f.entry_month[rows] == c["month"])
        assert np.all(c["state"][rows] == LifeCycle.IN_APPROVAL)
        _moved(c, "unsupplied", "idle", _land_by_block(m, rows, c))
    supplied = np.concatenate([c["args"][0] for c in calls])
    # every project and new plant created after the start was supplied its land once, on creation
    assert np.array_equal(np.sort(supplied), np.arange(audit.states[0].size, len(f)))
    assert (f.parent[supplied] >= 0).any()  # firms' new plants take land the same way


def test_construction_starts_when_the_permit_is_issued(audit):
    """Idle → construction, booked at the start of the step after the permit; a row's land moves
    once, and only rows that were in approval at the last month's end and are past it now."""
    m = audit.m
    calls = audit.of("start_construction")
    started = [c["out"] for c in calls if c["out"].size]
    assert started
    for c in calls:
        rows = c["out"]
        assert np.all(audit.states[c["month"]][rows] == LifeCycle.IN_APPROVAL)
        assert np.all(np.isin(c["state"][rows], [LifeCycle.CONSTRUCTION, LifeCycle.OPERATING]))
        _moved(c, "idle", "construction", _land_by_block(m, rows, c))
    every = np.concatenate(started)
    assert np.unique(every).size == every.size


def test_production_start_moves_construction_to_operating(audit):
    m = audit.m
    calls = [c for c in audit.of("start_production") if np.size(c["args"][0])]
    assert calls
    for c in calls:
        rows = np.asarray(c["args"][0])
        assert np.all(c["state"][rows] == LifeCycle.OPERATING)
        assert np.all(audit.states[c["month"]][rows] == LifeCycle.CONSTRUCTION)  # building at the last month end
        _moved(c, "construction", "operating", _land_by_block(m, rows, c))


def test_exits_return_land_at_once_or_after_the_relet_lag(audit):
    """Insolvency exits: operating → unsupplied at once; liquidations: operating → idle (held),
    then → unsupplied exactly ``relet_months`` later."""
    m = audit.m
    lag = m.params.policy.zombie_disposal.relet_months
    held_calls = [c for c in audit.of("exit") if c["args"][1:] and c["args"][1] > 0]
    plain = [c for c in audit.of("exit") if not (c["args"][1:] and c["args"][1] > 0)]
    assert held_calls and plain
    for c in plain:
        _moved(c, "operating", "unsupplied", _land_by_block(m, c["args"][0], c))
        assert np.all(c["state"][c["args"][0]] == LifeCycle.EXITED)
    releases = {c["month"]: c for c in audit.of("release_held")}
    assert set(releases) == set(range(m.calendar.n_months))  # looked at every month
    held_in = {}
    for c in held_calls:
        mu = _land_by_block(m, c["args"][0], c)
        _moved(c, "operating", "idle", mu)
        assert np.allclose(c["delta"]["held"], mu)
        held_in[c["month"]] = held_in.get(c["month"], 0.0) + mu
    closed = {c["month"]: np.asarray(c["args"][0]) for c in audit.of("close_blocks")}
    for month, r in releases.items():
        _moved(r, "idle", "unsupplied", -r["delta"]["held"])
        expected = np.array(held_in.get(month - lag, np.zeros(m.block_land.size)), dtype=float)
        for t, blocks in closed.items():  # land held in a block that left the zones leaves with it
            if month - lag <= t < month:
                expected[blocks] = 0.0
        assert np.allclose(-r["delta"]["held"], expected, atol=TOL), month  # released exactly lag months on
    assert sum(-r["delta"]["held"].sum() for r in releases.values()) > 0


def test_idle_land_is_taken_back_in_the_month_it_has_been_idle_long_enough(audit):
    """53号令: a project in approval ``idle_recovery_months`` after its land was supplied loses
    it that month (idle → unsupplied), not before; it leaves the pipeline as WITHDRAWN (kept in
    the table, with the month), its loan repaid, and never gets a permit afterwards."""
    m, f = audit.m, audit.m.firms
    n = m.params.land.idle_recovery_months
    calls = [c for c in audit.of("recover_idle") if np.size(c["args"][0])]
    assert calls
    for c in calls:
        rows = np.asarray(c["args"][0])
        assert np.all(c["month"] - f.entry_month[rows] == n)  # exactly the month they reach it
        assert np.all(audit.states[c["month"]][rows] == LifeCycle.IN_APPROVAL)
        _moved(c, "idle", "unsupplied", _land_by_block(m, rows, c))
        assert np.all(f.state[rows] == LifeCycle.WITHDRAWN) and np.all(f.exit_month[rows] == c["month"])
        assert np.all(f.debt[rows] == 0.0)
    withdrawn = np.flatnonzero(f.state == LifeCycle.WITHDRAWN)
    assert np.array_equal(np.sort(np.concatenate([c["args"][0] for c in calls])), withdrawn)
    # still in approval at the end: none older than the lag
    waiting = np.flatnonzero(f.state == LifeCycle.IN_APPROVAL)
    assert np.all(m.month - 1 - f.entry_month[waiting] < n)
    approved = np.concatenate([a["row"] for a in m.recorder.approvals]) if m.recorder.approvals else np.zeros(0)
    assert not np.isin(withdrawn, approved).any()  # their cases closed without a permit
    mon = m.results()["monthly"]
    assert mon["projects_withdrawn"].sum() == withdrawn.size


def test_withdrawn_projects_leave_the_approval_pipeline():
    """A project withdrawn mid-approval holds no office time afterwards and its case is closed:
    with every project in approval withdrawn at once, the pipeline ends up with no open case."""
    m = make_model(compose_params("time.end=2015-12"))
    for _ in range(4):
        m.step()
    rows = m.land.due_for_recovery(0)
    assert rows.size and m.approval.n_open >= rows.size
    m.land.recover_idle(rows)
    m.withdraw_projects(rows)
    done = m.approval.advance(m.time + 60.0)  # five years of the pipeline's events, no new project
    assert m.approval.n_open == 0  # every case closed: the withdrawn ones without a permit
    assert np.all(m.firms.state[rows] == LifeCycle.WITHDRAWN) and not np.isin(rows, done["row"]).any()
    m.land.start_construction()
    m.land.start_production(done["row"])
    assert not m.land.check()


def test_fee_base_counts_land_idle_a_year_or_more(audit):
    """``land_idle_over_1y``: land in zones of projects in approval supplied ``idle_fee_months``
    or more before the month's end (recorded, not charged)."""
    m, f = audit.m, audit.m.firms
    mon = m.results()["monthly"]
    k = m.params.land.idle_fee_months
    for month in range(m.calendar.n_months):
        st_, entry, block = audit.states[month + 1], audit.entry[month + 1], audit.blocks[month + 1]
        rows = np.flatnonzero(st_ == LifeCycle.IN_APPROVAL)
        rows = rows[(month - entry[rows] >= k) & (block[rows] >= 0)]
        assert mon["land_idle_over_1y"].iloc[month] == pytest.approx(f.land[rows].sum(), abs=TOL), month
    assert mon["land_idle_over_1y"].max() > 0


def test_consolidation_cuts_unbuilt_land_at_its_date_and_spares_supplied_land(audit):
    """核减: at the consolidation date, and only then, each surviving zone's active blocks keep
    their supplied land and ``unbuilt_reserve_share`` of their unsupplied land; the rest leaves
    the approved area."""
    m = audit.m
    date = m.calendar.index(m.params.policy.consolidation.date)
    share = m.params.policy.consolidation.unbuilt_reserve_share
    calls = audit.of("cut_unbuilt")
    assert calls and {c["month"] for c in calls} == {date}
    for c in calls:
        blocks = c["args"][0]
        cut = np.zeros(m.block_land.size)
        cut[blocks] = (1 - share) * c["before"]["unsupplied"][blocks]
        assert np.allclose(c["delta"]["unsupplied"], -cut)
        assert np.allclose(c["land_delta"], -cut)  # the approved area is cut by as much
        for cat in ("idle", "construction", "operating", "held"):
            assert np.allclose(c["delta"][cat], 0.0)
        assert np.all(m.block_active[blocks])
    mon = m.results()["monthly"]
    assert mon["land_cut"].iloc[date] == pytest.approx(sum(c["out"] for c in calls))
    assert mon["land_cut"].iloc[date] > 0 and mon["land_cut"].drop(index=date).eq(0).all()


@pytest.mark.parametrize(
    "overrides", [("scenario=baseline",), ("scenario=consolidation", "policy.consolidation.unbuilt_reserve_share=1.0")]
)
def test_no_cut_without_consolidation_or_with_a_full_reserve(overrides):
    m = make_model(compose_params(*overrides, "policy.consolidation.date=2015-03", "time.end=2015-04")).run()
    assert m.results()["monthly"]["land_cut"].eq(0).all()
    assert not m.land.check()


def test_blocks_leave_the_ledger_when_delisted_or_abolished(audit):
    m = audit.m
    calls = audit.of("close_blocks")
    assert calls
    for c in calls:
        blocks = np.asarray(c["args"][0])
        assert not m.block_active[blocks].any()
        for a in ACCOUNTS:
            assert np.all(getattr(m.land, a)[blocks] == 0.0)


def test_a_founded_zone_joins_the_ledger_with_all_its_land_unsupplied():
    zones = [
        {"zone_id": "z1", "county_id": "c1", "firms": 20, "output_share": 0.5, "output_per_mu": 50.0},
        {
            "zone_id": "z2",
            "county_id": "c2",
            "firms": 0,
            "output_share": 0.0,
            "output_per_mu": 50.0,
            "founded": "2015-03",
        },
    ]
    p = compose_params("time.end=2015-05")
    m = make_model(p, tiny_region(zones, total_firms=40))
    new = m.zones[1].blocks
    assert not m.block_active[new].any() and np.all(m.land.unsupplied[new] == 0)
    while m.month <= 2:
        m.step()
    assert m.block_active[new].all()
    assert not m.land.check()
    assert np.all(m.land.unsupplied[new] + m.land.idle[new] == pytest.approx(m.block_land[new]))
