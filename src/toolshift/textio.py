"""Bytes <-> text without losing anything: BOM, newline style and encoding survive a round trip.

Readers work on ``str``; apply writes ``bytes``. :func:`decode` records how a file was stored so
:func:`encode` can store an edited text the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolshift.errors import InputError

BOM = b"\xef\xbb\xbf"
# Files with these BOMs are text too: PowerShell's `pip freeze > requirements.txt` writes
# UTF-16 LE, and pip reads it. UTF-32 first: its LE BOM starts with UTF-16 LE's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class TextFormat:
    bom: bool = False
    newline: str = "\n"  # the file's dominant newline: "\n", "\r\n" or "\r"
    encoding: str = "utf-8"  # or one of the _WIDE_BOMS encodings (always with its BOM)


def detect_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf > lf and crlf >= cr:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, TextFormat]:
    """Decode UTF-8 (with or without BOM), or UTF-16/32 with a BOM. Newlines are kept exactly
    as stored."""

    for mark, encoding in _WIDE_BOMS:
        if data.startswith(mark):
            try:
                text = data[len(mark) :].decode(encoding)
            except UnicodeDecodeError:
                break  # not really that encoding: judged as bytes below
            return text, TextFormat(bom=True, newline=detect_newline(text), encoding=encoding)
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    if b"\x00" in body:
        raise InputError(
            "this is a binary file, not text",
            path=path,
            hint="point toolshift at the text file, or remove the binary one",
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{body[exc.start]:02x})",
            path=path,
            line=line,
            hint="re-save the file as UTF-8",
        ) from None
    return text, TextFormat(bom=bom, newline=detect_newline(text))


def encode(text: str, fmt: TextFormat) -> bytes:
    """Encode ``text`` (which may use ``\\n``) in the file's own style.

    Lines that already end with the file's newline are left alone; bare ``\\n`` added by a
    renderer is converted to the file's newline.
    """

    if fmt.newline != "\n":
        text = text.replace("\r\n", "\n").replace("\n", fmt.newline)
    if fmt.encoding != "utf-8":
        mark = next(m for m, e in _WIDE_BOMS if e == fmt.encoding)
        return mark + text.encode(fmt.encoding)
    data = text.encode("utf-8")
    return BOM + data if fmt.bom else data


def splitlines_keep(text: str) -> list[str]:
    """Lines with their own endings, so joining them gives back ``text`` exactly."""

    return text.splitlines(keepends=True)
