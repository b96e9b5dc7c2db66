"""The service layer of the gateway: what Tricircle means by each call (pod choice, quotas,
copies of flavors, key pairs, networks in a pod, compensation), free of HTTP. Handlers parse a
request, call a service and render its result."""
