"""Every public crmkit function that takes a table, with a small valid input for it.

An :class:`Entry` names the public function, the table arguments it takes (each with a
builder of a valid frame and what the frame means: market table, one-row-per key,
non-negative and nullable columns) and ``call``, which runs the function on the frames
with fixed valid scalar arguments. The mutation engine (:mod:`tests.mutation.engine`)
breaks the frames one way at a time; ``tests/test_mutations.py`` checks that a new
public function that takes a table has an entry here (or a reason in ``EXEMPT``).

The valid inputs come from one small generated market (300 customers, 6 years) and from
the outputs of crmkit itself (an RFM table, a CLV summary...), so that each derived table
is exactly what the function receives in the chapters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.privacy import QUASI_IDENTIFIERS

# columns that cannot be negative whatever the table: amounts, costs, counts, durations
_NONNEG = re.compile(
    r"(^|_)(cost|costs|amount|premium|price|count|counts|frequency|recency|monetary|income|"
    r"size|contacts|spend|tenure|age|n|customers|T|budget)(_|$)|^n_|_days$|_years$"
)


@dataclass
class Arg:
    """One table argument: a builder of a valid frame and what the frame means."""

    build: Callable[[], pd.DataFrame]
    table: str | None = None  # market table name, for the schema's metadata
    label: str | None = None  # the name a clear error must mention (default: the argument)
    unique: tuple[str, ...] = ()  # one row per this key
    nonneg: tuple[str, ...] = ()  # more non-negative columns than the name rule finds
    nullable: tuple[str, ...] = ()  # more columns where a missing value is valid
    # columns whose name reads like an amount but whose negative values are valid ("*": all)
    signed: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()  # documented optional columns: dropping one is valid
    labels: tuple[str, ...] = ()  # category labels stored as numbers: no numeric mutation
    wide: bool = False  # one column per category (a matrix): dropping one is a valid table

    def nonneg_columns(self, df: pd.DataFrame) -> list[str]:
        if "*" in self.signed:
            return list(self.nonneg)
        return [c for c in df.columns if c in self.nonneg or c not in self.signed
                and (isinstance(c, str) and _NONNEG.search(c)
                    and pd.api.types.is_numeric_dtype(df[c].dtype)
                    and not pd.api.types.is_bool_dtype(df[c].dtype)
                    and (df[c].dropna() >= 0).all())]

    def id_columns(self, df: pd.DataFrame) -> list[str]:
        return [c for c in df.columns if isinstance(c, str) and (c == "id" or c.endswith("_id"))
                and pd.api.types.is_integer_dtype(df[c].dtype)]

    def nullable_columns(self) -> set[str]:
        cols = set(self.nullable)
        if self.table in schema.TABLES:
            cols |= {c.name for c in schema.TABLES[self.table].columns if c.nullable}
        return cols


@dataclass
class Entry:
    name: str
    args: dict[str, Arg]
    call: Callable
    note: str = ""

    @property
    def module(self) -> str:
        parts = self.name.split(".")
        return parts[1] if parts[1] not in ("synth",) else parts[1]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {k: a.build().copy() for k, a in self.args.items()}


REGISTRY: dict[str, Entry] = {}

# public functions that take a table but have no entry, each with the reason
EXEMPT: dict[str, str] = {}


def entry(name: str, **args: Arg):
    def deco(fn):
        if name in REGISTRY:
            raise ValueError(f"two registry entries for {name}")
        REGISTRY[name] = Entry(name, args, fn)
        return fn
    return deco


# ---------------------------------------------------------------------------------------
# the valid inputs: one small market and what crmkit derives from it
# ---------------------------------------------------------------------------------------
@functools.cache
def market():
    from crmkit.synth import generate

    return generate(customers=300, years=6, sector="both", seed=7)


def T(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: getattr(market(), name)


@functools.cache
def as_of() -> pd.Timestamp:
    return pd.Timestamp(market().transactions["date"].max()).normalize()


def year() -> int:
    return as_of().year - 1


def customers_arg(**kw) -> Arg:
    return Arg(T("customers"), "customers", unique=("customer_id",), **kw)


def market_arg(name: str, **kw) -> Arg:
    key = schema.TABLES[name].key
    unique = key if name not in ("transactions", "surveys") and len(key) >= 1 else ()
    return Arg(T(name), name, unique=tuple(unique), **kw)


def derived(fn: Callable[[], pd.DataFrame], label: str, **kw) -> Arg:
    return Arg(functools.cache(fn), label=label, **kw)


# ---- derived tables --------------------------------------------------------------------
@functools.cache
def rfm_table():
    from crmkit.segmentation import rfm_table as f

    return f(market().transactions, as_of=as_of())


@functools.cache
def rfm_scores():
    from crmkit.segmentation import rfm_scores as f

    return f(rfm_table())


@functools.cache
def frat_table():
    from crmkit.segmentation import frat_table as f

    return f(market().transactions, as_of=as_of())


@functools.cache
def value_frame():
    """One row per customer: direct profit, potential and a few customer columns."""
    from crmkit.value import cost_to_serve, direct_profit, potential

    m = market()
    start = as_of() - pd.DateOffset(years=1)
    costs = cost_to_serve(m.interactions, start=start, end=as_of())
    prof = direct_profit(m.transactions, costs, start=start, end=as_of())
    cu = m.customers[["customer_id", "life_stage", "credit_score", "sector"]]
    df = cu.merge(prof, on="customer_id", how="inner")
    pot = potential(df, "commercial_margin", group_cols=["life_stage"])  # not a profit gap
    out = df.merge(pot[["customer_id", "potential"]], on="customer_id")
    out["retention"] = 0.85
    return out.reset_index(drop=True)


@functools.cache
def clv_summary():
    from crmkit.clv import summary_from_transactions

    tx = market().transactions
    tx = tx[tx["kind"] == "deposit"]
    return summary_from_transactions(tx, value="amount", freq="W",
                                     observation_end=as_of()).reset_index()


@functools.cache
def clv_holdout():
    from crmkit.clv import calibration_holdout

    tx = market().transactions
    tx = tx[tx["kind"] == "deposit"]
    return calibration_holdout(tx, calibration_end=as_of() - pd.DateOffset(years=1),
                               observation_end=as_of(), freq="W").reset_index(drop=True)


@functools.cache
def recency_panel():
    from crmkit.clv import recency_panel as f

    return f(market().transactions, value="amount", n_states=4, end=as_of())


@functools.cache
def roi():
    from crmkit.campaigns import campaign_roi

    m = market()
    t = m.campaign_targets
    # campaigns with a test group only: campaign_roi crashed on control-only ones (issue 14)
    t = t[t.groupby("campaign_id")["group"].transform(lambda g: (g == "test").any())]
    out = campaign_roi(t, m.campaigns, margin_per_conversion=100.0)
    return out.join(m.campaigns.set_index("campaign_id")["channel"]).reset_index()


@functools.cache
def uplift_table():
    from crmkit.campaigns import uplift

    return uplift(market().campaign_targets)


@functools.cache
def split():
    from crmkit.project import reporting_split

    m = market()
    return reporting_split(m.customers, m.contracts, m.transactions)


@functools.cache
def measures():
    from crmkit.project import kpi_measures

    m = market()
    return kpi_measures(split(), m.interactions, m.campaigns, m.campaign_targets)


@functools.cache
def spells():
    from crmkit.segmentation import stage_spells

    m = market()
    return stage_spells(m.life_events, m.customers, as_of=as_of())


@functools.cache
def lifecycle():
    from crmkit.segmentation import lifecycle_segments

    m = market()
    return lifecycle_segments(m.life_events, m.customers, as_of=as_of())


@functools.cache
def drivers():
    from crmkit.value import activity_drivers

    m = market()
    return activity_drivers(m.interactions, m.contracts, m.transactions)


POOLS = {"handling": (1000.0, "contracts"), "sales": (500.0, "sales_contacts")}


@functools.cache
def chain():
    from crmkit.value import lifetime_value_chain

    return lifetime_value_chain(value_frame(), retention=0.8, discount_rate=0.1, horizon=5)


@functools.cache
def features():
    from crmkit.segmentation.features import customer_features

    m = market()
    return customer_features(m.customers, m.contracts, m.products, m.transactions,
                             m.interactions, as_of=as_of())


FEATURE_COLS = ["n_products", "revenue", "contacts"]


@functools.cache
def feature_cols():
    f = features()
    num = [c for c in f.columns if c != "customer_id" and pd.api.types.is_numeric_dtype(f[c])
           and not pd.api.types.is_bool_dtype(f[c]) and f[c].std() > 0]
    return num[:4]


@functools.cache
def records():
    return market().source_records.head(200).reset_index(drop=True)


@functools.cache
def resolution():
    from crmkit.idic import resolve_identities

    return resolve_identities(records())


@functools.cache
def links():
    return resolution().links


@functools.cache
def profiles():
    from crmkit.idic import customer_profiles

    m = market()
    return customer_profiles(m.customers, m.transactions, m.interactions, m.contracts,
                             m.products, m.life_events, as_of=as_of())


@functools.cache
def recommendations():
    from crmkit.idic import recommend_offers

    m = market()
    return recommend_offers(m.customers, m.contracts, m.life_events, m.products, as_of())


@functools.cache
def proposed():
    """One proposed contact per customer on her preferred channel and hour."""
    cu = market().customers.head(60)
    day = as_of() + pd.Timedelta(days=1)
    return pd.DataFrame({
        "customer_id": cu["customer_id"].to_numpy(),
        "channel": cu["preferred_channel"].to_numpy(),
        "date": day + pd.to_timedelta(cu["preferred_hour"].to_numpy(), unit="h"),
        "offer": "savings",
        "expected_value": np.linspace(5.0, 50.0, len(cu)),
    })


@functools.cache
def decisions():
    from crmkit.idic import ContactPolicy

    return ContactPolicy().apply(proposed(), market().customers)


@functools.cache
def bathtub_params():
    from crmkit.loyalty import bathtub_parameters

    m = market()
    return bathtub_parameters(m.customers, m.transactions, m.interactions, year=year())


@functools.cache
def budget_runs():
    from crmkit.project import budget_scenarios

    return budget_scenarios(bathtub_params(), 1_000.0, cost_per_saved=200.0)


@functools.cache
def cash_flows():
    return pd.DataFrame({"year": [0, 1, 1, 2, 2, 3, 3],
                         "item": ["licences", "running", "campaigns", "running", "campaigns",
                                  "running", "campaigns"],
                         "kind": ["cost", "cost", "benefit", "cost", "benefit", "cost", "benefit"],
                         "amount": [1000.0, 100.0, 500.0, 100.0, 600.0, 100.0, 600.0]})


@functools.cache
def segments_before():
    s = rfm_scores()
    return pd.DataFrame({"customer_id": s["customer_id"], "segment": "R" + s["R"].astype(str)})


@functools.cache
def segments_after():
    s = segments_before().copy()
    s["segment"] = np.where(np.arange(len(s)) % 3 == 0, "R1", s["segment"])
    return s


@functools.cache
def kpi_frame():
    v = value_frame()
    out = v[["customer_id", "direct_profit", "potential"]].copy()
    out["segment"] = np.where(out["direct_profit"] > out["direct_profit"].median(), "high", "low")
    out["year"] = np.where(np.arange(len(out)) % 2 == 0, 2019, 2020)
    return out


@functools.cache
def churn_groups():
    cu = market().customers
    return pd.DataFrame({"customer_id": cu["customer_id"],
                         "loyalty_type": np.where(cu["credit_score"] > 0.5, "true", "spurious")})


@functools.cache
def loyalty_measures():
    from crmkit.loyalty import attitude_by_customer, repeat_patronage

    m = market()
    att = attitude_by_customer(m.surveys, as_of=as_of())
    pat = repeat_patronage(m.transactions, as_of=as_of())
    return att.merge(pat, on="customer_id")


# =======================================================================================
# entries
# =======================================================================================
# ---- segmentation ---------------------------------------------------------------------
from crmkit import segmentation as S  # noqa: E402
from crmkit.segmentation import features as _features  # noqa: E402

VALUE = derived(value_frame, "customers", unique=("customer_id",))
TX = market_arg("transactions")


@entry("crmkit.segmentation.rfm.rfm_table", transactions=TX)
def _(transactions):
    return S.rfm_table(transactions, as_of=as_of())


@entry("crmkit.segmentation.rfm.rfm", transactions=TX)
def _(transactions):
    return S.rfm(transactions, as_of=as_of())


@entry("crmkit.segmentation.rfm.rfm_scores",
       rfm_df=derived(rfm_table, "rfm", unique=("customer_id",), signed=("monetary",)))
def _(rfm_df):
    return S.rfm_scores(rfm_df)


@entry("crmkit.segmentation.rfm.rfm_segments",
       scores=derived(rfm_scores, "scores", unique=("customer_id",)))
def _(scores):
    return S.rfm_segments(scores)


@entry("crmkit.segmentation.rfm.frat_table", purchases=TX)
def _(purchases):
    return S.frat_table(purchases, as_of=as_of())


@entry("crmkit.segmentation.rfm.frat_scores",
       # monetary is net of refunds: a negative value is a valid (lowest) amount, as in RFM
       frat_df=derived(frat_table, "frat", unique=("customer_id",), signed=("monetary",)))
def _(frat_df):
    return S.frat_scores(frat_df)


for _name in ("abc_analysis", "gini", "lorenz_curve", "pareto_curve", "top_share"):
    def _make(fn_name):
        @entry(f"crmkit.segmentation.abc.{fn_name}", df=VALUE)
        def _(df):
            return getattr(S, fn_name)(df, "direct_profit" if fn_name == "abc_analysis"
                                       else "potential")
    _make(_name)


@entry("crmkit.segmentation.clustering.choose_k",
       df=derived(features, "customers", unique=("customer_id",), signed=("*",)))
def _(df):
    return S.choose_k(df, feature_cols(), ks=[2, 3], n_components=None)


@entry("crmkit.segmentation.clustering.cluster_profile",
       df=derived(features, "customers", unique=("customer_id",), signed=("*",)))
def _(df):
    labels = np.arange(len(df)) % 3
    return S.cluster_profile(df, labels, feature_cols())


@entry("crmkit.segmentation.clustering.name_clusters",
       profile=derived(lambda: S.cluster_profile(features(), np.arange(len(features())) % 2,
                                                 feature_cols()), "profile",
                       unique=("cluster",), signed=("*",)))
def _(profile):
    col = feature_cols()[0]
    return S.name_clusters(profile, {"high": (col, "max"), "low": (col, "min")})


def lookalike_frame():
    """Customers with a best flag (one in five) and two traits known at recruitment."""
    cu = market().customers
    return cu.assign(best=cu["customer_id"] % 5 == 0)


LOOKALIKE_TRAITS = ["acquisition_channel", "sector"]


@entry("crmkit.segmentation.lookalike.lookalike_lift",
       df=derived(lookalike_frame, "customers", unique=("customer_id",)))
def _(df):
    return S.lookalike_lift(df, "best", LOOKALIKE_TRAITS)


@entry("crmkit.segmentation.lookalike.lookalike_score",
       df=derived(lookalike_frame, "prospects", unique=("customer_id",)),
       lifts=derived(lambda: S.lookalike_lift(lookalike_frame(), "best", LOOKALIKE_TRAITS),
                     "lifts", labels=("value",)))
def _(df, lifts):
    return S.lookalike_score(df, lifts)


@entry("crmkit.segmentation.clustering.StatisticalSegmentation",
       df=derived(features, "customers", unique=("customer_id",), signed=("*",)))
def _(df):
    model = S.StatisticalSegmentation(3, columns=feature_cols(), n_components=None, n_init=2)
    return model.fit_predict(df)


@entry("crmkit.segmentation.features.customer_features",
       customers=customers_arg(), contracts=market_arg("contracts"),
       products=market_arg("products"), transactions=TX,
       interactions=market_arg("interactions"))
def _(customers, contracts, products, transactions, interactions):
    return _features.customer_features(customers, contracts, products, transactions,
                                       interactions, as_of=as_of())


@entry("crmkit.segmentation.lifecycle.lifecycle_segments",
       life_events=market_arg("life_events"), customers=customers_arg())
def _(life_events, customers):
    return S.lifecycle_segments(life_events, customers, as_of=as_of())


@entry("crmkit.segmentation.lifecycle.stage_spells",
       life_events=market_arg("life_events"), customers=customers_arg())
def _(life_events, customers):
    return S.stage_spells(life_events, customers, as_of=as_of())


@entry("crmkit.segmentation.lifecycle.stage_norms", spells=derived(spells, "spells"))
def _(spells):
    return S.stage_norms(spells)


@entry("crmkit.segmentation.matrix.profitability_matrix", df=VALUE)
def _(df):
    return S.profitability_matrix(df)


SEG_BEFORE = derived(segments_before, "before", unique=("customer_id",))
SEG_AFTER = derived(segments_after, "after", unique=("customer_id",))


@entry("crmkit.segmentation.piloting.migration_matrix", before=SEG_BEFORE, after=SEG_AFTER)
def _(before, after):
    return S.migration_matrix(before, after)


@entry("crmkit.segmentation.piloting.stability_index", before=SEG_BEFORE, after=SEG_AFTER)
def _(before, after):
    return S.stability_index(before, after)


KPI = derived(kpi_frame, "customers")


@entry("crmkit.segmentation.piloting.segment_kpis", df=KPI)
def _(df):
    return S.segment_kpis(df, "segment", kpis={"margin": ("direct_profit", "sum"),
                                               "n": ("customer_id", "nunique")},
                          period_col="year")


# ---- loyalty -----------------------------------------------------------------------------
from crmkit import loyalty as L  # noqa: E402


@entry("crmkit.loyalty.typology.repeat_patronage", events=TX)
def _(events):
    return L.repeat_patronage(events, as_of=as_of())


@entry("crmkit.loyalty.typology.attitude_by_customer", surveys=market_arg("surveys"))
def _(surveys):
    return L.attitude_by_customer(surveys, as_of=as_of())


@entry("crmkit.loyalty.typology.dick_basu",
       df=derived(loyalty_measures, "df", unique=("customer_id",)))
def _(df):
    return L.dick_basu(df)


@entry("crmkit.loyalty.typology.loyalty_typology", surveys=market_arg("surveys"), events=TX)
def _(surveys, events):
    return L.loyalty_typology(surveys, events, as_of=as_of())


@entry("crmkit.loyalty.incidents.incident_response_mix", incidents=market_arg("incidents"))
def _(incidents):
    return L.incident_response_mix(incidents)


@functools.cache
def incidents_before_churn():
    """The market's incidents, less those dated after the customer's churn (the generator
    writes a few: incident_churn refuses them, a finding of the census)."""
    m = market()
    churn = m.incidents["customer_id"].map(m.customers.set_index("customer_id")["churn_date"])
    return m.incidents[~(m.incidents["date"] > churn)].reset_index(drop=True)


@entry("crmkit.loyalty.incidents.incident_churn", customers=customers_arg(),
       incidents=Arg(incidents_before_churn, "incidents", unique=("incident_id",)))
def _(customers, incidents):
    return L.incident_churn(customers, incidents, as_of=as_of() - pd.DateOffset(years=1))


@entry("crmkit.loyalty.retention.customer_flows", customers=customers_arg())
def _(customers):
    return L.customer_flows(customers, as_of=as_of())


@entry("crmkit.loyalty.retention.survival_curve", customers=customers_arg())
def _(customers):
    return L.survival_curve(customers, as_of=as_of(), max_years=5)


@entry("crmkit.loyalty.survival.churn_covariates", customers=customers_arg(),
       contracts=market_arg("contracts"),
       incidents=Arg(incidents_before_churn, "incidents", unique=("incident_id",)))
def _(customers, contracts, incidents):
    from types import SimpleNamespace

    m = SimpleNamespace(customers=customers, contracts=contracts, incidents=incidents)
    return L.churn_covariates(m, as_of() - pd.DateOffset(years=1))


@entry("crmkit.loyalty.retention.bathtub_parameters", customers=customers_arg(),
       transactions=TX, interactions=market_arg("interactions"))
def _(customers, transactions, interactions):
    return L.bathtub_parameters(customers, transactions, interactions, year=year())


@entry("crmkit.loyalty.retention.acquisition_retention_costs", customers=customers_arg(),
       interactions=market_arg("interactions"))
def _(customers, interactions):
    return L.acquisition_retention_costs(customers, interactions)


@entry("crmkit.loyalty.retention.churn_within",
       groups=derived(churn_groups, "groups", unique=("customer_id",)),
       customers=customers_arg())
def _(groups, customers):
    return L.churn_within(groups, customers, as_of=as_of() - pd.DateOffset(years=3), years=2)


@entry("crmkit.loyalty.retention.margin_by_tenure", customers=customers_arg(), transactions=TX)
def _(customers, transactions):
    return L.margin_by_tenure(customers, transactions, year=year(), max_years=5)


# ---- survival (lifelines): the fitted objects are read through what they estimate --------
def observed_from() -> pd.Timestamp:
    return as_of() - pd.DateOffset(years=3)  # delayed entry: the database starts here


@entry("crmkit.loyalty.retention.tenure_table", customers=customers_arg())
def _(customers):
    return L.tenure_table(customers, as_of=as_of(), observed_from=observed_from())


@entry("crmkit.loyalty.survival.kaplan_meier", customers=customers_arg())
def _(customers):
    km = L.kaplan_meier(customers, as_of=as_of(), observed_from=observed_from())
    return [km.survival_function_, km.confidence_interval_]


@entry("crmkit.loyalty.survival.churn_cox", customers=customers_arg())
def _(customers):
    cox = L.churn_cox(customers, ["n_channels", "credit_score"], as_of=as_of())
    return cox.summary


# ---- value ---------------------------------------------------------------------------------
from crmkit import value as V  # noqa: E402


@entry("crmkit.value.costs.activity_drivers", interactions=market_arg("interactions"),
       contracts=market_arg("contracts"), transactions=TX)
def _(interactions, contracts, transactions):
    return V.activity_drivers(interactions, contracts, transactions)


@entry("crmkit.value.costs.allocate_costs",
       drivers=derived(drivers, "drivers", unique=("customer_id",)))
def _(drivers):
    return V.allocate_costs(drivers, POOLS)


@entry("crmkit.value.costs.cost_to_serve", interactions=market_arg("interactions"))
def _(interactions):
    return V.cost_to_serve(interactions)


@entry("crmkit.value.profit.commercial_margin", transactions=TX)
def _(transactions):
    return V.commercial_margin(transactions)


@entry("crmkit.value.profit.direct_profit", transactions=TX,
       costs=derived(lambda: V.cost_to_serve(market().interactions), "costs",
                     unique=("customer_id",)))
def _(transactions, costs):
    return V.direct_profit(transactions, costs)


@entry("crmkit.value.profit.potential", df=VALUE)
def _(df):
    return V.potential(df, "direct_profit", group_cols=["life_stage"])


@entry("crmkit.value.profit.customer_value", df=VALUE)
def _(df):
    return V.customer_value(df)


@entry("crmkit.value.profit.profit_and_loss",
       profit=derived(lambda: V.direct_profit(market().transactions,
                                              V.cost_to_serve(market().interactions)),
                      "profit", unique=("customer_id",)))
def _(profit):
    return V.profit_and_loss(profit, common_costs=1000.0)


@entry("crmkit.value.lifetime.lifetime_value", df=VALUE)
def _(df):
    return V.lifetime_value(df, retention="retention", horizon=5)


@entry("crmkit.value.lifetime.lifetime_value_chain", df=VALUE)
def _(df):
    return V.lifetime_value_chain(df, retention=0.8, discount_rate=0.1, horizon=5)


@entry("crmkit.value.lifetime.chain_steps", chain=derived(chain, "chain"))
def _(chain):
    return V.chain_steps(chain)


@entry("crmkit.value.lifetime.customer_equity",
       df=derived(lambda: V.lifetime_value(value_frame(), horizon=5), "customers",
                  unique=("customer_id",)))
def _(df):
    return V.customer_equity(df)


@entry("crmkit.value.lifetime.customer_capital",
       df=derived(lambda: value_frame().assign(
           retention_effort=(value_frame()["customer_id"] % 7) * 5.0), "customers",
           unique=("customer_id",), signed=("commercial_margin",)))
def _(df):
    return V.customer_capital(df, retention="retention", horizon=5)


@entry("crmkit.value.lifetime.acquisition_returns", customers=customers_arg(),
       values=derived(lambda: V.lifetime_value(value_frame(), horizon=5), "values",
                      unique=("customer_id",)))
def _(customers, values):
    return V.acquisition_returns(customers, values)


@entry("crmkit.value.strategies.value_strategies", df=VALUE)
def _(df):
    return V.value_strategies(df)


@entry("crmkit.value.strategies.channel_migration",
       customers=derived(lambda: market().customers.assign(
           eligible=market().customers["customer_id"] % 2 == 0), "customers",
           unique=("customer_id",)),
       interactions=market_arg("interactions"))
def _(customers, interactions):
    return V.channel_migration(customers, interactions)


# ---- clv -----------------------------------------------------------------------------------
from crmkit import clv as K  # noqa: E402

SUMMARY = derived(clv_summary, "summary", unique=("customer_id",))
# the models are fitted on the CDNOW sample (real purchases that identify them; the
# synthetic market's deposits are too regular for a Pareto/NBD fit to be quick)
CDNOW = derived(lambda: K.load_cdnow().head(300).rename_axis("customer_id").reset_index(),
                "summary", unique=("customer_id",))
DEPOSITS = Arg(lambda: market().transactions.query("kind == 'deposit'"), "transactions")


@entry("crmkit.clv.summary.summary_from_transactions", transactions=DEPOSITS)
def _(transactions):
    return K.summary_from_transactions(transactions, value="amount", freq="W",
                                       observation_end=as_of())


@entry("crmkit.clv.summary.calibration_holdout", transactions=DEPOSITS)
def _(transactions):
    return K.calibration_holdout(transactions, calibration_end=as_of() - pd.DateOffset(years=1),
                                 observation_end=as_of(), freq="W")


@entry("crmkit.clv.sbg.contract_survivors", contracts=market_arg("contracts"))
def _(contracts):
    return K.contract_survivors(contracts, as_of=as_of(), by="product_id")


@entry("crmkit.clv.diagnostics.period_transactions", data=CDNOW)
def _(data):
    return K.period_transactions(K.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793,
                                                            b=2.426), data, draws=2)


@entry("crmkit.clv.diagnostics.cumulative_transactions", transactions=DEPOSITS)
def _(transactions):
    return K.cumulative_transactions(
        K.BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426), transactions,
        calibration_end=as_of() - pd.DateOffset(years=1), observation_end=as_of(), freq="W")


@entry("crmkit.clv.summary.check_summary", data=SUMMARY)
def _(data):
    return K.check_summary(data, monetary=True)


@entry("crmkit.clv.summary.holdout_comparison", data=CDNOW)
def _(data):
    predicted = CDNOW.build()["frequency"] * 0.5
    return K.holdout_comparison(data, predicted)


# ---- sBG (contractual retention, Fader & Hardie 2007) ----------------------------------------
@functools.cache
def sbg_customers():
    """One row per customer of two cohorts observed 5 periods: whole periods of tenure and
    whether they left, from sBG lifetimes (a fixed seed: the valid input never changes)."""
    rng = np.random.default_rng(3)
    n, horizon = 240, 5
    life = rng.geometric(rng.beta(0.7, 1.2, n))
    return pd.DataFrame({"customer_id": np.arange(1, n + 1),
                         "cohort": np.where(np.arange(n) % 2 == 0, 2019, 2020),
                         "tenure": np.minimum(life, horizon).astype(np.int64),
                         "churned": life <= horizon})


@entry("crmkit.clv.sbg.survivor_table",
       customers=derived(sbg_customers, "customers", unique=("customer_id",), labels=("cohort",)))
def _(customers):
    return K.survivor_table(customers)


@entry("crmkit.clv.sbg.ShiftedBetaGeoModel",
       data=derived(lambda: K.survivor_table(sbg_customers()), "survivors",
                    unique=("cohort", "period"), nonneg=("period", "survivors"),
                    labels=("cohort",)))
def _(data):
    model = K.ShiftedBetaGeoModel().fit(data)
    return {"params": model.params_, "retention": model.retention_rate([1, 2, 3])}


def _fitted(model, data):
    return {"params": model.params_, "alive": model.probability_alive(data)}


@entry("crmkit.clv.bgnbd.BetaGeoModel", data=CDNOW)
def _(data):
    return _fitted(K.BetaGeoModel().fit(data), data)


@entry("crmkit.clv.paretonbd.ParetoNBDModel", data=CDNOW)
def _(data):
    return _fitted(K.ParetoNBDModel().fit(data), data)


@entry("crmkit.clv.gammagamma.GammaGammaModel", data=CDNOW)
def _(data):
    m = K.GammaGammaModel().fit(data)
    return {"params": m.params_, "spend": m.conditional_expected_spend(data)}


@entry("crmkit.clv.gammagamma.spend_independence", data=CDNOW)
def _(data):
    return K.spend_independence(data)


@functools.cache
def _clv_models():
    d = CDNOW.build()
    return K.BetaGeoModel().fit(d), K.GammaGammaModel().fit(d)


@entry("crmkit.clv.lifetime.customer_lifetime_value", data=CDNOW)
def _(data):
    bg, gg = _clv_models()
    return K.customer_lifetime_value(bg, gg, data, horizon=12)


@entry("crmkit.clv.lifetime.customer_equity", data=CDNOW)
def _(data):
    bg, gg = _clv_models()
    return K.customer_equity(bg, gg, data, horizon=12)


@entry("crmkit.clv.markov.recency_panel", transactions=TX)
def _(transactions):
    return K.recency_panel(transactions, value="amount", n_states=4, end=as_of())


@entry("crmkit.clv.markov.value_tier_panel", transactions=TX, customers=customers_arg(),
       interactions=market_arg("interactions"))
def _(transactions, customers, interactions):
    return K.value_tier_panel(transactions, customers, interactions)


@entry("crmkit.clv.markov.MarkovMigrationModel",
       panel=derived(recency_panel, "panel", unique=("customer_id", "period"),
                     signed=("amount",), labels=("state",)))
def _(panel):
    m = K.MarkovMigrationModel(discount_rate=0.1).fit(panel, value="amount")
    return {"P": m.transition_matrix_, "values": m.state_values(horizon=5)}


# ---- campaigns -------------------------------------------------------------------------------
from crmkit import campaigns as C  # noqa: E402

TARGETS = market_arg("campaign_targets")
CAMPAIGNS = market_arg("campaigns")


@entry("crmkit.campaigns.measurement.response_rates", targets=TARGETS)
def _(targets):
    return C.response_rates(targets)


@entry("crmkit.campaigns.measurement.uplift", targets=TARGETS)
def _(targets):
    return C.uplift(targets)


@entry("crmkit.campaigns.measurement.pooled_uplift", targets=TARGETS, campaigns=CAMPAIGNS)
def _(targets, campaigns):
    return C.pooled_uplift(targets, "channel", campaigns)


@entry("crmkit.campaigns.roi.campaign_roi", targets=TARGETS, campaigns=CAMPAIGNS)
def _(targets, campaigns):
    return C.campaign_roi(targets, campaigns, margin_per_conversion=100.0)


@entry("crmkit.campaigns.roi.pooled_roi", roi=derived(roi, "roi", unique=("campaign_id",)))
def _(roi):
    return C.pooled_roi(roi, "channel")


def uplift_campaign():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 400)
    treated = np.arange(400) % 5 != 0
    return pd.DataFrame({"x": x, "treated": treated,
                         "converted": rng.random(400) < 0.1 + 0.3 * x * treated})


UPLIFT = derived(uplift_campaign, "uplift data")


@entry("crmkit.campaigns.uplift_models.TwoModelUplift", data=UPLIFT)
def _(data):
    from sklearn.linear_model import LogisticRegression

    return C.TwoModelUplift(features=["x"], estimator=LogisticRegression()).fit(data).predict(data)


@entry("crmkit.campaigns.uplift_models.ClassTransformationUplift", data=UPLIFT)
def _(data):
    from sklearn.linear_model import LogisticRegression

    return C.ClassTransformationUplift(features=["x"], estimator=LogisticRegression()).fit(data).predict(data)


def qini_frame():
    d = uplift_campaign()
    return C.qini_curve(d["x"], d["converted"], d["treated"])


@entry("crmkit.campaigns.uplift_models.qini_coefficient", curve=derived(qini_frame, "qini curve"))
def _(curve):
    return C.qini_coefficient(curve)


@entry("crmkit.plots.campaigns.qini_plot",
       curves=derived(lambda: qini_frame().assign(model="two_model"), "qini curves"))
def _(curves):
    return PL.qini_plot(curves)


@entry("crmkit.campaigns.control_groups.assign_groups",
       targets=derived(lambda: market().customers[["customer_id", "sector"]], "targets",
                       unique=("customer_id",)))
def _(targets):
    return C.assign_groups(targets, control_share=0.2, seed=1, strata="sector")


@entry("crmkit.campaigns.learn_feel_do.learn_feel_do_grid", products=market_arg("products"))
def _(products):
    return C.learn_feel_do_grid(products)


@entry("crmkit.campaigns.event_marketing.trigger_family", campaigns=CAMPAIGNS)
def _(campaigns):
    return C.trigger_family(campaigns)


@entry("crmkit.campaigns.targeting.target_profiles", targets=TARGETS, campaigns=CAMPAIGNS,
       customers=customers_arg(), contracts=market_arg("contracts"))
def _(targets, campaigns, customers, contracts):
    return C.target_profiles(targets, campaigns, customers, contracts)


@entry("crmkit.campaigns.waves.run_waves",
       waves=derived(lambda: proposed().assign(wave=np.arange(len(proposed())) % 2), "waves",
                     optional=("expected_value",)),
       customers=customers_arg())
def _(waves, customers):
    from crmkit.idic import ContactPolicy

    return C.run_waves(waves, customers, ContactPolicy())


@entry("crmkit.campaigns.attribution.last_touch_attribution",
       contracts=market_arg("contracts"), interactions=market_arg("interactions"),
       customers=customers_arg())
def _(contracts, interactions, customers):
    return C.last_touch_attribution(contracts, interactions, customers, window_days=30)


@entry("crmkit.campaigns.multichannel.multichannel_customers", customers=customers_arg(),
       transactions=TX, interactions=market_arg("interactions"))
def _(customers, transactions, interactions):
    return C.multichannel_customers(customers, transactions, interactions, as_of()
                                    - pd.DateOffset(years=2))


# ---- idic ------------------------------------------------------------------------------------
from crmkit import idic as I  # noqa: E402

RECORDS = Arg(records, "source_records", unique=("record_id",))
# the compared values of a normalised record may be missing (no e-mail, no phone...)
NORM_VALUES = ("first", "last", "first_key", "last_key", "birth_date", "email", "phone",
               "postcode", "address", "city", "system", "account_number")
LIFE = market_arg("life_events")


@entry("crmkit.idic.identify.normalise.normalise_records", source_records=RECORDS)
def _(source_records):
    return I.normalise_records(source_records)


@entry("crmkit.idic.identify.clustering.resolve_identities", source_records=RECORDS)
def _(source_records):
    return I.resolve_identities(source_records).links


@entry("crmkit.idic.identify.blocking.candidate_pairs",
       norm=derived(lambda: I.normalise_records(records()), "norm", unique=("record_id",),
                    nullable=NORM_VALUES))
def _(norm):
    return I.candidate_pairs(norm)


@entry("crmkit.idic.identify.quality.resolution_quality",
       links=derived(links, "links", unique=("record_id",)), source_records=RECORDS)
def _(links, source_records):
    return I.resolution_quality(links, source_records)


@entry("crmkit.idic.identify.threshold.threshold_sweep", source_records=RECORDS)
def _(source_records):
    from crmkit.idic.identify import threshold_sweep

    return threshold_sweep(resolution(), source_records, [0.0, 5.0, 10.0])


@entry("crmkit.idic.identify.unified_view.unified_customer_view",
       links=derived(links, "links", unique=("record_id",)), source_records=RECORDS)
def _(links, source_records):
    return I.unified_customer_view(links, source_records)


# the transactions' kind is optional (documented): without it no flow is told apart as a
# claim, and the potential is the gap in every margin
@entry("crmkit.idic.differentiate.customer_profiles", customers=customers_arg(),
       transactions=market_arg("transactions", optional=("kind",)),
       interactions=market_arg("interactions"),
       contracts=market_arg("contracts"), products=market_arg("products"), life_events=LIFE)
def _(customers, transactions, interactions, contracts, products, life_events):
    return I.customer_profiles(customers, transactions, interactions, contracts, products,
                               life_events, as_of=as_of())


@entry("crmkit.idic.differentiate.profile_summary",
       profiles=derived(profiles, "profiles", unique=("customer_id",)))
def _(profiles):
    return I.profile_summary(profiles)


@entry("crmkit.idic.customize.recommend_offers", customers=customers_arg(),
       contracts=market_arg("contracts"), life_events=LIFE, products=market_arg("products"))
def _(customers, contracts, life_events, products):
    return I.recommend_offers(customers, contracts, life_events, products, as_of())


@entry("crmkit.idic.customize.next_best_offer", customers=customers_arg(),
       contracts=market_arg("contracts"), life_events=LIFE, products=market_arg("products"))
def _(customers, contracts, life_events, products):
    return I.next_best_offer(customers, contracts, life_events, products, as_of())


@entry("crmkit.idic.customize.build_bundles",
       recommendations=derived(recommendations, "recommendations"),
       products=market_arg("products"))
def _(recommendations, products):
    return I.build_bundles(recommendations, products)


@entry("crmkit.idic.interact.ContactPolicy",
       proposed=derived(proposed, "proposed", optional=("expected_value",)),
       customers=customers_arg())
def _(proposed, customers):
    return I.ContactPolicy().apply(proposed, customers)


@entry("crmkit.idic.interact.contact_summary", decisions=derived(decisions, "decisions"))
def _(decisions):
    return I.contact_summary(decisions)


# ---- project ---------------------------------------------------------------------------------
from crmkit import project as P  # noqa: E402


@entry("crmkit.project.reporting.reporting_split", customers=customers_arg(),
       contracts=market_arg("contracts"), transactions=TX)
def _(customers, contracts, transactions):
    return P.reporting_split(customers, contracts, transactions)


@entry("crmkit.project.kpis.kpi_measures", split=derived(split, "split"),
       interactions=market_arg("interactions"), campaigns=CAMPAIGNS,
       campaign_targets=TARGETS)
def _(split, interactions, campaigns, campaign_targets):
    return P.kpi_measures(split, interactions, campaigns, campaign_targets)


@entry("crmkit.project.processes.process_measures", products=market_arg("products"),
       contracts=market_arg("contracts"), transactions=TX,
       interactions=market_arg("interactions"), incidents=market_arg("incidents"),
       campaigns=CAMPAIGNS, campaign_targets=TARGETS)
def _(products, contracts, transactions, interactions, incidents, campaigns, campaign_targets):
    return P.process_measures(products, contracts, transactions, interactions, incidents,
                              campaigns, campaign_targets)


# a KPI may have no value for a year (a blank light): missing values are valid
@entry("crmkit.project.kpis.kpi_dashboard",
       measures=derived(measures, "measures", wide=True,
                        nullable=("retention_rate", "existing_revenue_share", "cross_sell_rate",
                                  "early_churn", "contact_cost_ratio", "campaign_lift")))
def _(measures):
    return P.kpi_dashboard(measures, P.kpi_targets())


@entry("crmkit.project.budget.cost_per_saved_customer", campaigns=CAMPAIGNS,
       campaign_targets=TARGETS)
def _(campaigns, campaign_targets):
    return P.cost_per_saved_customer(campaigns, campaign_targets, gesture_cost=10.0)


@entry("crmkit.project.budget.budget_summary", runs=derived(budget_runs, "runs"))
def _(runs):
    return P.budget_summary(runs)


@entry("crmkit.project.business_case.programme_roi", cash_flows=derived(cash_flows, "cash_flows"))
def _(cash_flows):
    return P.programme_roi(cash_flows)


# ---- warehouse (Ibis on an embedded DuckDB) --------------------------------------------------
def _mem(df):
    import ibis
    import pyarrow as pa

    from tests.mutation.engine import NotApplicable

    try:
        # through Arrow now: ibis.memtable converts lazily, so a frame Arrow refuses (ids
        # 1 and "1" in one column) would fail inside the first query crmkit runs on it
        return ibis.memtable(pa.Table.from_pandas(df, preserve_index=False))
    except Exception as exc:  # noqa: BLE001 - Arrow refuses the frame before crmkit sees it
        raise NotApplicable(f"no Ibis table from this frame: {type(exc).__name__}") from exc


def _wh(name):
    import importlib

    return getattr(importlib.import_module("crmkit.warehouse"), name)


@entry("crmkit.warehouse.metrics.rfm", transactions=TX)
def _(transactions):
    return _wh("rfm")(transactions, as_of=as_of())


@entry("crmkit.warehouse.metrics.rfm_expr", t=Arg(T("transactions"), "transactions"))
def _(t):
    return _wh("rfm_expr")(_mem(t), as_of=as_of()).to_pandas()


@entry("crmkit.warehouse.metrics.frat", purchases=TX)
def _(purchases):
    return _wh("frat")(purchases, as_of=as_of())


@entry("crmkit.warehouse.metrics.frat_expr", t=Arg(T("transactions"), "transactions"))
def _(t):
    return _wh("frat_expr")(_mem(t), as_of=as_of()).to_pandas()


@entry("crmkit.warehouse.metrics.clv_summary", transactions=DEPOSITS)
def _(transactions):
    return _wh("clv_summary")(transactions, value="amount", freq="W", observation_end=as_of())


@entry("crmkit.warehouse.metrics.clv_summary_expr", t=DEPOSITS)
def _(t):
    return _wh("clv_summary_expr")(_mem(t), value="amount", freq="W",
                                   observation_end=as_of()).to_pandas()


@entry("crmkit.warehouse.metrics.calibration_holdout", transactions=DEPOSITS)
def _(transactions):
    return _wh("calibration_holdout")(transactions,
                                      calibration_end=as_of() - pd.DateOffset(years=1),
                                      observation_end=as_of(), freq="W")


@entry("crmkit.warehouse.metrics.calibration_holdout_expr", t=DEPOSITS)
def _(t):
    return _wh("calibration_holdout_expr")(
        _mem(t), calibration_end=as_of() - pd.DateOffset(years=1), observation_end=as_of(),
        freq="W").to_pandas()


@entry("crmkit.warehouse.metrics.quantile_score",
       t=derived(lambda: rfm_table().reset_index(drop=True), "rfm", unique=("customer_id",),
                 signed=("*",)))
def _(t):
    tt = _mem(t)
    return tt.mutate(score=_wh("quantile_score")(tt, "monetary", "customer_id")).to_pandas()


@entry("crmkit.warehouse.metrics.with_count_score",
       t=derived(lambda: rfm_table().reset_index(drop=True), "rfm", unique=("customer_id",),
                 signed=("*",)))
def _(t):
    from crmkit.warehouse.metrics import with_count_score

    return with_count_score(_mem(t), "frequency", "F", customer_col="customer_id").to_pandas()


@entry("crmkit.warehouse.value.customer_value", transactions=TX,
       interactions=market_arg("interactions"), contracts=market_arg("contracts"))
def _(transactions, interactions, contracts):
    return _wh("customer_value")(transactions, interactions, contracts)


@entry("crmkit.warehouse.value.customer_value_expr", transactions=TX,
       interactions=market_arg("interactions"), contracts=market_arg("contracts"))
def _(transactions, interactions, contracts):
    return _wh("customer_value_expr")(_mem(transactions), _mem(interactions),
                                      _mem(contracts)).to_pandas()


@entry("crmkit.warehouse.piloting.migration_matrix", before=SEG_BEFORE, after=SEG_AFTER)
def _(before, after):
    return _wh("migration_matrix")(before, after)


@entry("crmkit.warehouse.piloting.migration_counts_expr", before=SEG_BEFORE, after=SEG_AFTER)
def _(before, after):
    out = _wh("migration_counts_expr")(_mem(before), _mem(after)).to_pandas()
    return out.sort_values(list(out.columns)).reset_index(drop=True)


@entry("crmkit.warehouse.piloting.segment_kpis", df=KPI)
def _(df):
    return _wh("segment_kpis")(df, "segment", kpis={"margin": ("direct_profit", "sum")},
                               period_col="year")


@entry("crmkit.warehouse.piloting.segment_kpis_expr", t=KPI)
def _(t):
    out = _wh("segment_kpis_expr")(_mem(t), "segment", kpis={"margin": ("direct_profit", "sum")},
                                   period_col="year").to_pandas()
    return out.sort_values(list(out.columns[:2])).reset_index(drop=True)


@entry("crmkit.warehouse.piloting.segment_migration", transactions=TX)
def _(transactions):
    a = as_of()
    return _wh("segment_migration")(transactions, a - pd.DateOffset(years=1), a)


@entry("crmkit.warehouse.engines.as_table", data=TX)
def _(data):
    con = _wh("connect")()
    return _wh("as_table")(data, con, "transactions",
                           {"customer_id": "int", "date": "datetime", "amount": "float"},
                           nonnegative=("amount",)).to_pandas()


# ---- io --------------------------------------------------------------------------------------
@entry("crmkit.io.save_market", customers=customers_arg(), products=market_arg("products"))
def _(customers, products):
    import tempfile

    from crmkit import io

    with tempfile.TemporaryDirectory() as tmp:
        io.save_market({"customers": customers, "products": products}, tmp, duckdb=False)
        back = io.load_market(tmp)
        return {"customers": back.customers if hasattr(back, "customers") else back["customers"],
                "products": back.products if hasattr(back, "products") else back["products"]}


@entry("crmkit.io.to_arrow", df=Arg(T("customers"), "customers"))  # a converter: no key
def _(df):
    from crmkit import io

    return io.to_arrow(df).to_pandas()


# ---- plots (the figure's data is compared: lines, bars, points, labels) ----------------------
from crmkit import plots as PL  # noqa: E402


@entry("crmkit.plots.concentration.pareto_curve", df=VALUE)
def _(df):
    return PL.pareto_curve(df, "potential")


@entry("crmkit.plots.shares.bar_share", df=customers_arg())
def _(df):
    return PL.bar_share(df, "sector")


@entry("crmkit.plots.matrix.matrix_scatter", df=VALUE)
def _(df):
    return PL.matrix_scatter(df, "direct_profit", "potential")


@entry("crmkit.plots.loyalty.survival_curves",
       curves=derived(lambda: L.survival_curve(market().customers, as_of=as_of(), max_years=5),
                      "survival"))
def _(curves):
    return PL.survival_curves(curves, curve_col="survival")


@entry("crmkit.plots.loyalty.bathtub_flows",
       flows=derived(lambda: L.customer_flows(market().customers, as_of=as_of()), "flows"))
def _(flows):
    return PL.bathtub_flows(flows)


@entry("crmkit.plots.loyalty.response_mix",
       mix=derived(lambda: L.incident_response_mix(market().incidents), "response_mix",
                   wide=True))
def _(mix):
    return PL.response_mix(mix)


@entry("crmkit.plots.segmentation.rfm_heatmap",
       scores=derived(rfm_scores, "rfm", unique=("customer_id",)))
def _(scores):
    return PL.rfm_heatmap(scores, min_count=1)


@entry("crmkit.plots.segmentation.migration_heatmap",
       matrix=derived(lambda: S.migration_matrix(segments_before(), segments_after()),
                      "migration", wide=True))
def _(matrix):
    return PL.migration_heatmap(matrix)


@entry("crmkit.plots.segmentation.stage_entry_ages", segments=derived(lifecycle, "lifecycle"))
def _(segments):
    return PL.stage_entry_ages(segments)


@entry("crmkit.plots.segmentation.k_selection",
       scores=derived(lambda: S.choose_k(features(), feature_cols(), ks=[2, 3],
                                         n_components=None), "choose_k"))
def _(scores):
    return PL.k_selection(scores)


@entry("crmkit.plots.campaigns.fcb_grid",
       grid=derived(lambda: C.learn_feel_do_grid(market().products), "products"))
def _(grid):
    return PL.fcb_grid(grid)


@entry("crmkit.plots.campaigns.uplift_bars",
       pooled=derived(lambda: C.pooled_uplift(market().campaign_targets, "channel",
                                              market().campaigns).reset_index().dropna(),
                      "pooled"))
def _(pooled):
    return PL.uplift_bars(pooled, category="channel")


# a missing date is not counted, by design (yearly_counts(customers, "churn_date") counts
# the churns: customers still there have none)
@entry("crmkit.plots.customer_data.yearly_counts",
       df=market_arg("transactions", nullable=("date",)))
def _(df):
    return PL.yearly_counts(df, "date")


@entry("crmkit.plots.idic.contact_decisions", decisions=derived(decisions, "decisions"))
def _(decisions):
    return PL.contact_decisions(decisions)


@entry("crmkit.plots.project.revenue_split", split=derived(split, "split"))
def _(split):
    return PL.revenue_split(split)


@entry("crmkit.plots.project.payback_curve",
       flows=derived(lambda: P.programme_roi(cash_flows()).flows, "flows"))
def _(flows):
    return PL.payback_curve(flows)


@entry("crmkit.plots.value.value_waterfall",
       steps=derived(lambda: V.chain_steps(chain()), "steps", signed=("amount",)))
def _(steps):
    return PL.value_waterfall(steps)


@entry("crmkit.plots.diagnostics.calibration_plot",
       calibration=derived(lambda: pd.DataFrame({"predicted": [0.1, 0.4, 0.7, 0.9],
                                                 "observed": [0.12, 0.35, 0.75, 0.88]}),
                           "calibration"))
def _(calibration):
    return PL.calibration_plot(calibration)


@entry("crmkit.plots.diagnostics.hazard_ratio_forest",
       ratios=derived(lambda: pd.DataFrame({"hazard_ratio": [0.8, 1.6], "lower": [0.7, 1.3],
                                            "upper": [0.9, 2.0]},
                                           index=["contracts_held", "multichannel"]),
                      "hazard_ratios"))
def _(ratios):
    return PL.hazard_ratio_forest(ratios)


@entry("crmkit.plots.diagnostics.survival_projection",
       observed=derived(lambda: pd.DataFrame({"cohort": [2020] * 3, "period": [0, 1, 2],
                                              "survival": [1.0, 0.7, 0.55]}), "observed"),
       projected=derived(lambda: pd.DataFrame({"cohort": [2020] * 4, "period": [0, 1, 2, 3],
                                               "survival": [1.0, 0.69, 0.56, 0.48]}),
                         "projected"))
def _(observed, projected):
    return PL.survival_projection(observed, projected, calibration_periods=1)


@entry("crmkit.plots.diagnostics.period_transactions_plot",
       table=derived(lambda: pd.DataFrame({"frequency": [0, 1, 2], "actual": [50, 20, 9],
                                           "expected": [48.0, 22.5, 8.1]}),
                     "period_transactions"))
def _(table):
    return PL.period_transactions_plot(table)


@entry("crmkit.plots.diagnostics.cumulative_transactions_plot",
       table=derived(lambda: pd.DataFrame({"date": pd.date_range("2024-01-07", periods=4,
                                                                 freq="W"),
                                           "actual": [1, 3, 4, 6],
                                           "expected": [1.2, 2.5, 4.1, 5.5],
                                           "period": ["calibration"] * 2 + ["holdout"] * 2}),
                     "cumulative_transactions"))
def _(table):
    return PL.cumulative_transactions_plot(table)


@entry("crmkit.plots.diagnostics.frequency_recency_heatmap",
       grid=derived(lambda: pd.DataFrame({"frequency": [0, 1, 1, 2, 2],
                                          "recency": [0.0, 0.0, 10.0, 0.0, 10.0],
                                          "value": [1.0, 0.3, 0.9, 0.1, 0.95]}), "grid"))
def _(grid):
    return PL.frequency_recency_heatmap(grid)


@entry("crmkit.plots.value.holdout_fit",
       comparison=derived(lambda: K.holdout_comparison(CDNOW.build(),
                                                       CDNOW.build()["frequency"] * 0.5),
                          "comparison"))
def _(comparison):
    return PL.holdout_fit(comparison)


# ---- loaders: an unknown table name (a typo) must not return {} ------------------------------
def _typo_loaders():
    """name -> call(tables) of the loaders that take a list of table names."""
    from crmkit import datasets, io

    def _io(tables):
        return io.load_market(datasets.market_path("sample"), tables=tables)

    def _ds(tables):
        return datasets.load_sample(tables=tables)

    def _duck(tables):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            import shutil

            shutil.copytree(datasets.market_path("sample"), tmp, dirs_exist_ok=True)
            return io.build_duckdb(tmp, tables=tables)

    def _spark_folder(tables):
        from crmkit.warehouse import read_market_folder

        return read_market_folder(datasets.market_path("sample"), tables=tables)

    def _workshop(tables):
        from crmkit import workshop

        return workshop.load_data(datasets.market_path("sample"), tables=tables)

    return {"crmkit.io.load_market": _io, "crmkit.datasets.load_sample": _ds,
            "crmkit.io.build_duckdb": _duck,
            "crmkit.warehouse.spark.read_market_folder": _spark_folder,
            "crmkit.workshop.load_data": _workshop}


TYPO_TABLES = (["customers", "transaction"], ["custumers"])


@entry("crmkit.plots.campaigns.uplift_funnel",
       per_campaign=derived(lambda: uplift_table().dropna().reset_index(), "uplift",
                            unique=("campaign_id",)))
def _(per_campaign):
    return PL.uplift_funnel(per_campaign)


@entry("crmkit.plots.campaigns.campaign_power",
       curve=derived(lambda: C.detectable_uplift_curve([100, 500, 1000, 5000], 0.02), "curve",
                     nullable=("detectable_uplift",)))
def _(curve):
    return PL.campaign_power(curve, n_targets=1000)


@entry("crmkit.plots.segmentation.detectable_uplift",
       curve=derived(lambda: C.detectable_uplift_curve([100, 500, 1000, 5000], 0.02), "curve",
                     nullable=("detectable_uplift",)))
def _(curve):
    return PL.detectable_uplift(curve, sizes=[500])


@entry("crmkit.plots.customer_data.threshold_curve",
       sweep=derived(lambda: __import__("crmkit.idic.identify", fromlist=["x"]).threshold_sweep(
           resolution(), records(), [0.0, 5.0, 10.0]), "sweep"))
def _(sweep):
    return PL.threshold_curve(sweep, threshold=5.0)


@entry("crmkit.plots.customer_data.match_weights",
       pairs=derived(lambda: resolution().pairs.assign(
           same_person=__import__("crmkit.idic.identify", fromlist=["x"]).true_matches(
               resolution().pairs, records()).to_numpy()), "pairs"))
def _(pairs):
    return PL.match_weights(pairs, threshold=5.0)


@entry("crmkit.plots.idic.need_heatmap",
       shares=derived(lambda: pd.DataFrame({
           "need": ["savings", "car_cover", "car_cover"],
           "life_stage": ["young_family", "couple", "retired"],
           "share": [0.25, 0.5, 0.125]}), "needs"))
def _(shares):
    return PL.need_heatmap(shares)


@entry("crmkit.plots.idic.offer_values",
       offers=derived(lambda: pd.DataFrame({
           "rule": ["savings_capacity_life", "birth_health"],
           "trigger": ["savings_capacity", "event"], "customers": [790, 31],
           "expected_value": [21.6, 216.0], "untargeted_value": [5.0, 25.0]}), "offers",
           unique=("rule",)))
def _(offers):
    return PL.offer_values(offers)


@entry("crmkit.plots.loyalty.bathtub_scenarios",
       runs=derived(lambda: L.compare_bathtubs(
           4, {"baseline": {"acquired": 10, "retention_rate": 0.8},
               "retain": {"acquired": 10, "retention_rate": 0.9}},
           initial_customers=50), "runs"))
def _(runs):
    return PL.bathtub_scenarios(runs)


# the groups with a defined churn rate, as chapter 2 draws them: "exit" has no exposure,
# hence no rate (NaN), and measure_bars refuses an undefined value instead of an empty bar
@entry("crmkit.plots.loyalty.measure_bars",
       df=derived(lambda: L.incident_churn(market().customers, incidents_before_churn(),
                                           as_of=as_of() - pd.DateOffset(years=1)
                                           ).reset_index().dropna(subset=["churn_rate"]),
                  "measures", unique=("group",)))
def _(df):
    return PL.measure_bars(df, "group", "churn_rate")


@entry("crmkit.plots.project.usual_report", split=derived(split, "split"))
def _(split):
    return PL.usual_report(split)


@entry("crmkit.plots.project.kpi_lights",
       dashboard=derived(lambda: P.kpi_dashboard(measures(), P.kpi_targets()), "dashboard",
                         nullable=("value", "status")))
def _(dashboard):
    return PL.kpi_lights(dashboard)


def answers() -> pd.DataFrame:
    return pd.DataFrame({"id": [f"SF{i:02d}" for i in range(1, 16)],
                         "score": [1 + i % 5 for i in range(15)]})


@entry("crmkit.project.maturity.maturity_profile",
       answers=derived(answers, "answers", unique=("id",)))
def _(answers):
    return P.maturity_profile(answers)


@entry("crmkit.plots.project.maturity_bars",
       factors=derived(lambda: P.maturity_profile(answers()).factors, "factors",
                       unique=("id",)))
def _(factors):
    return PL.maturity_bars(factors)


@entry("crmkit.plots.project.break_even_sweep",
       sweep=derived(lambda: pd.concat(
           [P.budget_summary(P.budget_scenarios(bathtub_params(), 1_000.0, cost_per_saved=c))
            .assign(cost_per_saved=c).reset_index() for c in (100.0, 200.0, 400.0)],
           ignore_index=True),
           "sweep"))
def _(sweep):
    return PL.break_even_sweep(sweep)


@entry("crmkit.plots.segmentation.cluster_profile_heatmap",
       profile=derived(lambda: S.cluster_profile(features(), np.arange(len(features())) % 3,
                                                 feature_cols()), "profile",
                       unique=("cluster",)))
def _(profile):
    # the variables named, as its one caller (widgets.cluster_explorer) names them: with
    # columns=None every other column is a variable, and a profile without one is valid
    return PL.cluster_profile_heatmap(profile, feature_cols())


@entry("crmkit.plots.segmentation.kpi_trend",
       kpis=derived(lambda: S.segment_kpis(kpi_frame(), "segment",
                                           kpis={"margin": ("direct_profit", "mean")},
                                           period_col="year"), "kpis"))
def _(kpis):
    return PL.kpi_trend(kpis, "year", "segment", "margin")


@entry("crmkit.plots.segmentation.score_outcome",
       scores=derived(lambda: rfm_scores().assign(
           bought=(rfm_scores()["customer_id"] % 3 == 0).astype(float)), "scores",
           unique=("customer_id",)))
def _(scores):
    return PL.score_outcome(scores, "bought", dims=["R", "F"])


@entry("crmkit.plots.value.cost_breakdown",
       df=derived(lambda: market().customers[["customer_id", "preferred_channel"]].merge(
           V.allocate_costs(drivers(), POOLS), on="customer_id"), "costs",
           unique=("customer_id",)))
def _(df):
    return PL.cost_breakdown(df, "preferred_channel", ["handling", "sales"])


@entry("crmkit.plots.value.equity_comparison",
       df=derived(lambda: pd.DataFrame({
           "strategy": ["retention", "loyalty"], "baseline_equity": [2e6, 5e6],
           "scenario_equity": [2.3e6, 5.5e6]}), "equity", unique=("strategy",)))
def _(df):
    return PL.equity_comparison(df, "strategy")


@entry("crmkit.plots.value.state_shares",
       distribution=derived(lambda: pd.DataFrame({"high": [0.4, 0.35], "lost": [0.0, 0.15],
                                                  "low": [0.6, 0.5]}), "distribution"))
def _(distribution):
    return PL.state_shares(distribution)


@entry("crmkit.plots.value.story_path",
       path=derived(lambda: __import__("crmkit.synth", fromlist=["x"]).story("young_driver").path,
                    "path"))
def _(path):
    return PL.story_path(path, story="young_driver")


# ---- the rest of the public table-taking API ----------------------------------------------
def _mk():
    import importlib

    return importlib.import_module("crmkit.market")


# row-wise rules: a missing acquisition date means "never active" (documented), a repeated
# row gets its own answer (no total to double)
RULE_CUSTOMERS = Arg(T("customers"), "customers", nullable=("acquisition_date",))
RULE_CONTRACTS = Arg(T("contracts"), "contracts", nullable=("start_date",))


@entry("crmkit.market.active_on", customers=RULE_CUSTOMERS)
def _(customers):
    return _mk().active_on(customers, as_of() - pd.DateOffset(years=1))


@entry("crmkit.market.active_during", customers=RULE_CUSTOMERS)
def _(customers):
    return _mk().active_during(customers, as_of() - pd.DateOffset(years=2),
                            as_of() - pd.DateOffset(years=1))


@entry("crmkit.market.active_throughout", customers=RULE_CUSTOMERS)
def _(customers):
    return _mk().active_throughout(customers, as_of() - pd.DateOffset(years=2),
                                   as_of() - pd.DateOffset(years=1))


@entry("crmkit.market.running_on", contracts=RULE_CONTRACTS)
def _(contracts):
    return _mk().running_on(contracts, as_of() - pd.DateOffset(years=1))


@entry("crmkit.market.running_during", contracts=RULE_CONTRACTS)
def _(contracts):
    return _mk().running_during(contracts, as_of() - pd.DateOffset(years=2),
                             as_of() - pd.DateOffset(years=1))


@entry("crmkit.idic.customize.offer_groups",
       rules=derived(lambda: __import__("crmkit.idic.customize", fromlist=["x"]).DEFAULT_RULES,
                     "rules"))
def _(rules):
    return I.offer_groups(rules)


@entry("crmkit.idic.identify.comparison.compare_pairs",
       norm=derived(lambda: I.normalise_records(records()), "norm", unique=("record_id",),
                    nullable=NORM_VALUES))
def _(norm):
    pairs = I.candidate_pairs(I.normalise_records(records()))
    return I.compare_pairs(norm, pairs[0], pairs[1]) if isinstance(pairs, tuple) else \
        I.compare_pairs(norm, pairs["left"].to_numpy(), pairs["right"].to_numpy())


@entry("crmkit.idic.identify.quality.true_matches",
       pairs=derived(lambda: resolution().pairs, "pairs"), source_records=RECORDS)
def _(pairs, source_records):
    from crmkit.idic.identify import true_matches

    return true_matches(pairs, source_records)


@entry("crmkit.idic.identify.threshold.links_at_threshold", source_records=RECORDS)
def _(source_records):
    from crmkit.idic.identify import links_at_threshold

    return links_at_threshold(resolution(), source_records, 5.0)


@entry("crmkit.privacy.pseudonymise", df=customers_arg())
def _(df):
    from crmkit import privacy

    return privacy.pseudonymise(df, "customers", "a-sixteen-byte-salt")


@entry("crmkit.privacy.pseudonymise_tables", customers=customers_arg(),
       contracts=market_arg("contracts"))
def _(customers, contracts):
    from crmkit import privacy

    return privacy.pseudonymise_tables({"customers": customers, "contracts": contracts},
                                      "a-sixteen-byte-salt")


def _with(**tables):
    import dataclasses

    return dataclasses.replace(market(), **tables)


# The workshops read whatever tables a client sent (crmkit import requires only a few
# columns of each, crmkit.importer.REQUIRED): the other columns are optional, and each
# workshop function says in its docstring and its notes what it does without them. What a
# registry entry declares optional below is such a documented fallback, not a hole:
# - the customers' quasi-identifiers may be blank: load_data blanks the rare ones
#   (crmkit.privacy.suppress_rare) and the workshop reads a blank as unknown;
WS_CUSTOMERS = dict(nullable=QUASI_IDENTIFIERS)


@entry("crmkit.workshop.data.analysis_window", transactions=TX)
def _(transactions):
    from crmkit import workshop

    return workshop.analysis_window(_with(transactions=transactions))


# - data_overview shows the period of the dates the client sent: without acquisition dates
#   the customers' period is blank (the column is optional in an import);
@entry("crmkit.workshop.data.data_overview",
       customers=customers_arg(optional=("acquisition_date",), **WS_CUSTOMERS), transactions=TX)
def _(customers, transactions):
    from crmkit import workshop

    return workshop.data_overview(_with(customers=customers, transactions=transactions))


# - purchases of a retailer (no contracts): untyped when the transactions have no kind;
@entry("crmkit.workshop.data.purchases", transactions=market_arg("transactions",
                                                                 optional=("kind",)))
def _(transactions):
    from crmkit import workshop

    # no contracts: the purchases are the transactions (a retailer's data)
    return workshop.purchases(_with(transactions=transactions,
                                    contracts=market().contracts.iloc[:0])).frame


# - value_base: without acquisition or churn dates, retention is measured on contract holders
#   (and a customer without an acquisition date counts as acquired before the window);
#   without life stages the peer groups are age bands; without a margin the revenue is the
#   margin (margin_rate); without a kind no flow is told apart as a claim (potential is then
#   the gap in all margins); without a cost per contact, a default cost per contract. Each
#   fallback is written in the ValueBase's notes.
@entry("crmkit.workshop.value.value_base",
       customers=customers_arg(optional=("acquisition_date", "churn_date", "life_stage"),
                               **WS_CUSTOMERS),
       transactions=market_arg("transactions", optional=("margin", "kind")),
       contracts=market_arg("contracts"),
       interactions=market_arg("interactions", optional=("cost",)))
def _(customers, transactions, contracts, interactions):
    from crmkit import workshop

    return workshop.value_base(_with(customers=customers, transactions=transactions,
                                     contracts=contracts, interactions=interactions))


EXEMPT.update({
    **{f"crmkit.schema.{n}": "the validation layer itself: its own tests feed it bad tables"
       for n in ("check_allowed", "check_columns", "check_dates", "check_dates_ordered",
                 "check_finite", "check_ids", "check_in_range", "check_no_missing",
                 "check_nonnegative", "check_not_empty", "check_rows", "check_unique", "fail",
                 "require_columns", "snapshot", "validate")},
    "crmkit.warehouse.engines.check_expr": "the validation layer itself (Ibis tables)",
    "crmkit.schema.check_key": "the validation layer itself: its own tests feed it bad tables",
    "crmkit.workshop.data.checked_table": "the validation layer itself (the workshops' front "
                                          "door): tests/test_workshop.py feeds it bad tables",
    "crmkit.display.show_table": "formats any frame for reading (labels, number formats)",
    "crmkit.synth.market.generate": "takes no table (a number of customers)",
    "crmkit.synth.market.generate_to": "takes no table (a number of customers)",
    "crmkit.synth.market.check_arguments": "takes no table (the generator's arguments)",
    "crmkit.warehouse.spark.generate_on_spark": "takes no table; needs a Spark session",
    "crmkit.synth.validation.calibration_table": "measures the generator's own output "
                                                 "against its targets, not a user's table",
    "crmkit.synth.validation.measure": "measures the generator's own output against its "
                                       "targets, not a user's table",
    "crmkit.exercises.campaigns.untargeted_phone_campaigns": "an exercise's reference solution, "
                                                        "checked by the exercise tests",
    "crmkit.labels.translate_frame": "relabels any frame for display: unknown values pass "
                                     "unchanged by design",
    "crmkit.workshop.report.table": "formats any frame for the workshop's HTML report",
    "crmkit.models.by_horizon": "takes a prediction function and an index, not a table",
    "crmkit.clv.sbg.simulate_sbg": "takes no table (a number of customers)",
    **{f"crmkit.widgets.{n}": "an interactive front door: it hands the same tables to the "
                              "registered analytics and plots, which validate them"
       for n in ("customer_data.identity_threshold_explorer", "idic.contact_policy_explorer",
                 "loyalty.dick_basu_explorer", "segmentation.cluster_explorer",
                 "segmentation.matrix_explorer", "value.channel_migration_explorer",
                 "value.cost_pool_explorer", "value.ltv_explorer")},
})


# ---- added to main while the suite was written: twins, profitability, privacy -------------
@entry("crmkit.clv.summary.clv_summary", transactions=DEPOSITS)
def _(transactions):
    return K.clv_summary(transactions, value="amount", freq="W", observation_end=as_of())


@entry("crmkit.segmentation.rfm.frat", purchases=TX)
def _(purchases):
    from crmkit.segmentation.rfm import frat

    return frat(purchases, as_of=as_of())


@entry("crmkit.segmentation.piloting.segment_migration", transactions=TX)
def _(transactions):
    from crmkit.segmentation.piloting import segment_migration

    a = as_of()
    return segment_migration(transactions, a - pd.DateOffset(years=1), a)


@entry("crmkit.value.profit.customer_profitability", transactions=TX,
       interactions=market_arg("interactions"), contracts=market_arg("contracts"))
def _(transactions, interactions, contracts):
    from crmkit.value.profit import customer_profitability

    return customer_profitability(transactions, interactions, contracts)


@entry("crmkit.warehouse.value.customer_profitability", transactions=TX,
       interactions=market_arg("interactions"), contracts=market_arg("contracts"))
def _(transactions, interactions, contracts):
    return _wh("customer_profitability")(transactions, interactions, contracts)


@entry("crmkit.warehouse.value.customer_profitability_expr", transactions=TX,
       interactions=market_arg("interactions"), contracts=market_arg("contracts"))
def _(transactions, interactions, contracts):
    return _wh("customer_profitability_expr")(_mem(transactions), _mem(interactions),
                                              _mem(contracts)).to_pandas()


# a blank quasi-identifier matches any value (sdcMicro's freqCalc, documented; checked in
# tests/test_privacy.py against the pairwise definition): a missing value is an answer
@entry("crmkit.privacy.rare_combinations", df=customers_arg(nullable=("gender", "region")))
def _(df):
    from crmkit import privacy

    return privacy.rare_combinations(df, ["gender", "region"], 3)


@entry("crmkit.privacy.suppress_rare", df=customers_arg(nullable=QUASI_IDENTIFIERS))
def _(df):
    from crmkit import privacy

    return privacy.suppress_rare(df, 3)


@functools.cache
def strategy_kpis():
    """The value audit's table of strategies (segment_kpis on the value matrix's strategies)."""
    from crmkit.segmentation import segment_kpis
    from crmkit.value import value_strategies

    v = value_frame()
    cu = v.merge(value_strategies(v)[["customer_id", "strategy"]], on="customer_id")
    return segment_kpis(cu, "strategy", kpis={"direct_profit": ("direct_profit", "sum"),
                                              "potential": ("potential", "sum"),
                                              "mean_profit": ("direct_profit", "mean")})


@entry("crmkit.workshop.value.action_plan",
       kpis=derived(strategy_kpis, "kpis", unique=("strategy",),
                    signed=("direct_profit", "mean_profit")))
def _(kpis):
    from crmkit.workshop.value import action_plan

    return action_plan(kpis)


@entry("crmkit.workshop.value.concentration",
       customers=derived(profiles, "customers", unique=("customer_id",), signed=("*",)))
def _(customers):
    from crmkit.workshop.value import concentration

    return concentration(customers)


# takes a fitted purchase model and numbers (T, horizons), no table: nothing to mutate
EXEMPT["crmkit.clv.diagnostics.frequency_recency_grid"] = "takes a fitted model, no table"
