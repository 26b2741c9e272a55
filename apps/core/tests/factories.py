import factory

from apps.accounts.tests.factories import UserFactory
from apps.core.models import AuditEvent


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.SelfAttribute("actor.email")
    action = AuditEvent.Action.CHANGED
    object_type = "guides.guide"
    object_id = "1"
    object_repr = "Queues"
