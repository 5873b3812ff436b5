"""plan_to_uv names the files that still refer to a requirements file it deletes: a real use
(a script's ``pip install -r``) is a warning, a mere comment mentioning the name is an info
note, and Markdown ``#`` headings are not comments."""

from __future__ import annotations

from pathlib import Path

from toolshift.detect import detect
from toolshift.model import Diagnostic, MigrateOptions, Severity
from toolshift.planners.to_uv import plan_to_uv

REQS = "fastapi==0.110.0\n"


def _notes(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    plan = plan_to_uv(detect(root), MigrateOptions("uv", python="3.12", lock=False))
    assert any(c.path == "requirements.txt" and c.new is None for c in plan.changes)
    return [d for d in plan.diagnostics if d.code == "TS107" and "requirements.txt" in d.message]


def test_a_comment_naming_the_file_is_only_an_info_note(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    # pins come from requirements.txt\n    build: .\n"
    notes = _notes(tmp_path, {"requirements.txt": REQS, "docker-compose.yml": compose})
    assert [d.severity for d in notes] == [Severity.INFO]
    assert notes[0].origin is not None and notes[0].origin.line == 3
    assert "comment in docker-compose.yml" in notes[0].message


def test_a_real_use_after_a_comment_keeps_the_file_with_a_warning(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    # pins come from requirements.txt\n    build: .\n"
        "    volumes:\n      - ./requirements.txt:/app/requirements.txt  # for the audit\n"
    )
    root = tmp_path
    (root / "requirements.txt").write_text(REQS, encoding="utf-8")
    (root / "docker-compose.yml").write_text(compose, encoding="utf-8")
    plan = plan_to_uv(detect(root), MigrateOptions("uv", python="3.12", lock=False))
    assert not any(c.path == "requirements.txt" for c in plan.changes)  # kept: still used
    notes = [d for d in plan.diagnostics if d.code == "TS107"]
    assert [(d.severity, d.origin.line if d.origin else 0) for d in notes] == [
        (Severity.WARNING, 6)
    ]


def test_a_markdown_heading_is_not_a_comment(tmp_path: Path) -> None:
    readme = "# orders\n\nSee the pins in requirements.txt before upgrading.\n"
    notes = _notes(tmp_path, {"requirements.txt": REQS, "README.md": readme})
    assert [d.severity for d in notes] == [Severity.WARNING]
    assert notes[0].origin is not None and notes[0].origin.path == "README.md"


def test_what_counts_as_a_comment() -> None:
    from toolshift.planners.to_uv import _hash_comments, _in_comment

    def at(text: str) -> bool:
        return _in_comment(text, text.index("requirements.txt"))

    assert at("# from requirements.txt")
    assert at("RUN true  # requirements.txt")
    assert at("x\n\t# requirements.txt")
    assert not at("RUN pip install -r requirements.txt  # runtime")
    assert not at("echo step#1 requirements.txt")
    assert not at("# a comment\nRUN pip install -r requirements.txt")
    assert _hash_comments("Dockerfile.prod") and _hash_comments("ci/Makefile")
    assert _hash_comments(".github/workflows/ci.yml") and not _hash_comments("README.md")


def test_the_bundled_example_has_no_warning_for_its_dockerfile_comment(tmp_path: Path) -> None:
    import shutil

    example = Path(__file__).parents[2] / "examples" / "fastapi-service"
    root = tmp_path / "svc"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
    plan = plan_to_uv(detect(root), MigrateOptions("uv", lock=False))
    ts107 = [d for d in plan.diagnostics if d.code == "TS107" and d.origin]
    assert not [d for d in ts107 if d.severity is Severity.WARNING]
    # its "cached until requirements.txt changes" comment is named, as a note
    assert [d.origin.path for d in ts107 if d.origin] == ["Dockerfile"]
