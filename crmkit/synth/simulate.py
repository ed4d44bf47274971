"""The monthly engine: every customer of a block moves one month at a time, vectorised.

The simulation is a sequence of named monthly *steps* over a :class:`State` (one NumPy
array per attribute, one entry per customer of the block). Each step is a function
``step_<name>(st, log, mo)`` that reads and updates the state and appends the rows it
creates (contracts opened, transactions, events, contacts…) to a :class:`Log`; ``mo`` is
the :class:`Month` (its index, its uniforms, the day of the month of each customer's
events). Every behavioural number a step uses comes from ``parameters.yaml``
(:data:`crmkit.synth.parameters.PARAMS`, aliased ``PR`` here) and is named in the step's
docstring.

Randomness and block independence
---------------------------------
Customers are grouped into fixed *atoms* of :data:`ATOM` customers. Atom ``a`` owns its
random stream, ``SeedSequence(seed, spawn_key=(0, a))``, from which it draws the same
fixed number of uniforms every month, whatever block it is simulated in. A block is just
a run of consecutive atoms simulated together, so the block size changes speed and memory
but never the data. All random quantities (counts, amounts, choices) are derived from
these fixed-size uniform draws, mostly with the *conditional uniform* trick: if
``u < p`` then ``u / p`` is again uniform and can drive a second choice.

Ids are derived from the customer id (``contract_id = customer_id * 100 + k`` for the
customer's ``k``-th contract, and similarly for interactions and incidents), so that they
too are independent of the block size and blocks could run on different machines.

The order of the steps within a month
-------------------------------------
:data:`MONTHLY_STEPS`: acquisitions -> billing of the contracts held at the start of the
month -> scheduled life events -> random life events (which open needs) -> organic
purchases -> campaigns -> claims -> deposits -> loans at term and terminations -> yearly
repricing -> critical incidents and the customer's response -> satisfaction and attitude
-> churn -> service contacts -> review programme -> loyalty programme -> surveys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtri

from crmkit.schema import (
    CHANNELS,
    CHURN_REASONS,
    END_REASONS,
    INCIDENT_RESPONSES,
    INCIDENT_TYPES,
    INTERACTION_REASONS,
    SECTORS,
    TRANSACTION_KINDS,
)
from crmkit.synth import campaigns as CA
from crmkit.synth import channels as C
from crmkit.synth import identities as ID
from crmkit.synth import lifestages as L
from crmkit.synth import personas as PE
from crmkit.synth import products as P
from crmkit.synth.geography import draw_department
from crmkit.synth.parameters import PARAMS as PR

ATOM = 500  # customers per random-stream atom (fixed: changing it changes the data)
MAX_CONTRACTS = 100  # per customer (contract_id = customer_id * 100 + k)
MAX_ROWS = 100_000  # interactions and incidents per customer
NEVER = 10**6  # a month that never comes
LONG_AGO = -10**6  # a month long before any simulated one
DAYS = 31  # longest month: day offsets 0 .. 30 (each month uses its own length)
SUNDAY = 6  # weekday codes: Monday 0 .. Sunday 6
PAST = 1200  # months before the start that dates may reach (stock customers' history)


def _codes(names, *wanted):
    """The codes of ``wanted`` in a schema vocabulary (so that a reordered schema cannot
    silently change the meaning of a code)."""
    return tuple(names.index(w) for w in wanted)


# codes derived from the schema's vocabularies
(CR_DISSAT, CR_COMPET, CR_MOVED, CR_PRICE, CR_CLAIM, CR_SERVICE, CR_COMPANY, CR_DEATH) = _codes(
    CHURN_REASONS, "dissatisfaction", "competitor_offer", "moved", "price_rise", "claim_refused",
    "service_failure", "company_termination", "death")
END_CUSTOMER, END_COMPANY, END_TERM, END_DEATH = _codes(
    END_REASONS, "customer_termination", "company_termination", "term", "death")
DIRECTIONS = ("inbound", "outbound")
INBOUND, OUTBOUND = _codes(DIRECTIONS, "inbound", "outbound")
R_SALE, R_SERVICE, R_CLAIM, R_COMPLAINT, R_INFO, R_RETENTION = _codes(
    INTERACTION_REASONS, "sale", "service", "claim", "complaint", "information", "retention")
INC_CLAIM, INC_SERVICE, INC_PRICE, INC_COMPET = _codes(
    INCIDENT_TYPES, "claim_refused", "service_failure", "price_rise", "competitor_offer")
RESP_NONE, RESP_NEGO, RESP_COMPLAINT, RESP_WOM, RESP_EXIT = _codes(
    INCIDENT_RESPONSES, "none", "negotiation", "complaint", "negative_word_of_mouth", "exit")
# the churn reason that an exit after each incident type records (INCIDENT_TYPES order)
_INCIDENT_CHURN_REASON = np.zeros(len(INCIDENT_TYPES), dtype=np.int8)
_INCIDENT_CHURN_REASON[[INC_CLAIM, INC_SERVICE, INC_PRICE, INC_COMPET]] = [CR_CLAIM, CR_SERVICE, CR_PRICE, CR_COMPET]


def _by_slot(mapping: dict, default=0.0) -> np.ndarray:
    """A per-slot array from a ``{product_id: value}`` parameter."""
    out = np.full(P.N_SLOTS, default, dtype=np.float64)
    for pid, v in mapping.items():
        out[P.PRODUCT_IDS.index(pid)] = v
    return out


def _by_incident(mapping: dict) -> np.ndarray:
    """A per-incident-type array from a ``{incident_type: value}`` parameter."""
    return np.array([mapping[t] for t in INCIDENT_TYPES], dtype=np.float64)


# monthly uniform streams
# (competing events share one uniform: "event" picks at most one random life event a month,
# "churn" decides death first, then leaving)
_STREAMS = [
    "event", "scheduled", "buy", "term", "claim_auto", "claim_auto2", "claim_home", "claim_health",
    "deposit", "churn", "incident", "response", "service_n", "service_ch1", "service_ch2",
    "service_day1", "service_day2", "review", "survey", "sat", "move1", "move2", "move3", "day",
    "sale_ch", "reprice", "extra",
] + [f"camp{j}_{k}" for j in range(CA.MAX_PER_MONTH) for k in ("sel", "resp", "conv")]
S_ = {name: i for i, name in enumerate(_STREAMS)}
K_MONTH = len(_STREAMS)
K_END = 8 * 8 + 4  # uniforms per customer at the end: source records (0 .. 64), the car's registration day
U_CAR_DAY = 8 * 8 + 1
IS_BALANCE = np.isin(np.arange(P.N_SLOTS), P.BALANCE_SLOTS)
IS_LOAN = np.isin(np.arange(P.N_SLOTS), P.LOAN_SLOTS)
# monthly earning rate of a balance product's balance, per slot
BALANCE_RATE = np.where(np.arange(P.N_SLOTS) == P.B_SAVINGS, P.SAVINGS_SPREAD, P.LIFE_MANAGEMENT_FEE)
LOAN_MARGIN = _by_slot(PR.prices.loan_margin)
OPENING_SHARE = _by_slot(PR.deposits.opening_share_of_income)
LOAN_RATE = _by_slot({P.PRODUCT_IDS[s]: v for s, v in P.LOAN_RATE.items()})
LOAN_TERM = _by_slot({P.PRODUCT_IDS[s]: v for s, v in P.LOAN_TERM.items()}, 1.0)
# stage tests as lookup tables (one gather instead of np.isin over every customer each month)
_STAGE_HAS_HOME_CHILDREN = np.isin(np.arange(len(L.STAGES)), [L.COHABITING_FAMILY, L.YOUNG_FAMILY, L.MATURE_FAMILY,
                                                                L.RETIRED, L.WIDOWED])
_STAGE_RETIRED = np.isin(np.arange(len(L.STAGES)), [L.RETIRED, L.WIDOWED])
# voluntary termination of one contract: a customer-level hazard times a product factor
# (the current account is sticky, cards come and go), plus fixed hazards for loans (early
# repayment, renegotiation elsewhere)
TERM_FACTOR = _by_slot(PR.terminations.product_factor, 1.0)
TERM_FACTOR[P.LOAN_SLOTS] = 0.0
TERM_CONSTANT = _by_slot(PR.terminations.loan_early_end)
# share of a transaction's amount that is the company's margin, by kind and product slot
MARGIN_RATE = np.tile(P.SLOT_MARGIN_RATE, (len(TRANSACTION_KINDS), 1))
MARGIN_RATE[P.CLAIM] = -1.0
MARGIN_RATE[P.DEPOSIT] = np.where(np.arange(P.N_SLOTS) == P.B_SAVINGS, 0.0, P.LIFE_ENTRY_FEE)
# organic purchases: the need's weight in the monthly purchase probability, per slot
PURCHASE_GAIN = _by_slot(PR.purchases.need_gain, PR.purchases.need_gain_default)
PURCHASE_GAIN[P.I_AUTO2] = PR.purchases.need_gain_default


@dataclass(frozen=True)
class Config:
    """What a generation run needs to know (validated by :func:`crmkit.synth.generate`)."""

    customers: int
    months: int
    sector: str
    seed: int
    start: np.datetime64  # first month, datetime64[M]


class Streams:
    """Uniform draws for a run of atoms, concatenated in customer order."""

    def __init__(self, seed: int, first_atom: int, sizes: list[int]):
        self.gens = [np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, first_atom + i))))
                     for i in range(len(sizes))]
        self.sizes = sizes

    def draw(self, k: int) -> np.ndarray:
        return np.concatenate([g.random((k, s), dtype=np.float32) for g, s in zip(self.gens, self.sizes, strict=True)], axis=1)


def atom_sizes(customers: int) -> list[int]:
    n_full, rest = divmod(customers, ATOM)
    return [ATOM] * n_full + ([rest] if rest else [])


def _z(u):
    return ndtri(np.clip(np.asarray(u, dtype=np.float64), 1e-7, 1 - 1e-7))


def _lognormal(u, mean, sigma):
    return np.exp(np.log(mean) - 0.5 * sigma**2 + sigma * _z(u))


def _gather_t(a: np.ndarray, rows) -> np.ndarray:
    """``a[rows].T`` of a (customers x columns) array as a contiguous (columns x rows)
    array: ``np.take`` gathers rows faster than fancy indexing, and arithmetic on the
    contiguous transposed copy is several times faster than on a transposed view."""
    return np.ascontiguousarray(np.take(a, rows, axis=0).T)


def _cumsum_rows(a: np.ndarray) -> np.ndarray:
    """``np.cumsum(a, axis=0)`` in place for an (alternatives, customers) array: the same
    additions in the same order, one vector addition per alternative (NumPy's cumsum over
    short rows of a (customers, alternatives) array costs ten times more)."""
    for j in range(1, len(a)):
        a[j] += a[j - 1]
    return a


class Calendar:
    """The real calendar of the months a block's dates may fall in (``-PAST .. T``).

    ``day_of(m, day)`` is the date (``datetime64[ms]``) of day offset ``day`` (0 = the
    first) of month ``m``; ``ndays`` and ``weekday`` (of each month's first day, Monday 0)
    give month lengths and weekdays, so that events fall on every day of the month
    (29-31 included) and on the days their channel is open.
    """

    def __init__(self, start: np.datetime64, months: int):
        first = (start.astype("datetime64[M]") + np.arange(-PAST, months + 2)).astype("datetime64[D]")
        self.first_ms = first[:-1].astype(np.int64) * 86_400_000
        self.ndays = (first[1:] - first[:-1]).astype(np.int64).astype(np.int8)
        self.weekday0 = ((first[:-1].astype(np.int64) + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
        self.month_of_year = (first[:-1].astype("datetime64[M]").astype(np.int64) % 12).astype(np.int8)

    def day_of(self, m, day):
        m, day = np.asarray(m), np.asarray(day)
        ms = self.first_ms[m.astype(np.int64) + PAST] + day.astype(np.int64) * 86_400_000
        return ms.view("datetime64[ms]")

    def draw(self, u, m):
        """A day offset of month ``m`` (uniforms ``u``): every day equally likely."""
        nd = self.ndays[np.asarray(m, dtype=np.int64) + PAST]
        return np.minimum((np.asarray(u, dtype=np.float64) * nd).astype(np.int8), nd - 1).astype(np.int8)

    def weekday(self, m, day):
        return ((self.weekday0[np.asarray(m, dtype=np.int64) + PAST] + np.asarray(day)) % 7).astype(np.int8)

    def open_day(self, m, day, channel, salt=0, floor=0):
        """Move contacts through a channel closed on Sundays (branch, phone, mail) to one of
        the six open days of the same week (picked by ``salt``, e.g. the customer's row), or
        of the week after if that one starts in the previous month or before ``floor``."""
        day = np.asarray(day, dtype=np.int8)
        closed = C.CLOSED_SUNDAY[np.asarray(channel, dtype=np.int64)] & (self.weekday(m, day) == SUNDAY)
        if not closed.any():
            return day
        # only the closed contacts (about one in seven) are moved
        i = np.flatnonzero(closed)

        def at_closed(x):
            return np.broadcast_to(x, closed.shape)[i] if np.ndim(x) else x

        d, m, floor = at_closed(day), at_closed(np.asarray(m, dtype=np.int64)), at_closed(np.asarray(floor))
        k = (at_closed(np.asarray(salt, dtype=np.int64)) * 7 + d + 3 * m) % 6 + 1  # 1 .. 6 days back
        nd = self.ndays[m + PAST]
        back = (d - k >= 0) & (d - k >= floor)
        out = np.broadcast_to(day, closed.shape).copy()
        out[i] = np.where(back, d - k, np.where(d + 7 - k < nd, d + 7 - k,
                                                np.where(d + 1 < nd, d + 1, np.where(d - 1 >= floor, d - 1, d))))
        return out


class _Rows:
    """Accumulates row fragments (dict of arrays) and concatenates them once.

    With ``dtypes`` given, fragments are stored compactly in those dtypes.
    """

    def __init__(self, **dtypes):
        self.parts: list[dict] = []
        self.dtypes = dtypes

    def add(self, **cols):
        n = len(next(iter(cols.values())))
        if n:
            dt = self.dtypes
            self.parts.append({k: (np.full(n, v, dtype=dt.get(k)) if np.ndim(v) == 0
                                   else np.asarray(v, dtype=dt.get(k))) for k, v in cols.items()})

    def frame(self, names: list[str], dtypes: dict) -> dict:
        if not self.parts:
            return {k: np.zeros(0, dtype=dtypes[k]) for k in names}
        return {k: np.concatenate([p[k] for p in self.parts]).astype(dtypes[k], copy=False) for k in names}


@dataclass
class Log:
    """The rows the steps produce, accumulated until the block's tables are assembled."""

    opens: _Rows = field(default_factory=_Rows)
    closes: _Rows = field(default_factory=_Rows)
    events: _Rows = field(default_factory=_Rows)
    incid: _Rows = field(default_factory=_Rows)
    surveys: _Rows = field(default_factory=_Rows)
    targets: _Rows = field(default_factory=_Rows)
    tx: _Rows = field(default_factory=lambda: _Rows(row=np.int32, k=np.int16, month=np.int16, day=np.int8,
                                                    kind=np.int8, slot=np.int8, amount=np.float64))
    inter: _Rows = field(default_factory=lambda: _Rows(row=np.int32, month=np.int16, day=np.int8, hour=np.int8,
                                                       channel=np.int8, direction=np.int8, reason=np.int8,
                                                       cost=np.float64))


@dataclass
class State:
    """Every customer of a block at the current month: one array entry per customer.

    Months are counted from the simulation start (month 0; negative before it). The
    ``(n, slots)`` arrays hold one column per product slot (:mod:`crmkit.synth.products`).
    Fixed traits come first, then what the months change.
    """

    # fixed traits
    persona: np.ndarray          # hidden persona (PE codes)
    female: np.ndarray           # sex (True: female)
    sec: np.ndarray              # division that acquired the customer (SECTORS codes)
    birth: np.ndarray            # month of birth
    acq: np.ndarray              # month of acquisition (negative: stock customer)
    acq_day: np.ndarray          # day of the month of the acquisition
    retire_month: np.ndarray     # month of retirement
    leave_age: np.ndarray        # months between the youngest child's birth and leaving home
    risky: np.ndarray            # risky driver
    chronic: np.ndarray          # chronic illness (health claims)
    urban: np.ndarray            # lives in a dense area (motor premium)
    sat_base: np.ndarray         # long-run satisfaction level
    preferred: np.ndarray        # preferred channel (CHANNELS codes)
    mix_code: np.ndarray         # (n,) channels the customer uses, as one code (channels.mix_code)
    multich: np.ndarray          # uses three channels or more
    consent: np.ndarray          # consents to marketing contacts
    opt_out: np.ndarray          # on the do-not-contact list
    hour: np.ndarray             # preferred hour of contact
    access: np.ndarray           # (n, slots) 1 if the group sells the product to this customer
    dep_rate: np.ndarray         # monthly rate of voluntary deposits
    price_sens: np.ndarray       # price sensitivity (competitor offers, price rises)
    base_churn: np.ndarray       # persona's base monthly churn hazard
    buy_prop: np.ndarray         # propensity to buy
    # household and life
    stage: np.ndarray
    married: np.ndarray
    owner: np.ndarray
    n_children: np.ndarray
    eldest: np.ndarray           # month of birth of the eldest child (NEVER: none)
    youngest: np.ndarray
    leave_month: np.ndarray      # month the youngest child leaves home
    working: np.ndarray
    income: np.ndarray           # yearly household income, euros
    has_car: np.ndarray
    car_bought: np.ndarray       # month the current car was bought
    car_made: np.ndarray         # month the current car was first registered (its age)
    coef: np.ndarray             # bonus-malus coefficient
    first_insured: np.ndarray    # month the driver's insurance record starts (novice surcharge)
    ever_insured: np.ndarray     # has held an auto policy with the group
    # attitude and satisfaction (latent, in [0, 1])
    A: np.ndarray
    Sat: np.ndarray
    # address (uniforms that pick it) and moves
    dept: np.ndarray
    addr_u: np.ndarray
    prev_addr_u: np.ndarray
    prev_dept: np.ndarray
    moved_month: np.ndarray
    # relationship
    active: np.ndarray
    churned: np.ndarray          # month of churn (-1: still a customer)
    churn_day: np.ndarray
    churn_reason: np.ndarray
    acq_cost: np.ndarray
    acq_channel: np.ndarray
    # contracts, one per (customer, slot)
    hold: np.ndarray
    ckey: np.ndarray             # k of the running contract (contract_id = customer_id * 100 + k)
    amount: np.ndarray           # monthly amount billed (premium, fee, margin)
    balance: np.ndarray          # savings and life-insurance balances
    principal: np.ndarray        # loans' initial principal
    loan_end: np.ndarray         # month a loan reaches its term
    cstart_m: np.ndarray         # start month and day of the running contract
    cstart_d: np.ndarray
    n_opened: np.ndarray         # contracts opened so far
    nheld: np.ndarray            # contracts running (kept equal to hold.sum(axis=1))
    need: np.ndarray             # (n, slots) needs opened by life events, in [0, 1]
    last_event: np.ndarray       # (n, events) month each life event last happened
    # incidents, programmes
    inc_recent: np.ndarray       # decaying count of recent critical incidents
    last_incident: np.ndarray
    company_closed: np.ndarray   # the last contract closed was closed by the company
    retained_until: np.ndarray   # a retention action lowers churn until then
    reviewed_until: np.ndarray   # the annual review lowers churn a little until then
    auto_claims: np.ndarray      # auto claims paid since the last January review
    hum: np.ndarray              # decaying count of human contacts
    tot: np.ndarray              # decaying count of all contacts
    busy: np.ndarray = None      # latest day offset of the customer's records this month
    month: int = 0               # the month being simulated
    first_row: int = 0           # index of the block's first customer in the market (block-independent salts)
    horizon: int = 0             # months simulated
    acq_channel_forced: np.ndarray = None  # channel of a prospecting campaign that won the customer (-1: none)
    calendar: Calendar = None
    closed_now: list = field(default_factory=list)  # customers who lost a contract this month

    def __post_init__(self):
        if self.busy is None:
            self.busy = np.zeros(len(self.persona), dtype=np.int8)
        if self.acq_channel_forced is None:
            self.acq_channel_forced = np.full(len(self.persona), -1, dtype=np.int8)

    @property
    def n(self) -> int:
        return len(self.persona)


@dataclass
class Month:
    """The month being simulated: its index, uniforms and each customer's day of events."""

    m: int
    U: np.ndarray                # (K_MONTH, n) uniforms of the month
    day: np.ndarray              # day offset of the customer's events this month
    age: np.ndarray              # age in years
    moy: int                     # month of the year, 0 = January (the yearly review month)
    cal: list = field(default_factory=list)  # campaigns of the month
    claim_day: np.ndarray = None  # day of each customer's refused claim this month (step_claims)
    rise_day: np.ndarray = None  # earliest day a price rise can be noticed this month (step_repricing)

    @property
    def january(self) -> bool:
        return self.moy == 0

    def u(self, name: str) -> np.ndarray:
        return self.U[S_[name]]


def new_month(st: State, m: int, U: np.ndarray, *, calendar: Calendar, cal=()) -> Month:
    """The :class:`Month` context for month ``m`` from its uniforms."""
    day = calendar.draw(U[S_["day"]], m)
    st.busy[:] = 0
    st.calendar = calendar
    st.month = m
    return Month(m=m, U=U, day=day, age=(m - st.birth) / 12.0, moy=int(calendar.month_of_year[m + PAST]),
                 cal=list(cal))


# ---------------------------------------------------------------------------- the initial state
def initial_state(pop: dict, sector: str, Ua: np.ndarray, Uid: np.ndarray, calendar: Calendar) -> State:
    """The :class:`State` of a block before month 0, from the drawn population.

    Parameters: ``access.cross_sector`` (how much the other division sells to a customer of
    a bancassurance group), ``deposits.*`` (gamma-mixed deposit rates),
    ``behaviour.price_sensitivity``, ``purchases.multichannel_factor``,
    ``purchases.attitude_*``, ``service.nonhuman_weight``.
    """
    n, S = len(pop["persona"]), P.N_SLOTS
    persona = pop["persona"]
    F = PE._F
    income = pop["income"].astype(np.float64)
    multich = pop["multichannel"]
    preferred = pop["preferred"]
    access = np.ones((n, S), dtype=np.float64)
    other = P.SLOT_SECTOR[None, :] != pop["sector"][:, None]
    access[other] = PR.access.cross_sector if sector == "both" else 0.0
    # heterogeneous voluntary deposit rate (gamma mixing, as BG/NBD assumes)
    shape = PR.deposits.rate_gamma_shape
    dep_rate = (gammaincinv(shape, np.clip(Ua[0].astype(np.float64), 1e-6, 1 - 1e-6)) / shape) * PR.deposits.monthly_rate * F["saver"][persona]
    lo, hi = PR.deposits.income_factor_bounds
    dep_rate *= np.clip(income / PR.deposits.income_reference, lo, hi) ** PR.deposits.income_elasticity * np.where(multich, PR.deposits.multichannel_factor, 1.0)
    ps = PR.behaviour.price_sensitivity
    price_sens = np.where(persona == PE.PRICE_HUNTER, ps["price_hunter"], np.where(persona == PE.YOUNG_DRIVER, ps["young_driver"], 1.0))
    buy_prop = F["buy"][persona] * np.where(multich, PR.purchases.multichannel_factor, 1.0) * (
        PR.purchases.attitude_intercept + PR.purchases.attitude_slope * pop["attitude"].astype(np.float64))
    addr_u = np.stack([Uid[9], Uid[10], Uid[11]], axis=1).astype(np.float64)
    stage = pop["stage"].copy()
    youngest = pop["youngest_birth"].copy()
    return State(
        persona=persona, female=pop["gender"] == 1, sec=pop["sector"], birth=pop["birth_month"], acq=pop["acq_month"].copy(),
        acq_day=calendar.draw(pop["u_extra"], np.maximum(pop["acq_month"], -PAST)), retire_month=pop["retire_month"],
        leave_age=pop["leave_month"] - youngest, risky=pop["risky"], chronic=pop["chronic"],
        urban=pop["urban"], sat_base=pop["sat_base"].astype(np.float64), preferred=preferred,
        mix_code=C.mix_code(pop["mix"]), multich=multich, consent=pop["consent"], opt_out=pop["opt_out"],
        hour=pop["hour"], access=access, dep_rate=dep_rate, price_sens=price_sens,
        base_churn=F["churn"][persona] * np.array([PR.churn.sector_scale[s] for s in SECTORS])[pop["sector"]],
        buy_prop=buy_prop,
        stage=stage, married=pop["married"].copy(), owner=pop["owner"].copy(),
        n_children=pop["n_children"].astype(np.int8), eldest=pop["eldest_birth"].copy(), youngest=youngest,
        leave_month=pop["leave_month"].copy(),
        working=~np.isin(stage, [L.RETIRED, L.WIDOWED]) & (persona != PE.STUDENT),
        income=income, has_car=pop["has_car"].copy(), car_bought=pop["car_bought"].copy(),
        car_made=pop["car_made"].copy(),
        coef=pop["coef"].astype(np.float64),
        first_insured=(pop["birth_month"] + int(PR.prices.licence_age * 12)).astype(np.int32),
        ever_insured=np.zeros(n, dtype=bool), A=pop["attitude"].astype(np.float64),
        Sat=pop["sat_base"].astype(np.float64).copy(), dept=pop["dept"].copy(), addr_u=addr_u,
        prev_addr_u=addr_u.copy(), prev_dept=pop["dept"].copy(),
        moved_month=np.full(n, LONG_AGO, dtype=np.int32),
        active=np.zeros(n, dtype=bool), churned=np.full(n, -1, dtype=np.int32),
        churn_day=np.zeros(n, dtype=np.int8), churn_reason=np.full(n, -1, dtype=np.int8),
        acq_cost=np.zeros(n), acq_channel=preferred.copy(),
        hold=np.zeros((n, S), dtype=bool), ckey=np.zeros((n, S), dtype=np.int16),
        amount=np.zeros((n, S), dtype=np.float64), balance=np.zeros((n, S), dtype=np.float64),
        principal=np.zeros((n, S), dtype=np.float64),
        loan_end=np.full((n, S), NEVER, dtype=np.int32), cstart_m=np.zeros((n, S), dtype=np.int32),
        cstart_d=np.zeros((n, S), dtype=np.int8), n_opened=np.zeros(n, dtype=np.int16),
        nheld=np.zeros(n, dtype=np.int16), need=np.zeros((n, S), dtype=np.float64),
        last_event=np.full((n, len(L.EVENTS)), LONG_AGO, dtype=np.int32), inc_recent=np.zeros(n),
        last_incident=np.full(n, LONG_AGO, dtype=np.int32), company_closed=np.zeros(n, dtype=bool),
        retained_until=np.full(n, -1, dtype=np.int32), reviewed_until=np.full(n, -1, dtype=np.int32),
        auto_claims=np.zeros(n), hum=np.where(C.HUMAN[preferred], 1.0, PR.service.nonhuman_weight),
        tot=np.ones(n), calendar=calendar,
    )


# ---------------------------------------------------------------------------- shared actions
def contract_amount(st: State, rows, slots, m, bal):
    """Monthly amount billed on new contracts (fee, premium or interest margin), euros, and
    the principal of loans (0 for other products).

    Parameters: ``prices.*`` (account fees, loan sizes, rates and margins),
    ``prices.second_car_*`` (the second car's standard driver).
    """
    pr = PR.prices
    age = (m - st.birth[rows]) / 12.0
    out = np.zeros(len(rows))
    principal = np.zeros(len(rows))
    kids = np.where(m < st.leave_month[rows], st.n_children[rows], 0)
    hh = 1 + L.PARTNERED[st.stage[rows]] + kids
    income = st.income
    for s in np.unique(slots):
        k = slots == s
        r = rows[k]
        if s == P.B_CURRENT:
            lo, hi = pr.account_fee_bounds
            v = np.clip(pr.account_fee_base + income[r] / pr.account_fee_income_step, lo, hi)
        elif s == P.B_CARD:
            v = np.where(income[r] > pr.premium_card_income, pr.premium_card_fee, pr.card_fee)
        elif s == P.B_CONSUMER:
            lo, hi = pr.consumer_loan_bounds
            principal[k] = np.clip(pr.consumer_loan_size * np.sqrt(income[r] / pr.consumer_loan_income_ref), lo, hi)
            v = principal[k] * LOAN_MARGIN[s] / 12
        elif s == P.B_MORTGAGE:
            lo, hi = pr.mortgage_bounds
            principal[k] = np.clip(pr.mortgage_income_multiple * income[r], lo, hi)
            v = principal[k] * LOAN_MARGIN[s] / 12
        elif s == P.B_STUDENT:
            lo, hi = pr.student_loan_bounds
            principal[k] = np.clip(pr.student_loan_size * np.sqrt(income[r] / pr.consumer_loan_income_ref), lo, hi)
            v = principal[k] * LOAN_MARGIN[s] / 12
        elif s in (P.B_SAVINGS,):
            v = bal[k] * P.SAVINGS_SPREAD / 12
        elif s in (P.B_LIFE, P.I_LIFE):
            v = bal[k] * P.LIFE_MANAGEMENT_FEE / 12
        elif s == P.I_AUTO:
            # a young customer's first auto policy starts her insurance record (novice)
            young_first = ~st.ever_insured[r] & (age[k] < PR.prices.novice_first_policy_age)
            st.first_insured[r] = np.where(young_first, np.broadcast_to(m, rows.shape)[k], st.first_insured[r])
            st.ever_insured[r] = True
            v = P.auto_premium(age[k], st.coef[r], st.urban[r], (np.broadcast_to(m, rows.shape)[k] - st.first_insured[r]) / 12)
        elif s == P.I_AUTO2:
            v = P.auto_premium(np.full(len(r), pr.second_car_driver_age), np.full(len(r), pr.second_car_coef),
                               st.urban[r]) * pr.second_car_discount
        elif s == P.I_HOME:
            v = P.home_premium(st.owner[r], hh[k])
        else:  # health
            v = P.health_premium(age[k], kids[k])
        out[k] = v
    return np.round(out, 2), principal


def open_contracts(st: State, log: Log, rows, slots, m, day, channel):
    """Open contracts (rows, slots unique pairs, not held).

    Parameters: ``deposits.opening_share_of_income``, ``deposits.opening_minimum``,
    ``deposits.opening_sigma`` (the first lump sum of a savings product).
    """
    if len(rows) == 0:
        return
    order = np.lexsort((slots, rows))
    rows, slots = rows[order], slots[order]
    day, channel = np.broadcast_to(day, order.shape)[order], np.broadcast_to(channel, order.shape)[order]
    m_arr = np.broadcast_to(m, order.shape)[order] if np.ndim(m) else np.full(len(rows), m)
    day = st.calendar.open_day(m_arr, day, channel, rows + st.first_row, np.where(st.acq[rows] == m_arr, st.acq_day[rows], 0))
    _touch(st, rows[m_arr == st.month], day[m_arr == st.month])
    first = np.r_[True, rows[1:] != rows[:-1]]
    grp_start = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
    rank = np.arange(len(rows)) - grp_start
    k = st.n_opened[rows] + rank
    np.add.at(st.n_opened, rows, np.int16(1))  # (an int16 one: a Python 1 takes ufunc.at's slow casting path)
    st.hold[rows, slots] = True
    np.add.at(st.nheld, rows, np.int16(1))
    st.ckey[rows, slots] = k
    st.cstart_m[rows, slots] = m_arr
    st.cstart_d[rows, slots] = day
    # opening balance for savings products: a first lump sum
    pd_ = PR.deposits
    bal = np.where(IS_BALANCE[slots],
                   _lognormal((day + 0.5) / DAYS,
                              np.maximum(st.income[rows] * OPENING_SHARE[slots] * PE._F["saver"][st.persona[rows]],
                                         pd_.opening_minimum), pd_.opening_sigma), 0.0)
    bal = np.round(bal, -1)
    st.balance[rows, slots] = bal
    amt, principal = contract_amount(st, rows, slots, m_arr, bal)
    st.amount[rows, slots] = amt
    st.principal[rows, slots] = principal
    term = np.zeros(len(rows), dtype=np.int32)
    for s, t in P.LOAN_TERM.items():
        term[slots == s] = t
    st.loan_end[rows, slots] = np.where(term > 0, m_arr + term, NEVER)
    st.need[rows, slots] = 0.0
    log.opens.add(row=rows, slot=slots, k=k, month=m_arr, day=day, channel=channel, premium=amt)


def _touch(st: State, rows, day):
    """Record that customers ``rows`` have something dated ``day`` this month."""
    np.maximum.at(st.busy, rows, np.asarray(day, dtype=np.int8))


def close_contracts(st: State, log: Log, rows, slots, m, day, reason):
    """End the running contracts of (rows, slots) on month ``m``, no earlier than anything
    else of the customer this month (a claim, a deposit, a contact: money and contacts stay
    inside their contract's dates)."""
    if len(rows) == 0:
        return
    day = np.maximum(np.broadcast_to(day, rows.shape), st.busy[rows]).astype(np.int8)
    log.closes.add(row=rows, k=st.ckey[rows, slots], month=np.full(len(rows), m), day=day, reason=reason,
                   car=st.car_made[rows])
    st.company_closed[rows] = np.broadcast_to(reason, rows.shape) == END_COMPANY
    st.hold[rows, slots] = False
    np.add.at(st.nheld, rows, np.int16(-1))  # (int16: see open_contracts)
    st.closed_now.append(rows)
    st.balance[rows, slots] = 0.0
    st.amount[rows, slots] = 0.0


def add_inter(st: State, log: Log, rows, m, day, hour, channel, direction, reason, cost, floor=0):
    """Record contacts (interactions) of customers ``rows``, on a day their channel is open
    (in the acquisition month, no earlier than the acquisition; never before ``floor``, e.g.
    the start of the contract a claim is made on)."""
    if np.ndim(m) == 0:
        acquired = np.where(st.acq[rows] == m, st.acq_day[rows], 0)  # (day offsets are >= 0)
        if m == st.month:
            day = np.maximum(day, acquired)
        floor = np.maximum(acquired, floor)
    day = st.calendar.open_day(m, np.broadcast_to(day, np.shape(rows)), np.broadcast_to(channel, np.shape(rows)),
                               rows + st.first_row, floor)
    if np.ndim(m) == 0 and m == st.month:
        _touch(st, rows, day)
    log.inter.add(row=rows, month=np.full(len(rows), m) if np.ndim(m) == 0 else m, day=day, hour=hour,
                  channel=channel, direction=direction, reason=reason, cost=cost)


def add_event(st: State, log: Log, rows, m, day, e, before, after):
    """Record life event ``e`` of customers ``rows``."""
    log.events.add(row=rows, month=np.full(len(rows), m), day=day, event=np.full(len(rows), e),
                   before=before, after=after)
    st.last_event[rows, e] = m


def churn(st: State, log: Log, rows, m, day, reason, end_reason):
    """Customers ``rows`` leave: every running contract ends."""
    if len(rows) == 0:
        return
    day = np.maximum(np.broadcast_to(day, rows.shape), st.busy[rows]).astype(np.int8)
    st.active[rows] = False
    st.churned[rows] = m
    st.churn_day[rows] = day
    st.churn_reason[rows] = reason
    r, s = np.nonzero(st.hold[rows])
    rr = rows[r]
    close_contracts(st, log, rr, s, m, day[r], np.broadcast_to(end_reason, rows.shape)[r])


def choose_reason(st: State, rows, u, m):
    """The reason a customer gives for leaving, drawn from weights (uniforms ``u``).

    Parameters: ``churn.reason_weights`` (dissatisfaction, competitor offer, moving home,
    service), ``churn.moved_window``.
    """
    w_ = PR.churn.reason_weights
    w = np.stack([
        w_["dissatisfaction"] * (1 - st.Sat[rows]) ** 2,
        w_["competitor_offer"] * st.price_sens[rows] * np.where(st.multich[rows], w_["competitor_multichannel"], 1.0),
        w_["price"] * st.price_sens[rows],
        w_["moved"] * (m - st.moved_month[rows] < PR.churn.moved_window),
        w_["service_per_incident"] * st.inc_recent[rows] + w_["service"],
    ], axis=1)
    cum = np.cumsum(w, axis=1)
    k = (u[:, None] * cum[:, -1:] >= cum).sum(axis=1).clip(0, 4)
    return np.array([CR_DISSAT, CR_COMPET, CR_PRICE, CR_MOVED, CR_SERVICE], dtype=np.int8)[k]


# ---------------------------------------------------------------------------- the monthly steps
def step_acquisitions(st: State, log: Log, mo: Month, init_hold, init_back, Ua) -> None:
    """Customers acquired this month (and, on month 0, the stock) open their first contracts.

    Why: the customer base grows by acquisition; the stock arrives with contracts started
    in the past. The prospecting contacts before an acquisition and the media cost make the
    acquisition cost. Parameters: ``acquisition.media_cost`` (by division),
    ``acquisition.cost_spread``, ``acquisition.prospecting_contacts``,
    ``acquisition.outbound_phone_share``.
    """
    m, U = mo.m, mo.U
    new = (st.acq == m) | ((m == 0) & (st.acq < 0))
    if not new.any():
        return
    rows_new = np.flatnonzero(new)
    st.active[rows_new] = True
    r, s = np.nonzero(init_hold[rows_new])
    rr = rows_new[r]
    start_m = m - init_back[rr, s]
    ch = np.where(st.acq[rr] < 0, st.preferred[rr], C.choose_coded(U[S_["sale_ch"]][rr], st.preferred[rr], st.mix_code[rr]))
    ch = np.where(s == P.B_MORTGAGE, C.BRANCH, ch)
    ch = np.where(st.acq_channel_forced[rr] >= 0, st.acq_channel_forced[rr], ch).astype(np.int8)
    first = np.r_[True, rr[1:] != rr[:-1]]  # the first product sold is the acquisition's
    st.acq_channel[rr[first]] = ch[first]
    # the acquisition day is a day the first product's channel is open; nothing of a
    # customer happens in her acquisition month before it
    st.acq_day[rows_new] = st.calendar.open_day(st.acq[rows_new], st.acq_day[rows_new], st.acq_channel[rows_new],
                                                rows_new + st.first_row)
    now = rows_new[st.acq[rows_new] == m]
    mo.day[now] = np.maximum(mo.day[now], st.acq_day[now])
    _touch(st, now, st.acq_day[now])
    sd = np.where(st.acq[rr] < 0, st.calendar.draw(U[S_["sale_ch"]][rr], start_m), st.acq_day[rr])
    open_contracts(st, log, rr, s, start_m, sd, ch)
    # prospecting contacts before the acquisition of customers won during the run
    fresh = rows_new[st.acq[rows_new] >= 0]
    media_bank, media_ins = PR.acquisition.media_cost["bank"], PR.acquisition.media_cost["insurance"]
    media = np.where(st.sec[rows_new] == 0, media_bank, media_ins)
    lo, width = PR.acquisition.cost_spread
    st.acq_cost[rows_new] += media * (lo + width * Ua[1][rows_new])
    for j, share in enumerate(PR.acquisition.prospecting_contacts):
        has = fresh[Ua[2 + j][fresh] < share]
        chj = C.choose_coded(Ua[5][has] * 0.999 + 0.0005 * j, st.preferred[has], st.mix_code[has])
        chj = np.where(j == 0, np.where(Ua[6][has] < PR.acquisition.outbound_phone_share, C.PHONE, chj), chj)
        mm = np.maximum(m - (j + 1), -PAST)
        cost = C.COST[chj]
        add_inter(st, log, has, np.full(len(has), mm), st.calendar.draw(Ua[7][has], mm),
                  st.hour[has], chj, np.where(j == 0, OUTBOUND, INBOUND), R_SALE, cost)
        st.acq_cost[has] += cost


def step_billing(st: State, log: Log, mo: Month) -> None:
    """Bill every contract running since before this month (premiums, fees, interest margin).

    Why: the monthly margin of each customer. Balance products earn a share of the balance
    (``P.SAVINGS_SPREAD``, ``P.LIFE_MANAGEMENT_FEE``); the others their fixed amount.
    """
    S = P.N_SLOTS
    # (flat indices: 1-D gathers are cheaper than 2-D fancy indexing)
    flat = np.flatnonzero(st.hold & (st.cstart_m < mo.m))  # only active customers hold contracts
    r = flat // S  # (np.divmod is four times slower)
    s = flat - r * S
    amt = st.amount.reshape(-1)[flat]
    bal = np.flatnonzero(IS_BALANCE[s])
    amt[bal] = np.round(st.balance.reshape(-1)[flat[bal]] * BALANCE_RATE[s[bal]] / 12, 2)
    # loans: the margin is earned on the balance still owed, which the monthly payments reduce
    loan = np.flatnonzero(IS_LOAN[s])
    fl = flat[loan]
    sl = s[loan]
    elapsed = mo.m - st.cstart_m.reshape(-1)[fl]
    amt[loan] = np.round(st.principal.reshape(-1)[fl] * LOAN_MARGIN[sl] / 12
                         * P.outstanding_share(LOAN_RATE[sl], LOAN_TERM[sl], elapsed), 2)
    keep = amt > 0
    if not keep.all():
        r, flat, s, amt = r[keep], flat[keep], s[keep], amt[keep]
    log.tx.add(row=r, k=st.ckey.reshape(-1)[flat], month=mo.m, day=0, kind=P.SLOT_KIND[s], slot=s, amount=amt)


def scheduled_event(st: State, log: Log, mo: Month, act, mask, e, new_stage, u=None):
    """Active customers of ``mask`` (a share ``u`` of them) live event ``e`` (needs open)."""
    rows = act[mask[act]]
    if u is not None:
        rows = rows[mo.U[S_["scheduled"]][rows] < u]
    if len(rows) == 0:
        return rows
    before = st.stage[rows].copy()
    if new_stage is not None:
        # children leaving a retired or widowed home do not change the stage
        keep = _STAGE_RETIRED[before] & (new_stage == L.EMPTY_NEST)
        st.stage[rows] = np.where(keep, before, new_stage)
    add_event(st, log, rows, mo.m, mo.day[rows], e, before, st.stage[rows])
    st.need[rows] = np.minimum(1.0, st.need[rows] + L.NEED_MATRIX[e])
    return rows


def step_scheduled_events(st: State, log: Log, mo: Month) -> None:
    """Life events that come with the calendar: a child to secondary school and to higher
    education, children leaving home, the car passing the fleet's average age, retirement.

    Why: these events open needs (a student loan, a consumer loan for the next car…).
    Parameters: ``events.secondary_school_age``, ``events.higher_education_age``,
    ``events.higher_education_share``, ``events.child_car_leaves_share``,
    ``events.retirement_income_ratio``.
    """
    m, U, day = mo.m, mo.U, mo.day
    act = np.flatnonzero(st.active)
    ev = PR.events
    scheduled_event(st, log, mo, act, (st.stage == L.YOUNG_FAMILY) & (m - st.eldest == ev.secondary_school_age),
                    L.CHILD_SECONDARY, L.MATURE_FAMILY)
    he = ev.higher_education_age
    scheduled_event(st, log, mo, act, (st.n_children > 0) & ((m - st.eldest == he) | ((st.n_children > 1) & (m - st.youngest == he))),
                    L.CHILD_HIGHER_ED, None, ev.higher_education_share)
    rows = scheduled_event(st, log, mo, act, (st.n_children > 0) & (m == st.leave_month) & _STAGE_HAS_HOME_CHILDREN[st.stage],
                           L.CHILDREN_LEAVE, L.EMPTY_NEST)
    if len(rows):  # the grown child's car leaves the family policy
        k = rows[st.hold[rows, P.I_AUTO2] & (U[S_["extra"]][rows] < ev.child_car_leaves_share)]
        close_contracts(st, log, k, np.full(len(k), P.I_AUTO2), m, day[k], END_CUSTOMER)
    scheduled_event(st, log, mo, act, st.has_car & (m - st.car_made == L.AVERAGE_CAR_AGE_MONTHS), L.CAR_AGEING, None)
    rows = scheduled_event(st, log, mo, act, (m == st.retire_month) & ~_STAGE_RETIRED[st.stage], L.RETIREMENT, L.RETIRED)
    if len(rows):
        st.working[rows] = False
        st.income[rows] *= ev.retirement_income_ratio


def step_random_events(st: State, log: Log, mo: Month) -> None:
    """At most one random life event a month: marriage, birth, home purchase, car purchase,
    job move, death of the spouse (hazards of :func:`crmkit.synth.lifestages.monthly_hazards`).

    Why: life events open needs (``lifestages.NEED_MATRIX``) that drive purchases; moving
    home changes the address (identity resolution) and raises churn. Parameters:
    ``events.car_*`` (replacement hazards), ``events.children_leave_bounds``,
    ``events.job_move_income_gain``, ``events.far_move_share``,
    ``events.old_car_loan_need``; needs decay by ``lifestages.NEED_DECAY``.
    """
    m, U, day = mo.m, mo.U, mo.day
    ev = PR.events
    ev_sched = ev
    act = np.flatnonzero(st.active)
    age = mo.age
    hz = L.monthly_hazards(age[act], st.female[act], st.stage[act], st.married[act], st.owner[act], st.n_children[act],
                           st.income[act], st.working[act], mo.moy)
    car_age = m - st.car_made[act]
    hz[L.CAR_PURCHASE] = ((ev.car_replacement + ev.car_replacement_old * (car_age > L.AVERAGE_CAR_AGE_MONTHS))
                          * (age[act] > ev.car_min_age) * st.has_car[act] + ev.first_car * ~st.has_car[act] * (age[act] >= 18)
                          ) * L.SEASON["car_purchase"][mo.moy]
    ev_order = list(hz)
    cum = _cumsum_rows(np.stack([hz[e] for e in ev_order]))  # events x customers
    ue = U[S_["event"]][act]
    pick = (ue >= cum).sum(axis=0)  # len(ev_order) = no event
    for j, e in enumerate(ev_order):
        sel = pick == j
        rows = act[sel]
        if len(rows) == 0:
            continue
        before = st.stage[rows].copy()
        if e == L.UNION:
            st.stage[rows] = L.COHABITING
        elif e == L.MARRIAGE:
            st.married[rows] = True
            grown = (m - st.eldest[rows]) >= ev_sched.secondary_school_age
            st.stage[rows] = np.select([before == L.COHABITING_FAMILY, before == L.YOUNG_FAMILY, before == L.MATURE_FAMILY],
                                       [np.where(grown, L.MATURE_FAMILY, L.YOUNG_FAMILY), before, before], L.COUPLE)
        elif e == L.BIRTH:
            first = st.n_children[rows] == 0
            st.eldest[rows] = np.where(first, m, st.eldest[rows])
            st.youngest[rows] = m
            st.n_children[rows] += 1
            st.leave_month[rows] = m + st.leave_age[rows].clip(*ev.children_leave_bounds)
            st.stage[rows] = np.select([before == L.COUPLE, before == L.COHABITING], [L.YOUNG_FAMILY, L.COHABITING_FAMILY], before)
        elif e in (L.HOME_PURCHASE, L.JOB_MOVE, L.HOME_MOVE):
            if e == L.HOME_PURCHASE:
                st.owner[rows] = True
            elif e == L.JOB_MOVE:
                st.income[rows] *= ev.job_move_income_gain
            st.prev_addr_u[rows], st.prev_dept[rows] = st.addr_u[rows], st.dept[rows]
            st.addr_u[rows] = np.stack([U[S_["move1"]][rows], U[S_["move2"]][rows], U[S_["move3"]][rows]], axis=1)
            far = (e == L.JOB_MOVE) & (U[S_["move3"]][rows] < ev.far_move_share)
            st.dept[rows] = np.where(far, draw_department(U[S_["move2"]][rows] * 0.999), st.dept[rows])
            st.moved_month[rows] = m
        elif e == L.CAR_PURCHASE:
            old = (m - st.car_made[rows]) > L.AVERAGE_CAR_AGE_MONTHS
            st.need[rows, P.B_CONSUMER] = np.minimum(1.0, st.need[rows, P.B_CONSUMER] + ev.old_car_loan_need * old)
            st.has_car[rows] = True
            st.car_bought[rows] = m
            # the event's uniform again given the event (for its details)
            lo = cum[j - 1, sel] if j else 0.0
            v = np.clip((ue[sel] - lo) / np.maximum(cum[j, sel] - lo, 1e-12), 0, 1)
            used = v < ev.used_car_share
            lo_, hi_ = ev.used_car_age
            st.car_made[rows] = m - np.where(used, lo_ + (v / ev.used_car_share * (hi_ - lo_)).astype(np.int32), 0)
            # a used car is recorded as its own event
            for ee, rr in ((L.CAR_PURCHASE, rows[~used]), (L.USED_CAR_PURCHASE, rows[used])):
                add_event(st, log, rr, m, day[rr], ee, st.stage[rr], st.stage[rr])
                st.need[rr] = np.minimum(1.0, st.need[rr] + L.NEED_MATRIX[ee])
            continue
        elif e == L.DEATH_OF_SPOUSE:
            st.married[rows] = False
            st.stage[rows] = L.WIDOWED
            k = rows[st.hold[rows, P.I_AUTO2]]
            close_contracts(st, log, k, np.full(len(k), P.I_AUTO2), m, day[k], END_CUSTOMER)
        add_event(st, log, rows, m, day[rows], e, before, st.stage[rows])
        st.need[rows] = np.minimum(1.0, st.need[rows] + L.NEED_MATRIX[e])
    np.multiply(st.need, L.NEED_DECAY, out=st.need)


def purchase_probabilities(st: State, mo: Month, act) -> np.ndarray:
    """Monthly probability that each active customer buys each product (``act`` x slots).

    A base rate per product plus the need's weight, times the customer's propensity and
    the group's access, zero for what she holds or cannot hold. Parameters:
    ``purchases.base_rate``, ``purchases.need_gain``, ``purchases.*_age``,
    ``purchases.saver_clip``, ``purchases.max_probability``, ``purchases.student_window``.
    """
    pu = PR.purchases
    F = PE._F
    # np.take: row gathers of the (customers x slots) state, cheaper than fancy indexing
    hold_act = np.take(st.hold, act, axis=0)
    a_age = mo.age[act]
    br = pu.base_rate
    saver = F["saver"][st.persona[act]]
    # in place, same operations in the same order as (base + gain * need) * buy_prop * access
    # (the base rates added column by column; the slots without one add nothing: need >= 0)
    p_buy = np.take(st.need, act, axis=0)
    p_buy *= PURCHASE_GAIN
    p_buy[:, P.B_CURRENT] += br["B_CURRENT"]
    p_buy[:, P.B_CARD] += br["B_CARD"] * hold_act[:, P.B_CURRENT]
    p_buy[:, P.B_SAVINGS] += br["B_SAVINGS"] * saver.clip(*pu.saver_clip_savings)
    p_buy[:, P.B_CONSUMER] += br["B_CONSUMER"] * (a_age < pu.consumer_loan_max_age)
    p_buy[:, P.B_LIFE] += br["B_LIFE"] * saver.clip(*pu.saver_clip_life) * (a_age > pu.life_min_age)
    p_buy[:, P.I_AUTO] += br["I_AUTO"] * st.has_car[act]
    p_buy[:, P.I_HOME] += br["I_HOME"] * (st.persona[act] != PE.STUDENT)
    p_buy[:, P.I_HEALTH] += br["I_HEALTH"] * (1 + (a_age > pu.health_senior_age))
    p_buy[:, P.I_LIFE] += br["I_LIFE"] * saver.clip(*pu.saver_clip_life) * (a_age > pu.life_min_age)
    p_buy[:, P.I_AUTO2] += br["I_AUTO2"]
    p_buy *= st.buy_prop[act, None]
    p_buy *= np.take(st.access, act, axis=0)
    p_buy[:, P.B_MORTGAGE] *= st.owner[act]
    p_buy[:, P.B_STUDENT] *= (mo.m - st.last_event[:, L.CHILD_HIGHER_ED][act]) < pu.student_window
    p_buy[:, P.I_AUTO] *= st.has_car[act]
    p_buy[:, P.I_AUTO2] *= hold_act[:, P.I_AUTO] & L.PARTNERED[st.stage[act]]
    p_buy[:, P.B_CARD] *= hold_act[:, P.B_CURRENT]
    p_buy *= ~hold_act
    return np.minimum(p_buy, pu.max_probability, out=p_buy)


def step_purchases(st: State, log: Log, mo: Month) -> tuple[np.ndarray, np.ndarray]:
    """Organic purchases: at most one product a month, through the customer's channels.

    Why: needs opened by life events turn into contracts. Returns the active customers and
    their purchase probabilities (campaigns reuse them: a targeted customer may have bought
    anyway). Parameters: :func:`purchase_probabilities`, ``purchases.max_total``,
    ``purchases.branch_share_loans``.
    """
    m, U, day = mo.m, mo.U, mo.day
    S = P.N_SLOTS
    act = np.flatnonzero(st.active)
    p_buy = purchase_probabilities(st, mo, act)
    cum = _cumsum_rows(np.ascontiguousarray(p_buy.T))  # slots x customers
    tot_p = cum[-1]
    ub = U[S_["buy"]][act]
    cap = PR.purchases.max_total
    buyer = ub < np.minimum(tot_p, cap)
    if buyer.any():
        v = ub[buyer] / np.minimum(tot_p[buyer], cap) * tot_p[buyer]
        slot = (v >= cum[:, buyer]).sum(axis=0).clip(0, S - 1)
        rows = act[buyer]
        ok = ~st.hold[rows, slot]
        rows, slot = rows[ok], slot[ok]
        ch = C.choose_coded(U[S_["sale_ch"]][rows], st.preferred[rows], st.mix_code[rows])
        ch = np.where((slot == P.B_MORTGAGE) | (slot == P.B_STUDENT),
                      np.where(U[S_["sale_ch"]][rows] < PR.purchases.branch_share_loans, C.BRANCH, ch), ch)
        open_contracts(st, log, rows, slot, m, day[rows], ch)
        add_inter(st, log, rows, m, day[rows], st.hour[rows], ch, INBOUND, R_SALE, C.COST[ch])
    return act, p_buy


def step_campaigns(st: State, log: Log, mo: Month, act, p_buy) -> None:
    """The month's campaigns: select eligible customers, hold out a random control group,
    contact the test group; responses, conversions and retention gestures.

    Why: chapter 5 measures response, uplift and cost per answer on these. Parameters:
    ``campaigns.incident_window``, ``campaigns.event_window``, ``campaigns.attitude_*``,
    ``campaigns.max_response``, ``campaigns.organic_factor``,
    ``campaigns.retention_satisfaction_gain``, ``campaigns.contact_day``; the calendar's
    response rates (:mod:`crmkit.synth.campaigns`).
    """
    if not mo.cal:
        return
    m, U, day = mo.m, mo.U, mo.day
    n = st.n
    cp = PR.campaigns
    pos = np.full(n, -1)  # row of each active customer in p_buy
    pos[act] = np.arange(len(act))
    for c in mo.cal:
        j = int(c.rank)
        slot = int(c.slot)
        retention = c.family == "retention"
        acquisition = c.family == "acquisition"
        if acquisition:  # prospects: people the market has not acquired yet
            elig = (~st.active & (st.acq > m) & st.consent & ~st.opt_out & (st.sec == P.SLOT_SECTOR[slot])
                    & (mo.age >= PR.prices.licence_age))
        elif retention:
            elig = st.active & st.consent & ~st.opt_out & st.hold[:, slot] & ((m - st.last_incident) <= cp.incident_window)
        else:
            elig = st.active & st.consent & ~st.opt_out & ~st.hold[:, slot] & (st.access[:, slot] > 0)
        if slot == P.B_STUDENT:
            elig &= st.n_children > 0
        if slot in (P.B_MORTGAGE,):
            elig &= st.owner
        if slot == P.I_AUTO:
            elig &= st.has_car
        if c.event >= 0:
            elig &= (m - st.last_event[:, int(c.event)]) <= cp.event_window
        if c.family == "segment":
            elig &= st.multich
        elig &= ~((st.acq == m) & (st.acq_day > int(c.start_day)))  # not yet customers when the list was drawn
        usel = U[S_[f"camp{j}_sel"]]
        sel = np.flatnonzero(elig & (usel < c.select_share))
        if len(sel) == 0:
            continue
        test = usel[sel] / c.select_share < CA.TEST_SHARE  # random test/control split
        pr = np.minimum(c.p_response * (cp.attitude_intercept + st.A[sel]), cp.max_response)
        ur = U[S_[f"camp{j}_resp"]][sel]
        responded = test & (ur < pr)
        conv_resp = responded & (ur / pr < CA.CONVERSION)
        # P(buying the offer anyway), the organic purchase a control customer makes too
        p_org = np.zeros(len(sel)) if acquisition else np.minimum(cp.organic_factor * p_buy[pos[sel], slot], cp.max_response)
        organic = np.zeros(len(sel), dtype=bool) if acquisition else U[S_[f"camp{j}_conv"]][sel] < p_org
        converted = conv_resp | organic
        # ground truth of the draws above (no draw added): P(converted) without the contact
        # (organic) and with it (organic or a converted response); undefined for retention,
        # whose "converted" is measured a year later on the churn process
        p_con = 1.0 - (1.0 - pr * CA.CONVERSION) * (1.0 - p_org)
        log.targets.add(campaign_id=np.full(len(sel), c.campaign_id), row=sel, test=test,
                        responded=responded, converted=converted & ~retention,
                        month=np.full(len(sel), m), retention=np.full(len(sel), retention),
                        p_contacted=np.where(retention, np.nan, p_con),
                        p_uncontacted=np.where(retention, np.nan, p_org))
        t = sel[test]
        ch = np.full(len(t), int(c.channel), dtype=np.int8)
        # contacts spread from the campaign's start over the channel's delay (e-mails go
        # out at once, letters land over a few days, calls take weeks)
        v = usel[t] / c.select_share / CA.TEST_SHARE
        nd = st.calendar.ndays[m + PAST]
        spread = cp.contact_spread_days[CHANNELS[int(c.channel)]]
        cday = np.minimum(int(c.start_day) + (v * spread).astype(np.int64), nd - 1).astype(np.int8)
        cost = np.full(len(t), c.cost_per_contact)
        if retention:
            cost = cost + np.where(responded[test], CA.RETENTION_GESTURE, 0.0)
            r_ok = sel[responded]
            st.retained_until[r_ok] = m + CA.RETENTION_MONTHS
            st.Sat[r_ok] = np.minimum(st.Sat[r_ok] + cp.retention_satisfaction_gain, 1.0)
        add_inter(st, log, t, m, cday, st.hour[t], ch, OUTBOUND, R_RETENTION if retention else R_SALE, cost)
        if retention:
            continue
        if acquisition:
            # the contacts are part of the cost of winning customers; a converted prospect
            # becomes a customer next month through the campaign's channel
            st.acq_cost[t] += cost
            won = sel[converted & (m + 1 < st.horizon)]
            st.acq[won] = m + 1
            st.acq_day[won] = np.minimum(st.acq_day[won], st.calendar.ndays[m + 1 + PAST] - 1)
            st.acq_channel_forced[won] = int(c.channel)
            continue
        contact_day = np.zeros(st.n, dtype=np.int8)
        contact_day[t] = cday
        buy = converted & ~st.hold[sel, slot]
        buyers = sel[buy]
        chb = np.where(test[buy], int(c.channel), st.preferred[buyers])
        open_contracts(st, log, buyers, np.full(len(buyers), slot), m, np.maximum(day[buyers], contact_day[buyers]), chb)


def step_claims(st: State, log: Log, mo: Month) -> np.ndarray:
    """Claims on the auto, second-car, home and health covers; refusals; bonus-malus.

    Why: claims make the insurer's losses (loss ratios by line), a refused claim is a
    critical incident, an at-fault auto claim raises the bonus-malus coefficient. Returns
    who had a claim refused. Parameters: ``claims.*`` and the frequencies and severities of
    :mod:`crmkit.synth.products`.
    """
    m, U, day = mo.m, mo.U, mo.day
    cl = PR.claims
    act = np.flatnonzero(st.active)
    claims_refused = np.zeros(st.n, dtype=bool)
    mo.claim_day = np.zeros(st.n, dtype=np.int8)
    for s, stream in ((P.I_AUTO, "claim_auto"), (P.I_AUTO2, "claim_auto2"), (P.I_HOME, "claim_home"), (P.I_HEALTH, "claim_health")):
        rows = act[st.hold[act, s]]
        if len(rows) == 0:
            continue
        a_ = mo.age[rows]
        kids = np.where(m < st.leave_month[rows], st.n_children[rows], 0)
        if s == P.I_AUTO:
            p = P.auto_claim_freq(a_, st.coef[rows], st.risky[rows]) / 12
            sev, sig, refuse = P.AUTO_SEVERITY, P.AUTO_SIGMA, P.CLAIM_REFUSAL_P
        elif s == P.I_AUTO2:
            p = P.auto_claim_freq(np.full(len(rows), cl.second_car_driver_age), np.ones(len(rows)), np.zeros(len(rows), bool)) / 12
            sev, sig, refuse = P.AUTO_SEVERITY, P.AUTO_SIGMA, P.CLAIM_REFUSAL_P
        elif s == P.I_HOME:
            p = np.full(len(rows), P.HOME_FREQ / 12 * 1.0)
            sev, sig, refuse = P.HOME_SEVERITY, P.HOME_SIGMA, P.CLAIM_REFUSAL_P
        else:
            p = np.full(len(rows), P.HEALTH_MONTHLY_P)
            sev = P.health_expected_cost(a_, st.chronic[rows], kids) / P.HEALTH_MONTHLY_P
            sig, refuse = P.HEALTH_SIGMA, cl.health_refusal_share
        u = U[S_[stream]][rows]
        hit = u < p
        rows, u, p = rows[hit], u[hit], p[hit]
        if len(rows) == 0:
            continue
        sev = sev[hit] if np.ndim(sev) else sev
        v = u / p
        refused = v < refuse
        w = np.clip((v - refuse) / (1 - refuse), 1e-6, 1 - 1e-6)
        amt = np.round(_lognormal(w, sev, sig), 2)
        paid = ~refused
        dd = np.where(st.cstart_m[rows, s] == m, np.maximum(day[rows], st.cstart_d[rows, s]), day[rows]).astype(np.int8)
        _touch(st, rows, dd)
        log.tx.add(row=rows[paid], k=st.ckey[rows, s][paid], month=m, day=dd[paid], kind=P.CLAIM, slot=s, amount=amt[paid])
        claims_refused[rows[refused]] = True
        np.maximum.at(mo.claim_day, rows[refused], dd[refused])
        if s != P.I_HEALTH:
            ch = np.where(w * 3 % 1 < cl.phone_share, C.PHONE, C.choose_coded(w * 7 % 1, st.preferred[rows], st.mix_code[rows]))
            add_inter(st, log, rows, m, dd, st.hour[rows], ch, INBOUND, R_CLAIM, C.COST[ch],
                      floor=np.where(st.cstart_m[rows, s] == m, st.cstart_d[rows, s], 0))
            st.Sat[rows[paid]] += cl.paid_satisfaction_gain
        if s == P.I_AUTO:
            resp_ = paid & (w * 11 % 1 < P.RESPONSIBLE_P)
            st.coef[rows[resp_]] = np.minimum(st.coef[rows[resp_]] * cl.malus_factor, cl.malus_ceiling)
            st.auto_claims[rows[paid]] += 1
    return claims_refused


def step_deposits(st: State, log: Log, mo: Month) -> None:
    """Voluntary deposits on savings and life insurance; monthly withdrawals.

    Why: balances (and the margin they earn) build up irregularly, as BG/NBD assumes of
    repeat transactions. Parameters: ``deposits.amount_share_of_income``,
    ``deposits.amount_minimum``, ``deposits.amount_sigma``, ``deposits.amount_floor``,
    ``P.WITHDRAWAL_RATE``.
    """
    m, U, day = mo.m, mo.U, mo.day
    dp = PR.deposits
    act = np.flatnonzero(st.active)
    has_bal = np.logical_or.reduce([st.hold[:, s] for s in P.BALANCE_SLOTS])  # (column views: no 2-D gather)
    rows = act[has_bal[act]]
    ud = U[S_["deposit"]][rows]
    p = 1 - np.exp(-st.dep_rate[rows])
    hit = ud < p
    rows, v = rows[hit], ud[hit] / p[hit]
    if len(rows):
        bh = st.hold[rows][:, P.BALANCE_SLOTS]
        nb = bh.sum(axis=1)
        kk = np.minimum((v * 7 % 1 * nb).astype(int), nb - 1)
        slot = P.BALANCE_SLOTS[np.argmax(np.cumsum(bh, axis=1) > kk[:, None], axis=1)]
        amt = np.round(_lognormal(np.clip(v, 1e-6, 1 - 1e-6), np.maximum(st.income[rows] * dp.amount_share_of_income, dp.amount_minimum),
                                  dp.amount_sigma), -1).clip(dp.amount_floor)
        st.balance[rows, slot] += amt
        dd = np.where(st.cstart_m[rows, slot] == m, np.maximum(day[rows], st.cstart_d[rows, slot]), day[rows]).astype(np.int8)
        _touch(st, rows, dd)
        log.tx.add(row=rows, k=st.ckey[rows, slot], month=m, day=dd, kind=P.DEPOSIT, slot=slot, amount=amt)
    st.balance *= 1 - P.WITHDRAWAL_RATE


def step_terminations(st: State, log: Log, mo: Month) -> None:
    """Loans at term; voluntary termination of one contract (the card goes with the account).

    Why: contracts fall away before the customer leaves (the bathtub's leaks).
    Parameters: ``terminations.customer_hazard``, ``terminations.satisfaction_effect``,
    ``terminations.satisfaction_reference``, ``terminations.product_factor``,
    ``terminations.loan_early_end``.
    """
    m, U, day = mo.m, mo.U, mo.day
    S = P.N_SLOTS
    tm = PR.terminations
    # (tests over the full contiguous arrays: cheaper than over the loan columns' strided views)
    f = np.flatnonzero((st.loan_end == m) & st.hold & IS_LOAN)
    r = f // S
    close_contracts(st, log, r, f - r * S, m, day[r], END_TERM)
    act = np.flatnonzero(st.active)
    h_cust = (tm.customer_hazard * (1 + st.inc_recent[act]) * np.exp(-tm.satisfaction_effect * (st.Sat[act] - tm.satisfaction_reference))
              * st.price_sens[act] ** 0.5)
    cum = h_cust * TERM_FACTOR[:, None] + TERM_CONSTANT[:, None]  # slots x customers
    cum *= _gather_t(st.hold, act)
    _cumsum_rows(cum)
    ut = U[S_["term"]][act]
    hit = ut < cum[-1]
    if hit.any():
        slot = ((ut[hit] / cum[-1, hit] * cum[-1, hit]) >= cum[:, hit]).sum(axis=0).clip(0, S - 1)
        rows = act[hit]
        close_contracts(st, log, rows, slot, m, day[rows], END_CUSTOMER)
        # the card goes with the account
        k = rows[(slot == P.B_CURRENT) & st.hold[rows, P.B_CARD]]
        close_contracts(st, log, k, np.full(len(k), P.B_CARD), m, day[k], END_CUSTOMER)


def step_repricing(st: State, log: Log, mo: Month) -> np.ndarray:
    """The yearly review (January): bonus for claim-free drivers, the insurer ends the worst
    auto risks, auto and health premiums are recomputed. Returns who noticed a price rise.

    Parameters: ``repricing.bonus_factor``, ``repricing.bonus_floor``,
    ``repricing.company_termination_*``, ``repricing.rise_threshold_*``,
    ``repricing.noticed_share``.
    """
    m, U, day = mo.m, mo.U, mo.day
    rp = PR.repricing
    price_rise = np.zeros(st.n, dtype=bool)
    if mo.january:
        act = np.flatnonzero(st.active)
        age = mo.age
        ca = act[st.hold[act, P.I_AUTO]]
        clean = st.auto_claims[ca] < 0.5
        st.coef[ca] = np.where(clean, np.maximum(st.coef[ca] * rp.bonus_factor, rp.bonus_floor), st.coef[ca])
        bad = ca[(st.coef[ca] >= rp.company_termination_coef) & (st.auto_claims[ca] >= 1)
                 & (U[S_["reprice"]][ca] < rp.company_termination_share)]
        close_contracts(st, log, bad, np.full(len(bad), P.I_AUTO), m, day[bad], END_COMPANY)
        k2 = bad[st.hold[bad, P.I_AUTO2]]
        close_contracts(st, log, k2, np.full(len(k2), P.I_AUTO2), m, day[k2], END_COMPANY)
        ca = act[st.hold[act, P.I_AUTO]]
        new_p = np.round(P.auto_premium(age[ca], st.coef[ca], st.urban[ca], (m - st.first_insured[ca]) / 12), 2)
        rise_a = ca[new_p > st.amount[ca, P.I_AUTO] * rp.rise_threshold_auto]
        price_rise[rise_a] = True
        st.amount[ca, P.I_AUTO] = new_p
        st.auto_claims[:] = 0
        ch_ = act[st.hold[act, P.I_HEALTH]]
        kids = np.where(m < st.leave_month[ch_], st.n_children[ch_], 0)
        new_p = np.round(P.health_premium(age[ch_], kids), 2)
        rise_h = ch_[new_p > st.amount[ch_, P.I_HEALTH] * rp.rise_threshold_health]
        price_rise[rise_h] = True
        st.amount[ch_, P.I_HEALTH] = new_p
        # a rise is noticed on a running policy: no earlier than the start of a policy
        # opened this month (the earliest start among the policies whose price rose)
        mo.rise_day = np.zeros(st.n, dtype=np.int8)
        mo.rise_day[price_rise] = DAYS
        for rows, s in ((rise_a, P.I_AUTO), (rise_h, P.I_HEALTH)):
            np.minimum.at(mo.rise_day, rows, np.where(st.cstart_m[rows, s] == m, st.cstart_d[rows, s], 0).astype(np.int8))
    price_rise &= U[S_["reprice"]] < rp.noticed_share  # not every rise is noticed
    return price_rise


def step_incidents(st: State, log: Log, mo: Month, claims_refused, price_rise) -> None:
    """Critical incidents (claim refused, price rise, service failure, competitor offer)
    and the customer's response (negotiation, complaint, negative word of mouth, exit).

    Why: chapter 2's critical incidents; an exit is a churn with the incident as reason.
    Parameters: ``incidents.*`` (hazards, response propensities by incident type, effects
    on satisfaction and attitude, the negotiation gesture).
    """
    m, U, day = mo.m, mo.U, mo.day
    ic = PR.incidents
    act = np.flatnonzero(st.active)
    n_held = st.nheld[act]
    p_sf = ic.service_failure_base + ic.service_failure_per_product * n_held
    p_co = (ic.competitor_offer * st.price_sens[act] * np.where(st.multich[act], ic.competitor_multichannel_factor, 1.0)
            * np.where(mo.age[act] < ic.competitor_young_age, ic.competitor_young_factor, 1.0))
    ui = U[S_["incident"]][act]
    types = np.full(len(act), -1, dtype=np.int8)
    types[ui < p_sf] = INC_SERVICE
    types[(ui >= p_sf) & (ui < p_sf + p_co)] = INC_COMPET
    inc_rows, inc_types = [], []
    for t_, mask in ((INC_CLAIM, claims_refused[act]), (INC_PRICE, price_rise[act]),
                     (INC_SERVICE, types == INC_SERVICE), (INC_COMPET, types == INC_COMPET)):
        inc_rows.append(act[mask])
        inc_types.append(np.full(mask.sum(), t_, dtype=np.int8))
    ir = np.concatenate(inc_rows)
    it = np.concatenate(inc_types)
    if len(ir):
        order = np.argsort(ir, kind="stable")
        ir, it = ir[order], it[order]
        ur = U[S_["response"]][ir] * 1.0
        ur = np.where(np.r_[False, ir[1:] == ir[:-1]], ur * 13 % 1, ur)
        a_, s_ = st.A[ir], st.Sat[ir]
        p_exit = (_by_incident(ic.exit_propensity)[it] * (ic.exit_attitude_intercept - a_) * (ic.exit_satisfaction_intercept - s_)
                  * np.where(st.multich[ir], ic.exit_multichannel_factor, 1.0))
        p_nego = _by_incident(ic.negotiation_propensity)[it] * (ic.negotiation_attitude_intercept + a_)
        p_comp = _by_incident(ic.complaint_propensity)[it] * (ic.complaint_attitude_intercept + a_)
        p_wom = ic.word_of_mouth_propensity * (ic.word_of_mouth_attitude_intercept - a_)
        cum = np.stack([p_exit, p_exit + p_nego, p_exit + p_nego + p_comp, p_exit + p_nego + p_comp + p_wom], axis=1)
        cum = cum / np.maximum(cum[:, -1:], 1.0)
        resp = np.array([RESP_EXIT, RESP_NEGO, RESP_COMPLAINT, RESP_WOM, RESP_NONE], dtype=np.int8)[(ur[:, None] >= cum).sum(axis=1)]
        dd = day[ir]
        if mo.claim_day is not None:  # a refused claim is an incident on the day of the claim
            dd = np.where(it == INC_CLAIM, np.maximum(dd, mo.claim_day[ir]), dd).astype(np.int8)
        if mo.rise_day is not None:  # a price rise, on a day its policy runs
            dd = np.where(it == INC_PRICE, np.maximum(dd, mo.rise_day[ir]), dd).astype(np.int8)
        _touch(st, ir, dd)
        log.incid.add(row=ir, month=np.full(len(ir), m), day=dd, type=it, response=resp)
        np.add.at(st.Sat, ir, np.where(it == INC_CLAIM, ic.satisfaction_loss_claim, ic.satisfaction_loss_other))
        np.add.at(st.inc_recent, ir, 1.0)
        st.last_incident[ir] = m
        k = resp == RESP_COMPLAINT
        ch = C.choose_coded(ur[k] * 17 % 1, st.preferred[ir[k]], st.mix_code[ir[k]])
        add_inter(st, log, ir[k], m, dd[k], st.hour[ir[k]], ch, INBOUND, R_COMPLAINT, C.COST[ch])
        np.add.at(st.Sat, ir[k], ic.complaint_satisfaction_gain)
        k = resp == RESP_NEGO
        ch = np.where(ur[k] * 19 % 1 < ic.negotiation_phone_share, C.PHONE, C.BRANCH)
        add_inter(st, log, ir[k], m, dd[k], st.hour[ir[k]], ch, INBOUND, R_RETENTION, C.COST[ch] + ic.negotiation_gesture)
        np.add.at(st.Sat, ir[k], ic.negotiation_satisfaction_gain)
        k = resp == RESP_WOM
        np.add.at(st.A, ir[k], ic.word_of_mouth_attitude_loss)
        k = resp == RESP_EXIT
        ex = np.unique(ir[k])
        if len(ex):
            first_t = it[k][np.r_[True, ir[k][1:] != ir[k][:-1]]]
            reason = _INCIDENT_CHURN_REASON[first_t]
            churn(st, log, ex, m, dd[k][np.r_[True, ir[k][1:] != ir[k][:-1]]], reason, END_CUSTOMER)
    st.inc_recent *= ic.memory_decay


def step_satisfaction(st: State, log: Log, mo: Month) -> None:
    """Satisfaction returns towards its base level with noise; attitude follows satisfaction.

    Parameters: ``satisfaction.reversion``, ``satisfaction.noise``,
    ``satisfaction.attitude_drift``, ``satisfaction.reference``.
    """
    sa = PR.satisfaction
    st.Sat += sa.reversion * (st.sat_base - st.Sat) + sa.noise * _z(mo.U[S_["sat"]])
    np.clip(st.Sat, 0.0, 1.0, out=st.Sat)
    st.A += sa.attitude_drift * (st.Sat - sa.reference)
    np.clip(st.A, 0.01, 0.99, out=st.A)


def churn_hazard(st: State, mo: Month, act) -> np.ndarray:
    """Monthly hazard of leaving of active customers ``act``.

    The persona's base hazard times the effects of products held, a mortgage, satisfaction,
    attitude, recent incidents, multichannel use (less for customers with human contacts),
    retention actions, the annual review and a recent move. Parameters: ``churn.*``.
    """
    ch = PR.churn
    n_held = st.nheld[act]
    human_share = st.hum[act] / st.tot[act]
    m = mo.m
    return (st.base_churn[act] * np.exp(-ch.product_effect * (n_held - 1)) * np.where(st.hold[act, P.B_MORTGAGE], ch.mortgage_factor, 1.0)
            * np.exp(-ch.satisfaction_effect * (st.Sat[act] - ch.satisfaction_reference)) * np.exp(-ch.attitude_effect * (st.A[act] - 0.5))
            * (1 + ch.incident_effect * st.inc_recent[act])
            * np.where(st.multich[act], ch.multichannel_factor - ch.multichannel_human_offset * human_share, 1.0)
            * np.where(st.retained_until[act] >= m, ch.retained_factor, 1.0) * np.where(st.reviewed_until[act] >= m, ch.reviewed_factor, 1.0)
            * np.where(m - st.moved_month[act] < ch.moved_window_hazard, ch.moved_factor, 1.0))


def step_churn(st: State, log: Log, mo: Month) -> None:
    """Death, then leaving (:func:`churn_hazard`), then customers with nothing left.

    Parameters: :func:`churn_hazard`, ``churn.max_hazard``; mortality of
    :func:`crmkit.synth.lifestages.mortality`.
    """
    m, U, day = mo.m, mo.U, mo.day
    act = np.flatnonzero(st.active)
    q = L.mortality(mo.age)
    dead = act[U[S_["churn"]][act] < q[act]]
    churn(st, log, dead, m, day[dead], CR_DEATH, END_DEATH)
    act = np.flatnonzero(st.active)
    h = churn_hazard(st, mo, act)
    cap = PR.churn.max_hazard
    uc = (U[S_["churn"]][act] - q[act]) / (1 - q[act])  # uniform again given survival
    hit = uc < np.minimum(h, cap)
    rows = act[hit]
    churn(st, log, rows, m, day[rows], choose_reason(st, rows, uc[hit] / np.minimum(h[hit], cap), m), END_CUSTOMER)
    cand = np.unique(np.concatenate(st.closed_now)) if st.closed_now else np.zeros(0, np.int64)
    empty = cand[st.active[cand] & (st.nheld[cand] == 0)]
    if len(empty):
        rs = np.where(st.company_closed[empty], CR_COMPANY, choose_reason(st, empty, U[S_["churn"]][empty] * 7 % 1, m))
        st.active[empty] = False
        st.churned[empty] = m
        st.churn_day[empty] = np.maximum(day[empty], st.busy[empty])
        st.churn_reason[empty] = rs


def step_service(st: State, log: Log, mo: Month) -> None:
    """Service and information contacts (Poisson, at most two a month).

    Why: the cost to serve; the share of human contacts (which tempers multichannel churn).
    Parameters: ``service.*``.
    """
    m, U = mo.m, mo.U
    sv = PR.service
    act = np.flatnonzero(st.active)
    n_held = st.nheld[act]
    lam = (sv.contact_rate + sv.contact_rate_per_product * n_held) * np.where(st.multich[act], sv.multichannel_factor, 1.0)
    us = U[S_["service_n"]][act]
    p0 = np.exp(-lam)
    cnt = (us > p0).astype(int) + (us > p0 * (1 + lam)).astype(int)
    st.hum *= sv.memory_decay
    st.tot *= sv.memory_decay
    for j in (1, 2):
        rows = act[cnt >= j]
        uch = U[S_[f"service_ch{j}"]][rows]
        ch = C.choose_coded(uch, st.preferred[rows], st.mix_code[rows])
        reason = np.where(uch * 7 % 1 < sv.information_share, R_INFO, R_SERVICE)
        udy = U[S_[f"service_day{j}"]][rows]
        add_inter(st, log, rows, m, st.calendar.draw(udy, m),
                  np.clip(st.hour[rows] + (udy * 11 % 1 * 5).astype(np.int8) - 2, 8, 20), ch, INBOUND, reason, C.COST[ch])
        st.hum[rows] += C.HUMAN[ch]
        st.tot[rows] += 1


def step_review_programme(st: State, log: Log, mo: Month) -> None:
    """The annual review of multi-equipped customers (the university lesson, step 5): an advisor meeting
    for those who like human contact, a call for the others; churn is lower for a year.

    Parameters: ``programmes.review_*``.
    """
    m, U, day = mo.m, mo.U, mo.day
    pg = PR.programmes
    act = np.flatnonzero(st.active)
    n_held = st.nheld[act]
    rows = act[(n_held >= pg.review_min_products) & st.consent[act] & ~st.opt_out[act]
               & (U[S_["review"]][act] < pg.review_yearly_share / 12)]
    if len(rows):
        ch = np.where(C.HUMAN[st.preferred[rows]] & (st.hold[rows].sum(axis=1) >= pg.review_branch_min_products),
                      C.BRANCH, C.PHONE).astype(np.int8)
        add_inter(st, log, rows, m, day[rows], st.hour[rows], ch, OUTBOUND, R_RETENTION, C.COST[ch])
        st.reviewed_until[rows] = m + pg.review_effect_months
        st.Sat[rows] = np.minimum(st.Sat[rows] + pg.review_satisfaction_gain, 1.0)


def step_loyalty_programme(st: State, log: Log, mo: Month) -> None:
    """A yearly thank-you mailing with a small gift on the anniversary of customers of two
    years or more. Parameters: ``programmes.loyalty_*``."""
    m, day = mo.m, mo.day
    pg = PR.programmes
    act = np.flatnonzero(st.active)
    rows = act[((m - st.acq[act]) % 12 == 0) & (m - st.acq[act] >= pg.loyalty_min_tenure) & st.consent[act] & ~st.opt_out[act]]
    add_inter(st, log, rows, m, day[rows], st.hour[rows], np.full(len(rows), C.MAIL, np.int8), OUTBOUND,
              R_RETENTION, np.full(len(rows), C.COST[C.MAIL] + pg.loyalty_gift))
    st.Sat[rows] = np.minimum(st.Sat[rows] + pg.loyalty_satisfaction_gain, 1.0)


def step_surveys(st: State, log: Log, mo: Month) -> None:
    """Satisfaction surveys: stated satisfaction, relative attitude and repurchase intent,
    noisy readings of the latent ones. Parameters: ``surveys.*``."""
    m, U, day = mo.m, mo.U, mo.day
    su = PR.surveys
    act = np.flatnonzero(st.active)
    p_all = su.monthly_rate * (su.attitude_intercept + su.attitude_slope * st.A[act])
    sv = act[U[S_["survey"]][act] < p_all]
    if len(sv):
        # three independent noises: the survey draw given selection and two streams
        # that only movers use
        p_sv = su.monthly_rate * (su.attitude_intercept + su.attitude_slope * st.A[sv])
        z1 = _z(U[S_["survey"]][sv] / p_sv)
        z2, z3 = _z(U[S_["move1"]][sv]), _z(U[S_["move2"]][sv])
        log.surveys.add(row=sv, month=np.full(len(sv), m), day=day[sv],
                        satisfaction=np.clip(np.round(1 + 9 * st.Sat[sv] + su.satisfaction_noise * z1), 1, 10),
                        attitude=np.round(np.clip(1 + 6 * st.A[sv] + su.attitude_noise * z2, 1, 7), 1),
                        intent=np.clip(np.round(1 + 4 * (su.intent_attitude_weight * st.A[sv] + su.intent_satisfaction_weight * st.Sat[sv])
                                                + su.intent_noise * z3), 1, 5))


MONTHLY_STEPS = ("acquisitions", "billing", "scheduled_events", "random_events", "purchases", "campaigns",
                 "claims", "deposits", "terminations", "repricing", "incidents", "satisfaction", "churn",
                 "service", "review_programme", "loyalty_programme", "surveys")


def simulate_month(st: State, log: Log, mo: Month, init_hold, init_back, Ua) -> None:
    """One month: every step of :data:`MONTHLY_STEPS`, in order."""
    st.closed_now.clear()
    step_acquisitions(st, log, mo, init_hold, init_back, Ua)
    step_billing(st, log, mo)
    step_scheduled_events(st, log, mo)
    step_random_events(st, log, mo)
    act, p_buy = step_purchases(st, log, mo)
    step_campaigns(st, log, mo, act, p_buy)
    claims_refused = step_claims(st, log, mo)
    step_deposits(st, log, mo)
    step_terminations(st, log, mo)
    price_rise = step_repricing(st, log, mo)
    step_incidents(st, log, mo, claims_refused, price_rise)
    step_satisfaction(st, log, mo)
    step_churn(st, log, mo)
    step_service(st, log, mo)
    step_review_programme(st, log, mo)
    step_loyalty_programme(st, log, mo)
    step_surveys(st, log, mo)


def _calendar_by_month(cal: pd.DataFrame) -> dict:
    # one pass of itertuples: grouping first costs a pandas call per month
    out: dict = {}
    for c in cal.itertuples():
        out.setdefault(c.month, []).append(c)
    return out


def simulate_block(cfg: Config, first_atom: int, sizes: list[int], cal: pd.DataFrame, pools) -> dict:
    """Simulate the customers of atoms ``first_atom .. first_atom + len(sizes) - 1``.

    Returns a dict of the market tables (pandas DataFrames) for these customers, sorted by
    customer and date; ``campaigns`` and ``products`` are global and built elsewhere.
    """
    T, S = cfg.months, P.N_SLOTS
    n = int(sum(sizes))
    first_id = first_atom * ATOM + 1
    cust_id = np.arange(first_id, first_id + n, dtype=np.int64)
    streams = Streams(cfg.seed, first_atom, sizes)
    calendar = Calendar(cfg.start, T)
    day_of = calendar.day_of

    # initial state
    U0 = streams.draw(PE.K_INIT)
    pop = PE.draw_population(U0, cfg.sector, T)
    head = PE.pair_households(pop, sizes)  # partners who are both customers share a household
    Uh = streams.draw(2 * S + 1)
    init_hold, init_back = PE.initial_holdings(pop, Uh, cfg.sector)
    Uid = streams.draw(12)
    follow = np.flatnonzero(head != np.arange(n))
    Uid[9:12, follow] = Uid[9:12, head[follow]]  # the same address
    ident = ID.draw_identities(pools, Uid, pop["gender"], pop["dept"])
    Ua = streams.draw(8)  # acquisition, deposit rate and misc per-customer draws
    st = initial_state(pop, cfg.sector, Ua, Uid, calendar)
    st.first_row = first_id - 1
    st.horizon = T
    log = Log()
    cal_by_month = _calendar_by_month(cal)

    # the months
    for m in range(T):
        U = streams.draw(K_MONTH)
        mo = new_month(st, m, U, calendar=calendar, cal=cal_by_month.get(m, ()))
        simulate_month(st, log, mo, init_hold, init_back, Ua)

    # assemble tables
    Uend = streams.draw(K_END)
    state = dict(acq_channel=st.acq_channel, acq_day=st.acq_day, stage=st.stage, churned=st.churned,
                 churn_day=st.churn_day, churn_reason=st.churn_reason, income=st.income, A=st.A, dept=st.dept,
                 addr_u=st.addr_u, prev_addr_u=st.prev_addr_u, prev_dept=st.prev_dept,
                 moved_month=st.moved_month, acq_cost=st.acq_cost, day_of=day_of,
                 birth_day=calendar.draw(pop["u_extra2"], pop["birth_month"]), household=head, acq=st.acq,
                 household_size=household_size(st, T), car_made=st.car_made,
                 calendar=calendar)
    return _assemble(cfg, cust_id, pop, ident, state, log.opens, log.closes, log.tx, log.events, log.inter,
                     log.incid, log.surveys, log.targets, Uend, pools)


def household_size(st: State, months: int) -> np.ndarray:
    """Persons in each customer's household at the end (or when she left): herself, a
    partner, the children still at home."""
    when = np.where(st.churned >= 0, st.churned, months - 1)
    kids = np.where(when < st.leave_month, st.n_children, 0)
    return (1 + L.PARTNERED[st.stage] + kids).astype(np.int8)


def _cat(codes, categories):
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(categories))


def _frame(cols: dict) -> pd.DataFrame:
    # no consolidation of same-dtype columns into 2-D blocks: that would copy every column
    return pd.DataFrame(cols, copy=False)


def _dt(d):
    return np.asarray(d).astype("datetime64[ms]", copy=False)


def _sort_by_customer(t: dict, n: int) -> tuple[dict, np.ndarray]:
    """Stable sort of the transaction columns by customer row (keeps month and emission order).

    Returns the sorted columns but ``row``, and the number of rows of each of the ``n``
    customers (the sorted rows are ``np.repeat(np.arange(n), counts)``: the customers'
    columns are repeated, not gathered). The five narrow columns travel together as one
    8-byte record (gathered as int64), so that the permutation moves two arrays instead of six.
    """
    row = t["row"]
    counts = np.bincount(row, minlength=n)
    order = np.argsort(row.astype(np.uint16) if n < 65536 else row, kind="stable")
    names = ["month", "k", "day", "kind", "slot"]
    offsets = np.r_[0, np.cumsum([t[c].dtype.itemsize for c in names])[:-1]]
    if offsets[-1] + t[names[-1]].dtype.itemsize > 8:  # (never with the engine's dtypes)
        return {k: v[order] for k, v in t.items() if k != "row"}, counts
    rec = np.dtype({"names": names, "formats": [t[c].dtype for c in names],
                    "offsets": offsets.tolist(), "itemsize": 8})
    packed = np.zeros(len(row), dtype=rec)
    for c in names:
        packed[c] = t[c]
    packed = packed.view(np.int64)[order].view(rec)
    out = {c: packed[c] for c in names}  # (strided views: every use reads them once)
    out["amount"] = t["amount"][order]
    return out, counts


def _within_rank(sorted_rows):
    first = np.r_[True, sorted_rows[1:] != sorted_rows[:-1]] if len(sorted_rows) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(sorted_rows)), 0))
    return np.arange(len(sorted_rows)) - start


def _assemble(cfg, cust_id, pop, ident, st, opens, closes, tx, events, inter, incid, surveys, targets, Uend, pools):
    day_of = st["day_of"]
    n = len(cust_id)
    out = {}
    # customers
    acq = st["acq"]
    acq_day = st["acq_day"]
    churned = st["churned"]

    def after_acq(rows, month, day):
        """Nothing of a customer happens in her acquisition month before the acquisition day."""
        return np.where(month == acq[rows], np.maximum(day, acq_day[rows]), day).astype(np.int8)

    cur = ID.draw_address(pools, st["addr_u"][:, 0], st["addr_u"][:, 1], st["addr_u"][:, 2], st["dept"])
    from crmkit.synth.geography import DEPT_REGION, REGIONS
    final_stage = st["stage"]
    out["customers"] = _frame({
        "customer_id": cust_id.astype(np.int32),
        "sector": _cat(pop["sector"], SECTORS),
        "first_name": ID._col(ident["first"]),
        "last_name": ID._col(ident["last"]),
        "email": ID._col(ident["email"]),
        "phone": ID._col(ident["phone"]),
        "address": ID._col(cur["address"]),
        "postcode": ID._col(cur["postcode"]),
        "city": ID._col(cur["city"]),
        "region": _cat(DEPT_REGION[st["dept"]], REGIONS),
        "gender": _cat(1 - pop["gender"], ["F", "M"]),
        "birth_date": _dt(day_of(pop["birth_month"], st["birth_day"])),
        "household_id": cust_id[st["household"]].astype(np.int32),
        "household_size": st["household_size"],
        "acquisition_date": _dt(day_of(acq, acq_day)),
        "acquisition_channel": _cat(st["acq_channel"], CHANNELS),
        "acquisition_cost": np.round(st["acq_cost"], 2),
        "churn_date": pd.Series(np.where(churned >= 0, _dt(day_of(np.maximum(churned, 0), after_acq(np.arange(n), churned, st["churn_day"]))),
                                         np.datetime64("NaT", "ms")), dtype="datetime64[ms]"),
        "churn_reason": pd.Categorical.from_codes(st["churn_reason"], categories=list(CHURN_REASONS)),
        "preferred_channel": _cat(pop["preferred"], CHANNELS),
        "n_channels": pop["mix"].sum(axis=1).astype(np.int8),
        "preferred_hour": pop["hour"].astype(np.int8),
        "contact_consent": pop["consent"].astype(bool),
        "opt_out": pop["opt_out"].astype(bool),
        "credit_score": np.round(pop["credit"], 3),
        "income": st["income"].round(-2),
        "life_stage": _cat(final_stage, L.STAGES),
        "persona": _cat(pop["persona"], PE.PERSONA_NAMES),
        "latent_attitude": np.round(st["A"], 4),
    })
    # contracts
    o = opens.frame(["row", "slot", "k", "month", "day", "channel", "premium"],
                    dict(row=np.int64, slot=np.int8, k=np.int64, month=np.int32, day=np.int8, channel=np.int8, premium=float))
    c = closes.frame(["row", "k", "month", "day", "reason", "car"],
                     dict(row=np.int64, k=np.int64, month=np.int32, day=np.int8, reason=np.int8, car=np.int32))
    o["day"] = after_acq(o["row"], o["month"], o["day"])
    okey = o["row"] * MAX_CONTRACTS + o["k"]
    order = np.argsort(okey, kind="stable")
    okey = okey[order]
    o = {k: v[order] for k, v in o.items()}
    ckey_ = c["row"] * MAX_CONTRACTS + c["k"]
    pos = np.searchsorted(okey, ckey_)
    end_m = np.full(len(okey), -1, dtype=np.int32)
    end_d = np.zeros(len(okey), dtype=np.int8)
    end_r = np.full(len(okey), -1, dtype=np.int8)
    end_m[pos], end_d[pos], end_r[pos] = c["month"], c["day"], c["reason"]
    # the insured car of a motor policy (first slot: the customer's own car): the car insured
    # when the contract ended, or the one insured today while it runs
    car_m = st["car_made"][o["row"]].copy()
    car_m[pos] = c["car"]
    own_car = o["slot"] == P.I_AUTO
    car_m = np.where(own_car, car_m, 0)
    car_reg = np.where(own_car, _dt(day_of(car_m, st["calendar"].draw(Uend[U_CAR_DAY][o["row"]], car_m))),
                       np.datetime64("NaT", "ms"))
    start = _dt(day_of(o["month"], o["day"]))
    end = np.where(end_m >= 0, _dt(day_of(np.maximum(end_m, 0), end_d)), np.datetime64("NaT", "ms"))
    end = np.where((end_m >= 0) & (end < start), start, end)
    contract_id = (cust_id[o["row"]] * MAX_CONTRACTS + o["k"]).astype(np.int64)
    out["contracts"] = _frame({
        "contract_id": contract_id,
        "customer_id": cust_id[o["row"]].astype(np.int32),
        "product_id": pd.Series(np.array(P.PRODUCT_IDS)[P.SLOT_PRODUCT[o["slot"]]], dtype="str"),
        "start_date": start,
        "end_date": pd.Series(end, dtype="datetime64[ms]"),
        "end_reason": pd.Categorical.from_codes(end_r, categories=list(END_REASONS)),
        "channel": _cat(o["channel"], CHANNELS),
        "monthly_premium": o["premium"],
        "car_registration_date": pd.Series(car_reg, dtype="datetime64[ms]"),
    })
    # transactions: stable sort by customer keeps month and emission order
    t, per_customer = _sort_by_customer(tx.frame(["row", "k", "month", "day", "kind", "slot", "amount"], tx.dtypes), n)
    # (no acquisition-day clamp: amounts are billed from the month after a contract starts,
    # claims and deposits are already dated no earlier than their contract's start)
    # the company's margin: what it keeps of premiums and fees, claims paid out, entry fees
    # on life insurance deposits
    # (a flat look-up by a small int16 code: cheaper than 2-D fancy indexing on 12 M rows)
    rate = np.take(MARGIN_RATE.reshape(-1), t["kind"].astype(np.int16) * MARGIN_RATE.shape[1] + t["slot"])
    t["margin"] = np.round(t["amount"] * rate, 2)
    out["transactions"] = _frame({
        "customer_id": np.repeat(cust_id.astype(np.int32), per_customer),
        "contract_id": np.repeat(cust_id * MAX_CONTRACTS, per_customer) + t["k"],
        "date": _dt(day_of(t["month"], t["day"])),
        "kind": _cat(t["kind"], TRANSACTION_KINDS),
        "amount": t["amount"],
        "margin": t["margin"],
    })
    # life events
    e = events.frame(["row", "month", "day", "event", "before", "after"],
                     dict(row=np.int64, month=np.int32, day=np.int8, event=np.int8, before=np.int8, after=np.int8))
    order = np.lexsort((e["event"], e["month"], e["row"]))
    e = {k: v[order] for k, v in e.items()}
    e["day"] = after_acq(e["row"], e["month"], e["day"])
    out["life_events"] = _frame({
        "customer_id": cust_id[e["row"]].astype(np.int32),
        "date": _dt(day_of(e["month"], e["day"])),
        "event": _cat(e["event"], L.EVENTS),
        "stage_before": _cat(e["before"], L.STAGES),
        "stage_after": _cat(e["after"], L.STAGES),
    })
    # interactions
    i = inter.frame(["row", "month", "day", "hour", "channel", "direction", "reason", "cost"], inter.dtypes)
    i["day"] = after_acq(i["row"], i["month"], i["day"])
    # by customer, month, day: one stable sort of a combined key (half the cost of np.lexsort)
    order = np.argsort((i["row"].astype(np.int64) * (cfg.months + PAST) + (i["month"] + PAST)) * DAYS + i["day"], kind="stable")
    i = {k: v[order] for k, v in i.items()}
    rank = _within_rank(i["row"])
    minute = (rank * 7919 + cust_id[i["row"]] * 31) % 60
    out["interactions"] = _frame({
        "interaction_id": (cust_id[i["row"]] * MAX_ROWS + rank).astype(np.int64),
        "customer_id": cust_id[i["row"]].astype(np.int32),
        "date": _dt(day_of(i["month"], i["day"])) + (i["hour"].astype(np.int64) * 60 + minute).astype("timedelta64[m]"),
        "channel": _cat(i["channel"], CHANNELS),
        "direction": _cat(i["direction"], ["inbound", "outbound"]),
        "reason": _cat(i["reason"], INTERACTION_REASONS),
        "cost": np.round(i["cost"], 2),
    })
    # incidents
    d = incid.frame(["row", "month", "day", "type", "response"],
                    dict(row=np.int64, month=np.int32, day=np.int8, type=np.int8, response=np.int8))
    order = np.argsort(d["row"], kind="stable")
    d = {k: v[order] for k, v in d.items()}
    d["day"] = after_acq(d["row"], d["month"], d["day"])
    rank = _within_rank(d["row"])
    out["incidents"] = _frame({
        "incident_id": (cust_id[d["row"]] * MAX_ROWS + rank).astype(np.int64),
        "customer_id": cust_id[d["row"]].astype(np.int32),
        "date": _dt(day_of(d["month"], d["day"])),
        "type": _cat(d["type"], INCIDENT_TYPES),
        "response": _cat(d["response"], INCIDENT_RESPONSES),
    })
    # surveys
    s = surveys.frame(["row", "month", "day", "satisfaction", "attitude", "intent"],
                      dict(row=np.int64, month=np.int32, day=np.int8, satisfaction=np.int8, attitude=float, intent=np.int8))
    order = np.argsort(s["row"], kind="stable")
    s = {k: v[order] for k, v in s.items()}
    s["day"] = after_acq(s["row"], s["month"], s["day"])
    out["surveys"] = _frame({
        "customer_id": cust_id[s["row"]].astype(np.int32),
        "date": _dt(day_of(s["month"], s["day"])),
        "satisfaction": s["satisfaction"].astype(np.int8),
        "relative_attitude": s["attitude"],
        "repurchase_intent": s["intent"].astype(np.int8),
    })
    # campaign targets
    g = targets.frame(["campaign_id", "row", "test", "responded", "converted", "month", "retention",
                       "p_contacted", "p_uncontacted"],
                      dict(campaign_id=np.int32, row=np.int64, test=bool, responded=bool, converted=bool,
                           month=np.int32, retention=bool, p_contacted=float, p_uncontacted=float))
    # a retention campaign converts a customer who is still a customer months later
    ch_m = st["churned"][g["row"]]
    kept = (ch_m < 0) | (ch_m > g["month"] + CA.RETENTION_MONTHS)
    g["converted"] = np.where(g["retention"], kept, g["converted"])
    order = np.lexsort((g["campaign_id"], g["row"]))
    g = {k: v[order] for k, v in g.items()}
    out["campaign_targets"] = _frame({
        "campaign_id": g["campaign_id"],
        "customer_id": cust_id[g["row"]].astype(np.int32),
        "group": _cat(np.where(g["test"], 0, 1), ["test", "control"]),
        "responded": g["responded"],
        "converted": g["converted"],
        "p_response_contacted": g["p_contacted"],
        "p_response_uncontacted": g["p_uncontacted"],
    })
    out["source_records"] = ID.source_records(pools, cust_id, pop, ident, st, o, Uend)
    return out
