from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from players import urls as player_urls
from players.views import PublicHealthView
from sockets.metrics import metrics_view
from talo_project.console import console_view
from talo_project.health import ReadyView

# The admin's "View site" opens the browsable API documentation.
admin.site.site_url = "/api/docs"

urlpatterns = [
    # First: the socket ticket every connection starts with is the first route tried.
    path("", include("players.urls")),
    path("admin/", admin.site.urls),
    path("public/health", PublicHealthView.as_view()),
    path("public/ready", ReadyView.as_view()),
    # OpenAPI 3 (docs/rest.md "Schema"): the document, and a browsable page of it.
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("metrics", metrics_view),
    path("", include("game_channels.urls")),
    path("", include("presence.urls")),
    # Last: `v1/players/<id>` must not shadow the static player paths of the other apps.
    path("", include(player_urls.by_id)),
]
if settings.TALO_SOCKET_CONSOLE:
    urlpatterns.insert(0, path("console", console_view))
