"""Providers are read from STEPCARE_OIDC_<NAME>_*, the secret also from a file."""

from __future__ import annotations

import pytest

from app.config import ConfigError, oidc_providers


def test_it_reads_any_number_of_providers(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    providers = oidc_providers({
        "STEPCARE_OIDC_MITID_ISSUER": "https://pp.netseidbroker.dk/op",
        "STEPCARE_OIDC_MITID_CLIENT_ID": "stepcare",
        "STEPCARE_OIDC_MITID_CLIENT_SECRET_FILE": str(secret),
        "STEPCARE_OIDC_MITID_ID_CLAIM": "dk.cpr",
        "STEPCARE_OIDC_MITID_ID_SYSTEM": "urn:oid:1.2.208.176.1.2",
        "STEPCARE_OIDC_MITID_LABEL": "MitID",
        "STEPCARE_OIDC_REGION_ISSUER": "https://login.regionh.example",
        "STEPCARE_OIDC_REGION_CLIENT_ID": "sc",
        "STEPCARE_OIDC_REGION_CLIENT_SECRET": "plain",
        "STEPCARE_OIDC_REGION_SCOPES": "openid profile email",
    })
    assert providers["mitid"] == {
        "issuer": "https://pp.netseidbroker.dk/op", "client_id": "stepcare",
        "client_secret": "from-a-file", "scopes": "openid profile", "id_claim": "dk.cpr",
        "id_system": "urn:oid:1.2.208.176.1.2", "label": "MitID"}
    assert providers["region"]["id_system"] == ""  # no identifier sent without a system
    assert (providers["region"]["label"], providers["region"]["scopes"]) == (
        "Region", "openid profile email")


def test_it_refuses_a_provider_without_its_client():
    with pytest.raises(ConfigError, match="_CLIENT_ID"):
        oidc_providers({"STEPCARE_OIDC_X_ISSUER": "https://x.example"})


def test_it_configures_no_provider_by_default():
    assert oidc_providers({}) == {}
