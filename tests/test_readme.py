"""The README's generated sections agree with the published sweep in results/."""
from pathlib import Path

from dose_response.sweep import readme_sections

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
