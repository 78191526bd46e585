import pytest
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """MD5 for the tests' passwords: hashing is not what they test, and the real hasher
    takes a good part of a second for every password set or checked."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in Spanish leaves Spanish active in the test's thread (as it would in a
    server's, until the next request chooses); each test starts from the default."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _pages_drawn_every_time():
    """Visitors' pages are drawn afresh for every request but in the tests about keeping
    them (tests/test_pages_kept.py): a test's writes are never committed, so the directory
    version (bumped on commit, directory/pages.py) would not tell its pages apart."""
    with override_settings(PAGE_CACHE_SECONDS=0):
        yield
