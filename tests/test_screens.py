"""Realistic screens (nbs/08a_screens): the simulator covers the ranges public screens report, and the benchmark's
table and README summary are computed from what it records."""
import numpy as np
import pandas as pd
import pytest

import dose_response as dr
from dose_response.screens import (SCREEN_TARGETS, ScreenDesign, random_screen_design, readme_screens, screen_data,
                                   screen_designs, screen_summary, simulate_screen)


def test_same_seed_same_screen_and_its_shape():
    d = ScreenDesign(n_drugs=5, n_lines=3, doses=6, replicates=3, controls_per_plate=16)
    df, truth = simulate_screen(d, seed=4)
    pd.testing.assert_frame_equal(df, simulate_screen(d, seed=4)[0])
    assert len(truth) == 15 and set(df.columns) >= {"group", "drug", "cell_line", "plate", "concentration", "response",
                                                    "signal", "bad_well"}
    dosed = df[df.group != "DMSO"]
    assert (dosed.groupby("group").size() == 6 * 3).all()
    assert (df[df.group == "DMSO"].groupby("plate").size() == 16).all()
    assert (df.groupby("plate")["cell_line"].nunique() == 1).all()      # a plate holds one cell line
    # responses are in percent of the plate's median DMSO well
    assert df[df.group == "DMSO"].groupby("plate")["response"].median().round(6).eq(100).all()


def test_random_designs_cover_the_published_ranges():
    ds = [random_screen_design(200, s) for s in range(60)]
    assert {d.replicates for d in ds} == {1, 2, 3} and {d.dilution for d in ds} == {2.0, 3.0, np.sqrt(10), 4.0}
    assert min(d.doses for d in ds) == 5 and max(d.doses for d in ds) == 10
    assert all(0.3 <= d.inactive <= 0.6 and 0.005 <= d.bad_wells <= 0.03 and d.noise_cv <= 0.12 for d in ds)
    assert 0.25 < np.mean([d.give_controls for d in ds]) < 0.75
    assert all(150 <= d.n_curves <= 250 for d in ds)


def test_curves_are_partial_inactive_and_have_bad_wells_as_real_screens_do():
    df, truth = simulate_screen(ScreenDesign(n_drugs=30, n_lines=8), seed=0)
    dosed = df[df.group != "DMSO"]
    top = dosed[dosed.concentration == dosed.groupby("group").concentration.transform("max")].groupby("group").response.median()
    assert top.quantile(0.1) < 30 and top.quantile(0.9) > 90            # the response at the top dose spreads widely
    assert 0.3 < (truth.kind == "inactive").mean() < 0.6
    beyond = (truth.kind != "inactive") & (truth.log10_ic50 > np.log10(truth.conc_max))
    assert beyond.mean() > 0.1                                          # IC50s beyond the top dose
    assert 0.003 < df.bad_well.mean() < 0.03 and df.response.max() > 300   # gross errors, far above the rest
    assert truth.determined.sum() > 20 and not truth.determined[truth.kind == "inactive"].any()


def test_screen_data_hands_controls_over_only_when_the_design_says_so():
    d = ScreenDesign(n_drugs=3, n_lines=2)
    df, _ = simulate_screen(d, 1)
    rows, opts = screen_data(df, d)
    assert opts == {} and (rows.group != "DMSO").all()
    rows, opts = screen_data(df, ScreenDesign(n_drugs=3, n_lines=2, give_controls=True))
    assert opts == {"controls": "DMSO"} and (dr.validate(rows, **opts).concentration == 0).any()


def test_the_benchmark_designs_and_summary(tmp_path):
    designs = screen_designs()
    assert len(designs) == 40 and len({n for n, _, _ in designs}) == 40
    sizes = [d.n_curves for _, d, _ in designs]
    assert min(sizes) <= 12 and max(sizes) >= 990 and sizes == sorted(sizes)
    # a made-up table: the summary reads the time at 200 and 1,000 curves off a straight line
    t = pd.DataFrame({"name": ["a", "b", "c"], "n_curves": [100, 500, 900], "n_obs": [1000, 5000, 9000],
                      "wall_s": [30.0, 70.0, 110.0], "converged": [True, True, False],
                      "converged_first": [True, False, False], "coverage": [0.9, 0.8, 1.0], "n_determined": [10, 10, 0],
                      "within_2x": [1.0, 0.5, np.nan], "n_bad_wells": [4, 6, 0], "n_flagged": [4, 5, 1],
                      "n_flagged_bad": [4, 5, 0], "doses": 5, "replicates": 2})
    s = screen_summary(t)
    assert s["s_per_200"] == pytest.approx(40.0) and s["s_per_1000"] == pytest.approx(120.0)
    assert s["converged"] == pytest.approx(2 / 3) and s["coverage"] == pytest.approx(0.85)
    assert s["flag_recall"] == pytest.approx(0.9) and s["flag_false"] == 1
    assert s["wells"] == 1500 * 5 * 2          # dosed wells: n_obs counts each copy of a shared control
    t.to_csv(tmp_path / "screens.csv", index=False)
    text = readme_screens(tmp_path)
    assert "67%" in text and "**missed**" in text and "40 s for 200 curves" in text
    assert set(SCREEN_TARGETS) == {"converged", "converged_first", "s_per_200", "s_per_1000", "coverage"}
