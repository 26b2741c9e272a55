"""A small site for the page-wide browser tests: one guide with every kind of block, a learner
with a deck, a note and some progress, and a helper to sign in."""

from dataclasses import dataclass

from apps.accounts.models import User
from apps.flashcards.services import deck_add_cards
from apps.guides.models import Guide
from apps.guides.services import guides_import
from apps.notes.services import note_create

PASSWORD = "pw-12345678"

GUIDE = """# Queues and brokers

A queue decouples a **producer** from a consumer.

## Why queues

Queues absorb bursts. See the [Broker](#term-broker) entry.

```mermaid
flowchart LR
    P[Producer] --> B[(Broker)] --> C1[Consumer one]
    B --> C2[Consumer two] --> D[Database with a long name]
```

| Pattern | Delivery | Ordering |
|---|---|---|
| Work queue | at least once | none |
| Log | at least once | per partition |

## Exercises

- [ ] Run a broker locally
- [ ] Measure consumer lag
- [ ] Replay a partition from an offset

```python
def consume(queue):
    for message in queue:
        print(message)
```

## Going further

Read about back-pressure and dead-letter queues.

### Back-pressure

Slow consumers push back.

### Dead letters

Poison messages go aside.

## Glossary

| Term | Description |
|---|---|
| Producer | Sends messages |
| Broker | Stores and routes messages |
"""

SECOND = "# Streams\n\n## Basics\n\nA stream is a log.\n\n- [ ] Read a stream\n"


@dataclass
class Site:
    user: User
    guide: Guide
    note_id: int

    def signed_in_pages(self) -> list[str]:
        return [path.format(note=self.note_id) for path in SIGNED_IN_PAGES]


def build_site(guide_repo) -> Site:
    guides_import(
        path=guide_repo({"phase1-basics/queues.md": GUIDE, "phase1-basics/streams.md": SECOND})
    )
    user = User.objects.create_user(email="ada@example.com", password=PASSWORD, is_staff=True)
    guide = Guide.objects.get(slug="queues")
    deck_add_cards(user=user, guide=guide)
    note = note_create(user=user, guide=guide, body_markdown="Remember **lag**.")
    return Site(user=user, guide=guide, note_id=note.pk)


def sign_in(page, base_url: str, email: str = "ada@example.com") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


SIGNED_IN_PAGES = [
    "/",
    "/guides/queues/",
    "/search/?q=broker",
    "/glossary/",
    "/dashboard/",
    "/flashcards/",
    "/flashcards/review/?deck=all",
    "/flashcards/statistics/",
    "/notes/",
    "/notes/{note}/edit/",
    "/glossary/queues/term-broker/",
    "/profile/",
    "/profile/delete/",
    "/reminders/",
]
SIGNED_OUT_PAGES = ["/", "/guides/queues/", "/search/?q=broker", "/glossary/",
                    "/glossary/queues/term-broker/", "/accounts/login/", "/accounts/signup/",
                    "/accounts/password/reset/"]  # fmt: skip
