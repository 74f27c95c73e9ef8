//! The product's own database: accounts, locations, users, devices and subscriptions, written
//! straight from the world model.

pub mod accounts;
pub mod devices;
pub mod locations;
pub mod subscriptions;
pub mod users;
