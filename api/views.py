"""The open data: the HSDS 3.0 API under /api/hsds/, the Meeting Guide feed, the OpenAPI
document and the page that explains them. Every document comes from what is public:
Group.objects.listed() and the organizations that have a listed group."""

import json
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from api import hsds, meeting_guide, openapi, params, taxonomy
from api.http import REQUESTS_PER_MINUTE, BadParameters, api_endpoint, json_response
from api.standards import (
    HSDS_VERSION,
    PROFILE_VERSION,
    profile_names,
    profile_patch,
    profile_schema,
)
from directory import pages
from directory.models import Group, Organization

# What a full service reads besides its row and its organization's.
FULL_SERVICE = ("meeting_times", "focus")
DATA_LICENSE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "groupfinder, a directory of depression support groups",
}


def _listed():
    return Group.objects.listed().select_related("organization")


def _form(form_class, request):
    form = form_class(request.GET)
    if not form.is_valid():
        raise BadParameters(params.errors(form))
    return form


def _get_uuid(value):
    """A path's id as a UUID, or 404 (ids are UUIDs; anything else finds nothing)."""
    try:
        return UUID(value)
    except ValueError:
        raise Http404 from None


def _page(form, queryset):
    """(rows of the requested page, the Page fields) for an ordered queryset: two queries,
    whatever per_page."""
    total = _count(queryset)
    offset, limit, total_pages = form.slice(total)
    rows = list(queryset[offset : offset + limit])
    return rows, _page_fields(form, total, total_pages, len(rows))


def _count(queryset):
    """How many rows the queryset has, kept for the directory version and the day
    (pages.kept_value): counting every listed group reads them all (about 70 ms at
    100,000 groups on PostgreSQL)."""
    try:
        sql, sql_params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing, like pk__in=[]
        return 0
    return pages.kept_value(f"api-count:{sql}|{sql_params!r}", queryset.count)


def _page_fields(form, total, total_pages, size):
    page = form.cleaned_data["page"]
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": size,
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": size == 0,
    }


def _modified(groups):
    """Last-Modified for documents about `groups`: the newest change among them, and never
    before today's midnight, when the date alone changes what is listed and checked."""
    return max(filter(None, [hsds.newest(groups), hsds.today_start()]))


# /api/hsds/


@api_endpoint
def hsds_info(request):
    links = hsds.Links(request)
    return json_response(
        {
            "version": HSDS_VERSION,
            "profile": links.url("api:hsds_profile"),
            "openapi_url": links.url("api:openapi"),
            "license": DATA_LICENSE,
            "meeting_guide_url": links.url("api:meeting_guide"),
            "documentation_url": links.url("api:index"),
        }
    )


def _filtered_groups(form):
    """The listed groups the service parameters ask for, in a fixed order (by pk)."""
    data = form.cleaned_data
    groups = _listed()
    if data["search"]:
        groups = groups.matching(data["search"])
    if data["organization_id"]:
        groups = groups.filter(organization__uuid=data["organization_id"])
    if data["taxonomy_id"] and data["taxonomy_id"] != taxonomy.TAXONOMY_ID:
        groups = groups.none()
    if data["taxonomy_term_id"]:
        term = taxonomy.find(data["taxonomy_term_id"])
        groups = taxonomy.groups_with(term, groups) if term else groups.none()
    if data["modified_after"]:
        since = data["modified_after"]
        groups = groups.filter(Q(updated_at__gte=since) | Q(organization__updated_at__gte=since))
    return groups.order_by("pk")


def _near(groups, form, *, in_person=True, online=True):
    """Keep the groups available at the postcode: meeting in person within the proximity,
    or online accepting members from its state."""
    place = form.cleaned_data["postcode"]
    near = Q(pk__in=[])
    if in_person:
        near |= Q(pk__in=groups.nearby(place, form.radius_miles()).values("pk"))
    if online:
        near |= Q(pk__in=groups.online_for(place).values("pk"))
    return groups.filter(near)


@api_endpoint
def services(request):
    form = _form(params.ServiceForm, request)
    data = form.cleaned_data
    groups = _filtered_groups(form)
    if data["postcode"]:
        groups = _near(groups, form)
    rows, page = _page(form, groups)
    links = hsds.Links(request)
    if data["minimal"]:
        contents = [
            {
                "id": str(group.uuid),
                "name": group.name,
                "status": "active",
                "last_modified": hsds.modified_at(group),
            }
            for group in rows
        ]
    else:
        prefetch_related_objects(rows, *FULL_SERVICE if data["full"] else ("focus",))
        document = hsds.service if data["full"] else hsds.service_summary
        contents = [document(group, links) for group in rows]
    return json_response(page | {"contents": contents}, last_modified=_modified(rows))


@api_endpoint
def service(request, id):
    groups = _listed().prefetch_related(*FULL_SERVICE)
    group = groups.filter(uuid=_get_uuid(id)).first()
    if group is None:
        raise Http404
    return json_response(hsds.service(group, hsds.Links(request)), last_modified=_modified([group]))


def _public_organizations():
    return Organization.objects.filter(
        Exists(Group.objects.listed().filter(organization=OuterRef("pk")))
    ).order_by("pk")


def _with_services(organizations, *, full_service):
    groups = _listed().order_by("pk")
    if full_service:
        groups = groups.prefetch_related(*FULL_SERVICE)
    else:
        groups = groups.prefetch_related("focus")
    prefetch_related_objects(
        organizations, Prefetch("groups", queryset=groups, to_attr="listed_groups")
    )


def _organization(org, links, *, full_service):
    document = hsds.service if full_service else hsds.service_summary
    return hsds.organization(org) | {
        "services": [document(group, links) for group in org.listed_groups]
    }


@api_endpoint
def organizations(request):
    form = _form(params.OrganizationForm, request)
    data = form.cleaned_data
    queryset = _public_organizations()
    if data["search"]:
        for word in dict.fromkeys(data["search"].split()):
            queryset = queryset.filter(name__icontains=word)
    rows, page = _page(form, queryset)
    links = hsds.Links(request)
    if data["full"] or data["full_service"]:
        _with_services(rows, full_service=data["full_service"])
        contents = [_organization(org, links, full_service=data["full_service"]) for org in rows]
        modified = _modified([group for org in rows for group in org.listed_groups])
    else:
        contents = [hsds.organization(org) for org in rows]
        modified = max([hsds.today_start(), *(org.updated_at for org in rows)])
    return json_response(page | {"contents": contents}, last_modified=modified)


@api_endpoint
def organization(request, id):
    form = _form(params.OrganizationDetailForm, request)
    org = _public_organizations().filter(uuid=_get_uuid(id)).first()
    if org is None:
        raise Http404
    _with_services([org], full_service=form.cleaned_data["full_service"])
    links = hsds.Links(request)
    return json_response(
        _organization(org, links, full_service=form.cleaned_data["full_service"]),
        last_modified=_modified(org.listed_groups),
    )


@api_endpoint
def service_at_locations(request):
    """Each listed group meets at a physical location, a virtual one or both: the physical
    ones come first (by group), then the virtual ones, so a page is at most two slices."""
    form = _form(params.ServiceForm, request)
    data = form.cleaned_data
    groups = _filtered_groups(form)
    physical = groups.filter(attendance__in=Group.Attendance.IN_PERSON.reachable_as)
    virtual = groups.filter(attendance__in=Group.Attendance.ONLINE.reachable_as)
    if data["postcode"]:
        physical = _near(physical, form, online=False)
        virtual = _near(virtual, form, in_person=False)
    physical_count, virtual_count = _count(physical), _count(virtual)
    offset, limit, total_pages = form.slice(physical_count + virtual_count)
    rows = [("physical", group) for group in physical[offset : offset + limit]]
    if len(rows) < limit:
        start = max(0, offset - physical_count)
        rows += [("virtual", group) for group in virtual[start : start + limit - len(rows)]]
    shown = [group for _kind, group in rows]
    prefetch_related_objects(shown, *FULL_SERVICE if data["full"] else ("focus",))
    links = hsds.Links(request)
    contents = [
        hsds.service_at_location(group, kind, links, with_service=True, full=data["full"])
        for kind, group in rows
    ]
    page = _page_fields(form, physical_count + virtual_count, total_pages, len(rows))
    return json_response(page | {"contents": contents}, last_modified=_modified(shown))


@api_endpoint
def service_at_location(request, id):
    candidates = hsds.service_at_location_candidates(_get_uuid(id))
    groups = _listed().prefetch_related(*FULL_SERVICE).filter(uuid__in=candidates)
    group = groups.first()
    if group is None or candidates[group.uuid] not in hsds.location_kinds(group):
        raise Http404
    kind = candidates[group.uuid]
    document = hsds.service_at_location(group, kind, hsds.Links(request), with_service=True)
    return json_response(document, last_modified=_modified([group]))


@api_endpoint
def taxonomies(request):
    form = _form(params.PageForm, request)
    documents = [hsds.taxonomy_document(hsds.Links(request))]
    search = form.cleaned_data["search"].lower()
    documents = [d for d in documents if search in f"{d['name']} {d['description']}".lower()]
    return json_response(_list(form, documents))


@api_endpoint
def taxonomy_detail(request, id):
    if _get_uuid(id) != taxonomy.TAXONOMY_ID:
        raise Http404
    return json_response(hsds.taxonomy_document(hsds.Links(request)))


def _list(form, documents):
    """A Page of a short list kept in memory (the taxonomy's terms)."""
    offset, limit, total_pages = form.slice(len(documents))
    contents = documents[offset : offset + limit]
    return _page_fields(form, len(documents), total_pages, len(contents)) | {"contents": contents}


@api_endpoint
def taxonomy_terms(request):
    form = _form(params.TaxonomyTermForm, request)
    data = form.cleaned_data
    terms = taxonomy.terms()
    if data["taxonomy_id"] and data["taxonomy_id"] != taxonomy.TAXONOMY_ID:
        terms = []
    if data["parent_id"]:
        terms = [term for term in terms if term.parent_id == data["parent_id"]]
    if data["top_only"]:
        terms = [term for term in terms if term.is_facet]
    if data["search"]:
        words = data["search"].lower().split()
        terms = [
            term
            for term in terms
            if all(word in f"{term.name} {term.description}".lower() for word in words)
        ]
    links = hsds.Links(request)
    return json_response(_list(form, [hsds.taxonomy_term(term, links) for term in terms]))


@api_endpoint
def taxonomy_term(request, id):
    term = taxonomy.find(_get_uuid(id))
    if term is None:
        raise Http404
    return json_response(hsds.taxonomy_term(term, hsds.Links(request)))


# The Profile


@api_endpoint(max_age=3600)
def profile(request):
    links = hsds.Links(request)
    return json_response(
        {
            "name": "groupfinder HSDS Profile",
            "version": PROFILE_VERSION,
            "hsds_version": HSDS_VERSION,
            "description": (
                "HSDS 3.0 for support groups. Services add the group's confidentiality "
                "policy, its moderation rules, its largest size, its page on groupfinder "
                "and the vetting checklist as visitors read it; schedules add the IANA "
                "timezone of their times; physical locations say whether the street "
                "address is shown. Nothing is removed: every document is also valid HSDS "
                "3.0. The modifications are JSON Merge Patches (RFC 7386) over the HSDS "
                "schema files of the same name; the schemas are the result."
            ),
            "documentation_url": links.url("api:index") + "#profile",
            "modifications": {
                f"{name}.json": links.url("api:hsds_profile_file", name) for name in profile_names()
            },
            "schemas": {
                f"{name}.json": links.url("api:hsds_profile_schema", name)
                for name in profile_names()
            },
            "license": "CC BY-SA 4.0, as HSDS itself (Open Referral)",
        }
    )


@api_endpoint(max_age=3600)
def profile_file(request, name):
    if name not in profile_names():
        raise Http404
    return json_response(profile_patch(name))


@api_endpoint(max_age=3600)
def profile_schema_file(request, name):
    if name not in profile_names():
        raise Http404
    return json_response(profile_schema(name))


# Elsewhere under /api/


@api_endpoint
def meeting_guide_feed(request):
    groups = meeting_guide.groups()
    return json_response(
        meeting_guide.meetings(groups, hsds.Links(request)), last_modified=_modified(groups)
    )


@api_endpoint(max_age=3600)
def openapi_document(request):
    return json_response(openapi.document())


@api_endpoint
def not_found(request, rest=""):
    raise Http404


@require_safe
def index(request):
    """The API's page, for people: what is here and how to use it."""
    return render(
        request,
        "api/index.html",
        {
            "operations": openapi.operations(),
            "problem_example": json.dumps(openapi.PROBLEM_EXAMPLE, indent=2),
            "license": DATA_LICENSE,
            "limit": params.MAX_PER_PAGE,
            "requests_per_minute": REQUESTS_PER_MINUTE.limit,
            "terms": taxonomy.terms(),
            "today": timezone.localdate(),
        },
    )
