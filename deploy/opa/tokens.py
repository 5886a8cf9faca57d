"""Writes the secrets compose.yaml mounts for OPA and vLLM, and rotates the OPA tokens.

    python deploy/opa/tokens.py [--out deploy/secrets]               # create what is missing
    python deploy/opa/tokens.py --rotate gate|operator               # new token; the old one stays valid
    python deploy/opa/tokens.py --retire                             # only the current tokens stay valid

Files (0600, in a folder holding a `.gitignore` of `*`):
  opa_gate_token, opa_operator_token   the bearer tokens (the gate's, the policy loader's)
  opa_tokens.json                      what OPA loads at data.system.warden_tokens: SHA-256 digests only,
                                       a list per role so that two tokens can be valid during a rotation
  llm_api_key                          vLLM's API key, which Warden's runtime sends
Standard library only: it runs on a host without Warden installed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
from pathlib import Path

ROLES = {"gate": "opa_gate_token", "operator": "opa_operator_token"}
DIGESTS = "opa_tokens.json"
LLM_KEY = "llm_api_key"


def digest(token: str) -> str:
    """The SHA-256 hex digest deploy/opa/authz.rego compares `input.identity` against."""
    return hashlib.sha256(token.encode()).hexdigest()


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def _read_digests(out: Path) -> dict[str, list[str]]:
    path = out / DIGESTS
    found = json.loads(path.read_text()) if path.exists() else {}
    return {role: list(found.get(role, [])) for role in ROLES}


def _current(out: Path, role: str) -> str:
    return (out / ROLES[role]).read_text().strip()


def create(out: Path) -> list[str]:
    """Creates every missing file; never replaces a token that exists. Returns the names written."""
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    if not (out / ".gitignore").exists():
        (out / ".gitignore").write_text("*\n")
    written = []
    for role, name in ROLES.items():
        if not (out / name).exists():
            _write(out / name, secrets.token_urlsafe(32))
            written.append(name)
    if not (out / LLM_KEY).exists():
        _write(out / LLM_KEY, secrets.token_urlsafe(32))
        written.append(LLM_KEY)
    digests = _read_digests(out)
    for role in ROLES:
        if digest(_current(out, role)) not in digests[role]:
            digests[role].append(digest(_current(out, role)))
    _write(out / DIGESTS, json.dumps(digests, indent=2) + "\n")
    written.append(DIGESTS)
    return written


def rotate(out: Path, role: str) -> None:
    """A new token for `role`; its digest is added beside the old one, which stays valid until `retire`."""
    _write(out / ROLES[role], secrets.token_urlsafe(32))
    create(out)


def retire(out: Path) -> None:
    """Only the current token of each role stays valid."""
    _write(out / DIGESTS, json.dumps({role: [digest(_current(out, role))] for role in ROLES}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "secrets")
    parser.add_argument("--rotate", choices=sorted(ROLES))
    parser.add_argument("--retire", action="store_true")
    args = parser.parse_args()
    if args.rotate:
        rotate(args.out, args.rotate)
        print(f"new {args.rotate} token in {args.out / ROLES[args.rotate]}; old and new both valid until --retire")
    elif args.retire:
        retire(args.out)
        print(f"{args.out / DIGESTS}: only the current tokens are valid")
    else:
        print("wrote " + ", ".join(create(args.out)) + f" in {args.out}")


if __name__ == "__main__":
    main()
