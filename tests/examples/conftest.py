"""The pod-detector tests use the library's own pytest plugin (``embedded_apiserver``,
``api_client``, ``apiserver``), registered by the package's ``pytest11`` entry point, exactly
as a user's project gets it from ``pip install 'kubeflow-informer[testing]'``."""
