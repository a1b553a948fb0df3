"""The headless aiortc participant: two of them hold a call through the real HTTP endpoints."""

from __future__ import annotations

import asyncio

import pytest

from app.caseload.models import TreatmentContact
from app.db import db
from tests.helpers import sign_in
from tests.video.client import CallClient, ClientError
from tests.video.conftest import load, run_async


def cookies_for(app, user) -> dict[str, str]:
    client = app.test_client()
    sign_in(app, client, user)
    return {"stepcare": client.get_cookie("stepcare").value}


def participant(app, live_server, user, room_id, **options) -> CallClient:
    return CallClient(live_server, room_id, cookies=cookies_for(app, user), size=(160, 120),
                      poll_wait=5, **options)


def both_receive(client: CallClient) -> bool:
    return client.frames_received > 0


def test_it_holds_a_call_between_two_headless_participants(app, live_server, personas,
                                                            booked):
    async def run():
        patient = participant(app, live_server, personas.alice, booked.room_id)
        therapist = participant(app, live_server, personas.theo, booked.room_id)
        try:
            await patient.join()
            await therapist.join()  # admits the waiting patient
            for client in (patient, therapist):
                await client.wait_for(both_receive, 20)
            return [await patient.stats(), await therapist.stats()]
        finally:
            await patient.close()
            await therapist.close()

    for stats in run_async(run()):
        assert stats["framesDecoded"] > 0 and stats["dtlsState"] == "connected"


def test_it_records_the_call_once_the_therapist_hangs_up(app, live_server, personas, booked):
    async def run():
        patient = participant(app, live_server, personas.alice, booked.room_id)
        therapist = participant(app, live_server, personas.theo, booked.room_id)
        try:
            await patient.join()
            await therapist.join()
            await therapist.wait_for(lambda c: c.state.get("status") == "in_call", 20)
            await therapist.hang_up()
            await patient.wait_for(lambda c: c.state.get("finished"), 10)
        finally:
            await patient.close()
            await therapist.close()

    run_async(run())
    assert load(app, booked.id).status == "ended"
    with app.app_context():
        [contact] = db.session.execute(db.select(TreatmentContact)).scalars()
        assert contact.kind == "video" and contact.duration_minutes == 1


def test_it_waits_in_the_waiting_room_until_admitted(app, live_server, personas, booked):
    async def run():
        patient = participant(app, live_server, personas.alice, booked.room_id)
        therapist = participant(app, live_server, personas.theo, booked.room_id,
                                auto_admit=False)
        try:
            await patient.join()
            await therapist.join()
            await therapist.wait_for(lambda c: c.state.get("can_admit"), 10)
            await asyncio.sleep(1)
            assert patient.state["status"] == "waiting" and patient.frames_received == 0
            await therapist.admit()
            await patient.wait_for(both_receive, 20)
        finally:
            await patient.close()
            await therapist.close()

    run_async(run())


def test_it_signs_in_through_the_login_forms(app, live_server, personas, booked):
    from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET

    async def run():
        therapist = CallClient(live_server, booked.room_id)
        try:
            await therapist.login(personas.theo.email, PERSONA_PASSWORD, PERSONA_TOTP_SECRET)
            return await therapist.join()
        finally:
            await therapist.close()

    assert run_async(run())["role"] == "therapist"


def test_it_is_refused_a_room_that_is_not_its_own(app, live_server, personas, booked):
    async def run():
        intruder = participant(app, live_server, personas.bob, booked.room_id)
        try:
            await intruder.join()
        finally:
            await intruder.close()

    with pytest.raises(ClientError, match="404"):
        run_async(run())
