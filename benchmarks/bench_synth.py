"""The market generator: throughput and peak memory at 10k, 100k and 1M customers over ten
years, against a naive per-customer loop in the same run.

* **crmkit**: :func:`crmkit.synth.generate_to`, the streaming path the CLI uses (Parquet
  written block by block, blocks simulated by up to two worker processes); the DuckDB
  database is left out of the throughput cases and timed in its own case.
* **naive loop**: what one writes first: a Python loop over customers calling Faker for
  each field (name, address, postcode, town, e-mail, phone, birth date, region) and a
  Python loop over months and products drawing, with :mod:`random` and the same
  parameters (read from ``parameters.yaml``, hazards of the calibrated generator), the same decisions as the vectorised engine (life events and needs,
  purchases, campaigns, claims, deposits, terminations, incidents and responses,
  satisfaction, churn, service contacts, surveys), collecting rows in lists and building
  DataFrames at the end. It leaves out the identity records (typos, duplicates), the
  DuckDB file and the contract end dates, so the ratio is, if anything, flattering to it.

Throughput is in customer-months per second (customers x 120 months / wall seconds); the
ratio to the naive loop is one of throughputs, so that the 100k and 1M runs compare too.
Peak memory is the largest total resident memory of the benchmark process *and its worker
processes*, sampled every 50 ms (the harness's own figure would miss the workers).
"""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from pathlib import Path

from benchmarks._harness import Case

TITLE = "Market generator: customer-months per second and peak memory"
OUT = Path(__file__).resolve().parent / "out"
MONTHS = 120


def _shm_used() -> int:
    """Bytes held in ``/dev/shm`` (0 where there is none)."""
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):
        return 0
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def _shmem(pid: int) -> int:
    """Bytes of shared memory (``RssShmem``) in a process's resident set (Linux; else 0)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssShmem:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _PeakRSS:
    """Largest total memory (MB) of this process and its children, sampled in a thread, and
    the CPU seconds they used (workers included), to tell cost from contention.

    The total is their resident memory plus what the run adds to ``/dev/shm`` (the blocks
    the workers hand over wait there, in memory, whether or not a process maps them; the
    mapped part is counted once)."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak, self._stop = every, 0.0, threading.Event()
        self._cpu: dict[int, float] = {}
        self._shm0 = _shm_used()

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def _total(self) -> float:
        try:
            import psutil
        except ImportError:  # fall back on this process alone
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        me = psutil.Process()
        total = max(0, _shm_used() - self._shm0)
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss - _shmem(proc.pid)
                t = proc.cpu_times()
                self._cpu[proc.pid] = t.user + t.system
            except psutil.Error:
                pass
        return total / 2**20

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            time.sleep(self.every)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def crmkit_generate(customers: int, years: int = 10, duckdb: bool = False, workers: int | None = None) -> dict:
    from crmkit.synth import generate_to

    out = OUT / f"synth-{customers}"
    shutil.rmtree(out, ignore_errors=True)
    with _PeakRSS() as mem:
        generate_to(out, customers=customers, years=years, sector="both", seed=7, duckdb=duckdb,
                    workers=workers)
    size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
    import pyarrow.parquet as pq

    rows = {f.stem: pq.ParquetFile(f).metadata.num_rows for f in sorted(out.glob("*.parquet"))}
    shutil.rmtree(out, ignore_errors=True)
    return {"peak_mb": mem.peak, "cpu_seconds": round(mem.cpu_seconds, 1), "output_mb": round(size, 1),
            "rows": rows, "load_average": os.getloadavg()}


def naive_loop(customers: int, years: int = 10, seed: int = 7) -> dict:
    """The obvious implementation of the same model: one customer at a time.

    Faker is called for every field of every customer; then a Python loop over months, and
    within it over products, draws with :mod:`random` the same decisions as the vectorised
    engine, with the same parameters (life events and needs, purchases, campaigns, claims,
    deposits, terminations, critical incidents and responses, satisfaction, churn, service
    contacts, reviews, surveys), appending row tuples to lists turned into DataFrames at
    the end. Identity records and DuckDB are left out; the ratio is, if anything, flattering
    to the loop.
    """
    import math

    import numpy as np
    import pandas as pd
    from faker import Faker

    from crmkit.synth import campaigns as CA
    from crmkit.synth import channels as C
    from crmkit.synth import lifestages as L
    from crmkit.synth import personas as PE
    from crmkit.synth import products as P
    from crmkit.synth.parameters import PARAMS as PR

    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    months = years * 12
    cal = CA.calendar(np.random.default_rng(seed), months, "both", np.datetime64("2015-01"))
    cal_by_month: dict[int, list] = {}
    for c in cal.itertuples():
        cal_by_month.setdefault(c.month, []).append(c)
    slots = list(range(P.N_SLOTS))
    # plain Python lists: the loop should not pay for NumPy scalar indexing
    PRICE = P.catalogue()["monthly_price"].tolist() + [50.0]
    SECTOR, KIND, RATE = P.SLOT_SECTOR.tolist(), P.SLOT_KIND.tolist(), P.SLOT_MARGIN_RATE.tolist()
    NEEDS = L.NEED_MATRIX.tolist()
    BALANCE = set(P.BALANCE_SLOTS.tolist())
    # the current parameters (crmkit/synth/parameters.yaml), as plain Python numbers
    ev, pu, ch_, tm, ic, sv, sa, su = (PR.events, PR.purchases, PR.churn, PR.terminations, PR.incidents,
                                      PR.service, PR.satisfaction, PR.surveys)
    pids = list(P.PRODUCT_IDS) + ["I_AUTO2"]
    gain = [pu.need_gain.get(pid, pu.need_gain_default) for pid in pids]
    gain[P.I_AUTO2] = pu.need_gain_default
    base_rate = [pu.base_rate.get(pid, 0.0) for pid in pids]
    season = {e: [float(x) for x in L.SEASON[e]] for e in ("marriage", "home_purchase", "car_purchase")}
    parity = list(ev.birth_rate_by_parity)
    gap = ev.partner_age_gap

    def bell(x, centre, sd):
        return math.exp(-0.5 * ((x - centre) / sd) ** 2)

    def mortality(a):
        return min(math.exp(ev.mortality_intercept + ev.mortality_slope * a) / 12, ev.mortality_cap)

    def hazards(a, female, stage, married, owner, kids, income, moy, car_age):
        # lifestages.monthly_hazards and the engine's car hazard, for one customer
        x = a - (0.0 if female else gap)
        single = stage == L.YOUNG_SINGLE
        cohabiting = stage in (L.COHABITING, L.COHABITING_FAMILY)
        partnered = stage in L.PARTNERED_STAGES
        lo, hi = ev.home_age_range
        return {
            L.UNION: single * ev.union_rate * bell(x, ev.union_peak_age, ev.union_age_sd) * (a >= 18),
            L.MARRIAGE: (ev.marriage_rate_single if single else ev.marriage_rate_cohabiting * cohabiting)
            * bell(x, ev.marriage_peak_age, ev.marriage_age_sd) * season["marriage"][moy] * (a >= 18),
            L.BIRTH: (partnered and stage not in (L.EMPTY_NEST, L.RETIRED) and kids < ev.birth_max_children)
            * parity[min(kids, len(parity) - 1)] * bell(x, ev.birth_peak_age, ev.birth_age_sd)
            * (ev.birth_min_age < x < ev.birth_max_age),
            L.HOME_PURCHASE: (not owner and lo < a < hi) * (ev.home_rate + ev.home_rate_couple * partnered)
            * min(max(income / ev.home_income_reference, ev.home_income_bounds[0]), ev.home_income_bounds[1])
            * season["home_purchase"][moy],
            L.CAR_PURCHASE: (ev.car_replacement + ev.car_replacement_old * (car_age > L.AVERAGE_CAR_AGE_MONTHS))
            * (a > ev.car_min_age) * season["car_purchase"][moy],
            L.JOB_MOVE: ev.job_move * (a < ev.job_move_max_age),
            L.HOME_MOVE: ev.home_move["owner" if owner else "renter"] * (a < ev.job_move_max_age) * season["home_purchase"][moy],
            L.DEATH_OF_SPOUSE: partnered * mortality(a + gap * female),
        }
    persona_w = [p.weight_bank for p in PE.PERSONAS]
    cust_rows, contracts, tx, inter, events, incidents, surveys, targets = ([] for _ in range(8))

    def gauss01(mu, sd):
        return min(0.99, max(0.01, rnd.gauss(mu, sd)))

    for cid in range(1, customers + 1):
        # identity: Faker for every field
        female = rnd.random() < 0.52
        person = dict(
            customer_id=cid,
            first_name=fake.first_name_female() if female else fake.first_name_male(),
            last_name=fake.last_name(), address=fake.street_address(), postcode=fake.postcode(),
            city=fake.city(), region=fake.region(), email=fake.email(), phone=fake.phone_number(),
            birth_date=fake.date_of_birth(minimum_age=18, maximum_age=90),
        )
        bank = rnd.random() < 0.55
        pi = rnd.choices(range(len(PE.PERSONAS)), persona_w)[0]
        pe = PE.PERSONAS[pi]
        age = rnd.uniform(*pe.age)
        income = pe.income * math.exp(rnd.gauss(0, 0.45))
        att = gauss01(pe.attitude, 0.17)
        sat_base = sat = gauss01(0.62 + 0.35 * (att - 0.5), 0.1)
        multich = rnd.random() < pe.multichannel
        consent = rnd.random() < pe.consent and rnd.random() > 0.05
        risky = rnd.random() < pe.risky
        coef = 1.6 if risky and pi == PE.YOUNG_DRIVER else 0.8
        acq = 0 if rnd.random() < PE.STOCK_SHARE else rnd.randrange(months)
        stage, married, owner, kids = L.YOUNG_SINGLE, False, rnd.random() < 0.5, 0
        car_age = rnd.randrange(192)
        held: dict[int, list] = {}
        need = [0.0] * P.N_SLOTS
        balance = [0.0] * P.N_SLOTS
        inc_recent = 0.0
        n_contracts = 0
        anchor = P.B_CURRENT if bank else P.I_AUTO
        held[anchor] = [n_contracts, acq, 10.0]
        contracts.append((cid * 100 + n_contracts, cid, anchor, acq))
        n_contracts += 1
        churn = None
        for m in range(acq, months):
            a = age + (m - acq) / 12
            moy = m % 12
            # billing
            for s_, (k, start, amount) in held.items():
                if s_ in BALANCE:
                    amount = balance[s_] * 0.01 / 12
                if start < m and amount > 0:
                    tx.append((cid, cid * 100 + k, m, KIND[s_], amount, amount * RATE[s_]))
            # life events
            car_age += 1
            hz = hazards(a, female, stage, married, owner, kids, income, moy, car_age)
            for e, p in hz.items():
                if rnd.random() < p:
                    events.append((cid, m, e))
                    if e == L.UNION:
                        stage = L.COHABITING
                    elif e == L.MARRIAGE:
                        married, stage = True, (L.YOUNG_FAMILY if kids else L.COUPLE)
                    elif e == L.BIRTH:
                        kids, stage = kids + 1, (L.YOUNG_FAMILY if married else L.COHABITING_FAMILY)
                    elif e == L.HOME_PURCHASE:
                        owner = True
                    elif e == L.CAR_PURCHASE:
                        car_age = 0
                    for s_ in slots:
                        need[s_] = min(1.0, need[s_] + NEEDS[e][s_])
            for s_ in slots:
                need[s_] *= L.NEED_DECAY
            # organic purchases
            for s_ in slots:
                if s_ in held:
                    continue
                p = ((base_rate[s_] + gain[s_] * need[s_]) * pe.buy * (pu.attitude_intercept + pu.attitude_slope * att)
                     * (pu.multichannel_factor if multich else 1.0))
                if SECTOR[s_] == bank:
                    p *= 0.35
                if rnd.random() < p:
                    held[s_] = [n_contracts, m, PRICE[s_]]
                    contracts.append((cid * 100 + n_contracts, cid, s_, m))
                    n_contracts += 1
                    need[s_] = 0.0
                    ch = rnd.randrange(C.N_CHANNELS)
                    inter.append((cid, m, ch, "sale", C.COST[ch]))
                    break
            # campaigns
            for c in cal_by_month.get(m, ()):
                if consent and c.slot not in held and rnd.random() < c.select_share:
                    test = rnd.random() < CA.TEST_SHARE
                    responded = test and rnd.random() < c.p_response * (0.5 + att)
                    converted = responded and rnd.random() < CA.CONVERSION
                    targets.append((c.campaign_id, cid, test, responded, converted))
                    if test:
                        inter.append((cid, m, int(c.channel), "sale", c.cost_per_contact))
            # claims
            for s_, freq, sev in ((P.I_AUTO, P.AUTO_FREQ * coef / 12, P.AUTO_SEVERITY),
                                  (P.I_HOME, P.HOME_FREQ / 12, P.HOME_SEVERITY),
                                  (P.I_HEALTH, P.HEALTH_MONTHLY_P, 60.0)):
                if s_ in held and rnd.random() < freq:
                    amount = sev * rnd.lognormvariate(-0.5, 1.0)
                    if rnd.random() < P.CLAIM_REFUSAL_P:
                        incidents.append((cid, m, "claim_refused"))
                        sat -= 0.25
                    else:
                        tx.append((cid, cid * 100 + held[s_][0], m, P.CLAIM, amount, -amount))
                        inter.append((cid, m, C.PHONE, "claim", C.COST[C.PHONE]))
            # deposits
            for s_ in BALANCE:
                if s_ in held and rnd.random() < PR.deposits.monthly_rate * pe.saver:
                    amount = income * 0.025 * rnd.lognormvariate(-0.5, 1.0)
                    balance[s_] += amount
                    tx.append((cid, cid * 100 + held[s_][0], m, P.DEPOSIT, amount, amount * 0.01))
                balance[s_] *= 1 - P.WITHDRAWAL_RATE
            # voluntary terminations
            for s_ in list(held):
                if rnd.random() < tm.customer_hazard * (1 + inc_recent) * math.exp(
                        -tm.satisfaction_effect * (sat - tm.satisfaction_reference)):
                    del held[s_]
            # critical incidents and responses
            if rnd.random() < (ic.service_failure_base + ic.service_failure_per_product * len(held)
                               + ic.competitor_offer * (ic.competitor_multichannel_factor if multich else 1.0)):
                incidents.append((cid, m, "service_failure"))
                inc_recent += 1
                sat += ic.satisfaction_loss_other
                r = rnd.random()
                if r < (ic.exit_propensity["service_failure"] * (ic.exit_attitude_intercept - att)
                        * (ic.exit_satisfaction_intercept - sat)):
                    churn = m
                elif r < 0.5:
                    inter.append((cid, m, C.PHONE, "complaint", C.COST[C.PHONE]))
            inc_recent *= ic.memory_decay
            sat += sa.reversion * (sat_base - sat) + sa.noise * rnd.gauss(0, 1)
            # churn
            h = (pe.churn * math.exp(-ch_.product_effect * (len(held) - 1))
                 * math.exp(-ch_.satisfaction_effect * (sat - ch_.satisfaction_reference))
                 * math.exp(-ch_.attitude_effect * (att - 0.5)) * (1 + ch_.incident_effect * inc_recent)
                 * (ch_.multichannel_factor if multich else 1.0))
            if churn is None and (rnd.random() < h or rnd.random() < mortality(a) or not held):
                churn = m
            # service contacts, reviews, surveys
            lam = (sv.contact_rate + sv.contact_rate_per_product * len(held)) * (sv.multichannel_factor if multich else 1.0)
            for _ in range(min(2, sum(rnd.random() < lam / (j + 1) for j in range(2)))):
                ch = rnd.randrange(C.N_CHANNELS)
                inter.append((cid, m, ch, "service", C.COST[ch]))
            if len(held) >= 3 and consent and rnd.random() < 0.8 / 12:
                inter.append((cid, m, C.PHONE, "retention", C.COST[C.PHONE]))
            if rnd.random() < su.monthly_rate * (su.attitude_intercept + su.attitude_slope * att):
                surveys.append((cid, m, round(1 + 9 * sat + rnd.gauss(0, su.satisfaction_noise)),
                                round(1 + 6 * att + rnd.gauss(0, su.attitude_noise), 1),
                                round(1 + 4 * (su.intent_attitude_weight * att + su.intent_satisfaction_weight * sat)
                                      + rnd.gauss(0, su.intent_noise))))
            if churn is not None:
                break
        person["churn_month"] = churn
        cust_rows.append(person)
    frames = dict(
        customers=pd.DataFrame(cust_rows),
        contracts=pd.DataFrame(contracts, columns=["contract_id", "customer_id", "slot", "start"]),
        transactions=pd.DataFrame(tx, columns=["customer_id", "contract_id", "month", "kind", "amount", "margin"]),
        interactions=pd.DataFrame(inter, columns=["customer_id", "month", "channel", "reason", "cost"]),
        life_events=pd.DataFrame(events, columns=["customer_id", "month", "event"]),
        incidents=pd.DataFrame(incidents, columns=["customer_id", "month", "type"]),
        surveys=pd.DataFrame(surveys, columns=["customer_id", "month", "satisfaction", "attitude", "intent"]),
        campaign_targets=pd.DataFrame(targets, columns=["campaign_id", "customer_id", "test", "responded", "converted"]),
    )
    OUT.mkdir(exist_ok=True)
    folder = OUT / "naive"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name, df in frames.items():
        df.to_parquet(folder / f"{name}.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    return {"rows": {name: len(df) for name, df in frames.items()}}


def cases() -> list[Case]:
    target = "<= 120 s and <= 8 GB at 1M; >= 50x the naive loop"
    out = [
        Case("naive loop (Faker per field, Python months) 10k x 10y", "naive_loop",
             dict(customers=10_000), size="10,000 customers x 120 months",
             units=10_000 * MONTHS, unit_name="customer-months/s"),
    ]
    for n, label in ((10_000, "10k"), (100_000, "100k"), (1_000_000, "1M")):
        # the ratio is one of throughputs (customer-months per second): the naive loop's is
        # the same at any size, crmkit's grows as fixed costs (imports, pools) fade
        out.append(Case(f"crmkit generate {label} x 10y", "crmkit_generate", dict(customers=n),
                        size=f"{n:,} customers x 120 months",
                        baseline="naive loop (Faker per field, Python months) 10k x 10y",
                        units=n * MONTHS, unit_name="customer-months/s", target=target))
    out.append(Case("crmkit course market 10k x 10y with DuckDB (make data)", "crmkit_generate",
                    dict(customers=10_000, duckdb=True), size="10,000 customers x 120 months",
                    units=10_000 * MONTHS, unit_name="customer-months/s", target="< 30 s"))
    return out


if __name__ == "__main__":  # a quick look without the harness
    import json
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    extra = crmkit_generate(n)
    print(json.dumps({"seconds": time.perf_counter() - t0, **extra}, indent=1), file=sys.stdout)
    os._exit(0)
