"""The unified customer view: one row per resolved customer, across departments.

Course chapter 1, "The unified customer view". Identity from the records alone (how many
records and departments hold the person, the most frequent spelling of each field), then
holdings, contacts, incidents and value from the operational tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.idic.identify.normalise import _IDENTITY
from crmkit.market import running_on

__all__ = ["unified_customer_view"]


def join_distinct(df: pd.DataFrame, key: str, col: str, sep: str = "|") -> pd.Series:
    """The distinct values of ``col`` per ``key``, sorted and joined (``"B_CARD|I_AUTO"``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"k": [1, 1, 1, 2], "v": ["b", "a", "b", "c"]})
    >>> join_distinct(df, "k", "v").to_dict()
    {1: 'a|b', 2: 'c'}
    """
    d = df[[key, col]].dropna().drop_duplicates()
    d = d.assign(**{col: d[col].astype(str)}).sort_values([key, col], kind="stable")
    return d.groupby(key, sort=True)[col].agg(sep.join)


def _most_frequent(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """Most frequent non-missing value of ``col`` per ``key`` (ties: smallest record)."""
    d = df[[key, col]].dropna()
    counts = d.groupby([key, col], sort=False).size().rename("n").reset_index()
    counts = counts.merge(
        d.reset_index().groupby([key, col], sort=False)["index"].min().rename("first"),
        on=[key, col],
    )
    best = counts.sort_values([key, "n", "first"], ascending=[True, False, True])
    return best.drop_duplicates(key).set_index(key)[col]


def unified_customer_view(
    links: pd.DataFrame,
    source_records: pd.DataFrame,
    *,
    contracts: pd.DataFrame | None = None,
    interactions: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    operational_key: str = "true_customer_id",
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """One row per resolved customer: identity, holdings across departments, contacts,
    incidents and value.

    The identity part comes from the records alone: how many records and departments
    hold the person, their account numbers, and the most frequent spelling of each field.
    The operational tables (contracts, interactions, incidents, transactions) are keyed by
    ``customer_id``; ``operational_key`` is the column of ``source_records`` giving the
    ``customer_id`` each record's account is posted under. In the synthetic market the
    departments post under the golden id, so it is ``true_customer_id``; each operational
    id is attached to the resolved customer holding most of its records, so resolution
    errors show up as they would in a real company (a wrongly merged pair adds two
    people's holdings, a split person leaves a duplicate with no holdings).

    Parameters
    ----------
    links : DataFrame
        ``record_id`` -> ``resolved_id`` (from :func:`resolve_identities`).
    source_records : DataFrame
        The department records.
    contracts, interactions, incidents, transactions : DataFrame, optional
        Market tables; each adds its columns to the view.
    products : DataFrame, optional
        With ``contracts``: adds the ``sector`` split of active contracts.
    operational_key : str
        Column of ``source_records`` linking a record to the operational ``customer_id``.
    as_of : date, optional
        Date at which contracts count as active (default: the latest contract date).

    Returns
    -------
    DataFrame
        Indexed by ``resolved_id``: ``n_records``, ``n_systems``, ``systems``,
        ``accounts``, ``first_name``, ``last_name``, ``birth_date``, ``email``,
        ``phone``, ``postcode``, ``city`` then, when given, ``active_contracts``,
        ``products_held``, ``bank_contracts``/``insurance_contracts``, ``interactions``,
        ``contact_cost``, ``last_contact``, ``incidents``, ``margin``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"record_id": ["r1", "r2"], "system": ["bank_core", "insurance_auto"],
    ...     "account_number": ["B1", "A1"], "first_name": ["Marie", "Marie"],
    ...     "last_name": ["Martin", "Martin"], "birth_date": pd.to_datetime(["1970-01-01"] * 2),
    ...     "email": [None, "m@x.fr"], "phone": [None, None], "address": ["1 rue A", None],
    ...     "postcode": ["35000", None], "city": ["Rennes", None], "true_customer_id": [7, 7]})
    >>> links = pd.DataFrame({"record_id": ["r1", "r2"], "resolved_id": [1, 1]})
    >>> incidents = pd.DataFrame({"incident_id": [1], "customer_id": [7],
    ...     "date": pd.to_datetime(["2020-01-01"]), "type": ["price_rise"], "response": ["none"]})
    >>> view = unified_customer_view(links, recs, incidents=incidents)
    >>> view[["n_records", "systems", "email", "incidents"]]  # doctest: +NORMALIZE_WHITESPACE
                 n_records                   systems   email  incidents
    resolved_id
    1                    2  bank_core|insurance_auto  m@x.fr          1
    """
    schema.check_not_empty(links, "links")
    schema.check_columns(links, "links", {"record_id": "string", "resolved_id": "int"})
    schema.check_unique(links, "links", "record_id")
    schema.validate(source_records, "source_records", columns=_IDENTITY)
    recs = source_records.merge(links[["record_id", "resolved_id"]], on="record_id", how="left")
    lost = recs["resolved_id"].isna()
    if lost.any():
        schema._fail("source_records", "record_id", "not in links", lost, recs)
    recs["resolved_id"] = recs["resolved_id"].astype(np.int64)
    recs = recs.sort_values("record_id", kind="stable").reset_index(drop=True)
    g = recs.groupby("resolved_id")
    view = pd.DataFrame(
        {
            "n_records": g.size(),
            "n_systems": g["system"].nunique(),
            "systems": join_distinct(recs, "resolved_id", "system"),
            "accounts": g["account_number"].agg("|".join),
        }
    )
    for col in ("first_name", "last_name", "birth_date", "email", "phone", "postcode", "city"):
        view[col] = _most_frequent(recs, "resolved_id", col).reindex(view.index)
    tables = (contracts, interactions, incidents, transactions)
    if all(t is None for t in tables):
        return view

    schema.check_columns(source_records, "source_records", {operational_key: "int"})
    own = recs.groupby([operational_key, "resolved_id"]).size().rename("n").reset_index()
    own = own.sort_values([operational_key, "n", "resolved_id"], ascending=[True, False, True])
    crosswalk = own.drop_duplicates(operational_key).set_index(operational_key)["resolved_id"]

    def attach(df: pd.DataFrame) -> pd.DataFrame:
        out = df.assign(resolved_id=df["customer_id"].map(crosswalk))
        return out.dropna(subset=["resolved_id"]).astype({"resolved_id": np.int64})

    if contracts is not None:
        schema.validate(
            contracts, "contracts", columns=["contract_id", "customer_id", "product_id",
                                             "start_date", "end_date"],
        )
        day = (schema.as_timestamp(as_of) if as_of is not None
               else contracts["start_date"].max())
        active = contracts[running_on(contracts, day)]
        c = attach(active)
        cg = c.groupby("resolved_id")
        view["active_contracts"] = cg.size().reindex(view.index, fill_value=0)
        view["products_held"] = join_distinct(c, "resolved_id", "product_id").reindex(
            view.index, fill_value="")
        if products is not None:
            schema.validate(products, "products", columns=["product_id", "sector"])
            c = c.merge(products[["product_id", "sector"]], on="product_id", how="left")
            split = c.pivot_table(index="resolved_id", columns="sector", values="contract_id",
                                  aggfunc="count", fill_value=0)
            for sector in schema.SECTORS:
                col = split[sector] if sector in split else pd.Series(dtype=float)
                view[f"{sector}_contracts"] = col.reindex(view.index, fill_value=0).astype(int)
    if interactions is not None:
        schema.validate(interactions, "interactions",
                        columns=["interaction_id", "customer_id", "date", "cost"])
        ig = attach(interactions).groupby("resolved_id")
        view["interactions"] = ig.size().reindex(view.index, fill_value=0)
        view["contact_cost"] = ig["cost"].sum().reindex(view.index, fill_value=0.0)
        view["last_contact"] = ig["date"].max().reindex(view.index)
    if incidents is not None:
        schema.validate(incidents, "incidents", columns=["incident_id", "customer_id"])
        n = attach(incidents).groupby("resolved_id").size()
        view["incidents"] = n.reindex(view.index, fill_value=0)
    if transactions is not None:
        schema.validate(transactions, "transactions", columns=["customer_id", "margin"])
        margin = attach(transactions).groupby("resolved_id")["margin"].sum()
        view["margin"] = margin.reindex(view.index, fill_value=0.0)
    return view
