//! RFC 8785 canonical JSON, exact. RFC 8785 writes every number as an IEEE
//! 754 double, so an integer above 2^53 would be rounded on its way to the
//! bytes that are hashed or signed: `catalogVersion` 2^62 + 1 and 2^62 would
//! sign the same bytes, and two manifests differing only in a large integer
//! would share one SHA-256. Every canonical form this project hashes or signs
//! goes through [`to_vec`], which refuses such integers instead of rounding
//! them. JSON parsers in JavaScript and Go (into `float64`) would misread them
//! anyway.

use serde::Serialize;
use serde_json::Value;

/// The largest integer every JSON reader holds exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical bytes of `value`, or why there are none (an integer outside
/// ±[`MAX_SAFE_INTEGER`], a value that is not JSON).
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
    if let Some(at) = unsafe_integer(&value, &mut String::new()) {
        return Err(format!(
            "the integer at `{at}` is beyond ±2^53−1, which canonical JSON (RFC 8785) cannot write exactly"
        ));
    }
    let mut bytes = serde_json_canonicalizer::to_vec(&value).map_err(|e| e.to_string())?;
    // The writer doubles its buffer as it grows (a shard of 275 KiB ends
    // with 550 KiB allocated); what is kept is kept at its length.
    bytes.shrink_to_fit();
    Ok(bytes)
}

/// The JSON pointer of the first number in `v` that is not held exactly: an
/// integer beyond ±[`MAX_SAFE_INTEGER`], or a number written with a fraction
/// or exponent whose magnitude is 2^53 or more.
pub fn unsafe_integer(v: &Value, at: &mut String) -> Option<String> {
    match v {
        Value::Number(n) => {
            let unsafe_int = match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => u > MAX_SAFE_INTEGER,
                (None, Some(i), _) => i.unsigned_abs() > MAX_SAFE_INTEGER,
                // A number written with a fraction or exponent at or beyond
                // 2^53 (`9007199254740993.0`) was already rounded when read:
                // two texts, one value.
                (None, None, Some(f)) => f.abs() >= (MAX_SAFE_INTEGER as f64) + 1.0,
                (None, None, None) => false,
            };
            unsafe_int.then(|| at.clone())
        }
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
            let len = at.len();
            at.push_str(&format!("/{i}"));
            let r = unsafe_integer(x, at);
            at.truncate(len);
            r
        }),
        Value::Object(o) => o.iter().find_map(|(k, x)| {
            let len = at.len();
            at.push('/');
            at.push_str(&crate::finding::pointer_token(k));
            let r = unsafe_integer(x, at);
            at.truncate(len);
            r
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_beyond_two_to_the_53_are_refused_not_rounded() {
        assert_eq!(
            to_vec(&json!({ "v": MAX_SAFE_INTEGER })).unwrap(),
            b"{\"v\":9007199254740991}"
        );
        // The canonicalizer alone writes 2^62 and 2^62 + 1 as one number.
        assert_eq!(
            serde_json_canonicalizer::to_vec(&json!(1u64 << 62)).unwrap(),
            serde_json_canonicalizer::to_vec(&json!((1u64 << 62) + 1)).unwrap()
        );
        for v in [
            json!({ "v": MAX_SAFE_INTEGER + 1 }),
            json!({ "a": [1, { "b": 1u64 << 62 }] }),
            json!({ "v": -(MAX_SAFE_INTEGER as i64) - 1 }),
            json!(u64::MAX),
            serde_json::from_str::<Value>("9007199254740993.0").unwrap(),
            serde_json::from_str::<Value>("9.007199254740993e15").unwrap(),
        ] {
            let e = to_vec(&v).unwrap_err();
            assert!(e.contains("2^53"), "{e}");
        }
        assert_eq!(
            unsafe_integer(
                &json!({ "a": [1, { "b": 1u64 << 62 }] }),
                &mut String::new()
            ),
            Some("/a/1/b".to_owned())
        );
        // Fractions are doubles by nature and are written as RFC 8785 says.
        assert_eq!(to_vec(&json!(0.5)).unwrap(), b"0.5");
    }
}
