"""The README's generated sections agree with the published sweep in results/."""
from pathlib import Path

from dose_response.sweep_report import readme_sections

ROOT = Path(__file__).resolve().parent.parent


def test_readme_matches_published_sweep():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for tag, body in readme_sections(ROOT / "results").items():
        section = readme.split(f"<!-- {tag}:start -->", 1)[1].split(f"<!-- {tag}:end -->", 1)[0]
        assert section.strip() == body.strip(), f"README section {tag} is out of date: run `make report`"


def test_readme_names_the_two_commands_and_the_figure():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make sweep" in readme and "make test" in readme and "results/scaling.png" in readme
    assert (ROOT / "results" / "scaling.png").exists()


def test_readme_quotes_the_published_real_data_robustness_screen_and_many_fit_figures():
    from dose_response.real_data import readme_real_data
    from dose_response.robustness import readme_map
    from dose_response.screens import readme_screens
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from dose_response.bench import readme_test_times
    from dose_response.many import readme_many_fits
    from dose_response.scale import readme_gdsc
    for tag, body in {"real-data-table": readme_real_data(ROOT / "results"),
                      "many-fits": readme_many_fits(ROOT / "bench" / "many_fits.json"),
                      "test-times": readme_test_times(ROOT / "bench" / "test_times.json"),
                      "robustness-map": readme_map(ROOT / "results"),
                      "screens": readme_screens(ROOT / "results"),
                      "gdsc-scale": readme_gdsc(ROOT / "bench" / "gdsc.json")}.items():
        section = readme.split(f"<!-- {tag}:start -->", 1)[1].split(f"<!-- {tag}:end -->", 1)[0]
        assert section.strip() == body.strip(), f"README section {tag} is out of date: re-run bench/ with --publish"


def test_every_file_the_readme_shows_or_links_exists():
    import re
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_readme_is_a_front_door():
    "Short, and the quick start within the first screenful: the story lives in the notebooks it links to."
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 10_000, len(readme)
    first_command = next(i for i, line in enumerate(readme.splitlines()) if line.startswith("make ")
                         or line.startswith(".venv/bin/dose-response"))
    assert first_command < 30, first_command
