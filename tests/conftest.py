import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in Spanish leaves Spanish active in the test's thread (as it would in a
    server's, until the next request chooses); each test starts from the default."""
    yield
    translation.deactivate()
