"""IDIC operations at scale: identity resolution on 1M department records, the contact
policy engine on 10M proposed contacts.

The source records come from the market generator (``crmkit.synth.generate_to``, about
320,000 people over 10 years, ~3.2 records each), written once to a cache folder in the
system's temporary directory and read back by each case, so the timings cover reading the
records plus the resolution, not the generation. The proposed contacts are drawn with
NumPy inside the case (a second or two of the total): 1M customers, 10M proposals over a
quarter, one million contacts already sent as history.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Case

TITLE = "IDIC: identity resolution and contact policy"

CACHE = Path(tempfile.gettempdir()) / "crmkit-bench-idic"
CUSTOMERS_1M_RECORDS = 315_000  # ~3.2 records per person after 10 years -> ~1M records


def _records_path(customers: int) -> Path:
    from crmkit.synth import generate_to

    path = CACHE / f"market_{customers}"
    if not (path / "source_records.parquet").exists():
        generate_to(path, customers=customers, years=10, sector="both", seed=2024,
                    duckdb=False)
    return path / "source_records.parquet"


def prepare(customers: int = CUSTOMERS_1M_RECORDS) -> dict:
    """Generate the cached market (run once; not a timed case)."""
    return {"records": len(pd.read_parquet(_records_path(customers), columns=["record_id"]))}


def identity_resolution(customers: int = CUSTOMERS_1M_RECORDS, limit: int | None = None) -> dict:
    from crmkit.idic import resolution_quality, resolve_identities

    filters = [("true_customer_id", "<=", limit)] if limit is not None else None
    records = pd.read_parquet(_records_path(customers), filters=filters)
    res = resolve_identities(records)
    q = resolution_quality(res.links, records)
    return {"records": len(records), "candidate_pairs": len(res.pairs),
            "precision": q.precision, "recall": q.recall, "resolved": q.resolved,
            "persons": q.persons}


def _contacts(n: int, n_customers: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    channels = np.array(["branch", "phone", "web", "mobile", "email", "mail"])
    pref = rng.choice(6, n_customers, p=[0.25, 0.15, 0.2, 0.3, 0.05, 0.05])
    customers = pd.DataFrame({
        "customer_id": np.arange(1, n_customers + 1),
        "preferred_channel": pd.Categorical.from_codes(pref, channels),
        "preferred_hour": rng.integers(8, 21, n_customers),
        "contact_consent": rng.random(n_customers) < 0.65,
        "opt_out": rng.random(n_customers) < 0.05,
    })
    offers = np.array([f"offer_{k:02d}" for k in range(24)])
    start = np.datetime64("2024-01-01T00:00", "ns")
    minute = np.timedelta64(60_000_000_000, "ns")

    def draw(size):
        who = rng.integers(1, n_customers + 1, size)
        # mostly on the preferred channel: the campaign tools know it
        chan = np.where(rng.random(size) < 0.7, pref[who - 1], rng.integers(0, 6, size))
        return pd.DataFrame({
            "customer_id": who,
            "channel": pd.Categorical.from_codes(chan, channels),
            "date": start + rng.integers(0, 91 * 24 * 60, size) * minute,
            "offer": pd.Categorical.from_codes(rng.integers(0, 24, size), offers),
        })

    proposed = draw(n)
    proposed["expected_value"] = rng.gamma(2.0, 8.0, n)
    history = draw(n // 10)
    groups = {o: f"need_{k // 3}" for k, o in enumerate(offers)}  # 3 competing offers a need
    return customers, proposed, history, groups


def contact_policy(n: int = 10_000_000, n_customers: int = 1_000_000) -> dict:
    from crmkit.idic import ContactPolicy

    customers, proposed, history, groups = _contacts(n, n_customers)
    policy = ContactPolicy(max_contacts=2, period="M", offer_groups=groups,
                           conflict_window="30D", budget=2_000_000.0)
    out = policy.apply(proposed, customers, history)
    return {"proposed": n, "sent": int((out["decision"] == "sent").sum()),
            "reasons": out["reason"].value_counts().to_dict()}


def cases() -> list[Case]:
    return [
        Case("identity resolution, course-size market", "identity_resolution",
             {"limit": 10_000}, size="~32,000 records (10,000 people)",
             target=""),
        Case("identity resolution, 1M records", "identity_resolution", {},
             size="~1,000,000 records (315,000 people)", units=1_000_000,
             unit_name="records/s", target="<= 60 s"),
        Case("contact policy, 1M proposals", "contact_policy",
             {"n": 1_000_000, "n_customers": 100_000}, size="1M proposals, 100k customers",
             units=1_000_000, unit_name="contacts/s"),
        Case("contact policy, 10M proposals", "contact_policy", {},
             size="10M proposals, 1M customers, 1M history", units=10_000_000,
             unit_name="contacts/s", target="<= 30 s"),
    ]
