from django.contrib import admin
from django.urls import include, path

from players.views import public_health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("public/health", public_health),
    path("", include("game_channels.urls")),
    path("", include("presence.urls")),
    # Last: `v1/players/<id>` must not shadow the static player paths of the other apps.
    path("", include("players.urls")),
]
