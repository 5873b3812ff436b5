"""Install instructions in docs (README, CONTRIBUTING: Markdown) and Makefile recipes.

Role in the pipeline: render (pure). Only shell inside Markdown code (fenced blocks tagged as
shell/console or untagged, and inline code spans that start with a pip/uv/python command) and
Makefile recipe lines are touched; they go through the shared shell translator in its ``docs``
context: ``pip install -r requirements-dev.txt`` <-> ``uv sync --locked``, ``python -m pytest``
<-> ``uv run pytest``, the uv installer pinned; ``pip install <name>`` lines, which tell users
how to install a package, stay. Prose, headings and every other byte are kept.
"""

from __future__ import annotations

import re

from toolshift.model import Diagnostic
from toolshift.rewriters import AdhocPackage, RewriteContext, RewriteResult
from toolshift.rewriters.shell import ShellContext, translate_script

RULE = "TS303"

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")
_SHELL_LANGS = frozenset({"", "sh", "bash", "shell", "zsh", "console", "shell-session", "text"})
_INDENTED = re.compile(r"^( {4,}|\t)(\S.*)$")
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_COMMANDISH = re.compile(
    r"^(pip3?|python3?(\.\d+)?\s+-m\s+(pip|venv|pytest|piptools)|uv|pytest|curl|poetry|pipenv|"
    r"pip-compile|pip-sync)(?![\w-])"
)
# `$ `, `> `, `% `, also after an activated environment's `(venv) ` or a `user@host:~/x` prefix
_PROMPT = re.compile(r"^(\s*(?:\([\w.-]+\)\s*)?(?:[\w.-]+@[\w.-]+:\S*)?(?:\$|>|%)\s)(.*)$")
# Windows shells: not bash, so only lines that are a plain pip/python/uv/pytest command
_LINE_LANGS = frozenset({"powershell", "pwsh", "ps1", "ps", "cmd", "bat", "batch", "doscon"})


class _Acc:
    def __init__(self) -> None:
        self.rules: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.adhoc: list[AdhocPackage] = []

    def take(self, text: str, ctx: RewriteContext, line: int) -> str:
        if ctx.direction == "uv":
            # line by line, before the shell translator: what it leaves alone or gets wrong
            lines = text.split("\n")
            for n, one in enumerate(lines):
                if n and lines[n - 1].rstrip().endswith("\\"):
                    continue  # a continuation: part of the command above
                lines[n] = _docs_line(one, markdown=not _is_makefile(ctx.path))
            new = "\n".join(lines)
            if new != text and RULE not in self.rules:
                self.rules.append(RULE)
            text = new
        res = translate_script(text, ctx, ShellContext.DOCS, line=line)
        self.diagnostics.extend(res.diagnostics)
        self.adhoc.extend(res.adhoc_packages)
        if res.text != text:
            for r in (*res.rules, RULE):
                if r not in self.rules:
                    self.rules.append(r)
        return res.text


def _is_makefile(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk")


def _docs_line(line: str, *, markdown: bool = True) -> str:
    """One documented command: ``poetry check --lock`` -> ``uv lock --check``, ``poetry config
    http-basic.X U P`` -> ``export UV_INDEX_X_USERNAME=...``, ``poetry add``/``pipenv install
    <pkg>`` -> ``uv add``; anything else as it was."""

    from toolshift.rewriters.github_actions import (
        credential_lines,
        lock_checks,
        pipenv_categories,
        pipenv_export,
        poetry_publish,
    )

    body = line.strip()
    if not body or body.endswith("\\"):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    if "&&" in body and not lock_checks([body]):
        # each command of a chain (`pip install pipenv && pipenv sync --categories docs`)
        parts = re.split(r"\s*&&\s*", body)
        new_parts = [_docs_line(p, markdown=markdown) for p in parts]
        if new_parts != parts:
            return indent + " && ".join(new_parts) + line[len(line.rstrip()) :]
        return line
    checked = lock_checks([body])
    if checked is not None and checked[0] is not None:
        return indent + checked[0]
    auth = credential_lines(body, github=False)
    if auth is not None:
        return indent + auth
    exported = pipenv_export(body) or pipenv_categories(body) or poetry_publish(body)
    if exported is not None:
        return indent + exported + line[len(line.rstrip()) :]
    added = add_remove(body)
    if added is not None:
        return indent + added + line[len(line.rstrip()) :]
    installer = _TOOL_INSTALL.fullmatch(body) if markdown else None
    if installer:
        # how to get the old tool: how to get uv (the translator pins the installer)
        new = (
            "curl -LsSf https://astral.sh/uv/install.sh | sh"
            if installer.group("curl")
            else installer.group("cmd") + " uv"
        )
        return indent + new + line[len(line.rstrip()) :]
    if re.fullmatch(r"(poetry|pipenv|pip-compile)\s+--version", body):
        return indent + "uv --version" + line[len(line.rstrip()) :]
    if re.fullmatch(r"(poetry|pipenv)\s+shell", body):
        # uv has no shell command: the project environment is .venv
        return indent + "source .venv/bin/activate" + line[len(line.rstrip()) :]
    return line


_TOOL_INSTALL = re.compile(
    r"(?P<curl>curl\s+(?:-\w+\s+)*https://install\.python-poetry\.org/?\s*\|\s*python3?\s*-?)"
    r"|(?P<cmd>pipx\s+install|pip3?\s+install(?:\s+--user)?(?:\s+-U|\s+--upgrade)?|"
    r"brew\s+install|python3?\s+-m\s+pip\s+install(?:\s+--user)?)\s+"
    r"(?:poetry|pipenv|pip-tools)(?:[=<>~!]=?[\w.*]+)?"
)


# `poetry add` options -> `uv add` options (None: dropped, uv does it anyway)
_POETRY_ADD_FLAGS: dict[str, str | None] = {
    "-D": "--dev",
    "--dev": "--dev",
    "-e": "--editable",
    "--editable": "--editable",
    "--lock": "--no-sync",
    "-n": None,
    "--no-interaction": None,
    "-q": None,
    "--quiet": None,
}
_SHELL_SAFE = re.compile(r"^[\w@%+=:,./<>\[\]-]*$")


def _quote(word: str) -> str:
    import shlex

    if re.fullmatch(r"<[\w .-]+>", word):
        return word  # a placeholder: `poetry add <name>`
    return word if _SHELL_SAFE.match(word) and not re.search(r"[<>]", word) else shlex.quote(word)


def _poetry_spec(spec: str) -> str | None:
    """``requests@^2.32`` -> ``requests>=2.32,<3.0``; None when it cannot be read."""

    from toolshift.readers.poetry import convert_constraint

    if "@" not in spec or "://" in spec or spec.startswith(("git+", ".", "/")):
        return spec
    name, _, constraint = spec.partition("@")
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*(\[[\w,.-]+\])?", name):
        return None
    if constraint in ("latest", "*", ""):
        return name
    try:
        return name + convert_constraint(constraint).specifier
    except ValueError:
        return None


def add_remove(text: str) -> str | None:
    """``poetry add/remove`` and ``pipenv install <pkg>/uninstall`` (how a README says to add
    a dependency) as ``uv add``/``uv remove``; None when the line is none of these or has an
    option uv has no word for (left to the shell translator, which leaves it)."""

    import shlex

    if re.search(r"\s#", text):
        return None  # a trailing comment: shlex would read it as arguments
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if len(argv) < 3 or argv[0] not in ("poetry", "pipenv"):
        return None
    tool, sub, args = argv[0], argv[1], argv[2:]
    if tool == "poetry" and sub in ("add", "remove"):
        out = ["uv", sub]
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-G", "--group") and i + 1 < len(args):
                out += ["--dev"] if args[i + 1] == "dev" else ["--group", args[i + 1]]
                i += 2
                continue
            if a.startswith("--group="):
                g = a.split("=", 1)[1]
                out += ["--dev"] if g == "dev" else ["--group", g]
            elif a == "--source" and i + 1 < len(args) and sub == "add":
                out += ["--index", args[i + 1]]
                i += 2
                continue
            elif a == "--allow-prereleases" and sub == "add":
                out += ["--prerelease", "allow"]
            elif a in _POETRY_ADD_FLAGS and (sub == "add" or a in ("-D", "--dev", "-n")):
                flag = _POETRY_ADD_FLAGS[a]
                if flag:
                    out.append(flag)
            elif a.startswith("-"):
                return None
            else:
                spec = _poetry_spec(a) if sub == "add" else a
                if spec is None:
                    return None
                out.append(_quote(spec))
            i += 1
        return " ".join(out) if any(not w.startswith("-") for w in out[2:]) else None
    if tool == "pipenv" and sub in ("install", "uninstall"):
        out = ["uv", "add" if sub == "install" else "remove"]
        packages = 0
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-d", "--dev"):
                out.append("--dev")
            elif a == "--categories" and i + 1 < len(args):
                for g in re.split(r"[,\s]+", args[i + 1]):
                    if g and g != "packages":
                        out += ["--dev"] if g == "dev-packages" else ["--group", g]
                i += 2
                continue
            elif a == "-e" and i + 1 < len(args) and sub == "install":
                out += ["--editable", _quote(args[i + 1])]
                packages += 1
                i += 2
                continue
            elif a.startswith("-"):
                return None
            else:
                out.append(_quote(a))
                packages += 1
            i += 1
        return " ".join(out) if packages else None
    return None


def _split_nl(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _block(lines: list[str], lang: str, ctx: RewriteContext, acc: _Acc, first: int) -> list[str]:
    """Translate the lines of one fenced block (with their newlines)."""

    if lang in ("console", "shell-session") or any(_PROMPT.match(ln) for ln in lines):
        out = []
        for n, ln in enumerate(lines):
            body, nl = _split_nl(ln)
            m = _PROMPT.match(body)
            if m and _COMMANDISH.search(m.group(2)):
                new = acc.take(m.group(2), ctx, first + n)
                out.append(m.group(1) + new + nl if new else "")
            else:
                out.append(ln)
        return out
    text = "".join(lines)
    nl = "\r\n" if "\r\n" in text else "\n"
    work = text.replace("\r\n", "\n")
    if lang in _LINE_LANGS:
        new = work
    else:
        new = acc.take(work, ctx, first) if _COMMANDISH.search(work) or "\n" in work else work
    if new == work:
        # the block as a whole did not change (or could not be parsed): try line by line
        out = []
        for n, ln in enumerate(lines):
            body, end = _split_nl(ln)
            if body.rstrip().endswith("\\") or not _COMMANDISH.search(body.lstrip()):
                out.append(ln)
                continue
            indent = body[: len(body) - len(body.lstrip())]
            t = acc.take(body.lstrip(), ctx, first + n)
            out.append(indent + t + end if t else "")
        return out
    if nl != "\n":
        new = new.replace("\n", nl)
    return new.splitlines(keepends=True) if new else []


def rewrite_markdown(text: str, ctx: RewriteContext) -> RewriteResult:
    """Translate the shell in a Markdown document's code. Idempotent."""

    if not ctx.enabled(RULE):
        return RewriteResult(text)
    acc = _Acc()
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    indented = False  # inside an indented code block
    while i < len(lines):
        body, _ = _split_nl(lines[i])
        m = _FENCE.match(body)
        if m:
            fence = m.group(2)
            lang = m.group(3).lower()
            j = i + 1
            while j < len(lines):
                b, _ = _split_nl(lines[j])
                if b.strip().startswith(fence[0] * len(fence)) and b.strip().strip(fence[0]) == "":
                    break
                j += 1
            content = lines[i + 1 : j]
            out.append(lines[i])
            if (lang in _SHELL_LANGS or lang in _LINE_LANGS) and j < len(lines):
                out.extend(_block(content, lang, ctx, acc, i + 2))
            else:
                out.extend(content)
            if j < len(lines):
                out.append(lines[j])
            i = j + 1
            continue

        # an indented code block (4 spaces or a tab, after a blank line): its command lines
        if _INDENTED.match(body) and (i == 0 or indented or not lines[i - 1].strip()):
            indented = True
            m4 = _INDENTED.match(body)
            assert m4 is not None
            cmd = m4.group(2)
            if _COMMANDISH.search(cmd) and not cmd.rstrip().endswith("\\"):
                new = acc.take(cmd, ctx, i + 1)
                if new != cmd:
                    nl = lines[i][len(body) :]
                    if new:
                        out.append(m4.group(1) + new.replace("\n", nl + m4.group(1)) + nl)
                    i += 1
                    continue
            out.append(lines[i])
            i += 1
            continue
        indented = indented and not body.strip()

        # inline code spans that are commands
        def repl(mm: re.Match[str], n: int = i) -> str:
            code = mm.group(1)
            if not _COMMANDISH.search(code):
                return mm.group(0)
            new = acc.take(code, ctx, n + 1)
            return f"`{new}`" if new else mm.group(0)

        out.append(_INLINE.sub(repl, lines[i]) if "`" in lines[i] else lines[i])
        i += 1
    new_text = "".join(out)
    if new_text == text:
        return RewriteResult(text, diagnostics=tuple(acc.diagnostics))
    return RewriteResult(new_text, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


_RECIPE = re.compile(r"^(\t[@+-]*)(.*)$")
# recipe lines worth translating: pip/uv/pytest/python, and the tools a migration replaces
_MAKE_COMMAND = re.compile(
    r"(?<![\w-])(pip3?|uv|pytest|python3?|poetry|pipenv|pip-compile|pip-sync)(?![\w-])"
)


_RULE_LINE = re.compile(r"^(?P<targets>[^\t#=:\s][^:=]*?)\s*:(?![:=])(?P<prereqs>[^;#]*?)\s*$")
_MAKE_VARS = re.compile(r"\$[<@^*?+|]|\$\([\w.-]+\)|\$\{[\w.-]+\}")
_COMPILE = re.compile(r"^(?:pip-compile|python3?(?:\.\d+)?\s+-m\s+piptools\s+compile)\b")


def _makefile_compile_rules(lines: list[str], ctx: RewriteContext, acc: _Acc) -> list[str]:
    """pip-tools rules (``requirements.txt: requirements.in`` + ``pip-compile ...``) become one
    ``uv.lock: pyproject.toml`` rule running ``uv lock``, and a rule that needed a compiled file
    (``sync: requirements.txt``) needs ``uv.lock``. Translated recipe by recipe, the rule kept
    ``requirements.in`` as a prerequisite, which the migration deletes: ``make`` stopped with
    "No rule to make target 'requirements.in'"."""

    if ctx.direction != "uv":
        return lines
    rules: list[tuple[int, int, list[str]]] = []  # (rule line, end, targets) of compile rules
    i = 0
    while i < len(lines):
        m = _RULE_LINE.match(_split_nl(lines[i])[0])
        j = i + 1
        while j < len(lines) and _RECIPE.match(_split_nl(lines[j])[0]):
            j += 1
        if m:
            targets = m.group("targets").split()
            prereqs = m.group("prereqs").split()
            recipe = [_RECIPE.match(_split_nl(x)[0]) for x in lines[i + 1 : j]]
            cmds = [r.group(2).strip() for r in recipe if r and r.group(2).strip()]
            if (
                targets
                and all(t.endswith(".txt") for t in targets)
                and any(p.endswith(".in") for p in prereqs)
                and cmds
                # `pip-compile $<` / `$(PIPCOMPILE_FLAGS)`: make's variables are fine here,
                # the recipe becomes `uv lock` whatever its arguments were
                and all(_COMPILE.match(c) and "$" not in _MAKE_VARS.sub("", c) for c in cmds)
            ):
                rules.append((i, j, targets))
        i = j
    if not rules:
        return lines
    compiled = {t for _, _, ts in rules for t in ts}
    if any("%" in t for t in compiled):
        # a pattern rule (`%.txt: %.in`): the compiled files are the project's .txt files
        compiled |= {f for f in ctx.requirement_files.values() if f.endswith(".txt")}
    starts = {r[0]: r for r in rules}
    out: list[str] = []
    i = 0
    first = True
    while i < len(lines):
        body, nl = _split_nl(lines[i])
        if i in starts:
            _, end, _ = starts[i]
            head = _RECIPE.match(_split_nl(lines[i + 1])[0]) if i + 1 < end else None
            if first:
                out.append("uv.lock: pyproject.toml" + nl)
                out.append((head.group(1) if head else "\t") + "uv lock" + (nl or "\n"))
                first = False
            elif out and not out[-1].strip() and end < len(lines) and not lines[end].strip():
                end += 1  # the blank line after a removed rule goes with it
            i = end
            continue
        m = _RULE_LINE.match(body)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if m and set(m.group("targets").split()) <= compiled and not _RECIPE.match(nxt):
            # `requirements-dev.txt: requirements.txt` (an ordering between compiled files):
            # the files are gone, the rule with them
            if out and not out[-1].strip() and i + 1 < len(lines) and not nxt.strip():
                i += 1
            i += 1
            continue
        if m and any(p in compiled for p in m.group("prereqs").split()):
            needs: list[str] = []
            for p in m.group("prereqs").split():
                p = "uv.lock" if p in compiled else p
                if p not in needs:
                    needs.append(p)
            body = m.group("targets") + ": " + " ".join(needs)
            out.append(body + nl)
        else:
            out.append(lines[i])
        i += 1
    if RULE not in acc.rules:
        acc.rules.append(RULE)
    return out


def _makefile_lock_checks(lines: list[str], ctx: RewriteContext, acc: _Acc) -> list[str]:
    """A target whose recipe checks the old lock (``poetry check --lock``, ``pipenv verify``,
    ``pip-compile`` then ``git diff --exit-code requirements.txt``) runs ``uv lock --check``."""

    if ctx.direction != "uv":
        return lines
    from toolshift.rewriters.github_actions import lock_checks

    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _RECIPE.match(_split_nl(lines[i])[0]):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _RECIPE.match(_split_nl(lines[j])[0]):
            j += 1
        block = lines[i:j]
        parsed = [_RECIPE.match(_split_nl(ln)[0]) for ln in block]
        heads = [m.group(1) if m else "\t" for m in parsed]
        cmds = [m.group(2) if m else "" for m in parsed]
        # a continued recipe line is one command: leave such blocks alone
        new = None if any(c.endswith("\\") for c in cmds) else lock_checks(cmds)
        if new is None:
            out += block
        else:
            for head, cmd, ln in zip(heads, new, block, strict=True):
                if cmd is not None:
                    out.append(head + cmd + _split_nl(ln)[1])
            if RULE not in acc.rules:
                acc.rules.append(RULE)
        i = j
    return out


def rewrite_makefile(text: str, ctx: RewriteContext) -> RewriteResult:
    """Translate the shell of a Makefile's recipe lines (continuations included)."""

    if not ctx.enabled(RULE):
        return RewriteResult(text)
    acc = _Acc()
    lines = _makefile_lock_checks(text.splitlines(keepends=True), ctx, acc)
    lines = _makefile_compile_rules(lines, ctx, acc)
    out: list[str] = []
    i = 0
    while i < len(lines):
        body, _ = _split_nl(lines[i])
        m = _RECIPE.match(body)
        if not m:
            out.append(lines[i])
            i += 1
            continue
        # a logical recipe line: this line plus its backslash continuations
        j = i
        while _split_nl(lines[j])[0].endswith("\\") and j + 1 < len(lines):
            j += 1
        chunk = "".join(lines[i : j + 1])
        crlf = "\r\n" in chunk
        script = chunk[len(m.group(1)) :].replace("\r\n", "\n")
        end = "\n" if script.endswith("\n") else ""
        script = script[: len(script) - len(end)]
        if "$" in script or not _MAKE_COMMAND.search(script):
            # make variables and $$ escapes: not plain shell, left as written
            out.extend(lines[i : j + 1])
            i = j + 1
            continue
        new = acc.take(script, ctx, i + 1)
        if new != script:
            piece = m.group(1) + new + end if new else ""
            if crlf:
                piece = piece.replace("\n", "\r\n")
            if not (new.startswith("uv lock") and out and out[-1] == piece):
                out.append(piece)  # two pip-compile lines are one `uv lock`, not two
        else:
            out.extend(lines[i : j + 1])
        i = j + 1
    new_text = "".join(out)
    if new_text == text:
        return RewriteResult(text, diagnostics=tuple(acc.diagnostics))
    return RewriteResult(new_text, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


def rewrite_docs(text: str, ctx: RewriteContext) -> RewriteResult:
    """Dispatch on ``ctx.path``: ``Makefile``/``*.mk`` recipes, else Markdown."""

    if _is_makefile(ctx.path):
        return rewrite_makefile(text, ctx)
    return rewrite_markdown(text, ctx)


__all__ = ["rewrite_docs", "rewrite_makefile", "rewrite_markdown"]
