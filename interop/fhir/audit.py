"""AuditEvent: one row of the access log (app.audit) as FHIR reads it."""

from __future__ import annotations

from fhir.resources.R4B.auditevent import (
    AuditEvent as FhirAuditEvent,
)
from fhir.resources.R4B.auditevent import (
    AuditEventAgent,
    AuditEventAgentNetwork,
    AuditEventEntity,
    AuditEventSource,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.reference import Reference

from app.accounts.models import Role
from app.audit.models import Outcome
from app.audit.queries import Access
from interop.fhir import codes
from interop.fhir.people import patient_ref, practitioner_ref

# AuditEvent.outcome: 0 success, 4 minor failure (a refused access is not a system error).
OUTCOMES = {Outcome.ALLOWED: "0", Outcome.DENIED: "4"}


def _who(event: Access) -> Reference:
    if event.actor_id is None:
        # No signed-in person: the system itself, or an anonymous request.
        return Reference(display=event.actor_role)
    if event.actor_role == Role.PATIENT:
        return patient_ref(event.actor_id)
    return practitioner_ref(event.actor_id)


def _agent(event: Access) -> AuditEventAgent:
    return AuditEventAgent(
        who=_who(event),
        requestor=True,
        role=[CodeableConcept(coding=[Coding(system=codes.ROLE_SYSTEM,
                                             code=event.actor_role)])],
        network=AuditEventAgentNetwork(address=event.ip, type=codes.NETWORK_TYPE_IP)
        if event.ip else None,
    )


def _entities(event: Access) -> list[AuditEventEntity]:
    # What was touched, named by Stepcare's table and id: the trail outlives the rows, so it
    # is an identifier, not a resolvable reference.
    touched = [AuditEventEntity(what=Reference(identifier=Identifier(
        system=f"{codes.RESOURCE_SYSTEM}:{event.resource_type}",
        value=resource_id or event.resource_type))) for resource_id in event.resource_ids]
    return [AuditEventEntity(what=patient_ref(event.patient_id), type=Coding(
        system="http://terminology.hl7.org/CodeSystem/audit-entity-type", code="1",
        display="Person")), *touched]


def audit_event(event: Access) -> FhirAuditEvent:
    """An access-log row; Stepcare's C/R/U/D/E actions are FHIR's own action codes."""
    return FhirAuditEvent(
        id=codes.audit_event_id(event.id),
        type=Coding(system=codes.DICOM, code="110110", display="Patient Record"),
        action=event.action,
        recorded=event.at,
        outcome=OUTCOMES[Outcome(event.outcome)],
        agent=[_agent(event)],
        source=AuditEventSource(observer=Reference(display="Stepcare")),
        entity=_entities(event),
    )
