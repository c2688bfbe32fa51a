"""Load VADER's lexicon and emoji descriptions from the installed vaderSentiment package.

The files are parsed exactly as vaderSentiment 3.3.2 parses them (same splitting, same
"last line wins" for duplicates), so lookups give the same answers as the reference.
"""

from __future__ import annotations

from importlib import resources

REFERENCE_PACKAGE = "vaderSentiment"
LEXICON_FILE = "vader_lexicon.txt"
EMOJI_FILE = "emoji_utf8_lexicon.txt"


def _read_bundled(name: str) -> str:
    # The reference reads with codecs.open (binary + utf-8 decode, no newline translation).
    return resources.files(REFERENCE_PACKAGE).joinpath(name).read_bytes().decode("utf-8")


def parse_lexicon(content: str) -> dict[str, float]:
    """Parse ``word<TAB>mean<TAB>...`` lines into ``{word: mean}`` like the reference does."""
    lexicon: dict[str, float] = {}
    for line in content.rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        lexicon[word] = float(measure)
    return lexicon


def parse_emoji_descriptions(content: str) -> dict[str, str]:
    """Parse ``emoji<TAB>description`` lines into ``{emoji: description}`` like the reference does."""
    emojis: dict[str, str] = {}
    for line in content.rstrip("\n").split("\n"):
        emoji, description = line.strip().split("\t")[0:2]
        emojis[emoji] = description
    return emojis


def load_lexicon() -> dict[str, float]:
    """The VADER word/emoticon valence lexicon bundled with vaderSentiment."""
    return parse_lexicon(_read_bundled(LEXICON_FILE))


def load_emoji_descriptions() -> dict[str, str]:
    """The VADER emoji -> English description table bundled with vaderSentiment."""
    return parse_emoji_descriptions(_read_bundled(EMOJI_FILE))
