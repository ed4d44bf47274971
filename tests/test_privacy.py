"""Pseudonymisation: keyed hashes, removed identifiers, scrubbed free text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import schema
from crmkit.privacy import (
    DIRECT_IDENTIFIERS,
    hash_keys,
    hash_text,
    name_tokens,
    pseudonymise,
    pseudonymise_tables,
    scrub_text,
)

SALT = "atelier-2024-iroise"


def test_hash_keys_is_deterministic_keyed_and_domain_separated():
    ids = pd.Series([1, 2, 3, 1])
    a = hash_keys(ids, SALT, "customer")
    assert a.tolist() == hash_keys(ids, SALT, "customer").tolist()
    assert a[0] == a[3] and len(set(a)) == 3
    assert not set(hash_keys(ids, "another-salt-2024-iroise", "customer")) & set(a)
    assert not set(hash_keys(ids, SALT, "contract")) & set(a)
    assert (a > 0).all()  # positive int64 pseudonyms


def test_hash_keys_has_no_collision_on_a_million_numbers():
    ids = pd.Series(np.arange(1_000_000))
    h = hash_keys(ids, SALT, "customer")
    assert h.nunique() == 1_000_000


def test_hash_keys_keeps_missing():
    h = hash_keys(pd.Series([5.0, np.nan, 5.0]), SALT, "customer")
    assert h.isna().tolist() == [False, True, False]
    assert h[0] == hash_keys(pd.Series(["5"]), SALT, "customer")[0]  # 5.0 is customer 5


@given(st.lists(st.one_of(st.integers(0, 10**12), st.text(min_size=1, max_size=12)),
                min_size=1, max_size=30))
def test_hash_keys_equal_in_equal_out(values):
    s = pd.Series(values, dtype=object)
    h = hash_keys(s, SALT, "customer")
    canon = [str(v) for v in values]
    for i in range(len(values)):
        for j in range(len(values)):
            assert (h[i] == h[j]) == (canon[i] == canon[j])


def test_hash_text_is_16_hex_digits():
    h = hash_text(pd.Series(["anne@x.fr", "ANNE@x.fr"]), SALT, "email")
    assert all(len(v) == 16 and int(v, 16) >= 0 for v in h)
    assert h[0] != h[1]


@pytest.mark.parametrize("text,expected", [
    ("rappeler au 06 12 34 56 78", "rappeler au [phone]"),
    ("tel +33 6 12 34 56 78.", "tel [phone]."),
    ("fixe 02.99.88.77.66", "fixe [phone]"),
    ("0033612345678 ou 0612345678", "[phone] ou [phone]"),
    ("écrire à jean-luc.le_goff+crm@mail.example.co.uk !", "écrire à [email] !"),
    ("contrat 123456 du 12/03/2021", "contrat 123456 du 12/03/2021"),  # not a phone
    ("Mme Le Goff a appelé", "Mme Le [name] a appelé"),
    ("Goffin n'est pas Goff", "Goffin n'est pas [name]"),  # whole words only
])
def test_scrub_text(text, expected):
    assert scrub_text(pd.Series([text]), names={"goff"})[0] == expected


def test_name_tokens_skips_short_words_and_is_lower_case():
    assert name_tokens(pd.Series(["Éloïse", "Li", None]), pd.Series(["De La Tour"])) == {
        "éloïse", "tour"}


def _fake_customers():
    return pd.DataFrame({
        "customer_id": [11, 12, 13],
        "first_name": ["Anne", "Yves", "Anne"],
        "last_name": ["Kervella", "Morvan", "Le Bihan"],
        "email": ["anne.k@example.fr", None, "abihan@example.fr"],
        "phone": ["0611223344", "0299000000", None],
        "address": ["1 rue A", "2 rue B", "3 rue C"],
        "postcode": ["29200", "35000", "56100"],
        "city": ["Brest", "Rennes", "Lorient"],
        "region": ["Bretagne", "Bretagne", "Bretagne"],
        "birth_date": pd.to_datetime(["1970-02-03", "1985-12-30", "1990-06-15"]),
        "household_id": [1, 2, 1],
        "life_stage": ["couple", "single, ask Morvan at 0611223344", "couple"],
    })


def test_pseudonymise_customers_removes_and_coarsens():
    df = _fake_customers()
    out = pseudonymise(df, "customers", SALT)
    assert not DIRECT_IDENTIFIERS & set(out.columns)
    assert out["postcode"].tolist() == ["29", "35", "56"]
    assert out["birth_date"].dt.year.tolist() == [1970, 1985, 1990]
    assert set(out["birth_date"].dt.strftime("%m-%d")) == {"07-01"}
    assert out["household_id"][0] == out["household_id"][2] != out["household_id"][1]
    assert out["life_stage"][1] == "single, ask [name] at [phone]"
    assert out["region"].tolist() == df["region"].tolist()  # no name inside: unchanged
    assert out["customer_id"].dtype == np.int64
    pd.testing.assert_frame_equal(df, _fake_customers())  # input untouched


def test_keep_hashed_email_allows_matching():
    df = _fake_customers()
    out = pseudonymise(df, "customers", SALT, keep_hashed=["email"])
    assert "email" in out.columns and "phone" not in out.columns
    assert out["email"].isna().tolist() == [False, True, False]
    assert "@" not in "".join(out["email"].dropna())


def test_pseudonymise_market_keeps_joins(market):
    tables = {n: market[n] for n in ("customers", "contracts", "transactions", "interactions")}
    out = pseudonymise_tables(tables, SALT)
    assert not DIRECT_IDENTIFIERS & set(out["customers"].columns)
    # the same customers, the same contracts per customer, the same money per customer
    before = tables["contracts"].groupby("customer_id").size().sort_values().to_numpy()
    after = out["contracts"].groupby("customer_id").size().sort_values().to_numpy()
    np.testing.assert_array_equal(before, after)
    assert set(out["contracts"]["customer_id"]) <= set(out["customers"]["customer_id"])
    joined = out["transactions"].merge(out["contracts"][["contract_id", "customer_id"]],
                                       on="contract_id", suffixes=("", "_c"))
    assert (joined["customer_id"] == joined["customer_id_c"]).all()
    assert len(joined) == len(tables["transactions"])
    margin = out["transactions"].groupby("customer_id")["margin"].sum().sort_values()
    ref = tables["transactions"].groupby("customer_id")["margin"].sum().sort_values()
    np.testing.assert_allclose(margin.to_numpy(), ref.to_numpy())
    for name, df in out.items():
        schema.validate(df, name, columns=list(df.columns))
    # no name of the market survives anywhere
    names = set(tables["customers"]["last_name"].str.lower())
    text = " ".join(out["customers"].select_dtypes("str").astype(str).agg(" ".join, axis=1))
    assert not {w for w in text.lower().split() if len(w) > 3} & names


@pytest.mark.parametrize("call,error,message", [
    (lambda: pseudonymise(_fake_customers(), "clients", SALT), schema.SchemaError, "unknown table"),
    (lambda: pseudonymise([1, 2], "customers", SALT), schema.SchemaError, "expected a pandas"),
    (lambda: pseudonymise(_fake_customers(), "customers", ""), ValueError, "salt"),
    (lambda: pseudonymise(_fake_customers(), "customers", SALT, keep_hashed=["region"]),
     ValueError, r"\['region'\] are not direct identifiers"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_hash_keys_number_and_its_text_are_one_key():
    # found by hypothesis: 0 and "0" were hashed twice and reported as a collision
    h = hash_keys(pd.Series([0, "0", 12.0, "12", 7], dtype=object), SALT, "customer")
    assert h[0] == h[1] and h[2] == h[3] and h[0] != h[2] != h[4]


# ---------------------------------------------------------------------------------------
# pseudonyms that hold (issue 19)
# ---------------------------------------------------------------------------------------
def test_a_short_salt_is_recovered_from_one_known_pseudonym_so_it_is_refused():
    import hashlib
    import itertools
    import string

    from crmkit.privacy import MIN_SALT_BYTES, workshop_salt

    # what the old default allowed: a 3-letter salt. One known customer number and its
    # pseudonym (the same keyed BLAKE2b) give the salt back by trying every candidate
    secret, known = b"abc", b"1001"
    target = hashlib.blake2b(known, digest_size=8, key=secret, person=b"customer").digest()
    found = next(bytes(c) for c in itertools.product(string.ascii_lowercase.encode(), repeat=3)
                 if hashlib.blake2b(known, digest_size=8, key=bytes(c),
                                    person=b"customer").digest() == target)
    assert found == secret  # 17,576 tries at most
    for short in ("abc", "x" * (MIN_SALT_BYTES - 1)):
        with pytest.raises(ValueError, match="too short; a salt needs at least 16 bytes"):
            hash_keys(pd.Series([1001]), short, "customer")
        with pytest.raises(ValueError, match="too short"):
            workshop_salt(short)
    drawn = {workshop_salt() for _ in range(5)}
    assert len(drawn) == 5 and all(len(bytes.fromhex(s)) == MIN_SALT_BYTES for s in drawn)


def test_rare_combinations_are_suppressed_in_what_the_report_reads():
    from crmkit.privacy import rare_combinations, suppress_rare

    df = pd.DataFrame({
        "customer_id": range(8),
        "birth_date": pd.to_datetime(["1980-07-01"] * 5 + ["1931-07-01", "1980-07-01", "1990-07-01"]),
        "postcode": ["35"] * 5 + ["29", "29", "35"],
        "income": np.arange(8.0)})
    rare = rare_combinations(df, ["birth_date", "postcode"], k=3)
    assert rare.tolist() == [False] * 5 + [True] * 3
    out, n = suppress_rare(df, 3)
    assert n == 3 and out.loc[rare, ["birth_date", "postcode"]].isna().all().all()
    assert out["income"].equals(df["income"]) and len(out) == len(df)
    # nothing left rarer than k among the combinations still shown
    shown = out.dropna(subset=["birth_date", "postcode"])
    assert shown.groupby(["birth_date", "postcode"]).size().min() >= 3
    with pytest.raises(ValueError, match="k must be a positive integer"):
        rare_combinations(df, ["postcode"], k=0)


def _matches_by_pairs(df, cols):
    """The definition, pair by pair: rows j agreeing with row i wherever both are known."""
    v = df[cols].astype(object).where(df[cols].notna(), None).to_numpy()
    n = len(v)
    return np.array([sum(all(a is None or b is None or a == b for a, b in zip(v[i], v[j], strict=True))
                         for j in range(n)) for i in range(n)])


def test_a_blank_quasi_identifier_matches_any_value():
    # sdcMicro's freqCalc: a missing value stands for any category of its column
    from crmkit.privacy import rare_combinations

    df = pd.DataFrame({"gender": ["F", None, "M"], "region": ["Bretagne"] * 3})
    # F matches F and the blank (2), the blank matches all three (3), M matches 2
    assert rare_combinations(df, ["gender", "region"], k=3).tolist() == [True, False, True]
    assert not rare_combinations(df, ["gender", "region"], k=2).any()
    # a blank date matches every year
    d = pd.DataFrame({"birth_date": pd.to_datetime(["1980-03-01", None, "1981-01-01"])})
    assert rare_combinations(d, ["birth_date"], k=2).tolist() == [False, False, False]


@given(st.lists(st.tuples(st.sampled_from(["F", "M", None]), st.sampled_from(["35", "29", None]),
                          st.sampled_from([1980, 1990, None])), min_size=1, max_size=25),
       st.integers(1, 5))
def test_rare_combinations_count_wildcard_matches_as_defined(rows, k):
    from crmkit.privacy import rare_combinations, suppress_rare

    df = pd.DataFrame(rows, columns=["gender", "postcode", "year"], dtype=object)
    df["year"] = pd.to_datetime(df["year"].map(lambda y: None if y is None else f"{y}-07-01"))
    df.insert(0, "customer_id", range(len(df)))
    cols = ["gender", "postcode", "year"]
    by_year = df.assign(year=df["year"].dt.year.astype(object).where(df["year"].notna(), None))
    want = _matches_by_pairs(by_year, cols) < k
    assert rare_combinations(df, cols, k).tolist() == want.tolist()
    # what suppress_rare leaves is k-anonymous: every row has at least k matches
    out, n = suppress_rare(df, k, cols)
    assert n == int(want.sum())
    if len(df) >= k:
        assert not rare_combinations(out, cols, k).any()


def test_a_person_counted_twice_is_refused():
    from crmkit.privacy import rare_combinations, suppress_rare

    df = pd.DataFrame({"customer_id": [1, 2, 2], "postcode": ["35", "29", "29"]})
    # customer 2 repeated would look common (2 rows) while she is alone in the 29
    with pytest.raises(schema.SchemaError, match=r"customer_id.*duplicated key.*\[1, 2\]"):
        rare_combinations(df, ["postcode"], k=2)
    with pytest.raises(schema.SchemaError, match="duplicated key"):
        suppress_rare(df, 2, ["postcode"])
    # a table of something else than persons: no key to check
    assert rare_combinations(df, ["postcode"], k=2, key=None).tolist() == [True, False, False]


def test_pseudonymise_refuses_a_missing_key_and_a_repeated_row():
    cu = pd.DataFrame({"customer_id": [1.0, np.nan, 3.0], "last_name": ["A", "B", "C"]})
    with pytest.raises(schema.SchemaError, match=r"customers.customer_id: 1 row\(s\) missing.*\[1\]"):
        pseudonymise(cu, "customers", SALT)
    twice = pd.DataFrame({"customer_id": [1, 2, 2], "last_name": ["A", "B", "B"]})
    with pytest.raises(schema.SchemaError, match="customers.customer_id.*duplicated key"):
        pseudonymise_tables({"customers": twice}, SALT)
    # a customer with two contracts is not a repeated contract
    co = pd.DataFrame({"contract_id": [1, 2], "customer_id": [7, 7]})
    assert pseudonymise(co, "contracts", SALT)["customer_id"].nunique() == 1
