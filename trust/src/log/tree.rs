//! The RFC 6962 Merkle tree over log leaves: root hashes, inclusion and
//! consistency proofs computed from whatever stores the leaves, and proof
//! verification (delegated to `sigstore_merkle`, which the image verifier
//! already trusts for Rekor proofs).
//!
//! Proofs are described first as lists of leaf ranges (each range is one
//! node of the tree, `MTH(D[start:end])` in RFC 6962 terms) and only then
//! hashed. A client that fetched the new leaves of a log can therefore
//! recompute every node of a consistency proof that lies in the new part
//! itself instead of trusting the hash the server sent.

use super::LogError;
use sigstore_types::Sha256Hash;
use std::ops::Range;

/// A SHA-256 node or leaf hash.
pub type Hash = Sha256Hash;

/// `SHA-256(0x00 || data)`: the hash of one leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    sigstore_merkle::hash_leaf(data)
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sigstore_merkle::hash_children(left, right)
}

fn leaf_key(h: &Hash) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(h.as_bytes());
    key
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    sigstore_crypto::sha256(b"")
}

/// Where the leaves live. The registry implements this over its store; only
/// [`LeafHashes::leaf_hash`] is required. A store that keeps the hashes of
/// complete subtrees overrides [`LeafHashes::subtree_hash`] so that roots and
/// proofs cost `O(log n)` reads instead of `O(n)`.
pub trait LeafHashes {
    /// The store's own error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The leaf hash at `index`.
    fn leaf_hash(&self, index: u64) -> Result<Hash, Self::Error>;

    /// The hash of the complete subtree of `2^level` leaves starting at leaf `index << level`.
    fn subtree_hash(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        if level == 0 {
            return self.leaf_hash(index);
        }
        let left = self.subtree_hash(level - 1, 2 * index)?;
        let right = self.subtree_hash(level - 1, 2 * index + 1)?;
        Ok(node_hash(&left, &right))
    }
}

/// Leaf hashes from a function of the index: `LeafFn(|i| store.leaf_hash(i))`.
#[derive(Debug, Clone, Copy)]
pub struct LeafFn<F>(pub F);

impl<F, E> LeafHashes for LeafFn<F>
where
    F: Fn(u64) -> Result<Hash, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn leaf_hash(&self, index: u64) -> Result<Hash, E> {
        (self.0)(index)
    }
}

/// The largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[range])` for a range that is a node of the RFC 6962 tree (every
/// range produced by the proof functions here, and every `0..size`).
pub fn range_hash<S: LeafHashes + ?Sized>(src: &S, range: Range<u64>) -> Result<Hash, LogError> {
    let n = range.end.saturating_sub(range.start);
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && range.start.is_multiple_of(n) {
        return src
            .subtree_hash(n.trailing_zeros(), range.start / n)
            .map_err(LogError::source);
    }
    let k = split_point(n);
    let left = range_hash(src, range.start..range.start + k)?;
    let right = range_hash(src, range.start + k..range.end)?;
    Ok(node_hash(&left, &right))
}

/// The root hash of the first `size` leaves.
pub fn root<S: LeafHashes + ?Sized>(src: &S, size: u64) -> Result<Hash, LogError> {
    range_hash(src, 0..size)
}

/// The nodes of the audit path of leaf `index` in a tree of `size` leaves,
/// from the leaf upwards (RFC 6962 §2.1.1 `PATH`).
pub fn inclusion_proof_ranges(index: u64, size: u64) -> Result<Vec<Range<u64>>, LogError> {
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(index, 0..size, &mut out);
    Ok(out)
}

fn path(m: u64, range: Range<u64>, out: &mut Vec<Range<u64>>) {
    let n = range.end - range.start;
    if n <= 1 {
        return;
    }
    let mid = range.start + split_point(n);
    if m < mid {
        path(m, range.start..mid, out);
        out.push(mid..range.end);
    } else {
        path(m, mid..range.end, out);
        out.push(range.start..mid);
    }
}

/// The nodes of the consistency proof from `old` to `new` leaves (RFC 6962
/// §2.1.2 `PROOF`); empty when `old` is 0 or equal to `new`. Every node lies
/// wholly before `old` or wholly at or after it.
pub fn consistency_proof_ranges(old: u64, new: u64) -> Result<Vec<Range<u64>>, LogError> {
    if old > new {
        return Err(LogError::SizeDecreased { old, new });
    }
    let mut out = Vec::new();
    if old > 0 && old < new {
        subproof(old, 0..new, true, &mut out);
    }
    Ok(out)
}

fn subproof(m: u64, range: Range<u64>, whole: bool, out: &mut Vec<Range<u64>>) {
    let n = range.end - range.start;
    if m == n {
        if !whole {
            out.push(range);
        }
        return;
    }
    let k = split_point(n);
    let mid = range.start + k;
    if m <= k {
        subproof(m, range.start..mid, whole, out);
        out.push(mid..range.end);
    } else {
        subproof(m - k, mid..range.end, false, out);
        out.push(range.start..mid);
    }
}

/// The audit path of leaf `index` in a tree of `size` leaves.
pub fn inclusion_proof<S: LeafHashes + ?Sized>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LogError> {
    inclusion_proof_ranges(index, size)?
        .into_iter()
        .map(|r| range_hash(src, r))
        .collect()
}

/// The consistency proof between the trees of `old` and `new` leaves.
pub fn consistency_proof<S: LeafHashes + ?Sized>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, LogError> {
    consistency_proof_ranges(old, new)?
        .into_iter()
        .map(|r| range_hash(src, r))
        .collect()
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves with root `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LogError> {
    sigstore_merkle::verify_inclusion_proof(leaf, index, size, proof, root).map_err(|e| {
        LogError::InclusionProof {
            index,
            size,
            reason: e.to_string(),
        }
    })
}

/// Checks that the tree of `new` leaves with root `new_root` extends the tree
/// of `old` leaves with root `old_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), LogError> {
    if old == 0 && new > 0 && !proof.is_empty() {
        return Err(LogError::ConsistencyProof {
            old,
            new,
            reason: "a proof from the empty tree has no hashes".into(),
        });
    }
    sigstore_merkle::verify_consistency_proof(old, new, proof, old_root, new_root).map_err(|e| {
        LogError::ConsistencyProof {
            old,
            new,
            reason: e.to_string(),
        }
    })
}

/// Leaf hashes held in memory: `hashes[i]` is leaf `offset + i`. Serves the
/// leaves a client fetched, to recompute nodes that lie among them.
#[derive(Debug, Clone, Copy)]
pub struct LeafSlice<'a> {
    /// Index of the first leaf held.
    pub offset: u64,
    /// The leaf hashes, in order.
    pub hashes: &'a [Hash],
}

impl LeafHashes for LeafSlice<'_> {
    type Error = LogError;

    fn leaf_hash(&self, index: u64) -> Result<Hash, LogError> {
        index
            .checked_sub(self.offset)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.hashes.get(i))
            .copied()
            .ok_or(LogError::LeafMissing { index })
    }
}

/// An append-only tree in memory that keeps every complete subtree, so roots
/// and proofs cost `O(log n)`. For tests, tools and small logs; the registry
/// keeps its leaves in its store.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of the complete subtree of `2^l` leaves starting at `i << l`.
    levels: Vec<Vec<Hash>>,
    /// The first index of each leaf hash: an inclusion proof asked for by leaf
    /// hash (an unauthenticated request) costs a lookup, not a scan of the
    /// log under the lock that signing needs.
    first_index: std::collections::HashMap<[u8; 32], u64>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash; returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let index = self.levels[0].len() as u64 - 1;
        self.first_index.entry(leaf_key(&leaf)).or_insert(index);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let nodes = &self.levels[level];
            let parent = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
        index
    }

    /// Appends a leaf (hashing it); returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(leaf_hash(data))
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The index of the first leaf with this hash.
    pub fn index_of(&self, leaf: &Hash) -> Option<u64> {
        self.first_index.get(&leaf_key(leaf)).copied()
    }

    /// The current root hash.
    pub fn root(&self) -> Hash {
        root(self, self.size()).unwrap_or_else(|_| empty_root())
    }
}

impl LeafHashes for MemoryTree {
    type Error = LogError;

    fn leaf_hash(&self, index: u64) -> Result<Hash, LogError> {
        self.subtree_hash(0, index)
    }

    fn subtree_hash(&self, level: u32, index: u64) -> Result<Hash, LogError> {
        self.levels
            .get(level as usize)
            .and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)))
            .copied()
            .ok_or(LogError::LeafMissing {
                index: index << level,
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_leaf_is_found_by_its_hash_at_its_first_index() {
        let mut t = MemoryTree::new();
        for i in 0..1000u32 {
            t.push(&i.to_be_bytes());
        }
        t.push(&7u32.to_be_bytes());
        assert_eq!(t.index_of(&leaf_hash(&7u32.to_be_bytes())), Some(7));
        assert_eq!(t.index_of(&leaf_hash(&999u32.to_be_bytes())), Some(999));
        assert_eq!(t.index_of(&leaf_hash(b"absent")), None);
    }

    use super::*;
    use std::collections::HashMap;

    /// The RFC 6962 definitions, literally, over a slice of leaf hashes, with a
    /// memo keyed by absolute leaf range so that checking every size stays fast.
    struct Naive {
        leaves: Vec<Hash>,
        memo: HashMap<(usize, usize), Hash>,
    }

    impl Naive {
        fn mth(&mut self, a: usize, b: usize) -> Hash {
            if let Some(h) = self.memo.get(&(a, b)) {
                return *h;
            }
            let h = match b - a {
                0 => sigstore_crypto::sha256(b""),
                1 => self.leaves[a],
                n => {
                    let mut k = 1;
                    while k * 2 < n {
                        k *= 2;
                    }
                    let l = self.mth(a, a + k);
                    let r = self.mth(a + k, b);
                    node_hash(&l, &r)
                }
            };
            self.memo.insert((a, b), h);
            h
        }

        fn path(&mut self, m: usize, a: usize, b: usize) -> Vec<Hash> {
            let n = b - a;
            if n <= 1 {
                return Vec::new();
            }
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            if m < k {
                let mut p = self.path(m, a, a + k);
                p.push(self.mth(a + k, b));
                p
            } else {
                let mut p = self.path(m - k, a + k, b);
                p.push(self.mth(a, a + k));
                p
            }
        }

        fn subproof(&mut self, m: usize, a: usize, b: usize, whole: bool) -> Vec<Hash> {
            let n = b - a;
            if m == n {
                return if whole {
                    Vec::new()
                } else {
                    vec![self.mth(a, b)]
                };
            }
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            if m <= k {
                let mut p = self.subproof(m, a, a + k, whole);
                p.push(self.mth(a + k, b));
                p
            } else {
                let mut p = self.subproof(m - k, a + k, b, false);
                p.push(self.mth(a, a + k));
                p
            }
        }
    }

    /// splitmix64: a deterministic sampler, so a failure names its inputs.
    struct Sampler(u64);
    impl Sampler {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % n
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn roots_and_proofs_match_the_rfc_definitions_for_every_size_up_to_2048() {
        const MAX: usize = 2048;
        let all = leaves(MAX);
        let mut naive = Naive {
            leaves: all.clone(),
            memo: HashMap::new(),
        };
        let mut tree = MemoryTree::new();
        let mut sampler = Sampler(6962);
        for n in 1..=MAX {
            tree.push_hash(all[n - 1]);
            let size = n as u64;
            let expected_root = naive.mth(0, n);
            assert_eq!(tree.root(), expected_root, "root of size {n}");
            let slice = LeafSlice {
                offset: 0,
                hashes: &all[..n],
            };
            assert_eq!(root(&slice, size).unwrap(), expected_root, "slice root {n}");

            // Inclusion: the first, the last and sampled leaves.
            let mut indices = vec![0, size - 1];
            indices.extend((0..3).map(|_| sampler.below(size)));
            for m in indices {
                let proof = inclusion_proof(&tree, m, size).unwrap();
                assert_eq!(proof, naive.path(m as usize, 0, n), "path({m}, {n})");
                verify_inclusion(&all[m as usize], m, size, &proof, &expected_root).unwrap();
            }

            // Consistency: 1, n-1, a power of two, and sampled old sizes.
            let mut olds = vec![1, size - 1, size.next_power_of_two() / 2];
            olds.extend((0..3).map(|_| 1 + sampler.below(size)));
            for old in olds.into_iter().filter(|&o| o >= 1 && o <= size) {
                let proof = consistency_proof(&tree, old, size).unwrap();
                let expected = if old == size {
                    Vec::new()
                } else {
                    naive.subproof(old as usize, 0, n, true)
                };
                assert_eq!(proof, expected, "proof({old}, {n})");
                let old_root = naive.mth(0, old as usize);
                verify_consistency(old, size, &proof, &old_root, &expected_root).unwrap();
            }
        }
    }

    #[test]
    fn every_pair_verifies_up_to_64_leaves_and_every_tampered_hash_fails() {
        let all = leaves(64);
        let mut tree = MemoryTree::new();
        for (n, leaf) in all.iter().enumerate() {
            tree.push_hash(*leaf);
            let size = n as u64 + 1;
            let r = tree.root();
            for m in 0..size {
                let proof = inclusion_proof(&tree, m, size).unwrap();
                verify_inclusion(&all[m as usize], m, size, &proof, &r).unwrap();
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i] = leaf_hash(b"forged");
                    assert!(verify_inclusion(&all[m as usize], m, size, &bad, &r).is_err());
                }
            }
            for old in 1..=size {
                let proof = consistency_proof(&tree, old, size).unwrap();
                let old_root = root(&tree, old).unwrap();
                verify_consistency(old, size, &proof, &old_root, &r).unwrap();
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i] = leaf_hash(b"forged");
                    assert!(verify_consistency(old, size, &bad, &old_root, &r).is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_proof_nodes_lie_wholly_before_or_after_the_old_size() {
        for new in 2..300u64 {
            for old in 1..new {
                let ranges = consistency_proof_ranges(old, new).unwrap();
                let mut after: Vec<_> = ranges.iter().filter(|r| r.start >= old).collect();
                for r in &ranges {
                    assert!(r.end <= old || r.start >= old, "{r:?} straddles {old}");
                }
                // The new part is tiled exactly by the proof's nodes.
                after.sort_by_key(|r| r.start);
                let mut at = old;
                for r in after {
                    assert_eq!(r.start, at, "gap in ({old}, {new})");
                    at = r.end;
                }
                assert_eq!(at, new, "({old}, {new}) does not reach the end");
            }
        }
    }

    #[test]
    fn a_plain_function_of_the_index_serves_as_the_leaf_store() {
        let all = leaves(37);
        let store = LeafFn(|i: u64| -> Result<Hash, LogError> {
            all.get(i as usize)
                .copied()
                .ok_or(LogError::LeafMissing { index: i })
        });
        let mut tree = MemoryTree::new();
        all.iter().for_each(|h| {
            tree.push_hash(*h);
        });
        assert_eq!(root(&store, 37).unwrap(), tree.root());
        assert_eq!(
            consistency_proof(&store, 11, 37).unwrap(),
            consistency_proof(&tree, 11, 37).unwrap()
        );
        assert!(matches!(
            root(&store, 38),
            Err(LogError::LeafMissing { index: 37 })
        ));
    }

    #[test]
    fn rejects_inclusion_index_outside_the_tree() {
        assert!(matches!(
            inclusion_proof_ranges(5, 5),
            Err(LogError::IndexOutOfRange { index: 5, size: 5 })
        ));
    }

    #[test]
    fn rejects_consistency_between_a_larger_and_a_smaller_tree() {
        assert!(matches!(
            consistency_proof_ranges(6, 5),
            Err(LogError::SizeDecreased { old: 6, new: 5 })
        ));
    }

    #[test]
    fn rejects_a_nonempty_proof_from_the_empty_tree() {
        let t = {
            let mut t = MemoryTree::new();
            t.push(b"a");
            t
        };
        let err = verify_consistency(0, 1, &[t.root()], &empty_root(), &t.root()).unwrap_err();
        assert!(matches!(
            err,
            LogError::ConsistencyProof { old: 0, new: 1, .. }
        ));
    }
}
