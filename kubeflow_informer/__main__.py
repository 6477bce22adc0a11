"""``python -m kubeflow_informer``: the same as the ``kubeflow-informer`` command."""

import sys

from kubeflow_informer.cli import main

if __name__ == "__main__":
    sys.exit(main())
