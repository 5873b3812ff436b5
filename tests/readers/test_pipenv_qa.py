"""readers.pipenv: defects found by migrating realistic Pipenv services (QA pass)."""

from __future__ import annotations

from pathlib import Path

from toolshift.detect import detect
from toolshift.model import IndexKind, MigrateOptions, Severity
from toolshift.planners.to_uv import plan_to_uv
from toolshift.readers.pipenv import lock_versions, read_pipfile
from toolshift.readers.pyproject import UvSourceKind

PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[[source]]
url = "https://download.pytorch.org/whl/cpu"
verify_ssl = true
name = "pytorch"

[packages]
flask = "==3.0.3"
markupsafe = {version = "~=2.1", index = "pypi"}

[dev-packages]
pytest = "*"
"""


def test_index_naming_the_default_source_is_no_source() -> None:
    # uv writes no [[tool.uv.index]] for PyPI (its default): `markupsafe = {index = "pypi"}`
    # became `markupsafe = {index = "pypi"}` in [tool.uv.sources] and `uv lock` failed with
    # "references an undeclared index", rolling the whole migration back.
    data = read_pipfile(PIPFILE)
    assert not any(s.package == "markupsafe" for s in data.sources)
    assert not any(d.severity is Severity.ERROR for d in data.diagnostics)


def test_a_source_no_package_names_is_explicit() -> None:
    # pipenv 2022.3.23+ resolves every package against the first source unless it names
    # another; a plain uv index is searched before PyPI for every package
    data = read_pipfile(PIPFILE)
    got = [(i.name, i.kind, i.explicit) for i in data.indexes]
    assert got == [
        ("pypi", IndexKind.DEFAULT, False),
        ("pytorch", IndexKind.NAMED, True),
    ]
    note = next(d for d in data.diagnostics if d.code == "PE005")
    assert note.severity is Severity.INFO and "pytorch" in note.message


def test_install_search_all_sources_keeps_the_old_behaviour() -> None:
    text = PIPFILE + "\n[pipenv]\ninstall_search_all_sources = true\n"
    got = [(i.name, i.kind) for i in read_pipfile(text).indexes]
    assert got == [("pypi", IndexKind.DEFAULT), ("pytorch", IndexKind.EXTRA)]


def test_private_default_source_named_by_a_package_stays_a_source() -> None:
    text = (
        PIPFILE.replace("https://pypi.org/simple", "https://nexus.example/simple")
        .replace('name = "pypi"', 'name = "nexus"')
        .replace('index = "pypi"', 'index = "nexus"')
    )
    data = read_pipfile(text)
    # naming the default source changes nothing: no source, and no error
    assert not any(s.package == "markupsafe" for s in data.sources)
    assert (data.indexes[0].name, data.indexes[0].kind) == ("nexus", IndexKind.DEFAULT)


def test_plan_writes_no_source_for_the_default_index(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text(PIPFILE)
    plan = plan_to_uv(detect(tmp_path), MigrateOptions(target="uv"))
    new = next(c.new for c in plan.changes if c.path == "pyproject.toml")
    assert new is not None
    text = new.decode()
    assert 'index = "pypi"' not in text
    assert '[[tool.uv.index]]\nname = "pytorch"' in text and "explicit = true" in text
    assert not any(s.kind is UvSourceKind.INDEX for s in read_pipfile(PIPFILE).sources)


def test_lock_versions_skip_what_pipenv_could_not_pin() -> None:
    # pipenv locks a platform-only package (pywin32 on Linux) as "*"; it was kept as the
    # version "*", the pin `pywin32==*` made the pinned uv lock fail, and every other
    # version of Pipfile.lock was lost (certifi 2023.7.22 -> the newest, and so on)
    lock = """{
        "_meta": {"pipfile-spec": 6},
        "default": {
            "pywin32": {"markers": "sys_platform == 'win32'", "version": "*"},
            "certifi": {"hashes": [], "version": "==2023.7.22"},
            "odd": {"version": ">=1.0"},
            "flask": {"version": "===3.0.3"}
        },
        "develop": {"pytest": {"version": "==8.0.0"}, "local": {"editable": true, "path": "."}}
    }"""
    assert lock_versions(lock) == {"certifi": "2023.7.22", "flask": "3.0.3", "pytest": "8.0.0"}


def test_lock_versions_of_other_categories() -> None:
    lock = """{
        "_meta": {"pipfile-spec": 6, "sources": []},
        "default": {"requests": {"version": "==2.31.0"}},
        "develop": {"black": {"version": "==24.3.0"}, "requests": {"version": "==2.30.0"}},
        "tests": {"pytest": {"version": "==8.1.1"}},
        "docs": {"sphinx": {"version": "==7.2.6"}}
    }"""
    assert lock_versions(lock) == {
        "requests": "2.31.0",  # default first
        "black": "24.3.0",
        "pytest": "8.1.1",
        "sphinx": "7.2.6",
    }


def test_git_entries_in_pips_spelling_are_split() -> None:
    # `git = "git+https://...#egg=y"` kept the fragment in the uv source URL and the pip URL
    # read `...#egg=y@main`; `@v1.0#subdirectory=py` stayed inside the URL too
    text = (
        '[packages]\ny = {git = "git+https://github.com/x/y.git#egg=y", ref = "main"}\n'
        'z = {git = "https://github.com/x/z.git@v1.0#subdirectory=py"}\n'
        'w = {git = "git@github.com:acme/w.git", ref = "v2"}\n'
    )
    data = read_pipfile(text)
    by = {s.package: s for s in data.sources}
    assert (by["y"].location, by["y"].rev) == ("https://github.com/x/y.git", "main")
    assert (by["z"].location, by["z"].rev, by["z"].subdirectory) == (
        "https://github.com/x/z.git",
        "v1.0",
        "py",
    )
    assert by["w"].location == "ssh://git@github.com/acme/w.git"
    urls = {r.name: r.url for r in data.groups[0].requirements}
    assert urls == {
        "y": "git+https://github.com/x/y.git@main",
        "z": "git+https://github.com/x/z.git@v1.0#subdirectory=py",
        "w": "git+ssh://git@github.com/acme/w.git@v2",
    }
