"""`warden serve-model`: run a model server in the foreground (embedded llama.cpp or vLLM)."""
from __future__ import annotations

import subprocess
import sys

from serving.llama_server import LlamaServerError, default_gguf_path, llama_command
from serving.vllm import VllmNotInstalled, launch_vllm

Engine = str  # "llama" | "vllm"


def serve_model(engine: Engine, model: str | None, port: int) -> int:
    """Serve until interrupted; returns the server's exit code (2 with one line on stderr when it cannot start).

    `llama`: `model` is a GGUF path (default: the shipped Gemma 3 270M). `vllm`: `model` is a Hugging Face id
    or local path (required).
    """
    try:
        if engine == "llama":
            cmd = llama_command(model or default_gguf_path(), host="127.0.0.1", port=port)
            proc = subprocess.Popen(cmd)
        elif engine == "vllm":
            if not model:
                print("serve-model: --engine vllm needs a model (a Hugging Face id or path)", file=sys.stderr)
                return 2
            proc = launch_vllm(model, port=port)
        else:
            print(f"serve-model: unknown engine {engine!r} (expected llama or vllm)", file=sys.stderr)
            return 2
    except (VllmNotInstalled, LlamaServerError) as exc:
        print(f"serve-model: {exc}", file=sys.stderr)
        return 2
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
