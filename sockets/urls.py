from django.urls import path

from sockets import views

urlpatterns = [
    path("v1/socket-tickets", views.SocketTicketView.as_view()),
]
