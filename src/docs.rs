//! Derived documentation.
