//! A Fenwick (binary indexed) tree over join slots: exact queue positions in O(log n).
//!
//! Every ticket that joins a service gets the next slot; the slot holds 1 while
//! the ticket waits and 0 once it leaves the queue (served or abandoned). A
//! ticket's position is the prefix sum up to its slot, so a match or an
//! abandonment never rewrites any other ticket's snapshot.

/// Counts of waiting tickets by join slot.
#[derive(Debug, Default, Clone)]
pub struct Fenwick {
    /// 1-based implicit tree; `tree[0]` is unused.
    tree: Vec<u32>,
}

impl Fenwick {
    pub fn new() -> Fenwick {
        Fenwick { tree: vec![0] }
    }

    /// Number of slots handed out so far.
    pub fn len(&self) -> usize {
        self.tree.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a slot holding `value` and returns its 0-based index.
    pub fn push(&mut self, value: u32) -> usize {
        let index = self.tree.len(); // 1-based index of the new slot
        let lowbit = index & index.wrapping_neg();
        // The new node covers (index - lowbit, index]: its own value plus the
        // slots before it in that range.
        let covered = self.prefix_sum_1based(index - 1) - self.prefix_sum_1based(index - lowbit);
        self.tree.push(value + covered);
        index - 1
    }

    /// Adds `delta` (which may be negative) to slot `slot`.
    pub fn add(&mut self, slot: usize, delta: i32) {
        let mut index = slot + 1;
        while index < self.tree.len() {
            self.tree[index] = self.tree[index].wrapping_add_signed(delta);
            index += index & index.wrapping_neg();
        }
    }

    /// Sum of the slots `0..=slot`.
    pub fn prefix_sum(&self, slot: usize) -> u32 {
        self.prefix_sum_1based((slot + 1).min(self.len()))
    }

    fn prefix_sum_1based(&self, mut index: usize) -> u32 {
        let mut sum = 0u32;
        while index > 0 {
            sum = sum.wrapping_add(self.tree[index]);
            index -= index & index.wrapping_neg();
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_close_up_when_a_ticket_leaves() {
        let mut tree = Fenwick::new();
        let slots: Vec<usize> = (0..5).map(|_| tree.push(1)).collect();
        assert_eq!(tree.prefix_sum(slots[4]), 5);
        tree.add(slots[1], -1);
        assert_eq!(tree.prefix_sum(slots[4]), 4);
        assert_eq!(tree.prefix_sum(slots[0]), 1);
        assert_eq!(tree.prefix_sum(slots[2]), 2);
    }

    proptest! {
        #[test]
        fn prefix_sums_match_a_plain_vector(ops in proptest::collection::vec((any::<bool>(), 0usize..200), 1..400)) {
            let mut tree = Fenwick::new();
            let mut plain: Vec<u32> = Vec::new();
            for (push, at) in ops {
                if push || plain.is_empty() {
                    tree.push(1);
                    plain.push(1);
                } else {
                    let slot = at % plain.len();
                    if plain[slot] == 1 {
                        plain[slot] = 0;
                        tree.add(slot, -1);
                    }
                }
                for slot in 0..plain.len() {
                    let expected: u32 = plain[..=slot].iter().sum();
                    prop_assert_eq!(tree.prefix_sum(slot), expected);
                }
            }
        }
    }
}
