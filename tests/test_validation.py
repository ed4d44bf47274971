"""The measures of crmkit.synth.validation on small hand-made markets with known answers,
and the targets file's consistency (every target has a measure, every tolerance parses)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from crmkit.market import Market
from crmkit.schema import TABLES
from crmkit.synth.validation import (
    MEASURES,
    NotMeasurable,
    acceptance_interval,
    calibration_table,
    load_targets,
    measure,
)

START = "2020-01-01"
D = pd.Timestamp


def _empty(name):
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].names})


def _customers(rows):
    """rows: (id, gender, birth, acquisition, churn or None, reason or None, sector, stage, household)"""
    df = pd.DataFrame(rows, columns=["customer_id", "gender", "birth_date", "acquisition_date", "churn_date",
                                     "churn_reason", "sector", "life_stage", "household_id"])
    for c in ("birth_date", "acquisition_date", "churn_date"):
        df[c] = pd.to_datetime(df[c])
    df["acquisition_cost"] = 100.0
    return df


def _market(customers, **tables):
    data = {name: _empty(name) for name in TABLES if name in Market.__dataclass_fields__}
    data["customers"] = customers
    for name, df in tables.items():
        data[name] = df
    for name in ("contracts",):
        if name in tables:
            for c in ("start_date", "end_date"):
                data[name][c] = pd.to_datetime(data[name][c])
    for name in ("life_events", "transactions", "interactions"):
        if name in tables:
            data[name]["date"] = pd.to_datetime(data[name]["date"])
    return Market(**data, params={"start": START, "years": 2})


def _events(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "event", "stage_before", "stage_after"])


# ----------------------------------------------------------------- the targets file
def test_every_target_has_a_measure_and_every_measure_a_target():
    targets = load_targets()
    assert set(targets) == set(MEASURES)


def test_every_target_states_a_source_or_says_assumption():
    for key, t in load_targets().items():
        if t["status"] in ("sourced", "derived"):
            assert t["source"]["publisher"] not in (None, "none"), key
            assert str(t["source"]["url"]).startswith("http"), key
            assert t["source"]["year"], key
        if t["status"] == "assumption":
            assert "no public" in t["why"].lower() or "no public" in t["definition"].lower() or "assumption" in t["source"]["title"], key
        low, high = acceptance_interval(t, key=key)
        assert low <= high, key


def test_acceptance_interval_kinds():
    assert acceptance_interval({"value": 2.0, "tolerance": {"abs": 0.5}}) == (1.5, 2.5)
    assert acceptance_interval({"value": 10.0, "tolerance": {"rel": 0.1}}) == pytest.approx((9.0, 11.0))
    assert acceptance_interval({"value": 1.0, "tolerance": {"range": [0.2, 3]}}) == (0.2, 3.0)
    with pytest.raises(ValueError, match="unknown tolerance kind"):
        acceptance_interval({"value": 1.0, "tolerance": {"pct": 3}}, key="k")
    with pytest.raises(ValueError, match="range tolerance"):
        acceptance_interval({"value": 1.0, "tolerance": {"range": [3, 1]}}, key="k")


def test_load_targets_names_the_bad_entry(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("targets:\n  x:\n    group: g\n    label: l\n    value: 1\n")
    with pytest.raises(ValueError, match="'x' lacks field"):
        load_targets(p)


# ----------------------------------------------------------------- measures with known answers
def _people():
    return _customers([
        (1, "F", "1990-01-01", "2019-01-01", None, None, "bank", "couple", 1),
        (2, "F", "1986-01-01", "2019-01-01", None, None, "bank", "couple", 1),
        (3, "M", "1984-01-01", "2019-01-01", "2021-01-01", "competitor_offer", "bank", "young_single", 3),
        (4, "M", "1950-01-01", "2019-01-01", "2021-01-01", "death", "insurance", "retired", 4),
    ])


def test_marriage_ages_and_gap():
    ev = _events([
        (1, "2020-01-01", "marriage", "young_single", "couple"),   # 30.0 years
        (2, "2020-01-01", "marriage", "young_single", "couple"),   # 34.0 years
        (2, "2021-01-01", "marriage", "widowed", "couple"),        # not a first marriage
        (3, "2021-01-01", "marriage", "young_single", "couple"),   # 37.0 years
    ])
    m = _market(_people(), life_events=ev)
    assert measure(m, "first_marriage_age_women") == pytest.approx(32.0, abs=0.01)
    assert measure(m, "first_marriage_age_men") == pytest.approx(37.0, abs=0.01)
    assert measure(m, "marriage_age_gap") == pytest.approx(5.0, abs=0.02)
    assert measure(m, "marriage_summer_share") == 0.0


def test_births_outside_marriage_counts_unmarried_stages():
    ev = _events([
        (1, "2020-05-01", "birth", "young_single", "young_single"),
        (2, "2020-06-01", "birth", "couple", "young_family"),
        (1, "2021-05-01", "birth", "cohabiting", "cohabiting_family"),
        (2, "2019-06-01", "birth", "young_single", "young_single"),  # before the window
    ])
    m = _market(_people(), life_events=ev)
    assert measure(m, "births_outside_marriage") == pytest.approx(2 / 3)


def test_bank_switching_rate_excludes_death_and_other_sectors():
    m = _market(_people())
    # bank customers 1, 2 for two years each, 3 for one year (leaves 2021-01-01): 5 years, 1 leaver
    assert measure(m, "bank_switching_rate") == pytest.approx(1 / 5, rel=1e-3)
    assert measure(m, "leaving_reason_credit_elsewhere") == 1.0
    assert measure(m, "leaving_reason_price") == 0.0


def test_couples_share_a_household():
    assert measure(_market(_people()), "couples_sharing_household") == 1.0
    c = _people()
    c["household_id"] = c["customer_id"]
    assert measure(_market(c), "couples_sharing_household") == 0.0


def _contracts(rows):
    return pd.DataFrame(rows, columns=["contract_id", "customer_id", "product_id", "start_date", "end_date",
                                       "end_reason", "channel", "monthly_premium"])


def _monthly(contract, customer, kind, first, months, amount):
    dates = pd.date_range(first, periods=months, freq="MS")
    amt = np.broadcast_to(np.asarray(amount, dtype=float), (months,))
    return pd.DataFrame({"customer_id": customer, "contract_id": contract, "date": dates, "kind": kind,
                         "amount": amt, "margin": amt})


def test_mortgage_margin_follows_the_outstanding_balance():
    k = _contracts([(101, 1, "B_MORTGAGE", "2015-01-01", None, None, "branch", 100.0)])
    # margin proportional to a balance falling by 0.5 % a month: year 5 / year 1 = 0.995^48
    amounts = 100 * 0.995 ** np.arange(60)
    tx = _monthly(101, 1, "interest_margin", "2015-01-01", 60, amounts)
    m = _market(_people(), contracts=k, transactions=tx)
    m.params = {"start": "2015-01-01", "years": 6}
    assert measure(m, "mortgage_margin_year5_over_year1") == pytest.approx(0.995 ** 48, rel=1e-9)


def test_bonus_malus_factors_from_premiums():
    k = _contracts([
        (201, 3, "I_AUTO", "2015-01-01", None, None, "web", 50.0),
        (202, 2, "I_AUTO", "2015-01-01", None, None, "web", 50.0),
    ])
    # contract 201: claim-free, premium x 0.95 each January; 202: one claim in March 2020, x 1.25 in January 2021
    p201 = np.concatenate([np.full(12, 100.0), np.full(12, 95.0)])
    p202 = np.concatenate([np.full(12, 80.0), np.full(12, 100.0)])
    tx = pd.concat([
        _monthly(201, 3, "premium", "2020-01-01", 24, p201),
        _monthly(202, 2, "premium", "2020-01-01", 24, p202),
        pd.DataFrame({"customer_id": [2], "contract_id": [202], "date": [D("2020-03-10")], "kind": ["claim"],
                      "amount": [900.0], "margin": [-900.0]}),
    ], ignore_index=True)
    m = _market(_people(), contracts=k, transactions=tx)
    assert measure(m, "bm_claim_free_factor") == pytest.approx(0.95)
    assert measure(m, "bm_claim_factor") == pytest.approx(1.25)
    assert measure(m, "loss_ratio_motor") == pytest.approx(900 / (p201.sum() + p202.sum()))
    # two contracts over the two years: 4 contract-years
    assert measure(m, "motor_mean_premium") == pytest.approx((p201.sum() + p202.sum()) / 4, rel=1e-3)


def test_calendar_measures():
    i = pd.DataFrame({
        "interaction_id": [1, 2, 3, 4],
        "customer_id": [1, 1, 2, 2],
        "date": [D("2020-03-01 10:00"), D("2020-03-02 10:00"), D("2020-03-30 10:00"), D("2020-03-31 10:00")],
        "channel": ["branch", "branch", "phone", "web"],
        "direction": ["inbound"] * 4,
        "reason": ["service"] * 4,
        "cost": [1.0] * 4,
    })
    m = _market(_people(), interactions=i)
    assert measure(m, "branch_visits_on_sunday") == 0.5  # 2020-03-01 was a Sunday
    assert measure(m, "days_29_to_31_share") == 0.5


def test_unmeasurable_quantities_say_why_and_the_table_says_not_measured():
    m = _market(_people())
    with pytest.raises(NotMeasurable, match="household_size"):
        measure(m, "household_size")
    t = calibration_table(m).set_index("quantity")
    assert t.loc["household_size", "verdict"] == "not measured"
    assert "household_size" in t.loc["household_size", "note"]
    assert math.isnan(t.loc["household_size", "market"])
    assert t.loc["couples_sharing_household", "verdict"] == "miss"  # 1.0 is above [0.2, 0.8]


def test_table_verdict_and_ratio_with_given_targets():
    m = _market(_people())
    base = load_targets()["bank_switching_rate"]
    near = dict(base, value=0.2, tolerance={"abs": 0.01})
    far = dict(base, value=0.05, tolerance={"range": [0.025, 0.06]})
    t = calibration_table(m, {"bank_switching_rate": near}).iloc[0]
    assert (t["verdict"], t["ratio"]) == ("within", pytest.approx(1.0, rel=1e-3))
    t = calibration_table(m, {"bank_switching_rate": far}).iloc[0]
    assert (t["verdict"], t["ratio"]) == ("miss", pytest.approx(4.0, rel=1e-3))
    with pytest.raises(ValueError, match="without a measure"):
        calibration_table(m, {"no_such_quantity": near})


def test_every_target_has_its_french_label_and_unit():
    # the French edition's validation page shows label_fr and unit_fr (book/validation.ipynb);
    # a target added without them would show English in the French tables
    targets = load_targets()
    no_french = [k for k, t in targets.items()
                 if not str(t.get("label_fr", "")).strip() or not str(t.get("unit_fr", "")).strip()]
    assert no_french == []
    # a French label is a translation, not the English copied over
    assert [k for k, t in targets.items() if t["label_fr"] == t["label"]] == []


def _without_french(params, words: dict[str, str]) -> list[str]:
    """Parameters whose meaning, unit or source has no French in ``words`` (English -> French),
    or whose French meaning is the English copied over."""
    table = params.table()
    missing = table[[any(t not in words for t in row) or words[row[0]] == row[0]
                     for row in table[["meaning", "unit", "source"]].itertuples(index=False)]]
    return (missing["section"] + "." + missing["name"]).tolist()


def test_every_parameter_has_its_french_meaning_unit_and_source():
    # the French edition's validation page lists every parameter in French (book/validation.ipynb,
    # PARAMS.table(lang="fr")) from the catalog crmkit/locale/fr/LC_MESSAGES/synth/parameters.po,
    # looked up by the English text: a new parameter, or an English meaning that changed, has
    # no French until the catalog is brought in step (make translations) and translated
    from crmkit._i18n import translations
    from crmkit.synth.parameters import PARAMS, Parameters

    words = translations("fr")
    assert _without_french(PARAMS, words) == []
    # the check sees a parameter added in English only
    sections = {s: dict(PARAMS._sections[s]._entries) for s in PARAMS._sections}
    sections["claims"]["new_english_only"] = {"value": 0.1, "unit": "share",
                                              "meaning": "a meaning nobody translated", "source": "assumption"}
    assert _without_french(Parameters("test", sections), words) == ["claims.new_english_only"]
    # and the French table is what the page shows: French texts, names and values as in the file
    en, fr = PARAMS.table(), PARAMS.table(lang="fr")
    assert fr[["section", "name"]].equals(en[["section", "name"]])
    assert fr["value"].tolist() == en["value"].tolist()
    assert (fr["meaning"] != en["meaning"]).all()
    assert set(fr.loc[en["source"] == "assumption", "source"]) == {"hypothèse"}
    assert fr.loc[en["source"].str.startswith("target "), "source"].str.startswith("cible ").all()


def test_sources_connecting_words_follow_the_language():
    # a source's publisher and title keep their language; who reported it, when, through whom
    # is said in the page's language, from the catalog crmkit/locale/fr/LC_MESSAGES/synth/
    # targets.po (looked up by the English text, as the parameters' sources are)
    from crmkit._i18n import translations
    from crmkit.synth.validation import source_texts, source_words

    targets = load_targets()
    words = translations("fr")
    assert [t for t in source_texts(targets) if t not in words] == []
    # the check sees a source added in English only
    added = {**targets, "new": {**targets["retirement_age"], "status": "sourced", "source": {
        "publisher": "INSEE (reported by nobody yet)", "title": "T (May 2031)", "url": "u"}}}
    assert [t for t in source_texts(added) if t not in words] == [
        "INSEE (reported by nobody yet)", "(May 2031)"]

    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
    shown = [(t["source"]["publisher"], t["source"]["title"]) for t in targets.values()
             if t["status"] != "assumption" and t["source"].get("url")]
    for publisher, title in shown:
        assert (source_words(publisher), source_words(title, title=True)) == (publisher, title)
        pub_fr, title_fr = source_words(publisher, "fr"), source_words(title, "fr", title=True)
        notes = " ".join([pub_fr, *re.findall(r"\([^()]*\)", title_fr)])
        assert "reported by" not in notes and " and " not in notes, notes
        assert not [m for m in months if m in notes], notes
        # the names before the notes and the titles outside them are untouched
        assert pub_fr.split(" (")[0] == publisher.split(" (")[0]
        assert re.sub(r"\([^()]*\)", "", title_fr).replace("\u202f;", ";") == re.sub(r"\([^()]*\)", "", title)
    assert source_words("Bilan démographique 2023 (reported by franceinfo, 16 January 2024)",
                        "fr", title=True) == "Bilan démographique 2023 (cité par franceinfo, 16 janvier 2024)"
    # a publisher that is a description, not a name, is said in French too
    rules = {t["source"]["publisher"] for t in targets.values() if t["status"] == "rule"}
    assert {"annuity formula", "calendar"} <= rules
    assert (source_words("annuity formula", "fr"), source_words("calendar", "fr")) == (
        "formule des annuités constantes", "calendrier")
