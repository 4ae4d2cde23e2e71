//! RFC 6962 Merkle tree hashes and inclusion proofs over a log's leaves.
//!
//! `sigstore-merkle` verifies proofs but does not produce them; this module
//! produces them with the same node hashing (`hash_leaf`: 0x00 prefix,
//! `hash_children`: 0x01 prefix), following RFC 6962 §2.1 (MTH) and §2.1.1
//! (PATH). The tree is recomputed from the leaf hashes on every call, which
//! is plenty for the handful of entries a test log holds.

use sigstore_merkle::hash_children;
use sigstore_types::Sha256Hash;

/// The Merkle tree hash (root) of `leaves`, each already a leaf hash.
pub(crate) fn root(leaves: &[Sha256Hash]) -> Sha256Hash {
    match leaves {
        [] => sigstore_crypto::sha256(&[]),
        [leaf] => *leaf,
        _ => {
            let split = split_point(leaves.len());
            hash_children(&root(&leaves[..split]), &root(&leaves[split..]))
        }
    }
}

/// The audit path of leaf `index` in the tree over `leaves`, ordered from
/// the leaf's sibling up to the root's child, as RFC 6962 `PATH(m, D[n])`.
pub(crate) fn inclusion_path(index: usize, leaves: &[Sha256Hash]) -> Vec<Sha256Hash> {
    assert!(
        index < leaves.len(),
        "leaf {index} outside a tree of {} leaves",
        leaves.len()
    );
    if leaves.len() == 1 {
        return Vec::new();
    }
    let split = split_point(leaves.len());
    if index < split {
        let mut path = inclusion_path(index, &leaves[..split]);
        path.push(root(&leaves[split..]));
        path
    } else {
        let mut path = inclusion_path(index - split, &leaves[split..]);
        path.push(root(&leaves[..split]));
        path
    }
}

/// The largest power of two strictly smaller than `n` (n ≥ 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigstore_merkle::{hash_leaf, verify_inclusion_proof};

    fn leaves(n: usize) -> Vec<Sha256Hash> {
        (0..n)
            .map(|i| hash_leaf(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_every_small_tree_has_a_proof_sigstore_merkle_accepts() {
        for size in 1..=17 {
            let tree = leaves(size);
            let tree_root = root(&tree);
            for index in 0..size {
                let path = inclusion_path(index, &tree);
                verify_inclusion_proof(&tree[index], index as u64, size as u64, &path, &tree_root)
                    .unwrap_or_else(|e| panic!("leaf {index} of {size}: {e}"));
            }
        }
    }

    #[test]
    fn root_of_two_leaves_is_node_hash_of_both() {
        let tree = leaves(2);
        assert_eq!(root(&tree), hash_children(&tree[0], &tree[1]));
    }

    #[test]
    fn proof_for_one_leaf_does_not_verify_another() {
        let tree = leaves(5);
        let path = inclusion_path(2, &tree);
        assert!(verify_inclusion_proof(&tree[3], 2, 5, &path, &root(&tree)).is_err());
    }
}
