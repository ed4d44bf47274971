"""The monthly engine: every customer of a block moves one month at a time, vectorised.

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

The order of operations within a month
--------------------------------------
billing of the contracts held at the start of the month -> acquisitions -> scheduled and
random life events (which open needs) -> organic purchases -> campaigns -> claims ->
deposits -> loans at term, voluntary and company terminations -> critical incidents and
the customer's response -> satisfaction and attitude -> churn -> service contacts ->
surveys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

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

ATOM = 500  # customers per random-stream atom (fixed: changing it changes the data)
MAX_CONTRACTS = 100  # per customer (contract_id = customer_id * 100 + k)
MAX_ROWS = 100_000  # interactions and incidents per customer

(CR_DISSAT, CR_COMPET, CR_MOVED, CR_PRICE, CR_CLAIM, CR_SERVICE, CR_COMPANY, CR_DEATH) = range(8)
END_CUSTOMER, END_COMPANY, END_TERM, END_DEATH = range(4)
INBOUND, OUTBOUND = 0, 1
R_SALE, R_SERVICE, R_CLAIM, R_COMPLAINT, R_INFO, R_RETENTION = range(6)
INC_CLAIM, INC_SERVICE, INC_PRICE, INC_COMPET = range(4)
RESP_NONE, RESP_NEGO, RESP_COMPLAINT, RESP_WOM, RESP_EXIT = range(5)
NEGOTIATION_GESTURE = 30.0  # commercial gesture granted in a negotiation, euros
LOYALTY_GIFT = 8.0  # yearly loyalty gift, euros
ACQUISITION_MEDIA = (140.0, 170.0)  # media and commission per acquired customer: bank, insurer

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
K_END = 8 * 8 + 4  # uniforms per customer for source records
IS_BALANCE = np.isin(np.arange(P.N_SLOTS), P.BALANCE_SLOTS)
# stage tests as lookup tables (one gather instead of np.isin over every customer each month)
_STAGE_HAS_HOME_CHILDREN = np.isin(np.arange(len(L.STAGES)), [L.YOUNG_FAMILY, L.MATURE_FAMILY, L.RETIRED, L.WIDOWED])
_STAGE_RETIRED = np.isin(np.arange(len(L.STAGES)), [L.RETIRED, L.WIDOWED])
# voluntary termination of one contract: a customer-level hazard times a product factor
# (the current account is sticky, cards come and go), plus fixed hazards for loans (early
# repayment, renegotiation elsewhere)
TERM_FACTOR = np.ones(P.N_SLOTS)
TERM_FACTOR[P.B_CURRENT], TERM_FACTOR[P.B_CARD] = 0.3, 1.5
TERM_FACTOR[P.LOAN_SLOTS] = 0.0
TERM_CONSTANT = np.zeros(P.N_SLOTS)
TERM_CONSTANT[P.B_MORTGAGE], TERM_CONSTANT[P.B_STUDENT], TERM_CONSTANT[P.B_CONSUMER] = 0.003, 0.001, 0.004
# share of a transaction's amount that is the company's margin, by kind and product slot
MARGIN_RATE = np.tile(P.SLOT_MARGIN_RATE, (len(TRANSACTION_KINDS), 1))
MARGIN_RATE[P.CLAIM] = -1.0
MARGIN_RATE[P.DEPOSIT] = np.where(np.arange(P.N_SLOTS) == P.B_SAVINGS, 0.0, P.LIFE_ENTRY_FEE)


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
    month0 = cfg.start.astype("datetime64[M]")
    month_day = (month0 + np.arange(-1200, T + 1)).astype("datetime64[D]")  # months -1200..T

    month_ms = month_day.astype(np.int64) * 86_400_000
    # every (month, day 0..27) as one table: a date is then one int32 index and one gather
    # (the same integers as month_ms[m] + day * 86_400_000)
    day_ms = (month_ms[:, None] + np.arange(28, dtype=np.int64) * 86_400_000).ravel()

    def day_of(m, day):  # datetime64[ms] of month m (may be negative) plus a day offset
        m, day = np.asarray(m), np.asarray(day)
        if day.size and (day.min() < 0 or day.max() > 27):
            ms = month_ms[m + 1200]
            ms += day.astype(np.int64) * 86_400_000
            return ms.view("datetime64[ms]")
        return day_ms[(m.astype(np.int32) + 1200) * 28 + day].view("datetime64[ms]")

    # ------------------------------------------------------------------ initial state
    U0 = streams.draw(PE.K_INIT)
    pop = PE.draw_population(U0, cfg.sector, T)
    Uh = streams.draw(2 * S + 1)
    init_hold, init_back = PE.initial_holdings(pop, Uh, cfg.sector)
    Uid = streams.draw(12)
    ident = ID.draw_identities(pools, Uid, pop["gender"], pop["dept"])
    Ua = streams.draw(8)  # acquisition, deposit rate and misc per-customer draws

    persona, sec = pop["persona"], pop["sector"]
    F = PE._F
    birth, acq = pop["birth_month"], pop["acq_month"]
    stage, married, owner = pop["stage"].copy(), pop["married"].copy(), pop["owner"].copy()
    n_children = pop["n_children"].astype(np.int8)
    eldest, youngest = pop["eldest_birth"].copy(), pop["youngest_birth"].copy()
    leave_age = pop["leave_month"] - youngest  # months
    leave_month, retire_month = pop["leave_month"].copy(), pop["retire_month"]
    working = ~np.isin(stage, [L.RETIRED, L.WIDOWED]) & (persona != PE.STUDENT)
    income = pop["income"].astype(np.float64)
    has_car, car_bought = pop["has_car"].copy(), pop["car_bought"].copy()
    coef = pop["coef"].astype(np.float64)
    risky, chronic, urban = pop["risky"], pop["chronic"], pop["urban"]
    A = pop["attitude"].astype(np.float64)
    sat_base = pop["sat_base"].astype(np.float64)
    Sat = sat_base.copy()
    preferred, mix, multich = pop["preferred"], pop["mix"], pop["multichannel"]
    consent, opt_out = pop["consent"], pop["opt_out"]
    dept = pop["dept"].copy()
    addr_u = np.stack([Uid[9], Uid[10], Uid[11]], axis=1).astype(np.float64)
    prev_addr_u, prev_dept = addr_u.copy(), dept.copy()
    moved_month = np.full(n, -10**6, dtype=np.int32)
    access = np.ones((n, S), dtype=np.float64)
    other = P.SLOT_SECTOR[None, :] != sec[:, None]
    access[other] = 0.35 if cfg.sector == "both" else 0.0
    # heterogeneous voluntary deposit rate (gamma mixing, as BG/NBD assumes)
    dep_rate = (gammaincinv(0.9, np.clip(Ua[0].astype(np.float64), 1e-6, 1 - 1e-6)) / 0.9) * 0.10 * F["saver"][persona]
    dep_rate *= np.clip(income / 40000, 0.4, 3.0) ** 0.3 * np.where(multich, 1.3, 1.0)
    price_sens = np.where(persona == PE.PRICE_HUNTER, 2.5, np.where(persona == PE.YOUNG_DRIVER, 1.5, 1.0))
    base_churn = F["churn"][persona]
    buy_prop = F["buy"][persona] * np.where(multich, 2.2, 1.0) * (0.4 + 1.2 * A)

    active = np.zeros(n, dtype=bool)
    churned = np.full(n, -1, dtype=np.int32)
    churn_day = np.zeros(n, dtype=np.int8)
    churn_reason = np.full(n, -1, dtype=np.int8)
    hold = np.zeros((n, S), dtype=bool)
    ckey = np.zeros((n, S), dtype=np.int16)
    amount = np.zeros((n, S), dtype=np.float64)
    loan_end = np.full((n, S), 10**6, dtype=np.int32)
    cstart_m = np.zeros((n, S), dtype=np.int32)  # start month and day of the running contract
    cstart_d = np.zeros((n, S), dtype=np.int8)
    n_opened = np.zeros(n, dtype=np.int16)
    nheld = np.zeros(n, dtype=np.int16)  # contracts running (kept equal to hold.sum(axis=1))
    closed_now: list[np.ndarray] = []  # customers who lost a contract this month
    balance = np.zeros((n, S), dtype=np.float64)
    # flat views of the (customer, slot) state, for 1-D gathers
    amount_flat, balance_flat, ckey_flat = amount.reshape(-1), balance.reshape(-1), ckey.reshape(-1)
    need = np.zeros((n, S), dtype=np.float64)
    last_event = np.full((n, len(L.EVENTS)), -10**6, dtype=np.int32)
    inc_recent = np.zeros(n)
    last_incident = np.full(n, -10**6, dtype=np.int32)
    company_closed = np.zeros(n, dtype=bool)  # the last contract closed was closed by the company
    retained_until = np.full(n, -1, dtype=np.int32)  # a retention action lowers churn until then
    reviewed_until = np.full(n, -1, dtype=np.int32)  # the annual review lowers churn a little
    auto_claims = np.zeros(n)
    hum, tot = np.where(C.HUMAN[preferred], 1.0, 0.2), np.ones(n)

    opens, closes, events, incid, surveys, targets = (_Rows() for _ in range(6))
    tx = _Rows(row=np.int32, k=np.int16, month=np.int16, day=np.int8, kind=np.int8, slot=np.int8, amount=np.float64)
    inter = _Rows(row=np.int32, month=np.int16, day=np.int8, hour=np.int8, channel=np.int8,
                  direction=np.int8, reason=np.int8, cost=np.float64)
    acq_cost = np.zeros(n)
    acq_channel = preferred.copy()
    acq_day = (pop["u_extra"] * 28).astype(np.int8) % 28  # day of the month of the acquisition

    def contract_amount(rows, slots, m, bal):
        age = (m - birth[rows]) / 12.0
        out = np.zeros(len(rows))
        kids = np.where(m < leave_month[rows], n_children[rows], 0)
        hh = 1 + married[rows] + kids
        for s in np.unique(slots):
            k = slots == s
            r = rows[k]
            if s == P.B_CURRENT:
                v = np.clip(5.0 + income[r] / 15000.0, 6.0, 16.0)
            elif s == P.B_CARD:
                v = np.where(income[r] > 70000, 11.0, 3.5)
            elif s == P.B_CONSUMER:
                v = np.clip(12000 * np.sqrt(income[r] / 35000), 3000, 40000) * 0.035 / 12 * 0.55
            elif s == P.B_MORTGAGE:
                v = np.clip(4.5 * income[r], 60000, 700000) * 0.008 / 12 * 0.5
            elif s == P.B_STUDENT:
                v = np.full(len(r), 15000 * 0.015 / 12)
            elif s in (P.B_SAVINGS,):
                v = bal[k] * P.SAVINGS_SPREAD / 12
            elif s in (P.B_LIFE, P.I_LIFE):
                v = bal[k] * P.LIFE_MANAGEMENT_FEE / 12
            elif s == P.I_AUTO:
                v = P.auto_premium(age[k], coef[r], urban[r])
            elif s == P.I_AUTO2:
                v = P.auto_premium(np.full(len(r), 40.0), np.full(len(r), 0.8), urban[r]) * 0.9
            elif s == P.I_HOME:
                v = P.home_premium(owner[r], hh[k])
            else:  # health
                v = P.health_premium(age[k], kids[k])
            out[k] = v
        return np.round(out, 2)

    def open_contracts(rows, slots, m, day, channel):
        """Open contracts (rows, slots unique pairs, not held)."""
        if len(rows) == 0:
            return
        order = np.lexsort((slots, rows))
        rows, slots = rows[order], slots[order]
        day, channel = np.broadcast_to(day, order.shape)[order], np.broadcast_to(channel, order.shape)[order]
        m_arr = np.broadcast_to(m, order.shape)[order] if np.ndim(m) else np.full(len(rows), m)
        first = np.r_[True, rows[1:] != rows[:-1]]
        grp_start = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
        rank = np.arange(len(rows)) - grp_start
        k = n_opened[rows] + rank
        np.add.at(n_opened, rows, 1)
        hold[rows, slots] = True
        np.add.at(nheld, rows, 1)
        ckey[rows, slots] = k
        cstart_m[rows, slots] = m_arr
        cstart_d[rows, slots] = day
        # opening balance for savings products: a first lump sum
        bal = np.where(IS_BALANCE[slots],
                       _lognormal(day / 28.0 * 0.98 + 0.01, np.maximum(income[rows] * 0.06 * F["saver"][persona[rows]], 300), 0.9), 0.0)
        bal = np.round(bal, -1)
        balance[rows, slots] = bal
        amt = contract_amount(rows, slots, m_arr, bal)
        amount[rows, slots] = amt
        term = np.zeros(len(rows), dtype=np.int32)
        for s, t in P.LOAN_TERM.items():
            term[slots == s] = t
        loan_end[rows, slots] = np.where(term > 0, m_arr + term, 10**6)
        need[rows, slots] = 0.0
        opens.add(row=rows, slot=slots, k=k, month=m_arr, day=day, channel=channel, premium=amt)

    def close_contracts(rows, slots, m, day, reason):
        if len(rows) == 0:
            return
        closes.add(row=rows, k=ckey[rows, slots], month=np.full(len(rows), m), day=day, reason=reason)
        company_closed[rows] = np.broadcast_to(reason, rows.shape) == END_COMPANY
        hold[rows, slots] = False
        np.add.at(nheld, rows, -1)
        closed_now.append(rows)
        balance[rows, slots] = 0.0
        amount[rows, slots] = 0.0

    def add_inter(rows, m, day, hour, channel, direction, reason, cost):
        inter.add(row=rows, month=np.full(len(rows), m) if np.ndim(m) == 0 else m, day=day, hour=hour,
                  channel=channel, direction=direction, reason=reason, cost=cost)

    def add_event(rows, m, day, e, before, after):
        events.add(row=rows, month=np.full(len(rows), m), day=day, event=np.full(len(rows), e),
                   before=before, after=after)
        last_event[rows, e] = m

    def churn(rows, m, day, reason, end_reason):
        """Customer leaves: every running contract ends."""
        if len(rows) == 0:
            return
        active[rows] = False
        churned[rows] = m
        churn_day[rows] = day
        churn_reason[rows] = reason
        r, s = np.nonzero(hold[rows])
        rr = rows[r]
        close_contracts(rr, s, m, day[r], np.broadcast_to(end_reason, rows.shape)[r])

    def choose_reason(rows, u):
        w = np.stack([
            2.0 * (1 - Sat[rows]) ** 2,
            0.6 * price_sens[rows] * np.where(multich[rows], 1.5, 1.0),
            3.0 * (m - moved_month[rows] < 6),
            0.3 * inc_recent[rows] + 0.05,
        ], axis=1)
        cum = np.cumsum(w, axis=1)
        k = (u[:, None] * cum[:, -1:] >= cum).sum(axis=1).clip(0, 3)
        return np.array([CR_DISSAT, CR_COMPET, CR_MOVED, CR_SERVICE], dtype=np.int8)[k]

    def scheduled_event(mask, e, new_stage, u=None, *, act, U, m, day):
        """Customers of ``mask`` (active ones; a share ``u`` of them) live event ``e``."""
        rows = act[mask[act]]
        if u is not None:
            rows = rows[U[S_["scheduled"]][rows] < u]
        if len(rows) == 0:
            return rows
        before = stage[rows].copy()
        if new_stage is not None:
            # children leaving a retired or widowed home do not change the stage
            keep = np.isin(before, [L.RETIRED, L.WIDOWED]) & (new_stage == L.EMPTY_NEST)
            stage[rows] = np.where(keep, before, new_stage)
        add_event(rows, m, day[rows], e, before, stage[rows])
        need[rows] = np.minimum(1.0, need[rows] + L.NEED_MATRIX[e])
        return rows

    # campaigns by month (one pass of itertuples: grouping first costs a pandas call per month)
    cal_by_month: dict = {}
    for c in cal.itertuples():
        cal_by_month.setdefault(c.month, []).append(c)

    # ------------------------------------------------------------------ monthly loop
    for m in range(T):
        U = streams.draw(K_MONTH)
        closed_now.clear()
        day = np.minimum((U[S_["day"]] * 28).astype(np.int8), 27)
        age_m = m - birth
        age = age_m / 12.0

        # acquisitions (stock customers on month 0 with contracts started in the past)
        new = (acq == m) | ((m == 0) & (acq < 0))
        if new.any():
            rows_new = np.flatnonzero(new)
            active[rows_new] = True
            r, s = np.nonzero(init_hold[rows_new])
            rr = rows_new[r]
            start_m = m - init_back[rr, s]
            sd = np.where(acq[rr] < 0, (U[S_["sale_ch"]][rr] * 28).astype(np.int8) % 28, acq_day[rr])
            ch = np.where(acq[rr] < 0, preferred[rr], C.choose(U[S_["sale_ch"]][rr], preferred[rr], mix[rr]))
            ch = np.where(s == P.B_MORTGAGE, C.BRANCH, ch)
            open_contracts(rr, s, start_m, sd, ch)
            first = np.r_[True, rr[1:] != rr[:-1]]  # the first product sold is the acquisition's
            acq_channel[rr[first]] = ch[first]
            # prospecting contacts before the acquisition of customers won during the run
            fresh = rows_new[acq[rows_new] >= 0]
            media = np.where(sec[rows_new] == 0, ACQUISITION_MEDIA[0], ACQUISITION_MEDIA[1])
            acq_cost[rows_new] = media * (0.7 + 0.6 * Ua[1][rows_new])
            for j in range(3):
                has = fresh[Ua[2 + j][fresh] < (0.95, 0.7, 0.4)[j]]
                chj = C.choose(Ua[5][has] * 0.999 + 0.0005 * j, preferred[has], mix[has])
                chj = np.where(j == 0, np.where(Ua[6][has] < 0.5, C.PHONE, chj), chj)
                mm = np.maximum(m - (j + 1), -1200)
                cost = C.COST[chj]
                add_inter(has, np.full(len(has), mm), (Ua[7][has] * 28).astype(np.int8) % 28,
                          pop["hour"][has], chj, np.where(j == 0, OUTBOUND, INBOUND), R_SALE, cost)
                acq_cost[has] += cost

        # billing of contracts running since before this month
        # (flat indices: 1-D gathers are cheaper than 2-D fancy indexing)
        flat = np.flatnonzero(hold & (cstart_m < m))  # only active customers hold contracts
        r, s = np.divmod(flat, S)
        bal_slot = IS_BALANCE[s]
        amt = amount_flat[flat]
        sb = s[bal_slot]
        amt[bal_slot] = np.round(balance_flat[flat[bal_slot]] * np.where(sb == P.B_SAVINGS, P.SAVINGS_SPREAD, P.LIFE_MANAGEMENT_FEE) / 12, 2)
        keep = amt > 0
        tx.add(row=r[keep], k=ckey_flat[flat[keep]], month=m, day=0, kind=P.SLOT_KIND[s[keep]], slot=s[keep], amount=amt[keep])

        act = np.flatnonzero(active)
        # ---- scheduled life events
        sched = partial(scheduled_event, act=act, U=U, m=m, day=day)
        sched((stage == L.YOUNG_FAMILY) & (m - eldest == 132), L.CHILD_SECONDARY, L.MATURE_FAMILY)
        sched((n_children > 0) & ((m - eldest == 216) | ((n_children > 1) & (m - youngest == 216))),
              L.CHILD_HIGHER_ED, None, 0.65)
        rows = sched((n_children > 0) & (m == leave_month) & _STAGE_HAS_HOME_CHILDREN[stage],
                     L.CHILDREN_LEAVE, L.EMPTY_NEST)
        if len(rows):  # the grown child's car leaves the family policy
            k = rows[hold[rows, P.I_AUTO2] & (U[S_["extra"]][rows] < 0.6)]
            close_contracts(k, np.full(len(k), P.I_AUTO2), m, day[k], END_CUSTOMER)
        sched(has_car & (m - car_bought == L.AVERAGE_CAR_AGE_MONTHS), L.CAR_AGEING, None)
        rows = sched((m == retire_month) & ~_STAGE_RETIRED[stage], L.RETIREMENT, L.RETIRED)
        if len(rows):
            working[rows] = False
            income[rows] *= 0.72
        # ---- random life events
        hz = L.monthly_hazards(age[act], stage[act], married[act], owner[act], n_children[act], income[act], working[act])
        car_age = m - car_bought[act]
        hz[L.CAR_PURCHASE] = (0.004 + 0.022 * (car_age > L.AVERAGE_CAR_AGE_MONTHS)) * (age[act] > 19) * has_car[act] + 0.002 * ~has_car[act]
        ev_order = list(hz)
        cum = np.cumsum(np.stack([hz[e] for e in ev_order], axis=1), axis=1)
        pick = (U[S_["event"]][act][:, None] >= cum).sum(axis=1)  # len(ev_order) = no event
        for j, e in enumerate(ev_order):
            rows = act[pick == j]
            if len(rows) == 0:
                continue
            before = stage[rows].copy()
            if e == L.MARRIAGE:
                married[rows] = True
                stage[rows] = L.COUPLE
            elif e == L.BIRTH:
                first = n_children[rows] == 0
                eldest[rows] = np.where(first, m, eldest[rows])
                youngest[rows] = m
                n_children[rows] += 1
                leave_month[rows] = m + leave_age[rows].clip(240, 300)
                stage[rows] = np.where(before == L.COUPLE, L.YOUNG_FAMILY, before)
            elif e == L.HOME_PURCHASE or e == L.JOB_MOVE:
                if e == L.HOME_PURCHASE:
                    owner[rows] = True
                else:
                    income[rows] *= 1.08
                prev_addr_u[rows], prev_dept[rows] = addr_u[rows], dept[rows]
                addr_u[rows] = np.stack([U[S_["move1"]][rows], U[S_["move2"]][rows], U[S_["move3"]][rows]], axis=1)
                far = (e == L.JOB_MOVE) & (U[S_["move3"]][rows] < 0.6)
                from crmkit.synth.geography import draw_department
                dept[rows] = np.where(far, draw_department(U[S_["move2"]][rows] * 0.999), dept[rows])
                moved_month[rows] = m
            elif e == L.CAR_PURCHASE:
                old = (m - car_bought[rows]) > L.AVERAGE_CAR_AGE_MONTHS
                need[rows, P.B_CONSUMER] = np.minimum(1.0, need[rows, P.B_CONSUMER] + 0.3 * old)
                has_car[rows] = True
                car_bought[rows] = m
            elif e == L.DEATH_OF_SPOUSE:
                married[rows] = False
                stage[rows] = L.WIDOWED
                k = rows[hold[rows, P.I_AUTO2]]
                close_contracts(k, np.full(len(k), P.I_AUTO2), m, day[k], END_CUSTOMER)
            add_event(rows, m, day[rows], e, before, stage[rows])
            need[rows] = np.minimum(1.0, need[rows] + L.NEED_MATRIX[e])
        np.multiply(need, L.NEED_DECAY, out=need)

        # ---- organic purchases: at most one product a month
        base = np.zeros((len(act), S))
        a_age = age[act]
        base[:, P.B_CURRENT] = 0.002
        base[:, P.B_CARD] = 0.02 * hold[act, P.B_CURRENT]
        base[:, P.B_SAVINGS] = 0.003 * F["saver"][persona[act]].clip(0.3, 2)
        base[:, P.B_CONSUMER] = 0.0012 * (a_age < 72)
        base[:, P.B_LIFE] = 0.0012 * F["saver"][persona[act]].clip(0.2, 2) * (a_age > 25)
        base[:, P.I_AUTO] = 0.004 * has_car[act]
        base[:, P.I_HOME] = 0.002 * (persona[act] != PE.STUDENT)
        base[:, P.I_HEALTH] = 0.0012 * (1 + (a_age > 55))
        base[:, P.I_LIFE] = 0.0010 * F["saver"][persona[act]].clip(0.2, 2) * (a_age > 25)
        gain = np.full(S, 0.22)
        gain[[P.B_MORTGAGE, P.I_HOME, P.I_AUTO]] = 0.45
        gain[P.B_STUDENT] = 0.35
        # in place, same operations in the same order as (base + gain * need) * buy_prop * access
        p_buy = gain * need[act]
        p_buy += base
        p_buy *= buy_prop[act, None]
        p_buy *= access[act]
        p_buy[:, P.B_MORTGAGE] *= owner[act]
        p_buy[:, P.B_STUDENT] *= (m - last_event[act, L.CHILD_HIGHER_ED]) < 12
        p_buy[:, P.I_AUTO] *= has_car[act]
        hold_act = hold[act]
        p_buy[:, P.I_AUTO2] *= hold_act[:, P.I_AUTO] & married[act]
        p_buy[:, P.B_CARD] *= hold_act[:, P.B_CURRENT]
        p_buy *= ~hold_act
        p_buy = np.minimum(p_buy, 0.6)
        cum = np.cumsum(p_buy, axis=1)
        tot_p = cum[:, -1]
        ub = U[S_["buy"]][act]
        buyer = ub < np.minimum(tot_p, 0.9)
        if buyer.any():
            v = ub[buyer] / np.minimum(tot_p[buyer], 0.9) * tot_p[buyer]
            slot = (v[:, None] >= cum[buyer]).sum(axis=1).clip(0, S - 1)
            rows = act[buyer]
            ok = ~hold[rows, slot]
            rows, slot = rows[ok], slot[ok]
            ch = C.choose(U[S_["sale_ch"]][rows], preferred[rows], mix[rows])
            ch = np.where((slot == P.B_MORTGAGE) | (slot == P.B_STUDENT), np.where(U[S_["sale_ch"]][rows] < 0.85, C.BRANCH, ch), ch)
            open_contracts(rows, slot, m, day[rows], ch)
            add_inter(rows, m, day[rows], pop["hour"][rows], ch, INBOUND, R_SALE, C.COST[ch])

        # ---- campaigns of the month
        if m in cal_by_month:
            pos = np.full(n, -1)  # row of each active customer in p_buy
            pos[act] = np.arange(len(act))
            for c in cal_by_month[m]:
                j = int(c.rank)
                slot = int(c.slot)
                retention = c.family == "retention"
                if retention:
                    elig = active & consent & ~opt_out & hold[:, slot] & ((m - last_incident) <= 6)
                else:
                    elig = active & consent & ~opt_out & ~hold[:, slot] & (access[:, slot] > 0)
                if slot == P.B_STUDENT:
                    elig &= n_children > 0
                if slot in (P.B_MORTGAGE,):
                    elig &= owner
                if slot == P.I_AUTO:
                    elig &= has_car
                if c.event >= 0:
                    elig &= (m - last_event[:, int(c.event)]) <= 3
                if c.family == "segment":
                    elig &= multich
                usel = U[S_[f"camp{j}_sel"]]
                sel = np.flatnonzero(elig & (usel < c.select_share))
                if len(sel) == 0:
                    continue
                test = usel[sel] / c.select_share < CA.TEST_SHARE  # random test/control split
                pr = np.minimum(c.p_response * (0.5 + A[sel]), 0.9)
                ur = U[S_[f"camp{j}_resp"]][sel]
                responded = test & (ur < pr)
                conv_resp = responded & (ur / pr < CA.CONVERSION)
                organic = U[S_[f"camp{j}_conv"]][sel] < np.minimum(3 * p_buy[pos[sel], slot], 0.9)
                converted = conv_resp | organic
                targets.add(campaign_id=np.full(len(sel), c.campaign_id), row=sel, test=test,
                            responded=responded, converted=converted & ~retention,
                            month=np.full(len(sel), m), retention=np.full(len(sel), retention))
                t = sel[test]
                ch = np.full(len(t), int(c.channel), dtype=np.int8)
                cost = np.full(len(t), c.cost_per_contact)
                if retention:
                    cost = cost + np.where(responded[test], CA.RETENTION_GESTURE, 0.0)
                    r_ok = sel[responded]
                    retained_until[r_ok] = m + CA.RETENTION_MONTHS
                    Sat[r_ok] = np.minimum(Sat[r_ok] + 0.08, 1.0)
                add_inter(t, m, np.full(len(t), 2), pop["hour"][t], ch, OUTBOUND,
                          R_RETENTION if retention else R_SALE, cost)
                if retention:
                    continue
                buyers = sel[converted & ~hold[sel, slot]]
                chb = np.where(test[converted & ~hold[sel, slot]], int(c.channel), preferred[buyers])
                open_contracts(buyers, np.full(len(buyers), slot), m, np.maximum(day[buyers], 3), chb)

        # ---- claims
        act = np.flatnonzero(active)
        claims_refused = np.zeros(n, dtype=bool)
        for s, stream in ((P.I_AUTO, "claim_auto"), (P.I_AUTO2, "claim_auto2"), (P.I_HOME, "claim_home"), (P.I_HEALTH, "claim_health")):
            rows = act[hold[act, s]]
            if len(rows) == 0:
                continue
            a_ = age[rows]
            kids = np.where(m < leave_month[rows], n_children[rows], 0)
            if s == P.I_AUTO:
                p = P.auto_claim_freq(a_, coef[rows], risky[rows]) / 12
                sev, sig, refuse = P.AUTO_SEVERITY, P.AUTO_SIGMA, P.CLAIM_REFUSAL_P
            elif s == P.I_AUTO2:
                p = P.auto_claim_freq(np.full(len(rows), 35.0), np.ones(len(rows)), np.zeros(len(rows), bool)) / 12
                sev, sig, refuse = P.AUTO_SEVERITY, P.AUTO_SIGMA, P.CLAIM_REFUSAL_P
            elif s == P.I_HOME:
                p = np.full(len(rows), P.HOME_FREQ / 12 * 1.0)
                sev, sig, refuse = P.HOME_SEVERITY, P.HOME_SIGMA, P.CLAIM_REFUSAL_P
            else:
                p = np.full(len(rows), P.HEALTH_MONTHLY_P)
                sev = P.health_expected_cost(a_, chronic[rows], kids) / P.HEALTH_MONTHLY_P
                sig, refuse = P.HEALTH_SIGMA, 0.01
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
            dd = np.maximum(day[rows], 1)
            dd = np.where(cstart_m[rows, s] == m, np.maximum(dd, cstart_d[rows, s]), dd).astype(np.int8)
            tx.add(row=rows[paid], k=ckey[rows, s][paid], month=m, day=dd[paid], kind=P.CLAIM, slot=s, amount=amt[paid])
            claims_refused[rows[refused]] = True
            if s != P.I_HEALTH:
                ch = np.where(w * 3 % 1 < 0.5, C.PHONE, C.choose(w * 7 % 1, preferred[rows], mix[rows]))
                add_inter(rows, m, dd, pop["hour"][rows], ch, INBOUND, R_CLAIM, C.COST[ch])
                Sat[rows[paid]] += 0.02
            if s == P.I_AUTO:
                resp_ = paid & (w * 11 % 1 < P.RESPONSIBLE_P)
                coef[rows[resp_]] = np.minimum(coef[rows[resp_]] * 1.25, 3.5)
                auto_claims[rows[paid]] += 1

        # ---- voluntary deposits on savings and life insurance
        bal_held = hold[np.ix_(act, P.BALANCE_SLOTS)]
        has_bal = bal_held.any(axis=1)
        rows = act[has_bal]
        ud = U[S_["deposit"]][rows]
        p = 1 - np.exp(-dep_rate[rows])
        hit = ud < p
        rows, v = rows[hit], ud[hit] / p[hit]
        if len(rows):
            bh = hold[rows][:, P.BALANCE_SLOTS]
            nb = bh.sum(axis=1)
            kk = np.minimum((v * 7 % 1 * nb).astype(int), nb - 1)
            slot = P.BALANCE_SLOTS[np.argmax(np.cumsum(bh, axis=1) > kk[:, None], axis=1)]
            amt = np.round(_lognormal(np.clip(v, 1e-6, 1 - 1e-6), np.maximum(income[rows] * 0.025, 50), 1.0), -1).clip(20)
            balance[rows, slot] += amt
            dd = np.where(cstart_m[rows, slot] == m, np.maximum(day[rows], cstart_d[rows, slot]), day[rows]).astype(np.int8)
            tx.add(row=rows, k=ckey[rows, slot], month=m, day=dd, kind=P.DEPOSIT, slot=slot, amount=amt)
        balance *= 1 - P.WITHDRAWAL_RATE

        # ---- loans at term, voluntary and company terminations
        r, j = np.nonzero((loan_end[:, P.LOAN_SLOTS] == m) & hold[:, P.LOAN_SLOTS])
        close_contracts(r, P.LOAN_SLOTS[j], m, day[r], END_TERM)
        h_cust = 0.0022 * (1 + inc_recent[act]) * np.exp(-2.0 * (Sat[act] - 0.6)) * price_sens[act] ** 0.5
        h = (h_cust[:, None] * TERM_FACTOR + TERM_CONSTANT) * hold[act]
        cum = np.cumsum(h, axis=1)
        ut = U[S_["term"]][act]
        hit = ut < cum[:, -1]
        if hit.any():
            slot = ((ut[hit] / cum[hit, -1] * cum[hit, -1])[:, None] >= cum[hit]).sum(axis=1).clip(0, S - 1)
            rows = act[hit]
            close_contracts(rows, slot, m, day[rows], END_CUSTOMER)
            # the card goes with the account
            k = rows[(slot == P.B_CURRENT) & hold[rows, P.B_CARD]]
            close_contracts(k, np.full(len(k), P.B_CARD), m, day[k], END_CUSTOMER)
        # yearly review and repricing (January)
        price_rise = np.zeros(n, dtype=bool)
        if (month0 + m).astype(object).month == 1:
            ca = act[hold[act, P.I_AUTO]]
            clean = auto_claims[ca] < 0.5
            coef[ca] = np.where(clean, np.maximum(coef[ca] * 0.95, 0.5), coef[ca])
            bad = ca[(coef[ca] >= 1.5) & (auto_claims[ca] >= 1) & (U[S_["reprice"]][ca] < 0.5)]
            close_contracts(bad, np.full(len(bad), P.I_AUTO), m, day[bad], END_COMPANY)
            k2 = bad[hold[bad, P.I_AUTO2]]
            close_contracts(k2, np.full(len(k2), P.I_AUTO2), m, day[k2], END_COMPANY)
            ca = act[hold[act, P.I_AUTO]]
            new_p = np.round(P.auto_premium(age[ca], coef[ca], urban[ca]), 2)
            price_rise[ca[new_p > amount[ca, P.I_AUTO] * 1.05]] = True
            amount[ca, P.I_AUTO] = new_p
            auto_claims[:] = 0
            ch_ = act[hold[act, P.I_HEALTH]]
            kids = np.where(m < leave_month[ch_], n_children[ch_], 0)
            new_p = np.round(P.health_premium(age[ch_], kids), 2)
            price_rise[ch_[new_p > amount[ch_, P.I_HEALTH] * 1.04]] = True
            amount[ch_, P.I_HEALTH] = new_p
        price_rise &= U[S_["reprice"]] < 0.6  # not every rise is noticed

        # ---- critical incidents and responses
        act = np.flatnonzero(active)
        n_held = nheld[act]
        p_sf = 0.0025 + 0.001 * n_held
        p_co = 0.0015 * price_sens[act] * np.where(multich[act], 2.5, 1.0) * np.where(age[act] < 35, 1.5, 1.0)
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
            a_, s_ = A[ir], Sat[ir]
            p_exit = np.array([0.12, 0.05, 0.07, 0.18])[it] * (1.6 - a_) * (1.5 - s_) * np.where(multich[ir], 1.4, 1.0)
            p_nego = np.array([0.2, 0.1, 0.35, 0.35])[it] * (0.5 + a_)
            p_comp = np.array([0.45, 0.45, 0.15, 0.02])[it] * (0.6 + a_)
            p_wom = 0.18 * (1.5 - a_)
            cum = np.stack([p_exit, p_exit + p_nego, p_exit + p_nego + p_comp, p_exit + p_nego + p_comp + p_wom], axis=1)
            cum = cum / np.maximum(cum[:, -1:], 1.0)
            resp = np.array([RESP_EXIT, RESP_NEGO, RESP_COMPLAINT, RESP_WOM, RESP_NONE], dtype=np.int8)[(ur[:, None] >= cum).sum(axis=1)]
            dd = np.maximum(day[ir], 1)
            incid.add(row=ir, month=np.full(len(ir), m), day=dd, type=it, response=resp)
            np.add.at(Sat, ir, np.where(it == INC_CLAIM, -0.25, -0.16))
            np.add.at(inc_recent, ir, 1.0)
            last_incident[ir] = m
            k = resp == RESP_COMPLAINT
            ch = C.choose(ur[k] * 17 % 1, preferred[ir[k]], mix[ir[k]])
            add_inter(ir[k], m, dd[k], pop["hour"][ir[k]], ch, INBOUND, R_COMPLAINT, C.COST[ch])
            np.add.at(Sat, ir[k], 0.05)
            k = resp == RESP_NEGO
            ch = np.where(ur[k] * 19 % 1 < 0.6, C.PHONE, C.BRANCH)
            add_inter(ir[k], m, dd[k], pop["hour"][ir[k]], ch, INBOUND, R_RETENTION, C.COST[ch] + NEGOTIATION_GESTURE)
            np.add.at(Sat, ir[k], 0.08)
            k = resp == RESP_WOM
            np.add.at(A, ir[k], -0.04)
            k = resp == RESP_EXIT
            ex = np.unique(ir[k])
            if len(ex):
                first_t = it[k][np.r_[True, ir[k][1:] != ir[k][:-1]]]
                reason = np.array([CR_CLAIM, CR_SERVICE, CR_PRICE, CR_COMPET], dtype=np.int8)[first_t]
                churn(ex, m, dd[k][np.r_[True, ir[k][1:] != ir[k][:-1]]], reason, END_CUSTOMER)
        inc_recent *= 0.93

        # ---- satisfaction and attitude drift
        Sat += 0.05 * (sat_base - Sat) + 0.02 * _z(U[S_["sat"]])
        np.clip(Sat, 0.0, 1.0, out=Sat)
        A += 0.003 * (Sat - 0.6)
        np.clip(A, 0.01, 0.99, out=A)

        # ---- churn: death, leaving, nothing left
        act = np.flatnonzero(active)
        q = L.mortality(age)
        dead = act[U[S_["churn"]][act] < q[act]]
        churn(dead, m, day[dead], CR_DEATH, END_DEATH)
        act = np.flatnonzero(active)
        n_held = nheld[act]
        human_share = hum[act] / tot[act]
        h = (base_churn[act] * np.exp(-0.3 * (n_held - 1)) * np.where(hold[act, P.B_MORTGAGE], 0.45, 1.0)
             * np.exp(-3.0 * (Sat[act] - 0.6)) * np.exp(-1.4 * (A[act] - 0.5))
             * (1 + 1.2 * inc_recent[act]) * np.where(multich[act], 2.0 - 1.2 * human_share, 1.0)
             * np.where(retained_until[act] >= m, 0.3, 1.0) * np.where(reviewed_until[act] >= m, 0.8, 1.0)
             * np.where(m - moved_month[act] < 3, 3.0, 1.0))
        uc = (U[S_["churn"]][act] - q[act]) / (1 - q[act])  # uniform again given survival
        hit = uc < np.minimum(h, 0.5)
        rows = act[hit]
        churn(rows, m, day[rows], choose_reason(rows, uc[hit] / np.minimum(h[hit], 0.5)), END_CUSTOMER)
        cand = np.unique(np.concatenate(closed_now)) if closed_now else np.zeros(0, np.int64)
        empty = cand[active[cand] & (nheld[cand] == 0)]
        if len(empty):
            rs = np.where(company_closed[empty], CR_COMPANY, choose_reason(empty, U[S_["churn"]][empty] * 7 % 1))
            active[empty] = False
            churned[empty] = m
            churn_day[empty] = day[empty]
            churn_reason[empty] = rs

        # ---- service and information contacts
        act = np.flatnonzero(active)
        n_held = nheld[act]
        lam = (0.05 + 0.03 * n_held) * np.where(multich[act], 1.6, 1.0)
        us = U[S_["service_n"]][act]
        cnt = (us > np.exp(-lam)).astype(int) + (us > np.exp(-lam) * (1 + lam)).astype(int)
        hum *= 0.92
        tot *= 0.92
        for j in (1, 2):
            rows = act[cnt >= j]
            uch = U[S_[f"service_ch{j}"]][rows]
            ch = C.choose(uch, preferred[rows], mix[rows])
            reason = np.where(uch * 7 % 1 < 0.3, R_INFO, R_SERVICE)
            udy = U[S_[f"service_day{j}"]][rows]
            add_inter(rows, m, (udy * 28).astype(np.int8) % 28,
                      np.clip(pop["hour"][rows] + (udy * 11 % 1 * 5).astype(np.int8) - 2, 8, 20), ch, INBOUND, reason, C.COST[ch])
            hum[rows] += C.HUMAN[ch]
            tot[rows] += 1

        # ---- annual review programme of multi-equipped customers (seed 000, step 5): an
        # advisor meeting for those who like human contact, a call for the others
        rows = act[(n_held >= 3) & consent[act] & ~opt_out[act] & (U[S_["review"]][act] < 0.8 / 12)]
        if len(rows):
            ch = np.where(C.HUMAN[preferred[rows]] & (hold[rows].sum(axis=1) >= 5), C.BRANCH, C.PHONE).astype(np.int8)
            add_inter(rows, m, day[rows], pop["hour"][rows], ch, OUTBOUND, R_RETENTION, C.COST[ch])
            reviewed_until[rows] = m + 12
            Sat[rows] = np.minimum(Sat[rows] + 0.04, 1.0)

        # ---- loyalty programme: a yearly thank-you mailing with a small gift on the
        # anniversary of customers of two years or more
        rows = act[((m - acq[act]) % 12 == 0) & (m - acq[act] >= 24) & consent[act] & ~opt_out[act]]
        add_inter(rows, m, day[rows], pop["hour"][rows], np.full(len(rows), C.MAIL, np.int8), OUTBOUND,
                  R_RETENTION, np.full(len(rows), C.COST[C.MAIL] + LOYALTY_GIFT))
        Sat[rows] = np.minimum(Sat[rows] + 0.02, 1.0)

        # ---- surveys
        sv = act[U[S_["survey"]][act] < (1 / 30) * (0.6 + 0.8 * A[act])]
        if len(sv):
            # three independent noises: the survey draw given selection and two streams
            # that only movers use
            p_sv = (1 / 30) * (0.6 + 0.8 * A[sv])
            z1 = _z(U[S_["survey"]][sv] / p_sv)
            z2, z3 = _z(U[S_["move1"]][sv]), _z(U[S_["move2"]][sv])
            surveys.add(row=sv, month=np.full(len(sv), m), day=day[sv],
                        satisfaction=np.clip(np.round(1 + 9 * Sat[sv] + 0.9 * z1), 1, 10),
                        attitude=np.round(np.clip(1 + 6 * A[sv] + 0.55 * z2, 1, 7), 1),
                        intent=np.clip(np.round(1 + 4 * (0.55 * A[sv] + 0.45 * Sat[sv]) + 0.6 * z3), 1, 5))

    # ------------------------------------------------------------------ assemble tables
    Uend = streams.draw(K_END)
    state = dict(acq_channel=acq_channel, acq_day=acq_day, stage=stage, churned=churned, churn_day=churn_day, churn_reason=churn_reason,
                 income=income, A=A, dept=dept, addr_u=addr_u, prev_addr_u=prev_addr_u,
                 prev_dept=prev_dept, moved_month=moved_month, acq_cost=acq_cost, day_of=day_of)
    return _assemble(cfg, cust_id, pop, ident, state, opens, closes, tx, events, inter, incid,
                     surveys, targets, Uend, pools)


def _cat(codes, categories):
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(categories))


def _frame(cols: dict) -> pd.DataFrame:
    # no consolidation of same-dtype columns into 2-D blocks: that would copy every column
    return pd.DataFrame(cols, copy=False)


def _dt(d):
    return np.asarray(d).astype("datetime64[ms]", copy=False)


def _sort_by_customer(t: dict, n: int) -> dict:
    """Stable sort of the transaction columns by customer row (keeps month and emission order).

    The five narrow columns travel together as one 8-byte record (gathered as int64), so
    that the permutation moves two arrays instead of six; the sorted rows come from the
    counts (no gather).
    """
    row = t["row"]
    order = np.argsort(row.astype(np.uint16) if n < 65536 else row, kind="stable")
    names = ["month", "k", "day", "kind", "slot"]
    offsets = np.r_[0, np.cumsum([t[c].dtype.itemsize for c in names])[:-1]]
    if offsets[-1] + t[names[-1]].dtype.itemsize > 8:  # (never with the engine's dtypes)
        return {k: v[order] for k, v in t.items()}
    rec = np.dtype({"names": names, "formats": [t[c].dtype for c in names],
                    "offsets": offsets.tolist(), "itemsize": 8})
    packed = np.zeros(len(row), dtype=rec)
    for c in names:
        packed[c] = t[c]
    packed = packed.view(np.int64)[order].view(rec)
    out = {"row": np.repeat(np.arange(n, dtype=row.dtype), np.bincount(row, minlength=n))}
    out.update({c: packed[c].copy() for c in names})
    out["amount"] = t["amount"][order]
    return out


def _within_rank(sorted_rows):
    first = np.r_[True, sorted_rows[1:] != sorted_rows[:-1]] if len(sorted_rows) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(sorted_rows)), 0))
    return np.arange(len(sorted_rows)) - start


def _assemble(cfg, cust_id, pop, ident, st, opens, closes, tx, events, inter, incid, surveys, targets, Uend, pools):
    day_of = st["day_of"]
    n = len(cust_id)
    out = {}
    # customers
    acq = pop["acq_month"]
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
        "birth_date": _dt(day_of(pop["birth_month"], (pop["u_extra2"] * 28).astype(np.int8) % 28)),
        "household_id": cust_id.astype(np.int32),
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
    c = closes.frame(["row", "k", "month", "day", "reason"],
                     dict(row=np.int64, k=np.int64, month=np.int32, day=np.int8, reason=np.int8))
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
    })
    # transactions: stable sort by customer keeps month and emission order
    t = _sort_by_customer(tx.frame(["row", "k", "month", "day", "kind", "slot", "amount"], tx.dtypes), n)
    # (no acquisition-day clamp: amounts are billed from the month after a contract starts,
    # claims and deposits are already dated no earlier than their contract's start)
    # the company's margin: what it keeps of premiums and fees, claims paid out, entry fees
    # on life insurance deposits
    t["margin"] = np.round(t["amount"] * MARGIN_RATE[t["kind"], t["slot"]], 2)
    out["transactions"] = _frame({
        "customer_id": cust_id[t["row"]].astype(np.int32),
        "contract_id": cust_id[t["row"]] * MAX_CONTRACTS + t["k"],
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
    order = np.lexsort((i["day"], i["month"], i["row"]))
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
    g = targets.frame(["campaign_id", "row", "test", "responded", "converted", "month", "retention"],
                      dict(campaign_id=np.int32, row=np.int64, test=bool, responded=bool, converted=bool,
                           month=np.int32, retention=bool))
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
    })
    out["source_records"] = ID.source_records(pools, cust_id, pop, ident, st, o, Uend)
    return out
