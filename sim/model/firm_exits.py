"""Exit of enterprises under a soft budget constraint (the mechanism is described in :mod:`sim.model.firms`):
the county's protection, the yearly hazard and the month's exit draws."""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from sim.model.kernel_cache import kernel, njit

if TYPE_CHECKING:
    from sim.model.firms import FirmTable

#: the constants of the exit hazard: the ProtectionConfig's, the card's and the FirmConfig's
ExitParams = namedtuple(
    "ExitParams",
    "protection_base protection_size_weight protection_max state_at_max card_protection base_exit_rate"
    " insolvent_exit_rate insolvency_leverage",
)


def exit_probability(f: FirmTable, idx: np.ndarray, protection: np.ndarray, p) -> np.ndarray:
    """Monthly exit probability of firms ``idx`` given their ``protection`` (the hazard of
    :func:`_exit_rate`: a failing firm is insolvent, debt > ``insolvency_leverage`` × capital, or a
    zombie alive only on evergreen credit)."""
    failing = (f.debt[idx] > p.insolvency_leverage * f.capital[idx]) | f.zombie[idx]
    protection = np.broadcast_to(np.asarray(protection, float), failing.shape)
    return monthly_probability(_map_exit_rate(failing, protection, p.base_exit_rate, p.insolvent_exit_rate))


def monthly_probability(yearly_rate: np.ndarray) -> np.ndarray:
    """Probability of an event within a month at a constant yearly hazard: ``1 - exp(-rate/12)``."""
    return 1.0 - np.exp(-yearly_rate / 12.0)


def soft_budget_protection(output_share_in_county: np.ndarray, p) -> np.ndarray:
    """Probability that an insolvent firm is propped up by its county and banks.

    Higher for the county's big employers and taxpayers (soft budget constraint, Kornai 1986):
    ``min(max, base + size_weight · share of county output)``; ``p`` is the ProtectionConfig.
    """
    return _map_protection(np.asarray(output_share_in_county, float), p.base, p.size_weight, p.max)


@kernel
def _protection(share, base, size_weight, cap):
    return min(cap, base + size_weight * share)


@njit(cache=True)
def _map_protection(share, base, size_weight, cap):
    out = np.empty(share.shape)
    for j in range(share.size):
        out.flat[j] = _protection(share.flat[j], base, size_weight, cap)
    return out


def exit_draws(
    f: FirmTable, idx: np.ndarray, u: np.ndarray, n_counties: int, carded: np.ndarray, card_protection: float, pp, p
) -> np.ndarray:
    """Which of the operating firms ``idx`` exit this month (a mask over ``idx``): insolvency under
    the soft budget constraint.

    Per firm: protection from its share of its county's output (:func:`soft_budget_protection`),
    or ``max`` for a state or collective firm (``state_owned_at_max``: its owner is the government),
    times ``card_protection`` for zombies in a zone with a yellow card; the yearly hazard
    :func:`_exit_rate`; exit when its draw ``u[key]`` falls under the month's probability
    (:func:`monthly_probability`).  The hazards in one compiled pass.
    """
    rate = _exit_rates(
        idx,
        f.county,
        f.output,
        f.zone,
        f.zombie,
        f.debt,
        f.capital,
        f.state_owned,
        n_counties,
        carded,
        ExitParams(
            float(pp.base),
            float(pp.size_weight),
            float(pp.max),
            bool(pp.state_owned_at_max),
            float(card_protection),
            float(p.base_exit_rate),
            float(p.insolvent_exit_rate),
            float(p.insolvency_leverage),
        ),
    )
    return u[f.key[idx]] < monthly_probability(rate)


@kernel
def _exit_rate(failing, protection, base_rate, failure_rate):
    """Yearly exit hazard ``base + [failing]·failure·(1 - protection)``: a failing firm (insolvent,
    or a zombie alive only on evergreen credit) exits unless its county and banks prop it up."""
    return base_rate + (failure_rate * (1.0 - protection) if failing else 0.0)


@njit(cache=True)
def _map_exit_rate(failing, protection, base_rate, failure_rate):
    out = np.empty(failing.shape)
    for j in range(failing.size):
        out[j] = _exit_rate(failing[j], protection[j], base_rate, failure_rate)
    return out


@njit(cache=True)
def _exit_rates(idx, county, output, zone, zombie, debt, capital, state_owned, n_counties, carded, c):
    """Yearly exit hazard of each firm ``idx[j]`` (see :func:`exit_draws`)."""
    county_out = np.zeros(n_counties)
    for j in range(idx.shape[0]):
        r = idx[j]
        county_out[county[r]] += output[r]
    rate = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        r = idx[j]
        share = output[r] / max(county_out[county[r]], 1e-12)
        if c.state_at_max and state_owned[r]:  # its owner is the government (sim.model.ownership)
            protection = c.protection_max
        else:
            protection = _protection(share, c.protection_base, c.protection_size_weight, c.protection_max)
        if zombie[r] and carded[zone[r]]:
            protection *= c.card_protection
        failing = debt[r] > c.insolvency_leverage * capital[r] or zombie[r]
        rate[j] = _exit_rate(failing, protection, c.base_exit_rate, c.insolvent_exit_rate)
    return rate
