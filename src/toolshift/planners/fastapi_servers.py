"""FF025 for ``migrate --to fastapi``: the files that start the server follow the app.

Pure. Finds the Dockerfiles, compose files and the ``Procfile`` in ``detected.contents`` and
rewrites their ``gunicorn`` / ``flask run`` commands with
:mod:`toolshift.rewriters.server_command`. Where a command names a module but not the app object
(``flask run`` with ``FLASK_APP=shop``, Flask's discovery of ``app.py``), the codemod's project
facts say which object is the app, the way Flask itself looks for it: ``app`` or
``application``, else the one app in the module, else a ``create_app``/``make_app`` factory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libcst as cst

from toolshift.codemods.flask_fastapi.facts import ObjKind, collect_facts
from toolshift.codemods.flask_fastapi.names import ModuleName, module_name
from toolshift.detect import classify
from toolshift.errors import InputError
from toolshift.model import Detected, Diagnostic, FileChange, FileRole
from toolshift.rewriters.server_command import (
    RULE,
    AppLocator,
    ServerRewrite,
    rewrite_compose_server,
    rewrite_dockerfile_server,
    rewrite_procfile,
)
from toolshift.rules import describe
from toolshift.textio import decode, encode

PROCFILE = "Procfile"


def app_locator(sources: Mapping[str, str]) -> AppLocator:
    """Module name -> the app's attribute (``"app"``) or factory call (``"create_app()"``)."""

    parsed: dict[str, tuple[ModuleName, cst.Module]] = {}
    for path, text in sources.items():
        try:
            parsed[path] = (module_name(path, sources.keys()), cst.parse_module(text))
        except cst.ParserSyntaxError:
            continue
    facts = collect_facts(parsed)

    def names(keys: Iterable[str], module: str) -> list[str]:
        prefix = module + "."
        return [
            k[len(prefix) :] for k in keys if k.startswith(prefix) and "." not in k[len(prefix) :]
        ]

    def locate(module: str) -> str | None:
        apps = names([k for k, v in facts.objects.items() if v is ObjKind.APP], module)
        for name in ("app", "application"):
            if name in apps:
                return name
        if len(apps) == 1:
            return apps[0]
        factories = names(sorted(facts.factories), module)
        for name in ("create_app", "make_app"):
            if name in factories:
                return name + "()"
        return None

    return locate


def _is_procfile(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == PROCFILE


def server_command_changes(
    detected: Detected, sources: Mapping[str, str], diagnostics: list[Diagnostic]
) -> list[FileChange]:
    """The FF025 changes: one per Dockerfile, compose file or Procfile whose commands change."""

    targets = [
        (path, classify(path), data)
        for path, data in sorted(detected.contents.items())
        if _is_procfile(path) or classify(path) in (FileRole.DOCKERFILE, FileRole.COMPOSE)
    ]
    if not targets:
        return []
    locate = app_locator(sources)
    out: list[FileChange] = []
    for path, role, data in targets:
        try:
            text, fmt = decode(data, path)
        except InputError:
            continue  # the packaging planners report undecodable files
        res: ServerRewrite
        if role is FileRole.DOCKERFILE:
            res = rewrite_dockerfile_server(text, path, locate)
        elif role is FileRole.COMPOSE:
            res = rewrite_compose_server(text, path, locate)
        else:
            res = rewrite_procfile(text, path, locate)
        diagnostics.extend(res.diagnostics)
        if res.changed:
            new = encode(res.text, fmt)
            if new != data:
                out.append(FileChange(path, data, new, (RULE,), (describe(RULE),)))
    return out
