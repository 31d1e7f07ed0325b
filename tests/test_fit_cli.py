"""`dose-response fit`: one's own screen end to end, from a file to the IC50 table, the fit, the verdict and a report."""
import json
import subprocess
import sys
from pathlib import Path

import arviz as az
import pandas as pd
import pytest

from dose_response.analysis import IC50_COLUMNS, OPTIONAL_COLUMNS
from dose_response.data import repo_root
from dose_response.robustness import Design, simulate_design

OUTPUTS = {"ic50.csv", "fit.nc", "diagnostics.json", "analysis.ipynb", "report.html", "curves_01.png", "potency.png"}


def fit_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dose_response", "fit", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


def check_outputs(out: Path, groups: set, rc: int, r):
    assert OUTPUTS <= {p.name for p in out.iterdir()}, sorted(p.name for p in out.iterdir())
    verdict = json.loads((out / "diagnostics.json").read_text())
    assert rc == (0 if verdict["converged"] else 3), (rc, verdict, r.stderr[-2000:])
    assert {"converged", "max_rhat", "min_ess_bulk", "divergences", "reasons"} <= set(verdict)
    table = pd.read_csv(out / "ic50.csv", index_col="group")
    post = az.from_netcdf(out / "fit.nc").posterior       # p_active is a column exactly when the fit has it (a mixture)
    optional = [c for c in OPTIONAL_COLUMNS if c != "p_active" or "p_active" in post]
    assert list(table.columns) == IC50_COLUMNS + optional and set(table.index.astype(str)) == {str(g) for g in groups}
    if "p_active" in post:
        assert table.p_active.between(0, 1).all()
    assert list(table["rank"]) == list(range(1, len(groups) + 1)) and table.ic50_median.is_monotonic_increasing
    assert ((table.ic50_q05 <= table.ic50_median) & (table.ic50_median <= table.ic50_q95)).all()
    assert table[["p_ic50_below_range", "p_ic50_above_range"]].stack().between(0, 1).all()
    assert (table.conc_min > 0).all() and (table.conc_max > table.conc_min).all()
    assert set(az.from_netcdf(out / "fit.nc").posterior.group.values.astype(str)) == {str(g) for g in groups}
    html = (out / "report.html").read_text()
    assert "Converged" in html or "NOT converged" in html
    assert "load_screen(" not in html and "import dose_response" not in html        # no code cells in the report
    for stage in ("[fit] reading", "fitting with nuts", "[fit] wrote ic50.csv"):
        assert stage in r.stdout, r.stdout


@pytest.mark.slow
def test_fit_a_drc_screen_with_shared_controls(tmp_path):
    "drc's acidiq: seven treatments sharing one control level (pct = 999), given as the CLI receives it (text)."
    out = tmp_path / "acidiq"
    r = fit_cli(repo_root() / "data" / "acidiq.csv", "--group", "pct", "--concentration", "dose", "--response", "rgr",
                "--controls", "999", "--out", out)
    groups = set(pd.read_csv(repo_root() / "data" / "acidiq.csv").pct.unique()) - {999}
    check_outputs(out, groups, r.returncode, r)


@pytest.mark.slow
def test_fit_a_screen_with_ragged_doses_and_both_directions(tmp_path):
    df, truth = simulate_design(Design("mine", n_groups=4, doses=6, replicates=2, ragged=True, mixed=True), seed=3)
    raw = df.rename(columns={"group": "compound", "concentration": "dose_uM", "response": "signal"})
    raw = pd.concat([raw, raw.iloc[[3]]], ignore_index=True)      # a repeated row: warned about in the CLI's words
    raw.to_parquet(tmp_path / "screen.parquet")
    out = tmp_path / "out"
    r = fit_cli(tmp_path / "screen.parquet", "--group", "compound", "--concentration", "dose_uM", "--response", "signal",
                "--out", out)
    check_outputs(out, set(truth.index), r.returncode, r)
    assert "repeat another row exactly" in r.stderr and "(remove the repeated rows from the file)" in r.stderr
    assert "df.drop_duplicates" not in r.stderr and "draws=" not in r.stdout + r.stderr     # flags, not API words
    if r.returncode == 0:                 # rising groups end above where they start, falling ones below
        table = pd.read_csv(out / "ic50.csv", index_col="group")
        rising = truth.loc[table.index, "rising"].to_numpy()
        assert ((table.saturating_response > table.zero_dose_response) == rising).all()


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.drop(columns="rgr"), "missing column(s) ['rgr']"),
    (lambda d: d.assign(dose=d.dose.astype(object).where(d.index != 5, "ten")), "'dose' (concentration)"),
])
def test_bad_input_is_exit_2_and_an_error_note(tmp_path, edit, message):
    bad = edit(pd.read_csv(repo_root() / "data" / "acidiq.csv"))
    bad.to_csv(tmp_path / "bad.csv", index=False)
    out = tmp_path / "out"
    r = fit_cli(tmp_path / "bad.csv", "--group", "pct", "--concentration", "dose", "--response", "rgr",
                "--controls", "999", "--out", out)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert [p.name for p in out.iterdir()] == ["error.txt"] and message in (out / "error.txt").read_text()


def test_excel_sheets_are_read_by_name_or_number(tmp_path):
    from dose_response.analysis import load_screen
    raw = pd.read_csv(repo_root() / "data" / "acidiq.csv")
    with pd.ExcelWriter(tmp_path / "screen.xlsx") as xl:
        raw.head(3).to_excel(xl, sheet_name="notes", index=False)
        raw.to_excel(xl, sheet_name="plate", index=False)
    by_name = load_screen(tmp_path / "screen.xlsx", "pct", "dose", "rgr", controls="999", sheet="plate")
    by_number = load_screen(tmp_path / "screen.xlsx", "pct", "dose", "rgr", controls="999", sheet=1)
    assert len(by_name) == len(by_number) > 200
    with pytest.raises(ValueError, match="Excel files only"):
        load_screen(repo_root() / "data" / "acidiq.csv", "pct", "dose", "rgr", sheet="plate")


@pytest.mark.slow
def test_fit_a_drug_by_cell_line_screen_with_controls_per_plate(tmp_path):
    "Two --group columns (one curve per drug and line) and --controls-by plate: each plate's DMSO wells, its own curves."
    from test_matrix_screens import _plates
    _plates(seed=2).to_csv(tmp_path / "screen.csv", index=False)
    out = tmp_path / "out"
    r = fit_cli(tmp_path / "screen.csv", "--group", "drug", "--group", "cell_line", "--concentration", "dose",
                "--response", "y", "--controls", "DMSO", "--controls-by", "plate", "--out", out)
    assert r.returncode in (0, 3), r.stderr[-2000:]
    table = pd.read_csv(out / "ic50.csv", index_col="group")
    assert list(table.columns[:2]) == ["drug", "cell_line"] and list(table.columns[2:2 + len(IC50_COLUMNS)]) == IC50_COLUMNS
    assert sorted(table.index) == ["a:L1", "a:L2", "a:L3", "b:L1", "b:L2", "b:L3"]
    # each curve starts at its own plate's control level (100, 120, 140), not at the screen's average
    start = table.groupby("cell_line")["zero_dose_response"].median()
    assert (start.diff().dropna().between(12, 28)).all(), start
    html = (out / "report.html").read_text()
    assert "a:L1" in html and "Per drug" in html and "Per cell_line" in html and (out / "heatmap.png").exists()
