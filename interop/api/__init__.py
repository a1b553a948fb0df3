"""The FHIR R4 API under ``/fhir/R4/`` and its token endpoint ``/fhir/auth/token``.

Access is by OAuth 2.0 client credentials with a signed JWT client assertion (SMART Backend
Services): a registered system proves it holds its private key and gets a short-lived
opaque bearer token with the scopes it asked for and was allowed. No browser session is
involved, so these routes are outside the session login and CSRF (docs/fhir.md).
"""
