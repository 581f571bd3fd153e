"""A project's scale: whether it needs approval (核准) rather than a filing (备案), and whether
it must locate in a designated base of its sector (基地).  The mechanism is described in
:mod:`sim.model.investment`; :mod:`sim.model.approval` reads the approval threshold."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def approval_threshold(mean_capital: np.ndarray, approved_share: np.ndarray, sigma: float) -> np.ndarray:
    """Capital from which a sector's project needs approval (核准), 万 yuan: the ``1 -
    approved_share`` quantile of its projects' capital (lognormal with mean ``mean_capital`` and
    log-sd ``sigma``), so that ``approved_share`` of them need it; inf where none does, 0 where
    all do.  Without size dispersion (``sigma`` 0) projects are alike: only a share of 1 approves."""
    share = np.clip(np.asarray(approved_share, dtype=float), 0.0, 1.0)
    if sigma <= 0:
        return np.where(share >= 1.0, 0.0, np.inf)
    with np.errstate(over="ignore"):
        return mean_capital * np.exp(-(sigma**2) / 2 + sigma * ndtri(1.0 - share))


def base_matrix(zones, sectors: list[str]) -> np.ndarray:
    """Zones × sectors, True where a zone is a designated base of the sector (zones.csv's optional
    ``base_sectors``, ``;``-separated; none where the column is missing)."""
    out = np.zeros((len(zones), len(sectors)), dtype=np.bool_)
    if "base_sectors" in zones:
        for i, cell in enumerate(zones["base_sectors"].fillna("").astype(str)):
            for name in filter(None, (part.strip() for part in cell.split(";"))):
                out[i, sectors.index(name)] = True
    return out
