import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.guides.tests.factories import SectionFactory, TaskItemFactory
from apps.progress.models import ActivityDay, SectionRead, TaskProgress


class TaskProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskProgress

    user = factory.SubFactory(UserFactory)
    item = factory.SubFactory(TaskItemFactory)
    state = TaskProgress.State.DONE


class SectionReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectionRead

    user = factory.SubFactory(UserFactory)
    section = factory.SubFactory(SectionFactory)


class ActivityDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityDay

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: timezone.localdate())
