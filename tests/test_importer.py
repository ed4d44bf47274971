"""Bring-your-own-data import: messy client files in, crmkit tables + exact rejects out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
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
