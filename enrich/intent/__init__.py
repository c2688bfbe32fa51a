"""Intent tags (question, complaint, purchase intent, feature request, crisis, praise) from YAML rules."""

from enrich.intent.exceptions import IntentRuleError
from enrich.intent.rules_model import IntentRule, RuleFile, parse_rule_files
from enrich.intent.tagger import CRISIS_KINDS, INTENTS, IntentTagger

__all__ = [
    "CRISIS_KINDS",
    "INTENTS",
    "IntentRule",
    "IntentRuleError",
    "IntentTagger",
    "RuleFile",
    "parse_rule_files",
]
