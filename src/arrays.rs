//! Small constructors from iterators to Arrow arrays in the column types of `schema::ColType`.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::schema::TableSchema;

/// Rows per record batch handed to a writer: large enough to amortise encoding, small enough to
/// keep memory flat.
pub const BATCH_ROWS: usize = 64 * 1024;

pub fn i64s(v: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v))
}

pub fn i64s_opt(v: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<Int64Array>())
}

pub fn i32s(v: impl IntoIterator<Item = i32>) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(v))
}

pub fn f64s(v: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v))
}

pub fn bools(v: impl IntoIterator<Item = bool>) -> ArrayRef {
    Arc::new(v.into_iter().map(Some).collect::<BooleanArray>())
}

pub fn texts<S: AsRef<str>>(v: impl IntoIterator<Item = S>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

/// A text column composed row by row in one reused buffer (no `String` allocated per row):
/// `write` appends the row's text to the empty buffer it is given.
pub fn texts_written<T>(
    rows: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut String, T),
) -> ArrayRef {
    let rows = rows.into_iter();
    let mut b = StringBuilder::with_capacity(rows.size_hint().0, rows.size_hint().0 * 16);
    let mut buf = String::new();
    for r in rows {
        buf.clear();
        write(&mut buf, r);
        b.append_value(&buf);
    }
    Arc::new(b.finish())
}

/// Appends the decimal digits of `n` (the same text as `n.to_string()`).
pub fn push_decimal(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
}

pub fn texts_opt<S: AsRef<str>>(v: impl IntoIterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<StringArray>())
}

pub fn dates(v: impl IntoIterator<Item = i32>) -> ArrayRef {
    Arc::new(Date32Array::from_iter_values(v))
}

pub fn timestamps(v: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter_values(v).with_timezone(crate::schema::UTC))
}

pub fn timestamps_opt(v: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(
        v.into_iter()
            .collect::<TimestampMicrosecondArray>()
            .with_timezone(crate::schema::UTC),
    )
}

/// Money in cents as numeric(12,2).
pub fn money(cents: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(
        Decimal128Array::from_iter_values(cents.into_iter().map(i128::from))
            .with_precision_and_scale(12, 2)
            .expect("valid decimal"),
    )
}

/// Assembles a batch in the table's declared column order.
pub fn batch(schema: &TableSchema, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(schema.arrow.clone(), columns)
        .map_err(|e| Error::Invalid(format!("building a batch of {}: {e}", schema.name)))
}

/// Rows gathered into batches of [`BATCH_ROWS`], each emitted as it fills: the same batches as
/// [`emit_chunks`] over all the rows, with only one batch of rows in memory at a time.
pub struct Batcher<'e, T, B> {
    rows: Vec<T>,
    build: B,
    emit: &'e mut dyn FnMut(RecordBatch) -> Result<()>,
}

impl<'e, T, B: Fn(&[T]) -> Result<RecordBatch>> Batcher<'e, T, B> {
    pub fn new(build: B, emit: &'e mut dyn FnMut(RecordBatch) -> Result<()>) -> Self {
        Batcher {
            rows: Vec::with_capacity(BATCH_ROWS),
            build,
            emit,
        }
    }

    pub fn push(&mut self, row: T) -> Result<()> {
        self.rows.push(row);
        if self.rows.len() == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let b = (self.build)(&self.rows)?;
        self.rows.clear();
        (self.emit)(b)
    }

    /// Emits the last, partial batch.
    pub fn finish(mut self) -> Result<()> {
        if !self.rows.is_empty() {
            self.flush()?;
        }
        Ok(())
    }
}

/// Emits `items` in batches of at most `BATCH_ROWS` rows.
pub fn emit_chunks<T>(
    items: &[T],
    build: impl Fn(&[T]) -> Result<RecordBatch>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    for chunk in items.chunks(crate::arrays::BATCH_ROWS) {
        emit(build(chunk)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits_and_written_texts_match_formatting() {
        use arrow::array::Array;
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        let a = texts_written(0..1000u64, |s, i| {
            s.push_str("a.");
            push_decimal(s, i * 7919);
        });
        let a = a.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(a.len(), 1000);
        assert!((0..1000u64).all(|i| a.value(i as usize) == format!("a.{}", i * 7919)));
    }
}
