"""Ignore files: ``.gitignore`` and ``.dockerignore`` around a pip <-> uv migration.

Role in the pipeline: render (pure), plus a check for ``analyze``.

* ``.gitignore`` gets ``.venv/`` (uv's project environment) and must not ignore ``uv.lock``,
  which belongs in version control; in both directions it gets ``.toolshift/`` (the journal's
  backups hold the replaced files as they were, credentials included);
* ``.dockerignore`` gets ``.venv`` and the usual caches (a host venv copied by ``COPY . .`` would
  replace the image's own) and, in both directions, ``.toolshift`` (the journal's backups of
  replaced files do not belong in an image), and must never exclude the files the Dockerfile
  needs in the build context: ``uv.lock`` and ``pyproject.toml`` for uv (bind-mounted by
  ``uv sync --locked``), the requirements files for pip. A literal line that excludes one is
  removed; a glob that does gets a ``!name`` exception after it. Both are said in a diagnostic.

Lines are only appended or removed; every other byte (comments, order, CRLF) stays.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from toolshift.model import Diagnostic, Origin, Severity
from toolshift.rewriters import RewriteContext, RewriteResult, newline_of

RULE_DOCKERIGNORE = "TS207"
RULE_GITIGNORE = "TS304"

DOCKERIGNORE_ADD = (".venv", "**/__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
# toolshift's journal holds backups of the files a migration replaced (old requirements files,
# Dockerfiles): `COPY . .` must not put them in the image, whichever way the migration went.
DOCKERIGNORE_JOURNAL = ".toolshift"


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            j = pattern.find("]", i)
            if j == -1:
                out += re.escape(c)
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out += f"[{body}]"
                i = j
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + "(?:/.*)?$")


def _rules(text: str) -> list[tuple[int, bool, str]]:
    """(0-based line, negated, pattern) for every pattern line."""

    out: list[tuple[int, bool, str]] = []
    for n, raw in enumerate(text.splitlines()):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        neg = s.startswith("!")
        if neg:
            s = s[1:].strip()
        out.append((n, neg, s))
    return out


def _matches(pattern: str, path: str, *, gitignore: bool) -> bool:
    p = pattern.rstrip("/")
    anchored = p.startswith("/") or ("/" in p and gitignore)
    p = p.lstrip("/")
    if p.startswith("./"):
        p = p[2:]
    if not gitignore:
        p = posixpath.normpath(p) if p else p
    rx = _pattern_regex(p)
    if rx.match(path):
        return True
    # gitignore: a pattern without a slash matches at any depth
    return bool(gitignore and not anchored and rx.match(posixpath.basename(path)))


def excluded_by(text: str, path: str, *, gitignore: bool = False) -> int | None:
    """The 0-based line whose pattern finally excludes ``path`` (last match wins), or None."""

    last: tuple[int, bool] | None = None
    for n, neg, pat in _rules(text):
        if _matches(pat, path, gitignore=gitignore):
            last = (n, neg)
    if last is None or last[1]:
        return None
    return last[0]


def _append(text: str, lines: Sequence[str]) -> str:
    if not lines:
        return text
    nl = newline_of(text)
    out = text
    if out and not out.endswith(("\n", "\r")):
        out += nl
    return out + "".join(line + nl for line in lines)


def _keep(
    text: str, needed: Sequence[str], gitignore: bool, ctx: RewriteContext, rule: str
) -> tuple[str, list[Diagnostic]]:
    """Remove literal lines / add ``!name`` exceptions so ``needed`` files are not excluded."""

    diags: list[Diagnostic] = []
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    negate: list[str] = []
    for name in needed:
        n = excluded_by(text, name, gitignore=gitignore)
        if n is None:
            continue
        raw = lines[n].strip()
        literal = raw.lstrip("/").removeprefix("./").rstrip("/") == name
        what = "version control" if gitignore else "the Docker build context"
        if literal:
            drop.add(n)
            diags.append(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"removed `{raw}`: {name} must be in {what}",
                    n + 1,
                    raw,
                )
            )
        else:
            negate.append(f"!{name}")
            diags.append(
                ctx.diag(
                    rule,
                    Severity.WARNING,
                    f"`{raw}` excluded {name}, which must be in {what}: added `!{name}`",
                    n + 1,
                    raw,
                )
            )
    if drop:
        text = "".join(ln for i, ln in enumerate(lines) if i not in drop)
    # a literal removal may uncover another pattern: check again
    still = [name for name in needed if excluded_by(text, name, gitignore=gitignore) is not None]
    for name in still:
        if f"!{name}" not in negate:
            negate.append(f"!{name}")
    if "!uv.lock" in negate and ctx.direction == "uv":
        text, replaced = _replace_old_lock_exception(text, gitignore)
        if replaced:
            negate.remove("!uv.lock")
            diags = [
                ctx.diag(
                    d.code,
                    d.severity,
                    d.message.replace("added `!uv.lock`", f"`{replaced}` became `!uv.lock`"),
                    d.origin.line if d.origin else 0,
                    d.origin.text if d.origin else "",
                )
                if "added `!uv.lock`" in d.message
                else d
                for d in diags
            ]
    return _append(text, negate), diags


# `*.lock` + `!poetry.lock` (or `!Pipfile.lock`): the exception that kept the old lock is the
# one uv.lock needs, in the same place; appending `!uv.lock` left `!poetry.lock` behind
_OLD_LOCK_EXCEPTION = re.compile(r"^(\s*)!\s*(/?(?:poetry|Pipfile)\.lock)\s*$")


def _replace_old_lock_exception(text: str, gitignore: bool) -> tuple[str, str]:
    """``text`` with its ``!poetry.lock``/``!Pipfile.lock`` line as ``!uv.lock`` when that
    keeps ``uv.lock`` in, and the line replaced (``""`` when there was none or it would not)."""

    lines = text.splitlines(keepends=True)
    for n, line in enumerate(lines):
        body = line.rstrip("\r\n")
        m = _OLD_LOCK_EXCEPTION.match(body)
        if not m:
            continue
        slash = "/" if m.group(2).startswith("/") else ""
        fixed = m.group(1) + f"!{slash}uv.lock" + line[len(body) :]
        new = "".join([*lines[:n], fixed, *lines[n + 1 :]])
        if excluded_by(new, "uv.lock", gitignore=gitignore) is None:
            return new, body.strip()
    return text, ""


def rewrite_gitignore(text: str, ctx: RewriteContext) -> RewriteResult:
    """pip -> uv: ignore ``.venv/`` and never ``uv.lock``. Both directions: ignore
    ``.toolshift/``, whose backups hold the replaced files as they were (an index URL with the
    password the migration took out of them included)."""

    if not ctx.enabled(RULE_GITIGNORE):
        return RewriteResult(text)
    diags: list[Diagnostic] = []
    new = text
    add: list[str] = []
    if ctx.direction == "uv":
        new, diags = _keep(text, ["uv.lock"], True, ctx, RULE_GITIGNORE)
        if excluded_by(new, ".venv", gitignore=True) is None:
            add.append(".venv/")
    if excluded_by(new, ".toolshift/history", gitignore=True) is None:
        add.append(".toolshift/")
    new = _append(new, add)
    if new == text:
        return RewriteResult(text)
    return RewriteResult(new, (RULE_GITIGNORE,), tuple(diags))


def _needed(ctx: RewriteContext) -> list[str]:
    if ctx.direction == "uv":
        return ["uv.lock", "pyproject.toml"]
    return list(dict.fromkeys(ctx.requirement_files.values()))


def rewrite_dockerignore(
    text: str, ctx: RewriteContext, needed: Sequence[str] | None = None
) -> RewriteResult:
    """Add ``.venv`` and caches (pip -> uv) and ``.toolshift`` (both directions); keep
    ``needed`` files (default: what the target's Dockerfile reads, ``uv.lock``/``pyproject.toml``
    or the requirements files) in the context."""

    if not ctx.enabled(RULE_DOCKERIGNORE):
        return RewriteResult(text)
    need = list(needed) if needed is not None else _needed(ctx)
    new, diags = _keep(text, need, False, ctx, RULE_DOCKERIGNORE)
    wanted = (
        (*DOCKERIGNORE_ADD, DOCKERIGNORE_JOURNAL)
        if ctx.direction == "uv"
        else (DOCKERIGNORE_JOURNAL,)
    )
    add = [
        p
        for p in wanted
        if excluded_by(new, p.removeprefix("**/"), gitignore=False) is None
        and p not in new.splitlines()
    ]
    new = _append(new, add)
    if new == text:
        return RewriteResult(text)
    return RewriteResult(new, (RULE_DOCKERIGNORE,), tuple(diags))


def rewrite_ignore_file(text: str, ctx: RewriteContext) -> RewriteResult:
    """Dispatch on ``ctx.path``'s name (``.gitignore`` or ``.dockerignore``)."""

    name = posixpath.basename(ctx.path)
    if name == ".gitignore":
        return rewrite_gitignore(text, ctx)
    if name == ".dockerignore" or name.endswith(".dockerignore"):
        return rewrite_dockerignore(text, ctx)
    return RewriteResult(text)


def ignore_risks(
    text: str, path: str, needed: Sequence[str] = ("uv.lock", "pyproject.toml")
) -> list[Diagnostic]:
    """For ``analyze``: an existing ignore file that hides what a uv build or repo needs.

    ``.dockerignore`` (or ``X.dockerignore``): excluding any of ``needed`` breaks
    ``uv sync --locked`` in the image. ``.gitignore``: ignoring ``uv.lock`` loses the lock.
    """

    name = posixpath.basename(path)
    out: list[Diagnostic] = []
    lines = text.splitlines()
    if name == ".gitignore":
        n = excluded_by(text, "uv.lock", gitignore=True)
        if n is not None:
            out.append(
                Diagnostic(
                    RULE_GITIGNORE,
                    Severity.WARNING,
                    "uv.lock is ignored by git, so the locked versions are not shared",
                    Origin(path, n + 1, lines[n].strip()),
                    "remove this line; commit uv.lock",
                )
            )
        return out
    if name == ".dockerignore" or name.endswith(".dockerignore"):
        for want in needed:
            n = excluded_by(text, want, gitignore=False)
            if n is not None:
                out.append(
                    Diagnostic(
                        RULE_DOCKERIGNORE,
                        Severity.WARNING,
                        f"{want} is excluded from the Docker build context; "
                        "`uv sync --locked` in the image will fail",
                        Origin(path, n + 1, lines[n].strip()),
                        f"remove this line or add `!{want}` after it",
                    )
                )
    return out


__all__ = [
    "excluded_by",
    "ignore_risks",
    "rewrite_dockerignore",
    "rewrite_gitignore",
    "rewrite_ignore_file",
]
