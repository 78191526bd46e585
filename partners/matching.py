"""Does a join request name an organization that is already in the directory?

By name (the same, or alike once case, punctuation, accents, "the" and "inc" are set
aside), by website domain, or by the email domain its members use. A match is a
warning for the curator, not a decision: see JoinRequest.existing_organizations.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from directory.models import Organization

# Two names at least this alike (difflib's ratio, once normalised) are "similar".
SIMILAR = 0.85

# Words that do not tell two organizations apart.
FILLER_WORDS = {
    "the", "a", "an", "inc", "incorporated", "llc", "ltd", "limited", "co", "corp",
    "corporation", "company", "pllc", "nfp",
}  # fmt: skip

# Mail anyone can have: sharing one of these says nothing about an organization.
PUBLIC_MAIL_DOMAINS = {
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.net", "mail.com", "zoho.com",
    "yandex.com", "fastmail.com", "hey.com", "tutanota.com", "comcast.net", "att.net",
    "sbcglobal.net", "verizon.net", "cox.net", "charter.net", "earthlink.net",
}  # fmt: skip

# Sites where many organizations have a page: the same host says nothing either.
SHARED_WEB_HOSTS = {
    "facebook.com", "instagram.com", "linkedin.com", "twitter.com", "x.com", "youtube.com",
    "tiktok.com", "linktr.ee", "meetup.com", "eventbrite.com", "sites.google.com",
    "groups.google.com", "google.com",
}  # fmt: skip


def normalise_name(name):
    """'The Riverbend Peer-Network, Inc.' → 'riverbend peer network'."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(w for w in re.findall(r"[^\W_]+", text) if w not in FILLER_WORDS)


def likeness(a, b):
    """How alike two normalised names are, 0 to 1 ('river bend' and 'riverbend' are alike)."""
    if not a or not b:
        return 0.0
    return max(
        SequenceMatcher(None, a, b).ratio(),
        SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio(),
    )


def website_domain(url):
    """'https://www.riverbend.org/groups' → 'riverbend.org'; '' for none or a shared host."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    return "" if host in SHARED_WEB_HOSTS else host


def email_domain(email):
    """'Ana@Riverbend.org' → 'riverbend.org'; '' for a public mail service."""
    domain = email.rpartition("@")[2].strip().lower()
    return "" if domain in PUBLIC_MAIL_DOMAINS else domain


def same_domain(a, b):
    """riverbend.org and denver.riverbend.org belong together; two empty ones do not."""
    return bool(a and b) and (a == b or a.endswith(f".{b}") or b.endswith(f".{a}"))


@dataclass
class Match:
    organization: Organization
    reasons: list = field(default_factory=list)  # in the curator's words, strongest first
    strength: float = 0.0

    def __str__(self):
        return f"{self.organization} ({'; '.join(self.reasons)})"


class Candidates:
    """Every organization's name, website and members' email domains, loaded once to
    match one request or a page of them."""

    def __init__(self, organizations, member_emails):
        self.organizations = organizations
        self.member_emails = member_emails  # {organization pk: [email, ...]}

    @classmethod
    def load(cls):
        organizations = list(Organization.objects.only("pk", "name", "website", "verified"))
        member_emails = defaultdict(list)
        pairs = Organization.objects.filter(memberships__isnull=False).values_list(
            "pk", "memberships__user__email"
        )
        for pk, email in pairs.order_by("pk", "memberships__user__email"):
            if email:
                member_emails[pk].append(email.lower())
        return cls(organizations, member_emails)

    def find(self, name, website="", email=""):
        """[Match] for the organizations these details point to, the likeliest first."""
        wanted = normalise_name(name)
        site, mail = website_domain(website), email_domain(email)
        matches = []
        for organization in self.organizations:
            match = Match(organization)
            theirs = normalise_name(organization.name)
            if organization.name.strip().casefold() == name.strip().casefold():
                match.reasons.append("same name")
                match.strength += 3
            elif wanted and wanted == theirs:
                match.reasons.append("same name, written differently")
                match.strength += 3
            elif (alike := likeness(wanted, theirs)) >= SIMILAR:
                match.reasons.append(f"similar name ({alike:.0%} alike)")
                match.strength += 2 * alike
            their_site = website_domain(organization.website)
            if same_domain(site, their_site):
                match.reasons.append(f"same website domain ({their_site})")
                match.strength += 2
            elif same_domain(mail, their_site):
                match.reasons.append(f"the request's email is at {mail}, its website's domain")
                match.strength += 2
            for member in self.member_emails.get(organization.pk, []):
                domain = email_domain(member)
                if same_domain(mail, domain) or same_domain(site, domain):
                    match.reasons.append(f"same email domain as its member {member}")
                    match.strength += 2
                    break
            if match.reasons:
                matches.append(match)
        return sorted(matches, key=lambda m: (-m.strength, m.organization.name))
