"""The :class:`Market` (every table of the synthetic market) and the generation entry points.

:func:`generate` builds a market in memory; :func:`generate_to` streams one to a folder
block by block so that memory stays flat however many customers are asked for. Both give
the same tables for the same arguments, whatever the block size.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.io import MARKET_TABLES, MarketWriter
from crmkit.synth import campaigns as CA
from crmkit.synth.identities import build_pools
from crmkit.synth.products import catalogue
from crmkit.synth.simulate import ATOM, Config, atom_sizes, simulate_block

SECTOR_CHOICES = ("bank", "insurance", "both")
DEFAULT_BLOCK = 25_000


@dataclass
class Market:
    """Every table of the synthetic market as a pandas DataFrame (see ``crmkit.schema``)."""

    customers: pd.DataFrame
    source_records: pd.DataFrame
    life_events: pd.DataFrame
    products: pd.DataFrame
    contracts: pd.DataFrame
    transactions: pd.DataFrame
    interactions: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_targets: pd.DataFrame
    surveys: pd.DataFrame
    incidents: pd.DataFrame
    params: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in :data:`crmkit.io.MARKET_TABLES` order."""
        return {name: getattr(self, name) for name in MARKET_TABLES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in MARKET_TABLES:
            raise KeyError(f"unknown table {name!r}; known tables: {list(MARKET_TABLES)}")
        return getattr(self, name)

    def save(self, path: str | os.PathLike, *, duckdb: bool = True) -> Path:
        """Write every table to ``path`` (Parquet + ``market.duckdb``), atomically."""
        from crmkit.io import save_market

        return save_market(self.tables(), path, meta=self.params, duckdb=duckdb)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(getattr(self, n)):,}" for n in MARKET_TABLES)
        return f"Market({self.params or ''}; {sizes})"


_MARKET_FIELDS = [f.name for f in fields(Market) if f.name != "params"]
assert _MARKET_FIELDS == list(MARKET_TABLES)


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def check_arguments(customers, years, sector, seed, start, block_size) -> Config:
    """Validate generation arguments and return a :class:`Config`; one clear ValueError."""
    if not _is_int(customers) or customers <= 0:
        raise ValueError(f"customers must be a positive integer, got {customers!r}")
    if not _is_int(years) or years <= 0:
        raise ValueError(f"years must be a positive integer, got {years!r}")
    if years > 100:
        raise ValueError(f"years must be at most 100, got {years!r}")
    if not isinstance(sector, str) or sector not in SECTOR_CHOICES:
        raise ValueError(f"sector must be one of {list(SECTOR_CHOICES)}, got {sector!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not _is_int(block_size) or block_size <= 0:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    try:
        start_m = np.datetime64(pd.Timestamp(start).date(), "M")
    except (ValueError, TypeError) as err:
        raise ValueError(f"start must be a date such as '2015-01-01', got {start!r}") from err
    if customers // ATOM * 100 >= 2**31 // 100:
        raise ValueError(f"customers must be below {2**31 // 100 // 100 * ATOM:,}")
    return Config(customers=int(customers), months=int(years) * 12, sector=sector, seed=int(seed), start=start_m)


def _blocks(cfg: Config, block_size: int):
    sizes = atom_sizes(cfg.customers)
    per = max(1, -(-block_size // ATOM))
    for a in range(0, len(sizes), per):
        yield a, sizes[a:a + per]


def _params(cfg: Config) -> dict:
    return dict(customers=cfg.customers, years=cfg.months // 12, sector=cfg.sector, seed=cfg.seed,
                start=str(cfg.start.astype("datetime64[D]")), generator="crmkit.synth", version=1)


def _global_tables(cfg: Config):
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(cfg.seed, spawn_key=(1,))))
    cal = CA.calendar(rng, cfg.months, cfg.sector, cfg.start)
    return cal, {"products": _products(cfg), "campaigns": CA.campaigns_table(cal)}


def _products(cfg: Config) -> pd.DataFrame:
    p = catalogue()
    if cfg.sector != "both":
        p = p[p["sector"] == cfg.sector].reset_index(drop=True)
    return p


def _progress(total, enabled, desc):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit="customer", unit_scale=True)


def generate(customers: int = 10_000, years: int = 10, sector: str = "both", seed: int = 42,
             start: str = "2015-01-01", block_size: int = DEFAULT_BLOCK, progress: bool = False) -> Market:
    """Generate a synthetic bank and/or insurance market in memory.

    Parameters
    ----------
    customers : number of customers (people) in the market, acquired before or during the run.
    years : length of the monthly simulation.
    sector : ``"bank"``, ``"insurance"`` or ``"both"`` (a bancassurance group).
    seed : non-negative integer; the same arguments give the same market, byte for byte.
    start : first month of the simulation.
    block_size : customers simulated together (memory/speed only; the data do not depend on it).
    progress : show a progress bar.

    Examples
    --------
    >>> from crmkit.synth import generate
    >>> m = generate(customers=200, years=1, seed=1)
    >>> sorted(m.customers["sector"].unique())
    ['bank', 'insurance']
    """
    cfg = check_arguments(customers, years, sector, seed, start, block_size)
    cal, glob = _global_tables(cfg)
    pools = build_pools(cfg.seed)
    parts: dict[str, list] = {}
    with _progress(cfg.customers, progress, "generating") as bar:
        for first_atom, sizes in _blocks(cfg, block_size):
            block = simulate_block(cfg, first_atom, sizes, cal, pools)
            for name, df in block.items():
                parts.setdefault(name, []).append(df)
            bar.update(sum(sizes))
    data = {name: (pd.concat(parts[name], ignore_index=True) if len(parts[name]) > 1 else parts[name][0])
            for name in parts}
    data.update(glob)
    return Market(**{n: data[n] for n in MARKET_TABLES}, params=_params(cfg))


def generate_to(out: str | os.PathLike, customers: int = 10_000, years: int = 10, sector: str = "both",
                seed: int = 42, start: str = "2015-01-01", block_size: int = DEFAULT_BLOCK,
                progress: bool = False, duckdb: bool = True) -> Path:
    """Generate a market straight to a folder, block by block (flat memory).

    Same tables as :func:`generate` with the same arguments; writes ``<table>.parquet``
    files and ``market.duckdb`` into ``out`` atomically (nothing is left on error).
    """
    cfg = check_arguments(customers, years, sector, seed, start, block_size)
    cal, glob = _global_tables(cfg)
    pools = build_pools(cfg.seed)
    with MarketWriter(out, duckdb=duckdb) as w, _progress(cfg.customers, progress, "generating") as bar:
        for name, df in glob.items():
            w.write(name, df)
        for first_atom, sizes in _blocks(cfg, block_size):
            block = simulate_block(cfg, first_atom, sizes, cal, pools)
            for name in MARKET_TABLES:
                if name in block:
                    w.write(name, block[name])
            del block
            bar.update(sum(sizes))
        return w.close(_params(cfg))
