"""Exceptions http.Client raises. All are RuntimeError subclasses."""

__all__ = ["ClientError", "ConnectError", "ClientTimeoutError", "TLSError", "UnknownClientError", "error_for"]


class ClientError(RuntimeError):
    """An outbound request failed: nothing usable came back."""


class ConnectError(ClientError):
    """The connection could not be made (refused, unreachable, DNS)."""


class ClientTimeoutError(ClientError):
    """No complete answer within the client's timeout_ms."""


class TLSError(ClientError):
    """The TLS handshake failed, e.g. the server certificate did not verify."""


class UnknownClientError(ClientError):
    """http.Client("name") named a client that http.yaml does not configure."""


_KINDS = {"connect": ConnectError, "timeout": ClientTimeoutError, "tls": TLSError, "unknown_client": UnknownClientError}


def error_for(kind, message):
    return _KINDS.get(kind, ClientError)(message)
