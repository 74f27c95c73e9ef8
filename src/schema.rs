//! Table declarations: columns with their Arrow and PostgreSQL types, keys, references and
//! accepted values. The manifest, the writers, `validate` and the loader all read these.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::profile::Size;

/// Time zone of every timestamp column: an offset, which every Arrow reader understands.
pub const UTC: &str = "+00:00";

/// The logical column types the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    Int32,
    Int64,
    Float64,
    Bool,
    Text,
    /// JSON document stored as UTF-8 text in files, `jsonb` in PostgreSQL.
    Json,
    Date,
    /// Microseconds since the Unix epoch, UTC.
    Timestamp,
    /// Fixed-point number: precision 12, scale 2 (money).
    Money,
}

impl ColType {
    pub fn arrow(self) -> DataType {
        match self {
            ColType::Int32 => DataType::Int32,
            ColType::Int64 => DataType::Int64,
            ColType::Float64 => DataType::Float64,
            ColType::Bool => DataType::Boolean,
            ColType::Text | ColType::Json => DataType::Utf8,
            ColType::Date => DataType::Date32,
            ColType::Timestamp => {
                DataType::Timestamp(TimeUnit::Microsecond, Some(crate::schema::UTC.into()))
            }
            ColType::Money => DataType::Decimal128(12, 2),
        }
    }

    pub fn postgres(self) -> &'static str {
        match self {
            ColType::Int32 => "integer",
            ColType::Int64 => "bigint",
            ColType::Float64 => "double precision",
            ColType::Bool => "boolean",
            ColType::Text => "text",
            ColType::Json => "jsonb",
            ColType::Date => "date",
            ColType::Timestamp => "timestamptz",
            ColType::Money => "numeric(12,2)",
        }
    }
}

/// A column of a table, named once in the table's `cols` module: the schema declares it and
/// every check reads through it, so renaming a column fails at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col {
    pub table: &'static str,
    pub name: &'static str,
}

impl Col {
    pub const fn new(table: &'static str, name: &'static str) -> Col {
        Col { table, name }
    }
}

impl std::fmt::Display for Col {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.name)
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
    pub description: &'static str,
    pub accepted: &'static [&'static str],
    /// Rows come grouped by this column (runs of one value, or steps of one such as a device's
    /// consecutive days): the files store it as deltas, which cost a few bits, instead of a
    /// dictionary, which costs a lookup per row.
    pub grouped: bool,
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub column: &'static str,
    pub table: &'static str,
    pub references: &'static str,
}

#[derive(Clone, Debug)]
pub struct TableSchema {
    pub name: &'static str,
    pub description: &'static str,
    pub columns: Vec<Column>,
    /// Rows in each profile.
    pub size: Size,
    pub primary_key: &'static str,
    pub foreign_keys: Vec<ForeignKey>,
    pub arrow: SchemaRef,
}

impl TableSchema {
    /// The declaration of a table: its columns in file order, its key, its size per profile and
    /// its references as (column, parent table, parent column).
    pub fn new(
        name: &'static str,
        description: &'static str,
        size: Size,
        primary_key: Col,
        columns: Vec<Column>,
        foreign_keys: &[(Col, &'static str, &'static str)],
    ) -> Self {
        let primary_key = primary_key.name;
        let fields: Vec<Field> = columns
            .iter()
            .map(|c| Field::new(c.name, c.ty.arrow(), c.nullable))
            .collect();
        assert!(columns.iter().any(|c| c.name == primary_key), "{name}: pk");
        TableSchema {
            name,
            description,
            size,
            primary_key,
            foreign_keys: foreign_keys
                .iter()
                .map(|&(column, table, references)| ForeignKey {
                    column: column.name,
                    table,
                    references,
                })
                .collect(),
            columns,
            arrow: Arc::new(Schema::new(fields)),
        }
    }

    /// Whether rows follow a column's order: the primary key, an instant, or a grouped column.
    /// Files store these as deltas with statistics (see `output::parquet_properties`).
    pub fn ordered(&self, c: &Column) -> bool {
        c.ty == ColType::Timestamp || c.name == self.primary_key || c.grouped
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A required column.
pub fn col(c: Col, ty: ColType, description: &'static str) -> Column {
    Column {
        name: c.name,
        ty,
        nullable: false,
        description,
        accepted: &[],
        grouped: false,
    }
}

impl Column {
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    pub fn accepted(mut self, values: &'static [&'static str]) -> Self {
        self.accepted = values;
        self
    }

    /// Rows come grouped by this column (see [`Column::grouped`]).
    pub fn grouped(mut self) -> Self {
        self.grouped = true;
        self
    }
}
