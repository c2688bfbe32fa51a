"""Cheap construction of the shared pydantic models from values that are already valid.

Every enriched mention creates half a dozen models (the mention itself, its language guess,
sentiment, priority, topic matches, processing times). ``Model.model_construct`` skips validation
but still walks every field in Python looking for aliases and defaults, which costs more than
most enrichment components. :func:`trusted` does what ``model_construct`` ends up doing when it is
given *every* field and the model has no aliases, private attributes, extra fields or
``model_post_init``: it sets ``__dict__`` and the fields-set directly. Models that do not fit that
description (checked once per class) go through ``model_construct`` itself, and so does any call
that does not name exactly the model's fields.

The last step (allocate, set ``__dict__`` and pydantic's three slots) runs in ``enrich._model``
(``enrich/_model.c``) when that extension is built: about a microsecond less per model, a few
microseconds per mention. Without it (not built, stale, ``EARSHOT_PURE_PYTHON=1``) the same steps
run here in Python; :func:`model_backend` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from pydantic import BaseModel

__all__ = ["model_backend", "trusted", "trusted_python"]

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__
# Per class: its field names and the set of them (copied for each instance's fields-set), or None.
# (Final: compiled, these are C statics rather than module-dict lookups on every call.)
_SIMPLE: Final[dict[type[BaseModel], tuple[tuple[str, ...], set[str]] | None]] = {}


def _load_native() -> Callable[[type[Any], dict[str, Any], tuple[str, ...], set[str]], Any] | None:
    """``enrich._model.make`` bound to pydantic's BaseModel, or None when it must not or cannot be used."""
    from enrich._compiled import native_module

    _model = native_module("enrich._model")
    if _model is None:
        return None
    try:
        _model.bind(BaseModel)
    except TypeError:  # a pydantic whose BaseModel it does not recognise
        return None
    make: Callable[[type[Any], dict[str, Any], tuple[str, ...], set[str]], Any] = _model.make
    return make


Make = Callable[[type[Any], dict[str, Any], tuple[str, ...], set[str]], Any]
_MAKE: Final[Make | None] = _load_native()


def model_backend() -> str:
    """``"native"`` (``enrich._model``) or ``"python"``: what builds the models :func:`trusted` returns."""
    return "native" if _MAKE is not None else "python"


def _simple_fields(cls: type[BaseModel]) -> tuple[tuple[str, ...], set[str]] | None:
    """The field names of ``cls`` (and their set) if a plain ``__dict__`` assignment equals ``model_construct``."""
    fields = cls.model_fields
    simple = (
        not cls.__pydantic_root_model__
        and not cls.__pydantic_post_init__
        and not cls.__private_attributes__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    return (tuple(fields), set(fields)) if simple else None


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for a dict holding a valid value for every field.

    ``values`` is used as the instance ``__dict__`` (not copied): pass a fresh dict, ideally in
    field order (as ``model_construct`` stores it; serialisers follow that order).
    """
    return _trusted(cls, values, _MAKE)


def trusted_python(cls: type[M], values: dict[str, Any]) -> M:
    """:func:`trusted` without ``enrich._model``: the reference its native path is tested against."""
    return _trusted(cls, values, None)


def _trusted(cls: type[M], values: dict[str, Any], make: Make | None) -> M:
    try:
        simple = _SIMPLE[cls]
    except KeyError:
        simple = _SIMPLE[cls] = _simple_fields(cls)
    if simple is None:
        return cls.model_construct(**values)
    names, name_set = simple
    if make is not None:
        made: M | None = make(cls, values, names, name_set)  # None: not exactly the fields in order
        if made is not None:
            return made
    if tuple(values) != names:
        if len(values) != len(names) or not set(names).issuperset(values):
            return cls.model_construct(**values)
        values = {name: values[name] for name in names}
        if make is not None:
            reordered: M = make(cls, values, names, name_set)
            return reordered
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(name_set))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m
