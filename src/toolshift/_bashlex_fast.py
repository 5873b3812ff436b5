"""Import bashlex without rebuilding its LALR parser tables on every start.

bashlex builds its parser at import time with a bundled copy of PLY: ``bashlex/parser.py`` calls
``yacc.yacc()``, which computes the LALR(1) tables from the grammar in the ``p_*`` docstrings
(about 100 ms, every time: that PLY copy never reads the ``parsetab.py`` it ships). The tables only
depend on the grammar, the PLY code that builds them and the Python version, so
:func:`load_bashlex` computes them once, keeps them in the per-user cache folder and, on the next
start, hands ``bashlex.parser`` a parser made from the cached tables (about 2 ms).

How: while ``bashlex`` is being imported, a meta-path finder lets the real ``bashlex.yacc``
module load and then wraps its ``yacc`` function. The wrapper looks up the tables by a key made of
the grammar (token list, precedence, every rule function's name and docstring), the source of
``bashlex/yacc.py`` and the Python version (a CRC-based digest: this is a per-user cache, not a
security boundary; the file also carries a checksum of its payload). A hit builds
``yacc.LRParser`` from them; a miss, or anything unexpected (unreadable, truncated or damaged
file, unfamiliar arguments), calls the original ``yacc()`` and stores its tables. If the import
fails anyway, bashlex is imported again the stock way. Nothing here changes how bashlex parses:
the parser object is the same class with the same tables (``tests/test_bashlex_fast.py`` compares
tables and parse trees with stock bashlex).

The cache folder is ``$TOOLSHIFT_CACHE_DIR`` if set, else the platform's per-user cache folder
(``$XDG_CACHE_HOME/toolshift`` or ``~/.cache/toolshift`` on Linux). A cache file that cannot be
written is not an error: the next start builds the tables again.
"""

from __future__ import annotations

import importlib.machinery
import marshal
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

CACHE_ENV = "TOOLSHIFT_CACHE_DIR"
_FORMAT = 1
_MAGIC = b"toolshift-bashlex-lalr-2\n"
_DIGEST = 8  # checksum() of the payload, right after the magic line

# How the last load_bashlex() got its parser: "cache" (tables read from the cache file), "built"
# (tables computed, and stored if the folder was writable), "stock" (bashlex imported without the
# shim, after a problem), or "preloaded" (bashlex was already imported). For tests and benchmarks.
last_source = ""

_lock = threading.Lock()


def cache_dir() -> Path:
    """The per-user folder the tables are kept in (see the module docstring)."""

    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "toolshift" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "toolshift"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base_dir = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base_dir / "toolshift"


def load_bashlex() -> ModuleType:
    """The ``bashlex`` module, imported with cached parser tables when possible."""

    global last_source
    existing = sys.modules.get("bashlex")
    if existing is not None and hasattr(existing, "parse"):
        return existing
    with _lock:
        existing = sys.modules.get("bashlex")
        if existing is not None and hasattr(existing, "parse"):
            last_source = "preloaded"
            return existing
        try:
            with _hook():
                import bashlex
        except Exception:
            # Whatever went wrong, the stock import is the reference behaviour.
            _forget_bashlex()
            import bashlex

            last_source = "stock"
        module: ModuleType = bashlex
        return module


def _forget_bashlex() -> None:
    for name in [n for n in sys.modules if n == "bashlex" or n.startswith("bashlex.")]:
        del sys.modules[name]


# --- the import hook ---------------------------------------------------------------------------


class _YaccFinder:
    """Finds ``bashlex.yacc`` as usual, with a loader that patches ``yacc()`` after loading."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "bashlex.yacc":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _PatchingLoader(spec.loader)  # type: ignore[assignment]
        return spec


class _PatchingLoader:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._inner.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        original = getattr(module, "yacc", None)
        if callable(original):
            setattr(module, "yacc", _make_fast_yacc(module, original))  # noqa: B010

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... for inspect
        return getattr(self._inner, name)


@contextmanager
def _hook() -> Iterator[None]:
    finder = _YaccFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if f is not finder]


# --- the yacc() wrapper ------------------------------------------------------------------------


_PASSIVE_ARGS = frozenset({"outputdir", "debug", "write_tables", "optimize", "errorlog"})


def _make_fast_yacc(yacc_mod: ModuleType, original: Callable[..., Any]) -> Callable[..., Any]:
    def fast_yacc(*args: Any, **kwargs: Any) -> Any:
        global last_source
        caller = sys._getframe(1).f_globals
        module = sys.modules.get(str(caller.get("__name__", "")))
        if module is None or args or kwargs.get("debug") or set(kwargs) - _PASSIVE_ARGS:
            # Not the call bashlex.parser makes: behave exactly like the original.
            if module is None:
                return original(*args, **kwargs)
            return _call(original, module, args, kwargs)
        try:
            return _cached_parser(yacc_mod, module, original, kwargs)
        except Exception:
            last_source = "built"
            return _call(original, module, args, kwargs)

    fast_yacc.__wrapped__ = original  # type: ignore[attr-defined]
    return fast_yacc


def _call(original: Callable[..., Any], module: ModuleType, args: Any, kwargs: Any) -> Any:
    # The original reads its grammar from its caller's globals, which would now be ours.
    if "module" not in kwargs:
        kwargs = {**kwargs, "module": module}
    return original(*args, **kwargs)


def checksum(data: bytes) -> bytes:
    """Two CRC-32s (forwards and of the reversed bytes): catches a damaged or truncated file.
    Not hashlib: importing it (OpenSSL) costs more than everything else here (~3 ms)."""

    return zlib.crc32(data).to_bytes(4, "big") + zlib.crc32(data[::-1]).to_bytes(4, "big")


def table_key(yacc_mod: ModuleType, pdict: dict[str, Any]) -> str:
    """What the tables depend on: the grammar, the table builder's source, the Python version."""

    yacc_file = getattr(yacc_mod, "__file__", None)
    if not yacc_file:
        raise ValueError("bashlex.yacc has no source file")
    parts = [
        f"{_FORMAT}|{sys.version}|{marshal.version}".encode(),
        Path(yacc_file).read_bytes(),
        repr((pdict.get("start"), pdict.get("tokens"), pdict.get("precedence"))).encode(),
    ]
    for name in sorted(pdict):
        item = pdict[name]
        if name.startswith("p_") and callable(item):
            code = getattr(item, "__code__", None)
            line = code.co_firstlineno if code is not None else 0
            parts.append(repr((name, line, getattr(item, "__doc__", None))).encode())
    blob = b"\0".join(parts)
    return f"{len(blob):x}-{checksum(blob).hex()}"


def _cached_parser(
    yacc_mod: ModuleType,
    module: ModuleType,
    original: Callable[..., Any],
    kwargs: dict[str, Any],
) -> Any:
    global last_source
    pdict = {k: getattr(module, k) for k in dir(module)}
    path = cache_dir() / f"bashlex-lalr-{table_key(yacc_mod, pdict)}.bin"
    tables = read_tables(path)
    if tables is not None:
        parser = _parser_from_tables(yacc_mod, pdict, *tables)
        if parser is not None:
            last_source = "cache"
            return parser
    parser = _call(original, module, (), kwargs)
    last_source = "built"
    write_tables(path, parser)
    return parser


Tables = tuple[dict[int, dict[str, int]], dict[int, dict[str, int]], list[tuple[Any, ...]]]


def read_tables(path: Path) -> Tables | None:
    """The tables stored at ``path``, or None if it is missing, damaged or not ours."""

    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    if len(data) <= head or not data.startswith(_MAGIC):
        return None
    payload = data[head:]
    if checksum(payload) != data[len(_MAGIC) : head]:
        return None
    try:
        value = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(value, tuple) and len(value) == 4 and value[0] == _FORMAT):
        return None
    _, action, goto, productions = value
    if not (
        isinstance(action, dict)
        and isinstance(goto, dict)
        and isinstance(productions, list)
        and 0 in action
        and 0 in goto
        and all(isinstance(v, dict) for v in action.values())
        and all(isinstance(v, dict) for v in goto.values())
        and all(isinstance(p, tuple) and len(p) == 7 for p in productions)
    ):
        return None
    return action, goto, productions


def write_tables(path: Path, parser: Any) -> bool:
    """Store a freshly built parser's tables at ``path`` (atomically); False if it could not."""

    try:
        productions = [
            (p.number, p.name, tuple(p.prod), tuple(p.prec), p.func, p.file, p.line)
            for p in parser.productions
        ]
        action = {state: dict(row) for state, row in parser.action.items()}
        goto = {state: dict(row) for state, row in parser.goto.items()}
        payload = marshal.dumps((_FORMAT, action, goto, productions))
    except (AttributeError, TypeError, ValueError):
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A private temporary name, then an atomic rename: concurrent starts never see half a file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "xb") as f:
                f.write(_MAGIC + checksum(payload) + payload)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def _parser_from_tables(
    yacc_mod: ModuleType,
    pdict: dict[str, Any],
    action: dict[int, dict[str, int]],
    goto: dict[int, dict[str, int]],
    rows: list[tuple[Any, ...]],
) -> Any:
    error_func = pdict.get("p_error")
    if not callable(error_func):
        return None
    productions = []
    for number, name, prod, prec, func, file, line in rows:
        p = yacc_mod.Production(number, name, prod, prec, func, file, line)
        if func is not None and not callable(pdict.get(func)):
            return None
        p.bind(pdict)
        productions.append(p)
    tab = SimpleNamespace(lr_productions=productions, lr_action=action, lr_goto=goto)
    parser = yacc_mod.LRParser(tab, error_func)
    setattr(yacc_mod, "parse", parser.parse)  # noqa: B010  (the original yacc() sets it too)
    return parser
