"""`warden publish`: the event source by hand. Keyed claim events reach a running Warden and each run's outcome comes
back as one JSON line, in order for one claim; bad input is one line and exit 2."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

from app.assembly import Warden
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel
from warden.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WARDEN = ROOT / ".venv/bin/warden"
SAMPLE = json.loads((ROOT / "graphs/claims/samples/claims.jsonl").read_text().splitlines()[0])


def _env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("WARDEN_", "NATS_"))} | extra


@pytest.mark.parametrize(("stdin", "env", "message"), [
    ("{}", {}, "needs NATS_URL"),
    ("{}", {"NATS_URL": "nats://127.0.0.1:1"}, "needs WARDEN_CREDENTIALS"),
    ("not json", {"NATS_URL": "nats://127.0.0.1:1", "WARDEN_CREDENTIALS": "secrets"}, "line 1: not JSON"),
    ('{"claim_id": "CLM.1"}', {"NATS_URL": "nats://127.0.0.1:1", "WARDEN_CREDENTIALS": "secrets"}, "cannot be a subject token"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, stdin: str, env: dict[str, str], message: str) -> None:
    env = {k: str(tmp_path / v) if k == "WARDEN_CREDENTIALS" else v for k, v in env.items()}
    if "WARDEN_CREDENTIALS" in env:  # a real ingest credential, so the input is what is wrong
        init = subprocess.run([str(WARDEN), "init", "--out", env["WARDEN_CREDENTIALS"]], capture_output=True, text=True,
                              env=_env(), cwd=tmp_path, timeout=120)
        assert init.returncode == 0, init.stderr
        env["WARDEN_CREDENTIALS"] += "/ingest.json"
    done = subprocess.run([str(WARDEN), "publish"], input=stdin, capture_output=True, text=True, env=_env(**env),
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


async def test_keyed_claims_are_published_and_their_outcomes_printed_in_order(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        events = "".join(json.dumps({**SAMPLE, "claim_id": "CLM-P1"}) + "\n" for _ in range(2))
        proc = await asyncio.create_subprocess_exec(
            str(WARDEN), "publish", "--graph", "claims_triage", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=tmp_path,
            env=_env(NATS_URL=warden.creds.url, WARDEN_CREDENTIALS=str(settings.data_dir / "secrets")))
        out, err = await asyncio.wait_for(proc.communicate(events.encode()), timeout=180)
    assert proc.returncode == 0, err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert [line["key"] for line in lines] == ["CLM-P1", "CLM-P1"]
    seqs = [int(line["run_id"].rsplit("-", 1)[1]) for line in lines]
    assert seqs == sorted(seqs) and {line["decision"] for line in lines} == {"paid"}
