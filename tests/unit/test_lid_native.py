"""enrich._lid (enrich/_lid.c) against fasttext-predict: the same label and the same probability.

The reference is what enrich.language used before the native engine, fasttext-predict's compiled
``predict(line + "\\n", 1, 0.0, "strict")``. The comparison is exact (``==`` on the Python floats):
the C port follows fastText's float32 arithmetic operation by operation, so any difference at all
is a bug. Besides the bundled lid.176.ftz, variants of it rewritten here (other n-gram settings,
word n-grams, an unpruned or empty n-gram index, un-normalised input rows, a quantized output
matrix) exercise the code paths that model does not reach; fasttext-predict reads the same files.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich._compiled import native_unavailable
from enrich.language import _bundled_model_path, _load_fasttext_predict, strip_social_markup

ROOT = Path(__file__).resolve().parents[2]
Predict = Callable[[str], tuple[str, float]]

try:
    from enrich import _lid
except ImportError:  # not built: the fallback is fasttext-predict itself
    _lid = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _lid is None or native_unavailable("enrich._lid") is not None,
    reason=f"enrich._lid is not usable ({native_unavailable('enrich._lid') or 'import failed'}); "
    "build it with `make install`",
)

MODEL = _bundled_model_path()


def _reference(path: Path) -> Predict:
    import fasttext

    native = fasttext.load_model(str(path)).f.predict

    def predict(line: str) -> tuple[str, float]:
        found = native(line + "\n", 1, 0.0, "strict")
        return (found[0][1], found[0][0]) if found else ("", 0.0)

    return predict


@pytest.fixture(scope="module")
def native() -> Predict:
    return _lid.Model(str(MODEL)).predict


@pytest.fixture(scope="module")
def reference() -> Predict:
    return _load_fasttext_predict()


def _mismatches(native: Predict, reference: Predict, lines: list[str]) -> list[tuple[str, object, object]]:
    out = []
    for line in lines:
        got, want = native(line), reference(line)
        if got != want or type(got[1]) is not float:
            out.append((line, got, want))
    return out


# --- the model file: section offsets (the format of fastText's args.cc / dictionary.cc / ...) ---


def _layout(data: bytes) -> dict[str, int]:
    """Byte offsets of the sections of a quantized supervised model (what the variants rewrite)."""
    at: dict[str, int] = {"args": 8}
    pos = 8 + 12 * 4 + 8
    at["dict"] = pos
    size, _nwords, _nlabels, _ntokens, pruneidx_size = struct.unpack_from("<iiiqq", data, pos)
    pos += 28
    for _ in range(size):
        pos = data.index(b"\0", pos) + 1 + 9
    at["prune"] = pos
    pos += 8 * max(pruneidx_size, 0)
    at["quant_input"] = pos
    pos += 1
    at["input"] = pos
    qnorm, m, _n, codesize = struct.unpack_from("<?qqi", data, pos)
    pos += 21 + codesize
    dim = struct.unpack_from("<i", data, pos)[0]
    pos += 16 + dim * 256 * 4
    at["input_norms"] = pos
    if qnorm:
        pos += m
        dim = struct.unpack_from("<i", data, pos)[0]
        pos += 16 + dim * 256 * 4
    at["qout"] = pos
    at["end"] = len(data)
    return at


def _vocabulary(data: bytes) -> list[str]:
    pos = _layout(data)["dict"]
    size = struct.unpack_from("<i", data, pos)[0]
    pos += 28
    words = []
    for _ in range(size):
        end = data.index(b"\0", pos)
        words.append(data[pos:end].decode("utf-8", "replace"))
        pos = end + 1 + 9
    return words


def _with_args(data: bytes, **changes: int) -> bytes:
    names = ["dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn",
             "lrUpdateRate"]
    values = list(struct.unpack_from("<12i", data, 8))
    for name, value in changes.items():
        values[names.index(name)] = value
    return data[:8] + struct.pack("<12i", *values) + data[8 + 48:]


def _without_pruneidx(data: bytes, size: int, bucket: int | None = None) -> bytes:
    """pruneidx_size = size (-1: unpruned, 0: no n-gram rows) and no (bucket, row) pairs."""
    at = _layout(data)
    dict_header = bytearray(data[at["dict"]:at["dict"] + 28])
    struct.pack_into("<q", dict_header, 20, size)
    out = data[:at["dict"]] + bytes(dict_header) + data[at["dict"] + 28:at["prune"]] + data[at["quant_input"]:]
    return _with_args(out, bucket=bucket) if bucket is not None else out


def _without_input_norms(data: bytes) -> bytes:
    at = _layout(data)
    return (data[:at["input"]] + b"\0" + data[at["input"] + 1:at["input_norms"]] + data[at["qout"]:])


def _with_quantized_output(data: bytes, qnorm: bool) -> bytes:
    """The dense output matrix as a QuantMatrix: one sub-quantizer per dimension, code = row."""
    at = _layout(data)
    assert data[at["qout"]] == 0
    m, n = struct.unpack_from("<qq", data, at["qout"] + 1)
    rows = [struct.unpack_from(f"<{n}f", data, at["qout"] + 17 + 4 * n * i) for i in range(m)]
    assert m <= 256
    out = bytearray(b"\1")
    out += struct.pack("<?qqi", qnorm, m, n, m * n)
    out += bytes(row for row in range(m) for _ in range(n))
    out += struct.pack("<4i", n, n, 1, 1)
    for dim in range(n):
        column = [rows[i][dim] for i in range(m)] + [0.0] * (256 - m)
        out += struct.pack("<256f", *column)
    if qnorm:
        out += bytes(i % 3 for i in range(m))
        out += struct.pack("<4i", 1, 1, 1, 1)
        out += struct.pack("<256f", 0.5, 1.25, 2.0, *([0.0] * 253))
    return data[:at["qout"]] + bytes(out)


# --- the bundled model ---


def _sample_lines() -> list[str]:
    texts = [json.loads(line)["text"] for line in (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()
             if line.strip()]
    lines = {strip_social_markup(t) for t in texts} | {t.replace("\n", " ") for t in texts}
    return sorted(lines)


def test_sample_mentions_match_fasttext(native: Predict, reference: Predict) -> None:
    lines = _sample_lines()
    assert len(lines) > 2000
    assert _mismatches(native, reference, lines) == []


TRICKY = [
    "", "a", "é", "😀", " ", "   ", "\t", "\t \x0b\x0c\r ", "\x00", "a\x00b", "!!!", "?!.,;:", "...", "-", "12345",
    "3.14159 2,718 1e10", "😀😀😀 🎉", "👨‍👩‍👧‍👦 family", "🇰🇷🇺🇸", "hello мир 世界 مرحبا שלום नमस्ते",
    "Straße Œuvre ÆØÅ ıİ", "x" * 101, "é" * 60, "ф" * 150, "😀" * 40, "é" * 300, "😀" * 300, "a" * 1000, "supercalifragilisticexpialidocious" * 4,
    "word " * 60, ("lorem ipsum dolor sit amet " * 12)[:300], ("Das ist ein ziemlich langer Satz. " * 10)[:300],
    "the " * 20, "the the the", "de in and la", "qwxzptk vbnmlk jjjjjj", "a\tb", "a\x0bb\x0cc\rd", "tab\tin\tmiddle",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522", "\U00020000\U0002a6d6 漢字",
    "e\u0301 a\u0308 n\u0303", "\u0301\u0301\u0301", "\u200b\u200d\ufeff", "\u00a0nbsp\u00a0", "\u3000全角\u3000",
    "__label__en", "__label__en hello", "__label__xx not a label", "hello __label__fr", "__label__",
    "</s>", "hello </s> world", "</s></s>", "<s>", "<hello>", "a\nb", "first line\nsecond line", "\n", "\n\n",
    "ALL CAPS SHOUTING", "MiXeD cAsE tExT", "http://example.com/path?q=1", "@user #hashtag",
    "Ich liebe dieses Produkt", "Je n'aime pas ça", "Me encanta este producto", "Это очень хорошо",
    "这个产品很好", "هذا المنتج جيد جدا", "Bu ürün çok iyi", "Sản phẩm này rất tốt", "Tämä tuote on hyvä",
    "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


@pytest.mark.parametrize("line", TRICKY)
def test_tricky_lines_match_fasttext(native: Predict, reference: Predict, line: str) -> None:
    assert native(line) == reference(line)


def test_result_types(native: Predict) -> None:
    label, prob = native("Bonjour tout le monde")
    assert (type(label), type(prob), label) == (str, float, "__label__fr")
    assert 0.0 < prob <= 1.0


def test_lone_surrogates_raise_cleanly(native: Predict) -> None:
    with pytest.raises(UnicodeEncodeError):
        native("abc \ud800 def")
    with pytest.raises(TypeError):
        native(b"bytes")  # type: ignore[arg-type]


_VOCAB = [w for w in _vocabulary(MODEL.read_bytes()) if w and not w.startswith("__label__")]
_words = st.one_of(
    st.sampled_from(_VOCAB),
    st.sampled_from(_VOCAB).map(str.upper),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèüößçñ", min_size=1, max_size=30),
    st.sampled_from(["</s>", "__label__en", "__label__zz", "<", ">", "😀", "\u0301"]),
)
_separators = st.sampled_from([" ", " ", " ", "  ", "\t", "\x0b", "\x0c", "\r", "\x00", "\u00a0", "\n"])


@st.composite
def _lines(draw: st.DrawFn) -> str:
    words = draw(st.lists(_words, max_size=40))
    out = draw(st.sampled_from(["", " ", "\t"]))
    for word in words:
        out += word + draw(_separators)
    return out[:300]


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=_lines())
def test_generated_lines_match_fasttext(native: Predict, reference: Predict, line: str) -> None:
    assert native(line) == reference(line)


@settings(max_examples=1500, deadline=None)
@given(line=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_arbitrary_text_matches_fasttext(native: Predict, reference: Predict, line: str) -> None:
    assert native(line) == reference(line)


# --- rewritten models: the code paths lid.176.ftz does not use ---

VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "word-bigrams": lambda d: _with_args(d, wordNgrams=2),
    "word-trigrams": lambda d: _with_args(d, wordNgrams=3),
    "minn1-maxn3": lambda d: _with_args(d, minn=1, maxn=3),
    "minn3-maxn6": lambda d: _with_args(d, minn=3, maxn=6),
    "no-char-ngrams": lambda d: _with_args(d, maxn=0),
    "version-11": lambda d: d[:4] + struct.pack("<i", 11) + d[8:],
    "unpruned": lambda d: _without_pruneidx(d, -1, bucket=42765),
    "empty-pruneidx": lambda d: _without_pruneidx(d, 0),
    "input-without-norms": _without_input_norms,
    "quantized-output": lambda d: _with_quantized_output(d, qnorm=False),
    "quantized-output-norms": lambda d: _with_quantized_output(d, qnorm=True),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_model_variants_match_fasttext(tmp_path: Path, variant: str) -> None:
    path = tmp_path / f"{variant}.ftz"
    path.write_bytes(VARIANTS[variant](MODEL.read_bytes()))
    native = _lid.Model(str(path)).predict
    reference = _reference(path)
    lines = _sample_lines()[::7] + TRICKY + ["hello world foo bar " * 5, "a b c d e f g h", "a b " * 300]
    assert _mismatches(native, reference, lines) == []
    baseline = _load_fasttext_predict()
    if variant == "quantized-output":
        # one sub-quantizer per dimension holds the dense matrix exactly: the same results
        assert all(reference(line) == baseline(line) for line in lines)
    else:
        # the variant changes the results somewhere (else it would test nothing new)
        assert any(reference(line) != baseline(line) for line in lines)


# --- files it must refuse ---


def _load_error(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "model.ftz"
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        _lid.Model(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        _lid.Model(str(tmp_path / "missing.ftz"))


@pytest.mark.parametrize("cut", [0, 3, 8, 30, 70, 100, 5_000, 60_000, 300_000, 500_000, 900_000, -100, -1])
def test_truncated_model_raises(tmp_path: Path, cut: int) -> None:
    data = MODEL.read_bytes()
    assert "truncated" in _load_error(tmp_path, data[:cut])


def test_corrupt_models_raise(tmp_path: Path) -> None:
    data = MODEL.read_bytes()
    assert "magic" in _load_error(tmp_path, b"\0\0\0\0" + data[4:])
    assert "version" in _load_error(tmp_path, data[:4] + struct.pack("<i", 13) + data[8:])
    assert "softmax" in _load_error(tmp_path, _with_args(data, loss=3))
    assert "loss 2" in _load_error(tmp_path, _with_args(data, loss=2))
    assert "not supervised" in _load_error(tmp_path, _with_args(data, model=2))
    assert "dim" in _load_error(tmp_path, _with_args(data, dim=0))
    assert "unexpected bytes" in _load_error(tmp_path, data + b"\0")
    at = _layout(data)
    assert "not quantized" in _load_error(tmp_path, data[:at["quant_input"]] + b"\0" + data[at["input"]:])
    # the dictionary needs more input rows than the matrix has
    assert "input matrix" in _load_error(tmp_path, _without_pruneidx(data, -1))
    garbage = bytearray(data)
    garbage[at["input"] + 1:at["input"] + 9] = struct.pack("<q", -5)
    assert "shape" in _load_error(tmp_path, bytes(garbage))


def test_unsupported_model_falls_back_to_fasttext_predict(tmp_path: Path) -> None:
    from enrich.language import _load_native_predict

    path = tmp_path / "model.ftz"
    path.write_bytes(_with_args(MODEL.read_bytes(), loss=3))  # softmax: fasttext-predict reads it, _lid does not
    with pytest.warns(RuntimeWarning, match="enrich._lid cannot load"):
        assert _load_native_predict(path) is None
    assert _reference(path)("hello world")[0].startswith("__label__")


def test_detector_uses_native_backend() -> None:
    from enrich.language import LanguageDetector, language_backend

    assert language_backend() == "native"
    assert LanguageDetector().backend == "native"

