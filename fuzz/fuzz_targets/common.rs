//! What the head targets share: a head parsed from any prefix of an input
//! agrees with the head parsed from the whole input (a parser that is fed
//! more bytes never changes its mind), and every range it returns lies
//! inside the buffer it indexes (the input, or the head it rebuilt).

use crate::proto::{ParseError, RequestHead, ResponseHead};
use std::ops::Range;

/// The ranges of a parsed head, to check they index the buffer.
pub trait Ranges {
    fn ranges(&self) -> Vec<Range<usize>>;
    fn len(&self) -> usize;
    /// The rebuilt head the ranges index instead of the input, if any.
    fn rebuilt(&self) -> Option<usize>;
}

/// The two head types have the same fields for this: a first range
/// (path or reason), header ranges, `head_len` and `rebuilt`.
macro_rules! head_ranges {
    ($head:ty, $first:ident) => {
        impl Ranges for $head {
            fn ranges(&self) -> Vec<Range<usize>> {
                let mut v = vec![self.$first.clone()];
                for (n, val) in &self.headers {
                    v.push(n.clone());
                    v.push(val.clone());
                }
                v
            }
            fn len(&self) -> usize {
                self.head_len
            }
            fn rebuilt(&self) -> Option<usize> {
                self.rebuilt.as_ref().map(Vec::len)
            }
        }
    };
}

head_ranges!(RequestHead, path);
head_ranges!(ResponseHead, reason);

/// Checks `parse` on `data` and on each of its prefixes.
pub fn check_prefixes<H: Ranges + PartialEq + std::fmt::Debug>(
    data: &[u8],
    parse: impl Fn(&[u8]) -> Result<Option<H>, ParseError>,
) {
    let whole = parse(data);
    if let Ok(Some(h)) = &whole {
        assert!(h.len() <= data.len(), "head_len past the input");
        let buf_len = h.rebuilt().unwrap_or(data.len());
        for r in h.ranges() {
            assert!(r.start <= r.end && r.end <= buf_len, "range {r:?} outside a {buf_len}-byte buffer");
        }
    }
    // Every prefix for short inputs; a spread of them for long ones.
    let step = (data.len() / 256).max(1);
    for k in (0..data.len()).step_by(step) {
        let part = parse(&data[..k]);
        match (&part, &whole) {
            // Not enough bytes yet: always allowed for a prefix.
            (Ok(None), _) => {}
            (Ok(Some(p)), Ok(Some(w))) => assert_eq!(p, w, "prefix of {k} bytes parsed differently"),
            (Ok(Some(p)), _) => panic!("prefix of {k} bytes is a head ({p:?}) but the whole is {whole:?}"),
            (Err(e), Err(w)) => assert_eq!(e.code, w.code, "prefix of {k} bytes failed differently"),
            (Err(e), _) => panic!("prefix of {k} bytes failed ({e:?}) but the whole is {whole:?}"),
        }
    }
}
