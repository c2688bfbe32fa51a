"""Builds the Enricher from settings and swaps its watchlist matcher when the YAML file changes."""

from __future__ import annotations

import logging

from earshot.settings import Settings
from enrich.enricher import Enricher

log = logging.getLogger(__name__)


class EnricherHolder:
    """Holds the current Enricher. The heavy components are built once; only the matcher is swapped
    on a watchlist reload, so a new config takes effect without restarting the worker."""

    def __init__(self, settings: Settings) -> None:
        from enrich.intent import IntentTagger
        from enrich.language import LanguageDetector
        from enrich.matching import fields_for
        from enrich.multilingual import SentimentRouter
        from enrich.priority import Prioritizer, PriorityConfig
        from enrich.privacy import PrivacyConfig, Redactor
        from pipeline.watchlists import WatchlistSource

        self.source = WatchlistSource()
        matcher = self.source.load(settings.watchlist)
        if settings.intent_rules:  # extra rules are added to the bundled ones
            from enrich.intent import parse_rule_files

            extra = parse_rule_files(settings.intent_rules.read_text(encoding="utf-8"))
            tagger = IntentTagger([*IntentTagger.bundled_rule_files(), *extra])
        else:
            tagger = IntentTagger.default()
        key = (settings.author_hash_key or "").encode()
        if settings.hash_author_ids and len(key) < 16:
            raise ValueError("EARSHOT_HASH_AUTHOR_IDS needs EARSHOT_AUTHOR_HASH_KEY, a secret of at least 16 bytes")
        redactor = Redactor(PrivacyConfig(redact_text=settings.redact_text, hash_author_ids=settings.hash_author_ids,
                                          hash_key=key))
        self.current = Enricher(matcher=matcher, scorer=SentimentRouter(), detector=LanguageDetector(),
                                tagger=tagger, prioritizer=Prioritizer(PriorityConfig()), redactor=redactor,
                                fields=fields_for(matcher.field_names))

    def __call__(self) -> Enricher:
        return self.current

    def reload_if_changed(self) -> bool:
        """Swap in a new matcher if the watchlist file changed (a bad file keeps the old one)."""
        matcher = self.source.maybe_reload()
        if matcher is None:
            return False
        from enrich.matching import fields_for

        self.current = Enricher(matcher=matcher, scorer=self.current.scorer, detector=self.current.detector,
                                tagger=self.current.tagger, prioritizer=self.current.prioritizer,
                                redactor=self.current.redactor, fields=fields_for(matcher.field_names))  # what the new watchlist reads
        log.info("watchlist reloaded")
        return True
