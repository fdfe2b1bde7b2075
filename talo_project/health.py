"""Readiness for load balancers (docs/rest.md §3.1, an extension): `/public/health` is Talo's and
always answers 204 while the process runs; `/public/ready` answers 204 only while the database and
(with Redis) its Redis cache answer, and 503 otherwise, so that a balancer stops sending clients to a
process that cannot serve them."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse

from talo_project.rest.exceptions import UNAVAILABLE

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis():
    if settings.REDIS_CACHE_URL:
        cache.get("readiness-probe")


def ready(request):
    down = []
    for name, probe in (("database", _database), ("redis", _redis)):
        try:
            probe()
        except UNAVAILABLE:
            logger.warning("readiness: %s unreachable", name)
            down.append(name)
    if down:
        return JsonResponse({"message": "Service Unavailable", "unreachable": down}, status=503)
    return HttpResponse(status=204)
