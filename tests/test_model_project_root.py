"""Requirement.is_project_root: the project installing itself is not a path dependency, in the
planner (no [tool.uv.sources] entry) and in the rewriters (no --no-install-local layer) alike."""

from __future__ import annotations

import pytest

from toolshift.model import DependencyGroup, GroupKind, Project, Requirement, SourceKind, Tool
from toolshift.rewriters import RewriteContext


def _path(url: str) -> Requirement:
    return Requirement("x", url=url, source=SourceKind.PATH, editable=True)


@pytest.mark.parametrize(
    "url", [".", "./", "file:.", "file://.", "${PROJECT_ROOT}", "$PROJECT_ROOT/", ".#egg=svc"]
)
def test_the_project_itself(url: str) -> None:
    assert _path(url).is_project_root


@pytest.mark.parametrize("url", ["./libs/common", "../lib", "file:libs/x", "${PROJECT_ROOT}/libs"])
def test_a_local_dependency(url: str) -> None:
    assert not _path(url).is_project_root


def test_a_registry_requirement_is_not_the_project() -> None:
    assert not Requirement("fastapi", "==0.110.0").is_project_root


@pytest.mark.parametrize(("url", "expected"), [("${PROJECT_ROOT}", False), ("./libs/c", True)])
def test_rewrite_context_path_sources(url: str, expected: bool) -> None:
    group = DependencyGroup("", GroupKind.RUNTIME, requirements=(_path(url),))
    project = Project(root="/svc", name="svc", tool=Tool.PIP, groups=(group,))
    ctx = RewriteContext.for_project(project, "uv", uv_version="0.9.5")
    assert ctx.has_path_sources is expected
