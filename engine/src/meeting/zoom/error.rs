//! What can go wrong talking to Zoom, in words an operator can read (Spanish: the
//! reason reaches the console through [`MeetingError`]).

use super::super::MeetingError;

/// A Zoom call failed. Every variant leaves nothing half-done on our side: the
/// engine keeps the assignment and the operator may retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomError {
    /// The operator has no usable Zoom user (`zoom_user` in the configuration).
    #[error("el operador no tiene un usuario de Zoom válido configurado (zoom_user: id o correo del usuario anfitrión)")]
    MissingHost,
    /// Zoom does not know the operator's Zoom user in this account.
    #[error("el usuario de Zoom del operador no existe en la cuenta de Zoom (revise zoom_user): {detail}")]
    HostNotFound {
        /// Zoom's code and message.
        detail: String,
    },
    /// The host's 100 creates a day are used up; Zoom resets the count at 00:00 UTC.
    #[error("límite diario de reuniones de Zoom alcanzado para este operador (100 al día); se restablece a las 00:00 UTC")]
    DailyLimit,
    /// Per-second limits were still hit after the bounded retries.
    #[error("Zoom está limitando las peticiones por segundo; reintente en unos segundos")]
    RateLimited,
    /// The OAuth endpoint refused the app's credentials.
    #[error("Zoom rechazó las credenciales de la aplicación (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET): {detail}")]
    Credentials {
        /// Zoom's reason.
        detail: String,
    },
    /// A freshly issued token was refused too.
    #[error("Zoom rechazó el token de acceso recién obtenido (revise los permisos de la aplicación): {detail}")]
    Unauthorized {
        /// Zoom's code and message.
        detail: String,
    },
    /// No answer within the configured time.
    #[error("Zoom no respondió en {seconds} s")]
    Timeout {
        /// The configured timeout.
        seconds: u64,
    },
    /// Zoom could not be reached at all.
    #[error("no se pudo conectar con Zoom: {detail}")]
    Unreachable {
        /// The transport error.
        detail: String,
    },
    /// Zoom answered with an error status.
    #[error("Zoom respondió {status}: {detail}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// Zoom's code and message.
        detail: String,
    },
    /// Zoom's answer could not be understood.
    #[error("respuesta de Zoom no válida: {detail}")]
    InvalidAnswer {
        /// What was wrong with it.
        detail: String,
    },
    /// A stored meeting id that is not a Zoom meeting number.
    #[error("identificador de reunión de Zoom no válido: {id:?}")]
    InvalidMeetingId {
        /// The id as stored.
        id: String,
    },
    /// The provider's settings are unusable (startup only).
    #[error("configuración de Zoom no válida: {detail}")]
    InvalidSettings {
        /// Which setting and why.
        detail: String,
    },
}

impl From<ZoomError> for MeetingError {
    fn from(error: ZoomError) -> MeetingError {
        MeetingError {
            reason: error.to_string(),
        }
    }
}
