"""One exception tree for the whole library, and the exit codes the CLI maps it to.

The library raises; only ``toolshift.cli`` exits. Every error carries *what* went wrong,
*where* (``path:line`` when known) and *how to fix it*, so the CLI can print three short lines
and never a traceback.

::

    ToolshiftError                      exit 2 unless stated
    ├── UsageError                      bad flags or arguments
    ├── InputError                      a user's file cannot be read or understood
    │   ├── ParseError                  malformed content at path:line
    │   └── IncludeError                missing -r/-c target, include cycle
    ├── ToolError                       uv/pip missing, too old, or failed to run
    ├── ApplyError                      exit 4: a write or post-action failed; rolled back
    ├── JournalError                    nothing to undo, unknown id, damaged journal
    └── VerificationError               exit 3: verification found a difference
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHANGES_PENDING = 1
    USAGE = 2
    VERIFICATION_FAILED = 3
    ROLLED_BACK = 4


class ToolshiftError(Exception):
    """Base of every error toolshift raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    @property
    def where(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" (hint: {self.hint})")
        return "".join(parts)


class UsageError(ToolshiftError):
    """The command line itself is wrong."""


class InputError(ToolshiftError):
    """A user's file cannot be read or understood."""


class ParseError(InputError):
    """Malformed content at a known place."""


class IncludeError(InputError):
    """A ``-r``/``-c`` target is missing, outside the project, or forms a cycle."""


class ToolError(ToolshiftError):
    """An external tool (uv, pip) is missing, too old, or failed."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        output: str = "",
    ) -> None:
        super().__init__(message, path=path, line=line, hint=hint)
        self.output = output


class ApplyError(ToolshiftError):
    """Applying a plan failed; every file was restored before this was raised."""

    exit_code = ExitCode.ROLLED_BACK

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        output: str = "",
    ) -> None:
        super().__init__(message, path=path, line=line, hint=hint)
        self.output = output


class JournalError(ToolshiftError):
    """Nothing to undo, an unknown journal id, or a damaged journal."""


class VerificationError(ToolshiftError):
    """Verification found a difference between before and after."""

    exit_code = ExitCode.VERIFICATION_FAILED
