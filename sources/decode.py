"""Bytes to text: UTF-8 with or without BOM, another encoding only when the config names it."""

from __future__ import annotations

import codecs


class DecodeError(ValueError):
    """Text that is not in the expected encoding; the message names where it breaks, and
    ``line`` is that line when it is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` read from ``name``; CRLF and CR line ends become LF.

    Without a configured ``encoding`` only UTF-8 (BOM optional) and BOM-marked UTF-16 are
    accepted: guessing between cp949, euc-kr and latin-1 silently corrupts Korean text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    elif encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        try:
            text = data.decode(encoding)
        except LookupError as exc:
            raise DecodeError(f"{name}: unknown encoding {encoding!r} in the config") from exc
        except UnicodeDecodeError as exc:
            raise DecodeError(*_where(data, exc, name, encoding)) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            message, line = _where(data, exc, name, "UTF-8")
            hint = '; if the file uses another encoding, set encoding = "cp949" (or the right one)'
            raise DecodeError(f"{message}{hint} on this source in the config", line) from exc
    if "\x00" in text:
        raise DecodeError(f"{name}: contains NUL bytes; not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _where(data: bytes, exc: UnicodeDecodeError, name: str, encoding: str) -> tuple[str, int]:
    line = data.count(b"\n", 0, exc.start) + 1
    bad = data[exc.start : exc.start + 4].hex(" ")
    return f"{name}:{line}: not valid {encoding} (bytes {bad} at offset {exc.start})", line
