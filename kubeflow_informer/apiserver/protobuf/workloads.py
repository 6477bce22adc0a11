"""Field tables of ``k8s.io.api.apps.v1`` and ``k8s.io.api.batch.v1``, derived from their
``generated.proto``. See ``schema.py`` for the notation."""

from __future__ import annotations

APPS = """
Deployment: metadata=1:meta.ObjectMeta spec=2:DeploymentSpec status=3:DeploymentStatus
DeploymentSpec: replicas=1:i? selector=2:meta.LabelSelector template=3:core.PodTemplateSpec
  strategy=4:DeploymentStrategy minReadySeconds=5:i revisionHistoryLimit=6:i? paused=7:b
  progressDeadlineSeconds=9:i?
DeploymentStrategy: type=1 rollingUpdate=2:RollingUpdateDeployment
RollingUpdateDeployment: maxUnavailable=1:IntOrString maxSurge=2:IntOrString
DeploymentStatus: observedGeneration=1:i replicas=2:i updatedReplicas=3:i readyReplicas=7:i
  availableReplicas=4:i unavailableReplicas=5:i terminatingReplicas=9:i?
  conditions=6:[DeploymentCondition] collisionCount=8:i?
DeploymentCondition: type=1? status=2? lastUpdateTime=6:Time lastTransitionTime=7:Time
  reason=4 message=5
ReplicaSet: metadata=1:meta.ObjectMeta spec=2:ReplicaSetSpec status=3:ReplicaSetStatus
ReplicaSetSpec: replicas=1:i? minReadySeconds=4:i selector=2:meta.LabelSelector
  template=3:core.PodTemplateSpec
ReplicaSetStatus: replicas=1:i? fullyLabeledReplicas=2:i readyReplicas=4:i
  availableReplicas=5:i terminatingReplicas=7:i? observedGeneration=3:i
  conditions=6:[ReplicaSetCondition]
ReplicaSetCondition: type=1? status=2? lastTransitionTime=3:Time reason=4 message=5
StatefulSet: metadata=1:meta.ObjectMeta spec=2:StatefulSetSpec status=3:StatefulSetStatus
StatefulSetSpec: replicas=1:i? selector=2:meta.LabelSelector template=3:core.PodTemplateSpec
  volumeClaimTemplates=4:[core.PersistentVolumeClaim] serviceName=5 podManagementPolicy=6
  updateStrategy=7:StatefulSetUpdateStrategy revisionHistoryLimit=8:i? minReadySeconds=9:i
  persistentVolumeClaimRetentionPolicy=10:StatefulSetPersistentVolumeClaimRetentionPolicy
  ordinals=11:StatefulSetOrdinals
StatefulSetUpdateStrategy: type=1 rollingUpdate=2:RollingUpdateStatefulSetStrategy
RollingUpdateStatefulSetStrategy: partition=1:i? maxUnavailable=2:IntOrString
StatefulSetPersistentVolumeClaimRetentionPolicy: whenDeleted=1 whenScaled=2
StatefulSetOrdinals: start=1:i
StatefulSetStatus: observedGeneration=1:i replicas=2:i? readyReplicas=3:i currentReplicas=4:i
  updatedReplicas=5:i currentRevision=6 updateRevision=7 collisionCount=9:i?
  conditions=10:[StatefulSetCondition] availableReplicas=11:i
StatefulSetCondition: type=1? status=2? lastTransitionTime=3:Time reason=4 message=5
DaemonSet: metadata=1:meta.ObjectMeta spec=2:DaemonSetSpec status=3:DaemonSetStatus
DaemonSetSpec: selector=1:meta.LabelSelector template=2:core.PodTemplateSpec
  updateStrategy=3:DaemonSetUpdateStrategy minReadySeconds=4:i revisionHistoryLimit=6:i?
DaemonSetUpdateStrategy: type=1 rollingUpdate=2:RollingUpdateDaemonSet
RollingUpdateDaemonSet: maxUnavailable=1:IntOrString maxSurge=2:IntOrString
DaemonSetStatus: currentNumberScheduled=1:i? numberMisscheduled=2:i? desiredNumberScheduled=3:i?
  numberReady=4:i? observedGeneration=5:i updatedNumberScheduled=6:i numberAvailable=7:i
  numberUnavailable=8:i collisionCount=9:i? conditions=10:[DaemonSetCondition]
DaemonSetCondition: type=1? status=2? lastTransitionTime=3:Time reason=4 message=5
"""

BATCH = """
Job: metadata=1:meta.ObjectMeta spec=2:JobSpec status=3:JobStatus
JobSpec: parallelism=1:i? completions=2:i? activeDeadlineSeconds=3:i?
  podFailurePolicy=11:PodFailurePolicy successPolicy=16:SuccessPolicy backoffLimit=7:i?
  backoffLimitPerIndex=12:i? maxFailedIndexes=13:i? selector=4:meta.LabelSelector
  manualSelector=5:b? template=6:core.PodTemplateSpec ttlSecondsAfterFinished=8:i?
  completionMode=9? suspend=10:b? podReplacementPolicy=14? managedBy=15?
PodFailurePolicy: rules=1:[PodFailurePolicyRule]
PodFailurePolicyRule: action=1? onExitCodes=2:PodFailurePolicyOnExitCodesRequirement
  onPodConditions=3:[PodFailurePolicyOnPodConditionsPattern]
PodFailurePolicyOnExitCodesRequirement: containerName=1? operator=2? values=3:[i]
PodFailurePolicyOnPodConditionsPattern: type=1? status=2?
SuccessPolicy: rules=1:[SuccessPolicyRule]
SuccessPolicyRule: succeededIndexes=1? succeededCount=2:i?
JobStatus: conditions=1:[JobCondition] startTime=2:Time completionTime=3:Time active=4:i
  succeeded=5:i failed=6:i terminating=11:i? completedIndexes=7 failedIndexes=10?
  uncountedTerminatedPods=8:UncountedTerminatedPods ready=9:i?
JobCondition: type=1? status=2? lastProbeTime=3:Time lastTransitionTime=4:Time reason=5
  message=6
UncountedTerminatedPods: succeeded=1:[s] failed=2:[s]
CronJob: metadata=1:meta.ObjectMeta spec=2:CronJobSpec status=3:CronJobStatus
CronJobSpec: schedule=1? timeZone=8? startingDeadlineSeconds=2:i? concurrencyPolicy=3
  suspend=4:b? jobTemplate=5:JobTemplateSpec successfulJobsHistoryLimit=6:i?
  failedJobsHistoryLimit=7:i?
JobTemplateSpec: metadata=1:meta.ObjectMeta spec=2:JobSpec
CronJobStatus: active=1:[core.ObjectReference] lastScheduleTime=4:Time
  lastSuccessfulTime=5:Time
"""
