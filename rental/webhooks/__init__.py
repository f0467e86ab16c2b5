"""Signed webhooks. Services call `webhooks.emit(event=..., payload=...)` inside their
transaction; see `services.emit`, and `emit_many` for a batch of events."""


def emit(*, event: str, payload: dict):
    from .services import emit as _emit

    return _emit(event=event, payload=payload)


def emit_many(*, events: list[tuple[str, dict]]):
    from .services import emit_many as _emit_many

    return _emit_many(events=events)
