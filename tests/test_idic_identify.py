"""Identify: identity resolution, its quality against the ground truth, the unified view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.idic import (
    MatchRules,
    candidate_pairs,
    normalise_records,
    resolution_quality,
    resolve_identities,
    unified_customer_view,
)
from crmkit.schema import SchemaError

COLS = ["record_id", "system", "account_number", "first_name", "last_name", "birth_date",
        "email", "phone", "address", "postcode", "city", "true_customer_id"]


def _records(rows):
    df = pd.DataFrame(rows, columns=COLS)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    return df


# Hand-made records: each person's records carry the noise the departments produce.
RECORDS = _records([
    # Marie Martin: accents/case, a typo, an initial, a move (new address in one system)
    ("r01", "bank_core", "B1", "Marie", "Martin", "1970-03-01", "marie.martin@free.fr",
     "06 11 22 33 44", "1 rue Neuve", "35000", "Rennes", 1),
    ("r02", "cards", "C1", "MARIE", "MARTIN", "1970-03-01", None, "0611223344",
     "1 rue Neuve", "35000", "Rennes", 1),
    ("r03", "insurance_auto", "A1", "Maire", "Martin", "1970-03-01", "marie.martin@free.fr",
     None, "8 av. Foch", "75016", "Paris", 1),
    ("r04", "insurance_home", "H1", "M.", "Martin", "1970-03-01", None, None,
     "8 av. Foch", "75016", "Paris", 1),
    # her twin sister: same birth date, last name and address, another first name
    ("r05", "bank_core", "B2", "Sophie", "Martin", "1970-03-01", None, "06 99 88 77 66",
     "1 rue Neuve", "35000", "Rennes", 2),
    # her husband: same last name and address, own phone, other birth date
    ("r06", "bank_core", "B3", "Paul", "Martin", "1968-11-20", "paul.martin@free.fr",
     "06 55 44 33 22", "1 rue Neuve", "35000", "Rennes", 3),
    # Élodie Le Goff: birth date missing in one system, found through her phone
    ("r07", "bank_core", "B4", "Élodie", "Le Goff", "1985-07-14", None, "+33 6 12 12 12 12",
     "3 place du Port", "29000", "Quimper", 4),
    ("r08", "insurance_health", "S1", "ELODIE", "LEGOFF", None, None, "06 12 12 12 12",
     "12 rue Haute", "29200", "Brest", 4),
    # another Élodie Le Goff: same name, other birth date, nothing shared
    ("r09", "cards", "C2", "Elodie", "Le Goff", "1991-01-30", "elo@orange.fr", None,
     "5 rue Basse", "29200", "Brest", 5),
    # Jean Dupont: two account numbers in the same system (entered twice), a date typo
    ("r10", "bank_core", "B5", "Jean", "Dupont", "1955-12-03", "jd@laposte.net", None,
     "9 bd Victor Hugo", "69003", "Lyon", 6),
    ("r11", "bank_core", "B6", "Jean", "Dupont", "1955-03-12", "jd@laposte.net", None,
     "9 bd Victor Hugo", "69003", "Lyon", 6),
])


# --------------------------------------------------------------------------------------
# normalisation and blocking
# --------------------------------------------------------------------------------------
def test_normalise_folds_names_phones_and_sorts_records():
    shuffled = RECORDS.iloc[::-1]
    n = normalise_records(shuffled)
    assert n["record_id"].tolist() == sorted(RECORDS["record_id"])
    by = n.set_index("record_id")
    assert by.loc["r07", "first"] == by.loc["r08", "first"] == "elodie"
    assert by.loc["r07", "last"] == by.loc["r08", "last"] == "legoff"
    assert by.loc["r07", "phone"] == by.loc["r08", "phone"] == "612121212"
    assert by.loc["r04", "first"] == "m"
    assert pd.isna(by.loc["r03", "phone"])


@pytest.mark.parametrize("name, key", [("Robert", "R163"), ("Rupert", "R163"),
                                       ("Tymczak", "T522"), ("Pfister", "P236"),
                                       ("Lee", "L000")])
def test_soundex_keys_of_textbook_names(name, key):
    recs = RECORDS.iloc[:1].assign(last_name=name)
    assert normalise_records(recs)["last_key"].iloc[0] == key


def test_blocking_skips_oversized_blocks():
    norm = pd.DataFrame({"email": ["a"] * 5 + ["b"] * 2})
    left, right, skipped = candidate_pairs(norm, blocks=(("email",),), block_limit=4)
    assert skipped == 1
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(5, 6)]
    with pytest.raises(ValueError, match="blocking key"):
        candidate_pairs(norm, blocks=(("phone",),))


# --------------------------------------------------------------------------------------
# resolution on hand-made records
# --------------------------------------------------------------------------------------
def test_resolution_finds_the_people_behind_the_records():
    res = resolve_identities(RECORDS)
    got = res.links.set_index("record_id")["resolved_id"]
    same = [("r01", "r02"), ("r01", "r03"), ("r01", "r04"), ("r07", "r08"), ("r10", "r11")]
    different = [("r01", "r05"), ("r01", "r06"), ("r05", "r06"), ("r07", "r09"),
                 ("r08", "r09")]
    for a, b in same:
        assert got[a] == got[b], (a, b)
    for a, b in different:
        assert got[a] != got[b], (a, b)
    assert res.n_customers == 6
    q = resolution_quality(res.links, RECORDS)
    assert (q.precision, q.recall) == (1.0, 1.0)


def test_resolved_ids_are_deterministic_and_order_free():
    a = resolve_identities(RECORDS).links
    b = resolve_identities(RECORDS.sample(frac=1, random_state=1).reset_index(drop=True)).links
    pd.testing.assert_frame_equal(a, b)
    # numbered by the smallest record id of each customer
    firsts = a.groupby("resolved_id")["record_id"].min().sort_values()
    assert firsts.index.tolist() == list(range(1, len(firsts) + 1))


def test_namesakes_sharing_an_email_are_split_again():
    recs = _records([
        ("a1", "bank_core", "B1", "Luc", "Petit", "1970-05-05", "luc.petit@free.fr", None,
         "2 rue Vive", "44000", "Nantes", 1),
        ("a2", "cards", "C1", "Luc", "Petit", None, "luc.petit@free.fr", None,
         "2 rue Vive", "44000", "Nantes", 1),
        ("b1", "insurance_auto", "A1", "Luc", "Petit", "1985-09-09", "luc.petit@free.fr", None,
         "7 quai Sud", "13002", "Marseille", 2),
    ])
    # a2, without a birth date, links to both Luc Petits through the shared e-mail
    merged = resolve_identities(recs, MatchRules(split_conflicts=False))
    assert merged.n_customers == 1 and merged.repaired_clusters == 0
    res = resolve_identities(recs)
    assert res.repaired_clusters == 1
    got = res.links.set_index("record_id")["resolved_id"]
    assert got["a1"] == got["a2"] != got["b1"]  # a2 keeps its strongest link (same address)
    kept = res.pairs.set_index(["record_id_l", "record_id_r"])
    assert kept.loc[("a2", "b1"), "match"] and not kept.loc[("a2", "b1"), "linked"]
    assert resolution_quality(res.links, recs).precision == 1.0


def test_threshold_trades_precision_for_recall():
    strict = resolve_identities(RECORDS, MatchRules(threshold=30.0))
    assert strict.n_customers == len(RECORDS)  # nothing reaches 30: every record alone
    loose = resolve_identities(RECORDS, MatchRules(threshold=-50.0))
    # everything compared is linked: the twins, the couple and the namesakes merge
    assert loose.n_customers < 6


def test_quality_counts_pairs_by_hand():
    truth = pd.DataFrame({"record_id": list("abcdef"), "true_customer_id": [1, 1, 1, 2, 2, 3]})
    # merges person 3 into person 2, splits person 1 into {a, b} and {c}
    links = pd.DataFrame({"record_id": list("abcdef"), "resolved_id": [1, 1, 2, 3, 3, 3]})
    q = resolution_quality(links, truth)
    # predicted pairs: ab, de, df, ef = 4; true pairs: ab, ac, bc, de = 4; correct: ab, de
    assert (q.predicted_pairs, q.true_pairs, q.correct_pairs) == (4, 4, 2)
    assert q.precision == 0.5 and q.recall == 0.5 and q.f1 == 0.5
    assert (q.persons, q.resolved, q.records) == (3, 3, 6)
    assert q.as_frame().loc["precision", "value"] == 0.5


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def test_bad_records_name_table_column_rows():
    bad = RECORDS.copy()
    bad.loc[3, "record_id"] = "r01"
    with pytest.raises(SchemaError, match=r"source_records\.record_id: 2 row.*duplicated.*\[0, 3\]"):
        resolve_identities(bad)
    bad = RECORDS.copy()
    bad.loc[[2, 5], "last_name"] = "  "
    with pytest.raises(SchemaError, match=r"source_records\.last_name: 2 row.*blank.*\[2, 5\]"):
        resolve_identities(bad)
    bad = RECORDS.copy()
    bad["birth_date"] = bad["birth_date"].astype(str)
    with pytest.raises(SchemaError, match=r"source_records\.birth_date: expected datetime"):
        resolve_identities(bad)
    with pytest.raises(SchemaError, match=r"source_records\.email: missing column"):
        resolve_identities(RECORDS.drop(columns="email"))


def test_quality_rejects_records_missing_from_links():
    links = pd.DataFrame({"record_id": ["r01", "r02"], "resolved_id": [1, 1]})
    with pytest.raises(SchemaError, match=r"links\.record_id: 9 row.*not in both"):
        resolution_quality(links, RECORDS)


def test_bad_rules():
    with pytest.raises(ValueError, match="name_mid"):
        MatchRules(name_mid=0.99, name_high=0.9)
    with pytest.raises(ValueError, match="block_limit"):
        MatchRules(block_limit=1)


# --------------------------------------------------------------------------------------
# the unified customer view
# --------------------------------------------------------------------------------------
def test_unified_view_by_hand():
    links = resolve_identities(RECORDS).links
    marie = links.set_index("record_id").loc["r01", "resolved_id"]
    contracts = pd.DataFrame({
        "contract_id": [1, 2, 3, 4], "customer_id": [1, 1, 1, 3],
        "product_id": ["B_CURRENT", "I_AUTO", "I_HOME", "B_CURRENT"],
        "start_date": pd.to_datetime(["2015-01-01", "2016-01-01", "2017-01-01", "2015-01-01"]),
        "end_date": pd.to_datetime([None, "2016-06-01", None, None]),
    })
    products = pd.DataFrame({"product_id": ["B_CURRENT", "I_AUTO", "I_HOME"],
                             "sector": ["bank", "insurance", "insurance"]})
    interactions = pd.DataFrame({
        "interaction_id": [1, 2, 3], "customer_id": [1, 1, 4],
        "date": pd.to_datetime(["2018-01-01", "2019-05-01", "2019-01-01"]), "cost": [5.0, 2.5, 1.0],
    })
    incidents = pd.DataFrame({"incident_id": [1, 2], "customer_id": [1, 1]})
    transactions = pd.DataFrame({"customer_id": [1, 1, 3], "margin": [10.0, -4.0, 7.0]})
    view = unified_customer_view(
        links, RECORDS, contracts=contracts, products=products, interactions=interactions,
        incidents=incidents, transactions=transactions, as_of="2018-01-01",
    )
    assert len(view) == 6 and view.index.name == "resolved_id"
    m = view.loc[marie]
    assert m["n_records"] == 4 and m["n_systems"] == 4
    assert m["systems"] == "bank_core|cards|insurance_auto|insurance_home"
    assert m["first_name"] == "Marie" and m["email"] == "marie.martin@free.fr"
    assert m["active_contracts"] == 2 and m["products_held"] == "B_CURRENT|I_HOME"
    assert (m["bank_contracts"], m["insurance_contracts"]) == (1, 1)
    assert m["interactions"] == 2 and m["contact_cost"] == 7.5
    assert m["last_contact"] == pd.Timestamp("2019-05-01")
    assert m["incidents"] == 2 and m["margin"] == 6.0
    twin = view.loc[links.set_index("record_id").loc["r05", "resolved_id"]]
    assert twin["active_contracts"] == 0 and twin["products_held"] == "" and twin["margin"] == 0


def test_unified_view_attaches_a_split_person_to_the_majority():
    links = pd.DataFrame({"record_id": RECORDS["record_id"],
                          "resolved_id": [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]})
    incidents = pd.DataFrame({"incident_id": [1], "customer_id": [1]})
    view = unified_customer_view(links, RECORDS, incidents=incidents)
    # Marie's records are split 3 + 1: her incident goes to the cluster with 3 of them
    assert view.loc[1, "incidents"] == 1 and view.loc[2, "incidents"] == 0


def test_unified_view_bad_links():
    links = pd.DataFrame({"record_id": ["r01"], "resolved_id": [1]})
    with pytest.raises(SchemaError, match=r"source_records\.record_id: 10 row.*not in links"):
        unified_customer_view(links, RECORDS)


# --------------------------------------------------------------------------------------
# generated markets: precision and recall against the ground truth
# --------------------------------------------------------------------------------------
def _check_quality(source_records):
    res = resolve_identities(source_records)
    q = resolution_quality(res.links, source_records)
    assert q.precision >= 0.95, q
    assert q.recall >= 0.95, q
    # the naive key (names as typed + birth date) misses most links: the task is not trivial
    naive = source_records[["first_name", "last_name", "birth_date"]].astype(str)
    key = naive["first_name"] + "|" + naive["last_name"] + "|" + naive["birth_date"]
    naive_links = pd.DataFrame({"record_id": source_records["record_id"],
                                "resolved_id": pd.factorize(key)[0].astype(np.int64)})
    assert resolution_quality(naive_links, source_records).recall < 0.6
    return q


def test_precision_recall_on_the_session_market(market):
    _check_quality(market.source_records)


@pytest.fixture(scope="module")
def course_market():
    from crmkit.datasets import load_market

    return load_market(tables=["source_records"])


def test_precision_recall_on_the_course_market(course_market):
    q = _check_quality(course_market.source_records)
    assert q.persons == 10_000
