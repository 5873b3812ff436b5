"""Every place that states a Python version, read into :class:`PythonSource` facts (pure).

Each function takes the text of one file (or one value) and returns the versions it states,
each with its :class:`Origin` (path, 1-based line, the line's text). None of them raises:
text they do not understand yields no source. Values are reduced to what the model compares:
``3.12-slim`` -> ``3.12``, ``cpython-3.12.4`` -> ``3.12.4``, ``python-3.11.9`` -> ``3.11.9``;
ranges (``>=3.11``) are kept as written; PyPy and GraalPy versions keep their Python version in
``value`` and name the interpreter in ``implementation``.

* :func:`from_python_version_file` - ``.python-version`` (first non-comment line, as uv does)
* :func:`from_runtime_txt` - Heroku's ``runtime.txt`` (``python-3.11.9``)
* :func:`from_requires_python` - one ``requires-python``/``python_requires`` value
* :func:`from_dockerfile` - ``FROM`` lines with a Python image, ``ARG`` defaults substituted
* :func:`from_workflow` - CI files: GitHub Actions ``python-version:`` (matrix lists and
  ``${{ matrix.x }}`` references), ``uv python install``, ``--python`` of uv commands,
  ``image:``/``container:`` Python images (GitLab CI too)
* :func:`from_pipfile`, :func:`from_poetry` - ``[requires] python_version`` and
  ``[tool.poetry.dependencies] python``
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from toolshift.model import Origin, PythonSource, PythonSourceKind

__all__ = [
    "from_dockerfile",
    "from_pipfile",
    "from_poetry",
    "from_python_version_file",
    "from_requires_python",
    "from_runtime_txt",
    "from_workflow",
    "parse_version_token",
]

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_VERSION = r"\d+(?:\.\d+){0,2}(?:(?:a|b|rc)\d+)?"


def _lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return _NEWLINE_RE.split(text)


def _endings(text: str) -> list[str]:
    """The line ending after each line of :func:`_lines` (``""`` after the last one)."""

    return [*_NEWLINE_RE.findall(text), ""]


def parse_version_token(token: str) -> tuple[str, str] | None:
    """``(value, implementation)`` for one version request, or None if it states none.

    Understands ``3.12``, ``3.12.4``, ``3``, ``3.13t``, ``3.12-dev``, ``cpython-3.12``,
    ``cpython3.12``, ``cpython-3.12.4-linux-x86_64-gnu``, ``pypy3.10``, ``pypy-3.10``,
    ``pypy@3.10``, ``python3.12``, ``graalpy-3.11``, and specifiers such as ``>=3.11``.
    """

    tok = token.strip().strip("'\"").strip()
    if not tok or len(tok) > 200:
        return None
    m = re.fullmatch(
        rf"(?P<impl>cpython|python|pypy|graalpy)?[-@]?(?P<ver>{_VERSION})(?P<ft>t)?(?:[-+].*)?",
        tok,
        re.IGNORECASE,
    )
    if m:
        impl = (m.group("impl") or "").lower()
        impl = "" if impl in ("cpython", "python") else impl
        return m.group("ver") + (m.group("ft") or ""), impl
    if re.match(r"[<>=!~]", tok):
        try:
            SpecifierSet(tok)
        except InvalidSpecifier:
            return None
        return tok, ""
    return None


def _source(
    kind: PythonSourceKind, token: str, path: str, line: int, text: str
) -> PythonSource | None:
    parsed = parse_version_token(token)
    if parsed is None:
        return None
    value, impl = parsed
    return PythonSource(kind, value, Origin(path, line, text), implementation=impl)


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment that starts the line or follows whitespace (YAML, shell)."""

    return re.sub(r"(^|\s)#.*$", "", line)


# --------------------------------------------------------------------------- simple files


def from_python_version_file(text: str, path: str) -> list[PythonSource]:
    """``.python-version``: the first non-empty, non-comment line (what uv and pyenv use)."""

    for number, line in enumerate(_lines(text), start=1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        first = body.split()[0]  # pyenv allows several versions on one line; the first wins
        found = _source(PythonSourceKind.PYTHON_VERSION_FILE, first, path, number, line)
        return [found] if found else []
    return []


def from_runtime_txt(text: str, path: str) -> list[PythonSource]:
    """Heroku's ``runtime.txt``: ``python-3.11.9`` (or a bare ``3.11``)."""

    for number, line in enumerate(_lines(text), start=1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        found = _source(PythonSourceKind.RUNTIME_TXT, body, path, number, line)
        return [found] if found else []
    return []


def from_requires_python(spec: str, path: str, line: int) -> list[PythonSource]:
    """One ``requires-python`` value (``>=3.11``, ``~=3.12``, ``==3.12.*``), kept as written."""

    value = spec.strip().strip("'\"").strip()
    if not value:
        return []
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        return []
    return [PythonSource(PythonSourceKind.REQUIRES_PYTHON, value, Origin(path, line, spec))]


# --------------------------------------------------------------------------- Dockerfile


_ARG_RE = re.compile(r"^\s*ARG\s+(?P<body>.+)$", re.IGNORECASE)
_FROM_RE = re.compile(r"^\s*FROM\s+(?P<body>.+)$", re.IGNORECASE)
_VAR_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<default>[^}]*)\}"
                     r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")  # fmt: skip


def _dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(first line, joined instruction, physical text) with ``\\`` continuations joined."""

    out: list[tuple[int, str, str]] = []
    lines = _lines(text)
    ends = _endings(text)
    i = 0
    while i < len(lines):
        start = i
        parts = []
        while True:
            line = lines[i]
            if line.strip().startswith("#") and i > start:
                i += 1  # comment lines inside a continued instruction are skipped
                if i >= len(lines):
                    break
                continue
            if line.rstrip().endswith("\\") and i + 1 < len(lines):
                parts.append(line.rstrip()[:-1])
                i += 1
                continue
            parts.append(line)
            i += 1
            break
        raw = "".join(lines[k] + ends[k] for k in range(start, i - 1)) + lines[i - 1]
        out.append((start + 1, " ".join(p.strip() for p in parts), raw))
    return out


def _substitute(word: str, args: dict[str, str]) -> str | None:
    """Expand ``$VAR``/``${VAR}``/``${VAR:-default}`` from ARG defaults; None if unknown."""

    unknown = False

    def repl(m: re.Match[str]) -> str:
        nonlocal unknown
        name = m.group("braced") or m.group("plain")
        value = args.get(name)
        op = m.group("op") or ""
        if op.endswith("-") and not value:
            return m.group("default")
        if op.endswith("+"):
            return m.group("default") if value else ""
        if value is None:
            unknown = True
            return ""
        return value

    out = _VAR_RE.sub(repl, word)
    return None if unknown else out


def _image_version(image: str) -> tuple[str, str] | None:
    """The Python version a container image reference states, with the implementation."""

    if not image or re.search(r"\s", image):
        return None
    ref = image.split("@", 1)[0]  # drop a digest
    repo, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return None
    last = repo.rsplit("/", 1)[-1].lower()
    if last in ("python", "pypy"):
        parsed = parse_version_token(tag)
        if parsed is None or parsed[0].startswith(("<", ">", "=", "!", "~")):
            return None
        value, impl = parsed
        return value, "pypy" if last == "pypy" else impl
    if last == "uv":  # ghcr.io/astral-sh/uv:python3.12-bookworm-slim
        m = re.match(r"(?:\d[\w.]*-)?python(\d+\.\d+)", tag)
        if m:
            return m.group(1), ""
    return None


def from_dockerfile(text: str, path: str) -> list[PythonSource]:
    """Every ``FROM`` with a Python image (``python``, ``*/python``, ``pypy``, uv's
    ``python3.X`` images), ARG defaults substituted; other images are ignored."""

    out: list[PythonSource] = []
    args: dict[str, str] = {}
    for line, instr, raw in _dockerfile_instructions(text):
        m = _ARG_RE.match(instr)
        if m:
            for word in m.group("body").split():
                name, eq, default = word.partition("=")
                if eq:
                    default = default.strip("'\"")
                    expanded = _substitute(default, args)
                    args[name] = expanded if expanded is not None else default
            continue
        m = _FROM_RE.match(instr)
        if not m:
            continue
        words = [w for w in m.group("body").split() if not w.startswith("--")]
        if not words:
            continue
        image = _substitute(words[0], args)
        if image is None:
            continue
        found = _image_version(image)
        if found:
            value, impl = found
            out.append(
                PythonSource(PythonSourceKind.DOCKERFILE, value, Origin(path, line, raw), impl)
            )
    return out


# --------------------------------------------------------------------------- CI workflows


_KEY_RE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[\w.-]+|\"[^\"]+\"|'[^']+')\s*:(?:\s+|$)(?P<value>.*)$"
)
_MATRIX_REF_RE = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")
_FLOW_PYTHON_RE = re.compile(
    r"[{,]\s*python[-_]version\s*:\s*(?P<value>'[^']*'|\"[^\"]*\"|[^,}\]\s]+)"
)
_PYTHON_KEYS = frozenset({"python-version", "python_version", "python-versions"})
_IMAGE_KEYS = frozenset({"image", "container", "name"})


def _scalar_items(value: str) -> list[str]:
    """The items of a YAML scalar or flow list, quotes removed."""

    value = _strip_comment(value).strip()
    if value.startswith("[") and value.endswith("]"):
        return [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
    if value.startswith(("|", ">")):
        return []
    return [value.strip("'\"")] if value else []


def _block_items(lines: list[str], index: int, indent: int) -> list[tuple[int, str, str]]:
    """The ``- item`` lines of a block list that follows the key at ``lines[index]``."""

    out: list[tuple[int, str, str]] = []
    for j in range(index + 1, len(lines)):
        raw = lines[j]
        body = _strip_comment(raw)
        if not body.strip():
            continue
        m = re.match(r"(\s*)-\s+(.*)$", body)
        if m is None or len(m.group(1)) < indent or _KEY_RE.match(body):
            break  # the list ended, or it is a list of mappings, not of versions
        out.append((j + 1, m.group(2).strip().strip("'\""), raw))
    return out


def _uv_python_requests(line: str) -> list[str]:
    """Versions in ``uv python install X Y`` and ``uv ... --python X``/``-p X`` commands."""

    out: list[str] = []
    for segment in re.split(r"[;&|]", line):
        tokens = segment.split()
        if "uv" not in tokens:
            continue
        rest = tokens[tokens.index("uv") + 1 :]
        if rest[:2] == ["python", "install"]:
            out.extend(t for t in rest[2:] if not t.startswith("-"))
        for j, tok in enumerate(rest):
            if tok in ("--python", "-p") and j + 1 < len(rest):
                out.append(rest[j + 1])
            elif tok.startswith("--python="):
                out.append(tok.partition("=")[2])
    return out


def from_workflow(text: str, path: str) -> list[PythonSource]:
    """Python versions a CI file asks for. A line scan: odd YAML cannot make it fail.

    ``python-version:`` scalars, flow lists and block lists (a ``${{ matrix.x }}`` value is
    replaced by the values of the ``x`` key, wherever it is listed), ``uv python install``
    arguments, ``--python``/``-p`` of uv commands, and Python images in ``image:``/
    ``container:``. Expressions and ``python-version-file`` are not versions and are skipped.
    """

    lines = _lines(text)
    found: list[PythonSource] = []
    refs: set[str] = set()
    # key -> list of (line, value, raw) for every key in the file; matrix refs look here
    by_key: dict[str, list[tuple[int, str, str]]] = {}
    for index, raw in enumerate(lines):
        m = _KEY_RE.match(raw)
        if m:
            key = m.group("key").strip("'\"")
            indent = len(m.group("indent"))
            value = m.group("value")
            flow = _strip_comment(value).strip()
            if flow.startswith("[") and "]" not in flow:  # a flow list over several lines
                for more in lines[index + 1 : index + 50]:
                    flow += " " + _strip_comment(more).strip()
                    if "]" in more:
                        break
                value = flow
            items = [(index + 1, v, raw) for v in _scalar_items(value)]
            if not items and not _strip_comment(value).strip():
                items = _block_items(lines, index, indent)
            by_key.setdefault(key, []).extend(items)
            if key in _IMAGE_KEYS:
                for _n, v, _r in items:
                    image = _image_version(v)
                    if image:
                        found.append(
                            PythonSource(
                                PythonSourceKind.CI,
                                image[0],
                                Origin(path, index + 1, raw),
                                image[1],
                            )
                        )
        for fm in _FLOW_PYTHON_RE.finditer(_strip_comment(raw)):  # {python-version: '3.8'}
            by_key.setdefault("python-version", []).append(
                (index + 1, fm.group("value").strip("'\""), raw)
            )
        if "uv" in raw:
            for tok in _uv_python_requests(_strip_comment(raw)):
                src = _source(PythonSourceKind.CI, tok, path, index + 1, raw)
                if src:
                    found.append(src)

    for key in _PYTHON_KEYS:
        for line, value, raw in by_key.get(key, []):
            if "${{" in value:
                refs.update(_MATRIX_REF_RE.findall(value))
                continue
            src = _source(PythonSourceKind.CI, value, path, line, raw)
            if src:
                found.append(src)
    for ref in sorted(refs - _PYTHON_KEYS):
        for line, value, raw in by_key.get(ref, []):
            if "${{" in value:
                continue
            src = _source(PythonSourceKind.CI, value, path, line, raw)
            if src:
                found.append(src)
    found.sort(key=lambda s: s.origin.line)
    return _dedupe(found)


def _dedupe(sources: list[PythonSource]) -> list[PythonSource]:
    seen: set[tuple[str, int, str]] = set()
    out: list[PythonSource] = []
    for s in sources:
        k = (s.value, s.origin.line, s.implementation)
        if k not in seen:
            seen.add(k)
            out.append(s)
    return out


# --------------------------------------------------------------------------- tool configs


def _toml_value(text: str, table: str, key: str) -> tuple[int, str, str] | None:
    """(line, string value, raw line) of ``key = "..."`` inside ``[table]`` (a line scan)."""

    current = ""
    for number, raw in enumerate(_lines(text), start=1):
        body = raw.strip()
        hm = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\](\s*#.*)?", body)
        if hm:
            current = hm.group(1).replace('"', "").replace("'", "")
            continue
        if current != table:
            continue
        km = re.match(rf"""["']?{re.escape(key)}["']?\s*=\s*(["'])(.*?)\1""", body)
        if km:
            return number, km.group(2), raw
    return None


def from_pipfile(text: str, path: str) -> list[PythonSource]:
    """``[requires] python_version``/``python_full_version`` of a Pipfile."""

    out: list[PythonSource] = []
    for key in ("python_full_version", "python_version"):
        hit = _toml_value(text, "requires", key)
        if hit:
            src = _source(PythonSourceKind.TOOL_CONFIG, hit[1], path, hit[0], hit[2])
            if src:
                out.append(src)
    return out


def from_poetry(text: str, path: str) -> list[PythonSource]:
    """``python = "^3.11"`` in ``[tool.poetry.dependencies]``, kept as written."""

    hit = _toml_value(text, "tool.poetry.dependencies", "python")
    if not hit or not hit[1].strip():
        return []
    return [
        PythonSource(PythonSourceKind.TOOL_CONFIG, hit[1].strip(), Origin(path, hit[0], hit[2]))
    ]
