"""Consultant workshops: the value base on partial data, and a full run from a client's CSV
export to an HTML report that carries no personal identifier."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from crmkit import schema, workshop
from crmkit.cli import main as cli
from crmkit.importer import import_data

SALT = "workshop-test-salt"


def _tiny(with_interactions=True, with_transactions=True):
    """Three customers over 2024, hand-made so that every figure can be computed by hand."""
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "acquisition_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2024-03-01"]),
        "churn_date": pd.to_datetime([None, "2024-06-30", None]),
        "life_stage": ["couple", "couple", "couple"],
    })
    contracts = pd.DataFrame({
        "contract_id": [10, 11, 20, 30],
        "customer_id": [1, 1, 2, 3],
        "product_id": ["I_AUTO", "I_HOME", "I_AUTO", "B_CURRENT"],
        "start_date": pd.to_datetime(["2020-01-01", "2022-01-01", "2021-01-01", "2024-03-01"]),
        "end_date": pd.to_datetime([None, None, "2024-06-30", None]),
        "monthly_premium": [50.0, 20.0, 40.0, 10.0],
    })
    transactions = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 1],
        "contract_id": [10, 11, 20, 30, 10],
        "date": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01",
                                "2023-06-01"]),  # the last one is outside the window
        "kind": ["premium"] * 5,
        "amount": [600.0, 240.0, 240.0, 50.0, 999.0],
        "margin": [500.0, 200.0, 100.0, 40.0, 999.0],
    })
    interactions = pd.DataFrame({
        "interaction_id": [1, 2, 3],
        "customer_id": [1, 2, 2],
        "date": pd.to_datetime(["2024-02-10", "2024-03-10", "2024-04-10"]),
        "channel": ["branch", "phone", "web"],
        "cost": [30.0, 6.0, 0.5],
    })
    empty = pd.DataFrame()
    return SimpleNamespace(customers=customers, contracts=contracts, products=empty,
                           transactions=transactions if with_transactions else empty,
                           interactions=interactions if with_interactions else empty)


def test_value_base_by_hand():
    base = workshop.value_base(_tiny(), as_of="2024-12-31", months=12)
    c = base.customers.set_index("customer_id")
    assert c["commercial_margin"].tolist() == [700.0, 100.0, 40.0]
    assert c["cost_to_serve"].tolist() == [30.0, 6.5, 0.0]
    assert c["direct_profit"].tolist() == [670.0, 93.5, 40.0]
    # potential: gap in margin to the peers' (all "couple") 75th percentile of
    # (700, 100, 40) = 100 + 0.5 * (700 - 100) = 400; never a gap in profit (issue 17)
    assert c["potential"].tolist() == pytest.approx([0.0, 300.0, 360.0])
    # customers 1 and 2 were there on 2024-01-01; customer 2 left on 2024-06-30
    assert base.retention == pytest.approx(0.5)
    assert base.notes[-1].startswith("Retention measured on the data: 50.0%")
    assert (base.start, base.end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"))


def test_value_base_claims_and_costs_lower_profit_not_potential():
    # issue 17: a gap in profit handed every loss-maker (claims, dear contacts) a potential
    m = _tiny()
    claim = pd.DataFrame({"customer_id": [2], "contract_id": [20],
                          "date": pd.to_datetime(["2024-05-01"]), "kind": ["claim"],
                          "amount": [900.0], "margin": [-900.0]})
    visit = pd.DataFrame({"interaction_id": [4], "customer_id": [3],
                          "date": pd.to_datetime(["2024-06-01"]), "channel": ["branch"],
                          "cost": [500.0]})
    m.transactions = pd.concat([m.transactions, claim], ignore_index=True)
    m.interactions = pd.concat([m.interactions, visit], ignore_index=True)
    c = workshop.value_base(m, as_of="2024-12-31", months=12).customers.set_index("customer_id")
    assert c["direct_profit"].tolist() == [670.0, 100.0 - 900.0 - 6.5, 40.0 - 500.0]
    assert c["potential"].tolist() == pytest.approx([0.0, 300.0, 360.0])  # unchanged


def test_value_base_without_interactions_uses_a_cost_per_contract():
    base = workshop.value_base(_tiny(with_interactions=False), as_of="2024-12-31",
                               cost_per_contract=24.0)
    c = base.customers.set_index("customer_id")
    # contracts in force during 2024: two for customer 1, one each for 2 and 3
    assert c["cost_to_serve"].tolist() == [48.0, 24.0, 24.0]
    assert any("default €24.00 per contract in force" in n for n in base.notes)
    assert any("`cost_per_contract`" in n.hint for n in base.notes)  # for the consultant
    assert not any("`" in n for n in base.notes)  # not in the client's sentences


def test_value_base_without_transactions_uses_premiums():
    base = workshop.value_base(_tiny(with_transactions=False), as_of="2024-12-31")
    c = base.customers.set_index("customer_id")
    # customer 1: (50 + 20) x 12 months; customer 3: 10 x 10 months (from 2024-03-01)
    month = 365.25 / 12
    assert c.loc[1, "commercial_margin"] == pytest.approx(70 * 366 / month)
    assert c.loc[3, "commercial_margin"] == pytest.approx(10 * 306 / month)
    assert any("No transactions" in n for n in base.notes)


def test_value_base_revenue_when_no_margin():
    m = _tiny()
    m.transactions = m.transactions.drop(columns="margin")
    base = workshop.value_base(m, as_of="2024-12-31", margin_rate=0.5)
    assert base.customers["commercial_margin"].tolist() == [420.0, 120.0, 25.0]
    assert any("50% of the revenue" in n for n in base.notes)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"months": 0}, ValueError, "months must be a positive integer"),
    ({"cost_per_contract": -1.0, "interactions": False}, ValueError, "cost_per_contract"),
    ({"retention": 1.5}, ValueError, r"retention must be in \[0, 1\]"),
    ({"as_of": "1990-01-01"}, schema.SchemaError, "as_of 1990-01-01 is before the data"),
    ({"as_of": "2024-01-15", "months": 1}, schema.SchemaError, "no customer bought between"),
    ({"currency": "euros"}, ValueError, "currency must be an ISO 4217 code"),
    ({"as_of": "not a date"}, ValueError, "as_of must be a date"),
])
def test_value_base_bad_arguments(kwargs, error, message):
    m = _tiny(with_interactions=kwargs.pop("interactions", True))
    with pytest.raises(error, match=message):
        workshop.value_base(m, **kwargs)


def test_value_base_needs_money():
    m = _tiny(with_transactions=False)
    m.contracts = m.contracts.drop(columns="monthly_premium")
    with pytest.raises(schema.SchemaError, match="needs transactions"):
        workshop.value_base(m, as_of="2024-12-31")


# ---------------------------------------------------------------------------------------
# the front doors refuse what a client's table cannot mean (issue 14's mutation census)
# ---------------------------------------------------------------------------------------
def test_value_base_refuses_customers_without_their_id():
    # was a KeyError deep in the audit
    m = _tiny()
    m.customers = m.customers.drop(columns="customer_id")
    with pytest.raises(schema.SchemaError, match=r"customers.customer_id: missing column"):
        workshop.value_base(m, as_of="2024-12-31")


def test_value_base_refuses_ids_written_1_and_text_1():
    m = _tiny()
    m.transactions = m.transactions.astype({"customer_id": object})
    m.transactions.loc[0, "customer_id"] = "1"  # customer 1 would be two customers
    with pytest.raises(schema.SchemaError, match=r"transactions.customer_id: 1 row.*\[0\]"):
        workshop.value_base(m, as_of="2024-12-31")


def test_a_table_with_rows_needs_the_columns_an_import_requires():
    # a contact log without its channel, transactions without their date: not silently
    # replaced by a default cost, or by the contracts' dates
    m = _tiny()
    m.interactions = m.interactions.drop(columns="channel")
    with pytest.raises(schema.SchemaError, match="interactions.channel: missing column"):
        workshop.value_base(m, as_of="2024-12-31")
    m = _tiny()
    m.transactions = m.transactions.drop(columns="date")
    with pytest.raises(schema.SchemaError, match="transactions.date: missing column"):
        workshop.analysis_window(m)


def test_a_blank_quasi_identifier_is_read_as_unknown():
    # load_data blanks rare combinations: a customer without an acquisition date is kept
    m = _tiny()
    m.customers.loc[2, "acquisition_date"] = pd.NaT
    base = workshop.value_base(m, as_of="2024-12-31")
    assert base.customers["customer_id"].tolist() == [1, 2, 3]
    # but a blank where the schema wants a value is refused
    m.customers.loc[0, "life_stage"] = None
    with pytest.raises(schema.SchemaError, match=r"customers.life_stage: 1 row\(s\) missing"):
        workshop.value_base(m, as_of="2024-12-31")


def test_value_base_says_when_claims_cannot_be_told_apart():
    m = _tiny()
    assert not any("no kind" in n for n in workshop.value_base(m, as_of="2024-12-31").notes)
    m.transactions = m.transactions.drop(columns="kind")  # optional in an import
    base = workshop.value_base(m, as_of="2024-12-31")
    assert any("claims cannot be told apart" in n for n in base.notes)


def test_data_overview_refuses_a_date_past_pandas_range():
    m = _tiny()
    far = m.customers["acquisition_date"].astype("datetime64[s]").copy()
    far.iloc[1] = np.datetime64("2300-01-01", "s")  # fits datetime64[s], not a real date
    m.customers["acquisition_date"] = far
    with pytest.raises(schema.SchemaError, match=r"customers.acquisition_date: 1 row.*range"):
        workshop.data_overview(m)
    m.customers["acquisition_date"] = ["2020-01-01", "2300-01-01", "2024-03-01"]
    with pytest.raises(schema.SchemaError, match="customers.acquisition_date: expected datetime"):
        workshop.data_overview(m)


def test_data_overview_counts_each_customer_once():
    m = _tiny()
    m.customers = pd.concat([m.customers, m.customers.iloc[[1]]])
    with pytest.raises(schema.SchemaError, match="customers.customer_id.*duplicated key"):
        workshop.data_overview(m)


def test_concentration_refuses_what_it_cannot_sum():
    c = pd.DataFrame({"customer_id": [1, 2, 3], "abc_class": ["A", "B", None],
                      "direct_profit": [10.0, 5.0, 1.0]})
    with pytest.raises(schema.SchemaError, match=r"customers.abc_class: 1 row\(s\) missing"):
        workshop.concentration(c)
    c["abc_class"] = ["A", "B", "C"]
    with pytest.raises(schema.SchemaError, match=r"customers.direct_profit: 1 row\(s\) infinite"):
        workshop.concentration(c.assign(direct_profit=[10.0, np.inf, 1.0]))
    with pytest.raises(schema.SchemaError, match="customers.direct_profit: expected number"):
        workshop.concentration(c.assign(direct_profit=["10", "5", "1"]))
    with pytest.raises(schema.SchemaError, match="customers.customer_id.*duplicated key"):
        workshop.concentration(pd.concat([c, c.iloc[[0]]]))


def test_purchases_prefers_contracts_then_transactions():
    m = _tiny()
    assert workshop.purchases(m).table == "contracts"
    m.contracts = pd.DataFrame()
    p = workshop.purchases(m)
    assert (p.table, p.type_col) == ("transactions", "purchase_type")
    assert set(p.frame["purchase_type"]) == {"premium"}
    m.transactions = pd.DataFrame()
    with pytest.raises(schema.SchemaError, match="RFM needs"):
        workshop.purchases(m)


def test_table_formats_shares_and_hides_the_index():
    html = workshop.table(pd.DataFrame({"abc_class": ["A"], "customer_share": [0.1],
                                        "direct_profit": [12345.678]})).to_html()
    # shares in per cent, amounts in euros with their unit (crmkit.display.show_table)
    assert "10.0\u00a0%" in html and "12,346\u00a0€" in html and "Class A" in html
    assert ">0<" not in html  # no row number


def test_unknown_workshop():
    with pytest.raises(ValueError, match="unknown workshop 'audit'"):
        workshop.run("audit", "/tmp/never.html")


def test_missing_notebooks_say_where_they_come_from(tmp_path, monkeypatch):
    # crmkit installed from a wheel has no notebooks/ folder beside it
    monkeypatch.setattr(workshop.runner, "NOTEBOOK_DIR", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="come with the crmkit repository"):
        workshop.run("value-audit", tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


# ---------------------------------------------------------------------------------------
# end to end: a client's French CSV export -> crmkit import -> workshop -> HTML report
# ---------------------------------------------------------------------------------------
def _client_export(market, folder: Path) -> None:
    """The generated market written as a French client would export it: ';', decimal
    commas, dd/mm/yyyy dates, Windows-1252, French headers, identifiers included."""
    cu = market.customers
    fr_date = "%d/%m/%Y"

    def money(s):
        return s.map(lambda v: f"{v:.2f}".replace(".", ","))

    pd.DataFrame({
        "Numéro client": cu["customer_id"], "Prénom": cu["first_name"], "Nom": cu["last_name"],
        "Courriel": cu["email"], "Téléphone": cu["phone"], "Adresse": cu["address"],
        "CP": cu["postcode"], "Ville": cu["city"],
        "Né(e) le": cu["birth_date"].dt.strftime(fr_date),
        "Client depuis": cu["acquisition_date"].dt.strftime(fr_date),
        "Résilié le": cu["churn_date"].dt.strftime(fr_date),
        "Étape de vie": cu["life_stage"], "Score": money(cu["credit_score"]),
    }).to_csv(folder / "clients.csv", sep=";", index=False, encoding="cp1252", errors="replace")
    co = market.contracts
    pd.DataFrame({
        "Contrat": co["contract_id"], "Client": co["customer_id"], "Produit": co["product_id"],
        "Début": co["start_date"].dt.strftime(fr_date), "Fin": co["end_date"].dt.strftime(fr_date),
        "Prime": money(co["monthly_premium"]) + " €",
    }).to_csv(folder / "contrats.csv", sep=";", index=False, encoding="cp1252")
    tx = market.transactions
    tx = tx.loc[tx["date"] >= tx["date"].max() - pd.DateOffset(months=18)]
    pd.DataFrame({
        "Client": tx["customer_id"], "Contrat": tx["contract_id"],
        "Date": tx["date"].dt.strftime(fr_date), "Type": tx["kind"],
        "Montant": money(tx["amount"]), "Marge": money(tx["margin"]),
    }).to_csv(folder / "mouvements.csv", sep=";", index=False, encoding="cp1252")
    (folder / "mapping.yaml").write_text("""
date_format: "%d/%m/%Y"
tables:
  customers:
    file: clients.csv
    columns: {customer_id: Numéro client, first_name: Prénom, last_name: Nom,
              email: Courriel, phone: Téléphone, address: Adresse, postcode: CP,
              city: Ville, birth_date: Né(e) le, acquisition_date: Client depuis,
              churn_date: Résilié le, life_stage: Étape de vie, credit_score: Score}
  contracts:
    file: contrats.csv
    columns: {contract_id: Contrat, customer_id: Client, product_id: Produit,
              start_date: Début, end_date: Fin, monthly_premium: Prime}
  transactions:
    file: mouvements.csv
    columns: {customer_id: Client, contract_id: Contrat, date: Date, kind: Type,
              amount: Montant, margin: Marge}
""", encoding="utf-8")


@pytest.fixture(scope="module")
def imported(market, tmp_path_factory):
    folder = tmp_path_factory.mktemp("client")
    _client_export(market, folder)
    out = tmp_path_factory.mktemp("imported")
    result = import_data(folder / "mapping.yaml", out_dir=out, salt=SALT)
    return market, result, out


def test_import_of_the_export_keeps_every_valid_row(imported):
    market, result, _ = imported
    for name, info in result.report["tables"].items():
        assert info["read"] == info["kept"] + info["merged"] + info["rejected"], name
    # the generator's data pass every rule except one: it acquires some customers a few
    # weeks before their 18th birthday, which the default plausibility rule refuses; they
    # (and whatever hangs on them) are the only rejects
    cu = market.customers
    minor = cu["acquisition_date"] < cu["birth_date"] + pd.DateOffset(years=18)
    bad = minor | (cu["churn_date"] < cu["acquisition_date"])
    assert result.report["tables"]["customers"]["rejected"] == int(bad.sum())
    assert result.report["tables"]["customers"]["read"] == len(market.customers)
    assert set(result.rejects_summary()["reason"]) == {
        "customer under 18 at acquisition", "unknown customer_id (not among the kept customers)"}
    assert result.failures == []  # under a tenth of each table


def test_value_audit_report_end_to_end(imported):
    market, _, out = imported
    run = workshop.run("value-audit", out / "report.html", data_dir=out,
                       parameters={"client": "Assurances de l'Iroise"})
    html = run.html.read_text(encoding="utf-8")
    assert run.notebook.exists() and run.seconds > 0
    for heading in ("Customer value audit", "ABC analysis", "value matrix", "Lifetime value",
                    "Action plan", "Import of the client", "Assurances de l"):
        assert heading in html, heading
    assert html.count("data:image/png;base64") >= 4  # figures embedded
    # self-contained: nothing is fetched from the network when the client opens it
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?:", html)
    # code hidden
    assert "workshop.value_base" not in html and "import matplotlib" not in html
    # no personal identifier of the input anywhere in the report
    cu = market.customers
    full_names = cu["first_name"] + " " + cu["last_name"]
    for values in (cu["email"].dropna(), cu["phone"].dropna(), full_names, cu["address"]):
        leaked = [v for v in values if v in html]
        assert not leaked, leaked[:3]


@pytest.mark.slow
def test_segmentation_report_end_to_end(imported):
    _, _, out = imported
    run = workshop.run("segmentation", out / "segmentation.html", data_dir=out)
    html = run.html.read_text(encoding="utf-8")
    for heading in ("Segmentation workshop", "RFM", "FRAT", "Statistical segmentation",
                    "Migration and stability"):
        assert heading in html


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------
def test_cli_import_and_template(tmp_path, capsys):
    messy = Path(__file__).parent / "data" / "messy"
    assert cli(["import", "--template"]) == 0
    assert "tables:" in capsys.readouterr().out
    # the messy export rejects far more than a tenth of its rows: written, but exit code 1
    assert cli(["import", str(messy / "mapping.yaml"), "--out", str(tmp_path / "o"),
                "--salt", SALT]) == 1
    out, err = capsys.readouterr()
    assert re.search(r"customers\s+clients\.csv\s+13\s+4\s+1\s+8", out)
    assert re.search(r"customers\s+impossible date\s+1\s+4\n", out)  # reason, rows, first rows
    assert err.count("\n") == 1 and err.startswith("crmkit import: failed: customers: 8 of 13")
    assert (tmp_path / "o" / "rejects.csv").exists()
    assert (tmp_path / "o" / "customers.parquet").exists()


def test_cli_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli(["import", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "none.yaml" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli(["workshop", "value-audit", "--data", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert e.value.code == 2 and "no imported tables" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli(["workshop", "value-audit", "--out", "r.html", "-p", "oops"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        cli(["workshop", "value-audit", "--out", "r.html", "--currency", "dollars"])
    assert e.value.code == 2 and "ISO 4217" in capsys.readouterr().err


def test_default_retention_note_when_unmeasurable():
    m = _tiny()
    m.customers = m.customers.drop(columns=["acquisition_date", "churn_date"])
    m.contracts = pd.DataFrame()
    base = workshop.value_base(m, as_of="2024-12-31")
    assert base.retention == 0.8
    assert any("cannot be measured" in n for n in base.notes)
    assert np.isfinite(base.customers["direct_profit"]).all()


# ---------------------------------------------------------------------------------------
# a value audit that holds on real files (issue 19)
# ---------------------------------------------------------------------------------------
def test_the_window_comes_from_the_dense_range_not_one_outlier():
    m = _tiny()
    stray = pd.DataFrame({"customer_id": [1], "contract_id": [10], "kind": ["premium"],
                          "date": pd.to_datetime(["2091-03-12"]), "amount": [1.0], "margin": [1.0]})
    m.transactions = pd.concat([m.transactions, stray], ignore_index=True)
    start, end = workshop.analysis_window(m)
    assert end == pd.Timestamp("2024-05-02")  # the day after the last dense date, 2024-05-01
    assert workshop.dense_range(m.transactions["date"])[1] == pd.Timestamp("2024-05-01")
    with pytest.raises(schema.SchemaError, match="before the data"):
        workshop.analysis_window(m, as_of="2001-01-01")


def test_customers_who_did_not_buy_are_counted_apart():
    m = _tiny()
    newcomer = pd.DataFrame({"customer_id": [4], "acquisition_date": pd.to_datetime(["2022-01-01"]),
                             "churn_date": pd.NaT, "life_stage": ["couple"]})
    m.customers = pd.concat([m.customers, newcomer], ignore_index=True)
    base = workshop.value_base(m, as_of="2024-12-31")
    assert base.customers["customer_id"].tolist() == [1, 2, 3]
    assert base.non_buyers == 1


def test_concentration_shares_stay_shares_when_losses_cancel_profits():
    # CDNOW's shape: a few big buyers, many customers below a default cost
    c = pd.DataFrame({"abc_class": ["A"] * 2 + ["B"] * 3 + ["C"] * 15,
                      "direct_profit": [500.0, 300.0, 60.0, 40.0, 20.0] + [-30.0] * 15})
    out = workshop.concentration(c).set_index("abc_class")
    total = c["direct_profit"].sum()  # 470: class A alone is 170 % of it
    assert out.loc["A", "direct_profit"] / total > 1.5
    assert out["gain_share"].between(0, 1).all() and out["gain_share"].sum() == pytest.approx(1)
    assert out.loc["A", "gain_share"] == pytest.approx(800 / 920)
    assert out.loc["C", "losses"] == -450.0


def test_no_reward_for_loss_makers_no_termination_for_profitable_customers():
    kpis = pd.DataFrame({"strategy": ["loyalty", "multi_equipment", "retention", "termination"],
                         "customers": [10, 10, 10, 3], "share": [0.3, 0.3, 0.3, 0.1],
                         "direct_profit": [-300.0, 50.0, 400.0, 90.0],
                         "potential": [100.0, 0.0, 20.0, 5.0],
                         "mean_profit": [-30.0, 5.0, 40.0, 30.0]})
    plan = workshop.action_plan(kpis, min_customers=5).set_index("strategy")
    assert plan["supported"].to_dict() == {"loyalty": False, "multi_equipment": False,
                                           "retention": True, "termination": False}
    assert "lose money on average" in plan.loc["loyalty", "recommended_action"]
    assert plan.loc["termination", "recommended_action"].startswith("No action recommended: too few")


def test_action_plan_refuses_a_figure_it_cannot_read():
    kpis = pd.DataFrame({"strategy": ["loyalty", "retention"], "customers": [10, 10],
                         "share": [0.5, 0.5], "direct_profit": [300.0, 400.0],
                         "potential": [100.0, 20.0], "mean_profit": [30.0, np.nan]})
    # a missing mean profit read as "not profitable" would withhold advice silently
    with pytest.raises(schema.SchemaError, match=r"kpis.mean_profit: 1 row\(s\) missing.*\[1\]"):
        workshop.action_plan(kpis)
    kpis["mean_profit"] = [30.0, 40.0]
    with pytest.raises(schema.SchemaError, match="kpis.strategy.*duplicated key"):
        workshop.action_plan(pd.concat([kpis, kpis.iloc[[0]]]))
    with pytest.raises(schema.SchemaError, match="kpis.customers: 1 row\\(s\\) negative"):
        workshop.action_plan(kpis.assign(customers=[10, -1]))


def test_report_texts_exist_in_both_languages():
    from crmkit.workshop import report

    texts = report._texts()
    assert all(t["en"].strip() and t["fr"].strip() for t in texts.values())
    # same placeholders on both sides
    import string

    for key, t in texts.items():
        names = [{f for _, f, _, _ in string.Formatter().parse(t[lang]) if f} for lang in ("en", "fr")]
        assert names[0] == names[1], key


def test_numbers_money_and_dates_follow_the_language():
    from crmkit.workshop import report

    assert report.money(1234.5, "USD", 2, lang="en") == "US$1,234.50"
    assert report.money(1234.5, "USD", 2, lang="fr") == "1\u202f234,50\xa0$US"
    assert report.percent(0.5, lang="fr") == "50\u202f%"
    assert report.date("1998-06-30", lang="fr") == "30 juin 1998"
    html = workshop.table(pd.DataFrame({"strategy": ["loyalty"], "direct_profit": [1234.5]}),
                          money=["direct_profit"], currency="USD").to_html()
    assert "1,234\u00a0US$" in html and "€" not in html


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory):
    """The worked example of the how-to page, run as written there."""
    import contextlib
    import io
    import os
    import shlex

    page = (Path(__file__).parents[1] / "book" / "how-to-use.md").read_text(encoding="utf-8")
    block = page.split("<!-- cdnow-example -->")[1].split("```bash")[1].split("```")[0]
    commands = [ln for ln in block.splitlines() if ln.startswith("crmkit ")]
    folder = tmp_path_factory.mktemp("cdnow")
    here = os.getcwd()
    root = Path(__file__).resolve().parents[1]
    os.chdir(folder)
    try:
        for line in commands:
            line = line.replace("crmkit/data", f"{root}/crmkit/data")
            target = None
            if ">" in line:
                line, target = (x.strip() for x in line.split(">"))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = cli(shlex.split(line)[1:])
            assert code == 0, line
            if target:
                Path(target).write_text(out.getvalue(), encoding="utf-8")
    finally:
        os.chdir(here)
    return folder, commands


def _text_of(html: str) -> str:
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", body))


def test_cdnow_worked_example_imports_every_purchase(cdnow):
    folder, commands = cdnow
    assert [c.split()[1] for c in commands] == ["import", "import", "workshop", "workshop"]
    report = json.loads((folder / "cdnow" / "import_report.json").read_text())
    tx, cu = report["tables"]["transactions"], report["tables"]["customers"]
    # 6,919 purchases of 2,357 customers (tests/data/PROVENANCE.md)
    assert (tx["read"], tx["kept"], tx["rejected"]) == (6919, 6919, 0)
    assert (cu["kept"], cu["merged"]) == (2357, 6919 - 2357)


def test_cdnow_value_audit_counts_buyers_and_shows_dollars_in_french(cdnow):
    folder, _ = cdnow
    html = (folder / "cdnow-value.html").read_text(encoding="utf-8")
    text = _text_of(html)
    # the customers who bought in the last 12 months (1 Jul 1997 - 30 Jun 1998), counted
    # from the log itself, are the customers analysed; the others are apart
    log = pd.read_csv(Path(__file__).parent / "data" / "CDNOW_sample.txt", sep=r"\s+",
                      header=None, names=["master", "id", "day", "cds", "dollars"])
    buyers = log.loc[log["day"] >= 19970701, "id"].nunique()
    apart = log["id"].nunique() - buyers
    n = lambda x: f"{x:,}".replace(",", "\u202f")  # noqa: E731 (French grouping)
    assert f"Clients analysés : {n(buyers)}, ceux qui ont acheté" in text
    assert f"{n(apart)} autres clients" in text
    assert "dollars des États-Unis par an" in text and "$US" in text and "€" not in text
    # no share above 100 % or below 0 anywhere in the report
    shares = [float(x.replace(",", ".")) for x in re.findall(r"(-?\d+(?:,\d+)?)\u202f%", text)]
    assert shares and all(0 <= s <= 100 for s in shares), shares
    # French throughout: no sentence of the English texts, the consultant's hints left out
    from crmkit.workshop import report

    for key, t in report._texts().items():
        english = t["en"].split("{")[0].strip()
        if len(english) > 25 and english != t["fr"].split("{")[0].strip():
            assert english not in text, key
    assert "margin_rate" not in html and "Pour le consultant" not in html
    executed = (folder / "cdnow-value.ipynb").read_text(encoding="utf-8")
    assert "margin_rate" in executed  # the consultant's notebook keeps them


def test_cdnow_segmentation_is_dated_inside_the_data(cdnow):
    folder, _ = cdnow
    text = _text_of((folder / "cdnow-segments.html").read_text(encoding="utf-8"))
    assert "Segmentation as of: June 30, 1998" in text or "Segmentation as of: 30 June 1998" in text
    assert "RFM" in text and "Migration and stability" in text


def test_the_workshop_reads_no_combination_rarer_than_min_group(tmp_path):
    messy = Path(__file__).parent / "data" / "messy"
    import_data(messy / "mapping.yaml", out_dir=tmp_path / "o", salt=SALT)
    # four customers, born in four different years: each combination is unique
    assert workshop.load_data(tmp_path / "o", min_group=1).suppressed == 0
    market = workshop.load_data(tmp_path / "o", min_group=2)
    assert market.suppressed == 4
    assert market.customers[["birth_date", "postcode"]].isna().all().all()
    assert len(market.customers) == 4  # the customers stay; their quasi-identifiers go


def test_every_reject_reason_of_the_importer_reads_in_french(tmp_path):
    from crmkit.workshop import report

    messy = Path(__file__).parent / "data" / "messy"
    reasons = set()
    for m in ("mapping.yaml", "mapping_achats.yaml"):
        reasons |= set(import_data(messy / m, salt=SALT).rejects["reason"])
    assert len(reasons) >= 14
    for r in sorted(reasons):
        fr = report.reason(r, lang="fr")
        assert fr != r and fr != report.reason(r, lang="en"), r
