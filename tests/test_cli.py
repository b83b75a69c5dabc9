"""The command line: bad input gives one actionable line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_models_openai import server  # noqa: F401  (the fake OpenAI endpoint fixture)

from codeact.agent import Agent
from codeact.models import ScriptedModel


def codeact(*args: str, home, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CODEACT_HOME": str(home), **env}
    return subprocess.run([sys.executable, "-m", "codeact", *args], capture_output=True, text=True,
                          env=environ, timeout=120)


def assert_clean_error(proc: subprocess.CompletedProcess[str], *needles: str, code: int = 2) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "2+2", "--model", "gpt-imaginary"], ["unknown model", "qwen2.5-coder-1.5b", "--base-url"]),
        (["run", "   "], ["task is empty"]),
        (["run", "2+2", "--tool", "no_such_module_xyz:f"], ["cannot import module"]),
        (["run", "2+2", "--tool", "math:no_such_function"], ["has no attribute"]),
        (["run", "2+2", "--tool", "math"], ["module:function"]),
        (["run", "2+2", "--sandbox", "docker"], ["choose bwrap or none"]),
        (["run", "2+2", "--memory", "lots"], ["cannot read size"]),
    ],
)
def test_bad_input_is_one_actionable_line(tmp_path, args, needles):
    assert_clean_error(codeact(*args, home=tmp_path), *needles)


def test_endpoint_down_is_reported_without_traceback(tmp_path):
    proc = codeact("run", "2+2", "--json", "--base-url", "http://127.0.0.1:9/v1", "--api-key", "k",
                   "--model", "some-model", home=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "error" and "127.0.0.1:9" in result["error"]


def test_offline_without_the_model_cached_says_what_to_run(tmp_path):
    proc = codeact("run", "2+2", "--model", "qwen2.5-coder-0.5b", home=tmp_path,
                   CODEACT_CACHE_DIR=str(tmp_path / "cache"), PIP_INDEX_URL="http://127.0.0.1:9/simple",
                   PIP_NO_INDEX="1", PIP_FIND_LINKS="", PIP_RETRIES="0", PIP_TIMEOUT="2")
    assert_clean_error(proc, "codeact models fetch qwen2.5-coder-0.5b")


def test_models_lists_the_catalogue(tmp_path):
    proc = codeact("models", home=tmp_path, CODEACT_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200")
    assert proc.returncode == 0
    assert "qwen2.5-coder-1.5b" in proc.stdout and "qwen2.5-coder-0.5b" in proc.stdout


def test_runs_list_and_show(tmp_path):
    with Agent(ScriptedModel(["<solution>4</solution>"]), runs_dir=tmp_path / "runs") as agent:
        result = agent.run("what is 2+2?")
    run_id = result.trajectory_path.parent.name
    listed = codeact("runs", "list", home=tmp_path, COLUMNS="200")
    assert listed.returncode == 0 and run_id in listed.stdout and "answered" in listed.stdout
    shown = codeact("runs", "show", run_id[:12], "--json", home=tmp_path)
    assert json.loads(shown.stdout)["answer"] == "4"
    assert_clean_error(codeact("runs", "show", "nope", home=tmp_path), "no run 'nope'")


def test_workdir_that_is_a_file_is_refused_before_anything_starts(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert_clean_error(codeact("run", "2+2", "--workdir", str(blocker), home=tmp_path), "is a file, not a folder")


def test_tool_modules_in_the_current_directory_are_found(tmp_path):
    (tmp_path / "mytools_xyz.py").write_text("def shout(text: str) -> str:\n    '''Upper-case.'''\n"
                                             "    return text.upper()\n")
    proc = subprocess.run([sys.executable, "-m", "codeact", "run", "2+2", "--tool", "mytools_xyz:shout",
                           "--model", "nope-model"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "CODEACT_HOME": str(tmp_path)}, timeout=120)
    assert "cannot import" not in proc.stderr and "unknown model 'nope-model'" in proc.stderr


def test_chat_carries_variables_between_messages_over_an_openai_endpoint(tmp_path, server):  # noqa: F811
    """`codeact chat` against a real HTTP server speaking the OpenAI API (replies scripted by the test)."""
    from test_models_openai import KEY, _choice

    server.replies += [_choice("<execute>\nsq = [i * i for i in range(1, 21)]\n"),
                       _choice("<solution>stored</solution>"),
                       _choice("<execute>\nprint(sum(sq))\n"), _choice("<solution>2870</solution>")]
    proc = subprocess.run(
        [sys.executable, "-m", "codeact", "chat", "--base-url", server.url, "--api-key", KEY, "--model", "tiny"],
        input="store the squares\nnow sum them\n/exit\n", capture_output=True, text=True, timeout=180,
        env={**os.environ, "CODEACT_HOME": str(tmp_path), "COLUMNS": "120"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2870" in proc.stderr and "Traceback" not in proc.stderr
    last_prompt = server.requests[-1]["messages"]
    users = [m["content"] for m in last_prompt if m["role"] == "user"]
    assert users.index("store the squares") < users.index("now sum them")
    assert any("2870" in m["content"] for m in last_prompt if m["role"] == "user")


def test_ctrl_c_exits_130_and_keeps_the_trajectory(tmp_path):
    """A model that never answers, then Ctrl-C: exit code 130, the trajectory marked interrupted."""
    import glob
    import signal
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Stall(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            time.sleep(30)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "codeact", "run", "2+2", "--base-url",
             f"http://127.0.0.1:{httpd.server_address[1]}/v1", "--api-key", "k", "--model", "m"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "CODEACT_HOME": str(tmp_path)})
        pattern = str(tmp_path / "runs" / "*" / "trajectory.json")
        deadline = time.monotonic() + 60
        while not glob.glob(pattern) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the model call is in flight
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        httpd.shutdown()
    assert proc.returncode == 130, stderr
    assert "interrupted; the trajectory so far is in" in stderr and "Traceback" not in stderr
    assert json.loads(open(glob.glob(pattern)[0]).read())["status"] == "interrupted"
