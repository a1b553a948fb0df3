"""The step-4 referral letter sent on as a FHIR message (MedCom CareCommunication shape).

The core's referral page knows nothing of FHIR: it announces the letter it has just
written (``signals.referral_letter_panels``) and shows the panel this package returns,
with "Send as a FHIR message", "Download the message" and the deliveries so far. The
receivers (GP practices, psychiatry, municipalities) are kept by the admin here.
"""

