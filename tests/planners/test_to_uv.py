"""plan_to_uv on hand-built models: what goes where, merges, diagnostics, idempotence."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping

import pytest

from toolshift.errors import ParseError
from toolshift.model import (
    ChangeKind,
    DependencyGroup,
    Detected,
    Diagnostic,
    FileRole,
    GroupKind,
    Index,
    IndexKind,
    InstallOptions,
    MigrateOptions,
    Origin,
    Plan,
    PostActionKind,
    Project,
    ProjectFile,
    PythonSource,
    PythonSourceKind,
    PythonSpec,
    Requirement,
    RequirementsFile,
    Severity,
    SourceKind,
    Tool,
)
from toolshift.planners import get_planner
from toolshift.planners.to_uv import index_name, plan_to_uv

ROOT = "/srv/svc"


def req(
    name: str,
    spec: str = "",
    *,
    path: str = "requirements.txt",
    line: int = 1,
    text: str | None = None,
    **kw: object,
) -> Requirement:
    r = Requirement(name=name, specifier=spec, **kw)  # type: ignore[arg-type]
    return Requirement(
        **{**r.__dict__, "origin": Origin(path, line, text if text is not None else r.pep508())}
    )


def make(
    contents: Mapping[str, str | bytes],
    groups: Iterable[DependencyGroup] = (),
    *,
    roles: Mapping[str, FileRole] | None = None,
    indexes: Iterable[Index] = (),
    options: InstallOptions | None = None,
    python: Iterable[PythonSource] = (),
    tool: Tool = Tool.PIP,
    is_package: bool = False,
    locked: Mapping[str, str] | None = None,
    diagnostics: Iterable[Diagnostic] = (),
    req_files: Mapping[str, RequirementsFile] | None = None,
) -> Detected:
    data = {k: v.encode() if isinstance(v, str) else v for k, v in contents.items()}
    auto_roles: dict[str, FileRole] = {}
    for path in data:
        if path.endswith(".txt") or path.endswith(".in"):
            auto_roles[path] = FileRole.REQUIREMENTS
        elif path == "pyproject.toml":
            auto_roles[path] = FileRole.PYPROJECT
        elif path == "uv.lock":
            auto_roles[path] = FileRole.UV_LOCK
        elif path == ".python-version":
            auto_roles[path] = FileRole.PYTHON_VERSION
    auto_roles.update(roles or {})
    project = Project(
        root=ROOT,
        name="svc",
        tool=tool,
        files=tuple(ProjectFile(p, r) for p, r in auto_roles.items()),
        groups=tuple(groups),
        indexes=tuple(indexes),
        options=options or InstallOptions(),
        python=PythonSpec(tuple(python)),
        locked=dict(locked or {}),
        is_package=is_package,
        diagnostics=tuple(diagnostics),
    )
    return Detected(project=project, contents=data, requirement_files=dict(req_files or {}))


def runtime(*reqs: Requirement, files: tuple[str, ...] = ("requirements.txt",)) -> DependencyGroup:
    return DependencyGroup("runtime", GroupKind.RUNTIME, requirements=reqs, files=files)


def opts(**kw: object) -> MigrateOptions:
    return MigrateOptions(target="uv", **kw)  # type: ignore[arg-type]


def pyproject(plan: Plan) -> str:
    for c in plan.changes:
        if c.path == "pyproject.toml":
            assert c.new is not None
            return c.new.decode()
    raise AssertionError("no pyproject.toml change")


def change(plan: Plan, path: str) -> ChangeKind:
    for c in plan.changes:
        if c.path == path:
            return c.kind
    raise AssertionError(f"no change for {path}")


PY312 = PythonSource(PythonSourceKind.PYTHON_VERSION_FILE, "3.12", Origin(".python-version", 1))


def test_registered_as_the_uv_planner() -> None:
    assert get_planner("uv") is plan_to_uv


def test_runtime_and_dev_with_dash_r() -> None:
    d = make(
        {
            "requirements.txt": "flask>=2.0  # web framework\nrequests[socks]==2.31.0\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.0.0\n",
            ".python-version": "3.12\n",
        },
        [
            runtime(
                req("flask", ">=2.0", line=1, text="flask>=2.0  # web framework"),
                req("requests", "==2.31.0", extras=("socks",), line=2),
            ),
            DependencyGroup(
                "dev",
                GroupKind.GROUP,
                requirements=(req("pytest", "==8.0.0", path="requirements-dev.txt", line=2),),
                includes=("runtime",),
                files=("requirements-dev.txt",),
            ),
        ],
        python=[PY312],
    )
    plan = plan_to_uv(d, opts())
    assert pyproject(plan) == (
        "[project]\n"
        'name = "svc"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.12"\n'
        "dependencies = [\n"
        '    "flask>=2.0", # web framework\n'
        '    "requests[socks]==2.31.0",\n'
        "]\n"
        "\n"
        "[dependency-groups]\n"
        "dev = [\n"
        '    "pytest==8.0.0",\n'
        "]\n"
        "\n"
        "[tool.uv]\n"
        "package = false\n"
    )
    assert change(plan, "pyproject.toml") is ChangeKind.CREATE
    assert change(plan, "requirements.txt") is ChangeKind.DELETE
    assert change(plan, "requirements-dev.txt") is ChangeKind.DELETE
    assert ".python-version" not in {c.path for c in plan.changes}
    [post] = plan.post_actions
    assert post.kind is PostActionKind.UV_LOCK and post.produces == ("uv.lock",)
    pp_change = next(c for c in plan.changes if c.path == "pyproject.toml")
    assert {"TS101", "TS102", "TS106"} <= set(pp_change.rules)
    assert all(c.rules and c.reasons for c in plan.changes)


def test_markers_with_double_quotes_use_literal_strings() -> None:
    r = req("tomli", ">=2", marker='python_version < "3.11"')
    plan = plan_to_uv(make({"requirements.txt": r.pep508() + "\n"}, [runtime(r)]), opts())
    text = pyproject(plan)
    assert """    'tomli>=2; python_version < "3.11"',\n""" in text
    assert tomllib.loads(text)["project"]["dependencies"] == ['tomli>=2; python_version < "3.11"']


def test_comment_block_above_a_requirement_travels_with_it() -> None:
    d = make(
        {"requirements.txt": "# pinned: 3.x breaks our templates\njinja2<3\n"},
        [runtime(req("jinja2", "<3", line=2))],
    )
    text = pyproject(plan_to_uv(d, opts()))
    assert '    # pinned: 3.x breaks our templates\n    "jinja2<3",\n' in text


def test_pip_compile_header_is_not_carried() -> None:
    d = make(
        {"requirements.txt": "# This file is autogenerated by pip-compile\nalpha==1.0\n"},
        [runtime(req("alpha", "==1.0", line=2))],
    )
    assert "autogenerated" not in pyproject(plan_to_uv(d, opts()))


def test_constraints_become_constraint_dependencies() -> None:
    d = make(
        {"requirements.txt": "-c constraints.txt\nbeta\n", "constraints.txt": "alpha==1.1.0\n"},
        [
            DependencyGroup(
                "runtime",
                GroupKind.RUNTIME,
                requirements=(req("beta", line=2),),
                constraints=(req("alpha", "==1.1.0", path="constraints.txt"),),
                files=("requirements.txt",),
            )
        ],
        roles={"constraints.txt": FileRole.CONSTRAINTS},
    )
    plan = plan_to_uv(d, opts())
    data = tomllib.loads(pyproject(plan))
    assert data["tool"]["uv"]["constraint-dependencies"] == ["alpha==1.1.0"]
    assert change(plan, "constraints.txt") is ChangeKind.DELETE
    assert "TS103" in next(c for c in plan.changes if c.path == "pyproject.toml").rules


def test_indexes_and_credentials() -> None:
    d = make(
        {"requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        indexes=[
            Index("https://pkgs.corp.example.com/simple", IndexKind.DEFAULT, has_credentials=True),
            Index("https://${TOKEN}@extra.example.org/simple/", IndexKind.EXTRA),
            Index("./wheels", IndexKind.FIND_LINKS),
        ],
    )
    plan = plan_to_uv(d, opts())
    text = pyproject(plan)
    data = tomllib.loads(text)
    assert data["tool"]["uv"]["index"] == [
        {"name": "corp-example", "url": "https://pkgs.corp.example.com/simple", "default": True},
        {"name": "extra-example", "url": "https://extra.example.org/simple/"},
        {"name": "wheels", "url": "./wheels", "format": "flat"},
    ]
    assert "TOKEN" not in text and "@" not in text
    msgs = " | ".join(x.render() for x in plan.diagnostics)
    assert "UV_INDEX_CORP_EXAMPLE_USERNAME" in msgs
    assert "UV_INDEX_EXTRA_EXAMPLE_PASSWORD" in msgs
    assert "does not expand" in msgs
    assert "first-index" in msgs and "dependency confusion" in msgs


def test_no_index_with_find_links_uses_tool_uv_find_links() -> None:
    # uv ignores flat [[tool.uv.index]] entries once no-index is set, but not find-links.
    d = make(
        {"requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        indexes=[Index("wheels", IndexKind.FIND_LINKS)],
        options=InstallOptions(no_index=True, trusted_hosts=("10.0.0.1",)),
    )
    uv = tomllib.loads(pyproject(plan_to_uv(d, opts())))["tool"]["uv"]
    assert uv["find-links"] == ["wheels"]
    assert uv["no-index"] is True
    assert uv["allow-insecure-host"] == ["10.0.0.1"]
    assert "index" not in uv


def test_pypi_default_index_is_not_written() -> None:
    d = make(
        {"requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        indexes=[Index("https://pypi.org/simple", IndexKind.DEFAULT)],
    )
    assert "index" not in tomllib.loads(pyproject(plan_to_uv(d, opts())))["tool"]["uv"]


def test_install_options() -> None:
    d = make(
        {"requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        options=InstallOptions(pre=True, only_binary=("numpy",), no_binary=(":all:",)),
    )
    uv = tomllib.loads(pyproject(plan_to_uv(d, opts())))["tool"]["uv"]
    assert uv["prerelease"] == "allow"
    assert uv["no-build-package"] == ["numpy"]
    assert uv["no-binary"] is True


def test_sources_vcs_path_url_editable() -> None:
    reqs = (
        req(
            "lib-a",
            url="git+https://github.com/org/lib-a.git@v1.2.0",
            source=SourceKind.VCS,
        ),
        req(
            "lib-b",
            url="git+https://github.com/org/lib-b@main#subdirectory=py",
            source=SourceKind.VCS,
        ),
        req(
            "lib-c",
            url="git+ssh://git@github.com/org/lib-c.git@0123456789abcdef0123456789abcdef01234567",
            source=SourceKind.VCS,
        ),
        req("local-lib", url="./libs/local-lib", source=SourceKind.PATH, editable=True),
        req(
            "wheelpkg",
            extras=("x",),
            url="https://files.example.com/wheelpkg-1.0-py3-none-any.whl",
            source=SourceKind.URL,
            marker="sys_platform == 'linux'",
        ),
        req(
            "private",
            url="git+https://${GH_TOKEN}@github.com/org/private.git",
            source=SourceKind.VCS,
        ),
    )
    plan = plan_to_uv(make({"requirements.txt": "x\n"}, [runtime(*reqs)]), opts())
    text = pyproject(plan)
    data = tomllib.loads(text)
    assert data["project"]["dependencies"] == [
        "lib-a",
        "lib-b",
        "lib-c",
        "local-lib",
        "wheelpkg[x]; sys_platform == 'linux'",
        "private",
    ]
    assert data["tool"]["uv"]["sources"] == {
        "lib-a": {"git": "https://github.com/org/lib-a.git", "tag": "v1.2.0"},
        "lib-b": {"git": "https://github.com/org/lib-b", "branch": "main", "subdirectory": "py"},
        "lib-c": {
            "git": "ssh://git@github.com/org/lib-c.git",
            "rev": "0123456789abcdef0123456789abcdef01234567",
        },
        "local-lib": {"path": "./libs/local-lib", "editable": True},
        "wheelpkg": {"url": "https://files.example.com/wheelpkg-1.0-py3-none-any.whl"},
        "private": {"git": "https://github.com/org/private.git"},
    }
    assert "GH_TOKEN" not in text
    assert any("private" in x.message and "VAR" in x.message for x in plan.diagnostics)
    assert "TS105" in next(c for c in plan.changes if c.path == "pyproject.toml").rules


def test_non_git_vcs_stays_a_direct_reference() -> None:
    r = req("hgpkg", url="hg+https://hg.example.com/hgpkg", source=SourceKind.VCS)
    plan = plan_to_uv(make({"requirements.txt": "x\n"}, [runtime(r)]), opts())
    assert tomllib.loads(pyproject(plan))["project"]["dependencies"] == [
        "hgpkg @ hg+https://hg.example.com/hgpkg"
    ]
    assert any(x.severity is Severity.WARNING for x in plan.diagnostics)


def test_hashes_dropped_with_info() -> None:
    r = req("alpha", "==1.0", hashes=("sha256:" + "a" * 64,))
    plan = plan_to_uv(make({"requirements.txt": "x\n"}, [runtime(r)]), opts())
    assert "sha256" not in pyproject(plan)
    [info] = [x for x in plan.diagnostics if "--hash" in x.message]
    assert info.severity is Severity.INFO


def test_existing_pyproject_is_merged_and_keeps_comments() -> None:
    old = (
        "# my service\n"
        "[project]\n"
        'name = "svc"  # keep me\n'
        'version = "2.3.0"\n'
        "dependencies = [\n"
        '    "Flask>=2.0",  # the web\n'
        "]\n"
        "\n"
        "[tool.black]\n"
        "line-length = 100\n"
    )
    d = make(
        {"pyproject.toml": old, "requirements.txt": "flask>=3\nalpha==1.0\n"},
        [runtime(req("flask", ">=3"), req("alpha", "==1.0", line=2))],
    )
    plan = plan_to_uv(d, opts())
    text = pyproject(plan)
    assert text.startswith(
        "# my service\n[project]\n"
        'name = "svc"  # keep me\n'
        'version = "2.3.0"\n'
        "dependencies = [\n"
        '    "Flask>=2.0",  # the web\n'
        '    "alpha==1.0",\n'
        "]\n\n[tool.black]\nline-length = 100\n"
    )
    [conflict] = [x for x in plan.diagnostics if "Flask>=2.0" in x.message]
    assert conflict.severity is Severity.WARNING and "flask>=3" in conflict.message
    assert change(plan, "pyproject.toml") is ChangeKind.MODIFY


def test_same_name_same_specifier_is_not_a_conflict() -> None:
    old = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["alpha == 1.0"]\n'
    d = make(
        {"pyproject.toml": old, "requirements.txt": "alpha==1.0\nbeta\n"},
        [runtime(req("alpha", "==1.0"), req("beta"))],
    )
    plan = plan_to_uv(d, opts())
    assert tomllib.loads(pyproject(plan))["project"]["dependencies"] == ["alpha == 1.0", "beta"]
    assert not [x for x in plan.diagnostics if x.severity is Severity.WARNING]


def test_dynamic_dependencies_become_static() -> None:
    old = (
        '[project]\nname = "svc"\nversion = "1"\ndynamic = ["dependencies"]\n\n'
        "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n\n"
        '[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.txt"]}\n'
    )
    d = make(
        {"pyproject.toml": old, "requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        is_package=True,
    )
    data = tomllib.loads(pyproject(plan_to_uv(d, opts())))
    assert "dynamic" not in data["project"]
    assert data["project"]["dependencies"] == ["alpha"]
    assert "dependencies" not in data["tool"]["setuptools"]["dynamic"]
    assert "uv" not in data["tool"]  # a package: no package = false


def test_crlf_and_bom_are_kept() -> None:
    old = b'\xef\xbb\xbf[project]\r\nname = "svc"\r\nversion = "1"\r\n'
    d = make({"pyproject.toml": old, "requirements.txt": "alpha\r\n"}, [runtime(req("alpha"))])
    [pp_change] = [c for c in plan_to_uv(d, opts()).changes if c.path == "pyproject.toml"]
    assert pp_change.new is not None
    assert pp_change.new.startswith(b'\xef\xbb\xbf[project]\r\nname = "svc"\r\n')
    assert b"\n" not in pp_change.new.replace(b"\r\n", b"")
    assert b'dependencies = [\r\n    "alpha",\r\n]\r\n' in pp_change.new


def test_new_pyproject_follows_crlf_of_the_requirements_file() -> None:
    d = make({"requirements.txt": "alpha\r\n"}, [runtime(req("alpha"))])
    new = next(c.new for c in plan_to_uv(d, opts()).changes if c.path == "pyproject.toml")
    assert new is not None and b"\r\n" in new and b"\n" not in new.replace(b"\r\n", b"")


def test_python_option_sets_requires_python_and_creates_python_version() -> None:
    d = make({"requirements.txt": "alpha\n"}, [runtime(req("alpha"))], python=[PY312])
    plan = plan_to_uv(d, opts(python="3.11"))
    assert tomllib.loads(pyproject(plan))["project"]["requires-python"] == ">=3.11"
    pv = next(c for c in plan.changes if c.path == ".python-version")
    assert pv.kind is ChangeKind.CREATE and pv.new == b"3.11\n"


def test_no_python_anywhere_warns() -> None:
    d = make({"requirements.txt": "alpha\n"}, [runtime(req("alpha"))])
    plan = plan_to_uv(d, opts())
    assert "requires-python" not in pyproject(plan)
    assert any("--python" in x.hint for x in plan.diagnostics)


def test_keep_requirements_and_no_lock() -> None:
    d = make({"requirements.txt": "alpha\n"}, [runtime(req("alpha"))])
    plan = plan_to_uv(d, opts(keep_requirements=True, lock=False))
    assert [c.path for c in plan.changes] == ["pyproject.toml"]
    assert plan.post_actions == ()


def test_disabled_rules() -> None:
    d = make(
        {"requirements.txt": "alpha\n", "requirements-dev.txt": "devtool\n"},
        [
            runtime(req("alpha")),
            DependencyGroup(
                "dev",
                GroupKind.GROUP,
                requirements=(req("devtool", path="requirements-dev.txt"),),
                files=("requirements-dev.txt",),
            ),
        ],
    )
    plan = plan_to_uv(d, opts(disabled_rules=frozenset({"TS102", "TS106", "TS108"})))
    data = tomllib.loads(pyproject(plan))
    assert "dependency-groups" not in data and "tool" not in data
    paths = {c.path for c in plan.changes}
    assert "requirements.txt" in paths and "requirements-dev.txt" not in paths
    assert plan.post_actions == ()


def test_package_layout_is_not_marked_virtual() -> None:
    d = make({"requirements.txt": "alpha\n"}, [runtime(req("alpha"))], is_package=True)
    assert "package = false" not in pyproject(plan_to_uv(d, opts()))


def test_error_diagnostic_raises_parse_error_at_file_line() -> None:
    bad = Diagnostic(
        "TS100", Severity.ERROR, "cannot understand this line", Origin("requirements.txt", 3)
    )
    rf = RequirementsFile("requirements.txt", diagnostics=(bad,))
    d = make(
        {"requirements.txt": "alpha\n"},
        [runtime(req("alpha"))],
        req_files={"requirements.txt": rf},
    )
    with pytest.raises(ParseError) as exc:
        plan_to_uv(d, opts())
    assert exc.value.where == "requirements.txt:3"


def test_already_uv_plans_nothing() -> None:
    d = make(
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["alpha"]\n',
            "uv.lock": "version = 1\n",
        },
        [
            DependencyGroup(
                "runtime",
                GroupKind.RUNTIME,
                (req("alpha", path="pyproject.toml"),),
                files=("pyproject.toml",),
            )
        ],
        tool=Tool.UV,
    )
    plan = plan_to_uv(d, opts())
    assert plan.empty


def test_second_run_with_kept_requirements_plans_nothing() -> None:
    d = make({"requirements.txt": "alpha\n"}, [runtime(req("alpha"))])
    first = plan_to_uv(d, opts(keep_requirements=True))
    migrated = make(
        {"requirements.txt": "alpha\n", "pyproject.toml": pyproject(first), "uv.lock": "x"},
        [runtime(req("alpha"))],
        tool=Tool.UV,
    )
    assert plan_to_uv(migrated, opts(keep_requirements=True)).empty


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://pypi.org/simple", "pypi"),
        ("https://pkgs.corp.example.com/simple", "corp-example"),
        ("https://gitlab.com/api/v4/projects/1/packages/pypi/simple", "gitlab"),
        ("./wheels", "wheels"),
        ("file:///opt/wheels/", "wheels"),
    ],
)
def test_index_names(url: str, name: str) -> None:
    assert index_name(url) == name


def test_uv_project_with_an_export_is_left_alone() -> None:
    d = make(
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = ["alpha"]\n',
            "uv.lock": "version = 1\n",
            "requirements.txt": "# exported by uv\nalpha==1.0\n",
        },
        [runtime(req("alpha", path="pyproject.toml"), files=("pyproject.toml",))],
        tool=Tool.UV,
    )
    plan = plan_to_uv(d, opts())
    assert plan.empty
    assert any("requirements.txt" in x.message for x in plan.diagnostics)


def test_uv_project_without_a_lock_only_locks() -> None:
    d = make(
        {"pyproject.toml": '[project]\nname = "svc"\nversion = "1"\ndependencies = []\n'},
        tool=Tool.UV,
    )
    plan = plan_to_uv(d, opts())
    assert plan.changes == ()
    assert [a.kind for a in plan.post_actions] == [PostActionKind.UV_LOCK]
    assert plan_to_uv(d, opts(lock=False)).empty


def test_empty_folder_plans_nothing_and_says_so() -> None:
    plan = plan_to_uv(make({"README.md": "hi\n"}, tool=Tool.UNKNOWN), opts())
    assert plan.empty
    assert any("nothing to migrate" in x.message for x in plan.diagnostics)


def test_find_links_in_a_nested_file_is_made_relative_to_the_project() -> None:
    d = make(
        {"requirements/base.txt": "-f ../wheels\nalpha\n"},
        [runtime(req("alpha", path="requirements/base.txt"), files=("requirements/base.txt",))],
        indexes=[
            Index("../wheels", IndexKind.FIND_LINKS, origin=Origin("requirements/base.txt", 1)),
            Index("/abs/wheels", IndexKind.FIND_LINKS, origin=Origin("requirements/base.txt", 2)),
        ],
    )
    urls = [
        i["url"] for i in tomllib.loads(pyproject(plan_to_uv(d, opts())))["tool"]["uv"]["index"]
    ]
    assert urls == ["./wheels", "/abs/wheels"]


def test_python_option_updates_a_different_python_version_file() -> None:
    d = make(
        {"requirements.txt": "alpha\n", ".python-version": "3.10\r\n"},
        [runtime(req("alpha"))],
    )
    pv = next(c for c in plan_to_uv(d, opts(python="3.12")).changes if c.path == ".python-version")
    assert pv.kind is ChangeKind.MODIFY and pv.new == b"3.12\r\n"
    same = make(
        {"requirements.txt": "alpha\n", ".python-version": "3.12.1\n"}, [runtime(req("alpha"))]
    )
    assert ".python-version" not in {c.path for c in plan_to_uv(same, opts(python="3.12")).changes}


def test_files_that_still_name_a_deleted_file_are_reported() -> None:
    d = make(
        {
            "requirements.txt": "alpha\n",
            "Dockerfile": (
                "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            ),
            "README.md": "see requirements.txt.bak and dev-requirements.txt\n",
        },
        [runtime(req("alpha"))],
        roles={"Dockerfile": FileRole.DOCKERFILE, "README.md": FileRole.README},
    )
    plan = plan_to_uv(d, opts())
    # the Dockerfile left alone still needs it: kept, and said so
    [kept] = [x for x in plan.diagnostics if "kept requirements.txt" in x.message]
    assert kept.origin == Origin("Dockerfile", 2)
    assert "requirements.txt" not in {c.path for c in plan.changes}
    assert not [
        x
        for x in plan_to_uv(d, opts(keep_requirements=True)).diagnostics
        if "still refers" in x.message or "kept" in x.message
    ]
    # documentation that names a deleted file is reported, the file still goes
    docs = make(
        {
            "requirements.txt": "alpha\n",
            "README.md": "see requirements.txt.bak and dev-requirements.txt\n\n"
            "pinned in requirements.txt\n",
        },
        [runtime(req("alpha"))],
        roles={"README.md": FileRole.README},
    )
    plan = plan_to_uv(docs, opts())
    [warning] = [x for x in plan.diagnostics if "still refers" in x.message]
    assert warning.origin == Origin("README.md", 3)
    assert change(plan, "requirements.txt") is ChangeKind.DELETE


def test_project_root_reference_in_a_path_becomes_relative() -> None:
    r = req("shared", url="file://${PROJECT_ROOT}/libs/shared", source=SourceKind.PATH)
    plan = plan_to_uv(make({"requirements.txt": "x\n"}, [runtime(r)]), opts())
    sources = tomllib.loads(pyproject(plan))["tool"]["uv"]["sources"]
    assert sources == {"shared": {"path": "./libs/shared"}}


@pytest.mark.parametrize(
    ("line", "model", "expected"),
    [
        ("flask >= 2.0  # web", Requirement("flask", ">=2.0"), "flask >= 2.0"),
        ("alpha==1.0 --hash=sha256:abc", Requirement("alpha", "==1.0"), "alpha==1.0"),
        (
            'Django[Bcrypt] ~= 4.2 ; python_version>="3.8"',
            Requirement("django", "~=4.2", extras=("bcrypt",), marker='python_version >= "3.8"'),
            'Django[Bcrypt] ~= 4.2 ; python_version>="3.8"',
        ),
        # The model disagrees with the line (or cannot be shown as written): rebuilt from it.
        ("alpha==1.0", Requirement("alpha", "==2.0"), "alpha==2.0"),
    ],
)
def test_requirements_keep_the_users_spelling(line: str, model: Requirement, expected: str) -> None:
    r = Requirement(**{**model.__dict__, "origin": Origin("requirements.txt", 1, line)})
    plan = plan_to_uv(make({"requirements.txt": line + "\n"}, [runtime(r)]), opts())
    assert tomllib.loads(pyproject(plan))["project"]["dependencies"] == [expected]
