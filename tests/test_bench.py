"""`dose-response bench`: refuses bad arguments before any work, and at the `xs` size writes the JSON the performance
issue asks for (fields, targets, the command that made it)."""
import json

import pytest

from dose_response.__main__ import main


@pytest.mark.parametrize("argv, message", [
    (["--size", "nope"], "unknown size"),
    (["--size", "xs", "--seed", "-1"], "--seed must be at least 0"),
    (["--size", "xs", "--vi", "laplace"], "unknown variational"),
    (["--custom", "tiny:6:5", "--size", "tiny"], "must look like"),
    (["--matrix", "200by1000"], "must be DRUGSxLINES"),
    (["--matrix", "1x1000"], "at least 2 drugs"),
    (["--matrix", "4x6", "--seed", "-1"], "--seed must be at least 0"),
])
def test_bench_refuses_bad_arguments(argv, message, tmp_path, capsys):
    assert main(["bench", *argv, "--out", str(tmp_path / "b.json")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


def test_bench_takes_a_size_or_a_matrix_not_both(tmp_path, capsys):
    for argv in ([], ["--size", "xs", "--matrix", "4x6"]):
        with pytest.raises(SystemExit) as e:
            main(["bench", *argv, "--out", str(tmp_path / "b.json")])
        assert e.value.code == 2
    assert "--matrix" in capsys.readouterr().err


@pytest.mark.slow
def test_bench_matrix_writes_every_stage_and_target(tmp_path, capsys, monkeypatch):
    "`bench --matrix` on a 4 x 6 matrix (a short NUTS run on the same matrix), end to end: the JSON the issue asks for."
    import dose_response.scale as scale
    real = scale.bench_matrix
    monkeypatch.setattr(scale, "bench_matrix", lambda *a, **k: real(*a, **{**k, "draws": 50, "nuts_matrix": (4, 6),
                                                                            "nuts_draws": 50}))
    out = tmp_path / "m.json"
    assert main(["bench", "--matrix", "4x6", "--out", str(out)]) == 0
    r = json.loads(out.read_text())
    assert (r["n_curves"], r["n_plates"]) == (24, 6) and r["n_dosed_wells"] == 24 * 9
    assert set(r["stages"]) == {"simulate_s", "validate_s", "build_s"} and r["gradient"]["ms"] > 0
    b = r["block_advi"]
    assert b["wall_s"] == pytest.approx(b["compile_s"] + b["advi_s"] + b["fit_s"] + b["draw_s"], rel=1e-6)
    assert b["per_curve_variables"] >= 8 and 0 <= b["coverage"] <= 1 and b["peak_mib"] <= r["peak_mib"]
    n, p = r["nuts_small"], r["nuts_projected"]
    assert n["steps_per_draw"] >= 1 and p["wall_s"] == pytest.approx(scale.projected_default_nuts_s(
        n["steps_per_draw"], r["gradient"]["ms"], r["gradient"]["compile_s"]))
    assert [t["target"] for t in r["targets"]] == ["block ADVI within 10 min", "peak memory within 16 GiB",
                                                   "NUTS within 1 h (projected)", "NUTS draws within 16 GiB"]
    assert r["command"] == f"dose-response bench --matrix 4x6 --seed 0 --out {out}"
    assert "written to" in capsys.readouterr().out
    assert scale.readme_gdsc(out).startswith("At GDSC's size")


@pytest.mark.slow
def test_bench_writes_every_figure(tmp_path, capsys):
    "`bench --size xs` (the sweep's smallest size, 330 observations) runs in the suite, end to end."
    out = tmp_path / "xs.json"
    assert main(["bench", "--size", "xs", "--out", str(out), "--vi", "block_advi,fullrank_advi"]) == 0
    r = json.loads(out.read_text())
    assert (r["n_obs"], r["n_groups"], r["size"]) == (330, 30, "xs")
    assert r["grad_ms_naive"] > 0 and r["grad_ms_fast"] > 0 and r["grad_speedup"] == pytest.approx(
        r["grad_ms_naive"] / r["grad_ms_fast"])
    nuts = r["nuts"]
    assert nuts["wall_s"] == pytest.approx(nuts["compile_s"] + nuts["tune_s"] + nuts["sample_s"], rel=1e-6)
    assert {"converged", "max_rhat", "min_ess_bulk", "divergences", "coverage_90", "peak_mib"} <= set(nuts)
    assert {"wall_s", "converged", "elbo_converged", "sd_ratio_median", "mean_z_median", "coverage_90",
            "peak_mib"} <= set(r["advi"])
    assert [v["method"] for v in r["vi"]] == ["block_advi", "fullrank_advi"] and r["vi_best"] in r["vi"]
    assert r["machine"]["cores"] >= 1 and "pymc" in r["versions"]
    assert r["command"] == f"dose-response bench --size xs --vi block_advi,fullrank_advi --seed 0 --out {out}"
    assert any("cheaper than naive" in t["target"] for t in r["targets"])
    printed = capsys.readouterr().out
    assert "NUTS:" in printed and "written to" in printed


def test_the_advi_target_asks_for_a_converged_elbo_not_a_good_pareto_k():
    "Mean-field ADVI at scale always fails the Pareto-k check; the target is about its ELBO and its time."
    from dose_response.bench import check_targets
    nuts = {"wall_s": 200.0, "converged": True, "coverage_90": 0.9}
    row = lambda **a: {"grad_speedup": 21.0, "nuts": nuts, "advi": {"converged": False, **a}}
    advi_met = lambda r: next(t["met"] for t in check_targets(r, "full") if t["target"].startswith("ADVI"))
    assert advi_met(row(wall_s=25.0, elbo_converged=True))
    assert not advi_met(row(wall_s=25.0, elbo_converged=False))
    assert not advi_met(row(wall_s=31.0, elbo_converged=True))


def test_time_against_size_reads_the_sweep_the_benchmarks_and_the_naive_runs(tmp_path):
    "Each method's time from its own source; the naive model projected from the gradient ratio where not measured."
    import matplotlib.pyplot as plt
    import pandas as pd
    from dose_response.bench import plot_time_vs_size, time_vs_size
    (tmp_path / "results").mkdir()
    (tmp_path / "bench" / "naive").mkdir(parents=True)
    pd.DataFrame({"size": ["xs", "full"], "status": ["ok", "failed"], "n_obs": [330, 432_000], "nuts_s": [9.0, None],
                  "advi_s": [6.0, None]}).to_csv(tmp_path / "results" / "sweep_table.csv", index=False)
    nuts = {"compile_s": 10.0, "tune_s": 40.0, "sample_s": 60.0}
    (tmp_path / "bench" / "m.json").write_text(json.dumps({
        "n_obs": 39_600, "size": "m", "grad_ms_naive": 2.0, "grad_ms_fast": 0.1, "nuts": nuts, "targets": [],
        "vi": [{"method": "pathfinder", "wall_s": 9.0}, {"method": "block_advi", "wall_s": 4.0},
               {"method": "fullrank_advi", "error": "MemoryError"}]}))
    (tmp_path / "bench" / "notes.json").write_text(json.dumps({"n_obs": 1}))        # not a `bench` file: ignored
    (tmp_path / "bench" / "gdsc.json").write_text(json.dumps({"n_curves": 9, "targets": []}))   # `--matrix`: ignored
    (tmp_path / "bench" / "naive" / "nuts.json").write_text(json.dumps({"rows": {"xs": {"n_obs": 330, "wall_s": 12.0}}}))
    t = time_vs_size(tmp_path).set_index(["method", "n_obs", "kind"]).wall_s
    assert t["NUTS (fast model)", 330, "measured"] == 9.0 and t["ADVI (mean-field)", 330, "measured"] == 6.0
    assert t["NUTS (naive model)", 39_600, "projected"] == pytest.approx(10.0 + 20 * (40.0 + 60.0))
    assert t["NUTS (naive model)", 330, "measured"] == 12.0 and t["Pathfinder", 39_600, "measured"] == 9.0
    assert t["Block ADVI", 39_600, "measured"] == 4.0
    assert len(t) == 6                                  # the failed size, the error and the other file add nothing
    fig = plot_time_vs_size(t.reset_index())
    assert len(fig.axes[0].lines) == 7                  # six series (measured and projected naive) + the 60 s line
    plt.close(fig)
    # a block-preconditioned fast fit: the naive model (non-centred, so diagonal) is projected from the same data's
    # diagonal fit where bench/nuts_preconditioning.json has one, and not at all where it has none
    block = {**nuts, "tune_s": 4.0, "sample_s": 6.0, "mass_matrix": "block"}
    for name, n_obs in (("m", 39_600), ("l", 144_000)):
        (tmp_path / "bench" / f"{name}.json").write_text(json.dumps({
            "n_obs": n_obs, "size": name, "grad_ms_naive": 2.0, "grad_ms_fast": 0.1, "nuts": block, "targets": [],
            "vi": []}))
    (tmp_path / "bench" / "nuts_preconditioning.json").write_text(json.dumps({"rows": {
        "m/diagonal": {"n_obs": 39_600, "tune_s": 30.0, "sample_s": 50.0},
        "m/block": {"n_obs": 39_600, "tune_s": 4.0, "sample_s": 6.0}}}))
    t = time_vs_size(tmp_path).set_index(["method", "n_obs", "kind"]).wall_s
    assert t["NUTS (naive model)", 39_600, "projected"] == pytest.approx(10.0 + 20 * (30.0 + 50.0))
    assert ("NUTS (naive model)", 144_000, "projected") not in t.index
