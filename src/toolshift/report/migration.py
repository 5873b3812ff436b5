"""MIGRATION.md: the pull-request write-up of one migration, from recorded facts only.

:func:`gather` (I/O) reads what was recorded: the journal entry (``.toolshift/history/<id>``,
its backups are the *before*), the files as they are now (the *after*), the last verify result
(``.toolshift/verify/last.json``, the ``verify`` JSON payload, envelope or not), the latest
bench run (``.toolshift/bench.sqlite``) and the risks :func:`toolshift.analysis.analyze`
finds today. :func:`render_markdown` (pure) turns those :class:`MigrationInputs` into
Markdown. Every sentence states something read or measured; where a fact is missing the
document says so and names the command that would produce it.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolshift.apply import EntryStatus, JournalEntry, PathRole
from toolshift.audit import AuditResult, FindingStatus
from toolshift.bench.scenarios import (
    BenchResult,
    Scenario,
    category_markdown,
    markdown_table,
    measured_statement,
)
from toolshift.model import Diagnostic, PythonSource, Severity, normalize_name
from toolshift.redact import redact_text
from toolshift.report.images import render_image_section
from toolshift.verify import (
    Check,
    CheckStatus,
    EnvSummary,
    ImportOutcome,
    PackageChange,
    VerifyResult,
)

VERIFY_LAST = ".toolshift/verify/last.json"
HTTP_LAST = ".toolshift/verify/http.json"
CHART = ".toolshift/bench/bench.svg"


@dataclass(frozen=True)
class DepRow:
    category: str  # Category value
    heading: str
    name: str
    before: str | None
    after: str | None
    before_complete: bool = True  # the before side was a lock: absent there means absent

    @property
    def change(self) -> str:
        if self.before is None:
            return "added" if self.before_complete else "not pinned before"
        if self.after is None:
            return "removed"
        if self.before == self.after:
            return "same"
        from packaging.version import InvalidVersion, Version

        try:
            up = Version(self.after) > Version(self.before)
        except InvalidVersion:
            return "changed"
        return "upgraded" if up else "downgraded"


@dataclass(frozen=True)
class HttpRegression:
    method: str
    url: str
    source: str  # the test that made the request, or the probe
    status_before: int
    status_after: int
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpSummary:
    """What ``verify --http`` measured, read back from ``.toolshift/verify/http.json``."""

    entry_id: str
    app: str
    recorded: int  # requests recorded from the project's tests
    probes: int
    tests_summary: str
    requests: int  # replayed in all
    equal: int
    accepted: int
    regressions: tuple[HttpRegression, ...] = ()
    accepted_kinds: tuple[tuple[str, int], ...] = ()  # (why accepted, how many), most first
    tests_equal: int = 0
    tests_same_status: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HttpSummary:
        reqs = [r for r in d.get("requests", ()) if isinstance(r, Mapping)]
        kinds: dict[str, int] = {}
        regressions = []
        for r in reqs:
            diffs = tuple(str(x) for x in r.get("differences", ()))
            if r.get("verdict") == "accepted":
                why = "; ".join(diffs) or "not recorded"
                kinds[why] = kinds.get(why, 0) + 1
            elif r.get("verdict") == "regression":
                regressions.append(
                    HttpRegression(
                        str(r.get("method", "")),
                        str(r.get("url", "")),
                        str(r.get("source", "")),
                        int(r.get("status_before") or 0),
                        int(r.get("status_after") or 0),
                        diffs,
                    )
                )
        return cls(
            entry_id=str(d.get("entry", "")),
            app=str(d.get("app", "")),
            recorded=int(d.get("recorded") or 0),
            probes=int(d.get("probes") or 0),
            tests_summary=str(d.get("tests", "")),
            requests=len(reqs),
            equal=int(d.get("equal") or 0),
            accepted=int(d.get("accepted") or 0),
            regressions=tuple(regressions),
            accepted_kinds=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
            tests_equal=int(d.get("tests_equal") or 0),
            tests_same_status=int(d.get("tests_same_status") or 0),
        )


@dataclass(frozen=True)
class MigrationInputs:
    """Everything the document says, already read."""

    project: str  # the folder's name
    entry: JournalEntry
    written: str  # when the report was written (ISO date-time, UTC)
    source_tool: str  # what the project used before: uv, pip-tools, pip, or "" (unknown)
    before_source: str  # where the before versions come from
    after_source: str
    before: Mapping[str, str]  # normalised name -> version
    after: Mapping[str, str]
    before_complete: bool = True  # the before versions came from a lock (uv.lock, pip-compile)
    verify: VerifyResult | None = None
    verify_note: str = ""  # why there is no verify result (or why it is stale)
    bench: BenchResult | None = None
    bench_run: int | None = None
    chart: str | None = None  # path of the chart relative to the report
    chart_ignored: bool = False  # .toolshift/.gitignore keeps the chart out of git
    python_sources: tuple[PythonSource, ...] = ()
    python_conflict: bool = False
    python_preferred: str | None = None
    risks: tuple[Diagnostic, ...] = ()
    rules: Mapping[str, str] = field(default_factory=dict)  # id -> description
    http: HttpSummary | None = None  # verify --http
    http_note: str = ""  # why there is no HTTP result (or why it is not used)


# --------------------------------------------------------------------------- reading


def versions_from_lock(text: str) -> dict[str, str]:
    """Registry/URL packages of a ``uv.lock``; the project itself (virtual, editable or
    path source ``.``) is left out."""

    data = tomllib.loads(text)
    out: dict[str, str] = {}
    for pkg in data.get("package", []):
        source = pkg.get("source") or {}
        if any(source.get(k) == "." for k in ("virtual", "editable", "directory")):
            continue
        name, version = pkg.get("name"), pkg.get("version")
        if name and version:
            out[normalize_name(str(name))] = str(version)
    return out


def versions_from_requirements(texts: Mapping[str, str]) -> dict[str, str]:
    """``==`` pins of requirement files (first one wins, files in name order)."""

    from toolshift.readers.requirements import parse_requirements

    out: dict[str, str] = {}
    for path in sorted(texts):
        for req in parse_requirements(texts[path], path).requirements:
            v = req.pinned_version
            if req.name and v:
                out.setdefault(req.key, v)
    return out


def _is_requirements(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".txt") and "requirements" in name


def _state_files(root: Path, entry: JournalEntry, *, before: bool) -> dict[str, str]:
    """uv.lock and requirement files (root and ``requirements/``) as they were before the
    entry (from its backups) or as they are now."""

    current: dict[str, str] = {}
    for p in [root / "uv.lock", *root.glob("*.txt"), *root.glob("requirements/*.txt")]:
        rel = p.relative_to(root).as_posix()
        if p.is_file() and (rel == "uv.lock" or _is_requirements(rel)):
            current[rel] = p.read_text(encoding="utf-8", errors="replace")
    if not before:
        return current
    out = dict(current)
    for jp in entry.paths:
        if jp.path != "uv.lock" and not _is_requirements(jp.path):
            continue
        out.pop(jp.path, None)
        if jp.existed_before and jp.backup:
            data = (Path(entry.directory) / jp.backup).read_bytes()
            out[jp.path] = data.decode("utf-8", errors="replace")
    return out


def _versions(files: Mapping[str, str]) -> tuple[dict[str, str], str]:
    if "uv.lock" in files:
        return versions_from_lock(files["uv.lock"]), "uv.lock"
    reqs = {p: t for p, t in files.items() if _is_requirements(p)}
    if reqs:
        return versions_from_requirements(reqs), ", ".join(sorted(reqs))
    return {}, ""


def _tool_of(files: Mapping[str, str]) -> str:
    if "uv.lock" in files:
        return "uv"
    if any("pip-compile" in t or "uv pip compile" in t for t in files.values()):
        return "pip-tools"
    if files:
        return "pip"
    return ""


def verify_from_dict(d: Mapping[str, Any]) -> VerifyResult:
    """A :class:`VerifyResult` from the ``verify`` JSON payload (``report.verify.to_dict``)."""

    if "kind" in d and "root" not in d and isinstance(d.get("result"), Mapping):
        d = d["result"]

    def env(label: str) -> EnvSummary | None:
        e = d.get(label)
        if not isinstance(e, Mapping):
            return None
        return EnvSummary(
            label=label,
            tool=str(e.get("tool", "")),
            tool_version=str(e.get("tool_version", "")),
            python=str(e.get("python", "")),
            command=str(e.get("command", "")),
            packages={str(k): str(v) for k, v in (e.get("packages") or {}).items()},
            seconds=float(e.get("seconds") or 0.0),
        )

    journal = d.get("journal") or {}
    return VerifyResult(
        root=str(d.get("root", "")),
        entry_id=journal.get("id") if isinstance(journal, Mapping) else None,
        entry_command=str(journal.get("command", "")) if isinstance(journal, Mapping) else "",
        before=env("before"),
        after=env("after"),
        changes=tuple(
            PackageChange(str(c["name"]), c.get("before"), c.get("after"))
            for c in d.get("differences", [])
        ),
        imports=tuple(
            ImportOutcome(
                str(i["module"]),
                str(i.get("distribution", "")),
                i.get("before"),
                i.get("after"),
                str(i.get("error", "")),
            )
            for i in d.get("imports", [])
        ),
        checks=tuple(
            Check(
                str(c["name"]),
                CheckStatus(c["status"]),
                str(c.get("summary", "")),
                tuple(str(x) for x in c.get("details", [])),
                str(c.get("output", "")),
                float(c.get("seconds") or 0.0),
            )
            for c in d.get("checks", [])
        ),
        notes=tuple(str(n) for n in d.get("notes", [])),
        seconds=float(d.get("seconds") or 0.0),
        audit=_audit_from(d.get("audit")),
    )


def _audit_from(d: object) -> AuditResult | None:
    return AuditResult.from_dict(d) if isinstance(d, Mapping) else None


def _pick_entry(root: Path, entry_id: str | None) -> JournalEntry:
    from toolshift.apply import history
    from toolshift.errors import JournalError

    entries = history(root)
    if entry_id:
        for e in entries:
            if e.id == entry_id:
                return e
        raise JournalError(
            f"no journal entry {entry_id!r}",
            path=str(root / ".toolshift" / "history"),
            hint="`toolshift history` lists the ids",
        )
    applied = [e for e in entries if e.status is EntryStatus.APPLIED]
    if not applied:
        raise JournalError(
            "no applied migration to report on",
            path=str(root),
            hint="run `toolshift migrate` first (`toolshift history` shows the journal)",
        )
    return applied[-1]


def gather(
    root: Path | str,
    entry_id: str | None = None,
    *,
    out: Path | None = None,
    now: str | None = None,
) -> MigrationInputs:
    """Read everything the report needs (see the module docstring). ``out`` is where the
    report will be written (chart links are made relative to it); ``now`` fixes the date."""

    from datetime import UTC, datetime

    from toolshift.analysis import analyze
    from toolshift.bench import store
    from toolshift.detect import detect
    from toolshift.rules import RULES

    root = Path(root).absolute()
    entry = _pick_entry(root, entry_id)
    before_files = _state_files(root, entry, before=True)
    after_files = _state_files(root, entry, before=False)
    before, before_source = _versions(before_files)
    after, after_source = _versions(after_files)
    touched = {jp.path for jp in entry.paths}
    if before_source:
        backed = [p for p in before_source.split(", ") if p in touched]
        if backed:
            before_source += " from the journal's backup"

    verify: VerifyResult | None = None
    verify_note = ""
    last = root / VERIFY_LAST
    if last.is_file():
        try:
            verify = verify_from_dict(json.loads(last.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            verify_note = f"{VERIFY_LAST} could not be read ({type(exc).__name__})"
        else:
            if verify.entry_id and verify.entry_id != entry.id:
                verify_note = (
                    f"the last verification was against journal entry {verify.entry_id}, "
                    f"not {entry.id}"
                )
                verify = None
    else:
        verify_note = "not verified yet: run `toolshift verify`"

    http, http_note = _read_http(root, entry)

    runs = store.load(root)
    bench = runs[-1].result if runs else None
    chart: str | None = None
    if bench is not None and (root / CHART).is_file():
        base = (out.parent if out is not None else root).absolute()
        chart = Path(os.path.relpath(root / CHART, base)).as_posix()

    detected = detect(root, tolerant=True)
    analysis = analyze(detected)
    return MigrationInputs(
        project=root.name,
        entry=entry,
        written=now or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        source_tool=_tool_of(before_files),
        before_complete=_tool_of(before_files) in ("uv", "pip-tools"),
        before_source=before_source,
        after_source=after_source,
        before=before,
        after=after,
        verify=verify,
        verify_note=verify_note,
        bench=bench,
        bench_run=runs[-1].id if runs else None,
        chart=chart,
        chart_ignored=(root / ".toolshift" / ".gitignore").is_file(),
        python_sources=detected.project.python.sources,
        python_conflict=detected.project.python.conflicting,
        python_preferred=detected.project.python.preferred(),
        risks=tuple(d for d in analysis.risks if d.severity is not Severity.INFO),
        rules=dict(RULES),
        http=http,
        http_note=http_note,
    )


def _read_http(root: Path, entry: JournalEntry) -> tuple[HttpSummary | None, str]:
    """The saved ``verify --http`` result when it is about ``entry``; else why not ("" when
    there is none and the migration is not a --to fastapi one: nothing to say)."""

    path = root / HTTP_LAST
    if not path.is_file():
        if entry.target == "fastapi":
            return None, "not replayed yet: run `toolshift verify --http`"
        return None, ""
    try:
        http = HttpSummary.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"{HTTP_LAST} could not be read ({type(exc).__name__})"
    if http.entry_id != entry.id:
        return None, (
            f"the last HTTP replay was against journal entry {http.entry_id}, not {entry.id}"
        )
    return http, ""


# --------------------------------------------------------------------------- rendering


def _cell(value: object) -> str:
    text = redact_text(str(value)).replace("\n", " ").replace("|", "\\|")
    return text.strip()


def _code(value: object) -> str:
    return f"`{_cell(value).replace('`', '')}`"


_ROLE_TEXT = {
    PathRole.CREATE: "created",
    PathRole.MODIFY: "modified",
    PathRole.DELETE: "deleted",
    PathRole.POST: "written by a post-action",
}


def _role(path_role: PathRole, existed: bool, exists_after: bool | None) -> str:
    if path_role is PathRole.POST:
        if exists_after is False:
            return "not written"
        return "rewritten by `uv lock`" if existed else "created by `uv lock`"
    return _ROLE_TEXT[path_role]


def dependency_rows(
    before: Mapping[str, str], after: Mapping[str, str], *, before_complete: bool = True
) -> list[DepRow]:
    from toolshift.categories import ORDER, category_of

    order = {c: i for i, c in enumerate(ORDER)}
    rows = []
    for name in sorted(set(before) | set(after)):
        cat = category_of(name)
        rows.append(
            DepRow(cat.value, cat.heading, name, before.get(name), after.get(name), before_complete)
        )
    from toolshift.categories import Category

    rows.sort(key=lambda r: (order[Category(r.category)], r.name))
    return rows


def render_markdown(inp: MigrationInputs) -> str:
    e = inp.entry
    out: list[str] = []
    add = out.append
    frm = inp.source_tool or "the previous setup"
    add(f"# Migration of {_cell(inp.project)}: {_cell(frm)} -> {_cell(e.target)}")
    add("")

    # ---- overview
    add("## Overview")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| from -> to | {_cell(frm)} -> {_cell(e.target)} |")
    add(f"| applied | {_cell(e.created)} (journal entry {_code(e.id)}, status {e.status.value}) |")
    add(f"| command | {_code(e.command)} |")
    tools = [f"toolshift {e.toolshift_version}"] if e.toolshift_version else []
    v = inp.verify
    for env in (v.before, v.after) if v is not None else ():
        if env is not None and env.tool_version:
            tools.append(f"{env.tool} {env.tool_version} ({env.label}, verify)")
    if inp.bench is not None:
        be = inp.bench.environment
        tools.append(f"pip {be.pip} and uv {be.uv} (bench)")
    add(f"| tool versions | {_cell(', '.join(tools) or 'not recorded')} |")
    add(f"| report written | {_cell(inp.written)} |")
    add("")

    # ---- files
    add("## Files changed")
    add("")
    add("| file | change | rules | reason |")
    add("|---|---|---|---|")
    for jp in e.paths:
        rules = ", ".join(jp.rules)
        reasons = "; ".join(jp.reasons)
        if not reasons and jp.rules:
            reasons = "; ".join(inp.rules.get(r, r) for r in jp.rules)
        if not reasons and jp.role is PathRole.POST:
            reasons = "lock file of the new setup"
        if not reasons:
            reasons = "not recorded in the journal"
        add(
            f"| {_code(jp.path)} | {_role(jp.role, jp.existed_before, jp.exists_after)} | "
            f"{_cell(rules or '-')} | {_cell(reasons)} |"
        )
    add("")

    # ---- dependencies
    add("## Dependencies")
    add("")
    rows = dependency_rows(inp.before, inp.after, before_complete=inp.before_complete)
    if not rows:
        add("No pinned or locked versions were found before or after.")
    else:
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.change] = counts.get(r.change, 0) + 1
        summary = ", ".join(
            f"{counts[k]} {k}"
            for k in (
                "same",
                "upgraded",
                "downgraded",
                "changed",
                "added",
                "not pinned before",
                "removed",
            )
            if k in counts
        )
        add(
            f"Before: {_cell(inp.before_source or 'nothing pinned')} ({len(inp.before)} "
            f"versions). After: {_cell(inp.after_source or 'nothing locked')} "
            f"({len(inp.after)} versions). {summary}."
        )
        add("")
        current = ""
        for r in rows:
            if r.heading != current:
                if current:
                    add("")
                current = r.heading
                add(f"### {r.heading}")
                add("")
                add("| package | before | after | |")
                add("|---|---|---|---|")
            add(
                f"| {_cell(r.name)} | {_cell(r.before or '-')} | "
                f"{_cell(r.after or '-')} | {r.change} |"
            )
    add("")

    # ---- verification
    if v is not None:
        from toolshift.report.verify import render_markdown as verify_md

        out.append(verify_md(v, heading="##").rstrip())
    else:
        add("## Verification")
        add("")
        add(f"{_cell(inp.verify_note)}.")
    add("")

    # ---- verify --http and verify --audit
    out += _http_section(inp)
    out += _audit_section(inp)

    # ---- benchmark
    add("## Benchmark")
    add("")
    b = inp.bench
    if b is None:
        add("Not measured yet: run `toolshift bench`.")
        add("")
    else:
        add(
            f"Run {inp.bench_run} of `toolshift bench`, {_cell(b.started)}: "
            f"{_cell(measured_statement(b))}."
        )
        add("")
        out.append(markdown_table(b).rstrip())
        add("")
        cats = category_markdown(b)
        if cats:
            add(
                "Each category's packages installed alone (`--no-deps`, the pinned versions "
                "of the whole set):"
            )
            add("")
            out.append(cats.rstrip())
            add("")
        rss = [
            f"{s.variant.value} {s.peak_rss_kib / 1024:.1f} MiB"
            for s in b.series
            if s.scenario is Scenario.STARTUP and s.ok and s.peak_rss_kib
        ]
        if rss:
            add(
                f"Startup imports `{_cell(b.entry)}` in a fresh process; its peak RSS: "
                f"{_cell(', '.join(rss))}."
            )
            add("")
        if inp.chart:
            add(f"![pip vs uv]({inp.chart})")
            add("")
            if inp.chart_ignored:
                add(
                    "The chart is under `.toolshift/`, which git ignores: attach it to the "
                    "pull request to show it there."
                )
                add("")
        for sk in b.skipped:
            add(f"- not measured: {_cell(sk.what)} ({_cell(sk.reason)})")
        if b.skipped:
            add("")
        images = render_image_section(b, run_id=inp.bench_run)  # "" without image figures
        if images:
            out.append(images.rstrip())
            add("")
    # ---- python
    add("## Python version")
    add("")
    if not inp.python_sources:
        add("No file states a Python version.")
    else:
        add("| where | states |")
        add("|---|---|")
        for s in inp.python_sources:
            where = f"{s.origin.path}:{s.origin.line}" if s.origin.line else s.origin.path
            add(f"| {_code(where)} | {_cell(s.value)} |")
        add("")
        if inp.python_conflict:
            add("These disagree: align them before merging.")
        else:
            chosen = f": {inp.python_preferred}" if inp.python_preferred else ""
            add(
                "No conflict between the places that choose the interpreter (a CI test "
                f"matrix is not a choice); the version they choose{chosen}."
            )
    envs = []
    if v is not None:
        envs += [f"{x.label} {x.python} (verify)" for x in (v.before, v.after) if x and x.python]
    if b is not None:
        envs.append(f"{b.environment.python} (bench)")
    if envs:
        add("")
        add(f"Interpreters used for the checks: {_cell(', '.join(envs))}.")
    add("")

    # ---- security
    add("## Security and risk findings")
    add("")
    if not inp.risks:
        add("`toolshift analyze` finds no warnings or errors in the project as it is now.")
    else:
        add("From `toolshift analyze` on the project as it is now:")
        add("")
        add("| code | severity | where | finding |")
        add("|---|---|---|---|")
        for d in inp.risks:
            where = ""
            if d.origin is not None:
                where = f"{d.origin.path}:{d.origin.line}" if d.origin.line else d.origin.path
            add(f"| {d.code} | {d.severity.value} | {_cell(where or '-')} | {_cell(d.message)} |")
    add("")

    # ---- checklist
    add("## Still to do")
    add("")
    paths = [jp.path for jp in e.paths]
    add(f"- [ ] Review the diff of the {len(paths)} files listed above.")
    if v is None:
        add("- [ ] Run `toolshift verify` (no verification result was found).")
    elif not v.ok:
        failed = ", ".join(c.name for c in v.checks if c.failed)
        add(f"- [ ] Fix what verification found: {_cell(failed)}.")
    out += _verify_extra_todos(inp)
    docker = [p for p in paths if "dockerfile" in p.lower().rsplit("/", 1)[-1]]
    if docker:
        add(
            f"- [ ] Build and run the image from {_cell(', '.join(docker))}: this migration "
            "changed it and no image was built here."
        )
    ci = [p for p in paths if p.startswith(".github/workflows/") or p.endswith(".gitlab-ci.yml")]
    if ci:
        add(f"- [ ] Watch the first CI run of {_cell(', '.join(ci))}.")
    if inp.python_conflict:
        add("- [ ] Align the Python versions listed above.")
    if inp.risks:
        n = len(inp.risks)
        add(f"- [ ] Decide on the {n} risk finding{'s' if n != 1 else ''} above.")
    add("- [ ] Deploy, and watch errors, latency and memory against the previous release.")
    add(
        f"- [ ] Once the change is in production, delete the backup "
        f"`.toolshift/history/{e.id}/` (after that it cannot be undone with toolshift)."
    )
    add("")

    # ---- rollback
    add("## Rollback")
    add("")
    add("From the journal (restores every file byte for byte, removes the created ones):")
    add("")
    add("```sh")
    add(f"toolshift undo --id {e.id}")
    add("```")
    add("")
    modified = [jp.path for jp in e.paths if jp.existed_before]
    created = [jp.path for jp in e.paths if not jp.existed_before]
    add("With git, before the change is committed (the old files are in `HEAD`):")
    add("")
    add("```sh")
    if modified:
        add("git checkout HEAD -- " + " ".join(_shell(p) for p in modified))
    if created:
        add("rm -f " + " ".join(_shell(p) for p in created))
    add("```")
    add("")
    add("After it is merged: `git revert <merge commit>`.")
    return "\n".join(out).rstrip() + "\n"


def _http_section(inp: MigrationInputs) -> list[str]:
    """ "HTTP equivalence": the counts and regressions ``verify --http`` measured; nothing when
    there is neither a result nor a reason to expect one."""

    h = inp.http
    if h is None:
        if not inp.http_note:
            return []
        return ["## HTTP equivalence", "", f"{_cell(inp.http_note)}.", ""]
    out = ["## HTTP equivalence", ""]
    out.append(
        f"`toolshift verify --http` replayed {h.requests} requests against the Flask app "
        f"before and the FastAPI app after ({_code(h.app)}): {h.recorded} recorded from the "
        f"project's tests ({_cell(h.tests_summary or 'no summary')}) and {h.probes} probes "
        "from the route table."
    )
    out.append("")
    out += ["| replayed | same answer | known differences | regressions |", "|---|---|---|---|"]
    out.append(f"| {h.requests} | {h.equal} | {h.accepted} | {len(h.regressions)} |")
    out.append("")
    if h.recorded:
        out.append(
            f"Of the {h.recorded} requests from the tests, {h.tests_equal} got the same answer "
            f"and {h.tests_same_status} the same status."
        )
        out.append("")
    if h.accepted_kinds:
        out += ["Known, accepted differences:", "", "| kind | requests |", "|---|---|"]
        out += [f"| {_cell(kind)} | {n} |" for kind, n in h.accepted_kinds]
        out.append("")
    if h.regressions:
        out += ["Regressions:", "", "| request | from | status | what differs |"]
        out.append("|---|---|---|---|")
        for r in h.regressions:
            status = str(r.status_before)
            if r.status_after != r.status_before:
                status += f" -> {r.status_after}"
            out.append(
                f"| {_code(f'{r.method} {r.url}')} | {_cell(r.source)} | {status} | "
                f"{_cell('; '.join(r.differences) or '-')} |"
            )
        out.append("")
    return out


def _verify_extra_todos(inp: MigrationInputs) -> list[str]:
    """Checklist lines for what verify --http and verify --audit left open."""

    out = []
    if inp.http is not None and inp.http.regressions:
        n = len(inp.http.regressions)
        out.append(
            f"- [ ] Fix the {n} HTTP regression{'s' if n != 1 else ''} listed above, then run "
            "`toolshift verify --http` again."
        )
    a = inp.verify.audit if inp.verify is not None else None
    if a is not None and not a.available:
        out.append(
            "- [ ] Audit the dependencies for known vulnerabilities where pip-audit's service "
            "answers (`toolshift verify --audit` could not, see above)."
        )
    return out


_AUDIT_ORDER = (FindingStatus.NEW, FindingStatus.PRE_EXISTING, FindingStatus.FIXED)


def _audit_section(inp: MigrationInputs) -> list[str]:
    """ "Security audit": what ``verify --audit`` (pip-audit) found, or why there is nothing."""

    out = ["## Security audit", ""]
    a = inp.verify.audit if inp.verify is not None else None
    if a is None:
        return [*out, "Not audited: run `toolshift verify --audit`.", ""]
    if not a.available:
        return [*out, f"Audit not available: {_cell(a.unavailable)}.", ""]
    counts = ", ".join(f"{a.count(s)} {s.value}" for s in _AUDIT_ORDER)
    out.append(
        f"{_cell(a.tool or 'pip-audit')} with the {_cell(a.service)} vulnerability service, on "
        f"the environments verify built: {a.audited_after} packages audited after"
        + (f", {a.audited_before} before" if a.audited_before is not None else "")
        + f"; {counts}."
    )
    out.append("")
    if not a.compared:
        out.append(
            f"No before audit to compare ({_cell(a.before_unavailable)}): every finding "
            "counts as new."
        )
        out.append("")
    if a.skipped:
        out.append(f"Not audited ({len(a.skipped)}): {_cell('; '.join(a.skipped))}.")
        out.append("")
    if not a.findings:
        out.append(f"The {_cell(a.service)} service reports no known vulnerability for them.")
        out.append("")
        return out
    out += [
        "| status | package | before | after | vulnerability | fixed in | summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in a.findings:
        ids = f.id + (f" ({', '.join(f.aliases)})" if f.aliases else "")
        out.append(
            f"| {f.status.value} | {_cell(f.package)} | {_cell(f.before or '-')} | "
            f"{_cell(f.after or '-')} | {_cell(ids)} | {_cell(', '.join(f.fix_versions) or '-')}"
            f" | {_cell(f.description or '-')} |"
        )
    out.append("")
    return out


def _shell(path: str) -> str:
    import shlex

    return shlex.quote(path)
