"""The pure parts of toolshift.docker_engine: command lines, `docker image inspect` parsing,
the --help command, skip reasons. No engine is needed (a missing one is the tested case)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolshift import docker_engine as de
from toolshift.errors import ToolError
from toolshift.tools import Completed, scrubbed_env
from toolshift.verify import CheckStatus

INSPECT = json.dumps(
    [
        {
            "Id": "sha256:abc123",
            "Size": 123456789,
            "Config": {"Entrypoint": None, "Cmd": ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]},
        }
    ]
)


def test_build_argv_uses_host_network_and_no_cache_only_when_asked() -> None:
    argv = de.build_argv(Path("/p"), Path("/p/Dockerfile"), "t:1", no_cache=False)
    assert argv == [
        "docker",
        "build",
        "--network",
        "host",
        "-f",
        "/p/Dockerfile",
        "-t",
        "t:1",
        "/p",
    ]
    cold = de.build_argv(Path("/p"), Path("/p/Dockerfile"), "t:1", no_cache=True)
    assert "--no-cache" in cold and cold[-1] == "/p"
    assert de.BUILD_ENV == {"DOCKER_BUILDKIT": "1"}


def test_run_argv_appends_the_arguments_after_the_tag() -> None:
    assert de.run_argv("t:1", ["app", "--help"]) == [
        "docker", "run", "--rm", "--network", "host", "t:1", "app", "--help",
    ]  # fmt: skip


def test_parse_inspect_reads_id_size_and_command() -> None:
    info = de.parse_inspect(INSPECT)
    assert info.image_id == "sha256:abc123"
    assert info.size_bytes == 123456789
    assert info.entrypoint == ()
    assert info.cmd == ("gunicorn", "app:app", "-b", "0.0.0.0:8000")


@pytest.mark.parametrize("text", ["", "not json", "[]", '"a string"'])
def test_parse_inspect_rejects_what_is_not_an_image(text: str) -> None:
    with pytest.raises(ToolError):
        de.parse_inspect(text)


def test_help_args_exec_form_shell_form_and_entrypoint() -> None:
    exec_form = de.ImageInfo("i", 1, (), ("uvicorn", "app:app"))
    assert de.help_args(exec_form) == ["uvicorn", "app:app", "--help"]
    shell = de.ImageInfo("i", 1, (), ("/bin/sh", "-c", "gunicorn app:app"))
    assert de.help_args(shell) == ["/bin/sh", "-c", "gunicorn app:app --help"]
    entry_only = de.ImageInfo("i", 1, ("gunicorn",), ())
    assert de.help_args(entry_only) == ["--help"]
    assert de.help_args(de.ImageInfo("i", 1, (), ())) == []


def test_skip_reason() -> None:
    ok = Completed(("docker", "info"), 0, "27.3.1\n", "")
    assert de.skip_reason(ok) is None
    down = Completed(
        ("docker", "info"),
        1,
        "",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?\n",
    )
    why = de.skip_reason(down)
    assert why is not None and "Cannot connect to the Docker daemon" in why


def test_docker_host_passes_through_the_scrubbed_env() -> None:
    env = scrubbed_env(
        base={"DOCKER_HOST": "unix:///tmp/d.sock", "DOCKER_CONTEXT": "x", "PIP_INDEX_URL": "u"}
    )
    assert env["DOCKER_HOST"] == "unix:///tmp/d.sock"
    assert env["DOCKER_CONTEXT"] == "x"
    assert "PIP_INDEX_URL" not in env


def test_engine_unreachable_makes_the_check_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    why = de.engine_available()
    assert why is not None
    check = de.images_check(tmp_path, ["Dockerfile"], None)
    assert check.status is CheckStatus.SKIPPED
    assert check.summary == why


def test_no_dockerfile_is_skipped(tmp_path: Path) -> None:
    check = de.images_check(tmp_path, [], None)
    assert check.status is CheckStatus.SKIPPED
    assert "no Dockerfile" in check.summary


def test_bench_docker_without_an_engine_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from toolshift.bench.runner import docker_figures

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    figures, skipped = docker_figures(tmp_path, lambda _m: None)
    assert figures == ()
    assert [s.what for s in skipped] == ["docker image build"]
    assert skipped[0].reason == de.engine_available()
