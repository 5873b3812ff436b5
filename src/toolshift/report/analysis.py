"""Render an :class:`~toolshift.analysis.Analysis` for a person (rich), a machine (a JSON-able
dict for ``emit_json("analysis", ...)``) or a pull request (Markdown).

Every string leaving here passes through :func:`toolshift.redact.redact_text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolshift.analysis import Analysis
from toolshift.model import Diagnostic, Origin, Severity
from toolshift.redact import redact_text

if TYPE_CHECKING:
    from rich.console import Console

_NARROW = 100  # below this many columns, groups and findings are lists, not tables
_ICON = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _r(value: object) -> str:
    return redact_text(str(value))


def _where(origin: Origin | None) -> str:
    return _r(origin) if origin else ""


def _scrub(value: Any) -> Any:
    """Redact every string in a JSON-able structure."""

    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


# --------------------------------------------------------------------------- JSON


def _diag_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "path": d.origin.path if d.origin else None,
        "line": d.origin.line if d.origin and d.origin.line else None,
        "hint": d.hint or None,
    }


def to_dict(a: Analysis) -> dict[str, Any]:
    """The ``analysis`` JSON payload (without the envelope). Field names are stable."""

    doc: dict[str, Any] = {
        "project": {
            "root": a.root,
            "name": a.name,
            "tool": a.tool.value,
            "is_package": a.is_package,
        },
        "files": {role.value: list(paths) for role, paths in a.files},
        "groups": [
            {
                "name": g.name,
                "kind": g.kind.value,
                "files": list(g.files),
                "requirements": g.requirements,
                "pinned": g.pinned,
                "unpinned": g.unpinned,
                "includes": list(g.includes),
                "constraints": g.constraints,
                "unlocked": g.unlocked,
            }
            for g in a.groups
        ],
        "requirements": {
            "pinned": a.pinned,
            "unpinned": a.unpinned,
            "unlocked": a.unlocked,
            "locked": a.locked,
        },
        "indexes": [
            {
                "url": i.url,
                "kind": i.kind.value,
                "name": i.name or None,
                "has_credentials": i.has_credentials,
                "origin": str(i.origin) if i.origin else None,
            }
            for i in a.indexes
        ],
        "options": {
            "no_index": a.options.no_index,
            "pre": a.options.pre,
            "prefer_binary": a.options.prefer_binary,
            "only_binary": list(a.options.only_binary),
            "no_binary": list(a.options.no_binary),
            "trusted_hosts": list(a.options.trusted_hosts),
        },
        "python": {
            "sources": [
                {"kind": s.kind.value, "value": s.value, "origin": str(s.origin)}
                for s in a.python_sources
            ],
            "versions": list(a.python_versions),
            "conflicting": a.python_conflict,
            "preferred": a.python_preferred,
        },
        "containers": {"dockerfiles": list(a.docker_files), "compose": list(a.compose_files)},
        "ci": list(a.ci_files),
        "services": list(a.services),
        "risks": [_diag_dict(d) for d in a.risks],
        "summary": {
            "errors": a.count(Severity.ERROR),
            "warnings": a.count(Severity.WARNING),
            "info": a.count(Severity.INFO),
        },
    }
    scrubbed: dict[str, Any] = _scrub(doc)
    return scrubbed


# --------------------------------------------------------------------------- human


def render_human(a: Analysis, console: Console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table

    def e(value: object) -> str:
        return escape(_r(value))

    kind = "package" if a.is_package else "application (not a package)"
    head = (
        f"[bold]{e(a.name)}[/bold]  tool: [bold]{e(a.tool.value)}[/bold]  {kind}\n"
        f"[dim]{e(a.root)}[/dim]\n"
        f"{_counts(a)}\nlocked versions known: {a.locked}"
    )
    console.print(Panel(head, title="toolshift analyze", expand=False))
    if a.services:
        console.print(
            "Other services below (`migrate` takes them all in one plan; --only FOLDER "
            "narrows it): " + e(", ".join(a.services))
        )

    files = Table(title="Files", box=box.SIMPLE, show_header=True)
    files.add_column("role")
    files.add_column("paths")
    for role, paths in a.files:
        files.add_row(e(role.value), e(", ".join(paths)))
    if a.files:
        console.print(files)
    else:
        console.print("[yellow]No project files found.[/yellow]")

    narrow = console.width < _NARROW
    if a.groups and narrow:
        console.print("[bold]Dependency groups[/bold]")
        for g in a.groups:
            unfixed = f"[yellow]{g.unlocked} unfixed[/yellow]" if g.unlocked else "0 unfixed"
            console.print(
                f"  [bold]{e(g.name)}[/bold] ({e(g.kind.value)}): {g.requirements} reqs, "
                f"{g.pinned} ==, {g.unpinned} ranges, {unfixed}"
            )
            console.print(Padding(f"from {e(', '.join(g.files))}", (0, 0, 0, 4)))
            if g.includes or g.constraints:
                console.print(
                    f"    includes {e(', '.join(g.includes)) or '-'}; {g.constraints} constraint(s)"
                )
        console.print()
    elif a.groups:
        groups = Table(
            title="Dependency groups", box=box.SIMPLE, pad_edge=False, collapse_padding=True
        )
        cols = ("group", "kind", "from", "reqs", "==", "ranges", "unfixed", "includes", "-c")
        for col in cols:
            numeric = col in ("reqs", "==", "ranges", "unfixed", "-c")
            widest = max((len(f) for g in a.groups for f in g.files), default=0)
            groups.add_column(
                col,
                justify="right" if numeric else "left",
                overflow="fold",
                no_wrap=numeric,
                min_width=min(widest, 40) if col == "from" else None,
            )
        for g in a.groups:
            groups.add_row(
                e(g.name),
                e(g.kind.value),
                e(", ".join(g.files)),
                str(g.requirements),
                str(g.pinned),
                str(g.unpinned),
                f"[yellow]{g.unlocked}[/yellow]" if g.unlocked else "0",
                e(", ".join(g.includes)),
                str(g.constraints),
            )
        console.print(groups)

    if a.indexes:
        idx = Table(title="Indexes", box=box.SIMPLE)
        for col in ("kind", "url", "from"):
            idx.add_column(col)
        for i in a.indexes:
            url = i.url + ("  (credentials removed)" if i.has_credentials else "")
            idx.add_row(e(i.kind.value), e(url), _where_escaped(i.origin))
        console.print(idx)

    if a.python_sources:
        title = "Python versions" + (
            " [bold red](disagree)[/bold red]" if a.python_conflict else ""
        )
        py = Table(title=title, box=box.SIMPLE)
        for col in ("value", "where", "kind"):
            py.add_column(col)
        for s in a.python_sources:
            py.add_row(e(s.value), e(s.origin), e(s.kind.value))
        console.print(py)

    if a.risks and narrow:
        console.print("[bold]Findings[/bold]")
        for d in a.risks:
            console.print(
                f"[{_STYLE[d.severity]}]{_ICON[d.severity]}[/] {e(d.code)} "
                f"{_where_escaped(d.origin)}"
            )
            console.print(Padding(e(d.message), (0, 0, 0, 2)))
            if d.hint:
                console.print(Padding(f"[dim]hint: {e(d.hint)}[/dim]", (0, 0, 0, 2)))
        console.print()
    elif a.risks:
        risks = Table(title="Findings", box=box.SIMPLE, show_lines=False)
        for col in ("severity", "code", "where", "finding"):
            risks.add_column(col, overflow="fold")
        for d in a.risks:
            text = e(d.message) + (f"\n[dim]hint: {e(d.hint)}[/dim]" if d.hint else "")
            risks.add_row(
                f"[{_STYLE[d.severity]}]{_ICON[d.severity]}[/]",
                e(d.code),
                _where_escaped(d.origin),
                text,
            )
        console.print(risks)
    console.print(_summary(a))


def _where_escaped(origin: Origin | None) -> str:
    from rich.markup import escape

    return escape(_where(origin))


def _counts(a: Analysis) -> str:
    total = a.pinned + a.unpinned
    return (
        f"{total} requirements: {a.pinned} pinned (==), {a.unpinned} ranges, "
        f"{a.unlocked} with no version fixed anywhere"
    )


def _summary(a: Analysis) -> str:
    errors, warnings, info = (a.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    if not a.risks:
        return "No risks found."
    return f"{errors} error(s), {warnings} warning(s), {info} note(s)."


# --------------------------------------------------------------------------- markdown


def _cell(value: object) -> str:
    return _r(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(a: Analysis) -> str:
    out: list[str] = []
    add = out.append
    kind = "package" if a.is_package else "application (not a package)"
    add(f"## toolshift analyze: `{_cell(a.name)}`")
    add("")
    add(f"- tool today: **{a.tool.value}**; {kind}")
    add(f"- {_counts(a)}; locked versions known: {a.locked}")
    if a.python_sources:
        versions = ", ".join(a.python_versions) or "ranges only"
        note = " **(they disagree)**" if a.python_conflict else ""
        add(f"- Python: {versions}{note}")
    if a.services:
        add(f"- other services below: {_cell(', '.join(a.services))}")
    add("")
    if a.files:
        add("### Files")
        add("")
        add("| role | paths |")
        add("|---|---|")
        for role, paths in a.files:
            add(f"| {role.value} | {_cell(', '.join(paths))} |")
        add("")
    if a.groups:
        add("### Dependency groups")
        add("")
        add("| group | kind | from | reqs | == | ranges | unfixed | includes | constraints |")
        add("|---|---|---|---:|---:|---:|---:|---|---:|")
        for g in a.groups:
            add(
                f"| {_cell(g.name)} | {g.kind.value} | {_cell(', '.join(g.files))} | "
                f"{g.requirements} | {g.pinned} | {g.unpinned} | {g.unlocked} | "
                f"{_cell(', '.join(g.includes))} "
                f"| {g.constraints} |"
            )
        add("")
    if a.indexes:
        add("### Indexes")
        add("")
        add("| kind | url | from |")
        add("|---|---|---|")
        for i in a.indexes:
            add(f"| {i.kind.value} | {_cell(i.url)} | {_cell(_where(i.origin))} |")
        add("")
    if a.python_sources:
        add("### Python versions")
        add("")
        add("| value | where | kind |")
        add("|---|---|---|")
        for s in a.python_sources:
            add(f"| {_cell(s.value)} | {_cell(s.origin)} | {s.kind.value} |")
        add("")
    add("### Findings")
    add("")
    if a.risks:
        add("| severity | code | where | finding |")
        add("|---|---|---|---|")
        for d in a.risks:
            hint = f"<br>hint: {_cell(d.hint)}" if d.hint else ""
            add(
                f"| {d.severity.value} | {d.code} | {_cell(_where(d.origin))} | "
                f"{_cell(d.message)}{hint} |"
            )
        add("")
    add(_summary(a))
    return redact_text("\n".join(out) + "\n")
