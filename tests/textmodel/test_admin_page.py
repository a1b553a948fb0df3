"""The admin page shows the mode without loading; its button loads and tests."""

from __future__ import annotations

import textmodel
from tests.helpers import post_form, sign_in
from textmodel import configure_from


def _use_model(app, path) -> None:
    app.config["TEXT_MODEL_PATH"] = str(path)
    configure_from(app.config)


def test_it_shows_the_mode_without_loading_the_model(app, client, personas, tiny_model_dir,
                                                      clean_settings):
    _use_model(app, tiny_model_dir)
    sign_in(app, client, personas.ada)
    page = client.get("/admin/text-model").get_data(as_text=True)
    assert 'data-mode="model"' in page and 'data-loaded="false"' in page
    assert str(tiny_model_dir) in page
    assert not textmodel.get_encoder().loaded


def test_it_loads_and_tests_the_model_on_request(app, client, personas, tiny_model_dir,
                                                 clean_settings):
    _use_model(app, tiny_model_dir)
    sign_in(app, client, personas.ada)
    response = post_form(client, "/admin/text-model/load", token_from="/admin/text-model")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "The text model is loaded" in page and 'data-loaded="true"' in page
    assert textmodel.get_encoder().loads == 1


def test_it_explains_rules_mode_for_a_missing_folder(app, client, personas, tmp_path,
                                                     clean_settings):
    _use_model(app, tmp_path / "no-model-here")
    sign_in(app, client, personas.ada)
    page = client.get("/admin/text-model").get_data(as_text=True)
    assert 'data-mode="rules"' in page and "does not exist" in page
    response = post_form(client, "/admin/text-model/load", token_from="/admin/text-model")
    assert "could not be loaded" in client.get(response.location).get_data(as_text=True)


def test_it_links_the_page_from_the_admin_menu(app, client, personas):
    sign_in(app, client, personas.ada)
    assert 'href="/admin/text-model"' in client.get("/admin/users").get_data(as_text=True)


def test_it_reads_the_thresholds_from_the_environment_as_numbers():
    from app.config import ConfigError, from_environment

    settings = from_environment({"STEPCARE_RISK_SIMILARITY_THRESHOLD": "0.7"})
    assert settings["RISK_SIMILARITY_THRESHOLD"] == 0.7
    try:
        from_environment({"STEPCARE_RISK_CLASSIFIER_THRESHOLD": "high"})
    except ConfigError as exc:
        assert "STEPCARE_RISK_CLASSIFIER_THRESHOLD" in str(exc)
    else:
        raise AssertionError("a non-number threshold was accepted")
