"""migrate --to pip: fixture pairs (input -> expected files) per source kind, group layout and
pin policy, plus the errors a person can run into. ``TOOLSHIFT_REGEN=1`` rewrites the expected
folders (review the diff before committing)."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from toolshift.errors import InputError, ParseError, UsageError
from toolshift.model import Detected, MigrateOptions, Plan, Project, Severity, Tool
from toolshift.planners.to_pip import plan_to_pip, version_spec

FIXTURES = Path(__file__).parent.parent / "fixtures" / "to_pip"

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    # source kinds (git, path, editable, url, workspace, named index) in a package project
    "sources_exact": ("sources", {}),
    "sources_hashes": ("sources", {"hashes": True}),
    "sources_compatible": ("sources", {"pin": "compatible"}),
    "sources_keep_pyproject": ("sources", {"keep_pyproject": True}),
    # platform and Python-version markers from a forked lock, not a package
    "forks_exact": ("forks", {}),
    "forks_minor_extras": ("forks", {"pin": "minor", "extras": True}),
    "forks_declared_keep": ("forks", {"pin": "declared", "keep_pyproject": True}),
    # include-group, legacy dev-dependencies, an extra and a group of the same name,
    # [tool.toolshift.pin], CRLF and comments in pyproject.toml
    "groups_extras": ("groups", {"extras": True}),
}


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def detected_for(files: dict[str, bytes], root: str = "/srv/project") -> Detected:
    return Detected(project=Project(root=root, name="project", tool=Tool.UV), contents=files)


def apply_in_memory(files: dict[str, bytes], plan: Plan) -> dict[str, bytes]:
    out = dict(files)
    for change in plan.changes:
        assert out.get(change.path) == change.old, change.path
        if change.new is None:
            del out[change.path]
        else:
            out[change.path] = change.new
    return out


def run_case(case: str) -> tuple[dict[str, bytes], Plan, dict[str, bytes]]:
    source, opts = CASES[case]
    before = read_tree(FIXTURES / source / "input")
    plan = plan_to_pip(detected_for(before), MigrateOptions(target="pip", **opts))
    return before, plan, apply_in_memory(before, plan)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_pairs(case: str) -> None:
    _, plan, after = run_case(case)
    expected_dir = FIXTURES / "expected" / case
    diagnostics = sorted(d.render() for d in plan.diagnostics)
    if os.environ.get("TOOLSHIFT_REGEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for path, data in after.items():
            (expected_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / path).write_bytes(data)
        (expected_dir.parent / f"{case}.diagnostics.json").write_text(
            json.dumps(diagnostics, indent=1) + "\n"
        )
    assert after == read_tree(expected_dir)
    expected_diags = json.loads((expected_dir.parent / f"{case}.diagnostics.json").read_text())
    assert diagnostics == expected_diags


@pytest.mark.parametrize("case", sorted(CASES))
def test_second_run_plans_nothing(case: str) -> None:
    _, _, after = run_case(case)
    _, opts = CASES[case]
    plan = plan_to_pip(detected_for(after), MigrateOptions(target="pip", **opts))
    assert plan.empty
    assert [d.code for d in plan.diagnostics] == ["pip-nothing-to-do"]


def test_lock_and_uv_tables_go_python_version_stays() -> None:
    before, plan, after = run_case("groups_extras")
    kinds = {c.path: c.kind.value for c in plan.changes}
    assert kinds["uv.lock"] == "delete"
    assert kinds["pyproject.toml"] == "modify"
    assert ".python-version" not in kinds and after[".python-version"] == before[".python-version"]
    pyproject = after["pyproject.toml"].decode()
    assert "[tool.uv]" not in pyproject and "[project]" not in pyproject
    assert '[tool.pytest.ini_options]\r\naddopts = "-q"  # keep quiet\r\n' in pyproject
    assert "\r\n" in pyproject and "\n" not in pyproject.replace("\r\n", "")
    for change in plan.changes:
        assert change.rules and change.rules[0] in {"TS121", "TS122", "TS123", "TS124"}


def test_package_keeps_project_and_installs_itself() -> None:
    _, _, after = run_case("sources_exact")
    pyproject = after["pyproject.toml"].decode()
    assert "[project]" in pyproject and "[build-system]" in pyproject
    assert "[tool.uv" not in pyproject and "[dependency-groups]" not in pyproject
    assert "# internal library, from git" in pyproject
    tail = "# This project and its workspace members\n-e .\n-e ./packages/shared"
    assert after["requirements.txt"].decode().rstrip().endswith(tail)


def test_sources_in_pip_terms() -> None:
    _, _, after = run_case("sources_exact")
    req = after["requirements.txt"].decode().splitlines()
    assert (
        "mylib @ git+https://github.com/acme/mylib@9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6"
        "#subdirectory=python" in req
    )
    assert "-e ./packages/shared" in req and "-e ../localtool" in req
    assert "./vendor/vendored-0.1.tar.gz" in req
    assert "archive @ https://files.example.com/archive-3.0-py3-none-any.whl" in req
    assert "-c constraints.txt" in req
    # the credential never reaches a file; the variables uv reads do
    text = b"".join(after.values()).decode()
    assert "hunter2" not in text and "deploy" not in text
    assert (
        "--extra-index-url https://${UV_INDEX_INTERNAL_USERNAME}:${UV_INDEX_INTERNAL_PASSWORD}"
        "@pkgs.acme.example/simple" in req
    )
    _, _, compat = run_case("sources_compatible")
    assert "mylib @ git+https://github.com/acme/mylib@v1.2.0#subdirectory=python" in (
        compat["requirements.txt"].decode().splitlines()
    )


def test_named_index_warns_about_dependency_confusion() -> None:
    _, plan, _ = run_case("sources_exact")
    (diag,) = [d for d in plan.diagnostics if d.code == "pip-named-index"]
    assert diag.severity is Severity.WARNING
    assert "secret-pkg" in diag.message and "dependency confusion" in diag.message
    assert diag.origin is not None and diag.origin.path == "pyproject.toml" and diag.origin.line


def test_platform_markers_are_kept() -> None:
    _, _, after = run_case("forks_exact")
    req = after["requirements.txt"].decode().splitlines()
    assert "numpy==2.0.2 ; python_full_version < '3.10'" in req
    assert "numpy==2.5.5 ; python_full_version >= '3.12'" in req
    assert "colorama==0.4.6 ; python_full_version < '3.10' and sys_platform == 'win32'" in req
    dev = after["requirements-test.txt"].decode().splitlines()
    assert "colorama==0.4.6 ; sys_platform == 'win32'" in dev


def test_group_files_include_what_they_build_on() -> None:
    _, _, after = run_case("groups_extras")
    dev = after["requirements-dev.txt"].decode().splitlines()
    assert dev[dev.index("-r requirements.txt") + 1 : dev.index("-r requirements.txt") + 3] == [
        "-r requirements-test.txt",
        "-r requirements-lint.txt",
    ]
    # pytest lives in requirements-test.txt, not again in the dev file
    assert not any(line.startswith("pytest") for line in dev)
    # legacy dev-dependencies (iniconfig) are in the dev group, but pytest already brings it
    assert not any(line.startswith("iniconfig") for line in dev)
    # an extra named like a group gets its own file name
    assert "requirements-extra-lint.txt" in after and "requirements-cli.txt" in after


def test_pin_table_per_category_and_package() -> None:
    _, _, after = run_case("groups_extras")
    runtime = after["requirements.txt"].decode().splitlines()
    assert any(line.startswith("httpx>=0.28.1,<0.29") for line in runtime)  # http client: minor
    assert any(line.startswith("structlog==") for line in runtime)  # base policy: exact
    test = after["requirements-test.txt"].decode().splitlines()
    assert any(line.startswith("pytest~=") for line in test)  # testing: compatible
    lint = after["requirements-lint.txt"].decode().splitlines()
    assert "ruff>=0.5" in lint  # packages: declared


def test_hashes_only_with_exact_pins() -> None:
    _, _, after = run_case("sources_hashes")
    text = after["requirements.txt"].decode()
    assert "fastapi==0.111.0 \\\n    --hash=sha256:97ecbf99" in text
    with pytest.raises(UsageError, match="--hashes needs exact pins"):
        plan_to_pip(
            detected_for(read_tree(FIXTURES / "sources" / "input")),
            MigrateOptions(target="pip", pin="compatible", hashes=True),
        )


@pytest.mark.parametrize(
    ("policy", "version", "spec"),
    [
        ("exact", "1.2.3", "==1.2.3"),
        ("compatible", "1.2.3", "~=1.2.3"),
        ("compatible", "5", "~=5.0"),
        ("minor", "1.2.3", ">=1.2.3,<1.3"),
        ("minor", "2026.10.19.post1", ">=2026.10.19.post1,<2026.11"),
        ("minor", "7", ">=7,<7.1"),
        ("exact", "2.3.0+cpu", "==2.3.0+cpu"),
        ("compatible", "2.3.0+cpu", "~=2.3.0"),
        ("minor", "2.3.0+cpu", ">=2.3.0,<2.4"),
    ],
)
def test_version_spec(policy: str, version: str, spec: str) -> None:
    assert version_spec(policy, version) == spec


# --------------------------------------------------------------------------- bad input


def _inputs(source: str = "forks") -> dict[str, bytes]:
    return read_tree(FIXTURES / source / "input")


def test_no_index_stays_no_index() -> None:
    """[tool.uv] no-index: uv used find-links alone, so pip must not fall back to PyPI."""

    files = _inputs()
    py = (
        files["pyproject.toml"]
        .decode()
        .replace(
            "[tool.uv]\npackage = false\n",
            '[tool.uv]\npackage = false\nno-index = true\nfind-links = ["./wheels"]\n'
            '[[tool.uv.index]]\nname = "corp"\nurl = "https://corp.example/simple"\n'
            "default = true\n",
        )
    )
    files["pyproject.toml"] = py.encode()
    plan = plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    text = next(c.new for c in plan.changes if c.path == "requirements.txt")
    assert text is not None
    options = [line for line in text.decode().splitlines() if line.startswith("--")]
    assert options == ["--no-index", "--find-links ./wheels"]
    assert "pip-index-merge" not in {d.code for d in plan.diagnostics}
    without = plan_to_pip(detected_for(_inputs()), MigrateOptions(target="pip"))
    assert b"--no-index" not in next(
        c.new or b"" for c in without.changes if c.path == "requirements.txt"
    )


def test_pyproject_not_toml_is_a_clear_error() -> None:
    files = _inputs()
    files["pyproject.toml"] = b'[project]\nname = "svc\n'
    with pytest.raises(ParseError) as err:
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    assert (err.value.path, err.value.line) == ("pyproject.toml", 2)
    assert err.value.hint


def test_lock_from_a_newer_format_is_a_clear_error() -> None:
    files = _inputs()
    files["uv.lock"] = files["uv.lock"].replace(b"version = 1\n", b"version = 7\n", 1)
    with pytest.raises(InputError, match="lock format version 7") as err:
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    assert err.value.hint and "upgrade toolshift" in err.value.hint


def test_group_including_itself_is_a_clear_error() -> None:
    files = _inputs()
    files["pyproject.toml"] = files["pyproject.toml"].replace(
        b'test = ["pytest>=8"]', b'test = ["pytest>=8", {include-group = "test"}]'
    )
    with pytest.raises(ParseError, match="'test' includes itself"):
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))


def test_no_lock_asks_to_lock_first() -> None:
    files = _inputs()
    del files["uv.lock"]
    with pytest.raises(InputError, match=r"no uv\.lock") as err:
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    assert err.value.hint == "run `uv lock` first, then migrate"


def test_stale_lock_missing_a_group() -> None:
    files = _inputs()
    files["pyproject.toml"] = files["pyproject.toml"].replace(
        b"test = [", b'docs = ["mkdocs"]\ntest = ['
    )
    with pytest.raises(InputError, match="older than"):
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))


def test_stale_lock_missing_a_dependency() -> None:
    files = _inputs()
    files["pyproject.toml"] = files["pyproject.toml"].replace(
        b'"flask>=3",', b'"flask>=3",\n    "httpx",'
    )
    with pytest.raises(InputError, match=r"older than pyproject\.toml.*httpx") as err:
        plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    assert err.value.hint == "run `uv lock` first, then migrate"


def test_unknown_pin_policy() -> None:
    with pytest.raises(UsageError, match="unknown pin policy"):
        plan_to_pip(detected_for(_inputs()), MigrateOptions(target="pip", pin="loose"))


def test_disabled_rules_are_respected() -> None:
    plan = plan_to_pip(
        detected_for(_inputs()),
        MigrateOptions(target="pip", disabled_rules=frozenset({"TS122", "TS124"})),
    )
    paths = {c.path: c for c in plan.changes}
    assert "uv.lock" not in paths
    new = paths["pyproject.toml"].new
    assert new is not None and b"[project]" in new and b"[tool.uv]" not in new


# --------------------------------------------------------------------------- round trips
#
# Property: for generated projects (packages with versions, forks by Python version, dependency
# edges with platform/Python markers, runtime + dev/test groups + an extra), the requirements
# files planned from pyproject.toml + uv.lock install, in every environment of a grid, exactly
# the name -> version set an independent walk of the lock graph gives (markers evaluated by
# packaging, no marker algebra). pip's format is read back with readers.requirements.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

POOL = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
EDGE_MARKERS = [None, "sys_platform == 'win32'", "python_full_version < '3.12'", "os_name != 'nt'"]
ENVS = [
    {
        "python_full_version": py,
        "python_version": py.rsplit(".", 1)[0],
        "sys_platform": plat,
        "os_name": "nt" if plat == "win32" else "posix",
        "platform_system": "",
        "platform_machine": "",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    for py in ("3.11.4", "3.12.1", "3.13.0")
    for plat in ("linux", "win32")
]


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=8, unique=True))
    forked = draw(st.sets(st.sampled_from(names), max_size=2))
    packages: dict[str, list[tuple[str, str | None]]] = {}  # name -> [(version, fork marker)]
    for i, name in enumerate(names):
        if name in forked:
            packages[name] = [
                (f"1.{i}.0", "python_full_version < '3.12'"),
                (f"2.{i}.1", "python_full_version >= '3.12'"),
            ]
        else:
            packages[name] = [
                (f"{i + 1}.{draw(st.integers(0, 30))}.{draw(st.integers(0, 9))}", None)
            ]
    edges: dict[str, list[tuple[str, str | None]]] = {n: [] for n in names}
    for i, name in enumerate(names):  # a DAG: edges to later names only
        for target in draw(
            st.lists(st.sampled_from(names[i + 1 :] or [name]), max_size=3, unique=True)
        ):
            if target != name:
                edges[name].append((target, draw(st.sampled_from(EDGE_MARKERS))))
    pick = st.lists(
        st.tuples(st.sampled_from(names), st.sampled_from(EDGE_MARKERS)),
        max_size=4,
        unique_by=lambda t: t[0],
    )
    return {
        "packages": packages,
        "edges": edges,
        "runtime": draw(pick),
        "test": draw(pick),
        "dev": draw(pick),
        "extra": draw(pick),
        "dev_includes_test": draw(st.booleans()),
    }


def _dep_lines(
    p: dict[str, Any], targets: list[tuple[str, str | None]], parent_fork: str | None
) -> list[str]:
    out = []
    for name, marker in targets:
        versions = p["packages"][name]
        for version, fork in versions:
            parts = [m for m in (marker, fork) if m]
            if parent_fork and fork and parent_fork != fork:
                continue  # a forked parent only reaches the child version of its own fork
            if parent_fork and fork:
                parts = [m for m in (marker,) if m]
            text = f'{{ name = "{name}"'
            if len(versions) > 1:
                text += (
                    f', version = "{version}", source = {{ registry = "https://pypi.org/simple" }}'
                )
            if parts:
                text += (
                    ', marker = "'
                    + " and ".join(f"({m})" if len(parts) > 1 else m for m in parts)
                    + '"'
                )
            out.append(text + " },")
    return out


def write_project(p: dict[str, Any]) -> dict[str, bytes]:
    def spec_list(items: list[tuple[str, str | None]]) -> str:
        return ", ".join(f'"{n}>=0.1' + (f'; {m}"' if m else '"') for n, m in items)

    groups = [f"test = [{spec_list(p['test'])}]"]
    dev = spec_list(p["dev"])
    if p["dev_includes_test"]:
        dev = '{include-group = "test"}' + (", " + dev if dev else "")
    groups.append(f"dev = [{dev}]")
    pyproject = (
        '[project]\nname = "gen"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{spec_list(p['runtime'])}]\n\n"
        f"[project.optional-dependencies]\nextra = [{spec_list(p['extra'])}]\n\n"
        "[dependency-groups]\n" + "\n".join(groups) + "\n\n[tool.uv]\npackage = false\n"
    )
    lock = ["version = 1", "revision = 3", 'requires-python = ">=3.11"', ""]
    lock += ["[[package]]", 'name = "gen"', 'version = "0.1.0"', 'source = { virtual = "." }']
    lock += ["dependencies = [", *_dep_lines(p, p["runtime"], None), "]", ""]
    lock += [
        "[package.optional-dependencies]",
        "extra = [",
        *_dep_lines(p, p["extra"], None),
        "]",
        "",
    ]
    # uv flattens an included group into the including one (same name twice is fine)
    dev_deps = p["dev"] + (p["test"] if p["dev_includes_test"] else [])
    lock += ["[package.dev-dependencies]", "dev = [", *_dep_lines(p, dev_deps, None), "]"]
    lock += ["test = [", *_dep_lines(p, p["test"], None), "]", ""]
    for name in sorted(p["packages"]):
        for version, fork in p["packages"][name]:
            lock += [
                "[[package]]",
                f'name = "{name}"',
                f'version = "{version}"',
                'source = { registry = "https://pypi.org/simple" }',
            ]
            if fork:
                lock += [f'resolution-markers = ["{fork}"]']
            lock += ["dependencies = [", *_dep_lines(p, p["edges"][name], fork), "]"]
            lock += [
                f'wheels = [{{ url = "https://x/{name}.whl", hash = "sha256:{name}{version}" }}]',
                "",
            ]
    return {"pyproject.toml": pyproject.encode(), "uv.lock": "\n".join(lock).encode() + b"\n"}


def oracle(
    p: dict[str, Any], roots: list[tuple[str, str | None]], env: dict[str, str]
) -> set[tuple[str, str]]:
    from packaging.markers import Marker

    def ok(marker: str | None) -> bool:
        return marker is None or Marker(marker).evaluate(env)

    out: set[tuple[str, str]] = set()
    todo = list(roots)
    while todo:
        name, marker = todo.pop()
        if not ok(marker):
            continue
        for version, fork in p["packages"][name]:
            if ok(fork) and (name, version) not in out:
                out.add((name, version))
                todo.extend(p["edges"][name])
    return out


def installed_from_files(
    files: dict[str, bytes], entry: str, env: dict[str, str]
) -> set[tuple[str, str]]:
    from packaging.markers import Marker

    from toolshift.readers.requirements import load_requirements

    out: set[tuple[str, str]] = set()
    for rf in load_requirements([entry], files.get).values():
        assert not [d for d in rf.diagnostics if d.severity is Severity.ERROR], rf.diagnostics
        for req in rf.requirements:
            if req.marker is None or Marker(req.marker).evaluate(env):
                assert req.pinned_version, req
                out.add((req.key, req.pinned_version))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_round_trip_keeps_installed_sets(p: dict[str, Any]) -> None:
    files = write_project(p)
    plan = plan_to_pip(detected_for(files), MigrateOptions(target="pip", extras=True))
    after = apply_in_memory(files, plan)
    dev_roots = p["dev"] + (p["test"] if p["dev_includes_test"] else [])
    for env in ENVS:
        assert installed_from_files(after, "requirements.txt", env) == oracle(p, p["runtime"], env)
        assert installed_from_files(after, "requirements-dev.txt", env) == oracle(
            p, p["runtime"] + dev_roots, env
        )
        assert installed_from_files(after, "requirements-test.txt", env) == oracle(
            p, p["runtime"] + p["test"], env
        )
        assert installed_from_files(after, "requirements-extra.txt", env) == oracle(
            p, p["runtime"] + p["extra"], env
        )
    again = plan_to_pip(detected_for(after), MigrateOptions(target="pip", extras=True))
    assert again.empty


# --------------------------------------------------------------------------- real tools (slow)


@functools.cache
def _pip() -> list[str]:
    """A pip that can run `install --dry-run --report` (the test venv has none)."""

    import sys

    from toolshift.tools import run

    for exe in (getattr(sys, "_base_executable", None), shutil.which("python3")):
        if exe and run([exe, "-m", "pip", "--version"], timeout=60).returncode == 0:
            return [exe, "-m", "pip"]
    pytest.skip("no Python with pip found")


def _pip_installs(root: Path, wheelhouse: Path, entry: str) -> dict[str, str]:
    from toolshift.tools import run

    report = root / "report.json"
    done = run(
        [
            *_pip(),
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "--report",
            str(report),
            "-r",
            entry,
        ],
        cwd=root,
        timeout=120,
    )
    assert done.returncode == 0, done.output
    items = json.loads(report.read_text())["install"]
    return {normalize(i["metadata"]["name"]): i["metadata"]["version"] for i in items}


def normalize(name: str) -> str:
    from toolshift.model import normalize_name

    return normalize_name(name)


def _write(root: Path, plan: Plan) -> None:
    for change in plan.changes:
        path = root / change.path
        if change.new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.new)


def _offline(wheelhouse: Path) -> list[str]:
    return ["--offline", "--no-index", "--find-links", str(wheelhouse)]


@pytest.mark.slow
def test_pip_installs_what_uv_locked(tmp_path: Path, wheelhouse: Path) -> None:
    """uv lock (offline, wheelhouse) -> --to pip -> pip resolves exactly the locked set."""

    from toolshift.tools import find_uv, run

    root = tmp_path / "svc"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["beta", "gamma[fast]", "alpha<2", "devtool; sys_platform == \'win32\'"]\n'
        '[dependency-groups]\ndev = ["devtool"]\n[tool.uv]\npackage = false\n'
    )
    run([find_uv().path, "lock", *_offline(wheelhouse)], cwd=root, timeout=120, check=True)
    files = read_tree(root)
    plan = plan_to_pip(detected_for(files, str(root)), MigrateOptions(target="pip"))
    _write(root, plan)
    assert _pip_installs(root, wheelhouse, "requirements.txt") == {
        "alpha": "1.1.0",
        "beta": "1.2",
        "gamma": "0.9",
        "delta": "1.0",
    }
    assert _pip_installs(root, wheelhouse, "requirements-dev.txt")["devtool"] == "3.0"
    text = (root / "requirements.txt").read_text()
    assert "devtool==3.0 ; sys_platform == 'win32'" in text
    assert f"--find-links {wheelhouse}" in text  # uv's registry was the wheelhouse folder


@pytest.mark.slow
def test_round_trip_to_uv_then_to_pip(tmp_path: Path, wheelhouse: Path) -> None:
    """A pip project -> `toolshift migrate --to uv` (with uv lock) -> `toolshift migrate --to
    pip`, end to end through the CLI, installs the same name -> version; undo twice restores."""

    from toolshift.cli.main import main

    root = tmp_path / "svc"
    root.mkdir()
    pins = {"alpha": "1.0.0", "beta": "1.0", "gamma": "0.9", "delta": "1.0"}
    (root / "requirements.txt").write_text(
        "beta==1.0\nalpha==1.0.0\ngamma[fast]==0.9\ndelta==1.0\n"
    )
    (root / "requirements-dev.txt").write_text("-r requirements.txt\ndevtool==3.0\n")
    before = {
        "requirements.txt": _pip_installs(root, wheelhouse, "requirements.txt"),
        "requirements-dev.txt": _pip_installs(root, wheelhouse, "requirements-dev.txt"),
    }
    assert before["requirements.txt"] == pins
    original = {k: v for k, v in read_tree(root).items() if k != "report.json"}

    offline = ["--offline", "--find-links", str(wheelhouse)]
    assert main(["migrate", "--to", "uv", str(root), "--yes", *offline]) == 0
    assert (root / "uv.lock").exists() and not (root / "requirements.txt").exists()

    assert main(["migrate", "--to", "pip", str(root), "--pin", "exact", "--yes"]) == 0
    assert not (root / "uv.lock").exists()
    for entry, installed in before.items():
        assert _pip_installs(root, wheelhouse, entry) == installed, entry
    assert main(["undo", str(root)]) == 0 and (root / "uv.lock").exists()
    assert main(["undo", str(root)]) == 0

    def project_files() -> dict[str, bytes]:  # pip's report.json is not the project's
        return {
            k: v
            for k, v in read_tree(root).items()
            if not k.startswith(".toolshift/") and k != "report.json"
        }

    assert project_files() == original


@pytest.mark.network
def test_bundled_example_round_trip(tmp_path: Path) -> None:
    """examples/fastapi-service, end to end through the CLI: `migrate --to uv` (uv lock from
    PyPI) then `migrate --to pip` installs the same name -> version set as the original
    requirements files (pip's own resolution, Linux), the example's pins included."""

    import sys

    from toolshift.cli.main import main
    from toolshift.readers.requirements import parse_requirements
    from toolshift.tools import run

    example = Path(__file__).parents[2] / "examples" / "fastapi-service"
    root = tmp_path / "svc"
    shutil.copytree(example, root)

    def installs(entry: str) -> dict[str, str]:
        report = tmp_path / "report.json"
        done = run(
            [
                *_pip(),
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--index-url",
                "https://pypi.org/simple",
                "--report",
                str(report),
                "-r",
                entry,
            ],
            cwd=root,
            timeout=600,
        )
        assert done.returncode == 0, done.output
        items = json.loads(report.read_text())["install"]
        return {normalize(i["metadata"]["name"]): i["metadata"]["version"] for i in items}

    before = {e: installs(e) for e in ("requirements.txt", "requirements-dev.txt")}
    for entry, installed in before.items():
        parsed = parse_requirements((root / entry).read_text(), entry)
        for req in parsed.requirements:
            if req.pinned_version:  # the example's own pins are what pip installs
                assert installed[req.key] == req.pinned_version, (entry, req.key)
    # the Python running this test (pip resolves for it too), whatever the example states
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert main(["migrate", "--to", "uv", str(root), "--python", python, "--yes"]) == 0
    assert (root / "uv.lock").exists()
    assert main(["migrate", "--to", "pip", str(root), "--yes"]) == 0
    for entry, installed in before.items():
        assert installs(entry) == installed, entry


# --------------------------------------------------------------------------- pyproject clean-up

MIXED = """\
# top comment
[project]
name = "a"
version = "1"
description = \"\"\"multi
[not.a.header]
line\"\"\"
dependencies = ["x"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

# uv settings, dropped with the table
[tool.uv]
dev-dependencies = ["pytest"]

# ruff settings
[tool.ruff]
line-length = 88
matrix = [
[1, 2],
]

[tool.uv.sources]
x = { path = "../x" }

[[tool.uv.index]]
name = "i"
url = "https://i.example/simple"

[tool.ruff.lint]
select = ["E"]  # errors only
"""

MIXED_CLEANED = """\
# top comment
[project]
name = "a"
version = "1"
description = \"\"\"multi
[not.a.header]
line\"\"\"
dependencies = ["x"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

# ruff settings
[tool.ruff]
line-length = 88
matrix = [
[1, 2],
]

[tool.ruff.lint]
select = ["E"]  # errors only
"""


def _clean(text: str, **opts: Any) -> str | None:
    from toolshift.planners.to_pip import _clean_pyproject
    from toolshift.readers.pyproject import read_pyproject

    return _clean_pyproject(text, read_pyproject(text), MigrateOptions(target="pip", **opts))


def test_clean_keeps_comments_and_order_of_what_stays() -> None:
    assert _clean(MIXED) == MIXED_CLEANED
    crlf = MIXED.replace("\n", "\r\n")
    assert _clean(crlf) == MIXED_CLEANED.replace("\n", "\r\n")


def test_clean_idempotent_and_untouched_without_uv() -> None:
    assert _clean(MIXED_CLEANED) == MIXED_CLEANED
    plain = '[project]\nname = "a"\n[build-system]\nrequires = ["x"]\n\n[tool.black]\nx = 1\n'
    assert _clean(plain) == plain


def test_clean_other_shapes_fall_back_to_tomlkit() -> None:
    text = '[project]\nname = "a"\n\n[tool]\nuv.package = false\nblack.line-length = 90\n'
    assert _clean(text) == "[tool]\nblack.line-length = 90\n"


def test_clean_deletes_a_file_only_uv_needed() -> None:
    text = '# for uv\n[project]\nname = "a"\ndependencies = ["x"]\n\n[tool.uv]\npackage = false\n'
    assert _clean(text) is None
    assert (
        _clean(text, keep_pyproject=True)
        == '# for uv\n[project]\nname = "a"\ndependencies = ["x"]\n'
    )


def test_index_with_variable_credentials_is_written_once() -> None:
    pyproject = (
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["corp-lib"]\n\n'
        '[[tool.uv.index]]\nname = "corp"\n'
        'url = "https://${CORP_USER}:${CORP_TOKEN}@pkgs.corp.example/simple/"\ndefault = true\n'
    )
    lock = (
        'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "corp-lib"\nversion = "4.0"\n'
        'source = { registry = "https://pkgs.corp.example/simple/" }\n\n'
        '[[package]]\nname = "svc"\nversion = "1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "corp-lib" }]\n'
    )
    files = {"pyproject.toml": pyproject.encode(), "uv.lock": lock.encode()}
    plan = plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    req = apply_in_memory(files, plan)["requirements.txt"].decode().splitlines()
    assert [line for line in req if line.startswith("--")] == [
        "--index-url https://${CORP_USER}:${CORP_TOKEN}@pkgs.corp.example/simple/"
    ]
    assert "corp-lib==4.0" in req
    assert not plan.diagnostics


CONFLICTS_PYPROJECT = """\
[project]
name = "conf"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["beta"]

[project.optional-dependencies]
old = ["alpha==1.0.0"]
new = ["alpha==2.0.0"]

[tool.uv]
package = false
conflicts = [[{ extra = "old" }, { extra = "new" }]]
"""

# as uv 0.13 writes it (wheels left out)
CONFLICTS_LOCK = """\
version = 1
revision = 5
requires-python = ">=3.11"
conflicts = [[
    { package = "conf", extra = "new" },
    { package = "conf", extra = "old" },
]]

[[package]]
name = "alpha"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "alpha"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "beta"
version = "1.2"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "alpha", version = "1.0.0", source = { registry = "https://pypi.org/simple" }, \
marker = "extra == 'extra-4-conf-old'" },
    { name = "alpha", version = "2.0.0", source = { registry = "https://pypi.org/simple" }, \
marker = "extra == 'extra-4-conf-new' or extra != 'extra-4-conf-old'" },
]

[[package]]
name = "conf"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "beta" },
]

[package.optional-dependencies]
new = [
    { name = "alpha", version = "2.0.0", source = { registry = "https://pypi.org/simple" } },
]
old = [
    { name = "alpha", version = "1.0.0", source = { registry = "https://pypi.org/simple" } },
]
"""


def test_conflicting_extras_get_standalone_files() -> None:
    files = {"pyproject.toml": CONFLICTS_PYPROJECT.encode(), "uv.lock": CONFLICTS_LOCK.encode()}
    plan = plan_to_pip(detected_for(files), MigrateOptions(target="pip", extras=True))
    after = apply_in_memory(files, plan)

    def body(path: str) -> list[str]:
        lines = after[path].decode().splitlines()
        return [line for line in lines if line and not line.startswith(("#", "    #"))]

    assert body("requirements.txt") == ["beta==1.2", "alpha==2.0.0"]
    assert body("requirements-new.txt") == ["-r requirements.txt"]
    # with the "old" extra uv locks alpha 1.0.0: it cannot build on requirements.txt
    assert body("requirements-old.txt") == ["alpha==1.0.0", "beta==1.2"]
    assert [d.code for d in plan.diagnostics] == ["pip-conflicting-selection"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_written_files_read_back_cleanly(case: str) -> None:
    """Every file we write is valid pip syntax: readers.requirements finds no problem (but
    the nameless local paths), and every -r/-c target exists."""

    from toolshift.readers.requirements import load_requirements

    _, _, after = run_case(case)
    entries = [p for p in after if p.endswith(".txt")]
    parsed = load_requirements(entries, after.get)
    assert set(entries) <= set(parsed)
    for path, rf in parsed.items():
        # RQ010: a local path names no distribution; written as `uv export` writes it
        problems = [
            d for d in rf.diagnostics if d.severity is not Severity.INFO and d.code != "RQ010"
        ]
        assert not problems, (path, [d.render() for d in problems])


# A fully pinned pip project over the test wheelhouse (alpha, beta -> alpha, gamma[fast] ->
# delta, devtool): --to uv (with a real, offline uv lock), then --to pip, must pin the same
# name -> version set in each file, for the environment running the tests.

WHEEL_PINS = {
    "alpha": ["1.0.0", "1.1.0", "2.0.0"],
    "beta": ["1.0", "1.2"],
    "gamma": ["0.9"],
    "delta": ["1.0"],
    "devtool": ["3.0"],
}
NEEDS = {"beta": "alpha", "gamma": "delta"}  # pip-compile output pins what a pin pulls in


@st.composite
def pinned_projects(draw: st.DrawFn) -> dict[str, Any]:
    runtime = set(draw(st.lists(st.sampled_from(sorted(WHEEL_PINS)), min_size=1, unique=True)))
    runtime |= {NEEDS[n] for n in runtime if n in NEEDS}
    rest = sorted(set(WHEEL_PINS) - runtime)
    dev = set(draw(st.lists(st.sampled_from(rest), unique=True))) if rest else set()
    dev |= {NEEDS[n] for n in dev if n in NEEDS} - runtime
    versions = {n: draw(st.sampled_from(WHEEL_PINS[n])) for n in runtime | dev}
    win_only = draw(st.sets(st.sampled_from(sorted(runtime | dev)), max_size=1))
    win_only -= set(NEEDS.values())  # keep what a pin pulls in unconditional
    return {"runtime": runtime, "dev": dev, "versions": versions, "win_only": win_only}


def _pins(names: set[str], p: dict[str, Any]) -> str:
    lines = []
    for n in sorted(names):
        extra = "[fast]" if n == "gamma" else ""
        marker = "; sys_platform == 'win32'" if n in p["win_only"] else ""
        lines.append(f"{n}{extra}=={p['versions'][n]}{marker}")
    return "\n".join(lines) + "\n"


def _pinned_here(files: dict[str, bytes], entry: str) -> dict[str, str]:
    import sys

    from packaging.markers import default_environment

    env = {k: str(v) for k, v in default_environment().items()}
    assert sys.platform == env["sys_platform"]
    return {name: version for name, version in installed_from_files(files, entry, env)}


@pytest.mark.slow
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pinned_projects())
def test_round_trip_pip_to_uv_to_pip_keeps_pins(wheelhouse: Path, p: dict[str, Any]) -> None:
    import tempfile

    from toolshift.detect import detect
    from toolshift.locking import run_uv_lock
    from toolshift.planners.to_uv import plan_to_uv

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "requirements.txt").write_text(_pins(p["runtime"], p))
        entries = ["requirements.txt"]
        if p["dev"]:
            entries.append("requirements-dev.txt")
            (root / entries[1]).write_text("-r requirements.txt\n" + _pins(p["dev"], p))
        before = read_tree(root)
        _write(root, plan_to_uv(detect(root), MigrateOptions(target="uv")))
        run_uv_lock(root, None, p["versions"], extra_args=_offline(wheelhouse))
        _write(root, plan_to_pip(detect(root), MigrateOptions(target="pip")))
        after = read_tree(root)
        for entry in entries:
            assert _pinned_here(after, entry) == _pinned_here(before, entry), entry


def test_packages_from_an_extra_index_warn_that_pip_merges_indexes() -> None:
    pyproject = (
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["corp-lib", "idna"]\n\n'
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://pkgs.corp.example/simple"\n'
    )
    lock = (
        'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "corp-lib"\nversion = "4.0"\n'
        'source = { registry = "https://pkgs.corp.example/simple" }\n\n'
        '[[package]]\nname = "idna"\nversion = "3.7"\n'
        'source = { registry = "https://pypi.org/simple" }\n\n'
        '[[package]]\nname = "svc"\nversion = "1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "corp-lib" }, { name = "idna" }]\n'
    )
    files = {"pyproject.toml": pyproject.encode(), "uv.lock": lock.encode()}
    plan = plan_to_pip(detected_for(files), MigrateOptions(target="pip"))
    req = apply_in_memory(files, plan)["requirements.txt"].decode().splitlines()
    assert "--extra-index-url https://pkgs.corp.example/simple" in req
    login, merge = sorted(plan.diagnostics, key=lambda d: d.code)
    assert merge.code == "pip-index-merge" and merge.severity is Severity.WARNING
    assert "corp-lib" in merge.message and "idna" not in merge.message
    # uv logs in to "corp" with UV_INDEX_CORP_*; pip would not: said, with the spelling to use
    assert login.code == "pip-index-login" and login.severity is Severity.WARNING
    assert "--extra-index-url" not in login.hint
    assert "https://${UV_INDEX_CORP_USERNAME}:${UV_INDEX_CORP_PASSWORD}@pkgs.corp.example" in (
        login.hint
    )


@pytest.mark.slow
def test_extras_the_image_installs_get_a_requirements_file(
    tmp_path: Path, wheelhouse: Path
) -> None:
    # `uv sync --locked --no-dev --extra pg` in the Dockerfile became `pip install -r
    # requirements.txt` with the extra dropped: the image lost the extra's packages.
    from toolshift.detect import detect
    from toolshift.tools import find_uv, run

    root = tmp_path / "svc"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["alpha"]\n\n[project.optional-dependencies]\npg = ["delta"]\n'
        'docs = ["gamma"]\n\n'
        "[tool.uv]\npackage = false\n"
    )
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\n"
        "WORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --locked --no-dev --extra pg\n"
        "COPY . .\n"
    )
    lock = [find_uv().path, "lock", "--offline", "-q", "--find-links", str(wheelhouse)]
    run(lock, cwd=root, check=True, timeout=60)
    plan = plan_to_pip(detect(root), MigrateOptions(target="pip"))
    paths = {c.path: c for c in plan.changes}
    assert "requirements-pg.txt" in paths and "requirements-docs.txt" not in paths
    new = paths["Dockerfile"].new
    assert new is not None
    assert "pip install --no-cache-dir -r requirements-pg.txt" in new.decode()
    assert any("pg" in d.message and "Dockerfile" in d.message for d in plan.diagnostics)
