"""Access-key permission shared by every view."""

from rest_framework import permissions


class HasAccessKey(permissions.BasePermission):
    """Every /v1/ endpoint needs a valid access key (authentication raises the 401s)."""

    def has_permission(self, request, view):
        return request.auth is not None
