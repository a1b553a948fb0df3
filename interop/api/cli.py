"""``flask fhir client add|revoke``: register a system's public key, or revoke it."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask.cli import AppGroup

from app.db import db, utcnow
from interop.api.models import FhirClient
from interop.api.tokens import load_public_key

fhir_cli = AppGroup("fhir", help="The FHIR API's clients.")
client_cli = AppGroup("client", help="Register or revoke a system that reads the FHIR API.")
fhir_cli.add_command(client_cli)


@client_cli.command("add")
@click.option("--name", required=True, help="What the patient's access log calls it.")
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The client's public key, PEM or JWK (JSON).")
@click.option("--scope", "scopes", required=True,
              help='Allowed scopes, e.g. "system/Observation.read system/Patient.read".')
def add(name: str, key_file: str, scopes: str) -> None:
    text = Path(key_file).read_text()
    try:
        load_public_key(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--key") from None
    client = FhirClient(name=name, client_id=secrets.token_urlsafe(16), public_key=text,
                        scopes=" ".join(scopes.split()))
    db.session.add(client)
    db.session.commit()
    click.echo(client.client_id)


@client_cli.command("revoke")
@click.argument("client_id")
def revoke(client_id: str) -> None:
    client = db.session.execute(db.select(FhirClient).where(
        FhirClient.client_id == client_id)).scalar_one_or_none()
    if client is None:
        raise click.ClickException(f"no client {client_id}")
    client.revoked_at = client.revoked_at or utcnow()
    db.session.commit()
    click.echo(f"revoked {client_id}")
