"""Label and field selectors: parse, match, format - with Kubernetes semantics.

``labels`` (:class:`LabelSelector`) and ``fields`` (:class:`FieldSelector`); both raise
:class:`~kubeflow_informer.errors.SelectorError` for text Kubernetes would reject. The per-kind
field sets objects are matched against belong to the embedded API server
(``kubeflow_informer.apiserver.fields``), the only code that evaluates field selectors.
"""

from kubeflow_informer.errors import SelectorError
from kubeflow_informer.selectors.fields import FieldSelector, escape_field_value
from kubeflow_informer.selectors.labels import LabelSelector

__all__ = ["FieldSelector", "LabelSelector", "SelectorError", "escape_field_value"]
