from django.urls import path

from game_channels import views

urlpatterns = [
    path("v1/game-channels", views.ChannelsView.as_view()),
    # Static segments before `<id>` (docs/rest.md §1).
    path("v1/game-channels/subscriptions", views.SubscriptionsView.as_view()),
    path("v1/game-channels/<str:channel_id>", views.ChannelView.as_view()),
    path("v1/game-channels/<str:channel_id>/join", views.JoinView.as_view()),
    path("v1/game-channels/<str:channel_id>/leave", views.LeaveView.as_view()),
    path("v1/game-channels/<str:channel_id>/invite", views.InviteView.as_view()),
    path("v1/game-channels/<str:channel_id>/members", views.MembersView.as_view()),
    path("v1/game-channels/<str:channel_id>/messages", views.MessagesView.as_view()),
    path("v1/game-channels/<str:channel_id>/storage", views.StorageView.as_view()),
    path("v1/game-channels/<str:channel_id>/storage/list", views.StorageListView.as_view()),
]
