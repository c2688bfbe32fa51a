"""enrich._model (enrich/_model.c) builds the same models as the Python path of enrich._trusted."""

from __future__ import annotations

import copy
import gc
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import enrich._trusted as trusted_module
from enrich._compiled import native_unavailable
from enrich._trusted import model_backend, trusted
from schemas import LanguageGuess, Priority, ProcessingTimes, Sentiment, TopicMatch

try:
    from enrich import _model
except ImportError:  # not built: the Python path runs, and these tests have nothing to compare
    _model = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _model is None or native_unavailable("enrich._model") is not None,
    reason=f"enrich._model is not usable ({native_unavailable('enrich._model') or 'import failed'}); "
           "run `make install`",
)

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
MODELS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (LanguageGuess, {"lang": "ko", "confidence": 0.99, "method": "script"}),
    (Sentiment, {"compound": 0.4404, "pos": 0.5, "neu": 0.5, "neg": 0.0, "label": "positive", "analyzer": "vader"}),
    (Priority, {"level": "P1", "factors": ["intent:crisis", "followers>=100000"]}),
    (TopicMatch, {"topic_id": "acme", "group": "brand", "terms": ["acme", "Acme Coffee"], "spans": [(0, 4)]}),
    (ProcessingTimes, {"ingested_at": NOW, "enriched_at": NOW, "enrich_us": 7}),
]


def _python_trusted(cls: type[BaseModel], values: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> BaseModel:
    return trusted_module.trusted_python(cls, values)


def test_the_native_builder_is_used() -> None:
    assert model_backend() == "native"


@pytest.mark.parametrize(("cls", "values"), MODELS)
def test_native_and_python_builds_are_the_same(cls: type[BaseModel], values: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    native = trusted(cls, dict(values))
    python = _python_trusted(cls, dict(values), monkeypatch)
    assert type(native) is cls
    assert native == python == cls.model_validate(values)
    assert native.__dict__ == python.__dict__ and list(native.__dict__) == list(cls.model_fields)
    assert native.model_fields_set == python.model_fields_set == set(values)
    assert native.__pydantic_extra__ is None and native.__pydantic_private__ is None
    assert native.model_dump_json() == python.model_dump_json()
    assert repr(native) == repr(python)
    assert pickle.loads(pickle.dumps(native)) == native and copy.deepcopy(native) == native
    with pytest.raises(ValidationError):  # still frozen
        setattr(native, next(iter(values)), None)


def test_values_become_the_instance_dict_and_the_dict_is_not_copied() -> None:
    values = {"lang": "en", "confidence": 0.5, "method": "fasttext"}
    made = _model.make(LanguageGuess, values, ("lang", "confidence", "method"))
    assert made.__dict__ is values
    assert gc.is_tracked(made)


def test_the_fields_set_is_a_fresh_copy_of_the_given_set() -> None:
    names = ("lang", "confidence", "method")
    template = set(names)
    first = _model.make(LanguageGuess, {"lang": "en", "confidence": 0.5, "method": "x"}, names, template)
    second = _model.make(LanguageGuess, {"lang": "ko", "confidence": 0.9, "method": "x"}, names, template)
    assert first.model_fields_set == second.model_fields_set == template
    assert first.model_fields_set is not template and first.model_fields_set is not second.model_fields_set
    first.model_fields_set.add("junk")  # an instance's set is its own
    assert template == set(names) and second.model_fields_set == template
    with pytest.raises(TypeError):
        _model.make(LanguageGuess, {"lang": "en", "confidence": 0.5, "method": "x"}, names, frozenset(names))


def test_make_builds_nothing_unless_the_keys_are_the_fields_in_order() -> None:
    names = ("lang", "confidence", "method")
    assert _model.make(LanguageGuess, {"confidence": 0.5, "lang": "en", "method": "x"}, names) is None
    assert _model.make(LanguageGuess, {"lang": "en", "confidence": 0.5}, names) is None
    assert _model.make(LanguageGuess, {"lang": "en", "confidence": 0.5, "junk": 1}, names) is None
    # Equal keys that are not the same string objects still count.
    key = "".join(["la", "ng"])
    made = _model.make(LanguageGuess, {key: "en", "confidence": 0.5, "method": "x"}, names)
    assert made is not None and made.lang == "en"
    # ... and trusted() reorders what make() refused.
    assert list(trusted(LanguageGuess, {"method": "x", "lang": "en", "confidence": 0.5}).__dict__) == list(names)


def test_make_rejects_what_it_cannot_build() -> None:
    names = ("lang", "confidence", "method")
    with pytest.raises(TypeError):
        _model.make(dict, {}, ())
    with pytest.raises(TypeError):
        _model.make(LanguageGuess, [("lang", "en")], names)
    with pytest.raises(TypeError):
        _model.make(LanguageGuess, {}, list(names))
    with pytest.raises(TypeError):
        _model.make(LanguageGuess, {})  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _model.bind(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _model.bind(dict)  # no pydantic slots


def test_many_builds_leak_no_references() -> None:
    values = {"lang": "en", "confidence": 0.5, "method": "fasttext"}
    names = ("lang", "confidence", "method")
    before = [__import__("sys").getrefcount(v) for v in (LanguageGuess, names)]
    for _ in range(10_000):
        _model.make(LanguageGuess, dict(values), names)
    after = [__import__("sys").getrefcount(v) for v in (LanguageGuess, names)]
    assert after == before
