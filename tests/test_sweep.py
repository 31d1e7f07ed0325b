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

from dose_response.sweep import SIZES, Size, parse_sizes
from dose_response.sweep_report import conclusion, markdown_table, sweep_table

TINY = ["--custom", "a:5:5:2", "--custom", "b:5:5:1", "--custom", "bad:4:5:1",
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


ROOT = Path(__file__).resolve().parents[1]


def _fingerprint() -> dict:
    "Content hashes of README.md and every file under results/."
    import hashlib
    files = [ROOT / "README.md", *sorted(p for p in (ROOT / "results").rglob("*") if p.is_file())]
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


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
    (out / "bad" / "data.csv").mkdir(parents=True)   # the notebook cannot write its data there: this size fails
    publish = ROOT / "results"                         # asked to publish to the repository: a partial sweep must not
    before = _fingerprint()
    second = sweep(out, "a,b,bad", "--resume", "--publish", str(publish))
    second_log, _ = second.communicate(timeout=900)
    return dict(out=out, first_log=first_log, first_rc=first.returncode, a_mtime=a_mtime, b_after_interrupt=b_after_interrupt,
                log=second_log, rc=second.returncode, published_before=before, published_after=_fingerprint())


@pytest.mark.slow
def test_interrupt_keeps_finished_size(swept):
    out = swept["out"]
    assert "a (5 groups x 5 x 2 = 50 obs): ok" in swept["first_log"], swept["first_log"]
    assert swept["first_rc"] == 130 and "interrupted during b; finished sizes are kept" in swept["first_log"]
    assert not swept["b_after_interrupt"]           # the interrupted size left no result to be mistaken for one
    check_schema(json.loads((out / "a" / "metrics.json").read_text()), "a", 50, 5)


@pytest.mark.slow
def test_resume_skips_finished_sizes(swept):
    assert "a (5 groups x 5 x 2 = 50 obs): skipped" in swept["log"], swept["log"]
    assert (swept["out"] / "a" / "metrics.json").stat().st_mtime == swept["a_mtime"]
    assert "b (5 groups x 5 x 1 = 25 obs): ok" in swept["log"]


@pytest.mark.slow
def test_two_sizes_end_to_end_with_schema_and_files(swept):
    out = swept["out"]
    check_schema(json.loads((out / "b" / "metrics.json").read_text()), "b", 25, 5)
    for f in ("run.ipynb", "data.csv", "nuts.nc", "advi.nc", "groups_nuts.csv", "groups_advi.csv", "metrics.json",
              "agreement.png", "recovery_nuts.png"):
        assert (out / "b" / f).exists(), f
    groups = pd.read_csv(out / "b" / "groups_nuts.csv")
    assert len(groups) == 5 and "p_ic50_above_range" in groups


@pytest.mark.slow
def test_failed_size_is_recorded_and_others_survive(swept):
    out = swept["out"]
    assert swept["rc"] == 1
    bad = json.loads((out / "bad" / "metrics.json").read_text())
    assert bad["status"] == "failed" and "IsADirectoryError" in bad["error"]
    assert (out / "bad" / "run.ipynb").exists()          # the executed notebook shows the failing cell
    assert "bad (4 groups x 5 x 1 = 20 obs): FAILED" in swept["log"] and "[sweep] failed: bad" in swept["log"]
    assert json.loads((out / "a" / "metrics.json").read_text())["status"] == "ok"


@pytest.mark.slow
def test_report_reads_every_size(swept):
    out = swept["out"]
    for f in ("report.ipynb", "report.html", "scaling.png", "uncertainty.png", "sweep_table.csv", "conclusion.txt"):
        assert (out / f).exists(), f
    table = pd.read_csv(out / "sweep_table.csv", index_col="size")
    assert set(table.index) == {"a", "b", "bad"} and table.loc["bad", "status"] == "failed"
    text = (out / "conclusion.txt").read_text()
    assert "At the largest size run, a (50 observations, 5 groups)" in text and "Failed sizes: bad." in text
    html = (out / "report.html").read_text()
    assert "from dose_response.sweep_report import" not in html     # the report shows results, not code
    assert 'href="b/recovery_nuts.png"' in html                      # each size's figures are linked


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_partial_sweep_does_not_publish(swept):
    "Only the full sweep publishes; a few sizes write only to --out (and `make sweep SIZES=xs` passes no --publish)."
    assert "not publishing: only the full sweep" in swept["log"]
    assert swept["published_after"] == swept["published_before"]        # results/ and README.md untouched
    root = ROOT
    dry = subprocess.run(["make", "-n", "sweep", "SIZES=xs"], cwd=root, capture_output=True, text=True).stdout
    assert "--sizes xs" in dry and "--publish" not in dry
    full = subprocess.run(["make", "-n", "sweep"], cwd=root, capture_output=True, text=True).stdout
    assert "--publish results" in full


@pytest.mark.slow
def test_resume_needs_the_same_settings(swept, tmp_path):
    "A finished size made with other settings or other code, or whose files are damaged, is not trusted by --resume."
    import shutil
    from dose_response.sweep import is_done
    src = swept["out"] / "a"
    settings = dict(nuts_draws=100, nuts_tune=100, nuts_chains=2, advi_n=2000)
    assert is_done(src, 0, settings)
    assert not is_done(src, 1, settings)                                   # another seed
    for k, v in dict(nuts_draws=200, nuts_tune=50, nuts_chains=4, advi_n=3000).items():
        assert not is_done(src, 0, {**settings, k: v}), k                  # another draws, tune, chains, ADVI budget
    good = (src / "metrics.json").read_bytes()
    broken = {"null": b"null", "a list": b"[1, 2]", "invalid UTF-8": b"\xff\xfe{", "truncated": good[:40],
              "status alone": b'{"status": "ok"}'}
    for why, content in broken.items():
        d = tmp_path / why.replace(" ", "_")
        shutil.copytree(src, d)
        (d / "metrics.json").write_bytes(content)
        assert not is_done(d, 0, settings), why
    d = tmp_path / "folder"
    shutil.copytree(src, d)
    (d / "metrics.json").unlink()
    (d / "metrics.json").mkdir()
    assert not is_done(d, 0, settings)
    d = tmp_path / "no_nuts"
    shutil.copytree(src, d)
    (d / "nuts.nc").unlink()
    assert not is_done(d, 0, settings)
    d = tmp_path / "older_code"                                            # same settings, other code
    shutil.copytree(src, d)
    m = json.loads((d / "metrics.json").read_text())
    m["versions"]["dose_response_code"] = "0" * 12
    (d / "metrics.json").write_text(json.dumps(m))
    assert not is_done(d, 0, settings)


@pytest.mark.slow
def test_a_second_sweep_into_the_same_folder_is_refused(tmp_path):
    import fcntl
    with open(tmp_path / ".sweep.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)        # a sweep is running here
        r = subprocess.run([sys.executable, "-m", "dose_response", "sweep", "--sizes", "xs", "--out", str(tmp_path)],
                           capture_output=True, text=True)
    assert r.returncode == 2 and "another sweep is writing to" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == [".sweep.lock"]


@pytest.mark.slow
@pytest.mark.parametrize("make_bad", ["file", "under_file", "read_only"])
def test_an_unusable_out_folder_is_one_clear_line(tmp_path, make_bad):
    target = tmp_path / "out"
    if make_bad == "file":
        target.write_text("x")
    elif make_bad == "under_file":
        (tmp_path / "f").write_text("x")
        target = tmp_path / "f" / "out"
    elif os.geteuid() == 0:   # root writes through a chmod: sysfs, which refuses a new folder even to root, stands in
        target = Path("/sys") / "dose_response_out"
    else:
        target.mkdir()
        target.chmod(0o500)
    r = subprocess.run([sys.executable, "-m", "dose_response", "sweep", "--sizes", "xs", "--out", str(target)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("dose-response: cannot write to --out") and "Traceback" not in r.stderr


@pytest.mark.slow
def test_report_lists_failures_when_no_size_finished(tmp_path):
    from dose_response.sweep_report import build_report, write_json
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_json({"size": name, "status": "failed", "error": f"MemoryError: {name} ran out", "n_obs": 10,
                    "n_groups": 2, "seed": 0}, tmp_path / name / "metrics.json")
    build_report(tmp_path, echo=lambda s: None)
    text = (tmp_path / "conclusion.txt").read_text()
    assert text.startswith("No size finished") and "a: MemoryError: a ran out" in text and "b: MemoryError" in text
    assert (tmp_path / "report.html").exists() and (tmp_path / "scaling.png").exists()


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["--sizes", ""], "no sizes given"),
    (["--sizes", "x", "--custom", "../x:5:6:2"], "no path"),
    (["--sizes", "x", "--custom", "/tmp/x:5:6:2"], "no path"),
    (["--sizes", "x", "--custom", "x:0:0:0"], "GROUPS must be at least 1"),
    (["--sizes", "x", "--custom", "x:5:-6:2"], "DOSES must be at least 2"),
    (["--sizes", "xs", "--draws", "0"], "--draws must be at least 1"),
])
def test_cli_refuses_bad_sizes_and_settings(tmp_path, argv, message):
    r = subprocess.run([sys.executable, "-m", "dose_response", "sweep", *argv, "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()
