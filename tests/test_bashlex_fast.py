"""toolshift._bashlex_fast: bashlex with cached LALR tables parses exactly like stock bashlex.

The real checks run in child interpreters (bashlex can only be imported once per process): one
imports bashlex the stock way, the others through the shim with a cold cache, a warm cache, a
damaged cache and an unwritable cache folder. All must give the same parser tables and the same
parse trees (or the same errors) for every shell script in the rewriter fixtures.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from toolshift import _bashlex_fast as fast

FIXTURES = Path(__file__).parent / "fixtures" / "rewriters"

# Shell the fixtures do not have: compound commands, substitutions, errors bashlex raises.
EXTRA_SCRIPTS = [
    "pip install -r requirements.txt && echo $(ls | wc -l) > /tmp/n || true",
    "(cd app && python -m pip install .) ; { echo a; echo b; }",
    'if [ -f x ]; then pip install -e ".[dev]"; else uv sync --locked; fi',
    'for f in a b c; do echo "$f" 2>&1 | tee -a log; done',
    "while read l; do echo $l; done < file",
    "cat <<EOF > out\nline one\nEOF\necho done",
    "echo `date` $((1 + 2)) ${HOME:-/root} 'single' \"double $x\"",
    "a=1 b=2 env | grep -v X &",
    "echo 'unterminated",
    "case $x in a) echo a;; esac",
    "function f() { echo x; }",
    "echo ) oops",
    "",
]

PROBE = r"""
import json, sys
mode, corpus_path = sys.argv[1], sys.argv[2]
if mode == "stock":
    import bashlex
    source = "stock-import"
else:
    from toolshift import _bashlex_fast as fast
    if mode == "broken-hook":
        def boom(*a, **k):
            raise RuntimeError("broken")
        fast._make_fast_yacc = boom
    bashlex = fast.load_bashlex()
    source = fast.last_source
yp = bashlex.parser.yaccparser
out = {
    "source": source,
    "action": sorted((s, sorted(row.items())) for s, row in yp.action.items()),
    "goto": sorted((s, sorted(row.items())) for s, row in yp.goto.items()),
    "productions": [
        (str(p), p.name, p.len, p.func, p.callable is not None) for p in yp.productions
    ],
    "defaulted": sorted(yp.defaulted_states.items()),
    "trees": [],
}
for script in json.loads(open(corpus_path, encoding="utf-8").read()):
    try:
        out["trees"].append([t.dump() for t in bashlex.parse(script)])
    except Exception as exc:
        out["trees"].append(f"{type(exc).__name__}: {exc}")
print(json.dumps(out))
"""


def _yaml_scripts(text: str) -> list[str]:
    from ruamel.yaml import YAML

    found: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in {
            "run",
            "script",
            "before_script",
            "after_script",
            "command",
            "entrypoint",
        }:
            found.append(node)

    walk(YAML(typ="safe", pure=True).load(text))
    return found


def _dockerfile_scripts(text: str) -> list[str]:
    joined = re.sub(r"\\\r?\n", "\\\n", text)
    scripts = []
    for m in re.finditer(r"^RUN[ \t]+((?:.*\\\n)*.*)$", joined, re.MULTILINE):
        body = m.group(1)
        if not body.lstrip().startswith("["):
            scripts.append(body)
    return scripts


def _markdown_scripts(text: str) -> list[str]:
    return re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, re.DOTALL)


def corpus() -> list[str]:
    scripts: list[str] = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix == ".json":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        area = path.relative_to(FIXTURES).parts[0]
        if area == "dockerfile":
            scripts += _dockerfile_scripts(text)
        elif area == "readme":
            scripts += _markdown_scripts(text)
        elif area in ("github_actions", "gitlab_ci", "compose"):
            scripts += _yaml_scripts(text)
    return scripts + EXTRA_SCRIPTS


def test_corpus_is_substantial() -> None:
    scripts = corpus()
    assert len(scripts) >= 60
    assert any("pip install" in s for s in scripts)
    assert any("\n" in s for s in scripts)  # multi-line scripts and continuations


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "scripts.json"
    path.write_text(json.dumps(corpus()), encoding="utf-8")
    return path


def _probe(mode: str, corpus_file: Path, cache: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env[fast.CACHE_ENV] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(corpus_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no PLY warnings, no tracebacks
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def stock(corpus_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _probe("stock", corpus_file, tmp_path_factory.mktemp("unused-cache"))


def _same_parser(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("action", "goto", "productions", "defaulted", "trees"):
        assert a[key] == b[key], key


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("bashlex-lalr-*.bin"))


def test_cold_then_warm_cache_match_stock_bashlex(
    stock: dict[str, Any], corpus_file: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cold = _probe("shim", corpus_file, cache)
    assert cold["source"] == "built"
    assert len(_cache_files(cache)) == 1
    warm = _probe("shim", corpus_file, cache)
    assert warm["source"] == "cache"
    _same_parser(stock, cold)
    _same_parser(stock, warm)
    # the corpus exercises both parse trees and parse errors
    assert any(isinstance(t, list) for t in stock["trees"])
    assert any(isinstance(t, str) for t in stock["trees"])
    assert not list(cache.glob(".*.tmp"))  # no temporary file left behind


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "wrong_shape", "empty"])
def test_damaged_cache_is_rebuilt(
    damage: str, stock: dict[str, Any], corpus_file: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    _probe("shim", corpus_file, cache)
    (path,) = _cache_files(cache)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00not a table\xff" * 50)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        i = len(data) - 100
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1 :])
    elif damage == "wrong_shape":  # a valid file of ours whose content is not tables
        payload = marshal.dumps((1, {0: "x"}, {}, []))
        path.write_bytes(fast._MAGIC + fast.checksum(payload) + payload)
    else:
        path.write_bytes(b"")
    assert fast.read_tables(path) is None
    again = _probe("shim", corpus_file, cache)
    assert again["source"] == "built"
    _same_parser(stock, again)
    assert fast.read_tables(path) is not None  # rewritten whole
    assert _probe("shim", corpus_file, cache)["source"] == "cache"


def test_unwritable_cache_folder_still_parses(
    stock: dict[str, Any], corpus_file: Path, tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    result = _probe("shim", corpus_file, not_a_dir / "cache")
    assert result["source"] == "built"
    _same_parser(stock, result)


def test_a_broken_hook_falls_back_to_the_stock_import(
    stock: dict[str, Any], corpus_file: Path, tmp_path: Path
) -> None:
    result = _probe("broken-hook", corpus_file, tmp_path / "cache")
    assert result["source"] == "stock"
    _same_parser(stock, result)
    assert not (tmp_path / "cache").exists()


# --- in-process pieces ---------------------------------------------------------------------------


def test_table_key_follows_the_grammar_and_the_builder() -> None:
    import bashlex.parser
    import bashlex.yacc

    mod = bashlex.parser
    pdict = {k: getattr(mod, k) for k in dir(mod)}
    key = fast.table_key(bashlex.yacc, pdict)
    assert key == fast.table_key(bashlex.yacc, dict(pdict))

    def p_extra(p: Any) -> None:
        """extra : WORD"""

    assert fast.table_key(bashlex.yacc, {**pdict, "p_extra": p_extra}) != key
    changed_doc = {**pdict, "tokens": [*pdict["tokens"], "NEWTOKEN"]}
    assert fast.table_key(bashlex.yacc, changed_doc) != key


def test_tables_round_trip(tmp_path: Path) -> None:
    import bashlex.parser

    yp = bashlex.parser.yaccparser
    path = tmp_path / "sub" / "t.bin"
    assert fast.write_tables(path, yp)
    tables = fast.read_tables(path)
    assert tables is not None
    action, goto, productions = tables
    assert action == {s: dict(r) for s, r in yp.action.items()}
    assert goto == {s: dict(r) for s, r in yp.goto.items()}
    assert [p[1] for p in productions] == [p.name for p in yp.productions]
    assert fast.read_tables(tmp_path / "missing.bin") is None


def test_cache_dir_honours_the_override_and_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fast.CACHE_ENV, "/somewhere/else")
    assert fast.cache_dir() == Path("/somewhere/else")
    monkeypatch.delenv(fast.CACHE_ENV)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", "/xdg/cache")
        assert fast.cache_dir() == Path("/xdg/cache/toolshift")
        monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, per the spec
        assert fast.cache_dir() == Path.home() / ".cache" / "toolshift"


def test_load_bashlex_returns_a_working_module() -> None:
    bashlex = fast.load_bashlex()
    (tree,) = bashlex.parse("pip install -r requirements.txt")
    assert [p.word for p in tree.parts] == ["pip", "install", "-r", "requirements.txt"]
    assert fast.load_bashlex() is bashlex
