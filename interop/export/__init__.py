"""The patient's own copy of everything Stepcare holds about them (GDPR Art. 15 and 20).

From the account page, after typing the password again, a patient downloads a readable
report (HTML, printable) or the same records as a FHIR R4 Bundle (``interop.fhir``). Each
download is a disclosure to the patient and an ``E`` row on their access log.
"""
