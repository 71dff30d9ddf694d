//! The events the consoles need, read from a verified body. Names of people and
//! e-mail addresses in the payload are not read at all: nothing here can leak
//! them into a log.

use jiff::Timestamp;
use serde::Deserialize;

use super::super::id;
use super::dedupe::DeliveryKey;
use super::WebhookError;

/// The meeting an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRef {
    /// Zoom's meeting number (sent as a string in webhooks; kept as a number).
    pub id: u64,
    /// This occurrence of the meeting.
    pub uuid: Option<String>,
    /// The host's Zoom user id.
    pub host_id: Option<String>,
}

/// Who joined or left, without their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The participant's id within this meeting (`user_id`).
    pub user_id: Option<String>,
    /// Zoom's id for this participant in this meeting (`participant_uuid`).
    pub participant_uuid: Option<String>,
    /// Whether this is the host (their Zoom user `id` is the meeting's `host_id`).
    pub is_host: bool,
}

/// A Zoom event, as far as Ventanilla cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoomEvent {
    /// `meeting.started`: the operator started the meeting.
    MeetingStarted {
        /// The meeting.
        meeting: MeetingRef,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.ended`: ended for everybody.
    MeetingEnded {
        /// The meeting.
        meeting: MeetingRef,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.participant_joined_waiting_room` or `…_put_in_waiting_room`:
    /// someone waits for the operator to press Admitir.
    ParticipantInWaitingRoom {
        /// The meeting.
        meeting: MeetingRef,
        /// Who waits.
        participant: Participant,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.participant_left_waiting_room`: gave up, or was admitted.
    ParticipantLeftWaitingRoom {
        /// The meeting.
        meeting: MeetingRef,
        /// Who left the waiting room.
        participant: Participant,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.participant_admitted`: the host let them in.
    ParticipantAdmitted {
        /// The meeting.
        meeting: MeetingRef,
        /// Who was admitted.
        participant: Participant,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.participant_joined`: in the meeting (the host too).
    ParticipantJoined {
        /// The meeting.
        meeting: MeetingRef,
        /// Who joined.
        participant: Participant,
        /// `event_ts`.
        at: Timestamp,
    },
    /// `meeting.participant_left`.
    ParticipantLeft {
        /// The meeting.
        meeting: MeetingRef,
        /// Who left.
        participant: Participant,
        /// `event_ts`.
        at: Timestamp,
    },
    /// Any other event: ignored (with a metric) by the caller.
    Other {
        /// Zoom's event name.
        event: String,
    },
}

impl ZoomEvent {
    /// The meeting the event is about, for the events we read.
    pub fn meeting(&self) -> Option<&MeetingRef> {
        match self {
            ZoomEvent::MeetingStarted { meeting, .. }
            | ZoomEvent::MeetingEnded { meeting, .. }
            | ZoomEvent::ParticipantInWaitingRoom { meeting, .. }
            | ZoomEvent::ParticipantLeftWaitingRoom { meeting, .. }
            | ZoomEvent::ParticipantAdmitted { meeting, .. }
            | ZoomEvent::ParticipantJoined { meeting, .. }
            | ZoomEvent::ParticipantLeft { meeting, .. } => Some(meeting),
            ZoomEvent::Other { .. } => None,
        }
    }

    /// The meeting number, for the events we read.
    pub fn meeting_id(&self) -> Option<u64> {
        self.meeting().map(|meeting| meeting.id)
    }

    /// When Zoom says it happened, for the events we read.
    pub fn at(&self) -> Option<Timestamp> {
        match self {
            ZoomEvent::MeetingStarted { at, .. }
            | ZoomEvent::MeetingEnded { at, .. }
            | ZoomEvent::ParticipantInWaitingRoom { at, .. }
            | ZoomEvent::ParticipantLeftWaitingRoom { at, .. }
            | ZoomEvent::ParticipantAdmitted { at, .. }
            | ZoomEvent::ParticipantJoined { at, .. }
            | ZoomEvent::ParticipantLeft { at, .. } => Some(*at),
            ZoomEvent::Other { .. } => None,
        }
    }

    /// The participant, for participant events.
    pub fn participant(&self) -> Option<&Participant> {
        match self {
            ZoomEvent::ParticipantInWaitingRoom { participant, .. }
            | ZoomEvent::ParticipantLeftWaitingRoom { participant, .. }
            | ZoomEvent::ParticipantAdmitted { participant, .. }
            | ZoomEvent::ParticipantJoined { participant, .. }
            | ZoomEvent::ParticipantLeft { participant, .. } => Some(participant),
            _ => None,
        }
    }
}

/// `{"event", "event_ts", "payload": {...}}`.
#[derive(Deserialize)]
pub(super) struct Envelope {
    pub(super) event: String,
    #[serde(default)]
    event_ts: Option<i64>,
    #[serde(default)]
    payload: Option<Payload>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default, rename = "plainToken")]
    plain_token: Option<String>,
    /// Read only for the events we know: other events have other objects (a
    /// user's id is not a meeting number) and must not be refused for it.
    #[serde(default)]
    object: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawObject {
    #[serde(default, deserialize_with = "optional_meeting_id")]
    id: Option<u64>,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    host_id: Option<String>,
    #[serde(default)]
    participant: Option<RawParticipant>,
}

/// Only ids: `user_name` and `email` stay unread.
#[derive(Deserialize)]
struct RawParticipant {
    #[serde(default, deserialize_with = "optional_text")]
    id: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    user_id: Option<String>,
    #[serde(default)]
    participant_uuid: Option<String>,
}

fn optional_meeting_id<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    id::deserialize(deserializer).map(Some)
}

/// Zoom sends `user_id` as a string, older payloads as a number.
fn optional_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.is_empty())
}

fn malformed(event: &str, what: &str) -> WebhookError {
    WebhookError::Malformed {
        reason: format!("{event} without {what}"),
    }
}

impl Envelope {
    pub(super) fn plain_token(&self) -> Option<&str> {
        self.payload.as_ref()?.plain_token.as_deref()
    }

    /// The typed event and its delivery key: event, meeting uuid (or id),
    /// participant and `event_ts`, as Zoom's redeliveries repeat them all.
    pub(super) fn into_event(self) -> Result<(ZoomEvent, DeliveryKey), WebhookError> {
        let Envelope {
            event,
            event_ts,
            payload,
        } = self;
        let object = payload.and_then(|payload| payload.object);
        type Build = fn(MeetingRef, Participant, Timestamp) -> ZoomEvent;
        let participant_event: Option<Build> = match event.as_str() {
            "meeting.participant_joined_waiting_room"
            | "meeting.participant_put_in_waiting_room" => {
                Some(
                    |meeting, participant, at| ZoomEvent::ParticipantInWaitingRoom {
                        meeting,
                        participant,
                        at,
                    },
                )
            }
            "meeting.participant_left_waiting_room" => {
                Some(
                    |meeting, participant, at| ZoomEvent::ParticipantLeftWaitingRoom {
                        meeting,
                        participant,
                        at,
                    },
                )
            }
            "meeting.participant_admitted" => {
                Some(|meeting, participant, at| ZoomEvent::ParticipantAdmitted {
                    meeting,
                    participant,
                    at,
                })
            }
            "meeting.participant_joined" => {
                Some(|meeting, participant, at| ZoomEvent::ParticipantJoined {
                    meeting,
                    participant,
                    at,
                })
            }
            "meeting.participant_left" => {
                Some(|meeting, participant, at| ZoomEvent::ParticipantLeft {
                    meeting,
                    participant,
                    at,
                })
            }
            _ => None,
        };
        let meeting_event = matches!(event.as_str(), "meeting.started" | "meeting.ended");
        if participant_event.is_none() && !meeting_event {
            let key = DeliveryKey::new(&event, &object_key(object.as_ref()), "-", event_ts);
            return Ok((ZoomEvent::Other { event }, key));
        }

        let event_ts = event_ts.ok_or_else(|| malformed(&event, "event_ts"))?;
        let at = Timestamp::from_millisecond(event_ts)
            .map_err(|_| malformed(&event, "a valid event_ts"))?;
        let object = object.ok_or_else(|| malformed(&event, "payload.object"))?;
        let object: RawObject =
            serde_json::from_value(object).map_err(|error| WebhookError::Malformed {
                reason: format!("{event}: payload.object: {error}"),
            })?;
        let meeting_id = object
            .id
            .ok_or_else(|| malformed(&event, "payload.object.id"))?;
        let host_id = non_empty(object.host_id);
        let meeting = MeetingRef {
            id: meeting_id,
            uuid: non_empty(object.uuid),
            host_id: host_id.clone(),
        };
        let meeting_key = meeting
            .uuid
            .clone()
            .unwrap_or_else(|| meeting.id.to_string());

        let Some(build) = participant_event else {
            let key = DeliveryKey::new(&event, &meeting_key, "-", Some(event_ts));
            let event = if event == "meeting.started" {
                ZoomEvent::MeetingStarted { meeting, at }
            } else {
                ZoomEvent::MeetingEnded { meeting, at }
            };
            return Ok((event, key));
        };

        let raw = object
            .participant
            .ok_or_else(|| malformed(&event, "payload.object.participant"))?;
        let zoom_user = non_empty(raw.id);
        let participant = Participant {
            is_host: zoom_user.is_some() && zoom_user == host_id,
            user_id: non_empty(raw.user_id),
            participant_uuid: non_empty(raw.participant_uuid),
        };
        let participant_key = participant
            .participant_uuid
            .clone()
            .or_else(|| participant.user_id.clone())
            .or(zoom_user)
            .unwrap_or_else(|| "-".to_owned());
        let key = DeliveryKey::new(&event, &meeting_key, &participant_key, Some(event_ts));
        Ok((build(meeting, participant, at), key))
    }
}

/// The object part of an unknown event's key: its uuid, else its id.
fn object_key(object: Option<&serde_json::Value>) -> String {
    let field = |name: &str| match object?.get(name)? {
        serde_json::Value::String(text) if !text.is_empty() => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    field("uuid")
        .or_else(|| field("id"))
        .unwrap_or_else(|| "-".to_owned())
}
