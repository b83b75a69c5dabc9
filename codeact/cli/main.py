"""The ``codeact`` command line: run a task, chat, list models and past runs."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Column, Table

from codeact.agent import Agent, Finished, list_runs, load_run
from codeact.agent.trajectory import default_runs_dir
from codeact.cli.bench import bench_app
from codeact.cli.common import console, fail, sandbox_settings
from codeact.cli.render import LiveView
from codeact.models import (
    LlamaCppModel,
    ModelError,
    fetch_model,
    list_models,
    resolve_model,
)
from codeact.sandbox import KernelPool
from codeact.tools import ToolError, load_tool

app = typer.Typer(help="CodeAct agents: LLM agents that act by writing and running Python.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
models_app = typer.Typer(help="The embedded models: list them, fetch one ahead of use.")
runs_app = typer.Typer(help="Past runs and their trajectories.")
app.add_typer(models_app, name="models")
app.add_typer(runs_app, name="runs")
app.add_typer(bench_app, name="bench")

ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Embedded model name, .gguf path, or a model "
                                                 "of the --base-url server. Default: qwen2.5-coder-1.5b.")]
BaseUrlOpt = Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (or OPENAI_BASE_URL).")]
ApiKeyOpt = Annotated[Optional[str], typer.Option(help="API key for --base-url (or OPENAI_API_KEY).")]
MaxTurnsOpt = Annotated[int, typer.Option(min=1, help="Give up after this many model turns.")]
ToolOpt = Annotated[Optional[list[str]], typer.Option("--tool", help="module:function to offer as a tool "
                                                      "(repeatable).")]
WorkdirOpt = Annotated[Optional[Path], typer.Option(help="Folder the code runs in (default: the run's own folder).")]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds one code action may run before it is interrupted.")]
SandboxOpt = Annotated[str, typer.Option(help="bwrap (default) isolates the interpreter; none runs it unsandboxed.")]
NetworkOpt = Annotated[bool, typer.Option(help="Let code actions reach the network.")]
MemoryOpt = Annotated[str, typer.Option(help="Memory limit of the interpreter, e.g. 2G.")]
MountOpt = Annotated[Optional[list[str]], typer.Option("--mount", help="Expose a host folder: PATH or PATH:ro "
                                                       "(repeatable).")]


def build_agent(model: str | None, base_url: str | None, api_key: str | None, max_turns: int,
                tools: list[str] | None, workdir: Path | None, timeout: float, sandbox: str, network: bool,
                memory: str, mounts: list[str] | None, warm_pool: bool = False) -> Agent:
    """Validate every option before anything slow happens, then load the model."""
    try:
        loaded_tools = [load_tool(spec) for spec in tools or ()]
    except ToolError as exc:
        raise fail(str(exc)) from None
    if workdir is not None:
        workdir = workdir.expanduser().resolve()
        if workdir.exists() and not workdir.is_dir():
            raise fail(f"--workdir {workdir} is a file, not a folder")
        try:
            workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"--workdir {workdir}: cannot create it ({exc.strerror})") from None
    settings = sandbox_settings(sandbox, memory, network, mounts)
    try:
        llm = resolve_model(model, base_url=base_url, api_key=api_key)
        if isinstance(llm, LlamaCppModel):
            llm.load()
    except ModelError as exc:
        raise fail(str(exc)) from None
    runs_dir = default_runs_dir()
    # a warm kernel waits for each new conversation; pooled kernels live beside the runs they are handed to
    pool = KernelPool(settings, size=1, root=runs_dir / ".pool") if warm_pool and workdir is None else None
    return Agent(llm, loaded_tools, max_turns=max_turns, action_timeout=timeout, sandbox=settings,
                 workdir=workdir, runs_dir=runs_dir, pool=pool)


@app.command()
def run(
    task: Annotated[str, typer.Argument(help="What the agent should do.")],
    model: ModelOpt = None, base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None, max_turns: MaxTurnsOpt = 10,
    tool: ToolOpt = None, workdir: WorkdirOpt = None, timeout: TimeoutOpt = 60.0, sandbox: SandboxOpt = "bwrap",
    network: NetworkOpt = False, memory: MemoryOpt = "2G", mount: MountOpt = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout, no live view.")]
    = False,
) -> None:
    """Solve TASK by writing and running Python; exit 0 when the agent gave an answer."""
    if not task.strip():
        raise fail("the task is empty: say what the agent should do, e.g. codeact run \"What is 2**100?\"")
    agent = build_agent(model, base_url, api_key, max_turns, tool, workdir, timeout, sandbox, network, memory, mount)
    view = LiveView(console, max_turns)
    try:
        with agent:
            for event in agent.stream(task):
                if not json_output:
                    view.show(event)
    except KeyboardInterrupt:
        raise fail(f"interrupted; the trajectory so far is in {agent.trajectory.path}", code=130) from None
    assert isinstance(event, Finished)
    if json_output:
        sys.stdout.write(json.dumps(event.result.to_dict()) + "\n")
    raise typer.Exit(0 if event.result.ok else 1)


@app.command()
def chat(
    model: ModelOpt = None, base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None, max_turns: MaxTurnsOpt = 10,
    tool: ToolOpt = None, workdir: WorkdirOpt = None, timeout: TimeoutOpt = 60.0, sandbox: SandboxOpt = "bwrap",
    network: NetworkOpt = False, memory: MemoryOpt = "2G", mount: MountOpt = None,
) -> None:
    """Talk with the agent; its variables, imports and files carry over between your messages."""
    agent = build_agent(model, base_url, api_key, max_turns, tool, workdir, timeout, sandbox, network, memory, mount,
                        warm_pool=True)
    view = LiveView(console, max_turns)
    console.print("[dim]Type a message; /reset starts over, /exit or Ctrl-D quits.[/]")
    with agent, contextlib.closing(agent.pool) if agent.pool else contextlib.nullcontext():
        while True:
            try:
                message = console.input("[bold blue]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                break
            if message.strip() in ("/exit", "/quit"):
                break
            if message.strip() == "/reset":
                agent.reset()
                console.print("[dim]new conversation[/]")
                continue
            if not message.strip():
                continue
            try:
                for event in agent.stream(message):
                    view.show(event)
            except KeyboardInterrupt:
                console.print("[yellow]interrupted: that message was abandoned; the conversation goes on[/]")


@models_app.callback(invoke_without_command=True)
def models(ctx: typer.Context) -> None:
    """List the embedded models: whether each is fetched, its size and path."""
    if ctx.invoked_subcommand:
        return
    table = Table(Column("model", no_wrap=True), "fetched", Column("size", no_wrap=True),
                  Column("path", overflow="fold"), "description")
    for info in list_models():
        table.add_row(info.name + (" (default)" if info.default else ""), "yes" if info.fetched else "no",
                      f"{info.size / 1e9:.2f} GB", str(info.path), info.description)
    Console().print(table)


@models_app.command("fetch")
def models_fetch(name: Annotated[str, typer.Argument(help="Embedded model name.")] = "qwen2.5-coder-1.5b") -> None:
    """Download, assemble and verify an embedded model now."""
    try:
        path = fetch_model(name)
    except ModelError as exc:
        raise fail(str(exc)) from None
    console.print(f"{name}: {path}")


@runs_app.command("list")
def runs_list(limit: Annotated[int, typer.Option(help="Show at most this many runs.")] = 20) -> None:
    """Past runs, newest first."""
    table = Table("id", "status", "turns", "model", "task", "answer")
    for r in list_runs(default_runs_dir())[:limit]:
        table.add_row(r["id"], r["status"], str(r["turns"]), r["model"], _clip(r["task"]), _clip(r["answer"] or ""))
    Console().print(table)


@runs_app.command("show")
def runs_show(run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix of it.")],
              json_output: Annotated[bool, typer.Option("--json", help="Print the raw trajectory JSON.")] = False,
              ) -> None:
    """Show one run: each turn's reply, code and observation."""
    try:
        data = load_run(default_runs_dir(), run_id)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    if json_output:
        sys.stdout.write(json.dumps(data, indent=1) + "\n")
        return
    out = Console()
    out.print(f"[bold]{data['id']}[/] · {data['model']} · {data['format']} · {data['status']}")
    for m in data["messages"]:
        if m["role"] == "system":
            continue
        out.rule(m["role"], style="dim")
        out.print(m.get("content") or "", markup=False, highlight=False)
    out.rule(style="dim")
    out.print(f"answer: {data.get('answer')}  error: {data.get('error')}", markup=False)


def _clip(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> None:
    app()
