"""Cheap construction of the shared pydantic models from values that are already valid.

Every enriched mention creates half a dozen models (the mention itself, its language guess,
sentiment, priority, topic matches, processing times). ``Model.model_construct`` skips validation
but still walks every field in Python looking for aliases and defaults, which costs more than
most enrichment components. :func:`trusted` does what ``model_construct`` ends up doing when it is
given *every* field and the model has no aliases, private attributes, extra fields or
``model_post_init``: it sets ``__dict__`` and the fields-set directly. Models that do not fit that
description (checked once per class) go through ``model_construct`` itself, and so does any call
that does not name exactly the model's fields.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["trusted"]

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__
_SIMPLE: dict[type[BaseModel], tuple[str, ...] | None] = {}


def _simple_fields(cls: type[BaseModel]) -> tuple[str, ...] | None:
    """The field names of ``cls`` if a plain ``__dict__`` assignment equals ``model_construct``."""
    fields = cls.model_fields
    simple = (
        not cls.__pydantic_root_model__
        and not cls.__pydantic_post_init__
        and not cls.__private_attributes__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    return tuple(fields) if simple else None


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for a dict holding a valid value for every field.

    ``values`` is used as the instance ``__dict__`` (not copied): pass a fresh dict, ideally in
    field order (as ``model_construct`` stores it; serialisers follow that order).
    """
    try:
        names = _SIMPLE[cls]
    except KeyError:
        names = _SIMPLE[cls] = _simple_fields(cls)
    if names is None:
        return cls.model_construct(**values)
    if tuple(values) != names:
        if len(values) != len(names) or not set(names).issuperset(values):
            return cls.model_construct(**values)
        values = {name: values[name] for name in names}
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m
