"""Statistical segmentation: standardisation, principal components and k-means.

The lecture slides ("segmentation statistique") group customers on many descriptive, interaction
and purchase variables with multivariate statistics (factor analysis) so that a segment
gathers truly similar customers. Here: each variable is standardised (so euros do not
outweigh counts), projected on the principal components that keep a given share of the
variance (removing redundancy between correlated variables), then clustered with k-means;
the profile table describes each cluster in the variables' own units.

Clusters are numbered by size, largest first (ties by the cluster's first profile value),
so that labels do not depend on k-means' arbitrary numbering.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from crmkit import schema
from crmkit.segmentation._frame import require

__all__ = ["StatisticalSegmentation", "cluster_profile", "choose_k", "name_clusters"]


def _matrix(df: pd.DataFrame, columns: Sequence[str], table: str) -> np.ndarray:
    if len(columns) == 0:
        raise ValueError("give at least one column to segment on")
    require(df, table, {c: "number" for c in columns})
    schema.check_key(df, table, "customer_id")
    x = df[list(columns)].to_numpy(dtype=float)
    for j, col in enumerate(columns):  # missing values are caught above; infinities here
        schema.check_rows(df, table, col, ~np.isfinite(x[:, j]), "infinite value(s)")
    return x


def cluster_profile(
    df: pd.DataFrame, labels, columns: Sequence[str], *, table: str = "customers"
) -> pd.DataFrame:
    """Size, share and mean of each column per cluster (the segment's portrait).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    labels : array-like
        Cluster of each row of ``df``.
    columns : sequence of str
        Numeric columns to average.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per cluster: ``cluster``, ``size``, ``share`` and the mean of each column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20, 22, 60, 64], "products": [1, 1, 4, 6]})
    >>> cluster_profile(df, [0, 0, 1, 1], ["age", "products"])
       cluster  size  share   age  products
    0        0     2    0.5  21.0       1.0
    1        1     2    0.5  62.0       5.0
    """
    _matrix(df, columns, table)
    labels = np.asarray(labels)
    if len(labels) != len(df):
        raise ValueError(f"labels has {len(labels)} entries for {len(df)} rows of {table}")
    frame = df[list(columns)].assign(cluster=labels)
    means = frame.groupby("cluster")[list(columns)].mean()
    size = frame.groupby("cluster").size()
    out = pd.DataFrame({"size": size, "share": size / len(df)}).join(means)
    return out.rename_axis("cluster").reset_index()


def name_clusters(profile: pd.DataFrame, rules: dict, *, table: str = "profile") -> dict:
    """Name each cluster by its profile, not by k-means' arbitrary number.

    Each rule names the cluster where a profile column is highest (``"max"``) or lowest
    (``"min"``); a rule may list several ``(column, direction)`` pairs that must all point
    at the same cluster. The result maps cluster number to name, so that a text or a table
    can refer to "the young digital starters" whatever number the model gave them.

    Parameters
    ----------
    profile : pandas.DataFrame
        One row per cluster, as :func:`cluster_profile` returns (an integer ``cluster``
        column and one column per variable).
    rules : dict
        ``{name: (column, "max" | "min")}`` or ``{name: [(column, direction), ...]}``, one
        name per cluster.
    table : str, default "profile"
        Table name used in error messages.

    Returns
    -------
    dict
        ``{cluster: name}`` for every cluster of ``profile``.

    Raises
    ------
    ValueError
        When the rules do not name every cluster exactly once: two names point at the same
        cluster, the pairs of one rule disagree, or a cluster is left without a name. The
        message says which, so a change in the data cannot silently swap two names.

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"cluster": [0, 1], "age": [62.0, 24.0],
    ...                      "digital_share": [0.1, 0.8]})
    >>> name_clusters(prof, {"older_branch": [("age", "max"), ("digital_share", "min")],
    ...                      "young_digital": ("digital_share", "max")})
    {0: 'older_branch', 1: 'young_digital'}
    >>> name_clusters(prof, {"a": ("age", "max"), "b": ("digital_share", "min")})
    Traceback (most recent call last):
    ...
    ValueError: profile: names ['a', 'b'] all point at cluster 0; cluster(s) [1] have no name
    """
    require(profile, table, {"cluster": "int"})
    schema.check_key(profile, table, "cluster")
    prof = profile.set_index("cluster")
    named: dict = {}
    for name, rule in rules.items():
        pairs = [rule] if isinstance(rule, tuple) else list(rule)
        picks = set()
        for column, direction in pairs:
            if direction not in ("max", "min"):
                raise ValueError(f"rule {name!r}: direction must be 'max' or 'min', got {direction!r}")
            require(profile, table, {column: "number"})
            picks.add(prof[column].idxmax() if direction == "max" else prof[column].idxmin())
        if len(picks) > 1:
            raise ValueError(f"{table}: the pairs of rule {name!r} point at different clusters "
                             f"{sorted(picks)}")
        named.setdefault(picks.pop(), []).append(name)
    clash = {c: names for c, names in named.items() if len(names) > 1}
    unnamed = sorted(set(prof.index) - set(named))
    if clash or unnamed:
        parts = [f"names {names} all point at cluster {c}" for c, names in clash.items()]
        if unnamed:
            parts.append(f"cluster(s) {unnamed} have no name")
        raise ValueError(f"{table}: " + "; ".join(parts))
    return {c: names[0] for c, names in sorted(named.items())}


class StatisticalSegmentation(ClusterMixin, BaseEstimator):
    """Standardise, reduce with PCA, cluster with k-means (scikit-learn estimator).

    Parameters
    ----------
    n_clusters : int, default 5
        Number of segments.
    columns : sequence of str, optional
        Numeric columns to use; default every numeric column of the table given to ``fit``.
    n_components : int, float or None, default 0.9
        Principal components kept: a number, a share of variance to keep (0-1), or None to
        skip the reduction.
    random_state : int, default 0
        Seed of k-means (deterministic result).
    n_init : int, default 10
        k-means restarts.

    Attributes
    ----------
    columns_ : list of str
    scaler_, pca_, kmeans_ : the fitted scikit-learn steps (``pca_`` is None without PCA)
    labels_ : ndarray of int, cluster of each row of the fitted table (0 = largest)
    profile_ : DataFrame, :func:`cluster_profile` of the fitted table
    explained_variance_ratio_ : ndarray, variance kept by each component
    inertia_ : float, k-means within-cluster sum of squares

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62],
    ...                    "products": [1, 1, 2, 4, 6, 5]})
    >>> seg = StatisticalSegmentation(n_clusters=2, n_components=None).fit(df)
    >>> seg.labels_.tolist()
    [0, 0, 0, 1, 1, 1]
    >>> seg.profile_[["cluster", "size", "age"]]
       cluster  size   age
    0        0     3  21.0
    1        1     3  62.0
    """

    def __init__(
        self,
        n_clusters: int = 5,
        *,
        columns: Sequence[str] | None = None,
        n_components: int | float | None = 0.9,
        random_state: int = 0,
        n_init: int = 10,
    ):
        self.n_clusters = n_clusters
        self.columns = columns
        self.n_components = n_components
        self.random_state = random_state
        self.n_init = n_init

    def _columns(self, df: pd.DataFrame) -> list[str]:
        if self.columns is not None:
            return list(self.columns)
        return [
            c for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]

    def fit(self, df: pd.DataFrame, y=None, *, table: str = "customers"):
        """Fit the three steps on ``df`` and compute the profile table.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per customer with the numeric ``columns``.
        y : None
            Ignored (scikit-learn's signature).
        table : str, default "customers"
            Table name used in error messages.

        Returns
        -------
        StatisticalSegmentation
            The estimator itself, with ``labels_``, ``profile_`` and the fitted steps.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62], "products": [1, 1, 2, 4, 6, 5]})
        >>> seg = StatisticalSegmentation(n_clusters=2, n_components=None).fit(df)
        >>> seg.profile_["size"].tolist()
        [3, 3]
        """
        if not isinstance(self.n_clusters, int | np.integer) or self.n_clusters < 1:
            raise ValueError(f"n_clusters must be a positive integer, got {self.n_clusters!r}")
        cols = self._columns(df)
        x = _matrix(df, cols, table)
        if len(x) < self.n_clusters:
            raise ValueError(f"{table}: {len(x)} rows for {self.n_clusters} clusters")
        distinct = len(np.unique(x, axis=0))
        if distinct < self.n_clusters:
            raise ValueError(f"{table}: only {distinct} distinct row(s) of {cols} for "
                             f"{self.n_clusters} clusters; k-means cannot separate them")
        self.columns_ = cols
        self.scaler_ = StandardScaler().fit(x)
        z = self.scaler_.transform(x)
        if self.n_components is None:
            self.pca_ = None
            self.explained_variance_ratio_ = np.ones(0)
        else:
            self.pca_ = PCA(n_components=self.n_components, random_state=self.random_state)
            z = self.pca_.fit_transform(z)
            self.explained_variance_ratio_ = self.pca_.explained_variance_ratio_
        # one OpenMP thread: on a loaded machine k-means' spinning threads can be 100x slower,
        # and on customer tables of this size one thread is about as fast
        with threadpool_limits(1, user_api="openmp"):
            self.kmeans_ = KMeans(
                n_clusters=self.n_clusters, n_init=self.n_init, random_state=self.random_state
            ).fit(z)
        raw = self.kmeans_.labels_
        profile = cluster_profile(df, raw, cols, table=table)
        # renumber: largest cluster first, then by the first variable's mean
        order = profile.sort_values(["size", cols[0]], ascending=[False, True], kind="stable")
        self._relabel = np.empty(self.n_clusters, dtype=np.int64)
        self._relabel[order["cluster"].to_numpy()] = np.arange(len(order))
        self.labels_ = self._relabel[raw]
        self.profile_ = cluster_profile(df, self.labels_, cols, table=table)
        self.inertia_ = float(self.kmeans_.inertia_)
        return self

    def transform(self, df: pd.DataFrame, *, table: str = "customers") -> np.ndarray:
        """Standardised (and PCA-projected) coordinates of the rows of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame
            Rows with the columns the model was fitted on.
        table : str, default "customers"
            Table name used in error messages.

        Returns
        -------
        numpy.ndarray
            One row per input row, one column per kept component (or per column without PCA).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62], "products": [1, 1, 2, 4, 6, 5]})
        >>> seg = StatisticalSegmentation(n_clusters=2, n_components=None).fit(df)
        >>> z = seg.transform(df)   # standardised: mean 0, standard deviation 1
        >>> z.shape, bool(abs(z[:, 0].mean()) < 1e-9), round(float(z[:, 0].std()), 6)
        ((6, 2), True, 1.0)
        """
        check_is_fitted(self, "kmeans_")
        z = self.scaler_.transform(_matrix(df, self.columns_, table))
        return z if self.pca_ is None else self.pca_.transform(z)

    def predict(self, df: pd.DataFrame, *, table: str = "customers") -> np.ndarray:
        """Segment of each row of ``df`` (nearest cluster centre).

        Parameters
        ----------
        df : pandas.DataFrame
            Rows to segment, with the columns the model was fitted on.
        table : str, default "customers"
            Table name used in error messages.

        Returns
        -------
        numpy.ndarray
            Cluster number of each row.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62], "products": [1, 1, 2, 4, 6, 5]})
        >>> seg = StatisticalSegmentation(n_clusters=2, n_components=None).fit(df)
        >>> seg.predict(pd.DataFrame({"age": [63, 19], "products": [5, 1]})).tolist()
        [1, 0]
        """
        z = self.transform(df, table=table)
        with threadpool_limits(1, user_api="openmp"):
            return self._relabel[self.kmeans_.predict(z)]


def choose_k(
    df: pd.DataFrame,
    columns: Sequence[str],
    ks: Sequence[int] = range(2, 9),
    *,
    n_components: int | float | None = 0.9,
    sample: int | None = 5000,
    random_state: int = 0,
    table: str = "customers",
) -> pd.DataFrame:
    """Inertia (elbow) and silhouette for several numbers of clusters.

    The silhouette (closer to 1 = better separated) is computed on a random sample of at
    most ``sample`` rows, since it is quadratic in the number of rows.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    columns : sequence of str
        Numeric columns to cluster on.
    ks : sequence of int, default range(2, 9)
        Numbers of clusters to try.
    n_components : int, float or None, default 0.9
        PCA components kept, as in :class:`StatisticalSegmentation`.
    sample : int or None, default 5000
        Rows used for the silhouette (None: all).
    random_state : int, default 0
        Seed of k-means and of the sample.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per ``k``: ``k``, ``inertia`` and ``silhouette``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [0, 0.1, 0.2, 5, 5.1, 5.2, 10, 10.1, 10.2]})
    >>> choose_k(df, ["x"], ks=[2, 3], n_components=None)["k"].tolist()
    [2, 3]
    """
    rows = []
    for k in ks:
        model = StatisticalSegmentation(
            k, columns=columns, n_components=n_components, random_state=random_state
        ).fit(df, table=table)
        z = model.transform(df, table=table)
        labels = model.labels_
        if sample is not None and len(z) > sample:
            pick = np.random.default_rng(random_state).choice(len(z), sample, replace=False)
            z, labels = z[pick], labels[pick]
        sil = silhouette_score(z, labels) if len(np.unique(labels)) > 1 else np.nan
        rows.append({"k": k, "inertia": model.inertia_, "silhouette": float(sil)})
    return pd.DataFrame(rows)
