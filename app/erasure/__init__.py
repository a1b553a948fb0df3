"""Erasure with retention (GDPR Art. 17 and the Danish record-keeping rule, issue 14).

A patient asks for erasure from the account page: every session ends at once, the account
can no longer sign in, and an ``ErasureRequest`` waits. The clinical record is kept for
``RETENTION_YEARS`` (5 by default, BEK 567/2017 §6) after the last clinical entry; then
``flask purge-expired`` deletes it and leaves an anonymised account stub and a tombstone
row in the audit trail. An admin may anonymise at once an account with no clinical entry.
"""
