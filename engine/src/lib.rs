//! Ventanilla's engine: the guide's attention lifecycle as actors, with no HTTP in it.
//!
//! The gateway talks to [`Engine`] for commands and reads [`views::Views`] for
//! polls; everything that must survive a restart goes through a [`store::Store`].

pub mod actors;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod console;
pub mod dispatch;
pub mod domain;
pub mod duration;
pub mod engine;
pub mod error;
pub mod estimate;
pub mod fenwick;
pub mod meeting;
pub mod metrics;
pub mod place;
pub mod presence;
pub mod reload;
pub mod retention;
pub mod store;
#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;
pub mod ticket;
pub mod views;
pub mod waits;
pub mod watchers;

pub use engine::{Engine, EngineParts, FinalizeInput, JoinInput};
pub use error::EngineError;
