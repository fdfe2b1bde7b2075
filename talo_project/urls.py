from django.contrib import admin
from django.urls import path

from players import views as player_views
from sockets import views as socket_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("public/health", player_views.public_health),
    path("v1/health-check", player_views.HealthCheckView.as_view()),
    path("v1/socket-tickets", socket_views.SocketTicketView.as_view()),
    path("v1/players/identify", player_views.IdentifyView.as_view()),
    path("v1/players/socket-token", player_views.SocketTokenView.as_view()),
    path("v1/players/<str:player_id>", player_views.PlayerView.as_view()),
]
