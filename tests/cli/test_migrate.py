"""toolshift migrate --to uv, end to end: review modes write nothing; apply locks, keeps today's
pins, rolls back on failure and can be undone byte for byte."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from toolshift.cli.main import main
from toolshift.locking import read_lock_versions


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root except toolshift's own journal."""

    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


def project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def offline_header(wheelhouse: Path) -> str:
    # Index options in the requirements file itself: migrate carries them into [tool.uv].
    return f"--no-index\n--find-links {wheelhouse.as_posix()}\n"


SIMPLE = {
    "requirements.txt": "beta==1.0  # the client\nalpha==1.1.0\n",
    "requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
    ".python-version": "3.11\n",
}


# --------------------------------------------------------------------------- review modes


def test_check_reports_pending_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", SIMPLE)
    before = tree(root)
    assert main(["migrate", "--to", "uv", str(root), "--check"]) == 1
    assert tree(root) == before
    assert not (root / ".toolshift").exists()
    assert "pending" in capsys.readouterr().out


def test_dry_run_and_diff_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path / "svc", SIMPLE)
    before = tree(root)
    assert main(["migrate", "--to", "uv", str(root), "--dry-run", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "pyproject.toml" in out and "create" in out and "uv lock" in out
    assert main(["migrate", "--to", "uv", str(root), "--diff"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/pyproject.toml" in out and '+    "beta==1.0", # the client' in out
    assert "--- a/requirements.txt" in out
    assert tree(root) == before
    assert not (root / ".toolshift").exists()


def test_json_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path / "svc", SIMPLE)
    assert main(["migrate", "--to", "uv", str(root), "--dry-run", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "plan" and doc["schema"] == 1 and doc["target"] == "uv"
    changes = {c["path"]: c for c in doc["changes"]}
    assert changes["pyproject.toml"]["change"] == "create"
    assert "TS101" in changes["pyproject.toml"]["rules"]
    assert changes["requirements.txt"]["change"] == "delete"
    assert doc["post_actions"][0]["produces"] == ["uv.lock"]
    assert doc["applied"] is None


def test_unknown_rule_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path / "svc", SIMPLE)
    assert main(["migrate", "--to", "uv", str(root), "--disable", "TS999", "--dry-run"]) == 2
    assert "TS999" in capsys.readouterr().err


def test_a_line_that_cannot_be_understood_stops_at_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", {"requirements.txt": "alpha==1.0\nflask>=>2\n"})
    before = tree(root)
    assert main(["migrate", "--to", "uv", str(root), "--yes"]) == 2
    assert "requirements.txt:2" in capsys.readouterr().err
    assert tree(root) == before


def test_help_says_which_settings_are_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["migrate", "--help"])
    out = capsys.readouterr().out
    assert "UV_INDEX_<NAME>_USERNAME" in out
    assert "PIP_*" in out and "VIRTUAL_ENV" in out
    assert "--keep-requirements" in out and "--to pip" in out
    for rule in ("TS101", "TS104", "TS108"):
        assert rule in out


# --------------------------------------------------------------------------- apply + uv lock


def lock_versions(root: Path) -> dict[str, str]:
    return read_lock_versions((root / "uv.lock").read_text())


@pytest.mark.slow
def test_migrate_locks_keeping_pins_then_plans_nothing(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict(SIMPLE)
    files["requirements.txt"] = offline_header(wheelhouse) + files["requirements.txt"]
    root = project(tmp_path / "svc", files)
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "applied" in out and "toolshift undo" in out
    assert sorted(tree(root)) == [".python-version", "pyproject.toml", "uv.lock"]
    # alpha 2.0.0 and beta 1.2 exist in the wheelhouse: today's pins win.
    versions = lock_versions(root)
    assert versions["alpha"] == "1.1.0" and versions["beta"] == "1.0"
    assert versions["devtool"] == "3.0"
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["tool"]["uv"]["no-index"] is True
    assert data["dependency-groups"]["dev"] == ["devtool==3.0"]
    # Idempotence with the real lock in place.
    assert main(["migrate", "--to", "uv", str(root), "--check"]) == 0


@pytest.mark.slow
def test_pip_compile_transitive_pins_are_kept(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(
        tmp_path / "svc",
        {
            "requirements.in": offline_header(wheelhouse) + "beta\n",
            "requirements.txt": (
                "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
                "#    pip-compile requirements.in\n#\n"
                "alpha==1.1.0\n    # via beta\nbeta==1.0\n    # via -r requirements.in\n"
            ),
        },
    )
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["dependencies"] == ["beta"]
    assert "constraint-dependencies" not in data["tool"]["uv"]
    versions = lock_versions(root)
    assert versions["alpha"] == "1.1.0" and versions["beta"] == "1.0"
    assert not (root / "requirements.txt").exists() and not (root / "requirements.in").exists()


@pytest.mark.slow
def test_constraints_pin_is_kept(tmp_path: Path, wheelhouse: Path) -> None:
    root = project(
        tmp_path / "svc",
        {
            "requirements.txt": offline_header(wheelhouse) + "-c constraints.txt\nbeta\n",
            "constraints.txt": "alpha==1.1.0\n",
        },
    )
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0
    assert lock_versions(root)["alpha"] == "1.1.0"
    assert lock_versions(root)["beta"] == "1.2"  # not pinned: the newest


@pytest.mark.slow
def test_failing_resolution_rolls_everything_back(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"requirements.txt": offline_header(wheelhouse) + "alpha==9.9\nbeta\n"}
    root = project(tmp_path / "svc", files)
    before = tree(root)
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 4
    err = capsys.readouterr().err
    assert "uv lock failed" in err and "alpha" in err and "9.9" in err
    assert "restored" in err
    assert tree(root) == before


@pytest.mark.slow
def test_undo_after_migrate_restores_byte_for_byte(tmp_path: Path, wheelhouse: Path) -> None:
    files = dict(SIMPLE)
    files["requirements.txt"] = offline_header(wheelhouse) + files["requirements.txt"]
    root = project(tmp_path / "svc", files)
    (root / "requirements-dev.txt").write_bytes(b"-r requirements.txt\r\ndevtool==3.0\r\n")
    before = tree(root)
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline", "--python", "3.11"]) == 0
    assert tree(root) != before
    assert main(["undo", str(root), "--yes"]) == 0
    assert tree(root) == before


@pytest.mark.slow
def test_json_apply_reports_journal_and_lock(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path / "svc", {"requirements.txt": offline_header(wheelhouse) + "alpha>=2\n"}
    )
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["applied"]["journal"]
    assert doc["applied"]["locked"]["alpha"] == "2.0.0"
    assert doc["applied"]["status"] == "applied" and doc["applied"]["moved"] == []


def test_no_lock_writes_files_but_no_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", SIMPLE)
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--no-lock"]) == 0
    assert sorted(tree(root)) == [".python-version", "pyproject.toml"]
    assert "journal" in capsys.readouterr().out


@pytest.mark.slow
def test_a_find_links_url_is_passed_as_a_url_and_never_printed_with_its_secret(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", {"requirements.txt": "alpha==1.1.0\n"})
    before = tree(root)
    url = "https://bob:T0pS3cret@wheels.invalid/simple"
    code = main(["migrate", "--to", "uv", str(root), "--yes", "--offline", "--find-links", url])
    err = capsys.readouterr().err
    assert code == 4 and tree(root) == before  # offline: the URL cannot answer, rolled back
    assert "T0pS3cret" not in err and "/https:/" not in err
    journal = "".join(p.read_text() for p in (root / ".toolshift").rglob("*.json"))
    assert "T0pS3cret" not in journal


def test_an_empty_plan_with_warnings_does_not_claim_the_project_is_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", {"notes.txt": "no dependency files here\n"})
    assert main(["migrate", "--to", "uv", str(root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "already on" not in out and "nothing to change: see the notes below" in out
