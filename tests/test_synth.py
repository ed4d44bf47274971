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


def test_datasheet_documents_every_table_and_column():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "book" / "datasheet.md").read_text()
    for name, table in TABLES.items():
        assert f"### `{name}`" in text, name
        for col in table.names:
            assert f"| `{col}` |" in text, f"{name}.{col}"
    for persona in ("student", "young_driver", "price_hunter", "loyal_traditional", "senior"):
        assert f"`{persona}`" in text


def test_products_match_the_sector():
    from crmkit.synth import generate

    bank = generate(customers=300, years=1, sector="bank", seed=2)
    assert set(bank.customers.sector.astype(str)) == {"bank"}
    assert bank.contracts.product_id.str.startswith("B_").all()
    assert set(bank.products.product_id) == set(bank.products[bank.products.sector == "bank"].product_id)


def test_shipped_sample_is_small_and_current():
    from pathlib import Path

    from crmkit.datasets import SAMPLE_MARKET, _matches

    folder = Path(__file__).resolve().parents[1] / "datasets" / "sample"
    assert sum(f.stat().st_size for f in folder.iterdir()) < 2 * 2**20
    assert _matches(folder, SAMPLE_MARKET), "rebuild it: python -m crmkit.datasets --sample --force"
