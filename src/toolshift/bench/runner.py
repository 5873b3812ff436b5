"""bench runner (I/O): clean states, warm-ups, counted runs, and nothing else in the clock.

Every timed command goes through :func:`toolshift.tools.run` (scrubbed environment,
``PIP_CONFIG_FILE=/dev/null``, user and system ``uv.toml`` kept out with
:func:`toolshift.locking.lock_env`). The clock (``time.perf_counter``) wraps the one command and
nothing more; preparing a clean state (copying a fresh venv, making an empty cache folder) is
timed apart and reported as preparation.

Clean states, all under one temporary folder that is removed at the end:

* every install run gets a fresh venv from ``uv venv`` (its time counts as preparation, and
  ``uv venv`` is also timed as its own figure). uv needs no pip inside; pip's venvs see one
  shared, bytecode-compiled pip through a ``.pth`` file (installed once, outside any figure).
* resolve: a persistent cache per tool (the warm-up fills it).
* install-cold: a fresh venv and a fresh, empty cache folder for every run.
* install-warm: a fresh venv for every run; the cache the warm-up filled.
* no-op: one venv per variant, installed by the warm-up; each counted run installs again.
* categories: the resolved set split by :func:`toolshift.categories.category_of`, each part
  installed alone with ``--no-deps`` (cold: fresh cache; warm: the last cold run's cache).
* startup: ``python -c "import ENTRY"`` in each variant's no-op venv, from the project folder,
  with ``PYTHONDONTWRITEBYTECODE=1`` (like a fresh container: nothing is written back), timed
  and its peak RSS read by a small wrapper process (``resource.getrusage(RUSAGE_CHILDREN)``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from toolshift.bench.scenarios import (
    BenchEnvironment,
    BenchOptions,
    BenchResult,
    IndexArgs,
    Scenario,
    Series,
    Skipped,
    Variant,
    parse_pins,
    pip_install,
    pip_resolve,
    uv_install,
    uv_resolve,
)
from toolshift.docker_engine import ImageFigures
from toolshift.errors import ToolError, UsageError
from toolshift.redact import redact_text
from toolshift.tools import Completed, run

Progress = Callable[[str], None]

TIMEOUT = 1800.0
ENTRY_CANDIDATES = (("app/main.py", "app.main"), ("main.py", "main"), ("app.py", "app"))

# Runs in a separate interpreter: times one child import and reads its peak RSS.
_STARTUP_WRAPPER = """\
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run([sys.argv[1], "-c", "import " + sys.argv[2]], capture_output=True, text=True)
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": dt, "rss_kib": rss, "rc": p.returncode, "err": p.stderr[-2000:]}))
"""


def _bin(venv: Path, name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    exe = f"{name}.exe" if os.name == "nt" else name
    return venv / sub / exe


def _site_packages(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Lib" / "site-packages"
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise ToolError(f"no site-packages folder in {venv}")
    return found[0]


def find_entry(root: Path) -> str | None:
    """The service's entry module: ``app/main.py``, ``main.py`` or ``app.py``."""

    for rel, module in ENTRY_CANDIDATES:
        if (root / rel).is_file():
            return module
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


@dataclass
class _Clock:
    measured: float = 0.0
    prepare: float = 0.0
    notes: list[str] = field(default_factory=list)


class _Bench:
    def __init__(self, root: Path, options: BenchOptions, tmp: Path, progress: Progress) -> None:
        from toolshift.locking import lock_env
        from toolshift.tools import find_uv

        self.root = root
        self.options = options
        self.tmp = tmp
        self.progress = progress
        self.clock = _Clock()
        self.uv = find_uv().path
        self.uv_version = find_uv().version_str
        self.index = IndexArgs(options.find_links, options.offline)
        self.env = lock_env(str(tmp / "config"))
        self.python = options.python or self._project_python() or sys.executable
        self.counter = 0
        self.last: Completed | None = None
        self.pip_dir: Path | None = None

    def _project_python(self) -> str | None:
        """The interpreter for the X.Y the project states (``.python-version``, Dockerfile,
        ...), found by ``uv python find`` (no downloads); None, with a note, when the project
        states none or uv finds none."""

        from toolshift.detect import detect
        from toolshift.errors import ToolshiftError

        try:
            wanted = detect(self.root, tolerant=True).project.python.preferred()
        except ToolshiftError:
            return None
        if not wanted or not re.fullmatch(r"\d+\.\d+(\.\d+)?", wanted):
            return None
        done = run(
            [self.uv, "python", "find", "--no-project", wanted],
            cwd=self.tmp,
            extra_env=self.env,
            timeout=60,
        )
        found = done.stdout.strip().splitlines()
        if done.returncode == 0 and found:
            self.clock.notes.append(f"Python {wanted}, as the project states, at {found[-1]}")
            return found[-1]
        self.clock.notes.append(
            f"the project states Python {wanted}, which uv finds no interpreter for here: "
            f"measured with {sys.executable} (pass --python to choose)"
        )
        return None

    # ------------------------------------------------------------------ plumbing

    def _fresh(self, kind: str) -> Path:
        self.counter += 1
        return self.tmp / f"{kind}-{self.counter}"

    def _run(self, argv: list[str], extra: dict[str, str] | None = None) -> tuple[float, Completed]:
        env = dict(self.env)
        if extra:
            env.update(extra)
        t = time.perf_counter()
        done = run(argv, cwd=self.root, extra_env=env, timeout=TIMEOUT)
        dt = time.perf_counter() - t
        self.clock.measured += dt
        return dt, done

    def _prepared(self, fn: Callable[[], Path]) -> Path:
        t = time.perf_counter()
        try:
            return fn()
        finally:
            self.clock.prepare += time.perf_counter() - t

    def _venv(self, with_pip: bool) -> Path:
        """A fresh venv (``uv venv``, timed as preparation). pip's venvs get pip through a
        ``.pth`` file naming one shared, bytecode-compiled copy of it: the same pip code as
        a seeded venv, without copying it for every run."""

        t = time.perf_counter()
        dest = self._fresh("venv")
        done = run(
            [self.uv, "venv", "--quiet", "--no-project", "--python", self.python, str(dest)],
            cwd=self.tmp,
            extra_env=self.env,
            timeout=300,
        )
        if done.returncode != 0:
            raise ToolError("uv venv failed", output=done.output)
        if with_pip:
            assert self.pip_dir is not None
            site = _site_packages(dest)
            (site / "_toolshift_bench_pip.pth").write_text(str(self.pip_dir) + "\n")
        self.clock.prepare += time.perf_counter() - t
        return dest

    def _cache(self) -> Path:
        def make() -> Path:
            dest = self._fresh("cache")
            dest.mkdir()
            return dest

        return self._prepared(make)

    def series(
        self,
        scenario: Scenario,
        variant: Variant,
        step: Callable[[int], float],
        *,
        warmup: bool = True,
        runs: int | None = None,
        category: str = "",
    ) -> Series:
        """Warm-up (unless ``warmup`` is False) then ``runs`` counted runs; ``step(i)`` runs
        one command and returns the seconds it took, or raises :class:`ToolError`."""

        n = self.options.runs if runs is None else runs
        label = f"{scenario.value} {variant.value}" + (f" [{category}]" if category else "")
        self.progress(label)
        times: list[float] = []
        first = 1 if warmup else 0
        for i in range(n + first):
            try:
                dt = step(i)
            except ToolError as err:
                return Series(scenario, variant, category=category, error=err.message[:300])
            if i >= first:
                times.append(dt)
        return Series(scenario, variant, tuple(times), category=category)

    def command(self, make: Callable[[int], list[str]]) -> Callable[[int], float]:
        """A step that runs ``make(i)``; its output is kept in ``self.last``."""

        def step(i: int) -> float:
            argv = make(i)
            dt, done = self._run(argv)
            self.last = done
            if done.returncode != 0:
                lines = [ln for ln in done.output.splitlines() if ln.strip()]
                msg = lines[-1] if lines else ""
                raise ToolError(redact_text(f"exit {done.returncode}: {msg}"))
            return dt

        return step

    # ------------------------------------------------------------------ setup

    def requirement_files(self) -> tuple[list[str], str]:
        """Absolute requirement files holding the package set, and where they came from."""

        opts = self.options
        if opts.requirements:
            files = [str((self.root / r).absolute()) for r in opts.requirements]
            for f in files:
                if not Path(f).is_file():
                    raise UsageError(f"no such requirements file: {f}")
            return files, "the requirement files " + ", ".join(opts.requirements)
        if (self.root / "uv.lock").is_file():
            out = self.tmp / "exported-requirements.txt"
            t = time.perf_counter()
            done = run(
                [
                    self.uv,
                    "export",
                    "--frozen",
                    "--no-hashes",
                    "--no-emit-project",
                    "--no-dev",
                    "--quiet",
                    "-o",
                    str(out),
                ],
                cwd=self.root,
                extra_env=self.env,
                timeout=300,
            )
            self.clock.prepare += time.perf_counter() - t
            if done.returncode != 0:
                raise ToolError("uv export failed", output=done.output)
            return [str(out)], "uv.lock (uv export --frozen --no-hashes --no-emit-project --no-dev)"
        from toolshift.detect import detect
        from toolshift.model import GroupKind

        project = detect(self.root).project
        found: list[str] = []
        for g in project.groups:
            if g.kind is GroupKind.RUNTIME:
                found += [f for f in g.files if f.endswith((".txt", ".in"))]
        if not found:
            raise UsageError(
                "no runtime requirements found to measure",
                path=str(self.root),
                hint="pass --requirements FILE",
            )
        # A pip-tools project: the compiled .txt is the package set.
        txt = [f for f in found if f.endswith(".txt")] or found
        return [str(self.root / f) for f in txt], "the runtime requirement files " + ", ".join(txt)

    def prepare(self) -> Series:
        """``uv venv`` timed as its own series; pip installed once into a shared folder."""

        def venv_cmd(i: int) -> list[str]:
            dest = str(self._fresh("v"))
            return [self.uv, "venv", "--quiet", "--no-project", "--python", self.python, dest]

        venv_series = self.series(Scenario.VENV, Variant.UV, self.command(venv_cmd))
        if not venv_series.ok:
            raise ToolError(f"uv venv failed: {venv_series.error}")
        t = time.perf_counter()
        self.pip_dir = self.tmp / "pip"
        # pip's own modules compiled, as ensurepip leaves them in a venv: otherwise every pip
        # run would pay for compiling pip itself.
        seed = [self.uv, "pip", "install", "--quiet", "--compile-bytecode", "--python"]
        seed += [self.python, "--target", str(self.pip_dir)]
        seed += ["--cache-dir", str(self.tmp / "seed-cache"), *self.index.uv()]
        if self.index.offline:
            import ensurepip

            seed += ["--find-links", str(Path(ensurepip.__file__).parent / "_bundled")]
        done = run([*seed, "pip"], cwd=self.tmp, extra_env=self.env, timeout=600)
        if done.returncode != 0:
            raise ToolError("could not install pip for the benchmark", output=done.output)
        self.clock.prepare += time.perf_counter() - t
        return venv_series

    def environment(self) -> BenchEnvironment:
        py = str(_bin(self._venv(False), "python"))
        ver = run([py, "-c", "import sys; print(sys.version.split()[0])"], timeout=60)
        # pip's version from its dist-info folder: one pip start-up less
        assert self.pip_dir is not None
        infos = sorted(self.pip_dir.glob("pip-*.dist-info"))
        pip_version = infos[-1].name[len("pip-") : -len(".dist-info")] if infos else "?"
        if self.index.offline:
            index = f"find-links {self.options.find_links} (no index, offline)"
        else:
            index = "the default index (PyPI), unless the requirement files name another"
        return BenchEnvironment(
            cpu=cpu_model(),
            cores=os.cpu_count() or 1,
            os=platform.platform(),
            python=ver.stdout.strip() or "?",
            python_path=self.python,
            pip=pip_version,
            uv=self.uv_version,
            index=index,
            network=not self.index.offline,
        )

    # ------------------------------------------------------------------ scenarios

    def installs(
        self, reqs: list[str]
    ) -> tuple[list[Series], dict[Variant, Path], list[tuple[str, str]]]:
        out: list[Series] = []
        idx = self.index

        # resolve: one venv each (nothing is installed), a persistent cache each.
        pip_py = str(_bin(self._venv(True), "python"))
        uv_py = str(_bin(self._venv(False), "python"))
        pip_cache, uv_cache = self._cache(), self._cache()
        s = self.series(
            Scenario.RESOLVE,
            Variant.PIP,
            self.command(lambda i: pip_resolve(pip_py, reqs, str(pip_cache), idx)),
        )
        out.append(s)
        self.last = None
        s = self.series(
            Scenario.RESOLVE,
            Variant.UV,
            self.command(lambda i: uv_resolve(self.uv, uv_py, reqs, str(uv_cache), idx)),
        )
        out.append(s)
        pins = parse_pins(self._last_stdout()) if s.ok else []

        variants = (Variant.PIP, Variant.UV, Variant.UV_BYTECODE)
        for variant in variants:
            # a fresh venv and a fresh, empty cache for every run
            step = self._installer(variant, reqs)
            out.append(self.series(Scenario.COLD, variant, step))
        for variant in variants:
            # a fresh venv every run; the warm-up fills the cache
            step = self._installer(variant, reqs, cache=self._cache())
            out.append(self.series(Scenario.WARM, variant, step))
        noop_venvs: dict[Variant, Path] = {}
        for variant in variants:
            # the warm-up installs; the counted runs find everything there
            venv = self._venv(variant is Variant.PIP)
            noop_venvs[variant] = venv
            step = self._installer(variant, reqs, cache=self._cache(), venv=venv)
            out.append(self.series(Scenario.NOOP, variant, step))
        return out, noop_venvs, pins

    def _last_stdout(self) -> str:
        return self.last.stdout if self.last is not None else ""

    def _installer(
        self,
        variant: Variant,
        files: list[str],
        *,
        cache: Path | None = None,
        venv: Path | None = None,
        caches: list[Path] | None = None,
    ) -> Callable[[int], float]:
        """Run ``i`` through :mod:`toolshift.installers` (as verify installs): a fresh venv
        unless ``venv``, a fresh cache unless ``cache`` (each one appended to ``caches``)."""

        from toolshift.installers import Env, get_installer

        inst = get_installer("pip" if variant is Variant.PIP else "uv")
        # None: each tool's default (pip compiles bytecode, uv does not)
        compile_bytecode = True if variant is Variant.UV_BYTECODE else None
        find_links = [self.index.find_links] if self.index.find_links else []

        def step(i: int) -> float:
            c = cache
            if c is None:
                c = self._cache()
                if caches is not None:
                    caches.append(c)
            e = venv if venv is not None else self._venv(variant is Variant.PIP)
            done = inst.install_requirements(
                Env(e),
                files,
                cwd=self.root,
                find_links=find_links,
                no_index=self.index.offline,
                offline=self.index.offline,
                cache_dir=c,
                compile_bytecode=compile_bytecode,
                timeout=TIMEOUT,
            )
            self.clock.measured += done.seconds
            return done.seconds

        return step

    def categories(self, pins: list[tuple[str, str]]) -> list[Series]:
        from toolshift.categories import category_of

        by_cat: dict[str, list[str]] = {}
        for name, version in pins:
            by_cat.setdefault(category_of(name).value, []).append(f"{name}=={version}")
        out: list[Series] = []
        n = self.options.category_runs
        for cat, lines in sorted(by_cat.items()):
            req = self.tmp / f"category-{cat}.txt"
            req.write_text("\n".join(lines) + "\n")
            files = [str(req)]
            for variant in (Variant.PIP, Variant.UV, Variant.UV_BYTECODE):
                caches: list[Path] = []
                cold = self.command(self._no_deps(variant, files, caches))
                s = self.series(Scenario.COLD, variant, cold, warmup=False, runs=n, category=cat)
                out.append(_with_packages(s, len(lines)))
                if not s.ok:
                    continue
                # warm: the cache the last cold run filled
                warm = self.command(self._no_deps(variant, files, [], caches[-1]))
                s = self.series(Scenario.WARM, variant, warm, warmup=False, runs=n, category=cat)
                out.append(_with_packages(s, len(lines)))
        return out

    def _no_deps(
        self,
        variant: Variant,
        files: list[str],
        caches: list[Path],
        cache: Path | None = None,
    ) -> Callable[[int], list[str]]:
        """``--no-deps`` installs of one category's pins (the installer interface has no
        such switch): a fresh venv each run, a fresh cache unless ``cache``."""

        def make(i: int) -> list[str]:
            c = cache
            if c is None:
                c = self._cache()
                caches.append(c)
            py = str(_bin(self._venv(variant is Variant.PIP), "python"))
            if variant is Variant.PIP:
                return pip_install(py, files, str(c), self.index, no_deps=True)
            return uv_install(
                self.uv,
                py,
                files,
                str(c),
                self.index,
                bytecode=variant is Variant.UV_BYTECODE,
                no_deps=True,
            )

        return make

    def startup(self, entry: str, venvs: dict[Variant, Path]) -> list[Series]:
        out: list[Series] = []
        for variant, venv in venvs.items():
            self.progress(f"startup {variant.value}")
            times: list[float] = []
            peak = 0
            error = ""
            for i in range(self.options.runs + 1):
                t = time.perf_counter()
                done = run(
                    [sys.executable, "-c", _STARTUP_WRAPPER, str(_bin(venv, "python")), entry],
                    cwd=self.root,
                    extra_env={**self.env, "PYTHONDONTWRITEBYTECODE": "1"},
                    timeout=TIMEOUT,
                )
                wall = time.perf_counter() - t
                try:
                    data = json.loads(done.stdout.strip().splitlines()[-1])
                except (ValueError, IndexError):
                    error = redact_text(done.output[-300:]) or "the startup probe failed"
                    break
                seconds = float(data["seconds"])
                # The child's own time is measured; the wrapper around it is overhead.
                self.clock.measured += min(seconds, wall)
                if int(data["rc"]) != 0:
                    last = str(data["err"]).strip().splitlines()
                    error = redact_text(f"import {entry} failed: {last[-1] if last else ''}")[:300]
                    break
                if i >= 1:
                    times.append(seconds)
                    peak = max(peak, int(data["rss_kib"]))
            if error:
                out.append(Series(Scenario.STARTUP, variant, error=error))
            else:
                out.append(Series(Scenario.STARTUP, variant, tuple(times), peak_rss_kib=peak))
        return out


def _with_packages(s: Series, n: int) -> Series:
    from dataclasses import replace

    return replace(s, packages=n)


def remove_later(folder: Path) -> None:
    """Delete ``folder`` in a detached process once the measuring is over.

    A bench leaves thousands of files (dozens of venvs and caches); on a file system mounted
    with ``discard`` deleting them took longer than half the measured time on the bundled
    example, so the command does not wait for it. ``sh`` starts ``rm`` in the background with
    its output detached and returns at once (Windows: deleted here and now).
    """

    if os.name == "nt" or shutil.which("sh") is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    script = 'rm -rf -- "$1" </dev/null >/dev/null 2>&1 &'
    done = run(["sh", "-c", script, "sh", str(folder)], timeout=60)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)


def docker_skip() -> Skipped:
    """Docker image build figures need ``--docker`` and an engine; say why they are absent."""

    from toolshift.docker_engine import engine_available

    why = engine_available()
    if why is not None:
        return Skipped("docker image build", why)
    return Skipped("docker image build", "not asked for: pass --docker (slow)")


def docker_figures(
    root: Path, say: Progress, entry_id: str | None = None
) -> tuple[tuple[ImageFigures, ...], list[Skipped]]:
    """``bench --docker``: image build figures of each Dockerfile before the migration (from
    the journal) and as it is now, or why not (see :mod:`toolshift.bench.images`)."""

    from toolshift.bench.images import measure_images

    ran = measure_images(root, entry_id=entry_id, say=say)
    return ran.figures, list(ran.skipped)


def run_bench(
    root: Path | str, options: BenchOptions, *, progress: Progress | None = None
) -> BenchResult:
    """Measure pip against uv on the project at ``root`` (see the module docstring)."""

    root = Path(root).absolute()
    if not root.is_dir():
        raise UsageError(f"no such folder: {root}", hint="give the project folder as PATH")
    if options.runs < 1 or options.category_runs < 1:
        raise UsageError("--runs must be at least 1")
    if options.offline and not options.find_links:
        raise UsageError("--offline needs --find-links DIR", hint="a folder of wheels to use")
    if options.docker and options.docker_entry:
        from toolshift.verify import select_entry

        select_entry(root, options.docker_entry)  # a wrong --id fails before any measuring
    say: Progress = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    tmp = Path(tempfile.mkdtemp(prefix="toolshift-bench-"))
    try:
        b = _Bench(root, options, tmp, say)
        reqs, source = b.requirement_files()
        venv_series = b.prepare()
        env = b.environment()
        series: list[Series] = [venv_series]
        installs, noop_venvs, pins = b.installs(reqs)
        series += installs
        skipped: list[Skipped] = []
        if options.categories and pins:
            series += b.categories(pins)
        elif options.categories:
            skipped.append(Skipped("per-category installs", "the resolve step gave no pins"))
        entry = options.entry or find_entry(root) or ""
        if options.startup and entry:
            series += b.startup(entry, noop_venvs)
        elif options.startup:
            skipped.append(
                Skipped("startup", "no app/main.py, main.py or app.py; pass --entry MODULE")
            )
        images: tuple[ImageFigures, ...] = ()
        if options.docker:
            from toolshift.bench.images import measure_images

            t = time.perf_counter()
            ran = measure_images(
                root, entry_id=options.docker_entry, add=options.docker_add, say=say
            )
            # the builds are measured commands; copies, pulls and `uv add` are preparation
            builds = sum(im.cold + im.cached + im.dependency_changed for im in ran.figures)
            b.clock.measured += builds
            b.clock.prepare += max(0.0, time.perf_counter() - t - builds)
            images = ran.figures
            skipped += ran.skipped
            b.clock.notes += ran.notes
        else:
            skipped.append(docker_skip())
        clock = b.clock
    finally:
        t = time.perf_counter()
        remove_later(tmp)
        cleanup = time.perf_counter() - t
    return BenchResult(
        root=str(root),
        started=started,
        environment=env,
        package_source=source,
        packages=tuple(f"{n}=={v}" for n, v in pins),
        runs=options.runs,
        series=tuple(series),
        skipped=tuple(skipped),
        entry=entry,
        total_seconds=time.perf_counter() - t0,
        measured_seconds=clock.measured,
        prepare_seconds=clock.prepare + cleanup,
        notes=tuple(clock.notes),
        images=images,
    )
