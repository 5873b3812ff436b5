"""readers.pipenv: Pipfile sections, entries, sources, and Pipfile.lock versions."""

from __future__ import annotations

import pytest

from toolshift.errors import ParseError
from toolshift.model import GroupKind, IndexKind, Severity, SourceKind
from toolshift.readers.pipenv import convert_specifier, lock_versions, read_pipfile
from toolshift.readers.pyproject import UvSourceKind


@pytest.mark.parametrize(
    ("pipfile", "pep440"),
    [
        ("*", ""),
        ("", ""),
        ("==1.2.3", "==1.2.3"),
        ("1.2.3", "==1.2.3"),
        (">=1.0, <2.0", ">=1.0,<2.0"),
        ("~=5.0", "~=5.0"),
        ("==1.2.*", "==1.2.*"),
    ],
)
def test_convert_specifier(pipfile: str, pep440: str) -> None:
    assert convert_specifier(pipfile) == pep440


@pytest.mark.parametrize("bad", ["^1.2", "latest", ">="])
def test_convert_specifier_refuses_what_pipenv_would(bad: str) -> None:
    with pytest.raises(ValueError):
        convert_specifier(bad)


PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[[source]]
url = "http://internal.example/simple"
verify_ssl = false
name = "internal"

[[source]]
url = "https://mirror.example/simple"
name = "mirror"

[packages]
django = "~=5.0"
psycopg = {version = ">=3.1", extras = ["binary"]}
billing = {version = "==2.3.1", index = "internal"}
colorama = {version = "*", sys_platform = "== 'win32'", markers = "os_name == 'nt'"}
toolbox = {git = "https://github.com/acme/toolbox.git", ref = "v1.2.0", editable = true}
local = {path = "./libs/local", editable = true}
odd = {version = "*", weird_key = 1}

[dev-packages]
pytest = ">=8"

[docs]
mkdocs = "*"

[requires]
python_version = "3.12"

[pipenv]
allow_prereleases = true

[scripts]
serve = "python manage.py runserver"
"""


def test_groups_and_entries() -> None:
    data = read_pipfile(PIPFILE)
    assert [(g.name, g.kind) for g in data.groups] == [
        ("runtime", GroupKind.RUNTIME),
        ("dev", GroupKind.GROUP),
        ("docs", GroupKind.GROUP),
    ]
    reqs = {r.name: r for r in data.groups[0].requirements}
    assert reqs["django"].specifier == "~=5.0"
    assert reqs["django"].origin is not None and reqs["django"].origin.line == 16
    assert reqs["psycopg"].extras == ("binary",)
    assert reqs["colorama"].marker == "os_name == 'nt' and sys_platform == 'win32'"
    tool = reqs["toolbox"]
    assert tool.source is SourceKind.VCS and tool.editable
    assert tool.url == "git+https://github.com/acme/toolbox.git@v1.2.0"
    assert reqs["local"].source is SourceKind.PATH and reqs["local"].url == "./libs/local"
    assert data.groups[1].files == ("Pipfile",)
    assert data.prereleases
    codes = [d.code for d in data.diagnostics]
    assert codes.count("PE002") == 2  # odd's weird_key, [scripts]


def test_sources_and_indexes() -> None:
    data = read_pipfile(PIPFILE)
    assert [(i.name, i.kind, i.explicit) for i in data.indexes] == [
        ("pypi", IndexKind.DEFAULT, False),
        ("internal", IndexKind.NAMED, True),  # only for packages that name it
        ("mirror", IndexKind.NAMED, True),  # named by none: pipenv installs nothing from it
    ]
    assert data.trusted_hosts == ("internal.example",)
    by = {s.package: s for s in data.sources}
    assert by["billing"].kind is UvSourceKind.INDEX and by["billing"].location == "internal"
    assert by["toolbox"].rev == "v1.2.0"
    assert by["local"].editable is True


def test_bad_entries() -> None:
    data = read_pipfile("[packages]\nflask = '^3.0'\nthing = 3\n")
    errors = [d for d in data.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.origin.line if d.origin else 0) for d in errors] == [
        ("PE001", 2),
        ("PE001", 3),
    ]
    with pytest.raises(ParseError):
        read_pipfile("[packages\n")


def test_lock_versions() -> None:
    text = """{
        "_meta": {"pipfile-spec": 6},
        "default": {
            "Django": {"version": "==5.0.3"},
            "toolbox": {"git": "https://github.com/acme/toolbox.git", "ref": "abc"},
            "odd": {"version": "===1.0-local"}
        },
        "develop": {"pytest": {"version": "==8.1.1"}, "django": {"version": "==4.0"}}
    }"""
    assert lock_versions(text) == {"django": "5.0.3", "odd": "1.0-local", "pytest": "8.1.1"}
    with pytest.raises(ParseError) as err:
        lock_versions("{\n  nope\n}")
    assert err.value.line == 2


def test_the_project_itself_is_left_out() -> None:
    data = read_pipfile("[packages]\nmyapp = {path = '.', editable = true}\nflask = '*'\n")
    assert [r.name for r in data.groups[0].requirements] == ["flask"]
    assert [(d.code, d.severity) for d in data.diagnostics] == [("PE003", Severity.INFO)]
    assert not data.sources


def test_index_names_must_exist() -> None:
    data = read_pipfile("[packages]\nbilling = {version = '*', index = 'nowhere'}\n")
    assert [(d.code, d.severity) for d in data.diagnostics] == [("PE004", Severity.ERROR)]
