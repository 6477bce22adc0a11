"""Sample programs built on kubeflow_informer; run them with ``python -m examples.<name>``."""
