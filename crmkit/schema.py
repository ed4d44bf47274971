"""Table schemas of the synthetic market and validation of any input against them.

Every public function of crmkit validates what it receives with the helpers below, so a
student or a consultant gets *one* clear error naming the table, the column and the first
offending rows — never a ``KeyError`` from deep inside pandas, never a silent NaN.

The schemas describe the tidy tables of DESIGN.md ("The synthetic market"). Each column has
a *kind* (a family of dtypes, so that ``int32`` and ``int64`` both pass as integers) and a
meaning; columns marked ``truth=True`` are ground truth kept for teaching (the hidden
persona, the latent attitude, the true identity) which a real company would not have.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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


@dataclass(frozen=True)
class Table:
    """A tidy table: its grain (one row per ...), columns and primary key."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _t(name, grain, key, *cols):
    return Table(name=name, grain=grain, key=tuple(key), columns=tuple(Column(*c) for c in cols))


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


# ---------------------------------------------------------------------------------------
# checks: each raises one SchemaError naming table, column and first offending rows
# ---------------------------------------------------------------------------------------
def _rows(mask: pd.Series | np.ndarray, df: pd.DataFrame) -> str:
    idx = df.index[np.asarray(mask, dtype=bool)]
    return f"{len(idx)} row(s)", list(idx[:_SHOW])


def fail(table: str, column: str | None, what: str, mask=None, df=None):
    """Raise the one :class:`SchemaError` shape of crmkit.

    The message reads ``"table.column: what"``, and when a boolean ``mask`` over the rows
    of ``df`` is given, ``"table.column: N row(s) what; first offending rows (index):
    [...]"`` (the first five row labels).

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


def check_not_empty(df: pd.DataFrame, table: str) -> None:
    """Raise if ``df`` is not a DataFrame or has no rows."""
    if not isinstance(df, pd.DataFrame):
        _fail(table, None, f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        _fail(table, None, "the table is empty (0 rows)")


def check_columns(
    df: pd.DataFrame, table: str, columns: Mapping[str, str] | Iterable[str]
) -> None:
    """Raise if a column is missing or (when kinds are given) of the wrong kind.

    ``columns`` maps column name to a kind of :data:`KINDS` (``"int"``, ``"float"``,
    ``"number"``, ``"bool"``, ``"datetime"``, ``"string"``), or is a plain list of names
    when only presence matters.
    """
    if not isinstance(df, pd.DataFrame):
        _fail(table, None, f"expected a pandas DataFrame, got {type(df).__name__}")
    spec = dict(columns) if isinstance(columns, Mapping) else {c: None for c in columns}
    missing = [c for c in spec if c not in df.columns]
    if missing:
        _fail(table, missing[0], f"missing column(s) {missing}; the table has {list(df.columns)}")
    for name, kind in spec.items():
        if kind is None:
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


def check_dates(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the datetime ``column`` is time-zone aware or holds dates outside pandas'
    nanosecond range (years 1677 to 2262).

    crmkit's dates are naive calendar dates (the synthetic market has no time zone). A
    time-zone-aware column is *refused*, not converted: converting to UTC silently moves
    an evening date to the next calendar day, so the caller decides, e.g. with
    ``s.dt.tz_convert("UTC").dt.tz_localize(None)`` or ``s.dt.tz_localize(None)`` (keep
    the local wall-clock date).

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
    if np.datetime_data(s.dtype)[0] != "ns" and len(s):
        v = s.to_numpy()
        bad = ~np.isnat(v) & ((v < np.datetime64(_NS_MIN)) | (v > np.datetime64(_NS_MAX)))
        if bad.any():
            _fail(table, column, f"outside pandas' nanosecond date range [{_NS_MIN.date()}, "
                  f"{_NS_MAX.date()}]", bad, df)


def check_finite(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the numeric ``column`` holds infinite values, or values so large that
    their sum overflows (e.g. two values of 1e308): every total would be ``inf``.

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
    inf = np.isinf(v)
    if inf.any():
        _fail(table, column, "infinite value(s)", inf, df)
    with np.errstate(over="ignore"):
        total = np.nansum(np.abs(v))
    if not np.isfinite(total):
        big = np.abs(v) >= _FLOAT_MAX / max(len(v), 1)
        _fail(table, column, f"too large: the column's sum overflows float64 (max "
              f"{_FLOAT_MAX:.1e})", big, df)


def check_ids(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if the key ``column`` mixes numbers and strings (``1`` and ``"1"``), which
    would silently make two customers of one.

    Mixed ids are *refused*, not normalised: whether ``"007"`` is customer 7 is the
    caller's decision (cast the column once, e.g. ``astype("int64")`` or ``astype(str)``).

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
    if s.dtype != object or len(s) == 0:
        return
    is_str = s.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
    if is_str.any() and not is_str[s.notna().to_numpy()].all():
        _fail(table, column, "are strings while other ids are numbers (1 and '1' would be two "
              "customers); cast the column to one type", is_str, df)


def check_no_missing(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if ``column`` has missing values."""
    mask = df[column].isna()
    if mask.any():
        _fail(table, column, "missing value(s)", mask, df)


def check_nonnegative(df: pd.DataFrame, table: str, column: str) -> None:
    """Raise if ``column`` has negative values (amounts, counts, costs)."""
    mask = df[column] < 0
    if mask.any():
        _fail(table, column, "negative", mask, df)


def check_in_range(df: pd.DataFrame, table: str, column: str, low=None, high=None) -> None:
    """Raise if ``column`` has values outside ``[low, high]`` (missing values ignored)."""
    s = df[column]
    mask = pd.Series(False, index=df.index)
    if low is not None:
        mask |= s < low
    if high is not None:
        mask |= s > high
    if mask.any():
        _fail(table, column, f"outside [{low}, {high}]", mask, df)


def check_allowed(df: pd.DataFrame, table: str, column: str, allowed: Iterable) -> None:
    """Raise if ``column`` has values outside ``allowed`` (missing values ignored)."""
    allowed = list(allowed)
    s = df[column]
    mask = s.notna() & ~s.isin(allowed)
    if mask.any():
        seen = sorted(map(str, pd.unique(s[mask])))[:_SHOW]
        _fail(table, column, f"not in {allowed} (found {seen})", mask, df)


def check_unique(df: pd.DataFrame, table: str, columns: str | list[str]) -> None:
    """Raise if the key ``columns`` has duplicated values."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    mask = df.duplicated(subset=cols, keep=False)
    if mask.any():
        _fail(table, "+".join(cols), "duplicated key", mask, df)


def check_dates_ordered(df: pd.DataFrame, table: str, start: str, end: str) -> None:
    """Raise if ``end`` is before ``start`` on some row (missing ends ignored)."""
    mask = df[end].notna() & (df[end] < df[start])
    if mask.any():
        _fail(table, end, f"before {start}", mask, df)


def check_rows(df: pd.DataFrame, table: str, column: str, mask, what: str) -> None:
    """Raise if the boolean ``mask`` (one entry per row) flags rows: a rule of ``column``
    that the generic checks above do not cover, described by ``what`` (e.g. "greater than T").
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        _fail(table, column, what, mask, df)


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


def snapshot(
    df: pd.DataFrame, table: str, date_col: str, as_of
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Rows dated on or before ``as_of`` (default: the last date of the table), and that day.

    A snapshot only sees the past, so the same table can be scored at several dates
    (segment piloting). Raises if nothing is left.

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


def validate(df: pd.DataFrame, table: str, *, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Validate ``df`` against the schema of market table ``table``.

    Checks presence and kind of each column (or only of ``columns``), missing values in
    non-nullable columns, allowed categories and the primary key's uniqueness. Returns
    ``df`` unchanged so it can be used inline.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.schema import validate
    >>> validate(pd.DataFrame({"customer_id": [1]}), "incidents")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: incidents.incident_id: missing column(s) ['incident_id', 'date', 'type', 'response']; the table has ['customer_id']
    """
    if table not in TABLES:
        raise SchemaError(f"unknown table {table!r}; known tables: {sorted(TABLES)}")
    spec = TABLES[table]
    check_not_empty(df, table)
    cols = [spec.column(c) for c in columns] if columns is not None else list(spec.columns)
    check_columns(df, table, {c.name: c.kind for c in cols})
    for c in cols:
        if not c.nullable:
            check_no_missing(df, table, c.name)
        if c.allowed is not None:
            check_allowed(df, table, c.name, c.allowed)
    key = [k for k in spec.key if k in {c.name for c in cols}]
    if key and len(key) == len(spec.key):
        check_unique(df, table, key)
    return df


def describe(table: str) -> pd.DataFrame:
    """The schema of ``table`` as a DataFrame (column, kind, meaning, nullable, truth)."""
    spec = TABLES[table]
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
