"""A running Pagefind, handed pages one by one: ``pagefind --service``.

Pagefind's service mode takes each page as it comes, parses it at once in its own process
and writes the index when told to: a site's pages can be indexed while the engine is still
writing the next ones. Its protocol: each request is a JSON object, base64-encoded and
followed by a comma, on the service's standard input; each answer the same on its output,
with the request's ``message_id``. (The ``pagefind`` package's own client is asynchronous
and reads one answer every tenth of a second: four thousand pages would take minutes.)

Requests are written by a thread of their own, so a caller never waits for Pagefind to read
them; another thread reads the answers. Both release the interpreter while they wait.
"""

from __future__ import annotations

import base64
import binascii
import json
import queue
import signal
import subprocess
import sys
import threading
import typing

from .interrupt import die_with_parent


class ServiceError(Exception):
    """Pagefind failed, or could not start; the message says why."""


def executable() -> tuple[str, ...]:
    """How to run Pagefind: its binary, as the ``pagefind`` package finds it (its
    ``PAGEFIND_BINARY_PATH`` first), else through the package, which says what is missing."""
    try:
        from pagefind.service import get_executable

        found = get_executable()
    except (ImportError, OSError):
        found = None
    return (str(found),) if found is not None else (sys.executable, "-m", "pagefind")


class Service:
    """One ``pagefind --service`` process holding one index (``exclude``: the selectors it
    leaves out of every page). ``log``: where its own messages go."""

    def __init__(self, exclude: list[str], log: typing.BinaryIO) -> None:
        self.log = log
        try:
            self.process = subprocess.Popen([*executable(), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log,
                                            preexec_fn=die_with_parent(signal.SIGKILL))
        except OSError as exc:
            raise ServiceError(f"cannot run Pagefind: {exc}") from None
        self.answers: dict[int, dict] = {}
        self.failure: str | None = None
        self.closed = False
        self.arrived = threading.Condition()
        self.outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.sent = 0
        threading.Thread(target=self._write, daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()
        self.index = self.wait(self.send({"type": "NewIndex", "config": {"exclude_selectors": exclude}}))["index_id"]

    def send(self, payload: dict) -> int:
        """Queue a request; its ``message_id`` (see :meth:`wait`)."""
        self.sent += 1
        self.outgoing.put(json.dumps({"message_id": self.sent, "payload": payload}).encode())
        return self.sent

    def add(self, url: str, html: bytes) -> int:
        """Queue a page for the index, at ``url`` in the site."""
        return self.send({"type": "AddFile", "index_id": self.index, "url": url, "file_path": None,
                          "file_contents": html.decode("utf-8", "replace")})

    def files(self) -> int:
        """Queue a request for the files of the index; its answer holds each one's path and
        base64-encoded bytes. (Writing them is left to the caller: the service answers its
        own request to write them before it has, and stops writing when it exits.)"""
        return self.send({"type": "GetFiles", "index_id": self.index})

    def answered(self, message: int) -> bool:
        """Whether request ``message`` has had its answer (or the service has failed)."""
        with self.arrived:
            return message in self.answers or self.failure is not None

    def wait(self, message: int) -> dict:
        """The answer to request ``message``, once it comes; :class:`ServiceError` if the
        service failed."""
        with self.arrived:
            self.arrived.wait_for(lambda: message in self.answers or self.failure is not None)
            if message in self.answers:
                return self.answers.pop(message)
            raise ServiceError(self.failure)

    def close(self) -> None:
        """End the service (it exits once its input is closed); kill it if it lingers."""
        if not self.closed:
            self.closed = True
            self.outgoing.put(None)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        self.closed = True
        self.outgoing.put(None)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _write(self) -> None:
        stream = self.process.stdin
        try:
            while (request := self.outgoing.get()) is not None:
                stream.write(base64.b64encode(request) + b",")
                if self.outgoing.empty():
                    stream.flush()
        except (OSError, ValueError):
            pass  # (the service has gone: its reader says why)
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def _read(self) -> None:
        stream, pending = self.process.stdout, b""
        try:
            while chunk := stream.read1(1 << 16):
                *answers, pending = (pending + chunk).split(b",")
                for answer in answers:
                    self._answer(answer)
        except OSError:
            pass
        with self.arrived:
            if self.failure is None:
                self.failure = "it stopped" + self._exit()
            self.arrived.notify_all()

    def _answer(self, data: bytes) -> None:
        try:
            answer = json.loads(base64.b64decode(data))
            payload = answer["payload"]
        except (binascii.Error, ValueError, KeyError, TypeError):
            return  # (not an answer: nothing waits for it)
        with self.arrived:
            if payload.get("type") == "Error":
                self.failure = str(payload.get("message") or "Pagefind failed").strip()
            else:
                self.answers[answer.get("message_id")] = payload
            self.arrived.notify_all()

    def _exit(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return ""
        return f" (exit code {code})" if code else ""
