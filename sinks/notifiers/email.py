"""E-mail notifier over SMTP (stdlib smtplib, run in a thread)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from schemas import Alert
from sinks.notifiers.base import DeliveryError
from sinks.notifiers.format import body, title


def email_message(alert: Alert, sender: str, recipients: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = title(alert)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    # threads the open/update/resolve messages of one incident together in mail clients
    msg["Message-ID"] = f"<{alert.alert_id}.{alert.revision}@earshot>"
    if alert.revision > 1:
        msg["In-Reply-To"] = f"<{alert.alert_id}.1@earshot>"
        msg["References"] = f"<{alert.alert_id}.1@earshot>"
    msg.set_content(body(alert))
    return msg


class EmailNotifier:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, recipients: list[str], starttls: bool = False,
                 user: str | None = None, password: str | None = None, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.recipients = host, port, sender, recipients
        self.starttls, self.user, self.password, self.timeout = starttls, user, password, timeout

    def _send(self, alert: Alert) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email_message(alert, self.sender, self.recipients))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc

    async def deliver(self, alert: Alert) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._send, alert)
