"""installers: pip and uv behind one interface, tried for real against the local wheelhouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolshift.errors import ToolError
from toolshift.installers import (
    Env,
    PipInstaller,
    UvInstaller,
    get_installer,
    inspect_env,
    python_version,
)
from toolshift.tools import find_uv, run


def _wheelhouse_project(root: Path, wheelhouse: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["beta==1.0", "gamma[fast]"]\n'
        '[dependency-groups]\ndev = ["devtool==3.0"]\n'
        f'[tool.uv]\npackage = false\nno-index = true\nfind-links = ["{wheelhouse.as_posix()}"]\n'
    )
    done = run([find_uv().path, "lock", "--offline"], cwd=root, timeout=120)
    assert done.returncode == 0, done.output
    return root


def test_get_installer_names() -> None:
    assert get_installer("uv").name == "uv"
    assert get_installer("pip").name == "pip"
    with pytest.raises(ToolError, match="no installer"):
        get_installer("conda")


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_install_requirements_then_list_and_check(
    tool: str, tmp_path: Path, wheelhouse: Path
) -> None:
    inst = get_installer(tool)
    (tmp_path / "requirements.txt").write_text("beta==1.0\nalpha==1.1.0\n")
    env = inst.create_env(tmp_path / "env", offline=True)
    assert env.python.exists()
    assert python_version(env).startswith("3.")
    step = inst.install_requirements(
        env, ["requirements.txt"], cwd=tmp_path, find_links=[wheelhouse], no_index=True
    )
    assert step.seconds > 0 and "requirements.txt" in step.command
    got = inst.installed(env)
    assert got["alpha"] == "1.1.0" and got["beta"] == "1.0"
    if tool == "uv":
        assert "pip" not in got  # uv's environment is not seeded
    else:
        assert "pip" in got and inst.version(env)
    assert inst.pip_check(env).ok


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_failed_install_keeps_the_tools_output(tool: str, tmp_path: Path, wheelhouse: Path) -> None:
    inst = get_installer(tool)
    (tmp_path / "requirements.txt").write_text("alpha==9.9\n")
    env = inst.create_env(tmp_path / "env", offline=True)
    with pytest.raises(ToolError) as err:
        inst.install_requirements(
            env, ["requirements.txt"], cwd=tmp_path, find_links=[wheelhouse], no_index=True
        )
    assert "alpha" in err.value.output and "requirements.txt" in err.value.output
    assert f"{tool} " in err.value.message or "pip install" in err.value.message


@pytest.mark.slow
def test_uv_sync_project_groups(tmp_path: Path, wheelhouse: Path) -> None:
    root = _wheelhouse_project(tmp_path / "svc", wheelhouse)
    inst = UvInstaller()
    env = inst.create_env(tmp_path / "all")
    inst.sync_project(env, root, offline=True)
    assert inst.installed(env) == {
        "alpha": "2.0.0",
        "beta": "1.0",
        "gamma": "0.9",
        "delta": "1.0",
        "devtool": "3.0",
    }
    runtime = inst.create_env(tmp_path / "runtime")
    inst.sync_project(runtime, root, groups=(), offline=True)
    assert "devtool" not in inst.installed(runtime)
    # Nothing was written into the project: the environment lives elsewhere.
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml", "uv.lock"]


@pytest.mark.slow
def test_pip_installs_a_uv_project_through_export(tmp_path: Path, wheelhouse: Path) -> None:
    root = _wheelhouse_project(tmp_path / "svc", wheelhouse)
    pip = PipInstaller()
    env = pip.create_env(tmp_path / "env", offline=True)
    pip.sync_project(env, root, find_links=[wheelhouse], no_index=True, offline=True)
    got = pip.installed(env)
    assert {k: got[k] for k in ("alpha", "beta", "gamma", "delta", "devtool")} == {
        "alpha": "2.0.0",
        "beta": "1.0",
        "gamma": "0.9",
        "delta": "1.0",
        "devtool": "3.0",
    }


@pytest.mark.slow
def test_uv_sync_locked_refuses_a_stale_lock(tmp_path: Path, wheelhouse: Path) -> None:
    root = _wheelhouse_project(tmp_path / "svc", wheelhouse)
    text = (root / "pyproject.toml").read_text().replace("beta==1.0", "beta==1.2")
    (root / "pyproject.toml").write_text(text)
    inst = UvInstaller()
    env = inst.create_env(tmp_path / "env")
    with pytest.raises(ToolError, match="uv sync failed") as err:
        inst.sync_project(env, root, offline=True)
    assert "--locked" in err.value.output


@pytest.mark.slow
def test_pip_check_reports_a_missing_dependency(tmp_path: Path, wheelhouse: Path) -> None:
    inst = UvInstaller()
    (tmp_path / "requirements.txt").write_text("beta==1.0\n")
    env = inst.create_env(tmp_path / "env")
    inst.install_requirements(
        env, ["requirements.txt"], cwd=tmp_path, find_links=[wheelhouse], offline=True
    )
    run([find_uv().path, "pip", "uninstall", "--python", str(env.python), "alpha"], check=True)
    outcome = inst.pip_check(env)
    assert not outcome.ok and "alpha" in outcome.output


@pytest.mark.slow
def test_inspect_env_reads_top_level_modules(tmp_path: Path, wheelhouse: Path) -> None:
    inst = UvInstaller()
    (tmp_path / "requirements.txt").write_text("gamma[fast]\n")
    env = inst.create_env(tmp_path / "env")
    inst.install_requirements(
        env, ["requirements.txt"], cwd=tmp_path, find_links=[wheelhouse], offline=True
    )
    info = inspect_env(env)
    gamma = info.get("Gamma")
    assert gamma is not None and gamma.top_level == ("gamma",)
    assert gamma.requires == ('delta>=1.0; extra == "fast"',)
    assert info.markers["python_version"] == ".".join(info.python_version.split(".")[:2])
    assert info.versions == {"gamma": "0.9", "delta": "1.0"}


def test_env_paths() -> None:
    env = Env(Path("/x/env"))
    assert env.python.parent == env.bin_dir and env.bin_dir.parent == Path("/x/env")
