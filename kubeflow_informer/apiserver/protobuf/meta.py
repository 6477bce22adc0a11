"""Field table of ``k8s.io.apimachinery.pkg.apis.meta.v1`` (the messages every kind embeds),
derived from apimachinery's ``pkg/apis/meta/v1/generated.proto``. See ``schema.py`` for the
notation."""

from __future__ import annotations

META = """
ObjectMeta: name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6 generation=7:i
  creationTimestamp=8:Time deletionTimestamp=9:Time deletionGracePeriodSeconds=10:i?
  labels=11:{s} annotations=12:{s} ownerReferences=13:[OwnerReference] finalizers=14:[s]
  managedFields=17:[ManagedFieldsEntry]
OwnerReference: apiVersion=5? kind=1? name=3? uid=4? controller=6:b? blockOwnerDeletion=7:b?
ManagedFieldsEntry: manager=1 operation=2 apiVersion=3 time=4:Time fieldsType=6
  fieldsV1=7:FieldsV1 subresource=8
LabelSelector: matchLabels=1:{s} matchExpressions=2:[LabelSelectorRequirement]
LabelSelectorRequirement: key=1? operator=2? values=3:[s]
FieldSelectorRequirement: key=1? operator=2? values=3:[s]
Condition: type=1? status=2? observedGeneration=3:i lastTransitionTime=4:Time reason=5?
  message=6?
DeleteOptions: gracePeriodSeconds=1:i? preconditions=2:Preconditions orphanDependents=3:b?
  propagationPolicy=4? dryRun=5:[s] ignoreStoreReadErrorWithClusterBreakingPotential=6:b?
Preconditions: uid=1? resourceVersion=2?
"""
