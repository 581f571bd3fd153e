"""Read region tables from CSV files (the embedded Ningxia default or a user's folder)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from sim.data.region import FILES, DataError, RegionData, check_region


def embedded_dir() -> Path:
    """Folder of the embedded Ningxia data shipped inside the package."""
    return Path(str(resources.files("sim.data") / "ningxia"))


def _read(folder: Path, table: str) -> pd.DataFrame:
    path = folder / FILES[table]
    if not path.is_file():
        raise DataError(f"{path}: {'not a file' if path.exists() else 'file not found'}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from exc


def load_region(folder: str | Path | None = None) -> RegionData:
    """Load and validate the region tables from ``folder`` (default: embedded Ningxia)."""
    folder = Path(folder) if folder else embedded_dir()
    tables = {name: _read(folder, name) for name in FILES}
    for name in FILES:
        df = tables[name]
        df.columns = [c.strip() for c in df.columns]
    return check_region(RegionData(**tables, origin=str(folder)))


def load_catalogue() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sectors, approval items and sector spending paths of the embedded data (used by the generators)."""
    region = load_region(None)
    return region.sectors, region.items, region.spending
