"""When a group meets, in the words of the visitor who searched: {% load meetings %}."""

from django import template

register = template.Library()


@register.filter
def when_for(meeting, visitor_timezone):
    """{{ meeting|when_for:visitor_timezone }}: MeetingTime.when_in_words()."""
    return meeting.when_in_words(visitor_timezone)


@register.filter
def next_for(meeting, visitor_timezone):
    """{{ meeting|next_for:visitor_timezone }}: MeetingTime.next_meeting_in_words()."""
    return meeting.next_meeting_in_words(visitor_timezone=visitor_timezone)
