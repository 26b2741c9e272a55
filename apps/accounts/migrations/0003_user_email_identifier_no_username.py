"""The email address becomes the only identifier and the username column goes.

Every user is kept with all their rows. Sign-ups stored "" as the username, so the column only
ever blocked the second sign-up. The one user whose email could be blank (the column is unique)
gets the username as email when it is an address, else `<username>@users.invalid` (a reserved
domain: the admin can correct it), so nobody is left without an identifier.
"""

from django.db import migrations, models

import apps.accounts.models


def email_from_username(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(email=""):
        candidate = user.username if "@" in user.username else f"{user.username}@users.invalid"
        if User.objects.filter(email__iexact=candidate).exists():
            candidate = f"user-{user.pk}@users.invalid"
        user.email = candidate
        user.save(update_fields=["email"])


def username_from_email(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    for user in User.objects.all().only("pk", "email"):
        User.objects.filter(pk=user.pk).update(username=user.email[:150])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_login_session"),
    ]

    operations = [
        migrations.RunPython(email_from_username, migrations.RunPython.noop),
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", apps.accounts.models.UserManager()),
            ],
        ),
        # Nullable and not unique first, so that going back re-creates a column of NULLs, fills
        # it from the email addresses, and only then makes it unique again.
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(max_length=150, null=True, verbose_name="username"),
        ),
        migrations.RunPython(migrations.RunPython.noop, username_from_email),
        migrations.RemoveField(model_name="user", name="username"),
    ]
