"""Property-based requests generated from the API's own /openapi.json (schemathesis): no 5xx, and every response
matches the schema it documents, against a real Warden. The two endless streams are left out (a generated client would wait forever);
tests/api/test_sse_resume.py covers them."""
from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

CLI = Path(sys.executable).parent / "schemathesis"


@pytest.mark.skipif(not CLI.exists() and shutil.which("schemathesis") is None,
                    reason="schemathesis is not installed (pip install -e '.[dev]')")
@pytest.mark.parametrize("role", ["admin", None])
async def test_generated_requests_find_no_server_error_and_no_schema_mismatch(live, tmp_path: Path, role) -> None:
    args = [str(CLI if CLI.exists() else shutil.which("schemathesis")), "run", f"{live.base}/openapi.json",
            "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--exclude-path-regex", r"(/v1/approvals/stream|/events)$",
            "--max-examples", "15", "--seed", "7", "--workers", "1", "--request-timeout", "10",
            "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all"]
    if role:
        args += ["-H", f"Authorization: Bearer {live.tokens[role]}"]
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                                                cwd=tmp_path)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=280)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
