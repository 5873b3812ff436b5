"""The subprocess gateway decides what a child process inherits."""

from __future__ import annotations

import os

import pytest

from toolshift.errors import ToolError
from toolshift.tools import find_uv, parse_version, run, scrubbed_env


def test_scrubbed_env_drops_stray_settings_and_keeps_index_credentials() -> None:
    base = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "VIRTUAL_ENV": "/somewhere/.venv",
        "PYENV_VERSION": "3.11.7",
        "PIP_INDEX_URL": "https://u:p@corp/simple",
        "PIP_FIND_LINKS": "/opt/wheels",
        "UV_INDEX_STRATEGY": "unsafe-best-match",
        "UV_INDEX_CORP_USERNAME": "bot",
        "UV_INDEX_CORP_PASSWORD": "s3cret",
    }
    env = scrubbed_env(base=base)
    for gone in ("VIRTUAL_ENV", "PYENV_VERSION", "PIP_INDEX_URL", "PIP_FIND_LINKS"):
        assert gone not in env
    assert "UV_INDEX_STRATEGY" not in env
    assert env["UV_INDEX_CORP_USERNAME"] == "bot"
    assert env["UV_INDEX_CORP_PASSWORD"] == "s3cret"
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PATH"] == "/usr/bin"
    # the project's own [tool.uv] must stay visible to uv
    assert "UV_NO_CONFIG" not in env


def test_extra_env_is_passed_on_purpose() -> None:
    env = scrubbed_env({"UV_OFFLINE": "1"}, base={"PATH": "/bin"})
    assert env["UV_OFFLINE"] == "1"


def test_run_reports_missing_executables_clearly() -> None:
    with pytest.raises(ToolError, match="not found"):
        run(["toolshift-no-such-binary-xyz"])


def test_run_redacts_credentials_in_output() -> None:
    done = run(["echo", "https://bob:hunter2@corp.example/simple"])
    assert "hunter2" not in done.output
    assert done.returncode == 0


def test_parse_version() -> None:
    assert parse_version("uv 0.13.9 (x86_64-unknown-linux-gnu)") == (0, 13, 9)
    assert parse_version("nothing") == ()


def test_find_uv_finds_a_working_uv_new_enough() -> None:
    info = find_uv()
    assert info.version >= (0, 8, 0)
    assert os.path.exists(info.path)


def test_the_bundled_uv_version_is_read_without_running_it_and_is_right() -> None:
    from toolshift.tools import _bundled_uv, _bundled_version

    bundled = _bundled_uv()
    if bundled is None:
        pytest.skip("no bundled uv package in this environment")
    assert _bundled_version() == parse_version(run([bundled, "--version"]).stdout)
