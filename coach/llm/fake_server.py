"""A real HTTP server on loopback that speaks the OpenAI chat-completions protocol, scriptable for tests and benches.

Why a real server and not a patched client: the openai SDK talks HTTP through its own client stack, so the only honest
way to test timeouts, retries, SSE parsing and what actually goes over the wire is a socket. Every request body and
its headers are recorded, so tests can assert that no raw PII (or a foreign API key) ever arrived.

    with FakeOpenAI() as server:
        server.enqueue(Reply(status=429), Reply(content='{"ok": true}'))
        ...  # point COACH_LLM_BASE_URL at server.base_url
        assert len(server.requests) == 2

Replies are consumed in order; when the queue is empty `server.default` answers (a Reply or a function of the
request body). Requests carrying `tools` are answered with a tool call whose arguments are the reply content, so the
same script serves the json_schema, json_mode and function_calling structured-output methods.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], "Reply"]


@dataclass
class Reply:
    content: str = "好的"
    status: int = 200
    delay_s: float = 0.0                 # before the status line: a slow model (or a hung one)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "0"}
    raw_body: str | None = None          # sent as-is instead of a completion (malformed JSON, HTML error page…)
    drop_after: int | None = None        # streaming: close the socket after this many chunks, no [DONE]
    chunk_delay_s: float = 0.0           # streaming: pause between chunks
    chunk_chars: int = 8
    prompt_tokens: int = 50
    completion_tokens: int = 20
    finish_reason: str = "stop"


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def all_text(body: dict[str, Any]) -> str:
    """Everything the client sent in the messages: what an eavesdropper (or an echoing model) would see."""
    return "\n".join(message_text(m) for m in body.get("messages", []))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for non-streaming answers, as a real endpoint does
    disable_nagle_algorithm = True  # headers and body are two writes: without this, delayed ACKs add ~40 ms
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body: dict[str, Any] = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_unparsable": raw.decode("utf-8", "replace")}
        fake = self.server.fake
        reply = fake.next_reply(body, {k.lower(): v for k, v in self.headers.items()})
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
        elif reply.raw_body is not None:
            self._send_raw(reply.status, reply.raw_body, reply.headers)
        elif reply.status != 200:
            err = {"error": {"message": f"scripted status {reply.status}", "type": "fake", "code": reply.status}}
            self._send_json(reply.status, err, reply.headers)
        elif body.get("stream"):
            self._stream(body, reply)
        else:
            self._send_json(200, _completion(body, reply), reply.headers)

    def _send_raw(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(obj, ensure_ascii=False), headers)

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")  # as vLLM/OpenAI do: a cut stream is detectably incomplete
        self.send_header("Connection", "close")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        text = reply.content
        pieces = [text[i : i + reply.chunk_chars] for i in range(0, len(text), reply.chunk_chars)] or [""]
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "fake-model")}
        try:
            for n, piece in enumerate(pieces):
                if reply.drop_after is not None and n >= reply.drop_after:
                    self.connection.shutdown(socket.SHUT_RDWR)  # mid-stream: no finish_reason, no [DONE]
                    return
                delta: dict[str, Any] = {"content": piece}
                if n == 0:
                    delta["role"] = "assistant"
                self._event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                if reply.chunk_delay_s:
                    time.sleep(reply.chunk_delay_s)
            self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event({**base, "choices": [], "usage": _usage(reply)})
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout): fine
            return

    def _event(self, obj: Any) -> None:
        self._chunk(f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode())

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _usage(reply: Reply) -> dict[str, int]:
    return {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens}


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish = reply.finish_reason
    tools = body.get("tools") or []
    if tools:  # function_calling structured output: the arguments carry the JSON
        name = tools[0].get("function", {}).get("name", "tool")
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_fake", "type": "function", "function": {"name": name, "arguments": reply.content}}]}
        finish = "tool_calls"
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": _usage(reply)}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up first (its deadline): expected in timeout tests
        super().handle_error(request, client_address)


class FakeOpenAI:
    """The scriptable server. Thread-safe: the HTTP threads and the test share the queue and the records."""

    def __init__(self, default: Reply | Responder | None = None, host: str = "127.0.0.1") -> None:
        self.default: Reply | Responder = default or Reply()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # lower-cased names
        self._queue: deque[Reply | Responder] = deque()
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-openai",
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def enqueue(self, *replies: Reply | Responder) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            item = self._queue.popleft() if self._queue else self.default
        return item(body) if callable(item) else item

    def texts(self) -> list[str]:
        """All message text of every recorded request."""
        with self._lock:
            return [all_text(b) for b in self.requests]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.headers.clear()
            self._queue.clear()

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def echo_responder(body: dict[str, Any]) -> Reply:
    """An 'evil' model: answers with everything it was sent (system prompt included) as plain text."""
    return Reply(content=all_text(body))


__all__ = ["FakeOpenAI", "Reply", "Responder", "all_text", "echo_responder", "message_text"]
