from __future__ import annotations

import subprocess
import sys

import pytest

from toolshift.cli.main import main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    from toolshift.cli.main import COMMANDS

    for name in COMMANDS:
        assert name in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "toolshift", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith("toolshift ")
