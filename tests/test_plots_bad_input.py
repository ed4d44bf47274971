"""Bad input to the figures (crmkit.plots): one clear SchemaError naming the table, the
column and the first offending rows, instead of a crash inside pandas or a figure drawn
from a missing, negative or repeated row (issue 14). Each test holds a case the mutation
census found getting through, on a frame small enough to check by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmkit import labels, plots  # noqa: E402
from crmkit.schema import SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _refused(fn, df, match, **kw):
    with pytest.raises(SchemaError, match=match):
        fn(df, **kw)


# ---- chapter 6: uplift funnel ----------------------------------------------------------
def _uplift():
    return pd.DataFrame({"campaign_id": [1, 2, 3], "n_test": [80, 400, 50],
                         "n_control": [20, 100, 0], "uplift": [0.05, 0.01, np.nan],
                         "ci_low": [-0.1, -0.02, np.nan], "ci_high": [0.2, 0.04, np.nan]})


def test_uplift_funnel_leaves_out_only_campaigns_without_a_control_group():
    ax = plots.uplift_funnel(_uplift())
    points = ax.get_lines()[0].get_xydata()
    # campaign 3 has no control group (uplift undefined): two campaigns drawn, sized 100, 500
    assert points.tolist() == [[100.0, 0.05], [500.0, 0.01]]


@pytest.mark.parametrize("column", ["uplift", "ci_low", "ci_high"])
def test_uplift_funnel_refuses_a_lost_uplift_and_a_dropped_column(column):
    bad = _uplift()
    bad.loc[1, column] = np.nan  # campaign 2 has both groups: its uplift cannot be missing
    _refused(plots.uplift_funnel, bad,
             rf"uplift\.{column}: 1 row\(s\) missing .*test and a control group.*\[1\]")
    # used to be a KeyError from dropna(subset=...)
    _refused(plots.uplift_funnel, _uplift().drop(columns=[column]),
             rf"uplift\.{column}: missing column")


def test_uplift_funnel_refuses_negative_sizes_and_a_repeated_campaign():
    _refused(plots.uplift_funnel, _uplift().assign(n_control=[20, -1, 0]),
             r"uplift\.n_control: 1 row\(s\) negative.*\[1\]")
    twice = pd.concat([_uplift(), _uplift().iloc[[0]]])
    _refused(plots.uplift_funnel, twice, r"uplift\.campaign_id: 2 row\(s\) duplicated key")
    # the same when the campaigns are the index, as crmkit.campaigns.uplift returns them
    _refused(plots.uplift_funnel, twice.set_index("campaign_id"),
             r"uplift\.campaign_id: 2 row\(s\) duplicated key")
    _refused(plots.uplift_funnel, _uplift().iloc[[2]], "no campaign has a measured uplift")


# ---- chapter 2: one bar per category ---------------------------------------------------
def _groups():
    return pd.DataFrame({"group": ["complaint", "negotiation", "exit"],
                         "churn_rate": [0.1, 0.26, 0.2]})


def test_measure_bars_refuses_an_undefined_value_a_missing_or_repeated_category():
    # an undefined rate used to be drawn as an empty, unlabelled bar
    _refused(plots.measure_bars, _groups().assign(churn_rate=[0.1, np.nan, 0.2]),
             r"groups\.churn_rate: 1 row\(s\) missing.*\[1\]",
             category="group", value="churn_rate")
    _refused(plots.measure_bars, _groups().assign(group=["complaint", None, "exit"]),
             r"groups\.group: 1 row\(s\) missing.*\[1\]", category="group", value="churn_rate")
    _refused(plots.measure_bars, _groups().assign(group=["exit", "negotiation", "exit"]),
             r"groups\.group: 2 row\(s\) duplicated key.*\[0, 2\]",
             category="group", value="churn_rate")
    _refused(plots.measure_bars, _groups().assign(churn_rate=[0.1, np.inf, 0.2]),
             r"groups\.churn_rate: 1 row\(s\) infinite", category="group", value="churn_rate")
    ax = plots.measure_bars(_groups(), "group", "churn_rate")
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.1, 0.26, 0.2]


def test_measure_bars_marks_an_expected_undefined_value():
    # an explorer whose cuts empty a category says so: the bar is absent and marked n/a
    ax = plots.measure_bars(_groups().assign(churn_rate=[0.1, np.nan, 0.2]), "group",
                            "churn_rate", allow_missing=True)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(str(labels.label("not_available", "measure"))) == 1
    assert "10%" in texts and "20%" in texts


# ---- chapter 4: RFM grid, score check, life stages, clusters, KPI trend ----------------
def _scores():
    return pd.DataFrame({"customer_id": [1, 2, 3, 4], "R": [1, 2, 5, 5], "F": [1, 1, 4, 5],
                         "bought": [0.0, 0.0, 1.0, 1.0]})


def test_rfm_heatmap_and_score_outcome_refuse_a_repeated_customer():
    twice = pd.concat([_scores(), _scores().iloc[[2]]])  # customer 3 would count twice
    _refused(plots.rfm_heatmap, twice, r"rfm\.customer_id: 2 row\(s\) duplicated key.*\[2, 2\]")
    _refused(plots.score_outcome, twice, r"scores\.customer_id: 2 row\(s\) duplicated key",
             outcome="bought", dims=["R", "F"])
    # without ids (scores of anonymous rows) the grid is drawn as before
    plots.rfm_heatmap(_scores().drop(columns="customer_id"), "bought", min_count=1)


def _lifecycle():
    return pd.DataFrame({"stage": ["couple", "couple", "retired", "retired"],
                         "age_at_entry": [24.0, 30.0, 63.0, np.nan],
                         "norm_age_at_entry": [28.0, 28.0, 62.0, 62.0],
                         "pace": ["ahead", "on_norm", "on_norm", "unknown"]})


def test_stage_entry_ages_tells_an_unobserved_entry_from_a_lost_age():
    ax = plots.stage_entry_ages(_lifecycle())  # the unknown entry is left out, by design
    assert sum(len(c.get_offsets()) for c in ax.collections[:-1]) == 3
    lost = _lifecycle().assign(age_at_entry=[24.0, np.nan, 63.0, np.nan])
    _refused(plots.stage_entry_ages, lost,
             r"lifecycle\.age_at_entry: 1 row\(s\) missing .*pace says.*\[1\]")
    _refused(plots.stage_entry_ages, _lifecycle().assign(stage=["couple", None, "retired",
                                                                "retired"]),
             r"lifecycle\.stage: 1 row\(s\) missing.*\[1\]")
    _refused(plots.stage_entry_ages, _lifecycle().assign(age_at_entry=[24.0, -3.0, 63.0,
                                                                       np.nan]),
             r"lifecycle\.age_at_entry: 1 row\(s\) negative.*\[1\]")


def _profile():
    return pd.DataFrame({"cluster": [0, 1, 2], "size": [3, 1, 2], "share": [0.5, 1 / 6, 1 / 3],
                         "age": [30.0, 70.0, 45.0], "income": [20.0, 40.0, 30.0]})


def test_cluster_profile_heatmap_refuses_missing_negative_and_repeated_clusters():
    _refused(plots.cluster_profile_heatmap, _profile().assign(cluster=[0, np.nan, 2]),
             r"profile\.cluster: 1 row\(s\) missing.*\[1\]")
    _refused(plots.cluster_profile_heatmap, _profile().assign(size=[3, -1, 2]),
             r"profile\.size: 1 row\(s\) negative.*\[1\]")
    # overall mean still positive, so the index check alone let it through as index < 0
    _refused(plots.cluster_profile_heatmap, _profile().assign(income=[20.0, -5.0, 30.0]),
             r"profile\.income: 1 row\(s\) negative.*\[1\]")
    _refused(plots.cluster_profile_heatmap, pd.concat([_profile(), _profile().iloc[[1]]]),
             r"profile\.cluster: 2 row\(s\) duplicated key.*\[1, 1\]")
    _refused(plots.cluster_profile_heatmap, _profile().drop(columns="income"),
             r"profile\.income: missing column", columns=["age", "income"])


def _kpis():
    return pd.DataFrame({"year": [2023, 2023, 2024, 2024], "abc_class": ["A", "B", "A", "B"],
                         "churn_rate": [0.02, 0.05, 0.03, 0.08]})


def test_kpi_trend_refuses_a_missing_period_or_segment_and_a_repeated_pair():
    args = {"period_col": "year", "segment_col": "abc_class", "value": "churn_rate"}
    # a missing year used to raise a TypeError inside matplotlib's category axis
    _refused(plots.kpi_trend, _kpis().assign(year=[2023, np.nan, 2024, 2024]),
             r"kpis\.year: 1 row\(s\) missing.*\[1\]", **args)
    # a missing segment used to drop the row from every line without a word
    _refused(plots.kpi_trend, _kpis().assign(abc_class=["A", None, "A", "B"]),
             r"kpis\.abc_class: 1 row\(s\) missing.*\[1\]", **args)
    _refused(plots.kpi_trend, pd.concat([_kpis(), _kpis().iloc[[3]]]),
             r"kpis\.abc_class\+year: 2 row\(s\) duplicated key.*\[3, 3\]", **args)


# ---- generic shares, chapter 5: cost to serve, equity, state shares --------------------
def test_bar_share_refuses_a_repeated_customer():
    cu = pd.DataFrame({"customer_id": [1, 2, 3, 4], "sector": ["bank", "bank", "insurance",
                                                               "insurance"]})
    ax = plots.bar_share(cu, "sector")
    assert [p.get_height() for p in ax.patches] == [0.5, 0.5]
    _refused(plots.bar_share, pd.concat([cu, cu.iloc[[0]]]),
             r"customers\.customer_id: 2 row\(s\) duplicated key", by="sector")


def _costs():
    return pd.DataFrame({"customer_id": [1, 2, 3], "preferred_channel": ["branch", "web", "web"],
                         "direct_cost": [60.0, 2.0, 4.0], "sales_marketing": [30.0, 10.0, 20.0]})


def test_cost_breakdown_refuses_a_repeated_customer_and_a_negative_cost():
    parts = {"by": "preferred_channel", "parts": ["direct_cost", "sales_marketing"]}
    ax = plots.cost_breakdown(_costs(), **parts)
    # web: mean direct cost (2 + 4) / 2 = 3, stacked under mean sales (10 + 20) / 2 = 15
    assert [round(p.get_height(), 6) for p in ax.patches] == [60.0, 3.0, 30.0, 15.0]
    _refused(plots.cost_breakdown, pd.concat([_costs(), _costs().iloc[[1]]]),
             r"costs\.customer_id: 2 row\(s\) duplicated key", **parts)
    _refused(plots.cost_breakdown, _costs().assign(direct_cost=[60.0, -2.0, 4.0]),
             r"costs\.direct_cost: 1 row\(s\) negative.*\[1\]", **parts)


def _equity():
    return pd.DataFrame({"strategy": ["loyalty", "retention"],
                         "baseline_equity": [5e6, 2e6], "scenario_equity": [5.6e6, 2.3e6]})


def test_equity_comparison_refuses_a_missing_or_repeated_category():
    _refused(plots.equity_comparison, _equity().assign(strategy=["loyalty", None]),
             r"equity\.strategy: 1 row\(s\) missing.*\[1\]", category="strategy")
    # a repeated strategy used to crash in reindex ("duplicate labels")
    _refused(plots.equity_comparison, pd.concat([_equity(), _equity().iloc[[0]]]),
             r"equity\.strategy: 2 row\(s\) duplicated key.*\[0, 0\]", category="strategy")


def _shares():
    return pd.DataFrame({"low": [0.6, 0.5], "high": [0.4, 0.35], "lost": [0.0, 0.15]})


def test_state_shares_names_the_column_and_refuses_a_missing_state():
    ax = plots.state_shares(_shares())
    assert len(ax.collections) == 3
    for bad, match in [(np.nan, r"distribution\.high: 1 row\(s\) missing.*\[1\]"),
                       (np.inf, r"distribution\.high: 1 row\(s\) infinite.*\[1\]"),
                       (1.2, r"distribution\.high: 1 row\(s\) outside \[0\.0, 1\.0\].*\[1\]")]:
        s = _shares()
        s.loc[1, "high"] = bad
        _refused(plots.state_shares, s, match)
    # without the "high" column the stack would stop at 60 % and 65 % without a word
    _refused(plots.state_shares, _shares().drop(columns="high"),
             r"distribution: 2 row\(s\) shares that do not sum to 1 .*absent from the "
             r"table: \[.*'high'.*\].*\[0, 1\]")



# ---- model diagnostics: observed against projected survival ------------------------------
def _survival():
    obs = pd.DataFrame({"cohort": [2020] * 3, "period": [0, 1, 2],
                        "survival": [1.0, 0.7, 0.55]})
    proj = pd.DataFrame({"cohort": [2020] * 4, "period": [0, 1, 2, 3],
                         "survival": [1.0, 0.69, 0.56, 0.48]})
    return obs, proj


def test_survival_projection_refuses_cohorts_written_two_ways():
    obs, proj = _survival()
    ax = plots.survival_projection(obs, proj)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2020"]  # one cohort
    # "2020" observed against 2020 projected used to draw two cohorts that never meet
    with pytest.raises(SchemaError, match=r"projected\.cohort: holds numbers while "
                                          r"observed\.cohort holds text"):
        plots.survival_projection(obs.assign(cohort="2020"), proj)
    with pytest.raises(SchemaError, match=r"observed\.survival: 1 row\(s\) outside.*\[1\]"):
        plots.survival_projection(obs.assign(survival=[1.0, 1.7, 0.55]), proj)
    with pytest.raises(SchemaError, match=r"projected\.cohort\+period: 2 row\(s\) duplicated"):
        plots.survival_projection(obs, pd.concat([proj, proj.iloc[[3]]]))
