"""What the message should do first: the learn-feel-do (FCB) grid.

Course chapter 5, "What the message should do first". Vaughn's (1980) FCB grid places a
product by involvement (high, low) and mode (think, feel); each quadrant has its order of
learning, feeling and doing, which tells a campaign what its message must achieve first.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from crmkit import schema

__all__ = ["FCB_QUADRANTS", "LEARN_FEEL_DO_QUADRANT", "fcb_classification",
           "learn_feel_do_grid"]

FCB_PRODUCTS = Path(__file__).resolve().parents[1] / "data" / "fcb_products.yaml"


# Vaughn's (1980) FCB grid: involvement x think/feel, and the order in which people learn,
# feel and act in each quadrant (the lecture slides' four quadrants)
FCB_QUADRANTS = pd.DataFrame(
    [("learning", "high", "think", "learn > feel > do"),
     ("affectivity", "high", "feel", "feel > learn > do"),
     ("routine", "low", "think", "do > learn > feel"),
     ("hedonism", "low", "feel", "do > feel > learn")],
    columns=["fcb_quadrant", "involvement", "mode", "sequence"],
)
# the first response a product calls for (products.learn_feel_do) -> its quadrant; a
# first response of "doing" is routine for a bank or an insurer (no small pleasures)
LEARN_FEEL_DO_QUADRANT = {"cognitive": "learning", "affective": "affectivity",
                          "conative": "routine"}


def learn_feel_do_grid(
    products: pd.DataFrame,
    mapping: dict | None = None,
    *,
    involvement_col: str | None = None,
    mode_col: str | None = None,
) -> pd.DataFrame:
    """Place products in the FCB grid, from its two variables or from a first response.

    Vaughn's grid crosses two variables: involvement (``high`` or ``low``) and mode
    (``think`` or ``feel``). Given both columns (``involvement_col``, ``mode_col``), each
    product lands in the quadrant of its pair, so that every quadrant can be reached.
    Without them, the product's first response (``learn_feel_do``) is mapped to a quadrant
    by ``mapping``: one variable of three values reaches at most three quadrants, so a
    quadrant is empty *by construction* (hedonism, with the default mapping) and its
    emptiness says nothing about the products.

    Parameters
    ----------
    products : DataFrame
        ``product_id``, and either the two columns named by ``involvement_col`` and
        ``mode_col`` or ``learn_feel_do`` (``cognitive``, ``affective``, ``conative``).
    mapping : dict, optional
        ``learn_feel_do`` -> quadrant of :data:`FCB_QUADRANTS` (default
        :data:`LEARN_FEEL_DO_QUADRANT`); used only without the two variables.
    involvement_col, mode_col : str, optional
        Columns holding each product's involvement (``high``/``low``) and mode
        (``think``/``feel``); give both or neither.

    Returns
    -------
    DataFrame
        ``products`` with ``fcb_quadrant``, ``involvement`` (high / low), ``mode``
        (think / feel) and ``sequence`` (the order of the three responses).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CARD"],
    ...                   "learn_feel_do": ["cognitive", "conative"]})
    >>> learn_feel_do_grid(p)[["product_id", "fcb_quadrant", "sequence"]]
       product_id fcb_quadrant           sequence
    0  B_MORTGAGE     learning  learn > feel > do
    1      B_CARD      routine  do > learn > feel

    From the two variables, every quadrant is reachable:

    >>> two = pd.DataFrame({"product_id": ["A", "B"], "inv": ["low", "high"],
    ...                     "how": ["feel", "feel"]})
    >>> learn_feel_do_grid(two, involvement_col="inv", mode_col="how")["fcb_quadrant"].tolist()
    ['hedonism', 'affectivity']
    """
    if (involvement_col is None) != (mode_col is None):
        raise ValueError("give both involvement_col and mode_col, or neither")
    if involvement_col is not None:
        if mapping is not None:
            raise ValueError("mapping applies to learn_feel_do; with the two variables, "
                             "leave it out")
        schema.require_columns(products, "products", {"product_id": "string",
                                                      involvement_col: "string",
                                                      mode_col: "string"})
        schema.check_key(products, "products")
        schema.check_allowed(products, "products", involvement_col, ["high", "low"])
        schema.check_allowed(products, "products", mode_col, ["think", "feel"])
        pairs = FCB_QUADRANTS.set_index(["involvement", "mode"])["fcb_quadrant"]
        keys = pd.MultiIndex.from_arrays([products[involvement_col].astype(str),
                                          products[mode_col].astype(str)])
        quadrant = pd.Series(pairs.reindex(keys).to_numpy(), index=products.index)
    else:
        mapping = LEARN_FEEL_DO_QUADRANT if mapping is None else dict(mapping)
        bad = set(mapping.values()) - set(FCB_QUADRANTS["fcb_quadrant"])
        if bad:
            raise ValueError(f"unknown quadrant(s) {sorted(bad)}; use "
                             f"{FCB_QUADRANTS['fcb_quadrant'].tolist()}")
        schema.require_columns(products, "products", {"product_id": "string",
                                                      "learn_feel_do": "string"})
        schema.check_key(products, "products")
        schema.check_allowed(products, "products", "learn_feel_do", list(mapping))
        quadrant = products["learn_feel_do"].astype(str).map(mapping)
    info = FCB_QUADRANTS.set_index("fcb_quadrant").reindex(quadrant.to_numpy())
    out = products.copy()
    out["fcb_quadrant"] = quadrant.to_numpy()
    for col in ("involvement", "mode", "sequence"):
        out[col] = info[col].to_numpy()
    return out


def fcb_classification(path: str | Path | None = None) -> pd.DataFrame:
    """Each product's involvement and mode, the two variables of the FCB grid.

    Read from ``crmkit/data/fcb_products.yaml``: the kit's teaching assumption for the
    products of the course market, placed by two rules written in the file (involvement is
    high for a commitment of years or of a large sum; the mode is *feel* when the desire for
    what the product pays for comes first), each product with the reason for its place.
    It is not a measurement: a company would ask its customers Vaughn's involvement and
    think/feel questions.

    Parameters
    ----------
    path : str or Path, optional
        Another file of the same layout (default: the kit's).

    Returns
    -------
    DataFrame
        One row per product: ``product_id``, ``involvement`` (``high``/``low``), ``mode``
        (``think``/``feel``) and ``why``; ready for :func:`learn_feel_do_grid`'s
        ``involvement_col`` and ``mode_col``.

    Raises
    ------
    ValueError
        When a product's involvement or mode is not one of the grid's values, or its reason
        is missing.

    Examples
    --------
    >>> fcb = fcb_classification()
    >>> fcb.set_index("product_id").loc["B_CONSUMER", ["involvement", "mode"]].tolist()
    ['high', 'feel']
    >>> sorted(fcb["involvement"].unique()), sorted(fcb["mode"].unique())
    (['high', 'low'], ['feel', 'think'])
    """
    with open(path or FCB_PRODUCTS, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    rows = [{"product_id": pid, **spec} for pid, spec in (data or {}).get("products", {}).items()]
    out = pd.DataFrame(rows, columns=["product_id", "involvement", "mode", "why"])
    bad = (~out["involvement"].isin(["high", "low"]) | ~out["mode"].isin(["think", "feel"])
           | out["why"].astype("string").str.strip().fillna("").eq(""))
    if out.empty or bad.any():
        raise ValueError(f"{path or FCB_PRODUCTS}: each product needs involvement high/low, "
                         f"mode think/feel and a reason; check {out.loc[bad, 'product_id'].tolist()}")
    return out
