from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from toolshift.analysis import Analysis, analyze, literal_credential
from toolshift.detect import detect
from toolshift.model import FileRole, Severity, Tool
from toolshift.report.analysis import render_human, render_markdown, to_dict

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
# The fake secrets written into tests/fixtures/projects/risky; none may ever be printed.
SECRETS = ("FAKE-s3cr3t-pw", "FAKE-ci-token-123", "deploy:", "ci-bot:")


def analyse(root: Path) -> Analysis:
    return analyze(detect(root, tolerant=True))


def tree(root: Path, files: dict[str, str]) -> Analysis:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return analyse(root)


def findings(a: Analysis, code: str) -> list[str]:
    """``path:line`` of every finding with ``code``."""

    return sorted(str(d.origin) for d in a.risks if d.code == code)


def human(a: Analysis, width: int = 200) -> str:
    buf = io.StringIO()
    render_human(a, Console(file=buf, width=width, color_system=None))
    return buf.getvalue()


# --------------------------------------------------------------------------- the risky project


@pytest.fixture(scope="module")
def risky() -> Analysis:
    return analyse(PROJECTS / "risky")


def test_extra_index_url(risky: Analysis) -> None:
    assert findings(risky, "SEC001") == ["requirements.txt:2"]
    (d,) = [d for d in risky.risks if d.code == "SEC001"]
    assert d.severity is Severity.WARNING
    assert "dependency confusion" in d.message
    assert "https://pkgs.example.com/simple" in d.message


def test_trusted_host(risky: Analysis) -> None:
    assert findings(risky, "SEC002") == ["requirements.txt:3"]
    assert "pkgs.example.com" in next(d.message for d in risky.risks if d.code == "SEC002")


def test_literal_credentials_in_requirements_and_ci(risky: Analysis) -> None:
    assert findings(risky, "SEC003") == [".github/workflows/ci.yml:10", "requirements.txt:2"]
    assert all(d.severity is Severity.ERROR for d in risky.risks if d.code == "SEC003")


def test_unsafe_best_match_in_dockerfile_and_makefile(risky: Analysis) -> None:
    assert findings(risky, "SEC004") == ["Dockerfile:2", "Makefile:2"]


def test_pipe_to_shell_installers(risky: Analysis) -> None:
    assert findings(risky, "SEC005") == [
        ".github/workflows/ci.yml:11",
        "Dockerfile:4",  # continued over two lines; reported at its first
        "README.md:5",
    ]
    by_path = {d.origin.path: d for d in risky.risks if d.code == "SEC005" and d.origin}
    assert by_path["Dockerfile"].severity is Severity.WARNING  # unpinned URL
    assert "unpinned" in by_path["Dockerfile"].message
    assert "uv" in by_path["Dockerfile"].hint
    assert by_path["README.md"].severity is Severity.INFO  # /v1.2.3/ in the URL


def test_latest_and_untagged_images(risky: Analysis) -> None:
    assert findings(risky, "SEC006") == ["Dockerfile:3", "docker-compose.yml:5"]


def test_dockerfile_without_user(risky: Analysis) -> None:
    assert findings(risky, "SEC007") == ["Dockerfile:1"]


def test_unpinned_requirements(risky: Analysis) -> None:
    ds = {d.message.split(" in group ")[1].split()[0]: d for d in risky.risks if d.code == "RSK001"}
    assert set(ds) == {"runtime", "dev"}
    assert ds["runtime"].severity is Severity.WARNING
    assert "flask" in ds["runtime"].message and "requests>=2.31" in ds["runtime"].message
    assert "internal-lib" not in ds["runtime"].message  # pinned
    assert ds["dev"].severity is Severity.INFO
    assert risky.pinned == 1
    assert risky.unpinned == 3


def test_python_versions_disagree_names_every_place(risky: Analysis) -> None:
    (d,) = [d for d in risky.risks if d.code == "RSK002"]
    assert "3.13 in .python-version:1" in d.message
    assert "Dockerfile:1" in d.message
    assert ".github/workflows/ci.yml:9" in d.message
    assert risky.python_conflict
    assert risky.python_versions == ("3.12", "3.13")


def test_ignore_files_excluding_lock_and_pyproject(risky: Analysis) -> None:
    assert findings(risky, "RSK004") == [".dockerignore:2", ".dockerignore:3", ".gitignore:1"]
    msgs = " ".join(d.message for d in risky.risks if d.code == "RSK004")
    assert "excludes pyproject.toml (pattern '*.toml')" in msgs


def test_reader_diagnostics_are_findings(tmp_path: Path) -> None:
    a = tree(tmp_path, {"requirements.txt": "flask==3.0.0\n--bogus\n"})
    assert findings(a, "RQ002") == ["requirements.txt:2"]


def test_credential_reported_once_per_line(risky: Analysis) -> None:
    # the reader's RQ011 ("removed") is folded into SEC003 on the same line
    assert findings(risky, "RQ011") == []
    assert findings(risky, "SEC003") == [".github/workflows/ci.yml:10", "requirements.txt:2"]


def test_risks_sorted_errors_first(risky: Analysis) -> None:
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    ranks = [order[d.severity] for d in risky.risks]
    assert ranks == sorted(ranks)
    assert risky.count(Severity.ERROR) == 2


def test_facts(risky: Analysis) -> None:
    assert risky.tool is Tool.PIP
    assert risky.docker_files == ("Dockerfile",)
    assert risky.compose_files == ("docker-compose.yml",)
    assert risky.ci_files == (".github/workflows/ci.yml",)
    assert risky.files_with(FileRole.MAKEFILE) == ("Makefile",)
    assert [i.kind.value for i in risky.indexes] == ["default", "extra"]
    assert all("FAKE" not in i.url for i in risky.indexes)


# --------------------------------------------------------------------------- clean projects


@pytest.mark.parametrize("name", ["clean", "pip-basic", "uv-project", "pip-tools", "nested"])
def test_clean_projects_have_no_risk(name: str) -> None:
    a = analyse(PROJECTS / name)
    assert [d.render() for d in a.risks if d.severity is not Severity.INFO] == []
    if name == "clean":
        assert a.risks == ()
        assert human(a).rstrip().endswith("No risks found.")


def test_clean_project_facts() -> None:
    a = analyse(PROJECTS / "clean")
    assert a.python_versions == ("3.12",)
    assert not a.python_conflict
    assert [(g.name, g.requirements, g.pinned, g.includes) for g in a.groups] == [
        ("runtime", 2, 2, ()),
        ("dev", 1, 1, ("runtime",)),
    ]
    assert a.locked == 3


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    ("scheme", "cred", "secret"),
    [
        ("https", "user:hunter2", True),
        ("https", "user:${PASSWORD}", False),
        ("https", "${USER}:${TOKEN}", False),
        ("https", "$USER:$TOKEN", False),
        ("https", "x-access-token:${{secrets.TOKEN}}", False),
        ("https", "__token__:%PYPI_TOKEN%", False),
        ("git+ssh", "git", False),
        ("https", "alice", False),
        ("https", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", True),
        ("https", "glpat-abcdefghij", True),
    ],
)
def test_literal_credential(scheme: str, cred: str, secret: bool) -> None:
    assert literal_credential(scheme, cred) is secret


def test_variable_credentials_and_ssh_users_are_fine(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "--index-url https://${PIP_USER}:${PIP_PASSWORD}@pkgs.example.com/simple\n"
            "lib @ git+ssh://git@github.com/org/lib.git@v1.0.0\n",
            "Dockerfile": "FROM python:3.12-slim\nRUN --mount=type=secret,id=pip "
            "pip install -i https://$PIP_USER:$PIP_TOKEN@pkgs.example.com/simple x\nUSER app\n",
        },
    )
    assert findings(a, "SEC003") == []


def test_credentials_in_readme_are_a_warning(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "README.md": "pip install -i https://me:topsecret@pkgs.example.com/simple x\n",
        },
    )
    (d,) = [d for d in a.risks if d.code == "SEC003"]
    assert d.severity is Severity.WARNING
    assert "topsecret" not in human(a) + render_markdown(a) + json.dumps(to_dict(a))


def test_database_url_password_is_only_a_note(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "docker-compose.yml": "services:\n  api:\n    environment:\n"
            "      DB_URL: postgresql://orders:orders@db:5432/orders\n",
        },
    )
    (d,) = [d for d in a.risks if d.code == "SEC003"]
    assert d.severity is Severity.INFO
    assert str(d.origin) == "docker-compose.yml:4"


def test_user_only_in_builder_stage_still_runs_as_root(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "Dockerfile": "FROM python:3.12-slim AS build\nUSER app\nRUN true\n\n"
            "FROM python:3.12-slim\nCOPY --from=build /x /x\n",
        },
    )
    assert findings(a, "SEC007") == ["Dockerfile:5"]
    assert findings(a, "SEC006") == []  # build is a stage, not an image


def test_user_inherited_from_parent_stage_and_user_root(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "Dockerfile": "FROM python:3.12-slim AS base\nUSER app\nFROM base\nCMD x\n",
            "docker/Dockerfile": "FROM python:3.12-slim\nUSER app\nRUN x\nUSER root\n",
        },
    )
    assert findings(a, "SEC007") == ["docker/Dockerfile:1"]
    assert "USER root" in next(d.message for d in a.risks if d.code == "SEC007")


def test_images_with_tags_digests_and_args_are_fine(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "Dockerfile": "ARG BASE=python:3.12\nFROM ${BASE}\n"
            "COPY --from=ghcr.io/astral-sh/uv:0.8.4 /uv /bin/\n"
            "FROM python@sha256:" + "a" * 64 + "\nFROM scratch\nUSER 1000\n",
            "compose.yaml": "services:\n  db:\n    image: postgres:16\n  x:\n    image: ${IMG}\n",
            ".gitlab-ci.yml": "image: python:latest\n",
        },
    )
    assert findings(a, "SEC006") == [".gitlab-ci.yml:1"]
    assert findings(a, "SEC007") == []


def test_requires_python_excluding_a_stated_version(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.12"\n'
            "dependencies = []\n",
            "Dockerfile": "FROM python:3.11-slim\nUSER app\n",
        },
    )
    assert findings(a, "RSK003") == ["Dockerfile:1"]
    assert ">=3.12" in next(d.message for d in a.risks if d.code == "RSK003")


MATRIX = (
    "jobs:\n  test:\n    strategy:\n      matrix:\n"
    '        python-version: ["{a}", "{b}"]\n'
    "    steps:\n      - uses: actions/setup-python@v5\n        with:\n"
    "          python-version: ${{{{ matrix.python-version }}}}\n"
)


@pytest.mark.parametrize(("a", "b", "conflict"), [("3.11", "3.12", False), ("3.10", "3.11", True)])
def test_ci_matrix_is_not_a_conflict_when_it_covers_the_version(
    tmp_path: Path, a: str, b: str, conflict: bool
) -> None:
    result = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            ".python-version": "3.12\n",
            ".github/workflows/ci.yml": MATRIX.format(a=a, b=b),
        },
    )
    assert result.python_conflict is conflict
    assert bool(findings(result, "RSK002")) is conflict


def test_plain_http_index(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {"requirements.txt": "-i http://mirror.example.com/simple\nx==1\n"},
    )
    assert findings(a, "SEC008") == ["requirements.txt:1"]
    b = tree(tmp_path / "local", {"requirements.txt": "-i http://localhost:8080/simple\nx==1\n"})
    assert findings(b, "SEC008") == []


def test_dockerignore_negation_keeps_the_lock(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            ".dockerignore": "*.lock\n!uv.lock\n# pyproject.toml\n",
            ".gitignore": "# uv.lock\n.python-version\n",
        },
    )
    assert findings(a, "RSK004") == [".gitignore:2"]
    (d,) = [d for d in a.risks if d.code == "RSK004"]
    assert d.severity is Severity.INFO  # .python-version: a local choice, often ignored


def test_dockerignore_excluding_a_requirements_file(tmp_path: Path) -> None:
    a = tree(tmp_path, {"requirements.txt": "x==1\n", ".dockerignore": "*.txt\n"})
    assert findings(a, "RSK004") == [".dockerignore:1"]


def test_commented_lines_are_not_findings(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "# --extra-index-url https://a:b@x.example.com/simple\nx==1\n",
            "Dockerfile": "FROM python:3.12-slim\n# RUN curl https://x.sh | sh\n"
            "# ENV UV_INDEX_STRATEGY=unsafe-best-match\nUSER app\n",
        },
    )
    assert {"SEC001", "SEC004", "SEC005"}.isdisjoint(a.codes())


def test_no_dependency_file_is_reported() -> None:
    a = analyse(PROJECTS / "empty")
    assert a.tool is Tool.UNKNOWN
    assert "DET020" in a.codes()


def test_broken_include_is_an_error_finding() -> None:
    a = analyse(PROJECTS / "broken")
    assert findings(a, "DET004") == ["requirements-dev.txt:2"]


# --------------------------------------------------------------------------- reports


def test_json_schema(risky: Analysis) -> None:
    doc = to_dict(risky)
    json.dumps(doc)  # JSON-able as is
    assert set(doc) == {
        "project",
        "files",
        "groups",
        "requirements",
        "indexes",
        "options",
        "python",
        "containers",
        "ci",
        "services",
        "risks",
        "summary",
    }
    assert doc["project"]["tool"] == "pip"
    assert doc["project"]["name"] == "risky"
    assert doc["files"]["dockerfile"] == ["Dockerfile"]
    assert doc["groups"][1] == {
        "name": "dev",
        "kind": "group",
        "files": ["requirements-dev.txt"],
        "requirements": 1,
        "pinned": 0,
        "unpinned": 1,
        "includes": ["runtime"],
        "constraints": 0,
        "unlocked": 1,
    }
    assert doc["requirements"] == {"pinned": 1, "unpinned": 3, "unlocked": 3, "locked": 1}
    assert doc["indexes"][1]["kind"] == "extra"
    assert doc["indexes"][1]["has_credentials"] is True
    assert doc["options"]["trusted_hosts"] == ["pkgs.example.com"]
    assert doc["python"]["conflicting"] is True
    assert doc["python"]["preferred"] == "3.13"
    risk = next(r for r in doc["risks"] if r["code"] == "SEC001")
    assert set(risk) == {"code", "severity", "message", "path", "line", "hint"}
    assert (risk["path"], risk["line"], risk["severity"]) == ("requirements.txt", 2, "warning")
    assert doc["summary"]["errors"] == 2
    assert doc["summary"]["warnings"] == sum(1 for r in doc["risks"] if r["severity"] == "warning")


def test_markdown(risky: Analysis) -> None:
    md = render_markdown(risky)
    assert md.startswith("## toolshift analyze: `risky`")
    assert "| severity | code | where | finding |" in md
    assert "| warning | SEC001 | requirements.txt:2 |" in md
    assert "**(they disagree)**" in md
    assert "| runtime | runtime | requirements.txt | 3 | 1 | 2 | 2 |  | 0 |" in md
    # a table cell never breaks the table
    for line in md.splitlines():
        if line.startswith("| "):
            assert line.endswith("|")


def test_human(risky: Analysis) -> None:
    out = human(risky)
    assert "toolshift analyze" in out
    assert "tool: pip" in out
    assert "Dependency groups" in out
    assert "SEC001" in out and "requirements.txt:2" in out
    assert "disagree" in out
    assert "2 error(s)" in out


def test_human_escapes_markup(tmp_path: Path) -> None:
    a = tree(tmp_path, {"requirements.txt": "uvicorn[standard]\n"})
    assert "uvicorn[standard]" in human(a)


@pytest.mark.parametrize("width", [60, 200])
def test_credentials_never_in_any_output(risky: Analysis, width: int) -> None:
    outputs = [human(risky, width), render_markdown(risky), json.dumps(to_dict(risky))]
    for out in outputs:
        for secret in SECRETS:
            assert secret not in out
    # and they are really in the fixture, so this test can fail
    raw = (PROJECTS / "risky/requirements.txt").read_text()
    raw += (PROJECTS / "risky/.github/workflows/ci.yml").read_text()
    assert all(s in raw for s in SECRETS)


def test_readme_prose_is_not_a_finding_but_commands_are(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "README.md": "Options such as `--extra-index-url` and `--trusted-host` are read.\n\n"
            "    pip install --extra-index-url https://pkgs.example.com/simple x\n"
            "    $ uv pip install --index-strategy unsafe-best-match x\n",
        },
    )
    assert findings(a, "SEC001") == ["README.md:3"]
    assert findings(a, "SEC002") == []
    assert findings(a, "SEC004") == ["README.md:4"]


def test_vcs_requirements_without_a_commit(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    a = tree(
        tmp_path,
        {
            "requirements.txt": "lib1 @ git+https://github.com/org/lib1.git\n"
            "lib2 @ git+https://github.com/org/lib2.git@main\n"
            f"lib3 @ git+https://github.com/org/lib3.git@{sha}\n"
            "git+ssh://git@github.com/org/lib4.git@v1.2#egg=lib4\n",
        },
    )
    got = {str(d.origin): d.severity for d in a.risks if d.code == "RSK005"}
    assert got == {
        "requirements.txt:1": Severity.WARNING,
        "requirements.txt:2": Severity.INFO,
        "requirements.txt:4": Severity.INFO,
    }
    assert "RSK001" not in a.codes()  # VCS requirements are not "unpinned registry" ones


@settings(max_examples=15, deadline=None)
@given(
    user=st.from_regex(r"[a-z][a-z0-9_]{2,10}", fullmatch=True),
    secret=st.from_regex(r"[A-Za-z0-9\-._~!*]{8,24}", fullmatch=True),
)
def test_no_secret_reaches_any_output(user: str, secret: str) -> None:
    secret = "Zq" + secret  # never a word that occurs in the report by chance
    url = f"https://{user}:{secret}@pkgs.example.com/simple"
    with tempfile.TemporaryDirectory() as tmp:
        a = tree(
            Path(tmp),
            {
                "requirements.txt": f"--extra-index-url {url}\n-i {url}\nflask==3.0.0\n",
                "Dockerfile": f"FROM python:3.12-slim\nRUN pip install -i {url} x\n",
                ".gitlab-ci.yml": f"test:\n  script:\n    - pip install --index-url {url} x\n",
                "README.md": f"    pip install --extra-index-url {url} x\n",
            },
        )
        outputs = human(a, 80) + render_markdown(a) + json.dumps(to_dict(a))
    assert secret not in outputs
    assert "SEC003" in outputs


def test_locked_ranges_are_not_unlocked() -> None:
    a = analyse(PROJECTS / "uv-project")
    assert (a.pinned, a.unpinned, a.unlocked, a.locked) == (0, 2, 0, 2)
    assert "0 with no version fixed" in human(a)
    c = analyse(PROJECTS / "constraints")  # ranges fixed by -c constraints.txt
    assert (c.unpinned, c.unlocked) == (3, 0)


def test_compose_image_name_of_a_built_service_is_not_pulled(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "compose.yaml": "services:\n  app:\n    build: .\n    image: myorg/app\n"
            "  cache:\n    image: redis:latest\n",
        },
    )
    assert findings(a, "SEC006") == ["compose.yaml:6"]
    broken = tree(tmp_path / "b", {"requirements.txt": "x==1\n", "compose.yaml": "a: [\n"})
    assert findings(broken, "SEC006") == []


def test_extra_index_in_uv_commands_is_not_dependency_confusion(tmp_path: Path) -> None:
    a = tree(
        tmp_path,
        {
            "requirements.txt": "x==1\n",
            "Dockerfile": "FROM python:3.12-slim\n"
            "RUN uv pip install --extra-index-url https://pkgs.example.com/simple x\n"
            "RUN pip install --extra-index-url https://pkgs.example.com/simple y\n"
            "ENV PIP_EXTRA_INDEX_URL=https://pkgs.example.com/simple\nUSER app\n",
        },
    )
    assert findings(a, "SEC001") == ["Dockerfile:3", "Dockerfile:4"]


def test_human_narrow_terminal_uses_lists(risky: Analysis) -> None:
    out = human(risky, 60)
    assert "dev (group): 1 reqs, 0 ==, 1 ranges, 1 unfixed" in out
    assert "includes runtime; 0 constraint(s)" in out
    assert "warning SEC001 requirements.txt:2" in out
    assert max(len(line) for line in out.splitlines()) <= 60


def test_nested_services_are_listed() -> None:
    a = analyse(PROJECTS / "nested")
    assert a.services == ("services/worker",)
    assert to_dict(a)["services"] == ["services/worker"]
    assert "other services below: services/worker" in render_markdown(a)
    assert "Other services below (`migrate` takes them all in one plan" in human(a)
    assert "narrows it): services/worker" in human(a)
