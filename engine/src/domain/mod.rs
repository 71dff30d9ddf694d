//! The domain: the guide's vocabulary as types that validate on the way in.

pub mod identity;
pub mod lifecycle;
pub mod nif;
pub mod operator;
pub mod outcome;
pub mod schedule;
pub mod service;
pub mod text;

pub use identity::{Directory, IdentityCheck, IdentityError};
pub use lifecycle::{AbandonReason, Duty, MeetingRecord, TicketState};
pub use nif::{Nif, NifError};
pub use operator::{Credential, OperatorId, OperatorIdError, OperatorProfile};
pub use outcome::{Annotation, Observations, ObservationsError, Outcome};
pub use schedule::{Calendar, Days, Schedule, ScheduleError, Weekdays};
pub use service::{Service, ServiceCode, ServiceCodeError};
pub use text::{ContrastDatum, TaxpayerName, TextError};
