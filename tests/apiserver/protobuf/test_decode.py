"""The protobuf decoder: the wire format, the envelope, the special encodings, the zero-value
rules, and the bodies kubectl really sends."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.protobuf import UnsupportedProtobuf, WireError, decode_object
from kubeflow_informer.apiserver.protobuf.decode import go_duration
from kubeflow_informer.apiserver.protobuf.schema import parse_table
from kubeflow_informer.apiserver.protobuf.tables import KINDS, MESSAGES
from kubeflow_informer.apiserver.protobuf.wire import fields, read_varint
from tests.apiserver.protobuf import kubectl_bodies
from tests.apiserver.protobuf.encode import encode_message, encode_object, envelope, varint
from tests.apiserver.protobuf.objects import FULL_OBJECTS


def test_a_negative_int32_travels_as_ten_bytes_and_decodes_negative() -> None:
    encoded = varint(-1)
    assert len(encoded) == 10
    raw = b"\x08" + encoded  # DeleteOptions.gracePeriodSeconds = -1
    assert decode_object(envelope("v1", "DeleteOptions", raw))["gracePeriodSeconds"] == -1


def test_a_truncated_varint_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        read_varint(memoryview(b"\x80\x80"), 0)


def test_a_length_past_the_end_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        list(fields(memoryview(b"\x0a\x05ab")))


def test_a_body_without_the_magic_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        decode_object(b'{"kind": "Pod"}')


def test_a_kind_without_a_table_is_unsupported_and_named() -> None:
    with pytest.raises(UnsupportedProtobuf) as error:
        decode_object(envelope("apps/v1", "ControllerRevision", b""))
    assert "ControllerRevision" in error.value.what


def test_a_field_the_table_does_not_know_is_unsupported_not_dropped() -> None:
    raw = b"\xfa\x07\x01x"  # field 127, length-delimited: no ConfigMap has it
    with pytest.raises(UnsupportedProtobuf) as error:
        decode_object(envelope("v1", "ConfigMap", raw))
    assert error.value.what == "field 127 of core.ConfigMap"


@pytest.mark.parametrize("obj", FULL_OBJECTS, ids=lambda o: o["kind"])
def test_a_full_object_round_trips_through_its_field_table(obj: dict[str, Any]) -> None:
    assert decode_object(encode_object(obj)) == obj


def test_zero_pointers_are_kept_and_zero_omitempty_scalars_dropped() -> None:
    spec = MESSAGES["core.PodSpec"]
    # gogo-protobuf writes non-pointer scalars even when zero: hostNetwork=false, nodeName=""
    raw = encode_message({"automountServiceAccountToken": False, "terminationGracePeriodSeconds": 0,
                          "hostNetwork": False, "nodeName": ""}, spec)
    template = encode_message({}, MESSAGES["meta.ObjectMeta"])
    pod = envelope("v1", "Pod", b"\x0a" + varint(len(template)) + template
                   + b"\x12" + varint(len(raw)) + raw)
    assert decode_object(pod)["spec"] == {
        "automountServiceAccountToken": False, "terminationGracePeriodSeconds": 0}


def test_non_omitempty_zeros_are_kept_as_go_json_writes_them() -> None:
    obj = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
           "metadata": {"name": "zero"}, "value": 0}
    assert decode_object(encode_object(obj))["value"] == 0


def test_secret_bytes_become_base64_and_string_data_stays_text() -> None:
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
           "data": {"bin": "AAH/", "empty": ""}, "stringData": {"k": "v"}, "type": "Opaque"}
    assert decode_object(encode_object(obj)) == obj


def test_times_are_rfc3339_in_utc_and_micro_times_keep_microseconds() -> None:
    obj = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
           "spec": {"holderIdentity": "", "acquireTime": "2024-05-06T07:08:09.123456Z",
                    "leaseDurationSeconds": 0}}
    decoded = decode_object(encode_object(obj))
    assert decoded["spec"] == obj["spec"]  # a *string "" and a *int32 0 are kept too


def test_an_empty_time_message_is_go_zero_time_so_absent() -> None:
    meta = MESSAGES["meta.ObjectMeta"]
    raw = encode_message({"name": "x"}, meta) + b"\x42\x00"  # creationTimestamp: {}
    obj = decode_object(envelope("v1", "ConfigMap", b"\x0a" + varint(len(raw)) + raw))
    assert obj["metadata"] == {"name": "x"}


def test_packed_repeated_ints_decode_like_unpacked_ones() -> None:
    context = b"\x22\x03" + varint(1000)[:2] + b"\x05"  # supplementalGroups: packed [1000, 5]
    spec = b"\x72" + varint(len(context)) + context  # PodSpec.securityContext = 14
    pod = envelope("v1", "Pod", b"\x12" + varint(len(spec)) + spec)
    assert decode_object(pod)["spec"]["securityContext"] == {"supplementalGroups": [1000, 5]}


def test_a_zero_time_in_a_map_is_null_as_go_writes_it() -> None:
    entry = b"\x0a\x01p" + b"\x12\x00"  # disruptedPods["p"] = metav1.Time{}
    status = b"\x12" + varint(len(entry)) + entry
    pdb = envelope("policy/v1", "PodDisruptionBudget", b"\x1a" + varint(len(status)) + status)
    assert decode_object(pdb)["status"] == {"disruptedPods": {"p": None}}


@pytest.mark.parametrize(("nanoseconds", "text"), [
    (0, "0s"), (1, "1ns"), (1500, "1.5µs"), (300_000_000, "300ms"), (1_500_000_000, "1.5s"),
    (90_000_000_000, "1m30s"), (3_600_000_000_000, "1h0m0s"), (-2_000_000_000, "-2s"),
])
def test_durations_are_printed_as_go_does(nanoseconds: int, text: str) -> None:
    assert go_duration(nanoseconds) == text


def test_delete_options_decode_under_any_group_version() -> None:
    raw = b"\x22\x0aForeground" + b"\x2a\x03All"
    assert decode_object(envelope("apps/v1", "DeleteOptions", raw)) == {
        "apiVersion": "apps/v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground",
        "dryRun": ["All"]}


def test_kubectl_create_deployment_keeps_zero_replicas() -> None:
    obj = decode_object(kubectl_bodies.DEPLOYMENT_ZERO_REPLICAS)
    assert obj["spec"]["replicas"] == 0
    assert obj["spec"]["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx", "resources": {}}]
    assert obj["metadata"] == {"name": "d3", "namespace": "cap", "labels": {"app": "d3"}}


def test_kubectl_create_job_from_a_cronjob_carries_its_owner_and_template() -> None:
    obj = decode_object(kubectl_bodies.JOB_FROM_CRONJOB)
    assert obj["metadata"]["ownerReferences"] == [{
        "kind": "CronJob", "name": "cj1", "uid": "a8a5699f-c001-402d-817b-0c7a030d4c9c",
        "apiVersion": "batch/v1", "controller": True}]
    pod = obj["spec"]["template"]["spec"]
    assert (pod["restartPolicy"], pod["terminationGracePeriodSeconds"]) == ("OnFailure", 30)
    assert pod["containers"][0]["command"] == ["echo", "hi"]


def test_kubectl_create_ingress_keeps_a_named_service_port() -> None:
    obj = decode_object(kubectl_bodies.INGRESS_NAMED_PORT)
    path = obj["spec"]["rules"][0]["http"]["paths"][0]
    assert path == {"path": "/path", "pathType": "Prefix",
                    "backend": {"service": {"name": "svc1", "port": {"name": "http"}}}}


def test_kubectl_create_pdb_keeps_a_percentage_as_a_string() -> None:
    assert decode_object(kubectl_bodies.PDB_PERCENT)["spec"]["minAvailable"] == "50%"


def test_kubectl_auth_can_i_sends_a_self_subject_access_review() -> None:
    obj = decode_object(kubectl_bodies.CAN_I_GET_PODS)
    assert obj["spec"] == {"resourceAttributes": {
        "namespace": "default", "verb": "get", "resource": "pods"}}


def test_kubectl_create_token_sends_the_spec_the_real_server_reads() -> None:
    # the spec kube-apiserver 1.36 answered for these very bytes
    assert decode_object(kubectl_bodies.CREATE_TOKEN)["spec"] == {
        "audiences": ["x", "y"], "expirationSeconds": 3600,
        "boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s1"}}


def test_kubectl_auth_whoami_sends_an_empty_self_subject_review() -> None:
    assert decode_object(kubectl_bodies.WHOAMI) == {
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview", "metadata": {},
        "status": {"userInfo": {}}}


def test_every_kind_names_an_existing_message() -> None:
    assert all(name in MESSAGES for name in KINDS.values())


def test_a_malformed_table_line_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_table("x", "Thing: name=one")
