//! One shard's COPY: read, verify and encode it off the async runtime, stream the chunks to the
//! server, and record it in the ledger in the same transaction.

use super::*;

/// Reads, verifies, decodes and encodes one shard off the async runtime, handing COPY chunks
/// to the connection through a bounded channel. Columns are matched to the file by name.
pub(super) fn produce(
    loc: Location,
    rel: String,
    sha256: String,
    types: Vec<(String, ColType)>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes>>,
) {
    let send_err = |e: anyhow::Error| {
        let _ = tx.blocking_send(Err(e));
    };
    let path = PathBuf::from(loc.describe(&rel));
    // The whole shard, from its file or straight from object storage (no local copy), is
    // checked against the manifest before a byte of it reaches COPY.
    let bytes = match loc.fetch_once(&rel) {
        Ok(b) => b,
        Err(e) => return send_err(anyhow!("shard {} is unreadable: {e}", path.display())),
    };
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        return send_err(anyhow!(
            "shard {} is corrupt: its SHA-256 is {got}, the manifest says {sha256}; regenerate the dataset or restore the file, then rerun (shards already loaded are kept)",
            path.display()
        ));
    }
    let name = path.to_string_lossy();
    if name.ends_with(".parquet") {
        let builder = match ParquetRecordBatchReaderBuilder::try_new(bytes) {
            Ok(b) => b,
            Err(e) => {
                return send_err(anyhow!(
                    "shard {} is not readable Parquet: {e}",
                    path.display()
                ));
            }
        };
        let fields: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut projection = Vec::with_capacity(types.len());
        for (col, _) in &types {
            match fields.iter().position(|f| f == col) {
                Some(i) => projection.push(i),
                None => {
                    return send_err(anyhow!(
                        "shard {} has no column {col} (it holds {}); regenerate the dataset",
                        path.display(),
                        fields.join(", ")
                    ));
                }
            }
        }
        if fields.len() != types.len() {
            return send_err(anyhow!(
                "shard {} holds columns {} but the manifest declares {}; regenerate the dataset",
                path.display(),
                fields.join(", "),
                types
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let reader = match builder.with_batch_size(16 * 1024).build() {
            Ok(r) => r,
            Err(e) => {
                return send_err(anyhow!(
                    "shard {} is not readable Parquet: {e}",
                    path.display()
                ));
            }
        };
        let mut buf = BytesMut::with_capacity(CHUNK + (1 << 20));
        encode::header(&mut buf);
        for batch in reader {
            let batch = match batch.and_then(|b| b.project(&projection)) {
                Ok(b) => b,
                Err(e) => {
                    return send_err(anyhow!("shard {} cannot be decoded: {e}", path.display()));
                }
            };
            if let Err(e) = encode::check_types(&batch, &types) {
                return send_err(anyhow!("shard {}: {e}", path.display()));
            }
            encode::encode_batch(&batch, &types, &mut buf);
            if buf.len() >= CHUNK && tx.blocking_send(Ok(buf.split().freeze())).is_err() {
                return;
            }
        }
        encode::trailer(&mut buf);
        let _ = tx.blocking_send(Ok(buf.freeze()));
    } else {
        let data = if name.ends_with(".zst") {
            let mut out = Vec::new();
            if let Err(e) = zstd::Decoder::new(&bytes[..]).and_then(|mut d| d.read_to_end(&mut out))
            {
                return send_err(anyhow!(
                    "shard {} cannot be decompressed: {e}",
                    path.display()
                ));
            }
            Bytes::from(out)
        } else {
            bytes
        };
        let header_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let header = String::from_utf8_lossy(&data[..header_end]);
        let expected = types
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if header.trim_end_matches('\r') != expected {
            return send_err(anyhow!(
                "shard {}: its header ({header}) does not name the manifest's columns in order ({expected}); regenerate the dataset",
                path.display()
            ));
        }
        for start in (0..data.len()).step_by(CHUNK) {
            let chunk = data.slice(start..(start + CHUNK).min(data.len()));
            if tx.blocking_send(Ok(chunk)).is_err() {
                return;
            }
        }
    }
}

/// COPYs one shard and records it in the ledger, in one transaction. With `create`, the same
/// transaction creates the table first, so the COPY can FREEZE: rows land frozen and
/// all-visible, and the key build, validation and ANALYZE that read them next write nothing
/// back.
#[allow(clippy::too_many_arguments)]
pub(super) async fn load_shard(
    client: &mut Client,
    opts: &Options,
    loc: &Location,
    m: &Manifest,
    t: &Table,
    shard: usize,
    create: bool,
) -> Result<u64> {
    let s = &t.shards[shard];
    let path = loc.describe(&s.path);
    let types: Vec<(String, ColType)> = t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
    let cols: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
    let format = match (s.path.ends_with(".parquet"), create) {
        (true, false) => "binary",
        (true, true) => "binary, freeze true",
        (false, false) => "csv, header true",
        (false, true) => "csv, header true, freeze true",
    };
    let (tx_chunks, mut rx) = tokio::sync::mpsc::channel(4);
    let producer = {
        let (loc, rel, sha) = (loc.clone(), s.path.clone(), s.sha256.clone());
        tokio::task::spawn_blocking(move || produce(loc, rel, sha, types, tx_chunks))
    };
    let tx = client
        .transaction()
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    if create {
        tx.batch_execute(&create_sql(&opts.schema, t))
            .await
            .map_err(|e| anyhow!("creating {}: {}", t.name, describe(&e)))?;
    }
    let copy = format!(
        "COPY {} ({}) FROM STDIN (FORMAT {format})",
        table_sql(&opts.schema, &t.name),
        cols.join(", ")
    );
    let sink = tx
        .copy_in(&copy)
        .await
        .map_err(|e| anyhow!("{}: {}", t.name, describe(&e)))?;
    futures_util::pin_mut!(sink);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?; // dropping the sink and transaction aborts the COPY
        sink.send(chunk)
            .await
            .map_err(|e| anyhow!("loading {path}: {}", describe(&e)))?;
    }
    producer.await.context("shard reader")?;
    let rows = sink
        .finish()
        .await
        .map_err(|e| anyhow!("loading {path}: {}", describe(&e)))?;
    if rows != s.rows {
        bail!(
            "shard {path} held {rows} rows, the manifest says {}",
            s.rows
        );
    }
    tx.execute(
        &format!("INSERT INTO {} (dataset_id, table_name, shard_path, sha256, rows) VALUES ($1, $2, $3, $4, $5)", table_sql(&opts.schema, LEDGER)),
        &[&m.dataset.id, &t.name, &s.path, &s.sha256, &(rows as i64)],
    )
    .await
    .map_err(|e| anyhow!(describe(&e)))?;
    tx.commit()
        .await
        .map_err(|e| anyhow!("committing {path}: {}", describe(&e)))?;
    Ok(rows)
}
