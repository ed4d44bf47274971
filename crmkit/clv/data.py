"""The CDNOW sample: the data set on which BG/NBD, Pareto/NBD and Gamma-Gamma were published.

2,357 customers of the online music retailer CDNOW who made their first purchase in the
first quarter of 1997, and every purchase they made until the end of June 1998 (6,919
rows). It is a 1/10th sample of the cohort analysed by Fader, Hardie & Lee (2005), made
available by Fader and Hardie for teaching and research and redistributed inside the MIT
licensed ``lifetimes`` package (``lifetimes/datasets/CDNOW_sample.txt``), from which the copy
in ``crmkit/data/cdnow_sample.txt`` was taken unchanged (see ``crmkit/data/cdnow_README.md``).
The papers calibrate on the first 39 weeks (to 30 September 1997) and hold out the next 39.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from crmkit.clv.summary import calibration_holdout

__all__ = ["load_cdnow", "CDNOW_CALIBRATION_END", "CDNOW_OBSERVATION_END"]

CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")


def read_cdnow_sample(path) -> pd.DataFrame:
    """Parse the whitespace-separated CDNOW sample file (master id, id, yyyymmdd, CDs, $)."""
    raw = pd.read_csv(path, sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "quantity", "amount"],
                      dtype={"date": str})
    return pd.DataFrame({
        "customer_id": raw["customer_id"].astype("int64"),
        "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "quantity": raw["quantity"].astype("int64"),
        "amount": raw["amount"].astype(float),
    })


def load_cdnow(kind: str = "summary") -> pd.DataFrame:
    """Load the CDNOW sample shipped with crmkit.

    Parameters
    ----------
    kind : {"summary", "transactions"}
        ``"transactions"``: one row per purchase (``customer_id``, ``date``, ``quantity`` of
        CDs, ``amount`` in dollars). ``"summary"``: the calibration/holdout summary of the
        papers, in weeks: ``frequency``, ``recency``, ``T``, ``monetary_value`` over the 39
        calibration weeks and ``frequency_holdout``, ``monetary_holdout``,
        ``duration_holdout`` over the next 39.

    Returns
    -------
    pandas.DataFrame
        The table of ``kind``; the summary has one row per customer (2,357 of them).

    Examples
    --------
    >>> from crmkit.clv import load_cdnow
    >>> s = load_cdnow()
    >>> len(s), int(s["frequency"].sum()), round(float(s["T"].max()), 2)
    (2357, 2457, 38.86)
    """
    with resources.as_file(resources.files("crmkit") / "data" / "cdnow_sample.txt") as p:
        tx = read_cdnow_sample(p)
    if kind == "transactions":
        return tx
    if kind == "summary":
        return calibration_holdout(tx, value="amount", calibration_end=CDNOW_CALIBRATION_END,
                                   observation_end=CDNOW_OBSERVATION_END, freq="W")
    raise ValueError(f"kind must be 'summary' or 'transactions', got {kind!r}")
