from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from toolshift.apply import EntryStatus, JournalEntry, apply_plan, history
from toolshift.cli.main import main
from toolshift.model import FileChange, Plan


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def migrated(tmp_path: Path) -> tuple[Path, JournalEntry]:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "requirements.txt").write_bytes(b"flask==3.0.0\r\n")
    plan = Plan(
        root=str(root),
        target="uv",
        changes=(
            FileChange("requirements.txt", b"flask==3.0.0\r\n", None),
            FileChange("pyproject.toml", None, b"[project]\n"),
            FileChange("ci/new/x.yml", None, b"on: push\n"),
        ),
    )
    return root, apply_plan(plan, command="toolshift migrate --to uv svc")


class _Tty:
    def isatty(self) -> bool:
        return True


def assert_original(root: Path) -> None:
    assert sorted(p.name for p in root.iterdir()) == [".toolshift", "requirements.txt"]
    assert (root / "requirements.txt").read_bytes() == b"flask==3.0.0\r\n"


def test_undo_restores_and_says_what(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    assert main(["undo", str(root)]) == 0
    out = capsys.readouterr().out
    assert entry.id in out
    assert "restore  requirements.txt" in out
    assert "remove   pyproject.toml" in out
    assert "remove   ci/new/" in out
    assert "undone" in out
    assert_original(root)
    assert history(root)[0].status is EntryStatus.UNDONE


def test_undo_dry_run_writes_nothing(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = migrated
    assert main(["undo", str(root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "restore  requirements.txt" in out
    assert "nothing was written" in out
    assert (root / "pyproject.toml").exists()
    assert history(root)[0].status is EntryStatus.APPLIED


def test_undo_asks_on_a_terminal(
    migrated: tuple[Path, JournalEntry],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = migrated
    monkeypatch.setattr(sys, "stdin", _Tty())
    answers = iter(["n", "y"])
    asked: list[str] = []

    def fake_input(question: str) -> str:
        asked.append(question)
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    assert main(["undo", str(root)]) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert (root / "pyproject.toml").exists()
    assert main(["undo", str(root)]) == 0
    assert len(asked) == 2
    assert_original(root)


def test_undo_yes_does_not_ask(
    migrated: tuple[Path, JournalEntry], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = migrated
    monkeypatch.setattr(sys, "stdin", _Tty())

    def no_input(question: str) -> str:
        raise AssertionError("asked despite --yes")

    monkeypatch.setattr("builtins.input", no_input)
    assert main(["undo", str(root), "--yes"]) == 0
    assert_original(root)


def test_undo_refuses_edited_files_until_forced(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    (root / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    assert main(["undo", str(root)]) == 2
    err = capsys.readouterr().err
    assert "toolshift: error:" in err
    assert "pyproject.toml" in err
    assert "--force" in err
    assert (root / "pyproject.toml").exists()

    assert main(["undo", str(root), "--id", entry.id, "--force"]) == 0
    assert "edits made since the migration will be lost" in capsys.readouterr().out
    assert_original(root)


def test_undo_with_nothing_to_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["undo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nothing to undo" in err
    assert "hint:" in err


def test_undo_unknown_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["undo", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_history_table(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    assert main(["history", str(root)]) == 0
    out = capsys.readouterr().out
    assert entry.id in out
    assert "toolshift migrate --to uv svc" in out
    assert "applied" in out
    main(["undo", str(root)])
    capsys.readouterr()
    assert main(["history", str(root)]) == 0
    assert "undone" in capsys.readouterr().out


def test_history_json(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    assert main(["history", str(root), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "history"
    assert doc["schema"] == 1
    [e] = doc["entries"]
    assert e["id"] == entry.id
    assert e["status"] == "applied"
    assert {p["path"] for p in e["paths"]} == {
        "requirements.txt",
        "pyproject.toml",
        "ci/new/x.yml",
    }


def test_history_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(tmp_path)]) == 0
    assert "no migrations recorded" in capsys.readouterr().out
    assert main(["history", str(tmp_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == []


def test_history_damaged_journal(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    manifest = Path(entry.directory) / "manifest.json"
    manifest.write_text("{")
    assert main(["history", str(root)]) == 2
    err = capsys.readouterr().err
    assert str(manifest) in err
    assert "hint:" in err


def test_history_marks_interrupted_entries(
    migrated: tuple[Path, JournalEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    root, entry = migrated
    manifest = Path(entry.directory) / "manifest.json"
    doc = json.loads(manifest.read_text())
    doc["status"] = "in-progress"
    manifest.write_text(json.dumps(doc))
    assert main(["history", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"toolshift undo --id {entry.id}" in out
    assert main(["undo", str(root), "--yes"]) == 0
    assert_original(root)


def test_history_on_a_narrow_screen_keeps_the_command_readable(
    migrated: tuple[Path, JournalEntry],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, entry = migrated
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["history", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"{entry.id}  applied" in out
    assert "    toolshift migrate --to uv svc\n" in out
