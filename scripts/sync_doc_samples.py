"""Rewrite the code samples of README.md and docs/ from the files they are included from, or check that they match.

A sample in a Markdown page is written as

    <!-- include: example_dags/example_dataworks_sensor.py howto_sensor_dataworks_workflow_instance -->
    ...  (generated: a link to the file and a fenced block of the region)
    <!-- end include -->

and the region in the file (a path from the repository root) lies between the comment lines
``# [START howto_...]`` and ``# [END howto_...]``, as in Airflow's own provider docs (`exampleinclude`). The block
holds the region's lines, dedented, without marker lines of other regions nested in it, and laid out by
``ruff format`` as the top-level code it has become (a function nested in a ``with DAG`` block needs two blank lines
around it once dedented; ruff checks the pages' code blocks too). The files are example DAGs, which
tests/dags/test_example_dags.py runs, and tests whose samples are not DAGs: every sample shown is code that runs.
tests/unit/test_docs.py fails when a page differs from what this script writes.

    python scripts/sync_doc_samples.py           # rewrite the pages
    python scripts/sync_doc_samples.py --check   # exit 1 naming every stale sample (what the test checks)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(
    r"(?P<open><!-- include: (?P<path>\S+) (?P<region>\S+) -->\n)(?P<body>.*?)(?P<close><!-- end include -->)",
    re.S,
)
MARKER = re.compile(r"^\s*# \[(START|END) (\S+)\]\s*$")


class SampleError(ValueError):
    """An include that cannot be resolved: a missing file or region."""


@dataclass(frozen=True)
class Include:
    """One sample of a page: where it is included from, and what the page holds now."""

    page: Path
    path: str
    region: str
    body: str


def pages(root: Path = ROOT) -> list[Path]:
    """The Markdown pages that may include samples: README.md and everything under docs/."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def region_lines(path: Path, region: str) -> list[str]:
    """The lines of `region` in `path`, dedented, without marker lines, blank lines trimmed at both ends."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SampleError(f"cannot read {path}: {exc.strerror or exc}") from None
    starts = [i for i, line in enumerate(lines) if (m := MARKER.match(line)) and m.groups() == ("START", region)]
    ends = [i for i, line in enumerate(lines) if (m := MARKER.match(line)) and m.groups() == ("END", region)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SampleError(f"{path} needs exactly one '# [START {region}]' followed by one '# [END {region}]'")
    body = [line for line in lines[starts[0] + 1 : ends[0]] if not MARKER.match(line)]
    text = textwrap.dedent("\n".join(body)).strip("\n")
    if not text:
        raise SampleError(f"region {region} of {path} is empty")
    if path.suffix == ".py":
        text = top_level_layout(text, f"{path.name}:{region}")
    return text.splitlines()


def top_level_layout(code: str, where: str) -> str:
    """`code` laid out by ``ruff format`` (the repository's settings) as a module of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "sample.py", "-"],
        input=code + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SampleError(f"ruff cannot format the region {where}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip("\n")


def render(page: Path, path: str, region: str, root: Path = ROOT) -> str:
    """What the page holds between the include's comment lines: a link to the file, then the region's code."""
    source = root / path
    link = Path(os.path.relpath(source, page.parent)).as_posix()
    language = "python" if source.suffix == ".py" else ""
    code = "\n".join(region_lines(source, region))
    return f"[`{path}`]({link}):\n\n```{language}\n{code}\n```\n"


def includes(page: Path) -> list[Include]:
    """Every include of `page`, in order."""
    text = page.read_text(encoding="utf-8")
    return [Include(page, m["path"], m["region"], m["body"]) for m in INCLUDE.finditer(text)]


def synced(page: Path, root: Path = ROOT) -> str:
    """The page's text with every include rewritten from its source."""
    text = page.read_text(encoding="utf-8")
    return INCLUDE.sub(lambda m: m["open"] + render(page, m["path"], m["region"], root) + m["close"], text)


def stale(root: Path = ROOT) -> list[str]:
    """One line per include whose page differs from its source (or cannot be resolved)."""
    problems = []
    for page in pages(root):
        for item in includes(page):
            try:
                expected = render(page, item.path, item.region, root)
            except SampleError as exc:
                problems.append(f"{page.relative_to(root)}: {exc}")
                continue
            if item.body != expected:
                problems.append(f"{page.relative_to(root)}: {item.path} {item.region} differs from its source")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 naming every stale sample")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("Run: python scripts/sync_doc_samples.py", file=sys.stderr)
        return 1 if problems else 0
    changed = []
    for page in pages():
        try:
            text = synced(page)
        except SampleError as exc:
            print(f"{page.relative_to(ROOT)}: {exc}", file=sys.stderr)
            return 1
        if text != page.read_text(encoding="utf-8"):
            page.write_text(text, encoding="utf-8")
            changed.append(str(page.relative_to(ROOT)))
    print(f"Rewrote {', '.join(changed)}." if changed else "Every sample is in sync.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
