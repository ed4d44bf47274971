"""Bring-your-own-data import: messy client files in, crmkit tables + exact rejects out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit import importer, schema
from crmkit.importer import import_data, mapping_template, parse_dates, parse_numbers, read_source
from crmkit.io import load_market

MESSY = Path(__file__).parent / "data" / "messy"
SALT = "test-workshop-salt"
CHANNELS = "not one of ['branch', 'phone', 'web', 'mobile', 'email', 'mail']"
UNKNOWN_CUSTOMER = "unknown customer_id (not among the kept customers)"


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("imported")
    return import_data(MESSY / "mapping.yaml", out_dir=out, salt=SALT)


def _rejects(result, table):
    r = result.rejects[result.rejects["table"] == table]
    return {(int(a), b, c) for a, b, c in r[["source_row", "column", "reason"]].itertuples(index=False)}


# ---------------------------------------------------------------------------------------
# the messy fixtures: exact rejects, nothing silently dropped
# ---------------------------------------------------------------------------------------
def test_customers_rejects_are_exactly_the_broken_rows(messy):
    # clients.csv (Windows-1252, ';'): rows numbered as a spreadsheet, header = row 1
    assert _rejects(messy, "customers") == {
        (4, "birth_date", "impossible date"),  # 31/02/1990
        (6, "customer_id", "missing value"),
        (8, "acquisition_channel", CHANNELS),  # "Pigeon voyageur"
        (9, "*", "line has 1 field(s), expected 16"),  # written with ',' separators
        (10, "income", "not a number"),  # "douze mille"
        (11, "contact_consent", "not a yes/no value"),  # "peut-être"
        (12, "churn_date", "before acquisition_date"),
        (14, "*", "empty row"),  # ';;;;;...'
    }


def test_contracts_rejects_follow_references_to_kept_customers(messy):
    assert _rejects(messy, "contracts") == {
        (5, "customer_id", UNKNOWN_CUSTOMER),  # customer 1003 was rejected (birth date)
        (6, "end_date", "before start_date"),
        (7, "monthly_premium", "negative value"),
        (8, "customer_id", UNKNOWN_CUSTOMER),  # 9999 never existed
        (11, "start_date", "impossible date"),  # 13/13/2013
    }


def test_interactions_rejects_with_mixed_encodings(messy):
    assert _rejects(messy, "interactions") == {
        (5, "customer_id", UNKNOWN_CUSTOMER),
        (6, "date", "impossible date"),  # 30/02/2021
        (7, "channel", CHANNELS),  # "Fax"
    }
    info = messy.report["tables"]["interactions"]
    assert info["separator"] == "\t"
    assert info["encoding"].startswith("utf-8 + windows-1252")


@pytest.mark.parametrize("table,read,kept,merged", [("customers", 13, 4, 1),
                                                     ("contracts", 11, 5, 1),
                                                     ("interactions", 8, 5, 0)])
def test_counts_read_equal_kept_plus_merged_plus_rejected(messy, table, read, kept, merged):
    # customer 1002 (row 5) and contract C-3 (row 9) repeat an earlier row identically: the
    # same entity again, merged into it rather than rejected
    info = messy.report["tables"][table]
    assert (info["read"], info["kept"], info["merged"], info["rejected"]) == (
        read, kept, merged, read - kept - merged)
    assert len(messy.tables[table]) == kept
    assert not len(messy.conflicts)
    assert messy.rejects.loc[messy.rejects["table"] == table, "source_row"].nunique() == (
        read - kept - merged)


def test_values_are_coerced_from_french_formats(messy):
    customers = messy.tables["customers"].sort_values("acquisition_date")
    # customers 1005, 1001, 1011, 1002 in order of acquisition
    assert customers["acquisition_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2011-12-12", "2015-01-05", "2016-02-01", "2018-06-17"]
    # "51 000,00 €", "42 500,00 €", "36 100,00 €", "38 200 €"
    assert customers["income"].tolist() == [51000.0, 42500.0, 36100.0, 38200.0]
    assert customers["acquisition_channel"].tolist() == ["mail", "branch", "branch", "web"]
    assert customers["contact_consent"].tolist() == [True, True, True, False]
    assert customers["churn_reason"].tolist()[2] == "moved"  # recoded by the mapping
    # birth dates keep their year only
    assert customers["birth_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "1962-07-01", "1978-07-01", "1975-07-01", "1985-07-01"]
    assert customers["postcode"].tolist() == ["29", "35", "29", "44"]
    assert set(customers["sector"]) == {"insurance"}  # a constant of the mapping
    contracts = messy.tables["contracts"]
    # "45,90 €", "22,10", "38,00", "1 234,56", "12.50"
    assert sorted(contracts["monthly_premium"]) == [12.5, 22.1, 38.0, 45.9, 1234.56]
    # "Résiliation par le client" is the French label of customer_termination
    assert contracts["end_reason"].dropna().tolist() == ["customer_termination"] * 2
    inter = messy.tables["interactions"].sort_values("date")
    # French labels, in UTF-8 and Windows-1252 lines alike
    assert inter["channel"].tolist() == ["branch", "phone", "web", "mail", "phone"]
    assert inter["reason"].tolist() == ["complaint", "sale", "information", "service", "complaint"]
    assert inter["direction"].tolist() == ["inbound", "outbound", "inbound", "outbound", "inbound"]
    assert inter["date"].iloc[0] == pd.Timestamp("2021-02-03 10:15")
    assert inter["interaction_id"].tolist() == [1, 2, 3, 4, 5]  # generated


def test_keys_are_pseudonymised_consistently(messy):
    cust = set(messy.tables["customers"]["customer_id"])
    assert not cust & {1001, 1002, 1005, 1011}
    assert set(messy.tables["contracts"]["customer_id"]) <= cust
    assert set(messy.tables["interactions"]["customer_id"]) <= cust
    # customer 1001 holds two contracts, customer 1002 two, 1011 one
    assert sorted(messy.tables["contracts"].groupby("customer_id").size()) == [1, 2, 2]


def test_kept_tables_validate_and_reload_as_a_market(messy):
    for name, df in messy.tables.items():
        schema.validate(df, name, columns=list(df.columns))
    market = load_market(messy.out_dir)
    assert len(market.customers) == 4 and len(market.contracts) == 5
    assert len(market.transactions) == 0  # absent from the import: an empty table
    rejects = pd.read_csv(messy.out_dir / "rejects.csv")
    assert list(rejects.columns) == ["table", "source_file", "source_row", "column", "value",
                                     "reason", "detail"]
    assert len(rejects) == len(messy.rejects)
    report = json.loads((messy.out_dir / "import_report.json").read_text())
    for info in report["tables"].values():
        assert info["read"] == info["kept"] + info["merged"] + info["rejected"]


def test_no_direct_identifier_in_any_output_file(messy):
    raw = (MESSY / "clients.csv").read_bytes().decode("cp1252")
    secrets_ = ["Lefèvre", "elodie.lefevre@exemple.fr", "06 12 34 56 78", "Ménard",
                "rue des Lilas", "Nantes", "Guillou", "Maëlys", "Quéré", "06 98 87 76 65"]
    assert all(s in raw for s in secrets_)
    for f in messy.out_dir.iterdir():
        if f.suffix in (".csv", ".json"):
            text = f.read_text(encoding="utf-8")
        elif f.suffix == ".parquet":
            text = pd.read_parquet(f).to_csv()
        else:
            continue
        for s in secrets_:
            assert s not in text, (f.name, s)
    # the rejected row 11 had an empty address: a dropped identifier is never "missing"
    assert (11, "address", "missing value") not in _rejects(messy, "customers")


# ---------------------------------------------------------------------------------------
# bad mappings and files: one clear error, nothing read
# ---------------------------------------------------------------------------------------
def _mapping(**tables):
    return {"tables": tables}


def test_wrong_explicit_separator_names_the_right_one():
    m = _mapping(customers={"file": "clients.csv", "separator": ",", "encoding": "latin-1",
                            "columns": {"customer_id": "N° client"}})
    with pytest.raises(schema.SchemaError, match=r"customers\.customer_id: column\(s\) \['N° client'\] "
                       r"not found in clients\.csv.*looks ';'-separated"):
        import_data(m, base_dir=MESSY, salt=SALT)


def test_mapped_column_missing_from_file():
    m = _mapping(contracts={"file": "contrats.csv", "columns": {
        "contract_id": "contrat", "customer_id": "client", "product_id": "produit",
        "start_date": "date_debut"}})
    with pytest.raises(schema.SchemaError, match=r"contracts\.start_date: .*\['date_debut'\] "
                       r"not found"):
        import_data(m, base_dir=MESSY, salt=SALT)


def test_required_column_not_mapped():
    m = _mapping(contracts={"file": "contrats.csv", "columns": {"contract_id": "contrat"}})
    with pytest.raises(schema.SchemaError, match=r"contracts\.customer_id: required column\(s\) "
                       r"\['customer_id', 'product_id', 'start_date'\] not mapped"):
        import_data(m, base_dir=MESSY, salt=SALT)


@pytest.mark.parametrize("mapping,message", [
    ({"tables": {"clients": {"file": "x.csv"}}}, "unknown table 'clients'"),
    ({"tables": {"customers": {"file": "x.csv", "columns": {"persona": "p"}}}}, "ground truth"),
    ({"tables": {"customers": {"file": "x.csv", "colums": {}}}}, r"unknown option\(s\) \['colums'\]"),
    ({"tables": {"customers": {"columns": {"customer_id": "id"}}}}, "no 'file' given"),
    ({"customers": {}}, "'tables' section"),
])
def test_malformed_mapping(mapping, message):
    with pytest.raises(ValueError, match=message):
        import_data(mapping, base_dir=MESSY)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        import_data(_mapping(customers={"file": "nope.csv", "columns": {"customer_id": "id"}}),
                    base_dir=MESSY)


def test_old_excel_format_is_refused_clearly(tmp_path):
    (tmp_path / "c.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ValueError, match=r"c\.xls: old Excel \.xls files are not read; save it as \.xlsx"):
        import_data(_mapping(customers={"file": "c.xls", "columns": {"customer_id": "id"}}),
                    base_dir=tmp_path)


def test_reimport_removes_stale_tables_and_protects_other_folders(tmp_path):
    out = tmp_path / "o"
    import_data(MESSY / "mapping.yaml", out_dir=out, salt=SALT)
    assert (out / "interactions.parquet").exists()
    m = _mapping(customers={"file": "clients.csv", "encoding": "latin-1",
                            "columns": {"customer_id": "N° client"}})
    import_data(m, base_dir=MESSY, out_dir=out, salt=SALT)
    assert (out / "customers.parquet").exists()
    assert not (out / "interactions.parquet").exists()  # stale: not in the new import
    market = tmp_path / "market"
    market.mkdir()
    (market / "customers.parquet").write_bytes(b"not mine")
    with pytest.raises(ValueError, match="holds market tables that no import wrote"):
        import_data(m, base_dir=MESSY, out_dir=market, salt=SALT)
    assert (market / "customers.parquet").read_bytes() == b"not mine"


def test_bad_salt():
    with pytest.raises(ValueError, match="salt"):
        import_data(MESSY / "mapping.yaml", salt="")


# ---------------------------------------------------------------------------------------
# formats: Excel, Parquet, JSON mapping, no pseudonymisation
# ---------------------------------------------------------------------------------------
def _purchases():
    # what a retailer's Excel export looks like: real date cells, numbers, and text cells
    return pd.DataFrame({
        "Client": [1, 2, 2, "3", 4, None],
        "Date achat": [pd.Timestamp("2023-01-05"), pd.Timestamp("2023-02-10"), "12/03/2023",
                       "31/04/2023", pd.Timestamp("2023-05-01"), pd.Timestamp("2023-05-02")],
        "Montant TTC": [120.5, "89,90 €", 15, 40, "-5", 10],
        "Marge": [30.0, 20.0, 4.0, 10.0, -1.0, 2.5],
    })


def test_excel_with_native_and_text_cells(tmp_path):
    _purchases().to_excel(tmp_path / "achats.xlsx", index=False, sheet_name="Ventes")
    m = _mapping(transactions={"file": "achats.xlsx", "sheet": "Ventes",
                               "columns": {"customer_id": "Client", "date": "Date achat",
                                           "amount": "Montant TTC", "margin": "Marge"},
                               "constants": {"kind": "premium"}})
    r = import_data(m, base_dir=tmp_path, pseudonymise=False)
    assert _rejects(r, "transactions") == {
        (5, "date", "impossible date"),  # 31/04 does not exist
        (6, "amount", "negative value"),
        (7, "customer_id", "missing value"),
    }
    t = r.tables["transactions"]
    assert t["customer_id"].tolist() == [1, 2, 2]
    assert t["amount"].tolist() == [120.5, 89.9, 15.0]
    assert t["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-01-05", "2023-02-10", "2023-03-12"]
    assert r.report["tables"]["transactions"]["format"] == "excel"


def test_parquet_with_typed_columns(tmp_path):
    df = pd.DataFrame({"id": [10, 11, 11, 12], "seen": pd.to_datetime(
        ["2020-01-01", "2021-06-30", "2021-06-30", "1850-01-01"]), "chan": ["web", "Agence", "web", "mail"]})
    df.to_parquet(tmp_path / "c.parquet")
    m = _mapping(customers={"file": "c.parquet", "columns": {
        "customer_id": "id", "acquisition_date": "seen", "acquisition_channel": "chan"}})
    r = import_data(m, base_dir=tmp_path, pseudonymise=False)
    assert _rejects(r, "customers") == {(5, "acquisition_date", "date before the minimum")}
    # customer 11 twice, with two channels: merged, the first value kept, the conflict shown
    assert r.tables["customers"]["acquisition_channel"].tolist() == ["web", "branch"]
    assert r.conflicts[["key", "column", "values", "kept", "rows"]].to_dict("records") == [
        {"key": "11", "column": "acquisition_channel", "values": "Agence | web",
         "kept": "Agence", "rows": "3, 4"}]


def test_json_mapping_and_unpseudonymised_integer_ids(tmp_path):
    (tmp_path / "c.csv").write_text("id,since\n7,2020-01-01\nX7,2020-01-02\n0007,2020-01-03\n")
    (tmp_path / "m.json").write_text(json.dumps(_mapping(customers={
        "file": "c.csv", "columns": {"customer_id": "id", "acquisition_date": "since"}})))
    r = import_data(tmp_path / "m.json", pseudonymise=False)
    # 0007 is customer 7 again (merged, its other date a conflict); X7 is no integer
    # without pseudonymisation
    assert _rejects(r, "customers") == {(3, "customer_id", "not an integer id")}
    assert r.report["tables"]["customers"]["merged"] == 1
    assert r.conflicts["values"].tolist() == ["2020-01-01 | 2020-01-03"]
    assert r.tables["customers"]["customer_id"].tolist() == [7]
    assert r.tables["customers"]["customer_id"].dtype == np.int64


def test_generated_salt_is_returned_not_written(tmp_path):
    r = import_data(MESSY / "mapping.yaml", out_dir=tmp_path / "o")
    assert r.salt and len(r.salt) == 32
    for f in (tmp_path / "o").iterdir():
        if f.suffix in (".csv", ".json"):
            assert r.salt not in f.read_text(encoding="utf-8")


def test_same_salt_same_pseudonyms_other_salt_other(messy):
    again = import_data(MESSY / "mapping.yaml", salt=SALT)
    other = import_data(MESSY / "mapping.yaml", salt="another-workshop")
    ids = messy.tables["customers"]["customer_id"]
    assert again.tables["customers"]["customer_id"].tolist() == ids.tolist()
    assert not set(other.tables["customers"]["customer_id"]) & set(ids)


# ---------------------------------------------------------------------------------------
# reading and parsing
# ---------------------------------------------------------------------------------------
def test_read_source_utf8_bom_and_quoted_newline(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes('\ufeffid;adresse\n1;"2 rue X\nBât. B"\n2;ok\n3\n'.encode())
    src = read_source(p)
    assert list(src.frame.columns) == ["id", "adresse"]
    assert src.frame["adresse"].tolist() == ["2 rue X\nBât. B", "ok"]
    assert src.rows.tolist() == [2, 3]  # a record spanning two lines counts once
    assert src.bad_lines.to_dict("records") == [
        {"source_row": 4, "reason": "line has 1 field(s), expected 2"}]
    assert src.n_read == 3


def test_read_source_duplicated_header(tmp_path):
    (tmp_path / "d.csv").write_text("id,id\n1,2\n")
    with pytest.raises(schema.SchemaError, match=r"duplicated column name\(s\) \['id'\]"):
        read_source(tmp_path / "d.csv")


def test_decode_pure_windows_1252_euro():
    text, enc = importer.read._decode("12,5 €; déjà".encode("cp1252"), "auto")
    assert (text, enc) == ("12,5 €; déjà", "windows-1252")


def test_parse_numbers_modes():
    s = pd.Series(["1.234,5", "1,234.5", "1 234", "1\u202f234,5", "12,5,3", "1,2345"])
    auto, bad = parse_numbers(s)
    assert auto.tolist()[:4] == [1234.5, 1234.5, 1234.0, 1234.5]
    assert bad.tolist() == [False, False, False, False, True, False]
    assert auto.iloc[5] == pytest.approx(1.2345)
    dot, bad = parse_numbers(pd.Series(["1,234.5", "1,2345"]), decimal=".")
    assert dot.iloc[0] == 1234.5 and bad.tolist() == [False, True]
    with pytest.raises(ValueError, match="decimal"):
        parse_numbers(s, decimal=";")


def test_parse_dates_explicit_format_keeps_iso():
    d, why = parse_dates(pd.Series(["12/31/2023", "2023-12-31", "31/12/2023"]), "%m/%d/%Y")
    assert d.iloc[0] == d.iloc[1] == pd.Timestamp("2023-12-31")
    assert why.isna().tolist() == [True, True, False]
    assert why.iloc[2] == "impossible date"


def test_template_is_valid_yaml_and_lists_required_columns():
    import yaml

    text = mapping_template()
    parsed = yaml.safe_load(text)
    assert parsed["encoding"] == "auto"
    assert parsed["tables"]["contracts"]["columns"]["start_date"] == "start_date"
    assert "customer_id: customer_id" in text and "REQUIRED" in text
    assert "latent_attitude" not in text  # ground truth is not importable


# ---------------------------------------------------------------------------------------
# the invariant on arbitrary messy input
# ---------------------------------------------------------------------------------------
_cell = st.sampled_from(["1", "2", "3", "", " 4 ", "x", "12,5", "-3", "31/02/2020", "05/06/2021",
                         "2021-01-01", "Agence", "web", "Fax", ";", '"'])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=2, max_size=4), max_size=12))
def test_read_always_equals_kept_plus_rejected(tmp_path, rows):
    lines = ["id;date;canal"] + [";".join(r) for r in rows]
    (tmp_path / "h.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = _mapping(customers={"file": "h.csv", "columns": {
        "customer_id": "id", "acquisition_date": "date", "acquisition_channel": "canal"}})
    try:
        r = import_data(m, base_dir=tmp_path, salt=SALT)
    except schema.SchemaError:
        return  # a header broken by a stray quote: one clear error, nothing half-read
    info = r.report["tables"]["customers"]
    assert info["read"] == info["kept"] + info["merged"] + info["rejected"]
    assert r.rejects["source_row"].nunique() == info["rejected"]
    kept = r.tables.get("customers", pd.DataFrame({"customer_id": []}))
    assert kept["customer_id"].is_unique


@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 2)),
                min_size=1, max_size=20))
def test_french_and_english_amounts_read_back(values):
    def french(x):
        # 1 234 567,89 € with a no-break space between thousands
        return f"{x:,.2f}".replace(",", "\u00a0").replace(".", ",") + " €"

    fr, bad = parse_numbers(pd.Series([french(x) for x in values]))
    assert not bad.any()
    np.testing.assert_allclose(fr.to_numpy(), values, rtol=0, atol=1e-6)
    en, bad = parse_numbers(pd.Series([f"${x:,.2f}" for x in values]), decimal=".")
    assert not bad.any()
    np.testing.assert_allclose(en.to_numpy(), values, rtol=0, atol=1e-6)


@given(st.lists(st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                         max_value=pd.Timestamp("2099-12-31").date()), min_size=1, max_size=20))
def test_french_and_iso_dates_read_back(days):
    text = pd.Series([d.strftime("%d/%m/%Y") if i % 2 else d.isoformat()
                      for i, d in enumerate(days)])
    got, why = parse_dates(text)
    assert why.isna().all()
    assert got.dt.date.tolist() == days


# ---------------------------------------------------------------------------------------
# a real client file (issue 19): plausibility, purchase-level exports, failures, any
# delimited file, a mapping that writes itself
# ---------------------------------------------------------------------------------------
CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def achats():
    return import_data(MESSY / "mapping_achats.yaml", salt=SALT)


def test_implausible_dates_are_rejected_with_row_column_and_value(achats):
    r = achats.rejects
    got = {(int(a), b, c, d) for a, b, c, d in
           r.loc[r["table"] == "transactions", ["source_row", "column", "reason", "detail"]]
           .itertuples(index=False)}
    assert (4, "date", "date in the future", "after 2024-06-30") in got  # 12/03/2091
    assert (8, "date", "before the customer's birth", "born 1990") in got  # 1985, born 1990
    # the customer born in 2010 and acquired in 2020: both of her rows, then her purchases
    assert _rejects(achats, "customers") == {
        (12, "acquisition_date", "customer under 18 at acquisition"),
        (13, "acquisition_date", "customer under 18 at acquisition")}
    kept = achats.tables["transactions"]["date"]
    assert kept.max() <= pd.Timestamp("2024-06-30") and kept.min() >= pd.Timestamp("2015-01-01")


def test_plausibility_bounds_come_from_the_mapping(tmp_path):
    (tmp_path / "c.csv").write_text("id;born;since\n1;1990-01-01;2005-01-01\n2;1890-05-01;1950-01-01\n"
                                    "3;1980-01-01;2030-01-01\n")
    m = _mapping(customers={"file": "c.csv", "columns": {
        "customer_id": "id", "birth_date": "born", "acquisition_date": "since"}})
    r = import_data({**m, "as_of": "2024-12-31"}, base_dir=tmp_path, salt=SALT)
    assert _rejects(r, "customers") == {
        (2, "acquisition_date", "customer under 18 at acquisition"),  # 15 years old
        (3, "birth_date", "date before the minimum"),
        (4, "acquisition_date", "date in the future")}
    relaxed = {**m, "as_of": "2031-01-01", "rules": {"min_age": 14, "min_date": "1850-01-01"}}
    assert _rejects(import_data(relaxed, base_dir=tmp_path, salt=SALT), "customers") == set()
    with pytest.raises(ValueError, match="unknown rule"):
        import_data({**m, "rules": {"min_agee": 1}}, base_dir=tmp_path)


def test_the_import_date_bounds_dates_by_default(tmp_path):
    (tmp_path / "t.csv").write_text("id;d;m\n1;2091-03-12;5\n1;2020-01-01;5\n")
    m = _mapping(transactions={"file": "t.csv", "columns": {
        "customer_id": "id", "date": "d", "amount": "m"}})
    r = import_data(m, base_dir=tmp_path, salt=SALT)
    assert _rejects(r, "transactions") == {(2, "date", "date in the future")}
    assert r.report["as_of"] == str(pd.Timestamp.today().date())


def test_a_purchase_level_export_gives_one_customer_per_key(achats):
    info = achats.report["tables"]["customers"]
    # 16 purchase rows of 7 customers: 8 repeats merged, 2 rows of a minor rejected
    assert (info["read"], info["kept"], info["merged"], info["rejected"]) == (16, 6, 8, 2)
    assert achats.tables["customers"]["customer_id"].is_unique
    assert not any("duplicate" in r for r in achats.rejects["reason"])
    # CL-002 moved from 44000 to 44100: reported once (rows 5, 6, 7), last value kept
    c = achats.conflicts
    assert c[["table", "column", "rows"]].to_dict("records") == [
        {"table": "customers", "column": "postcode", "rows": "5, 6, 7"}]
    assert achats.report["tables"]["customers"]["conflicts"] == {"postcode": 1}


@pytest.mark.parametrize("rule,kept", [("first", "44000"), ("last", "44100"),
                                       ("most_frequent", "44000")])
def test_conflicting_repeats_follow_the_mapping_rule(tmp_path, rule, kept):
    (tmp_path / "p.csv").write_text("client;ville;cp\n7;Nantes;44000\n7;Nantes;44000\n"
                                    "7;Rezé;44100\n8;Brest;29200\n")
    m = _mapping(customers={"file": "p.csv", "repeats": rule, "columns": {
        "customer_id": "client", "postcode": "cp"}})
    r = import_data(m, base_dir=tmp_path, pseudonymise=False)
    assert r.tables["customers"]["postcode"].tolist() == [kept, "29200"]
    assert r.conflicts[["key", "column", "values", "kept", "rows"]].to_dict("records") == [
        {"key": "7", "column": "postcode", "values": "44000 | 44100", "kept": kept,
         "rows": "2, 3, 4"}]


def test_repeats_reject_keeps_the_old_rule(tmp_path):
    (tmp_path / "c.csv").write_text("id;cp\n1;35000\n1;35000\n2;29000\n")
    m = _mapping(customers={"file": "c.csv", "repeats": "reject",
                            "columns": {"customer_id": "id", "postcode": "cp"}})
    r = import_data(m, base_dir=tmp_path, salt=SALT)
    assert _rejects(r, "customers") == {(3, "customer_id", "duplicate key")}
    assert r.rejects["detail"].tolist() == ["first at row 2"]


def test_rejects_are_summarised_by_reason_with_their_first_rows(tmp_path):
    # one row per purchase of 400 customers, every tenth amount unreadable
    n = 4000
    rows = [f"{i % 400};2023-01-{1 + i % 28:02d};{'x' if i % 10 == 0 else '12,5'}" for i in range(n)]
    (tmp_path / "p.csv").write_text("client;date;montant\n" + "\n".join(rows) + "\n")
    m = _mapping(customers={"file": "p.csv", "columns": {"customer_id": "client"}},
                 transactions={"file": "p.csv", "columns": {
                     "customer_id": "client", "date": "date", "amount": "montant"}})
    r = import_data(m, base_dir=tmp_path, salt=SALT)
    assert r.report["tables"]["customers"]["merged"] == n - 400
    summary = r.rejects_summary()
    assert summary.to_dict("records") == [
        {"table": "transactions", "reason": "not a number", "rows": 400,
         "first_rows": "2, 12, 22, 32, 42, ..."}]
    assert len(r.rejects) == 400  # the full list stays in rejects.csv


def test_rejects_file_is_pseudonymised_like_the_tables(achats, tmp_path):
    r = achats
    ids = r.rejects.loc[r.rejects["column"] == "customer_id", "value"]
    assert len(ids) and not ids.str.contains("CL-").any()
    # the pseudonym in the rejects is the one the tables would give that customer (CL-005,
    # rejected as a minor, then her purchases as unknown)
    from crmkit.privacy import hash_keys

    assert set(ids.astype("int64")) == {int(hash_keys(pd.Series(["CL-005"]), SALT, "customer")[0])}
    messy = import_data(MESSY / "mapping.yaml", salt=SALT, out_dir=tmp_path / "o")
    text = (tmp_path / "o" / "rejects.csv").read_text(encoding="utf-8")
    for raw in ("1005", "9999", "1010"):  # customer numbers of rejected rows
        assert f",{raw}," not in text
    assert messy.rejects.loc[messy.rejects["column"] == "birth_date", "value"].tolist() == [
        "year 1990"]


def test_a_table_with_every_row_rejected_fails(tmp_path, capsys):
    from crmkit.cli import main

    (tmp_path / "c.csv").write_text("id;since\nA-1;2020-01-01\nA-2;2020-01-02\n")
    m = _mapping(customers={"file": "c.csv", "columns": {"customer_id": "id",
                                                        "acquisition_date": "since"}})
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(m))
    code = main(["import", str(tmp_path / "m.yaml"), "--out", str(tmp_path / "o"),
                 "--no-pseudonymise"])
    err = capsys.readouterr().err
    assert code == 1
    assert "customers: every row rejected (2 of 2; first reason: not an integer id" in err
    assert len(err.strip().splitlines()) == 1


def test_a_rejected_share_above_the_mapping_threshold_fails(tmp_path):
    (tmp_path / "c.csv").write_text("id;since\n" + "".join(
        f"{i};{'31/02/2020' if i < 3 else '2020-01-01'}\n" for i in range(20)))
    m = _mapping(customers={"file": "c.csv", "columns": {"customer_id": "id",
                                                        "acquisition_date": "since"}})
    assert import_data(m, base_dir=tmp_path, salt=SALT).failures == [
        "customers: 3 of 20 rows rejected (15% > max_rejected_share 10%; first reason: "
        "impossible date, 3 row(s) from row 2)"]
    loose = {**m, "rules": {"max_rejected_share": 0.2}}
    assert import_data(loose, base_dir=tmp_path, salt=SALT).failures == []


def test_no_readable_date_is_one_clear_error(tmp_path):
    (tmp_path / "t.csv").write_text("id;d;m\n1;01-13-2020;5\n2;02-14-2020;5\n")
    m = _mapping(transactions={"file": "t.csv", "columns": {
        "customer_id": "id", "date": "d", "amount": "m"}})
    with pytest.raises(schema.SchemaError, match=r"transactions\.date: no date of column 'd' "
                       r"of t\.csv could be read .*first values \['01-13-2020', '02-14-2020'\]"):
        import_data(m, base_dir=tmp_path, salt=SALT)
    ok = import_data({**m, "date_format": "MM-DD-YYYY"}, base_dir=tmp_path, salt=SALT)
    assert ok.tables["transactions"]["date"].dt.day.tolist() == [13, 14]


def test_the_cdnow_log_reads_headerless_and_whitespace_separated(tmp_path):
    m = {"separator": "whitespace", "header": False, "tables": {
        "customers": {"file": CDNOW.name, "names": ["master", "id", "day", "cds", "dollars"],
                      "columns": {"customer_id": "id"}},
        "transactions": {"file": CDNOW.name, "names": ["master", "id", "day", "cds", "dollars"],
                         "columns": {"customer_id": "id", "date": "day", "amount": "dollars"}}}}
    r = import_data(m, base_dir=CDNOW.parent, salt=SALT)
    s = r.summary().set_index("table")
    # 6,919 purchases of 2,357 customers, 1 Jan 1997 - 30 Jun 1998 (PROVENANCE.md)
    assert s.loc["transactions", ["read", "kept", "rejected"]].tolist() == [6919, 6919, 0]
    assert s.loc["customers", ["kept", "merged"]].tolist() == [2357, 6919 - 2357]
    t = r.tables["transactions"]
    assert (t["date"].min(), t["date"].max()) == (pd.Timestamp("1997-01-01"),
                                                  pd.Timestamp("1998-06-30"))
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None)
    assert t["amount"].sum() == pytest.approx(raw[4].sum())
    assert r.rejects["source_row"].tolist() == [] and r.failures == []


def test_tab_escape_as_the_template_writes_it(tmp_path):
    (tmp_path / "i.txt").write_text("client\tdate\tcanal\n1\t2021-01-01\tweb\n")
    text = ("separator: '\\t'\ntables:\n  interactions:\n    file: i.txt\n    columns:\n"
            "      customer_id: client\n      date: date\n      channel: canal\n")
    (tmp_path / "m.yaml").write_text(text)
    r = import_data(tmp_path / "m.yaml", salt=SALT)
    assert r.report["tables"]["interactions"]["kept"] == 1


def test_suggest_maps_a_french_purchase_export():
    text = importer.suggest_mapping(MESSY / "achats.csv")
    m = yaml.safe_load(text)
    assert m["tables"]["transactions"]["columns"] == {
        "customer_id": "N° client", "date": "Date d'achat", "amount": "Montant TTC"}
    assert m["tables"]["customers"]["columns"] == {
        "customer_id": "N° client", "last_name": "Nom", "first_name": "Prénom",
        "birth_date": "Date de naissance", "postcode": "Code postal",
        "acquisition_date": "Client depuis"}
    assert m["tables"]["customers"]["repeats"] == "last"
    assert "#   Canal: e.g. 'Magasin', 'Web', 'Téléphone'" in text  # shown, not guessed
    # and it imports as proposed
    r = import_data({**m, "as_of": "2024-06-30"}, base_dir=MESSY, salt=SALT)
    assert r.report["tables"]["customers"]["kept"] == 6


def test_suggest_reads_the_cdnow_log_from_its_values(tmp_path):
    m = yaml.safe_load(importer.suggest_mapping(CDNOW))
    assert (m["separator"], m["header"], m["date_format"]) == ("whitespace", False, "YYYYMMDD")
    cols = m["tables"]["transactions"]["columns"]
    assert (cols["date"], cols["amount"]) == ("col3", "col5")
    r = import_data(m, base_dir=CDNOW.parent, salt=SALT)
    assert r.report["tables"]["transactions"]["kept"] == 6919


@pytest.mark.parametrize("header,column", [
    ("N° client", "customer_id"), ("Numéro de client", "customer_id"), ("Customer ID", "customer_id"),
    ("Montant TTC (€)", "amount"), ("Order value", "amount"), ("Date d'achat", "date"),
    ("Purchase date", "date"),
])
def test_suggest_recognises_french_and_english_headers(tmp_path, header, column):
    values = {"customer_id": ["A1", "A1", "B2"], "amount": ["12,50", "3,00", "8,10"],
              "date": ["2023-01-02", "2023-02-03", "2023-03-04"]}
    other = {k: v for k, v in values.items() if k != column}
    names = {"customer_id": "client", "amount": "montant", "date": "date"}
    frame = pd.DataFrame({header: values[column], **{names[k]: v for k, v in other.items()}})
    frame.to_csv(tmp_path / "f.csv", sep=";", index=False)
    m = yaml.safe_load(importer.suggest_mapping(tmp_path / "f.csv"))
    assert m["tables"]["transactions"]["columns"][column] == header
