"""readers.requirements: pip's requirements-file format, one file and the include graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolshift.errors import IncludeError, InputError
from toolshift.model import (
    IncludeKind,
    IndexKind,
    Requirement,
    RequirementsFile,
    Severity,
    SourceKind,
)
from toolshift.readers.requirements import load_requirements, parse_requirements

from .reqjson import check_expected, dumps

FIXTURES = Path(__file__).parent.parent / "fixtures" / "requirements"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "requirements.txt").exists())


def parse(text: str, path: str = "requirements.txt") -> RequirementsFile:
    return parse_requirements(text, path)


def only(text: str) -> Requirement:
    rf = parse(text)
    assert len(rf.requirements) == 1, rf
    return rf.requirements[0]


def codes(rf: RequirementsFile) -> list[str]:
    return [d.code for d in rf.diagnostics]


# --------------------------------------------------------------------------- fixture pairs


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    raw = (FIXTURES / case / "requirements.txt").read_bytes()
    text = raw.decode("utf-8")  # BOM and newlines are the parser's job
    rf = parse_requirements(text, "requirements.txt")
    check_expected(rf, FIXTURES / case / "expected.json")


def test_every_fixture_has_an_expected_file() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert (FIXTURES / case / "expected.json").exists(), case


# --------------------------------------------------------------------------- requirement syntax


def test_specifier_is_kept_as_written_without_spaces() -> None:
    r = only("Some_Package.Name != 2.0, >=1.0  # keep order\n")
    assert r.name == "Some_Package.Name"
    assert r.key == "some-package-name"
    assert r.specifier == "!=2.0,>=1.0"
    assert r.source is SourceKind.REGISTRY
    assert r.origin is not None and r.origin.line == 1


def test_parenthesised_specifier_and_extras_order() -> None:
    r = only("celery[ redis , msgpack ] (>=5.3, <6)")
    assert r.extras == ("redis", "msgpack")
    assert r.specifier == ">=5.3,<6"


def test_marker_is_kept_as_written() -> None:
    r = only("pywin32==306 ; sys_platform == 'win32'  # windows only")
    assert r.marker == "sys_platform == 'win32'"
    assert r.pep508() == "pywin32==306; sys_platform == 'win32'"


def test_bad_marker_is_an_error_diagnostic_not_an_exception() -> None:
    rf = parse("ok==1\nfoo; python_version <> '3'\n")
    assert [r.name for r in rf.requirements] == ["ok"]
    (d,) = rf.diagnostics
    assert (d.code, d.severity, d.origin and d.origin.line) == ("RQ006", Severity.ERROR, 2)


def test_pinned_version_works_on_parsed_pins() -> None:
    assert only("numpy==1.26.4").pinned_version == "1.26.4"
    assert only("numpy==1.26.*").pinned_version is None


def test_hash_inside_url_fragment_is_not_a_comment() -> None:
    r = only("git+https://github.com/org/widget.git@v3#egg=widget  # real comment")
    assert r.name == "widget"
    assert r.url == "git+https://github.com/org/widget.git@v3#egg=widget"
    assert r.source is SourceKind.VCS


def test_continuation_keeps_first_line_and_physical_text() -> None:
    text = "a==1\nflask==3.0.3 \\\n    --hash=sha256:aa \\\n    --hash=sha512:bb\nb==2\n"
    rf = parse(text)
    flask = rf.requirements[1]
    assert flask.hashes == ("sha256:aa", "sha512:bb")
    assert flask.origin is not None
    assert flask.origin.line == 2
    assert flask.origin.text == "flask==3.0.3 \\\n    --hash=sha256:aa \\\n    --hash=sha512:bb"
    assert rf.requirements[2].origin is not None and rf.requirements[2].origin.line == 5


def test_comment_line_ends_a_continuation_like_pip() -> None:
    rf = parse("click==8.1.7 \\\n# comment\njinja2\n")
    assert [(r.name, r.origin and r.origin.line) for r in rf.requirements] == [
        ("click", 1),
        ("jinja2", 3),
    ]


def test_continuation_at_end_of_file() -> None:
    r = only("markupsafe==2.1.5 \\")
    assert r.specifier == "==2.1.5"


def test_hash_without_requirement_is_a_warning() -> None:
    rf = parse("--hash=sha256:abcd\n")
    assert rf.requirements == ()
    assert [(d.code, d.severity) for d in rf.diagnostics] == [("RQ007", Severity.WARNING)]


def test_bad_hash_algorithm_is_an_error_and_dropped() -> None:
    rf = parse("idna==3.7 --hash=md5:00 --hash=sha256:11\n")
    assert rf.requirements[0].hashes == ("sha256:11",)
    assert codes(rf) == ["RQ004"]


def test_config_settings_both_spellings() -> None:
    r = only("lxml==5.2.1 -C with_xslt=true --config-settings=static=1")
    assert r.config_settings == (("with_xslt", "true"), ("static", "1"))


# --------------------------------------------------------------------------- URLs, paths


def test_local_wheel_and_sdist_names_from_file_names() -> None:
    rf = parse("./dist/pkg_a-1.0.0-py3-none-any.whl\ndist/pkg-b-2.0.tar.gz\n")
    wheel, sdist = rf.requirements
    assert (wheel.key, wheel.pinned_version, wheel.source) == ("pkg-a", "1.0.0", SourceKind.PATH)
    assert wheel.url == "./dist/pkg_a-1.0.0-py3-none-any.whl"
    assert (sdist.key, sdist.pinned_version, sdist.url) == ("pkg-b", "2.0", "dist/pkg-b-2.0.tar.gz")
    assert rf.diagnostics == ()


def test_directory_without_egg_has_unknown_name_and_a_warning() -> None:
    rf = parse("./libs/project\n./libs/named#egg=named\n")
    unknown, named = rf.requirements
    assert (unknown.name, unknown.url, unknown.source) == ("", "./libs/project", SourceKind.PATH)
    assert (named.name, named.url) == ("named", "./libs/named")
    assert [(d.code, d.origin and d.origin.line) for d in rf.diagnostics] == [("RQ010", 1)]


def test_direct_reference_source_kinds() -> None:
    rf = parse(
        "a @ https://x.example.com/a-1.0-py3-none-any.whl\n"
        "b @ git+https://github.com/org/b.git@v1 ; python_version >= '3.10'\n"
        "c @ file:///opt/c\n"
    )
    a, b, c = rf.requirements
    assert (a.source, b.source, c.source) == (SourceKind.URL, SourceKind.VCS, SourceKind.PATH)
    assert b.url == "git+https://github.com/org/b.git@v1"
    assert b.marker == "python_version >= '3.10'"


def test_editable_forms() -> None:
    rf = parse(
        "-e .[dev]\n"
        "--editable=git+https://github.com/org/tool.git@v1#egg=tool\n"
        "-e git://github.com/org/old.git#egg=old\n"
        "-e https://example.com/x.tar.gz\n"
    )
    dot, tool, old = rf.requirements
    assert dot.editable and dot.url == "." and dot.extras == ("dev",) and dot.name == ""
    assert tool.editable and tool.name == "tool" and tool.source is SourceKind.VCS
    assert old.url == "git+git://github.com/org/old.git#egg=old"  # pip's git: shorthand
    assert codes(rf) == ["RQ010", "RQ013"]


# --------------------------------------------------------------------------- options


def test_include_forms_resolve_relative_to_the_including_file() -> None:
    rf = parse(
        "-r base.txt\n-rdev.txt\n--requirement=../common.txt\n-c ./pins/c.txt\n",
        path="svc/requirements/prod.txt",
    )
    got = [(i.kind, i.target, i.resolved, i.origin.line) for i in rf.includes]
    assert got == [
        (IncludeKind.REQUIREMENT, "base.txt", "svc/requirements/base.txt", 1),
        (IncludeKind.REQUIREMENT, "dev.txt", "svc/requirements/dev.txt", 2),
        (IncludeKind.REQUIREMENT, "../common.txt", "svc/common.txt", 3),
        (IncludeKind.CONSTRAINT, "./pins/c.txt", "svc/requirements/pins/c.txt", 4),
    ]


def test_index_options() -> None:
    rf = parse(
        "-i https://a.example.com/simple\n"
        "--extra-index-url=https://b.example.com/simple\n"
        "-f ./wheels\n--no-index\n--trusted-host a.example.com\n"
    )
    assert [(i.kind, i.url) for i in rf.indexes] == [
        (IndexKind.DEFAULT, "https://a.example.com/simple"),
        (IndexKind.EXTRA, "https://b.example.com/simple"),
        (IndexKind.FIND_LINKS, "./wheels"),
    ]
    assert rf.options.no_index and rf.options.trusted_hosts == ("a.example.com",)


def test_binary_controls_follow_pips_mutual_exclusion() -> None:
    rf = parse("--only-binary :all:\n--no-binary psycopg2\n--only-binary=lxml,Pillow\n")
    assert rf.options.only_binary == (":all:", "lxml", "pillow")
    assert rf.options.no_binary == ("psycopg2",)
    rf = parse("--no-binary :all:\n--no-binary :none:\n")
    assert rf.options.no_binary == ()


def test_flags_and_warnings_for_options_without_meaning() -> None:
    rf = parse("--pre\n--prefer-binary\n--require-hashes\n--use-feature=truststore\n")
    o = rf.options
    assert (o.pre, o.prefer_binary, o.require_hashes) == (True, True, True)
    assert [(d.code, d.severity) for d in rf.diagnostics] == [("RQ009", Severity.WARNING)]


def test_long_option_prefixes_like_optparse() -> None:
    rf = parse("--extra-index https://x.example.com/simple\n--no x\n")
    assert [i.kind for i in rf.indexes] == [IndexKind.EXTRA]
    assert codes(rf)[0] == "RQ002"  # --no is ambiguous


def test_unknown_option_and_garbage_are_errors_with_origin() -> None:
    rf = parse("ok\n--frobnicate\nnot a requirement !!\n")
    errs = [(d.code, d.severity, d.origin and d.origin.line) for d in rf.diagnostics]
    assert errs == [("RQ002", Severity.ERROR, 2), ("RQ001", Severity.ERROR, 3)]
    assert [r.name for r in rf.requirements] == ["ok"]


def test_file_option_on_requirement_line_is_ignored_with_a_warning() -> None:
    rf = parse("requests==2.0 --index-url https://x.example.com/simple\n")
    assert rf.indexes == ()
    assert codes(rf) == ["RQ008"]


# --------------------------------------------------------------------------- environment, text


def test_env_vars_are_kept_verbatim() -> None:
    rf = parse(
        "--index-url https://${USER}:${TOKEN}@${HOST}/simple\n"
        "mylib==${MYLIB_VERSION}\n"
        "p @ git+https://${GH_TOKEN}@github.com/org/p.git@${REF}\n"
    )
    (index,) = rf.indexes
    assert index.url == "https://${USER}:${TOKEN}@${HOST}/simple"
    assert index.has_credentials is False
    mylib, p = rf.requirements
    assert mylib.specifier == "==${MYLIB_VERSION}"
    assert p.url == "git+https://${GH_TOKEN}@github.com/org/p.git@${REF}"
    assert rf.diagnostics == ()


def test_bom_and_crlf() -> None:
    rf = parse("\ufefflasso==1\r\nb==2 \\\r\n  --hash=sha256:aa\r\n")
    a, b = rf.requirements
    assert a.name == "lasso" and a.origin is not None and a.origin.text == "lasso==1"
    assert b.origin is not None and b.origin.text == "b==2 \\\r\n  --hash=sha256:aa"
    assert b.hashes == ("sha256:aa",)


SECRETS = ("Pa55w0rd", "TOKEN123", "pw@", "glpat-XYZ", "ghp_TOKEN", "topsecret", "s3cret")


def test_credentials_never_appear_in_any_output_field() -> None:
    text = (FIXTURES / "credentials" / "requirements.txt").read_text(encoding="utf-8")
    rf = parse(text)
    out = dumps(rf) + "".join(d.render() for d in rf.diagnostics)
    for secret in SECRETS:
        assert secret not in out
    assert [i.has_credentials for i in rf.indexes] == [True, True]
    assert rf.indexes[0].url == "https://pypi.internal.example.com/simple"
    ssh = next(r for r in rf.requirements if r.name == "sshpkg")
    assert ssh.url == "git+ssh://git@github.com/org/sshpkg.git"  # ssh user is not a secret
    assert "****" in (rf.indexes[0].origin.text if rf.indexes[0].origin else "")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_fuzz_any_text_never_raises(text: str) -> None:
    rf = parse_requirements(text, "requirements.txt")
    assert isinstance(rf, RequirementsFile)
    json.loads(dumps(rf))


_LINE_PARTS = st.sampled_from(
    [
        "-r", "-c", "-e", "-i", "--hash=", "sha256:", "--no-binary", ":all:", "foo", "[x]",
        "==1.0", ";", "python_version", "<", "'3'", "@", "git+https://", "#egg=", "${V}",
        "./", "\\", "\n", "\r\n", " ", "#", "\"", "'", ".whl", "-C", "=", ",", "\ufeff",
        "https://u:p@h/", "(", ")", "--", "-",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE_PARTS, max_size=30).map("".join))
def test_fuzz_requirement_like_text_never_raises(text: str) -> None:
    rf = parse_requirements(text, "a/requirements.txt")
    for d in rf.diagnostics:
        assert d.origin is not None and d.origin.line >= 1


# --------------------------------------------------------------------------- load_requirements


def reader(files: dict[str, str | bytes]):  # type: ignore[no-untyped-def]
    def read(path: str) -> bytes | None:
        data = files.get(path)
        return data.encode("utf-8") if isinstance(data, str) else data

    return read


def test_load_follows_includes_in_discovery_order() -> None:
    files: dict[str, str | bytes] = {
        "svc/requirements.txt": "-r requirements/base.txt\nflask\n-c constraints.txt\n",
        "svc/requirements/base.txt": "-r ../common/shared.txt\nrequests\n",
        "svc/common/shared.txt": "six\n",
        "svc/constraints.txt": "urllib3<3\n",
        "svc/requirements-dev.txt": "-r requirements.txt\npytest\n",
    }
    got = load_requirements(["svc/requirements.txt", "./svc/requirements-dev.txt"], reader(files))
    assert list(got) == [
        "svc/requirements.txt",
        "svc/requirements/base.txt",
        "svc/common/shared.txt",
        "svc/constraints.txt",
        "svc/requirements-dev.txt",
    ]
    assert [r.name for r in got["svc/common/shared.txt"].requirements] == ["six"]
    assert got["svc/requirements/base.txt"].requirements[0].origin.path == (  # type: ignore[union-attr]
        "svc/requirements/base.txt"
    )


def test_load_diamond_reads_each_file_once() -> None:
    calls: list[str] = []
    files = {"a.txt": "-r b.txt\n-r c.txt\n", "b.txt": "-r d.txt\n", "c.txt": "-r d.txt\n"}
    files["d.txt"] = "x\n"

    def read(path: str) -> bytes | None:
        calls.append(path)
        return files[path].encode() if path in files else None

    assert list(load_requirements(["a.txt"], read)) == ["a.txt", "b.txt", "d.txt", "c.txt"]
    assert sorted(calls) == ["a.txt", "b.txt", "c.txt", "d.txt"]


def test_load_missing_target_points_at_the_including_line() -> None:
    files: dict[str, str | bytes] = {"req/a.txt": "flask\n-r nope.txt\n"}
    with pytest.raises(IncludeError) as exc:
        load_requirements(["req/a.txt"], reader(files))
    err = exc.value
    assert (err.path, err.line) == ("req/a.txt", 2)
    assert "req/nope.txt" in err.message and err.hint


def test_load_missing_entry() -> None:
    with pytest.raises(IncludeError) as exc:
        load_requirements(["requirements.txt"], reader({}))
    assert exc.value.path == "requirements.txt"


def test_load_cycle_is_named() -> None:
    files: dict[str, str | bytes] = {"a.txt": "-r b.txt\n", "b.txt": "x\n-c a.txt\n"}
    with pytest.raises(IncludeError) as exc:
        load_requirements(["a.txt"], reader(files))
    assert "a.txt -> b.txt -> a.txt" in exc.value.message
    assert (exc.value.path, exc.value.line) == ("b.txt", 2)


def test_load_self_include_is_a_cycle() -> None:
    with pytest.raises(IncludeError, match=r"a\.txt -> a\.txt"):
        load_requirements(["a.txt"], reader({"a.txt": "-r a.txt\n"}))


@pytest.mark.parametrize("target", ["../x.txt", "../../etc/passwd", "/etc/req.txt", "a/../../x"])
def test_load_refuses_targets_outside_the_project(target: str) -> None:
    files: dict[str, str | bytes] = {"requirements.txt": f"-r {target}\n", "../x.txt": "x\n"}
    with pytest.raises(IncludeError) as exc:
        load_requirements(["requirements.txt"], reader(files))
    assert "outside the project" in exc.value.message
    assert exc.value.hint and exc.value.line == 1


def test_load_does_not_follow_urls_or_expand_env_vars() -> None:
    files: dict[str, str | bytes] = {"r.txt": "-r https://example.com/base.txt\nflask\n"}
    got = load_requirements(["r.txt"], reader(files))
    assert list(got) == ["r.txt"]
    assert codes(got["r.txt"]) == ["RQ012"]
    with pytest.raises(IncludeError, match="environment variable"):
        load_requirements(["r.txt"], reader({"r.txt": "-r ${DIR}/base.txt\n"}))


def test_load_binary_or_bad_utf8_raises_input_error() -> None:
    with pytest.raises(InputError, match="binary"):
        load_requirements(["r.txt"], reader({"r.txt": b"flask\n\x00\x01\x02"}))
    with pytest.raises(InputError, match="UTF-8") as exc:
        load_requirements(["r.txt"], reader({"r.txt": b"flask\nr\xe9quests\n"}))
    assert exc.value.line == 2


def test_load_bom_crlf_file_from_disk_fixture() -> None:
    raw = (FIXTURES / "bom_crlf" / "requirements.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    files: dict[str, str | bytes] = {"requirements.txt": raw, "base.txt": "six\n"}
    got = load_requirements(["requirements.txt"], reader(files))
    names = [r.name for r in got["requirements.txt"].requirements]
    assert names == ["flask", "requests", "click"]
    assert list(got) == ["requirements.txt", "base.txt"]


_CRED_LINES = [
    "--index-url https://{u}:{p}@h.example.com/simple",
    "-i https://{p}@h.example.com/simple",
    "--extra-index-url=https://{u}:{p}@h.example.com/",
    "-f https://{u}:{p}@h.example.com/links",
    "--find-links=https://{p}@h.example.com/links",
    "--trusted-host {u}:{p}@h.example.com",
    "pkg @ git+https://{p}@github.com/o/r.git@main",
    "pkg[x] @ https://{u}:{p}@h.example.com/pkg-1.0.tar.gz ; python_version > '3'",
    "git+https://{u}:{p}@github.com/o/r.git#egg=r",
    "https://{u}:{p}@h.example.com/pkg-1.0-py3-none-any.whl",
    "-e git+https://{p}@github.com/o/r.git#egg=r",
    "-e https://{u}:{p}@h.example.com/x.tar.gz",
    "-r https://{u}:{p}@h.example.com/r.txt",
    "-c https://{p}@h.example.com/c.txt --pre",
    "pkg==1.0 \\\n  --hash=sha256:aa --extra-index-url https://{u}:{p}@h.example.com",
    "bad line https://{u}:{p}@h.example.com !!",
    "pkg @ https://{u}:{p}@h.example.com/x ; bad marker ((",
    "--no-binary https://{u}:{p}@h.example.com",
    "--frobnicate https://{u}:{p}@h.example.com",
]
_SECRET = st.from_regex(r"[A-Za-z0-9_.~-]{4,16}", fullmatch=True).map(lambda s: f"S3CR{s}")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_CRED_LINES), min_size=1, max_size=6), _SECRET, _SECRET)
def test_fuzz_literal_credentials_never_leave_the_reader(
    lines: list[str], user: str, password: str
) -> None:
    text = "\n".join(line.format(u=user, p=password) for line in lines) + "\n"
    rf = parse_requirements(text, "requirements.txt")
    out = dumps(rf) + "\n".join(d.render() for d in rf.diagnostics)
    assert password not in out
    if "{u}" in "".join(lines) and "{p}" in "".join(lines):
        assert f"{user}:{password}" not in out


def test_text_after_an_editable_is_reported() -> None:
    rf = parse("-e ./x ; python_version > '3'\n")
    assert [r.url for r in rf.requirements] == ["./x"]
    assert codes(rf) == ["RQ010", "RQ008"]
    assert "python_version > 3" in rf.diagnostics[1].message


_PATHOLOGICAL = {
    "long token": "a" * 20000,
    "scheme run": "a" * 20000 + "://",
    "long url": "https://" + "a" * 20000,
    "long blank": "foo" + " " * 20000 + "x",
    "blank then hash": "foo" + " " * 20000 + "#x",
    "dashes": "a-" * 10000 + "://x",
    "markers": "foo; " + "python_version<'3' and " * 800 + "x",
}


@pytest.mark.parametrize("name", sorted(_PATHOLOGICAL))
def test_no_quadratic_regex_on_long_lines(name: str) -> None:
    # These took 15 s to 60 s each before the comment and credential searches were made linear.
    import time

    start = time.perf_counter()
    parse_requirements(_PATHOLOGICAL[name], "requirements.txt")
    assert time.perf_counter() - start < 2.0


def test_empty_option_values_are_errors_not_entries() -> None:
    rf = parse('--requirement=\n-r ""\n--index-url=\n-f ""\n')
    assert rf.includes == () and rf.indexes == ()
    assert [(d.code, d.severity, d.origin and d.origin.line) for d in rf.diagnostics] == [
        ("RQ003", Severity.ERROR, 1),
        ("RQ003", Severity.ERROR, 2),
        ("RQ003", Severity.ERROR, 3),
        ("RQ003", Severity.ERROR, 4),
    ]


def test_fixtures_cover_every_diagnostic_code() -> None:
    import re

    from toolshift.readers import requirements as module

    documented = set(re.findall(r"^(RQ\d{3})\s", module.__doc__ or "", re.MULTILINE))
    seen = set()
    for case in CASES:
        doc = json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))
        seen |= {d["code"] for d in doc["diagnostics"]}
    assert documented == {f"RQ{n:03d}" for n in range(1, 17)}
    assert seen == documented


_NAMES = st.sampled_from(["a.txt", "b.txt", "sub/c.txt", "../d.txt", "sub/../a.txt", "e.txt"])
_INCLUDE_LINE = st.tuples(st.sampled_from(["-r ", "-c ", "--requirement=", "-r"]), _NAMES).map(
    "".join
)
_FILE = st.lists(
    st.one_of(_INCLUDE_LINE, st.sampled_from(["flask", "x==1", "", "# c"])), max_size=5
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["a.txt", "b.txt", "sub/c.txt", "e.txt"]), _FILE))
def test_fuzz_load_returns_or_raises_input_error(files: dict[str, list[str]]) -> None:
    data = {k: "\n".join(v) for k, v in files.items()}
    try:
        got = load_requirements(["a.txt"], reader(dict(data)))
    except InputError as err:
        assert err.path is not None and err.hint
        return
    assert next(iter(got)) == "a.txt"
    for path, rf in got.items():
        assert path in data
        for inc in rf.includes:
            assert inc.resolved in got


def test_a_utf16_file_from_powershell_is_read_and_written_back_the_same_way() -> None:
    # `pip freeze > requirements.txt` in PowerShell writes UTF-16 LE with a BOM; pip reads it.
    from toolshift.textio import decode, encode

    data = b"\xff\xfe" + "alpha==1.1.0\r\nbeta>=1.0\r\n".encode("utf-16-le")
    text, fmt = decode(data, "requirements.txt")
    assert text == "alpha==1.1.0\r\nbeta>=1.0\r\n"
    assert fmt.encoding == "utf-16-le" and fmt.bom and fmt.newline == "\r\n"
    assert encode(text + "gamma\n", fmt) == data + "gamma\r\n".encode("utf-16-le")
    rf = parse_requirements(text, "requirements.txt")
    assert [r.name for r in rf.requirements] == ["alpha", "beta"]
