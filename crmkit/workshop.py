"""Consultant workshops: run a workshop notebook on a client's data, hand over an HTML report.

A workshop is a parameterised notebook of ``notebooks/workshops/`` (papermill): the *value
audit* (ABC, value matrix and strategies, lifetime value) and the *segmentation workshop*
(RFM/FRAT, statistical clusters, migration between two dates). Each runs on the course
market (``data_dir=None``) or on a folder written by ``crmkit import``.

This module holds what the notebooks share, so that they stay short and every analysis is
a call to the library:

- :func:`load_data` reads the market or the client's folder;
- :func:`value_base` builds the one-row-per-customer table of the value audit (commercial
  margin, cost to serve, direct profit, potential) from whatever tables the client has,
  saying in ``notes`` what it had to assume (no interactions: a cost per contract; no
  margins: revenue or contract premiums...);
- :func:`purchases` chooses the purchase events of RFM/FRAT (contract starts or purchase
  transactions);
- :func:`run` executes a workshop with papermill and :func:`export_html` turns it into a
  self-contained HTML report with the code hidden (figures embedded, no script or style
  fetched from the network), that a client can open offline.

Examples
--------
A client who sent only contracts (no transactions, no contact log):

>>> import pandas as pd
>>> from types import SimpleNamespace
>>> contracts = pd.DataFrame({"contract_id": [1, 2, 3], "customer_id": [7, 7, 8],
...     "product_id": ["auto", "home", "auto"],
...     "start_date": pd.to_datetime(["2020-01-01", "2024-07-01", "2021-01-01"]),
...     "monthly_premium": [40.0, 20.0, 35.0]})
>>> none = pd.DataFrame()
>>> market = SimpleNamespace(customers=none, products=none, contracts=contracts,
...                          transactions=none, interactions=none)
>>> base = value_base(market, as_of="2024-12-31", cost_per_contract=30.0)
>>> base.customers[["customer_id", "commercial_margin", "cost_to_serve"]].round(0)
   customer_id  commercial_margin  cost_to_serve
0            7              602.0           60.0
1            8              421.0           30.0
>>> print(base.notes[1])  # doctest: +ELLIPSIS
No interactions with a cost: the cost to serve is a default 30.00 € per contract in force...
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import active_on, in_window, period_during, period_on
from crmkit.segmentation._frame import as_timestamp

__all__ = [
    "WORKSHOPS",
    "NOTEBOOK_DIR",
    "WORKSHOP_TABLES",
    "ValueBase",
    "Purchases",
    "WorkshopRun",
    "load_data",
    "analysis_window",
    "value_base",
    "purchases",
    "data_overview",
    "import_summary",
    "notes_markdown",
    "table",
    "run",
    "export_html",
    "add_workshop_command",
]

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks" / "workshops"
WORKSHOPS = {"value-audit": "value_audit.ipynb", "segmentation": "segmentation.ipynb"}
# the tables a workshop reads (the others are not loaded: faster, and less personal data)
WORKSHOP_TABLES = ("customers", "products", "contracts", "transactions", "interactions")

_MONTH_DAYS = 365.25 / 12
DEFAULT_RETENTION = 0.8

# headers of the workshop's own tables, in English and French (crmkit.labels shows them)
HEADERS = {
    "recency_days": ("Days since last purchase", "Jours depuis le dernier achat"),
    "seniority_days": ("Days since first purchase", "Jours depuis le premier achat"),
    "monetary_share": ("Share of amount bought", "Part du montant acheté"),
    "n_types": ("Types of product bought", "Types de produits achetés"),
    "frat_score": ("FRAT score", "Score FRAT"),
    "main_type": ("Main type of purchase", "Type d'achat principal"),
    "customers_before": ("Customers before", "Clients avant"),
    "customers_after": ("Customers after", "Clients après"),
    "share_before": ("Share before", "Part avant"),
    "share_after": ("Share after", "Part après"),
    "stayed": ("Stayed in the segment", "Restés dans le segment"),
    "psi_term": ("PSI term", "Terme du PSI"),
    "customer_share": ("Share of customers", "Part des clients"),
    "value_share": ("Share of value", "Part de la valeur"),
    "min_value": ("Lowest value", "Valeur minimale"),
    "max_value": ("Highest value", "Valeur maximale"),
    "mean_profit": ("Mean direct profit", "Profit direct moyen"),
    "equity_share": ("Share of customer equity", "Part du capital client"),
    "mean_lifetime_value": ("Mean lifetime value", "Valeur vie moyenne"),
    "recommended_action": ("Recommended action", "Action recommandée"),
    "peer_group": ("Peer group", "Groupe de pairs"),
    "rows": ("Rows", "Lignes"),
    "table": ("Table", "Table"),
    "first_date": ("First date", "Première date"),
    "last_date": ("Last date", "Dernière date"),
    "status": ("Status", "Statut"),
    "source": ("Source file", "Fichier source"),
    "read": ("Rows read", "Lignes lues"),
    "kept": ("Rows kept", "Lignes gardées"),
    "rejected": ("Rows rejected", "Lignes rejetées"),
    "k": ("Clusters", "Nombre de classes"),
    "inertia": ("Inertia", "Inertie"),
    "silhouette": ("Silhouette", "Silhouette"),
    "size": ("Customers", "Clients"),
    "cluster": ("Cluster", "Classe"),
    "not_yet_a_buyer": ("Not yet a buyer", "Pas encore acheteur"),
}


def _register_labels() -> None:
    """Add the workshop's headers to :mod:`crmkit.labels` (idempotent; done on first use
    rather than at import so that ``crmkit --help`` stays fast)."""
    from crmkit import labels
    from crmkit.segmentation import RFM_SEGMENT_LABELS_FR

    labels.register("workshop_header", HEADERS)
    # RFM segment names the label file does not know yet get a readable English label
    known = labels.labels_of("rfm_segment") if "rfm_segment" in labels.kinds() else {}
    missing = {k: (k.replace("_", " ").capitalize().replace("Cant", "Can't"), fr.capitalize())
               for k, fr in RFM_SEGMENT_LABELS_FR.items() if k not in known}
    if missing:
        labels.register("rfm_segment", missing)


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def load_data(data_dir=None, tables=WORKSHOP_TABLES):
    """The course market (``data_dir=None``) or a folder written by ``crmkit import``.

    Returns a :class:`crmkit.synth.Market`; tables absent from the folder are empty.
    """
    _register_labels()
    if data_dir is None:
        from crmkit.datasets import load_market

        return load_market(tables=list(tables))
    from crmkit.io import load_market

    return load_market(data_dir, tables=list(tables))


def _has(df: pd.DataFrame, *cols: str) -> bool:
    return len(df) > 0 and all(c in df.columns and df[c].notna().any() for c in cols)


def analysis_window(market, *, as_of=None, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of the analysis: the ``months`` months up to ``as_of`` included.

    ``as_of`` defaults to the last date of the data (transactions, else contracts, else
    interactions). ``end`` is the day after ``as_of`` (windows are ``start <= date < end``).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(transactions=pd.DataFrame({"date": pd.to_datetime(
    ...     ["2023-03-01", "2024-06-30"])}), contracts=pd.DataFrame(), interactions=pd.DataFrame())
    >>> [str(d.date()) for d in analysis_window(m, months=6)]
    ['2024-01-01', '2024-07-01']
    """
    if not isinstance(months, int | np.integer) or months < 1:
        raise ValueError(f"months must be a positive integer, got {months!r}")
    if as_of is None:
        for name, col in (("transactions", "date"), ("contracts", "start_date"),
                          ("interactions", "date")):
            df = getattr(market, name)
            if _has(df, col):
                as_of = df[col].max()
                break
        else:
            raise schema.SchemaError("market: no dated transactions, contracts or interactions; "
                                     "nothing to analyse")
    end = as_timestamp(as_of).normalize() + pd.Timedelta(days=1)
    return end - pd.DateOffset(months=int(months)), end


@dataclass
class ValueBase:
    """The value audit's table: one row per customer active in the window.

    Attributes
    ----------
    customers : DataFrame
        ``customer_id``, ``commercial_margin``, ``cost_to_serve``, ``direct_profit``,
        ``peer_group``, ``potential`` (and ``credit_score`` / ``sector`` when known).
    start, end : Timestamp
        The window (``start <= date < end``).
    retention : float
        Yearly retention used for lifetime values (measured, or assumed: see ``notes``).
    notes : list of str
        What the data lacked and what was assumed instead, for the report.
    """

    customers: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    retention: float
    notes: list[str] = field(default_factory=list)


def _active_customers(market, start, end) -> pd.DataFrame:
    cu = market.customers
    if len(cu) == 0:
        return pd.DataFrame({"customer_id": pd.Series([], dtype=np.int64)})
    # active on at least one day of [start, end) (crmkit.market's rule); imported data may
    # lack the dates: a missing acquisition date counts as acquired before the window
    none = pd.Series(pd.NaT, index=cu.index, dtype="datetime64[ns]")
    acquired = cu["acquisition_date"] if _has(cu, "acquisition_date") else none
    churned = cu["churn_date"] if "churn_date" in cu.columns else none
    keep = period_during(acquired.fillna(start), churned, start, end)
    cols = [c for c in ("customer_id", "sector", "credit_score", "life_stage", "birth_date")
            if c in cu.columns]
    return cu.loc[keep, cols]


def _in_force_months(contracts: pd.DataFrame, start, end) -> pd.Series:
    """Months each contract was in force inside ``[start, end)``."""
    s = contracts["start_date"].clip(lower=start)
    e = contracts["end_date"].fillna(end).clip(upper=end) if "end_date" in contracts.columns \
        else pd.Series(end, index=contracts.index)
    return ((e - s).dt.days.clip(lower=0) / _MONTH_DAYS).rename("months")


def _margin_flows(market, start, end, months, margin_rate, notes) -> pd.DataFrame:
    """Money flows with a margin, as ``customer_id``, ``date``, ``margin``."""
    tx, co = market.transactions, market.contracts
    if _has(tx, "customer_id", "date", "margin"):
        return tx[["customer_id", "date", "margin"]]
    if _has(tx, "customer_id", "date", "amount"):
        rate = 1.0 if margin_rate is None else float(margin_rate)
        notes.append(
            "The transactions carry no margin: the margin is taken as "
            + ("the revenue (amount)" if margin_rate is None else f"{rate:.0%} of the revenue")
            + " — set the `margin_rate` parameter to the client's average margin rate."
        )
        return tx[["customer_id", "date"]].assign(margin=tx["amount"] * rate)
    if _has(co, "customer_id", "start_date", "monthly_premium"):
        notes.append(
            "No transactions: the margin of each contract is its monthly premium times the "
            f"months it was in force during the {months} months analysed."
        )
        m = _in_force_months(co, start, end)
        return pd.DataFrame({"customer_id": co["customer_id"], "date": start,
                             "margin": co["monthly_premium"] * m})
    raise schema.SchemaError(
        "market: the value audit needs transactions (with a margin or an amount) or contracts "
        "with a monthly_premium; the data have neither"
    )


def _costs(market, ids: pd.Series, start, end, months, cost_per_contract, notes) -> pd.DataFrame:
    from crmkit.value import allocate_costs, cost_to_serve

    it = market.interactions
    if _has(it, "customer_id", "date", "cost", "channel"):
        return cost_to_serve(it, start=start, end=end)[["customer_id", "cost_to_serve"]]
    if not (np.isfinite(cost_per_contract) and cost_per_contract >= 0):
        raise ValueError(f"cost_per_contract must be a number >= 0, got {cost_per_contract!r}")
    co = market.contracts
    if _has(co, "customer_id", "start_date"):
        in_force = co.loc[_in_force_months(co, start, end) > 0, "customer_id"]
        n = in_force.value_counts().reindex(ids, fill_value=0)
        what = "contract in force"
    else:
        n = pd.Series(1, index=ids)
        what = "customer"
    notes.append(
        f"No interactions with a cost: the cost to serve is a default {cost_per_contract:,.2f} € "
        f"per {what} and year (parameter `cost_per_contract`), not a measured cost."
    )
    drivers = pd.DataFrame({"customer_id": n.index.to_numpy(), "contracts": n.to_numpy()})
    pool = cost_per_contract * months / 12 * float(n.sum())
    if pool == 0 or n.sum() == 0:
        return drivers.assign(cost_to_serve=0.0)[["customer_id", "cost_to_serve"]]
    out = allocate_costs(drivers, {"contract_handling": (pool, "contracts")})
    return out.rename(columns={"indirect_cost": "cost_to_serve"})[["customer_id", "cost_to_serve"]]


def _peer_groups(active: pd.DataFrame, end, notes) -> pd.Series:
    if _has(active, "life_stage"):
        return active["life_stage"].fillna("unknown").astype(str)
    if _has(active, "birth_date"):
        age = ((end - active["birth_date"]).dt.days / 365.25) // 10 * 10
        notes.append("No life stage in the data: potential is measured against customers of "
                     "the same age band (10 years).")
        return age.map(lambda a: "unknown" if pd.isna(a) else f"{int(a)}-{int(a) + 9}")
    if _has(active, "sector"):
        notes.append("No life stage or age: potential is measured against customers of the "
                     "same sector.")
        return active["sector"].fillna("unknown").astype(str)
    notes.append("No life stage, age or sector: potential is measured against all customers.")
    return pd.Series("all", index=active.index)


def _retention(market, start, end, months, retention, notes) -> float:
    if retention is not None:
        if not 0 <= retention <= 1:
            raise ValueError(f"retention must be in [0, 1], got {retention!r}")
        return float(retention)
    cu, co = market.customers, market.contracts
    # customers present at the start of the window who are still there at its end
    if _has(cu, "acquisition_date") and "churn_date" in cu.columns:
        there = active_on(cu, start)
        stayed = there & ~in_window(cu["churn_date"], start, end)
        basis = "customers"
    elif _has(co, "customer_id", "start_date"):
        end_date = co["end_date"] if "end_date" in co.columns else pd.Series(pd.NaT, index=co.index)
        # holders on the window's first day, and those still holding on its last day
        at_start = co.loc[period_on(co["start_date"], end_date, start), "customer_id"].unique()
        last_day = end - pd.Timedelta(days=1)
        at_end = co.loc[period_on(co["start_date"], end_date, last_day), "customer_id"].unique()
        there = pd.Series(True, index=at_start)
        stayed = there & pd.Series(at_start).isin(at_end).to_numpy()
        basis = "contract holders"
    else:
        there = pd.Series([], dtype=bool)
        stayed = there
        basis = ""
    if there.sum() == 0:
        notes.append(f"Retention cannot be measured on these data: {DEFAULT_RETENTION:.0%} a "
                     "year is assumed (parameter `retention`).")
        return DEFAULT_RETENTION
    rate = float(stayed.sum() / there.sum())
    yearly = rate ** (12 / months)
    notes.append(f"Retention measured on the data: {yearly:.1%} a year ({int(stayed.sum()):,} of "
                 f"{int(there.sum()):,} {basis} present at the start of the window stayed).")
    return yearly


def value_base(
    market,
    *,
    as_of=None,
    months: int = 12,
    cost_per_contract: float = 30.0,
    margin_rate: float | None = None,
    retention: float | None = None,
    potential_quantile: float = 0.75,
) -> ValueBase:
    """One row per customer with the two halves of value, from whatever tables exist.

    Commercial margin over the window (:func:`crmkit.value.direct_profit`), cost to serve
    (:func:`crmkit.value.cost_to_serve` from interactions, or a default cost per contract
    allocated with :func:`crmkit.value.allocate_costs`), direct profit, and potential
    (:func:`crmkit.value.potential`: the gap to the ``potential_quantile`` of direct profit
    among peers of the same life stage, age band or sector). Annualised: margins and costs
    are scaled to 12 months.

    Parameters
    ----------
    market : Market
        From :func:`load_data`.
    as_of, months : see :func:`analysis_window`.
    cost_per_contract : float, default 30
        Yearly handling cost per contract (euros) used when there are no interactions.
    margin_rate : float, optional
        Margin rate applied to revenue when transactions carry no margin.
    retention : float, optional
        Yearly retention; measured on the data when None.
    potential_quantile : float, default 0.75

    Returns
    -------
    ValueBase
    """
    from crmkit.value import direct_profit, potential

    start, end = analysis_window(market, as_of=as_of, months=months)
    notes: list[str] = []
    flows = _margin_flows(market, start, end, months, margin_rate, notes)
    active = _active_customers(market, start, end)
    window_ids = flows.loc[(flows["date"] >= start) & (flows["date"] < end), "customer_id"]
    ids = pd.Index(pd.unique(pd.concat([active["customer_id"], window_ids]))).sort_values()
    if len(ids) == 0:
        raise schema.SchemaError(f"market: no customer active between {start.date()} and "
                                 f"{end.date()}; choose another as_of")
    costs = _costs(market, pd.Series(ids), start, end, months, cost_per_contract, notes)
    profit = direct_profit(flows, costs, start=start, end=end)
    profit = profit.set_index("customer_id").reindex(ids, fill_value=0.0)
    scale = 12 / months  # yearly figures whatever the window
    out = (profit[["commercial_margin", "cost_to_serve", "direct_profit"]] * scale)
    out = out.rename_axis("customer_id").reset_index()
    extra = active.drop_duplicates("customer_id").set_index("customer_id").reindex(ids)
    for col in ("sector", "credit_score"):
        if col in extra.columns and extra[col].notna().all():
            out[col] = extra[col].to_numpy()
    out["peer_group"] = _peer_groups(extra.reset_index(), end, notes).to_numpy()
    pot = potential(out, "direct_profit", group_cols=["peer_group"], quantile=potential_quantile)
    out["potential"] = pot["potential"].to_numpy()
    rate = _retention(market, start, end, months, retention, notes)
    return ValueBase(out, start, end, rate, notes)


@dataclass
class Purchases:
    """Purchase events for RFM/FRAT: the frame and the column names to read it with."""

    frame: pd.DataFrame
    table: str
    date_col: str
    amount_col: str
    type_col: str
    note: str


def purchases(market) -> Purchases:
    """Contract starts (bank, insurance) or purchase transactions (retail), whichever the
    data have: the events RFM and FRAT count.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> tx = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"]),
    ...                    "amount": [9.5]})
    >>> p = purchases(SimpleNamespace(contracts=pd.DataFrame(), transactions=tx))
    >>> p.table, p.date_col, p.type_col
    ('transactions', 'date', 'purchase_type')
    """
    co, tx = market.contracts, market.transactions
    if _has(co, "customer_id", "start_date", "monthly_premium", "product_id"):
        return Purchases(co, "contracts", "start_date", "monthly_premium", "product_id",
                         "Purchases are contract starts; amount = monthly premium; type = product.")
    if _has(tx, "customer_id", "date", "amount"):
        frame = tx
        if _has(tx, "kind"):
            frame = tx.assign(purchase_type=tx["kind"])
            note = "Purchases are the transactions; type = kind of flow."
        else:
            frame = tx.assign(purchase_type="purchase")
            note = "Purchases are the transactions; they carry no type, so FRAT's T is constant."
        frame = frame.loc[frame["amount"] >= 0]
        return Purchases(frame, "transactions", "date", "amount", "purchase_type", note)
    raise schema.SchemaError("market: RFM needs contracts (start_date, monthly_premium, "
                             "product_id) or transactions (date, amount); the data have neither")


def data_overview(market) -> pd.DataFrame:
    """Rows and period covered of each table the workshop reads.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(customers=pd.DataFrame({"customer_id": [1, 2]}),
    ...                     contracts=pd.DataFrame(), products=pd.DataFrame(),
    ...                     transactions=pd.DataFrame(), interactions=pd.DataFrame())
    >>> data_overview(m)[["table", "rows"]].to_dict("records")[:2]
    [{'table': 'customers', 'rows': 2}, {'table': 'products', 'rows': 0}]
    """
    dates = {"customers": "acquisition_date", "contracts": "start_date",
             "transactions": "date", "interactions": "date"}
    rows = []
    for name in WORKSHOP_TABLES:
        df = getattr(market, name)
        col = dates.get(name)
        dated = col is not None and _has(df, col)
        rows.append({"table": name, "rows": len(df),
                     "first_date": df[col].min().date() if dated else None,
                     "last_date": df[col].max().date() if dated else None,
                     "status": "present" if len(df) else "absent"})
    return pd.DataFrame(rows)


def import_summary(data_dir) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Counts of an import (read, kept, rejected per table) and rejected rows by reason,
    from ``import_report.json`` (None for the course market or a folder without one)."""
    if data_dir is None:
        return None
    f = Path(data_dir) / "import_report.json"
    if not f.exists():
        return None
    report = json.loads(f.read_text(encoding="utf-8"))
    counts = pd.DataFrame([{"table": t, "source": r["source"], "read": r["read"],
                            "kept": r["kept"], "rejected": r["rejected"]}
                           for t, r in report["tables"].items()])
    reasons = pd.DataFrame([{"table": t, "reason": reason, "rows": n}
                            for t, r in report["tables"].items()
                            for reason, n in r["reasons"].items()],
                           columns=["table", "reason", "rows"])
    return counts, reasons.sort_values(["table", "rows"], ascending=[True, False],
                                       ignore_index=True)


_PERCENT = ("share", "stayed")


def table(df, *, percent=(), decimals: int | None = None, index: bool = False):
    """A table for the report, through the kit's one table helper
    (:func:`crmkit.display.show_table`): labelled headers and categories (current
    language), thousands separators, amounts in euros, shares as percentages, long text
    wrapped, no row numbers (``index=True`` shows the index as first columns).

    Columns named ``share``, ``*_share``, ``share_*`` or ``stayed``, and those in
    ``percent``, are shown as percentages. Returns a pandas ``Styler`` (display only).

    Examples
    --------
    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"strategy": ["loyalty"], "share": [0.25], "value": [1234.5]}))
    >>> html = t.to_html()
    >>> "25.0\u00a0%" in html and "1,234\u00a0€" in html and "Loyalty building" in html
    True
    """
    from crmkit.display import show_table

    _register_labels()
    pct = [c for c in df.columns
           if c in percent or (isinstance(c, str) and (c in _PERCENT or c.endswith("_share")
                                                      or c.startswith("share_")))]
    return show_table(df, pct, decimals, index=True if index else False, max_rows=None)


def notes_markdown(notes) -> str:
    """The notes as a Markdown list (an explicit line when there is none)."""
    if not notes:
        return "*The data had everything the analysis needs: nothing was assumed.*"
    return "\n".join(f"- {n}" for n in notes)


# ---------------------------------------------------------------------------------------
# running a workshop and exporting the report
# ---------------------------------------------------------------------------------------
@dataclass
class WorkshopRun:
    """Result of :func:`run`: the report, the executed notebook and the run time."""

    html: Path
    notebook: Path
    seconds: float


_REPORT_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{#- no script fetched from the network: the report must open offline -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style type="text/css">
  body.jp-Notebook { max-width: 1050px; margin: 0 auto; padding: 1.5em 2em; }
  .jp-OutputArea-output table { font-size: 0.9em; }
  @media print { body.jp-Notebook { max-width: none; padding: 0; } }
</style>
{%- endblock extra_css -%}
"""


def export_html(notebook, out) -> Path:
    """Write an executed notebook as a self-contained HTML report, code hidden.

    Inputs, prompts, cells tagged ``remove-cell`` and error/stderr streams are left out;
    figures are embedded as data URIs; no script or stylesheet is loaded from the network.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(
        str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # a client report shows results, not Python's warnings
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.name == "stderr")]
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"crmkit_report.html.j2": _REPORT_TEMPLATE})],
        template_file="crmkit_report.html.j2",
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    remove = TagRemovePreprocessor(remove_cell_tags=("remove-cell",),
                                   remove_input_tags=("parameters", "injected-parameters"))
    exporter.register_preprocessor(remove, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


def _notebook(workshop: str) -> Path:
    if workshop not in WORKSHOPS:
        raise ValueError(f"unknown workshop {workshop!r}; choose one of {sorted(WORKSHOPS)}")
    path = NOTEBOOK_DIR / WORKSHOPS[workshop]
    if not path.exists():
        # the notebooks live in the repository, not in an installed wheel
        raise FileNotFoundError(
            f"{path}: the workshop notebooks come with the crmkit repository "
            "(notebooks/workshops/); run crmkit from a clone installed with `pip install -e .`")
    return path


def run(workshop: str, out, *, data_dir=None, parameters: dict | None = None,
        kernel_name: str | None = None, progress: bool = False) -> WorkshopRun:
    """Execute a workshop notebook with papermill on ``data_dir`` and export its report.

    Parameters
    ----------
    workshop : {"value-audit", "segmentation"}
    out : path
        The HTML report; the executed notebook is written beside it (``.ipynb``) for the
        consultant (it shows the code).
    data_dir : path, optional
        A folder written by ``crmkit import``; None runs on the course market.
    parameters : dict, optional
        Other notebook parameters (``client``, ``as_of``, ``months``, ``language``...).
    kernel_name : str, optional
        Jupyter kernel (default: the notebook's).
    """
    import papermill

    src = _notebook(workshop)
    params = dict(parameters or {})
    if data_dir is not None:
        data_dir = Path(data_dir).resolve()
        if not (data_dir / "customers.parquet").exists() and not any(data_dir.glob("*.parquet")):
            raise FileNotFoundError(f"{data_dir}: no imported tables (run `crmkit import` first)")
        params["data_dir"] = str(data_dir)
    out = Path(out).resolve()
    executed = out.with_suffix(".ipynb")
    executed.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    papermill.execute_notebook(str(src), str(executed), parameters=params,
                               kernel_name=kernel_name, progress_bar=progress,
                               cwd=str(src.parent))
    seconds = time.perf_counter() - t0
    export_html(executed, out)
    return WorkshopRun(out, executed, seconds)


def add_workshop_command(subparsers) -> None:
    """Register ``crmkit workshop NAME --data DIR --out report.html``."""
    p = subparsers.add_parser(
        "workshop", help="run a workshop notebook on imported data and export an HTML report",
        description="Run a consultant workshop (value-audit or segmentation) on a folder "
                    "written by `crmkit import` (or on the course market without --data) and "
                    "export a self-contained HTML report with the code hidden.")
    p.add_argument("name", choices=sorted(WORKSHOPS), help="the workshop")
    p.add_argument("--data", help="folder written by `crmkit import` (default: course market)")
    p.add_argument("--out", required=True, help="HTML report to write")
    p.add_argument("--client", help="client name shown on the report")
    p.add_argument("--as-of", help="end of the analysis window (default: last date of the data)")
    p.add_argument("--months", type=int, help="length of the analysis window in months")
    p.add_argument("--language", choices=("en", "fr"), help="language of figures and tables")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="any other notebook parameter (value read as JSON, else text)")
    p.set_defaults(func=_run_workshop)


def _parse_param(text: str, parser) -> tuple[str, object]:
    if "=" not in text or not re.fullmatch(r"[A-Za-z_]\w*", text.split("=", 1)[0]):
        parser.error(f"--param expects NAME=VALUE, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


def _run_workshop(args, parser) -> int:
    import sys

    params = dict(_parse_param(t, parser) for t in args.param)
    for name, value in (("client", args.client), ("as_of", args.as_of),
                        ("months", args.months), ("language", args.language)):
        if value is not None:
            params[name] = value
    from papermill.exceptions import PapermillExecutionError

    try:
        result = run(args.name, args.out, data_dir=args.data, parameters=params, progress=True)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    except PapermillExecutionError as err:
        print(f"crmkit workshop: the notebook failed in cell {err.exec_count}: {err.ename}: "
              f"{err.evalue}", file=sys.stderr)
        return 1
    print(f"report written to {result.html} ({result.seconds:.1f} s); executed notebook: "
          f"{result.notebook}", file=sys.stderr)
    return 0
