//! How long the browser client waits before each reconnection attempt.

/// The first delay; each failed attempt doubles it, up to [`MAX_DELAY_MS`].
pub const BASE_DELAY_MS: f64 = 1000.0;
pub const MAX_DELAY_MS: f64 = 5000.0;
/// Each delay is randomized by ±50%, so a restarted server is not hit by every client at once.
pub const JITTER: f64 = 0.5;

/// The delay before reconnection attempt `attempt` (1, 2, …), given a random number in [0, 1).
pub fn backoff_ms(attempt: u32, random: f64) -> u32 {
    let exp = BASE_DELAY_MS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32);
    let capped = exp.min(MAX_DELAY_MS);
    let jittered = capped * (1.0 - JITTER + 2.0 * JITTER * random);
    jittered.round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter() {
        assert_eq!(backoff_ms(1, 0.5), 1000);
        assert_eq!(backoff_ms(2, 0.5), 2000);
        assert_eq!(backoff_ms(3, 0.5), 4000);
        assert_eq!(backoff_ms(4, 0.5), 5000);
        assert_eq!(backoff_ms(1000, 0.5), 5000);
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(4, 0.999_999), 7500);
    }
}
