"""Rows as the importer writes them, for tests about one model or one query; a test about what
a guide looks like imports Markdown through the real importer (the `library` fixture)."""

import factory
from django.utils.text import slugify

from apps.guides.models import GlossaryTerm, Guide, Section, TaskItem, Track


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"phase{n + 1}-basics")
    title = factory.Sequence(lambda n: f"Phase {n + 1}: Basics")
    kind = Track.Kind.PHASE
    number = factory.Sequence(lambda n: n + 1)
    position = factory.Sequence(lambda n: n)


class GuideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guide

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"guide-{n}")
    title = factory.Sequence(lambda n: f"Guide {n}")
    source_path = factory.LazyAttribute(lambda guide: f"{guide.track.slug}/{guide.slug}.md")
    position = factory.Sequence(lambda n: n)
    markdown_source = factory.LazyAttribute(lambda guide: f"# {guide.title}\n")
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    body_html = factory.LazyAttribute(lambda guide: f"<h1>{guide.title}</h1>")
    toc = factory.LazyAttribute(
        lambda guide: [{"id": slugify(guide.title), "name": guide.title, "level": 1}]
    )


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    guide = factory.SubFactory(GuideFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    anchor = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)
    text = "Read this."


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm

    guide = factory.SubFactory(GuideFactory)
    term = factory.Sequence(lambda n: f"Term {n}")
    anchor = factory.LazyAttribute(lambda term: f"term-{slugify(term.term)}")
    description = factory.LazyAttribute(lambda term: f"What {term.term} means")
    position = factory.Sequence(lambda n: n)


class TaskItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskItem

    guide = factory.SubFactory(GuideFactory)
    key = factory.Sequence(lambda n: f"{n:016x}")
    text = factory.Sequence(lambda n: f"Exercise {n}")
    position = factory.Sequence(lambda n: n)
