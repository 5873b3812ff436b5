"""Pass 1: project-wide facts the per-file transform needs.

Which names hold a ``Flask()`` app or a ``Blueprint()`` (also through app factories and imports
from other modules), each blueprint's own ``url_prefix`` and the prefixes it is registered with
(Flask's registration prefix *replaces* the blueprint's own, FastAPI's ``include_router`` would
add them up), functions registered with ``add_url_rule``, and what the project uses that changes
its dependencies (forms and files need python-multipart, templates need jinja2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import libcst as cst
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from toolshift.codemods.flask_fastapi.names import ModuleName, resolve_all, string_value

HOOK_NAMES = frozenset(
    {
        *("before_request", "after_request", "teardown_request", "teardown_appcontext"),
        *("before_app_request", "after_app_request", "teardown_app_request"),
    }
)
SESSION_KEYS = frozenset({"flask.session", "flask.flash", "flask.get_flashed_messages"})
FORM_KEYS = ("flask.request.form", "flask.request.files", "flask.request.values")


class ObjKind(StrEnum):
    APP = "app"
    BLUEPRINT = "blueprint"


@dataclass
class Registration:
    blueprint: str  # project-wide key of the blueprint registered
    prefix: str | None  # the url_prefix literal, "" when given but not a literal, None if absent
    has_prefix: bool


@dataclass
class ProjectFacts:
    objects: dict[str, ObjKind] = field(default_factory=dict)
    blueprint_prefix: dict[str, str | None] = field(default_factory=dict)
    registrations: list[Registration] = field(default_factory=list)
    factories: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)  # functions registered with add_url_rule
    config_used: set[str] = field(default_factory=set)  # names whose .config is used
    uses_hooks: bool = False  # before_request/after_request/teardown_* somewhere
    uses_session: bool = False  # session, flash or get_flashed_messages
    uses_send: bool = False  # send_file or send_from_directory
    uses_forms: bool = False
    uses_templates: bool = False
    uses_flask: bool = False
    uses_flask_cors: bool = False
    uses_instance_path: bool = False  # app.instance_path read somewhere
    called: set[str] = field(default_factory=set)  # functions the project calls directly
    modules: set[str] = field(default_factory=set)  # the project's own modules
    uses_current_app: bool = False
    uses_cli: bool = False  # app.cli (click commands) somewhere
    app_package: str = ""  # the top-level package the Flask app lives in ("" if none/several)

    def kind(self, keys: set[str]) -> ObjKind | None:
        for k in keys:
            if k in self.objects:
                return self.objects[k]
        return None

    def registration_prefixes(self, blueprint: str) -> list[Registration]:
        return [r for r in self.registrations if r.blueprint == blueprint]


@dataclass
class _Raw:
    """Per-file findings before factories are known."""

    assigns: list[tuple[str, set[str]]] = field(default_factory=list)  # target, callee keys
    returns: list[tuple[str, str]] = field(default_factory=list)  # function key, returned key
    blueprint_prefix: dict[str, str | None] = field(default_factory=dict)


class FactsCollector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, module: ModuleName, facts: ProjectFacts, raw: _Raw) -> None:
        super().__init__()
        self.module = module
        self.facts = facts
        self.raw = raw
        self.functions: list[str] = []

    def keys(self, node: cst.CSTNode) -> set[str]:
        return resolve_all(self.get_metadata(QualifiedNameProvider, node, set()), self.module)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(next(iter(self.keys(node.name)), node.name.value))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.value, cst.Call):
            self._assign(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.value, cst.Call):
            self._assign(node.target, node.value)

    def _assign(self, target: cst.BaseExpression, call: cst.Call) -> None:
        if not isinstance(target, cst.Name):
            return
        target_keys = self.keys(target)
        callee = self.keys(call.func)
        for key in target_keys:
            self.raw.assigns.append((key, callee))
            if "flask.Blueprint" in callee:
                prefix: str | None = None
                for arg in call.args:
                    if arg.keyword and arg.keyword.value == "url_prefix":
                        prefix = string_value(arg.value)
                self.raw.blueprint_prefix[key] = prefix

    def visit_Return(self, node: cst.Return) -> None:
        if self.functions and node.value is not None:
            for key in self.keys(node.value):
                self.raw.returns.append((self.functions[-1], key))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        self.facts.called |= self.keys(func)
        if isinstance(func, cst.Attribute) and func.attr.value == "register_blueprint":
            if not node.args:
                return
            has_prefix = False
            prefix: str | None = None
            for arg in node.args[1:]:
                if arg.keyword and arg.keyword.value == "url_prefix":
                    has_prefix = True
                    prefix = string_value(arg.value)
                    if prefix is None:
                        prefix = ""
            for key in self.keys(node.args[0].value):
                self.facts.registrations.append(Registration(key, prefix, has_prefix))
        if isinstance(func, cst.Attribute) and func.attr.value == "add_url_rule":
            view = None
            for i, arg in enumerate(node.args):
                if (arg.keyword and arg.keyword.value == "view_func") or (
                    arg.keyword is None and i == 2
                ):
                    view = arg.value
            if view is not None:
                self.facts.views |= self.keys(view)

    def visit_Name(self, node: cst.Name) -> None:
        self._uses(self.keys(node))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._uses(self.keys(node))
        if node.attr.value == "config":
            self.facts.config_used |= self.keys(node.value)
        if node.attr.value in HOOK_NAMES:
            self.facts.uses_hooks = True
        if node.attr.value == "instance_path":
            self.facts.uses_instance_path = True
        if node.attr.value == "cli":
            self.facts.uses_cli = True

    def _uses(self, keys: set[str]) -> None:
        for key in keys:
            if key == "flask" or key.startswith("flask."):
                self.facts.uses_flask = True
            if key == "flask_cors" or key.startswith("flask_cors."):
                self.facts.uses_flask_cors = True
            if key.startswith(
                ("flask.request.form", "flask.request.files", "flask.request.values")
            ):
                self.facts.uses_forms = True
            if key.startswith(("flask.render_template", "flask.templating")):
                self.facts.uses_templates = True
            if key in SESSION_KEYS:
                self.facts.uses_session = True
            if key in ("flask.send_file", "flask.send_from_directory"):
                self.facts.uses_send = True
            if key == "flask.current_app":
                self.facts.uses_current_app = True


def collect_facts(modules: dict[str, tuple[ModuleName, cst.Module]]) -> ProjectFacts:
    """Gather facts over every parsed module (path -> (module name, tree))."""

    facts = ProjectFacts()
    facts.modules = {module.name for module, _ in modules.values()}
    raws: list[_Raw] = []
    for module, tree in modules.values():
        raw = _Raw()
        MetadataWrapper(tree).visit(FactsCollector(module, facts, raw))
        raws.append(raw)
    assigns = [a for raw in raws for a in raw.assigns]
    returns = [r for raw in raws for r in raw.returns]
    for raw in raws:
        facts.blueprint_prefix.update(raw.blueprint_prefix)
    # Objects first, then factories (functions returning an app), then names bound to a
    # factory's result; a fixed point covers factories that call other factories.
    for target, callee in assigns:
        if "flask.Flask" in callee:
            facts.objects[target] = ObjKind.APP
        elif "flask.Blueprint" in callee:
            facts.objects[target] = ObjKind.BLUEPRINT
    changed = True
    while changed:
        changed = False
        for function, returned in returns:
            if facts.objects.get(returned) is ObjKind.APP and function not in facts.factories:
                facts.factories.add(function)
                changed = True
        for target, callee in assigns:
            if callee & facts.factories and target not in facts.objects:
                facts.objects[target] = ObjKind.APP
                changed = True
    tops = {
        key.split(".")[0]
        for key in (*facts.factories, *(k for k, v in facts.objects.items() if v is ObjKind.APP))
        if any(m.startswith(key.split(".")[0] + ".") for m in facts.modules)
    }
    facts.app_package = next(iter(tops)) if len(tops) == 1 else ""
    return facts
