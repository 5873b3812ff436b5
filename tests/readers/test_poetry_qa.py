"""readers.poetry: defects found by migrating realistic Poetry services (QA pass)."""

from __future__ import annotations

from packaging.markers import Marker

from toolshift.readers.poetry import platform_marker, read_poetry

PLATFORM = """\
[tool.poetry]
name = "billing"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.11"
tzdata = { version = "*", platform = "win32" }
pywin32 = { version = "^306", platform = "win32 || cygwin", python = ">=3.11" }
httpx = "^0.27"
"""


def _runtime(text: str) -> dict[str, str | None]:
    data = read_poetry(text)
    runtime = next(g for g in data.groups if g.name == "runtime")
    return {r.name: r.marker for r in runtime.requirements}


def test_platform_key_becomes_a_sys_platform_marker() -> None:
    markers = _runtime(PLATFORM)
    assert markers["tzdata"] == 'sys_platform == "win32"'
    assert markers["httpx"] is None
    # tzdata is installed on Windows only, as Poetry did; nowhere else
    tz = Marker(markers["tzdata"] or "")
    assert tz.evaluate({"sys_platform": "win32"})
    assert not tz.evaluate({"sys_platform": "linux"})


def test_platform_alternatives_and_python_are_combined() -> None:
    marker = _runtime(PLATFORM)["pywin32"]
    assert marker is not None
    m = Marker(marker)
    assert m.evaluate({"sys_platform": "cygwin", "python_version": "3.12"})
    assert m.evaluate({"sys_platform": "win32", "python_version": "3.11"})
    assert not m.evaluate({"sys_platform": "win32", "python_version": "3.10"})
    assert not m.evaluate({"sys_platform": "linux", "python_version": "3.12"})


def test_platform_marker_shapes() -> None:
    assert platform_marker("linux") == 'sys_platform == "linux"'
    assert platform_marker("win32 || darwin") == (
        'sys_platform == "win32" or sys_platform == "darwin"'
    )
