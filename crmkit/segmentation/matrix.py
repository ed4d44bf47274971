"""The profitability matrix: current profitability x potential profitability.

The lecture slides ("la rentabilité") cross the customer's current profitability with their
potential and names four quadrants:

====================  ====================  ====================
potential \\ current   high                  low
====================  ====================  ====================
high                  desirable (2)         under-developed (1)
low                   mature (3)            undesirable (4)
====================  ====================  ====================

and warns that the matrix is static (re-check it regularly) and that, before calling a
customer *non-priority*, one must make sure that the customer is not a reference customer
to keep whatever they spend, is not about to grow fast, and is not a customer of another
division of the company. :func:`profitability_matrix` applies those three checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases, renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import ordered_categorical, require, threshold

__all__ = ["profitability_matrix", "MATRIX_QUADRANTS"]

MATRIX_QUADRANTS = ("desirable", "under_developed", "mature", "undesirable")

# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {
    "MATRIX_LABELS_FR": ("value_quadrant", MATRIX_QUADRANTS),
    "CHECK_LABELS_FR": ("matrix_check", ("reference_customer", "fast_growing", "other_division")),
})

#: The parameters of :func:`profitability_matrix`, also those of
#: :func:`crmkit.value.value_strategies` (``crmkit._docs.fill``).
MATRIX_DOCS = {
    "matrix_params": """\
current_col, potential_col : str
    Current profitability (e.g. direct profit) and potential (future profit).
customer_col : str
    Customer key.
current_threshold, potential_threshold : float or "median"
    A value at or above the threshold is "high".
reference_col : str, optional
    Boolean column: a reference customer to keep whatever they spend.
growth_col, growth_threshold : str and float, optional
    Growth measure (e.g. yearly growth of margin) and the level at or above which the
    customer counts as fast-growing. Both or neither.
other_division_col : str, optional
    Boolean column: also a customer of another division (e.g. holds products of the
    other sector).
table : str, default "customers"
    Table name used in error messages.""",
}


@renamed_keywords(id_col="customer_col")
@fill(**MATRIX_DOCS)
def profitability_matrix(
    df: pd.DataFrame,
    *,
    current_col: str = "direct_profit",
    potential_col: str = "potential",
    customer_col: str = "customer_id",
    current_threshold: float | str = "median",
    potential_threshold: float | str = "median",
    reference_col: str | None = None,
    growth_col: str | None = None,
    growth_threshold: float | None = None,
    other_division_col: str | None = None,
    table: str = "customers",
) -> pd.DataFrame:
    """Place each customer in the current x potential profitability matrix.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    {matrix_params}

    Returns
    -------
    DataFrame
        ``customer_col``, ``current``, ``potential``, ``high_current``, ``high_potential``,
        ``quadrant`` (ordered categorical, :data:`MATRIX_QUADRANTS`), ``check`` (the first
        check that protects an undesirable customer: ``reference_customer``,
        ``fast_growing``, ``other_division`` or ``""``) and ``non_priority`` (undesirable
        and protected by no check).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
    ...                    "direct_profit": [500.0, -20, 400, 10, 5],
    ...                    "potential": [900.0, 800, 50, 0, 10],
    ...                    "reference": [False, False, False, False, True]})
    >>> m = profitability_matrix(df, current_threshold=100, potential_threshold=100,
    ...                          reference_col="reference")
    >>> m[["customer_id", "quadrant", "check", "non_priority"]]
       customer_id         quadrant               check  non_priority
    0            1        desirable                             False
    1            2  under_developed                             False
    2            3           mature                             False
    3            4      undesirable                              True
    4            5      undesirable  reference_customer         False
    """
    cols: dict[str, str | None] = {customer_col: None, current_col: "number", potential_col: "number"}
    if (growth_col is None) != (growth_threshold is None):
        raise ValueError("give both growth_col and growth_threshold, or neither")
    checks = [
        ("reference_customer", reference_col, "bool"),
        ("fast_growing", growth_col, "number"),
        ("other_division", other_division_col, "bool"),
    ]
    for _, col, kind in checks:
        if col is not None:
            cols[col] = kind
    require(df, table, cols)
    schema.check_key(df, table, customer_col)
    current = df[current_col]
    potential = df[potential_col]
    high_c = (current >= threshold(current, current_threshold, "current_threshold")).to_numpy()
    high_p = (potential >= threshold(potential, potential_threshold, "potential_threshold"))
    high_p = high_p.to_numpy()
    quadrant = np.select(
        [high_c & high_p, ~high_c & high_p, high_c & ~high_p],
        ["desirable", "under_developed", "mature"],
        default="undesirable",
    )
    undesirable = quadrant == "undesirable"
    check = np.full(len(df), "", dtype=object)
    # the first check in the seed's order that fires is the reason kept
    for name, col, _ in reversed(checks):
        if col is None:
            continue
        fires = df[col].to_numpy() >= growth_threshold if name == "fast_growing" else (
            df[col].to_numpy(dtype=bool)
        )
        check = np.where(undesirable & fires, name, check)
    return pd.DataFrame(
        {
            customer_col: df[customer_col].to_numpy(),
            "current": current.to_numpy(),
            "potential": potential.to_numpy(),
            "high_current": high_c,
            "high_potential": high_p,
            "quadrant": ordered_categorical(quadrant, MATRIX_QUADRANTS),
            "check": pd.array(check, dtype="str"),
            "non_priority": undesirable & (check == ""),
        },
        index=df.index,
    )
