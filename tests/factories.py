"""Test data: named people and groups with sensible defaults, overridden per test."""

from datetime import time

from django.contrib.auth.models import User

from directory.models import Focus, Group, MeetingTime, Organization

# Real ZIP centroids from the gazetteer, for place searches.
AUSTIN_78701 = (30.2713, -97.7426)
DENVER_80202 = (39.7491, -104.9946)


def make_curator(username="cora"):
    return User.objects.create_user(
        username, f"{username}@example.org", "curator-password", is_staff=True, is_superuser=True
    )


def make_organization(name="Riverbend Peer Network", **fields):
    return Organization.objects.create(name=name, **fields)


def make_group(
    name="Tuesday Evening Circle", *, organization=None, meeting=None, focus=(), **fields
):
    """A published, open, free, peer-led, in-person group in Austin, TX meeting Tuesdays at 7 pm.

    meeting: MeetingTime fields to override, or False for no meeting time.
    """
    if organization is None:
        organization = Organization.objects.first() or make_organization()
    attendance = fields.get("attendance", Group.Attendance.IN_PERSON)
    defaults = {
        "description": "A weekly circle where people living with depression share and listen.",
        "format": Group.Format.SUPPORT,
        "attendance": attendance,
        "leader_type": Group.LeaderType.PEER,
        "leader_training": "Completed a 2-day peer facilitator training",
        "status": Group.Status.PUBLISHED,
        "confidentiality_policy": "What is said in the group stays in the group.",
    }
    if attendance != Group.Attendance.ONLINE:
        defaults |= {
            "venue": "Eastside Library, Room B",
            "address": "210 Example Avenue",
            "city": "Austin",
            "region": "TX",
            "postal_code": "78701",
            "latitude": AUSTIN_78701[0],
            "longitude": AUSTIN_78701[1],
        }
    if attendance != Group.Attendance.IN_PERSON:
        defaults["online_url"] = "https://example.org/meet/" + name.lower().replace(" ", "-")
        defaults["moderation_rules"] = "Cameras optional; the host removes anyone who is unkind."
    group = Group.objects.create(organization=organization, name=name, **(defaults | fields))
    if meeting is not False:
        meeting_fields = {
            "days": "tue",
            "start_time": time(19),
            "end_time": time(20, 30),
            "timezone": "America/Chicago",
        } | (meeting or {})
        MeetingTime.objects.create(group=group, **meeting_fields)
    if focus:
        group.focus.set(Focus.objects.filter(slug__in=focus))
    group.refresh_summary()
    return group


def make_online_group(name="Online Evening Circle", **fields):
    return make_group(name, attendance=Group.Attendance.ONLINE, **fields)
