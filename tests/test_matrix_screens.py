"""Screens as matrices (issue 24, the data): several group columns (drug and cell line) make one curve per pair and
stay columns of their own through the fit and its table; controls belong to a block (`controls_by`: a plate, a cell
line) and serve only its own curves."""
import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import dose_response as dr
from dose_response.data import FACTORS_ATTR, SHARE, group_factors
from dose_response.reading import load_screen


def _plates(seed: int = 0, controls: bool = True) -> pd.DataFrame:
    "Two drugs on three cell lines, one plate per line with its own DMSO wells at its own level."
    rng = np.random.default_rng(seed)
    rows = []
    for k, line in enumerate(("L1", "L2", "L3")):
        level = 100 + 20 * k                                   # each plate's control level differs
        for drug, ic50 in (("a", 1.0), ("b", 10.0)):
            for dose in np.geomspace(0.01, 100, 7):
                for _ in range(2):
                    rows.append(dict(drug=drug, cell_line=line, plate=f"P{k}", dose=dose,
                                     y=level / (1 + dose / ic50) + rng.normal(0, 2)))
        if controls:
            rows += [dict(drug="DMSO", cell_line=line, plate=f"P{k}", dose=0.0, y=level + rng.normal(0, 2))
                     for _ in range(4)]
    return pd.DataFrame(rows)


def test_two_group_columns_make_one_curve_per_pair_and_stay_columns():
    t = dr.validate(_plates(controls=False), ["drug", "cell_line"], "dose", "y")
    assert sorted(t.group.unique()) == ["a:L1", "a:L2", "a:L3", "b:L1", "b:L2", "b:L3"]
    assert list(t.columns) == ["group", "concentration", "response", "drug", "cell_line"]
    assert t.attrs[FACTORS_ATTR] == ["drug", "cell_line"]
    assert (t.group == t.drug + ":" + t.cell_line).all()
    again = dr.validate(t)                                    # what build_model does: the columns are kept
    assert list(again.columns) == list(t.columns) and again.attrs[FACTORS_ATTR] == ["drug", "cell_line"]
    m = dr.build_model(t)
    f = group_factors(m.spec.df)
    assert f.loc["b:L2"].tolist() == ["b", "L2"] and len(f) == 6
    with pytest.raises(ValueError, match=r"missing column\(s\) \['line'\]"):
        dr.validate(_plates(), ["drug", "line"], "dose", "y")
    with pytest.raises(ValueError, match="names the tidy frame uses itself"):
        dr.validate(_plates().rename(columns={"drug": "group"}), ["group", "cell_line"], "dose", "y")
    with pytest.raises(ValueError, match="names a column twice"):
        dr.validate(_plates(), ["drug", "drug"], "dose", "y")


def test_controls_by_plate_serve_only_their_own_plates_curves():
    raw = _plates()
    t = dr.validate(raw, ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    zero = t[t.concentration == 0]
    assert len(zero) == 6 * 4                                 # each curve gets its plate's four wells ...
    level = zero.groupby("cell_line")["response"].mean()      # ... and no other plate's
    assert level.between(level.index.map({"L1": 100, "L2": 120, "L3": 140}) - 5,
                         level.index.map({"L1": 100, "L2": 120, "L3": 140}) + 5).all()
    assert np.isclose(zero[SHARE].sum(), 12)                 # twelve wells, counted once in all
    assert (zero.drug != "DMSO").all()                        # a copy takes its curve's drug and line
    shared = dr.validate(raw, ["drug", "cell_line"], "dose", "y", controls="DMSO")
    assert len(shared[shared.concentration == 0]) == 6 * 12   # without a block every curve gets every control


def test_controls_by_refuses_what_cannot_work(caplog):
    raw = _plates()
    bare = raw[~((raw.plate == "P1") & (raw.drug == "DMSO"))]
    with pytest.raises(ValueError, match=r"controls_by='plate': 1 plate\(s\) have curves but no control rows.*'P1'"):
        dr.validate(bare, ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    with pytest.raises(ValueError, match="name them with controls="):
        dr.validate(raw, ["drug", "cell_line"], "dose", "y", controls_by="plate")
    with pytest.raises(ValueError, match=r"'plate' \(controls_by\) has missing labels at rows \[3\]"):
        dr.validate(raw.assign(plate=raw.plate.where(raw.index != 3)), ["drug", "cell_line"], "dose", "y",
                    controls="DMSO", controls_by="plate")
    idle = pd.concat([raw, pd.DataFrame(dict(drug="DMSO", cell_line="L9", plate="P9", dose=0.0, y=[90.0, 91.0]))])
    with caplog.at_level(logging.WARNING, logger="dose_response"):
        dr.validate(idle, ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    assert "the controls of 1 plate(s) serve no curve" in caplog.text and "P9" in caplog.text


def test_a_file_with_two_group_columns_and_plates(tmp_path):
    raw = _plates()
    raw.loc[5, "cell_line"] = "l1 "                            # a near duplicate in the second column
    raw.to_csv(tmp_path / "screen.csv", index=False)
    with pytest.raises(ValueError, match="column 'cell_line' has labels that differ only by case or spacing"):
        load_screen(tmp_path / "screen.csv", ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    t = load_screen(tmp_path / "screen.csv", ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate",
                    normalize=True)
    assert t.group.nunique() == 6 and set(t.cell_line) == {"L1", "L2", "L3"}


def test_the_command_refuses_controls_by_without_controls(tmp_path):
    _plates().to_csv(tmp_path / "screen.csv", index=False)
    r = subprocess.run([sys.executable, "-m", "dose_response", "fit", str(tmp_path / "screen.csv"), "--group", "drug",
                        "--group", "cell_line", "--concentration", "dose", "--response", "y", "--controls-by", "plate",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2 and "--controls-by plate" in r.stderr and "--controls" in r.stderr, r.stderr


def test_the_table_of_a_two_column_fit_names_each_curves_drug_and_line():
    t = dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    idata = dr.fit(t, method="advi", n=300, seed=1, progressbar=False)
    from dose_response.analysis import ic50_table
    table = ic50_table(idata)
    assert list(table.columns[:2]) == ["drug", "cell_line"]
    assert (table.index == table.drug + ":" + table.cell_line).all() and len(table) == 6


def test_the_crossed_model_adds_a_drug_and_a_line_effect_and_is_asked_for():
    "`structure='crossed'` (01e_crossed): per pooled parameter a scale and an effect per drug and per line."
    t = dr.validate(_plates(controls=False), ["drug", "cell_line"], "dose", "y")
    assert dr.build_model(t).spec.structure == "pooled"          # 'auto' stays the one population (01e_crossed)
    m = dr.build_model(t, structure="crossed")
    assert m.spec.structure == "crossed" and m.spec.options["structure"] == "crossed"
    ic50 = m.spec.sampled["log10_ic50"]
    assert m.named_vars_to_dims[f"{ic50}_cell_line_z"] == ("cell_line",) and f"{ic50}_drug_sigma" in m.named_vars
    assert list(m.coords["cell_line"]) == ["L1", "L2", "L3"]
    assert "e0_drug_z" not in m.named_vars                      # the zero-dose response: one population
    assert np.isfinite(m.compile_logp()(m.initial_point()))
    with pytest.raises(ValueError, match="needs groups made of two or more columns"):
        dr.build_model(dr.validate(_plates(controls=False), "drug", "dose", "y"), structure="crossed")
    with pytest.raises(ValueError, match="needs pooling"):
        dr.build_model(t, structure="crossed", pooling="none")
    with pytest.raises(ValueError, match="structure='x' is not one of"):
        dr.build_model(t, structure="x")


def test_labels_that_differ_only_by_case_or_spacing_are_refused_by_validate():
    "From a data frame as from a file: 'L1' and 'l1 ' would be two cell lines, and each half a curve."
    raw = _plates(controls=False)
    raw.loc[5, "cell_line"] = "l1 "
    with pytest.raises(ValueError, match=r"column 'cell_line' has labels that differ only by case or spacing: 'L1' / 'l1 '"):
        dr.validate(raw, ["drug", "cell_line"], "dose", "y")
    plates = _plates().assign(plate=lambda d: d.plate.where(d.index != 7, "p0"))
    with pytest.raises(ValueError, match="column 'plate' has labels that differ only by case"):
        dr.validate(plates, ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    from dose_response.reading import normalize_labels
    raw["cell_line"] = normalize_labels(raw["cell_line"])      # the remedy the message names
    assert dr.validate(raw, ["drug", "cell_line"], "dose", "y").cell_line.nunique() == 3


def test_thin_pairs_leaves_three_doses_and_structure_scores_measures_error_and_coverage_by_kind_of_curve():
    "The crossed-vs-pooled bench's tools (nbs/14_screens) on a synthetic posterior with known answers: exact on the "
    "curves with all their doses, 0.3 decades off with narrow intervals on the thinned ones."
    import arviz as az
    import xarray as xr

    from dose_response.curve import GROUP_VARS
    from dose_response.screens import ScreenDesign
    from dose_response.structures import structure_scores, thin_pairs

    d = ScreenDesign(n_drugs=6, n_lines=4, doses=7, replicates=1, inactive=0.0)
    wells, truth = thin_pairs(d, seed=5, share=0.5)
    assert 0 < truth["thinned"].sum() < len(truth)
    dosed = wells[wells.group != "DMSO"]
    for g, w in dosed.groupby("group"):
        series = np.geomspace(truth.conc_min[g], truth.conc_max[g], 7)
        expect = series[[0, 3, 6]] if truth["thinned"][g] else series
        np.testing.assert_allclose(np.sort(w.concentration.to_numpy()), expect, rtol=1e-9)
    rng = np.random.default_rng(0)
    centre = truth.log10_ic50.to_numpy() + np.where(truth["thinned"], 0.3, 0.0)
    x = centre + 0.02 * rng.standard_normal((2, 500, len(truth)))
    post = {v: np.zeros_like(x) for v in GROUP_VARS} | {"log10_ic50": x, "ic50": 10 ** x}
    fit = az.from_dict(posterior=post, coords={"group": truth.index.to_numpy()}, dims={v: ["group"] for v in GROUP_VARS})
    fit.add_groups({"dose_range": xr.Dataset({c: ("group", truth[c].to_numpy()) for c in ("conc_min", "conc_max")},
                                             coords={"group": truth.index.to_numpy()})})
    s = structure_scores(fit, truth)
    det = truth.determined
    assert s["n_full"] == int((det & ~truth["thinned"]).sum()) > 0 and s["n_thinned"] == int((det & truth["thinned"]).sum()) > 0
    assert s["coverage_full"] == 1.0 and s["error_full"] < 0.01
    assert s["coverage_thinned"] == 0.0 and abs(s["error_thinned"] - 0.3) < 0.01


def test_each_plate_of_controls_gets_its_own_zero_dose_level_in_the_model():
    "controls_by: the curves' e0 population mean is their block's level (`e0_block`, centred), and e0's spread is "
    "measured within blocks, so plates at 100/120/140 do not make every curve's e0 look free (it is non-centred)."
    t = dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    assert t.attrs["blocks"] == "plate"
    again = dr.validate(t)                                   # build_model validates again: the blocks stay
    assert again.attrs["blocks"] == "plate" and (again["_block"] == t["_block"]).all()
    m = dr.build_model(t)
    assert m.spec.blocks == "plate" and list(m.coords["block"]) == ["P0", "P1", "P2"]
    assert {"e0_block", "e0_block_sigma"} <= set(m.named_vars) and m.named_vars_to_dims["e0_block"] == ("block",)
    assert m.spec.parameterization["e0"] == "noncentered"
    shared = dr.build_model(dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO"))
    assert shared.spec.blocks is None and "e0_block" not in shared.named_vars
    spans = _plates().assign(plate=lambda d: np.where(d.drug == "b", "P9", d.plate))   # drug b's curves on a plate
    spans = pd.concat([spans, _plates().query("drug == 'DMSO'").assign(plate="P9")])   # ... with controls of its own
    spans.loc[spans.index[:7], "plate"] = "P9"               # a:L1's wells split over two plates
    m = dr.build_model(dr.validate(spans, ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate"))
    assert m.spec.blocks is None and "e0_block" not in m.named_vars


def test_block_advi_takes_the_plates_levels_and_the_drug_and_line_effects_as_population_parameters():
    "Vectors over blocks, drugs or lines are neither per-curve nor scalars: block ADVI fits them with the population."
    t = dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    for model in (dr.build_model(t), dr.build_model(t, structure="crossed")):
        fit = dr.fit_block_advi(model, n=2000, block_n=300, draws=20, seed=1, progressbar=False, n_weights=0)
        post = fit.posterior
        assert post["e0_block"].dims == ("chain", "draw", "block") and list(post["block"].values) == ["P0", "P1", "P2"]
        assert np.isfinite(post["e0_block"].values).all() and np.isfinite(post["log10_ic50"].values).all()
    assert post["ic50_position_drug_z"].dims == ("chain", "draw", "drug")


def test_block_advi_couples_each_curve_to_its_own_drug_line_and_plate_only():
    "GDSC has 1,200 drug and line effects and 5,000 plates: each curve's block is coupled to its own three, not to all."
    from dose_response.block_advi import block_layout
    t = dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by="plate")
    model = dr.build_model(t, structure="crossed")
    lay = block_layout(model)
    owner = [(n, j) for n, sh in zip(lay.names, lay.shapes) for j in range(int(np.prod(sh)))]
    plate = t.groupby("group")["_block"].first()
    level_vars = {owner[i][0] for i in lay.level_idx}
    assert level_vars == {n for n in lay.names if model.named_vars_to_dims.get(n, ("group",))[0] in ("drug", "cell_line", "block")}
    assert len(level_vars) == 7 and lay.group_levels.shape == (model.spec.n_groups, 7)   # 3 parameters x 2 factors + plate
    for g, label in enumerate(model.coords["group"]):
        own = {"drug": label.split(":")[0], "cell_line": label.split(":")[1], "block": plate[label]}
        for r in lay.group_levels[g]:
            name, j = owner[lay.level_idx[r]]
            dim = model.named_vars_to_dims[name][0]
            assert model.coords[dim][j] == own[dim], (label, name)
    assert not set(lay.level_idx) & set(lay.pop_idx) and len(lay.pop_idx) + len(lay.level_idx) + lay.group_idx.size == lay.size


@pytest.mark.slow
def test_raw_signal_with_controls_per_plate_estimates_each_plates_level_and_the_ic50s():
    "Luminescence-like signal, plates at their own levels (SD 0.2 on the log scale): each plate's level comes out near "
    "its DMSO wells' median, and the IC50s near the truth, without dividing anything out first."
    from dose_response.screens import ScreenDesign, simulate_screen
    d = ScreenDesign(n_drugs=5, n_lines=4, doses=8, replicates=2, inactive=0.0, stimulating=0.0, bad_wells=0.0,
                     controls_per_plate=32, drift=0.0)           # robustly easy: many controls, flat plates
    wells, truth = simulate_screen(d, seed=4)
    tidy = dr.validate(wells, ["drug", "cell_line"], response="signal", controls="DMSO", controls_by="plate")
    fit = dr.fit_nuts(tidy, seed=4, progressbar=False)
    level = fit.posterior["e0_block"].median(("chain", "draw")).to_series()
    dmso = wells[wells.group == "DMSO"].groupby("plate")["signal"].median()
    assert dmso.max() / dmso.min() > 1.1                      # the plates do differ
    # each level's SE is ~1.5% here; the plates differ by ~20%: 6% tells a plate's own level from the others'
    assert (np.abs(level / dmso.reindex(level.index) - 1) < 0.06).all(), pd.DataFrame({"model": level, "dmso": dmso})
    s = dr.summarize_groups(fit).reindex(truth.index)
    det = truth["determined"].to_numpy(bool)
    err = np.abs(np.log10(s["ic50_median"]) - truth["log10_ic50"]).to_numpy()[det]
    assert det.sum() >= 5 and (err < np.log10(3)).mean() >= 0.8, err


def test_a_model_with_or_without_blocks_records_netcdf_friendly_attrs(tmp_path):
    "Every fit is saved to NetCDF (`save`), which refuses None: the model's record must hold none, blocks or not."
    import xarray as xr
    for controls_by in (None, "plate"):
        t = dr.validate(_plates(), ["drug", "cell_line"], "dose", "y", controls="DMSO", controls_by=controls_by)
        attrs = dr.build_model(t).spec.to_attrs()
        assert attrs["model_blocks"] == ("plate" if controls_by else "")
        xr.Dataset(attrs=attrs).to_netcdf(tmp_path / f"{controls_by}.nc")      # raises on a None
