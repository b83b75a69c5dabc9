"""``codeact bench``: run a suite in every action format, report on a run, compare two runs.

``codeact bench SUITE ...`` is short for ``codeact bench run SUITE ...``: a first word that is not a subcommand
is taken as the suite (a suite directory literally named ``report`` or ``compare`` is reached as ``./report``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from codeact.bench.backends import LOCAL_RAY
from codeact.bench.compare import compare_runs, comparison_markdown
from codeact.bench.episode import ModelSpec, SuiteSpec
from codeact.bench.results import BenchError, load_rows
from codeact.bench.runner import BenchPlan, run_bench
from codeact.bench.suites import SuiteError
from codeact.bench.summary import summarize, summary_table
from codeact.cli.common import console, fail, sandbox_settings
from codeact.models import ModelError, fetch_model
from codeact.models.catalog import CATALOG, DEFAULT_MODEL


class BenchGroup(TyperGroup):
    """Routes ``codeact bench SUITE`` to ``run`` and lets ``--ray`` be given without an address."""

    # The base declares typer's private vendored click Context; typer.Context is its public subclass.
    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        args = _bare_ray(args)
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _bare_ray(args: list[str]) -> list[str]:
    """``--ray`` followed by nothing or by another option means "no address" (click options need a value)."""
    return [f"--ray={LOCAL_RAY}" if a == "--ray" and (i + 1 == len(args) or args[i + 1].startswith("-")) else a
            for i, a in enumerate(args)]


bench_app = typer.Typer(
    cls=BenchGroup, no_args_is_help=True, add_completion=False,
    help="Compare action formats on a suite: `codeact bench SUITE`, `codeact bench report DIR`, "
         "`codeact bench compare DIR1 DIR2`.",
)


@bench_app.command("run")
def run_command(
    suite: Annotated[str, typer.Argument(help="A built-in suite (m3, bfcl, bfcl:<category>) or a suite directory.")],
    formats: Annotated[str, typer.Option(help="Comma-separated action formats: code, json, text, tool_calls.")]
    = "code,json,text",
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Embedded model name, .gguf path, or a "
                                                 "model of the --base-url server.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (or OPENAI_BASE_URL).")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="API key for --base-url (or OPENAI_API_KEY).")] = None,
    max_turns: Annotated[int, typer.Option(min=1, help="Model turns allowed per user turn.")] = 10,
    timeout: Annotated[float, typer.Option(help="Seconds one action may run before it is interrupted.")] = 30.0,
    workers: Annotated[int, typer.Option(min=1, help="Episodes run in parallel; each worker loads the model.")] = 1,
    ray: Annotated[Optional[str], typer.Option(
        "--ray", metavar="[ADDRESS]", help="Run episodes as Ray actors (--workers of them) on the cluster at "
        "ADDRESS; without one, on $RAY_ADDRESS's cluster or a new local instance. Needs codeact\\[ray].")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run directory (default bench-out/SUITE-MODEL); an existing "
                                                "one is resumed.")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first K tasks.")] = None,
    sample: Annotated[Optional[int], typer.Option(min=1, help="K tasks sampled per domain share (see --seed).")]
    = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 0,
    retry_errors: Annotated[bool, typer.Option(help="Run again the episodes that ended in an error.")] = False,
    sandbox: Annotated[str, typer.Option(help="bwrap (default) isolates the interpreter; none runs it "
                                         "unsandboxed.")] = "bwrap",
    memory: Annotated[str, typer.Option(help="Memory limit of each interpreter, e.g. 2G.")] = "2G",
) -> None:
    """Run every task of SUITE in each action format; results are appended to OUT/results.jsonl as they finish."""
    settings = sandbox_settings(sandbox, memory)
    label = model or DEFAULT_MODEL
    run_dir = out or default_run_dir(suite, label)
    plan = BenchPlan(
        suite=SuiteSpec(suite), model=ModelSpec(model, base_url, api_key), model_label=label, out=run_dir,
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()), max_turns=max_turns,
        action_timeout=timeout, sandbox=settings, workers=workers, ray_address=ray, limit=limit, sample=sample,
        seed=seed, retry_errors=retry_errors,
    )
    if "tool_calls" in plan.formats and not (base_url or os.environ.get("OPENAI_BASE_URL")):
        raise fail("--formats tool_calls needs an endpoint with native function calling (--base-url); "
                    "the embedded models take the code, json and text formats")
    try:
        if base_url is None and label in CATALOG:
            fetch_model(label)  # once, here, rather than once per worker at the same time
        result = run_bench(plan, console=console)
    except (BenchError, ModelError, SuiteError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted: finished episodes are saved in {run_dir}; rerun the same command to "
                      "resume[/]")
        raise typer.Exit(130) from None
    Console().print(summary_table(summarize(result.rows)))
    console.print(f"{result.ran} episode(s) run, {result.skipped} already done; rows in "
                  f"{run_dir / 'results.jsonl'}; report: codeact bench report {run_dir}")


@bench_app.command("report")
def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A `codeact bench` run directory.")],
) -> None:
    """Write report.md and PNG charts (success per domain, turns distribution) into RUN_DIR."""
    try:
        from codeact.bench.report import (
            write_report,  # matplotlib: only this command pays its import
        )

        paths = write_report(run_dir)
        Console().print(summary_table(summarize(load_rows(run_dir))))
    except BenchError as exc:
        raise fail(str(exc)) from None
    for path in paths:
        console.print(f"wrote {path}")


@bench_app.command("compare")
def compare_command(
    before: Annotated[Path, typer.Argument(help="The first run directory.")],
    after: Annotated[Path, typer.Argument(help="The second run directory.")],
    out: Annotated[Optional[Path], typer.Option(help="Also write the comparison to this markdown file.")] = None,
) -> None:
    """Per format and domain: success and turn differences between two runs, and the tasks that flipped."""
    try:
        text = comparison_markdown(compare_runs(load_rows(before), load_rows(after)), str(before), str(after))
    except BenchError as exc:
        raise fail(str(exc)) from None
    if out is not None:
        out.write_text(text, encoding="utf-8")
    typer.echo(text)


def default_run_dir(suite: str, model: str) -> Path:
    """``bench-out/<suite>-<model>``, names made safe for a folder."""
    suite_name = Path(suite).name if Path(suite).is_dir() else suite
    return Path("bench-out") / re.sub(r"[^A-Za-z0-9._-]+", "_", f"{suite_name}-{Path(model).name}")
