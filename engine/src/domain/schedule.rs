//! Opening hours: the holiday calendar, weekly schedules and local-time formatting.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// Minutes in a day, the value of "24:00".
const END_OF_DAY: u16 = 24 * 60;

/// How far ahead `next_opening` looks: a year covers any weekly schedule and holiday run.
const LOOKAHEAD_DAYS: usize = 366;

/// Why a schedule or calendar cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not a name in the bundled time zone database.
    #[error("unknown time zone {name:?}")]
    UnknownTimezone {
        /// The name as given.
        name: String,
    },
    /// A days spec that is none of the accepted forms.
    #[error("unknown days {spec:?}: use \"mon-fri\", \"every_day\", a list such as \"mon,wed,fri\" or a range such as \"sat-sun\"")]
    UnknownDays {
        /// The spec as given.
        spec: String,
    },
    /// A time that is not HH:MM between 00:00 and 24:00.
    #[error("bad time {text:?}: use HH:MM from 00:00 to 24:00")]
    BadTime {
        /// The text as given.
        text: String,
    },
    /// "24:00" used as an opening time.
    #[error("opens at 24:00, which ends the day: use 00:00 to open at midnight")]
    OpensAtEndOfDay,
    /// The closing time is earlier than the opening time.
    #[error("closes at {close}, before it opens at {open}")]
    CloseBeforeOpen {
        /// Opening time, HH:MM.
        open: String,
        /// Closing time, HH:MM.
        close: String,
    },
    /// The closing time equals the opening time: the service would never be open.
    #[error("closes at {at}, the moment it opens: close must be after open")]
    ClosesAsItOpens {
        /// The shared time, HH:MM.
        at: String,
    },
}

/// The time zone the schedules are read in and the dates on which nothing opens.
#[derive(Clone, Debug)]
pub struct Calendar {
    timezone: TimeZone,
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// Builds a calendar for an IANA time zone name (e.g. "Europe/Madrid") and holidays.
    pub fn new(
        timezone: &str,
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Calendar, ScheduleError> {
        let timezone = TimeZone::get(timezone).map_err(|_| ScheduleError::UnknownTimezone {
            name: timezone.to_owned(),
        })?;
        Ok(Calendar {
            timezone,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// The zone in which schedules, days and counters are evaluated.
    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// Whether no service opens on this local date.
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.contains(&date)
    }

    /// The instant as a local date and time.
    pub fn to_local(&self, at: Timestamp) -> Zoned {
        at.to_zoned(self.timezone.clone())
    }

    /// The local date of the instant: the "today" of the attended counter.
    pub fn local_date(&self, at: Timestamp) -> Date {
        self.to_local(at).date()
    }

    /// RFC 3339 with milliseconds and the local offset, e.g. "2026-11-30T10:02:03.125+01:00".
    pub fn format_rfc3339_millis(&self, at: Timestamp) -> String {
        self.to_local(at)
            .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string()
    }

    /// RFC 3339 to the second with the local offset, e.g. "2023-02-18T14:08:42+01:00".
    pub fn format_rfc3339_seconds(&self, at: Timestamp) -> String {
        self.to_local(at)
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// The guide's history-table form, e.g. "18-02-2023 14:08:42".
    pub fn format_guide(&self, at: Timestamp) -> String {
        self.to_local(at).strftime("%d-%m-%Y %H:%M:%S").to_string()
    }

    /// The instant `minutes` after local midnight of `date`, "24:00" being the next
    /// midnight. Wall-clock times that a DST change skips resolve forward, as clocks do.
    fn instant_at(&self, date: Date, minutes: u16) -> Option<Timestamp> {
        let zoned = if minutes >= END_OF_DAY {
            date.tomorrow().ok()?.to_zoned(self.timezone.clone()).ok()?
        } else {
            let hour = (minutes / 60) as i8;
            let minute = (minutes % 60) as i8;
            date.at(hour, minute, 0, 0)
                .to_zoned(self.timezone.clone())
                .ok()?
        };
        Some(zoned.timestamp())
    }
}

/// A set of weekdays, one bit each, Monday the lowest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

impl Weekdays {
    const NAMES: [&'static str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const SPANISH: [&'static str; 7] = [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ];
    const MONDAY_TO_FRIDAY: Weekdays = Weekdays(0b001_1111);
    const ALL: Weekdays = Weekdays(0b111_1111);

    /// Whether the set holds this weekday.
    pub fn contains(self, weekday: Weekday) -> bool {
        self.0 & (1 << weekday.to_monday_zero_offset()) != 0
    }

    /// The days in the set, Monday first, as offsets 0 (Monday) to 6 (Sunday).
    fn offsets(self) -> impl Iterator<Item = usize> {
        (0..7).filter(move |offset| self.0 & (1 << offset) != 0)
    }

    fn offset_of(name: &str) -> Option<usize> {
        Self::NAMES.iter().position(|known| *known == name)
    }
}

impl fmt::Debug for Weekdays {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.offsets().map(|offset| Self::NAMES[offset]).collect();
        write!(formatter, "Weekdays({})", names.join(","))
    }
}

/// The weekdays on which a service opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Days {
    /// Monday to Friday, the guide's usual week.
    MondayToFriday,
    /// All seven days.
    EveryDay,
    /// Any other non-empty set of weekdays.
    Set(Weekdays),
}

impl Days {
    /// Parses "mon-fri", "every_day", or a comma list of days and ranges such as
    /// "mon,wed,fri", "sat-sun" or "mon-wed,fri". A range may wrap ("fri-mon").
    pub fn parse(spec: &str) -> Result<Days, ScheduleError> {
        let unknown = || ScheduleError::UnknownDays {
            spec: spec.to_owned(),
        };
        let normalized = spec.trim().to_ascii_lowercase();
        if normalized == "every_day" {
            return Ok(Days::EveryDay);
        }
        let mut bits = 0u8;
        for part in normalized.split(',').map(str::trim) {
            let (first, last) = match part.split_once('-') {
                Some((first, last)) => (first.trim(), last.trim()),
                None => (part, part),
            };
            let first = Weekdays::offset_of(first).ok_or_else(unknown)?;
            let last = Weekdays::offset_of(last).ok_or_else(unknown)?;
            let mut offset = first;
            loop {
                bits |= 1 << offset;
                if offset == last {
                    break;
                }
                offset = (offset + 1) % 7;
            }
        }
        // Equal sets get the same variant, so "mon,tue,wed,thu,fri" reads as the guide's.
        Ok(match Weekdays(bits) {
            Weekdays::MONDAY_TO_FRIDAY => Days::MondayToFriday,
            Weekdays::ALL => Days::EveryDay,
            set => Days::Set(set),
        })
    }

    /// Whether a service with these days opens on this weekday.
    pub fn contains(&self, weekday: Weekday) -> bool {
        self.weekdays().contains(weekday)
    }

    fn weekdays(&self) -> Weekdays {
        match self {
            Days::MondayToFriday => Weekdays::MONDAY_TO_FRIDAY,
            Days::EveryDay => Weekdays::ALL,
            Days::Set(set) => *set,
        }
    }

    /// The days in Spanish, capitalised, as the console shows them: "De lunes a
    /// viernes", "Todos los días", "De lunes a jueves", "Lunes, miércoles y viernes".
    pub fn spanish(&self) -> String {
        let offsets: Vec<usize> = self.weekdays().offsets().collect();
        let names: Vec<&str> = offsets
            .iter()
            .map(|offset| Weekdays::SPANISH[*offset])
            .collect();
        // A run of three or more days in a row reads as a range, like the guide's week.
        let is_run =
            offsets.len() >= 3 && offsets[offsets.len() - 1] - offsets[0] == offsets.len() - 1;
        let text = match names.as_slice() {
            _ if *self == Days::EveryDay => "todos los días".to_owned(),
            [first, .., last] if is_run => format!("de {first} a {last}"),
            [single] => (*single).to_owned(),
            [rest @ .., last] => format!("{} y {last}", rest.join(", ")),
            [] => String::new(),
        };
        capitalise(&text)
    }
}

fn capitalise(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// Parses "HH:MM" (or "H:MM") into minutes after midnight, 0 to 1440 ("24:00").
pub fn parse_time_of_day(text: &str) -> Result<u16, ScheduleError> {
    let bad = || ScheduleError::BadTime {
        text: text.to_owned(),
    };
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || hours.len() > 2 || !all_digits(minutes) || minutes.len() != 2 {
        return Err(bad());
    }
    let hours: u16 = hours.parse().map_err(|_| bad())?;
    let minutes: u16 = minutes.parse().map_err(|_| bad())?;
    let total = hours * 60 + minutes;
    if minutes >= 60 || total > END_OF_DAY {
        return Err(bad());
    }
    Ok(total)
}

/// Minutes after midnight as "HH:MM".
fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A weekly schedule: the days a service opens and its one daily session, in local
/// wall-clock time (a 09:00 opening is 09:00 in Madrid in winter and in summer).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Schedule {
    days: Days,
    /// Minutes after local midnight, 0..1440.
    open: u16,
    /// Minutes after local midnight, open+1..=1440.
    close: u16,
}

impl Schedule {
    /// Parses a schedule from its configuration strings, e.g. ("mon-fri", "09:00", "15:00").
    /// "00:00" to "24:00" means open all day.
    pub fn parse(days: &str, open: &str, close: &str) -> Result<Schedule, ScheduleError> {
        Schedule::new(
            Days::parse(days)?,
            parse_time_of_day(open)?,
            parse_time_of_day(close)?,
        )
    }

    /// Builds a schedule from days and minutes after midnight, checking the session.
    pub fn new(days: Days, open: u16, close: u16) -> Result<Schedule, ScheduleError> {
        if open > END_OF_DAY || close > END_OF_DAY {
            return Err(ScheduleError::BadTime {
                text: clock_text(open.max(close)),
            });
        }
        if open == END_OF_DAY {
            return Err(ScheduleError::OpensAtEndOfDay);
        }
        if close == open {
            return Err(ScheduleError::ClosesAsItOpens {
                at: clock_text(open),
            });
        }
        if close < open {
            return Err(ScheduleError::CloseBeforeOpen {
                open: clock_text(open),
                close: clock_text(close),
            });
        }
        Ok(Schedule { days, open, close })
    }

    /// The weekdays it opens.
    pub fn days(&self) -> Days {
        self.days
    }

    /// Opening time in minutes after local midnight.
    pub fn open_minutes(&self) -> u16 {
        self.open
    }

    /// Closing time in minutes after local midnight (1440 for "24:00").
    pub fn close_minutes(&self) -> u16 {
        self.close
    }

    /// Whether it opens at some time on this local date (its weekday, not a holiday).
    pub fn opens_on(&self, calendar: &Calendar, date: Date) -> bool {
        self.days.contains(date.weekday()) && !calendar.is_holiday(date)
    }

    /// Whether the service is open at this instant.
    pub fn is_open(&self, calendar: &Calendar, at: Timestamp) -> bool {
        let local = calendar.to_local(at);
        let minutes = local.hour() as u16 * 60 + local.minute() as u16;
        self.opens_on(calendar, local.date()) && self.open <= minutes && minutes < self.close
    }

    /// The instant today's session closes, if the service opens on the local date of
    /// `at`; it may already be past. `None` on days it does not open.
    pub fn closing_time_today(&self, calendar: &Calendar, at: Timestamp) -> Option<Timestamp> {
        let today = calendar.local_date(at);
        if !self.opens_on(calendar, today) {
            return None;
        }
        calendar.instant_at(today, self.close)
    }

    /// The earliest instant, at or after `at`, at which the service is open: `at` itself
    /// when it is open now. `None` if it does not open within a year.
    pub fn next_opening(&self, calendar: &Calendar, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(calendar, at) {
            return Some(at);
        }
        let mut date = calendar.local_date(at);
        for _ in 0..LOOKAHEAD_DAYS {
            if self.opens_on(calendar, date) {
                let opening = calendar.instant_at(date, self.open)?;
                if opening >= at {
                    return Some(opening);
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The hours as the console shows them, e.g. "De lunes a viernes (excepto festivos
    /// nacionales) de 09:00 a 15:00. (Horario peninsular)".
    pub fn hours_text(&self) -> String {
        let hours = if self.open == 0 && self.close == END_OF_DAY {
            "las 24 horas".to_owned()
        } else {
            format!("de {} a {}", clock_text(self.open), clock_text(self.close))
        };
        format!(
            "{} (excepto festivos nacionales) {hours}. (Horario peninsular)",
            self.days.spanish()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn madrid() -> Calendar {
        Calendar::new("Europe/Madrid", [date(2026, 12, 8)]).expect("bundled zone")
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().expect("a valid timestamp")
    }

    fn weekdays_9_to_15() -> Schedule {
        Schedule::parse("mon-fri", "09:00", "15:00").expect("valid")
    }

    #[test]
    fn a_weekday_service_opens_at_nine_and_closes_at_three_local_time() {
        let (calendar, schedule) = (madrid(), weekdays_9_to_15());
        // Monday 2026-11-30, winter time: Madrid is UTC+1.
        assert!(!schedule.is_open(&calendar, utc("2026-11-30T07:59:59Z")));
        assert!(schedule.is_open(&calendar, utc("2026-11-30T08:00:00Z")));
        assert!(schedule.is_open(&calendar, utc("2026-11-30T13:59:59Z")));
        assert!(!schedule.is_open(&calendar, utc("2026-11-30T14:00:00Z")));
    }

    #[test]
    fn a_weekday_service_is_closed_at_the_weekend() {
        let (calendar, schedule) = (madrid(), weekdays_9_to_15());
        assert!(!schedule.is_open(&calendar, utc("2026-11-28T10:00:00Z")));
        assert!(!schedule.is_open(&calendar, utc("2026-11-29T10:00:00Z")));
        assert_eq!(
            schedule.closing_time_today(&calendar, utc("2026-11-29T10:00:00Z")),
            None
        );
    }

    #[test]
    fn a_service_is_closed_on_a_national_holiday() {
        let (calendar, schedule) = (madrid(), weekdays_9_to_15());
        // Tuesday 2026-12-08, Inmaculada Concepción.
        assert!(calendar.is_holiday(date(2026, 12, 8)));
        assert!(!schedule.is_open(&calendar, utc("2026-12-08T10:00:00Z")));
        assert_eq!(
            schedule.closing_time_today(&calendar, utc("2026-12-08T10:00:00Z")),
            None
        );
        assert!(schedule.is_open(&calendar, utc("2026-12-09T10:00:00Z")));
    }

    #[test]
    fn closing_time_follows_the_spring_dst_change() {
        let calendar = madrid();
        let every_day = Schedule::parse("every_day", "09:00", "15:00").expect("valid");
        let at = |text| every_day.closing_time_today(&calendar, utc(text));
        assert_eq!(
            at("2026-03-28T10:00:00Z"),
            Some(utc("2026-03-28T14:00:00Z"))
        );
        assert_eq!(
            at("2026-03-29T10:00:00Z"),
            Some(utc("2026-03-29T13:00:00Z"))
        );
        let all_day = Schedule::parse("every_day", "00:00", "24:00").expect("valid");
        // The 23-hour day: from 23:00 UTC on the 28th to 22:00 UTC on the 29th.
        assert_eq!(
            all_day.closing_time_today(&calendar, utc("2026-03-29T01:30:00Z")),
            Some(utc("2026-03-29T22:00:00Z"))
        );
        assert!(all_day.is_open(&calendar, utc("2026-03-29T01:30:00Z")));
    }

    #[test]
    fn closing_time_follows_the_autumn_dst_change() {
        let calendar = madrid();
        let every_day = Schedule::parse("every_day", "09:00", "15:00").expect("valid");
        let at = |text| every_day.closing_time_today(&calendar, utc(text));
        assert_eq!(
            at("2026-10-24T10:00:00Z"),
            Some(utc("2026-10-24T13:00:00Z"))
        );
        assert_eq!(
            at("2026-10-25T10:00:00Z"),
            Some(utc("2026-10-25T14:00:00Z"))
        );
        let all_day = Schedule::parse("every_day", "00:00", "24:00").expect("valid");
        // The 25-hour day: from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
        assert_eq!(
            all_day.closing_time_today(&calendar, utc("2026-10-24T22:30:00Z")),
            Some(utc("2026-10-25T23:00:00Z"))
        );
        assert!(all_day.is_open(&calendar, utc("2026-10-25T22:59:59Z")));
    }

    #[test]
    fn the_next_opening_skips_the_weekend_and_holidays() {
        let (calendar, schedule) = (madrid(), weekdays_9_to_15());
        // Friday 2026-12-04 after closing: Monday the 7th at 09:00 (the 8th is a holiday).
        assert_eq!(
            schedule.next_opening(&calendar, utc("2026-12-04T15:00:00Z")),
            Some(utc("2026-12-07T08:00:00Z"))
        );
        // Monday the 7th after closing: Wednesday the 9th.
        assert_eq!(
            schedule.next_opening(&calendar, utc("2026-12-07T16:00:00Z")),
            Some(utc("2026-12-09T08:00:00Z"))
        );
        let open_now = utc("2026-12-09T09:00:00Z");
        assert_eq!(schedule.next_opening(&calendar, open_now), Some(open_now));
    }

    #[test]
    fn hours_texts_match_the_guide() {
        let apoyo = Schedule::parse("mon-fri", "09:00", "14:00").expect("valid");
        assert_eq!(
            apoyo.hours_text(),
            "De lunes a viernes (excepto festivos nacionales) de 09:00 a 14:00. (Horario peninsular)"
        );
        assert_eq!(
            weekdays_9_to_15().hours_text(),
            "De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)"
        );
    }

    #[test]
    fn hours_texts_name_other_days_in_spanish() {
        let text = |days| {
            Schedule::parse(days, "00:00", "24:00")
                .expect("valid")
                .hours_text()
        };
        assert_eq!(
            text("every_day"),
            "Todos los días (excepto festivos nacionales) las 24 horas. (Horario peninsular)"
        );
        assert!(text("mon,wed,fri").starts_with("Lunes, miércoles y viernes (excepto"));
        assert!(text("sat-sun").starts_with("Sábado y domingo (excepto"));
        assert!(text("mon-thu").starts_with("De lunes a jueves (excepto"));
        assert!(text("sun").starts_with("Domingo (excepto"));
    }

    #[test]
    fn day_specs_parse_to_the_same_days_however_written() {
        assert_eq!(Days::parse("mon-fri"), Ok(Days::MondayToFriday));
        assert_eq!(Days::parse("Mon,Tue,Wed,Thu,Fri"), Ok(Days::MondayToFriday));
        assert_eq!(Days::parse("mon-sun"), Ok(Days::EveryDay));
        let weekend = Days::parse("sat-sun").expect("valid");
        assert!(weekend.contains(Weekday::Sunday) && !weekend.contains(Weekday::Friday));
        let wrapping = Days::parse("fri-mon").expect("valid");
        assert!(wrapping.contains(Weekday::Saturday) && !wrapping.contains(Weekday::Tuesday));
    }

    #[test]
    fn an_unknown_day_spec_is_refused_by_name() {
        let error = Days::parse("weekdays").expect_err("unknown");
        assert!(error.to_string().contains("\"weekdays\""));
        assert!(Days::parse("").is_err());
        assert!(Days::parse("mon,,fri").is_err());
    }

    #[test]
    fn a_close_before_the_open_is_refused() {
        assert_eq!(
            Schedule::parse("mon-fri", "09:00", "08:00"),
            Err(ScheduleError::CloseBeforeOpen {
                open: "09:00".into(),
                close: "08:00".into()
            })
        );
        assert!(Schedule::parse("mon-fri", "09:00", "09:00").is_err());
    }

    #[test]
    fn midnight_at_the_end_of_the_day_is_only_a_closing_time() {
        assert_eq!(
            Schedule::parse("mon-fri", "24:00", "24:00"),
            Err(ScheduleError::OpensAtEndOfDay)
        );
        assert_eq!(parse_time_of_day("24:00"), Ok(1440));
        for bad in ["24:01", "9", "09:60", "9:5", "-1:00", "09:00:00", "ab:cd"] {
            assert!(parse_time_of_day(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn an_unknown_time_zone_is_refused() {
        assert!(matches!(
            Calendar::new("Europe/Madird", []),
            Err(ScheduleError::UnknownTimezone { .. })
        ));
    }

    #[test]
    fn instants_are_formatted_in_local_time() {
        let calendar = madrid();
        let at = utc("2023-02-18T13:08:42.125Z");
        assert_eq!(calendar.format_guide(at), "18-02-2023 14:08:42");
        assert_eq!(
            calendar.format_rfc3339_seconds(at),
            "2023-02-18T14:08:42+01:00"
        );
        assert_eq!(
            calendar.format_rfc3339_millis(utc("2026-11-30T09:02:03.125Z")),
            "2026-11-30T10:02:03.125+01:00"
        );
        assert_eq!(
            calendar.local_date(utc("2026-07-31T22:30:00Z")),
            date(2026, 8, 1)
        );
    }
}
