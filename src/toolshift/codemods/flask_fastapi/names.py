"""Module names from project paths, and qualified names made project-wide.

libcst's ``QualifiedNameProvider`` names a module-level ``app`` just ``app`` and an import
``from .views import bp`` ``.views.bp``. Both passes key Flask objects by one project-wide name
(``pkg.views.bp``), so these helpers add the module to local names and resolve relative ones.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import QualifiedName, QualifiedNameSource


@dataclass(frozen=True)
class ModuleName:
    """``name``: dotted module name; ``package``: the package a relative import starts from;
    ``root``: the folder the top-level package (or the module itself) lives in."""

    name: str
    package: str
    root: str


def module_name(path: str, all_paths: Collection[str]) -> ModuleName:
    """``src/pkg/views.py`` -> ``pkg.views`` when ``src/pkg/__init__.py`` is in ``all_paths``."""

    parts = path.split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    dirs = parts[:-1]
    pkg: list[str] = []
    while dirs and "/".join([*dirs, "__init__.py"]) in all_paths:
        pkg.insert(0, dirs.pop())
    root = "/".join(dirs)
    if stem == "__init__":
        name = ".".join(pkg) or stem
        return ModuleName(name, name, root)
    return ModuleName(".".join([*pkg, stem]), ".".join(pkg), root)


def resolve(qname: QualifiedName, module: ModuleName) -> str:
    """A project-wide dotted name for one qualified name seen in ``module``."""

    name = qname.name
    if qname.source is QualifiedNameSource.LOCAL:
        return f"{module.name}.{name}"
    if qname.source is QualifiedNameSource.IMPORT and name.startswith("."):
        dots = len(name) - len(name.lstrip("."))
        base = module.package.split(".") if module.package else []
        if dots > 1:
            base = base[: len(base) - (dots - 1)]
        rest = name[dots:]
        return ".".join([*base, rest]) if base else rest
    return name


def resolve_all(qnames: Iterable[QualifiedName], module: ModuleName) -> set[str]:
    return {resolve(q, module) for q in qnames}


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain (not f-) string literal, else ``None``."""

    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
