"""Example exercises on a hand-made table: the pattern chapter authors copy.

The table is ten customers of a small insurer, small enough to check by hand. Each
exercise registers a *solution function* that computes the expected answer from the table
the student passes (or from this one), so the answer is never written anywhere a student
reads; the textual quiz is registered by the digest of its accepted answers.

Examples
--------
>>> from crmkit.exercises import check
>>> from crmkit.exercises.example import example_customers
>>> customers = example_customers()
>>> check("example.total_margin", customers["margin"].sum()).correct
True
>>> check("example.loss_makers", {3}, customers=customers)
✗ Not yet — example.loss_makers: 1 expected item(s) are missing. Hint: Keep the rows whose margin is below zero and collect their customer_id.
"""

from __future__ import annotations

import pandas as pd

from crmkit.exercises._core import register, register_answer
from crmkit.schema import check_columns, check_not_empty

__all__ = ["example_customers"]


def example_customers() -> pd.DataFrame:
    """Ten customers: id, region, yearly margin (euros), products held, churned or not.

    Returns
    -------
    DataFrame
        ``customer_id``, ``region``, ``margin``, ``products_held``, ``churned``; one row
        per customer.

    Examples
    --------
    >>> example_customers().shape
    (10, 5)
    >>> example_customers().dtypes["churned"]
    dtype('bool')
    """
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "region": ["Bretagne", "Bretagne", "Normandie", "Normandie", "Occitanie",
                       "Occitanie", "Occitanie", "Bretagne", "Normandie", "Occitanie"],
            "margin": [820.0, 410.0, -120.0, 260.0, 95.0, 1540.0, 35.0, -60.0, 180.0, 15.0],
            "products_held": [4, 3, 1, 2, 1, 5, 1, 2, 2, 1],
            "churned": [False, False, True, False, True, False, True, False, False, True],
        }
    )


def _customers(customers: pd.DataFrame | None) -> pd.DataFrame:
    df = example_customers() if customers is None else customers
    check_not_empty(df, "customers")
    check_columns(df, "customers", {"customer_id": "int", "region": "string", "margin": "number",
                                    "products_held": "int", "churned": "bool"})
    return df


@register("example.total_margin", hint="Add up the margin column.", tolerance=0.01)
def _total_margin(customers: pd.DataFrame | None = None) -> float:
    return float(_customers(customers)["margin"].sum())


@register(
    "example.top20_share",
    hint="Rank customers by margin (best first), keep the top 20 % of them, and divide their "
         "margin by the total margin. Give a fraction between 0 and 1.",
    tolerance=0.005,
    explanation="A fifth of the customers carries most of the margin: value is concentrated.",
)
def _top20_share(customers: pd.DataFrame | None = None) -> float:
    df = _customers(customers)
    n_top = max(int(round(0.2 * len(df))), 1)
    return float(df["margin"].nlargest(n_top).sum() / df["margin"].sum())


@register("example.loss_makers", hint="Keep the rows whose margin is below zero and collect their customer_id.")
def _loss_makers(customers: pd.DataFrame | None = None) -> set:
    df = _customers(customers)
    return set(df.loc[df["margin"] < 0, "customer_id"].tolist())


@register("example.best_region", hint="Sum the margin by region and take the region with the largest total.")
def _best_region(customers: pd.DataFrame | None = None) -> str:
    return str(_customers(customers).groupby("region")["margin"].sum().idxmax())


@register("example.margin_by_region", hint="Group by region and sum the margin.", tolerance=0.01)
def _margin_by_region(customers: pd.DataFrame | None = None) -> pd.Series:
    return _customers(customers).groupby("region")["margin"].sum()


@register(
    "example.churn_by_products",
    hint="Group by products_held; per group count the customers and take the mean of churned. "
         "Columns: products_held, customers, churn_rate.",
    tolerance=0.001,
    ignore_index=True,
)
def _churn_by_products(customers: pd.DataFrame | None = None) -> pd.DataFrame:
    g = _customers(customers).groupby("products_held")
    return pd.DataFrame({"customers": g.size(), "churn_rate": g["churned"].mean()}).reset_index()


@register("example.churn_falls_with_products",
          hint="Compare the churn rate of single-product customers with that of the others.")
def _churn_falls_with_products(customers: pd.DataFrame | None = None) -> bool:
    df = _customers(customers)
    single = df["products_held"] == 1
    return bool(df.loc[single, "churned"].mean() > df.loc[~single, "churned"].mean())


# A textual quiz: "A customer renews every year out of habit, with no preference for the
# brand. Which Dick & Basu loyalty type?" Accepted answers are stored as digests only
# (English or French term), so reading this file does not give them away.
register_answer(
    "example.loyalty_type",
    [
        "756b7e43ebb91033ccf2df2492bbdfff8dff270b95d9611f4e91c88dc413b491",
        "fc89d5643af7927972c5b3556bfe07b65ddb661b288d49c09a9dae754a5e2b17",
        "6ecce41449124db2f50652ed576c50317ad51c69f5cd1b9e54df43332e462c7a",
    ],
    hint="Place the customer on the two axes: repeat patronage, then relative attitude.",
    explanation="Inertia without preference: repeat buying with a low relative attitude.",
)
