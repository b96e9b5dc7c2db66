"""The drift audit: per pod, compare the top (the central Neutron, Tricircle's own records), the
routing table and the pod, as the service account sees them, and classify each difference
(gateway.models.AuditClass): orphan, dangling route, missing copy, unknown.

- `listing` lists a pod's or the top's collections page by page (limit/marker), counting calls;
- `reconcile` is the one comparison every resource type goes through;
- `network`, `compute`, `volume` read one family each (list calls only) and describe its types;
- `run` audits a pod (`run_pod_audit`) and records the findings; a pod or a top that does not
  answer makes the run SKIPPED and concludes nothing;
- `repair` mends a finding through the existing jobs and services;
- `views`, `serializers`, `filters`, `urls`: the admin API under /v1.0/audit.

A pod resource counts as Tricircle's only when the routing table names it or it is named after
a top id (bottom copies are, networking.bottom); everything else is `unknown`, listed and never
touched."""
