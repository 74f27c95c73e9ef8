//! The binary COPY encoder round-trips edge values through a real PostgreSQL.

mod common;

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use bytes::BytesMut;
use datagen_load::encode;
use datagen_load::manifest::ColType;
use futures_util::SinkExt;

#[test]
fn edge_values_round_trip_through_postgres() {
    let c = common::client();
    let types: Vec<(String, ColType)> = [
        ("i", ColType::Int32),
        ("b", ColType::Int64),
        ("f", ColType::Float64),
        ("o", ColType::Bool),
        ("t", ColType::Text),
        ("j", ColType::Json),
        ("d", ColType::Date),
        ("ts", ColType::Timestamp),
        ("m", ColType::Money),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![
            Some(i32::MIN),
            None,
            Some(0),
            Some(i32::MAX),
        ])),
        Arc::new(Int64Array::from(vec![
            Some(i64::MIN),
            Some(-1),
            None,
            Some(i64::MAX),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(-0.5),
            Some(1e300),
            Some(3.25),
            None,
        ])),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(false),
            None,
            Some(true),
        ])),
        Arc::new(StringArray::from(vec![
            Some("ünïcødé 🍺"),
            Some(""),
            Some("a,\"b\"\n\\c"),
            None,
        ])),
        Arc::new(StringArray::from(vec![
            Some(r#"{"a":"back\\slash \"q\""}"#),
            Some("[1,2]"),
            None,
            Some("null"),
        ])),
        Arc::new(Date32Array::from(vec![
            Some(-719_162),
            Some(0),
            Some(10_957),
            None,
        ])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![
                Some(-62_135_596_800_000_000), // 0001-01-01
                Some(-1),
                None,
                Some(253_402_300_799_999_999), // 9999-12-31 23:59:59.999999
            ])
            .with_timezone("+00:00"),
        ),
        Arc::new(
            Decimal128Array::from(vec![Some(10_000_000_101), Some(-5), Some(0), None])
                .with_precision_and_scale(12, 2)
                .unwrap(),
        ),
    ];
    let schema = Arc::new(arrow::datatypes::Schema::new(
        types
            .iter()
            .zip(&cols)
            .map(|((n, _), a)| arrow::datatypes::Field::new(n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema, cols).unwrap();
    encode::check_types(&batch, &types).unwrap();
    let mut buf = BytesMut::new();
    encode::header(&mut buf);
    encode::encode_batch(&batch, &types, &mut buf);
    encode::trailer(&mut buf);

    c.exec(
        "DROP TABLE IF EXISTS public.encode_edges; CREATE TABLE public.encode_edges \
         (i integer, b bigint, f double precision, o boolean, t text, j jsonb, d date, ts timestamptz, m numeric(12,2))",
    );
    let (rt, client) = c.inner();
    rt.block_on(async {
        let sink = client
            .copy_in("COPY public.encode_edges FROM STDIN (FORMAT binary)")
            .await
            .unwrap();
        futures_util::pin_mut!(sink);
        sink.send(buf.freeze()).await.unwrap();
        assert_eq!(sink.finish().await.unwrap(), 4);
    });
    c.exec("SET TIME ZONE 'UTC'");
    let rows = c.strings(
        "SELECT concat_ws('|', coalesce(i::text,'∅'), coalesce(b::text,'∅'), coalesce(f::text,'∅'), coalesce(o::text,'∅'), \
         coalesce(t,'∅'), coalesce(j::text,'∅'), coalesce(d::text,'∅'), coalesce(ts::text,'∅'), coalesce(m::text,'∅')) \
         FROM public.encode_edges",
    );
    assert_eq!(
        rows,
        vec![
            "-2147483648|-9223372036854775808|-0.5|true|ünïcødé 🍺|{\"a\": \"back\\\\slash \\\"q\\\"\"}|0001-01-01|0001-01-01 00:00:00+00|100000001.01",
            "∅|-1|1e+300|false||[1, 2]|1970-01-01|1969-12-31 23:59:59.999999+00|-0.05",
            "0|∅|3.25|∅|a,\"b\"\n\\c|∅|2000-01-01|∅|0.00",
            "2147483647|9223372036854775807|∅|true|∅|null|∅|9999-12-31 23:59:59.999999+00|∅",
        ]
    );
    c.exec("DROP TABLE public.encode_edges");
}
