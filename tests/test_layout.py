"""The package's shape: modules import one another one way (no cycles), each notebook exports one module."""
import ast
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dose_response"


def _imports(path: Path) -> set[str]:
    "The package modules a module imports (relative imports at any depth of its body)."
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_modules_import_one_way():
    "A topological order of the package's modules exists (graphlib raises CycleError on a cycle)."
    from graphlib import TopologicalSorter
    graph = {p.stem: _imports(p) for p in PKG.glob("*.py") if p.stem != "_modidx"}
    order = list(TopologicalSorter(graph).static_order())
    assert {"curve", "choices", "kernel", "likelihood", "model", "fitrecord", "precondition", "nuts", "advi", "block_advi",
            "inference"} <= set(order)
    assert order.index("curve") < order.index("likelihood") < order.index("model") < order.index("inference")
    assert order.index("fitrecord") < order.index("nuts") < order.index("inference")


def test_modules_stay_small():
    "Modules by algorithm: none much over 400 lines (the generated index of names excepted)."
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PKG.glob("*.py") if p.stem != "_modidx"}
    assert max(sizes.values()) <= 460, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def test_every_exporting_notebook_names_its_module_and_the_module_exists():
    for nb_path in sorted((ROOT / "nbs").glob("[0-9]*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        exp = [c.source.split()[-1] for c in nb.cells if c.source.startswith("#| default_exp")]
        if any("#| export" in c.source for c in nb.cells):
            assert len(exp) == 1 and (PKG / f"{exp[0]}.py").exists(), nb_path.name
