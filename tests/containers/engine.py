"""A private Docker engine for the image-build tests, and local stand-ins for the base images.

Nothing can be pulled here, so the images a generated Dockerfile names are built locally under
those exact names:

* ``python:3.X-slim`` (and its variants): a Debian bookworm ``minbase`` rootfs made with
  ``debootstrap`` (cached as a tarball, see :data:`CACHE`), plus a real CPython 3.X laid out as
  the official image has it (``/usr/local/bin/python``, ``python3``, ``python3.X``, ``pip``).
  Debian's own ``python3`` (3.11) serves 3.11; another version comes from a build already on
  this machine (pyenv's), copied to ``/usr/local``. The host's CA bundle goes in with
  ``SSL_CERT_FILE``/``PIP_CERT`` set, so pip and uv inside a build reach the package index
  through this network's TLS proxy.
* ``ghcr.io/astral-sh/uv:<version>``: a scratch image holding ``/uv`` and ``/uvx`` from the uv
  wheel installed in our venv (the tests pin that wheel's version in the Dockerfiles).

The engine is Debian's ``docker.io`` ``dockerd`` (installed with apt when missing), started
with its own data/exec roots and socket, no bridge and no iptables; builds use that package's
client with BuildKit and ``--network host``. Anything that cannot work here raises
:class:`Unavailable` with the reason, and the tests skip with it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolshift.tools import Completed, find_uv, run, scrubbed_env

CACHE = Path(os.environ.get("TOOLSHIFT_TEST_CACHE", "~/.cache/toolshift-tests")).expanduser()
ROOTFS_VERSION = 1  # bump when the rootfs recipe below changes
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_PYTHON = "3.11"  # bookworm's python3
# bookworm's python3 and the shared libraries a CPython built on bookworm links to
ROOTFS_PACKAGES = (
    "python3,python3-venv,python3-pip,libssl3,libffi8,libsqlite3-0,libbz2-1.0,liblzma5,zlib1g,"
    "libreadline8,libncursesw6,libuuid1,libexpat1,libnsl2,netbase"
)
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DOCKER_CLIENT = "/usr/bin/docker"  # docker.io's client (/usr/local/bin/docker is another one)
UV_IMAGE = "ghcr.io/astral-sh/uv"


class Unavailable(Exception):
    """This machine cannot run the image-build tests; the message says why."""


def _timed(label: str, t0: float, log: list[str]) -> None:
    log.append(f"{label}: {time.monotonic() - t0:.1f}s")


def ensure_packages(timings: list[str]) -> None:
    """docker.io and debootstrap, installed with apt when missing (CI machines start fresh)."""

    if all(Path(p).exists() for p in ("/usr/sbin/dockerd", DOCKER_CLIENT, "/usr/sbin/debootstrap")):
        return
    if os.geteuid() != 0:
        raise Unavailable("docker.io/debootstrap are missing and we are not root to install them")
    if not shutil.which("apt-get"):
        raise Unavailable("docker.io/debootstrap are missing and there is no apt-get")
    t0 = time.monotonic()
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "docker.io", "debootstrap"],
    ):
        done = run(argv, extra_env=env, timeout=900)
        if done.returncode != 0:
            raise Unavailable(f"{' '.join(argv)} failed:\n{done.output[-2000:]}")
    _timed("apt-get install docker.io debootstrap", t0, timings)


@dataclass
class Engine:
    """A running dockerd of our own; :meth:`docker` runs the client against it."""

    root: Path
    proc: subprocess.Popen[bytes]
    timings: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"unix://{self.root / 'docker.sock'}"

    def docker(self, *args: str, timeout: float = 600, cwd: Path | None = None) -> Completed:
        env = {"DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "1", "DOCKER_CONFIG": str(self.root)}
        return run([DOCKER_CLIENT, *args], extra_env=env, timeout=timeout, cwd=cwd)

    def check(self, *args: str, timeout: float = 600, cwd: Path | None = None) -> Completed:
        done = self.docker(*args, timeout=timeout, cwd=cwd)
        if done.returncode != 0:
            raise AssertionError(f"docker {' '.join(args[:3])} failed:\n{done.output[-6000:]}")
        return done

    def has_image(self, name: str) -> bool:
        return self.docker("image", "inspect", name, timeout=60).returncode == 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # the daemon unmounts its layers when it stops; never delete through a live mount
        mounts = Path("/proc/mounts").read_text().split("\n")
        for line in mounts:
            fields = line.split()
            if len(fields) > 1 and fields[1].startswith(f"{self.root}/"):
                run(["umount", "-l", fields[1]], timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        log = self.root / "dockerd.log"
        return log.read_text(errors="replace")[-3000:] if log.is_file() else ""


def start_engine(timings: list[str]) -> Engine:
    """Start a private dockerd (root only) and wait until its API answers."""

    if sys.platform != "linux":
        raise Unavailable("dockerd runs on Linux only")
    if os.geteuid() != 0:
        raise Unavailable("dockerd needs root here (no rootless setup)")
    ensure_packages(timings)
    t0 = time.monotonic()
    # a short path: the socket's name must fit in 108 bytes
    root = Path(tempfile.mkdtemp(prefix="ts-dockerd-", dir="/tmp"))
    argv = [
        "/usr/sbin/dockerd",
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        f"--data-root={root / 'data'}",
        f"--exec-root={root / 'exec'}",
        f"--pidfile={root / 'dockerd.pid'}",
        f"--host=unix://{root / 'docker.sock'}",
    ]
    with (root / "dockerd.log").open("wb") as log:  # the daemon keeps its own descriptor
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=scrubbed_env()
        )
    engine = Engine(root, proc, timings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = engine.log_tail()
            engine.stop()
            raise Unavailable(f"dockerd exited with {proc.returncode}:\n{tail}")
        if (root / "docker.sock").exists() and engine.docker("version", timeout=20).returncode == 0:
            _timed("dockerd start", t0, timings)
            return engine
        time.sleep(0.3)
    tail = engine.log_tail()
    engine.stop()
    raise Unavailable(f"dockerd did not answer within 60s:\n{tail}")


# --------------------------------------------------------------------------- base images


def rootfs_tarball(timings: list[str]) -> Path:
    """Debian bookworm minbase with python3 (cached: debootstrap takes about a minute and a
    half)."""

    out = CACHE / f"bookworm-minbase-python-v{ROOTFS_VERSION}.tar"
    if out.is_file():
        return out
    if not Path("/usr/sbin/debootstrap").exists():
        raise Unavailable("debootstrap is missing")
    CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ts-rootfs-", dir=CACHE) as tmp:
        target = Path(tmp) / "root"
        done = run(
            [
                "/usr/sbin/debootstrap",
                "--variant=minbase",
                f"--include={ROOTFS_PACKAGES}",
                "bookworm",
                str(target),
                DEBIAN_MIRROR,
            ],
            timeout=900,
        )
        if done.returncode != 0:
            raise Unavailable(f"debootstrap failed:\n{done.output[-3000:]}")
        # apt's package lists and the downloaded .debs are not part of a slim image
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for p in (target / junk).glob("*"):
                if p.is_file():
                    p.unlink()
        part = out.with_suffix(".part")
        done = run(
            ["tar", "-C", str(target), "--numeric-owner", "-cf", str(part), "."], timeout=300
        )
        if done.returncode != 0:
            raise Unavailable(f"tar of the rootfs failed:\n{done.output[-2000:]}")
        part.replace(out)
    _timed("debootstrap bookworm (cached afterwards)", t0, timings)
    return out


def _python_version_of_tag(tag: str) -> str:
    m = re.match(r"^(\d+\.\d+)", tag)
    if not m:
        raise Unavailable(f"python:{tag}: only python:3.X[-variant] tags have a stand-in")
    return m.group(1)


def host_cpython(version: str) -> Path | None:
    """The prefix of a CPython ``version`` built on this machine (pyenv's), if any."""

    roots = sorted(
        Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser().glob(f"versions/{version}.*"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.name)],
    )
    for prefix in reversed(roots):
        if (prefix / "bin" / f"python{version}").is_file() and re.fullmatch(
            rf"{re.escape(version)}\.\d+", prefix.name
        ):
            return prefix
    return None


_PY_STANDIN = """\
FROM {base}
{copy}
RUN {link}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LANG=C.UTF-8 \\
    PYTHON_VERSION={version} \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \\
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
"""


@dataclass
class Images:
    """Builds (once per engine) the stand-ins a Dockerfile's FROM/COPY --from lines name."""

    engine: Engine
    work: Path
    built: set[str] = field(default_factory=set)

    def base(self) -> str:
        name = f"toolshift-test/bookworm:{ROOTFS_VERSION}"
        if name in self.built:
            return name
        tarball = rootfs_tarball(self.engine.timings)
        t0 = time.monotonic()
        self.engine.check("import", str(tarball), name, timeout=600)
        _timed("docker import rootfs", t0, self.engine.timings)
        self.built.add(name)
        return name

    def python(self, tag: str) -> str:
        name = f"python:{tag}"
        if name in self.built:
            return name
        version = _python_version_of_tag(tag)
        ctx = Path(tempfile.mkdtemp(prefix="py-", dir=self.work))
        shutil.copyfile(HOST_CA_BUNDLE, ctx / "ca-certificates.crt")
        if version == DEBIAN_PYTHON:
            copy = ""
            # the official image's pip installs into the system site: no PEP 668 marker
            link = (
                f"ln -s /usr/bin/python{version} /usr/local/bin/python{version} && "
                "ln -s /usr/bin/python3 /usr/local/bin/python3 && "
                "ln -s /usr/bin/python3 /usr/local/bin/python && "
                "ln -s /usr/bin/pip3 /usr/local/bin/pip && "
                f"rm -f /usr/lib/python{version}/EXTERNALLY-MANAGED"
            )
        else:
            prefix = host_cpython(version)
            if prefix is None:
                raise Unavailable(
                    f"no CPython {version} for the python:{tag} stand-in: Debian bookworm has "
                    f"{DEBIAN_PYTHON}, and this machine has no build of {version} (pyenv) to copy"
                )
            ignore = shutil.ignore_patterns("test", "tests", "idlelib", "tkinter", "__pycache__")
            for sub in ("bin", "lib", "include"):
                shutil.copytree(prefix / sub, ctx / "cpython" / sub, symlinks=True, ignore=ignore)
            copy = "COPY cpython/ /usr/local/"
            # a shared libpython moved to /usr/local/lib: refresh the loader cache; the
            # copied scripts' shebangs name the old prefix, so pip gets a fresh launcher
            pip = f'#!/bin/sh\\nexec /usr/local/bin/python{version} -m pip "$@"\\n'
            link = (
                "ldconfig && "
                f"ln -sf python{version} /usr/local/bin/python3 && "
                f"ln -sf python{version} /usr/local/bin/python && "
                f"for p in pip pip3 pip{version}; do printf '{pip}' > /usr/local/bin/$p && "
                "chmod 755 /usr/local/bin/$p; done && "
                f"/usr/local/bin/python{version} -c 'import ssl, sqlite3, venv' && pip --version"
            )
        (ctx / "Dockerfile").write_text(
            _PY_STANDIN.format(base=self.base(), copy=copy, link=link, version=version)
        )
        t0 = time.monotonic()
        self.engine.check("build", "--network", "none", "-t", name, str(ctx), timeout=900)
        _timed(f"stand-in {name}", t0, self.engine.timings)
        shutil.rmtree(ctx, ignore_errors=True)
        self.built.add(name)
        return name

    def uv(self, version: str) -> str:
        name = f"{UV_IMAGE}:{version}"
        if name in self.built:
            return name
        # our wheel's binary under whatever version the Dockerfile pins (the tests pin ours)
        ours = find_uv()
        ctx = Path(tempfile.mkdtemp(prefix="uv-", dir=self.work))
        uv_bin = Path(ours.path)
        shutil.copy2(uv_bin, ctx / "uv")
        uvx = uv_bin.with_name("uvx")
        if uvx.is_file():
            shutil.copy2(uvx, ctx / "uvx")
        else:  # the official image has both; uvx is `uv tool run`
            shutil.copy2(uv_bin, ctx / "uvx")
        (ctx / "Dockerfile").write_text("FROM scratch\nCOPY uv uvx /\n")
        self.engine.check("build", "--network", "none", "-t", name, str(ctx), timeout=300)
        shutil.rmtree(ctx, ignore_errors=True)
        self.built.add(name)
        return name

    def for_dockerfile(self, text: str) -> list[str]:
        """Build every stand-in the Dockerfile needs; returns their names."""

        names = []
        for image in referenced_images(text):
            repo, _, tag = image.partition(":")
            if repo in ("python", "docker.io/library/python"):
                names.append(self.python(tag or "latest"))
            elif repo == UV_IMAGE:
                names.append(self.uv(tag))
            else:
                raise Unavailable(f"no local stand-in for the image {image}")
        return names


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE | re.MULTILINE)
_COPY_FROM = re.compile(r"^\s*COPY\s+(?:--\S+\s+)*?--from=(\S+)", re.IGNORECASE | re.MULTILINE)
_AS = re.compile(r"^\s*FROM\s+\S+(?:\s+\S+)*?\s+AS\s+(\S+)", re.IGNORECASE | re.MULTILINE)


_GLOBAL_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$", re.IGNORECASE)


def referenced_images(text: str) -> list[str]:
    """Image names in FROM and ``COPY --from=`` (stage names and ``scratch`` left out); an
    ``ARG NAME=default`` above the first FROM is substituted as the engine would."""

    args: dict[str, str] = {}
    for line in text.splitlines():
        if re.match(r"^\s*FROM\s", line, re.IGNORECASE):
            break
        m = _GLOBAL_ARG.match(line)
        if m:
            args[m.group(1)] = m.group(2).strip("\"'")

    def subst(name: str) -> str:
        return re.sub(
            r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
            lambda m: args.get(m.group(1) or m.group(2), m.group(0)),
            name,
        )

    stages = {m.group(1).lower() for m in _AS.finditer(text)}
    found: list[str] = []
    for m in [*_FROM.finditer(text), *_COPY_FROM.finditer(text)]:
        name = subst(m.group(1))
        if name.lower() in stages or name == "scratch" or name.isdigit() or name in found:
            continue
        if "$" in name:
            raise Unavailable(f"image name {name!r} uses a build ARG with no default")
        found.append(name)
    return found


def buildable(text: str) -> str:
    """The Dockerfile as this engine can build it: a ``# syntax=`` directive would fetch a
    frontend image, so it goes (the built-in frontend has RUN --mount; it has no heredocs)."""

    lines = text.splitlines(keepends=True)
    out = [ln for ln in lines if not re.match(r"^#\s*syntax\s*=", ln, re.IGNORECASE)]
    if "<<" in "".join(out):
        raise Unavailable("the packaged engine's built-in frontend has no heredocs")
    return "".join(out)


def build(
    engine: Engine, images: Images, context: Path, tag: str, extra: Sequence[str] = ()
) -> Completed:
    """Build ``context/Dockerfile`` (syntax line stripped) as ``tag`` with network access to
    the package index; the caller checks the result."""

    dockerfile = context / "Dockerfile"
    text = buildable(dockerfile.read_text(encoding="utf-8"))
    images.for_dockerfile(text)
    stripped = context.parent / f"{context.name}.Dockerfile"
    stripped.write_text(text, encoding="utf-8")
    t0 = time.monotonic()
    done = engine.docker(
        "build",
        "--network",
        "host",
        "--progress",
        "plain",
        "-f",
        str(stripped),
        "-t",
        tag,
        *extra,
        str(context),
        timeout=900,
    )
    _timed(f"docker build {tag}", t0, engine.timings)
    return done
