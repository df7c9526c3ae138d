"""Virtual cohorts: what an autopsy can see, surgery and relapse, anatomy only, the step, and the
expected-value calculation that steers calibration."""

import itertools
import math

import numpy as np
import pytest

from sim_core import load_scenario
from sim_core.model.body_graph import CATEGORIES
from sim_core.model.engine import Engine, cells_to_mm, default_graph, mm_to_cells
from sim_core.model.params import BY_PATH
from sim_core.science.cohort import detect_cells, patient_scenario, run_cohort
from sim_core.science.disibio import tv_distance


def test_detection_thresholds_are_sizes_an_observer_can_see():
    g = default_graph()
    p = load_scenario("breast").params
    d = detect_cells(g, p)
    node, organ = d[g.index["node:axillary"]], d[g.index["organ:liver"]]
    assert cells_to_mm(node, p["primary.cells_per_g"]) == pytest.approx(2.0)
    assert cells_to_mm(organ, p["primary.cells_per_g"]) == pytest.approx(3.0)
    assert mm_to_cells(3.0, 1e8) == pytest.approx(math.pi / 6 * 0.3**3 * 1e8)
    # a balanced micrometastasis (1e5 cells, ~1.2 mm) is too small for either
    assert p["micro.cap_cells"] < node < organ


def test_cohort_counts_detectable_lesions_and_reports_any_lesion_and_sizes():
    r = run_cohort(load_scenario("breast"), 40, 5.0, 3, workers=1)
    assert 0 < r["pct_patients_detectable"] <= r["pct_patients_any"] <= 100
    liver = r["sites"]["organ:liver"]
    assert set(liver) >= {"name", "pct_patients", "pct_patients_any", "pct_metastases", "largest_lesion_cells"}
    assert liver["pct_patients"] <= liver["pct_patients_any"]
    shares = [r["categories"][c]["pct_metastases"] for c in CATEGORIES]
    assert sum(shares) == pytest.approx(100.0)
    total = sum(v["pct_patients"] for k, v in r["categories"].items() if k != "other")
    print("metastases per patient", r["metastases_per_patient"], "named sites", total / 100)
    assert r["metastases_per_patient"] >= total / 100 - 1e-9


def test_weekly_and_daily_cohort_steps_agree():
    """Every rule is an exact hazard over the step, so weekly cohort steps give the daily answer."""
    import sim_core.science.cohort as C

    sc = load_scenario("colon")
    a = run_cohort(sc, 150, 3.0, 11, workers=2)
    old = C.COHORT_DT_DAYS
    try:
        C.COHORT_DT_DAYS = 1.0
        b = run_cohort(sc, 150, 3.0, 11, workers=2)
    finally:
        C.COHORT_DT_DAYS = old
    pa = np.array([a["categories"][c]["pct_patients"] for c in CATEGORIES])
    pb = np.array([b["categories"][c]["pct_patients"] for c in CATEGORIES])
    print("weekly", pa.round(1), "daily", pb.round(1))
    # same patients (same seeds, doubling times, shedding factors): the % of 150 patients agree
    # within a few patients per site
    assert np.abs(pa - pb).max() <= 15.0
    assert abs(a["metastases_per_patient"] - b["metastases_per_patient"]) <= 0.25 * max(
        b["metastases_per_patient"], 0.5
    )


def test_mixture_preset_draws_each_patient_from_its_components():
    sc = load_scenario("colorectal")
    names = [patient_scenario(sc, 5, i).name for i in range(400)]
    share = names.count("rectum") / len(names)
    print("rectal share", share)
    assert set(names) == {"colon", "rectum"}
    assert abs(share - 437 / 560) < 0.06


def test_surgery_cohort_reports_a_relapse_curve():
    r = run_cohort(load_scenario("breast"), 24, 6.0, 9, workers=2, surgery_at_mm=15.0)
    free = r["metastasis_free"]
    assert [row["years"] for row in free] == list(range(7))
    fr = [row["fraction"] for row in free]
    assert all(a >= b for a, b in itertools.pairwise(fr)) and 0 <= fr[-1] <= fr[0] <= 1
    first = r["first_distant_metastasis_years"]
    assert len(first) == 24 and all(x is None or 0 <= x <= 6.0 + 1e-6 for x in first)
    # the curve is the patients' own times, counted
    for row in free:
        frac = sum(1 for x in first if x is None or x > row["years"]) / 24
        assert row["fraction"] == pytest.approx(frac)
    node = r["node_positive_at_surgery"]
    assert len(node) == 24 and all(isinstance(x, bool) for x in node)
    assert r["pct_node_positive_at_surgery"] == pytest.approx(100.0 * sum(node) / 24)
    assert r["median_years_to_surgery"] > 0


def test_cohorts_run_as_one_batch_give_the_tables_of_cohorts_run_one_by_one():
    """``run_cohorts`` (how ``validate`` runs its cohorts) queues every cohort's patients together;
    each table must be the one ``run_cohort`` gives, per-patient lists in patient order included."""
    from concurrent.futures import ProcessPoolExecutor

    from sim_core.science.cohort import CohortJob, run_cohorts

    jobs = {
        "relapse": CohortJob(load_scenario("breast"), 9, 3.0, 5, surgery_at_mm=15.0),
        "anatomy": CohortJob(load_scenario("prostate"), 7, 2.0, 3, anatomy_only=True),
        "mixture": CohortJob(load_scenario("colorectal"), 6, 2.0, 1),
    }
    seen: list[str] = []
    with ProcessPoolExecutor(max_workers=2) as ex:
        got = run_cohorts(jobs, ex, done=seen.append, chunk=2)
    assert sorted(seen) == sorted(jobs) and list(got) == list(jobs)
    for key, j in jobs.items():
        one = run_cohort(
            j.scenario,
            j.patients,
            j.years,
            j.seed,
            workers=1,
            surgery_at_mm=j.surgery_at_mm,
            anatomy_only=j.anatomy_only,
        )
        assert got[key] == one, key
    assert len(got["relapse"]["first_distant_metastasis_years"]) == 9 and got["anatomy"]["anatomy_only"] is True


def test_anatomy_only_sets_every_soil_and_affinity_to_one():
    sc = load_scenario("prostate")
    eng = Engine(sc)
    assert eng.site_soil(eng.graph.index["organ:spine"]) != pytest.approx(1.0)
    sc.params.set("soil.weight", 0.0)
    eng = Engine(sc)
    g = eng.graph
    soils = [eng.site_soil(c) for c in range(g.n) if g.soil_key[c]]
    assert soils == pytest.approx([1.0] * len(soils))
    r = run_cohort(load_scenario("prostate"), 12, 2.0, 1, workers=1, anatomy_only=True)
    assert r["anatomy_only"] is True


def test_expected_value_calculation_agrees_with_simulated_cohorts():
    """The fit's surrogate and the simulation are the same model. Where the surrogate's
    simplifications do not bite (no metastases seeding metastases, nobody dying of the tumour
    burden before the examination), shares agree within a total-variation distance of 0.05 and
    metastases per patient within 15 % (400 patients; measured 0.022 and -3 % for breast). Two
    400-patient simulated cohorts differ by 0.016-0.041 on other seeds."""
    from sim_core.science.expected import PresetModel

    for name in ("breast", "colon"):
        sc = load_scenario(name)
        sc.params.set("shedding.from_metastases", 0.0)
        sc.params.set("patient.lethal_cells", BY_PATH["patient.lethal_cells"].hi)
        e = PresetModel(sc.params, sc.primary, 5.0).table()
        r = run_cohort(sc, 400, 5.0, 21, workers=2)
        sim = [r["categories"][c]["pct_metastases"] for c in CATEGORIES]
        exp = [e["shares"][c] for c in CATEGORIES]
        tvd = tv_distance(sim, exp)
        print(
            name,
            "TVD expected vs simulated",
            round(tvd, 3),
            "mpp",
            round(e["metastases_per_patient"], 2),
            round(r["metastases_per_patient"], 2),
        )
        assert tvd < 0.05
        assert abs(e["metastases_per_patient"] / r["metastases_per_patient"] - 1) < 0.15


def test_the_surrogate_splits_shed_cells_among_blood_lymph_and_cavity_as_the_engine_does():
    """The ovary's lymph share and its bare surface's cavity share add up to more than 1; the
    engine takes them as weights (its shares always add up to 1), and so must the fit's surrogate,
    which once gave the ovary 1.38 cells for each one shed. The breast (no cavity) and the stomach
    (a serosa) check the ordinary case."""
    from sim_core.kernels.rules import class_shares
    from sim_core.model.body_graph import VESSEL_CLASS
    from sim_core.model.engine import cavity_share, routed
    from sim_core.science.expected import Transport

    for name in ("ovary", "breast", "stomach"):
        sc = load_scenario(name)
        eng = Engine(sc)
        g = routed(default_graph(), sc.params)
        c = g.index[sc.primary]
        want = np.array(class_shares(c, g.out_ptr, g.out_idx, VESSEL_CLASS[g.v_kind], eng.rates()))
        want /= want.sum()
        x0 = Transport(g, sc.params).shed_into(c, sc.params["shedding.lymph_fraction"], cavity_share(sc.params))
        got = np.array([x0[VESSEL_CLASS[g.v_kind] == k].sum() for k in range(3)])
        print(name, "blood, lymph, cavity:", got.round(4), "engine:", want.round(4))
        assert got == pytest.approx(want, abs=1e-12)
    assert sc.params["shedding.lymph_fraction"] > 0 and got[2] > 0  # the stomach sheds both ways


def _moved(spec, value: float) -> float:
    """A value of the parameter inside its range and clearly away from ``value``."""
    for v in (value * 1.5 + 0.1, value * 0.5, 0.5 * (spec.lo + spec.hi)):
        v = min(max(v, spec.lo), spec.hi)
        if abs(v - value) > 1e-6 * max(1.0, abs(value)):
            return v
    return value


def test_transport_reads_only_its_keys():
    """The expected-value model keeps one transport per value of ``TRANSPORT_KEYS``: every other
    parameter, moved inside its range, leaves the transport as it was. (The key once lacked
    arrest.lung: the fit's derivative along it was zero and the value never moved.)"""
    from sim_core.model.engine import routed
    from sim_core.science.expected import TRANSPORT_KEYS, Transport

    g = default_graph()
    p = load_scenario("breast").params
    ref = Transport(routed(g, p), p)
    changed = []
    for path, spec in BY_PATH.items():
        q = p.copy()
        v = _moved(spec, p[path])
        if v == p[path]:
            continue
        q.set(path, v)
        t = Transport(routed(g, q), q)
        if any(not np.array_equal(a, b) for a, b in zip(ref._solve, t._solve, strict=True)) or t.cf != ref.cf:
            changed.append(path)
    outside = sorted(set(changed) - set(TRANSPORT_KEYS))
    assert not outside, f"the transport reads parameters its cache key leaves out: {outside}"
    assert "arrest.lung" in changed and "arrest.liver" in changed


def test_expected_table_follows_every_fitted_value():
    """A model asked for one table and then another with arrest.lung (a shared fitted value) changed
    gives what a fresh model gives: nothing cached from the first call survives a change."""
    from sim_core.science.expected import PresetModel

    sc = load_scenario("colon")
    m = PresetModel(sc.params, sc.primary, 2.0)
    m.table(sc.params)
    q = sc.params.copy()
    q.set("arrest.lung", 0.95 if sc.params["arrest.lung"] < 0.9 else 0.6)
    got = m.table(q)
    fresh = PresetModel(sc.params, sc.primary, 2.0).table(q)
    assert got["first_generation"] == fresh["first_generation"]
    assert got["shares"] == fresh["shares"]
    assert got["first_generation"]["organ:brain"] != m.table(sc.params)["first_generation"]["organ:brain"]


def test_cascade_sums_equal_the_per_patient_formula():
    """The surrogate's second-generation term, formed on 10 doubling-time nodes with the shedding
    factor broadcast, equals the plain sum over all 150 patients i = q * n_j + j of
    scale_j m[q] (1 - exp(-beta_j X[q])), for random inputs (relative 1e-12)."""
    from sim_core.science.expected import cascade_sums

    rng = np.random.default_rng(5)
    nq, nj, ns, nt = 10, 15, 7, 9
    m_u = rng.random((nq, ns, nt)) * (rng.random((nq, ns, nt)) > 0.3)
    X = rng.random((nq, ns, nt)) * 3.0
    scale = np.exp(rng.normal(size=nj))
    beta = 0.7 * scale
    got = cascade_sums(m_u, X, scale, beta)
    want = np.array([(scale[j] * m_u[q] * (1.0 - np.exp(-beta[j] * X[q]))).sum() for q in range(nq) for j in range(nj)])
    assert got.shape == (nq * nj,)
    assert got == pytest.approx(want, rel=1e-12)
    assert want.min() > 0


def test_stored_corrections_make_the_surrogate_match_new_simulations():
    """With metastases seeding metastases and deaths from tumour burden, the surrogate is corrected
    by simulation during calibration (``fitted_values.CORRECTIONS``); on another seed, the
    corrected shares still match a simulated cohort within 0.06."""
    from sim_core.model.fitted_values import CORRECTIONS
    from sim_core.science.calibration import AutopsyFit

    for name in ("breast", "stomach"):
        fit = AutopsyFit([name], corrections={name: np.array(CORRECTIONS[name])})
        sc = load_scenario(name)
        shares, mpp = fit.corrected(name, fit.models[name].table(sc.params))
        r = run_cohort(sc, 400, 5.0, 33, workers=2)
        sim = [r["categories"][c]["pct_metastases"] for c in CATEGORIES]
        tvd = tv_distance(sim, shares)
        print(
            name,
            "corrected expected vs simulated TVD",
            round(tvd, 3),
            "mpp",
            round(mpp, 2),
            round(r["metastases_per_patient"], 2),
        )
        assert tvd < 0.06
        assert abs(mpp / r["metastases_per_patient"] - 1) < 0.25
