"""Chapter 5's additions to crmkit: pooled uplift and ROI, targets' profiles, campaign
planning, the learn-feel-do grid, their figures (crmkit.plots) and the campaign planner
(crmkit.widgets). Expected values are computed by hand on small frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from crmkit import campaigns as cp  # noqa: E402
from crmkit import labels, plots, widgets  # noqa: E402
from crmkit.schema import SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------
# trigger_family, pooled_uplift
# ---------------------------------------------------------------------------------------
def test_trigger_family_keeps_the_part_before_the_colon():
    c = pd.DataFrame({"campaign_id": [1, 2, 3, 4], "trigger": pd.Categorical(
        ["life_event:birth", "none", "churn_risk:incident", "segment:multichannel"])})
    fam = cp.trigger_family(c)
    assert fam.tolist() == ["life_event", "none", "churn_risk", "segment"]
    assert fam.index.equals(c.index) and fam.name == "trigger_family"
    with pytest.raises(SchemaError, match="trigger"):
        cp.trigger_family(c.drop(columns="trigger"))


def test_pooled_uplift_adds_up_the_targets_of_a_group(targets_from_counts):
    t = targets_from_counts({1: ((80, 8), (20, 1)), 2: ((40, 6), (10, 0)), 3: ((8, 4), (2, 0))})
    c = pd.DataFrame({"campaign_id": [1, 2, 3], "kind": ["mass", "mass", "event"],
                      "test_share": 0.8})
    out = cp.pooled_uplift(t, "kind", c)
    mass = out.loc["mass"]
    # mass: test 14/120, control 1/30
    assert mass["campaigns"] == 2 and mass["n_test"] == 120 and mass["n_control"] == 30
    assert mass["rate_test"] == pytest.approx(14 / 120)
    assert mass["uplift"] == pytest.approx(14 / 120 - 1 / 30)
    assert mass["incremental"] == pytest.approx((14 / 120 - 1 / 30) * 120)
    assert mass["ci_low"] < mass["uplift"] < mass["ci_high"]
    # one campaign pooled alone is that campaign
    single = cp.uplift(t.loc[t["campaign_id"] == 3]).iloc[0]
    event = out.loc["event"]
    for col in ["n_test", "rate_test", "rate_control", "uplift", "ci_low", "ci_high", "z"]:
        assert event[col] == pytest.approx(single[col])
    # by a column of the targets, without the campaigns table
    banded = cp.pooled_uplift(t.assign(band=np.where(t["campaign_id"] == 1, "a", "b")), "band")
    assert banded.loc["a", "n_test"] == 80 and banded.loc["b", "n_test"] == 48


def test_pooled_uplift_on_responses(targets_from_counts):
    t = targets_from_counts({1: ((10, 3), (5, 0))})
    out = cp.pooled_uplift(t.assign(all="all"), "all", outcome="responded")
    assert out.loc["all", "rate_test"] == pytest.approx(0.3)
    assert out.loc["all", "rate_control"] == 0.0


def test_pooled_uplift_refuses_unfair_pooling_and_bad_input(targets_from_counts):
    t = targets_from_counts({1: ((80, 8), (20, 1)), 2: ((50, 6), (50, 0))})
    c = pd.DataFrame({"campaign_id": [1, 2], "kind": ["mass", "mass"], "test_share": [0.8, 0.5]})
    with pytest.raises(ValueError, match="test shares"):
        cp.pooled_uplift(t, "kind", c)
    # different shares in different groups are fine
    ok = cp.pooled_uplift(t, "kind", c.assign(kind=["a", "b"]))
    assert ok["campaigns"].tolist() == [1, 1]
    with pytest.raises(ValueError, match="pass the campaigns table"):
        cp.pooled_uplift(t, "kind")
    with pytest.raises(SchemaError, match="campaign_id"):
        cp.pooled_uplift(t, "kind", c.iloc[:1])
    with pytest.raises(ValueError, match="outcome"):
        cp.pooled_uplift(t, "kind", c.assign(kind=["a", "b"]), outcome="bought")
    with pytest.raises(ValueError, match="at least one"):
        cp.pooled_uplift(t, [])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # a pure builder
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 10), st.integers(0, 30),
                          st.integers(0, 10)), min_size=1, max_size=4))
def test_pooling_by_campaign_is_uplift(targets_from_counts, spec):
    """Pooled by campaign id, the targets give :func:`uplift` itself."""
    t = targets_from_counts({i + 1: ((n1, min(x1, n1)), (n0, min(x0, n0)))
                  for i, (n1, n0, x1, x0) in enumerate(spec)})
    pooled = cp.pooled_uplift(t, "campaign_id")
    direct = cp.uplift(t)
    assert (pooled["campaigns"] == 1).all()
    pd.testing.assert_frame_equal(pooled.drop(columns="campaigns"), direct, check_names=False)


# ---------------------------------------------------------------------------------------
# target_profiles, pooled_roi
# ---------------------------------------------------------------------------------------
def _profile_inputs():
    t = pd.DataFrame({"campaign_id": [1, 1, 2], "customer_id": [7, 8, 7],
                      "group": ["test", "control", "test"], "responded": [True, False, False],
                      "converted": [True, False, False]})
    c = pd.DataFrame({"campaign_id": [1, 2],
                      "start_date": pd.to_datetime(["2020-01-01", "2022-07-02"]),
                      "trigger": ["life_event:birth", "none"], "channel": ["phone", "email"],
                      "product_id": ["B_SAVINGS", "B_LIFE"]})
    cu = pd.DataFrame({"customer_id": [8, 7],
                       "birth_date": pd.to_datetime(["1990-01-01", "1980-01-01"]),
                       "acquisition_date": pd.to_datetime(["2019-01-01", "2010-01-01"]),
                       "income": [30e3, 40e3], "credit_score": [0.5, 0.7]})
    co = pd.DataFrame({
        "customer_id": [7, 7, 7, 7, 8],
        "product_id": ["B_CURRENT", "I_AUTO", "I_AUTO", "B_MORTGAGE", "B_CURRENT"],
        "start_date": pd.to_datetime(["2010-01-01", "2015-01-01", "2016-01-01", "2021-01-01",
                                      "2019-01-01"]),
        "end_date": pd.to_datetime([None, "2018-01-01", None, None, "2020-01-01"]),
    })
    return t, c, cu, co


def test_target_profiles_describe_each_target_on_the_campaign_day():
    t, c, cu, co = _profile_inputs()
    p = cp.target_profiles(t, c, cu, co)
    assert p.index.equals(t.index)
    # customer 7 on 2020-01-01: 40 years old, 10 years a customer, holds the current account
    # and one car policy (the other ended in 2018, the mortgage starts in 2021)
    assert p.loc[0, "age"] == pytest.approx(40.0, abs=0.01)
    assert p.loc[0, "tenure"] == pytest.approx(10.0, abs=0.01)
    assert p["products_held"].tolist() == [2, 0, 3]  # 8's account ended that very day
    assert p["trigger_family"].tolist() == ["life_event", "life_event", "none"]
    assert p["channel"].tolist() == ["phone", "phone", "email"]
    assert p.loc[1, "income"] == 30e3 and p.loc[2, "credit_score"] == 0.7
    with pytest.raises(SchemaError, match="customer_id"):
        cp.target_profiles(t, c, cu.iloc[:1], co)
    with pytest.raises(SchemaError, match="campaign_id"):
        cp.target_profiles(t, c.iloc[:1], cu, co)


def test_pooled_roi_sums_before_dividing_and_skips_unmeasured_campaigns():
    r = pd.DataFrame({"kind": ["a", "a", "a", "b"], "cost": [100.0, 300.0, 50.0, 10.0],
                      "naive_margin": [300.0, 500.0, 80.0, 40.0],
                      "incremental_margin": [100.0, 300.0, np.nan, 5.0]})
    out = cp.pooled_roi(r, "kind")
    # a: the unmeasured third campaign is left out: (400 - 400) / 400 and (800 - 400) / 400
    assert out.loc["a", "campaigns"] == 2
    assert out.loc["a", "roi"] == pytest.approx(0.0)
    assert out.loc["a", "naive_roi"] == pytest.approx(1.0)
    assert out.loc["b", "roi"] == pytest.approx(-0.5)
    with pytest.raises(SchemaError, match="kind"):
        cp.pooled_roi(r, "channel")


# ---------------------------------------------------------------------------------------
# plan_campaign, detectable_uplift_curve
# ---------------------------------------------------------------------------------------
def test_plan_campaign_by_hand():
    p = cp.plan_campaign(1_000, 2.0, 50.0, p_control=0.02, uplift=0.03, control_share=0.25,
                         fixed_cost=500.0)
    assert (p.n_test, p.n_control) == (750, 250)
    assert p.cost == pytest.approx(500 + 750 * 2)
    assert p.expected_conversions == pytest.approx(750 * 0.05)
    assert p.incremental_conversions == pytest.approx(750 * 0.03)
    assert p.incremental_margin == pytest.approx(750 * 0.03 * 50)
    assert p.roi == pytest.approx((750 * 0.03 * 50 - 2000) / 2000)
    assert p.naive_roi == pytest.approx((750 * 0.05 * 50 - 2000) / 2000)
    # the breakeven rate pays the cost exactly
    assert p.breakeven_rate * p.n_test * 50 == pytest.approx(p.cost)
    assert p.detectable_uplift == pytest.approx(
        cp.minimum_detectable_uplift(1_000, 0.02, control_share=0.25))
    assert p.needed_targets == cp.sample_size(0.02, 0.03, control_share=0.25).total


def test_plan_campaign_too_small_to_detect_and_bad_arguments():
    tiny = cp.plan_campaign(5, 1.0, 10.0, p_control=0.02, uplift=0.01)
    assert np.isnan(tiny.detectable_uplift)
    for kwargs in [dict(n_targets=3), dict(uplift=0.0), dict(margin_per_conversion=0.0),
                   dict(cost_per_contact=-1.0), dict(p_control=1.2),
                   dict(cost_per_contact=0.0)]:
        args = dict(n_targets=1_000, cost_per_contact=1.0, margin_per_conversion=10.0,
                    p_control=0.02, uplift=0.01) | kwargs
        with pytest.raises(ValueError):
            cp.plan_campaign(**args)


def test_detectable_uplift_curve_falls_with_size():
    curve = cp.detectable_uplift_curve([5_000, 5, 500, 20_000], 0.02, control_share=0.2)
    assert curve["group_size"].tolist() == [5, 500, 5_000, 20_000]
    assert np.isnan(curve.loc[0, "detectable_uplift"])  # five targets detect nothing
    d = curve["detectable_uplift"].to_numpy()[1:]
    assert (np.diff(d) < 0).all()
    assert d[1] == pytest.approx(cp.minimum_detectable_uplift(5_000, 0.02, control_share=0.2))
    # four times the targets, about half the detectable uplift
    assert d[2] / d[1] == pytest.approx(0.5, rel=0.1)
    with pytest.raises(ValueError):
        cp.detectable_uplift_curve([2, 100], 0.02)


# ---------------------------------------------------------------------------------------
# the learn-feel-do grid
# ---------------------------------------------------------------------------------------
def test_learn_feel_do_grid_places_products():
    p = pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CONSUMER", "B_CARD"],
                      "learn_feel_do": ["cognitive", "affective", "conative"]})
    g = cp.learn_feel_do_grid(p)
    assert g["fcb_quadrant"].tolist() == ["learning", "affectivity", "routine"]
    assert g["involvement"].tolist() == ["high", "high", "low"]
    assert g["mode"].tolist() == ["think", "feel", "think"]
    assert g["sequence"].tolist()[1] == "feel > learn > do"
    hedonic = cp.learn_feel_do_grid(p, mapping={"cognitive": "learning",
                                                "affective": "affectivity",
                                                "conative": "hedonism"})
    assert hedonic.loc[2, "sequence"] == "do > feel > learn"
    with pytest.raises(SchemaError, match="learn_feel_do"):
        cp.learn_feel_do_grid(p.assign(learn_feel_do=["cognitive", "impulsive", "conative"]))
    with pytest.raises(ValueError, match="quadrant"):
        cp.learn_feel_do_grid(p, mapping={"cognitive": "thinking"})
    # every quadrant has its labels, in both languages
    assert not labels.missing(cp.FCB_QUADRANTS["fcb_quadrant"], "fcb_quadrant")


def test_learn_feel_do_grid_from_two_variables_reaches_every_quadrant():
    # issue 17: from one variable (the first response) a quadrant is empty by construction;
    # Vaughn's grid crosses involvement and think/feel, and each pair is one quadrant
    p = pd.DataFrame({"product_id": ["a", "b", "c", "d"],
                      "inv": ["high", "high", "low", "low"],
                      "how": ["think", "feel", "think", "feel"]})
    g = cp.learn_feel_do_grid(p, involvement_col="inv", mode_col="how")
    assert g["fcb_quadrant"].tolist() == ["learning", "affectivity", "routine", "hedonism"]
    assert g["sequence"].tolist() == ["learn > feel > do", "feel > learn > do",
                                      "do > learn > feel", "do > feel > learn"]
    assert (g["involvement"] == p["inv"]).all() and (g["mode"] == p["how"]).all()
    # the first-response route cannot reach hedonism with the default mapping
    one = pd.DataFrame({"product_id": ["x", "y", "z"],
                        "learn_feel_do": ["cognitive", "affective", "conative"]})
    assert "hedonism" not in set(cp.learn_feel_do_grid(one)["fcb_quadrant"])
    with pytest.raises(SchemaError, match=r"products\.how"):
        cp.learn_feel_do_grid(p.assign(how=["think", "feel", "think", "hot"]),
                              involvement_col="inv", mode_col="how")
    with pytest.raises(ValueError, match="both"):
        cp.learn_feel_do_grid(p, involvement_col="inv")


def test_fcb_classification_covers_the_market_products_by_its_rules():
    # the two variables live in a documented data file (not in the generator): one row per
    # product of the course market, each with its reason; the consumer loan, whose first
    # response is affective, is the one product bought for the feeling
    from crmkit.synth import products as P

    fcb = cp.fcb_classification()
    assert sorted(fcb["product_id"]) == sorted(set(P.PRODUCT_IDS) - {"I_AUTO2"})
    assert fcb["why"].str.len().gt(20).all()
    assert fcb.loc[fcb["mode"] == "feel", "product_id"].tolist() == ["B_CONSUMER"]
    grid = cp.learn_feel_do_grid(fcb, involvement_col="involvement", mode_col="mode")
    assert grid["fcb_quadrant"].notna().all()


def test_fcb_classification_refuses_a_bad_file(tmp_path):
    bad = tmp_path / "fcb.yaml"
    bad.write_text("products:\n  X: {involvement: medium, mode: think, why: because it is}\n")
    with pytest.raises(ValueError, match="involvement"):
        cp.fcb_classification(bad)
    bad.write_text("products:\n  X: {involvement: low, mode: think}\n")
    with pytest.raises(ValueError, match="reason"):
        cp.fcb_classification(bad)


# ---------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------
def _pooled(targets_from_counts):
    t = targets_from_counts({1: ((80, 40), (20, 5)), 2: ((400, 10), (100, 1))})
    c = pd.DataFrame({"campaign_id": [1, 2], "trigger_family": ["life_event", "none"],
                      "test_share": 0.8})
    return cp.pooled_uplift(t, "trigger_family", c), cp.uplift(t).join(
        c.set_index("campaign_id"))


def test_uplift_bars_draws_both_groups_and_the_uplift(targets_from_counts):
    pooled, _ = _pooled(targets_from_counts)
    ax = plots.uplift_bars(pooled, kind="trigger_family")
    heights = sorted(round(b.get_height(), 4) for b in ax.patches)
    assert heights == sorted([0.5, 0.25, 0.025, 0.01])
    texts = [t.get_text() for t in ax.texts]
    assert "+25.0 pts" in texts and "+1.5 pts" in texts
    assert ax.get_title() == labels.label("test_control_rates", "plot_campaign")
    assert [t.get_text() for t in ax.get_xticklabels()][0].replace("\n", " ") == labels.label(
        "life_event", "trigger_family")
    with labels.language("fr"):
        fr = plots.uplift_bars(pooled, kind="trigger_family")
    assert fr.get_title() == labels.label("test_control_rates", "plot_campaign", lang="fr")
    with pytest.raises(SchemaError, match="rate_control"):
        plots.uplift_bars(pooled.drop(columns="rate_control"))


def test_uplift_funnel_plots_measured_campaigns(targets_from_counts):
    pooled, per_campaign = _pooled(targets_from_counts)
    # a campaign without a control group: crmkit.campaigns.uplift leaves its uplift NaN
    extra = per_campaign.iloc[:1].assign(n_control=0, uplift=np.nan, ci_low=np.nan,
                                         ci_high=np.nan).set_axis(
        pd.Index([per_campaign.index.max() + 1], name=per_campaign.index.name))
    ax = plots.uplift_funnel(pd.concat([per_campaign, extra]), color_col="trigger_family",
                             pooled=pooled)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert sum(len(line.get_xdata()) for line in dots) == 2  # the NaN row is left out
    assert sorted(float(line.get_xdata()[0]) for line in dots) == [100.0, 500.0]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--" and len(
        line.get_ydata())]
    assert sorted(round(float(line.get_ydata()[0]), 4) for line in dashed) == [0.015, 0.25]
    assert ax.get_ylabel() == labels.header("uplift_axis")


def test_campaign_power_marks_the_plan():
    curve = cp.detectable_uplift_curve([100, 1_000, 10_000], 0.02)
    ax = plots.campaign_power(curve, n_targets=1_000, uplift=0.01, breakeven_rate=0.004)
    ys = {round(float(line.get_ydata()[0]), 4) for line in ax.lines
          if line.get_linestyle() in ("--", ":")}
    assert ys == {0.01, 0.004}
    assert ax.get_title() == labels.label("campaign_power", "plot_campaign")


def test_fcb_grid_writes_products_in_their_quadrant():
    g = cp.learn_feel_do_grid(pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CARD"],
                                            "learn_feel_do": ["cognitive", "conative"]}))
    ax = plots.fcb_grid(g)
    texts = [t.get_text() for t in ax.texts]
    assert labels.label("B_MORTGAGE", "product") in texts
    assert labels.label("hedonism", "fcb_quadrant") in texts and "—" in texts
    with pytest.raises(SchemaError, match="fcb_quadrant"):
        plots.fcb_grid(g.assign(fcb_quadrant="other"))


# ---------------------------------------------------------------------------------------
# the campaign planner
# ---------------------------------------------------------------------------------------
def test_campaign_planner_redraws_when_a_slider_moves(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets._base, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(widgets._base, "show", lambda obj: type(
        "H", (), {"update": lambda self, new: shown.append(new)})())
    sliders = widgets.campaign_planner(n_targets=1_000, cost_per_contact=1.0,
                                       margin_per_conversion=100.0, p_control=0.02,
                                       uplift=0.01)
    assert set(sliders) == {"n_targets", "cost_per_contact", "margin_per_conversion",
                            "p_control", "uplift", "control_share"}
    before = len(shown)
    sliders["n_targets"].value = 10_000
    assert len(shown) == before + 2  # a new figure and a new table
    table = shown[-1]
    plan = cp.plan_campaign(10_000, 1.0, 100.0, p_control=0.02, uplift=0.01)
    assert table.iloc[0, 0] == f"{plan.n_targets:,}"
    assert table.loc[labels.label("needed_targets", "campaign_plan")].iloc[0] == (
        f"{plan.needed_targets:,}")
