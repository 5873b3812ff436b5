"""Render a :class:`~toolshift.verify.VerifyResult` for a person (rich), a machine (a JSON-able
dict for ``emit_json("verify", ...)``) or a pull request (Markdown, embedded by ``report``).

Every string leaving here passes through :func:`toolshift.redact.redact_text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolshift.audit import AuditResult, FindingStatus
from toolshift.redact import redact_text
from toolshift.verify import Check, CheckStatus, EnvSummary, VerifyResult

if TYPE_CHECKING:
    from rich.console import Console

_STYLE = {
    CheckStatus.PASSED: "green",
    CheckStatus.FAILED: "bold red",
    CheckStatus.PRE_EXISTING: "yellow",
    CheckStatus.SKIPPED: "dim",
}
_MD_ICON = {
    CheckStatus.PASSED: "✅ passed",
    CheckStatus.FAILED: "❌ failed",
    CheckStatus.PRE_EXISTING: "⚠️ pre-existing",
    CheckStatus.SKIPPED: "⏭️ skipped",
}


def _r(value: object) -> str:
    return redact_text(str(value))


# --------------------------------------------------------------------------- JSON


def _env_dict(env: EnvSummary | None) -> dict[str, Any] | None:
    if env is None:
        return None
    return {
        "tool": env.tool,
        "tool_version": env.tool_version,
        "python": env.python,
        "command": _r(env.command),
        "seconds": env.seconds,
        "packages": dict(sorted(env.packages.items())),
    }


def _check_dict(c: Check) -> dict[str, Any]:
    return {
        "name": c.name,
        "status": c.status.value,
        "summary": _r(c.summary),
        "details": [_r(d) for d in c.details],
        "output": _r(c.output),
        "seconds": c.seconds,
    }


def to_dict(r: VerifyResult) -> dict[str, Any]:
    """The ``verify`` JSON payload (without the envelope). Field names are stable."""

    return {
        "root": _r(r.root),
        "ok": r.ok,
        "journal": {"id": r.entry_id, "command": _r(r.entry_command)} if r.entry_id else None,
        "before": _env_dict(r.before),
        "after": _env_dict(r.after),
        "differences": [
            {"name": c.name, "change": c.kind, "before": c.before, "after": c.after}
            for c in r.changes
        ],
        "imports": [
            {
                "module": i.module,
                "distribution": i.distribution,
                "before": i.ok_before,
                "after": i.ok_after,
                "regression": i.regression,
                "pre_existing": i.pre_existing,
                "error": _r(i.error),
            }
            for i in r.imports
        ],
        "checks": [_check_dict(c) for c in r.checks],
        "notes": [_r(n) for n in r.notes],
        "seconds": r.seconds,
        # verify --audit (toolshift.audit.AuditResult.to_dict); null when not asked for
        "audit": r.audit.to_dict() if r.audit is not None else None,
    }


# --------------------------------------------------------------------------- human


def render_human(r: VerifyResult, console: Console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    def e(value: object) -> str:
        return escape(_r(value))

    against = f"journal {e(r.entry_id)}" if r.entry_id else "no journal entry"
    console.print(f"[bold]toolshift verify[/bold] {e(r.root)}  ({against})")
    if r.entry_command:
        console.print(f"  [dim]migration: {e(r.entry_command)}[/dim]")
    for env in (r.before, r.after):
        if env is not None:
            console.print(
                f"  {env.label}: {e(env.tool)} {e(env.tool_version)}, Python {e(env.python)}, "
                f"{len(env.packages)} package(s), installed in {env.seconds:.2f}s"
            )
    for note in r.notes:
        console.print(f"  [yellow]note[/yellow] {e(note)}")

    if r.changes:
        diff = Table(title="Differences (before -> after)", box=box.SIMPLE)
        for col in ("package", "change", "before", "after"):
            diff.add_column(col)
        for ch in r.changes:
            diff.add_row(e(ch.name), e(ch.kind), e(ch.before or "-"), e(ch.after or "-"))
        console.print(diff)

    checks = Table(title="Checks", box=box.SIMPLE)
    for col in ("check", "result", "summary"):
        checks.add_column(col, overflow="fold")
    for c in r.checks:
        text = e(c.summary)
        if c.details and c.name != "compare" and not (c.name == "audit" and r.audit):
            text += "\n" + "\n".join(f"[dim]{e(d)}[/dim]" for d in c.details[:20])
            if len(c.details) > 20:
                text += f"\n[dim]... and {len(c.details) - 20} more[/dim]"
        checks.add_row(e(c.name), f"[{_STYLE[c.status]}]{c.status.value}[/]", text)
    console.print(checks)
    if r.audit is not None:
        _render_audit(r.audit, console)
    for c in r.checks:
        if c.failed and c.output:
            console.print(f"[bold]{e(c.name)}[/bold] output:")
            for line in c.output.splitlines()[-30:]:
                console.print(f"  [dim]|[/dim] {e(line)}")
    if r.ok:
        warn = (
            " [yellow](security audit not available)[/yellow]"
            if r.audit is not None and not r.audit.available
            else ""
        )
        console.print(f"[green]verified[/green] in {r.seconds:.1f}s{warn}")
    else:
        failed = ", ".join(c.name for c in r.checks if c.failed)
        console.print(f"[bold red]verification failed[/bold red]: {e(failed)}")


def _render_audit(a: AuditResult, console: Console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    def e(value: object) -> str:
        return escape(_r(value))

    if not a.findings:  # an unavailable audit is a note and the audit check already
        return
    table = Table(title=f"Security audit ({e(a.service)})", box=box.SIMPLE)
    table.add_column("status", no_wrap=True)
    table.add_column("package", overflow="fold")
    table.add_column("version", overflow="fold")
    table.add_column("vulnerability", no_wrap=True)  # an id cut in two cannot be searched
    table.add_column("fixed in", overflow="fold")
    table.add_column("summary", overflow="fold", min_width=12)
    style = {
        FindingStatus.NEW: "bold red",
        FindingStatus.PRE_EXISTING: "yellow",
        FindingStatus.FIXED: "green",
    }
    for f in a.findings:
        ids = "\n".join((f.id, *f.aliases))
        table.add_row(
            f"[{style[f.status]}]{f.status.value}[/]",
            e(f.package),
            e(f.after if f.before == f.after else f"{f.before or '-'} -> {f.after or '-'}"),
            e(ids),
            e(", ".join(f.fix_versions) or "-"),
            e(f.description),
        )
    console.print(table)


# --------------------------------------------------------------------------- Markdown


def _cell(value: object) -> str:
    return _r(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(r: VerifyResult, *, heading: str = "##") -> str:
    """A section for a pull request; ``heading`` is the level of its title."""

    out: list[str] = [f"{heading} Verification", ""]
    verdict = "passed" if r.ok else "**failed**"
    if r.entry_id:
        out.append(
            f"Verification {verdict}: before (journal `{_cell(r.entry_id)}`) against after, "
            f"in {r.seconds:.1f}s."
        )
    else:
        out.append(f"Verification {verdict} in {r.seconds:.1f}s; there was no before to compare.")
    out.append("")
    envs = [e for e in (r.before, r.after) if e is not None]
    if envs:
        out += [
            "| environment | tool | Python | packages | install time |",
            "|---|---|---|---|---|",
        ]
        for env in envs:
            out.append(
                f"| {env.label} | {_cell(env.tool)} {_cell(env.tool_version)} | "
                f"{_cell(env.python)} | {len(env.packages)} | {env.seconds:.2f} s |"
            )
        out.append("")
    for note in r.notes:
        out.append(f"> {_cell(note)}")
    if r.notes:
        out.append("")
    if r.changes:
        out += ["Packages that differ:", "", "| package | change | before | after |"]
        out.append("|---|---|---|---|")
        for ch in r.changes:
            out.append(
                f"| {_cell(ch.name)} | {ch.kind} | {_cell(ch.before or '-')} | "
                f"{_cell(ch.after or '-')} |"
            )
        out.append("")
    out += ["| check | result | summary |", "|---|---|---|"]
    for c in r.checks:
        out.append(f"| {c.name} | {_MD_ICON[c.status]} | {_cell(c.summary)} |")
    out.append("")
    # compare's differences are the table above; the audit's findings get their own section
    # in the report (report.migration)
    detailed = [
        c
        for c in r.checks
        if c.details and c.name != "compare" and not (c.name == "audit" and r.audit is not None)
    ]
    for c in detailed:
        out.append(f"<details><summary>{c.name}: {_cell(c.summary)}</summary>")
        out.append("")
        out += [f"- {_cell(d)}" for d in c.details]
        out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"
