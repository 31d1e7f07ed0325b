"""What the benchmark scripts share: the resumable-run arguments and publishing a complete table to results/."""
import argparse
import shutil
from pathlib import Path

from dose_response.data import repo_root
from dose_response.sweep_report import _replace_between


DASK = {"workers": dict(type=int, default=None, help="run the designs on a local Dask cluster of this many workers"),
        "scheduler": dict(default=None, help="... or on the running Dask scheduler at this address")}


def arguments(doc: str, out_name: str, seed: int, what: str, **extra: dict) -> argparse.Namespace:
    """Parse --out, --seed, --only and --publish for a script that appends rows to runs/<out_name>; `extra` adds
    options (name -> add_argument keywords)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(repo_root() / "runs" / out_name), help="CSV to append rows to")
    ap.add_argument("--seed", type=int, default=seed, help="seed of the fits")
    ap.add_argument("--only", default="", help=f"comma-separated {what} names (default: all)")
    ap.add_argument("--publish", action="store_true",
                    help=f"copy a complete table to results/{out_name} and rewrite its README section")
    for name, options in extra.items():
        ap.add_argument(f"--{name}", **options)
    a = ap.parse_args()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    return a


def publish(out: str, name: str, tag: str, section) -> None:
    "Copy the complete table `out` to results/`name` and rewrite the README section `tag` with `section(results)`."
    results = repo_root() / "results"
    shutil.copyfile(out, results / name)
    readme = repo_root() / "README.md"
    readme.write_text(_replace_between(readme.read_text(encoding="utf-8"), tag, section(results)), encoding="utf-8")
    print(f"published to results/{name} and README.md")
