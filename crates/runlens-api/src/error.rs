//! The one error type every operation returns, carrying MLflow's error codes.

use serde::Serialize;

/// MLflow's error codes (`databricks_pb2.ErrorCode`) that Runlens produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// A parameter is wrong (400).
    InvalidParameterValue,
    /// The request is malformed (400).
    BadRequest,
    /// The entity exists already (400).
    ResourceAlreadyExists,
    /// The entity does not exist (404).
    ResourceDoesNotExist,
    /// No such endpoint (404).
    EndpointNotFound,
    /// Refused (403).
    PermissionDenied,
    /// Too large or too many (429).
    RequestLimitExceeded,
    /// Something broke on our side (500).
    InternalError,
    /// Known but not offered (501).
    NotImplemented,
    /// The store is busy (503).
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// MLflow's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "INVALID_PARAMETER_VALUE",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::ResourceAlreadyExists => "RESOURCE_ALREADY_EXISTS",
            ErrorCode::ResourceDoesNotExist => "RESOURCE_DOES_NOT_EXIST",
            ErrorCode::EndpointNotFound => "ENDPOINT_NOT_FOUND",
            ErrorCode::PermissionDenied => "PERMISSION_DENIED",
            ErrorCode::RequestLimitExceeded => "REQUEST_LIMIT_EXCEEDED",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::NotImplemented => "NOT_IMPLEMENTED",
            ErrorCode::TemporarilyUnavailable => "TEMPORARILY_UNAVAILABLE",
        }
    }

    /// The HTTP status MLflow's server answers with (`ERROR_CODE_TO_HTTP_STATUS`).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidParameterValue | ErrorCode::BadRequest | ErrorCode::ResourceAlreadyExists => 400,
            ErrorCode::ResourceDoesNotExist | ErrorCode::EndpointNotFound => 404,
            ErrorCode::PermissionDenied => 403,
            ErrorCode::RequestLimitExceeded => 429,
            ErrorCode::InternalError => 500,
            ErrorCode::NotImplemented => 501,
            ErrorCode::TemporarilyUnavailable => 503,
        }
    }
}

/// An error as both transports send it: `{"error_code": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{error_code:?}: {message}")]
pub struct ApiError {
    /// MLflow's code.
    pub error_code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(error_code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { error_code, message: message.into() }
    }
    /// `INVALID_PARAMETER_VALUE`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidParameterValue, message)
    }
    /// `RESOURCE_DOES_NOT_EXIST`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ResourceDoesNotExist, message)
    }
    /// `INVALID_PARAMETER_VALUE` for a missing required field, with MLflow's message.
    pub fn missing(field: &str) -> ApiError {
        ApiError::invalid(format!(
            "Missing value for required parameter '{field}'. See the API docs for more information about request parameters."
        ))
    }
}

impl From<runlens_store::Error> for ApiError {
    fn from(e: runlens_store::Error) -> ApiError {
        use runlens_store::Error as E;
        let code = match &e {
            E::NotFound(_) => ErrorCode::ResourceDoesNotExist,
            E::AlreadyExists(_) => ErrorCode::ResourceAlreadyExists,
            E::Invalid(_) | E::Filter(_) => ErrorCode::InvalidParameterValue,
            E::Sqlite(rusqlite_err) if is_busy(rusqlite_err) => ErrorCode::TemporarilyUnavailable,
            E::SchemaTooNew { .. } | E::Sqlite(_) | E::Io { .. } => ErrorCode::InternalError,
        };
        ApiError::new(code, e.to_string())
    }
}

fn is_busy(e: &runlens_store::rusqlite_error::Error) -> bool {
    e.sqlite_error_code() == Some(runlens_store::rusqlite_error::ErrorCode::DatabaseBusy)
}

/// The result of every operation.
pub type ApiResult<T> = Result<T, ApiError>;
