"""Accounts, over HTTP: the password rules where a password is chosen, and the limits on
every door (the partners' sign-in, the curators' sign-in, password links), counted per
account and per address, with the owner's way back in by choosing a new password."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import TestCase, override_settings

from tests.factories import make_curator

# A quarter hour starts: a lock now lasts the whole 15 minutes.
NOON = datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("America/New_York"))
ADMIN = "/admin/login/"
PARTNERS = "/partners/sign-in/"


def address(n):
    return f"203.0.113.{n}"


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
@time_machine.travel(NOON, tick=False)
class AccountTestCase(TestCase):
    def setUp(self):
        cache.clear()
        self.curator = make_curator("cora")  # password "curator-password"
        self.ana = User.objects.create_user("ana@example.org", "ana@example.org", "ana-password")

    def sign_in(self, door, username, password, n=1):
        data = {"username": username, "password": password}
        if door == ADMIN:
            data["next"] = "/admin/"  # as the admin's form does
        return self.client.post(door, data, REMOTE_ADDR=address(n))

    def assertLocked(self, response):
        self.assertContains(response, "Too many failed sign-ins", status_code=429)
        self.assertContains(response, "15 minutes", status_code=429)
        self.assertContains(
            response, '<a href="/partners/password/">choose a new password</a>', status_code=429
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def choose_new_password(self, email, password, n=1):
        """Ask for a link, follow it from the email, choose `password`; the last response."""
        self.client.post("/partners/password/", {"email": email}, REMOTE_ADDR=address(n))
        path = re.search(r"https?://[^/\s]+(/partners/password/\S+/)", mail.outbox[-1].body)[1]
        form = self.client.get(path, follow=True, REMOTE_ADDR=address(n))
        return self.client.post(
            form.redirect_chain[-1][0],
            {"new_password1": password, "new_password2": password},
            REMOTE_ADDR=address(n),
        )


class AdminSignInTests(AccountTestCase):
    def test_wrong_passwords_from_one_address_lock_the_account(self):
        statuses = [self.sign_in(ADMIN, "cora", "guess").status_code for _ in range(20)]

        response = self.sign_in(ADMIN, "cora", "curator-password")

        self.assertEqual(statuses, [200] * 10 + [429] * 10)
        self.assertLocked(response)
        self.assertContains(response, 'value="cora"', status_code=429)  # what was typed

    def test_wrong_passwords_from_twenty_addresses_lock_the_account(self):
        for n in range(1, 21):
            self.sign_in(ADMIN, "cora", "guess", n=n)

        self.assertLocked(self.sign_in(ADMIN, "Cora ", "curator-password", n=21))

    def test_another_curator_is_not_locked_out_by_a_lock_on_cora(self):
        make_curator("bea")
        for n in range(1, 21):
            self.sign_in(ADMIN, "cora", "guess", n=n)

        response = self.sign_in(ADMIN, "bea", "curator-password", n=21)

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_one_address_guessing_at_many_accounts_is_locked_out(self):
        for i in range(20):
            self.sign_in(ADMIN, f"user{i}", "guess", n=1)

        self.assertLocked(self.sign_in(ADMIN, "cora", "curator-password", n=1))
        response = self.sign_in(ADMIN, "cora", "curator-password", n=2)
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_the_lock_ends_with_its_quarter_hour(self):
        for n in range(1, 11):
            self.sign_in(ADMIN, "cora", "guess", n=n)
        self.assertEqual(self.sign_in(ADMIN, "cora", "curator-password").status_code, 429)

        with time_machine.travel(NOON + timedelta(minutes=15), tick=False):
            response = self.sign_in(ADMIN, "cora", "curator-password")

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_the_owner_gets_in_at_once_by_choosing_a_new_password(self):
        for n in range(1, 21):
            self.sign_in(ADMIN, "cora", "guess", n=n)

        response = self.choose_new_password("cora@example.org", "a long new passphrase", n=21)
        self.assertRedirects(response, "/partners/sign-in/", fetch_redirect_response=False)
        response = self.sign_in(ADMIN, "cora", "a long new passphrase", n=21)

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_the_sign_in_page_links_to_choosing_a_new_password(self):
        page = self.client.get(ADMIN)

        self.assertContains(page, 'href="/admin/password-reset/"')
        self.assertRedirects(
            self.client.get("/admin/password-reset/"),
            "/partners/password/",
            fetch_redirect_response=False,
        )


class PartnerSignInTests(AccountTestCase):
    def test_wrong_passwords_from_one_address_lock_the_account(self):
        for _ in range(20):
            self.sign_in(PARTNERS, "ana@example.org", "guess")

        response = self.sign_in(PARTNERS, "ana@example.org", "ana-password")

        self.assertLocked(response)
        self.assertContains(response, 'value="ana@example.org"', status_code=429)

    def test_wrong_passwords_from_twenty_addresses_lock_the_account(self):
        for n in range(1, 21):
            self.sign_in(PARTNERS, "ana@example.org", "guess", n=n)

        self.assertLocked(self.sign_in(PARTNERS, "Ana@Example.org", "ana-password", n=21))

    def test_both_doors_share_one_count(self):
        for n in range(1, 11):
            self.sign_in(PARTNERS, "cora", "guess", n=n)

        self.assertLocked(self.sign_in(ADMIN, "cora", "curator-password", n=11))

    def test_the_owner_gets_in_at_once_by_choosing_a_new_password(self):
        for n in range(1, 21):
            self.sign_in(PARTNERS, "ana@example.org", "guess", n=n)

        self.choose_new_password("ana@example.org", "a long new passphrase", n=21)
        response = self.sign_in(PARTNERS, "ana@example.org", "a long new passphrase", n=21)

        self.assertRedirects(response, "/partners/")

    def test_signing_in_on_the_first_try_still_works(self):
        response = self.sign_in(PARTNERS, "ana@example.org", "ana-password")

        self.assertRedirects(response, "/partners/")


class PasswordRuleTests(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.client.post("/partners/password/", {"email": "ana@example.org"})
        path = re.search(r"https?://[^/\s]+(/partners/password/\S+/)", mail.outbox[-1].body)[1]
        self.form = self.client.get(path, follow=True)

    def choose(self, password, **headers):
        return self.client.post(
            self.form.redirect_chain[-1][0],
            {"new_password1": password, "new_password2": password},
            headers=headers,
        )

    def test_weak_passwords_are_refused_with_the_reason(self):
        for password, reason in [
            ("password", "This password is too common."),
            ("elevenchars", "It must contain at least 12 characters."),
            ("ana.ruiz@example", "The password is too similar to the email address."),
            ("ana.example.org", "The password is too similar to the email address."),
            ("314159265358979", "This password is entirely numeric."),
        ]:
            with self.subTest(password=password):
                response = self.choose(password)

                self.assertContains(response, reason)
                self.ana.refresh_from_db()
                self.assertTrue(self.ana.check_password("ana-password"))

    def test_the_page_says_the_rules_before_anyone_types(self):
        self.assertContains(self.form, "Your password must contain at least 12 characters.")

    def test_the_reason_is_in_the_visitors_language(self):
        response = self.choose("elevenchars", **{"accept-language": "es"})

        self.assertContains(response, "Debe contener por lo menos 12 caracteres.")

    def test_a_good_password_is_saved(self):
        response = self.choose("a long new passphrase")

        self.assertRedirects(response, "/partners/sign-in/", fetch_redirect_response=False)
        self.ana.refresh_from_db()
        self.assertTrue(self.ana.check_password("a long new passphrase"))


class PasswordLinkLimitTests(AccountTestCase):
    def ask(self, email, n=1):
        return self.client.post("/partners/password/", {"email": email}, REMOTE_ADDR=address(n))

    def test_a_fourth_link_in_an_hour_is_refused_the_same_whether_or_not_the_account_exists(self):
        for email in ["ana@example.org", "nobody@example.org"]:
            with self.subTest(email=email):
                statuses = [self.ask(email, n=n).status_code for n in range(1, 4)]

                response = self.ask(email, n=4)

                self.assertEqual(statuses, [302, 302, 302])
                self.assertContains(
                    response,
                    "You have asked for several links in the last hour. Please wait 60 minutes "
                    "before asking again. If that email address has an account, the links "
                    "already sent to it still work.",
                    status_code=429,
                )
                self.assertContains(response, f'value="{email}"', status_code=429)
        self.assertEqual(len(mail.outbox), 3)  # to Ana; nobody@ has no account

    def test_one_address_asking_for_many_emails_is_refused(self):
        statuses = [self.ask(f"person{i}@example.org").status_code for i in range(5)]

        response = self.ask("ana@example.org")

        self.assertEqual(statuses, [302] * 5)
        self.assertContains(response, "Please wait 60 minutes", status_code=429)
        self.assertEqual(mail.outbox, [])
