"""Emails to partner people: written from templates in each person's own language, sent as
plain UTF-8 text in which every link is one whole line. Over HTTP where a request sends them."""

import email.policy
import re
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase, override_settings

from partners.models import JoinRequest, Membership, Profile, Submission
from tests.factories import make_curator, make_group, make_organization
from tests.test_partners import group_post

# Long enough that a link to choose a password is longer than 78 characters, where Python's
# email package would otherwise break it (quoted-printable) or hide it (base64).
LONG_SITE_URL = "https://directorio-de-grupos-de-apoyo-para-la-depresion.example.org"
NOON_NOVEMBER_24 = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))


def make_affiliate(organization, email="ana@example.org", language=None):
    user = User.objects.create_user(email, email, "affiliate-password")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    if language:
        Profile.objects.create(user=user, language=language)
    return user


def speak(client, language):
    """Choose the site's language with the switch in the footer, as a person would."""
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def sent_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


def link_in(message, site_url):
    return re.search(re.escape(site_url) + r"/partners/password/\S+/", message.body)[0]


class LanguageTests(TestCase):
    """Each person's language is the one they last used the site in."""

    def setUp(self):
        cache.clear()

    def test_signing_in_records_the_language_of_the_page(self):
        ana = make_affiliate(make_organization())

        speak(self.client, "es")
        self.client.post(
            "/partners/sign-in/", {"username": "ana@example.org", "password": "affiliate-password"}
        )
        self.assertEqual(Profile.language_of(ana), "es")

        self.client.logout()
        speak(self.client, "en")
        self.client.post(
            "/partners/sign-in/", {"username": "ana@example.org", "password": "affiliate-password"}
        )
        self.assertEqual(Profile.language_of(User.objects.get(pk=ana.pk)), "en")

    def test_a_join_request_in_spanish_brings_a_spanish_invitation(self):
        speak(self.client, "es")
        self.client.post(
            "/partners/join/",
            {
                "organization_name": "Colectivo Ánimo de Denver",
                "contact_name": "Ana Ruiz",
                "contact_email": "ana@example.org",
                "about": "Tenemos tres grupos de apoyo entre pares en Denver.",
            },
        )
        join_request = JoinRequest.objects.get()
        self.assertEqual(join_request.language, "es")

        # The curator works in English; the invitation is in Ana's language.
        self.client.force_login(make_curator())
        speak(self.client, "en")
        self.client.post(
            "/admin/partners/joinrequest/",
            {"action": "approve", "_selected_action": [join_request.pk]},
        )

        invitation = sent_to("ana@example.org")
        self.assertEqual(
            invitation.subject, "Tu cuenta de groupfinder para Colectivo Ánimo de Denver"
        )
        self.assertIn("Te creamos una cuenta", invitation.body)
        self.assertIn("Elige tu contraseña aquí", invitation.body)
        self.assertEqual(Profile.language_of(User.objects.get(email="ana@example.org")), "es")

    def test_choosing_a_password_records_the_language_of_the_page(self):
        organization = make_organization()
        self.client.force_login(make_affiliate(organization))
        self.client.post(
            f"/partners/{organization.slug}/team/", {"email": "ben@example.org", "role": "editor"}
        )
        self.client.logout()
        path = link_in(sent_to("ben@example.org"), "http://127.0.0.1:8000").split(":8000")[1]

        speak(self.client, "es")
        form = self.client.get(path, follow=True)
        self.client.post(
            form.redirect_chain[-1][0],
            {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
        )

        ben = User.objects.get(email="ben@example.org")
        self.assertTrue(ben.check_password("a long new passphrase"))
        self.assertEqual(Profile.language_of(ben), "es")


class InvitationTests(TestCase):
    def setUp(self):
        cache.clear()
        self.organization = make_organization()

    def invite_from(self, language):
        """Ana, signed in with the site in `language`, invites Ben to her team."""
        make_affiliate(self.organization)
        speak(self.client, language)
        self.client.post(
            "/partners/sign-in/", {"username": "ana@example.org", "password": "affiliate-password"}
        )
        self.client.post(
            f"/partners/{self.organization.slug}/team/",
            {"email": "ben@example.org", "role": "editor"},
        )
        return sent_to("ben@example.org")

    def test_a_team_invite_is_in_the_inviters_language(self):
        invitation = self.invite_from("es")

        self.assertEqual(invitation.subject, "Tu cuenta de groupfinder para Riverbend Peer Network")
        self.assertTrue(invitation.body.startswith("Hola:\n\n"))
        self.assertIn(
            "ana@example.org te creó una cuenta para que mantengas al día los grupos de apoyo "
            "de Riverbend Peer Network en groupfinder.",
            invitation.body,
        )
        self.assertIn("durante 3 días", invitation.body)
        self.assertNotIn("Choose your password", invitation.body)
        self.assertEqual(Profile.language_of(User.objects.get(email="ben@example.org")), "es")

    def test_a_team_invite_from_an_english_page_is_in_english(self):
        invitation = self.invite_from("en")

        self.assertEqual(invitation.subject, "Your groupfinder account for Riverbend Peer Network")
        self.assertIn(
            "ana@example.org has set up an account for you to keep Riverbend Peer Network’s "
            "support groups current on groupfinder.",
            invitation.body,
        )
        self.assertIn("the link works once, for 3 days", invitation.body)
        self.assertIn(
            "Then sign in here with this email address, ben@example.org:\n"
            "http://127.0.0.1:8000/partners/sign-in/\n",
            invitation.body,
        )

    @override_settings(SITE_URL=LONG_SITE_URL)
    def test_the_link_is_one_whole_line_of_plain_utf8_text(self):
        for language in ["es", "en"]:
            with self.subTest(language=language):
                User.objects.all().delete()
                mail.outbox.clear()
                invitation = self.invite_from(language)
                link = link_in(invitation, LONG_SITE_URL)
                self.assertGreater(len(link), 78)

                # As the console and file backends write it, and as the SMTP backend sends it.
                for raw, newline in [
                    (invitation.message().as_bytes(), b"\n"),
                    (invitation.message(policy=email.policy.SMTP).as_bytes(), b"\r\n"),
                ]:
                    lines = raw.split(newline)
                    self.assertIn(link.encode(), lines)
                    self.assertIn(b'Content-Type: text/plain; charset="utf-8"', lines)
                    self.assertIn(b"Content-Transfer-Encoding: 8bit", lines)
                    self.assertIn("— groupfinder".encode(), lines)  # as written, not encoded

                # And the link works.
                self.client.logout()
                form = self.client.get(link.removeprefix(LONG_SITE_URL), follow=True)
                self.assertContains(form, 'name="new_password1"')


class ReviewOutcomeTests(TestCase):
    """A curator's decision reaches each member of the team in their own language."""

    def setUp(self):
        cache.clear()
        self.organization = make_organization()
        self.ana = make_affiliate(self.organization, "ana@example.org", language="es")
        make_affiliate(self.organization, "ben@example.org", language="en")
        self.client.force_login(self.ana)
        self.client.post(
            f"/partners/{self.organization.slug}/groups/new/",
            group_post(name="Moms & Dads' Circle"),
        )
        self.submission = Submission.objects.get()
        self.client.force_login(make_curator())

    def test_an_approval(self):
        self.client.post(
            f"/admin/partners/submission/{self.submission.pk}/decide/", {"decision": "approve"}
        )

        self.assertEqual(len(mail.outbox), 2)
        spanish, english = sent_to("ana@example.org"), sent_to("ben@example.org")
        self.assertEqual(spanish.subject, "Aprobado: Moms & Dads' Circle")
        self.assertIn(
            "Un curador aprobó tu grupo nuevo, “Moms & Dads' Circle”. Ya aparece en groupfinder "
            "para que los visitantes lo encuentren:\n"
            "http://127.0.0.1:8000/groups/moms-dads-circle-denver/\n",
            spanish.body,
        )
        self.assertEqual(english.subject, "Approved: Moms & Dads' Circle")
        self.assertIn(
            "A curator approved your new group, “Moms & Dads' Circle”. It is now listed for "
            "visitors to find:\nhttp://127.0.0.1:8000/groups/moms-dads-circle-denver/\n",
            english.body,
        )

    def test_a_rejection_carries_the_curators_reason(self):
        self.client.post(
            f"/admin/partners/submission/{self.submission.pk}/decide/",
            {"decision": "reject", "reason": "Please add the leader's training."},
        )

        spanish, english = sent_to("ana@example.org"), sent_to("ben@example.org")
        self.assertEqual(spanish.subject, "Todavía sin aprobar: Moms & Dads' Circle")
        self.assertIn(
            "Un curador no aprobó tu grupo nuevo, “Moms & Dads' Circle”, y dice:\n\n"
            "Please add the leader's training.\n\n"
            "Puedes cambiarlo y volver a enviarlo desde la página “Tus grupos”:\n"
            "http://127.0.0.1:8000/partners/\n",
            spanish.body,
        )
        self.assertEqual(english.subject, "Not approved yet: Moms & Dads' Circle")
        self.assertIn("Please add the leader's training.", english.body)
        self.assertIn(
            "from the “Your groups” page:\nhttp://127.0.0.1:8000/partners/\n", english.body
        )


class FreshnessReminderTests(TestCase):
    def test_each_member_is_reminded_in_their_language_with_dates_in_its_format(self):
        organization = make_organization()
        make_affiliate(organization, "ana@example.org", language="es")
        make_affiliate(organization, "ben@example.org", language="en")
        make_affiliate(organization, "cy@example.org")  # never signed in: the site's language
        make_group("Eleven Months", organization=organization, last_verified_on=date(2025, 12, 20))

        with time_machine.travel(NOON_NOVEMBER_24, tick=False):
            call_command("send_freshness_reminders", stdout=StringIO())

        self.assertEqual(len(mail.outbox), 3)
        spanish = sent_to("ana@example.org")
        self.assertEqual(spanish.subject, "¿Este grupo sigue reuniéndose? (Riverbend Peer Network)")
        self.assertIn(
            "- Eleven Months (confirmado por última vez el 20 de diciembre de 2025)\n", spanish.body
        )
        self.assertIn("Los grupos que llevan 18 meses sin confirmarse", spanish.body)
        for address in ["ben@example.org", "cy@example.org"]:
            english = sent_to(address)
            self.assertEqual(
                english.subject, "Is this group still meeting? (Riverbend Peer Network)"
            )
            self.assertIn("- Eleven Months (last confirmed December 20, 2025)\n", english.body)
            self.assertIn("Groups not confirmed for 18 months leave the search", english.body)


class PasswordResetTests(TestCase):
    def setUp(self):
        cache.clear()

    @override_settings(SITE_URL=LONG_SITE_URL)
    def test_a_forgotten_password_email_is_in_the_persons_language(self):
        make_affiliate(make_organization(), language="es")

        response = self.client.post("/partners/password/", {"email": "ana@example.org"})

        self.assertRedirects(response, "/partners/password/sent/")
        reset = sent_to("ana@example.org")
        self.assertEqual(reset.subject, "Elige una contraseña nueva para groupfinder")
        self.assertIn("Alguien (esperamos que tú) pidió elegir una contraseña nueva", reset.body)
        link = link_in(reset, LONG_SITE_URL)
        self.assertIn(link.encode(), reset.message().as_bytes().splitlines())
        form = self.client.get(link.removeprefix(LONG_SITE_URL), follow=True)
        self.assertContains(form, 'name="new_password1"')
