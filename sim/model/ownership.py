"""Ownership: state or collective firms (公有企业) and their owners' soft budget constraint.

Until the State Council's provisional regulations on private enterprises (私营企业暂行条例, 1988)
a firm with more than seven employees could not be privately owned, so an above-scale firm
founded before ``ownership.private_law_year`` is state or collectively owned.  Of the firms founded
since, a share ``ownership.state_share`` is (the share of state and collective firms among China's
above-scale industrial firms in 2013).  Whether a firm is state-owned never changes; an expansion
plant has its parent's owner.

What ownership does is in :mod:`sim.model.firm_exits`: the government that owns a failing firm
props it up with the highest probability the model allows (``protection.max``) whatever the
firm's size, where a private firm's protection grows with its share of the county's output.  So
the zombie share is highest among state and collective firms, and, since they are the old
firms, rises with firm age, as both are observed in China's industrial census (人大国发院 2016)."""

from __future__ import annotations

import numpy as np

from sim.model.streams import Stream, stream


class Ownership:
    """Who owns each firm: one uniform per firm key from the ``OWNERSHIP`` stream (so a firm has
    the same owner in every scenario of a seed, whenever and wherever it enters)."""

    def __init__(self, seed: int, params):
        self.params = params  # the OwnershipConfig
        self._draws = stream(seed, Stream.OWNERSHIP)
        self._u = np.zeros(0)

    def _uniforms(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.int64)
        need = int(keys.max()) + 1 if keys.size else 0
        if need > self._u.size:  # the stream's draws in key order: the same whatever the order of requests
            self._u = np.concatenate([self._u, self._draws.random(need - self._u.size)])
        return self._u[keys]

    def incumbents(self, keys: np.ndarray, age: np.ndarray, year: int) -> np.ndarray:
        """State ownership of the firms operating at the start (``age`` in years in ``year``)."""
        founded = year - np.asarray(age, float)
        return (founded < self.params.private_law_year) | self.entrants(keys)

    def entrants(self, keys: np.ndarray) -> np.ndarray:
        """State ownership of firms founded since the private-firm law."""
        return self._uniforms(keys) < self.params.state_share
