"""Read pip's requirements-file format into facts (the *read* step), as pure functions.

:func:`parse_requirements` turns the text of one file into a :class:`RequirementsFile`:
requirements, ``-r``/``-c`` includes (not followed), indexes and install options, each with
the :class:`Origin` of its logical line. It never raises: whatever it cannot understand
becomes a :class:`Diagnostic` (codes below). :func:`load_requirements` follows the includes
through a ``read`` callback and is the only function here that raises (``IncludeError``,
``InputError``).

The line handling mirrors pip (``pip/_internal/req/req_file.py``):

* a line ending in ``\\`` continues on the next one, unless it is a comment line;
  the logical line keeps the number of its first physical line;
* ``#`` starts a comment at the start of a line or after whitespace, so ``#egg=`` in a URL is
  not a comment;
* the text before the first token starting with ``-`` is the requirement; the rest are
  options, split like a shell would (``shlex``) and parsed like ``optparse`` (``-rfile``,
  ``--requirement=file``, unique prefixes of long options);
* a requirement line takes only per-requirement options (``--hash``, ``-C``/
  ``--config-settings``, ``--global-option``); pip ignores other options there, we warn.

Decisions, so consumers can rely on them:

* ``${VAR}`` references are never expanded; they stay verbatim in ``url``, ``specifier``,
  ``Index.url`` and ``Include.target``. They are not secrets, so ``https://${USER}:${TOKEN}@``
  stays as written and ``Index.has_credentials`` is False.
* A *literal* credential (``https://user:pass@``, ``https://token@``) is removed from every
  URL we return (``Index.url``, ``Requirement.url``, ``Include.target``) with
  :func:`toolshift.redact.strip_credentials` (``has_credentials=True`` on an index) and
  replaced by ``****`` in ``Origin.text`` and in diagnostic messages (RQ011 says so). The user
  name of an ``ssh`` URL (``git+ssh://git@github.com/...``) is not a secret and is kept.
* Relative paths in requirement lines are kept as written (pip resolves them against the
  working directory, not the file); ``-r``/``-c`` targets are resolved against the including
  file's folder into :attr:`Include.resolved`.
* A local directory or a URL whose distribution name cannot be known without building it gets
  ``Requirement.name == ""`` and an RQ010 warning; ``#egg=name`` supplies the name. Wheels and
  sdists take name and version (``specifier == "==version"``) from the file name.
* ``Requirement.specifier`` is the user's spelling without whitespace (order kept, parentheses
  dropped); ``marker`` is the user's text, stripped; extras keep their order.
* A leading U+FEFF is dropped; ``\\r\\n``, ``\\r`` and ``\\n`` end lines. ``Origin.text`` is the
  physical text of the whole logical line (inner line endings kept, final one dropped).

Diagnostic codes (``severity``):

=====  =======  ================================================================
RQ001  error    not a valid requirement (PEP 508, URL or path)
RQ002  error    unknown option
RQ003  error    malformed option (missing or unexpected value, bad quoting)
RQ004  error    bad ``--hash`` value
RQ005  error    bad ``--config-settings`` value
RQ006  error    invalid environment marker
RQ007  warning  ``--hash`` on a line without a requirement (pip ignores it)
RQ008  warning  an option or argument pip ignores on this line
RQ009  warning  an option pip accepts (or once accepted) with no meaning for migration
RQ010  warning  distribution name unknown (local directory or URL without ``#egg=``)
RQ011  warning  a literal credential was removed from a URL
RQ012  info     a remote ``-r``/``-c`` URL is not followed
RQ013  error    invalid editable requirement (neither a local path nor a VCS URL)
RQ014  warning  more than one ``--index-url``; pip uses the last one
RQ015  error    bad ``--no-binary``/``--only-binary`` value
RQ016  warning  bad ``#egg=`` fragment
=====  =======  ================================================================
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from toolshift import redact
from toolshift.errors import IncludeError
from toolshift.model import (
    Diagnostic,
    Include,
    IncludeKind,
    Index,
    IndexKind,
    InstallOptions,
    Origin,
    Requirement,
    RequirementsFile,
    Severity,
    SourceKind,
)
from toolshift.textio import decode

__all__ = ["load_requirements", "parse_requirements"]

# --------------------------------------------------------------------------- lines

# pip: COMMENT_RE = re.compile(r"(^|\s+)#.*$"), used with .match (a comment line) and .sub (strip
# the comment). Same meaning here, written so that no input makes the regex quadratic.
_COMMENT_LINE_RE = re.compile(r"\s*#")
_COMMENT_START_RE = re.compile(r"(?:^|(?<=\s))#")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
# pip expands only upper-case names; we keep them, but must hide them from packaging.
_ENV_VAR_RE = re.compile(r"\$\{[A-Z0-9_]+\}")


@dataclass(frozen=True)
class _LogicalLine:
    number: int  # first physical line, 1-based
    content: str  # joined, comments not yet removed
    text: str  # original physical text (inner newlines kept, final one dropped)


def _logical_lines(text: str) -> list[_LogicalLine]:
    """pip's ``join_lines``, keeping the physical text of each logical line."""

    if text.startswith("\ufeff"):
        text = text[1:]
    physical: list[tuple[str, str]] = []
    pos = 0
    for m in _NEWLINE_RE.finditer(text):
        physical.append((text[pos : m.start()], m.group()))
        pos = m.end()
    if pos < len(text):
        physical.append((text[pos:], ""))

    out: list[_LogicalLine] = []
    start: int | None = None
    parts: list[str] = []

    def raw(first: int, last: int) -> str:
        chunk = physical[first : last + 1]
        return "".join(c + e for c, e in chunk[:-1]) + chunk[-1][0]

    for idx, (line, _ending) in enumerate(physical):
        is_comment = _COMMENT_LINE_RE.match(line) is not None
        if not line.endswith("\\") or is_comment:
            if is_comment:
                line = " " + line  # so the comment is still found once joined
            if start is not None:
                parts.append(line)
                out.append(_LogicalLine(start + 1, "".join(parts), raw(start, idx)))
                start, parts = None, []
            else:
                out.append(_LogicalLine(idx + 1, line, line))
        else:
            if start is None:
                start = idx
            parts.append(line.strip("\\"))
    if start is not None:
        out.append(_LogicalLine(start + 1, "".join(parts), raw(start, len(physical) - 1)))
    return out


def _split_args_options(line: str) -> tuple[str, str]:
    """pip's ``break_args_options``: the requirement, then everything from the first option."""

    for m in re.finditer(r"\S+", line):
        if m.group().startswith("-"):
            return line[: m.start()].strip(), line[m.start() :].strip()
    return line.strip(), ""


# --------------------------------------------------------------------------- secrets

# Found from "://" so that no input makes the search quadratic; the scheme is read backwards.
_CRED_RE = re.compile(r"://(?P<cred>[^/@\s]+)@")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_ENV_REF_RE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def _credentials(text: str) -> list[tuple[int, int, str]]:
    """(start, end, cred) of every literal secret ``cred@`` after a ``scheme://``."""

    out = []
    for m in _CRED_RE.finditer(text):
        i = m.start()
        while i > 0 and m.start() - i < 64 and text[i - 1] in _SCHEME_CHARS:
            i -= 1
        if _is_secret(text[i : m.start()], m.group("cred")):
            out.append((m.start("cred"), m.end(), m.group("cred")))
    return out


def _is_secret(scheme: str, cred: str) -> bool:
    parts = cred.split(":", 1)
    if all(_ENV_REF_RE.fullmatch(p) for p in parts):
        return False  # ${VAR} references are not secrets
    # an ssh user name (git@github.com) authenticates nothing by itself
    return not (len(parts) == 1 and scheme.lower().endswith("ssh"))


def _has_secret(url: str) -> bool:
    return bool(_credentials(url))


def _replace_credentials(text: str, show: Callable[[str], str]) -> str:
    out, pos = [], 0
    for start, end, cred in _credentials(text):
        out += [text[pos:start], show(cred)]
        pos = end
    return "".join([*out, text[pos:]])


def _strip_secret(url: str) -> str:
    if not _has_secret(url):
        return url
    out = redact.strip_credentials(url)
    if _has_secret(out):  # not a URL urlsplit understands: remove every secret by pattern
        out = _replace_credentials(out, lambda _cred: "")
    return out


def _redact(text: str) -> str:
    """Replace literal credentials by ``****`` (``${VAR}`` and ssh user names kept)."""

    def show(cred: str) -> str:
        parts = cred.split(":", 1)
        return ":".join(p if _ENV_REF_RE.fullmatch(p) else redact.REDACTED for p in parts) + "@"

    return _replace_credentials(text, show)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _OptSpec:
    names: tuple[str, ...]
    dest: str
    takes_value: bool


_OPTION_SPECS = (
    _OptSpec(("-i", "--index-url"), "index_url", True),
    _OptSpec(("--extra-index-url",), "extra_index_url", True),
    _OptSpec(("--no-index",), "no_index", False),
    _OptSpec(("-c", "--constraint"), "constraint", True),
    _OptSpec(("-r", "--requirement"), "requirement", True),
    _OptSpec(("-e", "--editable"), "editable", True),
    _OptSpec(("-f", "--find-links"), "find_links", True),
    _OptSpec(("--no-binary",), "no_binary", True),
    _OptSpec(("--only-binary",), "only_binary", True),
    _OptSpec(("--prefer-binary",), "prefer_binary", False),
    _OptSpec(("--require-hashes",), "require_hashes", False),
    _OptSpec(("--pre",), "pre", False),
    _OptSpec(("--trusted-host",), "trusted_host", True),
    _OptSpec(("--use-feature",), "use_feature", True),
    _OptSpec(("--hash",), "hash", True),
    _OptSpec(("-C", "--config-settings"), "config_settings", True),
    _OptSpec(("--global-option",), "global_option", True),
    # removed from pip long ago; still found in old files
    _OptSpec(("--install-option",), "legacy", True),
    _OptSpec(("--allow-external",), "legacy", True),
    _OptSpec(("--allow-unverified",), "legacy", True),
    _OptSpec(("--allow-all-external",), "legacy", False),
    _OptSpec(("--process-dependency-links",), "legacy", False),
    _OptSpec(("-Z", "--always-unzip"), "legacy", False),
    _OptSpec(("--use-wheel",), "legacy", False),
    _OptSpec(("--no-use-wheel",), "legacy", False),
)
_BY_NAME = {name: spec for spec in _OPTION_SPECS for name in spec.names}
_LONG_NAMES = sorted(n for n in _BY_NAME if n.startswith("--"))
_REQ_DESTS = {"hash", "config_settings", "global_option"}


@dataclass(frozen=True)
class _Opt:
    dest: str
    name: str  # canonical option name, e.g. "--index-url"
    value: str  # "" for flags


@dataclass
class _ParsedOptions:
    opts: list[_Opt] = field(default_factory=list)
    positional: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    def values(self, dest: str) -> list[str]:
        return [o.value for o in self.opts if o.dest == dest]


def _parse_options(options: str) -> _ParsedOptions:
    """An ``optparse``-compatible reading of pip's requirement-file options."""

    out = _ParsedOptions()
    if not options:
        return out
    try:
        tokens = shlex.split(options)
    except ValueError as exc:
        out.errors.append(("RQ003", f"cannot split the options ({exc})"))
        return out
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok == "--":
            out.positional.extend(tokens[i:])
            break
        if not tok.startswith("-") or tok == "-":
            out.positional.append(tok)
            continue
        value: str | None = None
        if tok.startswith("--"):
            name, eq, attached = tok.partition("=")
            if name not in _BY_NAME:
                matches = [n for n in _LONG_NAMES if n.startswith(name)]
                if len(matches) != 1:
                    what = "ambiguous" if matches else "unknown"
                    out.errors.append(("RQ002", f"{what} option {name}"))
                    continue
                name = matches[0]
            spec = _BY_NAME[name]
            if eq:
                if not spec.takes_value:
                    out.errors.append(("RQ003", f"option {name} does not take a value"))
                    continue
                value = attached
        else:
            name, attached = tok[:2], tok[2:]
            if name not in _BY_NAME:
                out.errors.append(("RQ002", f"unknown option {name}"))
                continue
            spec = _BY_NAME[name]
            if attached:
                if not spec.takes_value:
                    out.errors.append(("RQ002", f"unknown option {tok}"))
                    continue
                value = attached
        canonical = spec.names[-1]
        if spec.takes_value and value is None:
            if i >= len(tokens):
                out.errors.append(("RQ003", f"option {canonical} requires a value"))
                continue
            value = tokens[i]
            i += 1
        out.opts.append(_Opt(spec.dest, canonical, value or ""))
    return out


# --------------------------------------------------------------------------- requirement lines

_VCS_SCHEMES = frozenset(
    [
        "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
        "git+http", "git+https", "git+ssh", "git+git", "git+file",
        "hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http",
        "svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file",
    ]
)  # fmt: skip
_URL_SCHEMES = frozenset(["http", "https", "file", "ftp"]) | _VCS_SCHEMES
_ARCHIVE_EXTENSIONS = (
    ".whl", ".tar.gz", ".tgz", ".tar", ".zip",
    ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
)  # fmt: skip
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_EGG_RE = re.compile(r"[#&]egg=([^&]*)")
_EGG_VALUE_RE = re.compile(rf"(?P<name>{_NAME})\s*(?:\[(?P<extras>[^\]]*)\])?")
_HEAD_RE = re.compile(rf"\s*(?P<name>{_NAME})\s*(?:\[(?P<extras>[^\]]*)\])?\s*")
_PATH_EXTRAS_RE = re.compile(r"^(.+)(\[[^\]]+\])$", re.DOTALL)
_STRONG_HASHES = ("sha256", "sha384", "sha512")


def _scheme(text: str) -> str:
    return text.split(":", 1)[0].lower() if ":" in text else ""


def _is_url(text: str) -> bool:
    return _scheme(text) in _URL_SCHEMES


def _looks_like_path(text: str) -> bool:
    return "/" in text or text.startswith(".")


def _is_archive(text: str) -> bool:
    return text.lower().endswith(_ARCHIVE_EXTENSIONS)


def _source_of_url(url: str) -> SourceKind:
    scheme = _scheme(url)
    if scheme in _VCS_SCHEMES or re.match(r"(git|hg|svn|bzr)\+", scheme):
        return SourceKind.VCS
    if scheme == "file" or not scheme:
        return SourceKind.PATH
    return SourceKind.URL


def _split_extras(text: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in text.split(",") if e.strip())


class _LineContext:
    """Collects the diagnostics of one logical line; every message is redacted."""

    def __init__(self, origin: Origin, sink: list[Diagnostic]) -> None:
        self.origin = origin
        self.sink = sink

    def diag(self, code: str, severity: Severity, message: str, hint: str = "") -> None:
        self.sink.append(Diagnostic(code, severity, _redact(message), self.origin, _redact(hint)))

    def error(self, code: str, message: str, hint: str = "") -> None:
        self.diag(code, Severity.ERROR, message, hint)

    def warning(self, code: str, message: str, hint: str = "") -> None:
        self.diag(code, Severity.WARNING, message, hint)


def _filename_of(url_or_path: str) -> str:
    base = re.split(r"[#?]", url_or_path, maxsplit=1)[0].rstrip("/")
    return base.rsplit("/", 1)[-1]


def _name_from_archive(filename: str) -> tuple[str, str] | None:
    """(name, version) from a wheel or sdist file name, or None."""

    lower = filename.lower()
    try:
        if lower.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return name, str(version)
        for ext in _ARCHIVE_EXTENSIONS:
            if lower.endswith(ext) and ext != ".whl":
                stem = filename[: -len(ext)]
                name, version = parse_sdist_filename(stem + ".tar.gz")
                return name, str(version)
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None
    return None


def _name_from_egg(url: str, ctx: _LineContext) -> tuple[str, tuple[str, ...]] | None:
    m = _EGG_RE.search(url)
    if not m:
        return None
    em = _EGG_VALUE_RE.fullmatch(m.group(1).strip())
    if not em:
        ctx.warning(
            "RQ016",
            f"#egg={m.group(1)} is not a distribution name",
            "use #egg=<name> with a plain project name, or write `name @ url`",
        )
        return None
    return em.group("name"), _split_extras(em.group("extras") or "")


def _check_marker(text: str | None, ctx: _LineContext) -> bool:
    if not text:
        return True
    try:
        Marker(_ENV_VAR_RE.sub(lambda m: "0" * len(m.group()), text))
    except InvalidMarker as exc:
        ctx.error("RQ006", f"invalid environment marker {text!r}: {_first_line(exc)}")
        return False
    return True


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _unknown_name(ctx: _LineContext, what: str) -> None:
    ctx.warning(
        "RQ010",
        f"the distribution name of {what} is not known without building it",
        "add #egg=<name> or write it as `<name> @ <url>`",
    )


def _url_requirement(
    url: str, marker: str | None, ctx: _LineContext, *, editable: bool
) -> Requirement | None:
    """A bare URL (``https://...whl``, ``git+https://...#egg=x``) as a requirement."""

    if not _check_marker(marker, ctx):
        return None
    source = _source_of_url(url)
    name, specifier = "", ""
    extras: tuple[str, ...] = ()
    archive = _name_from_archive(_filename_of(url)) if source is not SourceKind.VCS else None
    egg = _name_from_egg(url, ctx)
    if archive and _filename_of(url).lower().endswith(".whl"):
        name, specifier = archive[0], f"=={archive[1]}"
        if egg:
            extras = egg[1]
    elif egg:
        name, extras = egg
    elif archive:
        name, specifier = archive[0], f"=={archive[1]}"
    else:
        _unknown_name(ctx, _strip_secret(url))
    return _make(name, specifier, extras, marker, url, source, editable, ctx)


def _path_requirement(
    path: str, marker: str | None, ctx: _LineContext, *, editable: bool
) -> Requirement | None:
    """A local directory or archive file as a requirement."""

    if not _check_marker(marker, ctx):
        return None
    extras: tuple[str, ...] = ()
    egg = _name_from_egg(path, ctx)
    bare = re.split(r"#", path, maxsplit=1)[0] if egg or "#" in path else path
    m = _PATH_EXTRAS_RE.match(bare)
    if m:
        bare, extras = m.group(1), _split_extras(m.group(2)[1:-1])
    name, specifier = "", ""
    archive = _name_from_archive(_filename_of(bare)) if _is_archive(bare) else None
    if archive:
        name, specifier = archive[0], f"=={archive[1]}"
    elif egg:
        name = egg[0]
        extras = extras or egg[1]
    else:
        _unknown_name(ctx, bare)
    return _make(name, specifier, extras, marker, bare, SourceKind.PATH, editable, ctx)


def _make(
    name: str,
    specifier: str,
    extras: tuple[str, ...],
    marker: str | None,
    url: str | None,
    source: SourceKind,
    editable: bool,
    ctx: _LineContext,
) -> Requirement:
    if url is not None and _has_secret(url):
        url = _strip_secret(url)
        ctx.warning(
            "RQ011",
            "a credential in this URL was removed; toolshift never copies secrets",
            "reference it as ${VAR} or configure it in keyring/.netrc",
        )
    return Requirement(
        name=name,
        specifier=specifier,
        extras=extras,
        marker=marker or None,
        url=url,
        source=source,
        editable=editable,
        origin=ctx.origin,
    )


def _pep508_requirement(text: str, ctx: _LineContext) -> Requirement | None:
    # ${VAR} -> same-length placeholder, so positions found in ``probe`` slice ``text``.
    probe = _ENV_VAR_RE.sub(lambda m: "0" * len(m.group()), text)
    try:
        parsed = PackagingRequirement(probe)
    except InvalidRequirement as exc:
        if ";" in probe and _valid_pep508(probe.split(";", 1)[0]):
            ctx.error("RQ006", f"invalid environment marker in {text!r}: {_first_line(exc)}")
        else:
            hint = "write `name[extras] specifier ; marker`, `name @ url`, a URL or a path"
            if _looks_like_path(text):
                hint = "a path must start with ./ or contain a /; a file must end in .whl, .zip, …"
            ctx.error("RQ001", f"not a valid requirement: {text!r} ({_first_line(exc)})", hint)
        return None
    head = _HEAD_RE.match(probe)
    if head is None:  # packaging accepted it, so this cannot happen; be safe anyway
        ctx.error("RQ001", f"not a valid requirement: {text!r}")
        return None
    name = text[head.start("name") : head.end("name")]
    extras = (
        _split_extras(text[head.start("extras") : head.end("extras")])
        if head.group("extras") is not None
        else ()
    )
    rest_at = head.end()
    rest = text[rest_at:]
    marker: str | None = None
    url: str | None = None
    specifier = ""
    if parsed.url is not None:
        um = re.match(r"@[ \t]*([^ \t]+)", rest)
        url = um.group(1) if um else parsed.url
        after = rest[um.end() :] if um else ""
        if parsed.marker is not None:
            marker = after.split(";", 1)[1].strip() if ";" in after else str(parsed.marker)
    else:
        spec_text, semi, marker_text = rest.partition(";")
        spec = re.sub(r"\s+", "", spec_text)
        if spec.startswith("(") and spec.endswith(")"):
            spec = spec[1:-1]
        specifier = spec
        if semi and parsed.marker is not None:
            marker = marker_text.strip()
    source = _source_of_url(url) if url is not None else SourceKind.REGISTRY
    return _make(name, specifier, extras, marker, url, source, False, ctx)


def _valid_pep508(text: str) -> bool:
    try:
        PackagingRequirement(text)
    except InvalidRequirement:
        return False
    return True


def _requirement_from_args(args: str, ctx: _LineContext) -> Requirement | None:
    """pip's ``parse_req_from_line``, without touching the disk."""

    if _is_url(args):
        url, marker = _split_url_marker(args)
        return _url_requirement(url, marker, ctx, editable=False)
    candidate, _semi, marker_text = args.partition(";")
    candidate = candidate.strip()
    before_at = candidate.split("@", 1)[0]
    if "@" in candidate and not _looks_like_path(before_at):
        return _pep508_requirement(args, ctx)
    if (_looks_like_path(candidate) or _is_archive(candidate)) and not re.search(r"\s", candidate):
        return _path_requirement(candidate, marker_text.strip() or None, ctx, editable=False)
    return _pep508_requirement(args, ctx)


def _split_url_marker(text: str) -> tuple[str, str | None]:
    """pip splits a URL from its marker at ``"; "``; we also accept ``" ;"``."""

    m = re.search(r";\s|\s;", text)
    if not m:
        return text.strip(), None
    return text[: m.start()].strip(), text[m.end() :].strip() or None


def _editable_requirement(value: str, ctx: _LineContext) -> Requirement | None:
    """pip's ``parse_editable``: a local project folder or a VCS URL with ``#egg=``."""

    value = value.strip()
    for vcs in ("git", "hg", "svn", "bzr"):
        if value.lower().startswith(f"{vcs}:"):
            value = f"{vcs}+{value}"
            break
    if _is_url(value) or "://" in value:
        url, marker = _split_url_marker(value)
        source = _source_of_url(url)
        if source is SourceKind.URL:
            ctx.error(
                "RQ013",
                f"{url!r} cannot be editable: only local folders and VCS URLs can",
                "drop -e, or use a VCS URL such as git+https://…#egg=<name>",
            )
            return None
        if source is SourceKind.PATH:  # file: URL
            m = _PATH_EXTRAS_RE.match(url)
            extras = _split_extras(m.group(2)[1:-1]) if m else ()
            url = m.group(1) if m else url
            egg = _name_from_egg(url, ctx)
            if egg is None:
                _unknown_name(ctx, url)
            req = _make(egg[0] if egg else "", "", extras, marker, url, source, True, ctx)
            return req if _check_marker(marker, ctx) else None
        return _url_requirement(url, marker, ctx, editable=True)
    path, _semi, marker_text = value.partition(";")
    return _path_requirement(path.strip(), marker_text.strip() or None, ctx, editable=True)


# --------------------------------------------------------------------------- the file


@dataclass
class _FormatControl:
    """pip's ``FormatControl.handle_mutual_excludes``, order kept."""

    no_binary: list[str] = field(default_factory=list)
    only_binary: list[str] = field(default_factory=list)

    def add(self, value: str, *, only: bool, ctx: _LineContext) -> None:
        target, other = (
            (self.only_binary, self.no_binary) if only else (self.no_binary, self.only_binary)
        )
        opt = "--only-binary" if only else "--no-binary"
        if not value or value.startswith("-"):
            ctx.error("RQ015", f"{opt} needs a value: :all:, :none: or package names")
            return
        new = value.split(",")
        while ":all:" in new:
            other.clear()
            target.clear()
            target.append(":all:")
            del new[: new.index(":all:") + 1]
            if ":none:" not in new:
                return
        for raw in new:
            if raw == ":none:":
                target.clear()
                continue
            if not re.fullmatch(_NAME, raw.strip()):
                ctx.error("RQ015", f"{opt}: {raw!r} is not a package name")
                continue
            name = canonicalize_name(raw.strip())
            if name in other:
                other.remove(name)
            if name not in target:
                target.append(name)


@dataclass
class _FileState:
    path: str
    requirements: list[Requirement] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    no_index: bool = False
    pre: bool = False
    prefer_binary: bool = False
    require_hashes: bool = False
    trusted_hosts: list[str] = field(default_factory=list)
    formats: _FormatControl = field(default_factory=_FormatControl)


def parse_requirements(text: str, path: str) -> RequirementsFile:
    """Parse one requirements file (pip's format). Pure; never raises on any input.

    ``path`` is the file's project-relative POSIX path; it is used in every :class:`Origin`
    and to resolve ``-r``/``-c`` targets.
    """

    state = _FileState(path)
    for logical in _logical_lines(text):
        try:
            _parse_line(logical, state)
        except Exception as exc:  # a bug must not turn into a crash of the whole run
            origin = Origin(path, logical.number, _redact(logical.text))
            state.diagnostics.append(
                Diagnostic(
                    "RQ001",
                    Severity.ERROR,
                    _redact(f"cannot read this line ({type(exc).__name__}: {exc})"),
                    origin,
                )
            )
    return RequirementsFile(
        path=path,
        requirements=tuple(state.requirements),
        includes=tuple(state.includes),
        indexes=tuple(state.indexes),
        options=InstallOptions(
            no_index=state.no_index,
            pre=state.pre,
            prefer_binary=state.prefer_binary,
            only_binary=tuple(state.formats.only_binary),
            no_binary=tuple(state.formats.no_binary),
            trusted_hosts=tuple(state.trusted_hosts),
            require_hashes=state.require_hashes,
        ),
        diagnostics=tuple(state.diagnostics),
    )


def _parse_line(logical: _LogicalLine, state: _FileState) -> None:
    comment = _COMMENT_START_RE.search(logical.content)
    line = (logical.content[: comment.start()] if comment else logical.content).strip()
    if not line:
        return
    origin = Origin(state.path, logical.number, _redact(logical.text))
    ctx = _LineContext(origin, state.diagnostics)
    args, options = _split_args_options(line)
    parsed = _parse_options(options)
    for code, message in parsed.errors:
        sev = "pip rejects this line"
        ctx.error(code, f"{message} ({sev})", "see `pip install --help` for the options")

    if args:
        _requirement_line(_requirement_from_args(args, ctx), parsed, ctx, state, editable=False)
        return
    editables = parsed.values("editable")
    if editables:
        req = _editable_requirement(editables[0], ctx)
        for extra in editables[1:]:
            ctx.warning(
                "RQ008",
                f"pip ignores a second -e {extra!r} on the same line",
                "put each -e on its own line",
            )
        _requirement_line(req, parsed, ctx, state, editable=True)
        return
    includes = [(IncludeKind.REQUIREMENT, v) for v in parsed.values("requirement")]
    includes += [(IncludeKind.CONSTRAINT, v) for v in parsed.values("constraint")]
    if includes:
        kind, target = includes[0]
        _include(kind, target, ctx, state)
        for o in parsed.opts:
            if o.dest not in {"requirement", "constraint"}:
                ctx.warning(
                    "RQ008", f"pip ignores {o.name} on a line with -r/-c", "put it on its own line"
                )
        for _kind, extra in includes[1:]:
            ctx.warning(
                "RQ008",
                f"pip ignores a second include {extra!r} on the same line",
                "put each -r/-c on its own line",
            )
        _ignored_positional(parsed, ctx)
        return
    _option_line(parsed, ctx, state)
    _ignored_positional(parsed, ctx)


def _ignored_positional(parsed: _ParsedOptions, ctx: _LineContext) -> None:
    if parsed.positional:
        ctx.warning(
            "RQ008",
            f"pip ignores {' '.join(parsed.positional)!r}: text after an option is not a "
            "requirement",
            "put the requirement at the start of its own line",
        )


def _requirement_line(
    req: Requirement | None,
    parsed: _ParsedOptions,
    ctx: _LineContext,
    state: _FileState,
    *,
    editable: bool,
) -> None:
    hashes: list[str] = []
    settings: list[tuple[str, str]] = []
    for o in parsed.opts:
        if o.dest == "hash":
            if editable:
                ctx.warning("RQ008", "pip ignores --hash on an editable requirement")
                continue
            algo, colon, digest = o.value.partition(":")
            if not colon or not digest:
                ctx.error(
                    "RQ004",
                    f"--hash={o.value} is not <algorithm>:<digest>",
                    "write --hash=sha256:<hex digest>",
                )
            elif algo not in _STRONG_HASHES:
                ctx.error(
                    "RQ004",
                    f"--hash algorithm {algo!r} is not allowed",
                    "pip accepts sha256, sha384 and sha512",
                )
            else:
                hashes.append(o.value)
        elif o.dest == "config_settings":
            key, eq, val = o.value.partition("=")
            if not eq or not key:
                ctx.error("RQ005", f"--config-settings {o.value!r} is not KEY=VALUE")
            else:
                settings.append((key, val))
        elif o.dest == "global_option":
            ctx.warning(
                "RQ009",
                f"--global-option {o.value!r} has no equivalent in uv; dropped",
                "use -C/--config-settings for build settings",
            )
        elif o.dest == "legacy":
            _legacy(o, ctx)
        elif editable and o.dest == "editable":
            continue
        else:
            ctx.warning(
                "RQ008",
                f"pip ignores {o.name} on a requirement line",
                "put file-wide options on their own line",
            )
    _ignored_positional(parsed, ctx)
    if req is None:
        return
    if hashes or settings:
        req = Requirement(
            name=req.name,
            specifier=req.specifier,
            extras=req.extras,
            marker=req.marker,
            url=req.url,
            source=req.source,
            editable=req.editable,
            hashes=tuple(hashes),
            config_settings=tuple(settings),
            origin=req.origin,
        )
    state.requirements.append(req)


def _legacy(o: _Opt, ctx: _LineContext) -> None:
    ctx.warning(
        "RQ009",
        f"{o.name} was removed from pip and means nothing to uv; dropped",
        "delete it from the file",
    )


def _include(kind: IncludeKind, target: str, ctx: _LineContext, state: _FileState) -> None:
    if not target.strip():
        ctx.error("RQ003", "-r/-c needs a file name", "name the file to include")
        return
    if re.match(r"(https?|file):", target, re.IGNORECASE):
        if _has_secret(target):
            target = _strip_secret(target)
            ctx.warning(
                "RQ011",
                "a credential in this URL was removed; toolshift never copies secrets",
                "reference it as ${VAR} or configure it in keyring/.netrc",
            )
        resolved = target
        ctx.diag(
            "RQ012",
            Severity.INFO,
            f"remote include {target} is not followed",
            "download it into the project if its requirements should be migrated",
        )
    else:
        base = posixpath.dirname(state.path)
        resolved = posixpath.normpath(posixpath.join(base, target)) if target else target
    state.includes.append(Include(kind, target, resolved, ctx.origin))


def _index(url: str, kind: IndexKind, ctx: _LineContext, state: _FileState) -> None:
    if not url.strip():
        ctx.error("RQ003", f"an empty {kind.value} location", "give the URL or folder")
        return
    secret = _has_secret(url)
    if secret:
        url = _strip_secret(url)
        ctx.warning(
            "RQ011",
            f"a credential in the index URL {url} was removed; toolshift never copies secrets",
            "reference it as ${VAR} (for example https://${USER}:${TOKEN}@host/simple) "
            "or use keyring/.netrc",
        )
    state.indexes.append(Index(url=url, kind=kind, has_credentials=secret, origin=ctx.origin))


def _option_line(parsed: _ParsedOptions, ctx: _LineContext, state: _FileState) -> None:
    for o in parsed.opts:
        if o.dest == "index_url":
            if any(i.kind is IndexKind.DEFAULT for i in state.indexes):
                ctx.warning(
                    "RQ014",
                    "a second --index-url: pip uses only the last one",
                    "keep one --index-url and use --extra-index-url for the others",
                )
            _index(o.value, IndexKind.DEFAULT, ctx, state)
        elif o.dest == "extra_index_url":
            _index(o.value, IndexKind.EXTRA, ctx, state)
        elif o.dest == "find_links":
            _index(o.value, IndexKind.FIND_LINKS, ctx, state)
        elif o.dest == "no_index":
            state.no_index = True
        elif o.dest == "pre":
            state.pre = True
        elif o.dest == "prefer_binary":
            state.prefer_binary = True
        elif o.dest == "require_hashes":
            state.require_hashes = True
        elif o.dest == "trusted_host":
            host = o.value.rsplit("@", 1)[-1]  # a host, never a user:password
            if host not in state.trusted_hosts:
                state.trusted_hosts.append(host)
        elif o.dest in {"no_binary", "only_binary"}:
            state.formats.add(o.value, only=o.dest == "only_binary", ctx=ctx)
        elif o.dest == "use_feature":
            ctx.warning("RQ009", f"--use-feature={o.value} changes pip only; ignored")
        elif o.dest == "hash":
            ctx.warning(
                "RQ007",
                "--hash on a line without a requirement; pip ignores it",
                "put it on the requirement's line, or end that line with \\ to continue it",
            )
        elif o.dest == "legacy":
            _legacy(o, ctx)
        elif o.dest in _REQ_DESTS:
            ctx.warning(
                "RQ008",
                f"pip ignores {o.name} on a line without a requirement",
                "put it on the requirement's line",
            )


# --------------------------------------------------------------------------- following includes


def load_requirements(
    entries: Sequence[str], read: Callable[[str], bytes | None]
) -> dict[str, RequirementsFile]:
    """Parse ``entries`` and every file they reach through ``-r``/``-c``.

    ``entries`` and the keys of the result are project-relative POSIX paths; ``read(path)``
    returns the bytes of a file, or None when it does not exist. The result is in discovery
    order (depth first, as pip reads them). Remote (URL) includes are not followed.

    Raises :class:`IncludeError` for a missing target, a cycle, a target outside the project
    or one that needs an environment variable, and :class:`InputError` (from
    :func:`toolshift.textio.decode`) for a file that is binary or not UTF-8.
    """

    result: dict[str, RequirementsFile] = {}

    def visit(path: str, stack: list[str], via: Include | None) -> None:
        if path in stack:
            cycle = " -> ".join([*stack[stack.index(path) :], path])
            where = via.origin if via else None
            raise IncludeError(
                f"include cycle: {cycle}",
                path=where.path if where else path,
                line=where.line if where else None,
                hint="remove one of the -r/-c lines that form the cycle",
            )
        if path in result:
            return
        data = read(path)
        if data is None:
            if via is None:
                raise IncludeError(
                    f"requirements file {path} does not exist",
                    path=path,
                    hint="check the path (it is relative to the project root)",
                )
            raise IncludeError(
                f"{via.target} (resolved to {path}) does not exist",
                path=via.origin.path,
                line=via.origin.line,
                hint=f"-r/-c paths are relative to the folder of {via.origin.path}; "
                "fix the path or create the file",
            )
        text, _fmt = decode(data, path)
        parsed = parse_requirements(text, path)
        result[path] = parsed
        for inc in parsed.includes:
            if re.match(r"(https?|file):", inc.target, re.IGNORECASE):
                continue
            target = _check_local_target(inc)
            visit(target, [*stack, path], inc)

    for entry in entries:
        visit(posixpath.normpath(entry), [], None)
    return result


def _check_local_target(inc: Include) -> str:
    path, line = inc.origin.path, inc.origin.line
    if not inc.target:
        raise IncludeError(
            "an empty -r/-c target", hint="name a file after -r/-c", path=path, line=line
        )
    if re.search(r"\$\{|\$[A-Za-z_]", inc.target):
        raise IncludeError(
            f"{inc.target} uses an environment variable; toolshift does not expand them",
            hint="write the path literally",
            path=path,
            line=line,
        )
    resolved = inc.resolved
    if resolved.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise IncludeError(
            f"{inc.target} (resolved to {resolved}) is outside the project",
            hint="toolshift migrates only what is inside the service folder; "
            "copy the file into it or run toolshift from a folder that contains both",
            path=path,
            line=line,
        )
    return resolved
