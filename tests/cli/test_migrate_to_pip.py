"""toolshift migrate --to pip, end to end through the CLI: the flags reach the planner (same
files as the planner's fixture pairs), usage errors explain themselves, --help teaches, undo
restores; a project without uv.lock is locked first in a temporary copy (slow: real uv against
the local wheelhouse)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from toolshift.categories import parse_category
from toolshift.cli.main import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "to_pip"

# the planner's fixture pairs (tests/planners/test_to_pip.py), as command-line flags
CASES: dict[str, tuple[str, list[str]]] = {
    "sources_exact": ("sources", []),
    "sources_hashes": ("sources", ["--hashes"]),
    "sources_compatible": ("sources", ["--pin", "compatible"]),
    "sources_keep_pyproject": ("sources", ["--keep-pyproject"]),
    "forks_exact": ("forks", ["--pin", "exact"]),
    "forks_minor_extras": ("forks", ["--pin", "minor", "--extras"]),
    "forks_declared_keep": ("forks", ["--pin", "declared", "--keep-pyproject"]),
    "groups_extras": ("groups", ["--extras"]),
}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.relative_to(root).parts
    }


def copy_input(source: str, dest: Path) -> Path:
    root = dest / source
    shutil.copytree(FIXTURES / source / "input", root)
    return root


# --------------------------------------------------------------------------- flags -> files


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_flags_write_the_planners_files_and_undo_restores(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, flags = CASES[case]
    root = copy_input(source, tmp_path)
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), *flags, "--yes"]) == 0
    assert "applied" in capsys.readouterr().out
    assert tree(root) == tree(FIXTURES / "expected" / case)
    assert main(["history", str(root), "--format", "json"]) == 0
    command = json.loads(capsys.readouterr().out)["entries"][-1]["command"]
    for flag in flags:
        assert flag in command  # the journal says how the files were made
    assert main(["undo", str(root)]) == 0
    assert tree(root) == before


def test_review_modes_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_input("groups", tmp_path)
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--check"]) == 1
    assert main(["migrate", "--to", "pip", str(root), "--diff", "--extras"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/requirements-cli.txt" in out and "--- a/uv.lock" in out
    assert main(["migrate", "--to", "pip", str(root), "--dry-run", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    changes = {c["path"]: c for c in doc["changes"]}
    assert "requirements-cli.txt" not in changes  # extras only with --extras
    assert changes["uv.lock"]["change"] == "delete" and changes["uv.lock"]["rules"] == ["TS122"]
    assert tree(root) == before
    assert not (root / ".toolshift").exists()


def test_keep_pyproject_keeps_project_and_groups_but_not_tool_uv(tmp_path: Path) -> None:
    import tomllib

    root = copy_input("groups", tmp_path)
    python_version = (root / ".python-version").read_bytes()
    assert main(["migrate", "--to", "pip", str(root), "--keep-pyproject", "--yes"]) == 0
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["project"]["name"] == "orders" and "dev" in data["dependency-groups"]
    assert "uv" not in data["tool"] and "pytest" in data["tool"]
    assert (root / ".python-version").read_bytes() == python_version
    assert not (root / "uv.lock").exists()


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize("pin", ["compatible", "minor", "declared"])
def test_hashes_with_a_pin_that_is_not_exact_is_a_usage_error(
    pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_input("sources", tmp_path)
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--hashes", "--pin", pin, "--yes"]) == 2
    err = capsys.readouterr().err
    assert f"--hashes needs --pin exact, not --pin {pin}" in err
    assert "hint:" in err and "--pin exact --hashes" in err
    assert tree(root) == before


def test_hashes_against_a_pin_table_names_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_input("groups", tmp_path)  # [tool.toolshift.pin]: testing = "compatible"
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--hashes", "--yes"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"--hashes needs exact pins, but \S+ is pinned '(compatible|minor)'", err)
    assert "[tool.toolshift.pin]" in err
    assert tree(root) == before


@pytest.mark.parametrize(
    "flags", [["--pin", "exact"], ["--hashes"], ["--extras", "--keep-pyproject"]]
)
def test_pip_flags_with_another_target_are_a_usage_error(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha==1.0\n")
    assert main(["migrate", "--to", "uv", str(tmp_path), *flags, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "only for --to pip" in err and flags[0] in err


# --------------------------------------------------------------------------- help


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_to_pip_help_teaches_pins_config_files_and_undo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from toolshift.planners.to_pip import version_spec

    out = _help(["migrate", "--to", "pip", "--help"], capsys)
    # each policy with an example that is what the planner writes for fastapi 0.111.0
    for policy in ("exact", "compatible", "minor"):
        assert re.search(
            rf"^  {policy} +fastapi{re.escape(version_spec(policy, '0.111.0'))} ", out, re.M
        )
    assert re.search(r"^  declared +fastapi>=", out, re.M)
    assert "[tool.toolshift.pin]" in out and 'packages = { ruff = "declared"' in out
    # the category names the help lists are ones [tool.toolshift.pin] accepts
    listed = re.search(r"categories: (.*?)\):", out, re.S)
    assert listed
    for name in " ".join(listed.group(1).split()).split(", "):
        assert parse_category(name) is not None, name
    for rule in ("TS121", "TS122", "TS123", "TS124"):
        assert rule in out
    assert "uv.lock is deleted" in out and ".python-version is kept" in out
    assert "--keep-pyproject keeps both" in out and "always, --keep-pyproject too" in out
    assert "no uv.lock?" in out and "toolshift undo PATH" in out
    # the general help is still there for everything else
    assert "--to pip (see `toolshift migrate --to pip --help`)" in out


def test_general_help_points_at_to_pip_help(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["migrate", "--help"], capsys)
    assert "TS101" in out and "see `toolshift migrate --to pip --help`" in out
    assert "[tool.toolshift.pin]" in out  # in --pin's own help
    assert "pin policies" not in out  # the long --to pip text only with --to pip
    assert _help(["migrate", "--to", "uv", "-h"], capsys) == out


# --------------------------------------------------------------------------- no uv.lock (slow)


def uv_project(root: Path, extra: str = "", deps: str = '"beta", "alpha<2"') -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = [{deps}]\n"
        '[dependency-groups]\ndev = ["devtool"]\n'
        "[tool.uv]\npackage = false\n" + extra
    )
    (root / ".python-version").write_text("3.11\n")
    return root


def offline(wheelhouse: Path) -> list[str]:
    return ["--offline", "--find-links", str(wheelhouse)]


@pytest.mark.slow
def test_no_lock_is_locked_in_a_copy_and_the_plan_says_so(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = uv_project(tmp_path / "svc")
    before = tree(root)
    argv = ["migrate", "--to", "pip", str(root), "--dry-run", *offline(wheelhouse)]
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fresh = [d for d in doc["diagnostics"] if d["code"] == "pip-fresh-lock"]
    assert len(fresh) == 1 and "fresh `uv lock` (3 package(s)" in fresh[0]["message"]
    assert "no uv.lock is written" in fresh[0]["message"]
    assert "uv.lock" not in {c["path"] for c in doc["changes"]}  # nothing to delete
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "pip-fresh-lock" in out and "temporary copy" in out
    assert tree(root) == before  # no uv.lock, nothing else either
    assert main(["migrate", "--to", "pip", str(root), "--diff", *offline(wheelhouse)]) == 0
    out = capsys.readouterr().out
    # the newest versions the requirements allow, from the wheelhouse
    for line in ("+alpha==1.1.0", "+beta==1.2", "+devtool==3.0"):
        assert line in out


@pytest.mark.slow
def test_no_lock_apply_then_undo(tmp_path: Path, wheelhouse: Path) -> None:
    """The project's own [tool.uv] index settings are honoured in the copy (no CLI flags)."""

    extra = f'no-index = true\nfind-links = ["{wheelhouse.as_posix()}"]\n'
    root = uv_project(tmp_path / "svc", extra=extra)
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--yes"]) == 0
    after = tree(root)
    assert "alpha==1.1.0" in after["requirements.txt"].decode()
    assert "--no-index\n" in after["requirements.txt"].decode()  # as uv locked: no PyPI
    assert "devtool==3.0" in after["requirements-dev.txt"].decode()
    assert "pyproject.toml" not in after and "uv.lock" not in after
    assert after[".python-version"] == b"3.11\n"
    assert main(["undo", str(root)]) == 0
    assert tree(root) == before


@pytest.mark.slow
def test_no_lock_copies_path_sources_outside_the_project(tmp_path: Path, wheelhouse: Path) -> None:
    lib = tmp_path / "libs" / "mylib"
    lib.mkdir(parents=True)
    (lib / "pyproject.toml").write_text(
        '[project]\nname = "mylib"\nversion = "0.3.0"\ndependencies = ["delta"]\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    wheels = tmp_path / "svc" / "wheels"
    shutil.copytree(wheelhouse, wheels)
    extra = (
        'no-index = true\nfind-links = ["wheels"]\n'
        '[tool.uv.sources]\nmylib = { path = "../libs/mylib" }\n'
    )
    root = uv_project(tmp_path / "svc", extra=extra, deps='"beta", "mylib"')
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--yes", "--offline"]) == 0
    text = (root / "requirements.txt").read_text()
    assert "../libs/mylib" in text and "delta==1.0" in text and "beta==1.2" in text
    assert "toolshift-lock-" not in text  # no path into the temporary copy survives
    assert main(["undo", str(root)]) == 0
    assert tree(root) == before


@pytest.mark.slow
def test_no_lock_that_cannot_be_made_changes_nothing(
    tmp_path: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = uv_project(tmp_path / "svc", deps='"alpha==9.9"')
    before = tree(root)
    assert main(["migrate", "--to", "pip", str(root), "--yes", *offline(wheelhouse)]) == 2
    err = capsys.readouterr().err
    assert "uv lock failed" in err and "alpha" in err
    assert tree(root) == before
    assert not (root / ".toolshift").exists()
