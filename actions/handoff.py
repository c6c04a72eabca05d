"""Handoff to clinic staff: thin Rasa actions over bot.handoff (reading answers) and bot.tickets.

Texts are domain responses, rendered in the conversation language by the Rasa server's NLG.
Logs carry ticket references and levels only, never what visitors typed.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot import db, handoff, outbox, tickets
from bot.i18n import catalogs
from bot.responses import conversation_language

logger = logging.getLogger(__name__)
# The action server imports this module once: escalations kept while the queue was down are
# passed on from here (bot/outbox.py).
outbox.start(db.connect)

FORM_SLOTS = ("handoff_consent", "contact_name", "contact_details", "contact_email", "contact_phone",
              "contact_language", "handoff_description")


def _language(tracker: Tracker) -> str:
    return conversation_language(tracker.get_slot("language"), tracker.latest_message.get("text"))


def _clear_form() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


def _open_ticket(tracker: Tracker, dispatcher: CollectingDispatcher,
                 contact: Optional[tickets.Contact] = None) -> Optional[tickets.Ticket]:
    """Open or update the conversation's ticket. If the queue cannot be reached: keep the escalation
    for later (bot/outbox.py), tell the visitor which of the two happened, and return None."""
    level, reason, confidence = handoff.conversation_triage(tracker.events)
    escalation = dict(conversation_id=tracker.sender_id, level=level, reason=reason, language=_language(tracker),
                      transcript=handoff.transcript(tracker.events), confidence=confidence,
                      country=tracker.get_slot("country"), contact=contact)
    try:
        ticket = tickets.escalate(db.connect(), **escalation)
    except (SQLAlchemyError, tickets.TicketError) as error:
        logger.error("handoff queue unavailable (%s): escalation kept for later", type(error).__name__)
        try:
            outbox.keep(escalation)
            dispatcher.utter_message(response="utter_handoff_kept")
        except OSError as error:
            logger.error("escalation could not be kept either: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_handoff_unavailable")
        return None
    logger.info("ticket %s saved, level %s", ticket.reference, ticket.level)
    return ticket


class ActionEscalate(Action):
    """Emergency or crisis: the reply with the emergency number first, and a ticket for staff."""

    def name(self) -> Text:
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        dispatcher.utter_message(response="utter_crisis" if intent == "crisis" else "utter_medical_emergency")
        ticket = _open_ticket(tracker, dispatcher)
        if ticket:
            dispatcher.utter_message(response="utter_staff_alerted", reference=ticket.reference)
        return []


def _answer(slot: str, value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """The slot's value as read; when it could not be read, ask again kindly (utter_invalid_<slot>)."""
    if value is None:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
    return {slot: value}


class ValidateHandoffForm(FormValidationAction):
    """Reads each answer of the handoff form; an answer that cannot be read is asked again kindly."""

    def name(self) -> Text:
        return "validate_handoff_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("handoff_consent") is False:
            return ["handoff_consent"]  # without consent nothing else is asked
        return domain_slots

    def validate_handoff_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        if intent in ("affirm", "deny"):
            return {"handoff_consent": intent == "affirm"}
        dispatcher.utter_message(response="utter_invalid_consent")
        return {"handoff_consent": None}

    def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        return _answer("contact_name", handoff.read_name(str(value)), dispatcher)

    def validate_contact_details(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        found = handoff.read_contact(str(value), tracker.get_slot("country"))
        if found is None:
            return _answer("contact_details", None, dispatcher)
        email, phone = found
        return {"contact_details": " ".join(filter(None, found)), "contact_email": email, "contact_phone": phone}

    def validate_country(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        return _answer("country", handoff.read_country(str(value)), dispatcher)

    def validate_contact_language(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        button = next((e.get("value") for e in tracker.latest_message.get("entities", [])
                       if e.get("entity") == "language"), None)
        return _answer("contact_language", handoff.read_language(str(value), button), dispatcher)

    def validate_handoff_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        return _answer("handoff_description", handoff.read_description(str(value)), dispatcher)


class ActionSubmitHandoff(Action):
    """The form is complete: with consent, a ticket with the contact details, and its reference."""

    def name(self) -> Text:
        return "action_submit_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("handoff_consent"):
            dispatcher.utter_message(response="utter_handoff_declined")
            return _clear_form()
        language = _language(tracker)
        contact_language = tracker.get_slot("contact_language") or language
        ticket = _open_ticket(tracker, dispatcher, tickets.Contact(
            name=tracker.get_slot("contact_name"),
            email=tracker.get_slot("contact_email"),
            phone=tracker.get_slot("contact_phone"),
            language=contact_language,
            description=tracker.get_slot("handoff_description"),
        ))
        if ticket is None:
            return _clear_form()
        dispatcher.utter_message(
            response="utter_handoff_done",
            reference=ticket.reference,
            response_time=handoff.response_time_text(ticket.level, language),
            contact_language=catalogs().text(contact_language, f"language_name_{contact_language}"),
        )
        return _clear_form()


class ActionCancelHandoff(Action):
    """The visitor stopped the form: nothing from it is kept or passed on."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [ActiveLoop(None)] + _clear_form()
