from django.urls import path

from presence import views

urlpatterns = [
    path("v1/players/presence", views.PresenceUpdateView.as_view()),
    path("v1/players/presence/<str:player_id>", views.PresenceView.as_view()),
]
