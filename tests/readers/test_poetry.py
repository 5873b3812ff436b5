"""readers.poetry: Poetry's constraint syntax, [tool.poetry] tables and poetry.lock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from toolshift.errors import ParseError
from toolshift.model import GroupKind, IndexKind, Severity, SourceKind
from toolshift.readers.poetry import (
    convert_constraint,
    lock_versions,
    python_marker,
    read_poetry,
)
from toolshift.readers.pyproject import UvSourceKind

# --------------------------------------------------------------------------- constraints

CASES = [
    # (poetry, PEP 440, versions inside, versions outside)
    ("^1.2.3", ">=1.2.3,<2.0.0", ["1.2.3", "1.9.9"], ["1.2.2", "2.0.0"]),
    ("^1.2", ">=1.2,<2.0", ["1.2", "1.99"], ["1.1.9", "2.0"]),
    ("^1", ">=1,<2", ["1.0", "1.5.3"], ["0.9", "2.0"]),
    ("^0.2.3", ">=0.2.3,<0.3.0", ["0.2.3", "0.2.99"], ["0.2.2", "0.3.0"]),
    ("^0.0.3", ">=0.0.3,<0.0.4", ["0.0.3"], ["0.0.2", "0.0.4"]),
    ("^0.0", ">=0.0,<0.1", ["0.0.5"], ["0.1.0"]),
    ("^0", ">=0,<1", ["0.9"], ["1.0"]),
    ("~1.2.3", ">=1.2.3,<1.3.0", ["1.2.3", "1.2.9"], ["1.2.2", "1.3.0"]),
    ("~1.2", ">=1.2,<1.3", ["1.2.0", "1.2.7"], ["1.1", "1.3"]),
    ("~1", ">=1,<2", ["1.0", "1.9"], ["0.9", "2.0"]),
    ("1.2.*", "==1.2.*", ["1.2.0", "1.2.11"], ["1.3.0", "1.1.9"]),
    ("*", "", ["0.1", "99.0"], []),
    (">=1,<2", ">=1,<2", ["1.0", "1.9"], ["2.0"]),
    (">=1 <2", ">=1,<2", ["1.5"], ["2.1", "0.5"]),
    (">= 1.2, < 2", ">=1.2,<2", ["1.2"], ["2.0"]),
    ("1.2.3", "==1.2.3", ["1.2.3"], ["1.2.4"]),
    ("==1.2.3", "==1.2.3", ["1.2.3"], ["1.2.4"]),
    ("!=1.5", "!=1.5", ["1.4"], ["1.5"]),
    ("~=1.4", "~=1.4", ["1.9"], ["2.0"]),
    ("^2.0.0b1", ">=2.0.0b1,<3.0.0", ["2.0.0b1", "2.5"], ["3.0.0"]),
]


@pytest.mark.parametrize(("poetry", "pep440", "inside", "outside"), CASES)
def test_constraint_translation(
    poetry: str, pep440: str, inside: list[str], outside: list[str]
) -> None:
    got = convert_constraint(poetry)
    assert got.specifier == pep440
    assert not got.widened
    spec = SpecifierSet(got.specifier)
    for v in inside:
        assert spec.contains(Version(v), prereleases=True), (poetry, v)
    for v in outside:
        assert not spec.contains(Version(v), prereleases=True), (poetry, v)


@pytest.mark.parametrize(
    ("poetry", "hull"),
    [
        ("^1.0 || ^2.0", ">=1.0,<3.0"),
        (">=1.0,<1.5 || >=2", ">=1.0"),
        ("^1.2.3 || 3.0.0", ">=1.2.3,<=3.0.0"),
        ("1.2.* || 1.4.*", ">=1.2,<1.5"),
        ("* || ^1", ""),
    ],
)
def test_union_is_widened_to_a_superset(poetry: str, hull: str) -> None:
    got = convert_constraint(poetry)
    assert got.widened
    assert got.specifier == hull
    spec = SpecifierSet(got.specifier)
    # every alternative fits inside the widened range
    for alt in poetry.split("||"):
        alt_spec = SpecifierSet(convert_constraint(alt).specifier)
        for v in ("0.5", "1.0", "1.2.3", "1.4.1", "1.9", "2.0", "2.9", "3.0.0", "4"):
            if alt_spec.contains(Version(v)):
                assert spec.contains(Version(v)), (poetry, v)


@pytest.mark.parametrize("bad", ["^", "~x.y", ">=", "1.2.*.3", "latest", "^1.2 <"])
def test_unreadable_constraint_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        convert_constraint(bad)


@pytest.mark.parametrize(
    ("poetry", "marker"),
    [
        ("^3.8", 'python_version >= "3.8" and python_version < "4.0"'),
        ("<3.11", 'python_version < "3.11"'),
        (">=3.9.2", 'python_full_version >= "3.9.2"'),
        ("3.10.*", 'python_version == "3.10"'),
        (
            "~2.7 || ^3.6",
            '(python_version >= "2.7" and python_version < "2.8") or '
            '(python_version >= "3.6" and python_version < "4.0")',
        ),
        ("*", ""),
    ],
)
def test_python_constraint_as_marker(poetry: str, marker: str) -> None:
    from packaging.markers import Marker

    got = python_marker(poetry)
    assert got == marker
    if marker:
        Marker(got)  # valid PEP 508


# --------------------------------------------------------------------------- [tool.poetry]

PYPROJECT = """\
[tool.poetry]
name = "orders"
version = "1.0.0"
description = "Takes orders"
authors = ["Ada Lovelace <ada@example.com>", "Ops"]
license = "MIT"
readme = ["README.md", "CHANGES.md"]
homepage = "https://orders.example"
packages = [{ include = "orders", from = "src" }]

[tool.poetry.dependencies]
python = "^3.11"
flask = "^3.0.2"  # web
requests = { version = ">=2.31,<3", extras = ["socks"] }
pywin32 = { version = "306", markers = "sys_platform == 'win32'", python = ">=3.12" }
private = { version = "^0.4", source = "corp" }
lib-git = { git = "https://github.com/acme/lib.git", branch = "main", subdirectory = "py" }
lib-path = { path = "../lib", develop = true }
lib-url = { url = "https://files.example/lib-1.0.tar.gz" }
orjson = { version = "^3.9", optional = true }
lonely = { version = "*", optional = true }
pre = { version = "^2.0", allow-prereleases = true }

[tool.poetry.extras]
fast = ["orjson", "nothere"]

[tool.poetry.dev-dependencies]
pytest = "^7.4"

[tool.poetry.group.dev.dependencies]
ruff = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
mkdocs = "~1.5"

[tool.poetry.scripts]
orders = "orders.cli:main"

[tool.poetry.plugins."flake8.extension"]
ORD = "orders.lint:Plugin"

[[tool.poetry.source]]
name = "mirror1"
url = "https://m1.example/simple"

[[tool.poetry.source]]
name = "mirror2"
url = "https://m2.example/simple"
priority = "primary"

[[tool.poetry.source]]
name = "extra"
url = "https://user:s3cret@extra.example/simple"
priority = "supplemental"

[[tool.poetry.source]]
name = "corp"
url = "https://corp.example/simple"
priority = "explicit"
"""


def test_groups_extras_and_requirements() -> None:
    data = read_poetry(PYPROJECT)
    runtime = data.groups[0]
    assert (runtime.name, runtime.kind) == ("runtime", GroupKind.RUNTIME)
    reqs = {r.name: r for r in runtime.requirements}
    assert "python" not in reqs and "orjson" not in reqs and "lonely" not in reqs
    assert reqs["flask"].specifier == ">=3.0.2,<4.0.0"
    assert reqs["flask"].origin is not None and reqs["flask"].origin.line == 13
    assert reqs["requests"].extras == ("socks",)
    assert reqs["pywin32"].specifier == "==306"
    assert reqs["pywin32"].marker == "sys_platform == 'win32' and python_version >= \"3.12\""
    assert reqs["lib-git"].source is SourceKind.VCS
    assert reqs["lib-git"].url == "git+https://github.com/acme/lib.git@main#subdirectory=py"
    assert reqs["lib-path"].source is SourceKind.PATH and reqs["lib-path"].editable
    assert reqs["lib-url"].source is SourceKind.URL
    extras = [g for g in data.groups if g.kind is GroupKind.EXTRA]
    assert [(g.name, [r.name for r in g.requirements]) for g in extras] == [("fast", ["orjson"])]
    groups = {g.name: g for g in data.groups if g.kind is GroupKind.GROUP}
    assert [r.name for r in groups["dev"].requirements] == ["pytest", "ruff"]
    assert [r.specifier for r in groups["docs"].requirements] == [">=1.5,<1.6"]
    assert data.optional_groups == ("docs",)
    assert data.requires_python == ">=3.11,<4.0" and data.python == "^3.11"
    assert data.prereleases == ("pre",)
    codes = [(d.code, d.severity) for d in data.diagnostics]
    assert ("PO004", Severity.WARNING) in codes  # lonely is in no extra; nothere is no dep
    assert sum(1 for d in data.diagnostics if d.code == "PO004") == 2


def test_sources_are_exact() -> None:
    data = read_poetry(PYPROJECT)
    by = {s.package: s for s in data.sources}
    assert by["private"].kind is UvSourceKind.INDEX and by["private"].location == "corp"
    git = by["lib-git"]
    assert (git.kind, git.location, git.branch, git.tag, git.rev, git.subdirectory) == (
        UvSourceKind.GIT,
        "https://github.com/acme/lib.git",
        "main",
        None,
        None,
        "py",
    )
    assert by["lib-path"].editable is True and by["lib-path"].location == "../lib"
    assert by["lib-url"].kind is UvSourceKind.URL


def test_source_priorities() -> None:
    data = read_poetry(PYPROJECT)
    got = [(i.name, i.kind, i.explicit) for i in data.indexes]
    # Poetry searches the primaries, then the supplemental source: uv searches its plain
    # indexes in order and its default one last, so the supplemental source is the default
    assert got == [
        ("mirror1", IndexKind.EXTRA, False),
        ("mirror2", IndexKind.EXTRA, False),
        ("extra", IndexKind.DEFAULT, False),
        ("corp", IndexKind.NAMED, True),
    ]
    extra = data.indexes[2]
    assert extra.has_credentials and "s3cret" not in extra.url
    assert any(d.code == "PO007" and "supplemental" in d.message for d in data.diagnostics)
    assert not any("s3cret" in d.render() for d in data.diagnostics)


def test_legacy_source_flags_and_pypi() -> None:
    text = (
        "[tool.poetry]\nname = 'x'\n"
        "[[tool.poetry.source]]\nname = 'old'\nurl = 'https://old.example/simple'\n"
        "default = true\n"
        "[[tool.poetry.source]]\nname = 'sec'\nurl = 'https://sec.example/simple'\n"
        "secondary = true\n"
        "[[tool.poetry.source]]\nname = 'PyPI'\npriority = 'explicit'\n"
    )
    got = [(i.name, i.url, i.kind) for i in read_poetry(text).indexes]
    assert got == [  # searched in this order by Poetry and by uv (its default one last)
        ("old", "https://old.example/simple", IndexKind.EXTRA),
        ("sec", "https://sec.example/simple", IndexKind.DEFAULT),
        ("PyPI", "https://pypi.org/simple", IndexKind.NAMED),
    ]


def test_metadata_in_pep621_shape() -> None:
    data = read_poetry(PYPROJECT)
    meta = dict(data.metadata)
    assert meta["authors"] == [
        {"name": "Ada Lovelace", "email": "ada@example.com"},
        {"name": "Ops"},
    ]
    assert meta["license"] == {"text": "MIT"}
    assert meta["readme"] == "README.md"  # the first of two, with a warning
    assert meta["urls"] == {"Homepage": "https://orders.example"}
    assert meta["scripts"] == {"orders": "orders.cli:main"}
    assert meta["entry-points"] == {"flake8.extension": {"ORD": "orders.lint:Plugin"}}
    assert data.packages == (("orders", "src"),)
    assert data.package_mode
    assert any("readme" in d.message for d in data.diagnostics)


def test_union_constraint_is_a_warning_and_bad_one_an_error() -> None:
    text = (
        "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
        "attrs = '^21.4 || ^22.1'\nbroken = 'latest'\n"
    )
    data = read_poetry(text)
    attrs = data.groups[0].requirements[0]
    assert attrs.specifier == ">=21.4,<23.0"
    diags = {d.code: d for d in data.diagnostics}
    assert diags["PO002"].severity is Severity.WARNING and diags["PO002"].origin is not None
    assert diags["PO002"].origin.line == 4
    assert diags["PO001"].severity is Severity.ERROR and "broken" in diags["PO001"].message
    assert diags["PO001"].origin is not None and diags["PO001"].origin.line == 5


def test_multiple_constraints_become_marked_requirements() -> None:
    text = (
        "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
        "numpy = [\n  { version = '^1.26', python = '>=3.12' },\n"
        "  { version = '^1.24', python = '<3.12' },\n]\n"
    )
    reqs = read_poetry(text).groups[0].requirements
    assert [(r.specifier, r.marker) for r in reqs] == [
        (">=1.26,<2.0", 'python_version >= "3.12"'),
        (">=1.24,<2.0", 'python_version < "3.12"'),
    ]


def test_package_mode_and_broken_toml() -> None:
    assert not read_poetry("[tool.poetry]\npackage-mode = false\n").package_mode
    with pytest.raises(ParseError) as err:
        read_poetry("[tool.poetry\nname = 'x'\n")
    assert err.value.path == "pyproject.toml" and err.value.line == 1
    with pytest.raises(ParseError):
        read_poetry("[tool.poetry.dependencies]\nflask = 3\n")


def test_lock_versions_skip_local_folders() -> None:
    text = (
        '[[package]]\nname = "Flask"\nversion = "3.0.2"\n\n'
        '[[package]]\nname = "acme-core"\nversion = "0.1.0"\n'
        '[package.source]\ntype = "directory"\nurl = "../acme-core"\n\n'
        '[[package]]\nname = "toolbox"\nversion = "1.2.0"\n'
        '[package.source]\ntype = "git"\nurl = "https://github.com/acme/toolbox.git"\n'
    )
    # git (and url) packages too: their version is whatever the source holds now; a pin that
    # no longer matches made uv lock drop every pin (test_poetry_qa)
    assert lock_versions(text) == {"flask": "3.0.2"}


def test_source_names_must_exist_except_pypi() -> None:
    text = (
        "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\n"
        "a = { version = '*', source = 'PyPI' }\nb = { version = '*', source = 'nowhere' }\n"
    )
    data = read_poetry(text)
    assert [(i.name, i.url, i.kind, i.explicit) for i in data.indexes] == [
        ("pypi", "https://pypi.org/simple", IndexKind.NAMED, True)
    ]
    errors = [d for d in data.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.origin.line if d.origin else 0) for d in errors] == [("PO006", 5)]


_release = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)
_clause = st.one_of(
    st.tuples(st.sampled_from(["^", "~", ">=", "<", "==", ""]), _release).map("".join),
    _release.map(lambda r: r + ".*"),
)
_alternative = st.lists(_clause, min_size=1, max_size=2).map(",".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_alternative, min_size=1, max_size=3), st.lists(_release, max_size=8))
def test_widened_union_holds_every_alternative(alts: list[str], probes: list[str]) -> None:
    """Whatever || joins, the single specifier toolshift writes allows at least as much."""

    union = convert_constraint(" || ".join(alts))
    spec = SpecifierSet(union.specifier)
    for alt in alts:
        alt_spec = SpecifierSet(convert_constraint(alt).specifier)
        for probe in probes:
            if alt_spec.contains(Version(probe)):
                assert spec.contains(Version(probe)), (alts, probe, union.specifier)
