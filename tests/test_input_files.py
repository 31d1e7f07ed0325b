"""Files as plate readers, spreadsheets and LIMS exports make them: each is read right, or refused before fitting with
exit status 2 and a message that names the fix (never a traceback, never a quietly wrong table)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dose_response.__main__ import main
from dose_response.analysis import load_screen
from dose_response.data import check_design

CURVE = [(0.01, 98.0), (0.1, 90.0), (1.0, 50.0), (10.0, 12.0), (100.0, 5.0)]


def rows(labels, curve=CURVE):
    "Tidy rows: every label gets the whole curve."
    return [(g, d, y) for g in labels for d, y in curve]


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(data, header="compound,dose,viability", sep=",", decimal="."):
    lines = [header.replace(",", sep)]
    for g, d, y in data:
        lines.append(sep.join([str(g), f"{d:g}".replace(".", decimal), f"{y:g}".replace(".", decimal)]))
    return "\n".join(lines) + "\n"


def cli(tmp_path, data, *extra, capsys):
    code = main(["fit", str(data), "--group", "compound", "--concentration", "dose", "--response", "viability",
                 "--out", str(tmp_path / "out"), *map(str, extra)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# --- wrong answers that used to come out quietly ---------------------------------------------------------------------

def test_ids_are_labels_exactly_as_written(tmp_path):
    f = write(tmp_path / "ids.csv", csv_text(rows(["0012", "0013", "12", "13", "1E5"])))
    df = load_screen(f, "compound", "dose", "viability")
    assert sorted(df.group.unique()) == ["0012", "0013", "12", "13", "1E5"]


def test_a_second_group_column_must_exist_and_differ(tmp_path, capsys):
    "--group drug --group cell_line is a screen of pairs (tests/test_matrix_screens.py); a missing or repeated one is refused."
    f = write(tmp_path / "two.csv", csv_text(rows(["a", "b"]), header="compound,dose,viability"))
    code = main(["fit", str(f), "--group", "compound", "--group", "cell_line", "--concentration", "dose",
                 "--response", "viability", "--out", str(tmp_path / "out")])
    assert code == 2 and "missing column(s) ['cell_line']" in capsys.readouterr().err
    code = main(["fit", str(f), "--group", "compound", "--group", "compound", "--concentration", "dose",
                 "--response", "viability", "--out", str(tmp_path / "out2")])
    assert code == 2 and "--group names a column twice" in capsys.readouterr().err
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())   # refused before anything


def test_labels_that_differ_by_case_or_spacing_are_refused_or_merged_on_request(tmp_path, capsys):
    f = write(tmp_path / "near.csv", csv_text(rows(["Drug A", "Drug A ", "drug A", "B"])))
    code, err = cli(tmp_path, f, capsys=capsys)
    assert code == 2 and "differ only by case or spacing" in err and "--normalize-labels" in err
    assert "normalize=True" not in err                       # the command line's words, not the API's
    merged = load_screen(f, "compound", "dose", "viability", normalize=True)
    assert sorted(merged.group.unique()) == ["B", "Drug A"] and len(merged) == 4 * len(CURVE)


def test_log_doses_are_refused_when_negative_warned_when_evenly_spaced_and_converted_on_request(tmp_path, capsys):
    logs = [(x, y) for x, (_, y) in zip([-2, -1, 0, 1, 2], CURVE)]
    f = write(tmp_path / "neg.csv", csv_text(rows(["a", "b"], logs)))
    code, err = cli(tmp_path, f, capsys=capsys)
    assert code == 2 and "--log-doses 10" in err and "log_doses=" not in err
    df = load_screen(f, "compound", "dose", "viability", log_doses=10)
    np.testing.assert_allclose(sorted(df.concentration.unique()), [0.01, 0.1, 1, 10, 100])
    even = write(tmp_path / "even.csv", csv_text(rows(["a", "b"], [(x + 2, y) for x, y in logs])))
    notes = check_design(load_screen(even, "compound", "dose", "viability"))
    assert any("look like logarithms of the doses" in n for n in notes), notes


# --- files that are read as they come ---------------------------------------------------------------------------

def test_semicolons_and_decimal_commas_are_sniffed(tmp_path):
    f = write(tmp_path / "eu.csv", csv_text(rows(["a", "b"]), sep=";", decimal=","))
    df = load_screen(f, "compound", "dose", "viability")
    assert sorted(df.concentration.unique()) == [0.01, 0.1, 1.0, 10.0, 100.0] and len(df) == 10


def test_a_txt_file_is_sniffed_not_assumed_tab(tmp_path):
    f = write(tmp_path / "plate.txt", csv_text(rows(["a", "b"])))
    assert len(load_screen(f, "compound", "dose", "viability")) == 10


def test_cp1252_is_named_in_the_error_and_read_when_given(tmp_path, capsys):
    f = write(tmp_path / "win.csv", csv_text(rows(["a", "b"]), header="compound,dose µM,viability"), "cp1252")
    code = main(["fit", str(f), "--group", "compound", "--concentration", "dose µM", "--response", "viability",
                 "--out", str(tmp_path / "out")])
    assert code == 2 and "--encoding cp1252" in capsys.readouterr().err
    assert len(load_screen(f, "compound", "dose µM", "viability", encoding="cp1252")) == 10


def test_metadata_above_the_header_says_how_many_lines_to_skip(tmp_path, capsys):
    f = write(tmp_path / "export.csv", "Instrument: reader 3\nDate: 2026-12-01\n" + csv_text(rows(["a", "b"])))
    code, err = cli(tmp_path, f, capsys=capsys)
    assert code == 2 and "--skip-rows 2" in err
    assert len(load_screen(f, "compound", "dose", "viability", skip_rows=2)) == 10


def test_excel_sheets_by_name_first_and_listed_in_every_sheet_error(tmp_path):
    data = pd.DataFrame(rows(["a", "b"]), columns=["compound", "dose", "viability"])
    with pd.ExcelWriter(tmp_path / "book.xlsx") as xl:
        data.head(2).to_excel(xl, sheet_name="notes", index=False)
        data.assign(compound=["x"] * 5 + ["y"] * 5).to_excel(xl, sheet_name="0", index=False)
        data.to_excel(xl, sheet_name="1", index=False)
    by_name = load_screen(tmp_path / "book.xlsx", "compound", "dose", "viability", sheet="1")
    assert sorted(by_name.group.unique()) == ["a", "b"]                 # the sheet named "1", not the second sheet
    with pytest.raises(ValueError, match=r"no sheet 'plate'; its sheets are \['notes', '0', '1'\]"):
        load_screen(tmp_path / "book.xlsx", "compound", "dose", "viability", sheet="plate")
    with pytest.raises(ValueError, match=r"on sheet 'notes'.*sheets are \['notes', '0', '1'\]"):
        load_screen(tmp_path / "book.xlsx", "compound", "dose_uM", "viability")


def test_a_wide_plate_layout_gets_the_reshape_it_needs(tmp_path):
    f = write(tmp_path / "wide.csv", "compound,0.01,0.1,1,10,100\na,98,90,50,12,5\nb,97,91,55,10,4\n")
    with pytest.raises(ValueError, match="looks wide.*df.melt"):
        load_screen(f, "compound", "dose", "viability")


def test_row_numbers_are_the_files_own_lines(tmp_path):
    text = csv_text(rows(["a", "b"])).splitlines()
    text[7] = "b,ten,50"                                     # the file's line 8
    f = write(tmp_path / "typo.csv", "\n".join(text) + "\n")
    with pytest.raises(ValueError, match=r"rows \[8\]"):
        load_screen(f, "compound", "dose", "viability")


def test_row_numbers_are_excels_own_rows(tmp_path):
    "Row 1 is the header, so the sixth data row is the sheet's row 7: what Excel shows beside it."
    data = pd.DataFrame(rows(["a", "b"]), columns=["compound", "dose", "viability"]).astype({"dose": object})
    data.loc[5, "dose"] = "ten"
    data.to_excel(tmp_path / "typo.xlsx", index=False)
    with pytest.raises(ValueError, match=r"rows \[7\]"):
        load_screen(tmp_path / "typo.xlsx", "compound", "dose", "viability")


# --- arguments and --out, decided before fitting -------------------------------------------------------------------

@pytest.mark.parametrize("extra, message", [(["--seed", "-1"], "--seed must be at least 0"),
                                            (["--log-doses", "1"], "--log-doses is the base"),
                                            (["--skip-rows", "-2"], "--skip-rows must be at least 0"),
                                            (["--target-accept", "1.5"], "--target-accept must be between 0 and 1")])
def test_argument_values_that_cannot_work_are_exit_2(tmp_path, capsys, extra, message):
    f = write(tmp_path / "ok.csv", csv_text(rows(["a", "b"])))
    code, err = cli(tmp_path, f, *extra, capsys=capsys)
    assert code == 2 and message in err


def test_an_unwritable_out_is_exit_2_before_reading(tmp_path):
    "A shell user's view: one line on stderr, no traceback, exit 2 (here --out lies under a file)."
    f = write(tmp_path / "ok.csv", csv_text(rows(["a", "b"])))
    blocker = write(tmp_path / "blocker", "")
    r = subprocess.run([sys.executable, "-m", "dose_response", "fit", str(f), "--group", "compound", "--concentration",
                        "dose", "--response", "viability", "--out", str(blocker / "out")], capture_output=True, text=True)
    assert r.returncode == 2 and "cannot write to --out" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "[fit] reading" not in r.stdout


def test_an_out_folder_keeps_what_the_run_did_not_write_and_loses_an_older_runs_files(tmp_path, capsys):
    from dose_response.__main__ import prepare_out
    out = tmp_path / "out"
    out.mkdir()
    for name in ("error.txt", "shrinkage.png", "curves_07.png", "ic50.csv"):
        (out / name).write_text("old")
    (out / "my_data.csv").write_text("mine")
    prepare_out(out)
    assert sorted(p.name for p in out.iterdir()) == ["my_data.csv"]


def test_a_missing_column_is_named_with_the_flags_that_fix_it(tmp_path, capsys):
    f = write(tmp_path / "ok.csv", csv_text(rows(["a", "b"])))
    code = main(["fit", str(f), "--group", "compound", "--concentration", "conc", "--response", "viability",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "missing column(s) ['conc']" in err and "--concentration" in err and "group=" not in err
    assert "--concentration" in (tmp_path / "out" / "error.txt").read_text()


def test_repeated_rows_are_named_by_their_line_in_the_file_and_warned_about_once(tmp_path, caplog):
    "Line 1 is the header: the copy of line 3 at line 5 is named 5 (not data row 3), by the model the CLI builds too."
    import dose_response as dr
    data = rows(["A", "B"])
    data.insert(3, data[1])                       # A's second dose again, as the file's 5th line
    f = write(tmp_path / "dup.csv", csv_text(data))
    df = load_screen(f, "compound", "dose", "viability")
    assert "at rows [5]" in check_design(df)[0]
    with caplog.at_level("WARNING", logger="dose_response"):
        dr.build_model(df)
    assert caplog.text.count("repeat another row exactly") == 1 and "at rows [5]" in caplog.text
    # with shared controls (copied into every group) and dropped rows, the lines still follow the rows
    text = csv_text(data) + "DMSO,0,100\nDMSO,0,100\nA,,3\n"      # lines 13-15; line 15 has no dose
    df = load_screen(write(tmp_path / "ctrl.csv", text), "compound", "dose", "viability", controls="DMSO", dropna=True)
    assert "at rows [5, 14, 14]" in check_design(df)[0]                # line 14's copies in A and in B


# --- the fit's other settings: --config ----------------------------------------------------------------------------

@pytest.mark.parametrize("toml, message", [
    ("draws = 2000", "sets draws, which has a flag of its own: give --draws instead"),
    ("priors = 3", "priors must be a table"),
    ("[priors]\nic50_sd = 1.0", "unknown prior 'ic50_sd'"),
    ("[priors]\nlog_hill_mu = 0.5", "prior log_hill_mu must be a list of 2 numbers"),
    ('parameterization = {slope = "noncentered"}', "unknown parameter(s) ['slope']"),
    ('likelihood = "cauchy"', "likelihood='cauchy' is not one of"),
    ("chains = 0", "chains must be a whole number, at least 1"),
    ("ic50_window = -1", "ic50_window=-1 must be a positive number of decades"),
    ("pooling = ", "is not TOML"),
])
def test_a_config_file_that_cannot_be_used_is_exit_2_before_reading_the_data(tmp_path, capsys, toml, message):
    f = write(tmp_path / "ok.csv", csv_text(rows(["a", "b"])))
    config = write(tmp_path / "fit.toml", toml)
    code, err = cli(tmp_path, f, "--config", config, capsys=capsys)
    assert code == 2 and message in err and "fit.toml" in err, err
    assert not (tmp_path / "out" / "fit.nc").exists()


def test_a_config_file_reaches_the_fit_and_nuts_only_settings_are_refused_for_advi(tmp_path, capsys, monkeypatch):
    "Its settings arrive as `fit`'s keyword arguments, beside the flags' (the fit itself is stubbed: only the plumbing)."
    import dose_response.inference as inference
    seen = {}

    def fake_fit(df, **kw):
        seen.update(kw)
        raise RuntimeError("stop after the arguments")
    monkeypatch.setattr(inference, "fit", fake_fit)
    f = write(tmp_path / "ok.csv", csv_text(rows(["a", "b"])))
    config = write(tmp_path / "fit.toml", 'parameterization = {einf = "noncentered"}\nchains = 3\n'
                                          '[priors]\nlog10_ic50_sigma = 1.5\nlog_hill_mu = [0.0, 0.5]\n')
    code, _ = cli(tmp_path, f, "--config", config, "--draws", 300, capsys=capsys)
    assert code == 1   # the stub's error: exit 1 with one line
    assert seen["parameterization"] == {"einf": "noncentered"} and seen["chains"] == 3 and seen["draws"] == 300
    assert seen["priors"] == {"log10_ic50_sigma": 1.5, "log_hill_mu": (0.0, 0.5)}
    code, err = cli(tmp_path, f, "--config", config, "--method", "advi", capsys=capsys)
    assert code == 2 and "chains, which only NUTS uses" in err
    seen.clear()
    off = write(tmp_path / "off.toml", "ic50_window = false\n")      # TOML has no null: false is no window
    assert cli(tmp_path, f, "--config", off, capsys=capsys)[0] == 1 and seen["ic50_window"] is None


def test_the_remedies_a_report_names_are_said_as_config_lines_on_the_command_line():
    from dose_response.__main__ import cli_message
    said = cli_message("try target_accept=0.99, or parameterization={'einf': 'noncentered'} (the population of einf "
                       "is what mixes worst), or a tighter prior on hill (e.g. priors={'log_hill_mu': (..., smaller sd)}),"
                       " or pooling='none' if the groups are too few, or more draws (draws=2000, tune=2000)")
    assert "--target-accept 0.99" in said and 'parameterization = {einf = "noncentered"} in a --config file' in said
    assert "[priors] log_hill_mu = [..., smaller sd] in a --config file" in said
    assert 'pooling = "none" in a --config file' in said and "--draws 2000, --tune 2000" in said
    assert "=0." not in said and "priors={" not in said


def test_by_blocks_get_the_config_file(tmp_path):
    from dose_response.__main__ import _block_argv, _parser
    config = write(tmp_path / "fit.toml", "pooling = 'none'\n")
    args = _parser().parse_args(["fit", "x.csv", "--concentration", "d", "--response", "y", "--out", "o", "--by", "plate",
                                 "--config", str(config)])
    argv = _block_argv(args, Path("b.csv"), Path("o/b"))
    assert argv[argv.index("--config") + 1] == str(config.resolve())
