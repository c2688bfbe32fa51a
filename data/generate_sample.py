"""Deterministic generator of Earshot's sample social posts (see data/README.md).

Run ``python data/generate_sample.py [--out data/] [--seed 7]``. Writes ``sample_mentions.jsonl``
(every record validated as ``schemas.RawMention``), ``sample_mentions.csv`` (first 300 mentions, flat
columns) and ``sample_invalid.jsonl`` (deliberately broken records). Output depends only on the seed:
timestamps start at the fixed :data:`BASE_TIME`, never at the wall clock.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import RawMention

DEFAULT_SEED = 7
BASE_TIME = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DURATION_MIN = 300
CSV_ROWS = 300

SPIKE_BRAND = "nimbus"
SPIKE_START_MIN = 200  # 12:20Z: after more than the detectors' two-hour warm-up
SPIKE_PROFILE = (4, 7, 9, 10, 10, 10, 10, 10, 9.5, 9, 8.5, 8, 7, 5.5, 4)
"""Nimbus volume multiplier for each minute of the spike window (ramp up, plateau, decay)."""
SPIKE_END_MIN = SPIKE_START_MIN + len(SPIKE_PROFILE)

CSV_COLUMNS = (
    "platform", "source_id", "url", "author_id", "author_handle", "author_name", "author_followers",
    "author_verified", "text", "lang", "country", "created_at", "likes", "replies", "reposts", "quotes",
    "views", "reply_to_id", "quote_of_id", "repost_of_id", "source_tags",
)

# --------------------------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Brand:
    """A watched brand: how people write its name, its products, and its official account."""

    key: str
    kind: str  # coffee | phone | airline
    forms: tuple[str, ...]  # English mention forms, repeated entries weight them
    ko: tuple[str, ...]
    products: tuple[str, ...]
    ko_products: tuple[str, ...]
    hashtag: str
    handle: str
    official: str
    official_followers: int
    domain: str
    rate: float  # background mentions per minute
    rivals: tuple[str, ...] = ()


BRANDS: dict[str, Brand] = {b.key: b for b in (
    Brand("acme", "coffee",
          ("Acme Coffee",) * 6 + ("AcmeCoffee", "acme coffee", "@acmecoffee", "@acmecoffee", "#AcmeCoffee"),
          ("아크미커피", "아크미 커피"),
          ("Maple Cloud Latte", "Maple Cloud Latte", "oat flat white", "cold brew", "breakfast sandwich",
           "Autumn Blend", "caramel macchiato"),
          ("메이플 클라우드 라떼", "콜드브루", "오트 플랫화이트", "신메뉴"),
          "#acmecoffee", "@acmecoffee", "Acme Coffee", 482_000, "acmecoffee.com", 3.0, ("brewco", "beanhub")),
    Brand("brewco", "coffee", ("BrewCo",) * 4 + ("Brew Co", "Brew Co", "#brewco", "brewco"),
          ("브루코",), ("nitro cold brew", "drive-thru", "mocha", "almond croissant", "pumpkin bread"),
          ("니트로 콜드브루", "모카", "크루아상"),
          "#brewco", "@brewco", "BrewCo", 1_140_000, "brewco.com", 1.6, ("acme", "beanhub")),
    Brand("beanhub", "coffee", ("BeanHub",) * 4 + ("Bean Hub", "@beanhub", "#beanhub"),
          ("빈허브",), ("single-origin pour over", "subscription box", "espresso beans", "decaf"),
          ("원두 구독", "핸드드립", "디카페인"),
          "#beanhub", "@beanhub", "BeanHub", 96_300, "beanhub.co", 1.3, ("acme", "brewco")),
    Brand("nimbus", "phone", ("Nimbus",) * 6 + ("@nimbus", "#TeamNimbus", "#Nimbus"),
          ("님버스",), ("Nimbus S9", "Nimbus S9", "Nimbus S9", "Nimbus Fold", "Nimbus Fold"),
          ("S9", "S9", "폴드"),
          "#nimbus", "@nimbus", "Nimbus", 8_200_000, "nimbus.tech", 2.6, ("orbit",)),
    Brand("orbit", "phone", ("Orbit Mobile",) * 4 + ("OrbitMobile", "@orbitmobile", "#OrbitMobile"),
          ("오르빗 모바일", "오르빗모바일"), ("Orbit X2", "Orbit X2", "Orbit X2 Lite", "Orbit Halo"),
          ("X2", "X2 라이트"),
          "#orbitmobile", "@orbitmobile", "Orbit Mobile", 3_400_000, "orbitmobile.com", 1.6, ("nimbus",)),
    Brand("skylark", "airline", ("SkyLark Air",) * 4 + ("Skylark Airlines", "@skylarkair", "#FlySkyLark"),
          ("스카이락항공", "스카이락 항공"), ("SK 204", "SK 118", "SK 731", "SK 960", "SK 455"),
          ("인천-LA", "인천-시애틀"),
          "#flyskylark", "@skylarkair", "SkyLark Air", 721_000, "skylarkair.com", 1.6),
)}

INDUSTRY_RATE = 0.6
FALSE_FRIEND_RATE = 0.1

POS = ("☕", "😍", "🙌", "🔥", "✨", "👏", "💯", "😊", "❤️", "", "", "")
NEG = ("😡", "🙄", "😤", "👎", "😩", "smh", "", "", "")
NEU = ("", "", "", "👀", "🤔", "📝")

EN: dict[str, dict[str, tuple[str, ...]]] = {
    "coffee": {
        "praise": (
            "The {product} at {brand} is honestly elite today {pos}",
            "{brand} really nailed the {product}. Best thing I've had all week {pos}",
            "Shoutout to the barista at {brand} on 5th Ave who remembered my order {pos}",
            "ok the {product} from {brand} lives up to the hype {pos}",
            "Morning fuel: {product} from {brand} {pos}",
            "{brand} staff were so kind when I spilled everything this morning. Free remake, no questions {pos}",
        ),
        "complaint": (
            "Waited 25 minutes for a {product} at {brand}. What is the point of mobile order {neg}",
            "{brand} why is the {product} $7.40 now?? {neg}",
            "My {product} from {brand} was lukewarm and half ice. Not ok {neg}",
            "{brand} app charged me twice for one {product} and still no refund {neg}",
            "Third time this week {brand} got my order wrong {neg}",
            "Really rude staff at {brand} downtown today. Won't be back {neg}",
        ),
        "neutral": (
            "At {brand} working on slides for tomorrow",
            "{brand} has the {product} back on the menu starting today",
            "Meeting a friend at {brand} later, first time trying the {product}",
            "Line at {brand} is out the door this morning {neu}",
        ),
        "question": (
            "Does {brand} still do free refills with the app?",
            "Is the {product} at {brand} dairy-free or not?",
            "What time does {brand} close on Sundays?",
            "Anyone know if {brand} takes Apple Pay at the kiosks?",
        ),
        "purchase": (
            "Grabbing a {product} from {brand} before the train, anyone want one?",
            "Thinking about the {brand} subscription, is it worth it?",
            "Just ordered a bag of {brand} beans for home {pos}",
            "Going to try the {product} at {brand} tomorrow {pos}",
        ),
        "feature": (
            "{brand} please keep the {product} on the menu all year round",
            "Dear {brand}, an oat milk option for the {product} would be amazing",
            "{brand} your app really needs group orders and a dark mode",
        ),
        "comparison": (
            "{brand} > {rival} for cold brew, fight me",
            "Switched from {rival} to {brand}, the {product} is just better {pos}",
            "Honestly {rival} has better prices than {brand} these days",
            "{brand} vs {rival}: which one has the better oat latte?",
        ),
        "news": (
            "{brand} to open 40 new stores across Texas by spring",
            "{brand} launches {product} nationwide as autumn menu lands",
            "{brand} shares climb after strong quarterly same-store sales",
            "{brand} raises menu prices for the second time this year, citing bean costs",
        ),
    },
    "phone": {
        "praise": (
            "Camera on the {model} is unreal. Night shots look like daylight {pos}",
            "Two days on one charge with my {model}, {brand} cooked with this one {pos}",
            "Switched to the {model} last month, zero regrets {pos}",
            "{brand} support sorted my screen replacement in a day. Impressed {pos}",
            "The {model} display is so smooth, can't go back to 60Hz {pos}",
        ),
        "complaint": (
            "My {model} keeps dropping wifi since the update {neg}",
            "{brand} support has had my phone for three weeks. Ridiculous {neg}",
            "Screen on my {model} cracked from a tiny drop {neg}",
            "{model} battery life got way worse after the last update {neg}",
        ),
        "neutral": (
            "Unboxing the {model} later today on stream",
            "{brand} event is scheduled for Nov 12 apparently {neu}",
            "Comparing the {model} with my old phone, review coming this week",
        ),
        "question": (
            "Is the {model} worth upgrading from last year's model?",
            "Does the {model} support eSIM in Korea?",
            "How do I turn off the always-on display on the {model}?",
        ),
        "purchase": (
            "Pre-ordered the {model}, arrives Friday {pos}",
            "Thinking about getting the {model}, any regrets?",
            "Trading in my old phone for a {model} this weekend",
        ),
        "feature": (
            "{brand} please add call recording to the {model}",
            "Would love a smaller {model}, {brand} pls",
            "{brand} give us 7 years of updates like everyone else",
        ),
        "comparison": (
            "{model} vs {rival_model}: the {brand} camera wins easily",
            "Honestly the {rival_model} has better battery than the {model}",
            "Left {rival} for {brand} and the software is so much cleaner {pos}",
        ),
        "news": (
            "{brand} unveils {model} with a 200MP camera and 5,000mAh battery",
            "{brand} ships software update 4.2 with new camera modes for the {model}",
            "Review: the {model} is the best phone {brand} has made",
        ),
    },
    "airline": {
        "praise": (
            "Smooth flight with {brand} to Denver, landed 20 minutes early {pos}",
            "Crew on {brand} {product} were amazing with my kids {pos}",
            "Upgraded to extra legroom on {brand} for $39, worth every cent {pos}",
        ),
        "complaint": (
            "{brand} cancelled my flight {product} with 2 hours notice and no hotel voucher {neg}",
            "Lost luggage again {brand}. Day 3 with no bag {neg}",
            "Sitting on the tarmac for 90 minutes, thanks {brand} {neg}",
            "{brand} charged me $65 for a carry-on. Never again {neg}",
        ),
        "neutral": (
            "Boarding {brand} {product} to Seattle {neu}",
            "{brand} adds a daily nonstop from Austin to Seoul in March",
        ),
        "question": (
            "Does {brand} let you bring a pet in cabin on international flights?",
            "Anyone know if the {brand} wifi works over the Pacific?",
        ),
        "purchase": (
            "Booked {brand} for Thanksgiving, fares were half of everyone else {pos}",
            "Looking at {brand} vs driving for the holidays, thoughts?",
        ),
        "feature": (
            "{brand} please add seat selection to the app at booking",
            "{brand} bring back free snacks pls",
        ),
        "comparison": (
            "Flew {brand} and another carrier this month, {brand} won on legroom easily",
        ),
        "news": (
            "{brand} to add 12 new routes to Asia in 2027",
            "{brand} reports record on-time performance in October",
        ),
    },
}

KO: dict[str, dict[str, tuple[str, ...]]] = {
    "coffee": {
        "praise": ("{B} {product} 너무 맛있어요 ㅎㅎ {pos}", "{B_eun} 역시 라떼 맛집 👍",
                   "오늘 {B}에서 먹은 {product} 대박 {pos}"),
        "complaint": ("{B} 주문 앱 또 오류나네요... 결제만 두 번 됨 {neg}", "{B_eun} 요즘 가격이 너무 올랐어요 ㅠㅠ",
                      "{B} 매장 직원 너무 불친절했어요 {neg}"),
        "neutral": ("{B}에서 작업 중 ☕", "{B} {product} 출시했네요"),
        "question": ("{B} 텀블러 할인 아직 되나요?", "{B} 일요일 몇 시까지 해요?"),
        "purchase": ("{B} {product} 구독 신청했어요", "내일 {B} 가서 {product} 먹어볼 예정"),
        "feature": ("{B} 디카페인 메뉴 좀 늘려주세요 🙏",),
        "comparison": ("{B_i} {R}보다 훨씬 맛있음", "{R}에서 {B_ro} 갈아탐 {pos}"),
        "news": ("{B}, 서울 강남에 플래그십 매장 연다", "{B_i} 원두 가격 인상으로 음료 가격 조정"),
    },
    "phone": {
        "praise": ("{B} {product} 카메라 진짜 미쳤다 📸", "{B} {product} 배터리 오래가서 좋아요 👍"),
        "complaint": ("{B} {product} 업데이트 후에 와이파이 자꾸 끊겨요 ㅠㅠ", "{B} 서비스센터 대기 2시간... {neg}"),
        "neutral": ("{B} 신제품 발표 11월 12일이래요",),
        "question": ("{B} {product} 자급제 어디서 사는 게 제일 싸요?", "{product} 사려는데 {B} 써보신 분?"),
        "purchase": ("{B} {product} 사전예약 했어요!! 🙌",),
        "feature": ("{B_eun} 통화녹음 기능 좀 넣어주세요",),
        "comparison": ("{B_i} {R}보다 카메라는 나은 듯",),
        "news": ("{B}, {product} 국내 출시… 출고가 129만원",),
    },
    "airline": {
        "praise": ("{B} 타고 LA 다녀왔는데 승무원분들 너무 친절했어요 😊",),
        "complaint": ("{B} 수하물 분실... 3일째 연락 없음 {neg}", "{B} {product} 결항인데 안내 문자도 없었어요 {neg}"),
        "neutral": ("{B} {product} 탑승 대기 중 ✈️",),
        "question": ("{B} 기내 와이파이 되나요?",),
        "purchase": ("{B} 땡처리 항공권 예매 성공 {pos}",),
        "feature": ("{B} 앱에서 좌석 지정 좀 되게 해주세요",),
        "comparison": ("{B_i} 다른 항공사보다 좌석은 넓어요",),
        "news": ("{B}, 내년 3월 인천-오스틴 직항 취항",),
    },
}

JA = {
    "coffee": ("{brand}の新作{product}、美味しかった☕", "{brand}のアプリ、また二重決済された…😡"),
    "phone": ("{model}のカメラ、めっちゃ綺麗📸", "{model}買うか迷ってる🤔"),
    "airline": ("{brand}で羽田に到着✈️ 快適でした",),
}
ES = {
    "coffee": ("Me encanta el nuevo {product} de {brand} ☕", "{brand} subió otra vez los precios 😡"),
    "phone": ("¿Vale la pena el {model}? Estoy dudando 🤔", "Mi {model} tiene la mejor cámara que he usado 😍"),
    "airline": ("{brand} perdió mi maleta otra vez 😡",),
}

SPIKE_EN = {
    "negative": (
        "My Nimbus S9 got scary hot while charging overnight. Battery is literally bulging {neg}",
        "@nimbussupport my #NimbusS9 hit 52°C just sitting on the desk. What is going on??",
        "Is anyone else's Nimbus S9 overheating after the 4.2 update? Mine is too hot to hold {neg}",
        "Nimbus S9 burned my hand. Not exaggerating. Unplugged it and it's still warm {neg}",
        "So the Nimbus S9 battery thing is real? Seeing videos of phones swelling {neg}",
        "Nimbus needs to recall the S9 NOW before someone gets hurt {neg}",
        "Returning my Nimbus S9 today, the overheating is not worth the risk {neg}",
        "Nimbus S9 owners: stop charging overnight until they say something #NimbusS9",
        "Glad I didn't buy the Nimbus S9 lol #overheating",
        "@nimbus your S9 is a hand warmer now? Fix this. {neg}",
    ),
    "question": (
        "Should I be worried about my Nimbus S9 getting warm? Mine feels hotter than usual",
        "Does anyone know if Nimbus is replacing overheating S9 batteries for free?",
    ),
    "positive": (
        "Mine's fine so far?? Nimbus S9 since launch, no heat issues. Maybe it's a bad batch",
        "Nimbus S9 still cool to the touch here, fingers crossed 🤞",
    ),
    "news": (
        "Nimbus investigating reports of S9 batteries overheating",
        "Nimbus S9 owners report overheating, swelling batteries after update 4.2",
        "Nimbus says it is 'aware of a small number of reports' of Nimbus S9 overheating",
    ),
}
SPIKE_KO = (
    "님버스 S9 충전하다가 너무 뜨거워서 깜짝 놀랐어요 ㅠㅠ 배터리 발열 심각함",
    "{B_i} S9 발열 문제 공식 입장 냈나요?",
    "님버스 S9 배터리 부풀었어요... 서비스센터 가야 하나 😡",
    "S9 발열 이슈 때문에 {B_eun} 리콜해야 한다고 봄",
    "님버스 S9 발열 나만 그런 거 아니었네... 😨",
)
SPIKE_OTHER = (
    ("ja", "Nimbus S9が充電中にめちゃくちゃ熱くなる…怖い😨"),
    ("es", "Mi Nimbus S9 se calienta muchísimo cargando, ¿a alguien más le pasa? 😡"),
)

INDUSTRY = (
    ("en", "Arabica prices just hit a three-year high, your morning latte is about to get pricier ☕📈"),
    ("en", "Coffee shortage fears grow as the Brazil harvest comes in 15% lower"),
    ("en", "Cafes are absorbing higher espresso bean prices for now, but not for long"),
    ("en", "New tariffs on green coffee imports could add 40 cents to every cup, analysts say"),
    ("en", "Small roasters say coffee prices are squeezing margins harder than rent"),
    ("ko", "커피 원두 가격 또 올랐네요... 카페 음료 가격 인상 예고 ㅠㅠ"),
)

FALSE_FRIENDS = (
    "Rewatching the Harry Potter films, I still want a Nimbus 2000 🧹✨",
    "Massive cumulonimbus over the harbour this afternoon, get inside ⛈️",
    "Those nimbus clouds rolling in look ominous, storm by 5pm?",
    "Looney Tunes marathon today: ACME anvil, ACME rocket skates, ACME coffee grinder 😂",
    "Joined the home brew co-op downtown, first batch of stout is bubbling 🍺",
    "Orbit Mobile Home Park residents meet Thursday about the new water lines",
    "Buick Skylark air conditioning finally fixed, summer road trips are back on 🚗",
)

KIND_TAGS = {
    "coffee": ("#coffee", "#coffeetime", "#latte", "#mondaymood"),
    "phone": ("#android", "#smartphone", "#tech", "#techreview"),
    "airline": ("#travel", "#avgeek", "#travelday"),
}
CAMPAIGN_TAG = "#AcmeAutumn"
PRODUCT_TAGS = {"Nimbus S9": "#NimbusS9", "Nimbus Fold": "#NimbusFold", "Orbit X2": "#OrbitX2"}

EN_FIRST = ("Jamie", "Alex", "Sam", "Taylor", "Jordan", "Morgan", "Riley", "Casey", "Avery", "Quinn",
            "Maria", "David", "Priya", "Chen", "Fatima", "Lucas", "Emma", "Noah", "Olivia", "Ethan",
            "Sofia", "Liam", "Grace", "Omar", "Hannah", "Mateo", "Chloe", "Ben", "Zoe", "Kai")
EN_LAST = ("Smith", "Nguyen", "Garcia", "Patel", "Johnson", "Lee", "Brown", "Kim", "Martinez", "Davis",
           "Wilson", "Lopez", "Clark", "Walker", "Hall", "Young", "Allen", "Wright", "Scott", "Green")
KO_NAMES = ("김민준", "이서연", "박지훈", "최수아", "정예준", "강하은", "조도윤", "윤지우", "장서준", "임하윤",
            "한지민", "오승현", "서유진", "신동현", "권나연")
KO_HANDLES = ("minjun", "seoyeon", "jihoon", "sua", "yejun", "haeun", "doyoon", "jiwoo", "seojun",
              "hayoon", "jimin", "seunghyun", "yujin", "donghyun", "nayeon", "coffee_lover", "daily_log")
JA_NAMES = ("佐藤 ゆい", "鈴木 はると", "高橋 さくら", "田中 れん")
ES_NAMES = ("Lucía Fernández", "Diego Ramírez", "Valentina Torres", "Javier Morales")

OUTLETS = {
    "coffee": ("dailygrindreport.com", "Daily Grind Report", 215_000),
    "phone": ("gadgetledger.com", "Gadget Ledger", 1_930_000),
    "airline": ("travelwire.news", "Travel Wire", 388_000),
    "industry": ("marketpulse.com", "Market Pulse", 2_450_000),
    "ko": ("seoultechtimes.co.kr", "서울테크타임즈", 310_000),
}
SUBREDDITS = {"coffee": "Coffee", "phone": "Android", "airline": "travel", "industry": "Coffee"}

PLATFORMS = {
    "en": (("x", 36), ("reddit", 16), ("instagram", 14), ("tiktok", 10), ("youtube", 10), ("blog", 6)),
    "ko": (("naver_blog", 35), ("x", 25), ("instagram", 20), ("youtube", 10), ("tiktok", 10)),
    "ja": (("x", 80), ("instagram", 20)),
    "es": (("x", 40), ("instagram", 30), ("tiktok", 30)),
}
COUNTRIES = {"en": ("US", "US", "US", "GB", "CA", "AU"), "ko": ("KR",), "ja": ("JP",), "es": ("ES", "MX", "AR")}
CATEGORIES = (("praise", 22), ("complaint", 18), ("neutral", 18), ("question", 12), ("purchase", 10),
              ("feature", 8), ("comparison", 7), ("news", 3))

# ---------------------------------------------------------------------------------------------- model


@dataclass
class Persona:
    id: str
    handle: str
    name: str
    followers: int
    verified: bool


@dataclass(frozen=True)
class Event:
    offset_s: int
    topic: str  # a BRANDS key, "industry" or "false_friend"
    spike: bool = False


@dataclass
class _State:
    """Mutable state while rendering: personas and earlier posts that later ones may reference."""

    rng: random.Random
    personas: dict[str, list[Persona]] = field(default_factory=dict)
    used_ids: set[tuple[str, str]] = field(default_factory=set)
    history: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    complaints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    spike_viral: list[dict[str, Any]] = field(default_factory=list)
    false_friends: int = 0


def spike_multiplier(minute: int) -> float:
    """Volume multiplier of the spike brand at ``minute`` after :data:`BASE_TIME`."""
    if SPIKE_START_MIN <= minute < SPIKE_END_MIN:
        return float(SPIKE_PROFILE[minute - SPIKE_START_MIN])
    return 1.0


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler (fine for the small rates used here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def plan_events(rng: random.Random, minutes: int = DURATION_MIN, scale: float = 1.0) -> list[Event]:
    """When each post happens and what it is about: Poisson counts per minute with a mild daily wave."""
    rates = {key: b.rate for key, b in BRANDS.items()} | {"industry": INDUSTRY_RATE,
                                                          "false_friend": FALSE_FRIEND_RATE}
    phases = {key: rng.random() for key in rates}
    events: list[Event] = []
    for minute in range(minutes):
        for key, rate in rates.items():
            wave = 1.0 + 0.2 * math.sin(2 * math.pi * (minute / DURATION_MIN + phases[key]))
            lam = rate * wave * scale
            for _ in range(_poisson(rng, lam)):
                events.append(Event(minute * 60 + rng.randrange(60), key))
            if key == SPIKE_BRAND and (mult := spike_multiplier(minute)) > 1:
                for _ in range(_poisson(rng, rate * (mult - 1) * scale)):
                    events.append(Event(minute * 60 + rng.randrange(60), key, spike=True))
    events.sort(key=lambda e: e.offset_s)  # stable: ties keep their planned order
    return events


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _persona(state: _State, lang: str) -> Persona:
    """Pick an author; pools are drawn once per language, followers are Pareto (heavy-tailed)."""
    rng = state.rng
    pool = state.personas.get(lang)
    if pool is None:
        size = {"en": 900, "ko": 220, "ja": 25, "es": 25}[lang]
        pool = state.personas[lang] = []
        for i in range(size):
            if lang == "en":
                first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                name = f"{first} {last}"
                handle = rng.choice((f"{first}{last}".lower(), f"{first.lower()}_{last[0].lower()}",
                                     f"{first.lower()}{rng.randrange(10, 9999)}"))
            elif lang == "ko":
                name = rng.choice(KO_NAMES)
                handle = f"{rng.choice(KO_HANDLES)}{rng.randrange(10, 999)}"
            else:
                name = rng.choice(JA_NAMES if lang == "ja" else ES_NAMES)
                handle = f"{lang}_user{i}{rng.randrange(10, 99)}"
            followers = min(int(35 * rng.paretovariate(1.0)), 25_000_000)
            if rng.random() < 0.02:  # a few influencers
                followers = rng.randrange(80_000, 3_000_000)
            verified = followers > 50_000 and rng.random() < 0.7 or rng.random() < 0.01
            pool.append(Persona(str(rng.randrange(10**9, 10**12)), handle, name, followers, verified))
    return rng.choice(pool)


def _particle(word: str, with_batchim: str, without: str) -> str:
    """Attach the Korean particle that fits the last syllable (은/는, 이/가, 을/를, 으로/로)."""
    last = word[-1]
    code = ord(last) - 0xAC00
    jong = code % 28 if 0 <= code < 11172 else 0
    if with_batchim == "으로" and jong in (0, 8):  # no final consonant, or ㄹ
        return word + without
    return word + (with_batchim if jong else without)


def _ko_slots(name: str) -> dict[str, str]:
    return {"B": name, "B_eun": _particle(name, "은", "는"), "B_i": _particle(name, "이", "가"),
            "B_eul": _particle(name, "을", "를"), "B_ro": _particle(name, "으로", "로")}


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:7]
    return "-".join(words) or "post"


def _ids(state: _State, platform: str, persona: Persona, ts: datetime, text: str, kind: str,
         reply_to: str | None) -> tuple[str, str]:
    """A platform-shaped, unique (source_id, url)."""
    rng = state.rng
    alnum = string.ascii_letters + string.digits
    while True:
        if platform in ("x", "tiktok"):
            sid = str(((int(ts.timestamp() * 1000) - 1288834974657) << 22) | rng.getrandbits(22))
            url = (f"https://x.com/{persona.handle}/status/{sid}" if platform == "x"
                   else f"https://www.tiktok.com/@{persona.handle}/video/{sid}")
        elif platform == "reddit":
            sub = SUBREDDITS.get(kind, "AskReddit")
            post = "".join(rng.choices(string.ascii_lowercase + string.digits, k=7))
            if reply_to is not None:
                sid = f"t1_{post}"
                url = f"https://www.reddit.com/r/{sub}/comments/{reply_to[3:]}/comment/{post}/"
            else:
                sid = f"t3_{post}"
                url = f"https://www.reddit.com/r/{sub}/comments/{post}/{_slug(text)}/"
        elif platform == "instagram":
            sid = "".join(rng.choices(alnum + "_-", k=11))
            url = f"https://www.instagram.com/p/{sid}/"
        elif platform == "youtube":
            video = "".join(rng.choices(alnum + "_-", k=11))
            sid = "Ugz" + "".join(rng.choices(alnum, k=19)) + "4AaABAg"
            url = f"https://www.youtube.com/watch?v={video}&lc={sid}"
        elif platform == "naver_blog":
            sid = str(rng.randrange(223_600_000_000, 223_700_000_000))
            url = f"https://blog.naver.com/{persona.handle}/{sid}"
        elif platform == "news":
            sid = f"{persona.handle}:{rng.getrandbits(40):010x}"
            url = f"https://www.{persona.handle}/2026/11/02/{_slug(text)}"
        else:  # blog
            sid = f"{rng.getrandbits(48):012x}"
            url = f"https://medium.com/@{persona.handle}/{_slug(text)}-{sid}"
        if (platform, sid) not in state.used_ids:
            state.used_ids.add((platform, sid))
            return sid, url


def _engagement(rng: random.Random, platform: str, followers: int, boost: float) -> dict[str, int]:
    if platform in ("news", "blog", "naver_blog"):
        return {"likes": rng.randrange(0, 40) if platform != "news" else 0, "replies": rng.randrange(0, 6)}
    likes = int(((followers + 20) ** 0.55) * rng.lognormvariate(-1.2, 1.0) * boost)
    out = {"likes": likes, "replies": int(likes * rng.uniform(0.02, 0.25))}
    if platform in ("x", "tiktok", "reddit"):
        out["reposts"] = int(likes * rng.uniform(0.0, 0.3))
    if platform == "x":
        out["quotes"] = int(likes * rng.uniform(0.0, 0.05))
    if platform in ("x", "tiktok", "youtube", "instagram"):
        out["views"] = int(likes * rng.uniform(15, 90) + followers * rng.uniform(0.02, 0.3))
    return out


def _pii(rng: random.Random, lang: str, persona: Persona) -> str:
    """A personal-data tail for some complaints (redacted downstream)."""
    if lang == "ko":
        return f" 연락처 010-{rng.randrange(2000, 9999)}-{rng.randrange(1000, 9999)} 로 연락 주세요"
    email = f"{persona.handle.replace('_', '.')}@example.com"
    phone = f"+1 415-555-{rng.randrange(100, 199):04d}"
    return rng.choice((f" Email me at {email} if anyone there actually reads this.",
                       f" My number is {phone}, call me back please."))


def _decorate(rng: random.Random, text: str, brand: Brand | None, kind: str, lang: str) -> str:
    """Hashtags, handles and links the way people add them."""
    tags: list[str] = []
    if brand is not None and lang == "en" and rng.random() < 0.25:
        tags.append(brand.hashtag)
    if "Maple Cloud" in text and rng.random() < 0.6 or "메이플 클라우드" in text and rng.random() < 0.5:
        tags.append(CAMPAIGN_TAG)
    for product, tag in PRODUCT_TAGS.items():
        if product in text and rng.random() < 0.3:
            tags.append(tag)
    if rng.random() < 0.25:
        tags.append(rng.choice(KIND_TAGS.get(kind, KIND_TAGS["coffee"])))
    if brand is not None and brand.handle not in text and rng.random() < 0.08:
        text = f"{text} {brand.handle}"
    if brand is not None and rng.random() < 0.05:
        text = f"{text} https://{brand.domain}/{_slug(text)[:24]}"
    text = " ".join([text, *dict.fromkeys(t for t in tags if t.lower() not in text.lower())])
    return re.sub(r"\s+", " ", text).strip()


def _brand_text(state: _State, brand: Brand, lang: str, category: str) -> str:
    rng = state.rng
    rival = BRANDS[rng.choice(brand.rivals)] if brand.rivals else None
    slots = {"pos": rng.choice(POS), "neg": rng.choice(NEG), "neu": rng.choice(NEU),
             "product": rng.choice(brand.products), "model": rng.choice(brand.products),
             "rival": rival.forms[0] if rival else "", "rival_model": rng.choice(rival.products) if rival else ""}
    if lang == "ko":
        templates = KO[brand.kind][category]
        if rival is None and category == "comparison":
            templates = KO[brand.kind]["praise"]
        slots |= _ko_slots(rng.choice(brand.ko)) | {"product": rng.choice(brand.ko_products),
                                                     "R": rival.ko[0] if rival else ""}
        return rng.choice(templates).format_map(slots)
    slots["brand"] = brand.forms[0] if category == "news" else rng.choice(brand.forms)
    if lang in ("ja", "es"):
        slots["brand"] = brand.forms[0]
        return rng.choice((JA if lang == "ja" else ES)[brand.kind]).format_map(slots)
    if rival is None and category == "comparison" and brand.kind != "airline":
        category = "praise"
    text = rng.choice(EN[brand.kind][category]).format_map(slots)
    if category in ("praise", "complaint", "question") and rng.random() < 0.12:
        text = text.lower()  # casual lower-case posting
    return text


def _pick_lang(rng: random.Random, spike: bool) -> str:
    r = rng.random()
    if spike:
        return "en" if r < 0.74 else "ko" if r < 0.95 else rng.choice(("ja", "es"))
    return "en" if r < 0.80 else "ko" if r < 0.95 else "ja" if r < 0.975 else "es"


def _record(state: _State, event: Event) -> dict[str, Any]:
    """Render one planned event into a RawMention-shaped dict."""
    rng = state.rng
    ts = BASE_TIME + timedelta(seconds=event.offset_s)
    brand = BRANDS.get(event.topic)
    kind = brand.kind if brand else event.topic
    lang = _pick_lang(rng, event.spike) if event.topic not in ("false_friend",) else "en"
    category = _weighted(rng, CATEGORIES)
    reply_to: str | None = None
    persona: Persona | None = None
    pii = False

    if event.topic == "false_friend":
        text = FALSE_FRIENDS[state.false_friends % len(FALSE_FRIENDS)]  # each one shows up
        state.false_friends += 1
        category = "neutral"
        platform = _weighted(rng, (("x", 5), ("instagram", 3), ("reddit", 2)))
    elif event.topic == "industry":
        lang, text = rng.choice(INDUSTRY)
        category = "news" if rng.random() < 0.4 else "neutral"
        platform = "news" if category == "news" else _weighted(rng, PLATFORMS[lang])
    elif event.spike and lang == "en" and state.spike_viral and rng.random() < 0.06:
        target = rng.choice(state.spike_viral)
        platform, reply_to, category = "x", target["source_id"], "official"
        persona = Persona("1000099", "nimbussupport", "Nimbus Support", 612_000, True)
        text = (f"@{target['author']['handle']} We're aware of reports of Nimbus S9 devices getting hot "
                "while charging and are investigating. Please unplug the phone and DM us so we can help.")
    elif event.spike:
        platform, text, category = _spike_text(state, lang)
    else:
        assert brand is not None
        platform = "news" if category == "news" and lang == "en" else _weighted(rng, PLATFORMS[lang])
        if category == "news" and lang == "ko":
            platform = "news"
        official_reply = (platform == "x" and lang == "en" and state.complaints.get(brand.key)
                          and rng.random() < 0.08)
        if official_reply:
            target = rng.choice(state.complaints[brand.key][-20:])
            persona = Persona(str(1_000_000 + sorted(BRANDS).index(brand.key)), brand.handle[1:],
                              brand.official, brand.official_followers, True)
            text = (f"@{target['author']['handle']} We're sorry about this! Please DM us the details "
                    f"and {brand.official} will make it right.")
            reply_to, category = target["source_id"], "official"
        else:
            text = _brand_text(state, brand, lang, category)
            if category == "complaint" and lang in ("en", "ko") and rng.random() < 0.12:
                pii = True

    if category == "news" or platform == "news":
        platform = "news"
        outlet = OUTLETS["ko" if lang == "ko" else kind]
        persona = Persona(outlet[0], outlet[0], outlet[1], outlet[2], True)
    if persona is None:
        persona = _persona(state, lang)
    if pii:
        text += _pii(rng, lang, persona)
    if category not in ("news", "official") and event.topic != "false_friend":
        text = _decorate(rng, text, brand, kind, lang)

    history = state.history.setdefault((platform, event.topic), [])
    quote_of = repost_of = None
    if reply_to is None and event.topic != "false_friend":
        text, reply_to, quote_of, repost_of = _thread(state, history, platform, lang, text, event.spike)

    sid, url = _ids(state, platform, persona, ts, text, kind, reply_to)
    boost = 4.0 if event.spike else 1.0
    record: dict[str, Any] = {
        "schema_version": 1,
        "platform": platform,
        "source_id": sid,
        "url": url,
        "author": {"id": persona.id, "handle": persona.handle, "name": persona.name,
                   "followers": persona.followers, "verified": persona.verified},
        "text": text,
        "lang": lang if platform in ("x", "youtube", "tiktok", "naver_blog", "news") else None,
        "country": rng.choice(COUNTRIES[lang]) if rng.random() < 0.4 else None,
        "created_at": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "engagement": _engagement(rng, platform, persona.followers, boost if repost_of is None else 0.2),
        "reply_to_id": reply_to,
        "quote_of_id": quote_of,
        "repost_of_id": repost_of,
        "source_tags": ["sample", f"collector:{platform}"],
    }
    record = {k: v for k, v in record.items() if v is not None}
    record["author"] = {k: v for k, v in record["author"].items() if v is not None}
    if platform == "x" and repost_of is None:
        history.append(record)
    elif platform != "x":
        history.append(record)
    if brand is not None and category == "complaint" and platform == "x" and lang == "en":
        state.complaints.setdefault(brand.key, []).append(record)
    if event.spike and platform == "x" and repost_of is None and record["author"]["followers"] > 5_000:
        state.spike_viral.append(record)
    return record


def _retweet(target: dict[str, Any]) -> str:
    return f"RT @{target['author']['handle']}: {target['text']}"[:280]


def _thread(state: _State, history: list[dict[str, Any]], platform: str, lang: str, text: str,
            spike: bool) -> tuple[str, str | None, str | None, str | None]:
    """Maybe turn a post into a reply, quote or repost of an earlier one: (text, reply_to, quote_of, repost_of)."""
    rng = state.rng
    if spike and platform == "x" and state.spike_viral and rng.random() < 0.2:
        target = state.spike_viral[0] if rng.random() < 0.6 else rng.choice(state.spike_viral)
        return _retweet(target), None, None, target["source_id"]
    recent = [h for h in history[-30:] if h.get("lang") == lang or platform == "reddit"]
    if not recent or platform not in ("x", "reddit", "youtube", "instagram"):
        return text, None, None, None
    roll = rng.random()
    if platform == "reddit":
        posts = [h for h in recent if h["source_id"].startswith("t3_")]
        return (text, posts[-1]["source_id"], None, None) if posts and roll < 0.4 else (text, None, None, None)
    target = rng.choice(recent)
    if roll < 0.08:
        return (f"@{target['author']['handle']} {text}" if platform == "x" else text,
                target["source_id"], None, None)
    if platform == "x" and roll < 0.12:
        return text, None, target["source_id"], None
    if platform == "x" and roll < 0.16:
        return _retweet(target), None, None, target["source_id"]
    return text, None, None, None


def _spike_text(state: _State, lang: str) -> tuple[str, str, str]:
    """Platform, text and category of one spike post (mostly negative)."""
    rng = state.rng
    if lang == "ko":
        return (_weighted(rng, PLATFORMS["ko"]), rng.choice(SPIKE_KO).format_map(_ko_slots("님버스")),
                "complaint")
    if lang in ("ja", "es"):
        return "x", dict(SPIKE_OTHER)[lang], "complaint"
    category = _weighted(rng, (("negative", 76), ("question", 10), ("news", 7), ("positive", 7)))
    text = rng.choice(SPIKE_EN[category]).format_map({"neg": rng.choice(NEG)})
    platform = "news" if category == "news" else _weighted(
        rng, (("x", 50), ("reddit", 16), ("tiktok", 12), ("youtube", 10), ("instagram", 7), ("blog", 5)))
    return platform, text, "news" if category == "news" else "complaint"


def generate(seed: int = DEFAULT_SEED, minutes: int = DURATION_MIN, scale: float = 1.0) -> list[dict[str, Any]]:
    """All sample mentions as JSON-ready dicts, sorted by created_at; each one validated."""
    rng = random.Random(seed)
    state = _State(rng)
    records = [_record(state, event) for event in plan_events(rng, minutes, scale)]
    for record in records:
        RawMention.model_validate(record)
    return records


def _flat(record: dict[str, Any]) -> dict[str, str]:
    """One CSV row: nested author/engagement flattened, empty string for missing values."""
    author, eng = record.get("author", {}), record.get("engagement", {})
    row: dict[str, Any] = {c: record.get(c) for c in CSV_COLUMNS}
    row |= {f"author_{k}": author.get(k) for k in ("id", "handle", "name", "followers", "verified")}
    row |= {k: eng.get(k, 0) for k in ("likes", "replies", "reposts", "quotes", "views")}
    row["source_tags"] = ";".join(record.get("source_tags", []))
    return {k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in row.items()}


def to_csv(records: Sequence[dict[str, Any]]) -> str:
    """The flat CSV form of ``records``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_flat(r) for r in records)
    return buf.getvalue()


_GOOD = {"platform": "x", "source_id": "1900000000000000001", "text": "Acme Coffee oat latte was great ☕",
         "created_at": "2026-11-02T09:30:00Z"}

INVALID_LINES: tuple[str, ...] = (
    json.dumps({k: v for k, v in _GOOD.items() if k != "created_at"}, ensure_ascii=False),
    json.dumps(_GOOD | {"created_at": "2026-11-02T09:30:00"}, ensure_ascii=False),
    '{"platform": "x", "source_id": "1900000000000000003", "text": "Nimbus S9 is hot',
    json.dumps(_GOOD | {"text": ["Acme", "Coffee"]}, ensure_ascii=False),
    json.dumps(_GOOD | {"author": {"handle": "jamie", "followers": -12}}, ensure_ascii=False),
    json.dumps(_GOOD | {"platform": ""}, ensure_ascii=False),
    json.dumps(_GOOD | {"sentiment_hint": "positive"}, ensure_ascii=False),
    json.dumps({k: v for k, v in _GOOD.items() if k != "text"}, ensure_ascii=False),
    json.dumps(_GOOD | {"created_at": "1970-01-01T00:00:00Z"}, ensure_ascii=False),
    json.dumps(_GOOD | {"schema_version": 99}, ensure_ascii=False),
    json.dumps(_GOOD | {"engagement": {"likes": "lots"}}, ensure_ascii=False),
    json.dumps(_GOOD | {"source_id": "   "}, ensure_ascii=False),
    json.dumps([_GOOD], ensure_ascii=False),
)
"""Deliberately broken records, one per line; data/README.md lists why each one is invalid."""


def write_all(out: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Generate and write the three sample files into ``out``; returns their sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    records = generate(seed)
    files = {
        "sample_mentions.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
        "sample_mentions.csv": to_csv(records[:CSV_ROWS]),
        "sample_invalid.jsonl": "".join(line + "\n" for line in INVALID_LINES),
    }
    sizes = {}
    for name, content in files.items():
        path = out / name
        path.write_text(content, encoding="utf-8")
        sizes[name] = path.stat().st_size
    return sizes


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for name, size in write_all(args.out, args.seed).items():
        print(f"{args.out / name}: {size:,} bytes")


if __name__ == "__main__":
    main()
