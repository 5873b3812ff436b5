from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolshift.cli.main import main

PROJECTS = Path(__file__).parent.parent / "fixtures" / "projects"
SECRETS = ("FAKE-s3cr3t-pw", "FAKE-ci-token-123", "deploy:", "ci-bot:")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "--requirements" in out and "--group NAME=FILE" in out and "--strict" in out


def test_human_default_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PROJECTS / "pip-basic")], capsys)
    assert code == 0
    assert "tool: pip" in out
    assert "requirements-dev.txt" in out
    assert "No risks found." in out


def test_json_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PROJECTS / "pip-tools"), "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 1
    assert doc["kind"] == "analysis"
    assert doc["toolshift"]
    assert doc["project"]["tool"] == "pip-tools"
    assert [g["name"] for g in doc["groups"]] == ["runtime", "dev"]
    assert doc["requirements"]["locked"] == 6


def test_markdown_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PROJECTS / "nested"), "--format", "markdown"], capsys)
    assert code == 0
    assert out.startswith("## toolshift analyze: `nested`")
    assert "| lint | group | requirements/lint.txt |" in out


def test_findings_are_not_failures_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    risky = str(PROJECTS / "risky")
    assert run(["analyze", risky], capsys)[0] == 0
    assert run(["analyze", risky, "--strict"], capsys)[0] == 1
    assert run(["analyze", str(PROJECTS / "clean"), "--strict"], capsys)[0] == 0


@pytest.mark.parametrize("fmt", ["human", "json", "markdown"])
def test_credentials_never_printed(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(PROJECTS / "risky"), "--format", fmt], capsys)
    assert code == 0
    assert "SEC003" in out
    for secret in SECRETS:
        assert secret not in out + err


def test_explicit_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "analyze",
            str(PROJECTS / "explicit"),
            "--format",
            "json",
            "--requirements",
            "deps/main.txt",
            "--group",
            "tools=deps/tools.txt",
        ],
        capsys,
    )
    assert code == 0
    groups = json.loads(out)["groups"]
    assert [(g["name"], g["includes"]) for g in groups] == [("runtime", []), ("tools", ["runtime"])]


def test_dev_requirements_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "analyze",
            str(PROJECTS / "pip-basic"),
            "--format=json",
            "--requirements=requirements.txt",
            "--dev-requirements=requirements-dev.txt",
        ],
        capsys,
    )
    assert code == 0
    assert [g["name"] for g in json.loads(out)["groups"]] == ["runtime", "dev"]


def test_missing_requirements_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["analyze", str(PROJECTS / "pip-basic"), "--requirements", "nope.txt"], capsys
    )
    assert code == 2
    assert "nope.txt" in err
    assert "hint:" in err
    assert out == ""


def test_missing_folder_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["analyze", str(tmp_path / "nowhere")], capsys)
    assert code == 2
    assert "no such folder" in err


def test_bad_group_syntax_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["analyze", ".", "--group", "docs"])
    assert exc.value.code == 2
    assert "NAME=FILE" in capsys.readouterr().err


def test_broken_include_is_reported_not_fatal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PROJECTS / "broken"), "--format", "json"], capsys)
    assert code == 0
    risks = json.loads(out)["risks"]
    assert [(r["code"], r["path"], r["line"]) for r in risks if r["severity"] == "error"] == [
        ("DET004", "requirements-dev.txt", 2)
    ]


def test_default_path_is_cwd(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECTS / "clean")
    code, out, _ = run(["analyze", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["project"]["name"] == "clean"


def test_module_imports_only_argparse() -> None:
    code = (
        "import sys, toolshift.cli.analyze as m; "
        "bad = [n for n in ('rich', 'toolshift.detect', 'toolshift.analysis', 'pathspec') "
        "if n in sys.modules]; print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
