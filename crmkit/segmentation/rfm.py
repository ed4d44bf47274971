"""RFM and FRAT: scoring customers on their purchase behaviour.

RFM (Recency, Frequency, Monetary amount; Hughes, 1994) scores each customer on how
recently and how often they bought and how much they spent. FRAT adds the Type of purchase
(the lecture slides: Frequency, Recency, Amount, Type). Scores are quantiles of the customers: with
``bins=5`` the best fifth gets 5 and the worst fifth 1.

Purchases are "voluntary" events: in the synthetic market the ``deposit`` transactions (the
monthly premiums and fees say nothing about the customer's choice), or contract starts
(pass the contracts table with ``date_col="start_date"``). The kinds are an argument.

Tie rule (see :func:`crmkit.segmentation._frame.quantile_scores`): by default
(``ties="min"``) equal values get equal scores — the score of a value depends only on how
many customers are strictly worse; ``ties="first"`` breaks ties by customer id to get scores
of equal size. Both are deterministic and never give a better value a lower score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases, renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import (
    money_sums,
    ordered_categorical,
    quantile_scores,
    require,
    select_kinds,
    snapshot,
    sorted_codes,
)

__all__ = [
    "frat",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "rfm",
    "frat_table",
    "frat_scores",
    "RFM_SEGMENT_RULES",
    "RFM_SEGMENTS",
]

# the classic R x FM map: (segment, R range, FM range) on scores 1-5, FM = ceil((F + M) / 2)
#: Parameter docs shared by the functions below and their warehouse twins in
#: :mod:`crmkit.warehouse.metrics` (``crmkit._docs.fill``; the warehouse has its own ``{ties}``).
RFM_DOCS = {
    "rfm_rows": """\
as_of : date-like, optional
    Snapshot date; rows after it are ignored. Default: the last date of the table.
kinds : str or sequence of str or None, default ("deposit",)
    Values of ``kind_col`` that count as purchases; None keeps every row.""",
    "frat_rows": """\
type_col : str, default "kind"
    Column holding the type of purchase (product, product family...).
as_of : date-like, optional
    Snapshot date; rows after it are ignored. Default: the last date of the table.
kinds : str or sequence of str, optional
    Values of ``kind_col`` that count as purchases; None keeps every row.""",
    "columns": """\
customer_col, date_col, amount_col, kind_col : str
    Column names.""",
    "bins": """\
bins : int, default 5
    Number of score levels.""",
    "ties": """\
ties : {"min", "max", "average", "first", "dense"}, default "min"
    How tied values share a score (see the module docstring).""",
    "table": """\
table : str, default "transactions"
    Table name used in error messages.""",
}

RFM_SEGMENT_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("champions", (5, 5), (4, 5)),
    ("loyal_customers", (3, 4), (4, 5)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need_attention", (3, 3), (3, 3)),
    ("about_to_sleep", (3, 3), (1, 2)),
    ("cant_lose_them", (1, 2), (5, 5)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),
)
RFM_SEGMENTS = tuple(rule[0] for rule in RFM_SEGMENT_RULES)

# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {"RFM_SEGMENT_LABELS_FR": ("rfm_segment", RFM_SEGMENTS)})



def _purchases(
    tx: pd.DataFrame,
    *,
    table: str,
    customer_col: str,
    date_col: str,
    amount_col: str,
    kind_col: str,
    kinds,
    as_of,
    extra: dict | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    cols = {customer_col: None, date_col: "datetime", amount_col: "number", **(extra or {})}
    if kinds is not None:
        cols[kind_col] = "string"
    require(tx, table, cols, nonnegative=(amount_col,))
    # the default snapshot date is the last date of the whole extract, not of the kinds kept
    tx, as_of = snapshot(tx, table, date_col, as_of)
    return select_kinds(tx, table, kind_col, kinds), as_of


def _aggregate(
    tx: pd.DataFrame, as_of: pd.Timestamp, customer_col: str, date_col: str,
    amount_col: str, monetary: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-customer purchase statistics, and the customer code of each row.

    One factorisation and a few single passes of NumPy (bincount, ufunc.at): about three
    times faster than ``groupby().agg`` with four aggregations on 10M rows.
    """
    if monetary not in ("sum", "mean"):
        raise ValueError(f"monetary must be 'sum' or 'mean', got {monetary!r}")
    codes, ids = sorted_codes(tx[customer_col])
    n = len(ids)
    # time-zone-aware dates never get here: crmkit.schema refuses them (one policy)
    d = tx[date_col].to_numpy()
    ticks = d.view(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, ticks)
    np.maximum.at(last, codes, ticks)
    freq = np.bincount(codes, minlength=n)
    spent = money_sums(codes, tx[amount_col].to_numpy(dtype=float), n)
    last_purchase = pd.Series(last.view(d.dtype))
    out = pd.DataFrame({
        customer_col: ids,
        "recency_days": (as_of - last_purchase).dt.days.to_numpy(dtype=np.int64),
        "frequency": freq,
        "monetary": spent if monetary == "sum" else spent / freq,
        "first_purchase": first.view(d.dtype),
        "last_purchase": last_purchase.to_numpy(),
    })
    return out, codes


@fill(**RFM_DOCS)
def rfm_table(
    transactions: pd.DataFrame,
    *,
    as_of=None,
    kinds=("deposit",),
    monetary: str = "sum",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
) -> pd.DataFrame:
    """Recency, frequency and monetary amount of each customer's purchases.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (or money flow) with customer, date and a non-negative amount.
    {rfm_rows}
    monetary : {"sum", "mean"}, default "sum"
        Total spent or average purchase.
    customer_col, date_col, amount_col, kind_col : str
        Column names (defaults follow ``crmkit.schema.TABLES["transactions"]``).
    {table}

    Returns
    -------
    DataFrame
        One row per customer with at least one purchase, sorted by customer:
        ``recency_days`` (days from the last purchase to ``as_of``), ``frequency`` (number
        of purchases), ``monetary``, ``first_purchase``, ``last_purchase``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01", "2024-03-11"]),
    ...     "amount": [100.0, 50.0, 20.0, 10.0]})
    >>> rfm_table(tx, kinds=None, as_of="2024-03-31")[["customer_id", "recency_days",
    ...                                                  "frequency", "monetary"]]
       customer_id  recency_days  frequency  monetary
    0            1            30          2     150.0
    1            2            59          1      20.0
    2            3            20          1      10.0
    """
    tx, as_of = _purchases(
        transactions, table=table, customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, kind_col=kind_col, kinds=kinds, as_of=as_of,
    )
    return _aggregate(tx, as_of, customer_col, date_col, amount_col, monetary)[0]


def _scores(
    df: pd.DataFrame,
    spec: dict[str, tuple[str, bool]],
    *,
    bins: int,
    ties: str,
    customer_col: str,
    table: str,
    counts: tuple[str, ...] = (),
) -> pd.DataFrame:
    require(df, table, {customer_col: None, **{col: "number" for col, _ in spec.values()}},
            nonnegative=counts, unique=customer_col)
    out = df.copy()
    ids = df[customer_col].to_numpy()
    for name, (col, higher_is_better) in spec.items():
        out[name] = quantile_scores(
            df[col].to_numpy(), ids, bins, ties=ties, higher_is_better=higher_is_better
        )
    return out


@renamed_keywords(id_col="customer_col")
@fill(**RFM_DOCS)
def rfm_scores(
    rfm_df: pd.DataFrame,
    *,
    bins: int = 5,
    ties: str = "min",
    customer_col: str = "customer_id",
    recency_col: str = "recency_days",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary",
    table: str = "rfm",
) -> pd.DataFrame:
    """Quantile scores 1..``bins`` for recency (recent = high), frequency and amount.

    Adds ``R``, ``F``, ``M``, ``rfm_score`` (their sum) and ``rfm_cell`` (e.g. ``"545"``).
    See the module docstring for the tie rule.

    Parameters
    ----------
    rfm_df : pandas.DataFrame
        One row per customer, as :func:`rfm_table` gives it.
    {bins}
    {ties}
    customer_col, recency_col, frequency_col, monetary_col : str
        Column names.
    table : str, default "rfm"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``rfm_df`` plus ``R``, ``F``, ``M``, ``rfm_score`` and ``rfm_cell``.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm_df = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...                        "recency_days": [10, 200, 30, 30],
    ...                        "frequency": [8, 1, 3, 1], "monetary": [900.0, 20, 150, 60]})
    >>> rfm_scores(rfm_df, bins=4)[["customer_id", "R", "F", "M", "rfm_cell"]]
       customer_id  R  F  M rfm_cell
    0            1  4  4  4      444
    1            2  1  1  1      111
    2            3  2  3  3      233
    3            4  2  1  2      212
    """
    out = _scores(
        rfm_df,
        {"R": (recency_col, False), "F": (frequency_col, True), "M": (monetary_col, True)},
        bins=bins, ties=ties, customer_col=customer_col, table=table, counts=(recency_col, frequency_col),
    )
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    out["rfm_cell"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    return out


def _segment_grid(rules) -> np.ndarray:
    grid = np.full((6, 6), -1, dtype=np.int64)
    for k, (_, (r0, r1), (f0, f1)) in enumerate(rules):
        cells = grid[r0 : r1 + 1, f0 : f1 + 1]
        if (cells != -1).any():
            raise ValueError(f"segment rule {rules[k][0]!r} overlaps an earlier rule")
        grid[r0 : r1 + 1, f0 : f1 + 1] = k
    if (grid[1:, 1:] == -1).any():
        raise ValueError("segment rules must cover every (R, FM) cell of the 5 x 5 grid")
    return grid


def rfm_segments(
    scores: pd.DataFrame,
    *,
    rules=RFM_SEGMENT_RULES,
    table: str = "rfm",
) -> pd.DataFrame:
    """Name each customer's RFM segment from scores on 5 bins.

    The map crosses R with FM, the mean of F and M rounded up (``ceil((F + M) / 2)``), as
    in the widely used R x FM grid: ``champions`` (R 5, FM 4-5), ``loyal_customers``,
    ``potential_loyalists``, ``new_customers``, ``promising``, ``need_attention``,
    ``about_to_sleep``, ``cant_lose_them``, ``at_risk``, ``hibernating`` (see
    :data:`RFM_SEGMENT_RULES`; labels: kind ``rfm_segment`` of :mod:`crmkit.labels`). ``rules``
    may replace the map; it must cover the 5 x 5 grid exactly once.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``R``, ``F`` and ``M`` scores on 5 bins.
    rules : sequence of (name, (R low, R high), (FM low, FM high)), optional
        The map from the R x FM grid to segment names (default :data:`RFM_SEGMENT_RULES`).
    table : str, default "rfm"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``scores`` plus ``rfm_segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [5, 1, 5, 3], "F": [5, 5, 1, 3], "M": [4, 5, 1, 3]})
    >>> rfm_segments(s)["rfm_segment"].tolist()
    ['champions', 'cant_lose_them', 'new_customers', 'need_attention']
    """
    require(scores, table, {"R": "int", "F": "int", "M": "int"})
    schema.check_key(scores, table, "customer_id")
    grid = _segment_grid(rules)
    r = scores["R"].to_numpy()
    f = scores["F"].to_numpy()
    m = scores["M"].to_numpy()
    bad = (r < 1) | (r > 5) | (f < 1) | (f > 5) | (m < 1) | (m > 5)
    if bad.any():
        raise ValueError(
            f"{table}: segments need scores on 5 bins (1-5); "
            f"first offending rows (index): {list(scores.index[bad][:5])}"
        )
    fm = (f + m + 1) // 2
    names = np.asarray([rule[0] for rule in rules])
    out = scores.copy()
    out["FM"] = fm
    out["rfm_segment"] = ordered_categorical(names[grid[r, fm]], names)
    return out


@fill(**RFM_DOCS)
def rfm(
    transactions: pd.DataFrame,
    *,
    as_of=None,
    kinds=("deposit",),
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
) -> pd.DataFrame:
    """:func:`rfm_table`, :func:`rfm_scores` (5 bins) and :func:`rfm_segments` in one call.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase with customer, date and a non-negative amount.
    {rfm_rows}
    {ties}
    {columns}
    {table}

    Returns
    -------
    pandas.DataFrame
        One row per customer: the columns of :func:`rfm_table`, the scores of
        :func:`rfm_scores` and ``rfm_segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3, 3, 4, 5],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2023-06-01",
    ...                             "2024-03-01", "2023-01-01", "2022-05-01", "2024-02-20"]),
    ...     "amount": [200.0, 200, 200, 50, 80, 80, 10, 30]})
    >>> rfm(tx, kinds=None)[["customer_id", "rfm_cell", "rfm_segment"]]
       customer_id rfm_cell      rfm_segment
    0            1      555        champions
    1            2      213      hibernating
    2            3      444  loyal_customers
    3            4      111      hibernating
    4            5      312   about_to_sleep
    """
    table_df = rfm_table(
        transactions, as_of=as_of, kinds=kinds, customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, kind_col=kind_col, table=table,
    )
    return rfm_segments(rfm_scores(table_df, ties=ties, customer_col=customer_col))


# above this many (customer, type) cells the type totals are computed sparsely
_DENSE_CELLS = 20_000_000


def _types(codes: np.ndarray, n: int, types: pd.Series, amount: np.ndarray):
    """Number of distinct types and type of largest amount per customer code."""
    if isinstance(types.dtype, pd.CategoricalDtype):
        # category codes renumbered in sorted order of the categories (the tie rule)
        cats = types.cat.categories
        order = np.argsort(np.asarray(cats.astype(str)), kind="stable")
        rank = np.empty(len(cats), dtype=np.int64)
        rank[order] = np.arange(len(cats))
        tcodes = rank[types.cat.codes.to_numpy()]
        labels = np.asarray(cats)[order]
    else:
        tcodes, labels = pd.factorize(types, sort=True)
        labels = np.asarray(labels)
    k = max(len(labels), 1)
    cell = codes.astype(np.int64) * k + tcodes
    if n * k <= _DENSE_CELLS:
        cell = cell.astype(np.intp)  # small here; 32-bit NumPy (the browser) counts no int64
        count = np.bincount(cell, minlength=n * k).reshape(n, k)
        # exact sums: equal totals tie, and the tie goes to the first type
        total = money_sums(cell, amount, n * k).reshape(n, k)
        bought = count > 0
        # argmax takes the first of equal maxima: the first type in sorted order
        main = np.argmax(np.where(bought, total, -np.inf), axis=1)
        return bought.sum(axis=1), labels[main]
    cells, inverse = np.unique(cell, return_inverse=True)
    total = money_sums(inverse, amount, len(cells))
    cust, typ = np.divmod(cells, k)
    # per customer, the largest total first, then the smallest type code
    pick = np.lexsort((typ, -total, cust))
    first = np.r_[True, cust[pick][1:] != cust[pick][:-1]]
    return np.bincount(cust, minlength=n), labels[typ[pick][first]]


@fill(**RFM_DOCS)
def frat_table(
    purchases: pd.DataFrame,
    *,
    type_col: str = "kind",
    as_of=None,
    kinds=None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
) -> pd.DataFrame:
    """Frequency, recency, amount and type of purchase of each customer.

    The type of purchase is summarised by ``n_types`` (how many distinct types the
    customer bought: breadth of the relationship) and ``main_type`` (the type with the
    largest amount; ties go to the first type in sorted order of the type names).

    Parameters
    ----------
    purchases : pandas.DataFrame
        One row per purchase (a transaction, a contract...) with customer, date, amount and
        type.
    {frat_rows}
    {columns}
    {table}

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``frequency``, ``recency_days``, ``monetary``, ``n_types`` and
        ``main_type``.

    Examples
    --------
    Contracts as purchases, typed by product:

    >>> import pandas as pd
    >>> contracts = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2021-06-01", "2023-01-01",
    ...                                   "2022-01-01"]),
    ...     "monthly_premium": [30.0, 80.0, 20.0, 45.0],
    ...     "product_id": ["auto", "home", "auto", "health"]})
    >>> frat_table(contracts, type_col="product_id", date_col="start_date",
    ...            amount_col="monthly_premium", table="contracts")[
    ...     ["customer_id", "frequency", "recency_days", "monetary", "n_types", "main_type"]]
       customer_id  frequency  recency_days  monetary  n_types main_type
    0            1          3             0     130.0        2      home
    1            2          1           365      45.0        1    health
    """
    tx, as_of = _purchases(
        purchases, table=table, customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, kind_col=kind_col, kinds=kinds, as_of=as_of,
        extra={type_col: None},
    )
    out, codes = _aggregate(tx, as_of, customer_col, date_col, amount_col, "sum")
    n_types, main = _types(codes, len(out), tx[type_col], tx[amount_col].to_numpy(dtype=float))
    out["n_types"] = n_types
    out["main_type"] = main
    return out[
        [customer_col, "frequency", "recency_days", "monetary", "n_types", "main_type",
         "first_purchase", "last_purchase"]
    ]


@renamed_keywords(id_col="customer_col")
@fill(**RFM_DOCS)
def frat_scores(
    frat_df: pd.DataFrame,
    *,
    bins: int = 5,
    ties: str = "min",
    customer_col: str = "customer_id",
    table: str = "frat",
) -> pd.DataFrame:
    """Quantile scores F, R, A and T (breadth of types bought) and their sum ``frat_score``.

    Parameters
    ----------
    frat_df : pandas.DataFrame
        One row per customer, as :func:`frat_table` gives it.
    {bins}
    {ties}
    customer_col : str, default "customer_id"
        Customer key.
    table : str, default "frat"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``frat_df`` plus ``F``, ``R``, ``A``, ``T`` and ``frat_score``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"customer_id": [1, 2, 3], "frequency": [5, 1, 2],
    ...                   "recency_days": [3, 90, 40], "monetary": [500.0, 40, 90],
    ...                   "n_types": [3, 1, 1]})
    >>> frat_scores(f, bins=3)[["F", "R", "A", "T", "frat_score"]]
       F  R  A  T  frat_score
    0  3  3  3  3          12
    1  1  1  1  1           4
    2  2  2  2  1           7
    """
    out = _scores(
        frat_df,
        {"F": ("frequency", True), "R": ("recency_days", False), "A": ("monetary", True),
         "T": ("n_types", True)},
        bins=bins, ties=ties, customer_col=customer_col, table=table,
        counts=("frequency", "recency_days", "n_types"),
    )
    out["frat_score"] = out["F"] + out["R"] + out["A"] + out["T"]
    return out


@fill(**RFM_DOCS)
def frat(
    purchases: pd.DataFrame,
    *,
    type_col: str = "kind",
    as_of=None,
    kinds=None,
    bins: int = 5,
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
) -> pd.DataFrame:
    """:func:`frat_table` then :func:`frat_scores` in one call (the twin of
    :func:`crmkit.warehouse.frat`).

    Parameters
    ----------
    purchases : pandas.DataFrame
        One row per purchase (a transaction, a contract...) with customer, date, amount and
        type.
    {frat_rows}
    {bins}
    {ties}
    {columns}
    {table}

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`frat_table` plus ``F``, ``R``, ``A``, ``T`` and ``frat_score``.

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2021-06-01", "2023-01-01",
    ...                                   "2022-01-01"]),
    ...     "monthly_premium": [30.0, 80.0, 20.0, 45.0],
    ...     "product_id": ["auto", "home", "auto", "health"]})
    >>> frat(contracts, type_col="product_id", date_col="start_date",
    ...      amount_col="monthly_premium", bins=2, table="contracts")[
    ...     ["customer_id", "n_types", "main_type", "F", "R", "A", "T", "frat_score"]]
       customer_id  n_types main_type  F  R  A  T  frat_score
    0            1        2      home  2  2  2  2           8
    1            2        1    health  1  1  1  1           4
    """
    table_df = frat_table(
        purchases, type_col=type_col, as_of=as_of, kinds=kinds, customer_col=customer_col,
        date_col=date_col, amount_col=amount_col, kind_col=kind_col, table=table,
    )
    return frat_scores(table_df, bins=bins, ties=ties, customer_col=customer_col)
