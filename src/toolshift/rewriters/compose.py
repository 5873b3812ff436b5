"""docker compose files (``docker-compose.yml``, ``compose.yaml``, overrides) around pip <-> uv.

Role in the pipeline: render (pure). ruamel.yaml round-trip keeps comments, anchors, quotes and
key order; a file with nothing to change is returned byte for byte.

Per service:

* ``command`` / ``entrypoint`` (string or list): ``uv run X`` -> ``X`` for pip; pip command lines
  translated for uv (the image puts the venv on PATH, so direct commands keep working);
* volumes: a pip cache volume (``/root/.cache/pip``) becomes uv's (``/root/.cache/uv``) and back;
  a service that bind-mounts its source over the WORKDIR (``.:/app``) gets an anonymous
  ``/app/.venv`` volume, so the host's folder does not hide the image's environment;
* ``develop.watch``: ``rebuild`` rules on ``requirements*.txt`` <-> ``uv.lock`` (+
  ``pyproject.toml``), ``sync`` rules ignore ``.venv/``.
"""

from __future__ import annotations

import io
import re
from typing import Any

from toolshift.model import Diagnostic, Severity
from toolshift.rewriters import AdhocPackage, RewriteContext, RewriteResult
from toolshift.rewriters.shell import ShellContext, translate_argv, translate_script

RULE_COMMAND = "TS209"
RULE_VOLUMES = "TS210"

_REQ = re.compile(r"^(\./)?(.*/)?requirements[^/]*\.(txt|in)$")


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def _indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation the file uses, for ruamel's dumper."""

    lines = text.splitlines()
    mapping = 2
    for ln in lines:
        m = re.match(r"^( +)[^\s#-]", ln)
        if m:
            mapping = len(m.group(1))
            break
    for i, ln in enumerate(lines):
        m = re.match(r"^( *)- ", ln)
        if not m or i == 0:
            continue
        j = i - 1
        while j >= 0 and (not lines[j].strip() or lines[j].lstrip().startswith("#")):
            j -= 1
        prev = lines[j]
        if not prev.rstrip().endswith(":"):
            continue
        key_indent = len(prev) - len(prev.lstrip())
        offset = len(m.group(1)) - key_indent
        return mapping, offset + 2, offset
    return mapping, mapping, 0


def _dump(data: Any, like: str) -> str:
    y = _yaml()
    m, s, o = _indent(like)
    y.indent(mapping=m, sequence=max(s, o + 2), offset=o)
    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    if like.startswith("---") and not out.startswith("---"):
        out = "---\n" + out
    return out


def _load(
    text: str, ctx: RewriteContext, rule: str, hint: str = ""
) -> tuple[Any, str, RewriteResult | None]:
    """Round-trip load of ``text`` with CRLF folded to LF: ``(data, work, None)``, or
    ``(None, work, result)`` where ``result`` leaves a file that is not YAML alone and says so.
    Shared by the compose, GitHub Actions and GitLab CI rewriters."""

    work = text.replace("\r\n", "\n")
    try:
        return _yaml().load(work), work, None
    except Exception as exc:  # ruamel raises many error types
        diag = ctx.diag(
            rule, Severity.WARNING, f"left alone: not valid YAML ({type(exc).__name__})", hint=hint
        )
        return None, work, RewriteResult(text, diagnostics=(diag,))


def _dump_as(data: Any, work: str, crlf: bool) -> str:
    """:func:`_dump` in the layout of ``work``, with CRLF put back when the file had it."""

    out = _dump(data, work)
    return out.replace("\r\n", "\n").replace("\n", "\r\n") if crlf else out


class _Acc:
    def __init__(self) -> None:
        self.rules: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.adhoc: list[AdhocPackage] = []

    def rule(self, r: str) -> None:
        if r not in self.rules:
            self.rules.append(r)


def _line(node: Any, key: Any) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1
    except Exception:  # ruamel line info is best effort
        return 0


def _command(svc: Any, key: str, ctx: RewriteContext, acc: _Acc) -> None:
    from ruamel.yaml.comments import CommentedSeq

    val = svc.get(key)
    line = _line(svc, key)
    if (
        isinstance(val, str)
        and ctx.direction == "pip"
        and key == "entrypoint"
        and _bare_uv_run(str(val).split())
    ):
        del svc[key]
        acc.rule(RULE_COMMAND)
        return
    if isinstance(val, str):
        res = translate_script(str(val), ctx, ShellContext.RUNTIME, line=line)
        acc.diagnostics.extend(res.diagnostics)
        acc.adhoc.extend(res.adhoc_packages)
        if res.text != str(val) and not res.dropped:
            svc[key] = _same_style(val, res.text)
            acc.rule(RULE_COMMAND)
    elif isinstance(val, list) and all(isinstance(v, str) for v in val):
        argv = [str(v) for v in val]
        if len(argv) >= 3 and argv[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and argv[1] == "-c":
            res = translate_script(argv[2], ctx, ShellContext.RUNTIME, line=line)
            acc.diagnostics.extend(res.diagnostics)
            acc.adhoc.extend(res.adhoc_packages)
            if res.text != argv[2] and not res.dropped:
                val[2] = _same_style(val[2], res.text)
                acc.rule(RULE_COMMAND)
            return
        if ctx.direction == "pip" and key == "entrypoint" and _bare_uv_run(argv):
            del svc[key]
            acc.rule(RULE_COMMAND)
            acc.diagnostics.append(
                ctx.diag(RULE_COMMAND, Severity.INFO, "removed the `uv run` entrypoint", line)
            )
            return
        t = translate_argv(argv, ctx, ShellContext.RUNTIME, line=line)
        acc.diagnostics.extend(t.diagnostics)
        if t.argv is None or t.argv == tuple(argv):
            return
        acc.rule(RULE_COMMAND)
        k = len(argv) - len(t.argv)
        if k > 0 and tuple(argv[k:]) == t.argv:
            del val[:k]  # keep the remaining items (and their quotes) as they are
            return
        style = val[0] if len(val) else ""
        seq = CommentedSeq([_same_style(style, a) for a in t.argv])
        if hasattr(val, "fa") and val.fa.flow_style():
            seq.fa.set_flow_style()
        svc[key] = seq


def _same_style(old: Any, new: str) -> Any:
    """``new`` with the quoting style of ``old`` (ruamel keeps quotes in str subclasses)."""

    from ruamel.yaml.scalarstring import ScalarString

    return type(old)(new) if isinstance(old, ScalarString) else new


def _del_item(seq: Any, i: int) -> None:
    """Delete ``seq[i]``; a blank line/comment after the last item stays after the new last."""

    last = len(seq) - 1
    token = None
    if i == last and hasattr(seq, "ca"):
        item = seq[i]
        if isinstance(item, dict) and len(item) and hasattr(item, "ca"):
            key = list(item.keys())[-1]
            token = item.ca.items.get(key)
        else:
            token = seq.ca.items.get(last)
    del seq[i]
    if token is None or not len(seq):
        return
    prev = seq[len(seq) - 1]
    if isinstance(prev, dict) and len(prev) and hasattr(prev, "ca"):
        prev.ca.items[list(prev.keys())[-1]] = token
    else:
        seq.ca.items[len(seq) - 1] = token


def _bare_uv_run(argv: list[str]) -> bool:
    return len(argv) >= 2 and argv[:2] == ["uv", "run"] and all(a.startswith("-") for a in argv[2:])


def _volume_target(v: Any) -> tuple[str | None, str | None]:
    """(source, target) of a short (``src:dst[:mode]``) or long volume entry."""

    if isinstance(v, str):
        parts = v.split(":")
        if len(parts) == 1:
            return None, parts[0]
        return parts[0], parts[1]
    if isinstance(v, dict):
        src = v.get("source")
        return (str(src) if src is not None else None), (
            str(v.get("target")) if v.get("target") is not None else None
        )
    return None, None


def _volumes(svc: Any, ctx: RewriteContext, acc: _Acc, name: str) -> None:
    vols = svc.get("volumes")
    if not isinstance(vols, list):
        return
    uv = ctx.direction == "uv"
    old_cache, new_cache = (
        ("/root/.cache/pip", "/root/.cache/uv") if uv else ("/root/.cache/uv", "/root/.cache/pip")
    )
    for i, v in enumerate(vols):
        src, dst = _volume_target(v)
        if dst == old_cache:
            if isinstance(v, str):
                vols[i] = _same_style(v, v.replace(old_cache, new_cache))
            else:
                v["target"] = new_cache
            acc.rule(RULE_VOLUMES)
    if not uv or "build" not in svc:
        if not uv:
            for i in range(len(vols) - 1, -1, -1):
                src, dst = _volume_target(vols[i])
                if src is None and dst is not None and dst.endswith("/.venv"):
                    _del_item(vols, i)
                    acc.rule(RULE_VOLUMES)
        return
    targets = {(_volume_target(v)[1] or "").rstrip("/") for v in vols}
    for v in list(vols):
        src, dst = _volume_target(v)
        if src and dst and src.rstrip("/") == ".":
            venv = dst.rstrip("/") + "/.venv"
            if venv not in targets:
                vols.append(venv)
                targets.add(venv)
                acc.rule(RULE_VOLUMES)
                acc.diagnostics.append(
                    ctx.diag(
                        RULE_VOLUMES,
                        Severity.INFO,
                        f"service {name}: added an anonymous {venv} volume so the bind mount of "
                        "the source does not hide the image's virtual environment",
                        _line(svc, "volumes"),
                    )
                )


def _watch(svc: Any, ctx: RewriteContext, acc: _Acc) -> None:
    dev = svc.get("develop")
    if not isinstance(dev, dict) or not isinstance(dev.get("watch"), list):
        return
    rules = dev["watch"]
    uv = ctx.direction == "uv"
    if uv:
        lock_seen = any(
            isinstance(r, dict) and str(r.get("path", "")).endswith("uv.lock") for r in rules
        )
        py_seen = any(
            isinstance(r, dict) and str(r.get("path", "")).endswith("pyproject.toml") for r in rules
        )
        for i in range(len(rules) - 1, -1, -1):
            r = rules[i]
            if not isinstance(r, dict):
                continue
            path = str(r.get("path", ""))
            if r.get("action") == "rebuild" and _REQ.match(path):
                prefix = "./" if path.startswith("./") else ""
                if lock_seen:
                    _del_item(rules, i)
                else:
                    r["path"] = prefix + "uv.lock"
                    lock_seen = True
                    if not py_seen:
                        new = type(r)()
                        for k in r:
                            new[k] = r[k]
                        new["path"] = prefix + "pyproject.toml"
                        rules.insert(i + 1, new)
                        py_seen = True
                acc.rule(RULE_VOLUMES)
            elif r.get("action") in ("sync", "sync+restart") and "target" in r:
                ign = r.get("ignore")
                if ign is None:
                    from ruamel.yaml.comments import CommentedSeq

                    r["ignore"] = CommentedSeq([".venv/"])
                    acc.rule(RULE_VOLUMES)
                elif isinstance(ign, list) and not any(
                    str(x).rstrip("/") in (".venv", "./.venv") for x in ign
                ):
                    ign.append(".venv/")
                    acc.rule(RULE_VOLUMES)
        return
    req = ctx.runtime_requirements
    for i in range(len(rules) - 1, -1, -1):
        r = rules[i]
        if not isinstance(r, dict) or r.get("action") != "rebuild":
            continue
        path = str(r.get("path", ""))
        prefix = "./" if path.startswith("./") else ""
        if path.endswith("uv.lock"):
            r["path"] = prefix + req
            acc.rule(RULE_VOLUMES)
        elif path.endswith("pyproject.toml") and not ctx.is_package:
            _del_item(rules, i)
            acc.rule(RULE_VOLUMES)


def rewrite_compose(text: str, ctx: RewriteContext) -> RewriteResult:
    """Rewrite one compose file for ``ctx.direction``. Idempotent; untouched text is returned
    as is."""

    if not text.strip():
        return RewriteResult(text)
    data, work, bad = _load(text, ctx, RULE_COMMAND, "fix the YAML, then run toolshift again")
    if bad is not None:
        return bad
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return RewriteResult(text)
    acc = _Acc()
    for name, svc in data["services"].items():
        if not isinstance(svc, dict):
            continue
        if ctx.enabled(RULE_COMMAND):
            for key in ("command", "entrypoint"):
                if key in svc:
                    _command(svc, key, ctx, acc)
        if ctx.enabled(RULE_VOLUMES):
            _volumes(svc, ctx, acc, str(name))
            _watch(svc, ctx, acc)
    if not acc.rules:
        return RewriteResult(text, diagnostics=tuple(acc.diagnostics))
    out = _dump_as(data, work, "\r\n" in text)
    return RewriteResult(out, tuple(acc.rules), tuple(acc.diagnostics), tuple(acc.adhoc))


__all__ = ["rewrite_compose"]
