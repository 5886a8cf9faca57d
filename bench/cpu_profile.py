"""Where a Warden process spends its CPU, by concept (redaction, policy, checkpoints, bus, ...), from stack samples.

cProfile sees only the thread it was started in, and Warden does its heaviest work (redaction, text judging,
SQLite) in worker threads; it also distorts what it measures. So this samples every thread's stack instead
(`sys._current_frames`, every `interval_s`), drops threads that are waiting (the event loop in `select`, idle
pool workers), and files each busy sample under the highest-priority concept any frame of its stack belongs to:
a JSON dump inside the redactor counts as redaction, a JSON dump on its way to the bus as serialization.

A sample is a thread seen busy, not a CPU cycle: a thread blocked in C (an fsync under SQLite) or waiting for the
GIL looks busy too. So samples are counted per thread, and each thread's own CPU time since `reset` (Linux
/proc/self/task/<tid>/stat) is split over its concepts in proportion to its samples: a SQLite thread that mostly
waits on the disk weighs what it burnt, not how long it waited. `cpu_share` is that split; `busy_share` the raw
sample shares.
"""
from __future__ import annotations

import json
import linecache
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Highest priority first: a sample goes to the first concept that any frame of its stack matches.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("redaction", ("/guardrails/redaction", "/guardrails/gate_redaction", "/guardrails/recognizers",
                   "/guardrails/name_lexicon", "/guardrails/pii_lexicon", "/guardrails/nlp", "/guardrails/text_",
                   "/agents/intake_vault", "/presidio_analyzer/", "/presidio_anonymizer/", "/spacy/", "/thinc/")),
    ("policy", ("/guardrails/policy", "/guardrails/rego_input", "/regopy/")),
    ("checkpoints", ("/langgraph/checkpoint", "/aiosqlite/", "/app/checkpoints")),
    ("gate_stores", ("/guardrails/gate_store", "/guardrails/audit", "/guardrails/approvals", "/guardrails/vault",
                     "/guardrails/sqlite_tx", "/guardrails/gate_memory")),
    ("model", ("/serving/",)),
    ("crypto", ("/cryptography/", "/guardrails/event_seal", "/tools/gate_proof")),
    ("telemetry", ("/opentelemetry/",)),
    ("bus", ("/nats/",)),
    ("serialization", ("/json/", "/pydantic/", "/pydantic_core/", "/ormsgpack")),
    ("graph", ("/langgraph/", "/langchain_core/", "/graphs/")),
    ("warden_other", ("/agents/", "/guardrails/", "/tools/", "/warden/", "/app/")),
    ("event_loop", ("/asyncio/",)),
)
# A thread is waiting when its innermost Python frame is one of these (file, function[, the line it is on]); the
# blocking call itself is C and has no frame. aiosqlite's worker runs SQL and waits for work in one function, so
# the line tells the two apart.
_IDLE = {("selectors.py", "select"), ("threading.py", "wait"), ("threading.py", "_wait_for_tstate_lock"),
         ("queue.py", "get"), ("thread.py", "_worker")}
_IDLE_AT_LINE = {("core.py", "_connection_worker_thread"): "tx.get()"}


def bucket_of(stack: list[str]) -> str:
    """The concept a stack (file paths of its frames) is filed under; `other` when none matches."""
    for name, markers in BUCKETS:
        if any(marker in path for path in stack for marker in markers):
            return name
    return "other"


class StackSampler:
    """A daemon thread that samples every other thread's stack; `reset` starts a measurement, `summary` reads it."""

    def __init__(self, interval_s: float = 0.005) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.reset()

    def start(self) -> "StackSampler":
        """Start sampling (again, after `stop`); counts since the last `reset` are kept."""
        if self._thread is None or not self._thread.is_alive():
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name="stack-sampler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """End sampling. Walking other threads' live frames is not something to leave running in a process that
        goes on to other work (a test run's): CPython 3.11 has crashed doing it."""
        self._stopped.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()

    def reset(self) -> None:
        with self._lock:
            self._busy: dict[int, Counter[str]] = {}  # native thread id -> busy samples per concept
            self._idle = 0
            self._ticks = 0
            self._thread_cpu0 = thread_cpu_s()
            self._cpu0 = time.process_time()
            self._wall0 = time.perf_counter()

    def summary(self) -> dict[str, Any]:
        """Per concept: busy samples, their share, and the share of the process's CPU (each thread's CPU split over
        its samples); with the process CPU and wall seconds since `reset`."""
        with self._lock:
            cpu_now = thread_cpu_s()
            busy: Counter[str] = Counter()
            cpu: Counter[str] = Counter()
            for tid, counts in self._busy.items():
                busy.update(counts)
                spent = cpu_now.get(tid, 0.0) - self._thread_cpu0.get(tid, 0.0)
                total = sum(counts.values())
                for concept, n in counts.items():
                    cpu[concept] += spent * n / total
            unsampled = sum(max(0.0, c - self._thread_cpu0.get(t, 0.0)) for t, c in cpu_now.items() if t not in self._busy)
            if unsampled:
                cpu["unsampled_threads"] += unsampled  # CPU of threads never seen busy (this sampler, mostly)
            n_busy, n_cpu = sum(busy.values()) or 1, sum(cpu.values()) or 1.0
            return {"interval_ms": self.interval_s * 1000, "ticks": self._ticks, "idle_samples": self._idle,
                    "busy_samples": dict(busy.most_common()),
                    "busy_share": {k: round(v / n_busy, 4) for k, v in busy.most_common()},
                    "cpu_share": {k: round(v / n_cpu, 4) for k, v in cpu.most_common()},
                    "cpu_s": round(time.process_time() - self._cpu0, 3),
                    "wall_s": round(time.perf_counter() - self._wall0, 3)}

    def dump(self, path: Path) -> None:
        """Write `summary()` as JSON, atomically (a reader polls for the file)."""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.summary(), indent=2))
        tmp.replace(path)

    def _loop(self) -> None:
        me = threading.get_ident()
        while not self._stopped.wait(self.interval_s):
            frames = sys._current_frames()
            native = {t.ident: t.native_id for t in threading.enumerate()}
            with self._lock:
                self._ticks += 1
                for ident, frame in frames.items():
                    if ident == me or native.get(ident) is None:
                        continue
                    if _waiting(frame):
                        self._idle += 1
                        continue
                    stack = []
                    while frame is not None:
                        stack.append(frame.f_code.co_filename)
                        frame = frame.f_back
                    self._busy.setdefault(native[ident], Counter())[bucket_of(stack)] += 1


def _waiting(frame: Any) -> bool:
    code = frame.f_code
    where = (code.co_filename.rsplit("/", 1)[-1], code.co_name)
    if where in _IDLE:
        return True
    line = _IDLE_AT_LINE.get(where)
    return line is not None and line in linecache.getline(code.co_filename, frame.f_lineno)


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def thread_cpu_s() -> dict[int, float]:
    """User + system CPU seconds of each thread of this process, by native thread id (empty off Linux)."""
    out: dict[int, float] = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tids:
        try:
            fields = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / _CLK_TCK
    return out
