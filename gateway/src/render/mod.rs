//! The bodies of the two polls of API.md and their ETags, rendered from an
//! engine snapshot and "now": the console's (`console`) and the ticket
//! page's (`ticket`). What they show is the engine's to decide
//! (`engine::console`, `engine::place`); how it reads as JSON is HTTP's.

mod console;
pub mod schema;
mod ticket;

pub use console::*;
pub use ticket::*;
