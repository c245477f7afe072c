"""Signals through which higher apps take part in scope decisions without projects importing them.

Apps stand in floors (DESIGN §1): ``projects`` never imports ``stakeholders``. Where the two must
meet, projects defines the signal here, and the higher app sends it or listens to it:

``decision_gate``
    Sent by ``projects.services`` (inside the transaction, with the subject row locked) before a
    deliverable or change request leaves ``submitted``: accepted, approved, rejected, or taken
    back to in progress. Arguments: ``subject`` (the locked Deliverable or ChangeRequest),
    ``to`` (the status it would move to) and ``by`` (the user moving it). A receiver refuses the
    move by raising ``django.core.exceptions.ValidationError`` (keyed ``status``); the error
    reaches the caller unchanged. ``stakeholders`` listens: while an approval of the subject is
    pending, or its approver rejected it, the decision waits for the approval; a rejection or
    take-back by someone who may withdraw the pending requests (their requester or a manager)
    withdraws them in the same transaction instead, and the move goes ahead.

``approval_decided``
    Sent by ``stakeholders.services.approval_decide`` (inside its transaction) when an approver
    decides. Arguments: ``subject`` (the approved thing: a Deliverable, ChangeRequest, Phase or
    Project), ``decision`` (``approved`` or ``rejected``: this approver's decision), ``outcome``
    (``approved`` once every approver of the subject approved, ``rejected`` as soon as one
    rejected, None while others have still to decide), ``by`` (the approver) and ``comment``.
    ``projects.receivers`` listens and moves a submitted deliverable or change request to the
    outcome; an error it raises undoes the decision (same transaction).
"""

from django.dispatch import Signal

decision_gate = Signal()
approval_decided = Signal()
