"""shadow_lock: ``uv lock`` started early in a copy locks exactly as in the project, and is
dropped (cancelled, nothing left behind) whenever the plan turns out to lock something else."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from toolshift import shadow_lock, tools
from toolshift.cli.main import main
from toolshift.errors import ToolError
from toolshift.model import FileChange
from toolshift.shadow_lock import ShadowLock, lock_inputs, unsafe_reason

BASE = '[project]\nname = "svc"\nversion = "0"\nrequires-python = ">=3.11"\n'


def inputs(extra: str = "", **files: bytes) -> dict[str, bytes]:
    return {"pyproject.toml": (BASE + extra).encode(), **files}


# --------------------------------------------------------------------------- what is safe


def test_a_plain_project_is_safe(tmp_path: Path) -> None:
    extra = (
        'dependencies = ["alpha==1"]\n[tool.uv]\npackage = false\nfind-links = ["/abs/wheels"]\n'
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://pypi.example/simple"\n'
        '[tool.uv.sources]\nalpha = { git = "https://example/alpha.git", tag = "v1" }\n'
    )
    assert unsafe_reason(tmp_path, inputs(extra)) is None


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ('dependencies = ["lib"]\n[tool.uv.sources]\nlib = { path = "../lib" }\n', "path"),
        ("[tool.uv.workspace]\nmembers = ['a']\n", "workspace"),
        ('[tool.uv]\nfind-links = ["wheels"]\n', "find-links"),
        ('[[tool.uv.index]]\nname = "x"\nurl = "./mirror"\n', "relative path"),
        ('dependencies = ["lib @ file:./lib"]\n', "file:"),
        ('dynamic = ["version"]\n', "dynamic"),
        ('[tool.uv]\ncache-dir = ".cache"\n', "cache-dir"),
    ],
)
def test_what_depends_on_the_folder_is_not_shadowed(
    tmp_path: Path, extra: str, reason: str
) -> None:
    got = unsafe_reason(tmp_path, inputs(extra))
    assert got is not None and reason in got


def test_no_requires_python_is_not_shadowed_next_to_a_venv(tmp_path: Path) -> None:
    data = {"pyproject.toml": b'[project]\nname = "svc"\nversion = "0"\n'}
    assert unsafe_reason(tmp_path, data) is None  # uv picks the same interpreter in the copy
    (tmp_path / ".venv").mkdir()
    got = unsafe_reason(tmp_path, data)
    assert got is not None and ".venv" in got


def test_a_parent_pyproject_is_not_shadowed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.uv.workspace]\nmembers = ['svc']\n")
    (tmp_path / "svc").mkdir()
    got = unsafe_reason(tmp_path / "svc", inputs())
    assert got is not None and "parent folder" in got


def test_lock_inputs_are_the_files_after_the_plan(tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text("# on disk, not detected\n")
    contents = {"pyproject.toml": b"old", ".python-version": b"3.12\n", "requirements.txt": b"x"}
    changes = [
        FileChange("pyproject.toml", b"old", b"new"),
        FileChange(".python-version", b"3.12\n", None),
        FileChange("requirements.txt", b"x", None),
    ]
    assert lock_inputs(tmp_path, contents, changes) == {
        "pyproject.toml": b"new",
        "uv.toml": b"# on disk, not detected\n",
    }


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOOLSHIFT_SHADOW_LOCK", "0")
    assert ShadowLock.start(tmp_path, inputs(), {}) is None


# --------------------------------------------------------------------------- cancelling


def test_cancel_token_kills_a_running_command() -> None:
    token = tools.CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    start = time.monotonic()
    with pytest.raises(tools.Cancelled):
        tools.run([sys.executable, "-c", "import time; time.sleep(30)"], cancel=token)
    assert time.monotonic() - start < 10
    with pytest.raises(tools.Cancelled):  # and nothing runs with it afterwards
        tools.run([sys.executable, "-c", "pass"], cancel=token)


def _shadows() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("toolshift-shadow-*")}


# --------------------------------------------------------------------------- end to end


def _project(root: Path, wheelhouse: Path, files: dict[str, str]) -> Path:
    header = f"--no-index\n--find-links {wheelhouse.as_posix()}\n"
    root.mkdir(parents=True)
    for rel, text in files.items():
        (root / rel).write_text(text.replace("{header}", header))
    return root


def _migrate(root: Path, shadow: bool, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("TOOLSHIFT_SHADOW_LOCK", "1" if shadow else "0")
    return main(["migrate", "--to", "uv", str(root), "--yes", "--offline"])


PIP_COMPILE = {
    # Transitive pins: the lock runs twice (temporary constraints, then the real pyproject).
    "requirements.in": "{header}beta\ngamma[fast]\n",
    "requirements.txt": (
        "alpha==1.1.0\n    # via beta\nbeta==1.0\n    # via -r requirements.in\n"
        "delta==1.0\ngamma[fast]==0.9\n"
    ),
    "requirements-dev.txt": "-r requirements.txt\ndevtool==3.0\n",
    ".python-version": "3.11\n",
}


NO_VERSION = {k: v for k, v in PIP_COMPILE.items() if k != ".python-version"}


@pytest.mark.slow
@pytest.mark.parametrize("files", [PIP_COMPILE, NO_VERSION], ids=["python-version", "none"])
def test_shadow_lock_writes_the_same_uv_lock_as_locking_in_place(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    calls: list[str] = []
    real_start = ShadowLock.start.__func__  # type: ignore[attr-defined]

    def spy(cls: type[ShadowLock], *args: object, **kwargs: object) -> ShadowLock | None:
        got = real_start(cls, *args, **kwargs)
        calls.append("started" if got is not None else "declined")
        return got  # type: ignore[no-any-return]

    monkeypatch.setattr(ShadowLock, "start", classmethod(spy))
    used: list[bool] = []
    real_result = ShadowLock.result

    def result_spy(self: ShadowLock) -> object:
        used.append(True)
        return real_result(self)

    monkeypatch.setattr(ShadowLock, "result", result_spy)
    here = _project(tmp_path / "a" / "svc", wheelhouse, files)
    shadowed = _project(tmp_path / "b" / "svc", wheelhouse, files)
    assert _migrate(here, False, monkeypatch) == 0
    assert calls == []
    assert _migrate(shadowed, True, monkeypatch) == 0
    assert calls == ["started"] and used == [True]  # uv.lock came from the shadow
    lock = (shadowed / "uv.lock").read_bytes()
    assert lock == (here / "uv.lock").read_bytes()
    assert b'name = "alpha"\nversion = "1.1.0"' in lock  # the transitive pin held
    assert (shadowed / "pyproject.toml").read_bytes() == (here / "pyproject.toml").read_bytes()
    # The write is journaled like uv's own: undo takes uv.lock away again.
    assert main(["undo", str(shadowed), "--yes"]) == 0
    assert not (shadowed / "uv.lock").exists()
    assert (shadowed / "requirements.txt").exists()


@pytest.mark.slow
def test_an_ad_hoc_package_in_the_dockerfile_drops_the_shadow(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "requirements.txt": "{header}alpha==1.1.0\n",
        ".python-version": "3.11\n",
        "Dockerfile": (
            "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nRUN pip install devtool==3.0\n"
            'COPY . .\nCMD ["python", "app.py"]\n'
        ),
    }
    used: list[bool] = []
    real_result = ShadowLock.result

    def spy(self: ShadowLock) -> object:
        used.append(True)
        return real_result(self)

    monkeypatch.setattr(ShadowLock, "result", spy)
    before = _shadows()
    root = _project(tmp_path / "svc", wheelhouse, files)
    assert _migrate(root, True, monkeypatch) == 0
    assert not used  # the preview lacked devtool: the plan's lock ran in the project instead
    lock = (root / "uv.lock").read_text()
    assert 'name = "devtool"' in lock and 'name = "alpha"\nversion = "1.1.0"' in lock
    assert _shadows() <= before


@pytest.mark.slow
def test_a_failing_shadow_lock_rolls_back_and_names_the_project(
    tmp_path: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _project(tmp_path / "svc", wheelhouse, {"requirements.txt": "{header}alpha==9.9\n"})
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    assert _migrate(root, True, monkeypatch) == 4
    err = capsys.readouterr().err
    assert "uv lock failed" in err and "9.9" in err
    assert "toolshift-shadow-" not in err
    assert {p.name: p.read_bytes() for p in root.iterdir() if p.name != ".toolshift"} == before


@pytest.mark.slow
def test_declining_cancels_the_shadow_and_leaves_nothing(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "svc", wheelhouse, {"requirements.txt": "{header}alpha==1.1.0\n"})
    before_files = {p.name: p.read_bytes() for p in root.iterdir()}
    before = _shadows()
    monkeypatch.setattr("toolshift.cli.common.confirm", lambda *a, **k: False)
    monkeypatch.setenv("TOOLSHIFT_SHADOW_LOCK", "1")
    assert main(["migrate", "--to", "uv", str(root), "--offline"]) == 0
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before_files
    assert _shadows() <= before


@pytest.mark.slow
def test_shadow_result_is_the_lock_of_its_inputs(tmp_path: Path, wheelhouse: Path) -> None:
    extra = (
        'dependencies = ["beta"]\n[tool.uv]\npackage = false\nno-index = true\n'
        f'find-links = ["{wheelhouse.as_posix()}"]\n'
    )
    shadow = ShadowLock.start(tmp_path, inputs(extra), {"alpha": "1.0.0"}, ["--offline"])
    assert shadow is not None
    assert shadow.matches(inputs(extra)) and not shadow.matches(inputs(extra + "\n"))
    result, data = shadow.result()
    assert result.versions["alpha"] == "1.0.0" and result.used_preferences
    assert b'name = "beta"' in data
    assert not any(tmp_path.iterdir())  # the project folder was never touched


def test_a_tool_error_names_the_project_not_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shadow = ShadowLock(tmp_path, inputs(), {})
    folder = tempfile.mkdtemp(prefix="toolshift-shadow-test-")
    err = ToolError(f"uv lock failed in {folder}", output=f"{folder}/pyproject.toml: bad")

    def boom(*args: object, **kwargs: object) -> None:
        raise err

    monkeypatch.setattr(shadow_lock, "run_uv_lock", boom)
    monkeypatch.setattr(shadow_lock.tempfile, "mkdtemp", lambda prefix: folder)
    shadow._thread.start()
    with pytest.raises(ToolError) as raised:
        shadow.result()
    assert str(tmp_path) in raised.value.message and folder not in raised.value.output


def _timings(err: str) -> list[tuple[float, str]]:
    lines = err.split("toolshift timings (ms since toolshift started):\n", 1)[1].splitlines()
    out = []
    for line in lines:
        at, _, event = line.strip().partition("  ")
        out.append((float(at), event))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("shadow", [True, False], ids=["shadow", "in-place"])
def test_timings_say_when_uv_lock_ran(
    tmp_path: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shadow: bool,
) -> None:
    from toolshift import timings

    monkeypatch.setattr(timings, "_EVENTS", [])
    monkeypatch.setenv("TOOLSHIFT_TIMINGS", "1")
    root = _project(tmp_path / "svc", wheelhouse, {"requirements.txt": "{header}alpha==1.1.0\n"})
    assert _migrate(root, shadow, monkeypatch) == 0
    got = _timings(capsys.readouterr().err)
    events = [e for _, e in got]
    where = "(shadow copy)" if shadow else "(in the project)"
    started = events.index(f"uv lock started {where}")
    finished = events.index(f"uv lock finished{' (shadow copy)' if shadow else ''}")
    assert events.index("arguments parsed") < events.index("detected 1 file(s)") < started
    assert started < finished < next(i for i, e in enumerate(events) if e.startswith("applied"))
    assert events[-1] == "done"
    assert [at for at, _ in got] == sorted(at for at, _ in got)
    if shadow:  # the lock starts before the plan is finished, not after it is shown
        assert started < events.index("planned")
    else:
        assert events.index("plan shown") < started


def test_no_timings_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TOOLSHIFT_TIMINGS", raising=False)
    root = tmp_path / "svc"
    root.mkdir()
    (root / "requirements.txt").write_text("alpha==1.1.0\n")
    assert main(["migrate", "--to", "uv", str(root), "--dry-run", "--no-lock"]) == 0
    assert "timings" not in capsys.readouterr().err
