"""The README's promises that can be checked: its fresh-machine commands, the test command CI
runs, the commands and exit codes it documents, and the links it gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolshift.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

SETUP_AND_RUN = (
    "python3 -m pip install uv && uv sync --locked && "
    "uv run toolshift migrate --to uv examples/fastapi-service --diff"
)
SETUP_AND_TEST = "python3 -m pip install uv && uv sync --locked && uv run pytest"


def code_blocks(markdown: str) -> list[str]:
    """The contents of every fenced code block, stripped."""

    return [
        m.group(1).strip() for m in re.finditer(r"^```[^\n]*\n(.*?)^```", markdown, re.M | re.S)
    ]


def test_code_blocks_are_found() -> None:
    assert code_blocks("a\n```bash\nx\ny\n```\nb\n```\nz\n```\n") == ["x\ny", "z"]


@pytest.mark.parametrize("command", [SETUP_AND_RUN, SETUP_AND_TEST])
def test_fresh_machine_command_has_its_own_code_block(command: str) -> None:
    assert command in code_blocks(README)


def _ci_test_command() -> str:
    """The command .ci/run runs as "the README's test command"."""

    lines = [line.strip() for line in CI.splitlines()]
    marker = next(
        i for i, line in enumerate(lines) if line.startswith("# The README's test command")
    )
    return next(line for line in lines[marker + 1 :] if line and not line.startswith("#"))


def test_readme_test_command_is_what_ci_runs() -> None:
    ci_command = _ci_test_command()
    assert ci_command == "uv sync --locked && uv run pytest"
    assert f"python3 -m pip install uv && {ci_command}" == SETUP_AND_TEST
    # CI installs uv the way the README tells a person to.
    assert re.search(r"^python3 -m pip install .*\buv\b", CI, re.M)


def test_network_tests_command_matches_the_marker_ci_runs() -> None:
    assert "uv run pytest -m network" in README
    assert "pytest -m network" in CI


def test_benchmark_command_points_at_a_real_script() -> None:
    assert "uv run python benchmarks/run_all.py" in README
    for script in re.findall(r"`(bench_\w+\.py)`", README):
        assert (ROOT / "benchmarks" / script).is_file(), script
    assert (ROOT / "benchmarks" / "run_all.py").is_file()


def test_exit_code_table_matches_the_code() -> None:
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", README, re.M))
    assert {int(k) for k in table} == {int(c) for c in ExitCode}
    assert "pending" in table[str(int(ExitCode.CHANGES_PENDING))]
    assert "verification" in table[str(int(ExitCode.VERIFICATION_FAILED))]
    assert "rolled back" in table[str(int(ExitCode.ROLLED_BACK))]


def test_relative_links_resolve() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    assert "docs/internals.md" in links
    for link in links:
        if "://" not in link:
            assert (ROOT / link).exists(), link


def test_journal_location_is_documented() -> None:
    assert ".toolshift/history/" in README


def test_documented_commands_exist() -> None:
    from toolshift.cli.main import COMMANDS

    mentioned = set(re.findall(r"^\$ toolshift (\w+)", README, re.M))
    mentioned |= set(re.findall(r"\buv run toolshift (\w+)", README))
    assert mentioned, "the README shows no toolshift command"
    missing = sorted(mentioned - set(COMMANDS))
    assert not missing, f"README documents commands the CLI lacks: {missing}"


def _commands_section() -> dict[str, set[str]]:
    """Options the README's Commands section documents, per command."""

    section = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set[str]] = {}
    current = ""
    for line in section.splitlines():
        m = re.match(r"^`toolshift (\w+)", line)
        if m:
            current = m.group(1)
            out[current] = set()
        if current:
            out[current] |= set(re.findall(r"`(--[a-z][a-z-]*)", line))
    return out


def test_documented_options_exist(capsys: pytest.CaptureFixture[str]) -> None:
    from toolshift.cli.main import main

    documented = _commands_section()
    assert {"analyze", "migrate", "undo", "history"} <= set(documented)
    assert {"--diff", "--dry-run", "--check", "--no-lock", "--yes"} <= documented["migrate"]
    for command, options in documented.items():
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        for option in options:
            assert option in text, f"toolshift {command} has no {option}"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fresh_machine_diff_command_works_offline_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's first command, after the set-up part: prints the change, touches nothing."""

    from toolshift.cli.main import main

    argv = SETUP_AND_RUN.split(" && ")[-1].split()
    assert argv[:3] == ["uv", "run", "toolshift"]
    example = ROOT / argv[-2]
    before = _snapshot(example)
    assert main([*argv[3:-2], str(example), argv[-1]]) == 0
    out = capsys.readouterr().out
    assert "+++ b/pyproject.toml" in out
    assert '+    "fastapi==0.165.0",' in out
    assert _snapshot(example) == before
    assert not (example / ".toolshift").exists()
