"""readers.poetry: defects found by migrating realistic Poetry services (QA pass)."""

from __future__ import annotations

from packaging.markers import Marker

from toolshift.model import IndexKind, Severity
from toolshift.readers.poetry import lock_versions, platform_marker, read_poetry

PLATFORM = """\
[tool.poetry]
name = "billing"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.11"
tzdata = { version = "*", platform = "win32" }
pywin32 = { version = "^306", platform = "win32 || cygwin", python = ">=3.11" }
httpx = "^0.27"
"""


def _runtime(text: str) -> dict[str, str | None]:
    data = read_poetry(text)
    runtime = next(g for g in data.groups if g.name == "runtime")
    return {r.name: r.marker for r in runtime.requirements}


def test_platform_key_becomes_a_sys_platform_marker() -> None:
    markers = _runtime(PLATFORM)
    assert markers["tzdata"] == 'sys_platform == "win32"'
    assert markers["httpx"] is None
    # tzdata is installed on Windows only, as Poetry did; nowhere else
    tz = Marker(markers["tzdata"] or "")
    assert tz.evaluate({"sys_platform": "win32"})
    assert not tz.evaluate({"sys_platform": "linux"})


def test_platform_alternatives_and_python_are_combined() -> None:
    marker = _runtime(PLATFORM)["pywin32"]
    assert marker is not None
    m = Marker(marker)
    assert m.evaluate({"sys_platform": "cygwin", "python_version": "3.12"})
    assert m.evaluate({"sys_platform": "win32", "python_version": "3.11"})
    assert not m.evaluate({"sys_platform": "win32", "python_version": "3.10"})
    assert not m.evaluate({"sys_platform": "linux", "python_version": "3.12"})


def test_platform_marker_shapes() -> None:
    assert platform_marker("linux") == 'sys_platform == "linux"'
    assert platform_marker("win32 || darwin") == (
        'sys_platform == "win32" or sys_platform == "darwin"'
    )


SUPPLEMENTAL_ONLY = """\
[tool.poetry]
name = "billing"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"
internal-auth = { version = "^2.3", source = "corp" }
respx = { version = "^0.21", source = "pypi" }

[[tool.poetry.source]]
name = "corp"
url = "https://pypi.corp.example.com/simple/"
priority = "explicit"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example.com/simple/"
priority = "supplemental"
"""


def test_supplemental_source_is_searched_after_pypi() -> None:
    # Poetry searches PyPI first and the supplemental mirror only for what PyPI lacks. It used
    # to become a plain uv index, which uv searches *before* its default (PyPI): every package
    # the mirror also served came from the mirror.
    data = read_poetry(SUPPLEMENTAL_ONLY)
    got = [(i.name, i.url, i.kind, i.explicit) for i in data.indexes]
    assert got == [
        ("pypi", "https://pypi.org/simple", IndexKind.EXTRA, False),
        ("corp", "https://pypi.corp.example.com/simple/", IndexKind.NAMED, True),
        ("mirror", "https://mirror.example.com/simple/", IndexKind.DEFAULT, False),
    ]
    # `source = "pypi"` names the index written for PyPI; no second one
    assert [i.name for i in data.indexes].count("pypi") == 1
    assert not any(d.severity is Severity.ERROR for d in data.diagnostics)
    note = next(d for d in data.diagnostics if d.code == "PO007")
    assert "after PyPI" in note.message and note.severity is Severity.INFO


def test_only_primary_sources_keep_their_order_and_pypi_stays_off() -> None:
    text = SUPPLEMENTAL_ONLY.replace('"supplemental"', '"primary"')
    got = [(i.name, i.kind) for i in read_poetry(text).indexes]
    # one primary source: Poetry does not search PyPI; uv's default replaces PyPI
    assert got == [
        ("corp", IndexKind.NAMED),
        ("mirror", IndexKind.DEFAULT),
        ("pypi", IndexKind.NAMED),  # only for respx, which names it
    ]


LOCK = """\
[[package]]
name = "shared-models"
version = "1.2.0"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "git"
url = "https://github.com/acme/shared-models.git"
reference = "main"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "sdk"
version = "0.1.0"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "url"
url = "https://example.com/sdk-0.1.0.tar.gz"

[[package]]
name = "internal-auth"
version = "2.3.4"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "legacy"
url = "https://pypi.corp.example.com/simple"
reference = "corp"

[[package]]
name = "Attrs"
version = "23.1.0"
description = ""
optional = false
python-versions = "*"
files = []
"""


def test_lock_versions_keep_index_packages_only() -> None:
    # a git package on a branch that moved since the lock has another version now: pinning
    # the locked one made `uv lock` unsatisfiable
    assert lock_versions(LOCK) == {"internal-auth": "2.3.4", "attrs": "23.1.0"}


def test_scp_like_git_locations_become_ssh_urls() -> None:
    # Poetry documents `git = "git@github.com:org/repo.git"`; written as is into
    # [tool.uv.sources], uv refused to parse pyproject.toml and uv lock rolled everything back
    from toolshift.readers.poetry import git_url

    text = (
        '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\n'
        'lib = {git = "git@github.com:acme/lib.git", tag = "v1"}\n'
    )
    data = read_poetry(text)
    assert data.sources[0].location == "ssh://git@github.com/acme/lib.git"
    assert data.groups[0].requirements[0].url == "git+ssh://git@github.com/acme/lib.git@v1"
    assert git_url("https://github.com/acme/lib.git") == "https://github.com/acme/lib.git"
    assert git_url("ssh://git@host:2222/x.git") == "ssh://git@host:2222/x.git"
    assert git_url("deploy@git.example.com:team/x") == "ssh://deploy@git.example.com/team/x"
