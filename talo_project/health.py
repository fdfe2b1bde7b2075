"""Readiness for load balancers (docs/rest.md §3, docs/extensions.md X2): `/public/health` is
Talo's and always answers 204 while the process runs; `/public/ready` answers 204 only while the
database and (with Redis) the cache's Redis answer, and 503 otherwise, so that a balancer stops
sending clients to a process that cannot serve them."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from talo_project.rest.exceptions import SERVICE_UNAVAILABLE, UNAVAILABLE
from talo_project.rest.openapi import NO_CONTENT, STRING, array, obj

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis():
    if settings.REDIS_CACHE_URL:
        cache.get("readiness-probe")


class ReadyView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        summary="Readiness for load balancers (docs/extensions.md X2)", tags=["health"],
        responses={
            204: NO_CONTENT,
            503: OpenApiResponse(obj(message=STRING, unreachable=array(STRING)), description="Not ready"),
        },
    )
    def get(self, request):
        down = []
        for name, probe in (("database", _database), ("redis", _redis)):
            try:
                probe()
            except UNAVAILABLE:
                logger.warning("readiness: %s unreachable", name)
                down.append(name)
        if down:
            return Response({**SERVICE_UNAVAILABLE, "unreachable": down}, status=503)
        return Response(status=204)
