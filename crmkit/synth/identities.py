"""Identities: names, addresses and contact details, and how each department's system
records them (the identity-resolution exercise).

Faker (``fr_FR``) is called only to build *pools* (a few thousand first names, last names,
streets and towns), once per seed; customers then draw indices into the pools, which keeps
a million customers fast. Each pool entry also carries its spelling variants (upper case,
accents dropped, a typo, an initial) so that source records can be misspelt without any
per-row Python.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.synth import geography
from crmkit.synth.parameters import PARAMS as PR

_ID = PR.identities
EMAIL_DOMAINS = np.array(list(_ID.email_domains))
EMAIL_WEIGHTS = np.array(list(_ID.email_domains.values()))
TOWNS_PER_DEPT = 24


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def _typo(s: str, k: int) -> str:
    # swap two neighbouring letters, or double one, at a position fixed by k
    if len(s) < 3:
        return s + s[-1]
    i = 1 + k % (len(s) - 2)
    if k % 3 == 0:
        return s[:i] + s[i] + s[i:]
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


@dataclass(frozen=True)
class Pools:
    """Pre-built name and address pools, with spelling variants per entry."""

    first_f: pa.Array
    first_m: pa.Array
    last: pa.Array
    street: pa.Array
    town: pa.Array  # TOWNS_PER_DEPT towns per department, department-major
    # variants: arrays of the same length as the pool
    variants: dict


@lru_cache(maxsize=4)
def build_pools(seed: int) -> Pools:
    """Build the pools with Faker fr_FR, deterministically from ``seed``."""
    from faker import Faker
    from faker.providers.person.fr_FR import Provider as Person

    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    first_f = sorted(set(Person.first_names_female))
    first_m = sorted(set(Person.first_names_male))
    last = sorted(set(Person.last_names))
    streets = sorted({fake.street_name() for _ in range(4000)})
    towns = []
    for _ in range(len(geography.DEPT_CODES) * TOWNS_PER_DEPT):
        towns.append(fake.city())
    variants = {}
    for key, pool in (("first_f", first_f), ("first_m", first_m), ("last", last)):
        variants[key] = {
            "upper": pa.array([s.upper() for s in pool]),
            "ascii": pa.array([_ascii(s) for s in pool]),
            "typo": pa.array([_typo(s, i) for i, s in enumerate(pool)]),
            "initial": pa.array([s[0] + "." for s in pool]),
            "email": pa.array([_ascii(s).lower().replace(" ", "").replace("'", "") for s in pool]),
        }
    return Pools(pa.array(first_f), pa.array(first_m), pa.array(last), pa.array(streets),
                 pa.array(towns), variants)


def _take(arr: pa.Array, idx: np.ndarray) -> pa.Array:
    return pc.take(arr, pa.array(idx.astype(np.int64)))


def _str_int(x: np.ndarray, width: int = 0) -> pa.Array:
    s = pc.cast(pa.array(x.astype(np.int64)), pa.string())
    return pc.utf8_lpad(s, width, "0") if width else s


def _join(*parts) -> pa.Array:
    parts = [p if isinstance(p, (pa.Array, pa.ChunkedArray)) else pa.scalar(p) for p in parts]
    return pc.binary_join_element_wise(*parts, "")


def _col(a) -> pd.Series:
    return pd.Series(a.to_pandas() if hasattr(a, "to_pandas") else a, dtype="str")


def draw_identities(pools: Pools, U: np.ndarray, gender: np.ndarray, dept: np.ndarray) -> dict:
    """Names and contact details of customers from uniforms ``U`` (``(12, n)``).

    Returns pool indices (for variants later) and assembled string arrays.
    """
    n = len(gender)
    female = gender == 1
    i_first = np.where(female, U[0] * len(pools.first_f), U[0] * len(pools.first_m)).astype(np.int64)
    i_first = np.minimum(i_first, np.where(female, len(pools.first_f), len(pools.first_m)) - 1)
    i_last = np.minimum((U[1] * len(pools.last)).astype(np.int64), len(pools.last) - 1)
    first = _pick_gendered(pools, "name", i_first, female)
    last = _take(pools.last, i_last)
    # e-mail: prenom.nom[nn]@domain
    fe = _pick_gendered(pools, "email", i_first, female)
    le = _take(pools.variants["last"]["email"], i_last)
    dom = _take(pa.array(EMAIL_DOMAINS), np.minimum(np.searchsorted(np.cumsum(EMAIL_WEIGHTS), U[2] * EMAIL_WEIGHTS.sum()), 9))
    num = (U[3] * 100).astype(np.int64)
    suffix = pc.if_else(pa.array(num < round(100 * _ID.email_without_number_share)), pa.scalar(""), _str_int(num))
    sep = pc.if_else(pa.array(U[4] < _ID.email_dot_share), pa.scalar("."), pa.scalar(""))
    email = _join(fe, sep, le, suffix, "@", dom)
    email = pc.if_else(pa.array(U[5] < _ID.email_missing_share), pa.nulls(n, pa.string()), email)
    # mobile phone: 06 or 07 and eight digits
    digits = _str_int((U[6].astype(np.float64) * 1e8).astype(np.int64), 8)
    pre = pc.if_else(pa.array(U[7] < _ID.mobile_06_share), pa.scalar("06"), pa.scalar("07"))
    parts = [pc.utf8_slice_codeunits(digits, i, i + 2) for i in range(0, 8, 2)]
    phone = _join(pre, " ", parts[0], " ", parts[1], " ", parts[2], " ", parts[3])
    phone = pc.if_else(pa.array(U[8] < _ID.phone_missing_share), pa.nulls(n, pa.string()), phone)
    addr = draw_address(pools, U[9], U[10], U[11], dept)
    return dict(i_first=i_first, i_last=i_last, first=first, last=last, email=email,
                phone=phone, **addr)


def _pick_gendered(pools, variant, idx, female):
    if variant == "name":
        f, m = pools.first_f, pools.first_m
    else:
        f, m = pools.variants["first_f"][variant], pools.variants["first_m"][variant]
    idx_f = np.minimum(idx, len(f) - 1)
    idx_m = np.minimum(idx, len(m) - 1)
    return pc.if_else(pa.array(female), _take(f, idx_f), _take(m, idx_m))


def draw_address(pools: Pools, u_num, u_street, u_town, dept) -> dict:
    """A street address in department ``dept`` (indices into geography)."""
    number = 1 + (np.asarray(u_num, dtype=np.float64) ** 2 * 120).astype(np.int64)
    i_street = np.minimum((u_street * len(pools.street)).astype(np.int64), len(pools.street) - 1)
    k_town = np.minimum((u_town * TOWNS_PER_DEPT).astype(np.int64), TOWNS_PER_DEPT - 1)
    i_town = dept.astype(np.int64) * TOWNS_PER_DEPT + k_town
    address = _join(_str_int(number), ", ", _take(pools.street, i_street))
    code = _take(pa.array(geography.DEPT_CODES), dept)
    postcode = _join(code, _str_int(k_town * 40, 3))
    city = _take(pools.town, i_town)
    return dict(address=address, postcode=postcode, city=city, dept=dept)


SYSTEMS = ("bank_core", "cards", "credit", "bank_life", "insurance_auto", "insurance_home",
           "insurance_health", "insurance_life")
_SYSTEM_PREFIX = ("BC", "CB", "CR", "BV", "IA", "IH", "IS", "IV")
# product slot -> system holding its contracts (see crmkit.synth.products)
SLOT_SYSTEM = np.array([0, 1, 0, 2, 2, 2, 3, 4, 5, 6, 7, 4], dtype=np.int8)
DUPLICATE_P = _ID.duplicate_share  # share of records entered twice in the same system (two account numbers)


def _variant(pools, i_first, female, i_last, u_first, u_last):
    def pick(u, cuts, arrays):
        out = arrays[-1]
        for cut, arr in reversed(list(zip(cuts, arrays[:-1], strict=True))):
            out = pc.if_else(pa.array(u < cut), arr, out)
        return out

    fv = [_pick_gendered(pools, v, i_first, female) for v in ("name", "upper", "ascii", "typo", "initial")]
    lv = [_take(pools.last, i_last)] + [_take(pools.variants["last"][v], i_last) for v in ("upper", "ascii", "typo")]
    return pick(u_first, list(_ID.first_name_variants), fv), pick(u_last, list(_ID.last_name_variants), lv)


def source_records(pools, cust_id, pop, ident, st, opens, U) -> pd.DataFrame:
    """One record per (customer, department system) the customer has had a contract in,
    as that system typed it: spelling variants, missing fields, old addresses after a move,
    and a few people entered twice under two account numbers. The true customer id is
    kept apart (ground truth) for the identity-resolution exercise."""
    rows, sysi = opens["row"], SLOT_SYSTEM[opens["slot"]]
    key = rows * 8 + sysi
    order = np.lexsort((opens["month"], key))
    key_s, month_s = key[order], opens["month"][order]
    first = np.r_[True, key_s[1:] != key_s[:-1]] if len(key_s) else np.zeros(0, bool)
    key_u, month_u = key_s[first], month_s[first]
    r, sy = key_u // 8, (key_u % 8).astype(np.int64)
    # duplicates: the same person entered a second time in the same system
    dup = U[64, r] < DUPLICATE_P
    r = np.concatenate([r, r[dup]])
    sy = np.concatenate([sy, sy[dup]])
    month_u = np.concatenate([month_u, month_u[dup]])
    d = np.concatenate([np.zeros(len(key_u), np.int64), np.ones(dup.sum(), np.int64)])
    order = np.lexsort((d, sy, r))
    r, sy, month_u, d = r[order], sy[order], month_u[order], d[order]
    uu = [U[sy * 8 + j, r].astype(np.float64) for j in range(8)]
    uu = [np.where(d == 1, u * 7 % 1, u) for u in uu]  # the duplicate is typed anew
    female = pop["gender"][r] == 1
    fn, ln = _variant(pools, ident["i_first"][r], female, ident["i_last"][r], uu[0], uu[1])
    n = len(r)
    nulls = pa.nulls(n, pa.string())
    email = pc.if_else(pa.array(uu[3] < _ID.record_email_missing), nulls, _take(ident["email"], r))
    phone = pc.if_else(pa.array(uu[4] < _ID.record_phone_missing), nulls, _take(ident["phone"], r))
    moved = (st["moved_month"][r] > month_u) & (uu[5] < _ID.record_old_address)
    au = np.where(moved[:, None], st["prev_addr_u"][r], st["addr_u"][r])
    dept = np.where(moved, st["prev_dept"][r], st["dept"][r])
    addr = draw_address(pools, au[:, 0], au[:, 1], au[:, 2], dept)
    miss_addr = pa.array(uu[6] < _ID.record_address_missing)
    birth = st["day_of"](pop["birth_month"][r], st["birth_day"][r]).astype("datetime64[ms]")
    birth = np.where(uu[2] < _ID.record_birth_missing, np.datetime64("NaT", "ms"), birth)
    k = (cust_id[r] * 16 + sy * 2 + d) * 48271 + 12345
    acct = _join(_take(pa.array(_SYSTEM_PREFIX), sy), _str_int(k % 10**11, 11))
    return pd.DataFrame({
        "record_id": _col(_join(_take(pa.array(SYSTEMS), sy), ":", acct)),
        "system": pd.Categorical.from_codes(sy.astype(np.int8), categories=list(SYSTEMS)),
        "account_number": _col(acct),
        "first_name": _col(fn),
        "last_name": _col(ln),
        "birth_date": pd.Series(birth, dtype="datetime64[ms]"),
        "email": _col(email),
        "phone": _col(phone),
        "address": _col(pc.if_else(miss_addr, nulls, addr["address"])),
        "postcode": _col(pc.if_else(miss_addr, nulls, addr["postcode"])),
        "city": _col(pc.if_else(miss_addr, nulls, addr["city"])),
        "true_customer_id": cust_id[r].astype(np.int32),
    })
