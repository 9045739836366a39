"""The demo's inbox: a local SMTP server (aiosmtpd) on 127.0.0.1 that writes each message to
a folder as an .eml file."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from bandcrawler.demo.devserver import free_port


class MailSink:
    """`with MailSink(folder) as sink:` receives mail at `sink.url`; `sink.messages`."""

    def __init__(self, folder: Path):
        from aiosmtpd.controller import Controller

        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.messages: list[EmailMessage] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                message = message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append(message)  # type: ignore[arg-type]
                path = sink.folder / f"{len(sink.messages):03d}.eml"
                path.write_bytes(envelope.content)
                return "250 OK"

        port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.url = f"smtp://127.0.0.1:{port}"

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
