"""The OpenAPI documents of the embedded server: the real server's for built-in kinds, generated
for CRDs, in JSON and (v2) gnostic protobuf. See ``documents.py`` for what is served."""
