"""The documentation site's sources, generated from the run's reports and the repository's docs.

``make docs`` runs ``python -m rnnspec.site build/docs`` and then ``mkdocs build`` on the
``mkdocs.yml`` written there (it inherits the committed ``mkdocs.yml``: theme, search,
extensions; this adds the generated navigation). Nothing is written by hand:

- one page per table, cut from the generated contract (``reports/contract.md``, which stays
  the committed plain-text contract: one file that a review diffs and a test proves current),
  each with the table's YAML source, so that the answer and the file that says it sit together;
- the contract's summary, every row a link to its table's page;
- the findings: every table's deviations and notes and what it says of other releases;
- the version matrix (``reports/compat.md``, with its picture where one exists), the guide,
  the spec-keys reference and the README as the home page;
- any further page listed in ``EXTRA_PAGES`` whose file exists (the upgrade report, for one).

Case names are explained where they appear: ``state`` is ``return_state=true`` (``ID_NAMES``).
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rnnspec.case import ID_NAMES

ROOT = Path(__file__).resolve().parents[1]
#: Further pages, (title in the navigation, page name, candidate sources): the first source
#: that exists is copied; none, and the page is left out. Add a line to publish a new report.
EXTRA_PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("Upgrade report", "upgrade.md", ("reports/upgrade.md", "docs/upgrade.md")),
    ("Benchmarks", "benchmarks.md", ("benchmarks/README.md",)),
    ("Architecture", "architecture.md", ("docs/architecture.md",)),
]
#: Repository files the docs link to, and where they are in the site.
LINKS = {
    "README.md": "index.md",
    "docs/guide.md": "guide.md",
    "docs/spec-keys.md": "spec-keys.md",
    "docs/matrix.md": "matrix.md",
    "reports/contract.md": "contract.md",
    "reports/compat.md": "matrix-report.md",
    "reports/compat-heatmap.png": "compat-heatmap.png",  # the picture compat.md opens with, copied beside it
    "benchmarks/README.md": "benchmarks.md",
    "docs/upgrade.md": "upgrade.md",
    "reports/upgrade.md": "upgrade.md",
    "docs/architecture.md": "architecture.md",
}
#: The contract's tables are wide: the page takes the window's width, shapes stay on one line.
WIDE_CSS = """.md-grid { max-width: 100%; }
.md-typeset table:not([class]) td code { white-space: nowrap; }
.md-typeset table:not([class]) { font-size: 0.7rem; }
"""
_LINK = re.compile(r"\[([^\]]*)\]\(([^)#\s]+)(#[^)\s]*)?\)")
_ROW = re.compile(r"^\| (?P<title>[^|]+?) \| `(?P<file>spec/[^`]+)` \|")


@dataclass(frozen=True)
class TablePage:
    title: str
    file: str  # spec/gru.yaml
    body: str  # the contract's section for it

    @property
    def page(self) -> str:
        return f"tables/{Path(self.file).stem}.md"


def rewrite_links(text: str, source: str) -> str:
    """Links between repository files become links between site pages; a link to a file the
    site does not publish becomes its path in code (no broken link)."""
    here = Path(source).parent

    def one(match: re.Match[str]) -> str:
        words, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        if re.match(r"^[a-z]+:", target):
            return match.group(0)
        resolved = (here / target).as_posix()
        resolved = re.sub(r"(^|/)[^/]+/\.\./", r"\1", resolved).removeprefix("./")
        if resolved in LINKS:
            return f"[{words}]({LINKS[resolved]}{anchor})"
        return words if f"`{resolved}`" in words else f"{words} (`{resolved}`)"

    return _LINK.sub(one, text)


def split_contract(text: str) -> tuple[str, str, list[TablePage]]:
    """The contract's preamble, its summary, and one section per table (by its summary row)."""
    head, _, rest = text.partition("\n## Summary\n")
    summary, _, sections = rest.partition("\n## ")
    files = {m.group("title"): m.group("file") for line in summary.splitlines() if (m := _ROW.match(line))}
    pages = []
    for section in re.split(r"\n(?=## )", "## " + sections):
        title = section.splitlines()[0][3:].strip()
        if title in files:
            pages.append(TablePage(title, files[title], section))
    return head, summary, pages


def _case_words(body: str) -> str:
    """Each row's case name followed by the arguments it stands for, so that a reader (and
    the search) finds ``return_state`` where the id says ``state``."""
    full = {short: axis for axis, short in ID_NAMES.items()}

    def row(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "(defaults)":
            return match.group(0)
        parts = name.split("-")
        if not any(part.partition("=")[0] in full for part in parts):
            return match.group(0)  # every axis already spelled out
        words = []
        for part in parts:
            axis, _, value = part.partition("=")
            words.append(f"{full.get(axis, axis)}={value or 'true'}")
        return f"| {name} <br><small>{', '.join(words)}</small> |"

    return re.sub(r"^\| ([^|`]+?) \|(?=.*\| (?:pass|FAIL|xfail|skip|n/a|not run))", row, body, flags=re.M)


def glossary() -> str:
    lines = ["A case's name lists the axes that differ from the table's defaults: "]
    lines += [f"`{short}` is `{axis}=true`, " for axis, short in ID_NAMES.items()]
    lines.append("and `name=value` any other axis (`mask=right`, `reset_after=false`).")
    return "".join(lines)


def table_page(page: TablePage, root: Path) -> str:
    body = page.body.replace(f"From `{page.file}`.", f"From [`{page.file}`](#the-table-{Path(page.file).stem}).")
    yaml_text = (root / page.file).read_text(encoding="utf-8") if (root / page.file).is_file() else ""
    return (
        f"# {page.title}\n\n"
        f"Ask the command line: `rnnspec show '{page.title}(return_state=True)'`. {glossary()}\n\n"
        + _case_words(body.split("\n", 1)[1])
        + f"\n\n## The table: `{page.file}` {{#the-table-{Path(page.file).stem}}}\n\n```yaml\n{yaml_text}```\n"
    )


def findings_page(pages: Sequence[TablePage]) -> str:
    out = [
        "# Findings",
        "",
        "What the tables document where Keras does not keep its contract, and what they say of other",
        "releases and backends: cut from each table's contract section (generated by `make spec`).",
    ]
    for page in pages:
        parts = re.findall(
            r"#### (Deviations and notes|On other releases and backends)\n(.*?)(?=\n#+ |\Z)", page.body, re.S
        )
        if parts:
            out += ["", f"## [{page.title}]({page.page})"]
            for heading, text in parts:
                out += ["", f"### {heading}", "", text.strip()]
    return "\n".join(out) + "\n"


def summary_page(head: str, summary: str, pages: Sequence[TablePage]) -> str:
    links = {p.title: p.page for p in pages}

    def linked(line: str) -> str:
        match = _ROW.match(line)
        if match and match.group("title") in links:
            return line.replace(
                f"| {match.group('title')} |", f"| [{match.group('title')}]({links[match.group('title')]}) |", 1
            )
        return line

    return (
        f"{head.rstrip()}\n\n{glossary()}\n\n## Summary\n"
        + "\n".join(linked(line) for line in summary.splitlines())
        + "\n"
    )


def build(out: Path, site: Path, root: Path = ROOT, reports: Path | None = None) -> list[str]:
    """Write the site's sources and its mkdocs.yml (which builds into ``site``) under ``out``;
    returns the page names."""
    reports = reports or root / "reports"
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    (docs / "tables").mkdir(parents=True)
    head, summary, pages = split_contract((reports / "contract.md").read_text(encoding="utf-8"))
    written: dict[str, str] = {
        "index.md": rewrite_links((root / "README.md").read_text(encoding="utf-8"), "README.md"),
        "contract.md": summary_page(head, summary, pages),
        "findings.md": findings_page(pages),
        "guide.md": rewrite_links((root / "docs/guide.md").read_text(encoding="utf-8"), "docs/guide.md"),
        "spec-keys.md": rewrite_links((root / "docs/spec-keys.md").read_text(encoding="utf-8"), "docs/spec-keys.md"),
        "matrix.md": rewrite_links((root / "docs/matrix.md").read_text(encoding="utf-8"), "docs/matrix.md"),
        "matrix-report.md": _matrix_report(reports, docs),
    }
    for page in pages:
        written[page.page] = table_page(page, root)
    nav: list[str] = [
        "  - Home: index.md",
        "  - Contract:",
        "    - Summary: contract.md",
        *(f"    - '{p.title}': {p.page}" for p in pages),
        "  - Findings: findings.md",
        "  - Version matrix:",
        "    - The matrix: matrix-report.md",
        "    - How it runs: matrix.md",
        "  - Guide: guide.md",
        "  - Spec keys: spec-keys.md",
    ]
    for title, name, sources in EXTRA_PAGES:
        source = next((s for s in sources if (root / s).is_file()), None)
        if source is not None:
            written[name] = rewrite_links((root / source).read_text(encoding="utf-8"), source)
            nav.append(f"  - {title}: {name}")
    written["stylesheets/wide.css"] = WIDE_CSS
    (docs / "stylesheets").mkdir()
    for name, text in written.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = [f"INHERIT: {root / 'mkdocs.yml'}", "docs_dir: docs", f"site_dir: {site.resolve()}", "nav:", *nav]
    (out / "mkdocs.yml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return sorted(written)


def _matrix_report(reports: Path, docs: Path) -> str:
    text = rewrite_links((reports / "compat.md").read_text(encoding="utf-8"), "reports/compat.md")
    pictures = sorted([*reports.glob("compat*.svg"), *reports.glob("compat*.png")])
    for picture in pictures:
        shutil.copy(picture, docs / picture.name)
    shown = [p for p in pictures if f"]({p.name})" not in text]  # those the page does not show itself
    if shown:
        title, _, rest = text.partition("\n")
        text = title + "\n\n" + "".join(f"![{p.stem}]({p.name})\n" for p in shown) + rest
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Write the documentation site's sources and mkdocs.yml (then: mkdocs build -f OUT/mkdocs.yml)."""
    parser = argparse.ArgumentParser(prog="python -m rnnspec.site", description=main.__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "build/docs")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="where mkdocs builds the site (default: site)")
    parser.add_argument(
        "--reports", type=Path, default=None, help="where contract.md and compat.md are (default: reports)"
    )
    args = parser.parse_args(argv)
    pages = build(args.out, args.site, reports=args.reports)
    print(f"{len(pages)} pages in {args.out / 'docs'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
