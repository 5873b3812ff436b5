"""locking: uv lock against the local wheelhouse keeps today's pins; failures explain why."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from toolshift.errors import ToolError
from toolshift.locking import (
    compare,
    excluded_pins,
    pins_for,
    read_lock_versions,
    run_uv_lock,
    stated_pins,
)
from toolshift.model import (
    DependencyGroup,
    Detected,
    GroupKind,
    PostAction,
    PostActionKind,
    Project,
    Requirement,
    Severity,
    Tool,
)

ACTION = PostAction(PostActionKind.UV_LOCK, "uv lock", produces=("uv.lock",))


def write_project(root: Path, deps: list[str], extra: str = "") -> bytes:
    text = (
        "[project]\n"
        'name = "svc"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = {deps!r}\n".replace("'", '"')
        + "\n[tool.uv]\npackage = false\n"
        + extra
    )
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(text)
    return text.encode()


def offline(wheelhouse: Path) -> list[str]:
    return ["--offline", "--no-index", "--find-links", str(wheelhouse)]


def locked(root: Path) -> dict[str, str]:
    return read_lock_versions((root / "uv.lock").read_text())


# --------------------------------------------------------------------------- pure parts


def test_pins_for_takes_locked_and_exact_pins() -> None:
    g = DependencyGroup(
        "runtime",
        GroupKind.RUNTIME,
        requirements=(
            Requirement("Alpha", "==1.1.0"),
            Requirement("beta", ">=1"),
            Requirement("win", "==1", marker="sys_platform == 'win32'"),
        ),
        constraints=(Requirement("delta", "==1.0"),),
    )
    p = Project(root="/x", name="x", tool=Tool.PIP_TOOLS, groups=(g,), locked={"gamma": "0.9"})
    assert pins_for(Detected(project=p)) == {"gamma": "0.9", "alpha": "1.1.0", "delta": "1.0"}


def test_excluded_pins() -> None:
    text = '[project]\ndependencies = ["alpha>=2", "beta", "gamma<1; os_name == \'nt\'"]\n'
    pins = {"alpha": "1.1.0", "beta": "1.0", "gamma": "1.5"}
    assert excluded_pins(text, pins) == {"alpha": "1.1.0"}


def test_stated_pins() -> None:
    text = (
        '[project]\ndependencies = ["Alpha==1.1.0", "beta>=1", "c==1.*"]\n'
        '[dependency-groups]\ndev = ["devtool===3.0", {include-group = "x"}]\n'
        '[tool.uv]\nconstraint-dependencies = ["delta==1.0"]\n'
    )
    assert stated_pins(text) == {"alpha": "1.1.0", "devtool": "3.0", "delta": "1.0"}


def test_compare_names_every_moved_pin() -> None:
    result = compare(
        {"alpha": "1.1.0", "beta": "1.0", "gone": "1"}, {"alpha": "2.0.0", "beta": "1.0.0"}
    )
    assert result.moved == (("alpha", "1.1.0", "2.0.0"),)
    assert result.kept == ("beta",)  # 1.0 == 1.0.0 as versions
    [diag] = result.diagnostics
    assert diag.severity is Severity.WARNING
    assert "alpha" in diag.message and "1.1.0" in diag.message and "2.0.0" in diag.message


# --------------------------------------------------------------------------- real uv lock


@pytest.mark.slow
def test_direct_pin_is_kept(tmp_path: Path, wheelhouse: Path) -> None:
    write_project(tmp_path, ["alpha==1.1.0", "beta"])
    result = run_uv_lock(tmp_path, ACTION, {"alpha": "1.1.0"}, extra_args=offline(wheelhouse))
    assert locked(tmp_path)["alpha"] == "1.1.0"
    assert result.moved == () and result.kept == ("alpha",)
    assert not result.used_preferences  # nothing transitive to carry


@pytest.mark.slow
def test_without_pins_uv_takes_the_newest(tmp_path: Path, wheelhouse: Path) -> None:
    # The control for the next test: the wheelhouse really offers alpha 2.0.0.
    write_project(tmp_path, ["beta"])
    run_uv_lock(tmp_path, ACTION, {}, extra_args=offline(wheelhouse))
    assert locked(tmp_path)["alpha"] == "2.0.0"


@pytest.mark.slow
def test_transitive_pin_is_kept_and_pyproject_restored(tmp_path: Path, wheelhouse: Path) -> None:
    # A pip-compile output pinned alpha==1.1.0 (beta's dependency) and beta==1.0.
    before = write_project(tmp_path, ["beta"])
    result = run_uv_lock(
        tmp_path, ACTION, {"alpha": "1.1.0", "beta": "1.0"}, extra_args=offline(wheelhouse)
    )
    versions = locked(tmp_path)
    assert versions["alpha"] == "1.1.0" and versions["beta"] == "1.0"
    assert result.used_preferences and result.moved == ()
    assert (tmp_path / "pyproject.toml").read_bytes() == before
    manifest = tomllib.loads((tmp_path / "uv.lock").read_text()).get("manifest", {})
    assert "constraints" not in manifest  # the temporary constraints left no trace


@pytest.mark.slow
def test_pin_the_new_specifiers_exclude_moves_with_a_warning(
    tmp_path: Path, wheelhouse: Path
) -> None:
    # The user raised alpha to >=2 while migrating; beta's pin still holds.
    write_project(tmp_path, ["alpha>=2", "beta"])
    result = run_uv_lock(
        tmp_path, ACTION, {"alpha": "1.1.0", "beta": "1.0"}, extra_args=offline(wheelhouse)
    )
    assert locked(tmp_path)["alpha"] == "2.0.0"
    assert locked(tmp_path)["beta"] == "1.0"
    assert result.moved == (("alpha", "1.1.0", "2.0.0"),)
    assert result.used_preferences
    [diag] = result.diagnostics
    assert diag.severity is Severity.WARNING and "alpha 1.1.0 -> 2.0.0" in diag.message


@pytest.mark.slow
def test_pins_that_clash_transitively_fall_back_with_a_warning(
    tmp_path: Path, wheelhouse: Path
) -> None:
    # alpha==1.1.0 was pinned, but the only beta allowed now needs alpha>=2.
    from wheelhouse import WheelSpec, build_wheelhouse

    extra = build_wheelhouse(tmp_path / "more", [WheelSpec("beta", "3.0", requires=("alpha>=2",))])
    write_project(tmp_path / "svc", ["beta>=3"])
    result = run_uv_lock(
        tmp_path / "svc",
        ACTION,
        {"alpha": "1.1.0"},
        extra_args=[*offline(wheelhouse), "--find-links", str(extra)],
    )
    assert locked(tmp_path / "svc")["alpha"] == "2.0.0"
    assert not result.used_preferences
    messages = [d.message for d in result.diagnostics]
    assert any("cannot all hold" in m for m in messages)
    assert any("alpha 1.1.0 -> 2.0.0" in m for m in messages)


@pytest.mark.slow
def test_unresolvable_requirement_raises_with_uvs_message(tmp_path: Path, wheelhouse: Path) -> None:
    before = write_project(tmp_path, ["alpha==9.9"])
    with pytest.raises(ToolError) as exc:
        run_uv_lock(tmp_path, ACTION, {}, extra_args=offline(wheelhouse))
    assert "uv lock failed" in exc.value.message
    assert "alpha" in exc.value.output and "9.9" in exc.value.output
    assert not (tmp_path / "uv.lock").exists()
    assert (tmp_path / "pyproject.toml").read_bytes() == before


@pytest.mark.slow
def test_project_tool_uv_settings_are_honoured(tmp_path: Path, wheelhouse: Path) -> None:
    # No command-line index options: only the project's own [tool.uv] points at the wheels.
    write_project(
        tmp_path,
        ["beta"],
        extra=f'no-index = true\nfind-links = ["{wheelhouse.as_posix()}"]\n',
    )
    run_uv_lock(tmp_path, ACTION, {}, extra_args=["--offline"])
    assert locked(tmp_path)["beta"] == "1.2"


@pytest.mark.slow
def test_user_config_and_uv_variables_are_ignored(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "uv").mkdir(parents=True)
    (xdg / "uv" / "uv.toml").write_text('constraint-dependencies = ["alpha==1.0.0"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(xdg))  # the "system" configuration
    monkeypatch.setenv("UV_CONSTRAINT", str(tmp_path / "nope.txt"))
    project = tmp_path / "svc"
    write_project(project, ["beta"])
    run_uv_lock(project, ACTION, {}, extra_args=offline(wheelhouse))
    assert locked(project)["alpha"] == "2.0.0"
