"""Production serving: the `vllm serve` command line for an OpenAI-compatible vLLM server.

Warden talks to it like any other endpoint (`--llm openai/<model>` with `WARDEN_LLM_API_BASE`); this module
only builds and launches the server. vLLM is not a dependency of Warden: install it on the GPU host.
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from typing import Literal

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


def launch_vllm(model: str, **options: object) -> subprocess.Popen[bytes]:
    """Start `vllm serve` in the background; raises VllmNotInstalled when vLLM is missing."""
    exe = vllm_executable()
    cmd = vllm_command(model, **options)  # type: ignore[arg-type]
    cmd = exe.split() + cmd[1:]
    return subprocess.Popen(cmd)
