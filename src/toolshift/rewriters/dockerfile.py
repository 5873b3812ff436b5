"""Dockerfile rewriter: pip <-> uv, by splicing instruction line ranges (never regenerating).

Role in the pipeline: render (pure). :func:`rewrite_dockerfile` turns a pip image into what uv's
Docker guide recommends, or a uv image back into a plain pip one:

pip -> uv
    uv copied from ``ghcr.io/astral-sh/uv:<pinned>``, ``UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
    UV_PYTHON_DOWNLOADS=0``; dependencies installed before the source with
    ``uv sync --locked --no-install-project`` (``--frozen --no-install-local`` when the project
    has path sources; cache mount for ``/root/.cache/uv``, bind mounts of
    ``uv.lock`` and ``pyproject.toml``), then the source, then ``uv sync --locked``; the WORKDIR's
    ``.venv/bin`` on ``PATH``. ``multistage`` (default for single-stage images) builds in a
    ``builder`` stage and copies the app and its venv into the runtime stage, which keeps USER,
    EXPOSE, HEALTHCHECK, CMD/ENTRYPOINT and every unrelated instruction; ``minimal`` edits in
    place. A venv the image made itself (``python -m venv /opt/venv``) is kept as the project
    environment (``UV_PROJECT_ENVIRONMENT``), so ``COPY --from`` lines that use it still work.

uv -> pip
    the requirements copied first (layer caching), ``pip install --no-cache-dir -r ...``, uv-only
    ENV and COPY lines and mounts removed, ``uv run X`` -> ``X``; the user, ports and command kept.

A ``pip install --prefix/--target`` (the builder-stage pattern with ``COPY --from=builder
/install /usr/local``) fills the same folder from the lock (see :mod:`.shell`), with uv and the
uv.lock/pyproject.toml bind mounts in its stage; a migrated stage's ``CMD``/``ENTRYPOINT``
``poetry run X`` / ``pipenv run X`` becomes ``X``.

Anything not understood (exec-form RUN with pip, ``escape=`` directive, mixed newlines, an
install with ``--root``, a ``pip install --user`` whose user site another stage copies) is left
alone with a diagnostic. :func:`dockerfile_risks` lists the
security and hygiene problems of a Dockerfile for ``analyze``.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace

from toolshift.model import Diagnostic, Origin, Severity
from toolshift.redact import has_literal_credentials, redact_url
from toolshift.rewriters import AdhocPackage, RewriteContext, RewriteResult
from toolshift.rewriters.shell import ShellContext, translate_argv, translate_script

UV_IMAGE = "ghcr.io/astral-sh/uv"
CACHE_MOUNT = "--mount=type=cache,target=/root/.cache/uv"
LOCK_MOUNT = "--mount=type=bind,source=uv.lock,target=uv.lock"
PYPROJECT_MOUNT = "--mount=type=bind,source=pyproject.toml,target=pyproject.toml"
UV_ENV = "UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0"

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(\S.*?)\s*$")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_CONT = re.compile(r"\\[ \t]*$")
_SYSTEM_INSTALL = re.compile(r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^\n]*\b(install|add)\b")
_MANIFEST = re.compile(
    r"^(?:.*/)?(requirements[^/]*\.(txt|in)|requirements/?|constraints[^/]*\.txt|"
    r"pyproject\.toml|uv\.lock|setup\.py|setup\.cfg|poetry\.lock|Pipfile|Pipfile\.lock)$"
)
_UV_SYNC_ONLY = re.compile(r"uv\s+sync(\s+--?[A-Za-z0-9-]+(=\S+)?|\s+[A-Za-z0-9_.-]+)*")


# --------------------------------------------------------------------------- parsing


@dataclass
class Instr:
    """One instruction with the comment lines right above it (``lead``)."""

    lead: list[str]  # comment/blank lines attached above (moved with it)
    text: str  # the instruction's own lines (continuations, heredoc bodies), with newlines
    line: int  # 1-based line of the keyword
    keyword: str
    heredoc: bool = False

    @property
    def body_offset(self) -> int:
        """Offset in ``text`` of the first argument after the keyword and its ``--flags``."""

        return _skip_flags(self.text, len(self.keyword))[1]

    @property
    def flags(self) -> list[str]:
        return _skip_flags(self.text, len(self.keyword))[0]

    @property
    def body(self) -> str:
        return self.text[self.body_offset :].rstrip("\n")

    def logical(self) -> str:
        """The arguments on one line (continuations joined), heredoc bodies excluded."""

        first = self.text.split("\n")
        out: list[str] = []
        for ln in first:
            if ln.lstrip().startswith("#"):
                continue
            m = _CONT.search(ln)
            if m:
                out.append(ln[: m.start()])
                continue
            out.append(ln)
            break
        return " ".join(out)[len(self.keyword) :].strip()


@dataclass
class Parsed:
    head: list[str]  # parser directives and anything above the first instruction
    items: list[Instr]
    tail: list[str]  # trailing comment/blank lines
    directives: dict[str, str] = field(default_factory=dict)


def _skip_flags(text: str, pos: int) -> tuple[list[str], int]:
    flags: list[str] = []
    n = len(text)
    while True:
        # whitespace and line continuations
        while pos < n:
            if text[pos] in " \t":
                pos += 1
            elif text[pos] == "\\" and text[pos + 1 : pos + 2] == "\n":
                pos += 2
            elif text.startswith("\\", pos) and re.match(r"\\[ \t]+\n", text[pos:]):
                pos = text.index("\n", pos) + 1
            else:
                break
        if text.startswith("--", pos):
            end = pos
            while end < n and text[end] not in " \t\n":
                end += 1
            flags.append(text[pos:end])
            pos = end
            continue
        return flags, pos


def parse(text: str) -> Parsed:
    """Split a Dockerfile (``\\n`` newlines) into instructions; raises ValueError if it cannot."""

    lines = text.splitlines(keepends=True)
    head: list[str] = []
    directives: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i].rstrip("\n"))
        if not m or lines[i].strip() == "":
            break
        directives[m.group(1).lower()] = m.group(2)
        head.append(lines[i])
        i += 1
    items: list[Instr] = []
    lead: list[str] = []
    while i < len(lines):
        ln = lines[i]
        s = ln.strip()
        if s == "" or s.startswith("#"):
            lead.append(ln)
            i += 1
            continue
        start = i
        kw_m = re.match(r"^\s*([A-Za-z]+)", ln)
        if not kw_m:
            raise ValueError(f"line {i + 1}: not an instruction")
        keyword = kw_m.group(1).upper()
        # continuation lines (comments and blank lines inside are skipped by Docker)
        cur = ln
        while _CONT.search(cur.rstrip("\n")) and i + 1 < len(lines):
            i += 1
            cur = lines[i]
            while (cur.strip() == "" or cur.strip().startswith("#")) and i + 1 < len(lines):
                i += 1
                cur = lines[i]
        i += 1
        own = "".join(lines[start:i])
        # the keyword may be indented; keep the text as is but measure from the keyword
        heredoc = False
        if keyword in ("RUN", "COPY", "ADD"):
            for hm in _HEREDOC.finditer(own):
                heredoc = True
                strip_tabs, delim = hm.group(1) == "-", hm.group(3)
                while i < len(lines):
                    body_ln = lines[i].rstrip("\n")
                    i += 1
                    if (body_ln.lstrip("\t") if strip_tabs else body_ln) == delim:
                        break
                else:
                    raise ValueError(f"line {start + 1}: heredoc {delim} is not closed")
            own = "".join(lines[start:i])
        indent = len(ln) - len(ln.lstrip())
        if indent:
            # keep indentation inside lead so offsets in text start at the keyword
            lead.append(ln[:indent])
            own = own[indent:]
        items.append(Instr(lead, own, start + 1, keyword, heredoc))
        lead = []
    return Parsed(head, items, lead, directives)


def _render(p: Parsed) -> str:
    out = list(p.head)
    for it in p.items:
        out.extend(it.lead)  # comments, blank lines, an indentation fragment
        out.append(it.text)
    out.extend(p.tail)
    return "".join(out)


# --------------------------------------------------------------------------- helpers


def _from_image(it: Instr) -> tuple[str, str | None]:
    """(image, stage name) of a FROM instruction."""

    words = [w for w in it.logical().split() if not w.startswith("--")]
    image = words[0] if words else ""
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return image, name


def _copy_from(it: Instr) -> str | None:
    for f in it.flags:
        if f.startswith("--from="):
            return f.split("=", 1)[1]
    return None


def _copy_sources(it: Instr) -> list[str] | None:
    """Sources of a COPY/ADD (shell or JSON form); None if it cannot be read."""

    body = it.logical()
    words_part = body
    # strip flags from the logical line
    words: list[str]
    if words_part.lstrip().startswith("["):
        try:
            words = [str(w) for w in json.loads(words_part[words_part.index("[") :])]
        except (ValueError, json.JSONDecodeError):
            return None
    else:
        try:
            words = shlex.split(words_part)
        except ValueError:
            return None
    words = [w for w in words if not w.startswith("--")]
    if len(words) < 2 or it.heredoc:
        return None
    return words[:-1]


def _is_uv_copy(it: Instr) -> bool:
    src = _copy_from(it)
    return it.keyword == "COPY" and bool(src) and str(src).startswith(UV_IMAGE)


def _exec_form(body: str) -> list[str] | None:
    s = body.strip()
    if not s.startswith("["):
        return None
    try:
        val = json.loads(s)
    except json.JSONDecodeError:
        return None
    if isinstance(val, list) and all(isinstance(v, str) for v in val):
        return [str(v) for v in val]
    return None


def _env_pairs(it: Instr) -> list[tuple[str, str]] | None:
    """``ENV K=V K2=V2`` / ``ENV K V`` as pairs; None when the form is not understood."""

    body = it.logical()
    try:
        words = shlex.split(body, posix=True)
    except ValueError:
        return None
    if not words:
        return None
    if "=" not in words[0]:
        return [(words[0], body.split(None, 1)[1] if len(body.split(None, 1)) > 1 else "")]
    pairs = []
    for w in words:
        if "=" not in w:
            return None
        k, v = w.split("=", 1)
        pairs.append((k, v))
    return pairs


def _env_text(pairs: list[tuple[str, str]]) -> str:
    def q(v: str) -> str:
        return v if re.fullmatch(r"[A-Za-z0-9_./:,@+-]*", v) else json.dumps(v)

    return "ENV " + " ".join(f"{k}={q(v)}" for k, v in pairs) + "\n"


def _with_flags(it: Instr, add: list[str], drop: list[str] | None = None) -> Instr:
    """The instruction with extra ``--flags`` (one per continuation line, as uv's guide)."""

    flags = [f for f in it.flags if f not in (drop or [])]
    if CACHE_MOUNT in add:  # the RUN is uv's now: pip's BuildKit cache mount is not used
        flags = [f for f in flags if not (f.startswith("--mount=") and "/.cache/pip" in f)]
    flags += [f for f in add if f not in flags]
    body = it.text[it.body_offset :]
    kw = it.text[: len(it.keyword)]
    if not flags:
        return replace(it, text=f"{kw} {body}")
    text = kw + " " + " \\\n    ".join(flags) + " \\\n    " + body
    return replace(it, text=text)


def _set_body(it: Instr, body: str) -> Instr:
    """Replace the arguments after the flags, keeping the keyword and flags text."""

    end = "\n" if it.text.endswith("\n") else ""
    return replace(it, text=it.text[: it.body_offset] + body + end)


def _new(keyword_line: str, line: int = 0) -> Instr:
    kw = keyword_line.split(None, 1)[0].upper()
    return Instr([], keyword_line if keyword_line.endswith("\n") else keyword_line + "\n", line, kw)


def _heredoc_script(it: Instr) -> tuple[str, str, str] | None:
    """(first line, script, terminator line) of ``RUN <<EOF`` with one plain heredoc."""

    first, _, rest = it.text.partition("\n")
    hm = list(_HEREDOC.finditer(first))
    if len(hm) != 1 or not re.fullmatch(r"\s*<<-?[\"']?\w+[\"']?\s*", first[it.body_offset :]):
        return None
    body_lines = rest.split("\n")
    # rest ends with "DELIM\n" -> [..., "DELIM", ""]
    if len(body_lines) < 2:
        return None
    term = body_lines[-2]
    script = "\n".join(body_lines[:-2]) + ("\n" if len(body_lines) > 2 else "")
    return first + "\n", script, term + "\n"


# --------------------------------------------------------------------------- RUN translation

#: requirements files an export in the Dockerfile writes: base name -> its groups ("" = the
#: runtime set), or None when its selection has no uv sync equivalent
_Exported = dict[str, tuple[str, ...] | None]
_UV_EXPORT = re.compile(r"\buv\s+export\b([^&;|\n]*)")


def _exported_files(items: list[Instr], ctx: RewriteContext) -> _Exported:
    """What each ``poetry export`` (an export stage) writes, as translated to ``uv export``: a
    ``pip install -r`` of that file in another stage then installs the same groups."""

    out: _Exported = {}
    for it in items:
        if it.keyword != "RUN" or not re.search(r"\bpoetry\b[^\n]*\bexport\b", it.text):
            continue
        body = re.sub(r"\\\n", " ", it.body)
        for m in _UV_EXPORT.finditer(translate_script(body, ctx, ShellContext.DOCKER).text):
            try:
                words = shlex.split(m.group(1).split(">")[0])
            except ValueError:
                continue
            target = m.group(1).split(">", 1)[1].strip() if ">" in m.group(1) else ""
            groups: list[str] = [""]
            mirrored = True
            k = 0
            while k < len(words):
                w = words[k]
                if w in ("--output-file", "-o") and k + 1 < len(words):
                    target, k = words[k + 1], k + 1
                elif w == "--group" and k + 1 < len(words):
                    groups.append(words[k + 1])
                    k += 1
                elif w in ("--only-group", "--extra", "--all-extras", "--all-groups"):
                    mirrored = False
                k += 1
            if target:
                out[posixpath.basename(target.split()[0])] = tuple(groups) if mirrored else None
    return out


@dataclass
class _RunInfo:
    new: Instr | None  # None: the RUN has nothing left to do
    changed: bool
    installs: bool
    only_sync: bool  # after translation the RUN is one `uv sync ...` command
    rules: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    adhoc: tuple[AdhocPackage, ...]
    exports: bool = False  # fills a --prefix/--target folder from the lock (uv export)


def _translate_run(
    it: Instr, ctx: RewriteContext, deps_only: bool = False, exported: _Exported | None = None
) -> _RunInfo:
    if it.heredoc:
        parts = _heredoc_script(it)
        if parts is None:
            d = ctx.diag(
                "TS205",
                Severity.WARNING,
                "left alone: a RUN heredoc of this shape is not understood",
                it.line,
                it.text.split("\n")[0],
            )
            return _RunInfo(it, False, False, False, (), (d,), ())
        first, script, term = parts
        res = translate_script(
            script,
            ctx,
            ShellContext.DOCKER,
            line=it.line + 1,
            deps_only=deps_only,
            file_groups=exported,
        )
        new_it: Instr | None = replace(it, text=first + res.text + term)
        if res.dropped:
            new_it = None
        work = [
            ln.strip()
            for ln in res.text.split("\n")
            if ln.strip() and not ln.strip().startswith(("#", "set -", "set -o"))
        ]
        only = len(work) == 1 and bool(_UV_SYNC_ONLY.fullmatch(work[0]))
        return _RunInfo(
            new_it,
            res.text != script,
            res.installs_dependencies,
            only,
            res.rules,
            res.diagnostics,
            res.adhoc_packages,
            res.exports,
        )
    body = it.body
    argv = _exec_form(body)
    if argv is not None:
        t = translate_argv(argv, ctx, ShellContext.DOCKER, line=it.line, deps_only=deps_only)
        if t.argv is None:
            return _RunInfo(
                None, True, t.installs_dependencies, False, t.rules, t.diagnostics, t.adhoc_packages
            )
        if tuple(argv) == t.argv:
            return _RunInfo(
                it, False, t.installs_dependencies, False, t.rules, t.diagnostics, t.adhoc_packages
            )
        new_body = json.dumps(list(t.argv))
        only = len(t.argv) >= 2 and t.argv[:2] == ("uv", "sync")
        return _RunInfo(
            _set_body(it, new_body),
            True,
            t.installs_dependencies,
            only,
            t.rules,
            t.diagnostics,
            t.adhoc_packages,
        )
    if re.search(r"\n[ \t]*#", body):
        # comment lines inside a continuation: Docker drops them before the shell sees the
        # script; a translation would have to splice around them, so only report
        masked = re.sub(r"\n[ \t]*#[^\n]*", "", body)
        probe = translate_script(masked, ctx, ShellContext.DOCKER, line=it.line)
        diags = probe.diagnostics
        if probe.text != masked:
            diags = (
                *diags,
                ctx.diag(
                    "TS205",
                    Severity.WARNING,
                    "left alone: comment lines inside this RUN's continuation lines",
                    it.line,
                    it.text.split("\n")[0],
                    hint="move the comments above the RUN, then run toolshift again",
                ),
            )
        return _RunInfo(it, False, probe.installs_dependencies, False, (), diags, ())
    res = translate_script(
        body, ctx, ShellContext.DOCKER, line=it.line, deps_only=deps_only, file_groups=exported
    )
    joined = re.sub(r"\\\n\s*", " ", res.text).strip()
    only = bool(_UV_SYNC_ONLY.fullmatch(joined))
    if res.dropped:
        return _RunInfo(
            None,
            True,
            res.installs_dependencies,
            False,
            res.rules,
            res.diagnostics,
            res.adhoc_packages,
        )
    text = res.text
    if res.exports and "\n" not in text:
        # uv export ... && uv pip install ...: one command a line, as the flags above it
        text = text.replace(" && uv pip install --", " \\\n    && uv pip install --", 1)
    new = _set_body(it, text) if res.text != body else it
    return _RunInfo(
        new,
        res.text != body,
        res.installs_dependencies,
        only,
        res.rules,
        res.diagnostics,
        res.adhoc_packages,
        res.exports,
    )


# --------------------------------------------------------------------------- stages


@dataclass
class Stage:
    start: int  # index of FROM in items
    end: int  # exclusive
    image: str
    name: str | None


def _stages(items: list[Instr]) -> list[Stage]:
    out: list[Stage] = []
    for i, it in enumerate(items):
        if it.keyword == "FROM":
            if out:
                out[-1].end = i
            image, name = _from_image(it)
            out.append(Stage(i, len(items), image, name))
    return out


def _venv_path(items: list[Instr], workdir: str) -> str | None:
    """A venv the image creates itself: ``python -m venv /opt/venv`` (absolute path)."""

    for it in items:
        if it.keyword != "RUN":
            continue
        m = re.search(r"\bpython[\d.]*\s+-m\s+venv\s+(?:--?\S+\s+)*([^\s;&|]+)", it.text)
        if m:
            p = m.group(1)
            return p if p.startswith(("/", "$")) else posixpath.normpath(posixpath.join(workdir, p))
    for it in items:
        if it.keyword == "ENV":
            for k, v in _env_pairs(it) or []:
                if k in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT") and v.startswith("/"):
                    return v
    return None


def _path_has(items: list[Instr], venv: str) -> bool:
    for it in items:
        if it.keyword == "ENV":
            for k, v in _env_pairs(it) or []:
                if k == "PATH" and (f"{venv}/bin" in v or "$VIRTUAL_ENV/bin" in v):
                    return True
    return False


# --------------------------------------------------------------------------- pip -> uv


@dataclass
class _Acc:
    rules: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    adhoc: list[AdhocPackage] = field(default_factory=list)

    def rule(self, *rs: str) -> None:
        for r in rs:
            if r not in self.rules:
                self.rules.append(r)

    def take(self, info: _RunInfo) -> None:
        self.rule(*info.rules)
        self.diagnostics.extend(info.diagnostics)
        self.adhoc.extend(info.adhoc)


def _is_source_copy(it: Instr) -> bool:
    return it.keyword in ("COPY", "ADD") and _copy_from(it) is None and not _is_manifest_copy(it)


def _is_manifest_copy(it: Instr) -> bool:
    if it.keyword not in ("COPY", "ADD") or _copy_from(it) is not None:
        return False
    srcs = _copy_sources(it)
    return bool(srcs) and all(_MANIFEST.match(s.rstrip("/")) for s in srcs or [])


@dataclass
class _StagePlan:
    """pip -> uv edits of one stage, in order, with each item's role."""

    items: list[tuple[str, Instr]]  # (role, instr); roles: from, uv, dep, src, path, keep
    workdir: str
    venv: str  # absolute path of the project environment
    mixed_dep: bool  # a dependency RUN also runs other commands
    syncs: bool = True  # installs the project environment (not only --prefix/--target folders)


_PIP_INDEX_VARS = re.compile(
    r"\b(PIP_(?:INDEX_URL|EXTRA_INDEX_URL|FIND_LINKS|TRUSTED_HOST|CERT|CLIENT_CERT))\b"
)


def _pip_settings_note(items: list[Instr], ctx: RewriteContext, acc: _Acc) -> None:
    """``ARG PIP_INDEX_URL`` / ``ENV PIP_EXTRA_INDEX_URL=...`` fed pip the (private) index and
    its credentials for this build; uv reads none of them."""

    for it in items:
        if it.keyword not in ("ARG", "ENV"):
            continue
        names = sorted(set(_PIP_INDEX_VARS.findall(it.logical())))
        if not names:
            continue
        acc.diagnostics.append(
            ctx.diag(
                "TS201",
                Severity.WARNING,
                f"{it.keyword} {', '.join(names)} gave pip its index for this build; uv does not "
                "read PIP_* variables: uv sync --locked takes the indexes recorded in uv.lock",
                it.line,
                it.text.split("\n")[0],
                hint="pass the index credentials as build secrets named "
                "UV_INDEX_<NAME>_USERNAME / UV_INDEX_<NAME>_PASSWORD ([[tool.uv.index]] names) "
                "and drop the PIP_* build arguments (also in compose files and CI)",
            )
        )


def _plan_stage_to_uv(
    items: list[Instr],
    ctx: RewriteContext,
    acc: _Acc,
    inherit: bool,
    exported: _Exported | None = None,
) -> _StagePlan | None:
    """Minimal in-place pip -> uv edits of one stage; None if it has nothing to change."""

    infos: dict[int, _RunInfo] = {}
    for i, it in enumerate(items):
        if it.keyword == "RUN":
            infos[i] = _translate_run(it, ctx, exported=exported)
    dep_idx = [i for i, inf in infos.items() if inf.installs and inf.changed]
    # pip install --prefix/--target: a folder filled from the lock, not the project environment
    exp_idx = [i for i, inf in infos.items() if inf.exports and inf.changed]
    first_use = min(dep_idx + exp_idx, default=None)
    if any(
        d.message.startswith("left alone") and d.severity is Severity.WARNING
        for inf in infos.values()
        for d in inf.diagnostics
    ):
        # one install could not be translated: half a migration would be worse than none
        for inf in infos.values():
            acc.diagnostics.extend(inf.diagnostics)
        return None
    if not any(inf.changed for inf in infos.values()):
        for inf in infos.values():
            acc.diagnostics.extend(inf.diagnostics)
        return None
    # workdir in effect at the first dependency install
    first_dep = dep_idx[0] if dep_idx else None
    workdir = ""
    for i, it in enumerate(items):
        if first_dep is not None and i > first_dep:
            break
        if it.keyword == "WORKDIR":
            w = it.logical().strip().strip('"')
            workdir = w if w.startswith(("/", "$")) else posixpath.join(workdir or "/", w)
    if first_dep is not None and not workdir:
        acc.diagnostics.append(
            ctx.diag(
                "TS202",
                Severity.WARNING,
                "left alone: the dependencies are installed without a WORKDIR, so there is no "
                "project folder for uv sync",
                items[first_dep].line,
                items[first_dep].text.split("\n")[0],
                hint="add `WORKDIR /app` before the install, then run toolshift again",
            )
        )
        return None
    venv = _venv_path(items, workdir) or posixpath.join(workdir or "/app", ".venv")
    custom_venv = venv != posixpath.join(workdir or "/app", ".venv")
    if first_dep is not None:
        _pip_settings_note(items[:first_dep], ctx, acc)

    out: list[tuple[str, Instr]] = []
    src_idx = [i for i, it in enumerate(items) if _is_source_copy(it)]
    first_src = src_idx[0] if src_idx else None
    has_uv = any(_is_uv_copy(it) for it in items)
    # uv itself is only needed when something in the stage now runs it
    needs_uv = first_dep is not None or any(
        inf.new is not None and re.search(r"(^|[\s;&|(])uv\s", inf.new.body)
        for inf in infos.values()
        if inf.changed
    )
    # the final sync needs pyproject.toml and uv.lock: from the source copy, or bind-mounted,
    # as the stage is at that RUN: a `COPY . .` further down does not count
    copy_all_at = [
        i for i in src_idx if any(s.rstrip("/") in (".", "") for s in _copy_sources(items[i]) or [])
    ]
    folder_mounts = [f"--mount=type=bind,source={d},target={d}" for d in ctx.input_folders]
    deps_mounts = [CACHE_MOUNT, LOCK_MOUNT, PYPROJECT_MOUNT, *folder_mounts]

    def mounts_at(i: int, *, including: bool = False) -> list[str]:
        copied = any(j < i or (including and j == i) for j in copy_all_at)
        return [CACHE_MOUNT] if copied else deps_mounts

    has_uv_env = any(it.keyword == "ENV" and "UV_COMPILE_BYTECODE" in it.text for it in items)
    mixed = False
    final_done = False
    deps_done = False
    path_done = _path_has(items, venv)
    last_sync_pos: int | None = None
    pending_lead: list[str] = []

    for i, it in enumerate(items):
        if pending_lead and it is not None:
            it = replace(it, lead=_squeeze(pending_lead + it.lead))
            pending_lead = []
        if i == 0 and it.keyword == "FROM":
            out.append(("from", it))
            if not inherit and needs_uv:
                if not has_uv:
                    out.append(
                        ("uv", _new(f"COPY --from={UV_IMAGE}:{ctx.uv_version} /uv /uvx /bin/"))
                    )
                if not has_uv_env:
                    env = UV_ENV + (f" UV_PROJECT_ENVIRONMENT={venv}" if custom_venv else "")
                    out.append(("uv", _new(f"ENV {env}")))
                acc.rule("TS201")
            continue
        if first_use is not None and _is_manifest_copy(it) and i < first_use:
            pending_lead = it.lead  # the comment above describes the install that follows
            acc.rule("TS202")
            continue
        if (
            first_dep is not None
            and not deps_done
            and first_src is not None
            and i == first_src
            and first_src < first_dep
        ):
            # the source is copied before the dependencies: install them first
            run = _deps_run(_sync_flags(infos[first_dep]), folder_mounts)
            out.append(("dep", _local_deps_later(run, ctx)))
            deps_done = True
            acc.rule("TS202")
        if i in infos:
            inf = infos[i]
            if i == first_dep and not deps_done:
                inf = _translate_run(it, ctx, deps_only=True, exported=exported)
                acc.take(inf)
                if inf.new is not None:
                    out.append(("dep", _local_deps_later(_with_flags(inf.new, deps_mounts), ctx)))
                    mixed = mixed or not inf.only_sync
                else:  # only ad hoc installs: their packages now come with the project
                    run = _local_deps_later(_deps_run(" --no-dev", folder_mounts), ctx)
                    out.append(("dep", replace(run, lead=it.lead)))
                last_sync_pos = len(out) - 1
                deps_done = True
                acc.rule("TS202")
                continue
            acc.take(inf)
            if inf.exports and inf.changed and inf.new is not None and not inf.installs:
                # uv export reads uv.lock and pyproject.toml: bind-mounted unless copied
                out.append(("keep", _with_flags(replace(inf.new, lead=it.lead), mounts_at(i))))
                continue
            if inf.installs and inf.changed:
                if inf.new is not None:
                    out.append(("dep", _with_flags(inf.new, mounts_at(i))))
                    mixed = mixed or not inf.only_sync
                    last_sync_pos = len(out) - 1
                    final_done = final_done or (first_src is not None and i > first_src)
                else:
                    pending_lead = _orphan_lead(it.lead)
                continue
            if inf.new is not None:
                out.append(("keep", inf.new))
            else:
                pending_lead = _orphan_lead(it.lead)
            continue
        if _is_source_copy(it) and first_dep is not None:
            out.append(("src", it))
            # the final sync goes after the last source copy that precedes other work
            if i == src_idx[-1] and not final_done and not any(j > i for j in dep_idx):
                flags = _sync_flags(infos[first_dep])
                mounts = " \\\n    ".join(mounts_at(i, including=True))
                out.append(("dep", _new(f"RUN {mounts} \\\n    uv sync --locked{flags}")))
                final_done = True
                last_sync_pos = len(out) - 1
            continue
        if it.keyword in ("CMD", "ENTRYPOINT"):
            it = _translate_start(it, ctx, acc)
        out.append(("keep", it))
    if pending_lead:
        out.append(("keep", Instr(pending_lead, "", 0, "")))  # comments of a dropped last line
    if first_dep is None:
        # nothing installs the project environment here: only command lines changed
        return _StagePlan(out, workdir, venv, mixed, syncs=False)
    if not path_done and last_sync_pos is not None:
        out.insert(last_sync_pos + 1, ("path", _new(f'ENV PATH="{venv}/bin:$PATH"')))
    if custom_venv:
        acc.diagnostics.append(
            ctx.diag(
                "TS202",
                Severity.INFO,
                f"the image's own virtual environment {venv} is kept as uv's project "
                "environment (UV_PROJECT_ENVIRONMENT)",
                items[0].line,
            )
        )
    return _StagePlan(out, workdir, venv, mixed)


_PIP_USER = re.compile(r"\bpip[\d.]*\s+install\b[^\n]*?\s--user\b")
_USER_SITE = re.compile(r"(?:^|/|~|\$\{?HOME\}?)/?\.local(?:/|$)")


def _user_site_copied(
    items: list[Instr], stages: list[Stage], ctx: RewriteContext
) -> list[Diagnostic]:
    """A ``pip install --user`` in a stage whose user site (``/root/.local``) another stage
    copies: one warning for each such install."""

    copied: dict[str, str] = {}  # stage name or index -> the path copied from it
    for it in items:
        src = _copy_from(it) if it.keyword in ("COPY", "ADD") else None
        if not src:
            continue
        for path in _copy_sources(it) or []:
            if _USER_SITE.search(path):
                copied.setdefault(src, path)
    out: list[Diagnostic] = []
    for n, st in enumerate(stages):
        site = copied.get(st.name or "") or copied.get(str(n))
        if site is None:
            continue
        for it in items[st.start : st.end]:
            text = re.sub(r"\\\n", " ", it.text)
            if it.keyword == "RUN" and _PIP_USER.search(text):
                out.append(
                    ctx.diag(
                        "TS205",
                        Severity.WARNING,
                        "left alone: `pip install --user` fills the user site that another stage "
                        f"copies ({site}); uv has no --user (uv sync installs into the "
                        "project's .venv)",
                        it.line,
                        it.text.split("\n")[0],
                        hint="install with --prefix /install and COPY --from=... /install "
                        "/usr/local (toolshift translates that), or move to uv sync and copy "
                        "the .venv by hand",
                    )
                )
    return out


def _translate_start(it: Instr, ctx: RewriteContext, acc: _Acc) -> Instr:
    """CMD/ENTRYPOINT of a migrated stage, as the container starts it: ``poetry run X`` and
    ``pipenv run X`` become ``X`` (the image has neither tool any more; the project's .venv is
    on PATH), an install of the requirements at start is dropped."""

    argv = _exec_form(it.body)
    if argv is not None:
        t = translate_argv(argv, ctx, ShellContext.RUNTIME, line=it.line)
        acc.diagnostics.extend(t.diagnostics)
        if t.argv and t.argv != tuple(argv):
            acc.rule("TS206")
            return _set_body(it, json.dumps(list(t.argv)))
        return it
    if "\n" in it.body:
        return it  # continuation lines: the shell form is kept as written
    res = translate_script(it.body, ctx, ShellContext.RUNTIME, line=it.line)
    acc.diagnostics.extend(res.diagnostics)
    if res.text != it.body and not res.dropped:
        acc.rule("TS206")
        return _set_body(it, res.text)
    return it


_RUNS_UV = re.compile(r"(^|[\s;&|(])uv\s")


def _runs_on_the_build(plan: _StagePlan) -> Instr | None:
    """A kept RUN that a builder/runtime split would break: one between the dependency install
    and the last source copy (it would run in the runtime stage before the environment is
    copied there), or one that runs uv (the runtime stage has none)."""

    roles = plan.items
    deps = [i for i, (r, _) in enumerate(roles) if r == "dep"]
    last_build = max(i for i, (r, _) in enumerate(roles) if r in ("dep", "src"))
    for i, (role, it) in enumerate(roles):
        if role != "keep" or it.keyword != "RUN":
            continue
        if (deps and deps[0] < i < last_build) or _RUNS_UV.search(it.body):
            return it
    return None


def _deps_run(flags: str, extra_mounts: list[str] | None = None) -> Instr:
    """The deps-only RUN of uv's Docker guide, with the group flags of the original install."""

    mounts = " \\\n    ".join([CACHE_MOUNT, LOCK_MOUNT, PYPROJECT_MOUNT, *(extra_mounts or [])])
    return _new(f"RUN {mounts} \\\n    uv sync --locked --no-install-project{flags}")


def _local_deps_later(it: Instr, ctx: RewriteContext) -> Instr:
    """A deps-only ``uv sync --locked --no-install-project`` of a project with path sources
    becomes ``uv sync --frozen --no-install-local``: uv installs path dependencies even under
    --no-install-project, and --locked reads their metadata, but neither folder is copied yet
    (uv's Docker guide, intermediate layers). The final ``uv sync --locked`` checks the lock."""

    if not ctx.has_path_sources or not re.search(r"--no-install-(?:project|local)\b", it.text):
        return it
    text = re.sub(r"\buv sync --locked\b", "uv sync --frozen", it.text)
    text = text.replace("--no-install-project", "--no-install-local")
    while text.count("--no-install-local") > 1:  # poetry install --no-root --no-directory
        text = "".join(text.rsplit(" --no-install-local", 1))
    return replace(it, text=text)


def _sync_flags(inf: _RunInfo) -> str:
    """The group flags (`` --no-dev``, `` --group x``) of the sync a RUN was translated to."""

    if inf.new is None:
        return " --no-dev"
    m = re.search(
        r"uv sync --locked((?:\s+--(?:no-install-project|no-install-local|no-dev"
        r"|no-default-groups|inexact|all-extras|all-groups|compile-bytecode|reinstall|no-build"
        r"|no-binary|no-build-isolation"
        r"|(?:only-group|no-group|group|extra|no-build-package|no-binary-package|config-setting)"
        r"\s+\S+)(?![\w-]))*)",
        inf.new.text,
    )
    if not m:
        return " --no-dev"
    # the final sync installs the project and its local packages: the source is there now
    return re.sub(r"\s+--no-install-(?:project|local)\b", "", m.group(1))


_UV_FROM = re.compile(r"--from=(ghcr\.io/astral-sh/uv)(?::([^\s@]+))?(@sha256:[0-9a-f]+)?")


def _pin_uv_images(items: list[Instr], ctx: RewriteContext, acc: _Acc) -> list[Instr]:
    """``COPY --from=ghcr.io/astral-sh/uv:latest`` (or no tag) pinned to ``ctx.uv_version``."""

    out = list(items)
    changed = False
    for n, it in enumerate(items):
        if not _is_uv_copy(it):
            continue
        m = _UV_FROM.search(it.text)
        if not m or m.group(3) or (m.group(2) and re.match(r"\d+\.\d+", m.group(2))):
            continue
        new = it.text[: m.start()] + f"--from={UV_IMAGE}:{ctx.uv_version}" + it.text[m.end() :]
        out[n] = replace(it, text=new)
        changed = True
        acc.rule("TS201")
        acc.diagnostics.append(
            ctx.diag(
                "TS201",
                Severity.INFO,
                f"pinned the uv image to {ctx.uv_version} (was {m.group(2) or 'untagged'})",
                it.line,
                it.text.split("\n")[0],
            )
        )
    return out if changed else items


def _to_uv(p: Parsed, ctx: RewriteContext, acc: _Acc) -> Parsed:
    stages = _stages(p.items)
    if not stages:
        return p
    original = p
    user_site = _user_site_copied(p.items, stages, ctx)
    if user_site:
        # uv has no --user: uv sync fills the project's .venv, and the COPY --from of the user
        # site would find nothing; half a migration would be worse than none
        acc.diagnostics.extend(user_site)
        return original
    p = Parsed(p.head, _pin_uv_images(p.items, ctx, acc), p.tail, p.directives)
    names = {s.name for s in stages if s.name}
    exported = _exported_files(p.items, ctx)
    plans: list[tuple[Stage, _StagePlan | None]] = []
    for st in stages:
        inherit = st.image in names
        stage = p.items[st.start : st.end]
        plans.append((st, _plan_stage_to_uv(stage, ctx, acc, inherit, exported)))
    if all(pl is None for _, pl in plans):
        return p
    if any(
        d.message.startswith("left alone") and d.severity is Severity.WARNING
        for d in acc.diagnostics
    ):
        # one stage could not be migrated: changing the others would leave a half-migrated image
        return original
    single = len(stages) == 1
    plan = plans[0][1]
    use_multi = ctx.docker_mode == "multistage" and single and plan is not None
    if use_multi and plan is not None and plan.mixed_dep:
        acc.diagnostics.append(
            ctx.diag(
                "TS203",
                Severity.INFO,
                "kept a single stage: the dependency install shares its RUN with other commands",
                p.items[0].line,
                hint="split that RUN, then run toolshift again for a builder/runtime split",
            )
        )
        use_multi = False
    if use_multi and plan is not None and not any(r == "dep" for r, _ in plan.items):
        use_multi = False
    needs_build = _runs_on_the_build(plan) if use_multi and plan is not None else None
    if needs_build is not None:
        acc.diagnostics.append(
            ctx.diag(
                "TS203",
                Severity.INFO,
                "kept a single stage: this RUN needs the installed dependencies or uv, which the "
                "runtime stage of a builder/runtime split would not have at that point",
                needs_build.line,
                needs_build.text.split("\n")[0],
                hint="move it after the source copy or into a builder stage by hand",
            )
        )
        use_multi = False
    if use_multi and plan is not None and plans[0][0].name == "builder":
        use_multi = False
    items: list[Instr] = []
    items.extend(p.items[: stages[0].start])
    if use_multi and plan is not None:
        items.extend(_multistage(plan, ctx, acc))
    else:
        for st, pl in plans:
            if pl is None:
                items.extend(p.items[st.start : st.end])
            else:
                items.extend(it for _, it in pl.items)
    if len(stages) > 1 and any(pl is not None and pl.syncs for _, pl in plans):
        acc.diagnostics.append(
            ctx.diag(
                "TS202",
                Severity.INFO,
                "multi-stage image changed in place; check that COPY --from lines still find "
                "the environment (the project venv is "
                + ", ".join(sorted({pl.venv for _, pl in plans if pl is not None and pl.syncs}))
                + ")",
            )
        )
    items = [_tool_lock_copy(it, acc) for it in items]
    return Parsed(p.head, items, p.tail, p.directives)


# Poetry's and Pipenv's files in a COPY: the migration replaces them with uv's
_TOOL_FILE_SRC = re.compile(r"(?<=[\s/])(poetry\.lock\*?|Pipfile\.lock\*?|Pipfile)(?=[\s\]\\])")


def _tool_lock_copy(it: Instr, acc: _Acc) -> Instr:
    """``COPY pyproject.toml poetry.lock* ./`` -> ``COPY pyproject.toml uv.lock ./``
    (``Pipfile`` -> ``pyproject.toml``): the old files are deleted, a stage that still copies
    them (an export stage) needs uv's."""

    if it.keyword not in ("COPY", "ADD") or _copy_from(it) is not None:
        return it
    srcs = _copy_sources(it) or []
    if not any(_TOOL_FILE_SRC.search(" " + s + " ") for s in srcs):
        return it
    text = _TOOL_FILE_SRC.sub(
        lambda m: "pyproject.toml" if m.group(1) == "Pipfile" else "uv.lock", it.text
    )
    # `COPY Pipfile pyproject.toml ./` must not name a file twice
    words = text.split(" ")
    seen: set[str] = set()
    kept = []
    for w in words:
        base = w.rstrip("\n").removeprefix("./")
        if base in ("pyproject.toml", "uv.lock") and base in seen:
            continue
        seen.add(base)
        kept.append(w)
    acc.rule("TS202")
    return replace(it, text=" ".join(kept))


_RUNTIME_ONLY = frozenset(
    {
        "USER",
        "EXPOSE",
        "HEALTHCHECK",
        "CMD",
        "ENTRYPOINT",
        "LABEL",
        "VOLUME",
        "STOPSIGNAL",
        "ONBUILD",
        "MAINTAINER",
    }
)


def _strip_chown(it: Instr) -> Instr:
    flags = [f for f in it.flags if f.startswith(("--chown", "--chmod"))]
    if not flags:
        return it
    return _with_flags(it, [], drop=flags) if len(it.flags) > len(flags) else _plain(it, flags)


def _plain(it: Instr, drop: list[str]) -> Instr:
    body = it.text[it.body_offset :]
    kw = it.text[: len(it.keyword)]
    rest = [f for f in it.flags if f not in drop]
    return replace(it, text=kw + " " + "".join(f + " " for f in rest) + body)


def _literal_credential(text: str) -> bool:
    return any(
        has_literal_credentials(u) for u in re.findall(r"[A-Za-z][\w+.-]*://[^\s\"']+", text)
    )


def _multistage(plan: _StagePlan, ctx: RewriteContext, acc: _Acc) -> list[Instr]:
    roles = plan.items
    last_build = max(i for i, (r, _) in enumerate(roles) if r in ("dep", "src"))
    first_dep = min(i for i, (r, _) in enumerate(roles) if r == "dep")
    from_it = roles[0][1]
    builder: list[Instr] = []
    runtime: list[Instr] = []
    fl = re.sub(r"\s+[Aa][Ss]\s+\S+\s*$", "", from_it.text.rstrip("\n"))
    builder.append(replace(from_it, text=fl + " AS builder\n"))
    dup_system = False
    chown = ""
    for i, (role, it) in enumerate(roles[1:], start=1):
        if role == "uv":
            builder.append(it)
            continue
        if role in ("dep", "src"):
            if role == "src":
                for f in it.flags:
                    if f.startswith("--chown="):
                        chown = f
                builder.append(_strip_chown(it))
            else:
                builder.append(it)
            continue
        if role == "path":
            continue
        if i < last_build:
            if it.keyword in ("ARG", "ENV") and _literal_credential(it.text):
                # never write a secret in one more place: the builder stage is toolshift's
                acc.diagnostics.append(
                    ctx.diag(
                        "TS203",
                        Severity.WARNING,
                        f"the {it.keyword} with a password or token in a URL was not copied into "
                        "the builder stage (it stays where you wrote it); it is baked into the "
                        "image's layers",
                        it.line,
                        hint="pass it at build time as a secret (RUN --mount=type=secret) and "
                        "give uv its index credentials as UV_INDEX_<NAME>_USERNAME/_PASSWORD",
                    )
                )
            elif it.keyword in ("ARG", "ENV", "WORKDIR", "SHELL"):
                builder.append(it)
            elif it.keyword == "RUN" and i < first_dep and _SYSTEM_INSTALL.search(it.text):
                builder.append(it)
                dup_system = True
        runtime.append(it)
    # runtime: the original FROM, the kept instructions, the app copied from the builder
    pos = sum(
        1
        for i, (r, _) in enumerate(roles[1:], start=1)
        if i < last_build and r not in ("uv", "dep", "src", "path")
    )
    copy_line = f"COPY --from=builder{' ' + chown if chown else ''} {plan.workdir} {plan.workdir}"
    added = [replace(_new(copy_line), lead=["\n"])]
    if not plan.venv.startswith(plan.workdir.rstrip("/") + "/"):
        added.append(
            _new(f"COPY --from=builder{' ' + chown if chown else ''} {plan.venv} {plan.venv}")
        )
    if not _path_has([it for r, it in roles if r != "path"], plan.venv):
        added.append(_new(f'ENV PATH="{plan.venv}/bin:$PATH"'))
    runtime[pos:pos] = added
    runtime_from = replace(from_it, lead=["\n"] if from_it.lead == [] else from_it.lead)
    if from_it.lead:
        builder[0] = replace(builder[0], lead=from_it.lead)
        runtime_from = replace(from_it, lead=["\n"])
    acc.rule("TS203")
    if dup_system:
        acc.diagnostics.append(
            ctx.diag(
                "TS203",
                Severity.INFO,
                "system packages are installed in both stages; drop build-only ones (compilers, "
                "-dev headers) from the runtime stage",
                from_it.line,
            )
        )
    # blank lines around removed instructions: no doubled blank lines in the runtime stage
    cleaned: list[Instr] = []
    for it in runtime:
        lead = _squeeze(it.lead)
        cleaned.append(replace(it, lead=lead))
    return [*builder, runtime_from, *cleaned]


def _orphan_lead(lead: list[str]) -> list[str]:
    """What stays of a removed instruction's lead: the comment lines right above it go too."""

    out = list(lead)
    while out and out[-1].lstrip().startswith("#"):
        out.pop()
    return out


def _squeeze(lead: list[str]) -> list[str]:
    out: list[str] = []
    for ln in lead:
        if (
            ln.strip() == ""
            and ln.endswith("\n")
            and out
            and out[-1].strip() == ""
            and out[-1].endswith("\n")
        ):
            continue
        out.append(ln)
    return out


# --------------------------------------------------------------------------- uv -> pip


def _to_pip(p: Parsed, ctx: RewriteContext, acc: _Acc) -> Parsed:
    stages = _stages(p.items)
    if not stages:
        return p
    copied_from: set[str] = set()
    for it in p.items:
        src = _copy_from(it) if it.keyword == "COPY" else None
        if src and not src.startswith(UV_IMAGE):
            copied_from.add(src)
    items: list[Instr] = list(p.items[: stages[0].start])
    for n, st in enumerate(stages):
        stage_items = p.items[st.start : st.end]
        venv_mode = (st.name in copied_from) or (str(n) in copied_from)
        items.extend(_stage_to_pip(stage_items, ctx, acc, venv_mode, keep_path=bool(copied_from)))
    return Parsed(p.head, items, p.tail, p.directives)


def _stage_to_pip(
    items: list[Instr], ctx: RewriteContext, acc: _Acc, venv_mode: bool, keep_path: bool
) -> list[Instr]:
    out: list[Instr] = []
    workdir = "/"
    has_workdir = False
    venv: str | None = None
    synced = False
    copied_all = False
    pending_lead: list[str] = []
    for it in items:
        if pending_lead:
            it = replace(it, lead=_squeeze(pending_lead + it.lead))
            pending_lead = []
        if it.keyword == "RUN" and "uv sync" in it.text and "--no-install-local" in it.text:
            # a deps-only sync of a project with path sources (_local_deps_later): for pip it is
            # the dependencies without the project, as --no-install-project says
            text = it.text.replace("--no-install-local", "--no-install-project")
            if text.count("--no-install-project") > 1:
                text = re.sub(r"\s+--no-install-project\b", "", text, count=1)
            it = replace(it, text=text)
        kw = it.keyword
        if kw == "WORKDIR":
            w = it.logical().strip().strip('"')
            workdir = w if w.startswith(("/", "$")) else posixpath.join(workdir, w)
            has_workdir = True
        if _is_source_copy(it) and any(
            s.rstrip("/") in (".", "") for s in (_copy_sources(it) or [])
        ):
            copied_all = True  # the requirements files are in the WORKDIR already
        if _is_uv_copy(it):
            acc.rule("TS204")
            pending_lead = _orphan_lead(it.lead)
            continue
        if _is_manifest_copy(it) and not it.text.lstrip().upper().startswith(("COPY [", "ADD [")):
            # uv.lock goes with the migration, and pyproject.toml too unless the project is a
            # package: a COPY of them would fail the build; pip reads the requirements files
            srcs = _copy_sources(it) or []
            gone = {"uv.lock"} | (set() if ctx.is_package else {"pyproject.toml"})
            keep = [x for x in srcs if posixpath.basename(x.rstrip("/")) not in gone]
            if keep != srcs:
                acc.rule("TS204")
                if not keep:
                    pending_lead = _orphan_lead(it.lead)
                    continue
                flags = it.flags
                dest = it.logical().split()[-1]
                head = " ".join([kw, *flags, *keep, dest])
                it = replace(it, text=head + "\n")
        if kw == "ENV":
            pairs = _env_pairs(it)
            if pairs is None:
                out.append(it)
                continue
            for k, v in pairs:
                if k == "UV_PROJECT_ENVIRONMENT":
                    venv = v
            kept = [(k, v) for k, v in pairs if not k.startswith("UV_")]
            if not keep_path:
                kept = [
                    (k, v)
                    for k, v in kept
                    if not (
                        (k == "PATH" and ".venv/bin" in v)
                        or (venv and k == "PATH" and f"{venv}/bin" in v)
                    )
                ]
            if kept != pairs:
                acc.rule("TS204")
                if not kept:
                    pending_lead = _orphan_lead(it.lead)
                    continue
                it = replace(it, text=_env_text(kept))
            out.append(it)
            continue
        if kw == "RUN":
            inf = _translate_run(it, ctx)
            acc.take(inf)
            if inf.new is None:
                pending_lead = _orphan_lead(it.lead)
                continue
            new = inf.new
            uv_mounts = [
                f
                for f in new.flags
                if f.startswith("--mount=")
                and ("/root/.cache/uv" in f or "uv.lock" in f or "pyproject.toml" in f)
            ]
            if uv_mounts:
                new = (
                    _plain(new, uv_mounts)
                    if len(new.flags) == len(uv_mounts)
                    else _with_flags(new, [], drop=uv_mounts)
                )
            if inf.exports and inf.changed:
                # pip install --prefix/--target DIR -r files: the files are copied first; no
                # WORKDIR (an AWS Lambda image) -> an absolute place for them
                acc.rule("TS204")
                files = list(dict.fromkeys(re.findall(r"-r\s+(\S+)", new.text)))
                if files and not copied_all:
                    dest = "./" if has_workdir else "/tmp/"
                    if not has_workdir:
                        for f in files:
                            new = replace(new, text=new.text.replace(f"-r {f}", f"-r /tmp/{f}", 1))
                    out.append(replace(_new(f"COPY {' '.join(files)} {dest}"), lead=new.lead))
                    new = replace(new, lead=[])
                out.append(new)
                continue
            if inf.installs and inf.changed:
                acc.rule("TS204")
                if (
                    not synced
                    and ctx.is_package
                    and "--no-install-project" in it.text
                    and _is_plain_pip(new.body)
                ):
                    # requirements.txt installs the project itself (`-e .`), which needs the
                    # source: the install moves after the source copy (the next uv sync)
                    pending_lead = _orphan_lead(it.lead)
                    acc.diagnostics.append(
                        ctx.diag(
                            "TS204",
                            Severity.INFO,
                            "the dependencies are now installed after the source is copied: "
                            "requirements.txt installs the project itself",
                            it.line,
                            it.text.split("\n")[0],
                        )
                    )
                    continue
                files = re.findall(r"-r\s+(\S+)", new.text)
                if files and ctx.group_files_include_runtime:
                    files = [ctx.runtime_requirements, *files]  # group files `-r` it
                if synced:
                    # the second `uv sync` after the source copy: only the project is left
                    if ctx.is_package:
                        new = _set_body(new, "pip install --no-cache-dir --no-deps .")
                    elif _is_plain_pip(new.body):
                        pending_lead = _orphan_lead(new.lead)
                        continue
                else:
                    copy = None
                    if files and not copied_all:
                        if ctx.is_package:
                            # requirements.txt installs the project (`-e .`): pip reads its
                            # metadata, which the uv image bind-mounted and never copied
                            files = [*files, *ctx.metadata_files]
                        copy = _new("COPY " + " ".join(dict.fromkeys(files)) + " ./")
                    if copy is not None:
                        copy = replace(copy, lead=new.lead)
                        new = replace(new, lead=[])
                        out.append(copy)
                    if venv_mode:
                        target = venv or posixpath.join(workdir, ".venv")
                        venv = target
                        pip = new.body.replace("pip install", f"{target}/bin/pip install", 1)
                        new = _set_body(new, f"python -m venv {target} && {pip}")
                synced = True
            out.append(new)
            continue
        if kw in ("CMD", "ENTRYPOINT"):
            out.append(_translate_cmd(it, ctx, acc))
            continue
        out.append(it)
    if pending_lead:
        out.append(Instr(pending_lead, "", 0, ""))  # comments of a dropped last line
    return out


def _is_plain_pip(body: str) -> bool:
    return bool(re.fullmatch(r"pip install( --no-cache-dir)?( -r \S+)+", body.strip()))


def _translate_cmd(it: Instr, ctx: RewriteContext, acc: _Acc) -> Instr:
    argv = _exec_form(it.body)
    if argv is not None:
        t = translate_argv(argv, ctx, ShellContext.DOCKER, line=it.line)
        if t.argv is not None and t.argv != tuple(argv):
            acc.rule("TS206")
            acc.diagnostics.extend(t.diagnostics)
            return _set_body(it, json.dumps(list(t.argv)))
        acc.diagnostics.extend(t.diagnostics)
        return it
    res = translate_script(it.body, ctx, ShellContext.DOCKER, line=it.line)
    acc.diagnostics.extend(res.diagnostics)
    if res.text != it.body and not res.dropped:
        acc.rule("TS206")
        return _set_body(it, res.text)
    return it


# --------------------------------------------------------------------------- python version

_PY_IMAGE = re.compile(
    r"(?P<pre>(?:^|\s)(?:docker\.io/)?(?:library/)?python:)(?P<ver>\d+\.\d+)(?P<rest>[.\d]*)"
    r"(?P<suffix>-[^\s]+)?(?=\s|$)"
)
_PY_ARG = re.compile(r"^(?P<pre>ARG\s+PYTHON_VERSION=)(?P<ver>\d+\.\d+)(?P<rest>[.\d]*)", re.I)


def _align_python(p: Parsed, ctx: RewriteContext, acc: _Acc) -> Parsed:
    """Base images ``python:X.Y...`` and ``ARG PYTHON_VERSION=X.Y`` against ``ctx.python_version``:
    rewritten when ``ctx.align_python``, else a diagnostic for each disagreement."""

    want = ctx.python_version
    if not want:
        return p
    items = list(p.items)
    for n, it in enumerate(items):
        if it.keyword not in ("FROM", "ARG"):
            continue
        first, nl, rest = it.text.partition("\n")
        rx = _PY_IMAGE if it.keyword == "FROM" else _PY_ARG
        m = rx.search(first)
        if not m or m.group("ver") == want:
            continue
        if ctx.align_python and ctx.enabled("TS212"):
            new_first = first[: m.start("ver")] + want + first[m.end("rest") :]
            items[n] = replace(it, text=new_first + nl + rest)
            acc.rule("TS212")
            acc.diagnostics.append(
                ctx.diag(
                    "TS212",
                    Severity.INFO,
                    f"Python {m.group('ver')}{m.group('rest')} -> {want} (--python)",
                    it.line,
                    first,
                )
            )
        else:
            acc.diagnostics.append(
                ctx.diag(
                    "TS212",
                    Severity.WARNING,
                    f"this image uses Python {m.group('ver')}, the project says {want}",
                    it.line,
                    first,
                    hint=f"align them with --python {want}",
                )
            )
    return Parsed(p.head, items, p.tail, p.directives)


# --------------------------------------------------------------------------- entry points


def rewrite_dockerfile(text: str, ctx: RewriteContext) -> RewriteResult:
    """Rewrite a Dockerfile for ``ctx.direction`` (see the module docstring). Idempotent."""

    if not text.strip():
        return RewriteResult(text)
    crlf = "\r\n" in text
    if crlf:
        if text.count("\r\n") != text.count("\n"):
            return RewriteResult(
                text,
                diagnostics=(
                    ctx.diag(
                        "TS205",
                        Severity.WARNING,
                        "left alone: the file mixes CRLF and LF line endings",
                        hint="normalise the line endings, then run toolshift again",
                    ),
                ),
            )
        work = text.replace("\r\n", "\n")
    else:
        work = text
    try:
        parsed = parse(work)
    except ValueError as exc:
        return RewriteResult(
            text,
            diagnostics=(
                ctx.diag("TS205", Severity.WARNING, f"left alone: cannot read it ({exc})"),
            ),
        )
    if parsed.directives.get("escape", "\\") != "\\":
        return RewriteResult(
            text,
            diagnostics=(
                ctx.diag(
                    "TS205",
                    Severity.WARNING,
                    "left alone: a custom escape character (Windows images) is not supported",
                ),
            ),
        )
    acc = _Acc()
    parsed = _align_python(parsed, ctx, acc)
    new = _to_uv(parsed, ctx, acc) if ctx.direction == "uv" else _to_pip(parsed, ctx, acc)
    out = _render(new)
    if out == work:
        acc.rules = []
    if ctx.disabled_rules & set(acc.rules):
        return RewriteResult(
            text,
            diagnostics=(
                *acc.diagnostics,
                ctx.diag(
                    "TS205",
                    Severity.INFO,
                    "left alone: rule(s) "
                    + ", ".join(sorted(ctx.disabled_rules & set(acc.rules)))
                    + " are disabled",
                ),
            ),
        )
    if crlf:
        out = out.replace("\n", "\r\n")
    return RewriteResult(out, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


_SECRET_KEY = re.compile(r"(TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|ACCESS_KEY)", re.I)


def dockerfile_risks(text: str, path: str = "Dockerfile") -> list[Diagnostic]:
    """Security and hygiene problems of a Dockerfile, for ``analyze`` and the plan."""

    out: list[Diagnostic] = []
    try:
        parsed = parse(text.replace("\r\n", "\n"))
    except ValueError:
        return out

    def d(code: str, sev: Severity, msg: str, it: Instr, hint: str = "") -> None:
        first = redact_url(it.text.split("\n")[0].strip())
        out.append(Diagnostic(code, sev, msg, Origin(path, it.line, first), hint))

    stages = _stages(parsed.items)
    for it in parsed.items:
        flat = it.logical()
        if it.keyword in ("RUN",) and re.search(r"\b(curl|wget)\b[^|]*\|\s*(sh|bash)\b", it.text):
            d(
                "TS211",
                Severity.WARNING,
                "installs software with `curl | sh`",
                it,
                "copy uv from its pinned image instead",
            )
        if _is_uv_copy(it):
            src = _copy_from(it) or ""
            tag = src.split(":", 1)[1] if ":" in src else "latest"
            if tag == "latest" or not re.match(r"\d+\.\d+", tag):
                d(
                    "TS201",
                    Severity.WARNING,
                    f"the uv image is not pinned ({src})",
                    it,
                    "pin a version: ghcr.io/astral-sh/uv:X.Y.Z",
                )
        if re.search(r"--trusted-host\b", flat):
            d("TS205", Severity.WARNING, "--trusted-host turns off TLS verification for a host", it)
        if re.search(r"--extra-index-url\b", flat):
            d(
                "TS205",
                Severity.WARNING,
                "--extra-index-url invites dependency confusion",
                it,
                "use one index, or uv's index pinning",
            )
        if "UV_INDEX_STRATEGY=unsafe-best-match" in flat:
            d(
                "TS205",
                Severity.WARNING,
                "UV_INDEX_STRATEGY=unsafe-best-match invites dependency confusion",
                it,
            )
        for url in re.findall(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+", it.text):
            if has_literal_credentials(url):
                d(
                    "TS205",
                    Severity.ERROR,
                    f"a credential is written in the Dockerfile ({redact_url(url)})",
                    it,
                    "pass it as a build secret (--mount=type=secret)",
                )
        if it.keyword in ("ENV", "ARG"):
            for k, v in _env_pairs(it) or []:
                if _SECRET_KEY.search(k) and v and not v.startswith("$"):
                    d(
                        "TS205",
                        Severity.ERROR,
                        f"{k} holds a literal secret",
                        it,
                        "pass it as a build secret (--mount=type=secret)",
                    )
    if stages:
        last = parsed.items[stages[-1].start : stages[-1].end]
        users = [it for it in last if it.keyword == "USER"]
        if not users or users[-1].logical().strip() in ("root", "0", "0:0"):
            d(
                "TS203",
                Severity.WARNING,
                "the container runs as root",
                parsed.items[stages[-1].start],
                "add a non-root user and `USER app`",
            )
    return out


__all__ = ["dockerfile_risks", "parse", "rewrite_dockerfile"]
