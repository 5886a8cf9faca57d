"""`warden eval` (offline eval suites, baselines, replay) and `warden policy diff`.

Exit codes: 0 pass, 10 quality regression, 20 safety regression, 30 the eval could not run (one line on stderr).
The suites and their scoring live in evals/; this module only parses options and prints."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from app.cli_output import fail

eval_app = typer.Typer(no_args_is_help=True, help="Offline eval suites that gate regressions (exit 0/10/20/30).")
EXIT_ERROR = 30


def register(app: typer.Typer, policy_app: typer.Typer) -> None:
    """Add `warden eval ...` and `warden policy diff` to the CLI."""
    app.add_typer(eval_app, name="eval")
    policy_app.command("diff")(policy_diff)


@eval_app.command("list")
def list_suites() -> None:
    """The suites `warden eval run` knows."""
    from evals.results import EvalError
    from evals.suites import SUITES, load_suite

    for name in SUITES:
        try:
            typer.echo(f"{name:<18} {load_suite(name).DESCRIPTION}")
        except (EvalError, AttributeError) as exc:
            typer.echo(f"{name:<18} (cannot load: {exc})")


@eval_app.command("run")
def run(suites: list[str] = typer.Argument(..., help="claims-safety | claims-decisions | pii-egress (see `warden eval list`)"),
        baseline: Optional[str] = typer.Option(None, "--baseline", help="compare with evals/baselines/NAME.json (or a path)"),
        save_baseline: Optional[str] = typer.Option(None, "--save-baseline", help="store this run's metrics as baseline NAME"),
        model: str = typer.Option("scripted", "--model", help="scripted | scripted-sloppy | module:function | local | a LiteLLM name"),
        policy: Optional[Path] = typer.Option(None, "--policy", help="policy pack folder under test (default: shipped)"),
        repeats: int = typer.Option(1, "--repeats", help="runs per suite; a trial passes only if it passes every time"),
        limit: Optional[int] = typer.Option(None, "--limit", help="only the first N cases of each set (quick checks)"),
        reports: Optional[Path] = typer.Option(None, "--reports", help="where to write <run>/report.{json,html}, junit.xml"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress on stderr")) -> None:
    """Run eval suites on private temp folders; print a table; write JSON, JUnit XML and HTML; exit 0/10/20/30."""
    from evals.baseline import load_baseline, save_baseline as store
    from evals.harness import evaluate
    from evals.report import REPORTS, format_table, write_reports
    from evals.results import EvalError

    if repeats < 1 or repeats > 50:
        fail("--repeats must be between 1 and 50", EXIT_ERROR)
    if limit is not None and limit < 1:
        fail("--limit must be at least 1", EXIT_ERROR)
    from evals.suites import SUITES

    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        fail(f"unknown suite {unknown[0]!r} (known: {', '.join(SUITES)})", EXIT_ERROR)
    if policy is not None and not policy.is_dir():
        fail(f"policy folder not found: {policy}", EXIT_ERROR)
    try:
        base = load_baseline(baseline) if baseline else None
    except EvalError as exc:
        fail(str(exc), EXIT_ERROR)
    progress = (lambda _: None) if quiet else (lambda msg: typer.echo(f"warden eval: {msg}", err=True))
    result = evaluate(suites, model=model, policy_dir=policy, repeats=repeats, limit=limit, baseline=base,
                      baseline_name=baseline, progress=progress)
    try:
        folder = write_reports(result, reports or REPORTS)
    except OSError as exc:
        fail(f"cannot write the report: {exc}", EXIT_ERROR)
    typer.echo(format_table(result))
    typer.echo(f"report: {folder / 'report.html'} (also report.json, junit.xml)")
    if save_baseline:
        if any(r.error for r in result.results):
            fail("not saving a baseline: a suite could not run", EXIT_ERROR)
        try:
            path = store(save_baseline, result.results, {"options": result.options, "run_id": result.run_id})
        except (EvalError, OSError) as exc:
            fail(f"cannot save baseline: {exc}", EXIT_ERROR)
        typer.echo(f"baseline saved: {path}")
    for r in result.results:
        if r.error:
            typer.echo(f"warden eval: {r.suite} could not run: {r.error}", err=True)
    raise typer.Exit(result.exit_code)


@eval_app.command("bless")
def bless(run_id: str = typer.Argument(..., help="a run folder under evals/reports/ (or a path to its report.json)"),
          name: str = typer.Option(..., "--as", help="baseline name")) -> None:
    """Store a finished run as a baseline (its metrics and per-trial outcomes)."""
    from evals.baseline import save_baseline as store
    from evals.report import REPORTS
    from evals.results import EvalError, SuiteResult

    path = Path(run_id) if run_id.endswith(".json") else REPORTS / run_id / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = [SuiteResult.from_json(s) for s in data["suites"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        fail(f"cannot read run {run_id}: {type(exc).__name__}: {exc}", EXIT_ERROR)
    if any(r.error for r in results):
        fail(f"run {run_id} has a suite that could not run; not a baseline", EXIT_ERROR)
    try:
        out = store(name, results, {"options": data.get("options", {}), "run_id": data.get("run_id")})
    except (EvalError, OSError) as exc:
        fail(f"cannot save baseline: {exc}", EXIT_ERROR)
    typer.echo(f"baseline saved: {out}")


@eval_app.command("replay")
def replay(data_dir: Optional[Path] = typer.Argument(None, help="a data folder with an audit trail (default: the "
                                                   "demo's, <WARDEN_DATA_DIR>/demo)"),
           policy: Optional[Path] = typer.Option(None, "--policy", help="policy pack to judge by (default: shipped)"),
           since: Optional[str] = typer.Option(None, "--since", help="only calls audited at or after this time "
                                               "(ISO 8601, e.g. 2026-11-30T12:00:00Z, or Unix seconds)")) -> None:
    """Re-judge every decision of an audit trail (on a copy of the folder) and report the ones that differ.
    Exit 0 none, 10 some, 20 a recorded deny now lets more through, 30 the trail cannot be read."""
    from evals.replay import format_replay, replay as run_replay
    from evals.results import EvalError
    from warden.settings import Settings

    if data_dir is None:
        base = Settings().data_dir
        data_dir = base / "demo" if (base / "demo" / "audit.db").exists() else base
    if policy is not None and not policy.is_dir():
        fail(f"policy folder not found: {policy}", EXIT_ERROR)
    start = _parse_time(since) if since else None
    try:
        report = run_replay(data_dir, policy, start)
    except EvalError as exc:
        fail(str(exc), EXIT_ERROR)
    typer.echo(format_replay(report))
    raise typer.Exit(report.exit_code)


def _parse_time(text: str) -> float:
    """Unix seconds from ISO 8601 (a missing zone is UTC) or a plain number; exit 30 otherwise."""
    from datetime import datetime, timezone

    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since {text!r}: use ISO 8601 (2026-11-30T12:00:00Z) or Unix seconds", EXIT_ERROR)
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def policy_diff(old: Path = typer.Argument(..., help="the policy pack in force (e.g. guardrails/policies)"),
                new: Path = typer.Argument(..., help="the candidate policy pack"),
                data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="also judge the requests recorded in this "
                                                        "data folder's audit trail (see `warden eval replay`)"),
                as_json: bool = typer.Option(False, "--json", help="one JSON object per changed decision"),
                accept: list[str] = typer.Option([], "--accept", help="a change you mean (request name, e.g. 'attacks: "
                                                 "zero amount' or its name alone): not counted toward exit 20")) -> None:
    """Judge the attack and benign sets (and recorded requests) under both packs; name every decision that
    changed and the rules responsible. Exit 20 when a deny became an allow or an approval, 30 when a pack is refused."""
    from evals.policy_diff import diff_packs, format_diff
    from evals.results import EvalError

    try:
        changes, judged = diff_packs(old, new, data_dir=data_dir)
    except EvalError as exc:
        fail(str(exc), EXIT_ERROR)
    if as_json:
        for c in changes:
            typer.echo(json.dumps(c.to_json(), ensure_ascii=False))
    else:
        typer.echo(format_diff(changes, judged))
    accepted = set(accept)
    unaccepted = [c for c in changes if c.weakened and c.name not in accepted and f"{c.source}: {c.name}" not in accepted]
    if accepted and not as_json:
        typer.echo(f"accepted: {len([c for c in changes if c.weakened]) - len(unaccepted)} weakening(s) named by --accept")
    raise typer.Exit(20 if unaccepted else 0)


