"""`warden pii scan`: look for known raw PII values in every file under a data folder.

Why: tokenizing at intake only helps if nothing downstream keeps a raw copy. This scanner does not guess what
PII looks like (that is the redactor's job, and a scan that used it would miss exactly what it misses); it
searches for values we *know* are PII, in every encoding a store may keep them in:

* what is searched: every regular file under the folder, as raw bytes (SQLite files with their `-wal`
  and `-journal`, JetStream `*.blk` blocks, logs, checkpoints, anything else), gzip files decompressed, and
  every text/blob cell of every SQLite database (read from a private copy, so the live store is never touched
  and a value split across overflow pages is still found). Nothing is skipped by name: the vault passes
  because its values are Fernet ciphertext, not because it is trusted. Symlinks are not followed.
* how: case-insensitively, as UTF-8, as JSON `\\uXXXX` escapes (ensure_ascii writers) and as UTF-16-LE.
* which values: `--values FILE` (JSONL `{"type": ..., "value": ...}`, JSON strings, plain lines, or claim
  records) plus, by default, the claimant records of the shipped sample claims (`claim_values` says which
  fields, and why name parts count only as whole, capitalised words).

A finding prints as `path: TYPE Ma*** (where, N matches)`: never the value itself.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

# Data, not code: the sample claims the demo publishes (guardrails import no graph module).
SAMPLE_CLAIMS = Path(__file__).resolve().parent.parent / "graphs" / "claims" / "samples" / "claims.jsonl"
MIN_VALUE_LEN = 4
_CHUNK = 8 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_MIN_SURNAME = 5


class ValuesFileError(ValueError):
    """A `--values` file line is neither a JSON value/object we understand nor plain text."""


@dataclass(frozen=True)
class KnownValue:
    """One raw PII value to look for, with its type (`EMAIL_ADDRESS`, `PERSON`, ...)."""

    type: str
    value: str
    whole_word: bool = False  # name parts: only as a capitalised whole word, never inside another word


@dataclass
class Finding:
    """Where one known value was found in one file (aggregated per place)."""

    path: Path
    value: KnownValue
    where: str
    encoding: str
    count: int = 1

    def line(self, root: Path) -> str:
        try:
            shown = self.path.relative_to(root)
        except ValueError:
            shown = self.path
        plural = "es" if self.count != 1 else ""
        return f"{shown}: {self.value.type} {mask(self.value.value)} ({self.where}, {self.encoding}, {self.count} match{plural})"


@dataclass
class ScanReport:
    """Everything a scan found, and what it could not read."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0
    values: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings and not self.errors


def mask(value: str) -> str:
    """A preview that identifies a finding to someone who knows the data, and reveals nothing more."""
    return value[:2] + "***"


# -- which values --------------------------------------------------------------------------------------------

def claim_values(claim: dict[str, Any]) -> list[KnownValue]:
    """The raw PII of one claim record: every field the intake tokenizes, in the forms stores would keep.

    Full name, email, phone (as written, digits only, E.164), address and its street line, date of birth
    (ISO and US), policy number, account on file. Surnames of 5+ letters count too, but only as a whole,
    capitalised word ("Delgado", not "delgado" or "Delgadoville"): `_replace_known` tokenizes a lone surname
    in a document, so one left in clear is a leak, while shorter ones ("Lee", "Park") are ordinary words.
    First names are left out ("Grace", "Victor" appear in ordinary text). Free-text documents are not mined:
    add values from them with `--values`.
    """
    out: list[KnownValue] = []
    person = claim.get("claimant") or {}

    def add(kind: str, value: Any, whole_word: bool = False) -> None:
        if isinstance(value, str) and len(value.strip()) >= MIN_VALUE_LEN:
            out.append(KnownValue(kind, value.strip(), whole_word))

    name = person.get("name")
    add("PERSON", name)
    if isinstance(name, str) and len(name.split()) > 1:
        surname = name.split()[-1]
        if len(surname) >= _MIN_SURNAME and surname[:1].isupper():
            add("PERSON", surname, whole_word=True)
    add("EMAIL_ADDRESS", person.get("email"))
    phone = person.get("phone")
    add("PHONE_NUMBER", phone)
    if isinstance(phone, str):
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= 10:
            add("PHONE_NUMBER", digits)
            add("PHONE_NUMBER", digits[-10:])
            add("PHONE_NUMBER", "+" + digits)
    address = person.get("address")
    add("LOCATION", address)
    if isinstance(address, str) and "," in address:
        add("LOCATION", address.split(",")[0])
    dob = person.get("date_of_birth")
    add("DATE_OF_BIRTH", dob)
    if isinstance(dob, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", dob):
        y, m, d = dob.split("-")
        add("DATE_OF_BIRTH", f"{m}/{d}/{y}")
    add("POLICY_NUMBER", claim.get("policy_number"))
    add("BANK_ACCOUNT", claim.get("payee_account_on_file"))
    return out


def sample_values(path: Path = SAMPLE_CLAIMS) -> list[KnownValue]:
    """The PII of every shipped sample claim (what `warden demo` publishes)."""
    return load_values(path)


def load_values(path: Path) -> list[KnownValue]:
    """Values from a file: JSONL objects `{"type", "value"}` or claim records, JSON strings, or plain text lines."""
    values: list[KnownValue] = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line[0] in "{\"":
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValuesFileError(f"{path}: line {n}: malformed JSON: {exc.msg}") from None
            if isinstance(item, str):
                line = item
            elif isinstance(item, dict) and "claimant" in item:
                values += claim_values(item)
                continue
            elif isinstance(item, dict) and isinstance(item.get("value"), str):
                if len(item["value"].strip()) >= MIN_VALUE_LEN:
                    values.append(KnownValue(str(item.get("type") or "VALUE"), item["value"].strip()))
                continue
            else:
                raise ValuesFileError(f"{path}: line {n}: expected {{\"type\", \"value\"}}, a claim record or a string")
        if len(line) >= MIN_VALUE_LEN:
            values.append(KnownValue("VALUE", line))
    return values


# -- how they are matched ------------------------------------------------------------------------------------

def _encodings(value: str) -> Iterator[tuple[str, bytes]]:
    for form in dict.fromkeys((value, value.lower(), value.upper())):
        yield "utf-8", form.encode("utf-8")
        escaped = json.dumps(form, ensure_ascii=True)[1:-1].encode("ascii")
        if escaped != form.encode("utf-8"):
            yield "json-escaped", escaped
        yield "utf-16-le", form.encode("utf-16-le")


def _trie(words: Iterable[bytes]) -> bytes:
    """One regex alternation shaped as a trie: fast on large files where a flat alternation is not."""
    root: dict = {}
    for word in words:
        node = root
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = True

    def build(node: dict) -> bytes:
        ends = None in node
        alts = [re.escape(bytes([b])) + build(child) for b, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if not alts:
            return b""
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        if ends:
            return b"(?:" + body + b")?"
        return body

    return build(root)


class Matcher:
    """Finds any of the known values in bytes (ASCII case-insensitively, in each encoding)."""

    def __init__(self, values: Iterable[KnownValue]) -> None:
        self.values = list(dict.fromkeys(values))
        self._free: dict[bytes, tuple[KnownValue, str]] = {}
        self._words: dict[bytes, tuple[KnownValue, str]] = {}
        for value in self.values:
            for encoding, pattern in _encodings(value.value):
                if value.whole_word:
                    if encoding == "utf-8" and pattern == value.value.encode("utf-8"):  # as written: capitalised
                        self._words.setdefault(pattern, (value, encoding))
                else:
                    self._free.setdefault(pattern.lower(), (value, encoding))
        self._free_re = re.compile(_trie(self._free)) if self._free else None
        self._word_re = (re.compile(rb"(?<![A-Za-z0-9])(" + _trie(self._words) + rb")(?![A-Za-z0-9])")
                         if self._words else None)
        self.overlap = max((len(p) for p in [*self._free, *self._words]), default=1)

    def find(self, data: bytes, limit: int | None = None) -> Iterator[tuple[int, KnownValue, str]]:
        """(offset, value, encoding) for each match starting before `limit` (default: anywhere in `data`)."""
        stop = len(data) if limit is None else limit
        if self._free_re is not None:
            for m in self._free_re.finditer(data.lower()):
                if m.start() < stop and m.end() > m.start():
                    yield (m.start(), *self._free[m.group(0)])
        if self._word_re is not None:
            for m in self._word_re.finditer(data):
                if m.start() < stop:
                    yield (m.start(), *self._words[m.group(1)])


# -- where they are looked for -------------------------------------------------------------------------------

class _Collector:
    def __init__(self, report: ScanReport) -> None:
        self.report = report
        self._by_key: dict[tuple, Finding] = {}

    def add(self, path: Path, value: KnownValue, where: str, encoding: str, offset: int | None = None) -> None:
        key = (path, value, where.split(" at ")[0], encoding)
        found = self._by_key.get(key)
        if found is None:
            place = f"{where} at {offset}" if offset is not None else where
            self._by_key[key] = Finding(path, value, place, encoding)
            self.report.findings.append(self._by_key[key])
        else:
            found.count += 1


def _scan_stream(read, matcher: Matcher, sink: _Collector, path: Path, where: str) -> None:
    """Scan a byte stream chunk by chunk; consecutive chunks overlap so no match is cut in two."""
    keep = max(matcher.overlap - 1, 0)
    tail, base = b"", 0
    while True:
        chunk = read(_CHUNK)
        data = tail + chunk
        last = not chunk
        limit = None if last else max(len(data) - keep, 0)
        for offset, value, encoding in matcher.find(data, limit):
            sink.add(path, value, where, encoding, base + offset)
        if last:
            return
        cut = max(len(data) - keep, 0)
        tail, base = data[cut:], base + cut


def _scan_sqlite_cells(path: Path, matcher: Matcher, sink: _Collector) -> None:
    """Every text and blob cell of every table, read from a private copy of the database and its WAL."""
    with tempfile.TemporaryDirectory(prefix="warden-pii-scan-") as tmp:
        copy = Path(tmp) / "db.sqlite3"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        conn = sqlite3.connect(copy)
        try:
            conn.text_factory = bytes
            tables = [r[0].decode() for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                try:
                    cursor = conn.execute(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"')
                except sqlite3.DatabaseError as exc:  # a virtual table whose module is not loaded
                    sink.report.errors.append(f"{path}: table {table}: {exc}")
                    continue
                columns = [d[0] for d in cursor.description]
                for row in cursor:
                    for column, cell in zip(columns, row):
                        if isinstance(cell, (bytes, bytearray)) and cell:
                            for _, value, encoding in matcher.find(bytes(cell)):
                                sink.add(path, value, f"sqlite {table}.{column}", encoding)
        finally:
            conn.close()


def _scan_file(path: Path, matcher: Matcher, sink: _Collector) -> None:
    with path.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
        f.seek(0)
        _scan_stream(f.read, matcher, sink, path, "bytes")
    if head.startswith(_GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as g:
                _scan_stream(g.read, matcher, sink, path, "gzip")
        except (OSError, EOFError, zlib.error) as exc:
            sink.report.errors.append(f"{path}: gzip: {exc}")
    if head == _SQLITE_MAGIC:
        try:
            _scan_sqlite_cells(path, matcher, sink)
        except sqlite3.DatabaseError as exc:
            sink.report.errors.append(f"{path}: sqlite: {exc}")


def scan(root: Path, values: Iterable[KnownValue]) -> ScanReport:
    """Search every regular file under `root` for `values`."""
    matcher = Matcher(values)
    report = ScanReport(root=root, values=len(matcher.values))
    sink = _Collector(report)
    for folder, dirs, files in os.walk(root, onerror=lambda exc: report.errors.append(f"{exc.filename}: {exc.strerror}")):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            report.files += 1
            try:
                _scan_file(path, matcher, sink)
            except OSError as exc:
                report.errors.append(f"{path}: {exc.strerror or exc}")
    return report


def run_scan(root: Path, values_file: Path | None = None, *, samples: bool = True,
             out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`warden pii scan`: print one line per finding and a summary; 0 clean, 1 PII found (or unreadable), 2 bad input."""
    if not root.is_dir():
        print(f"warden: not a data folder: {root}", file=err)
        return 2
    values: list[KnownValue] = []
    try:
        if values_file is not None:
            if not values_file.is_file():
                print(f"warden: no such values file: {values_file}", file=err)
                return 2
            values += load_values(values_file)
        if samples:
            values += sample_values()
    except (ValuesFileError, UnicodeDecodeError) as exc:
        print(f"warden: {exc}", file=err)
        return 2
    if not values:
        print("warden: no PII values to look for (give --values FILE)", file=err)
        return 2
    report = scan(root, values)
    for finding in report.findings:
        print(finding.line(root), file=out)
    for error in report.errors:
        print(f"{error}: could not be scanned", file=out)
    files_hit = len({f.path for f in report.findings})
    if report.clean:
        print(f"pii scan: no known PII values in {report.files} files under {root} ({report.values} values searched)",
              file=out)
        return 0
    print(f"pii scan: {len(report.findings)} findings in {files_hit} files, {len(report.errors)} unreadable, "
          f"of {report.files} files under {root} ({report.values} values searched)", file=out)
    return 1
