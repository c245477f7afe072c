"""The projects app's models, by domain: the project and its members, then its scope."""

from projects.models.attachment import Attachment, AttachmentsRelation
from projects.models.comments import Comment, CommentsRelation
from projects.models.event import Event, Notification, NotificationPreference, Profile, Watch
from projects.models.invitation import Invitation
from projects.models.mail import OutgoingMail
from projects.models.programme import ExchangeRate, Programme, ProgrammeMembership
from projects.models.project import (
    Membership,
    MembershipQuerySet,
    Project,
    ProjectQuerySet,
    Role,
    key_validator,
    validate_time_zone,
)
from projects.models.queue import UnsentTask
from projects.models.scope import (
    AcceptanceCriterion,
    ChangeRequest,
    Charter,
    Deliverable,
    Objective,
    ProjectTemplate,
    Requirement,
    WorkPackage,
)

__all__ = [
    "AcceptanceCriterion",
    "Attachment",
    "AttachmentsRelation",
    "ChangeRequest",
    "Charter",
    "Comment",
    "CommentsRelation",
    "Deliverable",
    "Event",
    "ExchangeRate",
    "Invitation",
    "Membership",
    "MembershipQuerySet",
    "Notification",
    "NotificationPreference",
    "Objective",
    "OutgoingMail",
    "Profile",
    "Programme",
    "ProgrammeMembership",
    "Project",
    "ProjectQuerySet",
    "ProjectTemplate",
    "Requirement",
    "Role",
    "UnsentTask",
    "Watch",
    "WorkPackage",
    "key_validator",
    "validate_time_zone",
]
