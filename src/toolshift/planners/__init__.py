"""Planners decide what the target files should be, from the model. Pure: no I/O.

``PLANNERS`` maps a ``--to`` target to ``"module:function"``; each function has the signature
``(detected: Detected, options: MigrateOptions) -> Plan`` and is imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from toolshift.model import Detected, MigrateOptions, Plan

PLANNERS: dict[str, str] = {
    "uv": "toolshift.planners.to_uv:plan_to_uv",
    "pip": "toolshift.planners.to_pip:plan_to_pip",
    "fastapi": "toolshift.planners.to_fastapi:plan_to_fastapi",
}


def get_planner(target: str) -> Callable[[Detected, MigrateOptions], Plan]:
    module, func = PLANNERS[target].split(":")
    fn: Callable[[Detected, MigrateOptions], Plan] = getattr(importlib.import_module(module), func)
    return fn
