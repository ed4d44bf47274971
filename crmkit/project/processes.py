"""The insurer's four customer processes, measured on the customer data.

Course chapter 7, "The insurer's four customer processes". The course texts report a Nordic
insurer that ran its business on four processes, each with its own objectives: pricing
(limit the risks, sell, make attractive offers), distribution (answer fast, solicit
relevantly, sell), claims (limit costs and handling times) and marketing (awareness, image,
business opportunities). Its CRM project integrated them around one view of the customer.
:func:`process_measures` gives each process a yearly measure computed from the market's
tables, so that a project team sees the four side by side, and where one process's
objective works against another's (a refused claim saves the claims process money and
costs the company a customer).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.project.kpis import _yearly_lift

__all__ = ["PROCESS_OF", "process_measures"]

# measure -> the process it measures, in the order of the course texts
PROCESS_OF = {
    "loss_ratio": "pricing",
    "contracts_sold": "distribution",
    "sold_to_existing_share": "distribution",
    "claims_declared": "claims",
    "refused_claim_share": "claims",
    "campaign_lift": "marketing",
}


def process_measures(
    products: pd.DataFrame,
    contracts: pd.DataFrame,
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    incidents: pd.DataFrame,
    campaigns: pd.DataFrame,
    campaign_targets: pd.DataFrame,
    *,
    sector: str = "insurance",
    exclude_triggers: Iterable[str] = ("churn_risk",),
) -> pd.DataFrame:
    """One yearly measure (or two) per customer process of a sector's business.

    The measures are those the data can give of each process's objectives; response times,
    handling times and brand image are not in the customer tables.

    Parameters
    ----------
    products : DataFrame
        ``product_id``, ``sector``: the products, to keep the sector's contracts and
        campaigns.
    contracts : DataFrame
        ``contract_id``, ``customer_id``, ``product_id``, ``start_date``.
    transactions : DataFrame
        ``contract_id``, ``date``, ``kind``, ``amount``: premiums (``kind == "premium"``)
        and claims paid (``kind == "claim"``).
    interactions : DataFrame
        ``customer_id``, ``date``, ``reason``: the claims declared (``reason == "claim"``).
    incidents : DataFrame
        ``customer_id``, ``date``, ``type``: the refused claims (``type == "claim_refused"``).
    campaigns, campaign_targets : DataFrame
        The campaign tables; the sector's campaigns (by their product) count in the year
        they start, those whose trigger family is in ``exclude_triggers`` (retention calls)
        are left out.
    sector : str
        The sector whose processes are measured.
    exclude_triggers : iterable of str
        Trigger families left out of ``campaign_lift``.

    Returns
    -------
    DataFrame
        Index ``year`` (every year of the sector's transactions); columns (their
        process in :data:`PROCESS_OF`):

        - ``loss_ratio`` (pricing): claims paid per euro of premium;
        - ``contracts_sold`` (distribution): the sector's contracts started in the year;
        - ``sold_to_existing_share`` (distribution): the share of them sold to customers
          who already held a contract of the sector (started in an earlier year);
        - ``claims_declared`` (claims): claim declarations by the sector's customers;
        - ``refused_claim_share`` (claims): refused claims per claim declared;
        - ``campaign_lift`` (marketing): conversion of the contacted over that of the
          control group, the sector's campaigns of the year pooled (NaN without them).

    Raises
    ------
    SchemaError
        When a table misses a column or holds impossible values (negative amounts).
    ValueError
        When no product belongs to ``sector``.

    Examples
    --------
    >>> import pandas as pd
    >>> products = pd.DataFrame({"product_id": ["AUTO", "LOAN"],
    ...                          "sector": ["insurance", "bank"]})
    >>> contracts = pd.DataFrame({"contract_id": [1, 2, 3], "customer_id": [10, 10, 11],
    ...     "product_id": ["AUTO", "AUTO", "LOAN"],
    ...     "start_date": pd.to_datetime(["2023-03-01", "2024-02-01", "2024-05-01"])})
    >>> tr = pd.DataFrame({"contract_id": [1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-31", "2024-06-30", "2024-06-30", "2024-06-30"]),
    ...     "kind": ["premium", "claim", "premium", "fee"], "amount": [300.0, 90.0, 100.0, 5.0]})
    >>> it = pd.DataFrame({"customer_id": [10, 10], "reason": ["claim", "sale"],
    ...                    "date": pd.to_datetime(["2024-06-01", "2024-07-01"])})
    >>> inc = pd.DataFrame({"customer_id": [10], "type": ["claim_refused"],
    ...                     "date": pd.to_datetime(["2024-09-01"])})
    >>> ca = pd.DataFrame({"campaign_id": [1], "product_id": ["AUTO"], "trigger": ["none"],
    ...                    "start_date": pd.to_datetime(["2024-02-01"]), "test_share": [0.8]})
    >>> tg = pd.DataFrame({"campaign_id": 1, "customer_id": range(10),
    ...     "group": ["test"] * 5 + ["control"] * 5, "responded": False,
    ...     "converted": [True, True, False, False, False, True, False, False, False, False]})
    >>> m = process_measures(products, contracts, tr, it, inc, ca, tg)
    >>> m.loc[2024].round(3).to_dict()
    {'loss_ratio': 0.225, 'contracts_sold': 1.0, 'sold_to_existing_share': 1.0, 'claims_declared': 1.0, 'refused_claim_share': 1.0, 'campaign_lift': 2.0}
    """
    schema.require_columns(products, "products", {"product_id": None, "sector": "string"})
    schema.require_columns(contracts, "contracts", {"contract_id": None, "customer_id": None,
                                                    "product_id": None, "start_date": "datetime"})
    schema.require_columns(transactions, "transactions",
                           {"contract_id": None, "date": "datetime", "kind": "string",
                            "amount": "number"}, nonnegative=("amount",))
    schema.require_columns(interactions, "interactions",
                           {"customer_id": None, "date": "datetime", "reason": "string"})
    schema.require_columns(incidents, "incidents",
                           {"customer_id": None, "date": "datetime", "type": "string"})
    schema.require_columns(campaigns, "campaigns", {"campaign_id": None, "product_id": None,
                                                    "start_date": "datetime", "trigger": "string"})
    schema.validate(campaign_targets, "campaign_targets",
                    columns=["campaign_id", "customer_id", "group", "converted"])
    mine = products.loc[products["sector"].astype(str) == sector, "product_id"]
    if mine.empty:
        raise ValueError(f"no product of sector {sector!r} in products.sector")
    own = contracts.loc[contracts["product_id"].isin(mine)]
    year = own["start_date"].dt.year
    # sold to an existing customer: the customer held one of the sector's contracts before
    first_year = year.groupby(own["customer_id"]).transform("min")
    sold = year.value_counts().sort_index()
    to_existing = (year > first_year).groupby(year).mean()

    flows = transactions.loc[transactions["contract_id"].isin(own["contract_id"])]
    by_kind = flows.pivot_table(index=flows["date"].dt.year, columns="kind", values="amount",
                                aggfunc="sum", fill_value=0.0)
    premium = by_kind.get("premium", pd.Series(0.0, index=by_kind.index))
    claims = by_kind.get("claim", pd.Series(0.0, index=by_kind.index))
    years = pd.Index(sorted(by_kind.index), name="year")  # the years the data cover

    customers = own["customer_id"].unique()
    declared = interactions.loc[(interactions["reason"].astype(str) == "claim")
                                & interactions["customer_id"].isin(customers)]
    declared = declared.groupby(declared["date"].dt.year).size().reindex(years, fill_value=0)
    refused = incidents.loc[(incidents["type"].astype(str) == "claim_refused")
                            & incidents["customer_id"].isin(customers)]
    refused = refused.groupby(refused["date"].dt.year).size().reindex(years, fill_value=0)

    own_campaigns = campaigns.loc[campaigns["product_id"].isin(mine)]
    lift = _yearly_lift(own_campaigns, campaign_targets, years, exclude_triggers)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "loss_ratio": (claims / premium.where(premium > 0)).reindex(years),
            "contracts_sold": sold.reindex(years, fill_value=0).astype(float),
            "sold_to_existing_share": to_existing.reindex(years),
            "claims_declared": declared.astype(float),
            "refused_claim_share": refused / declared.where(declared > 0),
            "campaign_lift": lift.to_numpy(dtype=float),
        }, index=years)
    return out
