"""PII at rest: after a demo, `warden pii scan` finds no raw claimant value anywhere in the data folder outside
the vault, and one planted raw value (in a log, in a SQLite table) is found and its file named."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
WARDEN = str(Path(sys.executable).parent / "warden")
CLAIMS = [json.loads(line) for line in (ROOT / "graphs" / "claims" / "samples" / "claims.jsonl").read_text().splitlines() if line]


def warden(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"WARDEN_DATA_DIR": str(data_dir)}
    return subprocess.run([WARDEN, *args], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole data folder of `warden demo --llm scripted --count 6`, run once for this module."""
    data_dir = tmp_path_factory.mktemp("pii-at-rest") / "state"
    done = warden("demo", "--llm", "scripted", "--count", "6", data_dir=data_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "summary: 6 claims:" in done.stdout
    return data_dir


@pytest.fixture
def copy_of_demo(demo_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "state"
    shutil.copytree(demo_folder, target)
    return target


def findings(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": " in line and not line.startswith("pii scan:")]


def test_no_raw_pii_outside_the_vault_after_the_demo(demo_folder: Path) -> None:
    scan = warden("pii", "scan", str(demo_folder), data_dir=demo_folder)
    assert scan.returncode == 0, scan.stdout[-4000:] + scan.stderr[-1000:]
    assert "no known PII values" in scan.stdout


def test_the_event_store_was_searched(demo_folder: Path) -> None:
    """The claim events are in the scanned folder, sealed: the clean result above is not for want of looking."""
    blocks = list(demo_folder.rglob("streams/EVENTS/msgs/*.blk"))
    assert blocks and any(b'"sealed"' in b.read_bytes() and b'"claim_id"' in b.read_bytes() for b in blocks)


def test_a_raw_email_planted_in_a_log_is_found(copy_of_demo: Path) -> None:
    email = CLAIMS[0]["claimant"]["email"]
    log = copy_of_demo / "demo" / "runtime.log"
    log.write_text(f"2026-11-30T12:00:00Z INFO notified {email}\n")
    scan = warden("pii", "scan", str(copy_of_demo), data_dir=copy_of_demo)
    assert scan.returncode == 1
    [line] = [line for line in findings(scan.stdout) if line.startswith("demo/runtime.log: ")]
    assert "EMAIL_ADDRESS" in line and email not in scan.stdout


def test_a_raw_account_planted_in_a_sqlite_table_is_found(copy_of_demo: Path) -> None:
    account = CLAIMS[2]["payee_account_on_file"]
    db = sqlite3.connect(copy_of_demo / "demo" / "checkpoints.db")
    db.execute("CREATE TABLE leak (note TEXT)")
    db.execute("INSERT INTO leak VALUES (?)", (f"pay {account} now",))
    db.commit()
    db.close()
    scan = warden("pii", "scan", str(copy_of_demo), data_dir=copy_of_demo)
    assert scan.returncode == 1
    assert any(line.startswith("demo/checkpoints.db: BANK_ACCOUNT") and "sqlite leak.note" in line
               for line in findings(scan.stdout)), scan.stdout[-3000:]
    assert account not in scan.stdout
