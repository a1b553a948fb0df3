"""The call API's request and answer bodies, as pydantic models.

The request models validate the bodies (``video.api``) and, through
``model_json_schema()``, describe them in the OpenAPI document (``app.openapi``). Their
messages are the call API's own ("session must be a short string"); signalling messages
are checked by ``video.sdp.validate_signal``, which the models call, so the SDP rules
live in one place.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    RootModel,
    ValidationInfo,
    WithJsonSchema,
)

from video.sdp import (
    MAX_CANDIDATE_BYTES,
    MAX_MID_LENGTH,
    MAX_MLINE_INDEX,
    MAX_SDP_BYTES,
    MAX_UFRAG_LENGTH,
    validate_signal,
)

POLL_WAIT_DEFAULT = 15.0
POLL_WAIT_MAX = 25.0  # under every common proxy's 30-60 s read timeout
TOKEN_MAX = 32
COUNTER_MAX = 2**31


def _short_string(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= TOKEN_MAX:
        raise ValueError(f"{info.field_name} must be a short string")
    return value


def _whole_number(value: object, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNTER_MAX:
        raise ValueError(f"{info.field_name} must be a whole number")
    return value


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError("wait must be a number")
    return max(0.0, min(float(value), POLL_WAIT_MAX))


# Plain validators keep the old messages, and run on a missing key too (validate_default),
# which then reads as the wrong type it is. The schemas say what a client must send.
Token = Annotated[object, PlainValidator(_short_string),
                  WithJsonSchema({"type": "string", "minLength": 1, "maxLength": TOKEN_MAX,
                                  "description": "A tab's token, from join."})]
Counter = Annotated[object, PlainValidator(_whole_number),
                    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": COUNTER_MAX})]
Seconds = Annotated[object, PlainValidator(_seconds),
                    WithJsonSchema({"type": "number", "default": POLL_WAIT_DEFAULT,
                                    "description": "How long to wait for news (at most "
                                                   f"{POLL_WAIT_MAX:g} s are waited)."})]


def _required(*names: str):
    def extra(schema: dict[str, Any]) -> None:
        schema["required"] = list(names)
        for name in names:
            schema["properties"][name].pop("default", None)

    return extra


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class JoinBody(_Body):
    """Joining takes no fields: the tab's token comes back in the answer."""


class SessionBody(_Body):
    model_config = ConfigDict(json_schema_extra=_required("session"))
    session: Token = Field(None, validate_default=True)


class PollBody(_Body):
    model_config = ConfigDict(json_schema_extra=_required("session", "after", "version"))
    session: Token = Field(None, validate_default=True)
    after: Counter = Field(None, validate_default=True,
                           description="The cursor of the last message seen.")
    version: Counter = Field(None, validate_default=True,
                             description="The room state's version the page shows.")
    wait: Seconds = POLL_WAIT_DEFAULT


# --- signalling messages ---------------------------------------------------------------------
# Described by these models; checked by video.sdp.validate_signal (raising SignalError).


class SdpMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["offer", "answer"]
    sdp: str = Field(max_length=MAX_SDP_BYTES, pattern=r"^v=0(\r\n|\n|$)")


class CandidateMessage(BaseModel):
    """A trickled ICE candidate (``RTCIceCandidate.toJSON()``); ``""`` ends the list."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["candidate"]
    candidate: str = Field(max_length=MAX_CANDIDATE_BYTES)
    sdpMid: str | None = Field(None, max_length=MAX_MID_LENGTH)  # noqa: N815 (WebRTC's name)
    sdpMLineIndex: int | None = Field(None, ge=0, le=MAX_MLINE_INDEX)  # noqa: N815
    usernameFragment: str | None = Field(None, max_length=MAX_UFRAG_LENGTH)  # noqa: N815


class ControlMessage(BaseModel):
    """``bye`` ends the call; ``restart`` asks the peer for an ICE restart."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["bye", "restart"]


def _one_of(*models: type[BaseModel]) -> dict[str, Any]:
    return {"oneOf": [model.model_json_schema() for model in models]}


SignalMessage = Annotated[dict, PlainValidator(validate_signal),
                          WithJsonSchema(_one_of(SdpMessage, CandidateMessage, ControlMessage))]


class SignalBody(_Body):
    model_config = ConfigDict(json_schema_extra=_required("session", "to", "message"))
    session: Token = Field(None, validate_default=True)
    to: Token = Field(None, validate_default=True)
    message: SignalMessage = Field(None, validate_default=True)


class EchoOffer(RootModel[dict]):
    """The pre-call test's offer: the body is the signalling message itself."""

    root: Annotated[dict, PlainValidator(validate_signal),
                    WithJsonSchema(SdpMessage.model_json_schema())]


# --- answers ------------------------------------------------------------------------------


class RoomState(BaseModel):
    """What a participant's page shows; ``message`` is translated on the server."""

    status: str
    version: int
    role: Literal["patient", "therapist"]
    present: bool
    peer_present: bool
    peer_session: str | None
    waiting_since: str | None = Field(description="HH:mm, the clinic's time zone")
    can_admit: bool
    live: bool
    finished: bool
    message: str


class StateAnswer(BaseModel):
    state: RoomState


class JoinAnswer(StateAnswer):
    session: str
    cursor: int


class PollAnswer(StateAnswer):
    messages: list[dict[str, Any]] = Field(description="Signalling messages for this tab.")
    cursor: int


class SignalAnswer(BaseModel):
    seq: int | None
    relayed: bool


class Conflict(BaseModel):
    """``replaced`` (another tab took over), ``closed``, ``not_admitted``, ``not_waiting``,
    ``not_in_call``; with the room's state where the page needs it."""

    error: str
    state: RoomState | None = None


class IceServer(BaseModel):
    urls: list[str] | str
    username: str | None = None
    credential: str | None = None


class IceServersAnswer(BaseModel):
    iceServers: list[IceServer]  # noqa: N815 (RTCConfiguration's name)
    ttl: int | None


class EchoAnswer(BaseModel):
    type: Literal["answer"]
    sdp: str
