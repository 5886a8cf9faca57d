"""How the `warden` command line speaks: one line on stderr and an exit code for bad input, JSONL on stdout."""
from __future__ import annotations

import json

import typer

_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def jsonl(obj: object) -> str:
    """One JSON document on one line, whatever its strings hold (U+2028, NEL and U+2029 are escaped too)."""
    return json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKS)


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, then exit."""
    line = " ".join(message.split())
    typer.echo(f"warden: {line[:500]}", err=True)
    raise typer.Exit(code)
