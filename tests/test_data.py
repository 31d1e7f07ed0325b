"""Bad input, simulation and real data for dose_response.data."""
import numpy as np
import pandas as pd
import pytest

import dose_response as dr
from dose_response.data import check_design, peaked_groups


def good():
    return pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4,
                         "concentration": [0, 0.1, 1, 10] * 2,
                         "response": [100.0, 90, 50, 10, 98, 80, 40, 5]})


def test_valid_input_keeps_every_row_and_label_type():
    df = good().assign(group=[3] * 4 + [11] * 4)
    out = dr.validate(df)
    assert out.shape == (8, 3) and list(out.group.unique()) == [3, 11] and out.group.dtype.kind == "i"


def test_other_column_names_are_mapped():
    df = good().rename(columns={"group": "drug", "concentration": "dose", "response": "viab"})
    out = dr.validate(df, group="drug", concentration="dose", response="viab")
    assert list(out.columns) == ["group", "concentration", "response"]


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.drop(columns="response"), r"missing column\(s\) \['response'\]"),
    (lambda d: d.iloc[:0], "empty input"),
    (lambda d: d.assign(response=d.response.where(d.index != 5)), r"'response' \(response\) has missing \(NaN\) values at rows \[5\]"),
    (lambda d: d.assign(concentration=d.concentration.where(d.index != 2)), r"'concentration' \(concentration\) has missing \(NaN\) values at rows \[2\]"),
    (lambda d: d.assign(response=d.response.where(d.index != 3, np.inf)), r"'response' \(response\) has infinite values at rows \[3\]"),
    (lambda d: d.assign(concentration=d.concentration.where(d.index != 7, -np.inf)), r"'concentration' \(concentration\) has infinite values at rows \[7\]"),
    (lambda d: d.assign(concentration=d.concentration.where(d.index != 6, -1.0)), r"'concentration' \(concentration\) has negative values at rows \[6\]"),
    (lambda d: d.assign(response=d.response.astype(object).where(d.index != 4, "low")), r"'response' \(response\) has non-numeric values at rows \[4\]: \['low'\]"),
    (lambda d: d.assign(concentration=d.concentration.astype(object).where(d.index != 1, "1 uM")), r"'concentration' \(concentration\) has non-numeric values at rows \[1\]"),
    (lambda d: d.assign(concentration=[0, 1, 1, 1, 0, 0.1, 1, 10]), r"group\(s\) \['a'\] have fewer than 2 distinct non-zero concentrations \(\[1\]\)"),
    (lambda d: d.assign(concentration=[0, 0, 0, 0, 0, 0.1, 1, 10]), r"group\(s\) \['a'\] have fewer than 2 distinct non-zero concentrations \(\[0\]\)"),
    (lambda d: d.assign(group=d.group.where(d.index != 0)), r"'group' \(group\) has missing labels at rows \[0\]"),
    (lambda d: d.assign(response=[True] * 8), "must be numeric, got dtype bool"),
])
def test_bad_input_names_column_and_rows(mutate, match):
    with pytest.raises(ValueError, match=match):
        dr.validate(mutate(good()))


def test_error_uses_callers_row_labels():
    df = good().set_index(pd.Index([f"well{i}" for i in range(8)]))
    df.loc["well5", "response"] = np.nan
    with pytest.raises(ValueError, match=r"rows \['well5'\]"):
        dr.validate(df)


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        dr.validate({"group": [1]})


def test_simulate_shapes_truth_and_seed():
    df, truth = dr.simulate(20, concentrations=7, replicates=2, n_controls=1, seed=3)
    assert len(df) == 20 * (7 * 2 + 1) and (df.concentration == 0).sum() == 20
    assert list(truth.columns) == ["log10_ic50", "ic50", "top", "bottom", "hill"]
    assert list(truth.index) == list(pd.unique(df.group))
    assert truth.attrs["log10_ic50_mu"] == -1.0 and truth.attrs["replicates"] == 2
    np.testing.assert_allclose(truth.ic50, 10 ** truth.log10_ic50)
    df2, truth2 = dr.simulate(20, concentrations=7, replicates=2, n_controls=1, seed=3)
    pd.testing.assert_frame_equal(df, df2)
    pd.testing.assert_frame_equal(truth, truth2)
    assert not dr.simulate(20, concentrations=7, replicates=2, seed=4)[0].equals(df)


def test_simulate_defaults_are_realistic():
    df, truth = dr.simulate(300, seed=0)
    conc = np.sort(df.concentration.unique())
    assert np.log10(conc[-1] / conc[0]) >= 3                       # several decades
    outside = (truth.log10_ic50 < np.log10(conc[0])) | (truth.log10_ic50 > np.log10(conc[-1]))
    assert 0 < outside.sum() < 60                                   # some IC50s outside the tested range
    assert truth.hill.min() < 0.6 and truth.hill.max() > 1.8        # shallow and steep curves
    assert 80 < truth.top.mean() < 120                              # percent viability


def test_simulate_rejects_unknown_truth():
    with pytest.raises(ValueError, match=r"unknown truth parameter\(s\) \['ic50'\]"):
        dr.simulate(3, ic50=1.0)


@pytest.mark.parametrize("name, n_rows, n_groups", [("ryegrass", 24, 1), ("S.alba", 68, 2), ("spinach", 105, 5)])
def test_real_data_sets_load_tidy(name, n_rows, n_groups):
    df = dr.load_dataset(name)
    assert list(df.columns) == ["group", "concentration", "response"]
    assert len(df) == n_rows and df.group.nunique() == n_groups and (df.concentration == 0).any()


def test_unknown_data_set():
    with pytest.raises(ValueError, match="unknown data set 'foo'; available"):
        dr.load_dataset("foo")


def test_one_curve_needs_no_group_column(caplog):
    df = good().drop(columns="group").iloc[:4]
    out = dr.validate(df, group=None)
    assert out.group.unique().tolist() == ["curve"] and len(out) == 4
    with pytest.raises(ValueError, match="controls= names a group level"):
        dr.validate(df, group=None, controls="ctrl")


def shared():
    return pd.DataFrame({"compound": ["ctrl"] * 3 + ["a"] * 3 + ["b"] * 3,
                         "dose": [0, 0, 0, 0.1, 1, 10, 0.1, 1, 10],
                         "resp": [100.0, 99, 101, 90, 50, 10, 95, 60, 20]})


def test_shared_controls_are_copied_into_every_group():
    out = dr.validate(shared(), "compound", "dose", "resp", controls="ctrl")
    assert sorted(out.group.unique()) == ["a", "b"]
    for g in ("a", "b"):
        sub = out[out.group == g]
        assert (sub.concentration == 0).sum() == 3 and sorted(sub.response[sub.concentration == 0]) == [99, 100, 101]
    assert len(out) == 6 + 2 * 3        # nothing dropped, the controls counted once per group


@pytest.mark.parametrize("mutate, kw, match", [
    (lambda d: d, {}, r"group\(s\) \['ctrl'\] have fewer than 2 distinct non-zero concentrations \(\[0\]\); a curve cannot be fitted to them \(if they are shared controls, pass controls=<their label>\)"),
    (lambda d: d, {"controls": "DMSO"}, r"controls='DMSO': no row of column 'compound' has that label"),
    (lambda d: d.assign(dose=[0, 0.5, 0, 0.1, 1, 10, 0.1, 1, 10]), {"controls": "ctrl"}, r"shared controls must have concentration 0, but rows \[1\] have \[0.5\]"),
    (lambda d: d[d.compound == "ctrl"], {"controls": "ctrl"}, "every row is a control"),
])
def test_shared_control_errors(mutate, kw, match):
    with pytest.raises(ValueError, match=match):
        dr.validate(mutate(shared()), "compound", "dose", "resp", **kw)


def test_dropna_drops_and_says_how_many(caplog):
    df = good()
    df.loc[[2, 5], "response"] = np.nan
    with pytest.raises(ValueError, match=r"missing \(NaN\) values at rows \[2, 5\]"):
        dr.validate(df)
    with caplog.at_level("WARNING", logger="dose_response"):
        out = dr.validate(df, dropna=True)
    assert len(out) == 6 and "dropped 2 of 8 rows with a missing value: rows [2, 5]" in caplog.text
    with pytest.raises(ValueError, match="nothing is left after dropna"):
        dr.validate(df.assign(response=np.nan), dropna=True)


@pytest.mark.parametrize("name", sorted(dr.data.DATASETS))
def test_every_shipped_data_set_loads(name):
    df = dr.load_dataset(name)
    assert len(df) >= 7 and (df.concentration == 0).any()
    assert df.groupby("group").concentration.nunique().min() >= 3


def test_controls_on_the_far_side_of_a_curve_are_named():
    "Controls at 100, a lowest dose at 140 and a top dose at 20: no monotone curve passes through both."
    doses = np.r_[0, 0, 0, np.geomspace(0.1, 10, 5)]
    odd = pd.DataFrame({"group": "odd", "concentration": doses, "response": [100, 101, 99, 140, 130, 90, 50, 20]})
    fine = pd.DataFrame({"group": "fine", "concentration": doses, "response": [100, 101, 99, 98, 90, 70, 40, 20]})
    notes = [m for m in dr.data.check_design(dr.validate(pd.concat([odd, fine])))
             if "other side of their zero-dose controls" in m]
    assert len(notes) == 1 and "'odd'" in notes[0] and "'fine'" not in notes[0]
    assert not [m for m in dr.data.check_design(dr.validate(fine)) if "zero-dose controls" in m]


def test_peaked_groups_names_curves_that_rise_and_fall_not_bad_wells():
    "An induction curve that turns toxic is named by check_design; a monotone curve with one wild well is not."
    conc = np.repeat([0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0], 3)
    rng = np.random.default_rng(0)
    bell = 1 + 150 * np.exp(-0.5 * ((np.log10(np.maximum(conc, 1e-9)) + 1.0) / 0.3) ** 2) * (conc > 0)
    falling = dr.four_pl(conc, -1.0, 100.0, 5.0, 1.5)
    wild = falling + rng.normal(0, 2, len(conc))
    wild[9] = 400.0                                                   # one gross error at an inner dose
    df = pd.DataFrame({"group": np.repeat(["bell", "falling", "wild"], len(conc)),
                       "concentration": np.tile(conc, 3),
                       "response": np.r_[bell + rng.normal(0, 2, len(conc)), falling + rng.normal(0, 2, len(conc)), wild]})
    tidy = dr.validate(df)
    peaked = peaked_groups(tidy)
    assert list(peaked.index) == ["bell"] and peaked.loc["bell", "turn"] > 100
    assert any("rise and then fall" in w and "'bell'" in w for w in check_design(tidy))
    assert not any("rise and then fall" in w for w in check_design(tidy[tidy.group != "bell"]))
