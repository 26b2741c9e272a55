from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Learning portal", {"fields": ("display_name", "timezone")}),
    )
    list_display = ("email", "display_name", "is_staff", "date_joined")
    search_fields = ("email", "display_name", "username")
