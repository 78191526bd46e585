from django.urls import path, re_path

from api import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("meeting-guide.json", views.meeting_guide_feed, name="meeting_guide"),
    # HSDS 3.0 (its API document names these paths without a trailing slash).
    path("hsds/", views.hsds_info, name="hsds_info"),
    path("hsds/services", views.services, name="hsds_services"),
    path("hsds/services/<str:id>", views.service, name="hsds_service"),
    path("hsds/organizations", views.organizations, name="hsds_organizations"),
    path("hsds/organizations/<str:id>", views.organization, name="hsds_organization"),
    path("hsds/service_at_locations", views.service_at_locations, name="hsds_service_at_locations"),
    path(
        "hsds/service_at_locations/<str:id>",
        views.service_at_location,
        name="hsds_service_at_location",
    ),
    path("hsds/taxonomies", views.taxonomies, name="hsds_taxonomies"),
    path("hsds/taxonomies/<str:id>", views.taxonomy_detail, name="hsds_taxonomy"),
    path("hsds/taxonomy_terms", views.taxonomy_terms, name="hsds_taxonomy_terms"),
    path("hsds/taxonomy_terms/<str:id>", views.taxonomy_term, name="hsds_taxonomy_term"),
    # The HSDS Profile: what it is, its modifications, and the schemas they make.
    path("hsds/profile/", views.profile, name="hsds_profile"),
    path("hsds/profile/<str:name>.json", views.profile_file, name="hsds_profile_file"),
    path("hsds/schema/<str:name>.json", views.profile_schema_file, name="hsds_profile_schema"),
    # Anything else under /api/ answers in the API's own error shape.
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
