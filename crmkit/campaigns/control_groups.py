"""Why a control group: split the selected targets at random into test and control.

Course chapter 5, "Measuring a campaign: test and control". What a campaign caused is
the difference between the contacted customers and customers selected the same way but
held out at random; the draw here makes the two groups alike on the strata (value
segment, region...) so that the difference measures the campaign and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords

__all__ = ["assign_groups"]


@renamed_keywords(id_column="customer_col")
def assign_groups(
    targets: pd.DataFrame,
    control_share: float = 0.1,
    seed: int = 0,
    strata: str | list[str] | None = None,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Split selected targets at random into a test group (contacted) and a control group.

    Within each stratum (e.g. value segment x region) exactly
    ``round(n * control_share)`` targets go to control, so the groups have the same mix
    on the strata and the comparison is not biased by them. The draw depends only on the
    seed and the targets' ids, not on the row order.

    Parameters
    ----------
    targets : DataFrame
        One row per selected target, with ``customer_col`` (unique) and the strata columns.
    control_share : float
        Share of each stratum held out, in (0, 1).
    seed : int
        Random seed: the same seed gives the same split.
    strata : str or list of str, optional
        Columns to stratify on.
    customer_col : str
        Target key (``id_column=``, its old name, works one release with a
        ``FutureWarning``).

    Returns
    -------
    DataFrame
        ``targets`` with a ``group`` column (``"test"`` / ``"control"``), same index/order.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": range(1, 11), "segment": ["A"] * 5 + ["B"] * 5})
    >>> g = assign_groups(t, control_share=0.2, seed=1, strata="segment")
    >>> g.groupby("segment")["group"].value_counts().unstack()["control"].tolist()
    [1, 1]
    """
    if not 0 < control_share < 1:
        raise ValueError(f"control_share must be in (0, 1), got {control_share}")
    cols = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    schema.check_not_empty(targets, "targets")
    schema.check_columns(targets, "targets", [customer_col, *cols])
    schema.check_no_missing(targets, "targets", customer_col)
    schema.check_unique(targets, "targets", customer_col)
    for c in cols:
        schema.check_no_missing(targets, "targets", c)
    # sort by id so the draw does not depend on the row order
    order = np.argsort(targets[customer_col].to_numpy(), kind="stable")
    u = np.empty(len(targets))
    u[order] = np.random.default_rng(seed).random(len(targets))
    stratum = (targets.groupby(cols, sort=True).ngroup().to_numpy() if cols
               else np.zeros(len(targets), dtype=np.int64))
    frame = pd.DataFrame({"s": stratum, "u": u})
    rank = frame.groupby("s")["u"].rank(method="first").to_numpy()
    size = frame.groupby("s")["u"].transform("size").to_numpy()
    n_control = np.floor(size * control_share + 0.5)
    out = targets.copy()
    out["group"] = pd.array(np.where(rank <= n_control, "control", "test"), dtype="str")
    return out
