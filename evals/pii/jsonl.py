"""Writes a labelled PII set as JSON lines, the one format every generator here ships and the scorer reads."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable


def write_records(path: Path, records: Iterable[dict]) -> None:
    """One record per line, UTF-8 kept as written (names in many scripts), so regenerating is byte for byte."""
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
