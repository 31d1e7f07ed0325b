"""The papermill templates keep their `parameters` cell (nbdev_clean must not strip the tag)."""
from pathlib import Path

import nbformat
import pytest

NBS = Path(__file__).resolve().parent.parent / "nbs"


@pytest.mark.parametrize("name, must_have", [("05_run.ipynb", ["size", "n_groups", "seed", "out_dir", "advi_n"]),
                                             ("_report.ipynb", ["runs_dir"]),
                                             ("_analysis.ipynb", ["data_path", "group", "fit_path", "out_dir"])])
def test_template_has_tagged_parameters_cell(name, must_have):
    nb = nbformat.read(NBS / name, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{name}: expected one cell tagged 'parameters', found {len(tagged)}"
    for p in must_have:
        assert f"{p}:" in tagged[0].source, p


def test_settings_keep_tags_and_skip_slow_cells():
    text = (NBS.parent / "settings.ini").read_text()
    assert "allowed_cell_metadata_keys = tags" in text and "tst_flags = slow" in text


@pytest.mark.parametrize("name", ["11_calibration.ipynb", "12_checks.ipynb", "13_performance.ipynb"])
def test_notebooks_with_slow_results_are_stored_executed(name):
    "The slow cells (skipped by nbdev_test) hold the results the README quotes: they must be kept executed."
    nb = nbformat.read(NBS / name, as_version=4)
    slow = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith("#| slow")]
    assert slow and all(c.get("outputs") for c in slow), [c.source[:60] for c in slow if not c.get("outputs")]


NOISE = ("Interrupted at ", "Finished [100%]", "could not link to a BLAS", "Potentials ignored")


@pytest.mark.parametrize("path", sorted(NBS.glob("*.ipynb")), ids=lambda p: p.name)
def test_kept_outputs_carry_no_known_noise(path):
    "A reader should not meet library chatter (BLAS warnings, ADVI's 'Interrupted at') in the executed notebooks."
    nb = nbformat.read(path, as_version=4)
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if o.get("output_type") == "stream"]
    found = [n for n in NOISE for t in texts if n in t]
    assert not found, found
