"""Small helpers the apps' viewsets share: parse an action's body, answer with the object."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response


def parse(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def answer(viewset, obj, status: int = 200) -> Response:
    return Response(viewset.get_serializer(obj).data, status=status)


class Empty(serializers.Serializer):
    """An action that needs no input."""
