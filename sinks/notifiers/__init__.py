"""Delivering alerts to on-call: generic JSON webhook, Slack, PagerDuty Events v2, e-mail (SMTP)."""

from sinks.notifiers.base import DeliveryError, Notifier, build_notifiers

__all__ = ["DeliveryError", "Notifier", "build_notifiers"]
