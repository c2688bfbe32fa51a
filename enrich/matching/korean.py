"""Korean particles (josa) and copula endings that may follow a noun such as a brand name.

Korean writes particles glued to the noun: 스타벅스로 ("by Starbucks"), 갤럭시는 ("Galaxy" + topic), 삼성이
("Samsung" + subject). A Hangul term therefore matches when the rest of the Hangul word after it is made
of at most :data:`MAX_STACK` entries of :data:`PARTICLES` (e.g. 에서+는, 들+이). Compounds such as 삼성전자
do NOT match 삼성: the rest (전자) is a noun, not a particle; list compounds as their own terms.
"""

from __future__ import annotations

from functools import lru_cache

PARTICLES: frozenset[str] = frozenset(
    """
    이 가 은 는 을 를 의 에 에서 에게 에게서 께 께서 한테 한테서 더러 로 으로 로서 으로서 로써 으로써 와 과 랑 이랑
    하고 도 만 까지 부터 보다 처럼 같이 마저 조차 밖에 뿐 나 이나 든지 이든지 든가 라도 이라도 야 이야 아 요 이요
    이다 다 입니다 이에요 예요 에요 이었다 였다 이고 고 이며 며 이지 지 이라 라 이라고 라고 이라는 라는 이란 란 인
    만큼 대로 씩 들 님 처럼은 이니까 니까 이네 네 이죠 죠 이면 면 이라서 라서 이랑은 한테는
    """.split()
)
MAX_STACK = 3
_LONGEST = max(len(p) for p in PARTICLES)


@lru_cache(maxsize=65536)
def is_particle_sequence(rest: str) -> bool:
    """True if ``rest`` (Hangul only) is empty or a stack of at most :data:`MAX_STACK` particles."""
    return _split(rest, MAX_STACK)


def _split(rest: str, budget: int) -> bool:
    if not rest:
        return True
    if budget == 0:
        return False
    for size in range(min(_LONGEST, len(rest)), 0, -1):
        if rest[:size] in PARTICLES and _split(rest[size:], budget - 1):
            return True
    return False
