"""The papermill sweep end to end: schema, failure isolation, exit status, interruption and --resume."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dose_response.sweep import SIZES, Size, conclusion, markdown_table, parse_sizes, sweep_table

TINY = ["--custom", "a:5:5:2", "--custom", "b:6:5:1", "--custom", "bad:0:5:1",
        "--draws", "100", "--tune", "100", "--advi-n", "2000"]
FIT_KEYS = {"wall_s", "compile_s", "converged", "coverage_90", "coverage_90_by_param", "settings"}
NUTS_KEYS = FIT_KEYS | {"tune_s", "sample_s", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences"}
ADVI_KEYS = FIT_KEYS | {"fit_s", "n_iter", "final_elbo", "elbo_converged", "pareto_k"}
COMPARISON_KEYS = {"mean_shift_median", "mean_shift_p90", "sd_ratio_median", "sd_ratio_p10", "overlap_median",
                   "coverage_ref", "coverage_cand", "by_param", "reference", "candidate"}


def _default_sigint():
    "A shell's background jobs ignore SIGINT, and children inherit that: give the sweep a normal Ctrl-C."
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sweep(out, sizes, *extra, **popen):
    cmd = [sys.executable, "-m", "dose_response", "sweep", "--sizes", sizes, "--out", str(out), *TINY, *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=_default_sigint, **popen)


def check_schema(m, size, n_obs, n_groups):
    assert m["status"] == "ok" and m["size"] == size and m["n_obs"] == n_obs and m["n_groups"] == n_groups
    assert m["seed"] == 0 and {"pymc", "nutpie", "arviz"} <= set(m["versions"])
    assert NUTS_KEYS <= set(m["nuts"]), NUTS_KEYS - set(m["nuts"])
    assert ADVI_KEYS <= set(m["advi"]), ADVI_KEYS - set(m["advi"])
    assert COMPARISON_KEYS <= set(m["comparison"])
    assert m["nuts"]["settings"]["draws"] in (100, 200, 400) and m["advi"]["settings"]["n"] == 2000   # retries double
    assert 0 <= m["nuts"]["coverage_90"] <= 1 and m["advi"]["n_iter"] <= 2000


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    "Run a, b; interrupt after a finishes; then --resume a, b, bad (bad fails)."
    out = tmp_path_factory.mktemp("runs")
    first = sweep(out, "a,b", "--no-report", start_new_session=True)
    lines = []
    for line in first.stdout:                       # wait until the sweep reports a finished
        lines.append(line)
        if line.startswith("[sweep] b"):
            break
    deadline = time.monotonic() + 300               # b is running once papermill has written its output notebook
    while not (out / "b" / "run.ipynb").exists():
        assert time.monotonic() < deadline and first.poll() is None, "size b never started"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGINT)            # Ctrl-C while b runs
    try:
        rest, _ = first.communicate(timeout=60)
        first_log = "".join(lines) + rest
    finally:
        try:
            os.killpg(first.pid, signal.SIGKILL)   # and any kernel it left behind
        except ProcessLookupError:
            pass
    a_mtime = (out / "a" / "metrics.json").stat().st_mtime
    b_after_interrupt = (out / "b" / "metrics.json").exists()
    second = sweep(out, "a,b,bad", "--resume")
    second_log, _ = second.communicate(timeout=900)
    return dict(out=out, first_log=first_log, first_rc=first.returncode, a_mtime=a_mtime, b_after_interrupt=b_after_interrupt,
                log=second_log, rc=second.returncode)


def test_interrupt_keeps_finished_size(swept):
    out = swept["out"]
    assert "a (5 groups x 5 x 2 = 50 obs): ok" in swept["first_log"], swept["first_log"]
    assert swept["first_rc"] == 130 and "interrupted during b; finished sizes are kept" in swept["first_log"]
    assert not swept["b_after_interrupt"]           # the interrupted size left no result to be mistaken for one
    check_schema(json.loads((out / "a" / "metrics.json").read_text()), "a", 50, 5)


def test_resume_skips_finished_sizes(swept):
    assert "a (5 groups x 5 x 2 = 50 obs): skipped" in swept["log"], swept["log"]
    assert (swept["out"] / "a" / "metrics.json").stat().st_mtime == swept["a_mtime"]
    assert "b (6 groups x 5 x 1 = 30 obs): ok" in swept["log"]


def test_two_sizes_end_to_end_with_schema_and_files(swept):
    out = swept["out"]
    check_schema(json.loads((out / "b" / "metrics.json").read_text()), "b", 30, 6)
    for f in ("run.ipynb", "data.csv", "nuts.nc", "advi.nc", "groups_nuts.csv", "groups_advi.csv", "metrics.json",
              "agreement.png", "recovery_nuts.png"):
        assert (out / "b" / f).exists(), f
    groups = pd.read_csv(out / "b" / "groups_nuts.csv")
    assert len(groups) == 6 and "p_ic50_above_range" in groups


def test_failed_size_is_recorded_and_others_survive(swept):
    out = swept["out"]
    assert swept["rc"] == 1
    bad = json.loads((out / "bad" / "metrics.json").read_text())
    assert bad["status"] == "failed" and "n_groups must be a positive integer, got 0" in bad["error"]
    assert (out / "bad" / "run.ipynb").exists()          # the executed notebook shows the failing cell
    assert "bad (0 groups x 5 x 1 = 0 obs): FAILED" in swept["log"] and "[sweep] failed: bad" in swept["log"]
    assert json.loads((out / "a" / "metrics.json").read_text())["status"] == "ok"


def test_report_reads_every_size(swept):
    out = swept["out"]
    for f in ("report.ipynb", "report.html", "scaling.png", "uncertainty.png", "sweep_table.csv", "conclusion.txt"):
        assert (out / f).exists(), f
    table = pd.read_csv(out / "sweep_table.csv", index_col="size")
    assert set(table.index) == {"a", "b", "bad"} and table.loc["bad", "status"] == "failed"
    text = (out / "conclusion.txt").read_text()
    assert "At the largest size run, a (50 observations, 5 groups)" in text and "Failed sizes: bad." in text


def test_named_sizes_match_the_issue():
    assert {k: (v.n_groups, v.concentrations, v.replicates) for k, v in SIZES.items()} == {
        "xs": (30, 11, 1), "s": (100, 11, 3), "m": (300, 11, 12), "l": (1000, 12, 12), "full": (3000, 12, 12)}
    assert SIZES["full"].n_obs == 432_000


def test_size_parsing_errors():
    with pytest.raises(ValueError, match="must look like NAME:GROUPS:DOSES:REPLICATES"):
        parse_sizes("x", ["x:1:2"])
    with pytest.raises(ValueError, match="must be integers"):
        parse_sizes("x", ["x:a:2:3"])
    assert parse_sizes("xs, s") == {"xs": Size(30, 11, 1), "s": Size(100, 11, 3)}


def test_cli_rejects_unknown_sizes(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dose_response", "sweep", "--sizes", "xs,huge", "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown size(s) ['huge']" in r.stderr
    assert not any(tmp_path.iterdir())


def test_markdown_table_and_conclusion_from_metrics():
    runs = [{"size": "z", "status": "failed", "error": "boom", "n_obs": 10, "n_groups": 1}]
    table = sweep_table(runs)
    md = markdown_table(table)
    assert md.splitlines()[0] == "| size | status | n_obs | n_groups | error |" and "| z | failed | 10 | 1 | boom |" in md
    assert conclusion(table) == "No size finished: z: boom"
