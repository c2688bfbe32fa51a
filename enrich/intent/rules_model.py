"""The YAML rule-file format of the intent tagger, validated with pydantic."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from enrich.intent.exceptions import IntentRuleError

__all__ = ["IntentRule", "RuleFile", "parse_rule_files", "ANY_LANGUAGE"]

ANY_LANGUAGE = "*"
"""``lang`` of a rule file whose rules apply to posts in every language."""

_TAG = re.compile(r"^[a-z][a-z_]*(?::[a-z][a-z_]*)?$")


class IntentRule(BaseModel):
    """One tag with the phrases / regular expressions that assign it and the phrases that veto it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tag: str
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)

    @field_validator("tag")
    @classmethod
    def _tag_shape(cls, v: str) -> str:
        if not _TAG.match(v):
            raise ValueError(f"tag {v!r} must look like 'complaint' or 'crisis:outage'")
        return v

    @field_validator("phrases", "unless")
    @classmethod
    def _clean_phrases(cls, v: list[Any]) -> list[str]:
        out = []
        for phrase in v:
            if not isinstance(phrase, str) or not phrase.strip().rstrip("*").strip():
                raise ValueError(f"phrase {phrase!r} must be non-empty text")
            out.append(" ".join(phrase.lower().split()))
        return out

    @field_validator("patterns")
    @classmethod
    def _compilable(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return v

    @model_validator(mode="after")
    def _has_matchers(self) -> IntentRule:
        if not self.phrases and not self.patterns:
            raise ValueError(f"rule {self.tag!r} has neither phrases nor patterns")
        return self


class RuleFile(BaseModel):
    """All rules of one language (``lang: "*"`` for every language)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: str = Field(min_length=1, max_length=16)
    rules: list[IntentRule] = Field(min_length=1)

    @field_validator("lang")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


def parse_rule_files(text: str) -> list[RuleFile]:
    """Parse one or more YAML documents (separated by ``---``) into rule files."""
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise IntentRuleError(f"intent rules are not valid YAML: {exc}") from exc
    if not docs:
        raise IntentRuleError("intent rules: no rule file in the text")
    try:
        return [RuleFile.model_validate(doc) for doc in docs]
    except ValidationError as exc:
        raise IntentRuleError(f"intent rules are malformed: {exc}") from exc
