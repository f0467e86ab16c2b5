"""Signed webhooks. Services call `webhooks.emit(event=..., payload=...)` inside their
transaction; see `services.emit`."""


def emit(*, event: str, payload: dict):
    from .services import emit as _emit

    return _emit(event=event, payload=payload)
