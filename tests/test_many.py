"""Many fits on a real Dask cluster: a `dask scheduler` and `dask worker` processes on localhost, as a facility runs them."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dose_response.many import SCHEDULER_ENV, Task, _demo_task, run_many, worker_env

BIN = Path(sys.executable).parent


class Cluster:
    "A scheduler and named workers, each its own process group (so a test can kill one worker outright)."

    def __init__(self, tmp: Path, workers=("wA", "wB")):
        self.file = tmp / "scheduler.json"
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--scheduler-file", str(self.file),
                                           "--port", "0", "--no-dashboard"], **quiet)
        deadline = time.time() + 60
        while not self.file.exists() and time.time() < deadline:
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        self.workers = {name: subprocess.Popen(
            [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--name", name, "--no-dashboard"],
            env={**os.environ, **worker_env(tmp / "caches", name)}, **quiet) for name in workers}
        from distributed import Client
        with Client(self.address, timeout="60s") as c:
            c.wait_for_workers(len(workers), timeout=60)

    def kill(self, name: str) -> None:
        "Kill a worker and its nanny at once (SIGKILL to its process group): no goodbye to the scheduler."
        os.killpg(self.workers[name].pid, signal.SIGKILL)

    def close(self) -> None:
        for p in [*self.workers.values(), self.scheduler]:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in [*self.workers.values(), self.scheduler]:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.close()


@pytest.fixture
def doomed_cluster(tmp_path):
    "A cluster of its own for the test that kills a worker."
    c = Cluster(tmp_path)
    yield c
    c.close()


def _tasks(n, sleep=0.0, fail=()):
    return [Task(f"t{i:02d}", _demo_task, {"x": 3 if i in fail else 10 + i, "seed": i, "sleep": sleep}) for i in range(n)]


def _expected(tasks):
    return [float(np.random.default_rng(t.kwargs["seed"]).normal()) + t.kwargs["x"] for t in tasks]


def test_tasks_run_on_both_workers_and_a_failure_is_a_row(cluster, tmp_path):
    tasks = _tasks(6, sleep=0.5, fail=(2,))
    rows = run_many(tasks, tmp_path / "rows.csv", scheduler=cluster.address, progress=False)
    assert rows["key"].tolist() == [t.key for t in tasks]                    # task order, one row each
    assert rows["status"].tolist() == ["ok", "ok", "failed", "ok", "ok", "ok"]
    assert rows.loc[2, "error"] == "ValueError: x=3 is refused"
    ok = rows["status"] == "ok"
    np.testing.assert_allclose(rows.loc[ok, "value"], np.array(_expected(tasks))[ok.to_numpy()])
    assert rows.loc[ok, "worker"].nunique() == 2                              # both workers took tasks
    assert len(pd.read_csv(tmp_path / "rows.csv")) == 6                      # written as they finished


def test_the_environment_variable_names_the_scheduler(cluster, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, cluster.address)
    rows = run_many(_tasks(2), progress=False)
    assert (rows["status"] == "ok").all()
    assert rows["worker"].str.split(":").str[1].astype(int).isin(
        [int(p) for p in _worker_pids(cluster)]).all()                         # ran there, not in a local cluster


def _worker_pids(cluster):
    from distributed import Client
    with Client(cluster.address) as c:
        return list(c.run(os.getpid).values())


def test_a_rerun_reuses_finished_tasks_and_reruns_failed_or_changed_ones(cluster, tmp_path):
    out = tmp_path / "rows.csv"
    tasks = _tasks(3, fail=(1,))
    first = run_many(tasks, out, scheduler=cluster.address, progress=False)
    changed = tasks[:2] + [Task("t02", _demo_task, {"x": 50, "seed": 2})]
    second = run_many(changed, out, scheduler=cluster.address, progress=False)
    assert second.loc[0, "worker"] == first.loc[0, "worker"] and second.loc[0, "task_s"] == first.loc[0, "task_s"]
    assert second.loc[1, "status"] == "failed"                                # ran again, failed again
    assert second.loc[2, "value"] == pytest.approx(_expected(changed)[2])     # new arguments: run again
    assert len(pd.read_csv(out)) == 3


def test_a_killed_worker_loses_no_task_and_repeats_none(doomed_cluster, tmp_path):
    cluster = doomed_cluster
    out = tmp_path / "rows.csv"
    tasks = _tasks(10, sleep=1.0)
    result = {}
    run = threading.Thread(target=lambda: result.update(rows=run_many(tasks, out, scheduler=cluster.address,
                                                                        progress=False)))
    run.start()
    deadline = time.time() + 60
    while (not out.exists() or len(pd.read_csv(out)) < 2) and time.time() < deadline:
        time.sleep(0.1)
    assert out.exists(), "no task finished"
    cluster.kill("wA")                                 # mid-run: wA is holding a task
    run.join(timeout=120)
    rows = result["rows"]
    assert rows["key"].tolist() == [t.key for t in tasks]                    # every task exactly once
    assert (rows["status"] == "ok").all()
    np.testing.assert_allclose(rows["value"], _expected(tasks))               # the same numbers as one process
    assert len(pd.read_csv(out)) == len(tasks)


@pytest.mark.slow
def test_sbc_through_the_cluster_matches_one_process(cluster):
    from dose_response.calibration import SBCDesign, sbc
    design = SBCDesign(groups=6, doses=6)
    one = sbc(3, design, draws=200, tune=200, seed=1)
    many = sbc(3, design, draws=200, tune=200, seed=1, scheduler=cluster.address)
    pd.testing.assert_frame_equal(one.ranks, many.ranks)
    assert many.fits["divergences"].tolist() == one.fits["divergences"].tolist()


@pytest.mark.slow
def test_fit_by_plate_through_the_cluster(cluster, tmp_path):
    "Three plates, each with its own DMSO wells: one fit per plate, one combined table, a report section per plate."
    from dose_response.__main__ import main
    from dose_response.screens import ScreenDesign, simulate_screen
    design = ScreenDesign(n_drugs=2, n_lines=3, doses=6, inactive=0.0, stimulating=0.0, bad_wells=0.0,
                          noise_cv=0.03, noise_floor=0.01, drift=0.0)
    df, truth = simulate_screen(design, seed=3)
    df.to_csv(tmp_path / "screen.csv", index=False)
    out = tmp_path / "out"
    code = main(["fit", str(tmp_path / "screen.csv"), "--group", "group", "--concentration", "concentration",
                 "--response", "response", "--controls", "DMSO", "--by", "plate", "--out", str(out),
                 "--scheduler", cluster.address])
    blocks = pd.read_csv(out / "blocks.csv")
    assert code in (0, 3) and (blocks["status"] == "ok").all() and len(blocks) == df["plate"].nunique()
    table = pd.read_csv(out / "ic50.csv")
    assert table.columns[0] == "plate" and len(table) == len(truth)          # every curve once, its plate first
    report = (out / "report.html").read_text()
    assert all(f"plate = {p}" in report for p in df["plate"].unique())
    for folder in (out / "blocks").iterdir():
        assert (folder / "report.html").exists()


@pytest.mark.slow
def test_the_map_runs_on_the_cluster_and_resumes(cluster, tmp_path):
    "Two designs of the convergence map as tasks: one row each in the map's own CSV; a rerun fits nothing."
    from dose_response.robustness import REDUCED, map_designs, robustness_map
    designs = [d for d in map_designs() if d.name in REDUCED[:2]]
    out = tmp_path / "map.csv"
    table = robustness_map(designs, out, scheduler=cluster.address)
    assert sorted(table["name"]) == sorted(d.name for d in designs) and table["converged"].all()
    assert table["worker"].notna().all()                                     # each row says where it ran
    t0 = time.perf_counter()
    again = robustness_map(designs, out, scheduler=cluster.address)
    assert time.perf_counter() - t0 < 5 and len(again) == len(designs)       # read back, not fitted again


@pytest.mark.slow
def test_the_sweep_runs_its_sizes_on_the_cluster(cluster, tmp_path):
    "`dose-response sweep --scheduler`: two tiny sizes at once, each a task, each with its record where the sweep's are."
    out = tmp_path / "runs"
    r = subprocess.run([sys.executable, "-m", "dose_response", "sweep", "--custom", "a:5:5:2", "--custom", "b:5:5:1",
                        "--sizes", "a,b", "--draws", "100", "--tune", "100", "--advi-n", "2000", "--no-report",
                        "--out", str(out), "--scheduler", cluster.address], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"a, b at once on the Dask scheduler at {cluster.address}" in r.stdout
    for size, n_obs in (("a", 50), ("b", 25)):
        m = json.loads((out / size / "metrics.json").read_text())
        assert m["status"] == "ok" and m["n_obs"] == n_obs and (out / size / "run.ipynb").exists()
        assert f"[sweep] {size} (5 groups x 5 x {2 if size == 'a' else 1} = {n_obs} obs): ok in" in r.stdout
