"""The one translation of errors into REST responses (DRF's EXCEPTION_HANDLER)."""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from talo_project.errors import ServiceError

INVALID_JSON_BODY = "Invalid JSON body"


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, exceptions.ParseError):
        return Response({"message": INVALID_JSON_BODY}, status=400)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response
