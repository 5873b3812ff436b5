"""locking.read_lock_versions: the line scanner gives what a TOML parse gives, or steps aside."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from toolshift.locking import _scan_lock_versions, read_lock_versions
from toolshift.model import normalize_name

REPO = Path(__file__).resolve().parent.parent
LOCKS = sorted(
    [
        REPO / "uv.lock",
        *(REPO / "tests" / "fixtures").rglob("uv.lock"),
        *(REPO / "examples").rglob("uv.lock"),
    ]
)


def reference(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pkg in tomllib.loads(text).get("package", []):
        name, version = pkg.get("name"), pkg.get("version")
        if name and version:
            out[normalize_name(str(name))] = str(version)
    return out


def test_there_are_real_locks_to_compare() -> None:
    assert len(LOCKS) >= 5
    assert any(len(reference(p.read_text(encoding="utf-8"))) > 30 for p in LOCKS)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_scanner_matches_tomllib_on_real_locks(lock: Path) -> None:
    text = lock.read_text(encoding="utf-8")
    scanned = _scan_lock_versions(text)
    assert scanned is not None  # uv's own layout: the fast path applies
    assert scanned == reference(text)
    assert read_lock_versions(text) == reference(text)


BASE = """\
version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "Alpha_Pkg"
version = "1.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "beta" },
]
wheels = [
    { url = "https://files/alpha-1.2.0-py3-none-any.whl", hash = "sha256:00" },
]

[package.optional-dependencies]
name = [
    { name = "gamma" },
]

[[package]]
name = "beta"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "project"
source = { virtual = "." }

[package.metadata]
requires-dist = [{ name = "alpha-pkg", specifier = ">=1" }]

[[package]]
name = "beta"
version = "3.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.13'"]

[manifest]
members = ["project"]
"""


def test_layout_details_match_tomllib() -> None:
    scanned = _scan_lock_versions(BASE)
    # normalised names, a project without a version left out, a forked package's last version
    assert scanned == {"alpha-pkg": "1.2.0", "beta": "3.0"}
    assert scanned == reference(BASE)


@pytest.mark.parametrize(
    "text",
    [
        BASE.replace("\n", "\r\n"),
        BASE.replace('name = "beta"\nversion = "2.0"', 'name = "be\\u0074a"\nversion = "2.0"'),
        BASE.replace('version = "2.0"', 'version = "2.0" # a comment'),
        BASE.replace('version = "2.0"', "version = '2.0'"),
        BASE.replace(
            '[[package]]\nname = "beta"\nversion = "2.0"',
            '[[ package ]]\nname = "beta"\nversion = "2.0"',
        ),
        BASE.replace('name = "project"\n', ""),
        BASE.replace(
            'name = "beta"\nversion = "2.0"', 'name = "beta"\nname = "beta"\nversion = "2.0"'
        ),
    ],
    ids=["crlf", "escape", "comment", "literal", "spaced-header", "no-name", "duplicate-key"],
)
def test_unfamiliar_layouts_fall_back_to_tomllib(text: str) -> None:
    assert _scan_lock_versions(text) is None
    try:
        expected = reference(text)
    except tomllib.TOMLDecodeError:
        with pytest.raises(tomllib.TOMLDecodeError):
            read_lock_versions(text)
    else:
        assert read_lock_versions(text) == expected
