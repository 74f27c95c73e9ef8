//! Where a dataset lives: a local folder, or a prefix on S3-compatible object storage
//! (`s3://bucket/prefix`: AWS, MinIO, R2, GCS's S3 API). Both offer the same few operations,
//! blocking, so the generator's rayon workers and the checks call them alike:
//!
//! - whole small objects (manifests) are read, written atomically, or created only when absent
//!   (`O_EXCL`-style hard link locally, `If-None-Match: *` on S3), so exactly one writer wins;
//! - shards are written through an [`ObjectWriter`]: locally a temporary file renamed into place,
//!   on S3 a multipart upload in bounded parts that becomes visible only when completed;
//! - shards are read back whole (they are bounded by the generator's shard sizes) and hashed.
//!
//! Credentials, region and endpoint come from the standard `AWS_*` environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`). Error messages name the bucket, the object and the
//! endpoint, never a credential.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientConfigKey, MultipartUpload, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, IoContext, Result};

/// Size of one multipart-upload part (S3 needs at least 5 MiB for all but the last).
const PART_BYTES: usize = 8 << 20;
/// Parts of one object uploading at once, beyond the one being filled.
const PARTS_IN_FLIGHT: usize = 2;
/// Shards read from object storage are kept in memory up to this many bytes, so checks that
/// scan one table several times fetch each shard once.
const CACHE_BYTES: usize = 384 << 20;

/// A dataset's place: a local folder or an object-storage prefix.
#[derive(Clone)]
pub enum Location {
    Local(PathBuf),
    Remote(Arc<Remote>),
}

/// An S3-compatible bucket and prefix.
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    /// Without leading or trailing `/`; may be empty.
    prefix: String,
    endpoint: String,
    secrets: Vec<String>,
    cache: Mutex<VecDeque<(String, Bytes)>>,
}

/// The runtime that drives object-storage requests for blocking callers.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        // TLS to object storage uses rustls with ring, as the loader's PostgreSQL connections do.
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("datagen-io")
            .enable_all()
            .build()
            .expect("the I/O runtime starts")
    })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

impl Location {
    /// `s3://bucket/prefix` names object storage; anything else is a local folder.
    pub fn parse(text: &str) -> Result<Location> {
        match text.strip_prefix("s3://") {
            Some(rest) => Ok(Location::Remote(Arc::new(Remote::connect(rest)?))),
            None if text.contains("://") => Err(Error::Invalid(format!(
                "{text}: only local folders and s3://bucket/prefix are supported"
            ))),
            None => Ok(Location::Local(PathBuf::from(text))),
        }
    }

    pub fn from_path(path: &Path) -> Result<Location> {
        Location::parse(&path.to_string_lossy())
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Location::Remote(_))
    }

    /// The local folder, when the dataset is on disk.
    pub fn local_dir(&self) -> Option<&Path> {
        match self {
            Location::Local(p) => Some(p),
            Location::Remote(_) => None,
        }
    }

    /// How to name `rel` (a `/`-separated path inside the dataset) to a person.
    pub fn describe(&self, rel: &str) -> String {
        match self {
            Location::Local(dir) if rel.is_empty() => dir.display().to_string(),
            Location::Local(dir) => dir.join(rel).display().to_string(),
            Location::Remote(r) => r.url(rel),
        }
    }

    /// A whole object, or None when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<Bytes>> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(Bytes::from(b))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e).at(&path),
                }
            }
            Location::Remote(r) => r.get(rel),
        }
    }

    pub fn exists(&self, rel: &str) -> Result<bool> {
        match self {
            Location::Local(dir) => Ok(dir.join(rel).exists()),
            Location::Remote(r) => match block_on(r.store.head(&r.path(rel))) {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(r.fail("reading", rel, e)),
            },
        }
    }

    /// Replaces an object in one step: readers see the old bytes or the new, never a part.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel);
                let tmp = temp_name(&path);
                std::fs::write(&tmp, bytes).at(&tmp)?;
                std::fs::rename(&tmp, &path).at(&path)
            }
            Location::Remote(r) => {
                block_on(r.store.put(&r.path(rel), PutPayload::from(bytes.to_vec())))
                    .map(|_| ())
                    .map_err(|e| r.fail("writing", rel, e))
            }
        }
    }

    /// Creates an object only when none exists: false when another writer got there first.
    pub fn put_new(&self, rel: &str, bytes: &[u8]) -> Result<bool> {
        match self {
            Location::Local(dir) => {
                // A complete file under a private name, then a hard link, which fails when the
                // target exists.
                let path = dir.join(rel);
                let tmp = temp_name(&path);
                std::fs::write(&tmp, bytes).at(&tmp)?;
                let linked = std::fs::hard_link(&tmp, &path);
                std::fs::remove_file(&tmp).at(&tmp)?;
                match linked {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                    Err(e) => Err(e).at(&path),
                }
            }
            Location::Remote(r) => {
                let opts = PutOptions::from(PutMode::Create);
                match block_on(r.store.put_opts(
                    &r.path(rel),
                    PutPayload::from(bytes.to_vec()),
                    opts,
                )) {
                    Ok(_) => Ok(true),
                    Err(
                        object_store::Error::AlreadyExists { .. }
                        | object_store::Error::Precondition { .. },
                    ) => Ok(false),
                    Err(e) => Err(r.fail("creating", rel, e)),
                }
            }
        }
    }

    /// Removes an object; one that is already gone is not an error.
    pub fn delete(&self, rel: &str) -> Result<()> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel);
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&path),
                    _ => Ok(()),
                }
            }
            Location::Remote(r) => match block_on(r.store.delete(&r.path(rel))) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(r.fail("deleting", rel, e)),
            },
        }
    }

    /// The objects directly or indirectly under `rel_dir`, as dataset-relative paths.
    pub fn list(&self, rel_dir: &str) -> Result<Vec<String>> {
        match self {
            Location::Local(dir) => {
                let mut out = Vec::new();
                let root = dir.join(rel_dir);
                let Ok(entries) = std::fs::read_dir(&root) else {
                    return Ok(out);
                };
                for e in entries {
                    let e = e.at(&root)?;
                    let name = e.file_name().to_string_lossy().to_string();
                    let rel = if rel_dir.is_empty() {
                        name
                    } else {
                        format!("{rel_dir}/{name}")
                    };
                    if e.file_type().at(&root)?.is_dir() {
                        out.extend(self.list(&rel)?);
                    } else {
                        out.push(rel);
                    }
                }
                out.sort();
                Ok(out)
            }
            Location::Remote(r) => r.list(rel_dir),
        }
    }

    /// Removes everything under `rel_dir`.
    pub fn delete_tree(&self, rel_dir: &str) -> Result<()> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel_dir);
                if path.exists() {
                    std::fs::remove_dir_all(&path).at(&path)?;
                }
                Ok(())
            }
            Location::Remote(_) => {
                for rel in self.list(rel_dir)? {
                    self.delete(&rel)?;
                }
                Ok(())
            }
        }
    }

    /// Makes sure the dataset's place exists and takes writes: the folder is created; on object
    /// storage a probe object is written and removed, which proves the bucket, the endpoint and
    /// the credentials before any work starts.
    pub fn check_writable(&self) -> Result<()> {
        match self {
            Location::Local(out) => {
                std::fs::create_dir_all(out).map_err(|e| {
                    Error::Invalid(format!(
                        "cannot create output folder {}: {e}; choose a writable --out",
                        out.display()
                    ))
                })?;
                let probe = out.join(".datagen-write-test");
                std::fs::write(&probe, b"ok").map_err(|e| {
                    Error::Invalid(format!(
                        "output folder {} is not writable: {e}; choose a writable --out",
                        out.display()
                    ))
                })?;
                let _ = std::fs::remove_file(&probe);
                Ok(())
            }
            Location::Remote(_) => {
                let probe = ".datagen-write-test";
                self.put(probe, b"ok")?;
                self.delete(probe)
            }
        }
    }

    /// Creates the folders shards go to (object storage has none to create).
    pub fn make_dirs(&self, dirs: &[&str]) -> Result<()> {
        if let Location::Local(out) = self {
            for d in dirs {
                let dir = out.join(d);
                std::fs::create_dir_all(&dir).at(&dir)?;
            }
        }
        Ok(())
    }

    /// Starts writing an object that appears under `rel` only when [`ObjectWriter::commit`]
    /// succeeds.
    pub fn create(&self, rel: &str) -> Result<ObjectWriter> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel);
                let tmp = temp_name(&path);
                let file = File::create(&tmp).at(&tmp)?;
                Ok(ObjectWriter::Local(LocalWriter {
                    file: Some(BufWriter::with_capacity(1 << 20, file)),
                    tmp,
                    path,
                }))
            }
            Location::Remote(r) => Ok(ObjectWriter::Remote(Box::new(RemoteWriter {
                remote: r.clone(),
                rel: rel.to_string(),
                buf: Vec::with_capacity(PART_BYTES),
                upload: None,
                in_flight: VecDeque::new(),
            }))),
        }
    }

    /// A whole shard in memory (kept for a while when it comes from object storage).
    pub fn fetch(&self, rel: &str) -> Result<Bytes> {
        let got = match self {
            Location::Local(_) => self.read(rel)?,
            Location::Remote(r) => r.get_cached(rel)?,
        };
        got.ok_or_else(|| self.missing_shard(rel))
    }

    /// A whole shard in memory, not kept (for readers that pass over each shard once).
    pub fn fetch_once(&self, rel: &str) -> Result<Bytes> {
        self.read(rel)?.ok_or_else(|| self.missing_shard(rel))
    }

    fn missing_shard(&self, rel: &str) -> Error {
        Error::Invalid(format!(
            "shard {} listed in the manifest is missing; restore it or regenerate the dataset",
            self.describe(rel)
        ))
    }

    /// Those of `rels` that do not exist (one listing on object storage).
    pub fn missing(&self, rels: &[String]) -> Result<Vec<String>> {
        match self {
            Location::Local(dir) => Ok(rels
                .iter()
                .filter(|r| !dir.join(r).is_file())
                .cloned()
                .collect()),
            Location::Remote(_) => {
                let present: std::collections::HashSet<String> =
                    self.list("")?.into_iter().collect();
                Ok(rels
                    .iter()
                    .filter(|r| !present.contains(*r))
                    .cloned()
                    .collect())
            }
        }
    }

    /// Removes what a killed writer of `rels` left behind: the temporary files of a local
    /// folder (`.NAME.PID.tmp`, whatever process wrote them), and only those of `rels`, so
    /// another part writing beside this one keeps its own. Returns how many were removed. On
    /// object storage an unfinished upload is invisible and is aborted by its writer when it
    /// stops; one killed outright is cleared by the bucket's lifecycle rule (README).
    pub fn remove_leftovers(&self, rels: &[String]) -> Result<usize> {
        let Location::Local(dir) = self else {
            return Ok(0);
        };
        let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
        for rel in rels {
            let path = dir.join(rel);
            let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                continue;
            };
            by_dir
                .entry(parent.to_path_buf())
                .or_default()
                .push(name.to_string_lossy().to_string());
        }
        let mut removed = 0;
        for (parent, names) in by_dir {
            let Ok(entries) = std::fs::read_dir(&parent) else {
                continue;
            };
            let names: std::collections::HashSet<&str> = names.iter().map(|n| n.as_str()).collect();
            for e in entries {
                let e = e.at(&parent)?;
                let file = e.file_name().to_string_lossy().to_string();
                if temp_target(&file).is_some_and(|name| names.contains(name)) {
                    std::fs::remove_file(e.path()).at(&e.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// SHA-256 of an object, hex-encoded, streamed; None when it does not exist.
    pub fn sha256(&self, rel: &str) -> Result<Option<String>> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(rel);
                match sha256_file(&path) {
                    Err(Error::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        Ok(None)
                    }
                    other => other.map(Some),
                }
            }
            Location::Remote(r) => r.sha256(rel),
        }
    }
}

/// SHA-256 of a file, hex-encoded, read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).at(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).at(path)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// The file a temporary name given by [`temp_name`] stands for (`.NAME.PID.tmp` → `NAME`).
fn temp_target(file: &str) -> Option<&str> {
    let (name, pid) = file
        .strip_prefix('.')?
        .strip_suffix(".tmp")?
        .rsplit_once('.')?;
    (!name.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

impl Remote {
    fn connect(rest: &str) -> Result<Remote> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/').to_string();
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_bucket {
            return Err(Error::Invalid(format!(
                "s3://{rest}: '{bucket}' is not a valid bucket name (3-63 lowercase letters, digits, '-' or '.')"
            )));
        }
        if prefix.split('/').any(|p| p == "." || p == "..") {
            return Err(Error::Invalid(format!(
                "s3://{rest}: the prefix may not contain '.' or '..' segments"
            )));
        }
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let endpoint = env("AWS_ENDPOINT_URL")
            .or_else(|| env("AWS_ENDPOINT"))
            .unwrap_or_else(|| {
                format!(
                    "AWS S3 ({})",
                    env("AWS_REGION")
                        .or_else(|| env("AWS_DEFAULT_REGION"))
                        .unwrap_or_else(|| "us-east-1".into())
                )
            });
        let secrets = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
            .iter()
            .filter_map(|k| env(k))
            .filter(|s| s.len() >= 4)
            .collect();
        // A refused or unreachable endpoint fails in seconds, not after minutes of retries.
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        };
        // Timeouts set through the configuration keys keep the client options taken from the
        // environment (AWS_ALLOW_HTTP and the like).
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                "10s",
            )
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "300s");
        if env("AWS_REGION").is_none()
            && let Some(region) = env("AWS_DEFAULT_REGION")
        {
            builder = builder.with_region(region);
        }
        runtime(); // installs the TLS crypto provider before the client is built
        let store = builder.build().map_err(|e| {
            Error::Invalid(format!(
                "s3://{rest}: cannot set up object storage at {endpoint}: {e}; check the AWS_* settings"
            ))
        })?;
        Ok(Remote {
            store: Arc::new(store),
            bucket: bucket.to_string(),
            prefix,
            endpoint,
            secrets,
            cache: Mutex::new(VecDeque::new()),
        })
    }

    fn key(&self, rel: &str) -> String {
        match (self.prefix.is_empty(), rel.is_empty()) {
            (true, _) => rel.to_string(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}/{rel}", self.prefix),
        }
    }

    fn path(&self, rel: &str) -> ObjectPath {
        ObjectPath::from(self.key(rel))
    }

    fn url(&self, rel: &str) -> String {
        let key = self.key(rel);
        if key.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{key}", self.bucket)
        }
    }

    /// An error naming the object and the endpoint, with what to do, and no credential.
    fn fail(&self, action: &str, rel: &str, e: object_store::Error) -> Error {
        let refused = matches!(
            e,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        );
        let mut detail = e.to_string();
        for s in &self.secrets {
            detail = detail.replace(s.as_str(), "***");
        }
        let hint = if detail.contains("NoSuchBucket") {
            format!(
                "bucket '{}' does not exist at {}; create it or choose another s3:// bucket",
                self.bucket, self.endpoint
            )
        } else if refused
            || [
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "AccessDenied",
                "403 Forbidden",
                "ExpiredToken",
                "InvalidToken",
            ]
            .iter()
            .any(|w| detail.contains(w))
        {
            format!(
                "{} refused the credentials for bucket '{}'; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)",
                self.endpoint, self.bucket
            )
        } else if [
            "error sending request",
            "Connection refused",
            "dns error",
            "timed out",
        ]
        .iter()
        .any(|w| detail.contains(w))
        {
            format!(
                "cannot reach {} for bucket '{}'; check AWS_ENDPOINT_URL (and AWS_ALLOW_HTTP=true for a plain-http server)",
                self.endpoint, self.bucket
            )
        } else {
            format!("object storage at {} answered an error", self.endpoint)
        };
        Error::Invalid(format!("{action} {}: {hint} ({detail})", self.url(rel)))
    }

    fn get(&self, rel: &str) -> Result<Option<Bytes>> {
        block_on(async {
            match self.store.get(&self.path(rel)).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(e) if absent(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(|e| self.fail("reading", rel, e))
    }

    fn get_cached(&self, rel: &str) -> Result<Option<Bytes>> {
        let key = self.key(rel);
        if let Some((_, b)) = self
            .cache
            .lock()
            .expect("cache lock")
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(Some(b.clone()));
        }
        let got = self.get(rel)?;
        if let Some(b) = &got
            && b.len() <= CACHE_BYTES / 2
        {
            let mut cache = self.cache.lock().expect("cache lock");
            cache.push_back((key, b.clone()));
            while cache.iter().map(|(_, b)| b.len()).sum::<usize>() > CACHE_BYTES {
                cache.pop_front();
            }
        }
        Ok(got)
    }

    fn sha256(&self, rel: &str) -> Result<Option<String>> {
        block_on(async {
            let got = match self.store.get(&self.path(rel)).await {
                Ok(r) => r,
                Err(e) if absent(&e) => return Ok(None),
                Err(e) => return Err(e),
            };
            let mut h = Sha256::new();
            let mut body = got.into_stream();
            while let Some(chunk) = body.next().await {
                h.update(&chunk?);
            }
            Ok(Some(hex::encode(h.finalize())))
        })
        .map_err(|e| self.fail("reading", rel, e))
    }

    fn list(&self, rel_dir: &str) -> Result<Vec<String>> {
        let dir = self.key(rel_dir);
        let prefix = (!dir.is_empty()).then(|| ObjectPath::from(dir.as_str()));
        let metas: Vec<object_store::ObjectMeta> = block_on(async {
            let mut out = Vec::new();
            let mut s = self.store.list(prefix.as_ref());
            while let Some(m) = s.next().await {
                out.push(m?);
            }
            Ok(out)
        })
        .map_err(|e| self.fail("listing", rel_dir, e))?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut out: Vec<String> = metas
            .into_iter()
            .filter_map(|m| m.location.as_ref().strip_prefix(&strip).map(String::from))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The object is not there (as opposed to its bucket, which is an error worth naming).
fn absent(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. }) && !e.to_string().contains("NoSuchBucket")
}

/// An object being written; it exists under its name only after [`ObjectWriter::commit`].
/// Dropping it unfinished leaves nothing under the name.
pub enum ObjectWriter {
    Local(LocalWriter),
    Remote(Box<RemoteWriter>),
}

/// A file written under a temporary name, renamed into place when complete.
pub struct LocalWriter {
    file: Option<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A multipart upload fed in [`PART_BYTES`] parts, at most [`PARTS_IN_FLIGHT`] uploading at
/// once, so memory stays bounded whatever the object's size. Objects smaller than one part go
/// up in a single request.
pub struct RemoteWriter {
    remote: Arc<Remote>,
    rel: String,
    buf: Vec<u8>,
    upload: Option<Box<dyn MultipartUpload>>,
    in_flight: VecDeque<tokio::task::JoinHandle<object_store::Result<()>>>,
}

impl RemoteWriter {
    fn send_part(&mut self) -> object_store::Result<()> {
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(PART_BYTES));
        if self.upload.is_none() {
            let path = self.remote.path(&self.rel);
            self.upload = Some(block_on(self.remote.store.put_multipart(&path))?);
        }
        let part = self
            .upload
            .as_mut()
            .expect("upload started")
            .put_part(PutPayload::from(data));
        self.in_flight.push_back(runtime().spawn(part));
        while self.in_flight.len() > PARTS_IN_FLIGHT {
            self.join_one()?;
        }
        Ok(())
    }

    fn join_one(&mut self) -> object_store::Result<()> {
        match self.in_flight.pop_front() {
            Some(h) => block_on(h)?,
            None => Ok(()),
        }
    }

    fn finish(mut self) -> object_store::Result<()> {
        if self.upload.is_none() {
            let path = self.remote.path(&self.rel);
            let data = std::mem::take(&mut self.buf);
            return block_on(self.remote.store.put(&path, PutPayload::from(data))).map(|_| ());
        }
        if !self.buf.is_empty() {
            self.send_part()?;
        }
        while !self.in_flight.is_empty() {
            self.join_one()?;
        }
        let mut upload = self.upload.take().expect("upload started");
        block_on(upload.complete()).map(|_| ())
    }
}

impl Drop for RemoteWriter {
    /// An upload that was not completed is aborted, so its parts do not linger in the bucket.
    fn drop(&mut self) {
        if let Some(mut upload) = self.upload.take() {
            for h in self.in_flight.drain(..) {
                h.abort();
            }
            let _ = block_on(upload.abort());
        }
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        match self {
            ObjectWriter::Local(w) => w.file.as_mut().expect("open").write(data),
            ObjectWriter::Remote(w) => {
                let room = PART_BYTES - w.buf.len();
                let n = data.len().min(room);
                w.buf.extend_from_slice(&data[..n]);
                if w.buf.len() >= PART_BYTES {
                    w.send_part().map_err(|e| {
                        std::io::Error::other(w.remote.fail("uploading", &w.rel, e).to_string())
                    })?;
                }
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            ObjectWriter::Local(w) => w.file.as_mut().expect("open").flush(),
            ObjectWriter::Remote(_) => Ok(()),
        }
    }
}

impl ObjectWriter {
    /// Makes the object visible under its name, complete (synced to disk locally).
    pub fn commit(self) -> Result<()> {
        match self {
            ObjectWriter::Local(mut w) => {
                let file = w.file.take().expect("open");
                let done = file
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.sync_all())
                    .at(&w.tmp)
                    .and_then(|()| std::fs::rename(&w.tmp, &w.path).at(&w.path));
                if done.is_err() {
                    let _ = std::fs::remove_file(&w.tmp);
                }
                done
            }
            ObjectWriter::Remote(w) => {
                let (remote, rel) = (w.remote.clone(), w.rel.clone());
                w.finish().map_err(|e| remote.fail("uploading", &rel, e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_of_the_named_shards_only_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t");
        std::fs::create_dir_all(&t).unwrap();
        let names = [
            ".part-00001.parquet.123.tmp", // ours, left by a killed writer
            ".part-00001.parquet.9.tmp",   // ours, another pid
            ".part-00002.parquet.456.tmp", // another part's, maybe still writing
            ".part-00001.parquet.tmp",     // not a temporary name
            ".part-00001.parquet.12x.tmp", // not a process id
            "part-00001.parquet",          // a finished shard
        ];
        for n in names {
            std::fs::write(t.join(n), b"x").unwrap();
        }
        let loc = Location::Local(dir.path().to_path_buf());
        let removed = loc
            .remove_leftovers(&[
                "t/part-00001.parquet".into(),
                "gone/part-00000.parquet".into(),
            ])
            .unwrap();
        assert_eq!(removed, 2);
        let mut left: Vec<String> = std::fs::read_dir(&t)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".part-00001.parquet.12x.tmp",
                ".part-00001.parquet.tmp",
                ".part-00002.parquet.456.tmp",
                "part-00001.parquet"
            ]
        );
    }
}
