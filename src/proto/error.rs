//! Parse errors named as Node's llhttp names them, so that JS can build the
//! `clientError` error (`code`, `reason`, `bytesParsed`) that node:http would.

/// llhttp's error codes (`HPE_*`), plus the two Node adds in its callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Internal,
    Strict,
    CrExpected,
    LfExpected,
    UnexpectedContentLength,
    UnexpectedSpace,
    ClosedConnection,
    InvalidMethod,
    InvalidUrl,
    InvalidConstant,
    InvalidVersion,
    InvalidHeaderToken,
    InvalidContentLength,
    InvalidChunkSize,
    InvalidStatus,
    InvalidEofState,
    InvalidTransferEncoding,
    PausedH2Upgrade,
    /// Node's `maxHeaderSize` was exceeded.
    HeaderOverflow,
    /// Node's bound on chunk extensions was exceeded.
    ChunkExtensionsOverflow,
}

/// A protocol error: llhttp's code and reason text, and where in the input
/// the parser stopped (`err.bytesParsed`, where the parser knows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    pub code: Code,
    pub reason: &'static str,
    /// Offset into the buffer the failing parser was given.
    pub at: usize,
}

impl ParseError {
    pub const HEADER_OVERFLOW: ParseError = ParseError::new(Code::HeaderOverflow, "Header overflow");
    pub const CHUNK_EXTENSIONS_OVERFLOW: ParseError =
        ParseError::new(Code::ChunkExtensionsOverflow, "Chunk extensions overflow");
    pub const INVALID_EOF_STATE: ParseError = ParseError::new(Code::InvalidEofState, "Invalid EOF state");
    /// A request whose Transfer-Encoding does not end in chunked.
    pub const INVALID_TRANSFER_ENCODING: ParseError =
        ParseError::new(Code::InvalidTransferEncoding, "Request has invalid `Transfer-Encoding`");
    pub const CLOSED_CONNECTION: ParseError =
        ParseError::new(Code::ClosedConnection, "Data after `Connection: close`");

    /// An error with llhttp's code and reason, located at offset 0.
    pub const fn new(code: Code, reason: &'static str) -> Self {
        ParseError { code, reason, at: 0 }
    }

    /// The same error, located at `at`.
    pub const fn at(self, at: usize) -> Self {
        ParseError { at, ..self }
    }

    /// llhttp's error code, as `err.code` on Node's parse errors.
    pub fn code(self) -> &'static str {
        use Code::*;
        match self.code {
            Internal => "HPE_INTERNAL",
            Strict => "HPE_STRICT",
            CrExpected => "HPE_CR_EXPECTED",
            LfExpected => "HPE_LF_EXPECTED",
            UnexpectedContentLength => "HPE_UNEXPECTED_CONTENT_LENGTH",
            UnexpectedSpace => "HPE_UNEXPECTED_SPACE",
            ClosedConnection => "HPE_CLOSED_CONNECTION",
            InvalidMethod => "HPE_INVALID_METHOD",
            InvalidUrl => "HPE_INVALID_URL",
            InvalidConstant => "HPE_INVALID_CONSTANT",
            InvalidVersion => "HPE_INVALID_VERSION",
            InvalidHeaderToken => "HPE_INVALID_HEADER_TOKEN",
            InvalidContentLength => "HPE_INVALID_CONTENT_LENGTH",
            InvalidChunkSize => "HPE_INVALID_CHUNK_SIZE",
            InvalidStatus => "HPE_INVALID_STATUS",
            InvalidEofState => "HPE_INVALID_EOF_STATE",
            InvalidTransferEncoding => "HPE_INVALID_TRANSFER_ENCODING",
            PausedH2Upgrade => "HPE_PAUSED_H2_UPGRADE",
            HeaderOverflow => "HPE_HEADER_OVERFLOW",
            ChunkExtensionsOverflow => "HPE_CHUNK_EXTENSIONS_OVERFLOW",
        }
    }

    /// llhttp's reason text, as `err.reason` on Node's parse errors.
    pub fn reason(self) -> &'static str {
        self.reason
    }
}

/// Shorthand for the parsers: `err(Code::X, "reason", at)`.
pub(crate) const fn err(code: Code, reason: &'static str, at: usize) -> ParseError {
    ParseError { code, reason, at }
}
