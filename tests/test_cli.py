from app.accounts.models import Role, User
from app.audit.operations import verify_chain
from app.caseload.models import CareAssignment
from app.db import db


def test_it_creates_a_therapist_from_the_command_line(app, runner):
    result = runner.invoke(args=["create-user", "--email", "Kim@Example.com", "--password",
                                 "a long enough passphrase", "--role", "therapist",
                                 "--name", "Kim Krogh"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert (user.email, user.role) == ("kim@example.com", Role.THERAPIST)
        assert user.password_hash.startswith("$argon2id$")


def test_it_refuses_a_duplicate_email_on_the_command_line(app, runner, personas):
    result = runner.invoke(args=["create-user", "--email", personas.theo.email, "--password",
                                 "a long enough passphrase", "--role", "admin", "--name", "X"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_it_refuses_a_weak_password_on_the_command_line(runner):
    result = runner.invoke(args=["create-user", "--email", "k@example.com", "--password",
                                 "password123", "--role", "admin", "--name", "K"])
    assert result.exit_code != 0 and "too common" in result.output


def test_it_builds_a_demo_clinic(app, runner, cheap_hashing):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.stepcare.dk" in result.output and "STEPCAREDEMO" in result.output
    with app.app_context():
        roles = db.session.execute(
            db.select(User.role, db.func.count()).group_by(User.role)
        ).all()
        # 42 in the core's clinic, and screening's two discharged patients with follow-ups.
        assert dict(roles) == {"admin": 1, "therapist": 3, "patient": 44}
        assigned = db.session.execute(
            db.select(db.func.count()).select_from(CareAssignment)
        ).scalar_one()
        assert assigned == 39
        assert verify_chain()[1] is None


def test_it_keeps_everything_on_a_second_run(app, runner, cheap_hashing):
    runner.invoke(args=["demo"])
    with app.app_context():
        anna = db.session.execute(
            db.select(User).where(User.email == "anna@demo.stepcare.dk")).scalar_one()
        anna.name = "Anna changed by hand"
        db.session.commit()
        users = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "kept as it is" in result.output and "admin@demo.stepcare.dk" in result.output
    with app.app_context():
        assert db.session.execute(
            db.select(User.name).where(User.email == "anna@demo.stepcare.dk")
        ).scalar_one() == "Anna changed by hand"
        assert db.session.execute(
            db.select(db.func.count()).select_from(User)).scalar_one() == users
        assert verify_chain()[1] is None


def test_it_builds_the_demo_afresh_with_reset(app, runner, cheap_hashing):
    runner.invoke(args=["demo"])
    with app.app_context():
        db.session.execute(db.update(User).where(User.email == "anna@demo.stepcare.dk")
                           .values(name="Anna changed by hand"))
        db.session.commit()
    result = runner.invoke(args=["demo", "--reset"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(
            db.select(User.name).where(User.email == "anna@demo.stepcare.dk")
        ).scalar_one() == "Anna Sørensen"


def test_it_refuses_to_wipe_a_production_database(app, runner):
    app.config["ENV"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "production" in result.output
