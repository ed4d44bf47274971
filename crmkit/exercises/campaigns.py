"""Exercises of Chapter 5, campaigns and direct marketing (ids ``ch5.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the tables the notebook passes to :func:`crmkit.exercises.check` (the market's
``campaigns``, ``campaign_targets`` and ``products``), so no expected value is written
anywhere a student reads.

- ``ch5.breakeven_mailing``: the sales a 20,000-letter savings mailing must make;
- ``ch5.best_untargeted_interval``: the best-looking untargeted campaign, with its interval;
- ``ch5.untargeted_phone_roi``: the incremental ROI of the untargeted phone campaigns;
- ``ch5.targets_for_one_point``: the targets needed to detect one point of uplift;
- ``ch5.email_credit_ratio``: the sales last touch credits to e-mail per sale the e-mail
  campaigns caused (multi-step: attribution, then the control groups).

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> campaigns = pd.DataFrame({"campaign_id": [1], "channel": ["mail"],
...                           "cost_per_contact": [1.2], "trigger": ["none"]})
>>> products = pd.DataFrame({"product_id": ["B_SAVINGS"], "monthly_price": [6.0]})
>>> check("ch5.breakeven_mailing", 100, campaigns=campaigns, products=products).correct
False
"""

from __future__ import annotations

import pandas as pd

from crmkit import campaigns as cp
from crmkit.exercises._core import register
from crmkit.market import in_window
from crmkit.schema import check_columns, check_not_empty

__all__ = ["ATTRIBUTION", "MAILING", "MARGIN_MONTHS", "untargeted_phone_campaigns"]

# the mailing of exercise ch5-ex-breakeven: letters sent, creation and data selection (euros),
# product offered
MAILING = {"n_contacts": 20_000, "fixed_cost": 3_000.0, "product_id": "B_SAVINGS",
           "channel": "mail"}
# a sale is valued at this many months of the product's monthly price (chapter assumption)
MARGIN_MONTHS = 24
# the attribution exercise (ch5-ex-attribution): its period and last-touch window
ATTRIBUTION = {"start": "2020-01-01", "end": "2025-01-01", "window_days": 14, "channel": "email"}
SALES_FAMILIES = ("life_event", "segment", "none")  # the sales campaigns with a control group


def _family(campaigns: pd.DataFrame) -> pd.Series:
    return cp.trigger_family(campaigns)


def _margin_per_conversion(campaigns: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    check_not_empty(products, "products")
    check_columns(products, "products", {"product_id": "string", "monthly_price": "number"})
    price = products.set_index("product_id")["monthly_price"]
    return campaigns.set_index("campaign_id")["product_id"].map(price) * MARGIN_MONTHS


@register(
    "ch5.breakeven_mailing",
    hint="Total cost = creation + letters x the cost of one mailed contact (the channel's "
         "cost_per_contact in the campaigns table). Divide it by the margin of one account "
         "(its monthly price times the months a sale is worth), and round up: campaigns."
         "breakeven does all of it.",
    tolerance=0.4,  # a whole number: the unrounded quotient is not the answer
    explanation="Below that number of accounts the mailing loses money, before even asking "
                "how many of those accounts would have been opened anyway.",
)
def _breakeven_mailing(campaigns: pd.DataFrame, products: pd.DataFrame) -> int:
    check_columns(campaigns, "campaigns", {"channel": "string", "cost_per_contact": "number"})
    mail = campaigns.loc[campaigns["channel"].astype(str) == MAILING["channel"],
                         "cost_per_contact"]
    check_not_empty(mail.to_frame(), "campaigns")
    check_columns(products, "products", {"product_id": "string", "monthly_price": "number"})
    price = products.set_index("product_id")["monthly_price"]
    margin = float(price[MAILING["product_id"]]) * MARGIN_MONTHS
    return cp.breakeven(MAILING["n_contacts"], float(mail.median()), margin,
                        fixed_cost=MAILING["fixed_cost"]).units_rounded


@register(
    "ch5.best_untargeted_interval",
    hint="Keep the targets of the untargeted campaigns (trigger 'none'), run campaigns.uplift "
         "on them, take the row with the largest uplift and give its uplift, ci_low and "
         "ci_high as a list of three fractions.",
    tolerance=0.0005,
    explanation="Picking the best of many small campaigns picks luck as well as effect: its "
                "interval is wide, and the next run of the same campaign will most likely "
                "do worse.",
)
def _best_untargeted_interval(targets: pd.DataFrame, campaigns: pd.DataFrame) -> list[float]:
    ids = campaigns.loc[(_family(campaigns) == "none").to_numpy(), "campaign_id"]
    u = cp.uplift(targets.loc[targets["campaign_id"].isin(ids)])
    best = u["uplift"].idxmax()
    return [float(u.loc[best, c]) for c in ("uplift", "ci_low", "ci_high")]


def untargeted_phone_campaigns(campaigns: pd.DataFrame) -> pd.DataFrame:
    """The untargeted campaigns run by phone (the campaigns of exercise ch5-ex-roi).

    Parameters
    ----------
    campaigns : DataFrame
        The market's ``campaigns`` table (``trigger`` and ``channel`` columns).

    Returns
    -------
    DataFrame
        The rows of ``campaigns`` with no trigger (``trigger == "none"``) sent by phone.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"campaign_id": [1, 2, 3], "trigger": ["none", "none", "life_event:birth"],
    ...                   "channel": ["phone", "email", "phone"]})
    >>> untargeted_phone_campaigns(c)["campaign_id"].tolist()
    [1]
    """
    check_columns(campaigns, "campaigns", {"channel": "string"})
    keep = (_family(campaigns) == "none").to_numpy() & (
        campaigns["channel"].astype(str) == "phone").to_numpy()
    return campaigns.loc[keep]


@register(
    "ch5.untargeted_phone_roi",
    hint="Select the untargeted phone campaigns and their targets, value a sale at "
         "MARGIN_MONTHS months of the offered product's monthly price, run "
         "campaigns.campaign_roi, then add up cost and incremental margin over the campaigns "
         "(campaigns.pooled_roi) and compute (incremental margin - cost) / cost.",
    tolerance=0.005,
    explanation="Credited with every sale to the contacted, the calls look profitable; "
                "credited with the sales the control group shows they caused, they do not "
                "pay for themselves.",
)
def _untargeted_phone_roi(targets: pd.DataFrame, campaigns: pd.DataFrame,
                         products: pd.DataFrame) -> float:
    phone = untargeted_phone_campaigns(campaigns)
    check_not_empty(phone, "campaigns")
    mine = targets.loc[targets["campaign_id"].isin(phone["campaign_id"])]
    roi = cp.campaign_roi(mine, phone, _margin_per_conversion(phone, products))
    return float(cp.pooled_roi(roi.assign(all="all"), "all")["roi"].iloc[0])


@register(
    "ch5.targets_for_one_point",
    hint="The base rate is the control group's conversion rate of the untargeted campaigns "
         "pooled (campaigns.pooled_uplift by trigger family). Then campaigns.sample_size "
         "with an uplift of 0.01 and control_share=0.2; answer with the total, test plus "
         "control.",
    rtol=0.01,
    explanation="Compare with the size of the market's untargeted campaigns: a point of "
                "uplift is worth having, but one campaign is far too small to see it.",
)
def _targets_for_one_point(targets: pd.DataFrame, campaigns: pd.DataFrame) -> int:
    typed = campaigns.assign(trigger_family=_family(campaigns))
    pooled = cp.pooled_uplift(targets, "trigger_family", typed)
    base = float(pooled.loc["none", "rate_control"])
    return cp.sample_size(base, 0.01, control_share=0.2).total


@register(
    "ch5.email_credit_ratio",
    hint="Run campaigns.last_touch_attribution on contracts, interactions and customers with "
         "the exercise's window (window_days) and period (start, end), and count the sales "
         "whose touch_channel is 'email'. Then keep the e-mail campaigns of the same period "
         "whose trigger family is life_event, segment or none, pool their targets with "
         "campaigns.pooled_uplift and read 'incremental' (sales caused). Answer with the "
         "first count divided by the second.",
    rtol=0.01,
    explanation="Last touch credits e-mail with every sale that follows an e-mail, caused or "
                "not, and the longer the window the more it credits; the control groups "
                "measure what the e-mails caused.",
)
def _email_credit_ratio(contracts: pd.DataFrame, interactions: pd.DataFrame,
                        customers: pd.DataFrame, targets: pd.DataFrame,
                        campaigns: pd.DataFrame) -> float:
    a = ATTRIBUTION
    credited = cp.last_touch_attribution(contracts, interactions, customers,
                                         window_days=a["window_days"], start=a["start"],
                                         end=a["end"])
    n_credited = int((credited["touch_channel"] == a["channel"]).sum())
    check_columns(campaigns, "campaigns", {"channel": "string", "start_date": "datetime"})
    keep = (_family(campaigns).isin(SALES_FAMILIES).to_numpy()
            & (campaigns["channel"].astype(str) == a["channel"]).to_numpy()
            & in_window(campaigns["start_date"], a["start"], a["end"]).to_numpy())
    chosen = campaigns.loc[keep]
    check_not_empty(chosen, "campaigns")
    mine = targets.loc[targets["campaign_id"].isin(chosen["campaign_id"])]
    caused = cp.pooled_uplift(mine.assign(scope="email"), "scope", chosen)
    return n_credited / float(caused.loc["email", "incremental"])
