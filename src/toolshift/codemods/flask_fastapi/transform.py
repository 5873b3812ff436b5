"""Pass 2: rewrite one module from Flask to FastAPI, with the project facts of pass 1.

Every Flask object is recognised by qualified name (``from flask import request as rq``,
``import flask; flask.request``, ``from .views import bp`` all resolve), never by spelling.
Rules (ids in :mod:`toolshift.rules`):

FF001 ``Flask()`` -> ``FastAPI()``; FF002 ``Blueprint`` -> ``APIRouter``, ``register_blueprint``
-> ``include_router`` (Flask's registration prefix replaces the blueprint's own); FF003 routes,
``add_url_rule`` and path converters; FF004 ``request`` -> a view parameter; FF005 ``jsonify``,
``make_response``, tuple, string and opaque returns; FF006 ``abort``; FF007 ``redirect``; FF008
``errorhandler``; FF009 ``app.run``; FF010 Flask-CORS; FF013 ``render_template``/``url_for``;
FF014 ``app.config``; FF015 the project's tests (test client -> TestClient); FF016 request
hooks, ``g`` and ``request`` outside views; FF017 ``session``/``flash``. What it cannot convert
stays, with ``# TODO[toolshift FF02x]: ...`` above the statement. Imports are fixed last, by
libcst's Add/RemoveImportsVisitor: a Flask import goes only once nothing uses it any more.

Sync views stay sync: in the ``compatible`` style the request body is read by an async
dependency of the generated ``_flask_compat`` module (``FlaskRequest``), so FastAPI runs the
view in its thread pool exactly as before; the ``idiomatic`` style has no helper and marks body
access in a sync view with a TODO instead of guessing.

Differences kept on purpose in the ``compatible`` style (checked by the equivalence tests):
error bodies of aborts without a handler (Flask's HTML page vs FastAPI's ``{"detail": ...}``),
redirect bodies, CORS headers on requests without an ``Origin``, the session cookie's format
(existing sessions end), and responses are buffered when request hooks are used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst import CSTNodeT
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider, QualifiedNameProvider

from toolshift.codemods.flask_fastapi.facts import ObjKind, ProjectFacts
from toolshift.codemods.flask_fastapi.names import ModuleName, resolve_all, string_value
from toolshift.codemods.flask_fastapi.result import COMPAT_MODULE, CodemodOptions

ROUTE_METHODS = ("get", "post", "put", "patch", "delete")
# Flask hooks the compatible style keeps (FF016), and the _flask_compat decorator for each.
COMPAT_HOOKS = {
    "before_request": "before_request",
    "after_request": "after_request",
    "teardown_request": "teardown_request",
    "teardown_appcontext": "teardown_request",
}
CLIENT_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
# Test client keywords werkzeug and httpx share, or that are httpx's already (idempotence).
SAME_KWARGS = ("json", "follow_redirects", "cookies", "auth", "params", "content", "files")
HOOKS = (
    "before_request",
    "after_request",
    "teardown_request",
    "teardown_appcontext",
    "before_app_request",
    "after_app_request",
    "before_first_request",
    "context_processor",
    "app_context_processor",
    "template_filter",
    "template_global",
    "template_test",
    "url_value_preprocessor",
    "url_defaults",
    "shell_context_processor",
)
# Flask names with no conversion yet: what a person should do instead.
UNCONVERTED: dict[str, tuple[str, str]] = {
    "flask.url_for": (
        "FF023",
        "url_for: use request.url_for('<function name>', **path_params) "
        "(FastAPI names routes after their functions)",
    ),
    "flask.render_template": (
        "FF023",
        "render_template: use Jinja2Templates(directory='templates')"
        ".TemplateResponse(request, name, context)",
    ),
    "flask.render_template_string": (
        "FF023",
        "render_template_string: render with jinja2.Template(...).render() into an HTMLResponse",
    ),
    "flask.g": ("FF023", "g: keep per-request state on request.state"),
    "flask.session": (
        "FF023",
        "session: add starlette's SessionMiddleware and use request.session",
    ),
    "flask.current_app": (
        "FF023",
        "current_app: use request.app; move config to a pydantic-settings Settings class",
    ),
    "flask.send_file": (
        "FF023",
        "send_file: return FileResponse(path) (check the path stays inside its folder)",
    ),
    "flask.send_from_directory": (
        "FF023",
        "send_from_directory: return FileResponse for a path joined safely "
        "under the folder (reject '..')",
    ),
    "flask.flash": ("FF023", "flash: flashed messages need a session (request.session)"),
    "flask.get_flashed_messages": (
        "FF023",
        "get_flashed_messages: flashed messages need a session (request.session)",
    ),
    "flask.Response": (
        "FF023",
        "flask.Response: use starlette's Response(content, status_code=, media_type=, headers=)",
    ),
    "flask.stream_with_context": ("FF023", "stream_with_context: return a StreamingResponse"),
    "flask.after_this_request": (
        "FF022",
        "after_this_request: set headers on a Response parameter, or use a middleware",
    ),
    "flask.views.MethodView": (
        "FF023",
        "MethodView: register one function per method with @router.get/post/...",
    ),
    "flask.views.View": ("FF023", "View: register a function with @router.api_route"),
    "flask.cli.with_appcontext": (
        "FF024",
        "Flask CLI command: move it to a plain click/typer script",
    ),
}
FILE_HELPERS = {
    "flask.send_file": "send_file",
    "flask.send_from_directory": "send_from_directory",
}
SESSION_NAMES = {
    "flask.session": "session",
    "flask.flash": "flash",
    "flask.get_flashed_messages": "get_flashed_messages",
}
# flask.* names the codemod converts (in some places; elsewhere UNCONVERTED says what to do).
CONVERTED = frozenset(
    {
        "flask.Flask",
        "flask.Blueprint",
        "flask.request",
        "flask.jsonify",
        "flask.make_response",
        "flask.abort",
        "flask.redirect",
        "flask.json",
        "flask.views",
        "flask.cli",
        *UNCONVERTED,
    }
)
# Flask app attributes a FastAPI app does not have (config is kept by _flask_compat.Config).
FLASK_APP_ONLY = frozenset(
    {
        "jinja_env",
        "jinja_loader",
        "logger",
        "json",
        "json_encoder",
        "json_decoder",
        "json_provider_class",
        "session_interface",
        "app_context",
        "test_request_context",
        "open_resource",
        "open_instance_resource",
        "instance_path",
        "root_path",
        "static_folder",
        "template_folder",
        "extensions",
        "view_functions",
        "make_response",
        "response_class",
        "request_class",
    }
)
# Flask extensions that only serve API docs (FastAPI has its own): the setup call goes.
DOCS_EXTENSIONS = frozenset({"flasgger.Swagger", "flasgger.Flasgger", "flasgger.base.Swagger"})
# Flask app API the compatible style keeps through _flask_compat (app is the first argument).
# Blueprint hooks that run for every request of the app (kept app-wide by _flask_compat).
BP_APP_HOOKS = {
    "before_app_request": "before_request",
    "after_app_request": "after_request",
    "teardown_app_request": "teardown_request",
}
TEMPLATE_DECORATORS = frozenset(
    {"template_filter", "template_global", "template_test", "context_processor"}
)
TEMPLATE_ADDERS = frozenset({"add_template_global", "add_template_filter", "add_template_test"})
COMPAT_APP_ATTRS = frozenset(
    {
        *("logger", "make_response", "instance_path", "app_context"),
        *TEMPLATE_DECORATORS,
        *TEMPLATE_ADDERS,
    }
)
# What a FastAPI app object has (FastAPI 0.11x), and the Flask app attributes the codemod
# handles elsewhere: any other attribute read on an app gets a TODO (it would fail at runtime).
FASTAPI_APP_ATTRS = frozenset(
    {
        *("add_api_route", "add_api_websocket_route", "add_exception_handler", "add_middleware"),
        *("add_route", "api_route", "build_middleware_stack", "contact", "debug", "delete"),
        *("dependency_overrides", "description", "docs_url", "exception_handler"),
        *("exception_handlers", "get", "head", "include_router", "license_info", "middleware"),
        *("middleware_stack", "mount", "on_event", "openapi", "openapi_schema", "openapi_tags"),
        *("openapi_url", "openapi_version", "options", "patch", "post", "put", "redoc_url"),
        *("root_path", "root_path_in_servers", "router", "routes", "servers", "setup", "state"),
        *("summary", "swagger_ui_init_oauth", "swagger_ui_oauth2_redirect_url"),
        *("swagger_ui_parameters", "terms_of_service", "title", "trace", "url_path_for"),
        *("user_middleware", "version", "webhooks", "websocket", "websocket_route"),
    }
)
HANDLED_APP_ATTRS = frozenset(
    {
        *("config", "cli", "url_map", "route", "errorhandler", "register_blueprint", "run"),
        *("add_url_rule", "register_error_handler", "test_client", "test_cli_runner"),
        *("secret_key", "testing", "add_middleware"),
    }
)
# The attributes of Flask's request that FlaskRequest (compatible style) provides.
COMPAT_REQUEST_ATTRS = frozenset(
    (
        "method",
        "headers",
        "cookies",
        "args",
        "form",
        "files",
        "values",
        "content_type",
        "mimetype",
        "content_length",
        "view_args",
        "scheme",
        "is_secure",
        "path",
        "full_path",
        "url",
        "base_url",
        "host",
        "host_url",
        "url_root",
        "remote_addr",
        "user_agent",
        "is_json",
        "data",
        "get_data",
        "json",
        "get_json",
        "environ",
        "query_string",
        "script_root",
        "authorization",
        "access_route",
    )
)
# idiomatic style: Flask request attribute -> Starlette spelling (same behaviour).
IDIOMATIC_REQUEST_ATTRS = {
    "method": "method",
    "headers": "headers",
    "cookies": "cookies",
    "args": "query_params",
    "view_args": "path_params",
}
BODY_ATTRS = frozenset(["form", "files", "values", "data", "get_data", "json", "get_json"])
CONVERTER = re.compile(r"<(?:(?P<conv>\w+)(?P<cargs>\([^)]*\))?:)?(?P<var>\w+)>")
CONVERTER_TYPES = {"int": "int", "float": "float", "uuid": "uuid.UUID"}
CORS_DEFAULT_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
CORS_KWARGS = {
    "origins": "allow_origins",
    "methods": "allow_methods",
    "allow_headers": "allow_headers",
    "expose_headers": "expose_headers",
    "supports_credentials": "allow_credentials",
    "max_age": "max_age",
}
WERKZEUG_STATUS = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "Conflict": 409,
    "Gone": 410,
    "UnprocessableEntity": 422,
    "TooManyRequests": 429,
    "InternalServerError": 500,
}


# Flask helpers the compatible style converts inside views (they need the view's request).
REQUEST_HELPERS = {
    "flask.render_template": "render_template",
    "flask.render_template_string": "render_template_string",
    "flask.url_for": "url_for",
}
TEMPLATE_CALLS = (f"{COMPAT_MODULE}.render_template", f"{COMPAT_MODULE}.render_template_string")
# Calls whose result is already a response: a view may return them as they are.
RESPONSE_CALLS = frozenset(
    {
        "Response",
        "JSONResponse",
        "HTMLResponse",
        "PlainTextResponse",
        "RedirectResponse",
        "StreamingResponse",
        "FileResponse",
        f"{COMPAT_MODULE}.jsonify",
        f"{COMPAT_MODULE}.FlaskResponse",
        f"{COMPAT_MODULE}.send_file",
        f"{COMPAT_MODULE}.send_from_directory",
        f"{COMPAT_MODULE}.make_response",
    }
)


@dataclass
class _Func:
    kind: str  # "view" | "handler" | "other"
    request_alias: str | None = None
    alias_hint: str = "request"  # the name the view's request parameter will get
    exc_param: str | None = None  # handler of an HTTP error: its exception parameter
    path_types: dict[str, str] = field(default_factory=dict)
    # route(defaults={...}): parameter -> value, given to the function's parameter
    route_defaults: dict[str, cst.BaseExpression] = field(default_factory=dict)


@dataclass
class _Todo:
    line: int
    rule: str
    message: str


def _any_choices(conv: str, cargs: str | None) -> list[str] | None:
    """The values of werkzeug's ``any(a, b, "c")`` converter (None for another converter)."""

    if conv != "any" or not cargs:
        return None
    values = [v.strip().strip("'\"") for v in cargs[1:-1].split(",")]
    return values if all(values) else None


_NO_SPACE_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _name(value: str) -> cst.Name:
    return cst.Name(value)


def _attr(dotted: str) -> cst.BaseExpression:
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _args(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Arguments with commas fixed (the last has none)."""

    out = []
    for i, arg in enumerate(args):
        comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
        if i == len(args) - 1:
            comma = cst.MaybeSentinel.DEFAULT
        elif isinstance(arg.comma, cst.Comma):
            comma = arg.comma
        out.append(arg.with_changes(comma=comma))
    return out


def _str_list(values: Sequence[str]) -> cst.List:
    return cst.List(
        [
            cst.Element(
                cst.SimpleString(f'"{v}"'),
                comma=cst.MaybeSentinel.DEFAULT
                if i == len(values) - 1
                else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            )
            for i, v in enumerate(values)
        ]
    )


def _is_text(node: cst.BaseExpression) -> bool:
    """A str expression we can see is one: a literal, f-string, ``"a" + b``, ``"..." % x`` or
    ``"...".format(...)`` (Flask answers text/html for a str; FastAPI would JSON-encode it)."""

    if isinstance(node, cst.SimpleString):
        return "b" not in node.prefix.lower()
    if isinstance(node, cst.ConcatenatedString | cst.FormattedString):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add | cst.Modulo):
        return _is_text(node.left) or (isinstance(node.operator, cst.Add) and _is_text(node.right))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.attr.value == "format" and _is_text(node.func.value)
    return False


def _goes_away(module: str) -> bool:
    """Modules whose imports are dropped once unused (their distributions are removed)."""

    top = module.split(".")[0]
    return top in ("flask", "flask_cors", "werkzeug")


class _Replace(cst.CSTTransformer):
    """Put ``node`` where the one-letter placeholder name ``name`` stands."""

    def __init__(self, name: str, node: cst.BaseExpression) -> None:
        super().__init__()
        self.name = name
        self.node = node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.node if original_node.value == self.name else updated_node


def _extension_of(keys: set[str]) -> str | None:
    """The Flask extension (``flask_login``...) a name comes from; Flask-CORS is converted."""

    for key in keys:
        top = key.split(".")[0]
        if top.startswith("flask_") and top != "flask_cors":
            return top
        if top in ("flask", "flask_cors") or COMPAT_MODULE in key.split("."):
            continue
        # Extensions named otherwise: flasgger, bugsnag.flask, authlib.integrations.flask_client
        parts = key.split(".")[:-1]
        for i, part in enumerate(parts):
            if part in ("flask", "flasgger") or part.startswith("flask_") or "_flask" in part:
                return ".".join(parts[: i + 1])
    return None


def _is_file_tuple(el: cst.BaseDictElement) -> bool:
    """``"field": (fileobj, filename[, content_type])``: a file in werkzeug's test client."""

    return (
        isinstance(el, cst.DictElement)
        and isinstance(el.value, cst.Tuple)
        and len(el.value.elements) in (2, 3)
    )


class FlaskToFastAPI(VisitorBasedCodemodCommand):
    DESCRIPTION = "Convert a Flask module to FastAPI"
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        *,
        module: ModuleName,
        facts: ProjectFacts,
        options: CodemodOptions,
        is_test: bool = False,
    ) -> None:
        super().__init__(context)
        self.modname = module
        self.facts = facts
        self.options = options
        self.is_test = is_test and "FF015" not in options.disabled_rules
        self.test_file = is_test
        # Test modules outside the app's package use the app's helper (one set of context
        # variables: app_context() in a fixture must be the one the app's code reads).
        self.compat_home = ""
        self._dicts: dict[str, cst.Dict] = {}  # test files: names bound to a dict literal
        self._scopes: list[tuple[set[str], dict[str, cst.Dict]]] = []
        self._clients: set[str] = {"client", "test_client", "app_client"}
        self._responses: set[str] = set()
        self.applied: set[str] = set()
        self.todos: list[_Todo] = []
        self.notes: list[_Todo] = []  # information for the report, no marker in the code
        self.compat_used = False
        self._stmts: list[cst.CSTNode] = []
        self._pending: dict[int, list[tuple[str, str]]] = {}
        self._funcs: list[_Func] = []
        self._flask_imports: list[tuple[str, str | None, str | None]] = []
        self._called: set[int] = set()  # id() of nodes that are the func of a Call
        self._config_refs: set[int] = set()  # id() of current_app in current_app.config
        self._after: dict[int, list[cst.SimpleStatementLine]] = {}  # statements to add after
        self._assigned: set[int] = set()  # id() of attribute nodes that are assignment targets
        self._type_checks: set[int] = set()  # id() of the classes given to isinstance()

    # ------------------------------------------------------------------ helpers

    def keys(self, node: cst.CSTNode) -> set[str]:
        return resolve_all(self.get_metadata(QualifiedNameProvider, node, set()), self.modname)

    def on(self, rule: str) -> bool:
        return rule not in self.options.disabled_rules

    def line(self, node: cst.CSTNode) -> int:
        pos = self.get_metadata(PositionProvider, node, None)
        return pos.start.line if pos is not None else 0

    def todo(self, rule: str, message: str, node: cst.CSTNode | None = None) -> None:
        """Mark the statement being visited with a TODO comment (once per rule and message)."""

        stmt = self._stmts[-1] if self._stmts else node
        if stmt is None:
            return
        pending = self._pending.setdefault(id(stmt), [])
        if (rule, message) not in pending:
            pending.append((rule, message))
            self.todos.append(_Todo(self.line(stmt), rule, message))

    def note(self, rule: str, message: str, node: cst.CSTNode) -> None:
        self.notes.append(_Todo(self.line(node), rule, message))

    def compat(self, name: str) -> cst.BaseExpression:
        self.compat_used = True
        self.applied.add("FF012")
        if self.modname.package:
            # ``from . import _flask_compat`` (``..`` deeper down): the helper sits in the
            # top-level package, whatever that package is called or where it is installed.
            level = len(self.modname.package.split("."))
            self.need_relative(level)
        elif self.test_file and self.facts.app_package:
            self.compat_home = self.facts.app_package
            AddImportsVisitor.add_needed_import(self.context, self.compat_home, COMPAT_MODULE)
        else:
            AddImportsVisitor.add_needed_import(self.context, COMPAT_MODULE)
        return _attr(f"{COMPAT_MODULE}.{name}")

    def need_relative(self, level: int) -> None:
        AddImportsVisitor.add_needed_import(self.context, "", COMPAT_MODULE, relative=level)

    def need(self, module: str, obj: str | None = None, asname: str | None = None) -> None:
        AddImportsVisitor.add_needed_import(self.context, module, obj, asname)

    def obj_kind(self, node: cst.BaseExpression) -> ObjKind | None:
        keys = self.keys(node)
        kind = self.facts.kind(keys)
        if (
            kind is None
            and isinstance(node, cst.Name)
            and node.value == "app"
            and self.facts.objects
            and any(k.endswith("<locals>.app") for k in keys)
        ):
            # A function's ``app`` parameter (``def init_app(app)``, ``def helper(app, ...)``)
            # in a Flask project: the app, passed around.
            return ObjKind.APP
        return kind

    def _view_ctx(self) -> _Func | None:
        """The view (or exception handler) whose body is being visited, nested functions
        included: they close over the view's request parameter."""

        for func in reversed(self._funcs):
            if func.kind in ("view", "handler", "hook"):
                return func
        return None

    # ------------------------------------------------------------------ statements and TODOs

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self._stmts.append(node)
        return super().on_visit(node)

    def on_leave(
        self, original_node: CSTNodeT, updated_node: CSTNodeT
    ) -> CSTNodeT | cst.RemovalSentinel:
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self._stmts.pop()
            pending = self._pending.pop(id(original_node), [])
            after = self._after.pop(id(original_node), [])
            if pending and isinstance(result, cst.SimpleStatementLine | cst.BaseCompoundStatement):
                result = self._with_todos(result, pending)  # type: ignore[assignment]
            if after and isinstance(result, cst.SimpleStatementLine):
                statements: list[cst.SimpleStatementLine] = [result, *after]
                return cst.FlattenSentinel(statements)  # type: ignore[return-value]
        return result

    def _with_todos(
        self,
        stmt: cst.SimpleStatementLine | cst.BaseCompoundStatement,
        pending: list[tuple[str, str]],
    ) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
        lines = list(stmt.leading_lines)
        # Comments above a module's first statement are parsed into the module's header.
        header = [line for line in self.module.header if line.comment is not None]
        existing = {line.comment.value for line in [*lines, *header] if line.comment is not None}
        for rule, message in pending:
            text = f"# TODO[toolshift {rule}]: {message}"
            if text not in existing:
                lines.append(cst.EmptyLine(indent=True, comment=cst.Comment(text)))
        return stmt.with_changes(leading_lines=lines)

    # ------------------------------------------------------------------ imports

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = alias.evaluated_name
            asname = alias.evaluated_alias
            if _goes_away(name):
                self._flask_imports.append((name, None, asname))
            self._extension(name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        mod = cst.helpers.get_full_name_for_node(node.module) or ""
        if _goes_away(mod) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._flask_imports.append((mod, alias.evaluated_name, alias.evaluated_alias))
        self._extension(mod)

    def _extension(self, module: str) -> None:
        top = module.split(".")[0]
        if top.startswith("flask_") and top != "flask_cors":
            self.todo(
                "FF020",
                f"{top} is a Flask extension with no FastAPI conversion: replace it "
                "(dependencies, middleware or a FastAPI-native library)",
            )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for module, obj, asname in self._flask_imports:
            RemoveImportsVisitor.remove_unused_import(self.context, module, obj, asname)
        return updated_node

    # ------------------------------------------------------------------ names

    def visit_Name(self, node: cst.Name) -> None:
        self._flask_ref(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._flask_ref(node)
        config_kept = self.options.compatible and self.on("FF014")
        is_app = node.attr.value == "config" and self.obj_kind(node.value) is ObjKind.APP
        if is_app and not config_kept:
            self.todo("FF023", "app.config: move configuration to a Settings class")
        if node.attr.value == "config" and "flask.current_app" in self.keys(node.value):
            self._config_refs.add(id(node.value))
        if node.attr.value == "cli" and self.obj_kind(node.value) is ObjKind.APP:
            self.todo("FF024", "Flask CLI command: move it to a plain click/typer script")
        attr = node.attr.value
        if self.obj_kind(node.value) is ObjKind.APP and not (
            self._app_attr_kept(attr)
            or attr in FASTAPI_APP_ATTRS
            or (attr in HANDLED_APP_ATTRS | set(HOOKS) and attr not in FLASK_APP_ONLY)
            or (id(node) in self._assigned and attr not in FLASK_APP_ONLY)
        ):
            self.todo(
                "FF023",
                f"app.{attr} is Flask's and FastAPI has no such attribute: rewrite this by hand",
            )
        if node.attr.value == "url_map" and self.obj_kind(node.value) is ObjKind.APP:
            self.todo("FF021", "url_map (custom converters): use plain path parameters")

    def _app_attr_kept(self, attr: str) -> bool:
        """Is ``app.<attr>`` kept through _flask_compat (compatible style)?"""

        return self.options.compatible and attr in COMPAT_APP_ATTRS and self.on("FF012")

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Attribute):
            self._assigned.add(id(node.target))

    def _flask_ref(self, node: cst.Name | cst.Attribute) -> None:
        keys = self.keys(node)
        for key in keys:
            if key == "flask.request":
                self._request_ref(node)
            elif key.startswith("flask.request.") and key.count(".") == 2:
                self._request_attr(key.rsplit(".", 1)[1])
            elif key in UNCONVERTED:
                if key in REQUEST_HELPERS and self._helper_convertible(node):
                    continue
                if key == "flask.g" and self._hooks_kept():
                    continue
                if key == "flask.Response" and self._response_convertible(node):
                    continue
                if key == "flask.Response" and any(k.startswith("werkzeug.") for k in keys):
                    continue  # the name is rebound to werkzeug's Response, which is kept
                if (
                    key == "flask.Response"
                    and id(node) in self._type_checks
                    and self.options.compatible
                    and self.on("FF005")
                ):
                    continue
                if key == "flask.views.MethodView" and self._views_kept():
                    continue
                if key in FILE_HELPERS and self._files_kept() and id(node) in self._called:
                    continue
                if key in SESSION_NAMES and self._session_kept():
                    continue
                if key == "flask.current_app" and (
                    self._current_config_convertible(node) or self._hooks_kept()
                ):
                    continue
                rule, message = UNCONVERTED[key]
                self.todo(rule, message)
            elif key.startswith("flask.") and key.count(".") == 1 and key not in CONVERTED:
                self.todo("FF023", f"{key} has no FastAPI conversion: rewrite this by hand")

    def _helper_convertible(self, node: cst.CSTNode) -> bool:
        """url_for/render_template called in a view (its request), or elsewhere (hooks,
        helpers, decorators: the current request, ``_flask_compat.request``)."""

        return (
            self.options.compatible
            and self.on("FF013")
            and id(node) in self._called
            and (self._in_view() or self._hooks_kept())
        )

    def _in_view(self) -> bool:
        view = self._view_ctx()
        return view is not None and view.kind == "view"

    def _current_config_convertible(self, node: cst.CSTNode) -> bool:
        view = self._view_ctx()
        return (
            self.options.compatible
            and self.on("FF014")
            and view is not None
            and view.kind == "view"
            and id(node) in self._config_refs
        )

    def visit_Call(self, node: cst.Call) -> None:
        self._called.add(id(node.func))
        func = node.func
        if isinstance(func, cst.Name) and func.value == "isinstance" and len(node.args) == 2:
            kind = node.args[1].value
            kinds = kind.elements if isinstance(kind, cst.Tuple) else [cst.Element(kind)]
            self._type_checks.update(id(el.value) for el in kinds)

    def _response_type(self, node: cst.Name | cst.Attribute) -> cst.BaseExpression | None:
        """``isinstance(x, flask.Response)`` -> ``isinstance(x, _flask_compat.Response)``
        (Starlette's: what the converted views and helpers return)."""

        if id(node) not in self._type_checks or "flask.Response" not in self.keys(node):
            return None
        if not (self.options.compatible and self.on("FF005")):
            return None
        self.applied.add("FF005")
        return self.compat("Response")

    def _hooks_kept(self) -> bool:
        return self.options.compatible and self.on("FF016")

    def _response_convertible(self, node: cst.CSTNode) -> bool:
        """``Response(...)`` called (not subclassed or compared) in the compatible style."""

        return self.options.compatible and self.on("FF005") and id(node) in self._called

    def _files_kept(self) -> bool:
        return self.options.compatible and self.on("FF019")

    def _session_kept(self) -> bool:
        return self.options.compatible and self.on("FF017")

    def _request_ref(self, node: cst.Name | cst.Attribute) -> None:
        if not self.on("FF004"):
            return
        view = self._view_ctx()
        alias = node.value if isinstance(node, cst.Name) else "request"
        if (view is None or view.kind == "hook") and self._hooks_kept():
            return  # reads _flask_compat.request, the context-local one
        if view is None:
            self.todo(
                "FF004",
                "request is used outside a view: pass the view's request parameter in",
            )
            return
        view.request_alias = view.request_alias or alias

    def _request_attr(self, attr: str) -> None:
        view = self._view_ctx()
        if not self.on("FF004"):
            return
        if self.options.compatible and self._hooks_kept():
            # views, hooks and helpers alike: the view's FlaskRequest or _flask_compat.request
            if attr not in COMPAT_REQUEST_ATTRS:
                self.todo("FF004", f"request.{attr} has no equivalent in _flask_compat yet")
            return
        if view is None or view.kind != "view":
            return
        if self.options.compatible:
            if attr not in COMPAT_REQUEST_ATTRS:
                self.todo("FF004", f"request.{attr} has no equivalent in _flask_compat yet")
        elif attr not in IDIOMATIC_REQUEST_ATTRS:
            hint = (
                "read the body in an async view (await request.json() / request.form())"
                if attr in BODY_ATTRS
                else "use the Starlette request API"
            )
            self.todo("FF004", f"request.{attr}: {hint}")

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return (
            self._response_type(original_node) or self._context_local(original_node) or updated_node
        )

    def _context_local(self, node: cst.Name | cst.Attribute) -> cst.BaseExpression | None:
        """``g`` (anywhere) and ``request`` in a hook -> the helper's context-local proxies."""

        if not self._hooks_kept():
            return None
        keys = self.keys(node)
        if "flask.g" in keys:
            self.applied.add("FF016")
            return self.compat("g")
        if "flask.current_app" in keys and isinstance(node, cst.Name | cst.Attribute):
            self.applied.add("FF014")
            return self.compat("current_app")
        session_name = next((k for k in keys if k in SESSION_NAMES), None)
        if session_name is not None and self._session_kept():
            self.applied.add("FF017")
            if self.test_file:
                self.todo(
                    "FF015",
                    "the session outside a request: Flask's test client keeps the last "
                    "request's context in `with client:`, Starlette's TestClient does not "
                    "(read what the test needs through a response instead)",
                )
            return self.compat(SESSION_NAMES[session_name])
        ctx = self._view_ctx()
        if "flask.request" in keys and (ctx is None or ctx.kind == "hook") and self.on("FF004"):
            # Hooks and helper functions: the context-local request (body: see FlaskRequest).
            self.applied.add("FF016")
            return self.compat("request")
        return None

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        local = self._response_type(original_node) or self._context_local(original_node)
        if local is not None:
            return local
        if self.is_test and self._is_response(original_node.value, original=True):
            converted = self._response_attr(original_node, updated_node)
            if converted is not None:
                return converted
        if (
            original_node.attr.value == "logger"
            and self.obj_kind(original_node.value) is ObjKind.APP
            and self._app_attr_kept("logger")
        ):
            return self.compat("logger")  # Flask's app.logger: a logging.Logger
        keys = self.keys(original_node)
        view = self._view_ctx()
        if view is not None and view.exc_param and self.on("FF008"):
            value = original_node.value
            renamed = {"code": "status_code", "description": "detail"}.get(original_node.attr.value)
            if isinstance(value, cst.Name) and value.value == view.exc_param and renamed:
                return updated_node.with_changes(attr=cst.Name(renamed))
        if view is None or not self.on("FF004"):
            return updated_node
        if "flask.request" in keys:
            # ``flask.request`` -> the view's parameter
            return cst.Name(view.request_alias or "request")
        if "flask.current_app.config" in keys and self._current_config_convertible(
            original_node.value
        ):
            # ``current_app.config`` -> ``request.app.config`` (the app's _flask_compat.Config)
            view.request_alias = view.request_alias or view.alias_hint
            self.applied.add("FF014")
            return cst.Attribute(
                value=cst.Attribute(value=_name(view.request_alias), attr=_name("app")),
                attr=_name("config"),
            )
        if not self.options.compatible:
            for key in keys:
                if key.startswith("flask.request.") and key.count(".") == 2:
                    attr = key.rsplit(".", 1)[1]
                    if attr in IDIOMATIC_REQUEST_ATTRS:
                        return updated_node.with_changes(
                            attr=cst.Name(IDIOMATIC_REQUEST_ATTRS[attr])
                        )
        return updated_node

    # ------------------------------------------------------------------ classes

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            for key in self.keys(base.value):
                if key == "flask.views.MethodView" and self._views_kept():
                    continue
                if key in UNCONVERTED:
                    rule, message = UNCONVERTED[key]
                    self.todo(rule, message)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        if not self._views_kept():
            return updated_node
        bases = []
        for orig, upd in zip(original_node.bases, updated_node.bases, strict=True):
            if "flask.views.MethodView" in self.keys(orig.value):
                self.applied.add("FF018")
                upd = upd.with_changes(value=self.compat("MethodView"))
            bases.append(upd)
        return updated_node.with_changes(bases=bases)

    def _views_kept(self) -> bool:
        return self.options.compatible and self.on("FF018")

    # ------------------------------------------------------------------ functions

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Test files: response and dict names are tracked per function.
        self._scopes.append((self._responses, self._dicts))
        self._responses, self._dicts = set(), {}
        kind = "other"
        for dec in node.decorators:
            call = dec.decorator
            func = call.func if isinstance(call, cst.Call) else call
            extension = _extension_of(self.keys(func))
            if extension is not None:
                self.todo(
                    "FF020",
                    f"@{cst.helpers.get_full_name_for_node(func)} comes from {extension}: "
                    "replace it with a FastAPI dependency",
                )
            if not isinstance(func, cst.Attribute):
                continue
            obj = self.obj_kind(func.value)
            name = func.attr.value
            if obj is None:
                continue
            if name in ("route", *ROUTE_METHODS) and self.on("FF003"):
                kind = "view"
            elif name == "errorhandler" and obj is ObjKind.APP and self.on("FF008"):
                kind = "handler"
            elif name in ("errorhandler", "app_errorhandler"):
                self.todo(
                    "FF008",
                    f"blueprint {name}: register the handler on the app "
                    "with @app.exception_handler(...)",
                )
            elif self._hooks_kept() and (
                (name in COMPAT_HOOKS and obj is ObjKind.APP)
                or (name in BP_APP_HOOKS and obj is ObjKind.BLUEPRINT)
            ):
                kind = "hook"
            elif name in TEMPLATE_DECORATORS and obj is ObjKind.APP and self._app_attr_kept(name):
                continue  # @_flask_compat.template_filter(app, ...) (see _decorator)
            elif name in HOOKS:
                self.todo(
                    "FF022",
                    f"Flask hook {name}: turn it into a middleware "
                    "(@app.middleware('http')) or a dependency",
                )
        if kind == "other" and self.keys(node.name) & self.facts.views:
            kind = "view"
        func_ctx = _Func(kind)
        if kind == "view":
            func_ctx.alias_hint = self._request_alias_in(node)
        if kind == "handler" and node.params.params and self._http_handler(node):
            func_ctx.exc_param = node.params.params[-1].name.value
        self._funcs.append(func_ctx)

    def _request_alias_in(self, node: cst.FunctionDef) -> str:
        """The name this view already uses for Flask's request (``rq`` for ``request as rq``)."""

        names: list[cst.Name] = []

        class _Collect(cst.CSTVisitor):
            def visit_Name(self, n: cst.Name) -> None:
                names.append(n)

        node.body.visit(_Collect())
        for n in names:
            if "flask.request" in self.keys(n):
                return n.value
        return "request"

    def _http_handler(self, node: cst.FunctionDef) -> bool:
        """Is this error handler for HTTP errors (a status code or an HTTPException class)?"""

        for dec in node.decorators:
            call = dec.decorator
            if not isinstance(call, cst.Call) or not call.args:
                continue
            if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "errorhandler":
                continue
            arg = call.args[0].value
            if isinstance(arg, cst.Integer):
                return True
            if any(k.startswith("werkzeug.exceptions.") for k in self.keys(arg)):
                return True
        return False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        ctx = self._funcs.pop()
        self._responses, self._dicts = self._scopes.pop()
        decorators = [
            self._decorator(orig, upd, ctx)
            for orig, upd in zip(original_node.decorators, updated_node.decorators, strict=True)
        ]
        params = updated_node.params
        if ctx.route_defaults:
            with_defaults = self._with_defaults(params, ctx)
            if with_defaults is None:
                self.todo(
                    "FF003",
                    "route defaults=: give the view's parameters these defaults by hand",
                    original_node,
                )
            else:
                params = with_defaults
                # @_flask_compat.route_defaults(js="fetch"): for url_for and the redirect
                mark = cst.Call(
                    func=self.compat("route_defaults"),
                    args=_args(
                        [
                            cst.Arg(v, keyword=_name(k), equal=_NO_SPACE_EQUAL)
                            for k, v in ctx.route_defaults.items()
                        ]
                    ),
                )
                decorators.append(cst.Decorator(decorator=mark))
        if ctx.path_types:
            params = params.with_changes(
                params=[self._typed(p, ctx.path_types) for p in params.params]
            )
        if ctx.kind == "view" and ctx.request_alias:
            if self.options.compatible:
                annotation = self.compat("FlaskRequest")
            else:
                self.need("fastapi", "Request")
                annotation = _name("Request")
            if self.options.compatible and self.keys(original_node.name) & self.facts.called:
                # The project also calls this view itself (another view delegating to it):
                # its own arguments keep their places, and the request is the current one.
                params = self._append_request(params, ctx.request_alias, annotation)
            else:
                params = self._prepend(params, ctx.request_alias, annotation)
            self.applied.add("FF004")
        if ctx.kind == "handler" and len(params.params) < 2:
            self.need("fastapi", "Request")
            alias = ctx.request_alias or "request"
            if ctx.request_alias:
                self.todo(
                    "FF008",
                    "request in an exception handler is Starlette's Request now "
                    "(request.url.path, request.query_params, ...)",
                    original_node,
                )
            params = self._prepend(params, alias, _name("Request"))
        return updated_node.with_changes(decorators=decorators, params=params)

    def _prepend(
        self, params: cst.Parameters, name: str, annotation: cst.BaseExpression
    ) -> cst.Parameters:
        if any(p.name.value == name for p in params.params):
            return params
        new = cst.Param(name=_name(name), annotation=cst.Annotation(annotation))
        existing = list(params.params)
        if existing or params.star_arg != cst.MaybeSentinel.DEFAULT or params.kwonly_params:
            new = new.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return params.with_changes(params=[new, *existing])

    def _append_request(
        self, params: cst.Parameters, name: str, annotation: cst.BaseExpression
    ) -> cst.Parameters:
        """``def v(a, b=1, *, request: FlaskRequest = _flask_compat.request)``."""

        every = [*params.params, *params.kwonly_params, *params.posonly_params]
        if any(p.name.value == name for p in every) or params.star_kwarg is not None:
            return params
        eq = cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(" "),
            whitespace_after=cst.SimpleWhitespace(" "),
        )
        new = cst.Param(
            name=_name(name),
            annotation=cst.Annotation(annotation),
            default=self.compat("request"),
            equal=eq,
        )
        positional = list(params.params)
        if positional:
            last = positional[-1]
            positional[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        star = params.star_arg
        if isinstance(star, cst.Param):
            star = star.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elif not isinstance(star, cst.ParamStar):
            star = cst.ParamStar(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        kwonly = list(params.kwonly_params)
        if kwonly:
            kwonly[-1] = kwonly[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return params.with_changes(params=positional, star_arg=star, kwonly_params=[*kwonly, new])

    def _typed(self, param: cst.Param, types: dict[str, str]) -> cst.Param:
        typ = types.get(param.name.value)
        if typ is None or param.annotation is not None:
            return param
        if typ.startswith("uuid."):
            self.need("uuid")
        changes: dict[str, object] = {"annotation": cst.Annotation(_attr(typ))}
        if param.default is not None:
            # PEP 8: spaces around "=" once the parameter is annotated.
            changes["equal"] = cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(" "),
                whitespace_after=cst.SimpleWhitespace(" "),
            )
        return param.with_changes(**changes)

    def _decorator(self, orig: cst.Decorator, upd: cst.Decorator, ctx: _Func) -> cst.Decorator:
        call = orig.decorator
        if ctx.kind == "hook" and isinstance(call, cst.Attribute):
            kind = self.obj_kind(call.value)
            hook = (COMPAT_HOOKS if kind is ObjKind.APP else BP_APP_HOOKS).get(call.attr.value)
            if hook is not None and kind is not None:
                # @app.before_request -> @_flask_compat.before_request(app)
                assert isinstance(upd.decorator, cst.Attribute)
                self.applied.add("FF016")
                return upd.with_changes(
                    decorator=cst.Call(func=self.compat(hook), args=[cst.Arg(upd.decorator.value)])
                )
        template = self._template_decorator(call, upd.decorator)
        if template is not None:
            return upd.with_changes(decorator=template)
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return upd
        obj = self.obj_kind(call.func.value)
        name = call.func.attr.value
        new_call = upd.decorator
        if obj is None or not isinstance(new_call, cst.Call):
            return upd
        assert isinstance(new_call.func, cst.Attribute)
        if name in ("route", *ROUTE_METHODS) and ctx.kind == "view":
            with_path = self._route(new_call, name, ctx)
            return upd.with_changes(decorator=with_path)
        if name == "errorhandler" and ctx.kind == "handler":
            self.applied.add("FF008")
            args = [self._handler_key(o, u) for o, u in zip(call.args, new_call.args, strict=True)]
            return upd.with_changes(
                decorator=new_call.with_changes(
                    func=new_call.func.with_changes(attr=_name("exception_handler")), args=args
                )
            )
        return upd

    def _template_decorator(
        self, orig: cst.BaseExpression, upd: cst.BaseExpression
    ) -> cst.Call | None:
        """``@app.template_filter("x")`` / ``@app.context_processor`` ->
        ``@_flask_compat.template_filter(app, "x")`` / ``@_flask_compat.context_processor(app)``."""

        func = orig.func if isinstance(orig, cst.Call) else orig
        new_func = upd.func if isinstance(upd, cst.Call) else upd
        if not isinstance(func, cst.Attribute) or not isinstance(new_func, cst.Attribute):
            return None
        name = func.attr.value
        if name not in TEMPLATE_DECORATORS or self.obj_kind(func.value) is not ObjKind.APP:
            return None
        if not self._app_attr_kept(name):
            return None
        self.applied.add("FF013")
        args = list(upd.args) if isinstance(upd, cst.Call) else []
        return cst.Call(func=self.compat(name), args=_args([cst.Arg(new_func.value), *args]))

    def _handler_key(self, orig: cst.Arg, arg: cst.Arg) -> cst.Arg:
        for key in self.keys(orig.value):
            if key == "werkzeug.exceptions.HTTPException":
                self.need("starlette.exceptions", "HTTPException", "StarletteHTTPException")
                return arg.with_changes(value=_name("StarletteHTTPException"))
            short = key.rsplit(".", 1)[-1]
            if key.startswith("werkzeug.exceptions.") and short in WERKZEUG_STATUS:
                return arg.with_changes(value=cst.Integer(str(WERKZEUG_STATUS[short])))
        return arg

    # ------------------------------------------------------------------ routes

    def _route(self, call: cst.Call, name: str, ctx: _Func) -> cst.Call:
        assert isinstance(call.func, cst.Attribute)
        path_arg: cst.Arg | None = None
        methods: cst.BaseExpression | None = None
        extra: list[cst.Arg] = []
        for i, arg in enumerate(call.args):
            kw = arg.keyword.value if arg.keyword else None
            if (kw is None and i == 0) or kw == "rule":
                path_arg = arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
            elif kw == "methods":
                methods = arg.value
            elif kw == "endpoint":
                extra.append(_kwarg("name", arg.value))
            elif kw == "provide_automatic_options" or (
                kw == "defaults" and self._route_defaults(arg.value, ctx)
            ):
                continue
            elif kw is not None:
                self.todo("FF003", f"route option {kw}= has no FastAPI equivalent")
            else:
                extra.append(arg)
        if path_arg is None:
            return call
        path_arg = path_arg.with_changes(value=self._path(path_arg.value, ctx))
        attr = name
        out_args = [path_arg]
        if name == "route":
            method_list = self._methods(methods)
            if method_list is not None and len(method_list) == 1:
                attr = method_list[0].lower()
                if attr not in ROUTE_METHODS:
                    attr = "api_route"
                    out_args.append(_kwarg("methods", _str_list(method_list)))
            elif methods is None:
                attr = "get"
            else:
                attr = "api_route"
                out_args.append(_kwarg("methods", methods))
        self.applied.add("FF003")
        return call.with_changes(
            func=call.func.with_changes(attr=_name(attr)), args=_args([*out_args, *extra])
        )

    def _route_defaults(self, value: cst.BaseExpression, ctx: _Func) -> bool:
        """``defaults={"js": "fetch"}``: the view's parameter gets the value as its default
        (a route without that path parameter calls the view with it, as Flask does)."""

        if not isinstance(value, cst.Dict) or not self.options.compatible:
            return False
        found: dict[str, cst.BaseExpression] = {}
        for el in value.elements:
            key = string_value(el.key) if isinstance(el, cst.DictElement) else None
            if key is None or not isinstance(el, cst.DictElement):
                return False
            found[key] = el.value
        ctx.route_defaults.update(found)
        return True

    def _with_defaults(self, params: cst.Parameters, ctx: _Func) -> cst.Parameters | None:
        """The parameters with the route defaults set; None when that is not valid Python
        (a parameter without a default would follow one with a default)."""

        out: list[cst.Param] = []
        seen_default = False
        for p in params.params:
            value = ctx.route_defaults.get(p.name.value)
            if p.default is None and value is not None:
                spaced = p.annotation is not None
                ws = cst.SimpleWhitespace(" " if spaced else "")
                p = p.with_changes(
                    default=value, equal=cst.AssignEqual(whitespace_before=ws, whitespace_after=ws)
                )
            if p.default is not None:
                seen_default = True
            elif seen_default:
                return None
            out.append(p)
        return params.with_changes(params=out)

    def _add_url_rule(self, call: cst.Call, on_app: bool = False) -> cst.Call | None:
        """``add_url_rule(rule, endpoint, view_func, methods=...)`` -> ``add_api_route``."""

        assert isinstance(call.func, cst.Attribute)
        by_role: dict[str, cst.Arg] = {}
        for i, arg in enumerate(call.args):
            kw = arg.keyword.value if arg.keyword else ("rule", "endpoint", "view_func")[min(i, 2)]
            by_role[kw] = arg
        view = by_role.get("view_func")
        rule = by_role.get("rule")
        endpoint_arg = by_role.get("endpoint")
        if (
            view is None
            and rule is not None
            and endpoint_arg is not None
            and set(by_role) == {"rule", "endpoint"}
            and self._app_attr_kept("make_response")
            and on_app
        ):
            # add_url_rule("/", endpoint="index"): a name for url_for, the view is another's
            self.applied.add("FF003")
            args = [cst.Arg(call.func.value), cst.Arg(rule.value), cst.Arg(endpoint_arg.value)]
            return cst.Call(func=self.compat("add_endpoint_alias"), args=_args(args))
        if (
            view is None
            or rule is None
            or set(by_role) - {"rule", "endpoint", "view_func", "methods"}
        ):
            return None
        path = rule.value
        if isinstance(view.value, cst.Call):
            return self._method_view(call, path, view.value)

        if isinstance(path, cst.SimpleString):
            path = self._path(path, _Func("view"))
        args = [cst.Arg(path), cst.Arg(view.value)]
        methods = by_role.get("methods")
        args.append(_kwarg("methods", methods.value if methods else _str_list(["GET"])))
        endpoint = by_role.get("endpoint")
        if endpoint is not None and not (
            isinstance(endpoint.value, cst.Name) and endpoint.value.value == "None"
        ):
            args.append(_kwarg("name", endpoint.value))
        self.applied.add("FF003")
        return call.with_changes(
            func=call.func.with_changes(attr=_name("add_api_route")), args=_args(args)
        )

    def _method_view(
        self, call: cst.Call, path: cst.BaseExpression, as_view: cst.Call
    ) -> cst.Call | None:
        """``add_url_rule(rule, view_func=Cls.as_view(name, ...))`` ->
        ``_flask_compat.add_method_view(app, rule, Cls, name, ...)``."""

        func = as_view.func
        if not (
            self._views_kept()
            and isinstance(func, cst.Attribute)
            and func.attr.value == "as_view"
            and isinstance(call.func, cst.Attribute)
        ):
            return None
        if isinstance(path, cst.SimpleString):
            path = self._path(path, _Func("view"))
        self.applied.add("FF018")
        args = [cst.Arg(call.func.value), cst.Arg(path), cst.Arg(func.value), *as_view.args]
        return cst.Call(func=self.compat("add_method_view"), args=_args(args))

    def _methods(self, node: cst.BaseExpression | None) -> list[str] | None:
        if node is None:
            return ["GET"]
        if not isinstance(node, cst.List | cst.Tuple | cst.Set):
            return None
        out = []
        for el in node.elements:
            value = string_value(el.value) if isinstance(el, cst.Element) else None
            if value is None:
                return None
            out.append(value.upper())
        return out

    def _path(self, node: cst.BaseExpression, ctx: _Func) -> cst.BaseExpression:
        if not isinstance(node, cst.SimpleString):
            if isinstance(node, cst.FormattedString | cst.ConcatenatedString):
                self.todo("FF003", "route path is not a plain string: convert <x> to {x} by hand")
            return node

        def convert(m: re.Match[str]) -> str:
            conv, cargs, var = m.group("conv"), m.group("cargs"), m.group("var")
            if conv is None or (conv == "string" and not cargs):
                return "{" + var + "}"
            if conv in ("int", "float", "uuid", "path") and not cargs:
                if conv in CONVERTER_TYPES:
                    ctx.path_types[var] = CONVERTER_TYPES[conv]
                return "{" + var + ":" + conv + "}"
            choices = _any_choices(conv, cargs)
            if choices is not None and self.options.compatible and self.on("FF012"):
                # <any(a, b):x>: a Starlette convertor matching only those values (else 404)
                anys.append((var, choices))
                return "{" + var + ":\0" + str(len(anys) - 1) + "}"
            self.todo(
                "FF021",
                f"converter <{conv}{cargs or ''}:{var}> has no FastAPI equivalent: "
                f"{var} is now a plain string, check it in the view",
            )
            return "{" + var + "}"

        anys: list[tuple[str, list[str]]] = []
        new = CONVERTER.sub(convert, node.value)
        if not anys:
            return node.with_changes(value=new)
        # "/{js:" + _flask_compat.any_converter("xhr", "jquery") + "}": the convertor is
        # registered (under a name made from its values) before the route is.
        quote, prefix = node.quote, node.prefix
        parts = re.split("\0(\\d+)", new)  # [opening + text, index, text, ..., text + closing]
        expr: cst.BaseExpression = cst.SimpleString(parts[0] + quote)
        for i in range(1, len(parts), 2):
            _, choices = anys[int(parts[i])]
            call = cst.Call(
                func=self.compat("any_converter"),
                args=_args([cst.Arg(cst.SimpleString(json.dumps(c))) for c in choices]),
            )
            last = i + 2 >= len(parts)
            rest = prefix + quote + parts[i + 1] + ("" if last else quote)
            expr = cst.BinaryOperation(expr, cst.Add(), call)
            expr = cst.BinaryOperation(expr, cst.Add(), cst.SimpleString(rest))
        self.applied.add("FF021")
        return expr

    # ------------------------------------------------------------------ calls

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        keys = self.keys(original_node.func)
        func = original_node.func
        if self.is_test:
            converted = self._test_call(original_node, updated_node)
            if converted is not None:
                return converted
        if (
            not self.options.compatible
            and self._view_ctx() is not None
            and isinstance(func, cst.Attribute)
            and func.attr.value in ("get", "getlist")
            and "flask.request.args" in self.keys(func.value)
            and any(a.keyword and a.keyword.value == "type" for a in original_node.args)
        ):
            self.todo(
                "FF004",
                "query_params.get has no type=: declare a typed parameter (k: int = default), "
                "which answers 422 for a bad value where Flask used the default",
            )
        helper = next((REQUEST_HELPERS[k] for k in keys if k in REQUEST_HELPERS), None)
        if helper is not None and self._helper_convertible(original_node.func):
            view = self._view_ctx()
            self.applied.add("FF013")
            if view is not None and view.kind == "view":
                view.request_alias = view.request_alias or view.alias_hint
                current: cst.BaseExpression = _name(view.request_alias)
            else:
                current = self.compat("request")
            return updated_node.with_changes(
                func=self.compat(helper), args=_args([cst.Arg(current), *updated_node.args])
            )
        if "flask.Flask" in keys and self.on("FF001"):
            return self._flask_app(original_node, updated_node)
        if "flask.Blueprint" in keys and self.on("FF002"):
            return self._blueprint(original_node, updated_node)
        if "flask.jsonify" in keys and self.on("FF005"):
            return self._jsonify(updated_node)
        if "flask.make_response" in keys and self.on("FF005"):
            if self.options.compatible:
                self.applied.add("FF005")
                return updated_node.with_changes(func=self.compat("make_response"))
            self.todo("FF005", "make_response: build a starlette Response directly")
        file_helper = next((FILE_HELPERS[k] for k in keys if k in FILE_HELPERS), None)
        if file_helper and self._files_kept() and id(original_node.func) in self._called:
            self.applied.add("FF019")
            return updated_node.with_changes(func=self.compat(file_helper))
        werkzeug_too = any(k.startswith("werkzeug.") for k in keys)  # rebound to werkzeug's
        if (
            "flask.Response" in keys
            and not werkzeug_too
            and self._response_convertible(original_node.func)
        ):
            self.applied.add("FF005")
            return updated_node.with_changes(func=self.compat("FlaskResponse"))
        if "flask.redirect" in keys and self.on("FF007"):
            return self._redirect(updated_node)
        if "flask.abort" in keys and self.on("FF006"):
            if self.options.compatible:
                self.applied.add("FF006")
                return updated_node.with_changes(func=self.compat("abort"))
            if not self._is_statement(original_node):  # statements become raise (leave_Expr)
                self.todo("FF006", "abort inside an expression: raise HTTPException(...) instead")
        extension = _extension_of(keys)
        on_app = any(self.obj_kind(a.value) is ObjKind.APP for a in original_node.args)
        if keys & DOCS_EXTENSIONS and on_app and self.on("FF020"):
            # Flask API docs extensions: FastAPI serves its own; set up on a FastAPI app they
            # would fail at import (the app would not start).
            self.todo(
                "FF020",
                f"{extension} (API docs) removed: FastAPI serves OpenAPI docs at /docs and "
                "/openapi.json; move its title/tags to FastAPI(title=..., openapi_tags=...)",
            )
            return cst.Name("None")
        if extension and on_app:
            self.todo("FF020", f"{extension} is set up on the Flask app: replace it")
        if isinstance(func, cst.Attribute):
            obj = self.obj_kind(func.value)
            attr = func.attr.value
            if obj is not None and attr == "register_blueprint" and self.on("FF002"):
                return self._include_router(updated_node)
            if obj is ObjKind.APP and attr == "run" and self.on("FF009"):
                return self._run(original_node, updated_node)
            if obj is ObjKind.APP and attr in TEMPLATE_ADDERS and self._app_attr_kept(attr):
                # app.add_template_global(v, name=) -> _flask_compat.add_template_global(app, ...)
                assert isinstance(updated_node.func, cst.Attribute)
                self.applied.add("FF013")
                app_arg = cst.Arg(updated_node.func.value)
                return updated_node.with_changes(
                    func=self.compat(attr), args=_args([app_arg, *updated_node.args])
                )
            if obj is ObjKind.APP and attr == "make_response" and self._app_attr_kept(attr):
                self.applied.add("FF005")
                return updated_node.with_changes(func=self.compat("make_response"))
            if obj is ObjKind.APP and attr == "app_context" and self._app_attr_kept(attr):
                # with app.app_context(): -> with _flask_compat.app_context(app):
                assert isinstance(updated_node.func, cst.Attribute)
                self.applied.add("FF016")
                app_arg = cst.Arg(updated_node.func.value)
                return cst.Call(func=self.compat("app_context"), args=[app_arg])
            hook = COMPAT_HOOKS.get(attr) if obj is ObjKind.APP else None
            if hook and len(updated_node.args) == 1 and self._hooks_kept():
                # app.teardown_appcontext(close_db) -> _flask_compat.teardown_request(app)(...)
                assert isinstance(updated_node.func, cst.Attribute)
                self.applied.add("FF016")
                register = cst.Call(func=self.compat(hook), args=[cst.Arg(updated_node.func.value)])
                return updated_node.with_changes(func=register)
            template_kept = obj is ObjKind.APP and self._app_attr_kept(attr)
            if obj is not None and attr in HOOKS and not template_kept:
                self.todo(
                    "FF022",
                    f"Flask hook {attr}: turn it into a middleware "
                    "(@app.middleware('http')) or a dependency",
                )
            if obj is not None and attr == "add_url_rule" and self.on("FF003"):
                converted = self._add_url_rule(updated_node, obj is ObjKind.APP)
                if converted is not None:
                    return converted
            if (
                obj is ObjKind.APP
                and attr == "register_error_handler"
                and self.options.compatible
                and self.on("FF008")
                and len(updated_node.args) == 2
            ):
                # app.register_error_handler(code, fn) -> add_exception_handler(code, wrapped fn)
                self.applied.add("FF008")
                key, fn = updated_node.args
                orig_key = original_node.args[0]
                wrapped = cst.Call(func=self.compat("error_handler"), args=[cst.Arg(fn.value)])
                assert isinstance(updated_node.func, cst.Attribute)
                return updated_node.with_changes(
                    func=updated_node.func.with_changes(attr=_name("add_exception_handler")),
                    args=_args([self._handler_key(orig_key, key), cst.Arg(wrapped)]),
                )
            if obj is not None and attr in ("add_url_rule", "register_error_handler"):
                self.todo(
                    "FF003",
                    f"{attr}: register the function with app.add_api_route / "
                    "app.add_exception_handler(code, handler(request, exc))",
                )
            own = any(k.rsplit(".", 1)[0] in self.facts.modules for k in keys)
            if (
                attr == "init_app"
                and not own  # the project's own init_app(app): converted where it is defined
                and any(self.obj_kind(a.value) is ObjKind.APP for a in original_node.args)
            ):
                self.todo(
                    "FF020",
                    "extension init_app: this Flask extension does not work with FastAPI",
                )
        return updated_node

    def _flask_app(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        self.applied.add("FF001")
        self.need("fastapi", "FastAPI")
        for arg in original.args:
            kw = arg.keyword.value if arg.keyword else None
            if kw in ("static_folder", "template_folder", "static_url_path"):
                self.note(
                    "FF001",
                    f"Flask({kw}=...) dropped: mount StaticFiles / create Jinja2Templates",
                    original,
                )
        if not self.options.compatible:
            return updated.with_changes(func=_name("FastAPI"), args=[])
        # Flask's routing answers (HEAD, OPTIONS, strict trailing slashes), see FlaskRouting.
        target = self._assigned_name(original)
        relative = any(
            a.keyword is not None
            and a.keyword.value == "instance_relative_config"
            and isinstance(a.value, cst.Name)
            and a.value.value == "True"
            for a in original.args
        )
        instance = relative or self.facts.uses_instance_path
        if target is not None and instance and self._app_attr_kept("instance_path"):
            # Flask's instance folder (the app's code reads it, or config files live there).
            line = cst.parse_statement(f"{target}.instance_path = F(__file__)\n")
            line = line.visit(_Replace("F", self.compat("instance_path")))  # type: ignore[assignment]
            assert isinstance(line, cst.SimpleStatementLine)
            self._after.setdefault(id(self._stmts[-1]), []).append(line)
        if (
            target is not None
            and self.on("FF014")
            and self._assigned_keys(original) & (self.facts.config_used)
        ):
            # Flask's config object (defaults, from_object, from_envvar, ...) stays the app's.
            self.applied.add("FF014")
            config_args = []
            if relative and self._app_attr_kept("instance_path"):
                # instance_relative_config: from_pyfile reads files from the instance folder
                config_args = [
                    cst.Arg(cst.Attribute(value=_name(target), attr=_name("instance_path")))
                ]
            config = cst.Assign(
                targets=[
                    cst.AssignTarget(cst.Attribute(value=_name(target), attr=_name("config")))
                ],
                value=cst.Call(func=self.compat("Config"), args=config_args),
            )
            self._after.setdefault(id(self._stmts[-1]), []).append(
                cst.SimpleStatementLine([config])
            )
        if target is not None and self.facts.uses_cli and self._hooks_kept():
            # app.cli: a click group, so the app still imports (the commands get a TODO)
            line = cst.parse_statement(f"{target}.cli = F()\n")
            line = line.visit(_Replace("F", self.compat("cli_group")))  # type: ignore[assignment]
            assert isinstance(line, cst.SimpleStatementLine)
            self._after.setdefault(id(self._stmts[-1]), []).append(line)
        uses_root = self.facts.uses_current_app and self._hooks_kept()  # open_resource
        if target is not None and ((self.facts.uses_send and self._files_kept()) or uses_root):
            # Flask resolves send_file/send_from_directory paths against the app's folder.
            root = cst.parse_statement(f'{target}.state.root_path = F(__file__, ".")\n')
            root = root.visit(_Replace("F", self.compat("folder")))  # type: ignore[assignment]
            assert isinstance(root, cst.SimpleStatementLine)
            self._after.setdefault(id(self._stmts[-1]), []).append(root)
        if target is not None and self.facts.uses_templates and self.on("FF013"):
            self._after.setdefault(id(self._stmts[-1]), []).extend(
                self._template_setup(target, original)
            )
        if target is not None:
            stmt = self._stmts[-1]
            # Innermost first: routing, then hooks around it, then the session around both
            # (hooks read the session).
            middleware = ["FlaskRouting"]
            if self.facts.uses_hooks and self._hooks_kept():
                middleware.append("FlaskHooks")
            if self.facts.uses_session and self._session_kept():
                middleware.append("FlaskSession")
            for name in middleware:
                add = cst.SimpleStatementLine(
                    [
                        cst.Expr(
                            cst.Call(
                                func=cst.Attribute(
                                    value=_name(target), attr=_name("add_middleware")
                                ),
                                args=[cst.Arg(self.compat(name))],
                            )
                        )
                    ]
                )
                self._after.setdefault(id(stmt), []).append(add)
        else:
            self.note(
                "FF001",
                "FastAPI() not assigned to a name: add "
                "app.add_middleware(_flask_compat.FlaskRouting) for Flask's HEAD/OPTIONS/slashes",
                original,
            )
        return updated.with_changes(
            func=_name("FastAPI"),
            args=[
                _kwarg("redirect_slashes", cst.Name("False")),
                # Flask's HTML error pages where the app has no handler (see error_pages)
                _kwarg("exception_handlers", cst.Call(func=self.compat("error_pages"))),
            ],
        )

    def _template_setup(self, target: str, call: cst.Call) -> list[cst.SimpleStatementLine]:
        """Flask serves templates and static files from folders beside the app's module."""

        given = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        template = given.get("template_folder", cst.SimpleString('"templates"'))
        static = given.get("static_folder", cst.SimpleString('"static"'))
        self.applied.add("FF013")
        folder = self.compat("folder")
        out = [
            cst.parse_statement(f"{target}.state.template_folder = F(__file__, T)\n"),
        ]
        replacements: list[tuple[str, cst.BaseExpression]] = [("F", folder), ("T", template)]
        if not (isinstance(static, cst.Name) and static.value == "None"):
            url = given.get("static_url_path")
            if url is None:
                name = string_value(static)
                url = cst.SimpleString(f'"/{(name or "static").rstrip("/").split("/")[-1]}"')
            out.append(cst.parse_statement(f'{target}.mount(U, S(__file__, D), name="static")\n'))
            replacements += [("U", url), ("S", self.compat("static_files")), ("D", static)]
        lines: list[cst.SimpleStatementLine] = []
        for stmt in out:
            assert isinstance(stmt, cst.SimpleStatementLine)
            for placeholder, node in replacements:
                stmt = stmt.visit(_Replace(placeholder, node))  # type: ignore[assignment]
            lines.append(stmt)
        return lines

    def _is_statement(self, call: cst.Call) -> bool:
        """Is ``call`` a whole expression statement (``abort(404)`` on its own line)?"""

        stmt = self._stmts[-1] if self._stmts else None
        return isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(small, cst.Expr) and small.value is call for small in stmt.body
        )

    def _assigned_name(self, call: cst.Call) -> str | None:
        """``app`` when the statement being visited is ``app = <call>``."""

        stmt = self._stmts[-1] if self._stmts else None
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
            target = small.targets[0].target
            return target.value if isinstance(target, cst.Name) else None
        if isinstance(small, cst.AnnAssign) and small.value is call:
            return small.target.value if isinstance(small.target, cst.Name) else None
        return None

    def _blueprint(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        self.applied.add("FF002")
        self.need("fastapi", "APIRouter")
        prefix: cst.Arg | None = None
        for arg in updated.args:
            if arg.keyword and arg.keyword.value == "url_prefix":
                prefix = arg
        keys = self._assigned_keys(original)
        regs = [r for k in keys for r in self.facts.registration_prefixes(k)]
        args: list[cst.Arg] = []
        if prefix is not None:
            if regs and all(r.has_prefix for r in regs):
                # Flask: a registration url_prefix replaces the blueprint's own.
                self.note("FF002", "blueprint url_prefix replaced by its registration", original)
            else:
                if regs and any(r.has_prefix for r in regs):
                    self.todo(
                        "FF002",
                        "registered both with and without url_prefix: FastAPI adds the "
                        "router prefix to the registration prefix, Flask replaces it",
                    )
                args.append(_kwarg("prefix", self._prefix(prefix.value)))
        return updated.with_changes(func=_name("APIRouter"), args=args)

    def _assigned_keys(self, call: cst.Call) -> set[str]:
        keys: set[str] = set()
        for stmt in reversed(self._stmts):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and small.value is call:
                        for target in small.targets:
                            keys |= self.keys(target.target)
                    if isinstance(small, cst.AnnAssign) and small.value is call:
                        keys |= self.keys(small.target)
                break
        return keys

    def _prefix(self, value: cst.BaseExpression) -> cst.BaseExpression:
        """FastAPI prefixes must not end with '/' (Flask strips it when joining)."""

        text = string_value(value)
        if text is None or not isinstance(value, cst.SimpleString):
            return value
        stripped = text.rstrip("/")
        if stripped == text:
            return value
        quote = value.quote
        return cst.SimpleString(f"{value.prefix}{quote}{stripped}{quote}")

    def _include_router(self, call: cst.Call) -> cst.Call:
        assert isinstance(call.func, cst.Attribute)
        self.applied.add("FF002")
        args: list[cst.Arg] = []
        for arg in call.args:
            kw = arg.keyword.value if arg.keyword else None
            if kw == "url_prefix":
                value = self._prefix(arg.value)
                if string_value(value) == "":
                    continue
                args.append(arg.with_changes(keyword=_name("prefix"), value=value))
            elif kw is None or kw == "blueprint":
                args.append(arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT))
            else:
                self.todo("FF002", f"register_blueprint({kw}=...) has no FastAPI equivalent")
        return call.with_changes(
            func=call.func.with_changes(attr=_name("include_router")), args=_args(args)
        )

    def _jsonify(self, call: cst.Call) -> cst.Call:
        self.applied.add("FF005")
        if self.options.compatible:
            return call.with_changes(func=self.compat("jsonify"))
        self.need("fastapi.responses", "JSONResponse")
        if all(a.keyword is not None for a in call.args) and call.args:
            content: cst.BaseExpression = cst.Dict(
                [
                    cst.DictElement(
                        cst.SimpleString(f'"{a.keyword.value}"'),
                        a.value,
                        comma=cst.MaybeSentinel.DEFAULT
                        if i == len(call.args) - 1
                        else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                    )
                    for i, a in enumerate(call.args)
                    if a.keyword is not None
                ]
            )
        elif len(call.args) == 1 and call.args[0].star == "":
            content = call.args[0].value
        elif not call.args:
            content = cst.Name("None")
        else:
            content = cst.List([cst.Element(a.value) for a in call.args])
        return cst.Call(func=_name("JSONResponse"), args=[cst.Arg(content)])

    def _redirect(self, call: cst.Call) -> cst.Call:
        self.applied.add("FF007")
        self.need("fastapi.responses", "RedirectResponse")
        args: list[cst.Arg] = []
        code: cst.BaseExpression = cst.Integer("302")
        for i, arg in enumerate(call.args):
            kw = arg.keyword.value if arg.keyword else None
            if kw == "code" or (kw is None and i == 1):
                code = arg.value
            elif kw in (None, "location"):
                args.append(arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT))
            else:
                self.todo("FF007", f"redirect({kw}=...) has no RedirectResponse equivalent")
        args.append(_kwarg("status_code", code))
        return call.with_changes(func=_name("RedirectResponse"), args=_args(args))

    def _run(self, original: cst.Call, call: cst.Call) -> cst.Call:
        assert isinstance(call.func, cst.Attribute)
        self.applied.add("FF009")
        self.need("uvicorn")
        args: list[cst.Arg] = [cst.Arg(call.func.value)]
        has_port = False
        for i, arg in enumerate(call.args):
            kw = arg.keyword.value if arg.keyword else None
            if kw is None:
                kw = ("host", "port")[i] if i < 2 else None
            if kw in ("host", "port"):
                has_port = has_port or kw == "port"
                args.append(_kwarg(kw, arg.value))
            else:
                self.note(
                    "FF009",
                    f"app.run({kw or '...'}=...) dropped (uvicorn: --reload for debug)",
                    original,
                )
        if not has_port:
            # Flask's default port, so URLs and scripts keep working.
            args.append(_kwarg("port", cst.Integer("5000")))
        return cst.Call(func=_attr("uvicorn.run"), args=_args(args))

    # ------------------------------------------------------------------ statements

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.BaseSmallStatement:
        value = original_node.value
        new = updated_node.value
        if not isinstance(value, cst.Call) or not isinstance(new, cst.Call):
            return updated_node
        keys = self.keys(value.func)
        if "flask.abort" in keys and self.on("FF006"):
            return self._abort(new)
        if "flask_cors.CORS" in keys and self.on("FF010"):
            return self._cors(value, new, updated_node)
        return updated_node

    def _multiline(self, call: cst.Call) -> cst.Call:
        """One argument per line, with a trailing comma (black/ruff style)."""

        indent = self.module.default_indent

        def ws(last: str) -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(last))

        args = [
            a.with_changes(
                comma=cst.Comma(whitespace_after=ws("" if i == len(call.args) - 1 else indent))
            )
            for i, a in enumerate(call.args)
        ]
        return call.with_changes(whitespace_before_args=ws(indent), args=args)

    def _abort(self, call: cst.Call) -> cst.Raise:
        self.applied.add("FF006")
        self.need("fastapi", "HTTPException")
        args: list[cst.Arg] = []
        for i, arg in enumerate(call.args):
            kw = arg.keyword.value if arg.keyword else None
            if kw in ("code", "status") or (kw is None and i == 0):
                args.append(_kwarg("status_code", arg.value))
            elif kw == "description" or (kw is None and i == 1):
                args.append(_kwarg("detail", arg.value))
            else:
                self.todo("FF006", f"abort({kw}=...) has no HTTPException equivalent")
        return cst.Raise(exc=cst.Call(func=_name("HTTPException"), args=_args(args)))

    def _cors(self, original: cst.Call, call: cst.Call, stmt: cst.Expr) -> cst.BaseSmallStatement:
        given: dict[str, cst.BaseExpression] = {}
        for arg in call.args[1:]:
            kw = arg.keyword.value if arg.keyword else None
            if kw in CORS_KWARGS or kw in ("send_wildcard", "vary_header", "automatic_options"):
                given[kw] = arg.value
            else:
                self.todo(
                    "FF010",
                    f"CORS({kw or '...'}=...): CORSMiddleware applies to every path; "
                    "check the allowed origins",
                )
                return stmt
        app_arg = call.args[0] if call.args and call.args[0].keyword is None else None
        if app_arg is None or self.obj_kind(original.args[0].value) is not ObjKind.APP:
            self.todo("FF010", "CORS on a blueprint or without an app: add CORSMiddleware to app")
            return stmt
        self.applied.add("FF010")
        if self.options.compatible and self.on("FF012"):
            # Flask-CORS's preflight answers and max_age default (see _flask_compat.FlaskCORS)
            out: list[cst.Arg] = [cst.Arg(self.compat("FlaskCORS"))]
        else:
            self.need("fastapi.middleware.cors", "CORSMiddleware")
            out = [cst.Arg(_name("CORSMiddleware"))]
        origins = given.get("origins")
        origin_text = string_value(origins) if origins is not None else "*"
        wildcard = given.get("send_wildcard")
        send_wildcard = isinstance(wildcard, cst.Name) and wildcard.value == "True"
        if origin_text == "*":
            if self.options.compatible and not send_wildcard:
                # Flask-CORS answers with the request's Origin (and Vary: Origin), not '*'.
                out.append(_kwarg("allow_origin_regex", cst.SimpleString('".*"')))
            else:
                out.append(_kwarg("allow_origins", _str_list(["*"])))
        elif origin_text is not None:
            out.append(_kwarg("allow_origins", _str_list([origin_text])))
        elif origins is not None:
            out.append(_kwarg("allow_origins", origins))
        methods = given.get("methods")
        out.append(_kwarg("allow_methods", methods or _str_list(CORS_DEFAULT_METHODS)))
        headers = given.get("allow_headers")
        out.append(_kwarg("allow_headers", headers or _str_list(["*"])))
        for flask_kw in ("expose_headers", "supports_credentials", "max_age"):
            if flask_kw in given:
                out.append(_kwarg(CORS_KWARGS[flask_kw], given[flask_kw]))
        add = self._multiline(
            cst.Call(
                func=cst.Attribute(value=app_arg.value, attr=_name("add_middleware")),
                args=_args(out),
            )
        )
        return stmt.with_changes(value=add)

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if not self._funcs or self._funcs[-1].kind not in ("view", "handler"):
            return updated_node
        if not self.on("FF005") or updated_node.value is None:
            return updated_node
        value = updated_node.value
        if isinstance(value, cst.Tuple) and len(value.elements) in (2, 3):
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                return updated_node
            self.applied.add("FF005")
            return updated_node.with_changes(value=self._tuple_response(value))
        if _is_text(value) or self._is_template(value):
            self.applied.add("FF005")
            self.need("fastapi.responses", "HTMLResponse")
            return updated_node.with_changes(
                value=cst.Call(func=_name("HTMLResponse"), args=[cst.Arg(value)])
            )
        original = original_node.value
        werkzeug = isinstance(original, cst.Call) and any(
            k.startswith("werkzeug.") for k in self.keys(original.func)
        )  # werkzeug's Response: make_response turns it into a Starlette one
        if self._is_response(value) and not (werkzeug and self.options.compatible):
            return updated_node
        handler = self._funcs[-1].kind == "handler"
        literal = isinstance(value, cst.Dict | cst.List | cst.DictComp | cst.ListComp) or (
            isinstance(value, cst.Name) and value.value == "None"
        )
        if self.options.compatible and (handler or not literal):
            # The codemod cannot see what this returns (a str, a tuple, a response?):
            # Flask's own rules decide at run time, as they did before.
            self.applied.add("FF005")
            return updated_node.with_changes(
                value=cst.Call(func=self.compat("make_response"), args=[cst.Arg(value)])
            )
        return updated_node

    def _is_response(self, value: cst.BaseExpression, original: bool = False) -> bool:
        """A response a view returns as it is (or, ``original``: a test client's response)."""

        if original:
            if isinstance(value, cst.Name):
                return value.value in self._responses
            return isinstance(value, cst.Call) and self._is_client_call(value)
        if not isinstance(value, cst.Call):
            return False
        name = cst.helpers.get_full_name_for_node(value.func) or ""
        return name in RESPONSE_CALLS or name.endswith("Response")

    def _is_template(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        name = cst.helpers.get_full_name_for_node(value.func) or ""
        return name in (
            f"{COMPAT_MODULE}.render_template",
            f"{COMPAT_MODULE}.render_template_string",
        )

    def _tuple_response(self, value: cst.Tuple) -> cst.BaseExpression:
        elements = [e.value for e in value.elements]
        if self.options.compatible:
            return cst.Call(
                func=self.compat("make_response"), args=_args([cst.Arg(e) for e in elements])
            )
        body = elements[0]
        extra: list[cst.Arg] = []
        if len(elements) == 3:
            extra = [_kwarg("status_code", elements[1]), _kwarg("headers", elements[2])]
        elif isinstance(elements[1], cst.Dict):
            extra = [_kwarg("headers", elements[1])]
        else:
            extra = [_kwarg("status_code", elements[1])]
        if (
            isinstance(body, cst.Call)
            and isinstance(body.func, cst.Name)
            and body.func.value
            in (
                "JSONResponse",
                "HTMLResponse",
                "RedirectResponse",
            )
        ):
            return body.with_changes(args=_args([*body.args, *extra]))
        cls = "HTMLResponse" if _is_text(body) else "JSONResponse"
        self.need("fastapi.responses", cls)
        return cst.Call(func=_name(cls), args=_args([cst.Arg(body), *extra]))

    # ------------------------------------------------------------------ tests (FF015)
    # Flask's test client -> Starlette's TestClient (httpx): in test files only, for clients
    # made by .test_client() or named like one (the usual pytest fixture), and the responses
    # they return.

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.is_test and isinstance(node.value, cst.Call):
            self._bind(node.value, [t.target for t in node.targets])
        if self.is_test and isinstance(node.value, cst.Dict):
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    self._dicts[t.target.value] = node.value

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.is_test and isinstance(node.item, cst.Call) and node.asname is not None:
            self._bind(node.item, [node.asname.name])

    def _bind(self, call: cst.Call, targets: Sequence[cst.BaseExpression]) -> None:
        names = [t.value for t in targets if isinstance(t, cst.Name)]
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "test_client":
            self._clients.update(names)
            # self.app = app.test_client() in a unittest setUp: self.app is a client too
            dotted = (cst.helpers.get_full_name_for_node(t) for t in targets)
            self._clients.update(d for d in dotted if d and "." in d)
        elif self._is_client_call(call):
            self._responses.update(names)

    def _is_client(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self._clients
        if isinstance(node, cst.Attribute):
            dotted = cst.helpers.get_full_name_for_node(node)
            return node.attr.value.endswith("client") or dotted in self._clients
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            return node.func.attr.value == "test_client"
        return False

    def _is_client_call(self, call: cst.Call) -> bool:
        func = call.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in (*CLIENT_METHODS, "open")
            and self._is_client(func.value)
        )

    def _test_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression | None:
        func = updated.func
        if not isinstance(func, cst.Attribute):
            return None
        if func.attr.value == "test_client":
            self.applied.add("FF015")
            self.need("fastapi.testclient", "TestClient")
            for arg in updated.args:
                self.todo(
                    "FF015",
                    f"test_client({cst.Module([]).code_for_node(arg.value)}): "
                    "check the TestClient options",
                )
            # Flask's test client does not follow redirects; TestClient does by default.
            return cst.Call(
                func=_name("TestClient"),
                args=[cst.Arg(func.value), _kwarg("follow_redirects", cst.Name("False"))],
            )
        if self._is_client_call(original):
            self.applied.add("FF015")
            return self._client_request(updated)
        orig_func = original.func
        if (
            isinstance(orig_func, cst.Attribute)
            and orig_func.attr.value in ("get_json", "get_data")
            and self._is_response(orig_func.value, original=True)
        ):
            self.applied.add("FF015")
            as_text = any(
                a.keyword is not None
                and a.keyword.value == "as_text"
                and isinstance(a.value, cst.Name)
                and a.value.value == "True"
                for a in updated.args
            )
            if orig_func.attr.value == "get_json":
                return cst.Call(func=func.with_changes(attr=_name("json")))
            return func.with_changes(attr=_name("text" if as_text else "content"))
        return None

    def _client_request(self, call: cst.Call) -> cst.Call:
        assert isinstance(call.func, cst.Attribute)
        func = call.func
        args: list[cst.Arg] = []
        extra: list[cst.Arg] = []
        headers: cst.Arg | None = None
        content_type: cst.BaseExpression | None = None
        method: cst.BaseExpression | None = None
        for arg in call.args:
            kw = arg.keyword.value if arg.keyword else None
            if kw == "query_string":
                args.append(arg.with_changes(keyword=_name("params")))
            elif kw == "content_type":
                content_type = arg.value
            elif kw == "headers":
                headers = arg
            elif kw == "method" and func.attr.value == "open":
                method = arg.value
            elif kw == "data":
                args.extend(self._request_data(arg))
            elif kw in (None, *SAME_KWARGS):
                args.append(arg)
            else:
                self.todo("FF015", f"test client option {kw}= has no TestClient equivalent")
                args.append(arg)
        if content_type is not None:
            element = cst.DictElement(cst.SimpleString('"Content-Type"'), content_type)
            if headers is None:
                extra.append(_kwarg("headers", cst.Dict([element])))
            elif isinstance(headers.value, cst.Dict):
                elements = [*headers.value.elements]
                if elements:
                    last = elements[-1]
                    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    elements[-1] = last.with_changes(comma=comma)
                headers = headers.with_changes(
                    value=headers.value.with_changes(elements=[*elements, element])
                )
            else:
                self.todo("FF015", "content_type=: add it to the headers")
        if headers is not None:
            extra.append(headers)
        new_func = func
        if func.attr.value == "open":
            new_func = func.with_changes(attr=_name("request"))
            args.insert(0, cst.Arg(method or cst.SimpleString('"GET"')))
        return call.with_changes(func=new_func, args=_args([*args, *extra]))

    def _request_data(self, arg: cst.Arg) -> list[cst.Arg]:
        value = arg.value
        raw = isinstance(value, cst.SimpleString) and "b" in value.prefix.lower()
        dumps = isinstance(value, cst.Call) and cst.helpers.get_full_name_for_node(value.func) in (
            "json.dumps",
            "dumps",
        )
        if raw or dumps or _is_text(value):
            return [arg.with_changes(keyword=_name("content"))]  # a raw body
        if isinstance(value, cst.Name) and value.value in self._dicts:
            if any(_is_file_tuple(el) for el in self._dicts[value.value].elements):
                self.todo(
                    "FF015",
                    f"{value.value} holds file tuples: TestClient wants "
                    "files={'field': (filename, fileobj)} apart from data=",
                )
            return [arg]
        if not isinstance(value, cst.Dict):
            return [arg]
        fields: list[cst.BaseDictElement] = []
        files: list[cst.BaseDictElement] = []
        for el in value.elements:
            if _is_file_tuple(el) and isinstance(el, cst.DictElement):
                assert isinstance(el.value, cst.Tuple)
                # werkzeug: (fileobj, filename[, content_type]); httpx: (filename, fileobj[, ...])
                parts = [e.value for e in el.value.elements]
                parts[0], parts[1] = parts[1], parts[0]
                files.append(el.with_changes(value=cst.Tuple([cst.Element(p) for p in parts])))
            else:
                fields.append(el)
        if not files:
            return [arg]
        out = []
        if fields:
            out.append(_kwarg("data", self._dict(fields)))
        out.append(_kwarg("files", self._dict(files)))
        return out

    @staticmethod
    def _dict(elements: list[cst.BaseDictElement]) -> cst.Dict:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        fixed = [
            e.with_changes(comma=cst.MaybeSentinel.DEFAULT if i == len(elements) - 1 else comma)
            for i, e in enumerate(elements)
        ]
        return cst.Dict(fixed)

    def _response_attr(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression | None:
        attr = original.attr.value
        if id(original) in self._called:
            return None  # a method call (get_json(), json()): handled as a call
        value = updated.value
        if attr == "data":
            self.applied.add("FF015")
            return updated.with_changes(attr=_name("content"))
        if attr == "json":
            self.applied.add("FF015")
            return cst.Call(func=updated)
        header = {"location": "location", "content_type": "content-type"}.get(attr)
        if header is not None:
            self.applied.add("FF015")
            return cst.Subscript(
                value=cst.Attribute(value=value, attr=_name("headers")),
                slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{header}"')))],
            )
        if attr == "mimetype":
            self.applied.add("FF015")
            content_type = cst.Subscript(
                value=cst.Attribute(value=value, attr=_name("headers")),
                slice=[cst.SubscriptElement(cst.Index(cst.SimpleString('"content-type"')))],
            )
            return cst.Subscript(
                value=cst.Call(
                    func=cst.Attribute(value=content_type, attr=_name("split")),
                    args=[cst.Arg(cst.SimpleString('";"'))],
                ),
                slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))],
            )
        if attr in ("status", "is_json", "get_wsgi_headers", "response"):
            self.todo("FF015", f"response.{attr}: use the httpx response API")
        return None
