"""Taxes on industrial firms, as Chinese tax law levies them (units: 万 yuan).

Firms' revenue is net of VAT (营业收入); every month, in :func:`sim.model.firm_accounts.book_month`:

* **VAT** (增值税) on value added: ``v·(revenue - materials)`` less the input VAT the firm has
  carried forward, at the month's general rate ``v`` (:func:`vat_rates`).  Capital goods'
  input VAT is deductible (consumption-type VAT since 2009): investment paid adds ``v·I`` to the
  firm's credit (:meth:`ZoneReformModel._produce`), and credit the month's output VAT does not use
  is carried forward.  VAT passes through to buyers: it is collected on sales and is no cost of
  the firm's.  Materials, overhead (bought in: all wages are in the variable wage bill,
  :mod:`sim.model.labour`; services pay VAT since 2016) and capital goods carry input VAT; wages
  do not.
* **Surcharges** on the VAT paid (urban maintenance and construction tax and education
  surcharges) and the **resource tax** on sales (``sectors.csv`` ``resource_tax_rate``: coal) are
  costs: they lower EBIT (税金及附加).
* **Corporate income tax** (企业所得税) on the year's profit before it, prepaid monthly on the
  year's profit so far (按实际利润额预缴), less the losses of the last ``loss_carry_years`` years
  carried forward; when the year's profit so far falls, the model refunds the excess prepayment
  in that month (in law the annual settlement, 汇算清缴, settles it by May of the next year).  :func:`close_tax_year`
  carries a year's loss forward and uses up old ones,
  oldest first.

The tax a firm pays (its ``tax_year``) is VAT, surcharges, resource tax and income tax.  What
local governments keep of it (``local_tax_year``) is the local share of VAT (25% before 2016-05,
50% after) and of income tax (40%)
and all the surcharges and resource tax: what zones' tax statistics count (the zones' tax per mu
of 2017, 1.2万 yuan on 39.4万 yuan of output, is 3% of output, about the share the model's local
taxes take; all taxes take about 5%, near what they take of Chinese industry's revenue).
"""

from __future__ import annotations

import numpy as np

#: loss-carry buckets on the firm table: ``loss_carry_1`` is last year's loss, ``loss_carry_5`` five years old
CARRY_FIELDS = tuple(f"loss_carry_{k}" for k in range(1, 6))


def _dated_path(calendar, first: float, changes, key: str) -> np.ndarray:
    """A value in each month of the horizon: ``first``, then each ``(YYYY-MM, value)`` of
    ``changes`` from its month on (``key`` names the setting in errors)."""
    path = np.full(calendar.n_months, float(first))
    for label, value in sorted(changes):
        path[max(calendar.index(str(label), key), 0) :] = float(value)
    return path


def vat_rates(calendar, params) -> np.ndarray:
    """The general VAT rate in each month of the horizon (``params`` the TaxConfig)."""
    return _dated_path(
        calendar, params.vat_rate, zip(params.vat_cut_months, params.vat_cut_rates), "tax.vat_cut_months"
    )


def local_vat_shares(calendar, params) -> np.ndarray:
    """The share of VAT local governments keep in each month of the horizon (``params`` the TaxConfig)."""
    return _dated_path(
        calendar,
        params.local_share_vat,
        [(params.local_share_vat_from, params.local_share_vat_after)],
        "tax.local_share_vat_from",
    )


def monthly_tax_array(params, vat_rate: float, local_vat_share: float | None = None) -> np.ndarray:
    """The month's tax settings for the compiled accounts: VAT rate, surcharge, income-tax rate,
    and the local shares of VAT (the month's, :func:`local_vat_shares`; ``local_share_vat_after``
    if not given) and of income tax."""
    share = params.local_share_vat_after if local_vat_share is None else local_vat_share
    return np.array([vat_rate, params.vat_surcharge, params.income_tax_rate, share, params.local_share_income_tax])


def close_tax_year(f, rows: np.ndarray, params) -> None:
    """Year end of firms ``rows``: the year's loss (profit before income tax below 0) is carried
    forward; a profit uses up carried losses, oldest first; losses older than
    ``loss_carry_years`` lapse; the year's income-tax accounts start again."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return
    buckets = np.stack([getattr(f, c)[rows] for c in CARRY_FIELDS])  # 5 × n, row 0 = last year's
    result = f.pretax_year[rows].copy()
    profit = np.maximum(result, 0.0)
    for k in range(len(CARRY_FIELDS) - 1, -1, -1):  # oldest first
        use = np.minimum(buckets[k], profit)
        buckets[k] -= use
        profit -= use
    years = int(params.loss_carry_years)
    shifted = np.zeros_like(buckets)
    shifted[1:] = buckets[:-1]  # every loss a year older; the oldest falls off
    shifted[years:] = 0.0  # older than the law carries
    shifted[0] = np.maximum(-result, 0.0) if years > 0 else 0.0
    for k, c in enumerate(CARRY_FIELDS):
        getattr(f, c)[rows] = shifted[k]
    f.loss_carry[rows] = shifted.sum(axis=0)
    f.pretax_year[rows] = 0.0
    f.income_tax_year[rows] = 0.0
