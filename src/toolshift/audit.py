"""verify --audit: known vulnerabilities of the before and after environments, by pip-audit.

verify builds the two throwaway environments; while they exist, :func:`audit_envs` runs
``pip-audit --path <site-packages> --format json`` on each (``--vulnerability-service pypi``
unless ``osv`` is asked for), reads pip-audit's JSON into :class:`EnvAudit` and classifies
every (package, vulnerability id) found:

* ``new``: in the after environment only (the migration brought it, exit 3 like a regression);
  with no before audit to compare against, every finding counts as new, and the result says so;
* ``pre-existing``: in both;
* ``fixed``: in the before environment only.

Only what the project installed is judged: the seeds of an environment (pip, setuptools,
wheel a pip environment starts with) and the project's own distribution are left out.

pip-audit is not a toolshift dependency (it brings pip, requests, cachecontrol, cyclonedx
and more for one optional check): a ``pip-audit`` on ``PATH`` is used first, else
``uv tool run --from pip-audit==PIP_AUDIT_VERSION pip-audit`` (uv's tool cache, the
project's indexes and ``--find-links`` passed on, ``--offline`` honoured), always through
:func:`toolshift.tools.run`.

When the service cannot answer (PyPI's per-version JSON missing on a mirror: pip-audit
"skips" every package as "not found on PyPI"; a connection error: it exits 1 with an error or a
traceback and no JSON) the audit is **unavailable**, with pip-audit's own reason (redacted):
never reported as "no known vulnerabilities", and never a failure by itself.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolshift import tools
from toolshift.errors import ToolError
from toolshift.model import Index, IndexKind, normalize_name
from toolshift.redact import redact_text

if TYPE_CHECKING:
    from toolshift.verify import Check

PIP_AUDIT_VERSION = "2.10.1"  # what `uv tool run` fetches when no pip-audit is on PATH
SERVICES = ("pypi", "osv")
DEFAULT_SERVICE = "pypi"  # the OSV service is not reachable from every network
_TIMEOUT = 600.0
_SOCKET_TIMEOUT = "15"  # pip-audit's own default, per request
_REASON_MAX = 500


class FindingStatus(StrEnum):
    NEW = "new"  # after only: the migration brought it
    PRE_EXISTING = "pre-existing"  # before and after
    FIXED = "fixed"  # before only


@dataclass(frozen=True)
class Vulnerability:
    """One vulnerability pip-audit reports for an installed package."""

    package: str  # normalised name
    version: str
    id: str  # PYSEC-..., GHSA-..., as the service names it
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    description: str = ""  # its first line


@dataclass(frozen=True)
class EnvAudit:
    """pip-audit's answer for one environment; ``unavailable`` says why there is none."""

    label: str  # before | after
    audited: tuple[tuple[str, str], ...] = ()  # (name, version) pip-audit checked
    vulnerabilities: tuple[Vulnerability, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (name, pip-audit's skip reason)
    unavailable: str = ""

    @property
    def available(self) -> bool:
        return not self.unavailable


@dataclass(frozen=True)
class Finding:
    status: FindingStatus
    package: str
    id: str
    before: str | None  # the version installed before, when it was vulnerable there
    after: str | None  # the version installed after, when it is vulnerable there
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class AuditResult:
    """The ``audit`` part of a verify result."""

    service: str  # pypi | osv
    tool: str = ""  # which pip-audit ran
    findings: tuple[Finding, ...] = ()
    audited_after: int = 0
    audited_before: int | None = None  # None: no before audit
    skipped: tuple[str, ...] = ()  # "name: reason", the after side
    unavailable: str = ""  # why there is no result ("" when there is one)
    before_unavailable: str = ""  # why the before side has none (findings then count as new)
    seconds: float = 0.0

    @property
    def available(self) -> bool:
        return not self.unavailable

    @property
    def compared(self) -> bool:
        return self.audited_before is not None

    def count(self, status: FindingStatus) -> int:
        return sum(1 for f in self.findings if f.status is status)

    def to_dict(self) -> dict[str, Any]:
        """The ``audit`` key of the ``verify`` JSON payload; field names are stable."""

        r = redact_text
        return {
            "service": self.service,
            "tool": r(self.tool),
            "available": self.available,
            "unavailable": r(self.unavailable),
            "before_unavailable": r(self.before_unavailable),
            "compared": self.compared,
            "audited_after": self.audited_after,
            "audited_before": self.audited_before,
            "counts": {s.value: self.count(s) for s in FindingStatus},
            "findings": [
                {
                    "status": f.status.value,
                    "package": f.package,
                    "id": f.id,
                    "before": f.before,
                    "after": f.after,
                    "aliases": list(f.aliases),
                    "fix_versions": list(f.fix_versions),
                    "description": r(f.description),
                }
                for f in self.findings
            ],
            "skipped": [r(s) for s in self.skipped],
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditResult:
        before = d.get("audited_before")
        return cls(
            service=str(d.get("service", DEFAULT_SERVICE)),
            tool=str(d.get("tool", "")),
            findings=tuple(
                Finding(
                    status=FindingStatus(f["status"]),
                    package=str(f["package"]),
                    id=str(f["id"]),
                    before=None if f.get("before") is None else str(f["before"]),
                    after=None if f.get("after") is None else str(f["after"]),
                    aliases=tuple(str(a) for a in f.get("aliases", ())),
                    fix_versions=tuple(str(v) for v in f.get("fix_versions", ())),
                    description=str(f.get("description", "")),
                )
                for f in d.get("findings", ())
            ),
            audited_after=int(d.get("audited_after") or 0),
            audited_before=None if before is None else int(before),
            skipped=tuple(str(s) for s in d.get("skipped", ())),
            unavailable=str(d.get("unavailable", "")),
            before_unavailable=str(d.get("before_unavailable", "")),
            seconds=float(d.get("seconds") or 0.0),
        )


# --------------------------------------------------------------------------- pure parts


def _first_line(text: str, limit: int = 200) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 3] + "..."
    return ""


def find_report(stdout: str) -> dict[str, Any] | None:
    """pip-audit's JSON document in its standard output, or None when it printed none."""

    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("dependencies"), list):
            return doc
    return None


def parse_report(
    doc: Mapping[str, Any],
    label: str,
    *,
    only: Collection[str] | None = None,
    leave_out: Collection[str] = (),
) -> EnvAudit:
    """An :class:`EnvAudit` from pip-audit's ``--format json`` document: ``{"dependencies":
    [{"name", "version", "vulns": [{"id", "fix_versions", "aliases", "description"}]} or
    {"name", "skip_reason"}], "fixes": [...]}``. ``only`` (normalised names) keeps those
    packages alone; ``leave_out`` drops some. Every package pip-audit skipped: unavailable."""

    audited: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    vulns: list[Vulnerability] = []
    for dep in doc.get("dependencies", ()):
        if not isinstance(dep, Mapping) or not dep.get("name"):
            continue
        name = normalize_name(str(dep["name"]))
        if name in leave_out or (only is not None and name not in only):
            continue
        if "skip_reason" in dep:
            skipped.append((name, redact_text(str(dep.get("skip_reason") or "skipped"))))
            continue
        version = str(dep.get("version", ""))
        audited.append((name, version))
        for v in dep.get("vulns") or ():
            vulns.append(
                Vulnerability(
                    package=name,
                    version=version,
                    id=str(v.get("id", "")),
                    aliases=tuple(str(a) for a in v.get("aliases") or ()),
                    fix_versions=tuple(str(x) for x in v.get("fix_versions") or ()),
                    description=redact_text(_first_line(str(v.get("description") or ""))),
                )
            )
    unavailable = ""
    if skipped and not audited:
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        unavailable = (
            f"pip-audit could not audit any of the {len(skipped)} package(s) of the {label} "
            f"environment: {skipped[0][1]}{more}"
        )
    return EnvAudit(
        label=label,
        audited=tuple(sorted(audited)),
        vulnerabilities=tuple(sorted(vulns, key=lambda v: (v.package, v.id))),
        skipped=tuple(sorted(skipped)),
        unavailable=unavailable,
    )


_LOG_PREFIX = re.compile(r"^(ERROR|CRITICAL):[\w.]+:\s*")


def failure_reason(output: str, returncode: int) -> str:
    """Why pip-audit (or uv fetching it) gave no report, in its own words, one line: the
    exception of a traceback, pip-audit's ERROR log lines, uv's ``error:`` lines, else the last
    line it printed. Redacted."""

    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    reason = ""
    if any(ln.startswith("Traceback (most recent call last)") for ln in lines):
        reason = lines[-1]
    if not reason:
        errors = [_LOG_PREFIX.sub("", ln) for ln in lines if _LOG_PREFIX.match(ln)]
        reason = " ".join(errors)
    if not reason:
        uv_errors = [ln for ln in lines if ln.lower().startswith(("error:", "× ", "x "))]
        reason = " ".join(uv_errors)
    if not reason and lines:
        reason = lines[-1]
    if not reason:
        reason = f"pip-audit exited {returncode} and printed nothing"
    reason = redact_text(reason)
    if len(reason) > _REASON_MAX:
        reason = reason[: _REASON_MAX - 3] + "..."
    return reason


def classify(before: EnvAudit | None, after: EnvAudit) -> tuple[Finding, ...]:
    """Each (package, vulnerability id): new (after only, or every one when there is no
    before audit), pre-existing (both) or fixed (before only). Sorted: new first."""

    old = {(v.package, v.id): v for v in (before.vulnerabilities if before else ())}
    if before is not None and not before.available:
        old = {}
    now = {(v.package, v.id): v for v in after.vulnerabilities}
    out: list[Finding] = []
    for key in sorted(set(old) | set(now)):
        a, b = now.get(key), old.get(key)
        v = a or b
        assert v is not None
        if a is not None and b is not None:
            status = FindingStatus.PRE_EXISTING
        elif a is not None:
            status = FindingStatus.NEW
        else:
            status = FindingStatus.FIXED
        out.append(
            Finding(
                status=status,
                package=v.package,
                id=v.id,
                before=b.version if b else None,
                after=a.version if a else None,
                aliases=v.aliases,
                fix_versions=v.fix_versions,
                description=v.description,
            )
        )
    order = list(FindingStatus)
    return tuple(sorted(out, key=lambda f: (order.index(f.status), f.package, f.id)))


def combine(
    service: str,
    tool: str,
    before: EnvAudit | None,
    after: EnvAudit,
    seconds: float = 0.0,
) -> AuditResult:
    """One :class:`AuditResult` from the two sides."""

    if not after.available:
        return AuditResult(service, tool, unavailable=after.unavailable, seconds=seconds)
    compared = before is not None and before.available
    return AuditResult(
        service=service,
        tool=tool,
        findings=classify(before if compared else None, after),
        audited_after=len(after.audited),
        audited_before=len(before.audited) if before is not None and compared else None,
        skipped=tuple(f"{name}: {why}" for name, why in after.skipped),
        before_unavailable=(
            "" if compared else (before.unavailable if before else "there is no before state")
        ),
        seconds=seconds,
    )


def audit_check(result: AuditResult) -> Check:
    """verify's ``audit`` check: failed on a new vulnerability, pre-existing when only old
    ones remain, skipped (never passed) when there is no result."""

    from toolshift.verify import Check, CheckStatus

    seconds = result.seconds
    if not result.available:
        return Check(
            "audit",
            CheckStatus.SKIPPED,
            f"audit not available: {redact_text(result.unavailable)}",
            seconds=seconds,
        )
    new = result.count(FindingStatus.NEW)
    old = result.count(FindingStatus.PRE_EXISTING)
    fixed = result.count(FindingStatus.FIXED)
    details = tuple(
        f"{f.status.value}: {f.package} {f.after or f.before} {f.id}"
        + (f" (fixed in {', '.join(f.fix_versions)})" if f.fix_versions else "")
        for f in result.findings
    ) + tuple(f"not audited: {s}" for s in result.skipped)
    tail = []
    if fixed:
        tail.append(f"{fixed} fixed by the migration")
    if result.skipped:
        tail.append(f"{len(result.skipped)} package(s) not audited")
    if not result.compared:
        tail.append(f"no before audit to compare ({result.before_unavailable}): all count as new")
    extra = f"; {'; '.join(tail)}" if tail else ""
    audited = f"{result.audited_after} package(s) audited ({result.service})"
    if new:
        return Check(
            "audit",
            CheckStatus.FAILED,
            f"{new} new known vulnerabilit{'y' if new == 1 else 'ies'}, {old} pre-existing; "
            f"{audited}{extra}",
            details,
            seconds=seconds,
        )
    if old:
        return Check(
            "audit",
            CheckStatus.PRE_EXISTING,
            f"{old} known vulnerabilit{'y' if old == 1 else 'ies'}, all there before the "
            f"migration; {audited}{extra}",
            details,
            seconds=seconds,
        )
    return Check(
        "audit",
        CheckStatus.PASSED,
        f"no known vulnerability in the {audited}{extra}",
        details,
        seconds=seconds,
    )


# --------------------------------------------------------------------------- running pip-audit


def index_args(indexes: Iterable[Index]) -> list[str]:
    """uv options for the project's indexes (uv tool commands ignore the project's own
    configuration): its default index, other non-explicit ones, find-links. URLs still holding
    a ``${VAR}`` reference are left out (nothing expands them here)."""

    out: list[str] = []
    for ix in indexes:
        if "${" in ix.url or ix.explicit:
            continue
        if ix.kind is IndexKind.DEFAULT:
            out += ["--default-index", ix.url]
        elif ix.kind is IndexKind.FIND_LINKS:
            out += ["--find-links", ix.url]
        elif ix.name:
            out += ["--index", f"{ix.name}={ix.url}"]
        else:
            out += ["--index", ix.url]
    return out


def pip_audit_command(
    *, find_links: Sequence[str] = (), offline: bool = False, indexes: Iterable[Index] = ()
) -> tuple[list[str], str]:
    """(argv prefix, description) of the pip-audit to run: one on PATH, else through
    ``uv tool run``. Raises :class:`ToolError` when neither is there."""

    on_path = shutil.which("pip-audit")
    if on_path:
        return [on_path], f"pip-audit on PATH ({on_path})"
    uv = tools.find_uv()
    argv = [uv.path, "tool", "run", "--from", f"pip-audit=={PIP_AUDIT_VERSION}"]
    argv += index_args(indexes)
    for d in find_links:
        argv += ["--find-links", str(d)]
    if offline:
        argv.append("--offline")
    argv.append("pip-audit")
    return argv, f"pip-audit {PIP_AUDIT_VERSION} (uv tool run)"


def site_packages(env_path: Path) -> Path | None:
    """The environment's site-packages folder (POSIX or Windows layout)."""

    found = sorted(env_path.glob("lib/python*/site-packages")) + sorted(
        env_path.glob("Lib/site-packages")
    )
    return found[0] if found else None


def audit_env(
    command: Sequence[str],
    env_path: Path,
    label: str,
    *,
    service: str = DEFAULT_SERVICE,
    only: Collection[str] | None = None,
    leave_out: Collection[str] = (),
    extra_env: Mapping[str, str] | None = None,
    timeout: float = _TIMEOUT,
) -> EnvAudit:
    """Run pip-audit on one environment; never raises for pip-audit's own failures."""

    site = site_packages(env_path)
    if site is None:
        return EnvAudit(label, unavailable=f"no site-packages folder in the {label} environment")
    argv = [
        *command,
        "--path",
        str(site),
        "--format",
        "json",
        "--vulnerability-service",
        service,
        "--desc",
        "on",
        "--aliases",
        "on",
        "--progress-spinner",
        "off",
        "--timeout",
        _SOCKET_TIMEOUT,
    ]
    try:
        done = tools.run(argv, extra_env=extra_env, timeout=timeout, cwd=env_path)
    except ToolError as err:
        why = err.message + (f" ({err.hint})" if err.hint else "")
        return EnvAudit(label, unavailable=redact_text(why))
    doc = find_report(done.stdout)
    if doc is None:
        return EnvAudit(
            label, unavailable=failure_reason(done.stderr + "\n" + done.stdout, done.returncode)
        )
    return parse_report(doc, label, only=only, leave_out=leave_out)


def audit_envs(
    after_env: Path | None,
    before_env: Path | None,
    *,
    service: str = DEFAULT_SERVICE,
    after_packages: Collection[str] | None = None,
    before_packages: Collection[str] | None = None,
    leave_out: Collection[str] = (),
    find_links: Sequence[str] = (),
    offline: bool = False,
    indexes: Iterable[Index] = (),
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """Audit the after environment and, when there is one, the before one (at the same
    time), and classify what they hold. ``*_packages``: the normalised names the project
    installed there (the rest, e.g. an environment's seeds, is not judged)."""

    from concurrent.futures import ThreadPoolExecutor

    from toolshift.locking import lock_env

    say = progress or (lambda _m: None)
    start = time.perf_counter()
    if service not in SERVICES:
        raise ValueError(f"unknown vulnerability service {service!r}")
    if after_env is None:
        return AuditResult(service, unavailable="the after state is not installed")
    try:
        command, tool = pip_audit_command(find_links=find_links, offline=offline, indexes=indexes)
    except ToolError as err:
        return AuditResult(service, unavailable=redact_text(str(err)))
    with tempfile.TemporaryDirectory(prefix="toolshift-audit-") as config_home:
        extra = lock_env(config_home)
        sides = [("after", after_env, after_packages)]
        if before_env is not None:
            sides.append(("before", before_env, before_packages))
        say(f"audit: pip-audit ({service}) on {' and '.join(s[0] for s in sides)}")
        with ThreadPoolExecutor(max_workers=len(sides)) as pool:
            futures = {
                label: pool.submit(
                    audit_env,
                    command,
                    path,
                    label,
                    service=service,
                    only=None if names is None else {normalize_name(n) for n in names},
                    leave_out={normalize_name(n) for n in leave_out},
                    extra_env=extra,
                )
                for label, path, names in sides
            }
            results = {label: fut.result() for label, fut in futures.items()}
    return combine(
        service,
        tool,
        results.get("before"),
        results["after"],
        seconds=round(time.perf_counter() - start, 3),
    )
