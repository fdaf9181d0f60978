"""The one error type the live game raises toward a client.

A `ClientError` becomes the protocol's `error` frame (`code`, `message`); `close_code`
says whether the socket is then closed (4400, 4403, 4404, 4429) or stays open (None).
"""

from __future__ import annotations


class ClientError(Exception):
    def __init__(self, code: str, message: str, *, close_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close_code = close_code

    def __repr__(self) -> str:
        return f"ClientError({self.code!r}, {self.message!r}, close_code={self.close_code!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClientError) and (self.code, self.message, self.close_code) == (
            other.code,
            other.message,
            other.close_code,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message, self.close_code))
