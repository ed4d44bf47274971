"""Exercises of Chapter 7, running a CRM project (ids ``ch7.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the inputs the notebook passes to :func:`crmkit.exercises.check` (the tables the student
worked on), so no expected value is written anywhere a student reads.

- ``ch7.churn_per_win``: customers lost for every customer won, the figure the usual
  report leaves out;
- ``ch7.red_cells``: the KPI dashboard with a more ambitious retention target;
- ``ch7.payback_dearer_licences``: the programme's payback when licences cost more;
- ``ch7.exposed_cause``: the cause of failure a company's self-assessment leaves most open;
- ``ch7.loss_ratio_by_product`` (multi-step): the pricing process's loss ratio, product by
  product, from contracts, products and transactions;
- ``ch7.refusal_replacement_cost`` (multi-step): what the customers lost after refused
  claims cost to replace, per 100 refusals: where the claims process's objective meets
  retention.

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> split = pd.DataFrame({"acquired": [100.0, 200.0], "churned": [150.0, 150.0]},
...                      index=pd.Index([2020, 2021], name="year"))
>>> check("ch7.churn_per_win", 1.0, split=split).correct
True
"""

from __future__ import annotations

import pandas as pd

from crmkit import loyalty, project
from crmkit.exercises._core import register
from crmkit.schema import check_columns, check_not_empty

__all__: list[str] = []


@register(
    "ch7.churn_per_win",
    hint="Sum the customers who left (churned) and the customers won (acquired) over the "
         "years 2020 to 2024 of the reporting split, then divide the first sum by the second.",
    tolerance=0.0005,
    explanation="For every customer the usual report celebrates, this many left through "
                "the drain in the same years: the report shows only the tap.",
)
def _churn_per_win(split: pd.DataFrame, *, first_year: int = 2020, last_year: int = 2024) -> float:
    check_not_empty(split, "split")
    check_columns(split, "split", {"acquired": "number", "churned": "number"})
    years = split.loc[(split.index >= first_year) & (split.index <= last_year)]
    return float(years["churned"].sum() / years["acquired"].sum())


@register(
    "ch7.red_cells",
    hint="Copy project.kpi_targets(), set the target of retention_rate to 0.93, run "
         "project.kpi_dashboard on the chapter's measures with these targets and count the "
         "rows whose status is red.",
    explanation="An ambitious target turns amber years red: targets are choices, and a "
                "dashboard is only as demanding as its targets.",
)
def _red_cells(measures: pd.DataFrame, *, retention_target: float = 0.93) -> int:
    targets = project.kpi_targets()
    targets.loc[targets["kpi"] == "retention_rate", "target"] = retention_target
    board = project.kpi_dashboard(measures, targets)
    return int((board["status"] == "red").sum())


@register(
    "ch7.payback_dearer_licences",
    hint="Multiply the amount of the rows whose item is licences by 1.5 (leave the other "
         "rows alone), run project.programme_roi with the chapter's discount rate and read "
         "payback_years.",
    tolerance=0.01,
    explanation="Licences are a small part of the bill: half as dear again, they delay the "
                "payback only a little. People and data weigh more than software.",
)
def _payback_dearer_licences(cash_flows: pd.DataFrame, *, discount_rate: float = 0.08,
                            factor: float = 1.5) -> float:
    check_not_empty(cash_flows, "cash_flows")
    check_columns(cash_flows, "cash_flows", {"item": None, "amount": "number"})
    dearer = cash_flows.copy()
    licences = dearer["item"] == "licences"
    dearer.loc[licences, "amount"] = dearer.loc[licences, "amount"] * factor
    return project.programme_roi(dearer, discount_rate=discount_rate).payback_years


@register(
    "ch7.exposed_cause",
    hint="Run project.maturity_profile on the answers and, in its failure_risks table, take "
         "the id of the cause whose guarding factors have the lowest mean score.",
    explanation="The profile turns fifteen scores into a diagnosis: the cause of failure "
                "the project is least protected against is where to act first.",
)
def _exposed_cause(answers) -> str:
    risks = project.maturity_profile(answers).failure_risks
    return str(risks.loc[risks["mean_score"].idxmin(), "id"])


@register(
    "ch7.loss_ratio_by_product",
    hint="Keep the insurer's products (products.sector == 'insurance'), their contracts and "
         "the transactions of those contracts dated in 2024; sum the amounts by product and "
         "kind (premium, claim); divide claims by premiums. Answer with a Series indexed by "
         "product_id, keeping the products that earned premiums.",
    tolerance=0.001,
    explanation="Car and health cover pay out most of what they earn; home cover keeps "
                "more. A pricing process that only maximises sales would push the products "
                "with the thinnest margin.",
)
def _loss_ratio_by_product(contracts: pd.DataFrame, transactions: pd.DataFrame,
                           products: pd.DataFrame, *, year: int = 2024,
                           sector: str = "insurance") -> pd.Series:
    check_columns(products, "products", {"product_id": None, "sector": "string"})
    check_columns(contracts, "contracts", {"contract_id": None, "product_id": None})
    check_columns(transactions, "transactions", {"contract_id": None, "date": "datetime",
                                                 "kind": "string", "amount": "number"})
    mine = products.loc[products["sector"].astype(str) == sector, "product_id"]
    product_of = contracts.loc[contracts["product_id"].isin(mine)].set_index(
        "contract_id")["product_id"]
    flows = transactions.loc[transactions["contract_id"].isin(product_of.index)
                             & (transactions["date"].dt.year == year)]
    check_not_empty(flows, "transactions")
    sums = flows.pivot_table(index=flows["contract_id"].map(product_of), columns="kind",
                             values="amount", aggfunc="sum", fill_value=0.0)
    earned = sums.loc[sums.get("premium", 0.0) > 0]
    claims = earned["claim"] if "claim" in earned else 0.0
    return (claims / earned["premium"]).rename("loss_ratio").rename_axis("product_id")


@register(
    "ch7.refusal_replacement_cost",
    hint="Keep the insurer's customers (sector == 'insurance') and their incidents; run "
         "loyalty.incident_churn(..., by='type'); take churn_within_window of claim_refused "
         "minus that of no_incident (the extra departures per refusal), multiply by 100 and "
         "by the cost of a customer won (params.acquisition_cost).",
    rtol=0.001,
    explanation="The claims process books the claim it did not pay as a saving; the "
                "company pays again to win back the customers the refusals drove away.",
)
def _refusal_replacement_cost(customers: pd.DataFrame, incidents: pd.DataFrame,
                              acquisition_cost: float, *, sector: str = "insurance") -> float:
    check_columns(customers, "customers", {"customer_id": None, "sector": "string"})
    mine = customers.loc[customers["sector"].astype(str) == sector]
    rates = loyalty.incident_churn(mine, incidents.loc[incidents["customer_id"].isin(
        mine["customer_id"])], by="type").set_index("group")["churn_within_window"]
    return float((rates["claim_refused"] - rates["no_incident"]) * 100 * acquisition_cost)
