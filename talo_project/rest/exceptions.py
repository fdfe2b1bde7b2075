"""The one translation of errors into REST responses (DRF's EXCEPTION_HANDLER)."""

import logging

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sockets.errors import RequestError
from talo_project.errors import ServiceError

logger = logging.getLogger(__name__)

INVALID_JSON_BODY = "Invalid JSON body"
# The database or Redis cannot be reached: answered 503, never a 500 page (docs/rest.md §2.10).
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
SERVICE_UNAVAILABLE = {"message": "Service Unavailable"}


def unavailable_response():
    return Response(SERVICE_UNAVAILABLE, status=503, headers={"Retry-After": "5"})


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, RequestError):  # the socket runtime's own refusals (FrameTooLarge)
        return Response({"message": str(exc)}, status=400)
    if isinstance(exc, UNAVAILABLE):
        logger.error("REST: database or Redis unreachable: %s", exc)
        return unavailable_response()
    if isinstance(exc, exceptions.ParseError):
        return Response({"message": INVALID_JSON_BODY}, status=400)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response
