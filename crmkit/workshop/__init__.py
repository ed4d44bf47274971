"""Consultant workshops: run a workshop notebook on a client's data, hand over an HTML report.

A workshop is a parameterised notebook of ``notebooks/workshops/`` (papermill): the *value
audit* (ABC, value matrix and strategies, lifetime value) and the *segmentation workshop*
(RFM/FRAT, statistical clusters, migration between two dates). Each runs on the course
market (``data_dir=None``) or on a folder written by ``crmkit import``, in English or French
(``language``), with the data's currency (``currency``).

This package holds what the notebooks share, so that they stay short and every analysis is
a call to the library:

- :mod:`~crmkit.workshop.data`: :func:`load_data` reads the market or the client's folder
  (rare combinations of quasi-identifiers suppressed); :func:`analysis_window` takes the
  window from the dense part of the data (:func:`dense_range`), never from one outlier;
  :func:`purchases` chooses the purchase events of RFM/FRAT;
- :mod:`~crmkit.workshop.value`: :func:`value_base` builds the one-row-per-buyer table of
  the value audit from whatever tables the client has, saying in ``notes`` what it had to
  assume; :func:`concentration` and :func:`action_plan` keep the report's claims to what the
  data support;
- :mod:`~crmkit.workshop.report`: every text of the reports in English and French
  (:func:`text`), Babel's number, money and date formats, :func:`table`;
- :mod:`~crmkit.workshop.runner`: :func:`run` executes a workshop with papermill and
  :func:`export_html` turns it into a self-contained HTML report with the code and the
  consultant's notes hidden (figures embedded, nothing fetched from the network).

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
No interactions with a cost: the cost to serve is a default €30.00 per contract in force...
>>> print(base.notes[1].hint)  # for the consultant only
Set the `cost_per_contract` parameter to the client's yearly cost of handling a contract.
"""

from crmkit.workshop.data import (
    DEFAULT_MIN_GROUP,
    WORKSHOP_TABLES,
    Purchases,
    analysis_window,
    data_overview,
    dense_range,
    import_summary,
    load_data,
    purchases,
)
from crmkit.workshop.report import (
    Note,
    consultant_markdown,
    notes_markdown,
    show,
    table,
    text,
)
from crmkit.workshop.runner import NOTEBOOK_DIR, WORKSHOPS, WorkshopRun, export_html, run
from crmkit.workshop.value import ValueBase, action_plan, concentration, value_base

__all__ = [
    "WORKSHOPS",
    "NOTEBOOK_DIR",
    "WORKSHOP_TABLES",
    "DEFAULT_MIN_GROUP",
    "ValueBase",
    "Purchases",
    "WorkshopRun",
    "Note",
    "load_data",
    "dense_range",
    "analysis_window",
    "value_base",
    "concentration",
    "action_plan",
    "purchases",
    "data_overview",
    "import_summary",
    "text",
    "show",
    "notes_markdown",
    "consultant_markdown",
    "table",
    "run",
    "export_html",
]
