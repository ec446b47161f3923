//! Random choices the generators share: percentages, weights, and "common things first".
//!
//! The lists passed in are non-empty constants (checked by the tests of their modules), so an
//! empty list is a programming error and indexing it may panic.

use rand::Rng;

/// True `percent` times out of 100.
pub fn chance<R: Rng>(rng: &mut R, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

/// Any item, all equally likely.
pub fn any<R: Rng, T: Copy>(rng: &mut R, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// An item from a list ordered most common first, earlier items much more likely: with 90
/// family names the first comes up about 8% of the time and the last about 0.2%, roughly how
/// surnames are spread in real populations.
pub fn common<R: Rng, T: Copy>(rng: &mut R, items: &[T]) -> T {
    skewed(rng, items, 1.8)
}

/// Like [`common`], but flatter: given names are less concentrated than family names, and
/// combined with a steep family-name pick a steep given-name pick would make one "James
/// Smith" in every 500 contacts.
pub fn familiar<R: Rng, T: Copy>(rng: &mut R, items: &[T]) -> T {
    skewed(rng, items, 1.3)
}

fn skewed<R: Rng, T: Copy>(rng: &mut R, items: &[T], steepness: f64) -> T {
    let u: f64 = rng.random();
    // The float-to-index cast saturates, and `min` keeps u = 1.0 in range.
    let index = (u.powf(steepness) * items.len() as f64) as usize;
    items[index.min(items.len() - 1)]
}

/// An item chosen in proportion to its weight.
pub fn weighted<R: Rng, T: Copy>(rng: &mut R, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn common_prefers_the_front_but_reaches_the_back() {
        let mut rng = StdRng::seed_from_u64(1);
        let items: Vec<usize> = (0..90).collect();
        let mut counts = [0u32; 90];
        for _ in 0..100_000 {
            counts[common(&mut rng, &items)] += 1;
        }
        assert!(counts[0] > 5_000, "{}", counts[0]);
        assert!(counts[89] > 0);
        assert!(counts[0] > 10 * counts[60]);
    }

    #[test]
    fn weighted_follows_weights() {
        let mut rng = StdRng::seed_from_u64(2);
        let items = [("a", 90), ("b", 10), ("never", 0)];
        let picks: Vec<_> = (0..10_000).map(|_| weighted(&mut rng, &items)).collect();
        let b = picks.iter().filter(|p| **p == "b").count();
        assert!((700..1_300).contains(&b), "{b}");
        assert!(!picks.contains(&"never"));
    }
}
