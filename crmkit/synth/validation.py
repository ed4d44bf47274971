"""The market measured against public French figures: one measure per calibrated quantity.

Every quantity of ``crmkit/synth/targets.yaml`` has a function here that computes the
market's value from the generated tables only (pure functions over a
:class:`crmkit.synth.Market`; nothing reads the generator's hidden state), and
:func:`calibration_table` puts each market value beside the public figure, its source, the
ratio and a verdict: *within* the stated tolerance, a *miss*, or *not measured* when the
tables do not carry what the quantity needs (the ``note`` column says what is missing).

The observation window is the simulation's: from ``market.params["start"]`` for
``market.params["years"]`` years (the dates of the transactions when a market has no
parameters). Rates are per year of exposure inside that window; holdings are averaged over
the last day of each year of the window; contracts run on day ``d`` when
``start_date <= d < end_date`` (a missing end date means still running).

Examples
--------
>>> from crmkit.synth import generate
>>> from crmkit.synth.validation import calibration_table
>>> table = calibration_table(generate(customers=200, years=2, seed=3))
>>> set(table["verdict"]) <= {"within", "miss", "not measured"}
True
>>> list(table.columns)[:4]
['quantity', 'label', 'group', 'public']
"""

from __future__ import annotations

import functools
import math
import re
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from crmkit.market import active_on, in_window, period_on, running_on

__all__ = [
    "TARGETS_FILE",
    "MEASURES",
    "NotMeasurable",
    "load_targets",
    "acceptance_interval",
    "measure",
    "calibration_table",
    "source_texts",
    "source_words",
]

TARGETS_FILE = Path(__file__).with_name("targets.yaml")
_REQUIRED = ("group", "label", "value", "unit", "definition", "measure", "source", "status",
             "tolerance", "why")
_STATUSES = ("sourced", "derived", "rule", "assumption")
_DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25
# life stages in which the generator's customer is married, and those of unmarried couples
# (PACS or cohabitation): births in the latter are births outside marriage (INSEE's definition)
MARRIED_STAGES = ("couple", "young_family", "mature_family", "empty_nest")
COHABITING_STAGES = ("cohabiting", "cohabiting_family")
COUPLE_STAGES = MARRIED_STAGES + COHABITING_STAGES


class NotMeasurable(Exception):
    """The market's tables do not carry what a quantity needs (the message says what)."""


# ---------------------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------------------
def load_targets(path: str | Path | None = None) -> dict[str, dict]:
    """Read and check the targets file (default: ``crmkit/synth/targets.yaml``).

    Returns the mapping quantity -> entry. Raises one ``ValueError`` naming the quantity and
    the field when an entry lacks a field, has an unknown status or a malformed tolerance.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A YAML file with a ``targets`` mapping; default ``crmkit/synth/targets.yaml``.

    Returns
    -------
    dict of str to dict
        Quantity -> its entry: ``group``, ``label``, the public ``value``, ``unit``,
        ``definition``, ``measure``, ``source`` (publisher, title, year, url), ``status``
        (sourced, derived, rule or assumption), ``tolerance`` and ``why``.

    Raises
    ------
    ValueError
        Naming the quantity and the field of the first malformed entry.

    Examples
    --------
    >>> from crmkit.synth.validation import load_targets
    >>> load_targets()["retirement_age"]["unit"]
    'years'
    """
    path = Path(path) if path is not None else TARGETS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("targets"), dict):
        raise ValueError(f"{path}: expected a mapping with a 'targets' mapping")
    targets = data["targets"]
    for key, t in targets.items():
        if not isinstance(t, dict):
            raise ValueError(f"{path}: target {key!r} is not a mapping")
        missing = [f for f in _REQUIRED if f not in t]
        if missing:
            raise ValueError(f"{path}: target {key!r} lacks field(s) {missing}")
        if t["status"] not in _STATUSES:
            raise ValueError(f"{path}: target {key!r} has status {t['status']!r}; use one of {_STATUSES}")
        if not isinstance(t["value"], (int, float)) or isinstance(t["value"], bool):
            raise ValueError(f"{path}: target {key!r} value must be a number, got {t['value']!r}")
        acceptance_interval(t, key=key)
        src = t["source"]
        if not isinstance(src, dict) or not {"publisher", "title", "year", "url"} <= set(src):
            raise ValueError(f"{path}: target {key!r} source needs publisher, title, year and url")
    return targets


def acceptance_interval(target: dict, *, key: str = "?") -> tuple[float, float]:
    """The market values accepted as *within* for a target: ``(low, high)``.

    Parameters
    ----------
    target : dict
        A target entry with its ``value`` and a ``tolerance`` of one kind: ``{"abs": x}``
        (value +- x), ``{"rel": x}`` (value times 1 +- x) or ``{"range": [low, high]}``.
    key : str, default "?"
        The quantity's name, for error messages.

    Returns
    -------
    tuple of float
        The lowest and highest accepted market values.

    Raises
    ------
    ValueError
        When the tolerance is not one of the three kinds, or a range is not
        ``[low, high]``.

    Examples
    --------
    >>> from crmkit.synth.validation import acceptance_interval
    >>> acceptance_interval({"value": 10.0, "tolerance": {"rel": 0.2}})
    (8.0, 12.0)
    >>> acceptance_interval({"value": 0.5, "tolerance": {"range": [0.2, 0.8]}})
    (0.2, 0.8)
    >>> acceptance_interval({"value": -4.0, "tolerance": {"rel": 0.5}})  # ordered when negative
    (-6.0, -2.0)
    """
    tol, v = target.get("tolerance"), target.get("value")
    if not isinstance(tol, dict) or len(tol) != 1:
        raise ValueError(f"target {key!r}: tolerance must be one of {{abs: x}}, {{rel: x}}, {{range: [lo, hi]}}, got {tol!r}")
    (kind, x), = tol.items()
    if kind == "abs":
        return (float(v) - float(x), float(v) + float(x))
    if kind == "rel":
        lo, hi = float(v) * (1 - float(x)), float(v) * (1 + float(x))
        return (min(lo, hi), max(lo, hi))
    if kind == "range":
        if not isinstance(x, (list, tuple)) or len(x) != 2 or float(x[0]) > float(x[1]):
            raise ValueError(f"target {key!r}: range tolerance must be [low, high], got {x!r}")
        return (float(x[0]), float(x[1]))
    raise ValueError(f"target {key!r}: unknown tolerance kind {kind!r}; use abs, rel or range")


def _tolerance_text(t: dict) -> str:
    (kind, x), = t["tolerance"].items()
    if kind == "abs":
        return f"± {x:g}"
    if kind == "rel":
        return f"± {x:.0%}"
    return f"[{x[0]:g}, {x[1]:g}]"


# A source's publisher and the notes in brackets after a title (who reported the figure, when,
# through whom) are shown in the page's language: their French is in the gettext catalog
# crmkit/locale/fr/LC_MESSAGES/synth/targets.po, looked up by the English text as the
# parameters' sources are (crmkit._i18n). The publishers' names and the titles themselves keep
# their own language (a French statistic's title is French, an English article's English).
_NOTE = re.compile(r"\([^()]*\)")


def _shown_sources(targets: dict[str, dict]) -> list[dict]:
    return [t["source"] for t in targets.values()
            if t["status"] != "assumption" and t["source"].get("publisher") not in (None, "none")]


def source_texts(targets: dict[str, dict] | None = None) -> list[str]:
    """The texts of the targets' sources that the validation page shows in its language: every
    publisher (with its bracketed notes) and the bracketed notes of the titles it lists (those
    with an address), in file order: the English messages of the targets' catalog.

    Parameters
    ----------
    targets : dict, optional
        The targets (:func:`load_targets`); default the kit's.

    Returns
    -------
    list of str
        The texts, each once (a note without a letter, such as a year, is left out).

    Examples
    --------
    >>> texts = source_texts()
    >>> "INSEE (reported by Aleteia, 12 March 2024)" in texts, "(June 2023)" in texts
    (True, True)
    >>> len(texts) == len(set(texts)), "(2022)" in texts
    (True, False)
    """
    out: dict[str, None] = {}
    for s in _shown_sources(load_targets() if targets is None else targets):
        out.setdefault(s["publisher"], None)
        if s.get("url"):
            for note in _NOTE.findall(s.get("title") or ""):
                if re.search(r"[^\W\d_]", note):
                    out.setdefault(note, None)
    return list(out)


def source_words(text: str, lang: str = "en", *, title: bool = False) -> str:
    """A target's source publisher (or, with ``title=True``, its title) in ``lang``: who
    reported the figure, when, through whom, from the targets' catalog
    (:func:`source_texts`); the names, and a title itself, are left as published (of a title,
    only the notes in brackets are translated). A text the catalog lacks stays English.

    Parameters
    ----------
    text : str
        The ``publisher`` or ``title`` of a source in ``targets.yaml``.
    lang : str, default "en"
        The page's language (English: ``text`` unchanged).
    title : bool, default False
        ``text`` is a title: only its bracketed notes are translated.

    Returns
    -------
    str

    Examples
    --------
    >>> source_words("INSEE (reported by Aleteia, 12 March 2024)", "fr")
    'INSEE (cité par Aleteia, 12 mars 2024)'
    >>> source_words("Data & Marketing Association (reported by Documart and IWCO Direct)", "fr")
    'Data & Marketing Association (cité par Documart et IWCO Direct)'
    >>> source_words("Les mariages en 2022 et 2023 (reported by TF1 Info, 12 March 2024)", "fr", title=True)
    'Les mariages en 2022 et 2023 (cité par TF1 Info, 12 mars 2024)'
    >>> source_words("Bain & Company (reported by CBanque); UFC-Que Choisir", "fr")
    'Bain & Company (cité par CBanque)\u202f; UFC-Que Choisir'
    >>> source_words("A publisher the catalog lacks (reported by nobody)", "fr")
    'A publisher the catalog lacks (reported by nobody)'
    """
    if lang == "en":
        return text
    from crmkit._i18n import translations

    words = translations(lang)
    text = _NOTE.sub(lambda m: words.get(m.group(0), m.group(0)), text) if title \
        else words.get(text, text)
    # several sources or titles joined by "; ": French typography (a thin space before it)
    return re.sub(r"(?<=\S) ?; ", "\u202f; ", text) if lang == "fr" else text


def _source_text(t: dict) -> str:
    s = t["source"]
    if t["status"] in ("assumption",) or s.get("publisher") in (None, "none"):
        return "assumption"
    year = f", {s['year']}" if s.get("year") else ""
    return f"{s['publisher']}{year}"


# ---------------------------------------------------------------------------------------
# shared helpers: window, ages, exposure, running contracts
# ---------------------------------------------------------------------------------------
def _window(market) -> tuple[pd.Timestamp, pd.Timestamp]:
    p = getattr(market, "params", None) or {}
    if "start" in p and "years" in p:
        start = pd.Timestamp(p["start"])
        return start, start + pd.DateOffset(years=int(p["years"]))
    d = market.transactions["date"]
    if len(d) == 0:
        raise NotMeasurable("the market has neither parameters nor transactions to date its window")
    start = d.min().normalize().replace(day=1)
    return start, d.max().normalize() + pd.Timedelta(days=1)


def _year_ends(market) -> list[pd.Timestamp]:
    start, end = _window(market)
    ends, k = [], 1
    while start + pd.DateOffset(years=k) <= end:
        ends.append(start + pd.DateOffset(years=k) - pd.Timedelta(days=1))
        k += 1
    return ends or [end - pd.Timedelta(days=1)]


def _years(delta) -> np.ndarray:
    return np.asarray(pd.to_timedelta(delta) / pd.Timedelta(days=1), dtype=float) / YEAR_DAYS


def _age(birth, when) -> np.ndarray:
    return _years(pd.to_datetime(pd.Series(when).to_numpy()) - pd.to_datetime(pd.Series(birth).to_numpy()))


def _months_between(a, b) -> np.ndarray:
    """Whole calendar months from dates ``a`` to dates ``b`` (month of b minus month of a)."""
    a, b = pd.DatetimeIndex(a), pd.DatetimeIndex(b)
    return np.asarray((b.year - a.year) * 12 + (b.month - a.month))


def _customer_spans(market, start, end) -> pd.DataFrame:
    """Each customer's time as a customer inside the window: columns a, b (dates), years."""
    c = market.customers
    a = c["acquisition_date"].clip(lower=start)
    b = c["churn_date"].fillna(end).clip(upper=end)
    out = pd.DataFrame({"customer_id": c["customer_id"].to_numpy(), "a": a.to_numpy(), "b": b.to_numpy()})
    out["years"] = np.clip(_years(out["b"] - out["a"]), 0, None)
    return out


def _with_customer(df: pd.DataFrame, market, cols=("birth_date", "gender", "sector")) -> pd.DataFrame:
    c = market.customers[["customer_id", *cols]]
    return df.merge(c, on="customer_id", how="left")


def _running(contracts: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    return running_on(contracts, day)


def _active(customers: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    return active_on(customers, day)


def _events(market, name: str) -> pd.DataFrame:
    e = market.life_events
    return e[e["event"].astype(str) == name]


def _mean(x) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        raise NotMeasurable("no observation in the window")
    return float(x.mean())


def _ratio(a: float, b: float, what: str) -> float:
    if not b or not math.isfinite(b):
        raise NotMeasurable(f"{what} is zero: the ratio is undefined")
    return float(a / b)


def _share(mask) -> float:
    m = np.asarray(mask, dtype=bool)
    if len(m) == 0:
        raise NotMeasurable("no observation in the window")
    return float(m.mean())


def _in_window(df: pd.DataFrame, col: str, market) -> pd.DataFrame:
    start, end = _window(market)
    return df[in_window(df[col], start, end)]


def _product_contracts(market, product: str) -> pd.DataFrame:
    c = market.contracts
    return c[c["product_id"].astype(str) == product]


def _exposure_years(contracts: pd.DataFrame, start, end) -> float:
    a = contracts["start_date"].clip(lower=start)
    b = contracts["end_date"].fillna(end).clip(upper=end)
    return float(np.clip(_years(b - a), 0, None).sum())


def _memo(fn):
    """Cache a helper's results for the last market object measured (a table calls the same
    helpers many times; holding one market at a time keeps memory flat)."""
    state: dict = {"ref": None, "values": {}}

    @functools.wraps(fn)
    def wrapper(market, *args):
        if state["ref"] is None or state["ref"]() is not market:
            state["ref"], state["values"] = weakref.ref(market), {}
        if args not in state["values"]:
            state["values"][args] = fn(market, *args)
        return state["values"][args]

    return wrapper


@_memo
def _product_tx(market, products: tuple[str, ...]) -> pd.DataFrame:
    """The window's transactions of the contracts of some products."""
    k = market.contracts
    ids = k.loc[k["product_id"].astype(str).isin(products), "contract_id"].to_numpy()
    t = market.transactions
    return _in_window(t[t["contract_id"].isin(ids)], "date", market)


def _tx(market, contract_ids, kind: str | tuple[str, ...]) -> pd.DataFrame:
    ids = np.asarray(contract_ids)
    products = tuple(sorted(market.contracts.loc[market.contracts["contract_id"].isin(ids), "product_id"].astype(str).unique()))
    t = _product_tx(market, products)
    kinds = (kind,) if isinstance(kind, str) else kind
    return t[t["contract_id"].isin(ids) & t["kind"].isin(kinds)]


def _age_band_exposure(spans: pd.DataFrame, birth: pd.Series, lo: float, hi: float) -> np.ndarray:
    """Years each span spends at ages in [lo, hi)."""
    a_age = _age(birth, spans["a"])
    b_age = _age(birth, spans["b"])
    return np.clip(np.minimum(b_age, hi) - np.maximum(a_age, lo), 0, None)


# ---------------------------------------------------------------------------------------
# life events
# ---------------------------------------------------------------------------------------
def _first_marriage_ages(market) -> pd.DataFrame:
    e = _in_window(_events(market, "marriage"), "date", market)
    e = e.sort_values("date").drop_duplicates("customer_id")
    e = _with_customer(e, market)
    e["age"] = _age(e["birth_date"], e["date"])
    return e


def first_marriage_age_women(market) -> float:
    """Mean age of women at their first 'marriage' event in the window."""
    e = _first_marriage_ages(market)
    return _mean(e.loc[e["gender"].astype(str) == "F", "age"])


def first_marriage_age_men(market) -> float:
    """Mean age of men at their first 'marriage' event in the window."""
    e = _first_marriage_ages(market)
    return _mean(e.loc[e["gender"].astype(str) == "M", "age"])


def marriage_age_gap(market) -> float:
    """Mean age at first marriage of men minus that of women."""
    return first_marriage_age_men(market) - first_marriage_age_women(market)


def _births(market) -> pd.DataFrame:
    e = _with_customer(_in_window(_events(market, "birth"), "date", market), market)
    e["age"] = _age(e["birth_date"], e["date"])
    return e


def births_outside_marriage(market) -> float:
    """Share of births where the parent was not in a married stage just before."""
    e = _births(market)
    return _share(~e["stage_before"].astype(str).isin(MARRIED_STAGES))


def mother_mean_age_at_birth(market) -> float:
    """Mean age of female customers at their 'birth' events."""
    e = _births(market)
    return _mean(e.loc[e["gender"].astype(str) == "F", "age"])


def father_mean_age_at_birth(market) -> float:
    """Mean age of male customers at their 'birth' events."""
    e = _births(market)
    return _mean(e.loc[e["gender"].astype(str) == "M", "age"])


def total_fertility_rate(market) -> float:
    """Sum over ages 15-49 of births per woman-year of female customers of that age."""
    start, end = _window(market)
    spans = _with_customer(_customer_spans(market, start, end), market)
    w = spans[(spans["gender"].astype(str) == "F") & (spans["years"] > 0)]
    ages = np.arange(15, 50)
    a_age = _age(w["birth_date"], w["a"])[:, None]
    b_age = _age(w["birth_date"], w["b"])[:, None]
    expo = np.clip(np.minimum(b_age, ages + 1) - np.maximum(a_age, ages), 0, None).sum(axis=0)
    e = _births(market)
    e = e[e["gender"].astype(str) == "F"]
    births = np.bincount(np.clip(np.floor(e["age"].to_numpy()).astype(int) - 15, -1, 35) + 1,
                         minlength=37)[1:36]
    ok = expo > 0
    if not ok.any() or births.sum() == 0:
        raise NotMeasurable("no births to female customers of 15-49 in the window")
    return float((births[ok] / expo[ok]).sum())


def age_leaving_parental_home(market) -> float:
    """Age of the youngest child when children leave home (needs the child's birth date)."""
    raise NotMeasurable("the tables record the parent's 'children_leave_home' event but not the "
                        "children's birth dates before the window")


def retirement_age(market) -> float:
    """Mean age of customers at their 'retirement' event."""
    e = _with_customer(_in_window(_events(market, "retirement"), "date", market), market)
    return _mean(_age(e["birth_date"], e["date"]))


# ---------------------------------------------------------------------------------------
# households
# ---------------------------------------------------------------------------------------
def household_size(market) -> float:
    """Mean household size, from ``customers.household_size`` when the market has it."""
    c = market.customers
    if "household_size" not in c.columns:
        raise NotMeasurable("the customers table has no household_size column (children and "
                            "partners who are not customers are not rows)")
    return _mean(c.drop_duplicates("household_id")["household_size"])


def couples_sharing_household(market) -> float:
    """Share of customers in a couple stage whose household_id is shared with another customer."""
    c = market.customers
    shared = c["household_id"].map(c["household_id"].value_counts()) > 1
    couple = c["life_stage"].astype(str).isin(COUPLE_STAGES)
    return _share(shared[couple])


# ---------------------------------------------------------------------------------------
# cars
# ---------------------------------------------------------------------------------------
def two_plus_cars_among_motorised(market) -> float:
    """Among customers with a running auto contract at each year end, the share with 2+."""
    auto = _product_contracts(market, "I_AUTO")
    shares = []
    for d in _year_ends(market):
        n = auto.loc[_running(auto, d), "customer_id"].value_counts()
        if len(n):
            shares.append(float((n >= 2).mean()))
    return _mean(shares)


def _car_purchases(market) -> pd.DataFrame:
    e = _in_window(market.life_events, "date", market)
    name = e["event"].astype(str)
    return e[(name == "car_purchase") | name.str.contains("used_car")]


def used_car_share_of_purchases(market) -> float:
    """Share of car purchase events that are used-car purchases."""
    e = _car_purchases(market)
    return _share(e["event"].astype(str).str.contains("used"))


def car_holding_years(market) -> float:
    """Years of car ownership per car purchase, for customers insuring a car with the group:
    customer-years with a running auto contract (counted at the year ends) over the car
    purchases of customers whose auto contract runs on the purchase date (steady state:
    years per car = 1 / purchase rate)."""
    auto = _product_contracts(market, "I_AUTO")
    years = sum(auto.loc[_running(auto, d), "customer_id"].nunique() for d in _year_ends(market))
    buys = _car_purchases(market)[["customer_id", "date"]].reset_index(drop=True)
    pairs = buys.reset_index().merge(auto[["customer_id", "start_date", "end_date"]], on="customer_id")
    insured = pairs[running_on(pairs, pairs["date"])]
    n = insured["index"].nunique()
    if n == 0:
        raise NotMeasurable("no car purchase by a customer insuring a car in the window")
    return years / n


def fleet_age(market) -> float:
    """Mean age, in years, of the customers' own insured cars on the last year-end: from
    ``contracts.car_registration_date`` of the motor policies running that day (the second
    car of a household carries no registration date and is left out)."""
    if "car_registration_date" not in market.contracts.columns:
        raise NotMeasurable("the tables carry no car age (no contracts.car_registration_date column)")
    day = _year_ends(market)[-1]
    auto = _product_contracts(market, "I_AUTO")
    reg = auto.loc[_running(auto, day), "car_registration_date"].dropna()
    if reg.empty:
        raise NotMeasurable("no motor policy with a registration date runs on the last year-end")
    return _mean(_years(day - reg))


# ---------------------------------------------------------------------------------------
# bank
# ---------------------------------------------------------------------------------------
def _bank_leaving(market) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, end = _window(market)
    c = market.customers
    spans = _with_customer(_customer_spans(market, start, end), market)
    spans = spans[spans["sector"].astype(str) == "bank"]
    left = c[(c["sector"].astype(str) == "bank") & c["churn_date"].notna()]
    left = _in_window(left, "churn_date", market)
    left = left[left["churn_reason"].astype(str) != "death"]
    return spans, left


def bank_switching_rate(market) -> float:
    """Bank customers leaving (death excluded) per customer-year in the window."""
    spans, left = _bank_leaving(market)
    years = spans["years"].sum()
    if years <= 0:
        raise NotMeasurable("no bank customer in the window")
    return float(len(left) / years)


def _switching_rate_aged(market, lo, hi) -> float:
    spans, left = _bank_leaving(market)
    expo = _age_band_exposure(spans, spans["birth_date"], lo, hi).sum()
    age = _age(left["birth_date"], left["churn_date"])
    n = int(((age >= lo) & (age < hi)).sum())
    if expo <= 0 or n == 0:
        raise NotMeasurable(f"no bank customer leaving at ages {lo}-{hi} in the window")
    return n / expo


def bank_switching_young_to_old(market) -> float:
    """Leaving rate of bank customers aged 18-24 over that of those aged 65+."""
    return _ratio(_switching_rate_aged(market, 18, 25), _switching_rate_aged(market, 65, 200), "the rate at 65+")


def _holding(market, products, sector: str | None = "bank") -> float:
    c = market.customers
    if sector is not None:
        c = c[c["sector"].astype(str) == sector]
    k = market.contracts
    k = k[k["product_id"].astype(str).isin(products)]
    shares = []
    for d in _year_ends(market):
        act = c.loc[_active(c, d), "customer_id"]
        if len(act):
            holders = k.loc[_running(k, d), "customer_id"].unique()
            shares.append(float(np.isin(act.to_numpy(), holders).mean()))
    return _mean(shares)


def mortgage_holding(market) -> float:
    """Share of bank customers holding a running mortgage, averaged over year ends."""
    return _holding(market, ["B_MORTGAGE"])


def consumer_credit_holding(market) -> float:
    """Share of bank customers holding a running consumer loan, averaged over year ends."""
    return _holding(market, ["B_CONSUMER"])


def mortgage_margin_year5_over_year1(market) -> float:
    """Mean monthly margin of mortgages in loan year 5 over loan year 1."""
    start, end = _window(market)
    k = _product_contracts(market, "B_MORTGAGE")
    five = k["start_date"] + pd.DateOffset(years=5)
    # started in the window, and ran through its fifth year (still running on its last day)
    k = k[in_window(k["start_date"], start) & (five <= end)
          & running_on(k, five - pd.Timedelta(days=1))]
    t = _tx(market, k["contract_id"], "interest_margin").merge(k[["contract_id", "start_date"]], on="contract_id")
    if t.empty:
        raise NotMeasurable("no mortgage billed for five full years in the window")
    year = _months_between(t["start_date"], t["date"]) // 12
    y1, y5 = t.loc[year == 0, "amount"], t.loc[year == 4, "amount"]
    if y1.empty or y5.empty:
        raise NotMeasurable("no mortgage billed in both its first and fifth year")
    return _ratio(y5.mean(), y1.mean(), "the first-year margin")


# ---------------------------------------------------------------------------------------
# savings
# ---------------------------------------------------------------------------------------
def livret_a_holding(market) -> float:
    """Share of bank customers holding a running savings account, averaged over year ends."""
    return _holding(market, ["B_SAVINGS"])


def life_insurance_holding(market) -> float:
    """Share of customers holding a running life-insurance contract, averaged over year ends."""
    return _holding(market, ["B_LIFE", "I_LIFE"], sector=None)


def _margin_rate(name: str) -> float:
    """The generator's yearly margin rate on a balance (the bank knows what it earns)."""
    from crmkit.synth import products as P

    rate = getattr(P, name, None)
    if rate is None:
        raise NotMeasurable(f"the generator's margin rate crmkit.synth.products.{name} is not available")
    return float(rate)


def _implied_balance(market, products, kind, rate_name) -> float:
    start, end = _window(market)
    k = market.contracts
    k = k[k["product_id"].astype(str).isin(products) & _running(k, end - pd.Timedelta(days=1))]
    last_month = (end - pd.DateOffset(months=1))
    t = _tx(market, k["contract_id"], kind)
    t = t[t["date"] >= last_month]
    if t.empty:
        raise NotMeasurable("no balance-bearing contract billed in the window's last month")
    monthly = t.groupby("contract_id")["amount"].sum()
    return float((monthly * 12 / _margin_rate(rate_name)).mean())


def livret_a_mean_balance(market) -> float:
    """Mean balance of the savings accounts running at the end (12 x monthly margin / rate)."""
    return _implied_balance(market, ["B_SAVINGS"], "interest_margin", "SAVINGS_SPREAD")


def life_insurance_mean_balance(market) -> float:
    """Mean balance of the life contracts running at the end (12 x monthly fee / fee rate)."""
    return _implied_balance(market, ["B_LIFE", "I_LIFE"], "fee", "LIFE_MANAGEMENT_FEE")


# ---------------------------------------------------------------------------------------
# insurance
# ---------------------------------------------------------------------------------------
def _cancellation_rate(market, product: str) -> float:
    start, end = _window(market)
    k = _product_contracts(market, product)
    years = _exposure_years(k, start, end)
    ended = _in_window(k[k["end_date"].notna()], "end_date", market)
    n = int((~ended["end_reason"].astype(str).isin(["death", "term"])).sum())
    if years <= 0:
        raise NotMeasurable(f"no {product} contract in the window")
    return n / years


def home_insurance_cancellation_rate(market) -> float:
    """Home contracts ended (death and term excluded) per home contract-year."""
    return _cancellation_rate(market, "I_HOME")


def motor_cancellation_rate(market) -> float:
    """Auto contracts ended (death and term excluded) per auto contract-year."""
    return _cancellation_rate(market, "I_AUTO")


def _mean_yearly_premium(market, product: str) -> float:
    start, end = _window(market)
    k = _product_contracts(market, product)
    years = _exposure_years(k, start, end)
    if years <= 0:
        raise NotMeasurable(f"no {product} contract in the window")
    return float(_tx(market, k["contract_id"], "premium")["amount"].sum() / years)


def motor_mean_premium(market) -> float:
    """Auto premiums billed in the window per auto contract-year (euros a year)."""
    return _mean_yearly_premium(market, "I_AUTO")


def home_mean_premium(market) -> float:
    """Home premiums billed in the window per home contract-year (euros a year)."""
    return _mean_yearly_premium(market, "I_HOME")


def _premium_by_age(market, product: str, lo, hi) -> float:
    """Mean monthly premium billed on a product's contracts to customers aged [lo, hi)."""
    k = _product_contracts(market, product)
    t = _with_customer(_tx(market, k["contract_id"], "premium"), market, ("birth_date",))
    age = _age(t["birth_date"], t["date"])
    x = t.loc[(age >= lo) & (age < hi), "amount"]
    if x.empty:
        raise NotMeasurable(f"no {product} premium of customers aged {lo}-{hi}")
    return float(x.mean())


def motor_premium_young_over_experienced(market) -> float:
    """Mean monthly auto premium at 18-24 over that at 30-59."""
    return _ratio(_premium_by_age(market, "I_AUTO", 18, 25), _premium_by_age(market, "I_AUTO", 30, 60),
                  "the premium at 30-59")


@_memo
def _auto_renewals(market) -> pd.DataFrame:
    """Pairs (premium at month m, premium at month m + 12) of auto contracts with the paid
    claims on the contract in (m - 12, m] and (m, m + 12], the driver's age at m and the
    contract's age at m."""
    k = _product_contracts(market, "I_AUTO")
    k = _with_customer(k[["contract_id", "customer_id", "start_date"]], market, ("birth_date",))
    prem = _tx(market, k["contract_id"], "premium")[["contract_id", "date", "amount"]]
    prem = prem.assign(ym=prem["date"].dt.year * 12 + prem["date"].dt.month - 1)
    if prem.empty:
        raise NotMeasurable("no auto premium in the window")
    prem = prem.groupby(["contract_id", "ym"], as_index=False).agg(amount=("amount", "mean"), date=("date", "min"))
    cl = _tx(market, k["contract_id"], "claim")
    cl = cl.assign(ym=cl["date"].dt.year * 12 + cl["date"].dt.month - 1)
    n = cl.groupby(["contract_id", "ym"]).size().rename("n").reset_index()
    n = n[n["contract_id"].isin(prem["contract_id"])]
    lo = int(min(prem["ym"].min(), n["ym"].min() if len(n) else prem["ym"].min())) - 13
    hi = int(max(prem["ym"].max(), n["ym"].max() if len(n) else prem["ym"].max())) + 13
    ids = prem["contract_id"].unique()
    pos = pd.Series(np.arange(len(ids)), index=ids)
    grid = np.zeros((len(ids), hi - lo + 1), dtype=np.int32)
    if len(n):
        np.add.at(grid, (pos[n["contract_id"]].to_numpy(), n["ym"].to_numpy() - lo), n["n"].to_numpy())
    cum = grid.cumsum(axis=1)
    p = prem.merge(prem[["contract_id", "ym", "amount"]].assign(ym=prem["ym"] - 12)
                   .rename(columns={"amount": "amount_next"}), on=["contract_id", "ym"])
    r = pos[p["contract_id"]].to_numpy()
    col = p["ym"].to_numpy() - lo
    p["claims_before"] = cum[r, col] - cum[r, col - 12]
    p["claims_after"] = cum[r, col + 12] - cum[r, col]
    p = p.merge(k[["contract_id", "birth_date", "start_date"]], on="contract_id")
    p["age"] = _age(p["birth_date"], p["date"])
    p["contract_years"] = _years(p["date"] - p["start_date"])
    p["ratio"] = p["amount_next"] / p["amount"]
    return p


def _experienced(p: pd.DataFrame) -> pd.DataFrame:
    return p[(p["age"] >= 30) & (p["contract_years"] >= 3) & (p["amount"] > 0)]


def bm_claim_free_factor(market) -> float:
    """Median yearly premium ratio of claim-free experienced auto renewals whose premium changed."""
    p = _experienced(_auto_renewals(market))
    p = p[(p["claims_before"] == 0) & (p["claims_after"] == 0) & ~np.isclose(p["ratio"], 1.0)]
    if p.empty:
        raise NotMeasurable("no claim-free auto renewal with a premium change in the window")
    return float(p["ratio"].median())


def bm_claim_factor(market) -> float:
    """90th percentile of the yearly premium ratio of experienced auto renewals with one claim."""
    p = _experienced(_auto_renewals(market))
    p = p[(p["claims_before"] == 0) & (p["claims_after"] == 1)]
    if p.empty:
        raise NotMeasurable("no auto renewal with exactly one paid claim in the window")
    return float(p["ratio"].quantile(0.9))


def novice_premium_year1_over_year4(market) -> float:
    """Median first-year over fourth-year premium of claim-free novices (started at 18-21)."""
    start, end = _window(market)
    k = _with_customer(_product_contracts(market, "I_AUTO"), market, ("birth_date",))
    k = k[in_window(k["start_date"], start) & (k["start_date"] + pd.DateOffset(years=4) <= end)]
    four = k["start_date"] + pd.DateOffset(years=4)  # ran through its fourth year
    k = k[(_age(k["birth_date"], k["start_date"]) < 22) & running_on(k, four - pd.Timedelta(days=1))]
    t = _tx(market, k["contract_id"], ("premium", "claim")).merge(k[["contract_id", "start_date"]], on="contract_id")
    if t.empty:
        raise NotMeasurable("no novice auto contract observed for four years in the window")
    t["year"] = _months_between(t["start_date"], t["date"]) // 12
    claims = t[(t["kind"].astype(str) == "claim") & (t["year"] < 3)]["contract_id"].unique()
    t = t[(t["kind"].astype(str) == "premium") & ~t["contract_id"].isin(claims)]
    g = t.groupby(["contract_id", "year"])["amount"].mean().unstack()
    if 0 not in g.columns or 3 not in g.columns:
        raise NotMeasurable("no claim-free novice billed in both its first and fourth year")
    r = (g[0] / g[3]).dropna()
    if r.empty:
        raise NotMeasurable("no claim-free novice billed in both its first and fourth year")
    return float(r.median())


def novice_claim_frequency_ratio(market) -> float:
    """Paid auto claims per contract-year at ages 18-24 over ages 30-59."""
    k = _product_contracts(market, "I_AUTO")
    t = _with_customer(_tx(market, k["contract_id"], ("premium", "claim")), market, ("birth_date",))
    age = _age(t["birth_date"], t["date"])
    kind = t["kind"].astype(str).to_numpy()

    def freq(lo, hi):
        band = (age >= lo) & (age < hi)
        months = ((kind == "premium") & band).sum()
        if months == 0:
            raise NotMeasurable(f"no auto contract of customers aged {lo}-{hi}")
        return ((kind == "claim") & band).sum() / (months / 12)

    return _ratio(freq(18, 25), freq(30, 60), "the claim frequency at 30-59")


def _loss_ratio(market, product: str) -> float:
    k = _product_contracts(market, product)
    t = _tx(market, k["contract_id"], ("premium", "claim"))
    prem = t.loc[t["kind"].astype(str) == "premium", "amount"].sum()
    if prem <= 0:
        raise NotMeasurable(f"no {product} premium in the window")
    return float(t.loc[t["kind"].astype(str) == "claim", "amount"].sum() / prem)


def loss_ratio_motor(market) -> float:
    """Paid auto claims over auto premiums in the window."""
    return _loss_ratio(market, "I_AUTO")


def loss_ratio_home(market) -> float:
    """Paid home claims over home premiums in the window."""
    return _loss_ratio(market, "I_HOME")


def loss_ratio_health_individual(market) -> float:
    """Paid health claims over health premiums in the window."""
    return _loss_ratio(market, "I_HEALTH")


def health_premium_at_20(market) -> float:
    """Mean monthly health premium of customers aged 18-24."""
    return _premium_by_age(market, "I_HEALTH", 18, 25)


def health_premium_age_ratio(market) -> float:
    """Mean monthly health premium at 80+ over that at 18-24."""
    return _ratio(_premium_by_age(market, "I_HEALTH", 80, 200), _premium_by_age(market, "I_HEALTH", 18, 25),
                  "the premium at 18-24")


# ---------------------------------------------------------------------------------------
# campaigns and acquisition
# ---------------------------------------------------------------------------------------
def _contacted(market) -> pd.DataFrame:
    g = market.campaign_targets
    g = g[g["group"].astype(str) == "test"]
    cp = market.campaigns[["campaign_id", "channel", "start_date", "trigger"]]
    g = g.merge(cp, on="campaign_id")
    g = g[~g["trigger"].astype(str).str.startswith("churn_risk")]
    c = market.customers[["customer_id", "acquisition_date", "churn_date"]]
    g = g.merge(c, on="customer_id", how="left")
    # a customer on the launch day (crmkit.market's rule); unknown ids have no acquisition date
    return g.assign(is_customer=period_on(g["acquisition_date"], g["churn_date"], g["start_date"]))


MIN_CONTACTS = 30  # fewer contacts than this and a response rate says nothing


def _response(market, channel: str, customers: bool) -> float:
    g = _contacted(market)
    g = g[(g["channel"].astype(str) == channel) & (g["is_customer"] == customers)]
    if len(g) < MIN_CONTACTS:
        who = "customers" if customers else "prospects (targets who were not customers at the launch)"
        raise NotMeasurable(f"{len(g)} {channel} campaign contact(s) of {who}, fewer than {MIN_CONTACTS}")
    return float(g["responded"].astype(bool).mean())


def response_mail_customers(market) -> float:
    """Response of contacted customers to mail campaigns."""
    return _response(market, "mail", True)


def response_mail_prospects(market) -> float:
    """Response of contacted prospects (not customers at launch) to mail campaigns."""
    return _response(market, "mail", False)


def response_email_customers(market) -> float:
    """Response of contacted customers to e-mail campaigns."""
    return _response(market, "email", True)


def response_email_prospects(market) -> float:
    """Response of contacted prospects to e-mail campaigns."""
    return _response(market, "email", False)


def response_phone_customers(market) -> float:
    """Response of contacted customers to phone sales campaigns (retention calls excluded)."""
    return _response(market, "phone", True)


def response_mobile_customers(market) -> float:
    """Response of contacted customers to mobile (SMS) campaigns."""
    return _response(market, "mobile", True)


def mail_over_email_response(market) -> float:
    """Mail response over e-mail response of customers."""
    return _ratio(response_mail_customers(market), response_email_customers(market), "the e-mail response")


def acquisition_cost(market) -> float:
    """Mean acquisition cost of customers acquired during the window."""
    c = _in_window(market.customers, "acquisition_date", market)
    return _mean(c["acquisition_cost"])


# ---------------------------------------------------------------------------------------
# reasons for leaving
# ---------------------------------------------------------------------------------------
def _leaving_reasons(market) -> pd.Series:
    _, left = _bank_leaving(market)
    r = left["churn_reason"].astype(str)
    return r[r != "company_termination"]


def leaving_reason_credit_elsewhere(market) -> float:
    """Share of bank leavers whose reason is competitor_offer."""
    return _share(_leaving_reasons(market) == "competitor_offer")


def leaving_reason_price(market) -> float:
    """Share of bank leavers whose reason is price_rise."""
    return _share(_leaving_reasons(market) == "price_rise")


def leaving_reason_bad_experience(market) -> float:
    """Share of bank leavers whose reason is dissatisfaction, service_failure or claim_refused."""
    return _share(_leaving_reasons(market).isin(["dissatisfaction", "service_failure", "claim_refused"]))


def leaving_reason_moved(market) -> float:
    """Share of bank leavers whose reason is moved."""
    return _share(_leaving_reasons(market) == "moved")


# ---------------------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------------------
def marriage_summer_share(market) -> float:
    """Share of marriages dated May to September."""
    e = _in_window(_events(market, "marriage"), "date", market)
    return _share(e["date"].dt.month.between(5, 9))


def car_purchases_august_over_june(market) -> float:
    """Car purchase events dated in August over those dated in June."""
    month = _car_purchases(market)["date"].dt.month
    return _ratio(float((month == 8).sum()), float((month == 6).sum()), "the number of June purchases")


def branch_visits_on_sunday(market) -> float:
    """Share of branch interactions dated on a Sunday."""
    i = market.interactions
    i = _in_window(i[i["channel"].astype(str) == "branch"], "date", market)
    return _share(i["date"].dt.day_of_week == 6)


def days_29_to_31_share(market) -> float:
    """Share of inbound interactions dated on the 29th, 30th or 31st."""
    i = market.interactions
    i = _in_window(i[i["direction"].astype(str) == "inbound"], "date", market)
    return _share(i["date"].dt.day >= 29)


def campaign_launch_day_concentration(market) -> float:
    """Largest share of campaign launches falling on one day of the month."""
    d = market.campaigns["start_date"]
    if len(d) == 0:
        raise NotMeasurable("no campaign")
    return float(d.dt.day.value_counts(normalize=True).max())


# ---------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------
MEASURES: dict[str, Callable] = {f.__name__: f for f in [
    first_marriage_age_women, first_marriage_age_men, marriage_age_gap, births_outside_marriage,
    mother_mean_age_at_birth, father_mean_age_at_birth, total_fertility_rate,
    age_leaving_parental_home, retirement_age,
    household_size, couples_sharing_household,
    two_plus_cars_among_motorised, used_car_share_of_purchases, car_holding_years, fleet_age,
    bank_switching_rate, bank_switching_young_to_old, mortgage_holding, consumer_credit_holding,
    mortgage_margin_year5_over_year1,
    livret_a_holding, livret_a_mean_balance, life_insurance_holding, life_insurance_mean_balance,
    home_insurance_cancellation_rate, motor_cancellation_rate, motor_mean_premium, home_mean_premium,
    motor_premium_young_over_experienced,
    bm_claim_free_factor, bm_claim_factor, novice_premium_year1_over_year4,
    novice_claim_frequency_ratio, loss_ratio_motor, loss_ratio_home, loss_ratio_health_individual,
    health_premium_at_20, health_premium_age_ratio,
    response_mail_customers, response_mail_prospects, response_email_customers,
    response_email_prospects, response_phone_customers, response_mobile_customers,
    mail_over_email_response, acquisition_cost,
    leaving_reason_credit_elsewhere, leaving_reason_price, leaving_reason_bad_experience,
    leaving_reason_moved,
    marriage_summer_share, car_purchases_august_over_june, branch_visits_on_sunday, days_29_to_31_share,
    campaign_launch_day_concentration,
]}


_DATE_COLUMNS = {
    "customers": ("birth_date", "acquisition_date", "churn_date"),
    "life_events": ("date",), "contracts": ("start_date", "end_date"), "transactions": ("date",),
    "interactions": ("date",), "campaigns": ("start_date",),
}


def _dated(market):
    """The market itself, or a shallow copy whose empty or untyped date columns are datetimes
    (tables missing from a folder load as empty object columns)."""
    fixed = {}
    for name, cols in _DATE_COLUMNS.items():
        df = getattr(market, name)
        bad = [c for c in cols if c in df.columns and not pd.api.types.is_datetime64_any_dtype(df[c])]
        if bad:
            fixed[name] = df.assign(**{c: pd.to_datetime(df[c]) for c in bad})
    if not fixed:
        return market
    from dataclasses import replace

    return replace(market, **fixed)


def measure(market, quantity: str) -> float:
    """The market's value of one quantity (raises :class:`NotMeasurable` when it has none).

    Parameters
    ----------
    market : Market
        A :class:`crmkit.synth.Market` (generated or loaded).
    quantity : str
        A quantity of the targets file (a key of :data:`MEASURES`), e.g.
        ``"retirement_age"``.

    Returns
    -------
    float
        The value measured on the market, in the target's unit.

    Raises
    ------
    KeyError
        For an unknown quantity.
    NotMeasurable
        When the market's tables do not carry what the quantity needs.

    Examples
    --------
    >>> from crmkit.synth import generate
    >>> from crmkit.synth.validation import measure
    >>> 55 < measure(generate(customers=400, years=3, seed=1), "retirement_age") < 70
    True
    """
    if quantity not in MEASURES:
        raise KeyError(f"unknown quantity {quantity!r}; known: {sorted(MEASURES)}")
    return MEASURES[quantity](_dated(market))


def calibration_table(market, targets: dict | str | Path | None = None) -> pd.DataFrame:
    """Every calibrated quantity: public figure, source, market value, ratio, tolerance, verdict.

    Parameters
    ----------
    market : a :class:`crmkit.synth.Market` (generated or loaded).
    targets : the mapping returned by :func:`load_targets`, a path to a targets file, or
        ``None`` for ``crmkit/synth/targets.yaml``.

    Returns
    -------
    DataFrame
        One row per quantity, in the targets file's order: ``quantity``, ``label``, ``group``,
        ``public`` (the figure), ``unit``, ``source``, ``status``, ``market``, ``ratio``
        (market / public), ``tolerance`` (as stated), ``low`` and ``high`` (the accepted market
        values), ``verdict`` (``within``, ``miss`` or ``not measured``) and ``note`` (why a
        quantity is not measured).

    Examples
    --------
    >>> from crmkit.synth import generate
    >>> from crmkit.synth.validation import calibration_table
    >>> t = calibration_table(generate(customers=200, years=2, seed=3))
    >>> float(t.set_index("quantity").loc["branch_visits_on_sunday", "public"])
    0.0
    """
    if not isinstance(targets, dict):
        targets = load_targets(targets)
    unknown = [k for k in targets if k not in MEASURES]
    if unknown:
        raise ValueError(f"targets without a measure in crmkit.synth.validation: {unknown}")
    market = _dated(market)
    rows = []
    for key, t in targets.items():
        low, high = acceptance_interval(t, key=key)
        note = ""
        try:
            value = float(MEASURES[key](market))
        except NotMeasurable as err:
            value, note = math.nan, str(err)
        if math.isnan(value):
            verdict = "not measured"
        else:
            verdict = "within" if low - 1e-12 <= value <= high + 1e-12 else "miss"
        public = float(t["value"])
        rows.append(dict(
            quantity=key, label=t["label"], group=t["group"], public=public, unit=t["unit"],
            source=_source_text(t), status=t["status"], market=value,
            ratio=(value / public) if public != 0 and not math.isnan(value) else math.nan,
            tolerance=_tolerance_text(t), low=low, high=high, verdict=verdict, note=note,
        ))
    return pd.DataFrame(rows)
