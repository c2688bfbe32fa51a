"""Human-readable text of an alert, shared by Slack, PagerDuty and e-mail."""

from __future__ import annotations

from schemas import Alert

_VERB = {"open": "OPEN", "update": "UPDATE", "resolved": "RESOLVED"}


def title(alert: Alert) -> str:
    """One line: ``[CRITICAL] OPEN nimbus: 24 mentions/min vs 3.1 expected (7.7x)``."""
    kind = "negative mentions" if alert.series == "negative" else "mentions"
    return (f"[{alert.severity.upper()}] {_VERB[alert.status]} {alert.topic_id}: {alert.observed:.0f} {kind} "
            f"vs {alert.expected:.1f} expected ({alert.ratio:.1f}x)")


def body(alert: Alert) -> str:
    """Everything on-call needs to act, as plain text."""
    lines = [title(alert), "",
             f"window: {alert.window_start:%Y-%m-%d %H:%M} - {alert.window_end:%H:%M} UTC "
             f"(opened {alert.opened_at:%H:%M}, revision {alert.revision})"]
    if alert.related_topics:
        lines.append(f"related topics (same mentions): {', '.join(alert.related_topics)}")
    if alert.sentiment_mix:
        lines.append("sentiment: " + ", ".join(f"{k} {v}" for k, v in sorted(alert.sentiment_mix.items())))
    if alert.top_terms:
        lines.append("top terms: " + ", ".join(alert.top_terms))
    if alert.top_authors:
        lines.append("top authors: " + ", ".join(f"@{a.handle.lstrip('@')} ({a.followers:,})"
                                                 for a in alert.top_authors))
    if alert.sample_urls:
        lines.append("samples:")
        lines.extend(f"  {u}" for u in alert.sample_urls)
    if alert.dashboard_url:
        lines.append(f"dashboard: {alert.dashboard_url}")
    if alert.query:
        lines += ["", "query for more:", alert.query]
    return "\n".join(lines)
