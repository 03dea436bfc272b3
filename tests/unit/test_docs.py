"""The docs cannot rot: every sample equals the region of the file it is included from (example DAGs and tests that
run), every link and heading anchor of README and docs/ resolves, and every operator, sensor, trigger and option
has its page. No Airflow needed: the sources are read as text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sync_doc_samples as sync  # scripts/, on the tests' pythonpath

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*```")


PAGES = sync.pages(ROOT)


def prose(path: Path) -> list[str]:
    """The page's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def anchors(path: Path) -> set[str]:
    """GitHub's anchors of the page's headings: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in prose(path):
        if match := re.match(r"^#{1,6}\s+(.*?)\s*$", line):
            text = re.sub(r"[^\w\- ]", "", match.group(1).lower())
            found.add(text.replace(" ", "-"))
    return found


def links(path: Path) -> list[str]:
    text = "\n".join(line for line in prose(path) if not line.lstrip().startswith("<!--"))
    text = re.sub(r"`[^`]*`", "", text)  # code spans are not links
    return [a or b for a, b in LINK.findall(text)]


def test_every_sample_matches_the_region_it_is_included_from() -> None:
    assert sync.stale(ROOT) == [], "run: python scripts/sync_doc_samples.py"


def test_the_sync_script_rewrites_a_stale_sample(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "code.py").write_text("x = 0\nif x:\n    # [START howto_x]\n    y = 1\n    # [END howto_x]\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text("Intro\n<!-- include: code.py howto_x -->\nold\n<!-- end include -->\nEnd\n")
    (tmp_path / "README.md").write_text("# r\n")
    assert sync.stale(tmp_path) == ["docs/page.md: code.py howto_x differs from its source"]
    page.write_text(sync.synced(page, tmp_path))
    assert page.read_text() == (
        "Intro\n<!-- include: code.py howto_x -->\n[`code.py`](../code.py):\n\n```python\ny = 1\n```\n"
        "<!-- end include -->\nEnd\n"
    )
    assert sync.stale(tmp_path) == []
    page.write_text("<!-- include: code.py howto_missing -->\n<!-- end include -->\n")
    (problem,) = sync.stale(tmp_path)
    assert "howto_missing" in problem


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_sample_is_included_from_code_that_runs(page: Path) -> None:
    outside = sync.INCLUDE.sub("", page.read_text(encoding="utf-8"))
    assert "```python" not in outside, "mark the code as a region of an example DAG (or a test) and include it"


def test_every_example_dag_region_is_shown_in_the_docs() -> None:
    shown = {(item.path, item.region) for page in PAGES for item in sync.includes(page)}
    regions = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in sorted((ROOT / "example_dags").glob("*.py"))
        for name in re.findall(r"# \[START (\S+)\]", path.read_text())
    }
    assert regions and regions <= shown, sorted(regions - shown)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists() or (anchor and resolved.suffix == ".md" and anchor not in anchors(resolved)):
            broken.append(target)
    assert broken == []


def test_readme_links_to_pages_that_exist_and_keeps_the_front_door_short() -> None:
    targets = [t for t in links(README) if not re.match(r"^[a-z]+:", t)]
    docs_pages = {t.partition("#")[0] for t in targets if t.startswith("docs/")}
    assert docs_pages and all((ROOT / t).is_file() for t in docs_pages), docs_pages
    for page in ("installation", "connections", "sensors", "triggers", "emulator", "system-tests"):
        assert f"docs/{page}.md" in docs_pages, page
    assert {f"docs/operators/{p}.md" for p in ("run_workflow", "get_workflow_instance", "trigger_node")} <= docs_pages
    assert len(README.read_text().splitlines()) < 150


def public_classes(relative: str, suffix: str) -> set[str]:
    """Classes a module defines whose names end in `suffix` (bases excluded), read without importing it."""
    tree = ast.parse((ROOT / "airflow_provider_dataworks" / relative).read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and node.name.endswith(suffix)
        and not node.name.startswith("_")
        and "Base" not in node.name
        and node.name != "DataWorksInstanceTrigger"  # the shared base of the deferral targets
    }


def test_each_operator_sensor_and_trigger_has_its_page() -> None:
    operators = set()
    for path in sorted((ROOT / "airflow_provider_dataworks" / "operators").glob("*.py")):
        operators |= public_classes(f"operators/{path.name}", "Operator")
    operator_pages = "\n".join(p.read_text() for p in sorted((DOCS / "operators").glob("*.md")))
    undocumented = sorted(op for op in operators if f"# {op}" not in operator_pages)
    assert operators and not undocumented, (
        f"{undocumented}: give each a page docs/operators/<name>.md titled '# <class>', with a sample included from "
        "an example DAG that runs against the bundled world (docs/development.md#docs)"
    )
    sensors = set()
    for path in sorted((ROOT / "airflow_provider_dataworks" / "sensors").glob("*.py")):
        sensors |= public_classes(f"sensors/{path.name}", "Sensor")
    sensor_page = (DOCS / "sensors.md").read_text()
    undocumented = sorted(s for s in sensors if f"## {s}" not in sensor_page)
    assert sensors and not undocumented, f"{undocumented}: give each a '## <class>' section in docs/sensors.md"
    triggers = set()
    for path in sorted((ROOT / "airflow_provider_dataworks" / "triggers").glob("*.py")):
        triggers |= public_classes(f"triggers/{path.name}", "Trigger")
    trigger_page = (DOCS / "triggers.md").read_text()
    undocumented = sorted(t for t in triggers if f"`{t}`" not in trigger_page)
    assert len(triggers) >= 4 and not undocumented, f"{undocumented}: name each in docs/triggers.md"
    for page in ("connections.md", "emulator.md", "changelog.md", "index.md"):
        assert (DOCS / page).is_file(), page
    for page in [DOCS / "sensors.md", DOCS / "triggers.md", DOCS / "connections.md", DOCS / "emulator.md"]:
        assert sync.includes(page), f"{page.name} shows no sample from code that runs"
    for page in sorted((DOCS / "operators").glob("*.md")):
        assert page.name == "index.md" or sync.includes(page), f"{page.name} shows no sample"


def test_every_provider_option_is_documented() -> None:
    from airflow_provider_dataworks import get_provider_info

    options = get_provider_info().get("config", {}).get("dataworks", {}).get("options", {})
    page = (DOCS / "configuration.md").read_text()
    assert {name for name in options if f"`{name}`" not in page} == set()


def test_the_changelog_page_points_to_the_one_changelog() -> None:
    assert "../CHANGELOG.md" in links(DOCS / "changelog.md")
