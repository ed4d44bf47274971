"""The benchmarks' baselines compute what crmkit computes: a ratio between two programs
that do different work would mean nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.bench_warehouse import groupby_rfm
from crmkit.segmentation.rfm import rfm


def test_pandas_groupby_rfm_is_crmkit_rfm(market):
    tx = market.transactions
    tx = tx.loc[tx["kind"] == "deposit", ["customer_id", "date", "amount"]]
    ours = rfm(tx, kinds=None)
    base = groupby_rfm(tx)
    assert len(ours) == len(base) > 500
    assert ours["customer_id"].tolist() == base["customer_id"].tolist()
    for col in ("recency_days", "frequency", "R", "F", "M", "rfm_score", "rfm_cell"):
        assert ours[col].astype(str).tolist() == base[col].astype(str).tolist(), col
    np.testing.assert_allclose(ours["monetary"], base["monetary"], rtol=1e-12)
    assert ours["rfm_segment"].astype(str).tolist() == base["rfm_segment"].astype(str).tolist()
    # every segment of the map is reached on the market: the comparison covers the rules
    assert pd.Series(base["rfm_segment"]).nunique() >= 8
