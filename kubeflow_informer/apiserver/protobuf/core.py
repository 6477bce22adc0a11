"""Field table of ``k8s.io.api.core.v1``, part 2: the core kinds themselves and their statuses
(the pod template lives in ``core_pod.py``), derived from ``k8s.io/api/core/v1/generated.proto``.
See ``schema.py`` for the notation."""

from __future__ import annotations

CORE = """
Namespace: metadata=1:meta.ObjectMeta spec=2:NamespaceSpec status=3:NamespaceStatus
NamespaceSpec: finalizers=1:[s]
NamespaceStatus: phase=1 conditions=2:[NamespaceCondition]
NamespaceCondition: type=1? status=2? lastTransitionTime=4:Time reason=5 message=6
ConfigMap: metadata=1:meta.ObjectMeta immutable=4:b? data=2:{s} binaryData=3:{y}
Secret: metadata=1:meta.ObjectMeta immutable=5:b? data=2:{y} stringData=4:{s} type=3
ServiceAccount: metadata=1:meta.ObjectMeta secrets=2:[ObjectReference]
  imagePullSecrets=3:[LocalObjectReference] automountServiceAccountToken=4:b?
ObjectReference: kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7
ResourceQuota: metadata=1:meta.ObjectMeta spec=2:ResourceQuotaSpec status=3:ResourceQuotaStatus
ResourceQuotaSpec: hard=1:{Quantity} scopes=2:[s] scopeSelector=3:ScopeSelector
ScopeSelector: matchExpressions=1:[ScopedResourceSelectorRequirement]
ScopedResourceSelectorRequirement: scopeName=1? operator=2? values=3:[s]
ResourceQuotaStatus: hard=1:{Quantity} used=2:{Quantity}
LimitRange: metadata=1:meta.ObjectMeta spec=2:LimitRangeSpec
LimitRangeSpec: limits=1:[LimitRangeItem]
LimitRangeItem: type=1? max=2:{Quantity} min=3:{Quantity} default=4:{Quantity}
  defaultRequest=5:{Quantity} maxLimitRequestRatio=6:{Quantity}
Service: metadata=1:meta.ObjectMeta spec=2:ServiceSpec status=3:ServiceStatus
ServiceSpec: ports=1:[ServicePort] selector=2:{s} clusterIP=3 clusterIPs=18:[s] type=4
  externalIPs=5:[s] sessionAffinity=7 loadBalancerIP=8 loadBalancerSourceRanges=9:[s]
  externalName=10 externalTrafficPolicy=11 healthCheckNodePort=12:i
  publishNotReadyAddresses=13:b sessionAffinityConfig=14:SessionAffinityConfig
  ipFamilies=19:[s] ipFamilyPolicy=17? allocateLoadBalancerNodePorts=20:b?
  loadBalancerClass=21? internalTrafficPolicy=22? trafficDistribution=23?
ServicePort: name=1 protocol=2 appProtocol=6? port=3:i? targetPort=4:IntOrString nodePort=5:i
SessionAffinityConfig: clientIP=1:ClientIPConfig
ClientIPConfig: timeoutSeconds=1:i?
ServiceStatus: loadBalancer=1:LoadBalancerStatus conditions=2:[meta.Condition]
LoadBalancerStatus: ingress=1:[LoadBalancerIngress]
LoadBalancerIngress: ip=1 hostname=2 ipMode=3? ports=4:[PortStatus]
PortStatus: port=1:i? protocol=2? error=3?
Endpoints: metadata=1:meta.ObjectMeta subsets=2:[EndpointSubset]
EndpointSubset: addresses=1:[EndpointAddress] notReadyAddresses=2:[EndpointAddress]
  ports=3:[EndpointPort]
EndpointAddress: ip=1? hostname=3 nodeName=4? targetRef=2:ObjectReference
EndpointPort: name=1 port=2:i? protocol=3 appProtocol=4?
Event: metadata=1:meta.ObjectMeta involvedObject=2:ObjectReference reason=3 message=4
  source=5:EventSource firstTimestamp=6:Time lastTimestamp=7:Time count=8:i type=9
  eventTime=10:MicroTime series=11:EventSeries action=12 related=13:ObjectReference
  reportingComponent=14? reportingInstance=15?
EventSource: component=1 host=2
EventSeries: count=1:i lastObservedTime=2:MicroTime
Binding: metadata=1:meta.ObjectMeta target=2:ObjectReference
Pod: metadata=1:meta.ObjectMeta spec=2:PodSpec status=3:PodStatus
PodStatus: phase=1 conditions=2:[PodCondition] message=3 reason=4 nominatedNodeName=11
  hostIP=5 hostIPs=16:[HostIP] podIP=6 podIPs=12:[PodIP] startTime=7:Time
  initContainerStatuses=10:[ContainerStatus] containerStatuses=8:[ContainerStatus] qosClass=9
  ephemeralContainerStatuses=13:[ContainerStatus] resize=14
PodCondition: type=1? status=2? lastProbeTime=3:Time lastTransitionTime=4:Time reason=5
  message=6
PodIP: ip=1?
HostIP: ip=1?
ContainerStatus: name=1? state=2:ContainerState lastState=3:ContainerState ready=4:b?
  restartCount=5:i? image=6? imageID=7? containerID=8 started=9:b?
  allocatedResources=10:{Quantity} resources=11:ResourceRequirements
  volumeMounts=12:[VolumeMountStatus]
ContainerState: waiting=1:ContainerStateWaiting running=2:ContainerStateRunning
  terminated=3:ContainerStateTerminated
ContainerStateWaiting: reason=1 message=2
ContainerStateRunning: startedAt=1:Time
ContainerStateTerminated: exitCode=1:i? signal=2:i reason=3 message=4 startedAt=5:Time
  finishedAt=6:Time containerID=7
VolumeMountStatus: name=1? mountPath=2? readOnly=3:b recursiveReadOnly=4?
PodTemplate: metadata=1:meta.ObjectMeta template=2:PodTemplateSpec
ReplicationController: metadata=1:meta.ObjectMeta spec=2:ReplicationControllerSpec
  status=3:ReplicationControllerStatus
ReplicationControllerSpec: replicas=1:i? minReadySeconds=4:i selector=2:{s}
  template=3:PodTemplateSpec
ReplicationControllerStatus: replicas=1:i? fullyLabeledReplicas=2:i readyReplicas=4:i
  availableReplicas=5:i observedGeneration=3:i conditions=6:[ReplicationControllerCondition]
ReplicationControllerCondition: type=1? status=2? lastTransitionTime=3:Time reason=4 message=5
PersistentVolumeClaim: metadata=1:meta.ObjectMeta spec=2:PersistentVolumeClaimSpec
  status=3:PersistentVolumeClaimStatus
PersistentVolumeClaimStatus: phase=1 accessModes=2:[s] capacity=3:{Quantity}
  conditions=4:[PersistentVolumeClaimCondition] allocatedResources=5:{Quantity}
PersistentVolumeClaimCondition: type=1? status=2? lastProbeTime=3:Time
  lastTransitionTime=4:Time reason=5 message=6
Node: metadata=1:meta.ObjectMeta spec=2:NodeSpec status=3:NodeStatus
NodeSpec: podCIDR=1 podCIDRs=7:[s] providerID=3 unschedulable=4:b taints=5:[Taint]
  externalID=2
Taint: key=1? value=2 effect=3? timeAdded=4:Time
NodeStatus: capacity=1:{Quantity} allocatable=2:{Quantity} phase=3 conditions=4:[NodeCondition]
  addresses=5:[NodeAddress] daemonEndpoints=6:NodeDaemonEndpoints nodeInfo=7:NodeSystemInfo
  images=8:[ContainerImage] volumesInUse=9:[s] volumesAttached=10:[AttachedVolume]
NodeCondition: type=1? status=2? lastHeartbeatTime=3:Time lastTransitionTime=4:Time reason=5
  message=6
NodeAddress: type=1? address=2?
NodeDaemonEndpoints: kubeletEndpoint=1:DaemonEndpoint
DaemonEndpoint: Port=1:i?
NodeSystemInfo: machineID=1? systemUUID=2? bootID=3? kernelVersion=4? osImage=5?
  containerRuntimeVersion=6? kubeletVersion=7? kubeProxyVersion=8? operatingSystem=9?
  architecture=10?
ContainerImage: names=1:[s] sizeBytes=2:i
AttachedVolume: name=1? devicePath=2?
"""
