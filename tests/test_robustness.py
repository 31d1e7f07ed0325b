"""The convergence map (nbs/08_robustness): simulated designs, the reduced map that `make test` runs, resuming."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dose_response import robustness as rb


def test_designs_simulate_what_they_say():
    d = rb.Design("t", n_groups=10, doses=6, replicates=2, controls=3, ragged=True, flat=0.2, beyond=0.2,
                  mixed=True, outliers=0.0)
    df, truth = rb.simulate_design(d, seed=3)
    assert len(df) == 10 * (3 + 6 * 2) and (df.concentration == 0).sum() == 30
    flat = truth.kind == "flat"
    assert flat.sum() == 2 and np.allclose(truth.einf[flat], truth.e0[flat])
    top_dose = df[df.concentration > 0].groupby("group").concentration.max()
    beyond = truth.index[truth.kind == "beyond"]
    assert (truth.log10_ic50[beyond] > np.log10(top_dose[beyond]) + 0.4).all()
    rising = truth.rising & ~flat
    assert rising.sum() >= 3 and (truth.einf[rising] > truth.e0[rising]).all()
    assert df.groupby("group").concentration.max().nunique() == 10          # ragged: every range differs
    again, _ = rb.simulate_design(d, seed=3)
    pd.testing.assert_frame_equal(df, again)


def test_map_keeps_finished_rows_and_resumes(tmp_path, monkeypatch):
    out = tmp_path / "map.csv"
    calls = []
    def fake(d, seed, **kw):
        calls.append(d.name)
        if d.name == "boom":
            raise RuntimeError("killed")
        return {"name": d.name, "seed": seed, "converged": True, "divergences": 0, "max_rhat": 1.0,
                "min_ess_bulk": 1000.0, "wall_s": 1.0}
    monkeypatch.setattr(rb, "run_design", fake)
    designs = [rb.Design("a"), rb.Design("boom"), rb.Design("c")]
    with pytest.raises(RuntimeError):
        rb.robustness_map(designs, out)
    assert pd.read_csv(out).name.tolist() == ["a"]                 # what finished is kept
    designs[1] = rb.Design("b")
    table = rb.robustness_map(designs, out)
    assert calls == ["a", "boom", "b", "c"] and table.name.tolist() == ["a", "b", "c"]
    # rows made by other code are not trusted: they run again, and replace the old ones
    stale = pd.read_csv(out)
    stale.loc[stale.name == "b", "code"] = "0" * 12
    stale.to_csv(out, index=False)
    table = rb.robustness_map(designs, out)
    assert calls[4:] == ["b"] and sorted(table.name) == ["a", "b", "c"] and len(pd.read_csv(out)) == 3


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    designs = [d for d in rb.map_designs() if d.name in rb.REDUCED]
    return rb.robustness_map(designs, tmp_path_factory.mktemp("map") / "map.csv", seed=0)


@pytest.mark.slow
def test_reduced_map_converges_with_the_defaults(reduced):
    assert len(reduced) == len(rb.REDUCED)
    bad = reduced[~reduced.converged.astype(bool)]
    assert bad.empty, bad[["name", "reasons"]].to_string()
    assert (reduced.max_rhat <= 1.01).all() and (reduced.min_ess_bulk >= 400).all() and (reduced.divergences == 0).all()


def test_reduced_map_covers_the_truth(reduced):
    many = reduced[reduced.n_obs > 100]
    # 90% intervals over 5-15 groups: a calibrated fit covers at least half of them with overwhelming probability
    for col in ("coverage_log10_ic50", "coverage_e0", "coverage_einf"):
        assert (many[col] >= 0.5).all(), many[["name", col]]


@pytest.fixture(scope="module")
def flat_screen():
    "The map's `flat=10%` cell: 15 groups, 2 flat, fitted with the defaults."
    d = next(x for x in rb.map_designs() if x.name == "flat=10%")
    df, truth = rb.simulate_design(d, seed=0)
    return df, truth, rb.fit_nuts(df, seed=0, progressbar=False)


def test_flat_groups_converge_and_are_reported_as_not_reached(flat_screen):
    import dose_response as dr
    from dose_response.analysis import ic50_table
    df, truth, idata = flat_screen
    d = dr.diagnose(idata)
    # margins: R-hat 1.002-1.003, bulk ESS above 1,600 at fit seeds 0-2 (einf integrated out, first attempt)
    assert d.max_rhat < 1.05 and d.min_ess_bulk > 200, d.reasons
    flat = truth.index[truth.kind == "flat"]
    table = ic50_table(idata)                                       # the user's IC50 table says which look flat
    assert table.loc[flat, "looks_flat"].all() and table["looks_flat"].sum() <= 3
    assert not table.loc[flat, "ic50_reached"].any()                 # flat: the IC50 is "not reached"
    # the defaults integrate einf out here (`01f_marginal`): each group's chance of an effect is in the table
    assert list(table.columns[-3:]) == ["looks_flat", "p_active", "n_flagged"]
    # (p_active 0.00 at both flat groups and 1.00 at every other one, fit seeds 0-2)
    assert (table.loc[flat, "p_active"] < 0.3).all() and table["p_active"].drop(flat).median() > 0.7, table.p_active
    # a flat group's effect is nil: its saturating response stays at its zero-dose level
    effect = (idata.posterior["einf"] - idata.posterior["e0"]).median(("chain", "draw")).to_series()
    assert (effect[flat].abs() < 10).all() and (effect.drop(flat).abs().median() > 30), effect.round(1)
    # the population is learnt from the active groups: its full-dose response stays where theirs are
    active_einf = truth.einf.drop(flat)
    assert abs(float(idata.posterior["einf"].median()) - active_einf.mean()) < 3 * active_einf.std()


def test_checks_on_a_fit_with_inactive_groups(flat_screen):
    from dose_response.checks import add_log_likelihood, add_posterior_predictive
    df, truth, _ = flat_screen
    idata = rb.fit_nuts(df, inactive=True, draws=300, tune=300, chains=2, seed=0, retry=False, progressbar=False)
    with pytest.raises(ValueError, match="does not split into one term per observation"):
        add_log_likelihood(idata)
    flat = truth.index[truth.kind == "flat"][0]
    pp = add_posterior_predictive(idata, groups=[flat], seed=1).posterior_predictive["response"]
    observed = df.loc[df.group == flat, "response"]
    # a flat group's replicated data are flat too, at its level: no 4PL drop toward einf
    assert abs(float(pp.mean()) - observed.mean()) < 5 and float(pp.std()) < 3 * observed.std()


def test_the_map_script_picks_designs_whose_names_hold_commas_and_refuses_unknown_ones():
    "`python bench/robustness_map.py --only '100 groups, hard,groups=1'`: a comma inside a name is part of it."
    bench = Path(__file__).resolve().parents[1] / "bench"
    code = ("from robustness_map import chosen; names = ['groups=1', 'groups=100', '100 groups, hard']; "
            "print(chosen('100 groups, hard,groups=1', names)); chosen('groups=10', names)")
    run = subprocess.run([sys.executable, "-c", code], cwd=bench, capture_output=True, text=True)
    assert run.stdout.strip() == "['100 groups, hard', 'groups=1']"
    assert run.returncode != 0 and "no design is called 'groups=10'" in run.stderr
