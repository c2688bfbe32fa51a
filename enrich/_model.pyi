"""Type stub of the C extension built from enrich/_model.c (pydantic models from trusted values)."""

from typing import Any

def bind(base_model: type[Any], /) -> None:
    """Take pydantic's slot descriptors from ``BaseModel`` (once, before :func:`make`)."""

def make(cls: type[Any], values: dict[str, Any], names: tuple[str, ...], fields: set[str] = ..., /) -> Any:
    """A ``cls`` instance whose ``__dict__`` is ``values`` and fields-set its keys (not validated).

    None (nothing built) unless the keys of ``values`` are ``names``, in that order. ``fields``, the set
    of ``names``, is copied for the fields-set (cheaper than collecting the keys).
    """
