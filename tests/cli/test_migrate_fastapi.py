"""`toolshift migrate --to fastapi` through the CLI: the codemod sees the service's sources."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from toolshift.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask-service"


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".toolshift" not in p.parts
    }


def test_fastapi_plan_apply_undo_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = tmp_path / "svc"
    shutil.copytree(EXAMPLE, svc)
    before = _tree(svc)

    assert main(["migrate", "--to", "fastapi", str(svc), "--check"]) == 1
    assert _tree(svc) == before
    out = capsys.readouterr().out
    assert "FF001" in out and "_flask_compat.py" in out

    assert main(["migrate", "--to", "fastapi", str(svc), "--yes"]) == 0
    after = _tree(svc)
    assert after != before
    assert "FastAPI(" in (svc / "shop" / "__init__.py").read_text()
    assert main(["migrate", "--to", "fastapi", str(svc), "--check"]) == 0

    assert main(["undo", str(svc), "--yes"]) == 0
    assert _tree(svc) == before
