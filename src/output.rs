//! Shard files: Parquet (zstd by default) or CSV (optionally zstd-compressed), each written under
//! a temporary name, hashed while written, and renamed into place only when complete.

use std::io::Write;
use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as PqCompression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use crate::error::{Error, IoContext, Result};
use crate::manifest::ShardEntry;
use crate::schema::{ColType, TableSchema};
use crate::store::{Location, ObjectWriter};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    Zstd,
    Snappy,
    None,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Zstd => "zstd",
            Compression::Snappy => "snappy",
            Compression::None => "none",
        }
    }
}

/// Rows per Parquet row group: big enough for efficient scans, small enough to bound memory.
pub const ROW_GROUP_ROWS: usize = 1 << 20;
const ZSTD_LEVEL: i32 = 1;

pub fn shard_file_name(shard: usize, format: Format, compression: Compression) -> String {
    match (format, compression) {
        (Format::Parquet, _) => format!("part-{shard:05}.parquet"),
        (Format::Csv, Compression::Zstd) => format!("part-{shard:05}.csv.zst"),
        (Format::Csv, _) => format!("part-{shard:05}.csv"),
    }
}

/// A writer that hashes and counts the bytes passing through.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

type Sink = Hashing<ObjectWriter>;

enum Encoder {
    Parquet(Box<ArrowWriter<Sink>>),
    Csv(arrow::csv::Writer<Sink>),
    CsvZstd(arrow::csv::Writer<zstd::Encoder<'static, Sink>>),
}

/// The Parquet settings every shard is written with (also used by the output-floor benchmark).
pub fn parquet_properties(schema: &TableSchema, compression: Compression) -> WriterProperties {
    let codec = match compression {
        Compression::Zstd => PqCompression::ZSTD(ZstdLevel::try_new(ZSTD_LEVEL).expect("level")),
        Compression::Snappy => PqCompression::SNAPPY,
        Compression::None => PqCompression::UNCOMPRESSED,
    };
    let mut props = WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("datagen {}", env!("CARGO_PKG_VERSION")));
    // Dictionaries pay off for enums, names and measures with few values. Keys, instants and
    // columns the rows are grouped by change by small steps: deltas store them in a few bits
    // without a dictionary lookup per row. Only those ordered columns get statistics: readers
    // prune row groups on them, while every row group spans the whole range of a measure or
    // an enum, so min/max there would cost a comparison per value and prune nothing.
    for c in &schema.columns {
        let path = ColumnPath::from(c.name);
        let ordered = schema.ordered(c);
        let integer = matches!(
            c.ty,
            ColType::Int32 | ColType::Int64 | ColType::Date | ColType::Timestamp
        );
        if ordered {
            props = props.set_column_dictionary_enabled(path.clone(), false);
            if integer {
                props = props.set_column_encoding(path.clone(), Encoding::DELTA_BINARY_PACKED);
            }
        }
        if !(ordered || c.ty == ColType::Date) {
            props = props.set_column_statistics_enabled(path, EnabledStatistics::None);
        }
    }
    props.build()
}

/// Writes one shard (`rel`, e.g. `accounts/part-00000.parquet`) from the batches `produce`
/// emits, hashing it on the way out, and returns its manifest entry. The shard appears under its
/// name only when complete.
pub fn write_shard(
    loc: &Location,
    rel: &str,
    schema: &TableSchema,
    format: Format,
    compression: Compression,
    produce: impl FnOnce(&mut dyn FnMut(RecordBatch) -> Result<()>) -> Result<()>,
) -> Result<ShardEntry> {
    let final_path = PathBuf::from(loc.describe(rel));
    let sink = Hashing {
        inner: loc.create(rel)?,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let arrow_err = |source| Error::Arrow {
        path: final_path.clone(),
        source,
    };
    let pq_err = |source| Error::Parquet {
        path: final_path.clone(),
        source,
    };
    let csv = || arrow::csv::WriterBuilder::new().with_header(true);
    let mut enc = match (format, compression) {
        (Format::Parquet, _) => Encoder::Parquet(Box::new(
            ArrowWriter::try_new(
                sink,
                schema.arrow.clone(),
                Some(parquet_properties(schema, compression)),
            )
            .map_err(pq_err)?,
        )),
        (Format::Csv, Compression::Zstd) => {
            let z = zstd::Encoder::new(sink, 3).at(&final_path)?;
            Encoder::CsvZstd(csv().build(z))
        }
        (Format::Csv, _) => Encoder::Csv(csv().build(sink)),
    };
    let mut rows = 0u64;
    let result = produce(&mut |b: RecordBatch| {
        rows += b.num_rows() as u64;
        match &mut enc {
            Encoder::Parquet(w) => w.write(&b).map_err(pq_err),
            Encoder::Csv(w) => w.write(&b).map_err(arrow_err),
            Encoder::CsvZstd(w) => w.write(&b).map_err(arrow_err),
        }
    });
    let finished = result.and_then(|()| match enc {
        Encoder::Parquet(w) => w.into_inner().map_err(pq_err),
        Encoder::Csv(w) => Ok(w.into_inner()),
        Encoder::CsvZstd(w) => w.into_inner().finish().at(&final_path),
    });
    // On any error the writer is dropped unfinished: no object appears under the shard's name.
    let mut sink = finished?;
    sink.flush().at(&final_path)?;
    let (hash, bytes) = (hex::encode(sink.hasher.finalize()), sink.bytes);
    sink.inner.commit()?;
    Ok(ShardEntry {
        path: rel.to_string(),
        rows,
        bytes,
        sha256: hash,
    })
}

pub use crate::store::sha256_file;

/// Thousands separators: 1234567 → 1,234,567.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in binary units: 1.5 KiB, 23.4 MiB, 1.2 GiB.
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}
