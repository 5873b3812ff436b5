"""What the Flask -> FastAPI codemod takes and returns (frozen data, no behaviour)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from toolshift.model import Diagnostic, MigrateOptions

COMPAT_MODULE = "_flask_compat"


@dataclass(frozen=True)
class CodemodOptions:
    """``style``: ``compatible`` keeps Flask's behaviour through a generated helper module;
    ``idiomatic`` writes plain FastAPI and accepts the documented differences."""

    style: str = "compatible"
    disabled_rules: frozenset[str] = frozenset()

    @classmethod
    def from_migrate(cls, options: MigrateOptions) -> CodemodOptions:
        return cls(style=options.style, disabled_rules=options.disabled_rules)

    @property
    def compatible(self) -> bool:
        return self.style != "idiomatic"


@dataclass(frozen=True)
class Todo:
    """A construct left in place, marked ``# TODO[toolshift FFxxx]: message`` at ``path:line``."""

    path: str
    line: int
    rule: str
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}: {self.rule} {self.message}"


@dataclass(frozen=True)
class DependencyChanges:
    """Distribution names to drop and PEP 508 requirements to add: ``add`` to the runtime
    dependencies, ``add_dev`` to the development/test group (TestClient needs httpx)."""

    remove: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    add_dev: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.remove and not self.add and not self.add_dev


@dataclass(frozen=True)
class FileResult:
    """One converted file: ``old`` is ``None`` for a file the codemod creates."""

    path: str
    old: str | None
    new: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodemodResult:
    files: Mapping[str, FileResult] = field(default_factory=dict)  # changed or created only
    diagnostics: tuple[Diagnostic, ...] = ()
    todos: tuple[Todo, ...] = ()
    dependencies: DependencyChanges = field(default_factory=DependencyChanges)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({r for f in self.files.values() for r in f.rules}))

    def text(self, path: str) -> str | None:
        """The new text of ``path`` if the codemod changed or created it."""

        f = self.files.get(path)
        return f.new if f else None
