"""The course's datasets: the default market every chapter reads, and a small shipped sample.

``load_market()`` returns the course market: 10,000 customers over 10 years from
2015-01-01, sector "both" (a bancassurance group), seed 2024. It is generated once into
``datasets/market/`` (Parquet + DuckDB; about 20 s) and loaded from there afterwards
(about a second). ``python -m crmkit.datasets`` builds it, as ``make data`` does.

``load_sample()`` returns the small market shipped with the kit in ``datasets/sample/``
(500 customers over 3 years), for quick experiments and tests without generation.

The folder is ``$CRMKIT_DATA`` if set, else the repository's ``datasets/`` when crmkit runs
from a checkout; otherwise (an installed package) a ``datasets/`` folder holding a market in
the working directory or above it (the browser edition serves its chapters in ``notebooks/``
beside ``datasets/``), else ``~/.cache/crmkit``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from crmkit._docs import fill
from crmkit.io import META_FILE
from crmkit.io import load_market as _load

__all__ = ["COURSE_MARKET", "SAMPLE_MARKET", "data_dir", "market_path", "load_market",
           "load_sample", "build"]

COURSE_MARKET = dict(customers=10_000, years=10, sector="both", seed=2024, start="2015-01-01")
SAMPLE_MARKET = dict(customers=500, years=3, sector="both", seed=2024, start="2015-01-01")


# the checkout's datasets folder (absent when crmkit is an installed wheel)
_REPO = Path(__file__).resolve().parents[1] / "datasets"


def data_dir() -> Path:
    """Where datasets live: ``$CRMKIT_DATA``, the checkout's ``datasets/``, a ``datasets/``
    holding a market in the working directory or above it, or a user cache.

    Returns
    -------
    Path
        The folder holding the ``market/`` and ``sample/`` datasets (it may not exist yet).

    Examples
    --------
    >>> import os
    >>> from crmkit.datasets import data_dir
    >>> os.environ["CRMKIT_DATA"] = "/tmp/crmkit-elsewhere"
    >>> data_dir().as_posix()
    '/tmp/crmkit-elsewhere'
    >>> del os.environ["CRMKIT_DATA"]
    >>> (data_dir() / "sample" / "customers.parquet").is_file()
    True
    """
    env = os.environ.get("CRMKIT_DATA")
    if env:
        return Path(env)
    if _REPO.is_dir():
        return _REPO
    here = Path.cwd()
    for folder in (here, *here.parents):
        found = folder / "datasets"
        if any((found / name / META_FILE).is_file() for name in ("market", "sample")):
            return found
    return Path.home() / ".cache" / "crmkit"


def market_path(name: str = "market") -> Path:
    """The folder of a named dataset under :func:`data_dir`.

    Parameters
    ----------
    name : str, default "market"
        The dataset: ``"market"`` (the course market) or ``"sample"`` (the shipped sample).

    Returns
    -------
    Path
        ``data_dir() / name``, where :func:`build` writes the dataset and the loaders read it.

    Examples
    --------
    >>> from crmkit.datasets import data_dir, market_path
    >>> market_path("sample") == data_dir() / "sample"
    True
    >>> (market_path("sample") / "customers.parquet").is_file()
    True
    """
    return data_dir() / name


def _matches(path: Path, params: dict) -> bool:
    meta = path / META_FILE
    if not (path / "customers.parquet").exists() or not meta.exists():
        return False
    from crmkit.synth.market import GENERATOR_VERSION

    got = json.loads(meta.read_text())
    return got.get("version") == GENERATOR_VERSION and all(got.get(k) == v for k, v in params.items())


def build(name: str = "market", *, force: bool = False, progress: bool = False) -> Path:
    """Generate the named dataset (``"market"`` or ``"sample"``) unless already there.

    A dataset is already there when its folder holds the tables and a metadata file written
    by the current generator version with the same parameters (:data:`COURSE_MARKET` or
    :data:`SAMPLE_MARKET`); otherwise it is generated again.

    Parameters
    ----------
    name : {"market", "sample"}, default "market"
        Which dataset to build.
    force : bool, default False
        Generate it even when an up-to-date copy exists.
    progress : bool, default False
        Show a progress bar while generating.

    Returns
    -------
    Path
        The dataset's folder, :func:`market_path` of ``name``.

    Examples
    --------
    The shipped sample is up to date, so nothing is generated and its folder is returned:

    >>> from crmkit.datasets import build, market_path
    >>> build("sample") == market_path("sample")
    True
    >>> import json; json.loads((build("sample") / "market.json").read_text())["customers"]
    500
    """
    from crmkit.synth import generate_to

    params = {"market": COURSE_MARKET, "sample": SAMPLE_MARKET}[name]
    path = market_path(name)
    if force or not _matches(path, params):
        generate_to(path, progress=progress, duckdb=(name == "market"), **params)
    return path


#: The ``tables`` parameter and the result of the loaders below (``crmkit._docs.fill``).
_LOAD_DOCS = {
    "tables": """\
tables : list of str, optional
    The tables to load (``"customers"``, ``"contracts"``, ...); all of them by default.""",
    "market": """\
Returns
-------
Market
    The tables as attributes (``m.customers``, ``m.transactions``, ...), see
    :func:`crmkit.io.load_market`.""",
}


@fill(**_LOAD_DOCS)
def load_market(tables=None, *, refresh: bool = False):
    """The course market (10,000 customers x 10 years, both sectors, seed 2024).

    Generated on first use (about 20 s), then read from ``datasets/market/``.

    Parameters
    ----------
    {tables}
    refresh : bool, default False
        Generate the market again even when an up-to-date copy exists.

    {market}

    Examples
    --------
    >>> from crmkit.datasets import load_market
    >>> m = load_market(tables=["customers"])
    >>> len(m.customers)
    10000
    """
    return _load(build("market", force=refresh), tables=tables)


@fill(**_LOAD_DOCS)
def load_sample(tables=None):
    """The small shipped market (500 customers x 3 years), generated if missing.

    Parameters
    ----------
    {tables}

    {market}

    Examples
    --------
    >>> from crmkit.datasets import load_sample
    >>> len(load_sample(tables=["customers"]).customers)
    500
    """
    return _load(build("sample"), tables=tables)


def main(argv=None) -> int:
    """``python -m crmkit.datasets [--sample] [--force]``: the command ``crmkit data``.

    Its arguments are parsed in :mod:`crmkit.cli`, with every other command's.
    """
    from crmkit.cli import main as cli_main

    return cli_main(["data", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
