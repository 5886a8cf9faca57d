"""Production serving: the `vllm serve` command line for an OpenAI-compatible vLLM server.

Warden talks to it like any other endpoint (`--llm openai/<model>` with `WARDEN_LLM_API_BASE`); this module
only builds and launches the server. vLLM is not a dependency of Warden: install it on the GPU host.

The server requires an API key (`WARDEN_LLM_API_KEY`, which Warden's client sends too). It reaches vLLM as
the `VLLM_API_KEY` environment variable, which vLLM reads like `--api-key`, so the key never appears on a
command line that `ps` shows. Without a key the server binds to loopback only.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from typing import Literal

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"

StructuredBackend = Literal["auto", "xgrammar", "guidance", "outlines", "lm-format-enforcer"]


class VllmNotInstalled(RuntimeError):
    """vLLM is neither importable nor on PATH."""


def vllm_command(model: str, *, tensor_parallel_size: int = 1, max_model_len: int = 8192,
                 gpu_memory_utilization: float = 0.90, port: int = 8000, host: str = "0.0.0.0",
                 structured_output_backend: StructuredBackend = "xgrammar", legacy_guided_decoding: bool = False,
                 served_model_name: str | None = None, executable: str = "vllm") -> list[str]:
    """`vllm serve MODEL ...` with Warden's flags.

    vLLM >= 0.11 names the structured-output engine with `--structured-outputs-config.backend`; older
    releases used `--guided-decoding-backend` (set `legacy_guided_decoding`).
    """
    if tensor_parallel_size < 1:
        raise ValueError("tensor_parallel_size must be at least 1")
    if not 0 < gpu_memory_utilization <= 1:
        raise ValueError("gpu_memory_utilization must be in (0, 1]")
    cmd = [executable, "serve", model,
           "--host", host, "--port", str(port),
           "--tensor-parallel-size", str(tensor_parallel_size),
           "--max-model-len", str(max_model_len),
           "--gpu-memory-utilization", f"{gpu_memory_utilization:g}"]
    if legacy_guided_decoding:
        cmd += ["--guided-decoding-backend", structured_output_backend]
    else:
        cmd += ["--structured-outputs-config.backend", structured_output_backend]
    if served_model_name:
        cmd += ["--served-model-name", served_model_name]
    return cmd


def vllm_executable() -> str:
    """The `vllm` launcher on PATH, or raise VllmNotInstalled."""
    path = shutil.which("vllm")
    if path is None and importlib.util.find_spec("vllm") is None:
        raise VllmNotInstalled("vLLM is not installed here: `pip install vllm` on a GPU host, "
                               "or use the embedded model (--engine llama)")
    return path or f"{sys.executable} -m vllm.entrypoints.cli.main"


def vllm_env(api_key: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: `base` (default: this process's) with VLLM_API_KEY set to the key, or removed."""
    env = dict(os.environ if base is None else base)
    env.pop("VLLM_API_KEY", None)  # only the key Warden was given, never one inherited by accident
    if api_key:
        env["VLLM_API_KEY"] = api_key
    return env


def launch_vllm(model: str, *, api_key: str | None = None, **options: object) -> subprocess.Popen[bytes]:
    """Start `vllm serve` in the background; raises VllmNotInstalled when vLLM is missing.

    `api_key` defaults to the settings' `llm_api_key`. Without one the server listens on loopback only,
    whatever `host` says: an open model endpoint is not served to the network.
    """
    exe = vllm_executable()
    if api_key is None:
        from warden.settings import get_settings

        secret = get_settings().llm_api_key
        api_key = secret.get_secret_value() if secret is not None else None
    if not api_key and options.get("host", "0.0.0.0") != LOOPBACK:
        log.warning("vLLM: no WARDEN_LLM_API_KEY, so serving on %s only", LOOPBACK)
        options["host"] = LOOPBACK
    cmd = vllm_command(model, **options)  # type: ignore[arg-type]
    cmd = exe.split() + cmd[1:]
    return subprocess.Popen(cmd, env=vllm_env(api_key))
