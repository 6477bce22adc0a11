"""The cache tests on both servers (``test_cache_integration``) use the plugin's ``apiserver``
fixtures, and ``crds`` for custom resources; the unit tests use ``cache_fakes``."""

from tests.custom_resources import crds  # noqa: F401 - a fixture
