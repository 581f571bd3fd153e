"""Ownership (sim.model.ownership): who owns a firm, and how the owner's soft budget constraint
keeps a failing state firm alive (sim.model.firm_exits)."""

from __future__ import annotations

import numpy as np
from conftest import compose_params, make_model, run_model
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import ModelConfig
from sim.model.firm_exits import exit_draws, monthly_probability
from sim.model.firms import FirmTable, LifeCycle
from sim.model.ownership import Ownership


def test_firms_founded_before_the_private_firm_law_are_the_states():
    """An incumbent founded before ownership.private_law_year (start year − age) is state-owned
    whatever its draw; one founded after is only if its key's draw says so."""
    p = ModelConfig().ownership
    own = Ownership(0, p)
    keys = np.arange(2000)
    age = np.linspace(0.0, 60.0, keys.size)
    state = own.incumbents(keys, age, 2015)
    founded = 2015 - age
    assert state[founded < p.private_law_year].all()
    later = founded >= p.private_law_year
    np.testing.assert_array_equal(state[later], own.entrants(keys[later]))


def test_share_of_state_firms_among_later_foundings():
    """Of firms founded since the law, about ownership.state_share are state-owned (binomial band)."""
    p = ModelConfig().ownership
    n = 200_000
    share = Ownership(5, p).entrants(np.arange(n)).mean()
    se = np.sqrt(p.state_share * (1 - p.state_share) / n)
    assert abs(share - p.state_share) < 5 * se


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5000), min_size=1, max_size=40), min_size=1, max_size=6), st.integers(0, 99))
def test_a_keys_owner_does_not_depend_on_the_order_of_requests(batches, seed):
    """Common random numbers: a firm key has the same owner whenever and in whatever order keys
    are asked for (a policy that changes which projects come first changes no one's owner)."""
    p = ModelConfig().ownership
    asked = Ownership(seed, p)
    got = {}
    for batch in batches:
        for k, v in zip(batch, asked.entrants(np.array(batch))):
            got[k] = bool(v)
    keys = np.array(sorted(got))
    at_once = Ownership(seed, p).entrants(keys)
    assert [got[k] for k in keys] == list(map(bool, at_once))


def _failing_pair(state_owned: bool) -> FirmTable:
    """Two failing (insolvent) firms in one county: the first tiny, the second with its county's output."""
    f = FirmTable(4)
    f.add(
        state=int(LifeCycle.OPERATING),
        key=np.arange(2),
        county=0,
        zone=-1,
        capital=100.0,
        debt=1000.0,
        output=np.array([1e-6, 100.0]),
        state_owned=np.array([state_owned, False]),
    )
    return f


def test_a_failing_state_firm_is_propped_up_at_the_cap_whatever_its_size():
    """protection.state_owned_at_max: a tiny failing state firm exits at the hazard of protection
    = max; a private one of the same size at the hazard of protection.base."""
    p = ModelConfig()
    pp, fp = p.protection, p.firms
    no_card = np.zeros(1, bool)

    def month_probability(protection):
        return monthly_probability(np.array([fp.base_exit_rate + fp.insolvent_exit_rate * (1 - protection)]))[0]

    p_state, p_private = month_probability(pp.max), month_probability(pp.base)
    assert p_state < p_private
    u = np.full(2, 0.5 * (p_state + p_private))  # between the two probabilities
    idx = np.arange(2)
    assert not exit_draws(_failing_pair(True), idx, u, 1, no_card, 1.0, pp, fp)[0]
    assert exit_draws(_failing_pair(False), idx, u, 1, no_card, 1.0, pp, fp)[0]
    off = ModelConfig(protection=type(pp)(**{**vars(pp), "state_owned_at_max": False}))
    assert exit_draws(_failing_pair(True), idx, u, 1, no_card, 1.0, off.protection, fp)[0]


def test_the_initial_firms_owners_follow_their_founding_year():
    """In the model: every initial firm founded before 1988 is state-owned, and the state's share
    among the others is the configured share (binomial band)."""
    m = make_model(compose_params("scenario=baseline", "time.end=2015-03"))
    f = m.firms
    p = m.params.ownership
    founded = m.path_calendar.year(0) - f.age
    assert f.state_owned[founded < p.private_law_year].all()
    later = founded >= p.private_law_year
    n = int(later.sum())
    share = f.state_owned[later].mean()
    assert abs(share - p.state_share) < 5 * np.sqrt(p.state_share * (1 - p.state_share) / n) + 1 / n


def test_entrants_and_expansion_plants_owners():
    """A project's owner is its key's draw; an expansion plant has its parent's owner."""
    m = run_model(compose_params("scenario=baseline", "time.end=2016-12"))
    f = m.firms
    n0 = int((f.entry_month == m.first_month).sum())
    plants = np.flatnonzero(f.parent >= 0)
    assert plants.size > 0
    np.testing.assert_array_equal(f.state_owned[plants], f.state_owned[f.parent[plants]])
    # projects: rows and keys after the initial firms' (a plant whose parent left keeps its parent's key and owner)
    rows = np.arange(n0, len(f))
    projects = rows[(f.parent[rows] < 0) & (f.key[rows] >= n0)]
    assert projects.size > 0
    np.testing.assert_array_equal(f.state_owned[projects], m.ownership.entrants(f.key[projects]))
