"""The bad-well pre-pass (nbs/00a_wells): gross errors are flagged, legitimate curves of every shape are not, and the
model leaves the flagged wells out and says so."""
import logging

import numpy as np
import pandas as pd
import pytest

import dose_response as dr
from dose_response.screens import ScreenDesign, screen_data, simulate_screen
from dose_response.wells import flag_wells


def _curves(seed=0, reps=2):
    rng = np.random.default_rng(seed)
    doses = np.geomspace(0.01, 100, 9)
    shapes = {"steep": 100 - 95 / (1 + (1 / doses) ** 5), "shallow": 100 - 80 / (1 + (1 / doses) ** 0.4),
              "partial": 100 - 60 / (1 + (30 / doses) ** 2), "flat": np.full(9, 98.0),
              "rising": 20 + 80 / (1 + (1 / doses)), "late": np.r_[np.full(8, 100.0), 15.0]}
    return pd.concat([pd.DataFrame({"group": g, "concentration": np.repeat(doses, reps),
                                    "response": np.repeat(m, reps) + rng.normal(0, 3, 9 * reps)})
                      for g, m in shapes.items()], ignore_index=True)


@pytest.mark.parametrize("reps", [1, 2, 3])
def test_curves_of_every_shape_keep_all_their_wells(reps):
    "Steep, shallow, partial, flat, rising, and a curve that falls only at its top dose: nothing is flagged."
    for seed in range(5):
        assert not flag_wells(_curves(seed, reps)).any()


@pytest.mark.parametrize("reps", [1, 2, 3])
def test_gross_errors_are_flagged(reps):
    df = _curves(1, reps)
    steep, flat, partial = (df.index[df.group == g] for g in ("steep", "flat", "partial"))
    planted = [steep[reps * 4], flat[reps * 6], partial[-1]]
    df.loc[planted[0], "response"] += 250          # a counting error mid-curve
    df.loc[planted[1], "response"] = 1.0           # an empty well on a flat curve
    df.loc[planted[2], "response"] = 700.0         # an absurd reading at the top dose
    assert sorted(df.index[flag_wells(df)]) == sorted(planted)


def test_the_shipped_data_sets_lose_no_well():
    assert {n: int(flag_wells(dr.load_dataset(n)).sum()) for n in dr.data.DATASETS} == {n: 0 for n in dr.data.DATASETS}


def test_on_realistic_screens_it_finds_the_gross_errors_and_takes_almost_no_good_well():
    "Gross errors (5x the span away) are found; at most 0.3% of good wells are taken, on every screen."
    for seed in range(4):
        d = ScreenDesign(n_drugs=10, n_lines=4, replicates=1 + seed % 3, bad_wells=0.02, doses=8)
        df, _ = simulate_screen(d, seed)
        rows = screen_data(df, d)[0].reset_index(drop=True)
        flags = flag_wells(dr.validate(rows)).to_numpy()
        bad = rows["bad_well"].to_numpy()
        gross = bad & (rows["response"] > 300)
        assert flags[gross].mean() >= 0.9, (seed, flags[gross].mean())
        assert (flags & ~bad).sum() <= 0.003 * len(rows), (seed, (flags & ~bad).sum())


def test_the_model_leaves_flagged_wells_out_and_says_so(caplog):
    df, _ = dr.simulate(8, concentrations=8, replicates=2, seed=2)
    df.loc[17, "response"] = 900.0
    with caplog.at_level(logging.WARNING, logger="dose_response"):
        m = dr.build_model(df)
    assert m.spec.n_flagged == 1 and m.spec.n_obs == len(df) - 1 and m.spec.df["flagged"].sum() == 1
    assert caplog.text.count("gross errors") == 1 and "bad_wells='keep'" in caplog.text
    kept = dr.build_model(df, bad_wells="keep")
    assert kept.spec.n_flagged == 0 and kept.spec.n_obs == len(df)
    with pytest.raises(ValueError, match="bad_wells"):
        dr.build_model(df, bad_wells="drop")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dose_response"):
        m.spec.rebuild(parameterization="noncentered")          # a retry's rebuild repeats no warning
    assert "gross errors" not in caplog.text


def test_an_empty_well_at_the_top_dose_is_flagged_when_its_replicate_stays_on_the_plateau():
    """An end cell has neighbours on one side only, so alone it is flagged only when off by a whole dynamic range; a
    replicate that stays on its neighbours' level backs the ordinary threshold. Both wells low (a real last step) is
    still a curve."""
    for seed in range(5):
        df = _curves(seed, reps=2)
        top = df.index[(df.group == "flat") & (df.concentration == df.concentration.max())]
        df.loc[top[0], "response"] = 1.0                       # an empty well; its replicate reads ~98
        assert list(df.index[flag_wells(df)]) == [top[0]], seed
        df.loc[top[1], "response"] = 3.0                       # both low: the curve falls at its top dose
        assert not flag_wells(df).any(), seed


def test_a_bad_shared_control_well_counts_once(caplog):
    "A gross error among controls shared by six groups is one well left out, not six, in the model and its note."
    df = _curves(seed=3)
    controls = pd.DataFrame({"group": "DMSO", "concentration": 0.0,
                             "response": np.r_[np.random.default_rng(3).normal(100, 3, 11), 900.0]})
    rows = pd.concat([df, controls], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="dose_response"):
        m = dr.build_model(dr.validate(rows, controls="DMSO"))
    assert m.spec.df["flagged"].sum() == 6                     # the copy in each of the six groups is left out ...
    assert m.spec.n_flagged == 1                               # ... and it is one well
    assert f"1 of {len(rows)} wells are gross errors" in caplog.text
