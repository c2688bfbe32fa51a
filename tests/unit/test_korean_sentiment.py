"""Korean sentiment analyzer: negation shapes, boosters, particles, emoticons, labelled accuracy."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.korean import KoreanSentimentAnalyzer, load_lexicon
from enrich.korean.analyzer import (
    _EMOTICONS,
    _TOKEN,
    _URL_OR_HANDLE,
    _may_have_emoticon,
    _may_have_url_or_handle,
    _round,
    _tokens,
)
from enrich.multilingual import label_for

# Hand-labelled Korean posts.
#
# Written by the analyzer's author as everyday review / social-media Korean, labelled by meaning
# (not by what the lexicon can see). HELD_OUT was written before the analyzer was first run on it
# and is kept as it was, hard cases included: words the lexicon then lacked (마음에 들다, 혜자), mixed
# posts and a reversal (좋은 줄 알았는데 아니네요).
HELD_OUT: list[tuple[str, str]] = [
    # positive
    ("이번 업데이트 진짜 마음에 들어요", "positive"),
    ("배송 빠르고 포장도 꼼꼼해서 만족합니다", "positive"),
    ("갤럭시 카메라 성능 미쳤다 진짜", "positive"),
    ("직원분이 너무 친절하셨어요 감사합니다", "positive"),
    ("가격 대비 성능 최고입니다", "positive"),
    ("생각보다 훨씬 괜찮네요", "positive"),
    ("이 앱 덕분에 생활이 편해졌어요", "positive"),
    ("음질 좋고 배터리도 오래가요", "positive"),
    ("드디어 받았다 너무 예쁘다 ㅠㅠ", "positive"),
    ("고객센터 응대가 빨라서 좋았어요", "positive"),
    ("재구매 의사 있습니다", "positive"),
    ("맛있어요 또 시킬게요", "positive"),
    ("기대 이상이에요 강추합니다", "positive"),
    ("디자인이 세련되고 가벼워요", "positive"),
    ("문제없이 잘 작동합니다", "positive"),
    ("나쁘지 않네요 가격도 착하고", "positive"),
    ("오늘 새로 산 이어폰 완전 만족 ㅎㅎ", "positive"),
    ("설치도 쉽고 사용법도 간단해요", "positive"),
    ("역시 믿고 쓰는 브랜드", "positive"),
    ("아이가 너무 좋아해요", "positive"),
    ("덕분에 문제 해결했어요 고맙습니다", "positive"),
    ("화질 대박이네요", "positive"),
    ("이 가격에 이 퀄리티면 혜자", "positive"),
    ("진짜 잘 샀다 싶어요", "positive"),
    ("업데이트 후 속도가 빨라졌어요", "positive"),
    # negative
    ("배송이 너무 늦어요", "negative"),
    ("앱이 계속 튕겨서 짜증나요", "negative"),
    ("고객센터 연결이 안 돼요", "negative"),
    ("두 번 다시 안 삽니다", "negative"),
    ("화면에 불량화소가 있어요", "negative"),
    ("돈 아까워요", "negative"),
    ("업데이트하고 나서 배터리가 너무 빨리 닳아요", "negative"),
    ("서비스 진짜 최악이네요", "negative"),
    ("실망스럽습니다", "negative"),
    ("환불해주세요 제품이 고장났어요", "negative"),
    ("품질이 별로예요", "negative"),
    ("충전이 안 돼요 ㅠㅠ", "negative"),
    ("포장이 엉망으로 왔어요", "negative"),
    ("이거 사기 아닌가요", "negative"),
    ("로그인이 안 되네요 답답합니다", "negative"),
    ("가격만 비싸고 성능은 그저 그래요", "negative"),
    ("좋은 줄 알았는데 아니네요", "negative"),
    ("만족스럽지 않아요", "negative"),
    ("소리가 끊겨서 못 쓰겠어요", "negative"),
    ("직원 태도가 불친절했어요", "negative"),
    ("음식에서 이물질이 나왔어요", "negative"),
    ("기다리다 지쳤어요", "negative"),
    ("전혀 도움이 안 됐어요", "negative"),
    ("좋긴 한데 너무 비싸요", "negative"),
    ("진짜 어이가 없네요", "negative"),
    # neutral
    ("오늘 신제품 발표회 있대요", "neutral"),
    ("매장 몇 시에 문 열어요?", "neutral"),
    ("갤럭시 S24 언제 출시해요?", "neutral"),
    ("택배 도착했습니다", "neutral"),
    ("이 제품 써보신 분 계신가요?", "neutral"),
    ("내일 서울 날씨 어때요?", "neutral"),
    ("업데이트 버전 3.2 공지 올라왔네요", "neutral"),
    ("삼성전자 주가 발표", "neutral"),
    ("점심 뭐 먹지", "neutral"),
    ("주문 번호 확인 부탁드립니다", "neutral"),
    ("아이폰이랑 갤럭시 중에 고민 중이에요", "neutral"),
    ("이번 주말 세일한대요", "neutral"),
    ("색상은 블랙이랑 화이트 두 가지예요", "neutral"),
    ("공식 홈페이지에서 예약 가능합니다", "neutral"),
    ("지금 매장 가는 중", "neutral"),
    ("설명서 어디서 받을 수 있나요", "neutral"),
    ("배송 조회는 어떻게 하나요", "neutral"),
    ("회의 끝나고 연락드릴게요", "neutral"),
    ("새 모델 사양 정리해봤습니다", "neutral"),
    ("어제 주문한 거 오늘 출고된대요", "neutral"),
]

# HELD_OUT drove one round of lexicon and rule changes (light verbs after 안/못, two-word stems
# such as 마음에 들다, the 긴 한데 concession, X 줄 알았는데), so it is no longer blind.
# HELD_OUT_2 was written after that round and measured once, before any further change.
HELD_OUT_2: list[tuple[str, str]] = [
    # positive
    ("택배 기사님 정말 친절하시네요", "positive"),
    ("새 폰 너무 마음에 들어요 ㅎㅎ", "positive"),
    ("이 카페 커피 진짜 맛있다", "positive"),
    ("화면이 선명하고 반응 속도도 빨라요", "positive"),
    ("이번 이벤트 당첨됐어요 감사합니다!", "positive"),
    ("사용해보니 확실히 편리하네요", "positive"),
    ("가성비 최고의 노트북", "positive"),
    ("상담원분 덕분에 해결됐어요", "positive"),
    ("포장 상태 완벽했습니다", "positive"),
    ("우리 가족 모두 만족하고 있어요", "positive"),
    ("오랜만에 재밌는 영화 봤다", "positive"),
    ("생각했던 것보다 훨씬 좋네요", "positive"),
    ("배터리 하루 종일 가서 든든해요", "positive"),
    ("다음에도 여기서 살게요 추천합니다", "positive"),
    ("업데이트 이후로 버그가 없어졌어요", "positive"),
    # negative
    ("주문한 지 일주일째 배송이 안 와요", "negative"),
    ("앱 업데이트 후에 자꾸 오류가 나요", "negative"),
    ("상담원이 불친절하고 답변도 성의가 없어요", "negative"),
    ("제품 받자마자 고장나서 환불 요청했습니다", "negative"),
    ("화면이 깨진 채로 왔어요", "negative"),
    ("이 가격이면 절대 안 사요", "negative"),
    ("진짜 너무 느려서 못 쓰겠다", "negative"),
    ("광고랑 너무 달라서 실망했어요", "negative"),
    ("소음이 심해서 잠을 못 자겠어요", "negative"),
    ("결제가 두 번 됐는데 연락이 없네요", "negative"),
    ("맛이 예전 같지 않아요", "negative"),
    ("서비스가 점점 나빠지네요", "negative"),
    ("사이즈가 안 맞아서 짜증나요", "negative"),
    ("기대했는데 별로였어요", "negative"),
    ("이런 쓰레기를 돈 주고 샀다니", "negative"),
    # neutral
    ("신제품 출시일이 언제인가요?", "neutral"),
    ("오늘 오후 3시에 라이브 방송 합니다", "neutral"),
    ("배송비는 얼마인가요", "neutral"),
    ("갤럭시 버즈 충전 케이스 색상 문의", "neutral"),
    ("매장 위치 알려주세요", "neutral"),
    ("이번 달 요금제 바꿨어요", "neutral"),
    ("내일부터 점검 들어간대요", "neutral"),
    ("사용 설명서 링크 공유합니다", "neutral"),
    ("주말에 백화점 가려고요", "neutral"),
    ("이 모델이랑 저 모델 차이가 뭐예요?", "neutral"),
    ("오늘 회의는 10시입니다", "neutral"),
    ("새 시즌 라인업 공개됐네요", "neutral"),
    ("지금 주문하면 언제 도착해요?", "neutral"),
    ("택배 송장번호 나왔어요", "neutral"),
    ("고객센터 운영 시간 확인했어요", "neutral"),
]


@pytest.fixture(scope="module")
def analyzer() -> KoreanSentimentAnalyzer:
    return KoreanSentimentAnalyzer()


def compound(analyzer: KoreanSentimentAnalyzer, text: str) -> float:
    return analyzer.polarity_scores(text)["compound"]


def test_output_has_vader_shape(analyzer: KoreanSentimentAnalyzer) -> None:
    scores = analyzer.polarity_scores("배송이 빠르지만 포장이 엉망이에요")
    assert set(scores) == {"neg", "neu", "pos", "compound"}
    assert -1.0 <= scores["compound"] <= 1.0
    assert scores["pos"] + scores["neu"] + scores["neg"] == pytest.approx(1.0, abs=0.01)


def test_empty_text(analyzer: KoreanSentimentAnalyzer) -> None:
    assert analyzer.polarity_scores("") == {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}


@pytest.mark.parametrize("text", ["좋아요", "좋았는데", "좋은 제품", "좋네요"])
def test_particles_and_endings_match_the_stem(analyzer: KoreanSentimentAnalyzer, text: str) -> None:
    assert compound(analyzer, text) > 0.2


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("좋아요", "안 좋아요"),  # short negation before the predicate
        ("좋아요", "안좋아요"),  # ... written attached
        ("좋아요", "좋지 않아요"),  # long negation -지 않다
        ("좋아요", "좋지않아요"),
        ("만족했다", "만족하지 못했다"),  # -지 못하다
        ("추천해요", "추천 안 해요"),  # 안 + light verb negates the noun before
        ("도움이 됐어요", "도움이 안 됐어요"),
        ("최고예요", "최고는 아니에요"),  # 아니다
        ("나빠요", "나쁘지 않아요"),
        ("문제가 있어요", "문제 없어요"),  # 없다
        ("마음에 들어요", "마음에 안 들어요"),  # negator inside a two-word stem
    ],
)
def test_negation_flips_polarity(analyzer: KoreanSentimentAnalyzer, plain: str, negated: str) -> None:
    a, b = compound(analyzer, plain), compound(analyzer, negated)
    assert a * b < 0, (plain, a, negated, b)


def test_longer_stem_wins_over_prefix(analyzer: KoreanSentimentAnalyzer) -> None:
    assert compound(analyzer, "재미있어요") > 0 > compound(analyzer, "재미없어요")
    assert compound(analyzer, "맛있어요") > 0 > compound(analyzer, "맛없어요")
    assert compound(analyzer, "굿즈 샀어요") == 0.0  # 굿즈 (merch) is not 굿 (good)


def test_existence_nouns(analyzer: KoreanSentimentAnalyzer) -> None:
    assert compound(analyzer, "맛이 없어요") < 0 < compound(analyzer, "맛이 있어요")
    assert compound(analyzer, "맛이 그냥 그래요") == 0.0


def test_intensifiers_and_dampeners(analyzer: KoreanSentimentAnalyzer) -> None:
    base = compound(analyzer, "좋아요")
    assert compound(analyzer, "너무 좋아요") > base
    assert compound(analyzer, "개좋아") > base  # attached intensifier prefix
    assert compound(analyzer, "좀 좋아요") < base
    assert compound(analyzer, "진짜 최악") < compound(analyzer, "최악")


def test_exclamation_marks_amplify(analyzer: KoreanSentimentAnalyzer) -> None:
    assert compound(analyzer, "좋아요!!!") > compound(analyzer, "좋아요")
    assert compound(analyzer, "최악!!!") < compound(analyzer, "최악")


def test_contrast_weights_the_second_clause(analyzer: KoreanSentimentAnalyzer) -> None:
    assert compound(analyzer, "배송은 빠르지만 품질이 별로예요") < 0
    assert compound(analyzer, "비싸지만 만족해요") > 0
    assert compound(analyzer, "좋긴 한데 너무 비싸요") < 0


def test_emoticons(analyzer: KoreanSentimentAnalyzer) -> None:
    assert compound(analyzer, "ㅠㅠ") < 0
    assert compound(analyzer, "ㅋㅋㅋㅋ") > 0
    assert compound(analyzer, "^^") > 0
    assert compound(analyzer, "망했다 ㅋㅋ") < 0  # laughing does not rescue a bad outcome


def test_neutral_facts_stay_neutral(analyzer: KoreanSentimentAnalyzer) -> None:
    for text in ("삼성 갤럭시 S24 출시", "내일 매장 방문 예정입니다", "https://t.co/x @samsung"):
        assert compound(analyzer, text) == 0.0


def _accuracy(analyzer: KoreanSentimentAnalyzer, examples: list[tuple[str, str]]) -> tuple[float, int]:
    correct = flips = 0
    for text, gold in examples:
        got = label_for(compound(analyzer, text))
        correct += got == gold
        flips += {got, gold} == {"positive", "negative"}
    return correct / len(examples), flips


def test_labelled_examples_are_balanced_and_large_enough() -> None:
    for examples in (HELD_OUT, HELD_OUT_2):
        labels = [gold for _, gold in examples]
        assert len(examples) >= 45
        assert min(labels.count(c) for c in ("positive", "negative", "neutral")) >= 15


def test_accuracy_on_blind_examples(analyzer: KoreanSentimentAnalyzer) -> None:
    # Measured 0.867 (39/45) when first run; majority-class baseline is 0.333.
    accuracy, flips = _accuracy(analyzer, HELD_OUT_2)
    assert accuracy >= 0.8
    assert flips == 0  # misses are negatives read as neutral, never the opposite polarity


def test_accuracy_on_development_examples(analyzer: KoreanSentimentAnalyzer) -> None:
    # 0.771 before the rule round this set informed, 0.957 after it.
    accuracy, flips = _accuracy(analyzer, HELD_OUT)
    assert accuracy >= 0.9
    assert flips == 0


def test_custom_lexicon() -> None:
    custom = KoreanSentimentAnalyzer(load_lexicon("valence:\n  갓겜: 3.0\nnegation_words: [안]\n"))
    assert custom.polarity_scores("갓겜이네")["compound"] > 0.5
    assert custom.polarity_scores("좋아요")["compound"] == 0.0


@pytest.mark.parametrize(
    "bad",
    ["[1, 2]", "valence: {좋: high}", "valence: [좋]", "emoticons: {winking: 1.0}", "negation_words: 안"],
)
def test_malformed_lexicon_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        load_lexicon(bad)


# -- the analyzer's shortcuts agree with the plain operations they replace -------------------------

_PIECES = [*"좋아요안못ㅋㅎㅠㅜㅡ^_-!！.,?~…·\"'“”()[]{}<>:;/|#*+=@wWhs1aé🙌",
           " ", "  ", "\t", "\n", "\u3000", "\u00a0", "\x1c", "http://", "https://", "www.", "-_-", "^^", "ㅋㅋ"]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=24).map("".join)


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_tokens_equal_the_token_regex(text: str) -> None:
    assert _tokens(text) == _TOKEN.findall(text)


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_prechecks_never_skip_a_match(text: str) -> None:
    if not _may_have_url_or_handle(text):
        assert _URL_OR_HANDLE.search(text) is None
    if not _may_have_emoticon(text):
        assert not any(pattern.search(text) for _, pattern, _ in _EMOTICONS)


def _same_float(a: float, b: float) -> bool:
    return math.copysign(1.0, a) == math.copysign(1.0, b) and a == b


@settings(max_examples=2000, deadline=None)
@given(st.floats(min_value=-1.0, max_value=1.0) | st.integers(-20000, 20000).map(lambda k: k / 20000))
def test_fast_round_equals_round(x: float) -> None:
    for value in (x, math.nextafter(x, 2.0), math.nextafter(x, -2.0)):
        assert _same_float(_round(value, 3, 1000.0), round(value, 3)), value
        assert _same_float(_round(value, 4, 10000.0), round(value, 4)), value


def test_fast_round_ties_and_zeros() -> None:
    for x in (0.0625, -0.0625, 0.0005, 0.0015, 0.00005, -0.0004, -0.0, 0.0, 1.0, -1.0, 0.9999, 0.99995):
        assert _same_float(_round(x, 3, 1000.0), round(x, 3)), x
        assert _same_float(_round(x, 4, 10000.0), round(x, 4)), x


_LEXICON = load_lexicon()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["좋아요", "안", "마음에", "들어요", "맛이", "없어요", "별로", "너무", "좋지만", "최악",
                                 "ㅋㅋ", "ㅠㅠ", "!!", "@x", "https://t.co/a", "^^", "줄", "알았는데", "아니네요"]),
                max_size=12))
def test_cached_readings_do_not_change_scores(words: list[str]) -> None:
    warm = KoreanSentimentAnalyzer(_LEXICON)
    for separator in (" ", "  ", "\n"):
        text = separator.join(words)
        fresh = KoreanSentimentAnalyzer(_LEXICON).polarity_scores(text)
        assert warm.polarity_scores(text) == fresh
        assert warm.polarity_scores(text) == fresh  # second time from the caches
        assert fresh == warm.polarity_scores(" ".join(words))  # scores ignore the kind of space
