"""render_pyproject: lossless merges into the user's pyproject.toml, idempotent."""

from __future__ import annotations

import json
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolshift.errors import ParseError
from toolshift.renderers.pyproject import (
    DEPENDENCIES,
    GROUPS,
    INDEXES,
    SETTINGS,
    SOURCES,
    Dep,
    GroupInclude,
    PyprojectEdits,
    UvIndex,
    UvSource,
    render_pyproject,
)

FULL = PyprojectEdits(
    name="svc",
    requires_python=">=3.12",
    dependencies=(Dep("alpha==1.1.0", comment="pinned on purpose"), Dep("beta>=1.0")),
    extras=(("fast", (Dep("delta"),)),),
    groups=(
        ("test", (Dep("pytest"),)),
        ("dev", (GroupInclude("test"), Dep("devtool==3.0", above=("linters",)))),
    ),
    constraints=(Dep("alpha<2"),),
    indexes=(UvIndex("corp", "https://corp.example.com/simple", default=True),),
    sources=(UvSource("lib", (("git", "https://github.com/o/lib"), ("tag", "v1"))),),
    uv_settings=(("package", False), ("no-build-package", ("numpy",))),
)

EXISTING = """\
# The service's own settings come first.
[project]
name = "svc"   # do not rename
version = "4.0.0"
dependencies = ["beta>=1.0"]

[tool.ruff]
line-length = 88  # house style
"""


def test_new_file_exact() -> None:
    result = render_pyproject(None, FULL)
    assert result.text == (
        "[project]\n"
        'name = "svc"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.12"\n'
        "dependencies = [\n"
        '    "alpha==1.1.0", # pinned on purpose\n'
        '    "beta>=1.0",\n'
        "]\n"
        "\n"
        "[project.optional-dependencies]\n"
        "fast = [\n"
        '    "delta",\n'
        "]\n"
        "\n"
        "[dependency-groups]\n"
        "test = [\n"
        '    "pytest",\n'
        "]\n"
        "dev = [\n"
        '    {include-group = "test"},\n'
        "    # linters\n"
        '    "devtool==3.0",\n'
        "]\n"
        "\n"
        "[tool.uv]\n"
        "package = false\n"
        'no-build-package = ["numpy"]\n'
        'constraint-dependencies = [\n    "alpha<2",\n]\n'
        "\n"
        "[tool.uv.sources]\n"
        'lib = {git = "https://github.com/o/lib", tag = "v1"}\n'
        "\n"
        "[[tool.uv.index]]\n"
        'name = "corp"\n'
        'url = "https://corp.example.com/simple"\n'
        "default = true\n"
    )
    assert set(result.added) >= {DEPENDENCIES, GROUPS, INDEXES, SOURCES, SETTINGS}
    tomllib.loads(result.text)


@pytest.mark.parametrize("old", [None, EXISTING, EXISTING.replace("\n", "\r\n")])
def test_idempotent(old: str | None) -> None:
    once = render_pyproject(old, FULL)
    twice = render_pyproject(once.text, FULL)
    assert twice.text == once.text
    assert twice.added == ()


def test_existing_content_kept_and_one_line_array_grows() -> None:
    text = render_pyproject(EXISTING, FULL).text
    assert text.startswith(
        "# The service's own settings come first.\n"
        "[project]\n"
        'name = "svc"   # do not rename\n'
        'version = "4.0.0"\n'
        "dependencies = [\n"
        '    "beta>=1.0",\n'
        '    "alpha==1.1.0", # pinned on purpose\n'
        "]\n"
        'requires-python = ">=3.12"\n'
    )
    assert "[tool.ruff]\nline-length = 88  # house style\n" in text
    assert tomllib.loads(text)["tool"]["ruff"] == {"line-length": 88}


def test_nothing_to_add_returns_the_input_unchanged() -> None:
    edits = PyprojectEdits(name="other", dependencies=(Dep("BETA >= 1.0"),))
    result = render_pyproject(EXISTING, edits)
    assert result.text == EXISTING
    assert result.added == () and result.diagnostics == ()


def test_conflicting_specifier_is_reported_not_duplicated() -> None:
    edits = PyprojectEdits(name="svc", dependencies=(Dep("beta==2.0"),))
    result = render_pyproject(EXISTING, edits)
    assert result.text == EXISTING
    [diag] = result.diagnostics
    assert "beta>=1.0" in diag.message and "beta==2.0" in diag.message


def test_constraints_on_the_same_name_are_both_kept() -> None:
    # Constraints intersect (pip's -c, uv's constraint-dependencies): a floor the user wrote
    # and a pin added next to it both hold. Keeping only the floor let the lock's temporary
    # pin of today's version drop, and alpha moved from 1.1.0 to 2.0.0.
    old = '[project]\nname = "svc"\nversion = "1"\n\n[tool.uv]\nconstraint-dependencies = [\n' + (
        '    # security floor\n    "alpha>=1.1",\n]\n'
    )
    edits = PyprojectEdits(name="svc", constraints=(Dep("alpha==1.1.0"), Dep("alpha >= 1.1")))
    result = render_pyproject(old, edits)
    data = tomllib.loads(result.text)
    assert data["tool"]["uv"]["constraint-dependencies"] == ["alpha>=1.1", "alpha==1.1.0"]
    assert "# security floor" in result.text
    assert not result.diagnostics
    assert render_pyproject(result.text, edits).text == result.text


def test_existing_groups_settings_and_indexes_merge() -> None:
    old = (
        '[project]\nname = "svc"\nversion = "1"\n\n'
        "[dependency-groups]\n"
        "dev = [\n"
        '    "pytest>=8",\n'
        "]\n\n"
        "[tool.uv]\n"
        "package = true\n"
        'no-build-package = ["scipy"]\n\n'
        "[[tool.uv.index]]\n"
        'name = "corp"\n'
        'url = "https://other.example.com/simple"\n'
    )
    edits = PyprojectEdits(
        name="svc",
        groups=(("dev", (Dep("pytest>=8"), Dep("devtool"))),),
        indexes=(
            UvIndex("corp", "https://corp.example.com/simple"),
            UvIndex("other", "https://other.example.com/simple/"),
        ),
        uv_settings=(("package", False), ("no-build-package", ("numpy", "scipy"))),
    )
    result = render_pyproject(old, edits)
    data = tomllib.loads(result.text)
    assert data["dependency-groups"]["dev"] == ["pytest>=8", "devtool"]
    assert data["tool"]["uv"]["package"] is True
    assert data["tool"]["uv"]["no-build-package"] == ["scipy", "numpy"]
    assert data["tool"]["uv"]["index"] == [
        {"name": "corp", "url": "https://other.example.com/simple"},
        {"name": "corp-2", "url": "https://corp.example.com/simple"},
    ]
    assert any("package" in d.message for d in result.diagnostics)


def test_bad_toml_raises_parse_error() -> None:
    with pytest.raises(ParseError) as exc:
        render_pyproject("[project\nname = 1\n", FULL)
    assert exc.value.path == "pyproject.toml"


def test_tables_inserted_in_the_middle_keep_blank_lines() -> None:
    old = (
        '[project]\nname = "svc"\nversion = "1"\n\n'
        "[tool.uv]\npackage = true\n\n"
        '[tool.uv.sources]\nx = {path = "x"}\n\n'
        "[tool.ruff]\nline-length = 1\n"
    )
    edits = PyprojectEdits(
        name="svc",
        indexes=(UvIndex("a", "https://a.example/simple"),),
        sources=(UvSource("y", (("path", "y"),)),),
    )
    assert render_pyproject(old, edits).text == (
        '[project]\nname = "svc"\nversion = "1"\n\n'
        "[tool.uv]\npackage = true\n\n"
        '[tool.uv.sources]\nx = {path = "x"}\ny = {path = "y"}\n\n'
        '[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\n\n'
        "[tool.ruff]\nline-length = 1\n"
    )


NAMES = ["alpha", "Beta", "gamma-x", "delta_y", "eps.z"]


def _key(text: str) -> str:
    from packaging.requirements import Requirement

    from toolshift.model import normalize_name

    return normalize_name(Requirement(text).name)


@settings(max_examples=60, deadline=None)
@given(
    existing=st.lists(
        st.builds(lambda n, s: n + s, st.sampled_from(NAMES), st.sampled_from(["", ">=1", "<3"])),
        max_size=4,
        unique_by=_key,
    ),
    new=st.lists(
        st.builds(lambda n, s: n + s, st.sampled_from(NAMES), st.sampled_from(["", "==1.0"])),
        max_size=6,
    ),
)
def test_merge_properties(existing: list[str], new: list[str]) -> None:
    """Any mix of new and existing requirements: the user's entries stay first and untouched,
    every name appears once, the result parses, and a second render changes nothing."""

    old = f'[project]\nname = "svc"\nversion = "1"\ndependencies = {json.dumps(existing)}\n'
    edits = PyprojectEdits(name="svc", dependencies=tuple(Dep(t) for t in new))
    once = render_pyproject(old, edits)
    deps = tomllib.loads(once.text)["project"]["dependencies"]
    assert deps[: len(existing)] == existing
    keys = [_key(d) for d in deps]
    assert len(keys) == len(set(keys))
    assert {_key(t) for t in new} <= set(keys)
    assert render_pyproject(once.text, edits).text == once.text
