"""Volume points and spike alerts shared by the spike stage, sinks and notifiers."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.mention import SCHEMA_VERSION

AlertStatus = Literal["open", "update", "resolved"]
Severity = Literal["info", "warning", "critical"]
SeriesKind = Literal["all", "negative"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VolumePoint(_Model):
    """Mentions of one topic in one window (a partial count when ``partition`` is set)."""

    schema_version: int = SCHEMA_VERSION
    topic_id: str
    window_start: AwareDatetime
    window_s: int = Field(default=60, gt=0)
    count: int = Field(default=0, ge=0)
    negative: int = Field(default=0, ge=0)
    positive: int = Field(default=0, ge=0)
    reach: int = Field(default=0, ge=0)
    partition: int | None = None


class AuthorReach(_Model):
    handle: str
    followers: int = 0


class Alert(_Model):
    """One incident: the same ``alert_id`` is re-sent as it opens, updates and resolves."""

    schema_version: int = SCHEMA_VERSION
    alert_id: str
    topic_id: str
    series: SeriesKind = "all"
    status: AlertStatus
    severity: Severity
    revision: int = Field(default=1, ge=1, description="Increases with every update of the incident")
    window_start: AwareDatetime
    window_end: AwareDatetime
    observed: float
    expected: float
    ratio: float
    score: float = Field(ge=0.0, le=1.0)
    sentiment_mix: dict[str, int] = Field(default_factory=dict)
    top_terms: list[str] = Field(default_factory=list)
    top_authors: list[AuthorReach] = Field(default_factory=list)
    sample_urls: list[str] = Field(default_factory=list)
    query: str = ""
    related_topics: list[str] = Field(default_factory=list, description="Other topics whose concurrent spikes "
                                      "are about the same mentions and were folded into this incident")
    dashboard_url: str | None = None
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
