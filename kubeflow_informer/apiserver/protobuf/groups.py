"""Field tables of the smaller groups kubectl sends protobuf to: rbac, policy, networking,
scheduling, autoscaling/v1, coordination, and the authentication / authorization reviews
(``kubectl create token``, ``auth can-i``, ``auth whoami``), each derived from its
``k8s.io/api/<group>/v1/generated.proto``. See ``schema.py`` for the notation."""

from __future__ import annotations

RBAC = """
Role: metadata=1:meta.ObjectMeta rules=2:[PolicyRule]
ClusterRole: metadata=1:meta.ObjectMeta rules=2:[PolicyRule] aggregationRule=3:AggregationRule
PolicyRule: verbs=1:[s] apiGroups=2:[s] resources=3:[s] resourceNames=4:[s]
  nonResourceURLs=5:[s]
AggregationRule: clusterRoleSelectors=1:[meta.LabelSelector]
RoleBinding: metadata=1:meta.ObjectMeta subjects=2:[Subject] roleRef=3:RoleRef
ClusterRoleBinding: metadata=1:meta.ObjectMeta subjects=2:[Subject] roleRef=3:RoleRef
Subject: kind=1? apiGroup=2 name=3? namespace=4
RoleRef: apiGroup=1? kind=2? name=3?
"""

POLICY = """
PodDisruptionBudget: metadata=1:meta.ObjectMeta spec=2:PodDisruptionBudgetSpec
  status=3:PodDisruptionBudgetStatus
PodDisruptionBudgetSpec: minAvailable=1:IntOrString selector=2:meta.LabelSelector
  maxUnavailable=3:IntOrString unhealthyPodEvictionPolicy=4?
PodDisruptionBudgetStatus: observedGeneration=1:i disruptedPods=2:{Time}
  disruptionsAllowed=3:i? currentHealthy=4:i? desiredHealthy=5:i? expectedPods=6:i?
  conditions=7:[meta.Condition]
Eviction: metadata=1:meta.ObjectMeta deleteOptions=2:meta.DeleteOptions
"""

NETWORKING = """
Ingress: metadata=1:meta.ObjectMeta spec=2:IngressSpec status=3:IngressStatus
IngressSpec: ingressClassName=4? defaultBackend=1:IngressBackend tls=2:[IngressTLS]
  rules=3:[IngressRule]
IngressBackend: service=4:IngressServiceBackend resource=3:core.TypedLocalObjectReference
IngressServiceBackend: name=1? port=2:ServiceBackendPort
ServiceBackendPort: name=1 number=2:i
IngressTLS: hosts=1:[s] secretName=2
IngressRule: host=1 _=2:^IngressRuleValue
IngressRuleValue: http=1:HTTPIngressRuleValue
HTTPIngressRuleValue: paths=1:[HTTPIngressPath]
HTTPIngressPath: path=1 pathType=3? backend=2:IngressBackend
IngressStatus: loadBalancer=1:IngressLoadBalancerStatus
IngressLoadBalancerStatus: ingress=1:[IngressLoadBalancerIngress]
IngressLoadBalancerIngress: ip=1 hostname=2 ports=4:[IngressPortStatus]
IngressPortStatus: port=1:i? protocol=2? error=3?
"""

SCHEDULING = """
PriorityClass: metadata=1:meta.ObjectMeta value=2:i? globalDefault=3:b description=4
  preemptionPolicy=5?
"""

AUTOSCALING = """
HorizontalPodAutoscaler: metadata=1:meta.ObjectMeta spec=2:HorizontalPodAutoscalerSpec
  status=3:HorizontalPodAutoscalerStatus
HorizontalPodAutoscalerSpec: scaleTargetRef=1:CrossVersionObjectReference minReplicas=2:i?
  maxReplicas=3:i? targetCPUUtilizationPercentage=4:i?
CrossVersionObjectReference: kind=1? name=2? apiVersion=3
HorizontalPodAutoscalerStatus: observedGeneration=1:i? lastScaleTime=2:Time
  currentReplicas=3:i? desiredReplicas=4:i? currentCPUUtilizationPercentage=5:i?
Scale: metadata=1:meta.ObjectMeta spec=2:ScaleSpec status=3:ScaleStatus
ScaleSpec: replicas=1:i
ScaleStatus: replicas=1:i? selector=2
"""

COORDINATION = """
Lease: metadata=1:meta.ObjectMeta spec=2:LeaseSpec
LeaseSpec: holderIdentity=1? leaseDurationSeconds=2:i? acquireTime=3:MicroTime
  renewTime=4:MicroTime leaseTransitions=5:i? strategy=6? preferredHolder=7?
"""

AUTHENTICATION = """
TokenRequest: metadata=1:meta.ObjectMeta spec=2:TokenRequestSpec status=3:TokenRequestStatus
TokenRequestSpec: audiences=1:[s] expirationSeconds=4:i? boundObjectRef=3:BoundObjectReference
BoundObjectReference: kind=1 apiVersion=2 name=3 uid=4
TokenRequestStatus: token=1? expirationTimestamp=2:Time
SelfSubjectReview: metadata=1:meta.ObjectMeta status=2:SelfSubjectReviewStatus
SelfSubjectReviewStatus: userInfo=1:UserInfo
UserInfo: username=1 uid=2 groups=3:[s] extra=4:{Strings}
"""

AUTHORIZATION = """
SelfSubjectAccessReview: metadata=1:meta.ObjectMeta spec=2:SelfSubjectAccessReviewSpec
  status=3:SubjectAccessReviewStatus
SelfSubjectAccessReviewSpec: resourceAttributes=1:ResourceAttributes
  nonResourceAttributes=2:NonResourceAttributes
SubjectAccessReview: metadata=1:meta.ObjectMeta spec=2:SubjectAccessReviewSpec
  status=3:SubjectAccessReviewStatus
LocalSubjectAccessReview: metadata=1:meta.ObjectMeta spec=2:SubjectAccessReviewSpec
  status=3:SubjectAccessReviewStatus
SubjectAccessReviewSpec: resourceAttributes=1:ResourceAttributes
  nonResourceAttributes=2:NonResourceAttributes user=3 groups=4:[s] extra=5:{Strings} uid=6
ResourceAttributes: namespace=1 verb=2 group=3 version=4 resource=5 subresource=6 name=7
  fieldSelector=8:FieldSelectorAttributes labelSelector=9:LabelSelectorAttributes
FieldSelectorAttributes: rawSelector=1 requirements=2:[meta.FieldSelectorRequirement]
LabelSelectorAttributes: rawSelector=1 requirements=2:[meta.LabelSelectorRequirement]
NonResourceAttributes: path=1 verb=2
SubjectAccessReviewStatus: allowed=1:b? denied=4:b reason=2 evaluationError=3
SelfSubjectRulesReview: metadata=1:meta.ObjectMeta spec=2:SelfSubjectRulesReviewSpec
  status=3:SubjectRulesReviewStatus
SelfSubjectRulesReviewSpec: namespace=1
SubjectRulesReviewStatus: resourceRules=1:[ResourceRule] nonResourceRules=2:[NonResourceRule]
  incomplete=3:b? evaluationError=4
ResourceRule: verbs=1:[s] apiGroups=2:[s] resources=3:[s] resourceNames=4:[s]
NonResourceRule: verbs=1:[s] nonResourceURLs=2:[s]
"""
