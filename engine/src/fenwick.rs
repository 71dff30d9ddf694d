//! A Fenwick (binary indexed) tree over join slots: exact queue positions in O(log n).
//!
//! Every ticket that joins a service gets the next slot; the slot holds 1 while
//! the ticket waits and 0 once it leaves the queue (served or abandoned). A
//! ticket's position is the prefix sum up to its slot, so a match or an
//! abandonment never rewrites any other ticket's snapshot.
//!
//! Slots are handed out for as long as the process runs (twenty thousand a
//! day is a million in two months), so the slots below the oldest one still
//! in use are dropped now and then ([`Fenwick::compact_below`]): the tree
//! then covers only `base..len`, and slot numbers never change.

/// Counts of waiting tickets by join slot.
#[derive(Debug, Clone)]
pub struct Fenwick {
    /// 1-based implicit tree over the slots `base..`; `tree[0]` is unused.
    tree: Vec<u32>,
    /// The first slot the tree still covers: every slot below it was 0 when
    /// it was dropped, and is never used again.
    base: usize,
}

impl Default for Fenwick {
    fn default() -> Fenwick {
        Fenwick::new()
    }
}

impl Fenwick {
    pub fn new() -> Fenwick {
        Fenwick {
            tree: vec![0],
            base: 0,
        }
    }

    /// Number of slots handed out so far.
    pub fn len(&self) -> usize {
        self.base + self.covered()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots the tree holds now (those from `base` on).
    pub fn covered(&self) -> usize {
        self.tree.len() - 1
    }

    /// The first slot still covered.
    pub fn base(&self) -> usize {
        self.base
    }

    /// Appends a slot holding `value` and returns its index.
    pub fn push(&mut self, value: u32) -> usize {
        let index = self.tree.len(); // 1-based index of the new slot
        let lowbit = index & index.wrapping_neg();
        // The new node covers (index - lowbit, index]: its own value plus the
        // slots before it in that range.
        let covered = self.prefix_sum_1based(index - 1) - self.prefix_sum_1based(index - lowbit);
        self.tree.push(value + covered);
        self.base + index - 1
    }

    /// Adds `delta` (which may be negative) to slot `slot`. A slot dropped
    /// by a compaction is never used again; one is ignored.
    pub fn add(&mut self, slot: usize, delta: i32) {
        let Some(physical) = slot.checked_sub(self.base) else {
            debug_assert!(false, "slot {slot} was dropped (base {})", self.base);
            return;
        };
        let mut index = physical + 1;
        while index < self.tree.len() {
            self.tree[index] = self.tree[index].wrapping_add_signed(delta);
            index += index & index.wrapping_neg();
        }
    }

    /// Sum of the slots `0..=slot` (the dropped ones held 0).
    pub fn prefix_sum(&self, slot: usize) -> u32 {
        match slot.checked_sub(self.base) {
            Some(physical) => self.prefix_sum_1based((physical + 1).min(self.covered())),
            None => 0,
        }
    }

    /// Drops the slots below `floor`, which the caller guarantees hold 0
    /// and will never be used again (no waiting, absent or parked ticket
    /// has one): the tree is rebuilt over `floor..len` in O(n log n).
    /// Answers whether anything was dropped.
    pub fn compact_below(&mut self, floor: usize) -> bool {
        let floor = floor.min(self.len());
        if floor <= self.base {
            return false;
        }
        let mut rebuilt = Fenwick {
            tree: Vec::with_capacity(self.len() - floor + 1),
            base: floor,
        };
        rebuilt.tree.push(0);
        let mut before = self.prefix_sum_1based(floor - self.base);
        for physical in (floor - self.base + 1)..=self.covered() {
            let through = self.prefix_sum_1based(physical);
            rebuilt.push(through.wrapping_sub(before));
            before = through;
        }
        *self = rebuilt;
        true
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

    #[test]
    fn a_compacted_tree_keeps_every_later_slot_and_position() {
        let mut tree = Fenwick::new();
        let slots: Vec<usize> = (0..10).map(|_| tree.push(1)).collect();
        for slot in &slots[..6] {
            tree.add(*slot, -1);
        }
        assert!(tree.compact_below(slots[6]));
        assert_eq!((tree.base(), tree.covered(), tree.len()), (6, 4, 10));
        assert_eq!(tree.prefix_sum(slots[6]), 1);
        assert_eq!(tree.prefix_sum(slots[9]), 4);
        assert_eq!(tree.prefix_sum(slots[2]), 0, "a dropped slot held 0");
        assert_eq!(tree.push(1), 10, "slot numbers go on");
        tree.add(slots[7], -1);
        assert_eq!(tree.prefix_sum(10), 4);
        assert!(!tree.compact_below(3), "nothing below the base to drop");
    }

    proptest! {
        #[test]
        fn compactions_never_change_a_live_slots_position(
            ops in proptest::collection::vec((0u8..4, 0usize..200), 1..400)
        ) {
            let mut tree = Fenwick::new();
            let mut plain: Vec<u32> = Vec::new();
            for (op, at) in ops {
                match op {
                    0 | 1 => {
                        prop_assert_eq!(tree.push(1), plain.len());
                        plain.push(1);
                    }
                    2 if !plain.is_empty() => {
                        let slot = tree.base() + at % (plain.len() - tree.base()).max(1);
                        if slot < plain.len() && plain[slot] == 1 {
                            plain[slot] = 0;
                            tree.add(slot, -1);
                        }
                    }
                    _ => {
                        // Compact below the first slot still holding 1.
                        let floor = plain.iter().position(|v| *v == 1).unwrap_or(plain.len());
                        tree.compact_below(floor);
                    }
                }
                prop_assert_eq!(tree.len(), plain.len());
                for slot in tree.base()..plain.len() {
                    let expected: u32 = plain[..=slot].iter().sum();
                    prop_assert_eq!(tree.prefix_sum(slot), expected);
                }
            }
        }
    }
}
