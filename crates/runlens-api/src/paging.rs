//! Page tokens: base64 of `{"offset": N}`, like MLflow's (opaque to clients).

use base64::Engine;

use crate::error::{ApiError, ApiResult};

/// Encodes the offset of the next page.
pub fn encode(offset: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{{\"offset\": {offset}}}"))
}

/// Decodes a token from a previous answer; none or empty is the first page.
pub fn decode(token: Option<&str>) -> ApiResult<i64> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(token))
        .map_err(|_| ApiError::invalid("Invalid page token, could not base64-decode"))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::invalid("Invalid page token, decoded value=.. could not be parsed as JSON"))?;
    match value.get("offset").and_then(|o| o.as_i64()) {
        Some(o) if o >= 0 => Ok(o),
        _ => Err(ApiError::invalid("Invalid page token, parsed value=... does not contain a valid 'offset'")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_matches_mlflow() {
        assert_eq!(super::encode(3), "eyJvZmZzZXQiOiAzfQ==");
        assert_eq!(super::decode(Some("eyJvZmZzZXQiOiAzfQ==")).unwrap(), 3);
        assert!(super::decode(Some("not base64!")).is_err());
        assert_eq!(super::decode(None).unwrap(), 0);
    }
}
