"""Consultant workshops: the value base on partial data, and a full run from a client's CSV
export to an HTML report that carries no personal identifier."""

from __future__ import annotations

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
    # peers: all "couple"; 75th percentile of (670, 93.5, 40) = 381.75
    assert c["potential"].tolist() == pytest.approx([0.0, 381.75 - 93.5, 381.75 - 40.0])
    # customers 1 and 2 were there on 2024-01-01; customer 2 left on 2024-06-30
    assert base.retention == pytest.approx(0.5)
    assert base.notes[-1].startswith("Retention measured on the data: 50.0%")
    assert (base.start, base.end) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"))


def test_value_base_without_interactions_uses_a_cost_per_contract():
    base = workshop.value_base(_tiny(with_interactions=False), as_of="2024-12-31",
                               cost_per_contract=24.0)
    c = base.customers.set_index("customer_id")
    # contracts in force during 2024: two for customer 1, one each for 2 and 3
    assert c["cost_to_serve"].tolist() == [48.0, 24.0, 24.0]
    assert any("default 24.00 € per contract in force" in n for n in base.notes)


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
    ({"as_of": "1990-01-01"}, schema.SchemaError, "no customer active"),
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
    monkeypatch.setattr(workshop, "NOTEBOOK_DIR", tmp_path / "nowhere")
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
        assert info["read"] == info["kept"] + info["rejected"], name
    # the generator's data are valid except customers whose churn date precedes their
    # acquisition date (and whatever hangs on them): those are the only rejects
    bad = market.customers["churn_date"] < market.customers["acquisition_date"]
    assert result.report["tables"]["customers"]["rejected"] == int(bad.sum())
    assert result.report["tables"]["customers"]["read"] == len(market.customers)


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
    assert cli(["import", str(messy / "mapping.yaml"), "--out", str(tmp_path / "o"),
                "--salt", SALT]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"customers\s+clients\.csv\s+13\s+4\s+9", printed)
    assert (tmp_path / "o" / "rejects.csv").exists()


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


def test_default_retention_note_when_unmeasurable():
    m = _tiny()
    m.customers = m.customers.drop(columns=["acquisition_date", "churn_date"])
    m.contracts = pd.DataFrame()
    base = workshop.value_base(m, as_of="2024-12-31")
    assert base.retention == 0.8
    assert any("cannot be measured" in n for n in base.notes)
    assert np.isfinite(base.customers["direct_profit"]).all()
