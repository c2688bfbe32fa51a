"""Type stub of the C extension built from enrich/_lid.c (fastText language-id inference)."""

import os

class Model:
    """A fastText supervised .ftz model (hierarchical softmax), loaded for prediction."""

    dim: int
    nwords: int
    nlabels: int

    def __init__(self, path: str | os.PathLike[str]) -> None: ...
    def predict(self, line: str, /) -> tuple[str, float]:
        """Top label and probability of one line, as fastText's predict(line + "\\n", 1, 0.0)."""
