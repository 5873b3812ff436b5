# ruff: noqa: E501  (uv.lock lines are as long as uv writes them)
"""migrate --to pip: defects found by installing the generated files with pip in fresh venvs
and comparing with ``uv sync --frozen`` of the same lock (QA pass on realistic uv projects).
Each test holds the smallest pyproject.toml + uv.lock (as uv 0.13 writes them) that showed it."""

from __future__ import annotations

from typing import Any

from toolshift.model import Detected, MigrateOptions, Plan, Project, Tool
from toolshift.planners.to_pip import plan_to_pip


def plan_for(files: dict[str, str], **opts: Any) -> tuple[Plan, dict[str, str]]:
    raw = {k: v.encode() for k, v in files.items()}
    detected = Detected(project=Project(root="/srv/p", name="p", tool=Tool.UV), contents=raw)
    plan = plan_to_pip(detected, MigrateOptions(target="pip", **opts))
    out = dict(files)
    for change in plan.changes:
        if change.new is None:
            out.pop(change.path, None)
        else:
            out[change.path] = change.new.decode()
    return plan, out


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


SIX = """
[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/six-1.17.0.tar.gz", hash = "sha256:ff70" }
"""

# --------------------------------------------------------------------------- git subdirectory

GIT_PYPROJECT = """\
[project]
name = "worker"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["toolbox-plugin"]

[tool.uv]
package = false

[tool.uv.sources]
toolbox-plugin = { git = "https://github.com/acme/toolbox", rev = "bb090be", subdirectory = "plugins/toolbox_plugin" }
"""

GIT_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "toolbox-plugin"
version = "0.2.0"
source = { git = "https://github.com/acme/toolbox?subdirectory=plugins%2Ftoolbox_plugin&rev=bb090be#bb090bea23f76da5d381def11d1c84291fc5e29e" }

[[package]]
name = "worker"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "toolbox-plugin" },
]

[package.metadata]
requires-dist = [{ name = "toolbox-plugin", git = "https://github.com/acme/toolbox?subdirectory=plugins%2Ftoolbox_plugin&rev=bb090be" }]
"""


def test_git_subdirectory_is_written_as_a_path_not_percent_encoded() -> None:
    # uv.lock percent-encodes the query; pip took `plugins%2Ftoolbox_plugin` as the folder
    # name ("does not appear to be a Python project")
    _, after = plan_for({"pyproject.toml": GIT_PYPROJECT, "uv.lock": GIT_LOCK})
    assert lines(after["requirements.txt"]) == [
        "toolbox-plugin @ git+https://github.com/acme/toolbox"
        "@bb090bea23f76da5d381def11d1c84291fc5e29e#subdirectory=plugins/toolbox_plugin"
    ]
    _, compat = plan_for({"pyproject.toml": GIT_PYPROJECT, "uv.lock": GIT_LOCK}, pin="compatible")
    assert lines(compat["requirements.txt"]) == [
        "toolbox-plugin @ git+https://github.com/acme/toolbox@bb090be"
        "#subdirectory=plugins/toolbox_plugin"
    ]


# --------------------------------------------------------------------------- empty group

EMPTY_GROUP_PYPROJECT = """\
[project]
name = "svc"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["six"]

[dependency-groups]
dev = []

[tool.uv]
package = false
"""

EMPTY_GROUP_LOCK = (
    """\
version = 1
revision = 3
requires-python = ">=3.11"
"""
    + SIX
    + """
[[package]]
name = "svc"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "six" },
]

[package.metadata]
requires-dist = [{ name = "six" }]

[package.metadata.requires-dev]
dev = []
"""
)


def test_an_empty_group_installs_the_runtime_set() -> None:
    # `uv sync --group dev` installs six; the file was empty (no -r requirements.txt) and a
    # note blamed [tool.uv] conflicts that the project does not have
    plan, after = plan_for({"pyproject.toml": EMPTY_GROUP_PYPROJECT, "uv.lock": EMPTY_GROUP_LOCK})
    assert lines(after["requirements-dev.txt"]) == ["-r requirements.txt"]
    assert lines(after["requirements.txt"]) == ["six==1.17.0"]
    assert not [d for d in plan.diagnostics if d.code == "pip-conflicting-selection"]


# --------------------------------------------------------------------------- find-links

FIND_LINKS_PYPROJECT = """\
[project]
name = "ingest"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["gamma==0.9", "six"]

[tool.uv]
package = false
find-links = ["./wheels"]
"""

FIND_LINKS_LOCK = (
    """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "gamma"
version = "0.9"
source = { registry = "wheels" }
wheels = [
    { path = "gamma-0.9-py3-none-any.whl" },
]

[[package]]
name = "ingest"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "gamma" },
    { name = "six" },
]

[package.metadata]
requires-dist = [
    { name = "gamma", specifier = "==0.9" },
    { name = "six" },
]
"""
    + SIX
)


def test_a_relative_find_links_folder_is_written_once() -> None:
    # uv.lock names the folder `wheels` where pyproject.toml says `./wheels`: it was written
    # twice, with a note that pyproject.toml did not name it
    plan, after = plan_for({"pyproject.toml": FIND_LINKS_PYPROJECT, "uv.lock": FIND_LINKS_LOCK})
    options = [line for line in lines(after["requirements.txt"]) if line.startswith("--")]
    assert options == ["--find-links ./wheels"]
    assert not [d for d in plan.diagnostics if d.code == "pip-lock-index"]


# --------------------------------------------------------------------------- declared extras

SELF_EXTRA_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "fetchkit"
version = "2.3.1"
requires-python = ">=3.11"
dependencies = ["six>=1.16"]

[project.optional-dependencies]
yaml = ["pyyaml>=6"]
all = ["fetchkit[yaml]"]

[dependency-groups]
dev = ["fetchkit[yaml]"]
"""

SELF_EXTRA_LOCK = (
    """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "fetchkit"
version = "2.3.1"
source = { editable = "." }
dependencies = [
    { name = "six" },
]

[package.optional-dependencies]
all = [
    { name = "pyyaml" },
]
yaml = [
    { name = "pyyaml" },
]

[package.dev-dependencies]
dev = [
    { name = "pyyaml" },
]

[package.metadata]
requires-dist = [
    { name = "fetchkit", extras = ["yaml"], marker = "extra == 'all'" },
    { name = "pyyaml", marker = "extra == 'yaml'", specifier = ">=6" },
    { name = "six", specifier = ">=1.16" },
]
provides-extras = ["yaml", "all"]

[package.metadata.requires-dev]
dev = [{ name = "fetchkit", extras = ["yaml"], editable = "." }]

[[package]]
name = "pyyaml"
version = "6.0.4"
source = { registry = "https://pypi.org/simple" }
"""
    + SIX
)


def test_declared_pins_follow_a_reference_to_the_projects_own_extras() -> None:
    # all = ["fetchkit[yaml]"]: uv.lock flattens it to pyyaml; with --pin declared the
    # requirements-all.txt listed nothing, and pip installed no pyyaml
    files = {"pyproject.toml": SELF_EXTRA_PYPROJECT, "uv.lock": SELF_EXTRA_LOCK}
    _, after = plan_for(files, pin="declared", extras=True)
    assert lines(after["requirements-all.txt"]) == ["-r requirements.txt", "pyyaml>=6"]
    assert lines(after["requirements-yaml.txt"]) == ["-r requirements.txt", "pyyaml>=6"]
    assert lines(after["requirements-dev.txt"]) == ["-r requirements.txt", "pyyaml>=6"]
    assert lines(after["requirements.txt"]) == ["six>=1.16", "-e ."]
    # exact pins were right already, and stay so
    _, exact = plan_for(files, extras=True)
    assert "pyyaml==6.0.4" in lines(exact["requirements-all.txt"])


# --------------------------------------------------------------------------- index logins

LOGIN_LOCK = (
    """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "svc"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "six" },
]

[package.metadata]
requires-dist = [{ name = "six" }]
"""
    + SIX
)


def login_notes(index_table: str) -> list[str]:
    pyproject = (
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["six"]\n\n[tool.uv]\npackage = false\n\n' + index_table
    )
    plan, _ = plan_for({"pyproject.toml": pyproject, "uv.lock": LOGIN_LOCK})
    return [d.hint for d in plan.diagnostics if d.code == "pip-index-login"]


def test_a_named_private_index_says_how_pip_logs_in() -> None:
    # uv logged in with UV_INDEX_INTERNAL_USERNAME/_PASSWORD; requirements.txt got the bare
    # URL and pip stopped at 401 ("User for 127.0.0.1:8765:" with --no-input)
    (hint,) = login_notes(
        '[[tool.uv.index]]\nname = "internal"\nurl = "http://127.0.0.1:8765/simple/"\n'
    )
    assert (
        "http://${UV_INDEX_INTERNAL_USERNAME}:${UV_INDEX_INTERNAL_PASSWORD}@127.0.0.1:8765/simple/"
        in hint
    )
    # PyPI, a URL with its own login, and literal credentials (pip-index-credentials) do not
    assert not login_notes('[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple"\n')
    assert not login_notes(
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://${TOKEN}@pkgs.corp.example/simple"\n'
    )
    assert not login_notes(
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://ci:hunter2@pkgs.corp.example/simple"\n'
    )


# --------------------------------------------------------------------------- overrides


def test_overrides_with_declared_pins_say_nothing_pins_them() -> None:
    # override-dependencies = ["certifi==2025.1.31"] with --pin declared: pip installed the
    # newest certifi while the warning said "the pinned versions still carry their effect"
    pyproject = (
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["six"]\n\n[tool.uv]\npackage = false\n'
        'override-dependencies = ["six==1.17.0"]\n'
    )
    files = {"pyproject.toml": pyproject, "uv.lock": LOGIN_LOCK}
    plan, _ = plan_for(files, pin="declared")
    (note,) = [d for d in plan.diagnostics if d.code == "pip-overrides"]
    assert "nothing pins six" in note.message and "still carry" not in note.message
    assert "pin six exact" in note.hint
    plan, _ = plan_for(files)
    (note,) = [d for d in plan.diagnostics if d.code == "pip-overrides"]
    assert "still carry their effect" in note.message and "pin six" not in note.hint


# --------------------------------------------------------------------------- --disable TS122


def test_check_after_a_migration_that_kept_uv_lock_plans_nothing() -> None:
    # --disable TS122 keeps uv.lock; [project] of a service that is not a package leaves
    # pyproject.toml, and `migrate --to pip --check` then failed (exit 2: "uv.lock is older
    # than pyproject.toml") instead of saying there is nothing left to do
    files = {"pyproject.toml": EMPTY_GROUP_PYPROJECT, "uv.lock": EMPTY_GROUP_LOCK}
    first, after = plan_for(files, disabled_rules=frozenset({"TS122"}))
    assert not first.empty and after["uv.lock"] == EMPTY_GROUP_LOCK
    assert "pyproject.toml" not in after  # only uv used it
    again, _ = plan_for(after, disabled_rules=frozenset({"TS122"}))
    assert again.empty
    assert [d.code for d in again.diagnostics] == ["pip-nothing-to-do"]
    # a pyproject.toml that keeps a [tool.ruff] table only: the same
    kept = {**after, "pyproject.toml": "[tool.ruff]\nline-length = 100\n"}
    assert plan_for(kept)[0].empty
    # a uv project that has exports beside its lock still migrates
    exports = {**files, "requirements.txt": "six==1.17.0\n"}
    assert not plan_for(exports)[0].empty


# --------------------------------------------------------------------------- --hashes


def test_hashes_with_the_project_itself_say_the_file_will_not_install() -> None:
    # `-e .` cannot be hashed: pip refused the whole requirements.txt ("cannot be installed
    # when requiring hashes"), while the hint said to install those "separately"
    files = {"pyproject.toml": SELF_EXTRA_PYPROJECT, "uv.lock": SELF_EXTRA_LOCK}
    plan, after = plan_for(files, hashes=True)
    assert lines(after["requirements.txt"])[-1] == "-e ."
    (note,) = [d for d in plan.diagnostics if d.code == "pip-hash-unhashable"]
    assert "fetchkit (this project, -e .)" in note.message
    assert "stops until they are moved out" in note.message
    assert "pip install --no-deps -r" in note.hint


# --------------------------------------------------------------------------- uv.toml index

UVTOML_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "beta"
version = "1.0"
source = { registry = "http://127.0.0.1:8765/mirror/simple/" }

[[package]]
name = "svc"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "beta" },
]

[package.metadata]
requires-dist = [{ name = "beta", specifier = "==1.0" }]
"""


def test_an_index_only_uv_toml_names_replaces_pypi_as_it_did_for_uv() -> None:
    # uv.toml's `[[index]] default = true` is not in pyproject.toml: the lock's registry
    # became --extra-index-url, so pip also searched PyPI (and warned of dependency
    # confusion) where uv had searched the mirror alone
    pyproject = (
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["beta==1.0"]\n\n[tool.uv]\npackage = false\n'
    )
    plan, after = plan_for({"pyproject.toml": pyproject, "uv.lock": UVTOML_LOCK})
    assert lines(after["requirements.txt"]) == [
        "--index-url http://127.0.0.1:8765/mirror/simple/",
        "beta==1.0",
    ]
    codes = sorted(d.code for d in plan.diagnostics)
    assert codes == ["pip-lock-index"]
    # a package from PyPI as well: the index stays an extra one, with the warning
    mixed = (
        UVTOML_LOCK.replace(
            '    { name = "beta" },\n', '    { name = "beta" },\n    { name = "six" },\n'
        )
        + SIX
    )
    plan, after = plan_for({"pyproject.toml": pyproject, "uv.lock": mixed})
    assert "--extra-index-url http://127.0.0.1:8765/mirror/simple/" in lines(
        after["requirements.txt"]
    )
    assert "pip-index-merge" in {d.code for d in plan.diagnostics}
