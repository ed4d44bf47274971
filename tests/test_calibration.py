"""The course market is within the stated tolerance of every public French figure it is
calibrated to (crmkit/synth/targets.yaml; the validation page of the book shows the same
table). A failure names the quantity, the market's value, the accepted interval and the
source: fix the generator's parameters (crmkit/synth/parameters.yaml), never the tolerance."""

from __future__ import annotations

import pytest

from crmkit.datasets import load_market
from crmkit.synth.validation import NotMeasurable, calibration_table, load_targets, measure

TARGETS = load_targets()
# quantities the market's tables cannot carry by design, and why (shown as such on the page)
NOT_MEASURABLE = {
    "age_leaving_parental_home": "the child is not a customer and births before the window are not recorded",
}


# quantities the market misses, and why (the validation page says the same): the test fails
# when one comes within its tolerance, so that it is moved back among the checked ones
KNOWN_MISSES = {
    "fleet_age": "old cars are replaced at a high hazard (events.car_replacement_old); see the page",
}


@pytest.fixture(scope="module")
def market():
    return load_market()


@pytest.fixture(scope="module")
def table(market):
    return calibration_table(market, TARGETS).set_index("quantity")


@pytest.mark.parametrize("quantity", [k for k in TARGETS if k not in NOT_MEASURABLE and k not in KNOWN_MISSES])
def test_course_market_is_within_tolerance(table, quantity):
    r = table.loc[quantity]
    assert r["verdict"] == "within", (
        f"{quantity}: market {r['market']:.4g} outside [{r['low']:.4g}, {r['high']:.4g}] "
        f"(public {r['public']:.4g} {r['unit']}, {r['source']}) {r['note']}")


@pytest.mark.parametrize("quantity", sorted(NOT_MEASURABLE))
def test_unmeasurable_quantities_stay_unmeasurable(market, quantity):
    # if the tables start carrying what it needs, measure it and move it to the test above
    with pytest.raises(NotMeasurable):
        measure(market, quantity)


@pytest.mark.parametrize("quantity", sorted(KNOWN_MISSES))
def test_known_misses_are_measured_and_still_missed(table, quantity):
    r = table.loc[quantity]
    assert r["verdict"] == "miss", f"{quantity} is now {r['verdict']}: move it back among the checked quantities"
