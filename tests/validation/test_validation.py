"""Validation against published figures; each test prints what it got.

The cohort targets run 300 simulated patients a preset; they are marked slow and also run by
``seedsoil-sim validate``, which adds the leave-one-out predictions and the anatomy-only cohorts.
"""

import math

import numpy as np
import pytest

from sim_core.science import validation as V
from sim_core.science.disibio import COLORECTAL, POOLED_SHARES, ROWS, tv_distance


def _check(results):
    for r in results:
        print(
            f"{r.name}: got {r.got:.4g}, expected {r.expected:.4g} {r.tolerance} ({r.kind}), "
            f"{'pass' if r.passed else 'FAIL'}"
        )
    failed = [r.name for r in results if not r.passed]
    assert not failed, failed


def test_luzzi_liver_cascade():
    _check(V.luzzi_targets())


def test_fidler_lung_survival_and_day_14_metastases():
    _check(V.fidler_targets())


#: The in-sample distance this model reaches today (``seedsoil-sim validate`` holds it to the
#: issue's 0.10 and reports the rows that miss it): a guard against the fit getting worse.
IN_SAMPLE_GUARD = 0.20


@pytest.mark.slow
@pytest.mark.parametrize("preset", list(ROWS) + ["colorectal"])
def test_disibio_autopsy_row_in_sample(preset):
    tvd, mpp, muscle = V.cohort_targets(preset)
    for r in (tvd, mpp, muscle):
        print(f"{r.name}: got {r.got:.4g}, target {r.tolerance} ({r.kind}) {'met' if r.passed else 'NOT met'}")
    assert tvd.got <= IN_SAMPLE_GUARD
    assert mpp.passed and muscle.passed


def test_tv_distance_is_zero_for_identical_and_one_for_disjoint_shares():
    assert tv_distance([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)
    assert tv_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert tv_distance([3, 1], [1, 1]) == pytest.approx(0.25)


def test_autopsy_rows_are_the_published_figures():
    """Shares per row sum to 1 and reproduce DiSibio's own % of metastases where it prints them
    (breast liver 9.8 %, colorectal liver 18.0 %, prostate bone 19.7 %) within rounding."""
    for row in list(ROWS.values()) + [COLORECTAL]:
        assert row.shares().sum() == pytest.approx(1.0)
        assert (row.shares() >= -1e-9).all(), row.preset
    assert ROWS["breast"].shares()[2] == pytest.approx(0.098, abs=0.002)
    assert COLORECTAL.shares()[2] == pytest.approx(0.180, abs=0.004)
    assert ROWS["prostate"].shares()[4] == pytest.approx(0.197, abs=0.002)
    assert len(ROWS) == 14
    assert POOLED_SHARES.sum() == pytest.approx(1.0)
    base = np.mean([tv_distance(POOLED_SHARES, r.shares()) for r in ROWS.values()])
    print("mean TVD of the pooled row against the 14 rows", round(base, 3))
    assert 0.12 < base < 0.22


def test_r2_log_is_one_for_proportional_shares_and_low_for_unrelated():
    assert V.r2_log([0.5, 0.3, 0.2], [0.25, 0.15, 0.1]) == pytest.approx(1.0)
    assert V.r2_log([0.1, 0.2, 0.3, 0.4], [0.4, 0.1, 0.4, 0.1]) < 0.3


def test_fitted_numbers_are_counted_against_the_data_points():
    s = V.summary([], [])
    print("free parameters", s["free_parameters"], "data points", s["data_points"])
    # 13 soils - 1 + 8 shared (the serosal breach among them) + 14 rates + 14 lymph + 5 group
    # affinities, and the 8 mouse ones; no cavity value per primary (its anatomy, not a fit)
    assert s["free_parameters"] == 12 + 8 + 14 + 14 + 5 + 8
    assert s["data_points"] == 13 * 14 + 1 + 5 + 2
    assert s["checks"]["free_parameters_at_most_half_of_data"]


def test_lung_arrest_is_anchored_at_its_measured_value():
    """Lung arrest is fitted with a weak anchor at Butler's 1 - 1/12 (sd 1.5 logit units): the
    anchor's residual is the value's logit distance from 0.92 over 1.5, and nothing else pulls."""
    from sim_core.science import calibration as C

    fit = C.AutopsyFit(["breast", "colon"], models={"breast": None, "colon": None})
    x = fit.neutral_start()
    base = np.array(fit._prior(x))
    j = fit.index[("shared", "arrest.lung")]
    assert C._sigmoid(x[j]) == pytest.approx(0.92)
    x[j] = C._logit(0.5)
    moved = np.array(fit._prior(x))
    diff = np.flatnonzero(moved != base)
    assert diff.size == 1
    assert moved[diff[0]] == pytest.approx((C._logit(0.5) - C._logit(0.92)) / 1.5)


def test_the_fit_reuses_a_table_only_when_the_preset_s_own_values_are_unchanged():
    """Moving the melanoma's own affinity leaves the breast's table the same object (reused) and
    gives the melanoma a new one; a fresh fit at the moved point computes equal tables, so reuse
    changes no number. A solver step far past a bound decodes to the bound instead of overflowing."""
    from sim_core.science import calibration as C

    fit = C.AutopsyFit(["breast", "melanoma"])
    x = fit.start()
    t0 = fit.tables(x)
    x1 = x.copy()
    x1[fit.index[("affinity:melanoma", "affinity.other")]] += 0.5
    t1 = fit.tables(x1)
    assert t1["breast"] is t0["breast"]
    assert t1["melanoma"] is not t0["melanoma"]
    fresh = C.AutopsyFit(["breast", "melanoma"]).tables(x1)
    for n in ("breast", "melanoma"):
        assert fresh[n]["shares"] == t1[n]["shares"]
        assert fresh[n]["metastases_per_patient"] == t1[n]["metastases_per_patient"]
    assert fresh["melanoma"]["shares"] != t0["melanoma"]["shares"]
    x2 = x.copy()
    x2[fit.index[("soil", "brain")]] = 1e6
    x2[fit.index[("shared", "arrest.node")]] = -1e6
    far = fit.decode(x2)
    assert far.shared["soil.brain"] == C.BY_PATH["soil.brain"].hi
    assert far.shared["arrest.node"] == C.BY_PATH["arrest.node"].lo


@pytest.mark.parametrize("held", ["ovary", "prostate"])
def test_the_left_out_row_cannot_leak_into_its_own_prediction(monkeypatch, held):
    """The refit without a row starts from a point that owes nothing to any fit (every soil and
    affinity 1), and replacing the left-out row's published figures by nonsense changes nothing in
    the values that predict it (a short refit, so the test is quick; the property does not depend
    on it). The ovary belongs to no affinity group: all its affinities are 1. The prostate belongs
    to the bone group: it takes the value the group's other members were fitted to, and no other."""
    from sim_core.model.fitted_values import FITTED
    from sim_core.science import calibration as C
    from sim_core.science import disibio

    fit = C.AutopsyFit([n for n in disibio.ROWS if n != held])
    start = fit.decode(fit.neutral_start())
    assert all(start.shared[f"soil.{k}"] == pytest.approx(1.0) for k in C.SOIL_KEYS)
    assert all(start.shared[k] == pytest.approx(v) for k, v in C.SHARED.items())
    assert all(
        v == pytest.approx(1.0)
        for n in start.per_preset
        for k, v in start.per_preset[n].items()
        if k.startswith("affinity.")
    )
    assert start.shared["soil.lung"] != pytest.approx(FITTED["soil.lung"][0])
    before = C.left_out_values(held, max_nfev=2)
    junk = disibio.AutopsyRow(held, "junk", 1, 99.0, tuple([100.0] * 12))
    monkeypatch.setitem(disibio.ROWS, held, junk)
    after = C.left_out_values(held, max_nfev=2)
    assert before == after
    grouped = {a.soil for a in C.AFFINITIES if held in a.presets and len(a.presets) > 1}
    print(held, "affinities from its groups", {k: v for k, v in before.items() if k.startswith("affinity.")})
    assert grouped == ({"bone"} if held == "prostate" else set())
    assert all(v == 1.0 for k, v in before.items() if k.startswith("affinity.") and k[9:] not in grouped)
    if grouped:
        # the value comes from the group's column of the fit without the held-out row
        a = next(a for a in C.AFFINITIES if held in a.presets and len(a.presets) > 1)
        x = fit.neutral_start()
        x[fit.index[(a.owner, "affinity.bone")]] = np.log(3.0)
        assert fit.held_out_params(fit.decode(x), held)["affinity.bone"] == pytest.approx(3.0)


def test_a_left_out_primarys_cavity_share_is_its_anatomy_times_the_others_breach():
    """No primary's cavity share is fitted to its own row: it is its exposure and covering (its
    preset's anatomy) times the one breach value fitted to the others. Left out, the ovary (bare
    surface) sheds its exposed share whatever the breach; the stomach (wholly under peritoneum) sheds
    the breach the others' fit gives; the breast (outside the pleura) none."""
    from sim_core.model.engine import cavity_share
    from sim_core.model.scenario import load_scenario
    from sim_core.science import calibration as C
    from sim_core.science import disibio

    for held, breach, want in (("ovary", 0.2, 1.0), ("stomach", 0.2, 0.2), ("stomach", 0.7, 0.7), ("breast", 0.7, 0.0)):
        fit = C.AutopsyFit([n for n in disibio.ROWS if n != held], models={n: None for n in disibio.ROWS})
        assert not any(path == "shedding.cavity_fraction" or owner == held for owner, path in fit.layout)
        x = fit.start()
        x[fit.index[("shared", "cavity.breach")]] = C._logit(breach)
        got = cavity_share(fit.held_out_params(fit.decode(x), held))
        print(held, "breach", breach, "cavity share", round(got, 6))
        assert got == pytest.approx(want, rel=1e-5, abs=1e-9)
    rectum = load_scenario("rectum").params
    rectum.set("cavity.breach", 0.5)
    assert cavity_share(rectum) == pytest.approx(0.125)  # a quarter exposed, half of it crossing


def test_a_left_out_primary_takes_the_shedding_of_the_primaries_that_kill_as_it_does():
    """The oesophagus, left out, takes the geometric-mean shedding rate of the other primaries that
    kill by closing a passage (colon, rectum, cervix); the breast that of the primaries that kill by
    their spread; neither reads its own rate."""
    from sim_core.science import calibration as C
    from sim_core.science import disibio

    assert set(C.OBSTRUCTING) <= set(disibio.ROWS)
    for held in ("oesophagus", "breast"):
        fit = C.AutopsyFit([n for n in disibio.ROWS if n != held], models={n: None for n in disibio.ROWS})
        x = fit.start()
        for i, n in enumerate(fit.presets):
            x[fit.index[(n, "shedding.rate_per_g_day")]] = math.log(1e4 * (i + 1))
        res = fit.decode(x)
        same = [n for n in fit.presets if (n in C.OBSTRUCTING) == (held in C.OBSTRUCTING)]
        assert len(same) == (3 if held == "oesophagus" else 9)
        want = math.exp(np.mean([math.log(res.per_preset[n]["shedding.rate_per_g_day"]) for n in same]))
        got = fit.held_out_params(res, held)["shedding.rate_per_g_day"]
        print(held, "left-out shedding", round(got), "from", same)
        assert got == pytest.approx(want, rel=1e-9)


def test_calibrate_without_scipy_says_so_in_one_line(monkeypatch):
    import sys

    from sim_core.model.errors import InputError
    from sim_core.science import calibration as C

    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(InputError, match=r"^calibrate: scipy: .*seedsoil\[calibrate\]"):
        C.require_scipy()


def test_stored_left_out_values_were_fitted_to_todays_other_rows(monkeypatch):
    """validate predicts each row with values refitted without it; they must have been fitted to
    the current data of the other rows (and take no affinity but its groups', as the other members
    showed them)."""
    from sim_core.model.fitted_values import LEFT_OUT, LEFT_OUT_DATA
    from sim_core.science import calibration as C
    from sim_core.science import disibio

    assert set(LEFT_OUT) == set(disibio.ROWS)
    for held in disibio.ROWS:
        others = [n for n in disibio.ROWS if n != held]
        assert LEFT_OUT_DATA[held] == C.data_fingerprint(others), held
        grouped = {a.soil for a in C.AFFINITIES if held in a.presets and len(a.presets) > 1}
        assert all(v == 1.0 for k, v in LEFT_OUT[held].items() if k.startswith("affinity.") and k[9:] not in grouped), (
            held
        )
        p = V.leave_one_out_params(held)
        assert p["soil.lung"] == LEFT_OUT[held]["soil.lung"]
        # the held-out primary's own affinities are 1 (stored values list only its groups' others)
        own = {k: v for k, v in p.items() if k.startswith("affinity.") and k[9:] not in grouped}
        assert own and set(own.values()) == {1.0}, held
    # changed data make the stored values stale: one clear error, no prediction
    junk = disibio.AutopsyRow("colon", "junk", 1, 99.0, tuple([100.0] * 12))
    monkeypatch.setitem(disibio.ROWS, "colon", junk)
    with pytest.raises(V.StaleLeftOut, match="calibrate --left-out-only"):
        V.leave_one_out_params("breast")
    assert V.leave_one_out_params("colon")["soil.lung"] == LEFT_OUT["colon"]["soil.lung"]


def test_relapse_by_node_splits_the_cohort_and_reads_each_groups_late_rate():
    """Node-negative: 10 patients, 1 relapsed at 3 y (not late), 2 at 8 and 12 y: free 0.9 at 5 y
    and 0.7 at 20 y. Node-positive: 4 patients, 1 present at surgery, 1 at 6 y."""
    first = [None] * 7 + [3.0, 8.0, 12.0] + [0.0, 6.0, None, None]
    node = [False] * 10 + [True] * 4
    neg, pos = V.relapse_by_node({"first_distant_metastasis_years": first, "node_positive_at_surgery": node})
    print(neg, pos)
    assert (neg["group"], neg["patients"], pos["group"], pos["patients"]) == ("node-negative", 10, "node-positive", 4)
    assert neg["free_at_5_years"] == pytest.approx(0.9) and pos["free_at_5_years"] == pytest.approx(0.75)
    assert neg["late_rate"] == pytest.approx(-math.log(0.7 / 0.9) / 15)
    assert pos["late_rate"] == pytest.approx(-math.log(0.5 / 0.75) / 15)
    assert neg["published_late_rate"] == pytest.approx(-math.log(0.87) / 15)
    assert pos["published_late_rate"] == pytest.approx(-math.log(0.80) / 15)
    empty = V.relapse_by_node({"first_distant_metastasis_years": [None], "node_positive_at_surgery": [False]})
    assert empty[1]["patients"] == 0 and empty[1]["late_rate"] is None


def test_relapse_target_reads_the_metastasis_free_curve():
    fake = {
        "metastasis_free": [
            {"years": y, "fraction": math.exp(-0.01 * y) * (0.9 if y >= 2 else 1.0)} for y in range(21)
        ],
        "pct_node_positive_at_surgery": 30.0,
    }
    node, early, late = V.relapse_targets(table=fake)
    assert node.got == pytest.approx(0.30) and node.passed
    assert early.got == pytest.approx(1 - 0.9 * math.exp(-0.02))
    assert late.got == pytest.approx(0.01)
    assert late.passed == (V.PAN_T1N0_RATE / 2 <= 0.01 <= 2 * V.PAN_T1N0_RATE)


def test_relapse_hazard_reads_the_yearly_hazard_and_where_it_peaks():
    """A curve with a yearly hazard of 0.02, 0.05, 0.04 in years 0-3 and 0.01 after: the peak lies in
    years 1-2 and the first five years average (0.02 + 0.05 + 0.04 + 0.01 + 0.01) / 5 = 0.026."""
    rates = [0.02, 0.05, 0.04] + [0.01] * 17
    cum = np.concatenate([[0.0], np.cumsum(rates)])
    hz = V.relapse_hazard({"metastasis_free": [{"years": y, "fraction": math.exp(-c)} for y, c in enumerate(cum)]})
    print(hz)
    assert [r["hazard"] for r in hz["yearly"]] == pytest.approx(rates)
    assert hz["peak_years"] == [1, 2] and hz["published_peak_years"] == [1, 2]
    assert hz["peak_over_first_5_years"] == pytest.approx(0.05 / 0.026)
    assert hz["published_peak_over_first_5_years"] == pytest.approx(15.2 / 10.4)
    # nobody free from year 3 on: no hazard after it, and none over the first five years
    dead = V.relapse_hazard({"metastasis_free": [{"years": y, "fraction": 1.0 if y < 3 else 0.0} for y in range(6)]})
    assert [r["hazard"] for r in dead["yearly"]] == [0.0, 0.0, None, None, None]
    assert dead["peak_over_first_5_years"] is None


def test_validate_reports_relapse_by_node_in_json_and_table(monkeypatch, capsys):
    """The report reaches `validate --json` and the printed table (the cohorts themselves are
    replaced here by a fixed relapse table: the wiring is under test, not the model)."""
    import json

    from sim_core.tools import cli

    table = {
        "first_distant_metastasis_years": [None, 8.0, 0.0, None],
        "node_positive_at_surgery": [False, False, True, True],
        "metastasis_free": [{"years": y, "fraction": 1.0} for y in range(21)],
        "pct_node_positive_at_surgery": 50.0,
    }

    def fake_targets(workers=None, progress=None, executor=None, reports=None, tables=None):
        reports["relapse_by_node"] = V.relapse_by_node(table)
        reports["relapse_hazard"] = V.relapse_hazard(table)
        return V.relapse_targets(table=table)

    monkeypatch.setattr(V, "simulate_all", lambda ex, progress=None: {})
    monkeypatch.setattr(V, "all_targets", fake_targets)
    monkeypatch.setattr(V, "leave_one_out", lambda t: [])
    monkeypatch.setattr(V, "anatomy_only", lambda t: [])
    assert cli.main(["validate", "--json", "--workers", "1"]) == 1
    out = json.loads(capsys.readouterr().out)
    groups = {r["group"]: r for r in out["relapse_by_node"]}
    assert groups["node-negative"]["late_rate"] == pytest.approx(-math.log(0.5) / 15)
    assert groups["node-positive"]["free_at_5_years"] == pytest.approx(0.5)
    assert cli.main(["validate", "--workers", "1"]) == 1
    text = capsys.readouterr().out
    assert "breast relapse by node status" in text and "node-positive" in text and "0.0462" in text
    # the curve is flat (nobody relapses): its first year is the peak, 0 over 0 has no ratio
    assert out["relapse_hazard"]["peak_years"] == [0, 1] and out["relapse_hazard"]["peak_over_first_5_years"] is None
    assert "breast relapse hazard by year after surgery: 0.000 0.000" in text and "(published 1-2)" in text


def test_sampling_floor_of_the_autopsy_rows():
    """The distance a row keeps from itself by chance: large for small series, small for large ones,
    and close to the normal approximation of its binomial spread (a check with other arithmetic)."""
    from sim_core.science.disibio import sampling_tvd

    got = {n: sampling_tvd(r) for n, r in ROWS.items()}
    print({n: round(v, 4) for n, v in got.items()})
    assert got["breast"] == pytest.approx(0.0215, abs=0.002)  # 432 patients, 2,233 metastases
    assert got["sarcoma"] == pytest.approx(0.118, abs=0.006)  # 35 patients, 88 metastases
    assert sampling_tvd(ROWS["colon"]) == got["colon"]  # the same seed, the same figure
    for n, r in ROWS.items():
        # E|X - p| ~ sqrt(2/pi) sd for each share (binomial patients; "other" Poisson), half the sum
        q = np.array(r.pct_patients) / 100.0
        sd_named = np.sqrt(q * (1 - q) / r.patients) / r.mets_per_patient
        sd_other = math.sqrt(r.shares()[-1] / (r.mets_per_patient * r.patients))
        approx = 0.5 * math.sqrt(2 / math.pi) * (sd_named.sum() + sd_other)
        assert got[n] == pytest.approx(approx, rel=0.25), n


def test_validate_simulates_every_cohort_it_reads_in_one_batch(monkeypatch):
    """``simulate_all`` queues each cohort ``validate`` reads with the values it must have, and the
    targets, left-out and anatomy-only reports read those tables instead of simulating again (the
    batch is replaced here by its list of jobs: the wiring is under test, not the model)."""
    from sim_core.model.params import Params

    jobs: dict = {}

    def fake_batch(js, ex, done=None):
        jobs.update(js)
        return {k: {"categories": {}} for k in js}

    monkeypatch.setattr(V, "run_cohorts", fake_batch)
    V.simulate_all(None)
    assert list(jobs)[0] == "relapse"  # the longest cohort is queued first
    r = jobs["relapse"]
    assert (r.patients, r.years, r.surgery_at_mm) == (V.RELAPSE_PATIENTS, V.RELAPSE_YEARS, V.RELAPSE_SURGERY_MM)
    assert {k for k in jobs if k.startswith("cohort ")} == {f"cohort {n}" for n in [*ROWS, "colorectal"]}
    for n in ROWS:
        held = jobs[f"left out {n}"]
        assert held.patients == V.COHORT_PATIENTS and not held.anatomy_only
        assert held.scenario.params.as_dict() == Params(V.leave_one_out_params(n)).as_dict()
        anat = jobs[f"anatomy {n}"]
        assert anat.anatomy_only and anat.patients == V.ANATOMY_PATIENTS and anat.scenario.name == n
    # the reports read the tables: a left-out table equal to its autopsy row is at distance 0
    tables = {
        f"left out {n}": {
            "categories": {c: {"pct_metastases": s} for c, s in zip(V.CATEGORIES, ROWS[n].shares(), strict=True)}
        }
        for n in ROWS
    }
    loo = V.leave_one_out(tables)
    assert [r["primary"] for r in loo] == list(ROWS) and all(r["tvd"] == 0.0 for r in loo)
