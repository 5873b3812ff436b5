"""A folder of tiny pure-Python wheels, written by hand, for real offline installs and locks.

No build backend and no network: a wheel is a zip with ``{name}-{version}.dist-info/METADATA``,
``WHEEL`` and ``RECORD`` next to one module file. That is all pip and uv need.

The default set (:data:`DEFAULT_WHEELS`)::

    alpha   1.0.0, 1.1.0, 2.0.0
    beta    1.0, 1.2                (requires alpha>=1.0)
    gamma   0.9                     (extra "fast" requires delta)
    delta   1.0
    devtool 3.0
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class WheelSpec:
    name: str
    version: str
    requires: tuple[str, ...] = ()  # Requires-Dist lines, markers included
    extras: tuple[str, ...] = ()  # Provides-Extra
    summary: str = ""
    files: dict[str, str] = field(default_factory=dict)  # extra files: path -> text


DEFAULT_WHEELS: tuple[WheelSpec, ...] = (
    WheelSpec("alpha", "1.0.0"),
    WheelSpec("alpha", "1.1.0"),
    WheelSpec("alpha", "2.0.0"),
    WheelSpec("beta", "1.0", requires=("alpha>=1.0",)),
    WheelSpec("beta", "1.2", requires=("alpha>=1.0",)),
    WheelSpec("gamma", "0.9", requires=('delta>=1.0; extra == "fast"',), extras=("fast",)),
    WheelSpec("delta", "1.0"),
    WheelSpec("devtool", "3.0"),
)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _dist_name(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def build_wheel(spec: WheelSpec, dest: Path) -> Path:
    """Write one ``{name}-{version}-py3-none-any.whl`` into ``dest`` and return its path."""

    dist = _dist_name(spec.name)
    info = f"{dist}-{spec.version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {spec.name}",
        f"Version: {spec.version}",
        f"Summary: {spec.summary or f'test package {spec.name}'}",
    ]
    metadata += [f"Provides-Extra: {e}" for e in spec.extras]
    metadata += [f"Requires-Dist: {r}" for r in spec.requires]
    files: dict[str, bytes] = {
        f"{dist}/__init__.py": f'__version__ = "{spec.version}"\n'.encode(),
    }
    for path, text in spec.files.items():
        files[path] = text.encode()
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: toolshift-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{p},{_record_hash(d)},{len(d)}" for p, d in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()

    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"{dist}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            # A fixed timestamp keeps the bytes (and so the hashes in uv.lock) reproducible.
            zi = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, data)
    return out


def build_wheelhouse(dest: Path, specs: Iterable[WheelSpec] = DEFAULT_WHEELS) -> Path:
    """Write every wheel of ``specs`` into ``dest``; returns ``dest``."""

    for spec in specs:
        build_wheel(spec, dest)
    return dest
