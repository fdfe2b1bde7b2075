"""The one error hierarchy of the domain (docs/architecture.md, "Errors").

Services raise these; nobody catches them to translate. REST answers them in one place
(talo_project.rest.exceptions.exception_handler); the socket router answers them as `v1.error`
frames, since a ServiceError is the runtime's RequestError (a LISTENER_ERROR with the message as
its cause, unless a subclass names another code)."""

from sockets.errors import INVALID_SESSION_TOKEN, INVALID_SOCKET_TOKEN, RequestError


class ServiceError(RequestError):
    """A domain error with a message for the caller: REST answers `{"message": …, **extra}` with
    `status`."""

    status = 400

    def __init__(self, message, *, status=None, **extra):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra

    def body(self):
        return {"message": self.message, **self.extra}


class NotFound(ServiceError):
    status = 404


class ValidationFailed(ServiceError):
    """A 400 `{"errors": {field: [message, ...]}, **extra}` (docs/rest.md §2.8)."""

    def __init__(self, errors, **extra):
        super().__init__("Invalid request", **extra)
        self.errors = errors

    def body(self):
        return {"errors": self.errors, **self.extra}


class InvalidSocketToken(ServiceError):
    code = INVALID_SOCKET_TOKEN

    def __init__(self):
        super().__init__("Invalid socket token", status=401)


class InvalidSessionToken(ServiceError):
    code = INVALID_SESSION_TOKEN

    def __init__(self):
        super().__init__("Invalid session token", status=401)
