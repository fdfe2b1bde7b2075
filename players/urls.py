from django.urls import path

from players import views

# First of all routes (talo_project/urls.py), the socket ticket first: every connection starts with
# one (docs/architecture.md, "One connection"), and Django tries the routes in order.
urlpatterns = [
    path("v1/socket-tickets", views.SocketTicketView.as_view()),
    path("v1/health-check", views.HealthCheckView.as_view()),
    path("v1/players/identify", views.IdentifyView.as_view()),
    path("v1/players/socket-token", views.SocketTokenView.as_view()),
    path("v1/game-config", views.GameConfigView.as_view()),
    path("v1/players/relationships", views.RelationshipsView.as_view()),
    path(
        "v1/players/relationships/subscribers",
        views.RelationshipListView.as_view(direction="subscribers"),
    ),
    path(
        "v1/players/relationships/subscriptions",
        views.RelationshipListView.as_view(direction="subscriptions"),
    ),
    path("v1/players/relationships/<str:subscription_id>/confirm", views.ConfirmRelationshipView.as_view()),
    path("v1/players/relationships/<str:subscription_id>", views.RelationshipView.as_view()),
    path("v1/players/auth/register", views.RegisterView.as_view()),
    path("v1/players/auth/login", views.LoginView.as_view()),
    path("v1/players/auth/refresh", views.RefreshView.as_view()),
    path("v1/players/auth/logout", views.LogoutView.as_view()),
]

# Routed after every other app's: `v1/players/<id>` must not shadow their static player paths
# (`v1/players/presence`).
by_id = [
    path("v1/players/<str:player_id>", views.PlayerView.as_view()),
]
