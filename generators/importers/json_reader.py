"""The one way importers read JSON: streamed with ijson, bounded in nesting depth and string size.

Why bounds: a 400 KB file of 200,000 nested brackets made ijson build ever longer event prefixes
("item.item.item...", quadratic memory: 21 GB) and made `json.load` recurse until RecursionError. The
reader below scans every chunk for nesting depth (skipping string contents) before the parser sees it,
so such a file is refused after its first 64 KB, in milliseconds and a few MB. With depth and string
size bounded, parsing time and memory are linear in the file size and one record at a time.

Every failure is one line naming the file: unreadable (permissions), not JSON, truncated, too deep.
The reader also hashes what it reads, so the file's sha256 costs no second pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from memcurve.errors import InputFormatError

MAX_DEPTH = 64  # the public formats nest at most 6 deep (ConvoMem: cases/items/conversations/messages)
MAX_STRING_BYTES = 64 << 20  # one text field; the longest public message is well under 1 MB
MAX_DOCUMENT_BYTES = 512 << 20  # one document parsed whole (LoCoMo 3 MB, a ConvoMem TestCase or evidence file
# a few MB); arrays of records are streamed and have no such bound
CHUNK_BYTES = 64 << 10

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # a complete string
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # the rest of an open string, closing quote included
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BoundedReader:
    """A binary file wrapper for ijson: refuses nesting deeper than MAX_DEPTH and strings longer than
    MAX_STRING_BYTES as it reads, and hashes every byte."""

    def __init__(self, raw, name: str) -> None:
        self._raw = raw
        self._name = name
        self._sha = hashlib.sha256()
        self.depth = 0
        self._in_string = False
        self._escaped = False  # the previous chunk ended inside a string on an unpaired backslash
        self._string_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(CHUNK_BYTES if size is None or size < 0 else size)
        self._sha.update(data)
        if data:
            self._scan(data)
        return data

    def hexdigest(self) -> str:
        """The file's sha256 (reads whatever the parser left, e.g. trailing whitespace)."""
        while chunk := self._raw.read(1 << 20):
            self._sha.update(chunk)
        return self._sha.hexdigest()

    def _scan(self, data: bytes) -> None:
        pos = 0
        if self._in_string:
            pos = 1 if self._escaped else 0
            self._escaped = False
            end = _STRING_REST.match(data, pos) if pos < len(data) else None
            if end is None:
                self._open_string_tail(data[pos:])
                return
            self._in_string = False
            pos = end.end()
        outside = _STRING.sub(b"", data[pos:] if pos else data)
        quote = outside.find(b'"')
        if quote >= 0:  # a string opens here and continues in the next chunk
            self._string_bytes = 0
            self._open_string_tail(outside[quote + 1:])
            outside = outside[:quote]
        self._count_brackets(outside.translate(None, _NOT_BRACKETS))

    def _open_string_tail(self, tail: bytes) -> None:
        self._in_string = True
        self._string_bytes += len(tail)
        if self._string_bytes > MAX_STRING_BYTES:
            raise InputFormatError(f"{self._name}: a string longer than {MAX_STRING_BYTES >> 20} MB; "
                                   "not a dataset file memcurve imports")
        self._escaped = (len(tail) - len(tail.rstrip(b"\\"))) % 2 == 1

    def _count_brackets(self, brackets: bytes) -> None:
        opens = brackets.count(b"[") + brackets.count(b"{")
        if self.depth + opens <= MAX_DEPTH:  # cannot exceed the bound within this chunk
            self.depth += 2 * opens - len(brackets)
            return
        depth = self.depth
        for byte in brackets:
            depth += 1 if byte in b"[{" else -1
            if depth > MAX_DEPTH:
                raise InputFormatError(f"{self._name}: JSON nested deeper than {MAX_DEPTH} levels; "
                                       "not a dataset file memcurve imports")
        self.depth = depth


@contextlib.contextmanager
def open_json(path: Path, name: str | None = None) -> Iterator[BoundedReader]:
    """Open `path` for bounded reading; an unreadable file is one line, not a PermissionError traceback."""
    name = name or path.name
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputFormatError(f"{name}: cannot read ({exc.strerror or exc})") from None
    with raw:
        yield BoundedReader(raw, name)


def stream_items(reader: BoundedReader, name: str, prefix: str = "item") -> Iterator[Any]:
    """The records of a top-level JSON array, one at a time; malformed JSON is one line naming the record."""
    index = -1
    try:
        for index, item in enumerate(ijson.items(reader, prefix, use_float=True)):
            yield item
    except ijson.JSONError as exc:
        where = f"after record {index}" if index >= 0 else "before the first record"
        raise InputFormatError(f"{name}: malformed JSON {where} ({first_line(exc)})") from None


def load_document(reader: BoundedReader, name: str) -> Any:
    """A whole (small) JSON document: read under the reader's bounds, so `json` cannot recurse too deep and
    a file larger than MAX_DOCUMENT_BYTES is refused before it is held in memory, then parsed by `json` for
    its line and column in errors."""
    chunks, size = [], 0
    while chunk := reader.read(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise InputFormatError(f"{name}: larger than {MAX_DOCUMENT_BYTES >> 20} MB, too large to parse whole; "
                                   "not a dataset file memcurve imports (ConvoMem and LongMemEval arrays of records "
                                   "are streamed)")
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"{name}: malformed JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except UnicodeDecodeError:
        raise InputFormatError(f"{name}: not UTF-8 text") from None


def first_line(exc: BaseException) -> str:
    """The parser's message without its multi-line '(right here) ------^' picture."""
    text = str(exc).strip()
    return (text.splitlines()[0].strip() if text else type(exc).__name__)[:200]
