"""The notifier interface and the notifiers configured from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from schemas import Alert

if TYPE_CHECKING:
    from earshot.settings import Settings


class DeliveryError(Exception):
    """A delivery attempt failed (network error, timeout, non-2xx answer). The caller retries."""


class Notifier(Protocol):
    """Sends one alert revision somewhere. Raises :class:`DeliveryError` on failure."""

    name: str

    async def deliver(self, alert: Alert) -> None: ...


def build_notifiers(settings: Settings) -> list[Notifier]:
    """Every notifier that has its settings filled in."""
    from sinks.notifiers.email import EmailNotifier
    from sinks.notifiers.http import PagerDutyNotifier, SlackNotifier, WebhookNotifier

    timeout = settings.alert_delivery_timeout_s
    out: list[Notifier] = []
    if settings.alert_webhook_url:
        out.append(WebhookNotifier(settings.alert_webhook_url, timeout))
    if settings.alert_slack_webhook_url:
        out.append(SlackNotifier(settings.alert_slack_webhook_url, timeout))
    if settings.alert_pagerduty_routing_key:
        out.append(PagerDutyNotifier(settings.alert_pagerduty_routing_key, settings.alert_pagerduty_url, timeout))
    if settings.alert_smtp_host and settings.alert_email_to:
        out.append(EmailNotifier(host=settings.alert_smtp_host, port=settings.alert_smtp_port,
                                 sender=settings.alert_email_from,
                                 recipients=[r.strip() for r in settings.alert_email_to.split(",") if r.strip()],
                                 starttls=settings.alert_smtp_starttls, user=settings.alert_smtp_user,
                                 password=settings.alert_smtp_password, timeout=timeout))
    return out
