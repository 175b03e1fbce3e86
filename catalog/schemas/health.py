"""What the health endpoints answer."""

from marshmallow import fields

from .base import BaseSchema


class EngineStateSchema(BaseSchema):
    engine = fields.String()
    ok = fields.Boolean()
    index = fields.String(allow_none=True)
    count = fields.Integer(allow_none=True)
    detail = fields.String()


class HealthSchema(EngineStateSchema):
    lag = fields.Dict(allow_none=True)


class LiveSchema(BaseSchema):
    status = fields.String(metadata={"description": "live：进程在运行（不做任何读写）"})


class DatabaseStateSchema(BaseSchema):
    ok = fields.Boolean()
    detail = fields.String(allow_none=True)


class ReadySchema(BaseSchema):
    status = fields.String(
        metadata={"description": "ready、degraded（索引同步滞后，仍可服务）或 unready（503）"}
    )
    database = fields.Nested(DatabaseStateSchema)
    search = fields.Nested(EngineStateSchema)
    lag = fields.Dict(
        allow_none=True,
        metadata={"description": "待同步的变更数、最早一条的等待秒数、失败重试中的条数"},
    )
    age_seconds = fields.Float(
        metadata={
            "description": "这次检查距今的秒数（每进程至多每 HEALTH_CACHE_SECONDS 秒检查一次）"
        }
    )
