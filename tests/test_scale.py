"""Scale invariance of location choice (issue 15, item 5): the outside option stands for the sites
outside zones in every county, so a replicated region (counties and zones alike) keeps its
in-zone share."""

from __future__ import annotations

import numpy as np

from sim.model.choice_kernels import OUTSIDE, locate
from tests.conftest import compose_params, make_model


def _in_zone_share(copies: int, n: int = 20_000, size_term: bool = True) -> float:
    """Share of ``n`` projects choosing a zone among ``copies`` replicas of two zones, with the
    outside option's size term ln(copies × 2 counties); no agglomeration, every zone open."""
    base = np.tile([0.3, -0.2], copies)
    n_z, n_s = base.size, 1
    sector = np.zeros(n, np.int64)
    u = (np.arange(n) + 0.5) / n  # evenly spread uniforms: the share is the probability to 1/n
    zone, block = np.empty(n, np.int64), np.empty(n, np.int64)
    locate(sector, np.zeros(n), np.zeros(n), np.zeros(n, bool), u, base, float(0.1 + (np.log(2 * copies) if size_term else np.log(2))), 0.0, 0.0,
           np.ones(n_z, bool), np.full(n_z, -np.inf), np.zeros((n_z, n_s)), np.zeros((n_z, n_s)),
           np.arange(n_z + 1, dtype=np.int64), np.arange(n_z, dtype=np.int64), np.full(n_z, np.inf), np.ones(n_z, bool),
           zone, block)
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
