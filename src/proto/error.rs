//! Parse errors named as Node's llhttp names them, so that JS can build the
//! `clientError` error (`code`, `reason`) that node:http would.

/// A protocol error with llhttp's code (`HPE_*`) and reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    InvalidMethod,
    InvalidUrl,
    InvalidVersion,
    InvalidHeaderToken,
    InvalidHeaderValue,
    HeaderOverflow,
    LfExpected,
    CrExpected,
    InvalidContentLength,
    UnexpectedContentLength,
    DuplicateContentLength,
    InvalidTransferEncoding,
    TransferEncodingWithContentLength,
    InvalidChunkSize,
    ChunkExtensionsOverflow,
    InvalidConstant,
    /// A response that does not start with `HTTP/`.
    ExpectedHttp,
    InvalidStatus,
    /// The peer ended the stream inside a message (llhttp_finish).
    InvalidEofState,
}

impl ParseError {
    /// llhttp's error code, as `err.code` on Node's parse errors.
    pub fn code(self) -> &'static str {
        use ParseError::*;
        match self {
            InvalidMethod => "HPE_INVALID_METHOD",
            InvalidUrl => "HPE_INVALID_URL",
            InvalidVersion => "HPE_INVALID_VERSION",
            InvalidHeaderToken | InvalidHeaderValue => "HPE_INVALID_HEADER_TOKEN",
            HeaderOverflow => "HPE_HEADER_OVERFLOW",
            LfExpected => "HPE_LF_EXPECTED",
            CrExpected => "HPE_CR_EXPECTED",
            InvalidContentLength => "HPE_INVALID_CONTENT_LENGTH",
            UnexpectedContentLength | DuplicateContentLength => "HPE_UNEXPECTED_CONTENT_LENGTH",
            InvalidTransferEncoding | TransferEncodingWithContentLength => "HPE_INVALID_TRANSFER_ENCODING",
            InvalidChunkSize => "HPE_INVALID_CHUNK_SIZE",
            ChunkExtensionsOverflow => "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            InvalidConstant | ExpectedHttp => "HPE_INVALID_CONSTANT",
            InvalidStatus => "HPE_INVALID_STATUS",
            InvalidEofState => "HPE_INVALID_EOF_STATE",
        }
    }

    /// llhttp's reason text, as `err.reason` on Node's parse errors.
    pub fn reason(self) -> &'static str {
        use ParseError::*;
        match self {
            InvalidMethod => "Invalid method encountered",
            InvalidUrl => "Invalid URL",
            InvalidVersion => "Invalid HTTP version",
            InvalidHeaderToken => "Invalid header token",
            InvalidHeaderValue => "Invalid header value char",
            HeaderOverflow => "Header overflow",
            LfExpected => "Expected LF after headers",
            CrExpected => "Missing expected CR after header value",
            InvalidContentLength => "Invalid character in Content-Length",
            UnexpectedContentLength => "Content-Length can't be present with Transfer-Encoding",
            DuplicateContentLength => "Duplicate Content-Length",
            InvalidTransferEncoding => "Request has invalid `Transfer-Encoding`",
            TransferEncodingWithContentLength => "Transfer-Encoding can't be present with Content-Length",
            InvalidChunkSize => "Invalid character in chunk size",
            ChunkExtensionsOverflow => "Chunk extensions overflow",
            InvalidConstant => "Invalid constant string",
            ExpectedHttp => "Expected HTTP/, RTSP/ or ICE/",
            InvalidStatus => "Invalid status code",
            InvalidEofState => "Invalid EOF state",
        }
    }
}
