"""JSON Schema export of the shared models (``earshot schemas``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas import SCHEMA_VERSION, Alert, DeadLetter, EnrichedMention, RawMention, VolumePoint

MODELS: dict[str, type[BaseModel]] = {
    "RawMention": RawMention,
    "EnrichedMention": EnrichedMention,
    "VolumePoint": VolumePoint,
    "Alert": Alert,
    "DeadLetter": DeadLetter,
}


def json_schemas() -> dict[str, dict[str, object]]:
    """Every shared model's JSON Schema, tagged with the schema version."""
    out = {}
    for name, model in MODELS.items():
        schema = model.model_json_schema()
        schema["$id"] = f"https://earshot.dev/schemas/v{SCHEMA_VERSION}/{name}.json"
        schema["x-earshot-schema-version"] = SCHEMA_VERSION
        out[name] = schema
    return out


def export(out_dir: Path | None) -> str:
    """Write one ``<Model>.json`` per model into ``out_dir``, or return all as one JSON document."""
    schemas = json_schemas()
    if out_dir is None:
        return json.dumps(schemas, indent=2, ensure_ascii=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas.items():
        (out_dir / f"{name}.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return f"wrote {len(schemas)} schemas to {out_dir}"


def cluster_ddl(cluster: str, database: str = "earshot", replicated: bool = True, on_cluster: bool = True,
                drop: bool = False) -> str:
    """The ClickHouse cluster schema as a SQL script (``earshot schemas --cluster NAME``; docs/cluster.md)."""
    from sinks.cluster import ClusterSchema

    schema = ClusterSchema(cluster, database, replicated=replicated, on_cluster=on_cluster)
    if drop:
        return ";\n".join(schema.drop_statements()) + ";\n"
    return schema.render()
