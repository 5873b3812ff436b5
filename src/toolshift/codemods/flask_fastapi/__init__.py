"""Flask -> FastAPI codemod (libcst), a renderer over ``.py`` files.

Public API: :func:`convert_project` (path -> text in, :class:`CodemodResult` out),
:class:`CodemodOptions` (``style``: ``compatible`` | ``idiomatic``, ``disabled_rules``).
Two passes: :mod:`.facts` gathers project-wide facts, :mod:`.transform` rewrites each module;
:mod:`.compat_runtime` is the helper copied into converted projects as ``_flask_compat.py``.
"""

from toolshift.codemods.flask_fastapi.api import compat_source, convert_project
from toolshift.codemods.flask_fastapi.result import (
    CodemodOptions,
    CodemodResult,
    DependencyChanges,
    FileResult,
    Todo,
)

__all__ = [
    "CodemodOptions",
    "CodemodResult",
    "DependencyChanges",
    "FileResult",
    "Todo",
    "compat_source",
    "convert_project",
]
