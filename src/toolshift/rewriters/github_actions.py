"""GitHub Actions workflows around pip <-> uv.

Role in the pipeline: render (pure). ruamel.yaml round-trip: comments, key order, matrices and
expressions (``${{ matrix.python-version }}``) are kept; a workflow with nothing to change is
returned byte for byte.

pip -> uv
    ``actions/setup-python`` (+ ``cache: pip``) becomes ``astral-sh/setup-uv`` with uv pinned
    (``version``), ``enable-cache: true`` and the same ``python-version``; an ``actions/cache``
    step for pip's cache is dropped (setup-uv caches); ``run:`` scripts go through the shell
    translator (``pip install -r requirements-dev.txt`` -> ``uv sync --locked``, ``pytest`` ->
    ``uv run pytest``).
uv -> pip
    ``astral-sh/setup-uv`` becomes ``actions/setup-python`` with ``cache: pip`` (unless the job
    already sets Python up), ``uv python install`` is dropped, ``run:`` scripts translated back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from toolshift.model import Severity
from toolshift.rewriters import RewriteContext, RewriteResult
from toolshift.rewriters.compose import _Acc, _del_item, _dump_as, _line, _load, _same_style
from toolshift.rewriters.shell import ShellContext, translate_script

RULE_SETUP = "TS301"
RULE_SCRIPTS = "TS302"
RULE_PYTHON = "TS212"

SETUP_UV = "astral-sh/setup-uv@v6"
SETUP_PYTHON = "actions/setup-python@v5"

_SETUP_PY = re.compile(r"^actions/setup-python@")
_SETUP_UV = re.compile(r"^astral-sh/setup-uv@")
_CACHE = re.compile(r"^actions/cache(/restore|/save)?@")
# actions that install Poetry/Pipenv: the migrated job runs uv instead
_TOOL_SETUP = re.compile(
    r"^(snok/install-poetry|abatilo/actions-poetry|Gr1N/setup-poetry|tiangolo/poetry-actions)@",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- lock checks
# A CI job (or Makefile target) that checks the lock is fresh must keep checking under uv:
# `poetry lock --check`, `poetry check --lock`, `pipenv verify`, or "re-lock, then
# `git diff --exit-code` the old lock/requirements files" all become `uv lock --check`. Left to
# the shell translator, the first became `uv lock` (re-locks, checks nothing), the second and
# third were left calling a tool that is gone, and the last diffed files that no longer exist.

RULE_LOCK_CHECK = RULE_SCRIPTS
UV_LOCK_CHECK = "uv lock --check"

_CHECK_CMD = re.compile(
    r"^(?:poetry\s+lock\b[^;|&]*\s--check\b|poetry\s+check\b[^;|&]*\s--lock\b|"
    r"pipenv\s+verify\b)[^;|&]*$"
)
_RELOCK_CMD = re.compile(
    r"^(?:pip-compile|python3?(?:\.\d+)?\s+-m\s+piptools\s+compile|poetry\s+lock|"
    r"pipenv\s+lock|uv\s+pip\s+compile)\b[^;|&]*$"
)
# `for f in requirements/*.in; do pip-compile "$f"; done`: one re-lock
_LOOP_RELOCK = re.compile(
    r"^for\s+\w+\s+in\s+[^;]*;\s*do\s+(?:pip-compile|python3?(?:\.\d+)?\s+-m\s+piptools\s+"
    r"compile|uv\s+pip\s+compile)\b[^;|&]*;\s*done$"
)
_GIT_DIFF = re.compile(r"^git\s+diff\s+(?P<args>[^;|&]*)$")
# a folder of requirements files (`git diff --exit-code requirements/`)
_OLD_LOCK_DIR = re.compile(r"^(?:\./)?(?:[\w.-]+/)*requirements[\w.-]*/?$")
_OLD_LOCK_FILE = re.compile(
    r"(?:^|/)(?:poetry\.lock|Pipfile(?:\.lock)?|pyproject\.toml|[^/\s]+\.(?:txt|in))$"
)


_OLD_LOCK_NAME = re.compile(r"\b(?:Pipfile\.lock|poetry\.lock)\b")


def _old_lock_diff(part: str) -> bool:
    """``git diff --exit-code [--] [paths]`` (or ``--quiet``) over the old tool's files only."""

    m = _GIT_DIFF.match(part)
    if not m:
        return False
    words = m.group("args").split()
    if not ({"--exit-code", "--quiet"} & set(words)):
        return False
    paths = [w.strip("\"'") for w in words if not w.startswith("-")]
    return all(_OLD_LOCK_FILE.search(p) or _OLD_LOCK_DIR.match(p) for p in paths)


_UPGRADE = re.compile(
    r"(?:^|\s)(?:-U|--upgrade|-P|--upgrade-package(?:=\S+)?|--regenerate)(?=\s|$)"
)


def _relock(part: str) -> bool:
    """A re-lock that keeps today's versions (``pip-compile --upgrade`` moves them: with a
    ``git diff`` after it, the job asks whether an upgrade changed anything, which is no lock
    check)."""

    return bool(_RELOCK_CMD.match(part) or _LOOP_RELOCK.match(part)) and not _UPGRADE.search(part)


_CHAIN = re.compile(r"\s*(&&|\|\|)\s*")


def _chain(line: str) -> list[str]:
    """``a && b || c`` -> ``["a", "&&", "b", "||", "c"]`` (commands at even places)."""

    return [p.strip() for p in _CHAIN.split(line.strip())]


def lock_checks(lines: list[str]) -> list[str | None] | None:
    """The commands of one script (one per item, ``&&``/``||`` chains allowed) with the old
    tools' lock-freshness checks as ``uv lock --check``; ``None`` for a command that goes away.
    Returns ``None`` when there is no such check (nothing to change).

    A re-lock counts as a check only beside a ``git diff --exit-code`` of the old files; a
    ``git diff --exit-code`` naming no file only right after the re-lock (same line or the
    next one): ``black . && git diff --exit-code`` is a formatting check, left alone. What a
    chain does when the check fails (``|| (echo "run poetry lock"; exit 1)``) is kept."""

    chains = [_chain(line) for line in lines]
    split = [c[0::2] for c in chains]
    relock = any(_relock(p) for ps in split for p in ps)

    def is_diff(n: int, p: str) -> bool:
        if not relock or not _old_lock_diff(p):
            return False
        if any(not w.startswith("-") for w in p.split()[2:]):
            return True
        near = split[n] + (split[n - 1] if n else [])
        return any(_relock(q) for q in near)

    has_diff = any(is_diff(n, p) for n, ps in enumerate(split) for p in ps)
    check = any(_CHECK_CMD.match(p) for ps in split for p in ps)
    if not has_diff and not check:
        return None
    out: list[str | None] = []
    done = False
    for n, (line, chain) in enumerate(zip(lines, chains, strict=True)):
        kept: list[str] = []  # commands and the operators between them
        changed = False
        for i in range(0, len(chain), 2):
            p = chain[i]
            op = chain[i - 1] if i else ""
            if _CHECK_CMD.match(p) or (has_diff and _relock(p)):
                changed = True
                if done:
                    continue
                p, done = UV_LOCK_CHECK, True
            elif is_diff(n, p):
                changed = True
                continue
            if kept:
                kept += [op, p]
            else:
                kept = [p]
        if not changed:
            out.append(line)
        else:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + " ".join(kept) if kept else None)
    return out if out != lines else None


# --------------------------------------------------------------------------- index credentials
# `poetry config http-basic.<source> USER PASS` (and POETRY_HTTP_BASIC_<SOURCE>_USERNAME/PASSWORD
# variables) gave Poetry the credentials of a private source; the source is a uv index of the
# same name now, and uv reads them from UV_INDEX_<NAME>_USERNAME/PASSWORD. The shell translator
# drops `poetry config`: without this the job lost its credentials and `uv sync` failed with 401.

_POETRY_AUTH = re.compile(
    r"^(?P<indent>\s*)poetry\s+config\s+http-basic\.(?P<name>[\w.-]+)\s+"
    r"(?P<user>\$\{\{.*?\}\}|\S+)(?:\s+(?P<password>\$\{\{.*?\}\}|\S+))?\s*$"
)
_POETRY_AUTH_ENV = re.compile(r"^POETRY_HTTP_BASIC_(?P<name>\w+?)_(?P<part>USERNAME|PASSWORD)$")


def index_env(name: str) -> str:
    """``UV_INDEX_<NAME>``: the prefix of the variables uv reads an index's credentials from."""

    return "UV_INDEX_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def credential_lines(script: str, *, github: bool) -> str | None:
    """``poetry config http-basic.X USER PASS`` lines as uv's ``UV_INDEX_X_*`` variables:
    appended to ``$GITHUB_ENV`` (a GitHub step's shell ends with the step) or exported (GitLab
    runs a job's script lines in one shell). ``None`` when there is no such line."""

    out: list[str] = []
    changed = False
    lines = script.split("\n")
    for n, line in enumerate(lines):
        m = _POETRY_AUTH.match(line)
        if not m:
            out.append(line)
            continue
        changed = True
        var, ind = index_env(m.group("name")), m.group("indent")
        pairs = [(f"{var}_USERNAME", _unquote(m.group("user")))]
        if m.group("password"):
            pairs.append((f"{var}_PASSWORD", _unquote(m.group("password"))))
        export = ind + "export " + " ".join(f'{k}="{v}"' for k, v in pairs)
        if github:
            out += [f'{ind}echo "{k}={v}" >> "$GITHUB_ENV"' for k, v in pairs]
            if any(x.strip() for x in lines[n + 1 :]):
                out.append(export)  # $GITHUB_ENV counts from the next step on
        else:
            out.append(export)
    return "\n".join(out) if changed else None


def _rename_auth_env(m: Any, ctx: RewriteContext, acc: _Acc) -> None:
    """``POETRY_HTTP_BASIC_X_USERNAME: ...`` keys of an ``env:``/``variables:`` mapping ->
    ``UV_INDEX_X_USERNAME`` (same value, same place)."""

    if not isinstance(m, dict):
        return
    for key in list(m.keys()):
        mm = _POETRY_AUTH_ENV.match(str(key))
        if str(key) == "POETRY_PYPI_TOKEN_PYPI":
            new = "UV_PUBLISH_TOKEN"  # poetry publish's PyPI token; uv publish reads this one
        elif not mm:
            continue
        else:
            new = f"UV_INDEX_{mm.group('name')}_{mm.group('part')}"
        if new in m:
            continue
        ca: Any = getattr(m, "ca", None)  # ruamel's comments: the one after the value stays
        comment = ca.items.pop(key, None) if ca is not None else None
        _replace_key(m, str(key), new, m[key])
        if comment is not None:
            ca.items[new] = comment
        acc.rule(RULE_SCRIPTS)
        acc.diagnostics.append(
            ctx.diag(
                RULE_SCRIPTS,
                Severity.INFO,
                f"{key} became {new} ("
                + (
                    "uv publish reads the token from it"
                    if new == "UV_PUBLISH_TOKEN"
                    else "uv reads a named index's credentials from it"
                )
                + ")",
                _line(m, new),
            )
        )


_PIP_INDEX_ENV = {
    "PIP_INDEX_URL": "UV_DEFAULT_INDEX",
    "PIP_EXTRA_INDEX_URL": "UV_INDEX",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
}


def _pip_index_env(m: Any, ctx: RewriteContext, acc: _Acc) -> None:
    """``PIP_INDEX_URL`` & co. in ``env:``/``variables:``: uv does not read them, so the jobs
    that now run uv install from PyPI (or fail where only the mirror is reachable)."""

    if not isinstance(m, dict):
        return
    for key in m:
        uv_var = _PIP_INDEX_ENV.get(str(key))
        if uv_var is None or uv_var in m:
            continue
        acc.diagnostics.append(
            ctx.diag(
                RULE_SCRIPTS,
                Severity.WARNING,
                f"{key} is pip's setting: uv does not read it, so the uv commands here use "
                "the indexes in pyproject.toml (PyPI if none)",
                _line(m, str(key)),
                hint=f"declare the index in [[tool.uv.index]] (credentials as "
                f"UV_INDEX_<NAME>_USERNAME/_PASSWORD), or set {uv_var} here too",
            )
        )


# `pipenv requirements` / the older `pipenv lock -r`: what pip installs from, written from the
# lock. The shell translator leaves the first (pipenv is gone after the migration) and makes the
# second `uv lock`, which writes nothing to stdout: `> requirements.txt` became an empty file.
_PIPENV_EXPORT = re.compile(
    r"^(?P<indent>\s*)pipenv\s+(?P<sub>requirements|lock)(?P<args>(?:\s+-[-\w]+)*)\s*"
    r"(?P<rest>(?:[>|].*)?)$"
)


def pipenv_export(line: str) -> str | None:
    """``pipenv requirements [--dev|--dev-only] [--hash]`` and ``pipenv lock -r [--dev]`` as
    ``uv export``; None when the line is neither (or has an option without a uv word)."""

    m = _PIPENV_EXPORT.match(line)
    if not m:
        return None
    args = m.group("args").split()
    if m.group("sub") == "lock":
        if not ({"-r", "--requirements"} & set(args)):
            return None
        args = [a for a in args if a not in ("-r", "--requirements")]
    out = ["uv", "export", "--locked", "--format", "requirements-txt", "--no-emit-project"]
    dev, hashes = "--no-dev", False
    for a in args:
        if a in ("-d", "--dev"):
            dev = ""  # the default packages and the dev ones (uv's default groups)
        elif a == "--dev-only":
            dev = "--only-dev"
        elif a == "--hash":
            hashes = True
        elif a not in ("-q", "--quiet"):
            return None
    if not hashes:
        out.append("--no-hashes")
    if dev:
        out.append(dev)
    rest = m.group("rest")
    return m.group("indent") + " ".join(out) + (" " + rest if rest else "")


_PIPENV_CATEGORIES = re.compile(
    r"^(?P<indent>\s*)pipenv\s+(?:install|sync)(?P<args>(?:\s+(?:--categories(?:=|\s+)"
    r"(?:\"[^\"]*\"|'[^']*'|\S+)|-d|--dev|--deploy|--system|--ignore-pipfile|--skip-lock|"
    r"--clear|-q|--quiet))+)\s*$"
)


def pipenv_categories(line: str) -> str | None:
    """``pipenv install|sync --categories "tests docs"`` (no package named) as ``uv sync``:
    only those categories (their dependency groups now) unless ``packages`` is one of them."""

    m = _PIPENV_CATEGORIES.match(line)
    if not m or "--categories" not in m.group("args"):
        return None
    args = m.group("args")
    names: list[str] = []
    for value in re.findall(r"--categories(?:=|\s+)(\"[^\"]*\"|'[^']*'|\S+)", args):
        names += [n for n in re.split(r"[,\s]+", value.strip("\"'")) if n]
    if re.search(r"(?:^|\s)(?:-d|--dev)(?:\s|$)", args):
        names.append("dev-packages")
    groups = [
        "dev" if n == "dev-packages" else re.sub(r"[-_.]+", "-", n).lower()
        for n in dict.fromkeys(names)
        if n not in ("packages", "default")
    ]
    out = ["uv", "sync", "--locked"]
    if "packages" in names or "default" in names:
        out.append("--no-default-groups")
        out += [f for g in groups for f in ("--group", g)]
    else:
        out += [f for g in groups for f in ("--only-group", g)]
    return m.group("indent") + " ".join(out)


_POETRY_PUBLISH = re.compile(r"^(?P<indent>\s*)poetry\s+publish(?P<args>(?:\s+.*)?)$")
_EXPR_OR_WORD = re.compile(r"\$\{\{.*?\}\}|\S+")


def poetry_publish(line: str) -> str | None:
    """``poetry publish [--build] [-u U -p P] [--dry-run]`` as ``uv publish`` (``uv build &&``
    first for ``--build``); None when it is not that, or names a repository (``-r``: a
    ``[[tool.uv.index]]`` with a ``publish-url`` is uv's equivalent, written by hand)."""

    m = _POETRY_PUBLISH.match(line)
    if not m:
        return None
    words = _EXPR_OR_WORD.findall(m.group("args"))
    out = ["uv", "publish"]
    build = False
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--build":
            build = True
        elif w in ("-u", "--username", "-p", "--password") and i + 1 < len(words):
            out += [w, words[i + 1]]
            i += 1
        elif w == "--dry-run":
            out.append("--dry-run")
        elif w not in ("-n", "--no-interaction", "-q", "--quiet", "--skip-existing"):
            return None
        i += 1
    return m.group("indent") + ("uv build && " if build else "") + " ".join(out)


# Poetry managing itself and its plugins: nothing to do once Poetry is gone (the
# dynamic-versioning plugin's job is hatch-vcs's now, in the build)
_POETRY_SELF = re.compile(
    r"(?m)^\s*(?:pipx\s+inject\s+poetry\b.*|poetry\s+self\s+(?:add|install|update)\b.*|"
    r"poetry\s+dynamic-versioning(?:\s+--?[\w-]+)*)\s*$"
)


def _export_script(run: Any) -> Any:
    text = str(run)
    lines = text.split("\n")
    new: list[str] = []
    for x in lines:
        old_parts = re.split(r"\s*&&\s*", x.strip())
        parts = [
            pipenv_export(p) or pipenv_categories(p) or poetry_publish(p) or p
            for p in old_parts
            if not _POETRY_SELF.match(p)
        ]
        if parts == old_parts:
            new.append(x)  # untouched, spacing and all
        elif parts:
            new.append(x[: len(x) - len(x.lstrip())] + " && ".join(parts))
    if new == lines:
        return run
    body = "\n".join(new)
    return _same_style(run, body) if body.strip() else None


def index_credential_env(
    text: str, ctx: RewriteContext, variables: dict[str, str], *, gitlab: bool = False
) -> RewriteResult:
    """``variables`` maps an environment variable the old index URL took its credentials from
    (``https://${NEXUS_USER}:${NEXUS_PASSWORD}@nexus/simple``: pip and Pipenv expand them) to
    the one uv reads (``UV_INDEX_NEXUS_USERNAME``). Where a workflow's ``env:`` (or GitLab's
    ``variables:``) sets the first, the second is set beside it to the same value: uv does not
    expand variables in pyproject.toml, so without it the migrated job got a 401."""

    if not variables or not text.strip():
        return RewriteResult(text)
    data, work, bad = _load(text, ctx, RULE_SCRIPTS)
    if bad is not None or not isinstance(data, dict):
        return RewriteResult(text)
    acc = _Acc()
    key = "variables" if gitlab else "env"
    holders: list[Any] = [data.get(key)]
    jobs = data.items() if gitlab else (data.get("jobs") or {}).items()
    for _name, job in jobs:
        if isinstance(job, dict):
            holders.append(job.get(key))
            for step in job.get("steps") or [] if not gitlab else []:
                if isinstance(step, dict):
                    holders.append(step.get("env"))
    for m in holders:
        if not isinstance(m, dict) or not hasattr(m, "insert"):
            continue
        cm: Any = m  # a ruamel CommentedMap: insert keeps the new key next to the old one
        for old, new in variables.items():
            if old not in m or new in m:
                continue
            cm.insert(list(m.keys()).index(old) + 1, new, m[old])
            acc.rule(RULE_SCRIPTS)
            acc.diagnostics.append(
                ctx.diag(
                    RULE_SCRIPTS,
                    Severity.INFO,
                    f"{new} set beside {old}: the index URL took its credentials from {old}, "
                    f"uv reads them from {new}",
                    _line(m, old),
                )
            )
    if not acc.rules:
        return RewriteResult(text)
    out = _dump_as(data, work, "\r\n" in text)
    return RewriteResult(out, tuple(acc.rules), tuple(acc.diagnostics))


def _auth_script(run: Any, ctx: RewriteContext, acc: _Acc, line: int, *, github: bool) -> Any:
    new = credential_lines(str(run), github=github)
    if new is None:
        return run
    acc.rule(RULE_SCRIPTS)
    acc.diagnostics.append(
        ctx.diag(
            RULE_SCRIPTS,
            Severity.INFO,
            "poetry config http-basic.<source> became UV_INDEX_<SOURCE>_USERNAME/_PASSWORD "
            "(the source is a uv index of that name; uv reads its credentials from them)",
            line,
        )
    )
    if "\n" in new and "\n" not in str(run) and github:
        from ruamel.yaml.scalarstring import LiteralScalarString

        return LiteralScalarString(new + "\n")  # one command became two: a `run: |` block
    return _same_style(run, new)


def _logical_lines(script: str) -> list[str]:
    """The lines of a script, a backslash continuation joined to its line (newline kept)."""

    out: list[str] = []
    for line in script.split("\n"):
        if out and out[-1].endswith("\\"):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def _flat(line: str) -> str:
    return re.sub(r"\\\n\s*", " ", line)


def _job_lock_checks(steps: list[Any], ctx: RewriteContext, acc: _Acc) -> None:
    """:func:`lock_checks` over every ``run:`` of a job (a re-lock step followed by a
    ``git diff --exit-code`` step is one check); emptied steps are removed."""

    spans: list[tuple[int, list[str], str]] = []
    flat: list[str] = []
    for i, step in enumerate(steps):
        run = step.get("run") if isinstance(step, dict) else None
        if not isinstance(run, str):
            continue
        text = str(run)
        end = "\n" if text.endswith("\n") else ""
        lines = _logical_lines(text[: len(text) - len(end)])
        spans.append((i, lines, end))
        flat += [_flat(x) for x in lines]
    new = lock_checks(flat)
    if new is None:
        return
    pos = 0
    results: list[tuple[int, str | None]] = []
    for i, lines, end in spans:
        mine = new[pos : pos + len(lines)]
        flats = flat[pos : pos + len(lines)]
        pos += len(lines)
        if mine == flats:
            continue
        kept = [orig if m == f else m for orig, m, f in zip(lines, mine, flats, strict=True)]
        text = "\n".join(x for x in kept if x is not None)
        results.append((i, text + end if text.strip() else None))
    if not results:
        return
    where = _line(steps[results[0][0]], "run")
    for i, new_run in reversed(results):
        if new_run is None:
            _del_item(steps, i)
        else:
            steps[i]["run"] = _same_style(steps[i]["run"], new_run)
            name = steps[i].get("name")
            if isinstance(name, str) and _OLD_LOCK_NAME.search(name):
                # "Verify Pipfile.lock" -> "Verify uv.lock"
                steps[i]["name"] = _same_style(name, _OLD_LOCK_NAME.sub("uv.lock", name))
    acc.rule(RULE_LOCK_CHECK)
    acc.diagnostics.append(
        ctx.diag(
            RULE_LOCK_CHECK,
            Severity.INFO,
            "the lock-freshness check now runs `uv lock --check` (fails when uv.lock does not "
            "match pyproject.toml)",
            where,
        )
    )


def _uses(step: Any) -> str:
    return str(step.get("uses", "")) if isinstance(step, dict) else ""


def _replace_key(m: Any, old: str, new: str, value: Any) -> None:
    """Rename ``old`` to ``new`` in a CommentedMap, keeping its position."""

    keys = list(m.keys())
    pos = keys.index(old)
    del m[old]
    m.insert(pos, new, value)


def _keep_trailing(m: Any, edit: Callable[[], None]) -> None:
    """Run ``edit`` on mapping ``m``; the blank lines/comment after its last key stay after its
    (possibly new) last key, so the gap before the next step survives."""

    keys = list(m.keys())
    last = keys[-1] if keys else None
    token = m.ca.items.get(last) if last is not None else None
    was_block = last is not None and str(m[last]).endswith("\n")
    edit()
    keys = list(m.keys())
    if token is None or token[2] is None or not keys or keys[-1] == last:
        return
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    m.ca.items.pop(last, None)
    value = token[2].value
    if was_block and not str(m[keys[-1]]).endswith("\n"):
        value = "\n" + value  # a block scalar ended its own line; a plain value does not
    m.ca.items[keys[-1]] = [None, None, CommentToken(value, CommentMark(0), None), None]


def _setup_to_uv(step: Any, ctx: RewriteContext, acc: _Acc) -> None:
    from ruamel.yaml.comments import CommentedMap

    step["uses"] = _same_style(step["uses"], SETUP_UV)
    w = step.get("with")
    if not isinstance(w, dict):
        w = CommentedMap()
        step["with"] = w
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def edit() -> None:
        for k in ("cache", "cache-dependency-path", "check-latest", "architecture"):
            if k in w:
                del w[k]
        if "python-version-file" in w and "python-version" not in w:
            acc.diagnostics.append(
                ctx.diag(
                    RULE_SETUP,
                    Severity.INFO,
                    "python-version-file dropped: uv reads .python-version and requires-python",
                    _line(step, "uses"),
                )
            )
            del w["python-version-file"]
        w["version"] = DoubleQuotedScalarString(ctx.uv_version)
        w["enable-cache"] = True

    _keep_trailing(w, edit)
    if "name" in step and "python" in str(step["name"]).lower() and "uv" not in str(step["name"]):
        step["name"] = _same_style(step["name"], "Set up uv")
    acc.rule(RULE_SETUP)


def _setup_to_pip(step: Any, ctx: RewriteContext, acc: _Acc) -> None:
    from ruamel.yaml.comments import CommentedMap

    step["uses"] = _same_style(step["uses"], SETUP_PYTHON)
    w = step.get("with")
    if not isinstance(w, dict):
        w = CommentedMap()
        step["with"] = w

    def edit() -> None:
        for k in list(w.keys()):
            if k not in ("python-version",):
                del w[k]
        if "python-version" not in w:
            from ruamel.yaml.scalarstring import DoubleQuotedScalarString

            w["python-version"] = DoubleQuotedScalarString(ctx.python_version or "3.x")
        w["cache"] = "pip"

    _keep_trailing(w, edit)
    if "name" in step and "uv" in str(step["name"]).lower():
        step["name"] = _same_style(step["name"], "Set up Python")
    acc.rule(RULE_SETUP)


def _pip_cache_step(step: Any) -> bool:
    if not _CACHE.match(_uses(step)):
        return False
    w = step.get("with")
    path = str(w.get("path", "")) if isinstance(w, dict) else ""
    # pip's (and pipenv's) cache, or Poetry's (~/.cache/pypoetry: its cache and virtualenvs)
    return ("pip" in path or "pypoetry" in path) and "uv" not in path


_HASH_FILES = re.compile(r"hashFiles\(([^)]*)\)")
_OLD_LOCK_GLOB = re.compile(
    r"""(['"])((?:[^'"]*/)?)(?:poetry\.lock|Pipfile\.lock|[\w*.-]*requirements[\w*.-]*\.txt)\1"""
)


def _rekey_cache(step: Any, ctx: RewriteContext, acc: _Acc, jname: str) -> None:
    """An ``actions/cache`` step (a ``.venv`` cache, say) keyed on ``hashFiles('poetry.lock')``
    is keyed on ``uv.lock``: the old file is gone, the key never changed again and every run
    restored the first environment it saved."""

    if not _CACHE.match(_uses(step)):
        return
    w = step.get("with")
    if not isinstance(w, dict):
        return

    def args(m: re.Match[str]) -> str:
        new = _OLD_LOCK_GLOB.sub(
            lambda g: f"{g.group(1)}{g.group(2)}uv.lock{g.group(1)}", m.group(1)
        )
        parts: list[str] = []
        for part in (p.strip() for p in new.split(",")):
            if part in parts or (
                part[1:-1].endswith("uv.lock") and any(q[1:-1].endswith("uv.lock") for q in parts)
            ):
                continue  # 'poetry.lock', 'requirements.txt' are one uv.lock now
            parts.append(part)
        return "hashFiles(" + ", ".join(parts) + ")"

    changed = False
    for key in ("key", "restore-keys"):
        value = w.get(key)
        if not isinstance(value, str):
            continue
        new = _HASH_FILES.sub(args, str(value))
        if new != value:
            w[key] = _same_style(value, new)
            changed = True
    if changed:
        acc.rule(RULE_SETUP)
        acc.diagnostics.append(
            ctx.diag(
                RULE_SETUP,
                Severity.INFO,
                f"job {jname}: the cache key hashes uv.lock now (the lock it hashed is gone)",
                _line(step, "uses"),
            )
        )


def _align_python(job: Any, jname: str, ctx: RewriteContext, acc: _Acc) -> None:
    """``python-version`` of setup steps (not matrix expressions) against ``ctx.python_version``."""

    want = ctx.python_version
    if not want:
        return
    for step in job.get("steps") or []:
        if not isinstance(step, dict) or not (
            _SETUP_PY.match(_uses(step)) or _SETUP_UV.match(_uses(step))
        ):
            continue
        w = step.get("with")
        if not isinstance(w, dict) or "python-version" not in w:
            continue
        have = str(w["python-version"])
        if "${{" in have or have.strip() == want or "\n" in have:
            continue
        if have.strip().startswith(want + "."):
            continue  # 3.11.8 is a 3.11 (Pipfile's python_full_version, a pinned patch)
        if ctx.align_python and ctx.enabled(RULE_PYTHON):
            w["python-version"] = _same_style(w["python-version"], want)
            acc.rule(RULE_PYTHON)
        else:
            acc.diagnostics.append(
                ctx.diag(
                    RULE_PYTHON,
                    Severity.WARNING,
                    f"job {jname} sets up Python {have}, the project says {want}",
                    _line(w, "python-version"),
                    hint=f"align them with --python {want}",
                )
            )


def _job(job: Any, jname: str, ctx: RewriteContext, acc: _Acc) -> None:
    _align_python(job, jname, ctx, acc)
    steps = job.get("steps")
    if not isinstance(steps, list):
        return
    uv = ctx.direction == "uv"
    ran_uv = _runs_uv(steps)
    if uv and ctx.enabled(RULE_SCRIPTS):
        _rename_auth_env(job.get("env"), ctx, acc)
        _pip_index_env(job.get("env"), ctx, acc)
        for step in steps:
            if isinstance(step, dict):
                _rename_auth_env(step.get("env"), ctx, acc)
                _pip_index_env(step.get("env"), ctx, acc)
                if isinstance(step.get("run"), str):
                    line = _line(step, "run")
                    step["run"] = _auth_script(step["run"], ctx, acc, line, github=True)
                    exported = _export_script(step["run"])
                    if exported is not step["run"]:
                        # an emptied step keeps `run: ""` until the loop below drops it
                        step["run"] = exported if exported is not None else ""
                        acc.rule(RULE_SCRIPTS)
        _job_lock_checks(steps, ctx, acc)
    has_uv = any(_SETUP_UV.match(_uses(s)) for s in steps)
    has_py = any(_SETUP_PY.match(_uses(s)) for s in steps)
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        if not isinstance(step, dict):
            continue
        uses = _uses(step)
        if ctx.enabled(RULE_SETUP):
            if uv and _SETUP_PY.match(uses) and not has_uv:
                _setup_to_uv(step, ctx, acc)
                has_uv = True
                continue
            if uv and _TOOL_SETUP.match(uses):
                _del_item(steps, i)
                acc.rule(RULE_SETUP)
                acc.diagnostics.append(
                    ctx.diag(
                        RULE_SETUP,
                        Severity.INFO,
                        f"job {jname}: removed {uses.split('@')[0]} (the job runs uv now)",
                        _line(step, "uses"),
                    )
                )
                continue
            if uv and _pip_cache_step(step):
                _del_item(steps, i)
                acc.rule(RULE_SETUP)
                acc.diagnostics.append(
                    ctx.diag(
                        RULE_SETUP,
                        Severity.INFO,
                        f"job {jname}: removed the pip/Poetry cache step (setup-uv caches uv's "
                        "downloads)",
                        _line(step, "uses"),
                    )
                )
                continue
            if uv:
                _rekey_cache(step, ctx, acc, jname)
            if not uv and _SETUP_UV.match(uses):
                if has_py:
                    _del_item(steps, i)
                    acc.rule(RULE_SETUP)
                else:
                    _setup_to_pip(step, ctx, acc)
                    has_py = True
                continue
        run = step.get("run")
        if isinstance(run, str) and ctx.enabled(RULE_SCRIPTS):
            script = str(run)
            if not uv and re.fullmatch(r"\s*uv python install[^\n]*\n?", script):
                _del_item(steps, i)
                acc.rule(RULE_SCRIPTS)
                continue
            if uv and not script.strip():
                _del_item(steps, i)  # emptied by the pre-passes (`pipx inject poetry ...`)
                acc.rule(RULE_SCRIPTS)
                continue
            res = translate_script(script, ctx, ShellContext.CI, line=_line(step, "run"))
            acc.diagnostics.extend(res.diagnostics)
            acc.adhoc.extend(res.adhoc_packages)
            if res.text != script:
                for r in res.rules:
                    acc.rule(r)
                if res.dropped:
                    _del_item(steps, i)
                else:
                    step["run"] = _same_style(run, res.text)
    if uv and not ran_uv and ctx.enabled(RULE_SETUP):
        _add_setup_uv(steps, jname, ctx, acc)


_RUNS_UV = re.compile(r"(^|[\s;&|(])uv\s")


def _runs_uv(steps: list[Any]) -> bool:
    return any(isinstance(s, dict) and _RUNS_UV.search(str(s.get("run", ""))) for s in steps)


def _add_setup_uv(steps: list[Any], jname: str, ctx: RewriteContext, acc: _Acc) -> None:
    """A job whose scripts run uv now (they ran Poetry/Pipenv/pip-tools, installed by a
    ``pipx install poetry`` step that went away) and sets up neither uv nor Python gets
    ``astral-sh/setup-uv`` after its checkout: otherwise ``uv`` is not found."""

    if not _runs_uv(steps) or any(_SETUP_UV.match(_uses(s)) for s in steps):
        return
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    pos = max((i + 1 for i, s in enumerate(steps) if "checkout@" in _uses(s)), default=0)
    w = CommentedMap()
    w["version"] = DoubleQuotedScalarString(ctx.uv_version)
    w["enable-cache"] = True
    step = CommentedMap()
    step["uses"] = SETUP_UV
    step["with"] = w
    steps.insert(pos, step)
    acc.rule(RULE_SETUP)
    acc.diagnostics.append(
        ctx.diag(
            RULE_SETUP,
            Severity.INFO,
            f"job {jname}: added astral-sh/setup-uv (its scripts run uv now)",
        )
    )


_OLD_LOCK_TRIGGER = re.compile(r"^(?P<dir>(?:[^/]*/)*)(?:poetry\.lock|Pipfile\.lock|Pipfile)$")


def _trigger_to_uv_lock(path: str, ctx: RewriteContext) -> str | None:
    """``poetry.lock``/``Pipfile(.lock)`` -> ``uv.lock`` beside it; a pattern that matches the
    project's requirements files (``requirements/*.txt``, ``requirements-dev.in``) ->
    ``uv.lock``; anything else (``docs/requirements.txt``) None."""

    import fnmatch

    m = _OLD_LOCK_TRIGGER.match(path)
    if m:
        return m.group("dir") + "uv.lock"
    if not re.search(r"\.(txt|in|\*)$", path):
        return None
    files = {f for f in ctx.requirement_files.values() if f.endswith((".txt", ".in"))}
    files |= {f[:-4] + ".in" for f in files if f.endswith(".txt")}
    if any(fnmatch.fnmatch(f, path.lstrip("./")) for f in files):
        return "uv.lock"
    return None


def _trigger_paths(data: Any, ctx: RewriteContext, acc: _Acc) -> None:
    """``on: push: paths: [poetry.lock, ...]`` (and ``pull_request``, ``paths-ignore``): the
    old lock/requirements names become ``uv.lock``. Left as they were, a change that only
    touched uv.lock (a dependency update) no longer started the workflow."""

    # YAML reads a bare `on:` key as True
    on = data.get("on", data.get(True)) if isinstance(data, dict) else None
    if not isinstance(on, dict):
        return
    for event in ("push", "pull_request", "pull_request_target"):
        spec = on.get(event)
        if not isinstance(spec, dict):
            continue
        for key in ("paths", "paths-ignore"):
            paths = spec.get(key)
            if not isinstance(paths, list):
                continue
            changed = False
            for i in range(len(paths) - 1, -1, -1):
                raw = str(paths[i])
                neg = raw.startswith("!")
                target = _trigger_to_uv_lock(raw[1:] if neg else raw, ctx)
                if target is None:
                    continue
                new = ("!" if neg else "") + target
                if new in [str(p) for p in paths]:
                    _del_item(paths, i)
                else:
                    paths[i] = _same_style(paths[i], new)
                changed = True
            if changed:
                acc.rule(RULE_SETUP)
                acc.diagnostics.append(
                    ctx.diag(
                        RULE_SETUP,
                        Severity.INFO,
                        f"on.{event}.{key}: the lock and requirements files it named are "
                        "uv.lock now",
                        _line(spec, key),
                    )
                )


def rewrite_workflow(text: str, ctx: RewriteContext) -> RewriteResult:
    """Rewrite one ``.github/workflows/*.yml`` for ``ctx.direction``. Idempotent."""

    if not text.strip():
        return RewriteResult(text)
    data, work, bad = _load(text, ctx, RULE_SETUP, "fix the YAML, then run toolshift again")
    if bad is not None:
        return bad
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        return RewriteResult(text)
    acc = _Acc()
    if ctx.direction == "uv" and ctx.enabled(RULE_SCRIPTS):
        _rename_auth_env(data.get("env"), ctx, acc)
        _pip_index_env(data.get("env"), ctx, acc)
        _trigger_paths(data, ctx, acc)
    for jname, job in data["jobs"].items():
        if isinstance(job, dict):
            _job(job, str(jname), ctx, acc)
    if not acc.rules:
        return RewriteResult(text, diagnostics=tuple(acc.diagnostics))
    out = _dump_as(data, work, "\r\n" in text)
    return RewriteResult(out, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


# --------------------------------------------------------------------------- GitLab CI

_GITLAB_RESERVED = frozenset(
    {
        "stages",
        "variables",
        "include",
        "workflow",
        "default",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "pages",
    }
)
_UV_IMAGE = re.compile(r"^ghcr\.io/astral-sh/uv:[^-\s]+-python(\d+\.\d+)(?:-\S+)?$")


def _scripts(m: Any) -> list[Any]:
    return [m[k] for k in ("before_script", "script", "after_script") if isinstance(m.get(k), list)]


def _translate_lines(seq: Any, ctx: RewriteContext, acc: _Acc) -> bool:
    """Translate each line of a GitLab script list in place; True if a line now runs uv."""

    uses_uv = False
    if ctx.direction == "uv":
        for i, item in enumerate(seq):
            if isinstance(item, str):
                seq[i] = _auth_script(item, ctx, acc, _item_line(seq, i), github=False)
                exported = _export_script(seq[i])
                if exported is not seq[i]:
                    seq[i] = exported if exported is not None else ""
                    acc.rule(RULE_SCRIPTS)
        lines = [str(x) if isinstance(x, str) else "" for x in seq]
        checked = lock_checks(lines)
        if checked is not None:
            for i in range(len(seq) - 1, -1, -1):
                item = checked[i]
                if not isinstance(seq[i], str) or item == lines[i]:
                    continue
                if item is None:
                    _del_item(seq, i)
                else:
                    seq[i] = _same_style(seq[i], item)
            acc.rule(RULE_LOCK_CHECK)
    for i in range(len(seq) - 1, -1, -1):
        line = seq[i]
        if not isinstance(line, str):
            continue
        if ctx.direction == "uv" and not line.strip():
            _del_item(seq, i)  # emptied by the pre-passes (`pipx inject poetry ...`)
            acc.rule(RULE_SCRIPTS)
            continue
        if re.fullmatch(r"\s*pip3? install (-q )?uv(==\S+)?\s*", line):
            if ctx.direction == "pip":
                _del_item(seq, i)
                acc.rule(RULE_SCRIPTS)
            continue  # under uv this is how the job gets uv (pinned below)
        res = translate_script(str(line), ctx, ShellContext.CI, line=_item_line(seq, i))
        acc.diagnostics.extend(res.diagnostics)
        acc.adhoc.extend(res.adhoc_packages)
        if res.text != line:
            for r in res.rules:
                acc.rule(r)
            if res.dropped:
                _del_item(seq, i)
            else:
                seq[i] = _same_style(line, res.text)
        if re.search(r"(^|[\s;&|(])uv\s", str(seq[i]) if i < len(seq) else ""):
            uses_uv = True
    return uses_uv


_OLD_LOCK_PATH = re.compile(
    r"^((?:[^/]*/)*)(?:poetry\.lock|Pipfile\.lock|[\w*.-]*requirements[\w*.-]*\.txt)$"
)


def _gitlab_cache_keys(data: Any, ctx: RewriteContext, acc: _Acc) -> None:
    """``cache: key: files: [poetry.lock]`` (global, ``default:`` or a job's) -> ``uv.lock``:
    with the file gone GitLab falls back to one fixed key."""

    holders = [data, data.get("default")] + [
        job for name, job in data.items() if str(name) not in _GITLAB_RESERVED
    ]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        caches = holder.get("cache")
        for cache in caches if isinstance(caches, list) else [caches]:
            key = cache.get("key") if isinstance(cache, dict) else None
            files = key.get("files") if isinstance(key, dict) else None
            if not isinstance(files, list):
                continue
            for i in range(len(files) - 1, -1, -1):
                m = _OLD_LOCK_PATH.match(str(files[i]))
                if not m:
                    continue
                new = m.group(1) + "uv.lock"
                if new in [str(f) for f in files]:
                    _del_item(files, i)
                else:
                    files[i] = _same_style(files[i], new)
                acc.rule(RULE_SETUP)


def _item_line(seq: Any, i: int) -> int:
    try:
        return int(seq.lc.item(i)[0]) + 1
    except Exception:  # ruamel line info is best effort
        return 0


def _has_uv_install(seq: Any) -> bool:
    return any(isinstance(x, str) and re.search(r"pip3? install .*\buv\b", x) for x in seq)


def rewrite_gitlab_ci(text: str, ctx: RewriteContext) -> RewriteResult:
    """``.gitlab-ci.yml``: ``script`` lines through the shell translator. For uv, a pinned
    ``pip install uv==X`` goes first in the ``before_script`` that the changed jobs run."""

    if not text.strip() or not ctx.enabled(RULE_SCRIPTS):
        return RewriteResult(text)
    data, work, bad = _load(text, ctx, RULE_SCRIPTS)
    if bad is not None:
        return bad
    if not isinstance(data, dict):
        return RewriteResult(text)
    from ruamel.yaml.comments import CommentedSeq

    acc = _Acc()
    need_uv: list[Any] = []  # jobs (or the global defaults) whose scripts now call uv
    global_uv = False
    holders: list[Any] = [data]
    if isinstance(data.get("default"), dict):
        holders.append(data["default"])
    if ctx.direction == "uv":
        _gitlab_cache_keys(data, ctx, acc)
        _rename_auth_env(data.get("variables"), ctx, acc)
        _pip_index_env(data.get("variables"), ctx, acc)
        for name, job in data.items():
            if str(name) not in _GITLAB_RESERVED and isinstance(job, dict):
                _rename_auth_env(job.get("variables"), ctx, acc)
                _pip_index_env(job.get("variables"), ctx, acc)
    for holder in holders:
        for seq in [holder.get(k) for k in ("before_script", "after_script")]:
            if isinstance(seq, list) and _translate_lines(seq, ctx, acc):
                global_uv = True
    for name, job in data.items():
        if str(name) in _GITLAB_RESERVED or not isinstance(job, dict):
            continue
        if any([_translate_lines(seq, ctx, acc) for seq in _scripts(job)]):  # all, no shortcut
            need_uv.append(job)
        for key in ("before_script", "after_script"):
            if isinstance(job.get(key), list) and not job[key]:
                del job[key]
        if ctx.direction == "pip" and isinstance(job.get("image"), str):
            m = _UV_IMAGE.match(str(job["image"]))
            if m:
                job["image"] = _same_style(job["image"], f"python:{m.group(1)}")
                acc.rule(RULE_SETUP)
    if ctx.direction == "uv" and (need_uv or global_uv) and acc.rules:
        install = f"pip install uv=={ctx.uv_version}"
        to_global = global_uv
        for job in need_uv:
            if isinstance(job.get("before_script"), list):
                if not _has_uv_install(job["before_script"]):
                    job["before_script"].insert(0, install)
            else:
                to_global = True
        if to_global:
            target: Any = data["default"] if isinstance(data.get("default"), dict) else data
            seq = target.get("before_script")
            if isinstance(seq, list):
                if not _has_uv_install(seq):
                    seq.insert(0, install)
            else:
                keys = list(target.keys())
                pos = next(
                    (i for i, k in enumerate(keys) if str(k) not in _GITLAB_RESERVED), len(keys)
                )
                target.insert(pos, "before_script", CommentedSeq([install]))
        acc.rule(RULE_SETUP)
    if not acc.rules:
        return RewriteResult(text, diagnostics=tuple(acc.diagnostics))
    out = _dump_as(data, work, "\r\n" in text)
    return RewriteResult(out, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


__all__ = [
    "SETUP_PYTHON",
    "SETUP_UV",
    "UV_LOCK_CHECK",
    "credential_lines",
    "index_credential_env",
    "index_env",
    "lock_checks",
    "pipenv_categories",
    "pipenv_export",
    "poetry_publish",
    "rewrite_gitlab_ci",
    "rewrite_workflow",
]
