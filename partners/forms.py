from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory import importer, schedule, snapshots
from directory.abuse import HoneypotMixin, SignInLimitMixin
from directory.codes import clean_language_list, clean_region_list
from directory.models import Focus, Group, MeetingTime
from partners import mail
from partners.models import JoinRequest, Membership

# Offered as suggestions in the timezone box; any IANA name is accepted.
COMMON_TIMEZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
]  # fmt: skip


class SignInForm(HoneypotMixin, SignInLimitMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Email or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def locked_message(self, minutes):
        return format_html(
            ngettext(
                "Too many failed sign-ins for this account or from your network, so we have "
                "paused signing in. Please wait {minutes} minute and try again, or "
                '<a href="{url}">choose a new password</a>: you can sign in with it right away.',
                "Too many failed sign-ins for this account or from your network, so we have "
                "paused signing in. Please wait {minutes} minutes and try again, or "
                '<a href="{url}">choose a new password</a>: you can sign in with it right away.',
                minutes,
            ),
            minutes=minutes,
            url=reverse("partners:password_reset"),
        )


class NewPasswordForm(SetPasswordForm):
    """Django's form for the emailed link, with the password rules (AUTH_PASSWORD_VALIDATORS,
    in the visitor's language) said in sentences: Django's HTML list does not fit in the
    field's help paragraph."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with the email in the person's own language (partners/emails/password_reset)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        mail.send_password_reset(context["user"], context["uid"], context["token"])


class JoinRequestForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = JoinRequest
        fields = ["organization_name", "website", "contact_name", "contact_email", "about"]
        widgets = {"about": forms.Textarea(attrs={"rows": 5})}


class GroupForm(forms.ModelForm):
    """A group's listing: the same fields and rules as the CSV import."""

    focus = forms.ModelMultipleChoiceField(
        queryset=Focus.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Especially for"),
        to_field_name="slug",
    )

    class Meta:
        model = Group
        fields = [f for f in snapshots.GROUP_FIELDS if f != "last_verified_on"] + ["focus"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "confidentiality_policy": forms.Textarea(attrs={"rows": 3}),
            "moderation_rules": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "format": forms.RadioSelect,
            "membership": forms.RadioSelect,
            "attendance": forms.RadioSelect,
            "leader_type": forms.RadioSelect,
            "cost": forms.RadioSelect,
            "address_visibility": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus"].label_from_instance = Focus.label  # in the partner's language

    def clean_serves_regions(self):
        return _codes(clean_region_list, self.cleaned_data["serves_regions"])

    def clean_languages(self):
        return _codes(clean_language_list, self.cleaned_data["languages"]) or "en"


def _codes(clean, text):
    try:
        return clean(text)
    except forms.ValidationError as error:
        raise forms.ValidationError(error.messages) from None


class MeetingTimeForm(forms.ModelForm):
    days = forms.MultipleChoiceField(
        choices=list(schedule.DAY_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one day."},
    )
    timezone = forms.CharField(
        required=False,
        max_length=64,
        help_text=_("Leave blank for an in-person group: we take it from the ZIP code."),
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}),
    )

    class Meta:
        model = MeetingTime
        fields = snapshots.MEETING_FIELDS
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
            "first_meeting_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.group = group

    def clean_days(self):
        return ",".join(day for day in schedule.DAYS if day in self.cleaned_data["days"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("timezone"):
            # The group's form is validated first, so its place is known here.
            timezone = self.instance.group.local_timezone()
            if not timezone:
                self.add_error(
                    "timezone", "Give the timezone of the meeting time, like America/Chicago."
                )
            cleaned["timezone"] = timezone
            self.instance.timezone = timezone
        return cleaned


# A plain formset: the meeting times become part of a snapshot, applied to the
# group or kept as a change for review (see partners.views._edit).
MeetingTimeFormSet = forms.formset_factory(
    MeetingTimeForm, extra=1, min_num=1, validate_min=True, can_delete=True
)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=format_lazy(
            _(
                "UTF-8 text, one group a row, with the columns of the template. At most "
                "{megabytes} MB, {rows} groups, {columns} columns and {characters} characters "
                "in a cell."
            ),
            megabytes=importer.MAX_FILE_MB,
            rows=f"{importer.MAX_ROWS:,}",
            columns=importer.MAX_COLUMNS,
            characters=f"{importer.MAX_CELL_CHARACTERS:,}",
        ),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.problems = None  # what importer.read_file() found wrong with the file

    def clean_file(self):
        """(name, text, number of groups) of a file whose shape is right: its rows are
        checked by the import's task."""
        upload = self.cleaned_data["file"]
        if upload.size > importer.MAX_FILE_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)s MB. Split it into smaller files."),
                params={"megabytes": importer.MAX_FILE_MB},
            )
        text, rows, problems = importer.read_file(upload.read(), organization=self.organization)
        if problems:
            self.problems = problems
            raise forms.ValidationError(
                ngettext(
                    "We found %(count)s problem in this file, so nothing was uploaded. It is "
                    "listed below.",
                    "We found %(count)s problems in this file, so nothing was uploaded. They "
                    "are listed below.",
                    problems.count,
                ),
                params={"count": problems.count},
            )
        return upload.name, text, rows


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Their email"))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        if Membership.objects.filter(
            organization=self.organization, user__email__iexact=email
        ).exists():
            raise forms.ValidationError("This person is already on your team.")
        return email


class TeamRequestForm(forms.Form):
    """An organization's admin answering someone a curator passed on."""

    role = forms.ChoiceField(
        label=_("Their role"), choices=Membership.Role.choices, initial=Membership.Role.EDITOR
    )
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
