//! Byte classes of llhttp's grammar (its `constants.ts`), as 256-entry
//! tables so that each test is one load.

macro_rules! table {
    ($f:ident) => {{
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = $f(i as u8);
            i += 1;
        }
        t
    }};
}

const fn alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

/// RFC 7230 `tchar`: llhttp's TOKEN (header names, chunk extensions).
const fn token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
}

/// llhttp's URL_CHAR as Node 20.20 runs it (llhttp 9.3.1): printable ASCII
/// except space, `#` and `?`. No byte with the high bit set; tab and form
/// feed are refused with a reason of their own (see `request_head::target`).
const fn url(b: u8) -> bool {
    b >= 0x21 && b <= 0x7e && b != b'#' && b != b'?'
}

/// llhttp's USERINFO_CHARS (the authority part of a URL), without `@`.
const fn userinfo(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' | b'%' | b';' | b':' | b'&' | b'=' | b'+' | b'$' | b','
        )
}

/// llhttp's HEADER_CHARS: tab and every byte from space up, except DEL.
const fn header_value(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// RFC 7230 `qdtext` (quoted chunk-extension values).
const fn qdtext(b: u8) -> bool {
    b == b'\t' || b == b' ' || b == 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80
}

/// HTAB / SP / VCHAR / obs-text: what may follow a backslash in a quoted value.
const fn quoted_pair(b: u8) -> bool {
    b == b'\t' || b == b' ' || (b >= 0x21 && b <= 0x7e) || b >= 0x80
}

pub(crate) static ALPHA: [bool; 256] = table!(alpha);
pub(crate) static TOKEN: [bool; 256] = table!(token);
pub(crate) static URL: [bool; 256] = table!(url);
pub(crate) static USERINFO: [bool; 256] = table!(userinfo);
pub(crate) static HEADER_VALUE: [bool; 256] = table!(header_value);
pub(crate) static QDTEXT: [bool; 256] = table!(qdtext);
pub(crate) static QUOTED_PAIR: [bool; 256] = table!(quoted_pair);

/// Hex digit value, as llhttp's HEX_MAP.
pub(crate) fn hex(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u64),
        b'a'..=b'f' => Some((b - b'a' + 10) as u64),
        b'A'..=b'F' => Some((b - b'A' + 10) as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(TOKEN[b'a' as usize] && TOKEN[b'~' as usize] && !TOKEN[b' ' as usize] && !TOKEN[b':' as usize]);
        assert!(URL[b'/' as usize] && URL[b'~' as usize] && !URL[b' ' as usize] && !URL[b'?' as usize] && !URL[0x7f]);
        assert!(!URL[b'\t' as usize] && !URL[0x0c] && !URL[0x80] && !URL[0xff]);
        assert!(HEADER_VALUE[b'\t' as usize] && HEADER_VALUE[0x80] && !HEADER_VALUE[0x7f] && !HEADER_VALUE[0x0b]);
        assert!(!QDTEXT[b'"' as usize] && !QDTEXT[b'\\' as usize] && QDTEXT[b' ' as usize]);
        assert!(USERINFO[b':' as usize] && !USERINFO[b'@' as usize] && !USERINFO[b'"' as usize]);
        assert!(ALPHA[b'Z' as usize] && !ALPHA[b'0' as usize]);
        assert_eq!(hex(b'F'), Some(15));
    }
}
