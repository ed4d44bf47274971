"""Table schemas of the synthetic market and validation of any input against them.

Every public function of crmkit validates what it receives with the helpers below, so a
student or a consultant gets *one* clear error naming the table, the column and the first
offending rows — never a ``KeyError`` from deep inside pandas, never a silent NaN.

The schemas describe the tidy tables of DESIGN.md ("The synthetic market"). Each column has
a *kind* (a family of dtypes, so that ``int32`` and ``int64`` both pass as integers) and a
meaning; columns marked ``truth=True`` are ground truth kept for teaching (the hidden
persona, the latent attitude, the true identity) which a real company would not have.

The public helpers, for any function that takes a table: :func:`require_columns` (columns
present, of their kind, no missing values, no negatives, unique key), :func:`as_timestamp`
(a date argument), :func:`snapshot` (rows seen by a date), :func:`fail` (the error shape),
:func:`validate` (a whole market table of :data:`TABLES` or derived table of
:data:`DERIVED`; the rules on values run as a pandera schema, :func:`pandera_schema`).

The policies, the same for every function:

- **Time zones: refused.** Dates are naive calendar dates. A time-zone-aware column or
  date raises, with the fix in the message; it is never converted silently, because
  converting to UTC can move an evening date to another calendar day.
- **Dates outside pandas' nanosecond range** (1677-2262) are refused.
- **Infinite numbers, and numbers whose sum overflows** (two values of ``1e308``) are
  refused in every numeric column a function declares; missing values are refused except
  in the columns declared nullable.
- **Mixed id types: refused.** An id column holding both numbers and strings (``1`` and
  ``"1"``) would make two customers of one; the caller casts it once.
- **Duplicated ids** where one row per customer is expected are refused (``unique=``).
- **Unknown table names** are refused (``validate``, :func:`crmkit.market.check_table_names`).

Examples
--------
>>> import pandas as pd
>>> from crmkit import schema
>>> df = pd.DataFrame({"customer_id": [1, 2], "amount": [10.0, -3.0]})
>>> schema.check_nonnegative(df, "transactions", "amount")
Traceback (most recent call last):
...
crmkit.schema.SchemaError: transactions.amount: 1 row(s) negative; first offending rows (index): [1]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit._docs import fill

__all__ = [
    "Column",
    "Table",
    "SchemaError",
    "TABLES",
    "KINDS",
    "validate",
    "check_columns",
    "check_not_empty",
    "check_nonnegative",
    "check_in_range",
    "check_allowed",
    "check_unique",
    "check_key",
    "check_no_missing",
    "check_dates_ordered",
    "check_rows",
    "check_dates",
    "check_finite",
    "check_ids",
    "require_columns",
    "as_timestamp",
    "snapshot",
    "fail",
    "describe",
    "DERIVED",
    "Rule",
    "pandera_schema",
]

# how many offending row labels an error message shows
_SHOW = 5


class SchemaError(ValueError):
    """Input that does not fit a crmkit table: names the table, column and rows."""


# ---------------------------------------------------------------------------------------
# kinds of columns: a predicate on the pandas dtype
# ---------------------------------------------------------------------------------------
def _is_int(s: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _is_float(s: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(s.dtype)


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _is_bool(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s.dtype)


def _is_datetime(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def _is_string(s: pd.Series) -> bool:
    # pandas 3 infers the "str" dtype; older code may hand us object or category columns
    if isinstance(s.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_string_dtype(s.dtype):
        return True
    if s.dtype == object:
        non_null = s.dropna()
        return bool(non_null.map(lambda v: isinstance(v, str)).all())
    return False


KINDS = {
    "int": _is_int,
    "float": _is_float,
    "number": _is_number,
    "bool": _is_bool,
    "datetime": _is_datetime,
    "string": _is_string,
}


@dataclass(frozen=True)
class Column:
    """One column of a table: name, kind (see :data:`KINDS`), meaning, nullability."""

    name: str
    kind: str
    meaning: str
    nullable: bool = False
    truth: bool = False  # ground truth kept for teaching, unknown to a real company
    allowed: tuple[str, ...] | None = None
    low: float | None = None  # smallest allowed value (inclusive); 0 for amounts, counts
    high: float | None = None  # largest allowed value (inclusive)


@dataclass(frozen=True)
class Rule:
    """A rule across columns: ``ok(df)`` is True on the rows that keep it; a failing row
    is reported on ``column`` as ``what`` (e.g. ``end_date`` "before start_date")."""

    column: str
    what: str
    ok: Callable[[pd.DataFrame], pd.Series]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A tidy table: its grain (one row per ...), columns, primary key and cross-column rules."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The description of column ``name``.

        Parameters
        ----------
        name : str
            A column of the table.

        Returns
        -------
        Column
            Its kind, meaning, nullability and allowed values or bounds; a KeyError if
            the table has no such column.

        Examples
        --------
        >>> TABLES["customers"].column("customer_id").kind
        'int'
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _t(name, grain, key, *cols, rules=()):
    return Table(name=name, grain=grain, key=tuple(key), columns=tuple(Column(*c) for c in cols),
                 rules=tuple(rules))


def _ordered(start: str, end: str) -> Rule:
    """``end`` on or after ``start`` where both are known."""
    return Rule(end, f"before {start}",
                lambda df: df[end].isna() | df[start].isna() | (df[end] >= df[start]),
                (start, end))




SECTORS = ("bank", "insurance")
CHANNELS = ("branch", "phone", "web", "mobile", "email", "mail")
END_REASONS = ("customer_termination", "company_termination", "term", "death")
INCIDENT_TYPES = ("claim_refused", "service_failure", "price_rise", "competitor_offer")
INCIDENT_RESPONSES = ("none", "negotiation", "complaint", "negative_word_of_mouth", "exit")
TRANSACTION_KINDS = ("premium", "fee", "interest_margin", "claim", "deposit")
INTERACTION_REASONS = ("sale", "service", "claim", "complaint", "information", "retention")
CHURN_REASONS = ("dissatisfaction", "competitor_offer", "moved", "price_rise", "claim_refused",
                 "service_failure", "company_termination", "death")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "customers", "one row per customer (person) of the bank and/or the insurer", ["customer_id"],
            ("customer_id", "int", "unique customer key (the company's golden id)"),
            ("sector", "string", "division that acquired the customer: bank or insurance", False, False, SECTORS),
            ("first_name", "string", "first name (Faker fr_FR)"),
            ("last_name", "string", "last name (Faker fr_FR)"),
            ("email", "string", "e-mail address", True),
            ("phone", "string", "phone number", True),
            ("address", "string", "street address at the end of the simulation"),
            ("postcode", "string", "postcode"),
            ("city", "string", "city"),
            ("region", "string", "French region"),
            ("gender", "string", "F or M"),
            ("birth_date", "datetime", "date of birth"),
            ("household_id", "int", "household key: customers sharing a home share it (partners who are both customers)"),
            ("household_size", "int", "persons in the household: the customer, a partner, children at home (at the end, or when she left)"),
            ("acquisition_date", "datetime", "date the customer became a customer"),
            ("acquisition_channel", "string", "channel of acquisition", False, False, CHANNELS),
            ("acquisition_cost", "float", "cost of winning the customer, euros: prospecting contacts (see interactions, reason sale, before the acquisition date) plus media and commission"),
            ("churn_date", "datetime", "date the customer left (NaT while active)", True),
            ("churn_reason", "string", "why the customer left (missing while active)", True, False, CHURN_REASONS),
            ("preferred_channel", "string", "channel the customer prefers to be contacted on", False, False, CHANNELS),
            ("n_channels", "int", "number of channels the customer uses (3 or more: multichannel)"),
            ("preferred_hour", "int", "preferred hour of the day for contact (8-20)"),
            ("contact_consent", "bool", "consent to marketing contacts (opt-in)"),
            ("opt_out", "bool", "on the do-not-contact list"),
            ("credit_score", "float", "credit score in [0, 1] (1 = best risk)"),
            ("income", "float", "yearly household income, euros"),
            ("life_stage", "string", "life stage at the end of the simulation"),
            ("persona", "string", "hidden persona that drives behaviour", False, True),
            ("latent_attitude", "float", "hidden relative attitude to the brand in [0, 1]", False, True),
        ),
        _t(
            "source_records", "one row per record of a person in one department's system", ["record_id"],
            ("record_id", "string", "record key in the source system"),
            ("system", "string", "department system holding the record (e.g. bank_core, cards, insurance_auto)"),
            ("account_number", "string", "the department's own account number"),
            ("first_name", "string", "first name as typed in that system (spelling variants)"),
            ("last_name", "string", "last name as typed in that system"),
            ("birth_date", "datetime", "date of birth (may be missing)", True),
            ("email", "string", "e-mail (may be missing or outdated)", True),
            ("phone", "string", "phone (may be missing or outdated)", True),
            ("address", "string", "address (may be an old one)", True),
            ("postcode", "string", "postcode", True),
            ("city", "string", "city", True),
            ("true_customer_id", "int", "the person behind the record", False, True),
        ),
        _t(
            "life_events", "one row per life event of a customer", ["customer_id", "date", "event"],
            ("customer_id", "int", "customer key"),
            ("date", "datetime", "date of the event"),
            ("event", "string", "marriage, birth, home_purchase, car_purchase, child_higher_education, children_leave_home, job_move, retirement, death_of_spouse, ..."),
            ("stage_before", "string", "life stage before the event"),
            ("stage_after", "string", "life stage after the event"),
        ),
        _t(
            "products", "one row per product of the catalogue", ["product_id"],
            ("product_id", "string", "product key"),
            ("sector", "string", "bank or insurance", False, False, SECTORS),
            ("name", "string", "product name (English)"),
            ("family", "string", "product family (account, savings, credit, cover, ...)"),
            ("monthly_price", "float", "typical monthly premium/fee/margin, euros"),
            ("learn_feel_do", "string", "purchase involvement: cognitive, affective or conative (learn-feel-do grid)"),
        ),
        _t(
            "contracts", "one row per contract (a product held by a customer)", ["contract_id"],
            ("contract_id", "int", "contract key"),
            ("customer_id", "int", "customer key"),
            ("product_id", "string", "product key"),
            ("start_date", "datetime", "start of the contract"),
            ("end_date", "datetime", "end of the contract (NaT while running)", True),
            ("end_reason", "string", "why it ended (missing while running)", True, False, END_REASONS),
            ("channel", "string", "channel through which it was sold", False, False, CHANNELS),
            ("monthly_premium", "float", "monthly premium, fee or expected margin at start, euros"),
            ("car_registration_date", "datetime", "first registration of the insured car (motor policies on the customer's own car: the car insured when the contract ended, or today while it runs; missing for other products and the second car)", True),
        ),
        _t(
            "transactions", "one row per money flow of a contract in a month", [],
            ("customer_id", "int", "customer key"),
            ("contract_id", "int", "contract key"),
            ("date", "datetime", "date of the flow"),
            ("kind", "string", "premium, fee, interest_margin, claim or deposit", False, False, TRANSACTION_KINDS),
            ("amount", "float", "amount of the flow, euros, >= 0"),
            ("margin", "float", "contribution to the company's margin, euros (claims negative)"),
        ),
        _t(
            "interactions", "one row per contact between the company and a customer", ["interaction_id"],
            ("interaction_id", "int", "interaction key"),
            ("customer_id", "int", "customer key"),
            ("date", "datetime", "date and time of the contact"),
            ("channel", "string", "branch/agency, phone, web, mobile, email or mail", False, False, CHANNELS),
            ("direction", "string", "inbound (customer-initiated) or outbound", False, False, ("inbound", "outbound")),
            ("reason", "string", "sale, service, claim, complaint, information or retention (negotiation, commercial gesture included in cost)", False, False, INTERACTION_REASONS),
            ("cost", "float", "cost to serve of this contact, euros"),
        ),
        _t(
            "campaigns", "one row per marketing campaign", ["campaign_id"],
            ("campaign_id", "int", "campaign key"),
            ("name", "string", "campaign name"),
            ("start_date", "datetime", "launch date"),
            ("product_id", "string", "product offered"),
            ("channel", "string", "channel used", False, False, CHANNELS),
            ("cost_per_contact", "float", "cost of one contact, euros"),
            ("trigger", "string", "what selected the targets: life_event:<event>, segment:<segment> or none (untargeted)"),
            ("test_share", "float", "share of the selected customers contacted (test); the rest is a random control group"),
        ),
        _t(
            "campaign_targets", "one row per customer selected for a campaign", ["campaign_id", "customer_id"],
            ("campaign_id", "int", "campaign key"),
            ("customer_id", "int", "customer key"),
            ("group", "string", "test (contacted) or control (held out at random)", False, False, ("test", "control")),
            ("responded", "bool", "the customer responded"),
            ("converted", "bool", "the customer bought the offered product"),
            ("p_response_contacted", "float", "ground truth no real data set has: the probability the "
             "generator used for this customer to buy the offer if contacted (empty for retention "
             "campaigns, whose outcome is measured a year later)", True, True),
            ("p_response_uncontacted", "float", "ground truth no real data set has: the probability the "
             "generator used for this customer to buy the offer anyway, without the contact (empty "
             "for retention campaigns); the true uplift is contacted minus uncontacted", True, True),
        ),
        _t(
            "surveys", "one row per survey answer", [],
            ("customer_id", "int", "customer key"),
            ("date", "datetime", "date of the answer"),
            ("satisfaction", "int", "satisfaction, 1 (very unhappy) to 10 (delighted)"),
            ("relative_attitude", "float", "stated attitude to the brand relative to competitors, 1 to 7"),
            ("repurchase_intent", "int", "intention to buy again, 1 to 5"),
        ),
        _t(
            "incidents", "one row per critical incident", ["incident_id"],
            ("incident_id", "int", "incident key"),
            ("customer_id", "int", "customer key"),
            ("date", "datetime", "date of the incident"),
            ("type", "string", "claim_refused, service_failure, price_rise or competitor_offer", False, False, INCIDENT_TYPES),
            ("response", "string", "none, negotiation, complaint, negative_word_of_mouth or exit", False, False, INCIDENT_RESPONSES),
        ),
    ]
}


# value bounds (inclusive) and cross-column rules of the market tables, from the meanings
# above: amounts, costs and counts are never negative, shares and scores stay on their scale
_BOUNDS = {
    "customers": {"acquisition_cost": (0, None), "n_channels": (1, None),
                  "preferred_hour": (0, 23), "credit_score": (0, 1), "income": (0, None),
                  "latent_attitude": (0, 1)},
    "products": {"monthly_price": (0, None)},
    "contracts": {"monthly_premium": (0, None)},
    "transactions": {"amount": (0, None)},
    "interactions": {"cost": (0, None)},
    "campaigns": {"cost_per_contact": (0, None), "test_share": (0, 1)},
    "campaign_targets": {"p_response_contacted": (0, 1), "p_response_uncontacted": (0, 1)},
    "surveys": {"satisfaction": (1, 10), "relative_attitude": (1, 7), "repurchase_intent": (1, 5)},
}
_RULES = {
    "customers": (_ordered("acquisition_date", "churn_date"),),
    "contracts": (_ordered("start_date", "end_date"),),
}


def _constrained(t: Table) -> Table:
    from dataclasses import replace

    bounds = _BOUNDS.get(t.name, {})
    cols = tuple(replace(c, low=bounds[c.name][0], high=bounds[c.name][1]) if c.name in bounds
                 else c for c in t.columns)
    return replace(t, columns=cols, rules=_RULES.get(t.name, ()))


TABLES = {name: _constrained(t) for name, t in TABLES.items()}


# ---------------------------------------------------------------------------------------
# checks: each raises one SchemaError naming table, column and first offending rows
# ---------------------------------------------------------------------------------------
#: Parameter and error docs shared by the check functions below (``crmkit._docs.fill``).
_CHECK_DOCS = {
    "table_args": """\
df : pandas.DataFrame
    The table to check.
table : str
    Its name, in the error message.""",
    "column_arg": """\
column : str
    The column to check.""",
    "raises": """\
Raises
------
SchemaError
    Naming the table, the column and the first offending rows.""",
}


def _rows(mask: pd.Series | np.ndarray, df: pd.DataFrame) -> str:
    idx = df.index[np.asarray(mask, dtype=bool)]
    return f"{len(idx)} row(s)", list(idx[:_SHOW])


def fail(table: str, column: str | None, what: str, mask=None, df=None):
    """Raise the one :class:`SchemaError` shape of crmkit.

    The message reads ``"table.column: what"``, and when a boolean ``mask`` over the rows
    of ``df`` is given, ``"table.column: N row(s) what; first offending rows (index):
    [...]"`` (the first five row labels).

    Parameters
    ----------
    table : str
        The table's name.
    column : str or None
        The column's name (None: the table as a whole).
    what : str
        What is wrong.
    mask : array-like of bool, optional
        Offending rows of ``df``.
    df : pandas.DataFrame, optional
        The table, for the row labels.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cost": [1.0, -2.0, -3.0]})
    >>> fail("interactions", "cost", "negative", df["cost"] < 0, df)
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.cost: 2 row(s) negative; first offending rows (index): [1, 2]
    """
    where = f"{table}.{column}" if column else table
    if mask is not None:
        count, first = _rows(mask, df)
        raise SchemaError(f"{where}: {count} {what}; first offending rows (index): {first}")
    raise SchemaError(f"{where}: {what}")


_fail = fail  # the former private name, kept for callers not yet moved


@fill(**_CHECK_DOCS)
def check_not_empty(df: pd.DataFrame, table: str) -> None:
    """Raise if ``df`` is not a DataFrame or has no rows.

    Parameters
    ----------
    {table_args}

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_not_empty(pd.DataFrame({"cost": []}), "interactions")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions: the table is empty (0 rows)
    """
    if not isinstance(df, pd.DataFrame):
        _fail(table, None, f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        _fail(table, None, "the table is empty (0 rows)")


@fill(**_CHECK_DOCS)
def check_columns(
    df: pd.DataFrame, table: str, columns: Mapping[str, str] | Iterable[str]
) -> None:
    """Raise if a column is missing or (when kinds are given) of the wrong kind.

    ``columns`` maps column name to a kind of :data:`KINDS` (``"int"``, ``"float"``,
    ``"number"``, ``"bool"``, ``"datetime"``, ``"string"``), or is a plain list of names
    when only presence matters.

    Parameters
    ----------
    {table_args}
    columns : mapping of str to str, or iterable of str
        Column names, with their kind when it matters.

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"cost": ["1"]}), "interactions", {"cost": "number"})
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.cost: expected number values, got dtype str
    """
    if not isinstance(df, pd.DataFrame):
        _fail(table, None, f"expected a pandas DataFrame, got {type(df).__name__}")
    spec = dict(columns) if isinstance(columns, Mapping) else {c: None for c in columns}
    missing = [c for c in spec if c not in df.columns]
    if missing:
        _fail(table, missing[0], f"missing column(s) {missing}; the table has {list(df.columns)}")
    for name, kind in spec.items():
        if kind is None:  # any kind, but dates and floats must still be usable values
            if _is_datetime(df[name]):
                check_dates(df, table, name)
            elif _is_float(df[name]):
                check_finite(df, table, name)
            continue
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; use one of {sorted(KINDS)}")
        s = df[name]
        if not KINDS[kind](s):
            hint = ""
            if kind in ("int", "float", "number") and not _is_number(s):
                bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
                if bad.any():
                    count, first = _rows(bad, df)
                    hint = f"; {count} not numeric, first offending rows (index): {first}"
            if kind == "datetime" and not _is_datetime(s):
                hint = "; convert it with pandas.to_datetime"
            _fail(table, name, f"expected {kind} values, got dtype {s.dtype}{hint}")
        if kind == "datetime":
            check_dates(df, table, name)
        elif kind in ("float", "number"):
            check_finite(df, table, name)
    for name in spec:
        if _is_id(name):
            check_ids(df, table, name)


_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max
# float64 sums overflow to inf once the absolute values add up past this
_FLOAT_MAX = np.finfo(np.float64).max


def _is_id(name) -> bool:
    return isinstance(name, str) and (name.endswith("_id") or name == "id")


@fill(**_CHECK_DOCS)
def check_dates(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the datetime ``column`` is time-zone aware or holds dates outside pandas'
    nanosecond range (years 1677 to 2262).

    crmkit's dates are naive calendar dates (the synthetic market has no time zone). A
    time-zone-aware column is *refused*, not converted: converting to UTC silently moves
    an evening date to the next calendar day, so the caller decides, e.g. with
    ``s.dt.tz_convert("UTC").dt.tz_localize(None)`` or ``s.dt.tz_localize(None)`` (keep
    the local wall-clock date).

    Parameters
    ----------
    {table_args}
    {column_arg}

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"]).tz_localize("Europe/Paris")})
    >>> check_dates(df, "surveys", "date")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: surveys.date: time-zone-aware dates (datetime64[..., Europe/Paris]) are refused: crmkit's dates are naive calendar dates; convert them with s.dt.tz_convert('UTC').dt.tz_localize(None) or keep the local date with s.dt.tz_localize(None)
    """
    s = df[column]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        _fail(table, column, f"time-zone-aware dates ({s.dtype}) are refused: crmkit's dates "
              "are naive calendar dates; convert them with s.dt.tz_convert('UTC')"
              ".dt.tz_localize(None) or keep the local date with s.dt.tz_localize(None)")
    if np.datetime_data(s.dtype)[0] != "ns" and s.notna().any() and (
            s.min() < _NS_MIN or s.max() > _NS_MAX):
        v = s.to_numpy()
        bad = ~np.isnat(v) & ((v < np.datetime64(_NS_MIN)) | (v > np.datetime64(_NS_MAX)))
        if bad.any():
            _fail(table, column, f"outside pandas' nanosecond date range [{_NS_MIN.date()}, "
                  f"{_NS_MAX.date()}]", bad, df)


@fill(**_CHECK_DOCS)
def check_finite(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the numeric ``column`` holds infinite values, or values so large that
    their sum overflows (e.g. two values of 1e308): every total would be ``inf``.

    Parameters
    ----------
    {table_args}
    {column_arg}

    Examples
    --------
    >>> import pandas as pd
    >>> check_finite(pd.DataFrame({"amount": [1e308, 1e308, 5.0]}), "transactions", "amount")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: transactions.amount: 2 row(s) too large: the column's sum overflows float64 (max 1.8e+308); first offending rows (index): [0, 1]
    """
    s = df[column]
    if not _is_number(s) or _is_int(s):
        return
    v = s.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.nansum(np.abs(v))  # one pass: inf if a value is infinite or the sum overflows
    if np.isfinite(total):
        return
    inf = np.isinf(v)
    if inf.any():
        _fail(table, column, "infinite value(s)", inf, df)
    if not np.isfinite(total):
        big = np.abs(v) >= _FLOAT_MAX / max(len(v), 1)
        _fail(table, column, f"too large: the column's sum overflows float64 (max "
              f"{_FLOAT_MAX:.1e})", big, df)


@fill(**_CHECK_DOCS)
def check_ids(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the key ``column`` mixes numbers and strings (``1`` and ``"1"``), which
    would silently make two customers of one.

    Mixed ids are *refused*, not normalised: whether ``"007"`` is customer 7 is the
    caller's decision (cast the column once, e.g. ``astype("int64")`` or ``astype(str)``).

    Parameters
    ----------
    {table_args}
    {column_arg}

    Examples
    --------
    >>> import pandas as pd
    >>> check_ids(pd.DataFrame({"customer_id": [1, "1", 2]}, dtype=object), "customers",
    ...           "customer_id")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: customers.customer_id: 1 row(s) are strings while other ids are numbers (1 and '1' would be two customers); cast the column to one type; first offending rows (index): [1]
    """
    s = df[column]
    if _is_float(s):  # e.g. integer ids made float by a missing value: whole numbers only
        v = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(v) & ~(np.isfinite(v) & (v == np.round(v)))
        if bad.any():
            _fail(table, column, "are not whole numbers (an id is an integer or a text)",
                  bad, df)
        return
    if s.dtype != object or len(s) == 0:
        return
    is_str = s.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
    if is_str.any() and not is_str[s.notna().to_numpy()].all():
        _fail(table, column, "are strings while other ids are numbers (1 and '1' would be two "
              "customers); cast the column to one type", is_str, df)


@fill(**_CHECK_DOCS)
def check_no_missing(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if ``column`` has missing values.

    Parameters
    ----------
    {table_args}
    {column_arg}

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_no_missing(pd.DataFrame({"margin": [1.0, None]}), "transactions", "margin")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: transactions.margin: 1 row(s) missing value(s); first offending rows (index): [1]
    """
    mask = df[column].isna()
    if mask.any():
        _fail(table, column, "missing value(s)", mask, df)


@fill(**_CHECK_DOCS)
def check_nonnegative(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if ``column`` has negative values (amounts, counts, costs).

    Parameters
    ----------
    {table_args}
    {column_arg}

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_nonnegative(pd.DataFrame({"cost": [1.0, -2.0]}), "interactions", "cost")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.cost: 1 row(s) negative; first offending rows (index): [1]
    """
    mask = df[column] < 0
    if mask.any():
        _fail(table, column, "negative", mask, df)


@fill(**_CHECK_DOCS)
def check_in_range(df: pd.DataFrame, table: str, column: str, low=None, high=None) -> None:
    """Raise if ``column`` has values outside ``[low, high]`` (missing values ignored).

    Parameters
    ----------
    {table_args}
    {column_arg}
    low, high : float, optional
        The bounds, included (None: no bound).

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_in_range(pd.DataFrame({"score": [0.5, 1.5]}), "customers", "score", 0, 1)
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: customers.score: 1 row(s) outside [0, 1]; first offending rows (index): [1]
    """
    s = df[column]
    mask = pd.Series(False, index=df.index)
    if low is not None:
        mask |= s < low
    if high is not None:
        mask |= s > high
    if mask.any():
        _fail(table, column, f"outside [{low}, {high}]", mask, df)


@fill(**_CHECK_DOCS)
def check_allowed(df: pd.DataFrame, table: str, column: str, allowed: Iterable) -> None:
    """Raise if ``column`` has values outside ``allowed`` (missing values ignored).

    Parameters
    ----------
    {table_args}
    {column_arg}
    allowed : iterable
        The values the column may hold.

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_allowed(pd.DataFrame({"channel": ["web", "fax"]}), "interactions", "channel",
    ...               ["web", "phone"])
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.channel: 1 row(s) not in ['web', 'phone'] (found ['fax']); first offending rows (index): [1]
    """
    allowed = list(allowed)
    s = df[column]
    mask = s.notna() & ~s.isin(allowed)
    if mask.any():
        seen = sorted(map(str, pd.unique(s[mask])))[:_SHOW]
        _fail(table, column, f"not in {allowed} (found {seen})", mask, df)


@fill(**_CHECK_DOCS)
def check_unique(df: pd.DataFrame, table: str, columns: str | list[str]) -> None:
    """Raise if the key ``columns`` has duplicated values.

    Parameters
    ----------
    {table_args}
    columns : str or list of str
        The key columns.

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_unique(pd.DataFrame({"customer_id": [1, 1]}), "customers", "customer_id")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: customers.customer_id: 2 row(s) duplicated key; first offending rows (index): [0, 1]
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    mask = df.duplicated(subset=cols, keep=False)
    if mask.any():
        _fail(table, "+".join(cols), "duplicated key", mask, df)


@fill(**_CHECK_DOCS)
def check_key(df: pd.DataFrame, table: str, key: str | list[str] | None = None) -> None:
    """Raise if the rows of ``df`` repeat their key (one row per customer, contract,
    interaction...), when the key columns are in ``df``: a repeated row would be counted
    twice. The key is ``key``, else the primary key of market table ``table``; tables
    without a key, or frames without its columns, pass.

    Parameters
    ----------
    {table_args}
    key : str or list of str, optional
        The key columns; default the primary key of market table ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> it = pd.DataFrame({"interaction_id": [1, 2, 2], "cost": [1.0, 2.0, 2.0]})
    >>> check_key(it, "interactions")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.interaction_id: 2 row(s) duplicated key; first offending rows (index): [1, 2]
    """
    if key is None:
        key = list(TABLES[table].key) if table in TABLES else []
    key = [key] if isinstance(key, str) else list(key)
    if key and all(k in df.columns for k in key):
        check_unique(df, table, key)


@fill(**_CHECK_DOCS)
def check_dates_ordered(df: pd.DataFrame, table: str, start: str, end: str) -> None:
    """Raise if ``end`` is before ``start`` on some row (missing ends ignored).

    Parameters
    ----------
    {table_args}
    start, end : str
        The columns of the start and end dates.

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> check_dates_ordered(pd.DataFrame({"start_date": pd.to_datetime(["2024-03-01"]),
    ...     "end_date": pd.to_datetime(["2024-01-01"])}), "contracts", "start_date", "end_date")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: contracts.end_date: 1 row(s) before start_date; first offending rows (index): [0]
    """
    mask = df[end].notna() & (df[end] < df[start])
    if mask.any():
        _fail(table, end, f"before {start}", mask, df)


@fill(**_CHECK_DOCS)
def check_rows(df: pd.DataFrame, table: str, column: str, mask, what: str) -> None:
    """Raise if the boolean ``mask`` (one entry per row) flags rows: a rule of ``column``
    that the generic checks above do not cover, described by ``what`` (e.g. "greater than T").

    Parameters
    ----------
    {table_args}
    {column_arg}
    mask : array-like of bool
        One entry per row: True for an offending row.
    what : str
        The rule the flagged rows break, as the message says it.

    {raises}

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recency": [5.0, 1.0], "T": [4.0, 4.0]})
    >>> check_rows(df, "summary", "recency", df["recency"] > df["T"], "greater than T")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: summary.recency: 1 row(s) greater than T; first offending rows (index): [0]
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        _fail(table, column, what, mask, df)


@fill(**_CHECK_DOCS)
def require_columns(
    df: pd.DataFrame,
    table: str,
    columns: Mapping[str, str | None] | Iterable[str],
    *,
    nonnegative: Iterable[str] = (),
    nullable: Iterable[str] = (),
    unique: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Validate ``df`` for one function: a non-empty DataFrame whose ``columns`` are present
    and of the right kind (see :func:`check_columns`: naive in-range dates, finite numbers,
    ids of one type), with no missing values (except in ``nullable``), no negative values
    in ``nonnegative``, and no duplicated ``unique`` key (e.g. ``"customer_id"`` where one
    row per customer is expected). Returns ``df``.

    Parameters
    ----------
    {table_args}
    columns : mapping of str to str or None, or iterable of str
        Column names, with their kind (None: any kind).
    nonnegative : iterable of str, default ()
        Columns that may not hold negative values.
    nullable : iterable of str, default ()
        Columns that may hold missing values.
    unique : str or iterable of str, optional
        Key columns that may not repeat.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself, checked.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 2], "income": [1.0, 2.0, 3.0]})
    >>> require_columns(cu, "customers", {"customer_id": "int", "income": "number"},
    ...                 unique="customer_id")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: customers.customer_id: 2 row(s) duplicated key; first offending rows (index): [1, 2]
    """
    check_not_empty(df, table)
    spec = dict(columns) if isinstance(columns, Mapping) else {c: None for c in columns}
    check_columns(df, table, spec)
    nullable = set(nullable)
    for name in spec:
        if name not in nullable:
            check_no_missing(df, table, name)
    for name in nonnegative:
        check_nonnegative(df, table, name)
    if unique is not None:
        check_unique(df, table, unique)
    return df


def as_timestamp(value, name: str = "as_of") -> pd.Timestamp:
    """A scalar date argument (``"2024-01-01"``, a ``datetime``, a Timestamp) as a naive
    Timestamp; one clear :class:`SchemaError` for anything else: not a date, missing,
    time-zone aware (refused, as in :func:`check_dates`), or outside pandas' nanosecond
    range.

    Parameters
    ----------
    value : str, datetime or pandas.Timestamp
        The date.
    name : str, default "as_of"
        The argument's name, in the error message.

    Returns
    -------
    pandas.Timestamp
        The date, naive.

    Examples
    --------
    >>> as_timestamp("2024-01-01")
    Timestamp('2024-01-01 00:00:00')
    >>> as_timestamp("3000-01-01", "day")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: day: 3000-01-01 is outside pandas' nanosecond date range [1677-09-21, 2262-04-11]
    """
    if isinstance(value, bool | int | float | np.number):
        raise SchemaError(f"{name} must be a date, got the number {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        if "out of bounds" in str(exc).lower():
            raise SchemaError(f"{name}: {value} is outside pandas' nanosecond date range "
                              f"[{_NS_MIN.date()}, {_NS_MAX.date()}]") from exc
        raise SchemaError(f"{name} must be a date, got {value!r}") from exc
    if pd.isna(ts):
        raise SchemaError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        fail(name, None, f"time-zone-aware date {value!r} refused: crmkit's dates are naive "
             "calendar dates; pass the date without a time zone")
    if not (_NS_MIN <= ts <= _NS_MAX):
        fail(name, None, f"{value} is outside pandas' nanosecond date range "
             f"[{_NS_MIN.date()}, {_NS_MAX.date()}]")
    return ts.as_unit("ns")


@fill(**_CHECK_DOCS)
def snapshot(
    df: pd.DataFrame, table: str, date_col: str, as_of
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Rows dated on or before ``as_of`` (default: the last date of the table), and that day.

    A snapshot only sees the past, so the same table can be scored at several dates
    (segment piloting). Raises if nothing is left.

    Parameters
    ----------
    {table_args}
    date_col : str
        The date column.
    as_of : date-like or None
        The snapshot date (None: the last date of the table).

    Returns
    -------
    (pandas.DataFrame, pandas.Timestamp)
        The rows up to ``as_of`` and ``as_of`` itself.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"date": pd.to_datetime(["2023-05-01", "2024-02-01"])})
    >>> rows, day = snapshot(tx, "transactions", "date", "2023-12-31")
    >>> len(rows), day
    (1, Timestamp('2023-12-31 00:00:00'))
    """
    if as_of is None:
        return df, pd.Timestamp(df[date_col].max())
    as_of = as_timestamp(as_of)
    keep = df[date_col] <= as_of
    if not keep.any():
        fail(table, date_col, f"no row dated on or before as_of={as_of.date()}; "
             f"the first date is {pd.Timestamp(df[date_col].min()).date()}")
    return (df if keep.all() else df.loc[keep]), as_of


# ---------------------------------------------------------------------------------------
# derived tables: what crmkit's functions hand to each other
# ---------------------------------------------------------------------------------------
def _d(name, grain, key, *cols, rules=()):
    return Table(name=name, grain=grain, key=tuple(key), rules=tuple(rules),
                 columns=tuple(Column(*c[:3], nullable=c[3] if len(c) > 3 else False,
                                      low=c[4] if len(c) > 4 else None,
                                      high=c[5] if len(c) > 5 else None) for c in cols))


DERIVED: dict[str, Table] = {
    t.name: t
    for t in [
        _d("clv_summary", "one row per customer: the repeat-purchase summary of the BG/NBD, "
           "Pareto/NBD and Gamma-Gamma models (crmkit.clv.summary_from_transactions)",
           ["customer_id"],
           ("customer_id", "int", "customer key (the index of the summary)"),
           ("frequency", "int", "number of repeat purchases (purchase days after the first)",
            False, 0),
           ("recency", "float", "age of the customer at the last purchase, in periods", False, 0),
           ("T", "float", "age of the customer at the end of the observation, in periods",
            False, 0),
           rules=[Rule("recency", "greater than T", lambda df: df["recency"] <= df["T"],
                       ("recency", "T")),
                  Rule("recency", "not 0 with frequency 0",
                       lambda df: (df["frequency"] > 0) | (df["recency"] == 0),
                       ("recency", "frequency"))]),
        _d("rfm_table", "one row per customer: recency, frequency, monetary "
           "(crmkit.segmentation.rfm_table)", ["customer_id"],
           ("customer_id", "int", "customer key"),
           ("recency_days", "int", "days from the last purchase to the snapshot", False, 0),
           ("frequency", "int", "number of purchases", False, 1),
           ("monetary", "number", "amount bought (sum or mean)", False, 0),
           ("first_purchase", "datetime", "date of the first purchase"),
           ("last_purchase", "datetime", "date of the last purchase"),
           rules=[_ordered("first_purchase", "last_purchase")]),
        _d("value_tier_panel", "one row per customer and period: value tier, or lost "
           "(crmkit.clv.value_tier_panel)", ["customer_id", "period"],
           ("customer_id", "int", "customer key"),
           ("period", None, "calendar period (pandas Period)"),
           ("state", "string", "value tier of the period, or the lost state"),
           ("direct_profit", "float", "margin minus cost to serve over the period, euros "
            "(0 once lost; negative for loss-making customers)")),
        _d("customer_flows", "one row per period: the customer stock and its flows "
           "(crmkit.loyalty.customer_flows)", [],
           ("start_stock", "int", "customers at the start of the period", False, 0),
           ("acquired", "int", "customers acquired in the period", False, 0),
           ("churned", "int", "customers lost in the period", False, 0),
           ("end_stock", "int", "customers at the end of the period", False, 0),
           ("retention_rate", "float", "share of the start stock still there at the end "
            "(missing when the start stock is 0)", True, 0, 1),
           ("churned_new", "int", "customers acquired and lost in the same period", False, 0),
           rules=[Rule("end_stock", "not start_stock + acquired - churned",
                       lambda df: df["end_stock"] == df["start_stock"] + df["acquired"]
                       - df["churned"], ("start_stock", "acquired", "churned", "end_stock")),
                  Rule("churned_new", "more than churned",
                       lambda df: df["churned_new"] <= df["churned"],
                       ("churned_new", "churned"))]),
        _d("direct_profit", "one row per customer: commercial margin, cost to serve and "
           "direct profit over a period (crmkit.value.direct_profit)", ["customer_id"],
           ("customer_id", "int", "customer key"),
           ("commercial_margin", "float", "margin of the customer's flows, euros"),
           ("cost_to_serve", "float", "cost of the customer's contacts, euros", False, 0),
           ("direct_profit", "float", "commercial margin minus cost to serve, euros"),
           rules=[Rule("direct_profit", "not commercial_margin - cost_to_serve",
                       lambda df: np.isclose(df["direct_profit"],
                                             df["commercial_margin"] - df["cost_to_serve"],
                                             rtol=1e-9, atol=1e-6),
                       ("direct_profit", "commercial_margin", "cost_to_serve"))]),
        _d("migration_matrix", "one row per segment before, one column per segment after: "
           "shares of customers moving (crmkit.segmentation.migration_matrix, normalised)", [],
           rules=[Rule("*", "shares outside [0, 1]",
                       lambda df: ((df >= 0) & (df <= 1)).all(axis=1), ())]),
    ]
}


# ---------------------------------------------------------------------------------------
# pandera: the value-level rules of a table as a pandera DataFrameSchema
# ---------------------------------------------------------------------------------------
def _spec(table: str) -> Table:
    if table in TABLES:
        return TABLES[table]
    if table in DERIVED:
        return DERIVED[table]
    raise SchemaError(f"unknown table {table!r}; known tables: {sorted(TABLES)}; derived "
                      f"tables: {sorted(DERIVED)}")


def pandera_schema(table: str, columns: Iterable[str] | None = None, *,
                   nullable: Iterable[str] = ()):
    """The pandera ``DataFrameSchema`` of ``table`` (a market or derived table), restricted
    to ``columns``: nullability, allowed categories, value bounds, the key's uniqueness and
    the cross-column rules. Missing values are also accepted in ``nullable`` (columns a
    caller knows may be blanked, see :func:`validate`).

    Column *kinds* (a family of dtypes: ``int32`` and ``int64`` are both integers) are
    checked by :func:`check_columns` before it, with crmkit's hints; the schema holds the
    rules on values. It is what :func:`validate` runs, and can be used on its own (e.g.
    ``pandera_schema("customers").validate(df, lazy=True)``).

    Parameters
    ----------
    table : str
        A market table of :data:`TABLES` or a derived table of :data:`DERIVED`.
    columns : iterable of str, optional
        Columns kept (default: all).
    nullable : iterable of str, default ()
        Columns whose missing values are accepted.

    Returns
    -------
    pandera.DataFrameSchema
        The schema.

    Examples
    --------
    >>> s = pandera_schema("surveys", ["customer_id", "satisfaction"])
    >>> sorted(s.columns)
    ['customer_id', 'satisfaction']
    >>> [c.error for c in s.columns["satisfaction"].checks]
    ['in_range(1, 10)']
    """
    import pandera.pandas as pa

    spec = _spec(table)
    wanted = list(spec.names) if columns is None else list(columns)
    nullable = set(nullable)
    cols = {}
    for c in spec.columns:
        if c.name not in wanted:
            continue
        checks = []
        if c.allowed is not None:
            checks.append(pa.Check.isin(list(c.allowed)))
        if c.low is not None and c.high is not None:
            checks.append(pa.Check.in_range(c.low, c.high))
        elif c.low is not None:
            checks.append(pa.Check.ge(c.low))
        elif c.high is not None:
            checks.append(pa.Check.le(c.high))
        cols[c.name] = pa.Column(nullable=c.nullable or c.name in nullable, checks=checks,
                                 required=True)
    rules = []
    for i, r in enumerate(spec.rules):
        if all(n in wanted for n in r.needs):
            rules.append(pa.Check(_rule_check(r.ok), name=f"rule{i}", error=r.what))
    key = list(spec.key) if spec.key and all(k in wanted for k in spec.key) else None
    return pa.DataFrameSchema(cols, checks=rules, unique=key, report_duplicates="all",
                              name=table)


def _rule_check(ok):
    """A rule as a pandera check: one boolean per row, indexed like the table."""
    return lambda df: pd.Series(np.asarray(ok(df), dtype=bool), index=df.index)


def _what(check: str, col: Column | None) -> str:
    """crmkit's words for a pandera check."""
    if check == "not_nullable":
        return "missing value(s)"
    if check.startswith("isin"):
        return f"not in {list(col.allowed)}" if col is not None else check
    if check in ("multiple_fields_uniqueness", "field_uniqueness"):
        return "duplicated key"
    if check == "greater_than_or_equal_to(0)":
        return "negative"
    if check.startswith(("greater_than_or_equal_to", "less_than_or_equal_to", "in_range")):
        low = col.low if col is not None else None
        high = col.high if col is not None else None
        return f"outside [{low}, {high}]"
    return check


def _raise_pandera(err, df: pd.DataFrame, spec: Table, shown: pd.DataFrame | None = None) -> None:
    """One crmkit SchemaError from pandera's lazy failure cases: the first failing column
    (in the schema's order) and check, with its count and first offending rows (of
    ``shown``, the caller's frame, when ``df`` is its copy with a positional index)."""
    shown = df if shown is None else shown
    fc = err.failure_cases
    names = spec.names
    order = {n: i for i, n in enumerate(names)}
    fc = fc.assign(_pos=fc["column"].map(lambda c: order.get(c, len(names))),
                   _kind=fc["schema_context"].ne("Column").astype(int))
    first = fc.sort_values(["_kind", "_pos"], kind="stable").iloc[0]
    group = fc[(fc["column"] == first["column"]) & (fc["check"] == first["check"])]
    check = str(first["check"])
    table = spec.name
    if check in ("multiple_fields_uniqueness", "field_uniqueness") or (
            first["schema_context"] == "DataFrameSchema" and spec.key
            and check not in [r.what for r in spec.rules]):
        check_unique(shown, table, list(spec.key))
    rule = next((r for r in spec.rules if r.what == check), None)
    column = rule.column if rule is not None else str(first["column"])
    col = next((c for c in spec.columns if c.name == column), None)
    idx = group["index"].dropna().tolist()
    mask = np.asarray(df.index.isin(idx)) if len(idx) else None
    what = _what(check, col)
    if check.startswith("isin") and mask is not None:
        seen = sorted(map(str, pd.unique(df.loc[mask, column])))[:_SHOW]
        what = f"{what} (found {seen})"
    if mask is None or not mask.any():
        fail(table, column, what)
    fail(table, column, what, mask, shown)


def validate(df: pd.DataFrame, table: str, *, columns: Iterable[str] | None = None,
             nullable: Iterable[str] = ()) -> pd.DataFrame:
    """Validate ``df`` against the schema of table ``table`` (a market table of
    :data:`TABLES` or a derived table of :data:`DERIVED`).

    First the columns' presence and kinds, with crmkit's checks (:func:`check_columns`:
    naive in-range dates, finite numbers, ids of one type); then the rules on values with
    pandera (:func:`pandera_schema`): missing values in non-nullable columns, allowed
    categories, value bounds (no negative amount, cost or count; shares in [0, 1]), the
    primary key's uniqueness and the cross-column rules (no end before its start). Only
    ``columns`` are checked when given. Ground-truth columns (``truth=True``: the course
    market's teaching columns) are checked when present and never required. Every failure is one :class:`SchemaError` naming
    the table, the first failing column and its first offending rows. ``nullable`` names
    columns where this caller accepts missing values although the schema does not (e.g.
    the quasi-identifiers :func:`crmkit.privacy.suppress_rare` blanks). A derived table
    keyed by its index (e.g. the CLV summary, indexed by customer) is checked with the
    index as a column. Returns ``df`` unchanged so it can be used inline.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    table : str
        A market table of :data:`TABLES` or a derived table of :data:`DERIVED`.
    columns : iterable of str, optional
        Columns checked (default: all of the schema).
    nullable : iterable of str, default ()
        Columns whose missing values are accepted.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself, valid.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.schema import validate
    >>> validate(pd.DataFrame({"customer_id": [1]}), "incidents")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: incidents.incident_id: missing column(s) ['incident_id', 'date', 'type', 'response']; the table has ['customer_id']
    >>> validate(pd.DataFrame({"customer_id": [1, 2], "interaction_id": [1, 2],
    ...     "cost": [1.5, -2.0]}), "interactions", columns=["interaction_id", "cost"])
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: interactions.cost: 1 row(s) negative; first offending rows (index): [1]
    """
    import pandera.errors as pe

    spec = _spec(table)
    check_not_empty(df, table)
    given = df
    if spec.key and len(spec.key) == 1 and spec.key[0] not in df.columns \
            and df.index.name == spec.key[0]:
        df = df.reset_index()
    # ground-truth columns (``truth=True``) exist only on the course market: a real
    # company's table has none, so they are checked when present, never required
    cols = ([spec.column(c) for c in columns] if columns is not None else
            [c for c in spec.columns if not c.truth or c.name in df.columns])
    check_columns(df, table, {c.name: c.kind for c in cols})
    # pandera's lazy report cannot be built on a repeated index label (a copied row):
    # it validates a positional copy, and the error shows the caller's index
    checked = df if df.index.is_unique else df.reset_index(drop=True)
    try:
        pandera_schema(table, [c.name for c in cols], nullable=nullable).validate(
            checked, lazy=True)
    except pe.SchemaErrors as err:
        _raise_pandera(err, checked, spec, shown=df)
    except pe.SchemaError as err:  # a rule that could not run at all
        fail(table, None, f"does not fit the schema: {err}")
    return given


def describe(table: str) -> pd.DataFrame:
    """The schema of ``table`` as a DataFrame (column, kind, meaning, nullable, truth).

    Parameters
    ----------
    table : str
        A market table of :data:`TABLES` or a derived table of :data:`DERIVED`.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``column``, ``kind``, ``meaning``, ``nullable``,
        ``ground_truth``.

    Examples
    --------
    >>> describe("customers").loc[0, ["column", "kind"]].tolist()
    ['customer_id', 'int']
    """
    spec = _spec(table)
    return pd.DataFrame(
        [
            {
                "column": c.name,
                "kind": c.kind,
                "meaning": c.meaning,
                "nullable": c.nullable,
                "ground_truth": c.truth,
            }
            for c in spec.columns
        ]
    )
