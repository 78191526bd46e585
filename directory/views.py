from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from directory import abuse, calendar, geo, pages
from directory.filters import GroupFilter, SearchForm
from directory.forms import ProblemReportForm
from directory.models import Group


def group_list(request):
    return pages.respond(request, partial(_draw_search, request))


def _draw_search(request):
    groups = Group.objects.listed().select_related("organization")
    search = GroupFilter(request.GET or None, queryset=groups)
    page, page_problem = None, None
    if not search.is_bound or search.is_valid():
        results = search.results()
        paginator = Paginator(results, settings.SEARCH_PAGE_SIZE)
        try:
            page = paginator.page(request.GET.get("page") or 1)
            # One query for the meeting times of the page, whichever parts it came from.
            page.object_list = list(page.object_list)
            prefetch_related_objects(page.object_list, "meeting_times")
        except PageNotAnInteger:
            page_problem = gettext("That page number is not a number.")
        except EmptyPage:
            page_problem = ngettext(
                "There is no page %(page)s: these results have %(count)d page.",
                "There is no page %(page)s: these results have %(count)d pages.",
                paginator.num_pages,
            ) % {"page": request.GET["page"][:20], "count": paginator.num_pages}
    content = render_to_string(
        "directory/group_list.html",
        {
            "search": search,
            "form": search.form,
            "place": search.place,
            "page": page,
            "page_problem": page_problem,
            "results": results if page is not None else None,
            # Carried to each group's page, for its distance and its way back here.
            "search_query": request.GET.urlencode(),
        },
        request,
    )
    if search.place:
        title = gettext("Support groups near %(place)s") % {"place": search.place.label}
    else:
        title = gettext("Find a support group")
    shown = page.object_list if page is not None else []
    return {"title": title, "content": content}, [
        meeting for group in shown for meeting in group.meeting_times.all()
    ]


def group_detail(request, slug):
    return pages.respond(request, partial(_draw_group, request, slug))


def _draw_group(request, slug):
    groups = Group.objects.listed().select_related("organization")
    # Reached from a search near a place: say how far away the group is.
    origin = SearchForm(request.GET) if "near" in request.GET else None
    place = origin.cleaned_data.get("near") if origin and origin.is_valid() else None
    if place:
        groups = groups.annotate(distance=geo.distance_expression(place.latitude, place.longitude))
    group = get_object_or_404(groups, slug=slug)
    meetings = list(group.meeting_times.all())
    content = render_to_string(
        "directory/group.html",
        {
            "group": group,
            "meetings": meetings,
            # Most groups have no focus: no query for them (focus_codes is its summary).
            "focus": group.focus.all() if group.focus_codes else [],
            # Worked out afresh rather than read from VettingResult so that it
            # speaks the visitor's language and is right as of today.
            "checklist": group.checklist(meetings=meetings),
            "place": place if group.meets_in_person else None,
            # Online, its times on the visitor's clock too.
            "visitor_timezone": place.timezone if place else "",
        },
        request,
    )
    return {"title": group.name, "content": content}, meetings


# At most this many problem reports from one visitor an hour.
REPORTS_PER_HOUR = 5


def report_problem(request, slug):
    group = get_object_or_404(Group.objects.listed(), slug=slug)
    form = ProblemReportForm(request.POST or None)
    if request.method == "POST":
        if form.is_spam():
            # Say thank you as to a person; keep nothing.
            messages.success(request, gettext(THANKS_FOR_REPORT))
            return redirect(group)
        if not abuse.allow(request, "report", REPORTS_PER_HOUR, 3600):
            form.add_error(
                None,
                gettext("You have sent several reports in the last hour. Please try again later."),
            )
            return render(
                request, "directory/report.html", {"group": group, "form": form}, status=429
            )
        if form.is_valid():
            report = form.save(commit=False)
            report.group = group
            report.save()
            messages.success(request, gettext(THANKS_FOR_REPORT))
            return redirect(group)
    return render(request, "directory/report.html", {"group": group, "form": form})


THANKS_FOR_REPORT = gettext_noop(
    "Thank you for telling us. A curator will look at it, and the organization that runs "
    "the group will see it too."
)


def home(request):
    return render(
        request,
        "directory/home.html",
        {"formats": Group.Format, "form": SearchForm()},
    )


def group_calendar(request, slug):
    group = get_object_or_404(Group.objects.listed().prefetch_related("meeting_times"), slug=slug)
    response = HttpResponse(
        calendar.ics(group, request.build_absolute_uri(group.get_absolute_url())),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{group.slug}.ics"'
    return response


# The site's icon, at the addresses browsers and phones ask for whatever a page links to
# (pages link to the hashed copies under /static/). Not hashed, so cached for a month.
ICONS = settings.BASE_DIR / "static" / "icons"
ICON_MAX_AGE = 30 * 24 * 60 * 60


@require_safe
@cache_control(public=True, max_age=ICON_MAX_AGE)
def icon(request, filename):
    return FileResponse((ICONS / filename).open("rb"))
