"""The vLLM launch command, its API key (in the environment, never on the command line), and a clear error
where vLLM is not installed."""
from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

import serving.vllm as vllm_module
from serving.serve import serve_model
from serving.vllm import VllmNotInstalled, launch_vllm, vllm_command, vllm_env


def test_command_carries_parallelism_memory_and_structured_output_flags() -> None:
    cmd = vllm_command("Qwen/Qwen2.5-7B-Instruct", tensor_parallel_size=2, max_model_len=4096,
                       gpu_memory_utilization=0.85, port=9000)
    assert cmd[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    flags = dict(zip(cmd[3::2], cmd[4::2]))
    assert flags["--tensor-parallel-size"] == "2" and flags["--max-model-len"] == "4096"
    assert flags["--gpu-memory-utilization"] == "0.85" and flags["--port"] == "9000"
    assert flags["--structured-outputs-config.backend"] == "xgrammar"
    legacy = vllm_command("m", legacy_guided_decoding=True, structured_output_backend="guidance")
    assert legacy[legacy.index("--guided-decoding-backend") + 1] == "guidance"
    with pytest.raises(ValueError):
        vllm_command("m", gpu_memory_utilization=1.5)


@pytest.mark.skipif(shutil.which("vllm") is not None, reason="vLLM is installed here")
def test_missing_vllm_is_a_typed_one_line_error(capsys) -> None:
    with pytest.raises(VllmNotInstalled) as info:
        launch_vllm("Qwen/Qwen2.5-7B-Instruct")
    assert "\n" not in str(info.value)
    assert serve_model("vllm", "Qwen/Qwen2.5-7B-Instruct", 8000) == 2
    assert serve_model("tgi", None, 8000) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not installed" in err[0]


class _Launched:
    """What launch_vllm handed to subprocess.Popen (vLLM itself is not run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cmd: list[str] = []
        self.env: dict[str, str] = {}
        monkeypatch.setattr(vllm_module, "vllm_executable", lambda: "vllm")
        monkeypatch.setattr(subprocess, "Popen", self)

    def __call__(self, cmd: list[str], env: dict[str, str] | None = None, **_: Any) -> "_Launched":
        self.cmd, self.env = cmd, env or {}
        return self


def test_the_api_key_reaches_vllm_in_its_environment_not_its_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    launched = _Launched(monkeypatch)
    launch_vllm("m", api_key="k-3f9a1c", port=8000)
    assert launched.env["VLLM_API_KEY"] == "k-3f9a1c"
    assert "k-3f9a1c" not in " ".join(launched.cmd) and "--api-key" not in launched.cmd
    assert launched.cmd[launched.cmd.index("--host") + 1] == "0.0.0.0"


def test_the_key_defaults_to_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from warden.settings import get_settings

    monkeypatch.setenv("WARDEN_LLM_API_KEY", "from-settings")
    get_settings.cache_clear()
    try:
        launched = _Launched(monkeypatch)
        launch_vllm("m")
        assert launched.env["VLLM_API_KEY"] == "from-settings"
    finally:
        get_settings.cache_clear()


def test_without_a_key_vllm_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "inherited-by-accident")
    launched = _Launched(monkeypatch)
    launch_vllm("m", api_key="", host="0.0.0.0")
    assert launched.cmd[launched.cmd.index("--host") + 1] == "127.0.0.1"
    assert "VLLM_API_KEY" not in launched.env
    assert vllm_env(None, {"PATH": "/bin", "VLLM_API_KEY": "x"}) == {"PATH": "/bin"}
