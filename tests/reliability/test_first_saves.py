"""Two sessions of one patient making the same first save at once get no error and one row.

The deterministic tests let the "other tab" insert between this session's check and its
insert, which is the window a check-then-insert loses; the threaded test races for real.
"""

import threading
from datetime import date, timedelta

import pytest

from app.accounts.models import User
from app.caseload import operations as caseload
from app.db import db
from programmes import diary
from programmes import operations as programmes
from programmes.models import ExerciseAnswer, ModuleProgress, ModuleUnlock, MoodEntry
from tests.conftest import enrol


@pytest.fixture
def alice_enrolled(app, personas):
    with app.app_context():
        enrolment = enrol(personas.alice.id, "depression", personas.theo.id)
        return enrolment.id


def _other_tab_saves_first(monkeypatch, module, name, save):
    """The first lookup misses; by the time this session inserts, the row is there."""
    lookup = getattr(module, name)
    calls = []

    def late_lookup(*args):
        calls.append(args)
        if len(calls) == 1:
            save()
            return None
        return lookup(*args)

    monkeypatch.setattr(module, name, late_lookup)


def _count(model, *where) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar()


def test_it_keeps_one_mood_entry_when_another_tab_saved_the_day_first(app, personas,
                                                                      monkeypatch):
    day = date(2026, 11, 30)
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)

        def other_tab():
            db.session.add(MoodEntry(patient_id=alice.id, day=day, mood=3, note=None))
            db.session.flush()

        _other_tab_saves_first(monkeypatch, diary, "_entry_of", other_tab)
        entry = diary.save_mood(alice, day, 7, None)
        db.session.commit()
        assert _count(MoodEntry, MoodEntry.patient_id == alice.id) == 1
        assert entry.mood == 7


def _first_module_and_block(enrolment_id):
    from programmes.models import Enrolment

    enrolment = db.session.get(Enrolment, enrolment_id)
    module = enrolment.programme.current_modules[0]
    block = next(b for b in programmes.as_content_module(module, "en").blocks
                 if b.type == "reflection")
    return enrolment, module, block


def test_it_keeps_one_exercise_answer_when_another_tab_saved_it_first(app, personas,
                                                                      alice_enrolled,
                                                                      monkeypatch):
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        _, module, block = _first_module_and_block(alice_enrolled)

        def other_tab():
            db.session.add(ExerciseAnswer(patient_id=alice.id, module_id=module.id,
                                          block_id=block.id, block_type=block.type,
                                          data={"text": "first"}, module_version=1))
            db.session.flush()

        _other_tab_saves_first(monkeypatch, programmes, "_answer_of", other_tab)
        answer = programmes.save_answer(alice, module, block, {"text": "second"})
        db.session.commit()
        assert _count(ExerciseAnswer, ExerciseAnswer.patient_id == alice.id) == 1
        assert (answer.data, answer.saves) == ({"text": "second"}, 2)


def test_it_keeps_one_progress_row_when_another_tab_opened_the_module_first(app,
                                                                            alice_enrolled):
    with app.app_context():
        enrolment, module, _ = _first_module_and_block(alice_enrolled)
        assert enrolment.progress == []  # loaded: this session believes it was never opened
        db.session.add(ModuleProgress(enrolment_id=enrolment.id, module_id=module.id))
        db.session.flush()
        programmes.mark_opened(enrolment, module)
        db.session.commit()
        assert _count(ModuleProgress, ModuleProgress.enrolment_id == enrolment.id) == 1
        assert [p.module_id for p in enrolment.progress] == [module.id]


def test_it_keeps_one_unlock_when_the_therapist_unlocks_from_two_tabs(app, personas,
                                                                      alice_enrolled):
    with app.app_context():
        enrolment, _, _ = _first_module_and_block(alice_enrolled)
        locked = enrolment.programme.current_modules[-1]
        theo = db.session.get(User, personas.theo.id)
        assert enrolment.unlocks == []
        db.session.add(ModuleUnlock(enrolment_id=enrolment.id, module_id=locked.id,
                                    unlocked_by_id=theo.id))
        db.session.flush()
        programmes.unlock_module(enrolment, locked, theo)
        db.session.commit()
        assert _count(ModuleUnlock, ModuleUnlock.enrolment_id == enrolment.id) == 1


def test_it_saves_one_mood_entry_when_two_sessions_race_for_real(app, personas):
    """Two threads, two connections, the same first save, a hundred times over."""
    errors, days = [], [date(2026, 6, 1) + timedelta(days=n) for n in range(100)]
    for day in days:
        start = threading.Barrier(2)

        def save(mood, day=day, start=start):
            with app.app_context():
                try:
                    # Both wait before touching the database: on SQLite the first query
                    # takes the write lock, and a thread holding it at the barrier would
                    # keep the other from ever arriving.
                    start.wait(timeout=10)
                    alice = db.session.get(User, personas.alice.id)
                    diary.save_mood(alice, day, mood, None)
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 - any error fails the test below
                    errors.append(repr(exc))
                    db.session.rollback()

        threads = [threading.Thread(target=save, args=(m,)) for m in (4, 6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    with app.app_context():
        assert _count(MoodEntry, MoodEntry.patient_id == personas.alice.id) == len(days)


def test_it_keeps_one_current_step_when_two_therapists_confirm_at_once(app, personas):
    errors = []

    def confirm(step, start):
        with app.app_context():
            try:
                start.wait(timeout=10)
                alice = db.session.get(User, personas.alice.id)
                theo = db.session.get(User, personas.theo.id)
                caseload.set_step(alice, step, by=theo, reason="Confirmed", therapist=theo)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
                db.session.rollback()

    for _ in range(10):
        start = threading.Barrier(2)
        threads = [threading.Thread(target=confirm, args=(s, start)) for s in (2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        assert caseload.current_step(alice).step in (2, 3)


def test_it_tells_whether_the_upsert_inserted(app, personas):
    from app.db import insert_or_ignore

    with app.app_context():
        row = {"patient_id": personas.alice.id, "day": date(2026, 9, 1), "mood": 5, "note": None}
        assert insert_or_ignore(MoodEntry, **row) is True
        assert insert_or_ignore(MoodEntry, **row) is False
        db.session.rollback()
