"""Turn reader results (frozen dataclasses, str-Enums) into plain JSON for fixture files.

Set ``TOOLSHIFT_REGEN=1`` to rewrite the ``expected*.json`` files from the current output;
review every rewritten file by eye before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from enum import Enum
from pathlib import Path
from typing import Any

REGEN = os.environ.get("TOOLSHIFT_REGEN") == "1"


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n"


def check_expected(actual: Any, expected_file: Path) -> None:
    """Compare with ``expected_file``; rewrite it instead when TOOLSHIFT_REGEN=1."""

    text = dumps(actual)
    if REGEN:
        expected_file.write_text(text, encoding="utf-8")
    assert expected_file.exists(), f"{expected_file} is missing; run with TOOLSHIFT_REGEN=1"
    assert json.loads(text) == json.loads(expected_file.read_text(encoding="utf-8"))
