"""The market generator: throughput and peak memory at 10k, 100k and 1M customers over ten
years, against a naive per-customer loop in the same run.

* **crmkit**: :func:`crmkit.synth.generate_to`, the streaming path the CLI uses (Parquet
  written block by block, blocks simulated by up to two worker processes); the DuckDB
  database is left out of the throughput cases and timed in its own case.
* **naive loop**: what one writes first: a Python loop over customers calling Faker for
  each field (name, address, postcode, town, e-mail, phone, birth date, region) and a
  Python loop over months and products drawing purchases, premiums, claims, terminations
  and churn with :mod:`random`, collecting rows in lists and building DataFrames at the end.
  It simulates far less than crmkit (no life stages, campaigns, incidents, surveys or
  identity records), so the ratio understates the gap.

Throughput is in customer-months per second (customers x 120 months / wall seconds).
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


class _PeakRSS:
    """Largest total RSS (MB) of this process and its children, sampled in a thread, and
    the CPU seconds they used (workers included), to tell cost from contention."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak, self._stop = every, 0.0, threading.Event()
        self._cpu: dict[int, float] = {}

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
        total = me.memory_info().rss
        for proc in [me, *me.children(recursive=True)]:
            try:
                if proc is not me:
                    total += proc.memory_info().rss
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


# a small product range for the naive loop: monthly price, monthly purchase and claim
# probabilities, mean claim
_NAIVE_PRODUCTS = {
    "B_CURRENT": (8.0, 0.004, 0.0, 0.0), "B_CARD": (3.5, 0.01, 0.0, 0.0),
    "B_SAVINGS": (6.0, 0.004, 0.0, 0.0), "B_CONSUMER": (20.0, 0.002, 0.0, 0.0),
    "B_MORTGAGE": (80.0, 0.001, 0.0, 0.0), "I_AUTO": (50.0, 0.004, 0.006, 2600.0),
    "I_HOME": (22.0, 0.003, 0.004, 1900.0), "I_HEALTH": (60.0, 0.002, 0.35, 60.0),
    "I_LIFE": (12.0, 0.002, 0.0, 0.0),
}


def naive_loop(customers: int, years: int = 10, seed: int = 7) -> dict:
    """The obvious per-customer implementation (see the module docstring)."""
    import pandas as pd
    from faker import Faker

    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    months = years * 12
    customers_rows, contracts, transactions = [], [], []
    next_contract = 1
    for cid in range(1, customers + 1):
        female = rnd.random() < 0.52
        person = {
            "customer_id": cid,
            "first_name": fake.first_name_female() if female else fake.first_name_male(),
            "last_name": fake.last_name(),
            "address": fake.street_address(),
            "postcode": fake.postcode(),
            "city": fake.city(),
            "region": fake.region(),
            "email": fake.email(),
            "phone": fake.phone_number(),
            "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=90),
        }
        held: dict[str, int] = {}
        churn = None
        for m in range(months):
            for product, (price, p_buy, p_claim, claim) in _NAIVE_PRODUCTS.items():
                if product in held:
                    k = held[product]
                    transactions.append((cid, k, m, "premium", price, price * 0.8))
                    if p_claim and rnd.random() < p_claim:
                        amount = rnd.lognormvariate(0, 1) * claim
                        transactions.append((cid, k, m, "claim", amount, -amount))
                    if rnd.random() < 0.003:
                        contracts.append((k, cid, product, None, m))
                        del held[product]
                elif rnd.random() < p_buy * (3 if m == 0 else 1):
                    held[product] = next_contract
                    contracts.append((next_contract, cid, product, m, None))
                    next_contract += 1
            if rnd.random() < 0.009:
                churn = m
                break
        person["churn_month"] = churn
        customers_rows.append(person)
    c = pd.DataFrame(customers_rows)
    k = pd.DataFrame(contracts, columns=["contract_id", "customer_id", "product_id", "start", "end"])
    t = pd.DataFrame(transactions, columns=["customer_id", "contract_id", "month", "kind", "amount", "margin"])
    OUT.mkdir(exist_ok=True)
    path = OUT / "naive-transactions.parquet"
    t.to_parquet(path)
    path.unlink()
    return {"rows": {"customers": len(c), "contracts": len(k), "transactions": len(t)}}


def cases() -> list[Case]:
    target = "<= 120 s and <= 8 GB at 1M; >= 50x the naive loop"
    out = [
        Case("naive loop (Faker per field, Python months) 10k x 10y", "naive_loop",
             dict(customers=10_000), size="10,000 customers x 120 months",
             units=10_000 * MONTHS, unit_name="customer-months/s"),
    ]
    for n, label in ((10_000, "10k"), (100_000, "100k"), (1_000_000, "1M")):
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
