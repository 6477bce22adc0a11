"""Field table of ``k8s.io.api.core.v1``, part 1: the pod template and everything it reaches
(PodSpec, containers, probes, security contexts, affinity, volumes), derived from
``k8s.io/api/core/v1/generated.proto``; fields added after v1.26 (resize policy, sidecar
``restartPolicy``, AppArmor, sleep hooks, stop signals, image volumes, pod-level resources...)
from the later releases' definitions. See ``schema.py`` for the notation."""

from __future__ import annotations

CORE_POD = """
PodTemplateSpec: metadata=1:meta.ObjectMeta spec=2:PodSpec
PodSpec: volumes=1:[Volume] initContainers=20:[Container] containers=2:[Container]
  ephemeralContainers=34:[EphemeralContainer] restartPolicy=3 terminationGracePeriodSeconds=4:i?
  activeDeadlineSeconds=5:i? dnsPolicy=6 nodeSelector=7:{s} serviceAccountName=8
  serviceAccount=9 automountServiceAccountToken=21:b? nodeName=10 hostNetwork=11:b hostPID=12:b
  hostIPC=13:b shareProcessNamespace=27:b? securityContext=14:PodSecurityContext
  imagePullSecrets=15:[LocalObjectReference] hostname=16 subdomain=17 affinity=18:Affinity
  schedulerName=19 tolerations=22:[Toleration] hostAliases=23:[HostAlias] priorityClassName=24
  priority=25:i? dnsConfig=26:PodDNSConfig readinessGates=28:[PodReadinessGate]
  runtimeClassName=29? enableServiceLinks=30:b? preemptionPolicy=31? overhead=32:{Quantity}
  topologySpreadConstraints=33:[TopologySpreadConstraint] setHostnameAsFQDN=35:b? os=36:PodOS
  hostUsers=37:b? schedulingGates=38:[PodSchedulingGate] resourceClaims=39:[PodResourceClaim]
  resources=40:ResourceRequirements
Container: name=1? image=2 command=3:[s] args=4:[s] workingDir=5 ports=6:[ContainerPort]
  envFrom=19:[EnvFromSource] env=7:[EnvVar] resources=8:ResourceRequirements
  resizePolicy=23:[ContainerResizePolicy] restartPolicy=24? volumeMounts=9:[VolumeMount]
  volumeDevices=21:[VolumeDevice] livenessProbe=10:Probe readinessProbe=11:Probe
  startupProbe=22:Probe lifecycle=12:Lifecycle terminationMessagePath=13
  terminationMessagePolicy=20 imagePullPolicy=14 securityContext=15:SecurityContext
  stdin=16:b stdinOnce=17:b tty=18:b
EphemeralContainer: _=1:^EphemeralContainerCommon targetContainerName=2
EphemeralContainerCommon: name=1? image=2 command=3:[s] args=4:[s] workingDir=5
  ports=6:[ContainerPort] envFrom=19:[EnvFromSource] env=7:[EnvVar]
  resources=8:ResourceRequirements resizePolicy=23:[ContainerResizePolicy] restartPolicy=24?
  volumeMounts=9:[VolumeMount] volumeDevices=21:[VolumeDevice] livenessProbe=10:Probe
  readinessProbe=11:Probe startupProbe=22:Probe lifecycle=12:Lifecycle
  terminationMessagePath=13 terminationMessagePolicy=20 imagePullPolicy=14
  securityContext=15:SecurityContext stdin=16:b stdinOnce=17:b tty=18:b
ContainerPort: name=1 hostPort=2:i containerPort=3:i? protocol=4 hostIP=5
ContainerResizePolicy: resourceName=1? restartPolicy=2?
EnvFromSource: prefix=1 configMapRef=2:ConfigMapEnvSource secretRef=3:SecretEnvSource
ConfigMapEnvSource: _=1:^LocalObjectReference optional=2:b?
SecretEnvSource: _=1:^LocalObjectReference optional=2:b?
EnvVar: name=1? value=2 valueFrom=3:EnvVarSource
EnvVarSource: fieldRef=1:ObjectFieldSelector resourceFieldRef=2:ResourceFieldSelector
  configMapKeyRef=3:ConfigMapKeySelector secretKeyRef=4:SecretKeySelector
ObjectFieldSelector: apiVersion=1 fieldPath=2?
ResourceFieldSelector: containerName=1 resource=2? divisor=3:Quantity
ConfigMapKeySelector: _=1:^LocalObjectReference key=2? optional=3:b?
SecretKeySelector: _=1:^LocalObjectReference key=2? optional=3:b?
LocalObjectReference: name=1
ResourceRequirements: limits=1:{Quantity} requests=2:{Quantity} claims=3:[ResourceClaim]
ResourceClaim: name=1? request=2
VolumeMount: name=1? readOnly=2:b recursiveReadOnly=7? mountPath=3? subPath=4
  mountPropagation=5? subPathExpr=6
VolumeDevice: name=1? devicePath=2?
Probe: _=1:^ProbeHandler initialDelaySeconds=2:i timeoutSeconds=3:i periodSeconds=4:i
  successThreshold=5:i failureThreshold=6:i terminationGracePeriodSeconds=7:i?
ProbeHandler: exec=1:ExecAction httpGet=2:HTTPGetAction tcpSocket=3:TCPSocketAction
  grpc=4:GRPCAction
ExecAction: command=1:[s]
HTTPGetAction: path=1 port=2:IntOrString host=3 scheme=4 httpHeaders=5:[HTTPHeader]
HTTPHeader: name=1? value=2?
TCPSocketAction: port=1:IntOrString host=2
GRPCAction: port=1:i? service=2?
Lifecycle: postStart=1:LifecycleHandler preStop=2:LifecycleHandler stopSignal=3?
LifecycleHandler: exec=1:ExecAction httpGet=2:HTTPGetAction tcpSocket=3:TCPSocketAction
  sleep=4:SleepAction
SleepAction: seconds=1:i?
SecurityContext: capabilities=1:Capabilities privileged=2:b? seLinuxOptions=3:SELinuxOptions
  windowsOptions=10:WindowsSecurityContextOptions runAsUser=4:i? runAsGroup=8:i?
  runAsNonRoot=5:b? readOnlyRootFilesystem=6:b? allowPrivilegeEscalation=7:b? procMount=9?
  seccompProfile=11:SeccompProfile appArmorProfile=12:AppArmorProfile
Capabilities: add=1:[s] drop=2:[s]
SELinuxOptions: user=1 role=2 type=3 level=4
WindowsSecurityContextOptions: gmsaCredentialSpecName=1? gmsaCredentialSpec=2? runAsUserName=3?
  hostProcess=4:b?
SeccompProfile: type=1? localhostProfile=2?
AppArmorProfile: type=1? localhostProfile=2?
PodSecurityContext: seLinuxOptions=1:SELinuxOptions windowsOptions=8:WindowsSecurityContextOptions
  runAsUser=2:i? runAsGroup=6:i? runAsNonRoot=3:b? supplementalGroups=4:[i]
  supplementalGroupsPolicy=12? fsGroup=5:i? sysctls=7:[Sysctl] fsGroupChangePolicy=9?
  seccompProfile=10:SeccompProfile appArmorProfile=11:AppArmorProfile seLinuxChangePolicy=13?
Sysctl: name=1? value=2?
Affinity: nodeAffinity=1:NodeAffinity podAffinity=2:PodAffinity podAntiAffinity=3:PodAntiAffinity
NodeAffinity: requiredDuringSchedulingIgnoredDuringExecution=1:NodeSelector
  preferredDuringSchedulingIgnoredDuringExecution=2:[PreferredSchedulingTerm]
NodeSelector: nodeSelectorTerms=1:[NodeSelectorTerm]
NodeSelectorTerm: matchExpressions=1:[NodeSelectorRequirement]
  matchFields=2:[NodeSelectorRequirement]
NodeSelectorRequirement: key=1? operator=2? values=3:[s]
PreferredSchedulingTerm: weight=1:i? preference=2:NodeSelectorTerm
PodAffinity: requiredDuringSchedulingIgnoredDuringExecution=1:[PodAffinityTerm]
  preferredDuringSchedulingIgnoredDuringExecution=2:[WeightedPodAffinityTerm]
PodAntiAffinity: requiredDuringSchedulingIgnoredDuringExecution=1:[PodAffinityTerm]
  preferredDuringSchedulingIgnoredDuringExecution=2:[WeightedPodAffinityTerm]
PodAffinityTerm: labelSelector=1:meta.LabelSelector namespaces=2:[s] topologyKey=3?
  namespaceSelector=4:meta.LabelSelector matchLabelKeys=5:[s] mismatchLabelKeys=6:[s]
WeightedPodAffinityTerm: weight=1:i? podAffinityTerm=2:PodAffinityTerm
Toleration: key=1 operator=2 value=3 effect=4 tolerationSeconds=5:i?
HostAlias: ip=1? hostnames=2:[s]
PodDNSConfig: nameservers=1:[s] searches=2:[s] options=3:[PodDNSConfigOption]
PodDNSConfigOption: name=1 value=2?
PodReadinessGate: conditionType=1?
TopologySpreadConstraint: maxSkew=1:i? topologyKey=2? whenUnsatisfiable=3?
  labelSelector=4:meta.LabelSelector minDomains=5:i? nodeAffinityPolicy=6? nodeTaintsPolicy=7?
  matchLabelKeys=8:[s]
PodOS: name=1?
PodSchedulingGate: name=1?
PodResourceClaim: name=1? resourceClaimName=3? resourceClaimTemplateName=4?
Volume: name=1? _=2:^VolumeSource
VolumeSource: hostPath=1:HostPathVolumeSource emptyDir=2:EmptyDirVolumeSource
  gcePersistentDisk=3:GCEPersistentDiskVolumeSource
  awsElasticBlockStore=4:AWSElasticBlockStoreVolumeSource gitRepo=5:GitRepoVolumeSource
  secret=6:SecretVolumeSource nfs=7:NFSVolumeSource iscsi=8:ISCSIVolumeSource
  glusterfs=9:GlusterfsVolumeSource persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource
  rbd=11:RBDVolumeSource flexVolume=12:FlexVolumeSource cinder=13:CinderVolumeSource
  cephfs=14:CephFSVolumeSource flocker=15:FlockerVolumeSource
  downwardAPI=16:DownwardAPIVolumeSource fc=17:FCVolumeSource azureFile=18:AzureFileVolumeSource
  configMap=19:ConfigMapVolumeSource vsphereVolume=20:VsphereVirtualDiskVolumeSource
  quobyte=21:QuobyteVolumeSource azureDisk=22:AzureDiskVolumeSource
  photonPersistentDisk=23:PhotonPersistentDiskVolumeSource projected=26:ProjectedVolumeSource
  portworxVolume=24:PortworxVolumeSource scaleIO=25:ScaleIOVolumeSource
  storageos=27:StorageOSVolumeSource csi=28:CSIVolumeSource ephemeral=29:EphemeralVolumeSource
  image=30:ImageVolumeSource
HostPathVolumeSource: path=1? type=2?
EmptyDirVolumeSource: medium=1 sizeLimit=2:Quantity
GCEPersistentDiskVolumeSource: pdName=1? fsType=2 partition=3:i readOnly=4:b
AWSElasticBlockStoreVolumeSource: volumeID=1? fsType=2 partition=3:i readOnly=4:b
GitRepoVolumeSource: repository=1? revision=2 directory=3
SecretVolumeSource: secretName=1 items=2:[KeyToPath] defaultMode=3:i? optional=4:b?
KeyToPath: key=1? path=2? mode=3:i?
NFSVolumeSource: server=1? path=2? readOnly=3:b
ISCSIVolumeSource: targetPortal=1? iqn=2? lun=3:i? iscsiInterface=4 fsType=5 readOnly=6:b
  portals=7:[s] chapAuthDiscovery=8:b chapAuthSession=11:b secretRef=10:LocalObjectReference
  initiatorName=12?
GlusterfsVolumeSource: endpoints=1? path=2? readOnly=3:b
PersistentVolumeClaimVolumeSource: claimName=1? readOnly=2:b
RBDVolumeSource: monitors=1:[s] image=2? fsType=3 pool=4 user=5 keyring=6
  secretRef=7:LocalObjectReference readOnly=8:b
FlexVolumeSource: driver=1? fsType=2 secretRef=3:LocalObjectReference readOnly=4:b
  options=5:{s}
CinderVolumeSource: volumeID=1? fsType=2 readOnly=3:b secretRef=4:LocalObjectReference
CephFSVolumeSource: monitors=1:[s] path=2 user=3 secretFile=4 secretRef=5:LocalObjectReference
  readOnly=6:b
FlockerVolumeSource: datasetName=1 datasetUUID=2
DownwardAPIVolumeSource: items=1:[DownwardAPIVolumeFile] defaultMode=2:i?
DownwardAPIVolumeFile: path=1? fieldRef=2:ObjectFieldSelector
  resourceFieldRef=3:ResourceFieldSelector mode=4:i?
FCVolumeSource: targetWWNs=1:[s] lun=2:i? fsType=3 readOnly=4:b wwids=5:[s]
AzureFileVolumeSource: secretName=1? shareName=2? readOnly=3:b
ConfigMapVolumeSource: _=1:^LocalObjectReference items=2:[KeyToPath] defaultMode=3:i?
  optional=4:b?
VsphereVirtualDiskVolumeSource: volumePath=1? fsType=2 storagePolicyName=3 storagePolicyID=4
QuobyteVolumeSource: registry=1? volume=2? readOnly=3:b user=4 group=5 tenant=6
AzureDiskVolumeSource: diskName=1? diskURI=2? cachingMode=3? fsType=4? readOnly=5:b? kind=6?
PhotonPersistentDiskVolumeSource: pdID=1? fsType=2
ProjectedVolumeSource: sources=1:[VolumeProjection] defaultMode=2:i?
VolumeProjection: secret=1:SecretProjection downwardAPI=2:DownwardAPIProjection
  configMap=3:ConfigMapProjection serviceAccountToken=4:ServiceAccountTokenProjection
  clusterTrustBundle=5:ClusterTrustBundleProjection
SecretProjection: _=1:^LocalObjectReference items=2:[KeyToPath] optional=4:b?
ConfigMapProjection: _=1:^LocalObjectReference items=2:[KeyToPath] optional=4:b?
DownwardAPIProjection: items=1:[DownwardAPIVolumeFile]
ServiceAccountTokenProjection: audience=1 expirationSeconds=2:i? path=3?
ClusterTrustBundleProjection: name=1? signerName=2? labelSelector=3:meta.LabelSelector
  optional=5:b? path=4?
PortworxVolumeSource: volumeID=1? fsType=2 readOnly=3:b
ScaleIOVolumeSource: gateway=1? system=2? secretRef=3:LocalObjectReference sslEnabled=4:b
  protectionDomain=5 storagePool=6 storageMode=7 volumeName=8 fsType=9 readOnly=10:b
StorageOSVolumeSource: volumeName=1 volumeNamespace=2 fsType=3 readOnly=4:b
  secretRef=5:LocalObjectReference
CSIVolumeSource: driver=1? readOnly=2:b? fsType=3? volumeAttributes=4:{s}
  nodePublishSecretRef=5:LocalObjectReference
EphemeralVolumeSource: volumeClaimTemplate=1:PersistentVolumeClaimTemplate
PersistentVolumeClaimTemplate: metadata=1:meta.ObjectMeta spec=2:PersistentVolumeClaimSpec
PersistentVolumeClaimSpec: accessModes=1:[s] selector=4:meta.LabelSelector
  resources=2:VolumeResourceRequirements volumeName=3 storageClassName=5? volumeMode=6?
  dataSource=7:TypedLocalObjectReference dataSourceRef=8:TypedObjectReference
  volumeAttributesClassName=9?
VolumeResourceRequirements: limits=1:{Quantity} requests=2:{Quantity}
TypedLocalObjectReference: apiGroup=1? kind=2? name=3?
TypedObjectReference: apiGroup=1? kind=2? name=3? namespace=4?
ImageVolumeSource: reference=1 pullPolicy=2
"""
