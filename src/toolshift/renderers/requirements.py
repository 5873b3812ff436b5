"""Render requirements files a person would write (pure: data in, text out).

A file is a header comment, pip options (``-r``, ``-c``, ``--index-url`` ...), then the entries:
the ones the group names itself, grouped under a comment header per category
(:mod:`toolshift.categories`, in :data:`~toolshift.categories.ORDER`), then the dependencies
they pull in, under one last header, each with a ``# via`` line like pip-compile's. Entries are
sorted by name (then version) within each section. ``--hash`` options go on continuation lines.
The output is deterministic: no dates, no machine paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolshift.categories import ORDER, Category

TRANSITIVE_TITLE = "Dependencies of the above, pinned from uv.lock"
PROJECT_TITLE = "This project"
MEMBERS_TITLE = "This project and its workspace members"


@dataclass(frozen=True)
class Entry:
    """One requirement line (plus its hashes) in a generated file."""

    key: str  # normalised name, for sorting
    text: str  # "flask==3.1.3 ; python_version < '3.12'", "-e ./lib", "x @ git+https://..."
    category: Category = Category.OTHER
    direct: bool = True
    hashes: tuple[str, ...] = ()  # "sha256:..."
    via: tuple[str, ...] = ()
    sort_version: tuple[object, ...] = ()
    project: bool = False  # the project itself (``-e .``) or a workspace member, written last


@dataclass(frozen=True)
class RequirementsDoc:
    header: tuple[str, ...]  # comment lines, without the leading "# "
    options: tuple[str, ...] = ()  # "-r requirements.txt", "--index-url https://..."
    entries: tuple[Entry, ...] = ()


def _entry_lines(entry: Entry, show_via: bool) -> list[str]:
    if entry.hashes:
        lines = [entry.text + " \\"]
        for i, h in enumerate(entry.hashes):
            tail = " \\" if i < len(entry.hashes) - 1 else ""
            lines.append(f"    --hash={h}{tail}")
    else:
        lines = [entry.text]
    if show_via and entry.via:
        lines.append("    # via " + ", ".join(entry.via))
    return lines


def _sorted(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.key, e.sort_version, e.text))


def render_requirements(doc: RequirementsDoc) -> str:
    """The text of one requirements file, ``\\n`` line endings, ending with a newline."""

    out: list[str] = [f"# {line}".rstrip() for line in doc.header]
    if doc.options:
        out.append("")
        out.extend(doc.options)
    direct = [e for e in doc.entries if e.direct and not e.project]
    for category in ORDER:
        section = [e for e in direct if e.category is category]
        if not section:
            continue
        out.append("")
        out.append(f"# {category.heading}")
        for entry in _sorted(section):
            out.extend(_entry_lines(entry, show_via=False))
    transitive = [e for e in doc.entries if not e.direct and not e.project]
    if transitive:
        out.append("")
        out.append(f"# {TRANSITIVE_TITLE}")
        for entry in _sorted(transitive):
            out.extend(_entry_lines(entry, show_via=True))
    project = [e for e in doc.entries if e.project]
    if project:
        out.append("")
        out.append(f"# {PROJECT_TITLE if len(project) == 1 else MEMBERS_TITLE}")
        for entry in _sorted(project):
            out.extend(_entry_lines(entry, show_via=False))
    return "\n".join(out) + "\n"
