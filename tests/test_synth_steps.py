"""The generator's monthly steps, each on a tiny state, and its parameters file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from crmkit.schema import (
    CHURN_REASONS,
    END_REASONS,
    INCIDENT_RESPONSES,
    INCIDENT_TYPES,
    INTERACTION_REASONS,
)
from crmkit.synth import lifestages as L
from crmkit.synth import personas as PE
from crmkit.synth import products as P
from crmkit.synth import simulate as SIM
from crmkit.synth.parameters import PARAMS, ParameterError, load_parameters

SYNTH = Path(SIM.__file__).parent


# ------------------------------------------------------------------ parameters
# technical numbers a module may type (not behaviour): neutral values, clipping of uniforms,
# months per year, and per module what it is
TECHNICAL = {0.0, 1.0, 0.5, 12.0, 1e-6, 1e-7, 1e-12, 0.999, 0.0005, 0.01, 0.99}
TECHNICAL_BY_MODULE = {
    "channels.py": {0.999999},  # keeps a uniform below 1
    "identities.py": {1e8},  # eight digits of a phone number
    "products.py": {40.0, 20.0},  # the reference ages of health_cost_at_40, health_premium_at_20
}
ENGINE_MODULES = ("simulate.py", "personas.py", "channels.py", "identities.py", "campaigns.py",
                  "lifestages.py", "products.py", "geography.py", "market.py")


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_no_behavioural_float_typed_in_the_engine(module):
    """Every behavioural number of the generator comes from parameters.yaml: the only float
    literals left in its modules are neutral values and technical constants (clipping of
    uniforms, months per year, reference ages named by their parameter)."""
    allowed = TECHNICAL | TECHNICAL_BY_MODULE.get(module, set())
    tree = ast.parse((SYNTH / module).read_text())
    found = sorted({(node.lineno, node.value) for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value not in allowed})
    assert found == []


def test_every_parameter_is_used_by_the_generator():
    src = "\n".join(p.read_text() for p in SYNTH.glob("*.py"))
    unused = []
    for key in PARAMS.keys():
        section, name = key.split(".")
        if not re.search(rf"\.{name}\b", src) and not re.search(rf"['\"]{name}['\"]", src):
            unused.append(key)
    assert unused == []


def test_every_parameter_has_a_unit_meaning_and_source():
    t = PARAMS.table()
    assert len(t) == len(PARAMS.keys()) > 100
    for col in ("unit", "meaning", "source"):
        assert t[col].str.strip().str.len().gt(0).all(), col
    # a source is a target of targets.yaml, a legal text or an assumption with its reason
    assert t.source.str.match(r"(targets? |assumption|Code des assurances|INSEE|DREES|Banque de France|France Assureurs)").all()


def _write(tmp_path, data):
    p = tmp_path / "p.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True))
    return p


def _raw():
    return yaml.safe_load((SYNTH / "parameters.yaml").read_text())


def test_a_custom_file_with_the_same_parameters_loads(tmp_path):
    raw = _raw()
    raw["sections"]["churn"]["product_effect"]["value"] = 0.25
    p = load_parameters(_write(tmp_path, raw))
    assert p.churn.product_effect == 0.25
    assert p.churn.moved_factor == PARAMS.churn.moved_factor


def test_unknown_and_missing_parameters_fail_clearly(tmp_path):
    raw = _raw()
    raw["sections"]["churn"]["typo_effect"] = raw["sections"]["churn"].pop("product_effect")
    with pytest.raises(ParameterError, match=r"unknown parameters \['churn.typo_effect'\].*missing parameters \['churn.product_effect'\]"):
        load_parameters(_write(tmp_path, raw))


@pytest.mark.parametrize("change, word", [
    (lambda r: r["sections"]["churn"]["product_effect"].pop("source"), "missing fields \\['source'\\]"),
    (lambda r: r["sections"]["churn"]["product_effect"].update(colour="red"), "unknown fields \\['colour'\\]"),
    (lambda r: r["sections"]["churn"]["product_effect"].update(value="high"), "must be a number"),
    (lambda r: r["sections"]["churn"]["product_effect"].update(source=" "), "non-empty source"),
    (lambda r: r.pop("sections"), "'sections'"),
])
def test_bad_records_fail_clearly(tmp_path, change, word):
    raw = _raw()
    change(raw)
    with pytest.raises(ParameterError, match=word):
        load_parameters(_write(tmp_path, raw))


def test_an_unknown_name_in_the_code_fails_clearly():
    with pytest.raises(ParameterError, match="unknown parameter 'churn.nope'"):
        PARAMS.churn.nope  # noqa: B018
    with pytest.raises(ParameterError, match="unknown section 'nope'"):
        PARAMS.nope  # noqa: B018


def test_codes_are_derived_from_the_schema():
    assert CHURN_REASONS[SIM.CR_DEATH] == "death" and CHURN_REASONS[SIM.CR_MOVED] == "moved"
    assert END_REASONS[SIM.END_TERM] == "term"
    assert INTERACTION_REASONS[SIM.R_RETENTION] == "retention"
    assert INCIDENT_TYPES[SIM.INC_PRICE] == "price_rise"
    assert INCIDENT_RESPONSES[SIM.RESP_EXIT] == "exit"
    assert [CHURN_REASONS[c] for c in SIM._INCIDENT_CHURN_REASON] == list(INCIDENT_TYPES)


# ------------------------------------------------------------------ steps on a tiny state
N = 40


def _state(seed=0, n=N):
    rng = np.random.default_rng(seed)
    pop = PE.draw_population(rng.random((PE.K_INIT, n), dtype=np.float32), "both", 24)
    cal = SIM.Calendar(np.datetime64("2015-01", "M"), 120)
    st = SIM.initial_state(pop, "both", rng.random((8, n), dtype=np.float32), rng.random((12, n), dtype=np.float32), cal)
    st.active[:] = True
    return st


def _month(st, m=5, u=0.5, january=False, **streams):
    """Month ``m`` of a calendar starting in January 2015 (month 12 is a January)."""
    assert not january or m % 12 == 0
    U = np.full((SIM.K_MONTH, st.n), u, dtype=np.float32)
    for name, v in streams.items():
        U[SIM.S_[name]] = v
    return SIM.new_month(st, m, U, calendar=st.calendar)


def _open(st, log, rows, slot, m=0):
    rows = np.asarray(rows)
    SIM.open_contracts(st, log, rows, np.full(len(rows), slot), m, np.zeros(len(rows), np.int8), np.zeros(len(rows), np.int8))


def test_billing_bills_running_contracts_from_the_month_after_they_start():
    st, log = _state(), SIM.Log()
    _open(st, log, [0, 1], P.B_CURRENT, m=2)
    _open(st, log, [2], P.B_CURRENT, m=5)
    SIM.step_billing(st, log, _month(st, m=5))
    tx = log.tx.frame(["row", "month", "amount"], log.tx.dtypes)
    assert sorted(tx["row"]) == [0, 1]
    assert (tx["amount"] == st.amount[[0, 1], P.B_CURRENT]).all() and (tx["amount"] > 0).all()


def test_marriage_moves_a_single_to_couple_and_opens_needs():
    st, log = _state(), SIM.Log()
    st.stage[:] = L.YOUNG_SINGLE
    st.married[:] = False
    st.birth[:] = 5 - 30 * 12  # everyone 30: the marriage hazard is the first one
    mo = _month(st, m=5, event=0.0)  # the lowest uniform picks the first event of the list
    SIM.step_random_events(st, log, mo)
    assert st.married.all() and (st.stage == L.COUPLE).all()
    assert (st.last_event[:, L.MARRIAGE] == 5).all()
    assert (st.need[:, P.I_HOME] > 0).all()


def test_retirement_lowers_income_and_changes_the_stage():
    st, log = _state(), SIM.Log()
    st.stage[:] = L.EMPTY_NEST
    st.retire_month[:] = 5
    before = st.income.copy()
    SIM.step_scheduled_events(st, log, _month(st, m=5))
    assert (st.stage == L.RETIRED).all() and not st.working.any()
    np.testing.assert_allclose(st.income, before * PARAMS.events.retirement_income_ratio)


def test_purchases_never_open_a_held_product():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_CURRENT)
    st.need[:] = 1.0
    n_before = st.nheld.copy()
    act, p_buy = SIM.step_purchases(st, log, _month(st, buy=0.0))
    assert (p_buy[:, P.B_CURRENT] == 0).all()
    o = log.opens.frame(["row", "slot"], dict(row=np.int64, slot=np.int8))
    assert ((o["slot"] == P.B_CURRENT).sum() == N)  # only the first opening
    assert (st.nheld == st.hold.sum(axis=1)).all() and (st.nheld >= n_before).all()


def test_an_at_fault_auto_claim_raises_the_bonus_malus_coefficient():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.I_AUTO)
    st.coef[:] = 1.0
    # a tiny uniform: every driver claims; v = u / p is small but above the refusal share
    # only if u is not too small, so pick u just under p
    mo = _month(st, claim_auto=0.0)
    p = P.auto_claim_freq(mo.age, st.coef, st.risky) / 12
    mo.U[SIM.S_["claim_auto"]] = (p * 0.99).astype(np.float32)
    SIM.step_claims(st, log, mo)
    w = (0.99 - P.CLAIM_REFUSAL_P) / (1 - P.CLAIM_REFUSAL_P)
    at_fault = (w * 11 % 1) < P.RESPONSIBLE_P
    expected = PARAMS.claims.malus_factor if at_fault else 1.0
    np.testing.assert_allclose(st.coef, expected, rtol=1e-6)
    tx = log.tx.frame(["row", "kind"], dict(row=np.int64, kind=np.int8))
    assert (tx["kind"] == P.CLAIM).sum() == N


def test_january_review_gives_the_bonus_to_claim_free_drivers():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.I_AUTO)
    st.coef[:] = 0.8
    st.auto_claims[:] = 0
    st.auto_claims[:5] = 1
    SIM.step_repricing(st, log, _month(st, m=12, january=True))
    np.testing.assert_allclose(st.coef[5:], 0.8 * PARAMS.repricing.bonus_factor)
    np.testing.assert_allclose(st.coef[:5], 0.8)


def test_an_exit_after_an_incident_is_a_churn_with_the_incident_as_reason():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_CURRENT)
    refused = np.zeros(N, bool)
    refused[:3] = True
    mo = _month(st, incident=0.99, response=0.0)  # no random incident; the lowest response is exit
    SIM.step_incidents(st, log, mo, refused, np.zeros(N, bool))
    assert not st.active[:3].any() and st.active[3:].all()
    assert (st.churn_reason[:3] == CHURN_REASONS.index("claim_refused")).all()
    assert not st.hold[:3].any()


def test_churn_closes_every_contract_and_death_comes_first():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_CURRENT)
    _open(st, log, np.arange(N), P.B_SAVINGS)
    st.birth[:10] = 5 - 105 * 12  # very old: the mortality hazard exceeds the uniform
    st.base_churn[10:20] = 10.0   # capped hazard: they leave
    st.base_churn[20:] = 0.0
    mo = _month(st, m=5, churn=0.01)
    SIM.step_churn(st, log, mo)
    assert (st.churn_reason[:10] == CHURN_REASONS.index("death")).all()
    assert not st.active[:20].any() and st.active[20:].all()
    assert not st.hold[:20].any() and (st.nheld[:20] == 0).all()
    c = log.closes.frame(["row", "reason"], dict(row=np.int64, reason=np.int8))
    assert set(c["row"]) == set(range(20))
    assert (c["reason"][c["row"] < 10] == END_REASONS.index("death")).all()


def test_deposits_raise_balances_and_are_dated_in_their_contract():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_SAVINGS, m=5)
    st.dep_rate[:] = 5.0  # nearly certain
    before = st.balance[:, P.B_SAVINGS].copy()
    mo = _month(st, m=5, deposit=0.3)
    SIM.step_deposits(st, log, mo)
    assert (st.balance[:, P.B_SAVINGS] > before * (1 - P.WITHDRAWAL_RATE)).all()
    tx = log.tx.frame(["row", "day", "kind"], dict(row=np.int64, day=np.int8, kind=np.int8))
    assert (tx["kind"] == P.DEPOSIT).sum() == N
    assert (tx["day"] >= st.cstart_d[tx["row"], P.B_SAVINGS]).all()


def test_loans_end_at_term():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_CONSUMER, m=0)
    mo = _month(st, m=P.LOAN_TERM[P.B_CONSUMER], term=0.99)
    SIM.step_terminations(st, log, mo)
    assert not st.hold[:, P.B_CONSUMER].any()
    c = log.closes.frame(["reason"], dict(reason=np.int8))
    assert (c["reason"] == END_REASONS.index("term")).all()


def test_satisfaction_returns_towards_its_base():
    st, log = _state(), SIM.Log()
    st.Sat[:] = 0.0
    SIM.step_satisfaction(st, log, _month(st, sat=0.5))
    np.testing.assert_allclose(st.Sat, np.clip(PARAMS.satisfaction.reversion * st.sat_base, 0, 1))


def test_service_contacts_cost_their_channel():
    st, log = _state(), SIM.Log()
    _open(st, log, np.arange(N), P.B_CURRENT)
    SIM.step_service(st, log, _month(st, service_n=0.999))
    i = log.inter.frame(["row", "channel", "cost"], log.inter.dtypes)
    assert len(i["row"]) == 2 * N
    np.testing.assert_allclose(i["cost"], SIM.C.COST[i["channel"]])
