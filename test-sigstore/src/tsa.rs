//! An RFC 3161 timestamp authority: a root and a signing leaf (critical
//! `timeStamping` extended key usage) and tokens as Sigstore's TSA issues
//! them: a CMS `SignedData` over a `TSTInfo` whose message imprint is the
//! SHA-256 of the bundle's signature, signed over the `contentType` and
//! `messageDigest` attributes with the leaf key of any [`SigningAlgorithm`].

use crate::algorithm::{AnyKeyPair, SigningAlgorithm};
use crate::ca::{self, TsaChain};
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode, Sequence, Tag};
use sigstore_types::DerCertificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const ID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const ID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const ID_SHA512: &str = "2.16.840.1.101.3.4.2.3";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
const ED25519: &str = "1.3.101.112";
const SHA256_WITH_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.11";
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
/// The policy the TSA names in each token.
const POLICY: &str = "1.3.6.1.4.1.57264.2";

/// RFC 3161 `TSTInfo`, the fields Sigstore's TSA writes.
#[derive(Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: u64,
    gen_time: GeneralizedTime,
}

#[derive(Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// A timestamp authority with its own root.
#[derive(Debug)]
pub(crate) struct TimestampAuthority {
    key: AnyKeyPair,
    chain: TsaChain,
    /// A signature algorithm written instead of the key's own.
    signature_oid: Option<&'static str>,
}

impl TimestampAuthority {
    /// A fresh authority whose root and signing keys are of `algorithm`.
    pub(crate) fn generate(algorithm: SigningAlgorithm) -> Self {
        let root_key = AnyKeyPair::generate(root_algorithm(algorithm));
        let key = AnyKeyPair::generate(algorithm);
        let chain = ca::tsa_chain(&root_key, &key.public_key_der());
        Self {
            key,
            chain,
            signature_oid: None,
        }
    }

    /// Write `oid` as the signer's signature algorithm from now on (a
    /// mislabelled token), or the key's own with `None`.
    pub(crate) fn set_signature_oid(&mut self, oid: Option<&'static str>) {
        self.signature_oid = oid;
    }

    /// The signing certificate.
    pub(crate) fn leaf(&self) -> &DerCertificate {
        &self.chain.leaf
    }

    /// The root certificate.
    pub(crate) fn root(&self) -> &DerCertificate {
        &self.chain.root
    }

    /// A `TimeStampToken` (DER `ContentInfo`) for `signature` at `time`.
    pub(crate) fn timestamp(
        &self,
        signature: &[u8],
        time: jiff::Timestamp,
        serial: u64,
    ) -> Vec<u8> {
        let since_epoch = std::time::Duration::from_secs(
            u64::try_from(time.as_second()).expect("time after 1970"),
        );
        let tst_info = TstInfo {
            version: 1,
            policy: oid(POLICY),
            message_imprint: MessageImprint {
                hash_algorithm: algorithm_id(ID_SHA256),
                hashed_message: OctetString::new(
                    sigstore_crypto::sha256(signature).as_bytes().to_vec(),
                )
                .expect("encode imprint"),
            },
            serial_number: serial,
            gen_time: GeneralizedTime::from_unix_duration(since_epoch)
                .expect("encode GeneralizedTime"),
        }
        .to_der()
        .expect("encode TSTInfo");
        let (digest_oid, digest) = self.digest(&tst_info);
        let attributes = SetOfVec::try_from(vec![
            attribute(
                ID_CONTENT_TYPE,
                Any::encode_from(&oid(ID_CT_TST_INFO)).expect("encode content type"),
            ),
            attribute(
                ID_MESSAGE_DIGEST,
                Any::new(Tag::OctetString, digest).expect("encode message digest"),
            ),
        ])
        .expect("signed attributes");
        let signature = self
            .key
            .sign(&attributes.to_der().expect("encode signed attributes"));
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.chain.leaf_issuer.clone(),
                serial_number: self.chain.leaf_serial.clone(),
            }),
            digest_alg: algorithm_id(digest_oid),
            signed_attrs: Some(attributes),
            signature_algorithm: algorithm_id(
                self.signature_oid
                    .unwrap_or_else(|| signature_oid(self.key.algorithm())),
            ),
            signature: OctetString::new(signature).expect("encode signature"),
            unsigned_attrs: None,
        };
        let signed_data = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![algorithm_id(digest_oid)])
                .expect("digest algorithms"),
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid(ID_CT_TST_INFO),
                econtent: Some(Any::new(Tag::OctetString, tst_info).expect("wrap TSTInfo")),
            },
            certificates: None,
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).expect("signer infos")),
        };
        ContentInfo {
            content_type: oid(ID_SIGNED_DATA),
            content: Any::encode_from(&signed_data).expect("encode SignedData"),
        }
        .to_der()
        .expect("encode TimeStampToken")
    }

    /// The CMS digest algorithm for this key (the hash it signs with, and
    /// SHA-512 for Ed25519) and `data`'s digest under it.
    fn digest(&self, data: &[u8]) -> (&'static str, Vec<u8>) {
        match self.key.algorithm() {
            SigningAlgorithm::EcdsaP384Sha384 => {
                (ID_SHA384, sigstore_crypto::sha384(data).as_bytes().to_vec())
            }
            SigningAlgorithm::EcdsaP521Sha512 | SigningAlgorithm::Ed25519 => {
                (ID_SHA512, sigstore_crypto::sha512(data).as_bytes().to_vec())
            }
            _ => (ID_SHA256, sigstore_crypto::sha256(data).as_bytes().to_vec()),
        }
    }
}

/// The root of a TSA whose leaf is `algorithm`: the same, except a PSS leaf
/// under a PKCS#1 v1.5 root (the test CA writes no PSS identifiers).
fn root_algorithm(algorithm: SigningAlgorithm) -> SigningAlgorithm {
    match algorithm {
        SigningAlgorithm::Rsa2048PssSha256
        | SigningAlgorithm::Rsa3072PssSha256
        | SigningAlgorithm::Rsa4096PssSha256 => SigningAlgorithm::Rsa2048Pkcs1Sha256,
        other => other,
    }
}

/// The CMS `signatureAlgorithm` of a signer key.
fn signature_oid(algorithm: SigningAlgorithm) -> &'static str {
    match algorithm {
        SigningAlgorithm::EcdsaP256Sha256 => ECDSA_WITH_SHA256,
        SigningAlgorithm::EcdsaP384Sha384 => ECDSA_WITH_SHA384,
        SigningAlgorithm::EcdsaP521Sha512 => ECDSA_WITH_SHA512,
        SigningAlgorithm::Ed25519 => ED25519,
        SigningAlgorithm::Rsa2048Pkcs1Sha256
        | SigningAlgorithm::Rsa3072Pkcs1Sha256
        | SigningAlgorithm::Rsa4096Pkcs1Sha256 => SHA256_WITH_RSA_ENCRYPTION,
        SigningAlgorithm::Rsa2048PssSha256
        | SigningAlgorithm::Rsa3072PssSha256
        | SigningAlgorithm::Rsa4096PssSha256 => RSASSA_PSS,
    }
}

fn attribute(id: &str, value: Any) -> Attribute {
    Attribute {
        oid: oid(id),
        values: SetOfVec::try_from(vec![value]).expect("attribute value"),
    }
}

fn algorithm_id(id: &str) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid(id),
        parameters: None,
    }
}

fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(text).expect("valid OID")
}
