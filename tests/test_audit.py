"""verify --audit: pip-audit's JSON read, findings classified, failures reported as unavailable.

pip-audit itself is replaced by a small executable put first on PATH: like the real one it
lists the ``*.dist-info`` folders of the ``--path`` it is given and prints pip-audit 2.10's
``--format json`` document (``{"dependencies": [{"name", "version", "vulns": [{"id",
"fix_versions", "aliases", "description"}]} | {"name", "skip_reason"}], "fixes": []}``), its
summary on stderr and exit 1 when it found something; or fails the way pip-audit fails.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from toolshift.audit import (
    PIP_AUDIT_VERSION,
    AuditResult,
    EnvAudit,
    FindingStatus,
    Vulnerability,
    audit_check,
    audit_envs,
    classify,
    combine,
    failure_reason,
    find_report,
    index_args,
    parse_report,
    pip_audit_command,
)
from toolshift.model import Index, IndexKind
from toolshift.verify import CheckStatus

# What pip-audit 2.10.1 printed on this machine for `--path <site-packages> -s osv` when
# api.osv.dev cannot be resolved (exit 1, nothing on stdout).
OSV_TRACEBACK = """\
Traceback (most recent call last):
  File "/root/.cache/uv/archive-v0/x/bin/pip-audit", line 12, in <module>
    sys.exit(audit())
             ^^^^^^^
  File "/root/.cache/uv/archive-v0/x/lib/python3.11/site-packages/pip_audit/_service/osv.py", \
line 70, in query
    response: requests.Response = self.session.post(
  File "/root/.cache/uv/archive-v0/x/lib/python3.11/site-packages/requests/adapters.py", \
line 729, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max \
retries exceeded with url: /v1/query (Caused by NameResolutionError("HTTPSConnection(host=\
'api.osv.dev', port=443): Failed to resolve 'api.osv.dev' ([Errno -2] Name or service not \
known)"))
"""
# pip-audit's own handling of a connect timeout (logging's default format, then `_fatal`).
PYPI_CONNECT_ERROR = """\
ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed
ERROR:pip_audit._cli:Tip: your network may be blocking this service. Try another service \
with `-s SERVICE`
"""
# What PyPI's per-version endpoint answering 404 makes of every package (exit 0).
NOT_FOUND = "Dependency not found on PyPI and could not be audited: {name} ({version})"

# name==version -> vulnerabilities, the shape of pip-audit's "vulns" entries
VULNS = {
    "alpha==1.0.0": [
        {
            "id": "PYSEC-2099-1",
            "fix_versions": ["1.1.0"],
            "aliases": ["CVE-2099-0001"],
            "description": "alpha 1.0.0 lets a crafted header through.\nMore text.",
        }
    ],
    "beta==1.0": [
        {
            "id": "GHSA-beta-0000-0001",
            "fix_versions": [],
            "aliases": [],
            "description": "beta parses untrusted input unsafely",
        }
    ],
    "gamma==0.9": [
        {
            "id": "PYSEC-2099-7",
            "fix_versions": ["1.0", "0.9.5"],
            "aliases": ["CVE-2099-0007", "GHSA-gamm-0000-0007"],
            "description": "gamma: remote code execution",
        }
    ],
    "beta==1.2": [
        {
            "id": "GHSA-beta-0000-0012",
            "fix_versions": ["1.3"],
            "aliases": ["CVE-2099-0012"],
            "description": "beta 1.2 regressed: untrusted input reaches eval",
        }
    ],
    "pip==24.0": [
        {"id": "PYSEC-2099-9", "fix_versions": ["24.1"], "aliases": [], "description": "pip"}
    ],
}

FAKE = r"""#!{python}
import json, os, sys
from pathlib import Path

here = Path({here!r})
argv = sys.argv[1:]
with open(here / "calls.jsonl", "a") as f:
    f.write(json.dumps(argv) + "\n")
mode = (here / "mode").read_text().strip() if (here / "mode").exists() else "ok"
if mode == "fail":
    sys.stderr.write((here / "stderr.txt").read_text())
    sys.exit(1)
site = Path(argv[argv.index("--path") + 1])
vulns = json.loads((here / "vulns.json").read_text())
deps, found = [], 0
for info in sorted(site.glob("*.dist-info")):
    name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
    if mode == "404":
        reason = "Dependency not found on PyPI and could not be audited: %s (%s)" % (name, version)
        deps.append({{"name": name, "skip_reason": reason}})
        continue
    v = vulns.get(name + "==" + version, [])
    found += len(v)
    deps.append({{"name": name, "version": version, "vulns": v}})
if found:
    sys.stderr.write("Found %d known vulnerabilities in some packages\n" % found)
else:
    sys.stderr.write("No known vulnerabilities found\n")
print(json.dumps({{"dependencies": deps, "fixes": []}}))
sys.exit(1 if found else 0)
"""


def install_fake_pip_audit(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ``pip-audit`` in ``folder``, first on PATH. Its behaviour: ``folder/mode``
    (absent: answer from :data:`VULNS`; ``404``: skip every package as PyPI's 404 does;
    ``fail``: print ``folder/stderr.txt`` and exit 1); every call is in ``calls.jsonl``."""

    folder.mkdir()
    exe = folder / "pip-audit"
    exe.write_text(FAKE.format(python=sys.executable, here=str(folder)))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    (folder / "vulns.json").write_text(json.dumps(VULNS))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


@pytest.fixture
def fake_pip_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_fake_pip_audit(tmp_path / "fakebin", monkeypatch)


def make_env(path: Path, packages: dict[str, str]) -> Path:
    site = path / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    for name, version in packages.items():
        (site / f"{name}-{version}.dist-info").mkdir()
    return path


BEFORE = {"alpha": "1.0.0", "beta": "1.0", "pip": "24.0"}
AFTER = {"alpha": "1.1.0", "beta": "1.0", "gamma": "0.9", "svc": "0.1.0"}


def both(tmp_path: Path) -> tuple[Path, Path]:
    return make_env(tmp_path / "env-after", AFTER), make_env(tmp_path / "env-before", BEFORE)


# --------------------------------------------------------------------------- end to end


def test_new_pre_existing_and_fixed(tmp_path: Path, fake_pip_audit: Path) -> None:
    after, before = both(tmp_path)
    seen: list[str] = []
    result = audit_envs(
        after,
        before,
        after_packages=("alpha", "beta", "gamma", "svc"),
        before_packages=("alpha", "beta"),  # pip is the environment's seed: not judged
        leave_out=("svc",),
        progress=seen.append,
    )
    assert result.available and result.compared
    assert result.tool.startswith("pip-audit on PATH")
    got = {(f.status, f.package, f.id, f.before, f.after) for f in result.findings}
    assert got == {
        (FindingStatus.NEW, "gamma", "PYSEC-2099-7", None, "0.9"),
        (FindingStatus.PRE_EXISTING, "beta", "GHSA-beta-0000-0001", "1.0", "1.0"),
        (FindingStatus.FIXED, "alpha", "PYSEC-2099-1", "1.0.0", None),
    }
    assert [f.status for f in result.findings] == [
        FindingStatus.NEW,
        FindingStatus.PRE_EXISTING,
        FindingStatus.FIXED,
    ]
    gamma = result.findings[0]
    assert gamma.aliases == ("CVE-2099-0007", "GHSA-gamm-0000-0007")
    assert gamma.fix_versions == ("1.0", "0.9.5")
    alpha = result.findings[2]
    assert alpha.description == "alpha 1.0.0 lets a crafted header through."  # first line only
    assert result.audited_after == 3 and result.audited_before == 2  # svc and pip left out
    assert seen and seen[0].startswith("audit: pip-audit (pypi)")
    # pip-audit was asked for JSON from the PyPI service about each site-packages
    calls = [json.loads(x) for x in (fake_pip_audit / "calls.jsonl").read_text().splitlines()]
    assert len(calls) == 2
    for argv in calls:
        assert argv[argv.index("--format") + 1] == "json"
        assert argv[argv.index("--vulnerability-service") + 1] == "pypi"
        assert argv[argv.index("--path") + 1].endswith("site-packages")
    check = audit_check(result)
    assert check.status is CheckStatus.FAILED and check.failed
    assert check.summary.startswith("1 new known vulnerability, 1 pre-existing")
    assert "1 fixed by the migration" in check.summary
    assert "new: gamma 0.9 PYSEC-2099-7 (fixed in 1.0, 0.9.5)" in check.details


def test_osv_service_is_passed_on(tmp_path: Path, fake_pip_audit: Path) -> None:
    after = make_env(tmp_path / "env-after", {"beta": "1.0"})
    result = audit_envs(after, None, service="osv")
    argv = json.loads((fake_pip_audit / "calls.jsonl").read_text().splitlines()[0])
    assert argv[argv.index("--vulnerability-service") + 1] == "osv"
    # no before: the finding cannot be proved old, so it counts as new, and says why
    assert not result.compared and result.before_unavailable == "there is no before state"
    assert [f.status for f in result.findings] == [FindingStatus.NEW]
    assert "no before audit to compare" in audit_check(result).summary
    with pytest.raises(ValueError, match="unknown vulnerability service"):
        audit_envs(after, None, service="snyk")


def test_only_old_vulnerabilities_do_not_fail(tmp_path: Path, fake_pip_audit: Path) -> None:
    after = make_env(tmp_path / "env-after", {"beta": "1.0", "alpha": "1.1.0"})
    before = make_env(tmp_path / "env-before", {"beta": "1.0", "alpha": "1.0.0"})
    result = audit_envs(after, before)
    check = audit_check(result)
    assert check.status is CheckStatus.PRE_EXISTING and not check.failed
    assert "all there before the migration" in check.summary


def test_nothing_found_passes_and_says_what_was_audited(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    after = make_env(tmp_path / "env-after", {"alpha": "1.1.0"})
    before = make_env(tmp_path / "env-before", {"alpha": "1.1.0"})
    check = audit_check(audit_envs(after, before))
    assert check.status is CheckStatus.PASSED
    assert check.summary == "no known vulnerability in the 1 package(s) audited (pypi)"


def test_service_without_per_version_json_is_unavailable(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    (fake_pip_audit / "mode").write_text("404")
    after, before = both(tmp_path)
    result = audit_envs(after, before, leave_out=("svc",))
    assert not result.available and result.findings == ()
    assert result.unavailable == (
        "pip-audit could not audit any of the 3 package(s) of the after environment: "
        "Dependency not found on PyPI and could not be audited: alpha (1.1.0) (and 2 more)"
    )
    check = audit_check(result)
    assert check.status is CheckStatus.SKIPPED and not check.failed
    assert check.summary.startswith("audit not available: pip-audit could not audit")
    assert "no known vulnerabilit" not in check.summary


def test_connection_error_is_unavailable_with_pip_audits_reason(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    (fake_pip_audit / "mode").write_text("fail")
    (fake_pip_audit / "stderr.txt").write_text(PYPI_CONNECT_ERROR)
    after, before = both(tmp_path)
    result = audit_envs(after, before)
    assert result.unavailable == (
        "Could not connect to PyPI's vulnerability feed Tip: your network may be blocking "
        "this service. Try another service with `-s SERVICE`"
    )
    assert audit_check(result).status is CheckStatus.SKIPPED


def test_a_credential_in_the_reason_is_redacted(tmp_path: Path, fake_pip_audit: Path) -> None:
    (fake_pip_audit / "mode").write_text("fail")
    (fake_pip_audit / "stderr.txt").write_text(
        "Traceback (most recent call last):\n  File 'x', line 1\n"
        "requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded (Caused by ProxyError('Unable to connect to proxy "
        "http://alice:s3cret@proxy.internal:3128'))\n"
    )
    result = audit_envs(make_env(tmp_path / "env-after", {"alpha": "1.1.0"}), None)
    assert "s3cret" not in result.unavailable and "alice" not in result.unavailable
    assert "http://****:****@proxy.internal:3128" in result.unavailable
    assert result.unavailable.startswith("requests.exceptions.ProxyError:")
    assert "s3cret" not in json.dumps(result.to_dict())


def test_no_pip_audit_and_no_uv_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolshift import audit, tools
    from toolshift.errors import ToolError

    monkeypatch.setattr(audit.shutil, "which", lambda _name: None)

    def no_uv() -> tools.UvInfo:
        raise ToolError("uv was not found", hint="set TOOLSHIFT_UV")

    monkeypatch.setattr(tools, "find_uv", no_uv)
    result = audit_envs(make_env(tmp_path / "env-after", {"alpha": "1.1.0"}), None)
    assert result.unavailable == "uv was not found (hint: set TOOLSHIFT_UV)"
    assert audit_envs(None, None).unavailable == "the after state is not installed"


# --------------------------------------------------------------------------- finding pip-audit


def test_without_pip_audit_on_path_uv_tool_run_fetches_the_pinned_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from toolshift import audit

    monkeypatch.setattr(audit.shutil, "which", lambda _name: None)
    indexes = (
        Index("https://mirror.example/simple", IndexKind.DEFAULT),
        Index("https://extra.example/simple", IndexKind.EXTRA),
        Index("https://corp.example/simple", IndexKind.NAMED, name="corp"),
        Index("https://pinned.example/simple", IndexKind.NAMED, name="pin", explicit=True),
        Index("https://${TOKEN}@env.example/simple", IndexKind.EXTRA),
    )
    argv, tool = pip_audit_command(find_links=("/wheels",), offline=True, indexes=indexes)
    assert argv[1:5] == ["tool", "run", "--from", f"pip-audit=={PIP_AUDIT_VERSION}"]
    assert argv[5:] == [
        "--default-index",
        "https://mirror.example/simple",
        "--index",
        "https://extra.example/simple",
        "--index",
        "corp=https://corp.example/simple",
        "--find-links",
        "/wheels",
        "--offline",
        "pip-audit",
    ]
    assert tool == f"pip-audit {PIP_AUDIT_VERSION} (uv tool run)"
    assert index_args([Index("./wheels", IndexKind.FIND_LINKS)]) == ["--find-links", "./wheels"]


def test_help_names_the_pinned_version() -> None:
    from toolshift.cli import verify as cli_verify

    assert cli_verify.PIP_AUDIT_VERSION == PIP_AUDIT_VERSION


# --------------------------------------------------------------------------- pure parts


def test_parse_report_of_pip_audits_format() -> None:
    stdout = json.dumps(
        {
            "dependencies": [
                {"name": "Foo_Bar", "version": "1.0", "vulns": VULNS["beta==1.0"]},
                {"name": "svc", "skip_reason": NOT_FOUND.format(name="svc", version="0.1")},
                {"name": "ok", "version": "2.0", "vulns": []},
            ],
            "fixes": [],
        }
    )
    doc = find_report("some line\n" + stdout + "\n")
    assert doc is not None
    env = parse_report(doc, "after")
    assert env.available
    assert env.audited == (("foo-bar", "1.0"), ("ok", "2.0"))
    assert env.skipped == (("svc", NOT_FOUND.format(name="svc", version="0.1")),)
    assert env.vulnerabilities == (
        Vulnerability(
            "foo-bar", "1.0", "GHSA-beta-0000-0001", (), (), VULNS["beta==1.0"][0]["description"]
        ),
    )
    assert parse_report(doc, "after", only={"ok"}).audited == (("ok", "2.0"),)
    assert find_report("") is None and find_report("{not json\n") is None


def test_failure_reasons() -> None:
    osv = failure_reason(OSV_TRACEBACK, 1)
    assert osv.startswith("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv")
    assert "Traceback" not in osv and "File " not in osv
    uv = failure_reason(
        "  × No solution found when resolving tool dependencies:\n"
        "  ╰─▶ Because pip-audit was not found in the package registry...\n",
        1,
    )
    assert uv.startswith("× No solution found")
    assert failure_reason("", 2) == "pip-audit exited 2 and printed nothing"
    assert len(failure_reason("x" * 2000, 1)) == 500


def test_classify_keys_on_package_and_id() -> None:
    v1 = Vulnerability("a", "1", "ID-1")
    v2 = Vulnerability("a", "2", "ID-1")  # the same advisory, the version moved: still there
    before = EnvAudit("before", (("a", "1"),), (v1,))
    after = EnvAudit("after", (("a", "2"),), (v2,))
    (f,) = classify(before, after)
    assert (f.status, f.before, f.after) == (FindingStatus.PRE_EXISTING, "1", "2")
    # a before audit that is unavailable proves nothing: every finding is new
    down = EnvAudit("before", unavailable="no network")
    result = combine("pypi", "fake", down, after)
    assert [x.status for x in result.findings] == [FindingStatus.NEW]
    assert result.before_unavailable == "no network" and not result.compared


def test_result_round_trips_through_json() -> None:
    before = EnvAudit("before", (("a", "1"),), (Vulnerability("a", "1", "X", ("CVE-1",), ("2",)),))
    after = EnvAudit(
        "after",
        (("b", "1"),),
        (Vulnerability("b", "1", "Y", (), (), "desc"),),
        skipped=(("c", "not found"),),
    )
    result = combine("pypi", "pip-audit on PATH (/x)", before, after, 1.5)
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["counts"] == {"new": 1, "pre-existing": 0, "fixed": 1}
    assert doc["skipped"] == ["c: not found"]
    assert AuditResult.from_dict(doc) == result
    gone = AuditResult("osv", unavailable="no network")
    assert AuditResult.from_dict(json.loads(json.dumps(gone.to_dict()))) == gone


@pytest.mark.network
@pytest.mark.timeout(60)
def test_real_pip_audit_through_uv_tool_run(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pip-audit, fetched by ``uv tool run``, on a tiny environment. From our machines
    PyPI's per-version JSON answers 404 and api.osv.dev does not resolve, so "unavailable, with
    a reason" is as legitimate an outcome as a parsed audit: both are checked for shape."""

    from toolshift import audit
    from toolshift.tools import find_uv, run

    monkeypatch.setattr(audit.shutil, "which", lambda _name: None)  # always the pinned one
    env = tmp_path / "env-after"
    uv = find_uv().path
    assert run([uv, "venv", "-q", str(env)], timeout=60).returncode == 0
    done = run(
        [uv, "pip", "install", "-q", "--python", str(env / "bin" / "python"), "--offline",
         "--no-index", "--find-links", str(wheelhouse), "alpha==1.0.0"],
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.output
    for service in ("pypi", "osv"):
        result = audit_envs(env, None, service=service, after_packages=("alpha",))
        assert result.tool == f"pip-audit {PIP_AUDIT_VERSION} (uv tool run)"
        if result.available:
            assert result.audited_after + len(result.skipped) == 1
        else:
            assert result.unavailable.strip()
            assert "Traceback" not in result.unavailable and "File " not in result.unavailable
            assert audit_check(result).status is CheckStatus.SKIPPED
