"""Renders the README's benchmark table from bench/results/latest.json (`python -m bench.readme_table`)."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(b: dict) -> str:
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    text_limit = b["redact_300c_p50_ms"] + 2
    return f"""`make bench` writes `bench/results/latest.json`; every baseline is measured in the same run, and every benchmark
runs in its own fresh process. Figures from one run on the 2-core development machine ({b['timestamp'][:16]}Z). This
machine is a shared VM whose speed moves by up to 2× within the hour (the same direct tool call took 1.15 ms at one
time and 1.9 ms at another today), so read ratios within a run, not absolutes across runs. llama.cpp is built for a
portable AVX2 target (see the Makefile), which is slower than a native build on this CPU.

| figure | value | baseline, same run | target |
| --- | ---: | ---: | --- |
| redaction, 300 characters, p50 | {b['redact_300c_p50_ms']:.2f} ms | Presidio stock config {b['presidio_default_300c_p50_ms']:.2f} ms (**{b['redact_speedup_x']:.1f}×**) | ≥ 2× — {met(b['redact_speedup_x'] >= 2)} |
| policy evaluation p50 (regopy, in-process), automatic payment | {b['policy_eval_p50_us']:.0f} µs | full rules (a payment needing approval) {b.get('policy_eval_full_rules_p50_us', float('nan')):.0f} µs | ≤ 200 µs — {met(b['policy_eval_p50_us'] <= 200)} |
| gated `payments.issue` p50 / p99 (signed, facts from the stored event, decision audited before the effect) | {b['gate_call_p50_ms']:.2f} / {b['gate_call_p99_ms']:.2f} ms | direct {b['direct_call_p50_ms']:.2f} / {b['direct_call_p99_ms']:.2f} ms | overhead {b['gate_overhead_p50_ms']:.2f} / {b['gate_overhead_p99_ms']:.2f} ms (≤ 3 / ≤ 10) — {met(b['gate_overhead_p50_ms'] <= 3 and b['gate_overhead_p99_ms'] <= 10)} |
| gated `notifications.send`, 300-char body, p50 | {b['gate_call_text300_p50_ms']:.2f} ms | direct {b['direct_call_text300_p50_ms']:.2f} ms | overhead {b['gate_overhead_text300_p50_ms']:.2f} ms (≤ redaction + 2 = {text_limit:.2f}) — {met(b['gate_overhead_text300_p50_ms'] <= text_limit)} |
| 64 concurrent payments through one gate process to a tool that takes 200 ms, p50 / p99 over {b.get('gate_concurrent_batches', 1)} batches | {b['gate_concurrent_p50_ms']:.0f} / {b['gate_concurrent_p99_ms']:.0f} ms (batch p50s {' / '.join(f'{x:.0f}' for x in b.get('gate_concurrent_batch_p50s_ms', []))} ms; gate CPU {b.get('gate_concurrent_gate_cpu_ms_per_call', float('nan')):.1f} ms per call) | one at a time: {b['gate_concurrent_serial_would_take_ms'] / 1000:.1f} s; 64 short texts (NER): p50 {b.get('gate_concurrent_text_p50_ms', float('nan')):.0f} ms | p50 ≤ 1.5× the tool — {met(b['gate_concurrent_p50_over_tool_x'] <= 1.5)} ({b['gate_concurrent_p50_over_tool_x']:.2f}×) |
| approval opened by the gate → in the adjuster's inbox stream, p50 / max | {b['inbox_latency_p50_ms']:.0f} / {b['inbox_latency_max_ms']:.0f} ms | | ≤ 1 s — {met(b['inbox_latency_max_ms'] <= 1000)} |
| claims runs, 16 in flight, one process (scripted model) | {b['runs_per_s']:.1f} runs/s, p99 {b['run_p99_ms']:.0f} ms | one at a time: p50 {b['run_unloaded_p50_ms']:.0f} ms | |
{fleet_rows(b)}| staff chat p95 on the embedded model, 6 background clients | lanes on {b['chat_p95_ms_lanes_on']:.0f} ms | lanes off {b['chat_p95_ms_lanes_off']:.0f} ms; idle {b['chat_p95_ms_idle']:.0f} ms | lanes: **{b['chat_p95_ms_lanes_off'] / b['chat_p95_ms_lanes_on']:.1f}× lower** p95 |
| embedded model throughput (Gemma 3 270M Q4_K_M, llama.cpp) | {b['embedded_tokens_per_s']:.0f} tokens/s | | |

PII quality (`python -m evals.pii.scorer`, same spaCy model, same run): on the independent held-out set (presidio-evaluator's
templates, 1,600 sentences, 2,294 values, 9 types; see evals/pii/README.md) typed recall 0.939 vs 0.435 for Presidio's
stock configuration, precision 0.948 vs 0.342, non-PII kept 0.922 vs 0.183, card/SSN/IBAN/account leaks 0 vs 5; on the
project's own set recall 1.000 vs 0.747, non-PII kept 0.999 vs 0.457. The redactor's NER is en_core_web_sm with its NER
weights fine-tuned on dev material only (`python -m evals.pii.ner_finetune`, shipped in `guardrails/ner_pii/` and
checked against `guardrails/ner_pii.sha256.json` before the redactor starts). The 0.95 recall and non-PII targets are
not met yet (see Known limits)."""


def fleet_rows(b: dict) -> str:
    """The fleet benchmark's rows (bench/fleet_bench.py), or nothing when the results predate it."""
    counts = [n for n in (1, 2, 4) if f"fleet_runs_per_s_{n}" in b]
    if not counts:
        return ""

    def where(name: str) -> str:
        prefix = f"fleet_profile_{name}_"
        shares = sorted(((k[len(prefix):-4], v) for k, v in b.items() if k.startswith(prefix) and k.endswith("_pct")),
                        key=lambda kv: -kv[1])
        return ", ".join(f"{concept} {pct:.0f}%" for concept, pct in shares if pct >= 1)

    def each(key: str, fmt: str) -> str:
        return " / ".join(format(b[f"{key}_{n}"], fmt) for n in counts)

    rows = [f"| claims runs with {' / '.join(map(str, counts))} runtime processes, one gate (50 ms tools, 200 ms model, "
            f"{b['fleet_window_per_process']} in flight per process) | {each('fleet_runs_per_s', '.1f')} runs/s "
            f"| p99 {each('fleet_run_p99_ms', '.0f')} ms | |"]
    if "fleet_profile_runtime_cpu_ms_per_run" in b:
        rows.append(f"| CPU per run, one runtime process / the gate (stack samples, all threads) "
                    f"| {b['fleet_profile_runtime_cpu_ms_per_run']:.1f} / {b['fleet_profile_gate_cpu_ms_per_run']:.1f} ms "
                    f"| runtime: {where('runtime')}; gate: {where('gate')} | |")
    return "\n".join(rows) + "\n"


def main() -> None:
    figures = json.loads((ROOT / "bench/results/latest.json").read_text())
    readme = ROOT / "README.md"
    text = readme.read_text()
    section = re.compile(r"(## Benchmarks\n\n).*?(\n\n## Known limits)", re.S)
    readme.write_text(section.sub(lambda m: m.group(1) + render(figures) + m.group(2), text))


if __name__ == "__main__":
    main()
