"""Server start commands after a Flask -> FastAPI migration: gunicorn / flask run -> uvicorn.

Role in the pipeline: render (pure). Rule FF025. A WSGI server cannot serve the converted ASGI
app, so the commands that start it in Dockerfiles (``CMD``/``ENTRYPOINT``), compose files
(``command``/``entrypoint``) and ``Procfile`` lines become ``uvicorn`` commands that keep the
host, port, worker count and reload flag:

* ``gunicorn -w 4 -b 0.0.0.0:8000 app:app`` -> ``uvicorn app:app --host 0.0.0.0 --port 8000
  --workers 4``; ``"pkg:create_app()"`` -> ``pkg:create_app --factory``;
* ``flask --app pkg run --host 0.0.0.0`` (or ``FLASK_APP``, or Flask's own discovery of
  ``app.py``/``wsgi.py``) -> ``uvicorn pkg:app --host 0.0.0.0 --port 5000`` (Flask's port);
* an option uvicorn has no equivalent for leaves the *whole* command alone, with a warning
  naming it: a half-translated command would not start;
* ``python app.py`` is left alone: the codemod turns ``app.run()`` into ``uvicorn.run()``.

Shell form (a string) and exec form (a list of arguments) are both handled. Text in, text out:
comments, other instructions, quoting style in YAML and CRLF newlines are kept.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolshift.model import Diagnostic, Origin, Severity

RULE = "FF025"

# module name -> "attr" or "factory()" of the app object it defines (None: unknown)
AppLocator = Callable[[str], str | None]

_WRAPPERS = (("exec",), ("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"))
_PYTHON = re.compile(r"^(?:/\S*/)?python(?:3(?:\.\d+)?)?$")
_SAFE = re.compile(r"^[\w@%+=:,./-]+$")

# gunicorn option -> (uvicorn option or None to drop, takes a value)
_GUNICORN_VALUE = {
    "-w": "--workers",
    "--workers": "--workers",
    "--keep-alive": "--timeout-keep-alive",
    "--log-level": "--log-level",
    "--forwarded-allow-ips": "--forwarded-allow-ips",
    "--certfile": "--ssl-certfile",
    "--keyfile": "--ssl-keyfile",
    "--ca-certs": "--ssl-ca-certs",
    "--root-path": "--root-path",
    "--backlog": "--backlog",
    "--limit-concurrency": "--limit-concurrency",
    "--graceful-timeout": "--timeout-graceful-shutdown",
}
# gunicorn options whose value "-" says what uvicorn does anyway (logs on stdout/stderr)
_GUNICORN_STDIO = frozenset({"--access-logfile", "--error-logfile", "--log-file"})
_GUNICORN_FLAG = {"--reload": "--reload"}
_LOG_LEVELS = frozenset({"debug", "info", "warning", "error", "critical"})


@dataclass
class Translation:
    """``argv`` is the uvicorn command, or ``None`` when the command is left as it is."""

    argv: list[str] | None
    messages: list[tuple[Severity, str, str]] = field(default_factory=list)  # sev, msg, hint


def _split_value(args: Sequence[str], i: int) -> tuple[str, str | None, int]:
    """Option name, its value (``--x=v``, ``-xv`` or the next argument) and the next index."""

    arg = args[i]
    if arg.startswith("--") and "=" in arg:
        name, value = arg.split("=", 1)
        return name, value, i + 1
    if not arg.startswith("--") and len(arg) > 2:
        return arg[:2], arg[2:], i + 1
    following = args[i + 1] if i + 1 < len(args) else None
    return arg, following, i + 2


def _bind(value: str) -> tuple[list[str], str | None]:
    """uvicorn options for a gunicorn ``--bind`` value, or the reason it cannot be said."""

    if value.startswith("unix:"):
        return ["--uds", value[5:]], None
    if value.startswith("fd://"):
        return ["--fd", value[5:]], None
    m = re.match(r"^\[([^\]]*)\](?::(.+))?$", value)  # [::]:8000
    host: str
    port: str | None
    if m:
        host, port = m.group(1), m.group(2)
    else:
        host, port = value, None
        depth = 0
        for i, ch in enumerate(value):  # the first ':' outside ${VAR:-default}
            if value.startswith("${", i):
                depth += 1
            elif ch == "}" and depth:
                depth -= 1
            elif ch == ":" and not depth:
                host, port = value[:i], value[i + 1 :]
                break
    out = ["--host", host or "0.0.0.0"]  # gunicorn binds all interfaces for ":8000"
    out += ["--port", port or "8000"]  # gunicorn's default port; uvicorn's is the same
    return out, None


def _target(spec: str, default_attr: str | None) -> tuple[list[str] | None, str]:
    """``pkg:app`` -> ``[pkg:app]``; ``pkg:create_app()`` -> ``[pkg:create_app, --factory]``."""

    module, sep, attr = spec.partition(":")
    if not sep:
        if default_attr is None:
            return None, f"cannot tell which object of {module} is the app"
        attr = default_attr
    if not re.match(r"^[\w.]+$", module):
        return None, f"the app {spec} is not a module:attribute"
    m = re.match(r"^([\w.]+)\s*(\(\s*\))?$", attr)
    if m is None:
        return None, f"the app factory {attr} takes arguments uvicorn cannot pass"
    if m.group(2):
        return [f"{module}:{m.group(1)}", "--factory"], ""
    return [f"{module}:{m.group(1)}"], ""


def _gunicorn(args: Sequence[str], env: Mapping[str, str]) -> Translation:
    out: list[str] = []
    app: str | None = None
    msgs: list[tuple[Severity, str, str]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            if app is not None:
                return Translation(None, [(Severity.WARNING, f"unexpected argument {arg}", "")])
            app = arg
            i += 1
            continue
        name = arg.split("=", 1)[0]
        if name in _GUNICORN_FLAG:
            out.append(_GUNICORN_FLAG[name])
            i += 1
            continue
        name, value, nxt = _split_value(args, i)
        if value is None:
            return Translation(None, [(Severity.WARNING, f"option {name} has no value", "")])
        if name in ("-b", "--bind"):
            if "--host" in out or "--uds" in out or "--port" in out:
                msg = "binds more than one address; uvicorn listens on one"
                return Translation(None, [(Severity.WARNING, msg, "")])
            opts, _ = _bind(value)
            out += opts
        elif name in ("-k", "--worker-class"):
            if "uvicorn" in value.lower():
                return Translation(None)  # already an ASGI worker: nothing to do
            msgs.append((Severity.INFO, f"dropped the gunicorn worker class {value}", ""))
        elif name in ("-t", "--timeout"):
            msgs.append(
                (
                    Severity.WARNING,
                    f"dropped --timeout {value}: uvicorn has no worker timeout",
                    "gunicorn's --timeout restarts silent workers; uvicorn's "
                    "--timeout-keep-alive is another setting",
                )
            )
        elif name in _GUNICORN_STDIO and value == "-":
            pass
        elif name in _GUNICORN_VALUE:
            if name == "--log-level" and value.lower() not in _LOG_LEVELS:
                return Translation(None, [(Severity.WARNING, f"log level {value}", "")])
            out += [_GUNICORN_VALUE[name], value]
        else:
            msg = f"left the gunicorn command alone: uvicorn has no option like {name}"
            hint = "write the uvicorn command by hand (uvicorn --help)"
            return Translation(None, [(Severity.WARNING, msg, hint)])
        i = nxt
    if app is None:
        msg = "left the gunicorn command alone: it names no app"
        return Translation(None, [(Severity.WARNING, msg, "gunicorn may read it from a config")])
    target, why = _target(app, "application")
    if target is None:
        return Translation(
            None, [(Severity.WARNING, f"left the gunicorn command alone: {why}", "")]
        )
    if not any(o in out for o in ("--host", "--uds", "--fd")):
        if "PORT" in env:  # gunicorn binds 0.0.0.0:$PORT when PORT is set (Heroku, Procfile)
            out += ["--host", "0.0.0.0", "--port", env["PORT"]]
        else:
            msgs.append(
                (
                    Severity.INFO,
                    "uvicorn does not read $PORT as gunicorn does",
                    "if the platform sets PORT, add --host 0.0.0.0 --port $PORT",
                )
            )
    return Translation(["uvicorn", *target, *out], msgs)


def _flask_app(spec: str | None, locate: AppLocator | None) -> tuple[list[str] | None, str]:
    if spec is None:
        for module in ("wsgi", "app"):  # Flask's own discovery order
            found = locate(module) if locate else None
            if found:
                return _target(f"{module}:{found}", None)
        return None, "cannot tell where the app is (no --app, no FLASK_APP)"
    if spec.endswith(".py"):
        spec = spec[:-3].replace("/", ".")
    module, sep, _ = spec.partition(":")
    if sep:
        return _target(spec, None)
    found = locate(module) if locate else None
    return _target(module, found)


def _flask(args: Sequence[str], env: Mapping[str, str], locate: AppLocator | None) -> Translation:
    app = env.get("FLASK_APP")
    i = 0
    while i < len(args) and args[i] != "run":
        if args[i].split("=", 1)[0] in ("-A", "--app"):
            _, app, i = _split_value(args, i)
            if app is None:
                return Translation(None, [(Severity.WARNING, "--app has no value", "")])
        elif args[i] in ("--debug", "--no-debug"):
            i += 1
        elif not args[i].startswith("-"):
            return Translation(None)  # another flask command (flask db upgrade, ...)
        else:
            return Translation(None, [(Severity.WARNING, f"unknown flask option {args[i]}", "")])
    if i >= len(args):
        return Translation(None)  # another flask command (flask db upgrade, ...)
    debug = "--debug" in args[:i] or env.get("FLASK_DEBUG", "") in ("1", "true", "True")
    host = env.get("FLASK_RUN_HOST")
    port = env.get("FLASK_RUN_PORT")
    reload: bool | None = None
    msgs: list[tuple[Severity, str, str]] = []
    rest = args[i + 1 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        name = arg.split("=", 1)[0]
        if name in ("--reload", "--no-reload"):
            reload = name == "--reload"
            j += 1
            continue
        if name in ("--debugger", "--no-debugger", "--with-threads", "--without-threads"):
            j += 1
            continue
        name, value, nxt = _split_value(rest, j)
        if value is None or name not in ("-h", "--host", "-p", "--port"):
            msg = f"left the flask run command alone: uvicorn has no option like {name}"
            return Translation(None, [(Severity.WARNING, msg, "")])
        if name in ("-h", "--host"):
            host = value
        else:
            port = value
        j = nxt
    target, why = _flask_app(app, locate)
    if target is None:
        msg = f"left the flask run command alone: {why}"
        hint = "write `uvicorn module:app --host ... --port ...` by hand"
        return Translation(None, [(Severity.WARNING, msg, hint)])
    out = ["uvicorn", *target]
    if host:
        out += ["--host", host]
    out += ["--port", port or "5000"]  # flask run's default port (uvicorn's is 8000)
    if reload is True or (reload is None and debug):
        out.append("--reload")
    if debug:
        msgs.append((Severity.INFO, "flask's debug mode has no uvicorn equivalent", ""))
    return Translation(out, msgs)


def translate_argv(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    locate: AppLocator | None = None,
) -> Translation:
    """Translate one server command (already split into arguments) to uvicorn.

    ``env`` holds the variables the command sees (``FLASK_APP``, ``FLASK_RUN_PORT``, ...);
    ``locate`` says which object of a module is the app (for ``flask run`` without
    ``module:attr``). Anything that is not a gunicorn or ``flask run`` command is left alone.
    """

    env = env or {}
    args = list(argv)
    prefix: list[str] = []
    for wrapper in _WRAPPERS:
        if tuple(args[: len(wrapper)]) == wrapper:
            prefix, args = args[: len(wrapper)], args[len(wrapper) :]
            break
    if len(args) >= 3 and _PYTHON.match(args[0]) and args[1] == "-m":
        prefix, args = [*prefix, args[0], "-m"], args[2:]
    if not args:
        return Translation(None)
    prog = args[0].rsplit("/", 1)[-1]
    if prog == "gunicorn":
        t = _gunicorn(args[1:], env)
    elif prog == "flask":
        t = _flask(args[1:], env, locate)
    else:
        return Translation(None)
    if t.argv is not None:
        t.argv = [*prefix, *t.argv]
    return t


def quote(arg: str) -> str:
    """Shell quoting that keeps ``$VAR`` expanding (double quotes) where the value uses it."""

    if _SAFE.match(arg):
        return arg
    if not re.search(r'["\\`]', arg):
        return f'"{arg}"'
    return shlex.quote(arg)


def _split_last(command: str) -> tuple[str, str] | None:
    """``(head, last)``: the command cut after its last top-level ``&&`` or ``;``; ``None``
    when it pipes, redirects, backgrounds or substitutes (left to a person)."""

    if re.search(r"`|\$\(", command):
        return None
    quote: str | None = None
    cut = 0
    i = 0
    while i < len(command):
        ch = command[i]
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "\\":
            i += 1
        elif command.startswith("&&", i):
            cut = i + 2
            i += 1
        elif ch == ";":
            cut = i + 1
        elif ch in "|&<>":
            return None
        i += 1
    if quote:
        return None
    return command[:cut], command[cut:]


def translate_shell(
    command: str, env: Mapping[str, str] | None = None, locate: AppLocator | None = None
) -> tuple[str | None, Translation]:
    """A shell command line -> the uvicorn command line (``None``: left as it is).

    In ``a && b && server`` (or ``;``) only the last command, the server, is translated."""

    if not re.search(r"\b(gunicorn|flask)\b", command):
        return None, Translation(None)
    split = _split_last(command)
    if split is None or re.search(r"\bgunicorn\b|\bflask\b.*\brun\b", split[0]):
        if re.search(r"\bgunicorn\b|\bflask\b.*\brun\b", command):
            msg = "left alone: the server starts inside a compound shell command"
            return None, Translation(None, [(Severity.WARNING, msg, "convert it by hand")])
        return None, Translation(None)
    before, last = split
    try:
        argv = shlex.split(last)
    except ValueError:
        return None, Translation(None)
    lead_env: dict[str, str] = dict(env or {})
    while argv and re.match(r"^[A-Za-z_]\w*=", argv[0]):
        k, _, v = argv.pop(0).partition("=")
        lead_env[k] = v
    t = translate_argv(argv, lead_env, locate)
    if t.argv is None:
        return None, t
    # keep the whitespace and VAR=value assignments before the command as they were written
    m = re.match(r"^(\s*(?:[A-Za-z_]\w*=\S*\s+)*)", last)
    head = m.group(1) if m else ""
    return before + head + " ".join(quote(a) for a in t.argv), t


def translate_exec(
    argv: Sequence[str], env: Mapping[str, str] | None = None, locate: AppLocator | None = None
) -> tuple[list[str] | None, Translation]:
    """An exec form (JSON array, YAML list); ``sh -c "script"`` translates the script."""

    if len(argv) >= 3 and argv[0] in ("sh", "/bin/sh", "bash", "/bin/bash") and argv[1] == "-c":
        script, t = translate_shell(argv[2], env, locate)
        return (None if script is None else [*argv[:2], script, *argv[3:]]), t
    t = translate_argv(argv, env, locate)
    return t.argv, t


def _diags(t: Translation, path: str, line: int, text: str) -> list[Diagnostic]:
    return [Diagnostic(RULE, s, m, Origin(path, line, text.strip()), h) for s, m, h in t.messages]


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class ServerRewrite:
    text: str
    changed: bool
    diagnostics: tuple[Diagnostic, ...] = ()


def _newlines(text: str) -> tuple[str, bool]:
    crlf = "\r\n" in text
    return (text.replace("\r\n", "\n") if crlf else text), crlf


def _done(text: str, new: str, crlf: bool, diags: list[Diagnostic]) -> ServerRewrite:
    if new == (text.replace("\r\n", "\n") if crlf else text):
        return ServerRewrite(text, False, tuple(diags))
    return ServerRewrite(new.replace("\n", "\r\n") if crlf else new, True, tuple(diags))


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


def _env_line(body: str, env: dict[str, str]) -> None:
    try:
        parts = shlex.split(body)
    except ValueError:
        return
    if len(parts) >= 2 and "=" not in parts[0]:
        env[parts[0]] = " ".join(parts[1:])
        return
    for p in parts:
        k, sep, v = p.partition("=")
        if sep:
            env[k] = v


def rewrite_dockerfile_server(
    text: str, path: str = "Dockerfile", locate: AppLocator | None = None
) -> ServerRewrite:
    """Rewrite the ``CMD``/``ENTRYPOINT`` lines that start a WSGI server (FF025)."""

    from toolshift.rewriters.dockerfile import parse

    work, crlf = _newlines(text)
    try:
        parsed = parse(work)
    except ValueError:
        return ServerRewrite(text, False)
    lines = work.splitlines(keepends=True)
    env: dict[str, str] = {}
    diags: list[Diagnostic] = []
    edits: list[tuple[int, int, str]] = []
    for it in parsed.items:
        if it.keyword == "FROM":
            env = {}
        if it.keyword == "ENV":
            _env_line(it.logical(), env)
        if it.keyword not in ("CMD", "ENTRYPOINT"):
            continue
        body = it.logical()
        argv = _exec_form(body)
        new_body: str | None
        if argv is not None:
            new_argv, t = translate_exec(argv, env, locate)
            new_body = None if new_argv is None else json.dumps(new_argv)
        else:
            new_body, t = translate_shell(body, env, locate)
        diags += _diags(t, path, it.line, body)
        if new_body is None:
            continue
        count = it.text.count("\n") or 1
        first = lines[it.line - 1]
        indent = first[: len(first) - len(first.lstrip())]
        end = "\n" if it.text.endswith("\n") else ""
        edits.append((it.line - 1, count, f"{indent}{it.keyword} {new_body}{end}"))
    for start, count, repl in reversed(edits):
        lines[start : start + count] = [repl]
    return _done(text, "".join(lines), crlf, diags)


def rewrite_procfile(
    text: str, path: str = "Procfile", locate: AppLocator | None = None
) -> ServerRewrite:
    """Rewrite ``web: gunicorn ...`` style Procfile lines (FF025)."""

    work, crlf = _newlines(text)
    out: list[str] = []
    diags: list[Diagnostic] = []
    for number, line in enumerate(work.splitlines(keepends=True), start=1):
        m = re.match(r"^(\s*[\w-]+:[ \t]*)(.*?)(\s*)$", line, re.S)
        if m is None or line.lstrip().startswith("#"):
            out.append(line)
            continue
        new, t = translate_shell(m.group(2), {"PORT": "$PORT"}, locate)
        diags += _diags(t, path, number, m.group(2))
        out.append(line if new is None else m.group(1) + new + m.group(3))
    return _done(text, "".join(out), crlf, diags)


def _compose_env(svc: Any) -> dict[str, str]:
    env = svc.get("environment")
    out: dict[str, str] = {}
    if isinstance(env, dict):
        out = {str(k): str(v) for k, v in env.items() if v is not None}
    elif isinstance(env, list):
        for item in env:
            k, sep, v = str(item).partition("=")
            if sep:
                out[k] = v
    return out


def rewrite_compose_server(
    text: str, path: str = "compose.yaml", locate: AppLocator | None = None
) -> ServerRewrite:
    """Rewrite the services' ``command``/``entrypoint`` that start a WSGI server (FF025)."""

    from ruamel.yaml.comments import CommentedSeq

    from toolshift.rewriters.compose import _dump, _line, _same_style, _yaml

    if not re.search(r"\b(gunicorn|flask)\b", text):
        return ServerRewrite(text, False)
    work, crlf = _newlines(text)
    try:
        data = _yaml().load(work)
    except Exception:  # ruamel raises many error types; the compose rewriter reports it
        return ServerRewrite(text, False)
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return ServerRewrite(text, False)
    diags: list[Diagnostic] = []
    changed = False
    for svc in data["services"].values():
        if not isinstance(svc, dict):
            continue
        env = _compose_env(svc)
        for key in ("command", "entrypoint"):
            val = svc.get(key)
            line = _line(svc, key)
            if isinstance(val, str):
                new, t = translate_shell(str(val), env, locate)
                diags += _diags(t, path, line, str(val))
                if new is not None:
                    svc[key] = _same_style(val, new)
                    changed = True
            elif isinstance(val, list) and all(isinstance(v, str) for v in val):
                new_argv, t = translate_exec([str(v) for v in val], env, locate)
                diags += _diags(t, path, line, " ".join(str(v) for v in val))
                if new_argv is not None:
                    seq = CommentedSeq([_same_style(val[0], a) for a in new_argv])
                    if hasattr(val, "fa") and val.fa.flow_style():
                        seq.fa.set_flow_style()
                    svc[key] = seq
                    changed = True
    if not changed:
        return ServerRewrite(text, False, tuple(diags))
    buf = io.StringIO(_dump(data, work))
    return _done(text, buf.getvalue(), crlf, diags)
