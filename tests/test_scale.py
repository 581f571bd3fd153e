"""Scale invariance of location choice (issue 15, item 5): the outside option stands for the sites
outside zones in every county, so a replicated region (counties and zones alike) keeps its
in-zone share."""

from __future__ import annotations

import numpy as np

from sim.model.choice_kernels import OUTSIDE, Projects, Tastes, Zones, locate
from sim.model.investment import competitors, rival_cities
from tests.conftest import compose_params, make_model


def _in_zone_share(copies: int, n: int = 20_000, size_term: bool = True) -> float:
    """Share of ``n`` projects choosing a zone among ``copies`` replicas of two zones, with the
    outside option's size term ln(copies × 2 counties); no agglomeration, every zone open."""
    base = np.tile([0.3, -0.2], copies)
    n_z, n_s = base.size, 1
    sector = np.zeros(n, np.int64)
    u = (np.arange(n) + 0.5) / n  # evenly spread uniforms: the share is the probability to 1/n
    zone, block = np.empty(n, np.int64), np.empty(n, np.int64)
    locate(
        Projects(sector, np.zeros(n), np.zeros(n), np.zeros(n, bool), u, np.zeros(n, bool)),
        Zones(
            base,
            np.ones(n_z, bool),
            np.full(n_z, -np.inf),
            np.zeros((n_z, n_s)),
            np.zeros((n_z, n_s)),
            np.arange(n_z + 1, dtype=np.int64),
            np.arange(n_z, dtype=np.int64),
            np.full(n_z, np.inf),
            np.ones(n_z, bool),
            np.zeros((n_z, n_s), bool),
        ),
        Tastes(float(0.1 + (np.log(2 * copies) if size_term else np.log(2))), 0.0, 0.0),
        zone,
        block,
    )
    return float((zone != OUTSIDE).mean())


def test_replicating_zones_and_counties_keeps_the_in_zone_share():
    one = _in_zone_share(1)
    for k in (4, 16):
        assert abs(_in_zone_share(k) - one) < 1e-3
    assert 0.3 < one < 0.8
    # without the size term the one outside option loses share as zones multiply (IIA)
    assert _in_zone_share(16, size_term=False) > one + 0.1


def test_the_outside_option_counts_every_county():
    m = make_model(compose_params("time.end=2015-02"))
    assert m.market.outside_size == np.log(len(m.counties))


def _competitor_counts(scope: str, cities: int) -> np.ndarray:
    """Each active zone's competitor count at the start of a synthetic region of ``cities``
    chained cities (200 firms each) under ``investment.competition_scope=scope``."""
    m = make_model(
        compose_params(
            "region=synthetic",
            f"region.synthetic.enterprises={200 * cities}",
            f"region.synthetic.cities={cities}",
            f"investment.competition_scope={scope}",
            "time.end=2015-02",
        )
    )
    zones = m.active_zones()
    idx = [z.index for z in zones]
    return competitors(m.zone_leading_matrix()[idx], m.market.zone_city[idx], m.market.rival_cities)


def test_rival_cities_follow_the_scope():
    m = make_model(compose_params("region=synthetic", "region.synthetic.cities=4", "time.end=2015-02"))
    chain = np.eye(4) + np.eye(4, k=1) + np.eye(4, k=-1)  # the generator chains cities 0-1-2-3
    assert (rival_cities(m.region, "adjacent_cities") == chain).all()
    assert (rival_cities(m.region, "city") == np.eye(4)).all()
    assert (rival_cities(m.region, "region") == 1).all()


def test_region_scope_counts_every_zone_sharing_a_leading_sector():
    lead = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [1, 1, 1]], dtype=float)
    city = np.array([0, 1, 2, 2])
    # zone 0 shares sector 0 with zones 1 and 3 and sector 1 with zone 3: 3 shared / 2 leading;
    # zone 3 shares sectors 0 (zones 0, 1), 1 (zone 0) and 2 (zone 2): 4 shared / 3 leading
    np.testing.assert_allclose(competitors(lead, city, np.ones((3, 3))), [1.5, 2.0, 1.0, 4 / 3])
    # its own city only: zone 0 and 1 are alone; zones 2 and 3 share sector 2
    np.testing.assert_allclose(competitors(lead, city, np.eye(3)), [0.0, 0.0, 1.0, 1 / 3])


def test_local_competition_does_not_grow_with_the_region():
    """Replicating the region's cities leaves a zone's competitors as they were under a local scope;
    under the region-wide scope they grow with the number of cities."""
    for scope in ("city", "adjacent_cities"):
        small, big = _competitor_counts(scope, 3).mean(), _competitor_counts(scope, 24).mean()
        assert abs(big - small) < 0.5 * small + 0.5, scope
    assert _competitor_counts("region", 24).mean() > 4 * _competitor_counts("region", 3).mean()


def test_region_scope_is_the_former_rule():
    """The region-wide count is Σ_y |L_z ∩ L_y| / |L_z| over every other active zone."""
    m = make_model(compose_params("investment.competition_scope=region", "time.end=2015-02"))
    lead = m.zone_leading_matrix()[[z.index for z in m.active_zones()]]
    n_lead = lead.sum(axis=1)
    expected = (lead @ lead.sum(axis=0) - n_lead) / np.maximum(n_lead, 1.0)
    np.testing.assert_array_equal(
        competitors(lead, m.market.zone_city[[z.index for z in m.active_zones()]], m.market.rival_cities), expected
    )
