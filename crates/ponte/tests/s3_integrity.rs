//! Copies from S3 objects whose ETag is not an MD5 (SSE-KMS, multipart),
//! verified by the checksums S3 keeps for them, against a real S3 server
//! (moto, through `ponte-testkit/fakes/moto_s3.py`, which gives SSE-KMS
//! objects S3's non-MD5 ETags). The objects are written by boto3, as AWS
//! SDKs write them (CRC-32 by default, or the algorithm asked for); the
//! oracle of the copies is rclone reading every byte of both buckets.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::text;
use ponte_testkit::Moto;

/// Seeds `lake` the way applications do: plain and SSE-KMS objects, one
/// part and multipart, with the checksums their SDK sent, and none.
const SEED: &str = r#"
import sys, boto3
from botocore.config import Config
endpoint, prefix = sys.argv[1], sys.argv[2]
def client(**config):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                        aws_secret_access_key="testing", region_name="us-east-1", config=Config(**config))
s3 = client()
def body(seed, size):
    return bytes((i * seed + i // 7) % 251 for i in range(size))
kms = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/lake")
s3.put_object(Bucket="lake", Key=prefix + "plain.bin", Body=body(1, 100_000))
s3.put_object(Bucket="lake", Key=prefix + "kms-crc32.bin", Body=body(2, 100_000), **kms)
s3.put_object(Bucket="lake", Key=prefix + "kms-crc32c.bin", Body=body(3, 70_000), ChecksumAlgorithm="CRC32C", **kms)
# An application whose SDK sends no checksum (botocore before 1.36, or told not to).
client(request_checksum_calculation="when_required").put_object(
    Bucket="lake", Key=prefix + "kms-no-checksum.bin", Body=body(4, 50_000), **kms)
def multipart(key, algorithm, parts, **extra):
    up = s3.create_multipart_upload(Bucket="lake", Key=key, ChecksumAlgorithm=algorithm,
                                    ChecksumType="FULL_OBJECT", **extra)
    done = []
    for n, part in enumerate(parts, 1):
        r = s3.upload_part(Bucket="lake", Key=key, UploadId=up["UploadId"], PartNumber=n, Body=part,
                           ChecksumAlgorithm=algorithm)
        done.append({"PartNumber": n, "ETag": r["ETag"], **{k: v for k, v in r.items() if k.startswith("Checksum")}})
    s3.complete_multipart_upload(Bucket="lake", Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done})
big = body(5, 12 << 20)
multipart(prefix + "multipart-crc64.bin", "CRC64NVME", [big[:6 << 20], big[6 << 20:]])
multipart(prefix + "kms-multipart-crc32.bin", "CRC32", [big[:5 << 20], big[5 << 20:]], **kms)
"#;

/// An SSE-KMS object whose bytes do not hash to the CRC-32 it carries, as
/// a read corrupted on the way would look (the header is changed after
/// boto3 computed it; moto keeps what it is sent).
const POISON: &str = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="testing",
                  aws_secret_access_key="testing", region_name="us-east-1")
def lie(request, **_):
    request.headers["x-amz-checksum-crc32"] = "AAAAAA=="
s3.meta.events.register("before-sign.s3.PutObject", lie)
s3.put_object(Bucket="lake", Key="poison/bad.bin", Body=b"x" * 4096, ChecksumAlgorithm="CRC32",
              ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/lake")
"#;

/// Buckets, the second encrypted by default with KMS.
const BUCKETS: &str = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="testing",
                  aws_secret_access_key="testing", region_name="us-east-1")
for b in ("lake", "copia", "cofre"):
    s3.create_bucket(Bucket=b)
s3.put_bucket_encryption(Bucket="cofre", ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/cofre"}}]})
"#;

fn config(dir: &Path, moto: &Moto) -> std::path::PathBuf {
    let store = |name: &str, url: &str| {
        format!(
            "[stores.{name}]\nurl = \"{url}\"\nendpoint = \"{}\"\nallow_http = true\nregion = \"us-east-1\"\n\
             access_key_id_env = \"TEST_S3_KEY\"\nsecret_access_key_env = \"TEST_S3_KEY\"\n",
            moto.endpoint
        )
    };
    let text = format!(
        "{}{}{}\
         [[transfers]]\nname = \"to_copia\"\nsource = {{ store = \"lake\", include_prefixes = [\"dados/\"] }}\nsink = {{ store = \"copia\" }}\n\
         [[transfers]]\nname = \"to_cofre\"\nsource = {{ store = \"lake\", include_prefixes = [\"dados/\"] }}\nsink = {{ store = \"cofre\" }}\n\
         [[transfers]]\nname = \"poison\"\nsource = {{ store = \"lake\", include_prefixes = [\"poison/\"] }}\nsink = {{ store = \"copia\" }}\n",
        store("lake", "s3://lake"),
        store("copia", "s3://copia"),
        store("cofre", "s3://cofre"),
    );
    let path = dir.join("ponte.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sync(config: &Path, job: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["sync", job, "--json", "--config"])
        .arg(config)
        .env("TEST_S3_KEY", ponte_testkit::ACCESS_KEY)
        .output()
        .unwrap()
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn counter(report: &serde_json::Value, name: &str) -> u64 {
    report["counters"][name].as_u64().unwrap_or_else(|| panic!("no counter {name} in {report}"))
}

#[test]
fn kms_and_multipart_objects_are_verified_by_their_checksums_and_resynced_without_copies() {
    let moto = Moto::start();
    ponte_testkit::run_python(BUCKETS, &[&moto.endpoint]);
    ponte_testkit::run_python(SEED, &[&moto.endpoint, "dados/"]);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &moto);

    // Into a plain bucket: S3 names each copy by its MD5 (single put) or its
    // parts' MD5s (multipart), and the source's checksums verify the read
    // wherever its ETag cannot.
    let out = sync(&config, "to_copia");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let first = report(&out);
    assert_eq!(counter(&first, "objectsCopiedToSink"), 6, "{first}");
    assert_eq!(counter(&first, "objectsVerifiedByMd5"), 6, "{first}");
    assert_eq!(counter(&first, "objectsVerifiedByCrc32"), 2, "kms-crc32, kms-multipart-crc32: {first}");
    assert_eq!(counter(&first, "objectsVerifiedByCrc32c"), 1, "kms-crc32c: {first}");
    assert_eq!(counter(&first, "objectsVerifiedByCrc64nvme"), 1, "multipart-crc64: {first}");
    assert_eq!(counter(&first, "objectsVerifiedBySizeOnly"), 0, "{first}");
    ponte_testkit::rclone_check("moto:lake/dados", "moto:copia/dados", Some(&moto)).unwrap();
    let again = report(&sync(&config, "to_copia"));
    assert_eq!(counter(&again, "objectsCopiedToSink"), 0, "a no-change re-sync copies nothing: {again}");

    // Into a bucket that encrypts with KMS: its ETags are not MD5s either,
    // which fails no copy. Only the object without a checksum, written
    // where S3 (here moto) keeps none for a plain upload, is checked by
    // size alone, and the report says so.
    let out = sync(&config, "to_cofre");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let first = report(&out);
    assert_eq!(counter(&first, "objectsCopiedToSink"), 6, "{first}");
    assert_eq!(counter(&first, "objectsFromSourceFailed"), 0, "{first}");
    assert_eq!(counter(&first, "objectsVerifiedBySizeOnly"), 1, "kms-no-checksum: {first}");
    ponte_testkit::rclone_check("moto:lake/dados", "moto:cofre/dados", Some(&moto)).unwrap();
    let again = report(&sync(&config, "to_cofre"));
    assert_eq!(counter(&again, "objectsCopiedToSink"), 0, "{again}");
}

#[test]
fn a_kms_object_whose_bytes_miss_its_checksum_fails_as_data_loss_and_nothing_is_kept() {
    let moto = Moto::start();
    ponte_testkit::run_python(BUCKETS, &[&moto.endpoint]);
    ponte_testkit::run_python(POISON, &[&moto.endpoint]);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &moto);
    let out = sync(&config, "poison");
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let report = report(&out);
    assert_eq!(counter(&report, "objectsFromSourceFailed"), 1, "{report}");
    let error = &report["errorBreakdowns"][0];
    assert_eq!(error["errorCode"], "DATA_LOSS", "{report}");
    let details = error["errorLogEntries"][0]["errorDetails"][0].as_str().unwrap();
    assert!(
        details.contains("poison/bad.bin: the source reports CRC-32 00000000, but the bytes hash to")
            && details.ends_with("nothing was kept"),
        "{details}"
    );
    let listed = ponte_testkit::run_python(
        "import sys, boto3\n\
         s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='t', aws_secret_access_key='t', region_name='us-east-1')\n\
         print(s3.list_objects_v2(Bucket='copia').get('KeyCount'))\n",
        &[&moto.endpoint],
    );
    assert_eq!(listed.trim(), "0", "nothing of the bad object reached the sink");
}
