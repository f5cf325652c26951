//! Events over time for the loaded rows: a bucket size chosen from the span (so there are at
//! most [`MAX_BUCKETS`]), buckets aligned to whole multiples of their size in UTC.

use chrono::{DateTime, Utc};

pub const MAX_BUCKETS: i64 = 60;

/// Bucket sizes people read easily, smallest first (ms).
const SIZES: [(i64, &str); 16] = [
    (1_000, "1 second"),
    (5_000, "5 seconds"),
    (15_000, "15 seconds"),
    (60_000, "1 minute"),
    (300_000, "5 minutes"),
    (900_000, "15 minutes"),
    (3_600_000, "1 hour"),
    (3 * 3_600_000, "3 hours"),
    (6 * 3_600_000, "6 hours"),
    (12 * 3_600_000, "12 hours"),
    (86_400_000, "1 day"),
    (2 * 86_400_000, "2 days"),
    (7 * 86_400_000, "1 week"),
    (14 * 86_400_000, "2 weeks"),
    (30 * 86_400_000, "30 days"),
    (90 * 86_400_000, "90 days"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Start of the first bucket (ms since the epoch).
    pub start_ms: i64,
    pub bucket_ms: i64,
    pub bucket_label: &'static str,
    pub counts: Vec<usize>,
}

impl Histogram {
    /// The time range of bucket `i` (end exclusive).
    pub fn bounds(&self, i: usize) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.start_ms + i as i64 * self.bucket_ms;
        let at = |ms| DateTime::from_timestamp_millis(ms).unwrap_or_default();
        (at(start), at(start + self.bucket_ms))
    }

    pub fn max(&self) -> usize {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

/// The histogram of `times`; None without any time.
pub fn histogram(times: impl IntoIterator<Item = DateTime<Utc>>) -> Option<Histogram> {
    let ms: Vec<i64> = times.into_iter().map(|t| t.timestamp_millis()).collect();
    let (min, max) = (*ms.iter().min()?, *ms.iter().max()?);
    let span = max - min;
    let (bucket_ms, bucket_label) =
        SIZES.into_iter().find(|(size, _)| span.div_euclid(*size) < MAX_BUCKETS).unwrap_or_else(|| {
            let days = (span / MAX_BUCKETS / 86_400_000 + 1).max(1);
            (days * 86_400_000, "several days")
        });
    let start_ms = min.div_euclid(bucket_ms) * bucket_ms;
    let buckets = (max.div_euclid(bucket_ms) * bucket_ms - start_ms) / bucket_ms + 1;
    let mut counts = vec![0; buckets as usize];
    for t in ms {
        counts[((t - start_ms) / bucket_ms) as usize] += 1;
    }
    Some(Histogram { start_ms, bucket_ms, bucket_label, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn bucket_size_follows_the_span_and_every_event_is_counted() {
        let h =
            histogram([at("2026-01-01T10:00:30Z"), at("2026-01-01T10:20:00Z"), at("2026-01-01T10:59:59Z")]).unwrap();
        assert_eq!((h.bucket_ms, h.bucket_label, h.counts.len()), (60_000, "1 minute", 60));
        assert_eq!(h.bounds(0), (at("2026-01-01T10:00:00Z"), at("2026-01-01T10:01:00Z")));
        assert_eq!(h.counts.iter().sum::<usize>(), 3);
        assert_eq!((h.counts[0], h.counts[20], h.counts[59]), (1, 1, 1));
        let year = histogram([at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z")]).unwrap();
        assert_eq!(year.bucket_label, "1 week");
        assert!(year.counts.len() as i64 <= MAX_BUCKETS);
        let one = histogram([at("2026-01-01T10:00:00Z")]).unwrap();
        assert_eq!((one.counts.clone(), one.bucket_label), (vec![1], "1 second"));
        assert_eq!(histogram([]), None);
        let decade = histogram([at("2000-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z")]).unwrap();
        assert!(decade.counts.len() as i64 <= MAX_BUCKETS + 1 && decade.counts.iter().sum::<usize>() == 2);
    }
}
