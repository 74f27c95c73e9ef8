//! PostgreSQL binary COPY encoding straight from Arrow arrays: no per-value allocation, no text
//! round trip. Layout: signature, flags, header extension; per row a field count, per field a
//! big-endian length (-1 for NULL) and the value in the type's binary send format.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimeUnit,
    TimestampMicrosecondType,
};
use bytes::{BufMut, BytesMut};

use crate::manifest::ColType;

/// Microseconds from the Unix epoch to PostgreSQL's epoch (2000-01-01).
pub const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days from the Unix epoch to PostgreSQL's epoch.
pub const PG_EPOCH_DAYS: i32 = 10_957;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("column {column}: expected {expected}, the file holds {found}")]
    Type {
        column: String,
        expected: String,
        found: DataType,
    },
}

pub fn header(buf: &mut BytesMut) {
    buf.put_slice(b"PGCOPY\n\xff\r\n\0");
    buf.put_i32(0);
    buf.put_i32(0);
}

pub fn trailer(buf: &mut BytesMut) {
    buf.put_i16(-1);
}

/// Checks that each column of the batch has the Arrow type the manifest promises.
pub fn check_types(batch: &RecordBatch, types: &[(String, ColType)]) -> Result<(), EncodeError> {
    for ((name, ty), col) in types.iter().zip(batch.columns()) {
        let ok = matches!(
            (ty, col.data_type()),
            (ColType::Int32, DataType::Int32)
                | (ColType::Int64, DataType::Int64)
                | (ColType::Float64, DataType::Float64)
                | (ColType::Bool, DataType::Boolean)
                | (ColType::Text | ColType::Json, DataType::Utf8)
                | (ColType::Date, DataType::Date32)
                | (
                    ColType::Timestamp,
                    DataType::Timestamp(TimeUnit::Microsecond, _)
                )
                | (ColType::Money, DataType::Decimal128(_, _))
        );
        if !ok {
            return Err(EncodeError::Type {
                column: name.clone(),
                expected: format!("{ty:?}"),
                found: col.data_type().clone(),
            });
        }
    }
    Ok(())
}

/// A column downcast once per batch, so the row loop does no dynamic type checks.
enum Col<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
    F64(&'a [f64]),
    Bool(&'a arrow::array::BooleanArray),
    Text(&'a arrow::array::StringArray, bool),
    Date(&'a [i32]),
    Ts(&'a [i64]),
    Money(&'a [i128], u16),
}

/// Appends every row of the batch. Column types must have passed `check_types`.
pub fn encode_batch(batch: &RecordBatch, types: &[(String, ColType)], buf: &mut BytesMut) {
    let arrays = batch.columns();
    let cols: Vec<(Col, Option<&arrow::buffer::NullBuffer>)> = arrays
        .iter()
        .zip(types)
        .map(|(a, (_, ty))| {
            let col = match ty {
                ColType::Int32 => Col::I32(a.as_primitive::<Int32Type>().values()),
                ColType::Int64 => Col::I64(a.as_primitive::<Int64Type>().values()),
                ColType::Float64 => Col::F64(a.as_primitive::<Float64Type>().values()),
                ColType::Bool => Col::Bool(a.as_boolean()),
                ColType::Text => Col::Text(a.as_string::<i32>(), false),
                ColType::Json => Col::Text(a.as_string::<i32>(), true),
                ColType::Date => Col::Date(a.as_primitive::<Date32Type>().values()),
                ColType::Timestamp => {
                    Col::Ts(a.as_primitive::<TimestampMicrosecondType>().values())
                }
                ColType::Money => {
                    let d = a.as_primitive::<Decimal128Type>();
                    Col::Money(d.values(), d.scale().max(0) as u16)
                }
            };
            (col, a.nulls())
        })
        .collect();
    buf.reserve(batch.num_rows() * (2 + cols.len() * 12));
    for row in 0..batch.num_rows() {
        buf.put_i16(cols.len() as i16);
        for (col, nulls) in &cols {
            if nulls.is_some_and(|n| n.is_null(row)) {
                buf.put_i32(-1);
                continue;
            }
            match col {
                Col::I32(v) => {
                    buf.put_i32(4);
                    buf.put_i32(v[row]);
                }
                Col::I64(v) => {
                    buf.put_i32(8);
                    buf.put_i64(v[row]);
                }
                Col::F64(v) => {
                    buf.put_i32(8);
                    buf.put_f64(v[row]);
                }
                Col::Bool(v) => {
                    buf.put_i32(1);
                    buf.put_u8(u8::from(v.value(row)));
                }
                Col::Text(v, json) => {
                    let s = v.value(row);
                    buf.put_i32(s.len() as i32 + i32::from(*json));
                    if *json {
                        buf.put_u8(1); // jsonb format version
                    }
                    buf.put_slice(s.as_bytes());
                }
                Col::Date(v) => {
                    buf.put_i32(4);
                    buf.put_i32(v[row] - PG_EPOCH_DAYS);
                }
                Col::Ts(v) => {
                    buf.put_i32(8);
                    buf.put_i64(v[row] - PG_EPOCH_MICROS);
                }
                Col::Money(v, scale) => put_numeric(buf, v[row], *scale),
            }
        }
    }
}

/// PostgreSQL `numeric` send format of `value / 10^scale`: base-10000 digit groups with a
/// weight (position of the first group relative to the decimal point), sign and display scale.
pub fn put_numeric(buf: &mut BytesMut, value: i128, scale: u16) {
    let negative = value < 0;
    let mut abs = value.unsigned_abs();
    // Pad the fraction to whole groups of four digits.
    let pad = (4 - scale % 4) % 4;
    abs *= 10u128.pow(u32::from(pad));
    let frac_groups = usize::from((scale + pad) / 4);
    let mut groups: Vec<i16> = Vec::new(); // little-endian
    while abs > 0 {
        groups.push((abs % 10_000) as i16);
        abs /= 10_000;
    }
    while groups.len() < frac_groups {
        groups.push(0);
    }
    groups.reverse(); // big-endian
    let mut weight = groups.len() as i32 - frac_groups as i32 - 1;
    let lead = groups.iter().take_while(|&&g| g == 0).count();
    weight -= lead as i32;
    let trail = groups[lead..].iter().rev().take_while(|&&g| g == 0).count();
    let digits = &groups[lead..groups.len() - trail];
    if digits.is_empty() {
        weight = 0;
    }
    buf.put_i32(8 + 2 * digits.len() as i32);
    buf.put_i16(digits.len() as i16);
    buf.put_i16(weight as i16);
    buf.put_u16(if negative && !digits.is_empty() {
        0x4000
    } else {
        0
    });
    buf.put_u16(scale);
    for d in digits {
        buf.put_i16(*d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(value: i128, scale: u16) -> Vec<i16> {
        let mut b = BytesMut::new();
        put_numeric(&mut b, value, scale);
        b[4..]
            .chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    #[test]
    fn numeric_groups() {
        // 1234.56 → groups [1234, 5600], weight 0
        assert_eq!(numeric(123_456, 2), vec![2, 0, 0, 2, 1234, 5600]);
        // 0.05 → [500], weight -1
        assert_eq!(numeric(5, 2), vec![1, -1, 0, 2, 500]);
        // 10000.00 → [1], weight 1 (trailing zero group stripped)
        assert_eq!(numeric(1_000_000, 2), vec![1, 1, 0, 2, 1]);
        // -299.00
        assert_eq!(numeric(-29_900, 2), vec![1, 0, 0x4000, 2, 299]);
        // 0
        assert_eq!(numeric(0, 2), vec![0, 0, 0, 2]);
        // 100000001.01 → [1, 0, 1, 100]: a zero group in the middle stays
        assert_eq!(numeric(10_000_000_101, 2), vec![4, 2, 0, 2, 1, 0, 1, 100]);
    }
}
