"""The vLLM launch command, and a clear error where vLLM is not installed."""
from __future__ import annotations

import shutil

import pytest

from serving.serve import serve_model
from serving.vllm import VllmNotInstalled, launch_vllm, vllm_command


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
