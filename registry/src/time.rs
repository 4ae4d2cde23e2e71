//! Timestamps: one clock and one text form (RFC 3339, UTC) for everything the
//! registry stores or answers, so stores and the API cannot disagree on them.

use jiff::Timestamp;

/// The current time.
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// Microseconds since the Unix epoch: the form the stores index on.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The inverse of [`to_micros`]; out-of-range values clamp to the epoch.
pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 in UTC with a `Z`, e.g. `2025-08-07T13:15:04.281Z`: cut to
/// the millisecond, never rounded up, so a client that passes back the
/// latest `updatedAt` it saw as `updated_since` (a mirror's watermark) is
/// shown every change made after it (rounding up skipped those in the half
/// millisecond it added).
pub fn format(t: Timestamp) -> String {
    let cut = jiff::TimestampRound::new()
        .smallest(jiff::Unit::Millisecond)
        .mode(jiff::RoundMode::Trunc);
    t.round(cut).unwrap_or(t).to_string()
}

/// Parses an RFC 3339 timestamp (any offset).
pub fn parse(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// Serde adapter: a timestamp as RFC 3339 text.
pub mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the timestamp as RFC 3339 with full precision.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_string())
    }

    /// Reads an RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde adapter: an optional timestamp as RFC 3339 text or null.
pub mod rfc3339_opt {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the timestamp as RFC 3339, or null.
    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_times_are_cut_to_the_millisecond_never_rounded_up() {
        let t: Timestamp = "2026-12-05T10:00:00.280999Z".parse().unwrap();
        assert_eq!(format(t), "2026-12-05T10:00:00.28Z");
        let shown = parse(&format(t)).unwrap();
        assert!(
            shown <= t,
            "a watermark taken from what is shown never passes the change"
        );
        let later: Timestamp = "2026-12-05T10:00:00.2805Z".parse().unwrap();
        assert!(later >= shown);
    }
}
