from __future__ import annotations

import pytest

from toolshift.errors import ParseError
from toolshift.model import GroupKind, IndexKind, SourceKind
from toolshift.readers.pyproject import UvSourceKind, read_pyproject

FULL = """\
[project]
name = "svc"
version = "1.2.0"
requires-python = ">=3.11"
dependencies = [
    "flask>=3",  # web
    "requests[socks]>=2.31; python_version >= '3.12'",
    "mylib",
]

[project.optional-dependencies]
postgres = ["psycopg2-binary>=2.9"]

[dependency-groups]
test = ["pytest>=8"]
dev = [{include-group = "test"}, "ruff>=0.5"]

[tool.uv]
constraint-dependencies = ["urllib3<3"]
override-dependencies = ["werkzeug==3.1.0"]
dev-dependencies = ["ipython"]

[[tool.uv.index]]
name = "internal"
url = "https://user:s3cret@pkgs.example.com/simple"
explicit = true

[[tool.uv.index]]
name = "mirror"
url = "https://${MIRROR_USER}:${MIRROR_TOKEN}@mirror.example.com/simple"
default = true

[[tool.uv.index]]
name = "wheels"
url = "https://example.com/wheels/"
format = "flat"

[tool.uv.sources]
mylib = { git = "https://github.com/acme/mylib", tag = "v1.0", subdirectory = "py" }
other = { path = "../other", editable = true }
archive = { url = "https://example.com/archive-1.0.tar.gz" }
secret-pkg = { index = "internal" }
member = { workspace = true }
torch = [
    { index = "internal", marker = "sys_platform == 'linux'" },
    { git = "https://github.com/pt/pt", branch = "main", marker = "sys_platform != 'linux'" },
]

[tool.toolshift.pin]
ml = "exact"
"web framework" = "compatible"
packages = { Ruff = "declared" }
"""


def test_reads_project_facts() -> None:
    data = read_pyproject(FULL)
    assert (data.name, data.version, data.requires_python) == ("svc", "1.2.0", ">=3.11")
    assert not data.is_package and not data.has_build_system
    assert data.has_tool_uv and data.has_dependency_groups and data.has_project_table
    names = [r.name for r in data.runtime.requirements]
    assert names == ["flask", "requests", "mylib"]
    assert data.runtime.kind is GroupKind.RUNTIME
    req = data.runtime.requirements[1]
    assert req.extras == ("socks",)
    assert req.specifier == ">=2.31"
    assert req.marker == 'python_version >= "3.12"'
    assert req.origin is not None and req.origin.line == 7
    assert req.origin.text == "requests[socks]>=2.31; python_version >= '3.12'"


def test_extras_groups_includes_and_legacy_dev_dependencies() -> None:
    data = read_pyproject(FULL)
    assert [(e.name, e.kind) for e in data.extras] == [("postgres", GroupKind.EXTRA)]
    test, dev = data.groups
    assert test.name == "test" and [r.name for r in test.requirements] == ["pytest"]
    assert dev.includes == ("test",)
    # uv merges legacy [tool.uv] dev-dependencies into the dev group
    assert [r.name for r in dev.requirements] == ["ruff", "ipython"]
    assert data.group("DEV") is dev
    assert [r.name for r in data.constraints] == ["urllib3"]
    assert [r.specifier for r in data.overrides] == ["==3.1.0"]
    assert set(data.declared()) >= {"flask", "ruff", "psycopg2-binary", "pytest"}


def test_indexes_keep_variable_references_and_drop_literal_secrets() -> None:
    internal, mirror, wheels = read_pyproject(FULL).indexes
    assert internal.kind is IndexKind.NAMED and internal.explicit and internal.name == "internal"
    assert internal.url == "https://pkgs.example.com/simple" and internal.has_credentials
    assert "s3cret" not in repr(internal)
    assert mirror.kind is IndexKind.DEFAULT
    assert mirror.url == "https://${MIRROR_USER}:${MIRROR_TOKEN}@mirror.example.com/simple"
    assert not mirror.has_credentials
    assert wheels.kind is IndexKind.FIND_LINKS
    assert internal.origin is not None and internal.origin.line == 25


def test_sources_of_every_kind() -> None:
    src = read_pyproject(FULL).sources
    (git,) = src["mylib"]
    assert (git.kind, git.location, git.tag, git.subdirectory) == (
        UvSourceKind.GIT,
        "https://github.com/acme/mylib",
        "v1.0",
        "py",
    )
    (path,) = src["other"]
    assert (path.kind, path.location, path.editable) == (UvSourceKind.PATH, "../other", True)
    assert src["archive"][0].kind is UvSourceKind.URL
    assert (src["secret-pkg"][0].kind, src["secret-pkg"][0].location) == (
        UvSourceKind.INDEX,
        "internal",
    )
    assert src["member"][0].kind is UvSourceKind.WORKSPACE
    a, b = src["torch"]
    assert (a.kind, a.marker) == (UvSourceKind.INDEX, "sys_platform == 'linux'")
    assert (b.kind, b.branch) == (UvSourceKind.GIT, "main")
    assert git.origin is not None and git.origin.line == 39


def test_pin_table() -> None:
    pin = read_pyproject(FULL).pin
    assert dict(pin.categories) == {"ml-ai": "exact", "web-framework": "compatible"}
    assert dict(pin.packages) == {"ruff": "declared"}


@pytest.mark.parametrize(
    ("text", "is_package"),
    [
        ('[project]\nname = "a"\n', False),
        ('[project]\nname = "a"\n[build-system]\nrequires = ["hatchling"]\n', True),
        (
            '[project]\nname = "a"\n[build-system]\nrequires = ["hatchling"]\n'
            "[tool.uv]\npackage = false\n",
            False,
        ),
        ('[project]\nname = "a"\n[tool.uv]\npackage = true\n', True),
    ],
)
def test_is_package(text: str, is_package: bool) -> None:
    assert read_pyproject(text).is_package is is_package


def test_url_requirement_is_classified() -> None:
    text = (
        '[project]\ndependencies = ["pkg @ git+https://x.org/pkg@v1", "b @ https://x.org/b.whl"]\n'
    )
    a, b = read_pyproject(text).runtime.requirements
    assert a.source is SourceKind.VCS and a.url == "git+https://x.org/pkg@v1"
    assert b.source is SourceKind.URL


def test_not_toml_is_a_parse_error_with_line_and_hint() -> None:
    with pytest.raises(ParseError) as err:
        read_pyproject('[project]\nname = "a"\ndependencies = [\n  "flask"\n  "requests",\n]\n')
    assert err.value.path == "pyproject.toml"
    assert err.value.line == 5
    assert "not valid TOML" in err.value.message
    assert err.value.hint


def test_group_including_itself_is_an_error() -> None:
    text = '[dependency-groups]\ndev = ["ruff", {include-group = "dev"}]\n'
    with pytest.raises(ParseError, match="'dev' includes itself") as err:
        read_pyproject(text)
    assert err.value.line == 2


def test_group_cycle_is_named() -> None:
    text = (
        "[dependency-groups]\n"
        'a = [{include-group = "b"}]\n'
        'b = [{include-group = "c"}]\n'
        'c = ["x", {include-group = "a"}]\n'
    )
    with pytest.raises(ParseError, match="a -> b -> c -> a"):
        read_pyproject(text)


def test_include_of_missing_group() -> None:
    with pytest.raises(ParseError, match="does not exist"):
        read_pyproject('[dependency-groups]\na = [{include-group = "nope"}]\n')


def test_invalid_requirement_points_at_its_line() -> None:
    with pytest.raises(ParseError, match="not a valid requirement") as err:
        read_pyproject('[project]\nname = "a"\ndependencies = [\n  "flask >>= 3",\n]\n')
    assert err.value.line == 4


def test_bad_pin_policy() -> None:
    with pytest.raises(ParseError, match="not a pin policy") as err:
        read_pyproject('[tool.toolshift.pin]\nml = "loose"\n')
    assert err.value.line == 2
    with pytest.raises(ParseError, match="not a category"):
        read_pyproject('[tool.toolshift.pin]\nfrobnicators = "exact"\n')


# --------------------------------------------------------------------------- fast path


from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,8}[A-Za-z0-9]", fullmatch=True)
_specs = st.lists(
    st.tuples(
        st.sampled_from(["==", ">=", "<=", "~=", "!=", "<", ">"]),
        st.from_regex(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){0,2}", fullmatch=True),
    ),
    max_size=3,
).map(lambda items: " , ".join(f"{op}{v}" for op, v in items))
_atoms = st.sampled_from(
    [
        "python_version >= '3.10'",
        'sys_platform == "win32"',
        "os_name!='nt'",
        "platform_machine == 'x86_64'",
        "python_full_version < '3.12.1'",
    ]
)
_markers = st.recursive(
    _atoms,
    lambda inner: st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})"
    ),
    max_leaves=4,
)


@given(
    _names,
    st.lists(st.sampled_from(["socks", "fast", "all"]), max_size=2, unique=True),
    _specs,
    st.none() | _markers,
)
def test_fast_requirement_parser_agrees_with_packaging(
    name: str, extras: list[str], spec: str, marker: str | None
) -> None:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PRequirement

    from toolshift.model import Origin
    from toolshift.readers.pyproject import _simple_requirement

    text = name + (f"[{', '.join(extras)}]" if extras else "") + spec
    if marker:
        text += f"; {marker}"
    fast = _simple_requirement(text, Origin("pyproject.toml", 1, text))
    try:
        slow = PRequirement(text)
    except InvalidRequirement:
        assert fast is None  # packaging then raises the error with its explanation
        return
    assume(fast is not None)  # rarer shapes go to packaging (see the test below)
    assert fast is not None
    assert (fast.name, fast.specifier, fast.extras) == (
        slow.name,
        str(slow.specifier),
        tuple(sorted(slow.extras)),
    )
    assert fast.marker == (str(slow.marker) if slow.marker else None)


@pytest.mark.parametrize(
    "text",
    [
        "flask",
        "flask>=3",
        "requests[socks] >= 2.31, <3 ; python_version >= '3.12'",
        "numpy~=1.26.4; sys_platform != 'win32' and platform_machine == 'x86_64'",
        "Django==5.0.*",
        "torch==2.3.0+cpu",
        "pytest>=8.0.0rc1",
    ],
)
def test_fast_path_reads_everyday_requirements(text: str) -> None:
    from toolshift.model import Origin
    from toolshift.readers.pyproject import _simple_requirement

    assert _simple_requirement(text, Origin("pyproject.toml", 1, text)) is not None


def test_legacy_index_settings() -> None:
    text = (
        "[tool.uv]\n"
        'index-url = "https://me:pw@mirror.example/simple"\n'
        'extra-index-url = ["https://extra.example/simple"]\n'
        'find-links = ["./wheels"]\n'
    )
    default, extra, links = read_pyproject(text).indexes
    assert (default.kind, default.url, default.has_credentials) == (
        IndexKind.DEFAULT,
        "https://mirror.example/simple",
        True,
    )
    assert (extra.kind, extra.url) == (IndexKind.EXTRA, "https://extra.example/simple")
    assert (links.kind, links.url) == (IndexKind.FIND_LINKS, "./wheels")
    assert default.origin is not None and default.origin.line == 2
