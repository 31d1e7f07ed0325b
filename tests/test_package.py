"""The package as a user installs it: a wheel that carries its data sets, used from outside the checkout."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dose_response.data import DATASETS, load_dataset, repo_root

SOURCES = ("setup.py", "settings.ini", "pyproject.toml", "README.md", "dose_response", "data")


@pytest.mark.slow
def test_the_wheel_carries_the_data_sets_and_works_outside_the_checkout(tmp_path):
    "Build the wheel from a copy of the sources, install it into an empty folder, load every data set from elsewhere."
    src, target, elsewhere = tmp_path / "src", tmp_path / "site", tmp_path / "elsewhere"
    src.mkdir()
    for name in SOURCES:
        path = repo_root() / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, src / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheel"), str(src)],
                   check=True, cwd=src)
    wheel = next((tmp_path / "wheel").glob("dose_response-*.whl"))
    subprocess.run(pip + ["install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    elsewhere.mkdir()
    code = ("import dose_response as dr, dose_response.data as d\n"
            "print(dr.__file__)\nprint(d.DATA_DIR)\n"
            "print(sum(len(dr.load_dataset(n)) for n in d.DATASETS))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert Path(out[0]).is_relative_to(target) and Path(out[1]) == target / "dose_response" / "datasets", out
    assert int(out[2]) == sum(len(load_dataset(n)) for n in DATASETS) > 0     # the same rows as the checkout's
