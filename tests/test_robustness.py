"""The convergence map (nbs/08_robustness): simulated designs, the reduced map that `make test` runs, resuming."""
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


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    designs = [d for d in rb.map_designs() if d.name in rb.REDUCED]
    return rb.robustness_map(designs, tmp_path_factory.mktemp("map") / "map.csv", seed=0)


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
