from app.accounts.models import User
from app.db import db
from tests.helpers import sign_in


def test_it_answers_a_post_without_a_token_with_400_and_writes_nothing(app, client):
    response = client.post("/register", data={
        "name": "Nora", "email": "nora@example.com", "password": "a quiet morning by the sea",
        "date_of_birth": "1990-01-01", "language": "en", "consent": "y",
        "phone": "20 11 22 33",
    })
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 0


def test_it_refuses_a_forged_admin_action_without_a_token(app, client, personas):
    sign_in(app, client, personas.ada)
    response = client.post(f"/admin/users/{personas.alice.id}/disable")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, personas.alice.id).disabled_at is None


def test_it_refuses_logout_by_get(app, client, personas):
    sign_in(app, client, personas.alice)
    assert client.get("/logout").status_code == 405
    assert client.get("/home").status_code == 200
