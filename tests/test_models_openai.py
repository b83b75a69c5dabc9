"""OpenAICompatibleModel against a real (tiny) OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from codeact.models import ModelError, OpenAICompatibleModel, ToolCall, resolve_model
from codeact.models.openai_compat import INVALID_ARGUMENTS_KEY

KEY = "test-key"
MODELS = ["tiny", "tiny-coder"]


@dataclass
class FakeServer:
    """Replies queued by the test, requests recorded for it to inspect."""

    url: str
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    list_models_status: int = 200


def _choice(content: str | None, finish_reason: str = "stop", tool_calls: list[dict[str, Any]] | None = None,
            usage: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return 200, {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "tiny",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage or {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": "invalid_request_error", "code": None}}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    state = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output clean."""

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {KEY}":
                return True
            self._send(*_error(401, "Incorrect API key provided"))
            return False

        def do_GET(self) -> None:
            if not self._authorized():
                return
            if self.path == "/v1/models" and state.list_models_status == 200:
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in MODELS]
                self._send(200, {"object": "list", "data": data})
            else:
                self._send(*_error(404, "not found"))

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if not self._authorized():
                return
            state.requests.append(body)
            if self.path != "/v1/chat/completions" or body["model"] not in MODELS:
                self._send(*_error(404, f"The model `{body['model']}` does not exist"))
                return
            self._send(*state.replies.pop(0))

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _model(server: FakeServer, name: str = "tiny", **kwargs: Any) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(name, base_url=server.url, api_key=KEY, max_retries=0, **kwargs)


MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


def test_completion_text_and_usage(server: FakeServer) -> None:
    usage = {"prompt_tokens": 40, "completion_tokens": 5, "total_tokens": 45,
             "prompt_tokens_details": {"cached_tokens": 32}}
    server.replies.append(_choice("hello there", usage=usage))
    completion = _model(server).complete(MESSAGES)
    assert completion.text == "hello there"
    assert completion.finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (40, 5)
    assert completion.usage.cached_tokens == 32
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["temperature"] == 0.0
    assert "tools" not in server.requests[0]


def test_stop_sequences_capped_for_server_and_applied_locally(server: FakeServer) -> None:
    server.replies.append(_choice("print(1)\n</execute> trailing"))
    stops = ["<a>", "<b>", "<c>", "<d>", "</execute>"]
    completion = _model(server).complete(MESSAGES, stop=stops)
    assert server.requests[0]["stop"] == stops[:4]
    assert completion.text == "print(1)\n"
    assert completion.finish_reason == "stop"


def test_length_finish_reason_passes_through(server: FakeServer) -> None:
    server.replies.append(_choice("cut sho", finish_reason="length"))
    assert _model(server, max_tokens=3).complete(MESSAGES).finish_reason == "length"
    assert server.requests[0]["max_tokens"] == 3


def test_native_tool_calls_are_parsed(server: FakeServer) -> None:
    calls = [
        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
        {"id": "call_2", "type": "function", "function": {"name": "add", "arguments": "{not json"}},
    ]
    server.replies.append(_choice(None, finish_reason="tool_calls", tool_calls=calls))
    tools = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}]
    completion = _model(server).complete(MESSAGES, tools=tools)
    assert server.requests[0]["tools"] == tools
    assert completion.text == ""
    assert completion.finish_reason == "tool_calls"
    assert completion.tool_calls == [
        ToolCall(name="add", arguments={"a": 1, "b": 2}, id="call_1"),
        ToolCall(name="add", arguments={INVALID_ARGUMENTS_KEY: "{not json"}, id="call_2"),
    ]


def test_wrong_key_is_401(server: FakeServer) -> None:
    model = OpenAICompatibleModel("tiny", base_url=server.url, api_key="wrong", max_retries=0)
    with pytest.raises(ModelError, match=r"^http://127\.0\.0\.1:\d+/v1 rejected the API key \(401\): set OPENAI_API"):
        model.complete(MESSAGES)


def test_unknown_model_lists_what_the_server_offers(server: FakeServer) -> None:
    with pytest.raises(ModelError, match=r"unknown model 'huge' at \S+ \(404\); the server offers: tiny, tiny-coder$"):
        _model(server, "huge").complete(MESSAGES)


def test_unknown_model_when_the_server_cannot_list_models(server: FakeServer) -> None:
    server.list_models_status = 404
    with pytest.raises(ModelError, match=r"model 'huge' not found at \S+ \(404\): check the model name"):
        _model(server, "huge").complete(MESSAGES)


def test_other_api_errors_are_one_line(server: FakeServer) -> None:
    server.replies.append(_error(400, "messages too long for this model"))
    with pytest.raises(ModelError, match=r"returned 400 for model 'tiny': messages too long for this model$"):
        _model(server).complete(MESSAGES)


def test_transient_errors_are_retried(server: FakeServer) -> None:
    server.replies += [_error(503, "busy"), _choice("recovered")]
    model = OpenAICompatibleModel("tiny", base_url=server.url, api_key=KEY, max_retries=2)
    assert model.complete(MESSAGES).text == "recovered"
    assert len(server.requests) == 2


def test_server_down() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = OpenAICompatibleModel("tiny", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(ModelError, match=rf"^cannot reach http://127\.0\.0\.1:{port}/v1: is the server running\?$"):
        model.complete(MESSAGES)


def test_env_configuration_and_resolve(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server.replies.append(_choice("from env"))
    model = resolve_model("tiny-coder", max_retries=0)
    assert isinstance(model, OpenAICompatibleModel) and model.name == "tiny-coder"
    assert model.complete(MESSAGES).text == "from env"


def test_official_api_without_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError, match="no API key for OpenAI model 'gpt-x': set OPENAI_API_KEY"):
        OpenAICompatibleModel("gpt-x")
