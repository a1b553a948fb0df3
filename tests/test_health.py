from app import create_app


def test_it_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_it_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/folder/stepcare.db",
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
