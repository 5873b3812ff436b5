from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from toolshift.errors import InputError, ParseError
from toolshift.readers.uv_lock import (
    LockSourceKind,
    Selection,
    dnf_and,
    dnf_or,
    parse_marker,
    read_uv_lock,
    render_marker,
    requires_python_intervals,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "to_pip"


def _lock(case: str) -> str:
    return (FIXTURES / case / "uv.lock").read_text()


# --------------------------------------------------------------------------- markers

U39 = requires_python_intervals(">=3.9")


@pytest.mark.parametrize(
    ("markers", "expected"),
    [
        (["python_full_version < '3.10'", "python_full_version >= '3.10'"], None),
        (
            [
                "python_full_version < '3.10'",
                "python_full_version >= '3.10' and python_full_version < '3.11'",
            ],
            "python_full_version < '3.11'",
        ),
        (["python_version == '3.10'"], "python_full_version == '3.10.*'"),
        (["python_version < '3.9'"], "<false>"),
        (["sys_platform == 'win32'", "sys_platform != 'win32'"], None),
        (
            ["sys_platform == \"win32\" and (python_version < '3.12' or os_name == 'nt')"],
            "(os_name == 'nt' and sys_platform == 'win32') or "
            "(python_full_version < '3.12' and sys_platform == 'win32')",
        ),
        (["sys_platform == 'linux' and sys_platform == 'win32'"], "<false>"),
        (
            ["sys_platform == 'linux'", "sys_platform == 'linux' and os_name == 'posix'"],
            "sys_platform == 'linux'",
        ),
        (
            ["python_full_version < '3.11'", "python_full_version >= '3.11' and os_name == 'nt'"],
            "os_name == 'nt' or python_full_version < '3.11'",
        ),
    ],
)
def test_marker_or_simplifies(markers: list[str], expected: str | None) -> None:
    d = parse_marker(markers[0], U39)
    for m in markers[1:]:
        d = dnf_or(d, parse_marker(m, U39), U39)
    if expected == "<false>":
        assert not d
    else:
        assert render_marker(d, U39) == expected


def test_marker_and_factors_python_like_uv() -> None:
    plat = parse_marker(
        "(platform_machine == 'aarch64' and sys_platform == 'linux') or "
        "(platform_machine == 'x86_64' and sys_platform == 'linux')",
        U39,
    )
    d = dnf_and(parse_marker("python_full_version >= '3.11'", U39), plat, U39)
    assert render_marker(d, U39) == (
        "python_full_version >= '3.11' and ((platform_machine == 'aarch64' and "
        "sys_platform == 'linux') or (platform_machine == 'x86_64' and sys_platform == 'linux'))"
    )


# --------------------------------------------------------------------------- reading

SYNTHETIC = """\
version = 1
revision = 3
requires-python = ">=3.11"

[manifest]
members = ["app", "member"]
constraints = [{ name = "urllib3", specifier = "<3" }]

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "member" },
    { name = "mylib" },
    { name = "localdep" },
    { name = "archive" },
    { name = "uvicorn", extra = ["standard"] },
    { name = "gpu", marker = "extra == 'extra-3-app-cuda'" },
]

[package.optional-dependencies]
cuda = [{ name = "gpu" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "archive"
version = "1.0"
source = { url = "https://example.com/archive-1.0.tar.gz" }
sdist = { hash = "sha256:aaa" }

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/colorama.whl", hash = "sha256:ccc" }]

[[package]]
name = "gpu"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "localdep"
version = "0.3"
source = { directory = "../localdep" }

[[package]]
name = "member"
version = "0.2.0"
source = { editable = "packages/member" }
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]

[[package]]
name = "mylib"
version = "1.0"
source = { git = "https://github.com/acme/mylib?tag=v1.0&subdirectory=py#0123456789abcdef" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]
sdist = { url = "https://x/pytest.tar.gz", hash = "sha256:ppp1" }
wheels = [{ url = "https://x/pytest.whl", hash = "sha256:ppp2" }]

[[package]]
name = "uvicorn"
version = "0.30.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
standard = [{ name = "uvloop", marker = "sys_platform != 'win32'" }]

[[package]]
name = "uvloop"
version = "0.19.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_reads_sources_hashes_and_manifest() -> None:
    lock = read_uv_lock(SYNTHETIC)
    assert (lock.version, lock.revision, lock.requires_python) == (1, 3, ">=3.11")
    assert lock.members == ("app", "member")
    assert lock.constraints == ("urllib3<3",)
    kinds = {p.name: p.source.kind for p in lock.packages}
    assert kinds == {
        "app": LockSourceKind.EDITABLE,
        "archive": LockSourceKind.URL,
        "colorama": LockSourceKind.REGISTRY,
        "gpu": LockSourceKind.REGISTRY,
        "localdep": LockSourceKind.DIRECTORY,
        "member": LockSourceKind.EDITABLE,
        "mylib": LockSourceKind.GIT,
        "pytest": LockSourceKind.REGISTRY,
        "uvicorn": LockSourceKind.REGISTRY,
        "uvloop": LockSourceKind.REGISTRY,
    }
    (mylib,) = lock.find("MyLib")
    assert mylib.source.git_parts() == (
        "https://github.com/acme/mylib",
        {"tag": "v1.0", "subdirectory": "py"},
        "0123456789abcdef",
    )
    (pytest_pkg,) = lock.find("pytest")
    assert pytest_pkg.hashes == ("sha256:ppp1", "sha256:ppp2")
    assert pytest_pkg.origin is not None and pytest_pkg.origin.line > 60
    root = lock.root()
    assert root is not None and root.name == "app"
    assert set(root.dev_dependencies) == {"dev"}


def test_resolve_runtime_follows_extras_and_markers() -> None:
    lock = read_uv_lock(SYNTHETIC)
    got = {r.package.name: r for r in lock.resolve(Selection())}
    # gpu is only needed with the cuda extra (uv's conflict marker), not at runtime
    assert set(got) == {"archive", "colorama", "localdep", "member", "mylib", "uvicorn", "uvloop"}
    assert got["uvloop"].marker == "sys_platform != 'win32'"
    assert not got["uvloop"].direct and got["uvloop"].via == ("uvicorn",)
    assert got["colorama"].marker == "sys_platform == 'win32'"
    assert got["uvicorn"].direct and got["uvicorn"].direct_extras == ("standard",)
    assert got["member"].marker is None


def test_resolve_extra_and_group() -> None:
    lock = read_uv_lock(SYNTHETIC)
    cuda = {r.package.name for r in lock.resolve(Selection(extras=("cuda",)))}
    assert "gpu" in cuda
    dev = {
        r.package.name: r.marker for r in lock.resolve(Selection(runtime=False, groups=("dev",)))
    }
    assert dev == {"pytest": None, "colorama": "sys_platform == 'win32'"}
    with pytest.raises(InputError, match="no dependency group 'docs'"):
        lock.resolve(Selection(groups=("docs",)))
    with pytest.raises(InputError, match="no extra 'nope'"):
        lock.resolve(Selection(extras=("nope",)))


def test_forked_versions_keep_their_markers() -> None:
    lock = read_uv_lock(_lock("forks/input"))
    runtime = [(r.package.name, r.package.version, r.marker) for r in lock.resolve(Selection())]
    numpy = [x for x in runtime if x[0] == "numpy"]
    assert numpy == [
        ("numpy", "2.0.2", "python_full_version < '3.10'"),
        ("numpy", "2.2.6", "python_full_version == '3.10.*'"),
        ("numpy", "2.4.6", "python_full_version == '3.11.*'"),
        ("numpy", "2.5.5", "python_full_version >= '3.12'"),
    ]
    assert ("colorama", "0.4.6", "python_full_version < '3.10' and sys_platform == 'win32'") in (
        runtime
    )
    dev = {
        r.package.name: r.marker for r in lock.resolve(Selection(runtime=False, groups=("dev",)))
    }
    assert dev["exceptiongroup"] == "python_full_version < '3.11'"
    assert dev["colorama"] == "sys_platform == 'win32'"
    assert dev["ruff"] is None


def test_a_newer_lock_format_is_refused_with_a_hint() -> None:
    with pytest.raises(InputError) as err:
        read_uv_lock('version = 2\nrevision = 1\n\n[[package]]\nname = "a"\n')
    assert "lock format version 2" in err.value.message
    assert err.value.hint is not None and "upgrade toolshift" in err.value.hint
    assert err.value.path == "uv.lock"


def test_newer_revision_is_read_with_a_note() -> None:
    lock = read_uv_lock("version = 1\nrevision = 99\n")
    assert [d.code for d in lock.diagnostics] == ["lock-revision"]


def test_malformed_locks() -> None:
    with pytest.raises(ParseError, match="no lock format"):
        read_uv_lock('requires-python = ">=3.11"\n')
    with pytest.raises(ParseError, match="not valid TOML") as err:
        read_uv_lock("version = 1\n[[package]\n")
    assert err.value.line == 2
    with pytest.raises(InputError, match="no package for the project"):
        read_uv_lock("version = 1\n").resolve(Selection())


# --------------------------------------------------------------------------- against uv


def _environments() -> list[dict[str, str]]:
    out = []
    systems = {"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}
    for py, plat, mach, impl in itertools.product(
        ["3.9.1", "3.10.4", "3.11.2", "3.12.0", "3.13.1", "3.14.0"],
        list(systems),
        ["x86_64", "aarch64", "AMD64"],
        ["CPython", "PyPy"],
    ):
        out.append(
            {
                "python_version": py.rsplit(".", 1)[0],
                "python_full_version": py,
                "sys_platform": plat,
                "platform_system": systems[plat],
                "platform_machine": mach,
                "platform_python_implementation": impl,
                "implementation_name": impl.lower(),
                "os_name": "nt" if plat == "win32" else "posix",
            }
        )
    return out


_MARKERS: dict[tuple[str, tuple[tuple[str, str], ...]], bool] = {}


def _installed(lines: list[str], env: dict[str, str]) -> set[str]:
    from packaging.markers import Marker

    out = set()
    for line in lines:
        req, _, marker = line.partition(" ; ")
        if marker:
            key = (marker, tuple(sorted(env.items())))
            if key not in _MARKERS:
                _MARKERS[key] = Marker(marker).evaluate(env)
            if not _MARKERS[key]:
                continue
        out.add(req)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", ["forks/input", "big/input"])
def test_same_installed_sets_as_uv_export(case: str) -> None:
    """For every environment in a grid, our markers install exactly what `uv export` does."""

    from toolshift.tools import find_uv, run

    lock = read_uv_lock(_lock(case))
    root = lock.root()
    assert root is not None
    selections = {
        "runtime": (Selection(), []),
        "all": (
            Selection(
                extras=tuple(root.optional_dependencies), groups=tuple(root.dev_dependencies)
            ),
            ["--all-extras", "--all-groups"],
        ),
    }
    for group in root.dev_dependencies:
        selections[group] = (Selection(runtime=False, groups=(group,)), ["--only-group", group])
    envs = _environments()
    for label, (selection, args) in selections.items():
        mine = [
            f"{r.package.name}=={r.package.version}" + (f" ; {r.marker}" if r.marker else "")
            for r in lock.resolve(selection)
        ]
        done = run(
            [
                find_uv().path,
                "export",
                "--frozen",
                "--no-hashes",
                "--no-emit-project",
                "--no-header",
                "--no-annotate",
                "--no-default-groups",
                *args,
            ],
            cwd=FIXTURES / case,
            timeout=60,
            check=True,
        )
        theirs = [
            line.strip()
            for line in done.stdout.splitlines()
            if line.strip() and not line.startswith(("#", "-e"))
        ]
        assert {x.split(" ;")[0] for x in mine} == {x.split(" ;")[0] for x in theirs}, label
        for env in envs:
            assert _installed(mine, env) == _installed(theirs, env), (label, env)


@pytest.mark.parametrize("case", ["forks/input", "big/input", "sources/input"])
def test_fast_lock_load_reads_the_same_as_a_full_parse(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolshift.readers.uv_lock as uv_lock

    text = _lock(case)
    fast = read_uv_lock(text)
    data, artifacts = uv_lock.load_lock(text)
    assert artifacts is not None  # uv's own shape: the fast path was taken
    assert not any("wheels" in p or "sdist" in p for p in data.get("package", []))
    monkeypatch.setattr(uv_lock, "_strip_artifacts", lambda _text: None)
    monkeypatch.setattr(uv_lock, "_LAST_LOADED", None)  # no answer from the one-entry cache
    assert read_uv_lock(text) == fast


def test_lock_load_remembers_only_the_same_text() -> None:
    import toolshift.readers.uv_lock as uv_lock

    text = _lock("forks/input")
    first = uv_lock.load_lock(text)
    assert uv_lock.load_lock("".join(text)) is first  # equal text: parsed once (detect + plan)
    changed = text.replace('\nname = "zipp"\n', '\nname = "zipp-two"\n', 1)
    other = uv_lock.load_lock(changed)
    assert other is not first
    names = {p["name"] for p in other[0]["package"]}
    assert "zipp-two" in names and "zipp" not in names
    assert uv_lock.load_lock(text, "other/uv.lock") is not first  # errors name their path


def test_fast_lock_load_keeps_error_lines() -> None:
    text = _lock("forks/input").replace('\nname = "zipp"\n', '\nname = "zipp\n', 1)
    line = text.splitlines().index('name = "zipp') + 1
    with pytest.raises(ParseError) as err:
        read_uv_lock(text)
    assert err.value.line == line
