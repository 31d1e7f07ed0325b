"""The report (`nbs/_analysis.ipynb`, what `dose-response fit` runs) never fails on a fit the package produced: a fit
with inactive groups (the mixture), a screen with bad wells, a screen whose curves never reach their plateau."""
import json

import numpy as np
import pandas as pd
import papermill
import pytest

import dose_response as dr
from dose_response.analysis import IC50_COLUMNS, OPTIONAL_COLUMNS, activity_text, not_reached
from dose_response.inference import fit_nuts, save
from dose_response.screens import ScreenDesign, simulate_screen
from dose_response.sweep_report import template_path


@pytest.fixture(scope="module")
def hard_screen(tmp_path_factory):
    "A small realistic screen: bad wells, inactive pairs, and every active IC50 beyond the top dose (partial curves)."
    d = ScreenDesign(n_drugs=4, n_lines=2, doses=7, dilution=3.0, replicates=2, inactive=0.4, bad_wells=0.03)
    df, truth = simulate_screen(d, seed=11)
    rows = df[df.group != "DMSO"].copy()
    assert rows.bad_well.any()
    # push every curve's IC50 beyond its top dose: the data show at most the start of a fall
    shift = np.log10(truth.conc_max) + 0.7 - truth.log10_ic50
    assert (shift > 0).all()
    for g, s in shift.items():
        t = truth.loc[g]
        m = rows.group == g
        x = np.log10(rows.loc[m, "concentration"])
        frac = 1 / (1 + 10 ** (t.hill * (x - t.log10_ic50 - s)))
        clean = t.einf + (t.e0 - t.einf) * frac
        rows.loc[m & ~rows.bad_well, "response"] = clean[~rows.loc[m, "bad_well"]] + np.random.default_rng(1).normal(0, 4, (m & ~rows.bad_well).sum())
    folder = tmp_path_factory.mktemp("hard")
    path = folder / "screen.csv"
    rows[["group", "concentration", "response"]].to_csv(path, index=False)
    return path


def _report(fit_path, data_path, out):
    papermill.execute_notebook(str(template_path("_analysis.ipynb")), str(out / "analysis.ipynb"), kernel_name="python3",
                               progress_bar=False, cwd=str(out),
                               parameters=dict(data_path=str(data_path), group="group", concentration="concentration",
                                               response="response", controls=None, fit_path=str(fit_path),
                                               out_dir=str(out)))
    return pd.read_csv(out / "ic50.csv", index_col="group"), json.loads((out / "diagnostics.json").read_text())


def test_the_report_runs_on_a_mixture_fit_of_a_screen_with_bad_wells_and_partial_curves(hard_screen, tmp_path):
    df = dr.validate(pd.read_csv(hard_screen))
    idata = fit_nuts(df, inactive=True, draws=200, tune=200, chains=2, seed=1, retry=False, progressbar=False)
    assert "p_active" in idata.posterior and idata.observed_data["flagged"].values.any()
    path = save(idata, tmp_path / "fit.nc")
    table, verdict = _report(path, hard_screen, tmp_path)
    assert list(table.columns) == IC50_COLUMNS + OPTIONAL_COLUMNS
    assert table["n_flagged"].sum() == int(idata.observed_data["flagged"].values.sum()) > 0
    assert table["p_active"].between(0, 1).all()
    assert set(verdict) >= {"converged", "max_rhat", "reasons"}           # parsed: valid JSON (null, not NaN)
    html = (tmp_path / "analysis.ipynb").read_text()
    assert "left out as gross errors" in html and "Dose-response analysis" in html
    # every IC50 lies beyond the top dose or the group is flat: no interval claims an IC50 inside the doses (a start of a
    # fall is as well explained by a shallow curve as by a steep one beyond: the intervals reach past the top dose)
    # margins: q95 / top dose has a median of 3.4-4.3 over fit seeds 1-3, and 7 of 8 curves reach 0.8 of the top dose
    reach = table["ic50_q95"] / table["conc_max"]
    assert reach.median() > 2 and (reach > 0.8).sum() >= 5, table[["ic50_q05", "ic50_q95", "conc_max", "p_active"]]
    assert (table["ic50_reached"] == ~not_reached(table)).all()            # ic50.csv says which, row by row
    assert not activity_text(table) or "reaches its IC50 within the tested range" in html
    assert (tmp_path / "curves_01.png").exists()
    # the verdict comes first, then the table, then the curves
    cells = [c["source"] for c in json.loads(html)["cells"]]
    order = [next(i for i, s in enumerate(cells) if key in "".join(s)) for key in
             ("verdict_text(diag)", "ic50_table(", "plot_curve_pages(", "describe_data(")]
    assert order == sorted(order)


def test_the_report_runs_on_an_advi_fit(hard_screen, tmp_path):
    idata = dr.fit(dr.validate(pd.read_csv(hard_screen)), method="advi", n=3000, seed=1, progressbar=False)
    (tmp_path / "someone_elses.csv").write_text("a,b\n1,2\n")    # --out beside other files: the report minds its own
    table, verdict = _report(save(idata, tmp_path / "fit.nc"), hard_screen, tmp_path)
    assert verdict["method"] == "advi" and "n_flagged" in table.columns
    assert verdict["max_rhat"] is None                                    # no R-hat for ADVI: null in JSON


def test_curve_panels_are_scaled_to_their_own_wells_and_mark_the_ones_left_out():
    "One counting error at 850% must not flatten every panel of its page: each panel has its own y-axis, the bad well a red x."
    import matplotlib.pyplot as plt
    from dose_response.diagnostics import plot_ppc
    df, _ = dr.simulate(6, replicates=2, seed=2)
    df = dr.validate(df)
    bad = df.index[(df.group == df.group.iloc[0]) & (df.concentration > 0)][3]
    df.loc[bad, "response"] = 850.0
    idata = dr.fit(df, method="advi", n=2000, seed=1, progressbar=False)
    assert idata.observed_data["flagged"].values.sum() >= 1
    fig = plot_ppc(idata, df, groups=list(df.group.unique()), col_wrap=3)
    axes = [ax for ax in fig.axes if ax.get_title()]
    tops = [ax.get_ylim()[1] for ax in axes]
    assert len(set(np.round(tops, 6))) > 1 and max(tops) < 400                 # own scales, none stretched to 850
    first = next(ax for ax in axes if df.group.iloc[0] in ax.get_title())
    crosses = [c for c in first.collections if c.get_offsets().shape[0] and (c.get_facecolor()[:, :3] != 0).any()
               and np.isclose(c.get_offsets()[:, 1], first.get_ylim()[1]).any()]
    assert crosses, "the left-out well is drawn at the panel's top edge"
    plt.close(fig)


def test_a_screen_where_nothing_is_active_says_so():
    "All curves flat (issue 23): not 'converged, use the numbers' with ranks 1-4, but no group reaches its IC50."
    flat = pd.DataFrame({"p_ic50_above_range": [0.3, 0.45, 0.2, 0.4], "p_ic50_below_range": [0.3, 0.2, 0.4, 0.35],
                         "p_active": [0.1, 0.2, 0.05, 0.3]}, index=list("abcd"))
    assert not_reached(flat).all() and activity_text(flat).startswith("**No group reaches its IC50")
    active = flat.assign(p_ic50_above_range=0.01, p_ic50_below_range=0.01, p_active=0.99)
    assert not not_reached(active).any() and activity_text(active) == ""
    one = pd.concat([flat.iloc[:3].assign(p_active=0.1)] * 4 + [active.iloc[:1]])   # 12 flat, 1 active
    assert activity_text(one).startswith("**Only 1 of 13 groups")


def test_the_report_runs_on_a_fit_with_the_saturating_response_integrated_out(hard_screen, tmp_path):
    "`einf='marginal'` (01f_marginal): einf, top and bottom drawn after sampling, p_active from the two components."
    idata = fit_nuts(dr.validate(pd.read_csv(hard_screen)), einf="marginal", draws=200, tune=200, chains=2, seed=1,
                     retry=False, progressbar=False)
    assert {"einf", "top", "bottom", "p_active"} <= set(idata.posterior.data_vars)
    table, verdict = _report(save(idata, tmp_path / "fit.nc"), hard_screen, tmp_path)
    assert list(table.columns) == IC50_COLUMNS + OPTIONAL_COLUMNS
    assert table["p_active"].between(0, 1).all() and table[["saturating_response", "top", "bottom"]].notna().all().all()
    assert set(verdict) >= {"converged", "max_rhat", "reasons"}
    assert (tmp_path / "curves_01.png").exists()
