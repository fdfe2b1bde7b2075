from django.urls import path

from players import views

urlpatterns = [
    path("v1/health-check", views.HealthCheckView.as_view()),
    path("v1/players/identify", views.IdentifyView.as_view()),
    path("v1/players/socket-token", views.SocketTokenView.as_view()),
    path("v1/players/<str:player_id>", views.PlayerView.as_view()),
]
