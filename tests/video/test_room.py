"""The video room state machine (video/room.py): table-driven and boundary tests."""

from __future__ import annotations

import base64
import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from video.room import (
    ADMIT,
    CANCEL,
    CONNECTED,
    EXPIRE,
    PATIENT_ENTERS,
    THERAPIST_ENTERS,
    Event,
    EventKind,
    Role,
    RoomState,
    RoomTransitionError,
    Slot,
    Status,
    apply,
    call_duration,
    can_join,
    hang_up,
    is_no_show,
    is_valid_room_id,
    lateness_minutes,
    leave,
    new_room_id,
    window,
)

START = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
SLOT = Slot(starts_at=START, duration_minutes=50)  # defaults: early 10, grace 30
OPENS = START - timedelta(minutes=10)  # 09:50
CLOSES = START + timedelta(minutes=50 + 30)  # 11:20
IN_WINDOW = START + timedelta(minutes=5)
SECOND = timedelta(seconds=1)

# --- the explicit transition table -------------------------------------------------

EVENTS: dict[str, Event] = {
    "patient_enters": PATIENT_ENTERS,
    "therapist_enters": THERAPIST_ENTERS,
    "admit": ADMIT,
    "connected": CONNECTED,
    "leave(patient)": leave("patient"),
    "leave(therapist)": leave("therapist"),
    "hang_up(patient)": hang_up("patient"),
    "hang_up(therapist)": hang_up("therapist"),
    "cancel": CANCEL,
    "expire": EXPIRE,
}

# Each named state is reached by applying these events (at START) to a fresh room.
PATHS: dict[str, list[Event]] = {
    "scheduled": [],
    "scheduled+T": [THERAPIST_ENTERS],
    "waiting+P": [PATIENT_ENTERS],
    "waiting+PT": [PATIENT_ENTERS, THERAPIST_ENTERS],
    "waiting-empty": [PATIENT_ENTERS, leave("patient")],
    "admitted+PT": [PATIENT_ENTERS, THERAPIST_ENTERS, ADMIT],
    "admitted+P": [PATIENT_ENTERS, THERAPIST_ENTERS, ADMIT, leave("therapist")],
    "admitted+T": [PATIENT_ENTERS, THERAPIST_ENTERS, ADMIT, leave("patient")],
    "admitted-empty": [
        PATIENT_ENTERS,
        THERAPIST_ENTERS,
        ADMIT,
        leave("patient"),
        leave("therapist"),
    ],
    "in_call": [PATIENT_ENTERS, THERAPIST_ENTERS, ADMIT, CONNECTED],
    "ended": [PATIENT_ENTERS, THERAPIST_ENTERS, ADMIT, CONNECTED, hang_up("therapist")],
    "cancelled": [CANCEL],
}


def build(name: str) -> RoomState:
    if name == "no_show":
        return apply(RoomState(), EXPIRE, CLOSES, SLOT)
    state = RoomState()
    for event in PATHS[name]:
        state = apply(state, event, START, SLOT)
    return state


STATES = [*PATHS, "no_show"]
TERMINAL_STATES = ("ended", "cancelled", "no_show")

ERR = "error"
# Expected outcome: ERR, or (status, patient_present, therapist_present).
P, T, _ = True, True, False


def _table(rows: dict[str, dict[str, object]]) -> dict[tuple[str, str], object]:
    table = {}
    for state, outcomes in rows.items():
        for event in EVENTS:
            table[(state, event)] = outcomes.get(event, ERR)
    return table


# While the window is open (now = IN_WINDOW). Pairs not listed are ERR.
OPEN_ROWS: dict[str, dict[str, object]] = {
    "scheduled": {
        "patient_enters": ("waiting", P, _),
        "therapist_enters": ("scheduled", _, T),
        "cancel": ("cancelled", _, _),
        "expire": ("scheduled", _, _),
    },
    "scheduled+T": {
        "patient_enters": ("waiting", P, T),
        "leave(therapist)": ("scheduled", _, _),
        "cancel": ("cancelled", _, _),
        "expire": ("scheduled", _, T),
    },
    "waiting+P": {
        "therapist_enters": ("waiting", P, T),
        "leave(patient)": ("waiting", _, _),
        "cancel": ("cancelled", _, _),
        "expire": ("waiting", P, _),
    },
    "waiting+PT": {
        "admit": ("admitted", P, T),
        "leave(patient)": ("waiting", _, T),
        "leave(therapist)": ("waiting", P, _),
        "hang_up(therapist)": ("ended", _, _),
        "cancel": ("cancelled", _, _),
        "expire": ("waiting", P, T),
    },
    "waiting-empty": {
        "patient_enters": ("waiting", P, _),
        "therapist_enters": ("waiting", _, T),
        "cancel": ("cancelled", _, _),
        "expire": ("waiting", _, _),
    },
    "admitted+PT": {
        "connected": ("in_call", P, T),
        "leave(patient)": ("admitted", _, T),
        "leave(therapist)": ("admitted", P, _),
        "hang_up(patient)": ("ended", _, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("admitted", P, T),
    },
    "admitted+P": {
        "therapist_enters": ("admitted", P, T),
        "leave(patient)": ("admitted", _, _),
        "hang_up(patient)": ("ended", _, _),
        "expire": ("admitted", P, _),
    },
    "admitted+T": {
        "patient_enters": ("admitted", P, T),
        "leave(therapist)": ("admitted", _, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("admitted", _, T),
    },
    "admitted-empty": {
        "patient_enters": ("admitted", P, _),
        "therapist_enters": ("admitted", _, T),
        "expire": ("admitted", _, _),
    },
    "in_call": {
        "leave(patient)": ("admitted", _, T),
        "leave(therapist)": ("admitted", P, _),
        "hang_up(patient)": ("ended", _, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("in_call", P, T),
    },
    **{name: {"expire": (name, _, _)} for name in TERMINAL_STATES},
}

# Once the window has closed (now = CLOSES exactly). Pairs not listed are ERR.
CLOSED_ROWS: dict[str, dict[str, object]] = {
    "scheduled": {"expire": ("no_show", _, _)},
    "scheduled+T": {
        "leave(therapist)": ("scheduled", _, _),
        "expire": ("no_show", _, _),
    },
    "waiting+P": {
        "leave(patient)": ("waiting", _, _),
        "expire": ("ended", _, _),
    },
    "waiting+PT": {
        "leave(patient)": ("waiting", _, T),
        "leave(therapist)": ("waiting", P, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("ended", _, _),
    },
    "waiting-empty": {"expire": ("ended", _, _)},
    "admitted+PT": {
        "leave(patient)": ("admitted", _, T),
        "leave(therapist)": ("admitted", P, _),
        "hang_up(patient)": ("ended", _, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("ended", _, _),
    },
    "admitted+P": {
        "leave(patient)": ("admitted", _, _),
        "hang_up(patient)": ("ended", _, _),
        "expire": ("ended", _, _),
    },
    "admitted+T": {
        "leave(therapist)": ("admitted", _, _),
        "hang_up(therapist)": ("ended", _, _),
        "expire": ("ended", _, _),
    },
    "admitted-empty": {"expire": ("ended", _, _)},
    "in_call": {
        # no rejoining after the window: leaving a call now ends it
        "leave(patient)": ("ended", _, _),
        "leave(therapist)": ("ended", _, _),
        "hang_up(patient)": ("ended", _, _),
        "hang_up(therapist)": ("ended", _, _),
        # a call in progress is never cut off by the clock
        "expire": ("in_call", P, T),
    },
    **{name: {"expire": (name, _, _)} for name in TERMINAL_STATES},
}

OPEN_TABLE = _table(OPEN_ROWS)
CLOSED_TABLE = _table(CLOSED_ROWS)
ALL_PAIRS = set(itertools.product(STATES, EVENTS))


def _check(table, state_name, event_name, now):
    state = build(state_name)
    expected = table[(state_name, event_name)]
    event = EVENTS[event_name]
    if expected == ERR:
        with pytest.raises(RoomTransitionError):
            apply(state, event, now, SLOT)
        return
    result = apply(state, event, now, SLOT)
    assert (result.status.value, result.patient_present, result.therapist_present) == expected


def test_it_builds_each_named_state_with_the_status_its_name_says():
    for name in STATES:
        assert build(name).status.value == name.split("+")[0].split("-")[0]


def test_it_covers_every_state_event_pair_in_both_tables():
    assert {s.value for s in Status} == {name.split("+")[0].split("-")[0] for name in STATES}
    assert {EVENTS[e].kind for e in EVENTS} == set(EventKind)
    assert set(OPEN_TABLE) == ALL_PAIRS
    assert set(CLOSED_TABLE) == ALL_PAIRS
    assert set(OPEN_ROWS) == set(STATES) == set(CLOSED_ROWS)


@pytest.mark.parametrize(("state_name", "event_name"), sorted(OPEN_TABLE))
def test_it_follows_the_table_while_the_window_is_open(state_name, event_name):
    _check(OPEN_TABLE, state_name, event_name, IN_WINDOW)


@pytest.mark.parametrize(("state_name", "event_name"), sorted(CLOSED_TABLE))
def test_it_follows_the_table_once_the_window_has_closed(state_name, event_name):
    _check(CLOSED_TABLE, state_name, event_name, CLOSES)


@pytest.mark.parametrize("event_name", sorted(EVENTS))
def test_it_allows_only_cancel_and_expire_before_the_window_opens(event_name):
    state = RoomState()
    early = OPENS - SECOND
    expected = {"cancel": Status.CANCELLED, "expire": Status.SCHEDULED}.get(event_name)
    if expected is None:
        with pytest.raises(RoomTransitionError):
            apply(state, EVENTS[event_name], early, SLOT)
    else:
        assert apply(state, EVENTS[event_name], early, SLOT).status is expected


# --- messages ------------------------------------------------------------------------


def test_it_explains_admit_before_the_patient_arrived():
    state = apply(RoomState(), THERAPIST_ENTERS, START, SLOT)
    with pytest.raises(RoomTransitionError, match="patient has not arrived"):
        apply(state, ADMIT, START, SLOT)


def test_it_explains_entering_after_cancel():
    with pytest.raises(RoomTransitionError, match="cancelled"):
        apply(build("cancelled"), PATIENT_ENTERS, START, SLOT)


def test_it_explains_entering_before_the_window():
    with pytest.raises(RoomTransitionError, match="opens at 2030-01-15T09:50:00"):
        apply(RoomState(), PATIENT_ENTERS, OPENS - SECOND, SLOT)


def test_it_explains_entering_after_the_window():
    with pytest.raises(RoomTransitionError, match="closed at 2030-01-15T11:20:00"):
        apply(RoomState(), PATIENT_ENTERS, CLOSES, SLOT)


# --- window boundaries ------------------------------------------------------------


def test_it_computes_the_window_from_the_slot_defaults():
    assert window(SLOT) == (OPENS, CLOSES)


def test_it_computes_the_window_with_explicit_minutes():
    assert window(SLOT, 15, 0) == (START - timedelta(minutes=15), START + timedelta(minutes=50))


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_it_lets_anyone_in_exactly_ten_minutes_before_the_start(role):
    assert can_join(role, SLOT, START - timedelta(minutes=10), RoomState())


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_it_refuses_ten_minutes_and_one_second_before_the_start(role):
    assert not can_join(role, SLOT, START - timedelta(minutes=10, seconds=1), RoomState())


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_it_lets_anyone_in_one_second_before_the_grace_period_ends(role):
    assert can_join(role, SLOT, CLOSES - SECOND, RoomState())


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_it_refuses_entry_exactly_when_the_grace_period_ends(role):
    assert not can_join(role, SLOT, CLOSES, RoomState())


def test_it_honours_a_configured_early_minutes():
    slot = Slot(starts_at=START, duration_minutes=50, early_minutes=15)
    assert can_join("patient", slot, START - timedelta(minutes=15), RoomState())
    assert not can_join("patient", slot, START - timedelta(minutes=15, seconds=1), RoomState())


def test_it_honours_a_configured_grace_period():
    slot = Slot(starts_at=START, duration_minutes=50, grace_minutes=5)
    end = START + timedelta(minutes=55)
    assert can_join("patient", slot, end - SECOND, RoomState())
    assert not can_join("patient", slot, end, RoomState())


def test_it_refuses_join_for_roles_other_than_patient_and_therapist():
    for role in ("admin", "", None, ["patient"], "PATIENT"):
        assert not can_join(role, SLOT, START, RoomState())


def test_it_refuses_join_once_the_room_has_ended():
    assert not can_join("patient", SLOT, START, build("ended"))


def test_it_refuses_join_for_someone_already_present():
    assert not can_join("therapist", SLOT, START, build("scheduled+T"))


# --- datetimes and arguments ---------------------------------------------------


def test_it_rejects_a_naive_slot_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(starts_at=datetime(2030, 1, 15, 10, 0), duration_minutes=50)


def test_it_rejects_a_naive_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(RoomState(), PATIENT_ENTERS, datetime(2030, 1, 15, 10, 0), SLOT)


def test_it_normalises_other_time_zones_to_utc():
    cet = timezone(timedelta(hours=1))
    slot = Slot(starts_at=datetime(2030, 1, 15, 11, 0, tzinfo=cet), duration_minutes=50)
    assert slot.starts_at == START and slot.starts_at.tzinfo is UTC


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_minutes": 0},
        {"duration_minutes": True},
        {"early_minutes": -1},
        {"grace_minutes": 1.5},
    ],
)
def test_it_rejects_bad_slot_minutes(kwargs):
    with pytest.raises(ValueError):
        Slot(**{"starts_at": START, "duration_minutes": 50, **kwargs})


def test_it_rejects_unknown_events_and_missing_roles():
    with pytest.raises(ValueError):
        Event("dance")
    with pytest.raises(ValueError, match="needs role"):
        apply(RoomState(), "leave", START, SLOT)
    with pytest.raises(ValueError, match="needs role"):
        leave("admin")
    with pytest.raises(ValueError, match="takes no role"):
        Event(EventKind.ADMIT, Role.PATIENT)


def test_it_accepts_plain_strings_for_role_less_events():
    assert apply(RoomState(), "patient_enters", START, SLOT).status is Status.WAITING


def test_it_never_mutates_the_state_it_was_given():
    before = build("in_call")
    snapshot = dataclasses.asdict(before)
    apply(before, hang_up("patient"), IN_WINDOW, SLOT)
    assert dataclasses.asdict(before) == snapshot
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.status = Status.ENDED  # type: ignore[misc]


# --- timestamps, lateness, no-show, reconnect ------------------------------------


def test_it_records_the_timestamps_of_a_whole_consultation():
    s = apply(RoomState(), PATIENT_ENTERS, START - timedelta(minutes=3), SLOT)
    s = apply(s, THERAPIST_ENTERS, START, SLOT)
    s = apply(s, ADMIT, START + timedelta(minutes=1), SLOT)
    s = apply(s, CONNECTED, START + timedelta(minutes=2), SLOT)
    s = apply(s, hang_up("therapist"), START + timedelta(minutes=47), SLOT)
    assert s.patient_arrived_at == START - timedelta(minutes=3)
    assert s.therapist_arrived_at == START
    assert s.admitted_at == START + timedelta(minutes=1)
    assert s.connected_at == START + timedelta(minutes=2)
    assert s.ended_at == START + timedelta(minutes=47)
    assert s.ended_by == "therapist"
    assert call_duration(s) == timedelta(minutes=45)


def test_it_reports_zero_lateness_for_an_early_patient():
    state = apply(RoomState(), PATIENT_ENTERS, START - timedelta(minutes=4), SLOT)
    assert lateness_minutes(SLOT, state) == 0.0


def test_it_reports_lateness_in_minutes():
    state = apply(RoomState(), PATIENT_ENTERS, START + timedelta(minutes=7, seconds=30), SLOT)
    assert lateness_minutes(SLOT, state) == 7.5


def test_it_reports_no_lateness_when_the_patient_never_arrived():
    assert lateness_minutes(SLOT, RoomState()) is None


def test_it_measures_lateness_from_the_first_arrival():
    s = apply(RoomState(), PATIENT_ENTERS, START + timedelta(minutes=2), SLOT)
    s = apply(s, leave("patient"), START + timedelta(minutes=3), SLOT)
    s = apply(s, PATIENT_ENTERS, START + timedelta(minutes=20), SLOT)
    assert lateness_minutes(SLOT, s) == 2.0


def test_it_is_not_a_no_show_while_the_window_is_open():
    assert not is_no_show(SLOT, RoomState(), CLOSES - SECOND)


def test_it_is_a_no_show_when_the_patient_never_came_by_the_close():
    assert is_no_show(SLOT, RoomState(), CLOSES)


def test_it_is_a_no_show_even_if_the_therapist_waited():
    assert is_no_show(SLOT, build("scheduled+T"), CLOSES)


def test_it_is_not_a_no_show_when_the_patient_arrived_but_was_not_admitted():
    assert not is_no_show(SLOT, build("waiting-empty"), CLOSES)


def test_it_is_not_a_no_show_when_cancelled():
    assert not is_no_show(SLOT, build("cancelled"), CLOSES)


def test_it_marks_the_room_no_show_on_expire_after_the_close():
    state = apply(build("scheduled+T"), EXPIRE, CLOSES, SLOT)
    assert state.status is Status.NO_SHOW
    assert state.ended_by == "system" and state.ended_at == CLOSES
    assert is_no_show(SLOT, state, CLOSES)


def test_it_returns_to_admitted_and_reconnects_while_the_window_is_open():
    s = build("in_call")  # connected at START
    s = apply(s, leave("patient"), START + timedelta(minutes=10), SLOT)
    assert s.status is Status.ADMITTED and s.therapist_present and not s.patient_present
    s = apply(s, PATIENT_ENTERS, START + timedelta(minutes=12), SLOT)
    s = apply(s, CONNECTED, START + timedelta(minutes=13), SLOT)
    assert s.status is Status.IN_CALL
    assert s.reconnects == 1
    assert s.connected_at == START
    end = START + timedelta(minutes=20)
    assert call_duration(s, end) == timedelta(minutes=17)  # the 3-minute gap is not counted
    assert call_duration(apply(s, hang_up("patient"), end, SLOT)) == timedelta(minutes=17)


def test_it_refuses_a_reconnect_after_the_window_closes():
    s = apply(build("in_call"), leave("patient"), CLOSES - SECOND, SLOT)
    with pytest.raises(RoomTransitionError, match="closed"):
        apply(s, PATIENT_ENTERS, CLOSES, SLOT)
    assert apply(s, EXPIRE, CLOSES, SLOT).status is Status.ENDED


def test_it_ends_a_call_that_runs_past_the_window_when_someone_leaves():
    s = apply(build("in_call"), EXPIRE, CLOSES + timedelta(minutes=5), SLOT)
    assert s.status is Status.IN_CALL
    s = apply(s, leave("therapist"), CLOSES + timedelta(minutes=5), SLOT)
    assert s.status is Status.ENDED and s.ended_by == "therapist"
    assert call_duration(s) == CLOSES + timedelta(minutes=5) - START


def test_it_needs_now_for_the_duration_of_a_call_in_progress():
    with pytest.raises(ValueError, match="needs now"):
        call_duration(build("in_call"))


def test_it_clears_presence_when_the_room_ends():
    s = build("ended")
    assert not s.patient_present and not s.therapist_present


# --- room ids -----------------------------------------------------------------


def test_it_makes_room_ids_with_at_least_128_random_bits():
    room_id = new_room_id()
    raw = base64.urlsafe_b64decode(room_id + "=" * (-len(room_id) % 4))
    assert len(raw) * 8 >= 128
    assert len(raw) == 24


def test_it_makes_distinct_room_ids():
    ids = {new_room_id() for _ in range(1000)}
    assert len(ids) == 1000


def test_it_accepts_its_own_room_ids():
    assert all(is_valid_room_id(new_room_id()) for _ in range(100))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "a" * 31,
        "a" * 33,
        "a" * 31 + "/",
        "a" * 31 + "+",
        "a" * 31 + "=",
        "a" * 32 + "\n",
        "a" * 31 + "\u0661",  # an Arabic-Indic digit
        "../" + "a" * 29,
        None,
        12345,
        b"a" * 32,
    ],
)
def test_it_rejects_malformed_room_ids(bad):
    assert not is_valid_room_id(bad)
