"""A mapping that writes itself: ``crmkit import --suggest FILE``.

:func:`suggest_mapping` reads a client's file, matches its headers against French and
English names of the crmkit columns (``N° client``, ``Montant TTC``, ``Date d'achat``,
``Canal``…), checks each match against sample values (a "date" whose cells are not dates is
dropped), falls back on the values alone for files without a header (dates, amounts, a
repeated integer key), and writes a commented YAML mapping for the consultant to review:
every mapped line shows sample values, every unmapped column is listed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmkit.importer.parse import _fold, parse_dates, parse_numbers
from crmkit.importer.read import read_source

__all__ = ["SYNONYMS", "suggest_mapping"]

# crmkit column -> names a French or English export gives it (matched without case,
# accents, spaces or punctuation)
SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("customers", "customer_id"): (
        "n° client", "no client", "num client", "numero client", "numéro client",
        "numéro de client", "id client", "identifiant client", "code client", "ref client",
        "référence client", "client", "customer id", "customer", "customer number",
        "cust id", "client id", "customer no"),
    ("customers", "first_name"): ("prénom", "prenom", "first name", "firstname", "given name"),
    ("customers", "last_name"): ("nom", "nom de famille", "last name", "lastname", "surname",
                                 "family name"),
    ("customers", "email"): ("e-mail", "email", "courriel", "mail", "adresse mail",
                             "adresse e-mail", "email address"),
    ("customers", "phone"): ("téléphone", "telephone", "tel", "tél", "portable", "mobile",
                             "phone", "phone number", "numéro de téléphone"),
    ("customers", "address"): ("adresse", "address", "rue", "street", "adresse postale"),
    ("customers", "postcode"): ("code postal", "cp", "zip", "zip code", "postcode",
                                "postal code"),
    ("customers", "city"): ("ville", "commune", "city", "town", "localité"),
    ("customers", "birth_date"): ("date de naissance", "né le", "née le", "né(e) le",
                                  "naissance", "birth date", "date of birth", "dob",
                                  "birthdate"),
    ("customers", "acquisition_date"): (
        "client depuis", "date de création", "date création", "date d'inscription",
        "date d'adhésion", "date d'entrée", "date ouverture", "date d'ouverture",
        "customer since", "signup date", "sign up date", "creation date", "created"),
    ("customers", "acquisition_channel"): ("canal d'acquisition", "acquisition channel",
                                           "canal de recrutement"),
    ("customers", "churn_date"): ("date de résiliation", "date de départ", "date de sortie",
                                  "churn date", "résilié le"),
    ("customers", "churn_reason"): ("motif de départ", "motif de résiliation", "churn reason"),
    ("customers", "income"): ("revenu", "revenus", "revenu annuel", "income", "annual income"),
    ("customers", "contact_consent"): ("consentement", "opt-in", "optin", "consent",
                                       "accord contact"),
    ("customers", "credit_score"): ("score", "score de crédit", "credit score"),
    ("transactions", "date"): (
        "date d'achat", "date achat", "date de commande", "date commande",
        "date de la transaction", "date transaction", "date de vente", "date de facture",
        "purchase date", "order date", "transaction date", "invoice date", "date"),
    ("transactions", "amount"): (
        "montant ttc", "montant", "montant ht", "total ttc", "total", "prix", "prix ttc",
        "ca", "chiffre d'affaires", "amount", "value", "price", "sales", "revenue",
        "dollar value", "order value"),
    ("transactions", "margin"): ("marge", "margin", "marge brute"),
    ("contracts", "contract_id"): ("contrat", "n° contrat", "numéro de contrat", "contract",
                                   "contract id", "police", "n° police", "policy"),
    ("contracts", "product_id"): ("produit", "code produit", "product", "product id"),
    ("contracts", "start_date"): ("début", "date de début", "date d'effet", "start date",
                                  "start"),
    ("contracts", "end_date"): ("fin", "date de fin", "end date", "end"),
    ("contracts", "monthly_premium"): ("prime", "prime mensuelle", "cotisation",
                                       "cotisation mensuelle", "monthly premium", "premium"),
    ("interactions", "channel"): ("canal", "canal de vente", "canal de contact", "channel"),
    ("interactions", "direction"): ("sens", "direction"),
    ("interactions", "reason"): ("motif", "motif de contact", "reason"),
    ("interactions", "cost"): ("coût", "cout", "coût du contact", "cost"),
}
_KIND = {"date": "date", "start_date": "date", "end_date": "date", "birth_date": "date",
         "acquisition_date": "date", "churn_date": "date", "amount": "number",
         "margin": "number", "monthly_premium": "number", "income": "number", "cost": "number",
         "credit_score": "number"}


def _folded(text: str) -> str:
    return _fold(pd.Series([str(text)], dtype="str")).iloc[0].replace("°", "").replace("'", "_")


_INDEX = {(t, c): [_folded(s) for s in names] for (t, c), names in SYNONYMS.items()}


def _score(header: str, synonym: str) -> int:
    if header == synonym:
        return 3
    if "_" in synonym and (header.startswith(synonym + "_") or header.endswith("_" + synonym)):
        return 2
    return 0


def _profile(values: pd.Series) -> dict:
    """What the sample values look like: dates (and which format), numbers, whole numbers."""
    cells = values.dropna().astype(str).str.strip()
    cells = cells[cells != ""]
    out = {"n": len(cells), "date": False, "number": False, "integer": False,
           "date_format": None, "distinct": cells.nunique(), "sample": list(pd.unique(cells))[:3]}
    if not len(cells):
        return out
    dates, why = parse_dates(cells, "auto")
    out["date"] = bool(dates.notna().mean() >= 0.8)
    if out["date"]:
        if cells.str.fullmatch("[0-9]{8}").all():
            out["date_format"] = "YYYYMMDD"
    else:
        us, _ = parse_dates(cells, "%m/%d/%Y")
        if us.notna().mean() >= 0.8:
            out.update(date=True, date_format="%m/%d/%Y")
    nums, bad = parse_numbers(cells)
    out["number"] = bool((~bad).mean() >= 0.8) and not out["date"]
    out["integer"] = out["number"] and bool((nums.dropna() % 1 == 0).all())
    return out


def _headerless(path, encoding, separator) -> bool:
    src = read_source(path, encoding=encoding, separator=separator, header=False)
    if src.frame.empty:
        return False
    first = src.frame.iloc[0]
    looks_data = [(_profile(pd.Series([v]))["number"] or _profile(pd.Series([v]))["date"])
                  for v in first]
    return sum(looks_data) > len(looks_data) / 2


def suggest_mapping(path: str | Path, *, encoding: str = "auto", separator: str = "auto",
                    sample: int = 1000) -> str:
    """Propose a mapping (YAML text) for one client file, from its headers and values.

    Parameters
    ----------
    path : path
        The client's file (CSV/TXT, Excel, Parquet).
    encoding, separator : str
        As in :func:`crmkit.importer.read_source` (``auto`` sniffs them).
    sample : int
        Rows read to judge the values.

    Returns
    -------
    str
        A commented YAML mapping: review it, then ``crmkit import mapping.yaml --out DIR``.

    Examples
    --------
    >>> import tempfile, pathlib, yaml
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "achats.csv"
    >>> _ = p.write_text("N° client;Date d'achat;Montant TTC;Canal\\n"
    ...                  "CL-1;12/02/2023;129,90 €;Web\\nCL-1;13/02/2023;9,90 €;Magasin\\n",
    ...                  encoding="utf-8")
    >>> m = yaml.safe_load(suggest_mapping(p))
    >>> m["tables"]["transactions"]["columns"]
    {'customer_id': 'N° client', 'date': "Date d'achat", 'amount': 'Montant TTC'}
    >>> m["tables"]["customers"]["columns"], m["tables"]["customers"]["repeats"]
    ({'customer_id': 'N° client'}, 'last')
    """
    path = Path(path)
    header = True
    if path.suffix.lower() not in (".parquet", ".xlsx", ".xlsm"):
        header = not _headerless(path, encoding, separator)
    src = read_source(path, encoding=encoding, separator=separator, header=header)
    frame = src.frame.head(sample)
    columns = list(frame.columns)
    profiles = {c: _profile(frame[c]) for c in columns}
    # 1. headers against the synonyms, checked against the values
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for col in columns:
        h = _folded(col)
        for target, names in _INDEX.items():
            score = max((_score(h, s) for s in names), default=0)
            kind = _KIND.get(target[1])
            if score and kind and not profiles[col][kind]:
                continue  # a "date" whose cells are not dates
            if score and score > best.get(target, (0, ""))[0]:
                best[target] = (score, col)
    used: dict[str, tuple[str, str]] = {}
    for target, (_, col) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        if col not in used:
            used[col] = target
    chosen = {target: col for col, target in used.items()}
    # 2. values alone, for what the headers did not say (a file without a header)
    free = [c for c in columns if c not in used]
    if ("transactions", "date") not in chosen:
        dates = [c for c in free if profiles[c]["date"]]
        if dates:
            chosen[("transactions", "date")] = dates[0]
            free.remove(dates[0])
    if ("transactions", "amount") not in chosen:
        money = [c for c in free if profiles[c]["number"] and not profiles[c]["integer"]]
        if money:
            chosen[("transactions", "amount")] = money[-1]
            free.remove(money[-1])
    if ("customers", "customer_id") not in chosen:
        keys = [c for c in free if profiles[c]["integer"]
                and 1 < profiles[c]["distinct"] < profiles[c]["n"]]
        if keys:
            chosen[("customers", "customer_id")] = keys[0]
            free.remove(keys[0])
    return _write(src, header, frame, profiles, chosen)


def _write(src, header, frame, profiles, chosen) -> str:
    have = {c for (_, c) in chosen}
    key = chosen.get(("customers", "customer_id"))
    events = key is not None and frame[key].duplicated().any()
    tables: dict[str, dict[str, str]] = {}
    if key is not None:
        tables["customers"] = {"customer_id": key}
    for (table, col), client in chosen.items():
        if table == "customers" and col != "customer_id":
            tables.setdefault("customers", {})[col] = client
    if {"date", "amount"} <= have and key is not None:
        tables["transactions"] = {"customer_id": key, "date": chosen[("transactions", "date")],
                                  "amount": chosen[("transactions", "amount")]}
        if ("transactions", "margin") in chosen:
            tables["transactions"]["margin"] = chosen[("transactions", "margin")]
    if ("contracts", "contract_id") in chosen and key is not None:
        co = {"contract_id": chosen[("contracts", "contract_id")], "customer_id": key}
        for col in ("product_id", "start_date", "end_date", "monthly_premium"):
            if ("contracts", col) in chosen:
                co[col] = chosen[("contracts", col)]
        if ("interactions", "channel") in chosen:
            co["channel"] = chosen[("interactions", "channel")]
        tables["contracts"] = co
    elif ("interactions", "channel") in chosen and "transactions" not in tables and \
            key is not None and ("transactions", "date") in chosen:
        it = {"customer_id": key, "date": chosen[("transactions", "date")],
              "channel": chosen[("interactions", "channel")]}
        for col in ("direction", "reason", "cost"):
            if ("interactions", col) in chosen:
                it[col] = chosen[("interactions", col)]
        tables["interactions"] = it
    mapped = {c for cols in tables.values() for c in cols.values()}
    formats = {profiles[c]["date_format"] for c in mapped if profiles[c]["date"]} - {None}

    def q(text) -> str:
        text = str(text)
        return "'" + text.replace("'", "''") + "'"

    lines = [f"# Mapping proposed by `crmkit import --suggest {src.path.name}`: review every",
             "# line (right: the file's column; comments: sample values), delete what is",
             "# wrong, then run `crmkit import THIS_FILE --out DIR`.",
             "encoding: auto" + (f"       # read as {src.encoding}" if src.encoding else ""),
             f"separator: {_separator_text(src.separator)}"]
    if len(formats) == 1:
        lines.append(f"date_format: {q(formats.pop())}")
    else:
        lines.append("date_format: auto   # ISO, dd/mm/yyyy or yyyymmdd")
    if not header:
        lines.append("header: false       # the first line is already data")
    lines.append("# as_of: 2024-12-31  # the day of the export: no date may lie after it "
                 "(default: today)")
    lines.append("tables:")
    for table, cols in tables.items():
        lines.append(f"  {table}:")
        lines.append(f"    file: {q(src.path.name)}")
        if not header:
            lines.append(f"    names: [{', '.join(frame.columns)}]")
        if table == "customers" and events:
            lines.append("    repeats: last      # one row per event: a customer's rows are "
                         "merged; where they disagree, the last value is kept "
                         "(first | last | most_frequent)")
        lines.append("    columns:")
        for col, client in cols.items():
            sample = ", ".join(q(v) for v in profiles[client]["sample"])
            lines.append(f"      {col}: {q(client)}  # e.g. {sample}")
    left = [c for c in frame.columns if c not in mapped]
    if left:
        lines.append("# columns not mapped (no crmkit column recognised; map them by hand if "
                     "one fits):")
        for c in left:
            lines.append(f"#   {c}: e.g. " + ", ".join(q(v) for v in profiles[c]["sample"]))
    if not tables:
        lines.append("  {}  # nothing recognised: start from `crmkit import --template`")
    return "\n".join(lines) + "\n"


def _separator_text(sep) -> str:
    if sep is None:
        return "auto"
    if sep == "\t":
        return "'\\t'"
    return "'" + sep + "'" if sep != "whitespace" else "whitespace"
