"""pod-detector: the sample controller of kubeflow_informer.

It watches Pods and Services, classifies every Pod (:mod:`.classify`), and on each transition
logs a structured line, records Events on the Pod and on the Services selecting it, keeps the
Services' ``pod-detector.kubeflow.org/ready`` and ``.../unavailable`` annotations current and
publishes per-Service gauges. Run ``python -m examples.pod_detector --help``.

Modules, one concept each: ``classify`` (the pure verdict), ``service_index`` (Services by
selector), ``settings`` (scope and limits), ``pod_reconciler`` and ``service_reconciler``,
``detector`` (wiring the two controllers), ``telemetry`` (log lines, stats, gauges), ``app``
(running against a cluster or the demo), ``scenario`` / ``kubelet`` / ``churn`` (the demo's
simulated cluster), ``report`` (terminal output), ``__main__`` (the command line).
"""
