"""crmkit.schema: the public validation layer (pandera schemas of the market and derived
tables, crmkit's one error shape) and the functions' outputs checked against them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit import clv, loyalty, schema, value
from crmkit import segmentation as seg
from crmkit.schema import SchemaError


@pytest.fixture(scope="module")
def sample():
    from crmkit.datasets import load_sample

    return load_sample()


def test_every_market_table_of_the_sample_passes(sample):
    for name, df in sample.tables().items():
        assert schema.validate(df, name) is df


# ---------------------------------------------------------------------------------------
# the refusals of the central layer, each one error naming table, column and rows
# ---------------------------------------------------------------------------------------
def _tx():
    return pd.DataFrame({
        "customer_id": [1, 1, 2], "contract_id": [1, 1, 2],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "kind": ["premium", "fee", "claim"], "amount": [10.0, 20.0, 30.0],
        "margin": [1.0, 2.0, -3.0]})


@pytest.mark.parametrize("change,match", [
    (lambda t: t.assign(amount=[1e308, 1e308, 1.0]),
     r"transactions\.amount: 2 row\(s\) too large: the column's sum overflows.*\[0, 1\]"),
    (lambda t: t.assign(margin=[1.0, np.inf, -np.inf]),
     r"transactions\.margin: 2 row\(s\) infinite value\(s\); first offending rows \(index\): \[1, 2\]"),
    (lambda t: t.assign(amount=[1.0, np.nan, 2.0]),
     r"transactions\.amount: 1 row\(s\) missing value\(s\); first offending rows \(index\): \[1\]"),
    (lambda t: t.assign(amount=[1.0, -2.0, 2.0]),
     r"transactions\.amount: 1 row\(s\) negative; first offending rows \(index\): \[1\]"),
    (lambda t: t.assign(kind=["premium", "bonus", "fee"]),
     r"transactions\.kind: 1 row\(s\) not in \['premium'.*\(found \['bonus'\]\).*\[1\]"),
    (lambda t: t.assign(date=t["date"].dt.tz_localize("UTC")),
     r"transactions\.date: time-zone-aware dates"),
    (lambda t: t.assign(date=pd.Series(np.array(["2024-01-01", "2300-01-01", "2024-01-02"],
                                                 dtype="datetime64[s]"))),
     r"transactions\.date: 1 row\(s\) outside pandas' nanosecond date range.*\[1\]"),
    (lambda t: t.assign(customer_id=pd.Series([1, "1", 2], dtype=object)),
     r"transactions\.customer_id: (1 row\(s\) are strings|expected int)"),
])
def test_bad_transactions_get_one_clear_error(change, match):
    with pytest.raises(SchemaError, match=match):
        schema.validate(change(_tx()), "transactions")


def test_mixed_ids_are_refused_even_where_only_presence_is_checked():
    df = pd.DataFrame({"customer_id": pd.Series([1, "1", 2], dtype=object), "x": [1, 2, 3]})
    with pytest.raises(SchemaError, match=r"t\.customer_id: 1 row\(s\) are strings.*\[1\]"):
        schema.require_columns(df, "t", {"customer_id": None, "x": "int"})
    # one type of id, numbers or strings, is fine
    schema.require_columns(df.assign(customer_id=["1", "1", "2"]), "t", {"customer_id": None})


def test_duplicated_keys_and_ordering_rules():
    cu = pd.DataFrame({"customer_id": [1, 2, 2],
                       "acquisition_date": pd.to_datetime(["2020-01-01"] * 3),
                       "churn_date": pd.to_datetime([None, "2019-01-01", None])})
    with pytest.raises(SchemaError, match=r"customers\.churn_date: 1 row\(s\) before "
                                          r"acquisition_date; first offending rows \(index\): \[1\]"):
        schema.validate(cu, "customers", columns=["acquisition_date", "churn_date"])
    with pytest.raises(SchemaError, match=r"customers\.customer_id: 2 row\(s\) duplicated key.*\[1, 2\]"):
        schema.validate(cu.assign(churn_date=pd.NaT), "customers",
                        columns=["customer_id", "acquisition_date", "churn_date"])
    with pytest.raises(SchemaError, match=r"customers\.customer_id: 2 row\(s\) duplicated key"):
        schema.require_columns(cu, "customers", {"customer_id": "int"}, unique="customer_id")


def test_bounds_of_scores_and_shares():
    sv = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01"] * 2),
                       "satisfaction": [10, 11], "relative_attitude": [1.0, 7.0],
                       "repurchase_intent": [1, 5]})
    with pytest.raises(SchemaError, match=r"surveys\.satisfaction: 1 row\(s\) outside \[1, 10\].*\[1\]"):
        schema.validate(sv, "surveys")


def test_unknown_tables_are_named():
    with pytest.raises(SchemaError, match="unknown table 'customer'.*derived tables"):
        schema.validate(pd.DataFrame({"a": [1]}), "customer")


def test_pandera_schema_is_usable_alone():
    import pandera.errors as pe

    s = schema.pandera_schema("transactions")
    assert s.validate(_tx()) is not None
    with pytest.raises(pe.SchemaErrors):
        s.validate(_tx().assign(amount=[-1.0, 2.0, 3.0]), lazy=True)


# ---------------------------------------------------------------------------------------
# derived tables: the functions' outputs fit the schemas the next function expects
# ---------------------------------------------------------------------------------------
def test_clv_summary_fits_its_schema(sample):
    s = clv.clv_summary(sample.transactions, freq="W")
    assert schema.validate(s, "clv_summary") is s
    bad = s.assign(recency=s["T"] + 1.0)
    with pytest.raises(SchemaError, match=r"clv_summary\.recency: \d+ row\(s\) greater than T"):
        schema.validate(bad, "clv_summary")


def test_rfm_table_fits_its_schema(sample):
    r = seg.rfm_table(sample.transactions)
    schema.validate(r, "rfm_table")
    with pytest.raises(SchemaError, match=r"rfm_table\.monetary: 1 row\(s\) negative"):
        schema.validate(r.assign(monetary=np.r_[-1.0, r["monetary"].to_numpy()[1:]]), "rfm_table")


def test_value_tier_panel_fits_its_schema(sample):
    p = clv.value_tier_panel(sample.transactions, sample.customers)
    schema.validate(p, "value_tier_panel")
    with pytest.raises(SchemaError, match=r"value_tier_panel\.customer_id\+period: \d+ row\(s\) duplicated key"):
        schema.validate(pd.concat([p, p.iloc[:1]], ignore_index=True), "value_tier_panel")


def test_customer_flows_fit_their_schema(sample):
    f = loyalty.customer_flows(sample.customers)
    schema.validate(f, "customer_flows")
    with pytest.raises(SchemaError, match=r"customer_flows\.end_stock: 1 row\(s\) not start_stock"):
        bad = f.copy()
        bad.iloc[1, bad.columns.get_loc("end_stock")] += 1
        schema.validate(bad, "customer_flows")


def test_direct_profit_fits_its_schema(sample):
    costs = value.cost_to_serve(sample.interactions)
    dp = value.direct_profit(sample.transactions, costs[["customer_id", "cost_to_serve"]])
    schema.validate(dp, "direct_profit", columns=["customer_id", "commercial_margin",
                                                   "cost_to_serve", "direct_profit"])
    with pytest.raises(SchemaError, match=r"direct_profit\.cost_to_serve: 1 row\(s\) negative"):
        schema.validate(dp.assign(cost_to_serve=np.r_[-5.0, dp["cost_to_serve"].to_numpy()[1:]]),
                        "direct_profit", columns=["customer_id", "cost_to_serve"])


def test_migration_matrix_fits_its_schema():
    before = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["a", "a", "b", "b"]})
    after = pd.DataFrame({"customer_id": [1, 2, 3, 5], "segment": ["a", "b", "b", "a"]})
    mm = seg.migration_matrix(before, after)
    schema.validate(mm, "migration_matrix")
    with pytest.raises(SchemaError, match=r"migration_matrix\.\*: 1 row\(s\) shares outside"):
        schema.validate(mm * 2.0, "migration_matrix")


def test_ground_truth_columns_are_checked_when_present_never_required():
    # a client's campaign targets carry no ground truth: validating the whole table must not
    # ask for the generator's teaching columns (project.kpi_measures did, after they were added)
    import pandas as pd

    from crmkit import schema

    truth = [c.name for c in schema.TABLES["campaign_targets"].columns if c.truth]
    assert truth, "the course market's campaign targets declare their ground-truth columns"
    client = pd.DataFrame({"campaign_id": [1, 1], "customer_id": [1, 2],
                           "group": ["test", "control"], "responded": [True, False],
                           "converted": [False, False]})
    assert schema.validate(client, "campaign_targets") is client
    # present, they are still checked: a probability above 1 is refused
    bad = client.assign(**{name: [0.2, 1.5] for name in truth})
    with pytest.raises(schema.SchemaError, match=truth[0]):
        schema.validate(bad, "campaign_targets")
