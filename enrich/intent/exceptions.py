"""Errors raised by the intent tagger."""


class IntentRuleError(ValueError):
    """An intent rule file is malformed (unknown keys, bad regex, empty rule...)."""
