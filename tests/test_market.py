"""crmkit.market: the date rules on their boundaries, the table list, the import graph."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmkit import market, schema
from crmkit.market import (
    MARKET_TABLES,
    active_during,
    active_on,
    in_window,
    running_during,
    running_on,
)
from crmkit.schema import SchemaError

D = pd.Timestamp("2024-03-01")


def _customers():
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6],
        "acquisition_date": pd.to_datetime(["2020-01-01", "2024-03-01", "2024-03-02",
                                            "2019-01-01", "2019-01-01", None]),
        "churn_date": pd.to_datetime([None, None, None, "2024-03-01", "2024-03-02", None]),
    })


def test_active_on_is_acquisition_included_churn_excluded():
    cu = _customers()
    # 1 long-standing, 2 acquired that day (in), 3 acquired the next day (out), 4 leaves
    # that day (out), 5 leaves the next day (in), 6 has no acquisition date (never active)
    assert active_on(cu, D).tolist() == [True, True, False, False, True, False]
    assert active_on(cu, D).index.equals(cu.index)
    # active on d  <=>  acquired on or before d, minus those who left on or before d
    for day in pd.date_range("2018-12-31", "2024-03-03"):
        acquired = (cu["acquisition_date"] <= day).sum()
        left = (cu["churn_date"] <= day).sum()
        assert active_on(cu, day).sum() == acquired - left


def test_same_day_acquisition_and_churn_is_never_active():
    cu = pd.DataFrame({"acquisition_date": [D], "churn_date": [D]})
    days = pd.date_range(D - pd.Timedelta(days=2), D + pd.Timedelta(days=2))
    assert not any(active_on(cu, d).iloc[0] for d in days)
    assert not active_during(cu, "2000-01-01", "2100-01-01").iloc[0]


def test_running_on_with_a_day_per_row():
    co = pd.DataFrame({"start_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2024-01-01"]),
                       "end_date": pd.to_datetime(["2022-01-01", None, None])})
    day = pd.Series(pd.to_datetime(["2022-01-01", "2022-01-01", "2024-01-01"]))
    assert running_on(co, day).tolist() == [False, True, True]
    assert running_on(co, "2021-12-31").tolist() == [True, True, False]


def test_windows_partition_the_days():
    rng = np.random.default_rng(0)
    dates = pd.Series(pd.Timestamp("2019-06-01")
                      + pd.to_timedelta(rng.integers(0, 2000, 500), unit="D"))
    edges = pd.date_range("2019-01-01", "2025-01-01", freq="YS")
    counts = [in_window(dates, a, b).sum() for a, b in zip(edges[:-1], edges[1:], strict=True)]
    assert sum(counts) == len(dates)  # consecutive windows share no day
    assert in_window(dates, None, None).all()
    assert in_window(dates.to_numpy(), "2020-01-01").dtype == bool


def test_during_is_the_overlap_of_two_half_open_periods():
    cu = _customers()
    # the window [2024-03-01, 2024-03-02) is the one day D: same as active_on(D)
    assert active_during(cu, D, D + pd.Timedelta(days=1)).tolist() == active_on(cu, D).tolist()
    co = pd.DataFrame({"start_date": pd.to_datetime(["2023-01-01", "2025-01-01"]),
                       "end_date": pd.to_datetime(["2024-01-01", None])})
    assert running_during(co, "2024-01-01", "2025-01-01").tolist() == [False, False]
    assert running_during(co, "2023-12-31", None).tolist() == [True, True]


@pytest.mark.parametrize("day,match", [
    ("not a date", "as_of must be a date"),
    (3, "as_of must be a date"),
    (None, "as_of must be a date"),
    ("3000-01-01", "outside pandas' nanosecond date range"),
    (pd.Timestamp("2024-01-01", tz="Europe/Paris"), "time-zone-aware"),
])
def test_bad_days_are_refused(day, match):
    with pytest.raises(SchemaError, match=match):
        active_on(_customers(), day)


def test_bad_columns_are_refused():
    cu = _customers()
    with pytest.raises(SchemaError, match="customers.churn_date: missing column"):
        active_on(cu.drop(columns="churn_date"), D)
    with pytest.raises(SchemaError, match="customers.acquisition_date: expected datetime"):
        active_on(cu.assign(acquisition_date=cu["acquisition_date"].astype(str)), D)
    aware = cu.assign(churn_date=cu["churn_date"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="customers.churn_date: time-zone-aware"):
        active_on(aware, D)


def test_table_list_is_the_schema_and_typos_are_refused(tmp_path):
    assert MARKET_TABLES == tuple(schema.TABLES)
    m = market.Market(**{n: pd.DataFrame() for n in MARKET_TABLES})
    with pytest.raises(SchemaError, match="unknown table 'customer'"):
        m["customer"]
    from crmkit.io import load_market, save_market

    save_market({"products": pd.DataFrame({"product_id": ["A"], "sector": ["bank"]})},
                tmp_path / "m", duckdb=False)
    with pytest.raises(SchemaError, match="unknown table 'product'"):
        load_market(tmp_path / "m", tables=["product"])


def test_importing_synth_loads_neither_importer_privacy_nor_labels():
    code = ("import sys, crmkit.synth, crmkit.io; "
            "print(sorted(m for m in ('crmkit.importer', 'crmkit.privacy', 'crmkit.labels') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    # the old re-export still works, loading the importer only when asked for
    import crmkit.io

    assert crmkit.io.import_data.__module__.startswith("crmkit.importer")


def test_synth_reexports_the_market():
    from crmkit import synth
    from crmkit.synth import market as synth_market

    assert synth.Market is market.Market and synth_market.Market is market.Market
    assert synth_market.MARKET_TABLES is MARKET_TABLES


# a comparison operator applied to one of the four period dates (a column, a variable or
# a column-name parameter): a hand-written copy of crmkit.market's rules
_DATE = r"(?:acquisition|churn|start|end)_(?:date|col)\b[\"']?\]?"
_RULE = re.compile(rf"{_DATE}\s*(?:<=|>=|<(?!<)|>(?!>))|(?:<=|>=|(?<![<-])<|(?<![>-])>)\s*"
                   rf"[\w\.]*\[?[\"']?(?:acquisition|churn|start|end)_(?:date|col)\b")


def _code_lines(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    else:
        text = path.read_text()
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        if "``" in code:  # a docstring's literal (prose quoting the rule), not code
            continue
        if code.strip().startswith(">>>") or code.strip().startswith("..."):
            code = code.strip()[3:]
        yield n, code


def test_the_date_rules_are_written_once():
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "crmkit").rglob("*.py")) + sorted((root / "notebooks").glob("*.ipynb"))
    copies = [f"{p.relative_to(root)}:{n}: {code.strip()}" for p in files
              if p != root / "crmkit" / "market.py" for n, code in _code_lines(p)
              if _RULE.search(code)]
    assert copies == [], "use crmkit.market's rules instead of:\n" + "\n".join(copies)


@pytest.mark.parametrize("line", [
    'keep = (customers["acquisition_date"] < day)',
    "running = contracts.loc[(contracts['start_date'] <= last_day)",
    '    customers[churn_col].isna() | (customers[churn_col] > end))',
    'stayed = day <= customers.churn_date',
    'x = end_date >= start',
])
def test_the_rule_detector_sees_copies(line):
    assert _RULE.search(line)


@pytest.mark.parametrize("line", [
    'start_date = pd.Timestamp("2024-01-01")',
    'schema.check_dates_ordered(df, "contracts", "start_date", "end_date")',
    'out["start_date"] = day',
    'tenure = (day - cu["acquisition_date"]) / year',
])
def test_the_rule_detector_ignores_other_uses(line):
    assert not _RULE.search(line)
