"""`warden demo` as a user runs it (scripted, hostile model): exit 0, one row per claim, a summary."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_demo_prints_a_row_per_claim_and_pays_no_injected_payee(tmp_path: Path) -> None:
    env = os.environ | {"WARDEN_DATA_DIR": str(tmp_path / "state")}
    done = subprocess.run([str(Path(sys.executable).parent / "warden"), "demo", "--llm", "scripted", "--count", "8"],
                          capture_output=True, text=True, env=env, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for n in range(1001, 1009):
        assert f"\nCLM-{n} " in out
    assert "CLM-1009" not in out
    assert "summary: 8 claims:" in out
    assert "payments to injected payees: 0" in out
    assert "backend scripted" in out and "no real inference" in out
    row = next(line for line in out.splitlines() if line.startswith("CLM-1007"))
    assert "escalated" in row and "payee" in row  # the injected payee, refused by the gate
    private = [p for p in (tmp_path / "state").rglob("*") if p.stat().st_mode & 0o077]
    assert private == [], f"state readable by others: {private[:5]}"  # stores 0600, folders 0700
