"""Customize: next best offer from life events and holdings, and modular offers.

The lecture slides show a bank advisor's workstation that recommends a product from the events of
the customer's life: a student loan when a child starts higher education, a consumer loan
once the customer's car is older than the average car. The data-warehouse blog series calls it event-based
marketing: make the right offer at the right moment, on the right channel, and no more
offers than the customer accepts. The thesis chapter adds mass customisation: a few modules
combined into offers that fit each customer, at the cost of a standard product.

- :data:`DEFAULT_RULES` — triggers (a recent life event, an old car, a high savings
  capacity) and the offer each calls for, with an assumed response propensity;
- :func:`recommend_offers` — every offer the rules call for, for every active customer,
  ranked by expected value (propensity x margin over a horizon), products already held
  left out, customers in mourning left alone;
- :func:`next_best_offer` — the best offers that the contact policy lets through;
- :func:`build_bundles` — each customer's recommended products as one modular offer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.idic.interact import ContactPolicy
from crmkit.market import active_on, running_on

__all__ = ["DEFAULT_RULES", "offer_groups", "recommend_offers", "next_best_offer",
           "build_bundles"]

# trigger kinds: "event" (a life event in the last window_months), "car_age" (the last car
# bought longer ago than the average car's age), "savings_capacity" (income in the top share),
# "block" (a life event after which no offer is made for window_months)
_RULE_COLUMNS = {"rule": "string", "trigger": "string", "event": "string",
                 "window_months": "number", "product_id": "string", "propensity": "number",
                 "max_held": "int", "need": "string"}
_TRIGGERS = ("event", "car_age", "savings_capacity", "block")

# Propensities are teaching assumptions of the order of magnitude of event-triggered
# campaigns (a few percent to a few tens of percent); estimate your own from campaign tests.
DEFAULT_RULES = pd.DataFrame(
    [
        ("child_to_university", "event", "child_higher_education", 12, "B_STUDENT", 0.20, 1,
         "education"),
        ("old_car", "car_age", "", 0, "B_CONSUMER", 0.06, 1, "car_finance"),
        ("car_ageing_loan", "event", "car_ageing", 12, "B_CONSUMER", 0.10, 1, "car_finance"),
        ("marriage_home", "event", "marriage", 12, "I_HOME", 0.12, 1, "home_cover"),
        ("marriage_second_car", "event", "marriage", 12, "I_AUTO", 0.08, 2, "car_cover"),
        ("savings_capacity_life", "savings_capacity", "", 0, "I_LIFE", 0.05, 1,
         "long_term_savings"),
        ("savings_capacity_bank_life", "savings_capacity", "", 0, "B_LIFE", 0.04, 1,
         "long_term_savings"),
        ("birth_health", "event", "birth", 12, "I_HEALTH", 0.10, 1, "health_cover"),
        ("birth_savings", "event", "birth", 12, "B_SAVINGS", 0.12, 1, "savings"),
        ("home_purchase_cover", "event", "home_purchase", 6, "I_HOME", 0.25, 1, "home_cover"),
        ("car_purchase_cover", "event", "car_purchase", 3, "I_AUTO", 0.15, 2, "car_cover"),
        ("retirement_savings", "event", "retirement", 12, "B_LIFE", 0.06, 1,
         "long_term_savings"),
        ("mourning", "block", "death_of_spouse", 6, "", 0.0, 0, ""),
    ],
    columns=list(_RULE_COLUMNS),
)


def offer_groups(rules: pd.DataFrame | None = None) -> dict[str, str]:
    """Product -> need, from the rules: offers meeting one need compete with each other.

    The bank's life insurance and the insurer's life/savings contract answer the same
    need; proposing both to one customer within a few weeks, on two channels, is the
    contradiction the data-warehouse blog series warns about. Use it as ``ContactPolicy(offer_groups=...)``.

    Parameters
    ----------
    rules : DataFrame, optional
        Customization rules with ``product_id`` and ``need`` (rows with an empty
        ``product_id``, such as blocks, are ignored); default :data:`DEFAULT_RULES`.

    Returns
    -------
    dict
        Product id -> the need it meets.

    Raises
    ------
    crmkit.schema.SchemaError
        When one product is given two different needs.

    Examples
    --------
    >>> offer_groups()["B_LIFE"] == offer_groups()["I_LIFE"] == "long_term_savings"
    True
    """
    rules = DEFAULT_RULES if rules is None else rules
    schema.check_columns(rules, "rules", {"product_id": "string", "need": "string"})
    r = rules[rules["product_id"].str.len() > 0]
    clash = r.groupby("product_id")["need"].transform("nunique") > 1
    if clash.any():
        schema._fail("rules", "need", "differ for one product_id", clash, r)
    return dict(zip(r["product_id"], r["need"], strict=True))


def _active_customers(customers: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return customers[active_on(customers, day)]


def _holdings(contracts: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Number of running contracts per (customer_id, product_id) at ``day``."""
    return contracts[running_on(contracts, day)].groupby(["customer_id", "product_id"]).size()


def _validate(customers, contracts, life_events, products, rules):
    schema.validate(customers, "customers", columns=[
        "customer_id", "income", "acquisition_date", "churn_date", "preferred_channel",
        "preferred_hour", "contact_consent", "opt_out"])
    schema.validate(contracts, "contracts", columns=[
        "contract_id", "customer_id", "product_id", "start_date", "end_date"])
    schema.validate(life_events, "life_events", columns=["customer_id", "date", "event"])
    schema.validate(products, "products", columns=["product_id", "sector", "monthly_price"])
    schema.check_nonnegative(products, "products", "monthly_price")
    schema.check_not_empty(rules, "rules")
    schema.check_columns(rules, "rules", _RULE_COLUMNS)
    schema.check_unique(rules, "rules", "rule")
    schema.check_allowed(rules, "rules", "trigger", _TRIGGERS)
    schema.check_in_range(rules, "rules", "propensity", 0, 1)
    schema.check_nonnegative(rules, "rules", "window_months")
    offers = rules[rules["trigger"] != "block"]
    unknown = ~offers["product_id"].isin(products["product_id"])
    if unknown.any():
        schema._fail("rules", "product_id", "not in the products table", unknown, offers)


def recommend_offers(
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
    life_events: pd.DataFrame,
    products: pd.DataFrame,
    as_of: pd.Timestamp | str,
    rules: pd.DataFrame | None = None,
    horizon_months: int = 36,
    savings_top_share: float = 0.2,
    average_car_age_years: float | None = 11.0,
) -> pd.DataFrame:
    """Every offer the trigger rules call for, ranked by expected value per customer.

    Parameters
    ----------
    customers, contracts, life_events, products : DataFrame
        Market tables. Only customers active at ``as_of`` are considered.
    as_of : date
        The day the recommendations are made; events are looked for before it.
    rules : DataFrame, optional
        Trigger rules with the columns of :data:`DEFAULT_RULES`: ``rule``, ``trigger``,
        ``event``, ``window_months``, ``product_id``, ``propensity`` (probability the
        customer takes the offer) and ``max_held`` (offer only while the customer holds
        fewer contracts of the product: 2 for a second car's cover) and ``need`` (the
        customer need the product meets, see :func:`offer_groups`).
    horizon_months : int
        Months of margin an accepted offer is worth: expected value = propensity x
        ``monthly_price`` x ``horizon_months``.
    savings_top_share : float
        Share of active customers with the highest income counted as having a high savings
        capacity.
    average_car_age_years : float or None
        Age above which a car is "old", for the ``car_age`` trigger on the last
        ``car_purchase`` of each customer: the average age of cars in France, about 11
        years, by default; ``None`` takes the mean age of the customers' cars instead.
        (A ``car_ageing`` life event, when the data records one, triggers the same offer.)

    Returns
    -------
    DataFrame
        One row per (customer, offer): ``customer_id``, ``offer`` (product id), ``rule``,
        ``trigger_date`` (missing for non-event triggers), ``propensity``, ``value``,
        ``expected_value`` and ``rank`` (1 = the next best offer), sorted by customer and
        rank.

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer_id": [1, 2], "income": [30_000.0, 90_000.0],
    ...     "acquisition_date": pd.to_datetime(["2010-01-01"] * 2),
    ...     "churn_date": pd.to_datetime([None, None]), "preferred_channel": ["email", "phone"],
    ...     "preferred_hour": [9, 18], "contact_consent": [True, True], "opt_out": [False, False]})
    >>> contracts = pd.DataFrame({"contract_id": [1], "customer_id": [2], "product_id": ["I_LIFE"],
    ...     "start_date": pd.to_datetime(["2015-01-01"]), "end_date": pd.to_datetime([None])})
    >>> events = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2023-11-02"]),
    ...     "event": ["child_higher_education"]})
    >>> products = pd.DataFrame({"product_id": ["B_STUDENT", "I_LIFE", "B_LIFE"],
    ...     "sector": ["bank", "insurance", "bank"], "monthly_price": [18.0, 12.0, 12.0]})
    >>> rules = DEFAULT_RULES[DEFAULT_RULES["product_id"].isin(products["product_id"])]
    >>> recs = recommend_offers(customers, contracts, events, products, "2024-01-01",
    ...                         rules=rules, savings_top_share=0.5)
    >>> recs[["customer_id", "offer", "rule", "expected_value", "rank"]]
       customer_id      offer                        rule  expected_value  rank
    0            1  B_STUDENT         child_to_university          129.60     1
    1            2     B_LIFE  savings_capacity_bank_life           17.28     1
    """
    rules = DEFAULT_RULES if rules is None else rules
    _validate(customers, contracts, life_events, products, rules)
    if horizon_months <= 0:
        raise ValueError(f"horizon_months must be > 0, got {horizon_months}")
    if not 0 < savings_top_share <= 1:
        raise ValueError(f"savings_top_share must be in (0, 1], got {savings_top_share}")
    day = schema.as_timestamp(as_of)
    active = _active_customers(customers, day)
    ids = active["customer_id"].to_numpy()
    events = life_events[(life_events["date"] <= day) & life_events["customer_id"].isin(ids)]
    events = events.assign(age_months=(day - events["date"]).dt.days / 30.4375)

    found = []
    # 1. life-event triggers: the event happened within the rule's window
    ev_rules = rules[rules["trigger"] == "event"]
    hits = events.merge(ev_rules, on="event")
    hits = hits[hits["age_months"] <= hits["window_months"]]
    hits = hits.sort_values("date").drop_duplicates(["customer_id", "rule"], keep="last")
    found.append(hits[["customer_id", "rule", "date"]].rename(columns={"date": "trigger_date"}))
    # 2. car older than the average car: the last car bought, years ago
    cars = events[events["event"] == "car_purchase"].groupby("customer_id")["date"].max()
    car_age = (day - cars).dt.days / 365.25
    limit = average_car_age_years if average_car_age_years is not None else car_age.mean()
    old = car_age.index[car_age > limit] if len(car_age) else car_age.index
    for rule in rules.loc[rules["trigger"] == "car_age", "rule"]:
        found.append(pd.DataFrame({"customer_id": old, "rule": rule}))
    # 3. high savings capacity: the top income share of the active customers
    cut = active["income"].quantile(1 - savings_top_share)
    rich = active.loc[active["income"] >= cut, "customer_id"]
    for rule in rules.loc[rules["trigger"] == "savings_capacity", "rule"]:
        found.append(pd.DataFrame({"customer_id": rich.to_numpy(), "rule": rule}))

    recs = pd.concat([f for f in found if len(f)], ignore_index=True) if any(
        len(f) for f in found) else pd.DataFrame(columns=["customer_id", "rule"])
    if "trigger_date" not in recs:
        recs["trigger_date"] = pd.NaT
    recs = recs.merge(rules[["rule", "product_id", "propensity", "max_held"]], on="rule")
    # customers in a blocking period (e.g. mourning) get no offer at all
    blocks = events.merge(rules[rules["trigger"] == "block"], on="event")
    blocked = blocks.loc[blocks["age_months"] <= blocks["window_months"], "customer_id"]
    recs = recs[~recs["customer_id"].isin(blocked)]
    # products already held (up to max_held) are not offered again
    held = _holdings(contracts, day)
    n_held = pd.Series(
        held.reindex(pd.MultiIndex.from_arrays([recs["customer_id"], recs["product_id"]]))
        .fillna(0).to_numpy(), index=recs.index)
    recs = recs[n_held < recs["max_held"]]
    price = products.set_index("product_id")["monthly_price"]
    recs = recs.assign(value=recs["product_id"].map(price).to_numpy() * horizon_months)
    recs["expected_value"] = recs["propensity"] * recs["value"]
    # one row per (customer, product): the strongest trigger
    recs = recs.sort_values(["customer_id", "expected_value", "rule"],
                            ascending=[True, False, True], kind="stable")
    recs = recs.drop_duplicates(["customer_id", "product_id"]).rename(
        columns={"product_id": "offer"})
    recs["rank"] = recs.groupby("customer_id").cumcount() + 1
    cols = ["customer_id", "offer", "rule", "trigger_date", "propensity", "value",
            "expected_value", "rank"]
    return recs[cols].reset_index(drop=True)


def next_best_offer(
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
    life_events: pd.DataFrame,
    products: pd.DataFrame,
    as_of: pd.Timestamp | str,
    policy: ContactPolicy | None = None,
    rules: pd.DataFrame | None = None,
    top_n: int = 1,
    history: pd.DataFrame | None = None,
    **kwargs,
) -> pd.DataFrame:
    """The best offers per customer that the contact policy lets through.

    Every recommendation (see :func:`recommend_offers`) is proposed on the customer's
    preferred channel at their preferred hour on ``as_of``, the policy decides (consent,
    opt-out, pressure, conflicts, profitability against the channel cost...), and the
    ``top_n`` best offers that may go out are kept per customer.

    Parameters
    ----------
    customers, contracts, life_events, products : DataFrame
        Market tables.
    as_of : date
        Day of the recommendations.
    policy : ContactPolicy, optional
        Contact rules; default ``ContactPolicy(offer_groups=offer_groups(rules))``, so two
        offers for one need are not both sent.
    rules : DataFrame, optional
        Trigger rules; default :data:`DEFAULT_RULES`.
    top_n : int
        Offers kept per customer.
    history : DataFrame, optional
        Contacts already sent (see :meth:`ContactPolicy.apply`).
    **kwargs
        Passed to :func:`recommend_offers` (``horizon_months``, ``savings_top_share``,
        ``average_car_age_years``).

    Returns
    -------
    DataFrame
        The kept offers: the columns of :func:`recommend_offers` plus ``channel``,
        ``date`` and ``cost``, ranked again (``rank`` 1 = the next best offer sent).

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer_id": [1, 2], "income": [30_000.0, 31_000.0],
    ...     "acquisition_date": pd.to_datetime(["2010-01-01"] * 2),
    ...     "churn_date": pd.to_datetime([None, None]), "preferred_channel": ["email", "phone"],
    ...     "preferred_hour": [9, 18], "contact_consent": [True, False],
    ...     "opt_out": [False, False]})
    >>> contracts = pd.DataFrame({"contract_id": [1], "customer_id": [2], "product_id": ["I_AUTO"],
    ...     "start_date": pd.to_datetime(["2015-01-01"]), "end_date": pd.to_datetime([None])})
    >>> events = pd.DataFrame({"customer_id": [1, 2], "event": ["marriage", "marriage"],
    ...     "date": pd.to_datetime(["2023-10-02", "2023-10-02"])})
    >>> products = pd.DataFrame({"product_id": ["I_HOME", "I_AUTO"],
    ...     "sector": ["insurance"] * 2, "monthly_price": [22.0, 50.0]})
    >>> rules = DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"]
    >>> nbo = next_best_offer(customers, contracts, events, products, "2024-01-01", rules=rules)
    >>> nbo[["customer_id", "offer", "channel", "expected_value"]]
       customer_id   offer channel  expected_value
    0            1  I_AUTO   email           144.0
    """
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    rules = DEFAULT_RULES if rules is None else rules
    policy = policy or ContactPolicy(offer_groups=offer_groups(rules))
    recs = recommend_offers(customers, contracts, life_events, products, as_of, rules, **kwargs)
    cols = list(recs.columns) + ["channel", "date", "cost"]
    if recs.empty:
        return pd.DataFrame(columns=cols)
    pref = customers.set_index("customer_id")
    who = recs["customer_id"]
    hour = pref["preferred_hour"].reindex(who).to_numpy().astype(np.int64)
    proposed = recs.assign(
        channel=pd.array(pref["preferred_channel"].reindex(who).astype(str).to_numpy(),
                         dtype="str"),
        date=schema.as_timestamp(as_of).normalize() + pd.to_timedelta(hour, unit="h"),
    )
    decided = policy.apply(proposed, customers, history)
    sent = decided[decided["decision"] == "sent"].copy()
    sent["rank"] = sent.groupby("customer_id").cumcount() + 1
    return sent.loc[sent["rank"] <= top_n, cols].reset_index(drop=True)


def build_bundles(
    recommendations: pd.DataFrame,
    products: pd.DataFrame,
    max_modules: int = 3,
    discount_per_module: float = 0.05,
    max_discount: float = 0.15,
) -> pd.DataFrame:
    """Modular offers: each customer's recommended products packaged as one offer.

    Mass customisation (the thesis chapter): instead of designing an offer per customer, combine a
    few standard modules; each customer gets the combination that fits, and a discount
    that grows with the number of modules (up to ``max_discount``) rewards taking
    several. Products of the bank and of the insurer make separate bundles.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``offer`` (product id) and ``expected_value`` (e.g. from
        :func:`recommend_offers`).
    products : DataFrame
        ``product_id``, ``sector``, ``monthly_price``.
    max_modules : int
        Most modules in one bundle (the best by expected value are kept).
    discount_per_module : float
        Discount per module beyond the first.
    max_discount : float
        Cap on the discount.

    Returns
    -------
    DataFrame
        One row per (customer, sector): ``bundle`` (module ids joined by ``+`` in
        catalogue order), ``modules``, ``list_price``, ``discount``, ``bundle_price``
        (monthly, euros) and ``expected_value`` (sum over the modules).

    Examples
    --------
    >>> import pandas as pd
    >>> products = pd.DataFrame({"product_id": ["I_AUTO", "I_HOME", "B_LIFE"],
    ...     "sector": ["insurance", "insurance", "bank"], "monthly_price": [50.0, 22.0, 12.0]})
    >>> recs = pd.DataFrame({"customer_id": [1, 1, 2], "offer": ["I_HOME", "I_AUTO", "B_LIFE"],
    ...                      "expected_value": [90.0, 120.0, 20.0]})
    >>> build_bundles(recs, products)[["customer_id", "bundle", "list_price", "bundle_price"]]
       customer_id         bundle  list_price  bundle_price
    0            1  I_AUTO+I_HOME        72.0          68.4
    1            2         B_LIFE        12.0          12.0
    """
    schema.check_not_empty(recommendations, "recommendations")
    schema.check_columns(recommendations, "recommendations",
                         {"customer_id": "int", "offer": "string", "expected_value": "number"})
    schema.check_key(products, "products")  # a repeated product would be priced twice
    schema.validate(products, "products", columns=["product_id", "sector", "monthly_price"])
    schema.check_nonnegative(products, "products", "monthly_price")
    unknown = ~recommendations["offer"].isin(products["product_id"])
    if unknown.any():
        schema._fail("recommendations", "offer", "not in the products table", unknown,
                     recommendations)
    if max_modules < 1:
        raise ValueError(f"max_modules must be >= 1, got {max_modules}")
    if not (0 <= discount_per_module <= 1 and 0 <= max_discount <= 1):
        raise ValueError("discounts must be in [0, 1]")
    cat = products.set_index("product_id")
    r = recommendations[["customer_id", "offer", "expected_value"]].copy()
    r["sector"] = r["offer"].map(cat["sector"]).astype(str)
    r["order"] = r["offer"].map(pd.Series(np.arange(len(cat)), index=cat.index))
    r["price"] = r["offer"].map(cat["monthly_price"])
    r = r.drop_duplicates(["customer_id", "offer"])
    r = r.sort_values(["customer_id", "sector", "expected_value", "order"],
                      ascending=[True, True, False, True], kind="stable")
    r = r[r.groupby(["customer_id", "sector"]).cumcount() < max_modules]
    r = r.sort_values(["customer_id", "sector", "order"], kind="stable")
    g = r.groupby(["customer_id", "sector"], sort=True)
    out = pd.DataFrame({
        "bundle": g["offer"].agg("+".join),
        "modules": g.size(),
        "list_price": g["price"].sum(),
        "expected_value": g["expected_value"].sum(),
    })
    out["discount"] = np.minimum(discount_per_module * (out["modules"] - 1), max_discount)
    out["bundle_price"] = out["list_price"] * (1 - out["discount"])
    cols = ["customer_id", "sector", "bundle", "modules", "list_price", "discount",
            "bundle_price", "expected_value"]
    return out.reset_index()[cols]
