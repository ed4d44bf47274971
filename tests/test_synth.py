"""The synthetic market: every table is generated and passes its schema."""

from __future__ import annotations

import pytest

from crmkit.io import MARKET_TABLES
from crmkit.schema import TABLES, validate


@pytest.mark.parametrize("name", MARKET_TABLES)
def test_every_table_passes_its_schema(market, name):
    df = market[name]
    validate(df, name)
    assert list(df.columns) == TABLES[name].names
