"""Joining: nobody takes over an organization. A join request that names one already in
the directory is shown to the curator beside it, and only its admins (or a curator,
explicitly) can put the person on its team. Journeys over HTTP."""

from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.test import TestCase

from directory.models import Organization
from partners.matching import Candidates, email_domain, likeness, normalise_name
from partners.models import JoinRequest, Membership, TeamRequest
from tests.factories import make_curator, make_group, make_organization


def join_form(**overrides):
    return {
        "organization_name": "Riverbend Peer Network",
        "website": "",
        "contact_name": "Mallory Reyes",
        "contact_email": "mallory@gmail.com",
        "about": "We run peer support groups along the river.",
    } | overrides


def shown(response):
    """The messages the admin or the partner area showed after a redirect."""
    return [str(m) for m in get_messages(response.wsgi_request)]


class JoiningTests(TestCase):
    def setUp(self):
        cache.clear()  # the join form's rate limit
        self.curator = make_curator()
        self.riverbend = make_organization(
            "Riverbend Peer Network", website="https://www.riverbend.org/", verified=True
        )
        make_group("Tuesday Evening Circle", organization=self.riverbend)
        self.bo = User.objects.create_user("bo@riverbend.org", "bo@riverbend.org", "bo-password")
        Membership.objects.create(
            user=self.bo, organization=self.riverbend, role=Membership.Role.ADMIN
        )

    def ask_to_join(self, **overrides):
        response = self.client.post("/partners/join/", join_form(**overrides))
        self.assertRedirects(response, "/partners/join/thanks/")
        return JoinRequest.objects.latest("pk")

    def decide(self, join_request, decision, organization=None):
        self.client.force_login(self.curator)
        data = {"decision": decision}
        if organization:
            data["organization"] = organization.pk
        return self.client.post(
            f"/admin/partners/joinrequest/{join_request.pk}/decide/", data, follow=True
        )

    def list_action(self, action, *join_requests):
        self.client.force_login(self.curator)
        return self.client.post(
            "/admin/partners/joinrequest/",
            {"action": action, "_selected_action": [r.pk for r in join_requests]},
            follow=True,
        )

    def test_the_curator_sees_the_existing_organization_a_request_names(self):
        for name, fields, reason in [
            ("exactly", {}, "same name"),
            ("in other words", {"organization_name": "The Riverbend Peer-Network, Inc."},
             "same name, written differently"),
            ("misspelt", {"organization_name": "Riverbend Peer Netwrok"}, "similar name"),
            ("by email domain", {"organization_name": "Friends of the River",
                                 "contact_email": "mallory@riverbend.org"},
             "same email domain as its member bo@riverbend.org"),
            ("by website", {"organization_name": "Friends of the River",
                            "website": "https://riverbend.org/friends"},
             "same website domain (riverbend.org)"),
        ]:  # fmt: skip
            with self.subTest(name):
                join_request = self.ask_to_join(**fields)
                self.client.force_login(self.curator)

                page = self.client.get(f"/admin/partners/joinrequest/{join_request.pk}/change/")
                listing = self.client.get("/admin/partners/joinrequest/")

                self.assertContains(page, "This request beside 1 existing organization")
                self.assertContains(page, reason)
                self.assertContains(page, "Yes: checked by a curator")  # verified
                self.assertContains(page, "bo@riverbend.org (Admin: also invites others)")
                self.assertContains(page, "Ask the admins of Riverbend Peer Network to add them")
                self.assertContains(listing, "Riverbend Peer Network (")
                self.assertContains(listing, reason)
                join_request.delete()
                cache.clear()

    def test_a_request_from_a_public_mail_address_is_not_matched_by_it(self):
        other = make_organization("Harbor Lights Collective")
        member = User.objects.create_user("hl@gmail.com", "hl@gmail.com", "password")
        Membership.objects.create(user=member, organization=other, role="admin")
        join_request = self.ask_to_join(organization_name="Sunrise Circle")

        self.assertEqual(join_request.existing_organizations(), [])
        self.client.force_login(self.curator)
        page = self.client.get(f"/admin/partners/joinrequest/{join_request.pk}/change/")
        self.assertContains(page, "None: no organization has the same or a similar name")

    def test_the_list_action_does_not_approve_a_takeover_and_says_why(self):
        join_request = self.ask_to_join()

        response = self.list_action("approve", join_request)

        self.assertEqual(
            shown(response),
            [
                "Not approved: “Riverbend Peer Network” needs a decision on its page, as it "
                "matches an existing organization: Riverbend Peer Network (same name)."
            ],
        )
        join_request.refresh_from_db()
        self.assertEqual(join_request.status, JoinRequest.Status.PENDING)
        self.assertFalse(Membership.objects.filter(user__email="mallory@gmail.com").exists())
        self.assertEqual(Organization.objects.count(), 1)
        self.assertEqual(mail.outbox, [])

    def test_a_new_organization_with_a_taken_name_is_refused(self):
        join_request = self.ask_to_join(organization_name="riverbend peer network")

        response = self.decide(join_request, "create")

        self.assertRedirects(response, f"/admin/partners/joinrequest/{join_request.pk}/change/")
        self.assertEqual(
            shown(response),
            [
                "An organization named “Riverbend Peer Network” exists already, so none can "
                "be created with that name. Ask its admins to add Mallory Reyes, or decline."
            ],
        )
        self.assertContains(response, "A new organization can't be created")
        self.assertNotContains(response, 'value="create"')
        join_request.refresh_from_db()
        self.assertEqual(join_request.status, JoinRequest.Status.PENDING)
        self.assertEqual(Organization.objects.count(), 1)
        self.assertFalse(User.objects.filter(email="mallory@gmail.com").exists())

    def test_a_similar_but_different_name_can_be_created_new_from_its_page(self):
        join_request = self.ask_to_join(
            organization_name="Riverbend Peer Network of Denver",
            contact_email="lea@denverpeers.org",
            contact_name="Lea Park",
        )

        response = self.decide(join_request, "create")

        self.assertRedirects(response, "/admin/partners/joinrequest/")
        self.assertIn(
            "Approved “Riverbend Peer Network of Denver” as a new organization", shown(response)[0]
        )
        denver = Organization.objects.get(name="Riverbend Peer Network of Denver")
        self.assertFalse(denver.verified)
        lea = Membership.objects.get(user__email="lea@denverpeers.org")
        self.assertEqual((lea.organization, lea.role), (denver, Membership.Role.ADMIN))
        self.assertEqual(self.riverbend.memberships.count(), 1)  # only Bo
        self.assertEqual(
            list(denver.team_changes.values_list("kind", "email", "role", "by")),
            [("added", "lea@denverpeers.org", "admin", self.curator.pk)],
        )
        self.assertEqual(mail.outbox[-1].to, ["lea@denverpeers.org"])
        self.assertIn("/partners/password/", mail.outbox[-1].body)

    def test_the_curator_asks_the_admins_and_an_admin_accepts(self):
        join_request = self.ask_to_join(contact_email="mallory@riverbend.org")

        response = self.decide(join_request, "ask", self.riverbend)

        self.assertEqual(
            shown(response),
            [
                "Asked the admins of Riverbend Peer Network (bo@riverbend.org) by email to add "
                "Mallory Reyes (mallory@riverbend.org). They accept or decline on their team "
                "page."
            ],
        )
        join_request.refresh_from_db()
        self.assertEqual(join_request.status, JoinRequest.Status.ASKED)
        self.assertEqual(join_request.organization, self.riverbend)
        self.assertFalse(Membership.objects.filter(user__email="mallory@riverbend.org").exists())
        (email,) = mail.outbox
        self.assertEqual(email.to, ["bo@riverbend.org"])
        self.assertEqual(
            email.subject, "Mallory Reyes asks to join the team of Riverbend Peer Network"
        )
        self.assertIn("http://127.0.0.1:8000/partners/riverbend-peer-network/team/", email.body)
        self.assertIn("We run peer support groups along the river.", email.body)

        # Bo, an admin of Riverbend, sees the request on the team page and accepts.
        self.client.force_login(self.bo)
        team = self.client.get("/partners/riverbend-peer-network/team/")
        team_request = TeamRequest.objects.get()
        self.assertContains(team, "Asking to join your team")
        self.assertContains(team, "Mallory Reyes (mallory@riverbend.org)")
        self.assertContains(team, "We run peer support groups along the river.")
        response = self.client.post(
            f"/partners/riverbend-peer-network/team/requests/{team_request.pk}/",
            {f"{team_request.pk}-role": "editor", f"{team_request.pk}-decision": "accept"},
            follow=True,
        )

        self.assertRedirects(response, "/partners/riverbend-peer-network/team/")
        self.assertContains(
            response, "Mallory Reyes is on your team as Editor, and has been emailed."
        )
        membership = Membership.objects.get(user__email="mallory@riverbend.org")
        self.assertEqual((membership.organization, membership.role), (self.riverbend, "editor"))
        self.assertFalse(membership.user.has_usable_password())
        team_request.refresh_from_db()
        self.assertEqual((team_request.status, team_request.decided_by), ("accepted", self.bo))
        self.assertEqual(
            list(self.riverbend.team_changes.values_list("kind", "email", "role", "by")),
            [
                ("accepted", "mallory@riverbend.org", "editor", self.bo.pk),
                ("requested", "mallory@riverbend.org", "", self.curator.pk),
            ],
        )
        self.assertContains(response, "bo@riverbend.org accepted mallory@riverbend.org as Editor")
        self.assertContains(
            response,
            "A groupfinder curator passed on the request of mallory@riverbend.org to join the team",
        )
        self.assertNotContains(response, "Asking to join your team")
        invitation = mail.outbox[-1]
        self.assertEqual(invitation.to, ["mallory@riverbend.org"])
        self.assertIn("/partners/password/", invitation.body)

        # The curator's page says what the admins decided.
        self.client.force_login(self.curator)
        page = self.client.get(f"/admin/partners/joinrequest/{join_request.pk}/change/")
        self.assertContains(page, "Its admins: <strong>Accepted</strong>, by bo@riverbend.org")

    def test_an_admin_declines(self):
        join_request = self.ask_to_join()
        self.decide(join_request, "ask", self.riverbend)
        team_request = TeamRequest.objects.get()
        self.client.force_login(self.bo)
        url = f"/partners/riverbend-peer-network/team/requests/{team_request.pk}/"
        answer = {f"{team_request.pk}-role": "editor", f"{team_request.pk}-decision": "decline"}

        response = self.client.post(url, answer, follow=True)

        self.assertContains(response, "You declined the request of Mallory Reyes")
        self.assertContains(response, "bo@riverbend.org declined the request of mallory@gmail.com")
        self.assertFalse(User.objects.filter(email="mallory@gmail.com").exists())
        team_request.refresh_from_db()
        self.assertEqual(team_request.status, TeamRequest.Status.DECLINED)
        self.assertEqual(mail.outbox[-1].to, ["mallory@gmail.com"])
        self.assertEqual(mail.outbox[-1].subject, "Your request to join Riverbend Peer Network")
        self.assertIn("did not add you", mail.outbox[-1].body)

        # Answering again changes nothing.
        again = self.client.post(
            url, answer | {f"{team_request.pk}-decision": "accept"}, follow=True
        )
        self.assertContains(again, "This request was already answered.")
        self.assertFalse(User.objects.filter(email="mallory@gmail.com").exists())

    def test_only_the_organizations_admins_answer_a_team_request(self):
        self.decide(self.ask_to_join(), "ask", self.riverbend)
        team_request = TeamRequest.objects.get()
        editor = User.objects.create_user("ed@riverbend.org", "ed@riverbend.org", "password")
        Membership.objects.create(user=editor, organization=self.riverbend, role="editor")
        stranger = User.objects.create_user("st@example.org", "st@example.org", "password")
        Membership.objects.create(
            user=stranger, organization=make_organization("Elsewhere"), role="admin"
        )
        answer = {f"{team_request.pk}-role": "admin", f"{team_request.pk}-decision": "accept"}

        for user in [editor, stranger]:
            with self.subTest(user.email):
                self.client.force_login(user)
                self.assertEqual(
                    self.client.get("/partners/riverbend-peer-network/team/").status_code, 404
                )
                response = self.client.post(
                    f"/partners/riverbend-peer-network/team/requests/{team_request.pk}/", answer
                )
                self.assertEqual(response.status_code, 404)
        team_request.refresh_from_db()
        self.assertEqual(team_request.status, TeamRequest.Status.PENDING)

    def test_a_forged_post_to_the_change_form_cannot_set_the_status(self):
        join_request = self.ask_to_join()
        self.client.force_login(self.curator)
        url = f"/admin/partners/joinrequest/{join_request.pk}/change/"

        page = self.client.get(url)
        self.client.post(
            url,
            join_form(contact_email="eve@example.org")
            | {"status": "approved", "organization": self.riverbend.pk, "_save": "Save"},
        )

        self.assertNotContains(page, 'name="status"')
        join_request.refresh_from_db()
        self.assertEqual(join_request.status, JoinRequest.Status.PENDING)
        self.assertIsNone(join_request.organization)
        self.assertEqual(join_request.contact_email, "mallory@gmail.com")  # kept as sent
        self.assertEqual(self.riverbend.memberships.count(), 1)

    def test_list_actions_report_every_requests_outcome(self):
        takeover = self.ask_to_join()
        new = self.ask_to_join(organization_name="Harbor Lights", contact_email="hl@harbor.org")
        decided = self.ask_to_join(organization_name="Old Request", contact_email="o@old.org")
        self.list_action("decline", decided)

        response = self.list_action("approve", takeover, new, decided)

        self.assertCountEqual(
            shown(response),
            [
                "Not approved: “Riverbend Peer Network” needs a decision on its page, as it "
                "matches an existing organization: Riverbend Peer Network (same name).",
                "Approved “Harbor Lights” as a new organization: hl@harbor.org was emailed an "
                "invitation to set a password. Verify the organization once you have checked it.",
                "Skipped “Old Request”: it was already decided (Declined).",
            ],
        )
        response = self.list_action("decline", new, takeover)
        self.assertCountEqual(
            shown(response),
            [
                "Skipped “Harbor Lights”: it was already decided (Approved: a new organization).",
                "Declined “Riverbend Peer Network”.",
            ],
        )
        takeover.refresh_from_db()
        self.assertEqual(takeover.status, JoinRequest.Status.DECLINED)
        self.assertEqual(self.riverbend.memberships.count(), 1)

    def test_a_decided_request_cannot_be_decided_again_from_its_page(self):
        join_request = self.ask_to_join(organization_name="Harbor Lights")
        self.decide(join_request, "decline")

        response = self.decide(join_request, "create")

        self.assertEqual(shown(response), ["“Harbor Lights” was already decided: Declined."])
        self.assertFalse(Organization.objects.filter(name="Harbor Lights").exists())

    def test_an_organization_without_admins_is_granted_by_a_curator_in_the_membership_admin(self):
        quiet = make_organization("Quiet Waters Collective", website="https://quietwaters.org")
        join_request = self.ask_to_join(
            organization_name="Quiet Waters Collective", contact_email="kai@quietwaters.org"
        )

        # No admin to ask: the page says so, and asking is refused.
        self.client.force_login(self.curator)
        page = self.client.get(f"/admin/partners/joinrequest/{join_request.pk}/change/")
        self.assertContains(page, "No admin to ask.")
        add_link = (
            f"/admin/partners/membership/add/?organization={quiet.pk}"
            "&amp;email=kai%40quietwaters.org&amp;role=admin"
        )
        self.assertContains(page, add_link)
        response = self.decide(join_request, "ask", quiet)
        self.assertIn("Quiet Waters Collective has no admin to ask.", shown(response)[0])
        self.assertFalse(TeamRequest.objects.exists())

        # The curator, having checked, grants it in the Membership admin.
        form = self.client.get(add_link.replace("&amp;", "&"))
        self.assertContains(form, 'value="kai@quietwaters.org"')
        response = self.client.post(
            "/admin/partners/membership/add/",
            {"organization": quiet.pk, "email": "Kai@QuietWaters.org", "role": "admin"},
            follow=True,
        )

        self.assertIn(
            "kai@quietwaters.org was emailed an invitation to set a password.", shown(response)
        )
        membership = Membership.objects.get(organization=quiet)
        self.assertEqual((membership.user.email, membership.role), ("kai@quietwaters.org", "admin"))
        self.assertEqual(
            list(quiet.team_changes.values_list("kind", "email", "role", "by")),
            [("added", "kai@quietwaters.org", "admin", self.curator.pk)],
        )
        self.assertEqual(mail.outbox[-1].to, ["kai@quietwaters.org"])
        organization_page = self.client.get(f"/admin/directory/organization/{quiet.pk}/change/")
        self.assertContains(organization_page, "Team history")
        self.assertContains(
            organization_page, "A groupfinder curator added kai@quietwaters.org as Admin"
        )

        # Then closes the request, which now says where it went.
        response = self.decide(join_request, "close", quiet)
        self.assertEqual(
            shown(response),
            [
                "Closed “Quiet Waters Collective”: kai@quietwaters.org is on the team of "
                "Quiet Waters Collective."
            ],
        )
        join_request.refresh_from_db()
        self.assertEqual(
            (join_request.status, join_request.organization), (JoinRequest.Status.JOINED, quiet)
        )

    def test_role_changes_and_removals_in_the_membership_admin_are_recorded(self):
        self.client.force_login(self.curator)
        membership = self.riverbend.memberships.get()

        self.client.post(f"/admin/partners/membership/{membership.pk}/change/", {"role": "editor"})
        self.client.post(f"/admin/partners/membership/{membership.pk}/delete/", {"post": "yes"})

        self.assertFalse(Membership.objects.exists())
        self.assertEqual(
            list(self.riverbend.team_changes.values_list("kind", "email", "role")),
            [
                ("removed", "bo@riverbend.org", "editor"),
                ("role_changed", "bo@riverbend.org", "editor"),
            ],
        )

    def test_a_membership_cannot_be_added_twice(self):
        self.client.force_login(self.curator)

        response = self.client.post(
            "/admin/partners/membership/add/",
            {"organization": self.riverbend.pk, "email": "BO@riverbend.org", "role": "admin"},
        )

        self.assertContains(response, "bo@riverbend.org is already on the team of Riverbend")
        self.assertEqual(self.riverbend.memberships.count(), 1)

    def test_an_admins_invitation_from_the_team_page_is_recorded(self):
        self.client.force_login(self.bo)

        response = self.client.post(
            "/partners/riverbend-peer-network/team/",
            {"email": "cy@riverbend.org", "role": "editor"},
            follow=True,
        )

        self.assertContains(response, "bo@riverbend.org added cy@riverbend.org as Editor")
        self.assertEqual(mail.outbox[-1].to, ["cy@riverbend.org"])

    def test_the_join_request_list_makes_the_same_queries_for_one_request_or_many(self):
        self.client.force_login(self.curator)
        self.ask_to_join()
        self.client.get("/admin/partners/joinrequest/")  # warm the session and content types
        with self.assertNumQueries(7):
            self.client.get("/admin/partners/joinrequest/")
        cache.clear()
        for n in range(3):
            self.ask_to_join(organization_name=f"Circle {n}", contact_email=f"c{n}@riverbend.org")
        with self.assertNumQueries(7):
            response = self.client.get("/admin/partners/joinrequest/")
        self.assertContains(response, "same email domain as its member bo@riverbend.org", count=3)


class MatchingTests(TestCase):
    """partners.matching: the words and domains that say two organizations are one."""

    def test_names_are_compared_without_case_punctuation_accents_or_filler(self):
        self.assertEqual(
            normalise_name("The Riverbend Peer-Network, Inc."), "riverbend peer network"
        )
        self.assertEqual(normalise_name("Salud Mental & Más, LLC"), "salud mental and mas")
        self.assertGreater(likeness("river bend peer network", "riverbend peer network"), 0.95)
        self.assertLess(likeness("riverbend peer network", "harbor lights collective"), 0.5)

    def test_public_mail_domains_say_nothing(self):
        self.assertEqual(email_domain("Ana@Gmail.com"), "")
        self.assertEqual(email_domain("ana@proton.me"), "")
        self.assertEqual(email_domain("Ana@Riverbend.org"), "riverbend.org")

    def test_a_chapters_subdomain_matches_and_a_shared_host_does_not(self):
        riverbend = make_organization("Riverbend", website="https://riverbend.org")
        make_organization("Harbor", website="https://facebook.com/harbor")
        candidates = Candidates.load()

        chapter = candidates.find("Denver Friends", "https://denver.riverbend.org")
        shared = candidates.find("Some Page", "https://www.facebook.com/somepage")

        self.assertEqual([m.organization for m in chapter], [riverbend])
        self.assertEqual(shared, [])
