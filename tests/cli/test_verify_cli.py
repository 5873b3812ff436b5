"""toolshift verify, end to end through the CLI: exit codes, human and JSON output, --run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolshift.cli.main import main
from toolshift.tools import find_uv, run


def project(root: Path, wheelhouse: Path, requirements: str) -> Path:
    root.mkdir(parents=True)
    (root / "requirements.txt").write_text(
        f"--no-index\n--find-links {wheelhouse.as_posix()}\n{requirements}"
    )
    (root / "requirements-dev.txt").write_text("-r requirements.txt\ndevtool==3.0\n")
    assert main(["migrate", "--to", "uv", str(root), "--yes", "--offline"]) == 0
    return root


@pytest.mark.slow
def test_unchanged_migration_exits_0(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", wheelhouse, "beta==1.0\nalpha==1.1.0\n")
    capsys.readouterr()
    assert main(["verify", str(root), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "journal " in out
    assert "before: pip" in out and "after: uv" in out
    assert "compare" in out and "the same 3 package(s)" in out


@pytest.mark.slow
def test_moved_lock_exits_3_and_names_the_package(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", wheelhouse, "beta==1.0\nalpha==1.1.0\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("beta==1.0", "beta==1.2"))
    done = run([find_uv().path, "lock", "--offline"], cwd=root, timeout=120)
    assert done.returncode == 0, done.output
    capsys.readouterr()
    assert main(["verify", str(root), "--offline", "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "verify" and doc["schema"] == 1 and doc["ok"] is False
    assert doc["differences"] == [
        {"name": "beta", "change": "changed", "before": "1.0", "after": "1.2"}
    ]
    checks = {c["name"]: c["status"] for c in doc["checks"]}
    assert checks["compare"] == "failed" and checks["pip-check"] == "passed"
    assert doc["after"]["packages"]["beta"] == "1.2"
    assert doc["before"]["packages"]["beta"] == "1.0"
    # Kept for `toolshift report`, the same document as on stdout, in the ignored state folder.
    last = json.loads((root / ".toolshift" / "verify" / "last.json").read_text())
    assert {k: v for k, v in last.items() if k != "seconds"} == {
        k: v for k, v in doc.items() if k != "seconds"
    }
    # The human table names it too.
    assert main(["verify", str(root), "--offline"]) == 3
    out = capsys.readouterr().out
    assert "beta" in out and "1.0" in out and "1.2" in out and "verification failed" in out


@pytest.mark.slow
def test_failing_run_command_exits_3(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "svc", wheelhouse, "alpha==1.1.0\n")
    capsys.readouterr()
    cmd = (
        'python -c "import alpha, os, sys; '
        "print('active', os.environ['VIRTUAL_ENV'] == sys.prefix,"
        ' alpha.__version__); sys.exit(5)"'
    )
    assert main(["verify", str(root), "--offline", "--run", cmd, "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    run_check = next(c for c in doc["checks"] if c["name"] == "run")
    assert run_check["status"] == "failed" and "exited 5" in run_check["summary"]
    assert "active True 1.1.0" in run_check["output"]


def test_unknown_id_and_missing_folder_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    assert main(["verify", str(tmp_path), "--id", "nope"]) == 2
    assert "no single journal entry 'nope'" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["verify", str(tmp_path), "--find-links", str(tmp_path / "nowhere")]) == 2


def test_help_says_which_settings_are_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "PIP_*" in out and "UV_*" in out and "VIRTUAL_ENV" in out
    assert "[tool.uv]" in out and "--run" in out and "--find-links" in out
    assert "3 verification failed" in out


def test_a_project_verify_cannot_install_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "README.md").write_text("no dependency files at all\n")
    assert main(["verify", str(tmp_path)]) == 2
    assert "verify installs pip, pip-tools and uv projects" in capsys.readouterr().err


def test_python_that_is_not_there_fails_the_install_with_uvs_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    assert main(["verify", str(tmp_path), "--python", "3.99", "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    install = next(c for c in doc["checks"] if c["name"] == "install-after")
    assert install["status"] == "failed" and "3.99" in install["output"]
    assert doc["after"] is None
    assert not (tmp_path / ".toolshift").exists()  # verify leaves an untouched project alone


@pytest.mark.slow
def test_audit_classifies_warns_when_unavailable_and_fails_on_new(
    tmp_path: Path,
    wheelhouse: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_audit import PYPI_CONNECT_ERROR, install_fake_pip_audit

    fake = install_fake_pip_audit(tmp_path / "fakebin", monkeypatch)
    root = project(tmp_path / "svc", wheelhouse, "beta==1.0\nalpha==1.1.0\n")
    capsys.readouterr()

    # beta 1.0 is vulnerable before and after: pre-existing, not a failure
    assert main(["verify", str(root), "--offline", "--audit", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    audit = doc["audit"]
    assert audit["available"] and audit["compared"] and audit["service"] == "pypi"
    assert audit["counts"] == {"new": 0, "pre-existing": 1, "fixed": 0}
    assert [(f["package"], f["id"], f["before"], f["after"]) for f in audit["findings"]] == [
        ("beta", "GHSA-beta-0000-0001", "1.0", "1.0")
    ]
    assert audit["audited_after"] == audit["audited_before"] == 3  # alpha, beta, devtool
    checks = {c["name"]: c["status"] for c in doc["checks"]}
    assert checks["audit"] == "pre-existing"
    last = json.loads((root / ".toolshift" / "verify" / "last.json").read_text())
    assert last["audit"]["findings"] == audit["findings"]

    # the service cannot be reached: a warning with pip-audit's reason, the exit code unchanged
    (fake / "mode").write_text("fail")
    (fake / "stderr.txt").write_text(
        PYPI_CONNECT_ERROR + "ERROR:pip_audit._cli:via https://bob:hunter2@proxy.example\n"
    )
    assert main(["verify", str(root), "--offline", "--audit"]) == 0
    out = capsys.readouterr().out
    assert "security audit not available" in out
    assert "Could not connect to PyPI's vulnerability feed" in out
    assert "hunter2" not in out and "https://****:****@proxy.example" in out
    assert "no known vulnerabilit" not in out

    # the lock moves beta to 1.2, which has a known vulnerability of its own: new, exit 3
    (fake / "mode").unlink()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("beta==1.0", "beta==1.2"))
    done = run([find_uv().path, "lock", "--offline"], cwd=root, timeout=120)
    assert done.returncode == 0, done.output
    assert main(["verify", str(root), "--offline", "--audit"]) == 3
    out = capsys.readouterr().out
    assert "Security audit (pypi)" in out and "GHSA-beta-0000-0012" in out
    last = json.loads((root / ".toolshift" / "verify" / "last.json").read_text())
    assert last["audit"]["counts"] == {"new": 1, "pre-existing": 0, "fixed": 1}
    assert next(c for c in last["checks"] if c["name"] == "audit")["status"] == "failed"


def test_audit_flags_that_do_not_go_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    assert main(["verify", str(tmp_path), "--audit-service", "osv"]) == 2
    assert "--audit-service goes with --audit" in capsys.readouterr().err
    assert main(["verify", str(tmp_path), "--audit", "--http"]) == 2
    assert "--audit goes with the install checks" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "--audit" in out and "not available" in out and "a new known vulnerability" in out


def test_http_result_is_kept_for_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolshift import http_equivalence as he

    answer = he.Answer(200, {"content-type": "application/json"}, "{}")
    result = he.HttpResult(
        app="app:app",
        entry_id="20260101T000000Z-abcdef",
        python="python",
        recorded=1,
        probes=1,
        tests_summary="1 passed",
        outcomes=(
            he.Outcome(he.Request("GET", "/a", source="t::a"), answer, answer, he.Verdict.EQUAL),
            he.Outcome(
                he.Request("POST", "/a", source="probe: bad JSON"),
                he.Answer(400, {}, ""),
                he.Answer(422, {}, ""),
                he.Verdict.REGRESSION,
                ("status 400 -> 422",),
            ),
        ),
    )
    calls: list[Path] = []

    def fake_verify_http(root: Path, **_kw: object) -> he.HttpResult:
        calls.append(root)
        return result

    monkeypatch.setattr(he, "verify_http", fake_verify_http)
    (tmp_path / ".toolshift").mkdir()  # a project toolshift has migrated
    assert main(["verify", str(tmp_path), "--http", "--format", "json"]) == 3
    assert calls == [tmp_path]
    printed = json.loads(capsys.readouterr().out)
    kept = json.loads((tmp_path / ".toolshift" / "verify" / "http.json").read_text())
    assert kept["kind"] == "verify-http" and kept["schema"] == 1
    assert {k: v for k, v in kept.items() if k != "toolshift"} == {
        k: v for k, v in printed.items() if k != "toolshift"
    }
    assert kept["regressions"] == 1 and kept["requests"][1]["status_after"] == 422
