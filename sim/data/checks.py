"""The primitives of the region data checks (:mod:`sim.data.region`): the error, the file
names a message cites, and column checks that name the table, the row (as the line number of
the CSV file) and the column of the first bad value."""

from __future__ import annotations

import numpy as np
import pandas as pd


class DataError(ValueError):
    """A region data table is missing a column, has a bad value or refers to an unknown id."""


FILES = {
    "counties": "counties.csv",
    "adjacency": "adjacency.csv",
    "zones": "zones.csv",
    "sectors": "sectors.csv",
    "items": "approval_items.csv",
    "spending": "spending.csv",
}


def at_row(table: str, origin: str, i: int, df: pd.DataFrame, id_col: str | None = None) -> str:
    """Where row ``i`` of ``table`` is: its file, its line number and (with ``id_col``) its id."""
    ident = f" ({id_col}={df.iloc[i][id_col]})" if id_col and id_col in df.columns else ""
    return f"{origin}/{FILES[table]} row {i + 2}{ident}"


def check_numeric(table, df, origin, col, id_col, lo=None, hi=None, integer=False):
    values = pd.to_numeric(df[col], errors="coerce")
    for i, (raw, v) in enumerate(zip(df[col], values)):
        if pd.isna(v) or not np.isfinite(v):
            raise DataError(f"{at_row(table, origin, i, df, id_col)}: column {col} = {raw!r} is not a finite number")
        if lo is not None and v < lo or hi is not None and v > hi:
            raise DataError(
                f"{at_row(table, origin, i, df, id_col)}: column {col} = {int(v) if v == int(v) else v} is out of "
                f"range [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
            )
        if integer and v != int(v):
            raise DataError(f"{at_row(table, origin, i, df, id_col)}: column {col} = {v} is not a whole number")
    df[col] = values.astype(int) if integer else values.astype(float)


def check_some_positive(table, df, origin, col, why):
    """A column used as weights must not be all zero (there would be nothing to draw from)."""
    if not (df[col].astype(float) > 0).any():
        raise DataError(
            f"{origin}/{FILES[table]}: column {col} is 0 in every row; at least one must be positive ({why})"
        )


def check_unique(table, df, origin, col):
    dup = df[col].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"{at_row(table, origin, i, df)}: duplicate {col} {df.iloc[i][col]!r}")


def check_filled(table, df, origin, col, id_col=None):
    """An identifier column has a value in every row (an empty one would stand for a shared id)."""
    blank = df[col].astype(str).str.strip() == ""
    if blank.any():
        i = int(blank.to_numpy().nonzero()[0][0])
        raise DataError(f"{at_row(table, origin, i, df, id_col)}: column {col} is empty; every row needs one")


def check_member(table, df, origin, col, allowed, id_col, what):
    for i, v in enumerate(df[col]):
        if v not in allowed:
            raise DataError(f"{at_row(table, origin, i, df, id_col)}: unknown {what} {v!r} in column {col}")


def text_column(values) -> list[str]:
    """An optional text column as stripped strings, empty where the file has no value."""
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in values]
