"""Encodings: UTF-8 with or without BOM, CRLF, UTF-16 with BOM; others only when configured."""

from __future__ import annotations

import codecs

import pytest

from digestlake.sources.decode import DecodeError, decode_text

KOREAN = "2024년 3월 7일\n한국어 데이터\n"


def test_utf8_with_bom_and_crlf() -> None:
    data = codecs.BOM_UTF8 + KOREAN.replace("\n", "\r\n").encode()
    assert decode_text(data, "a.txt") == KOREAN


def test_utf16_with_bom() -> None:
    assert decode_text(KOREAN.encode("utf-16"), "a.txt") == KOREAN


def test_cp949_without_config_names_file_and_line() -> None:
    data = ("first line\n" + KOREAN).encode("cp949")
    with pytest.raises(
        DecodeError, match=r"^legacy\.txt:2: not valid UTF-8 .*encoding = \"cp949\""
    ):
        decode_text(data, "legacy.txt")


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr"])
def test_configured_encoding(encoding: str) -> None:
    assert decode_text(KOREAN.encode(encoding), "a.txt", encoding) == KOREAN


def test_unknown_encoding_and_binary_are_clear_errors() -> None:
    with pytest.raises(DecodeError, match="unknown encoding 'klingon'"):
        decode_text(b"x", "a.txt", "klingon")
    with pytest.raises(DecodeError, match="NUL bytes"):
        decode_text(b"\x00\x01binary", "a.bin")
