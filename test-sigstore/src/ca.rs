//! A Fulcio-like certificate authority: a self-signed root, an intermediate,
//! and short-lived code-signing leaves with Fulcio extensions and an
//! embedded SCT.
//!
//! Certificates are assembled from `x509-cert` types (already in the tree
//! through `sigstore-crypto`) and signed with `sigstore-crypto` key pairs, so
//! the TBS bytes the CT log signs are exactly the bytes a verifier rebuilds.

use std::str::FromStr;
use std::time::Duration;

use crate::algorithm::{AnyKeyPair, SigningAlgorithm};
use sigstore_types::DerCertificate;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::der::asn1::{
    BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString, UtcTime, Utf8StringRef,
};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use crate::ct::{self, CtLog};
use crate::identity::{IssuerEncoding, San};

const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
const ED25519: &str = "1.3.101.112";
const SHA256_WITH_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.11";
const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";
/// Subject organization of every test CA certificate.
pub(crate) const ORGANIZATION: &str = "sigstore.test";
/// Subject common name of the test root.
pub(crate) const ROOT_COMMON_NAME: &str = "sigstore";
/// Subject common name of the test intermediate.
pub(crate) const INTERMEDIATE_COMMON_NAME: &str = "sigstore-intermediate";

/// What a leaf certificate says; built from an [`crate::Identity`].
#[derive(Debug)]
pub(crate) struct LeafRequest<'a> {
    pub(crate) public_key_der: &'a [u8],
    pub(crate) san: &'a San,
    pub(crate) issuer: &'a str,
    pub(crate) issuer_encoding: IssuerEncoding,
    pub(crate) claims: &'a std::collections::BTreeMap<u32, String>,
    pub(crate) code_signing: bool,
    pub(crate) not_before: jiff::Timestamp,
    pub(crate) not_after: jiff::Timestamp,
    pub(crate) serial: u64,
}

/// How the leaf's embedded SCT is produced.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SctPlan<'a> {
    /// No SCT-list extension.
    None,
    /// An SCT from this log over the leaf's precertificate.
    Valid(&'a CtLog),
    /// An SCT from this log over a different precertificate.
    OverOtherPrecert(&'a CtLog),
}

/// A root and an intermediate that issues leaves.
#[derive(Debug)]
pub(crate) struct CertificateAuthority {
    root: DerCertificate,
    intermediate_key: AnyKeyPair,
    intermediate: DerCertificate,
    intermediate_spki: Vec<u8>,
    intermediate_name: Name,
}

impl CertificateAuthority {
    /// A fresh root (valid 2025–2035) and intermediate, both with keys of
    /// `algorithm` and signing with it (ECDSA P-256 by default).
    pub(crate) fn generate(algorithm: SigningAlgorithm) -> Self {
        let root_key = AnyKeyPair::generate(algorithm);
        let intermediate_key = AnyKeyPair::generate(algorithm);
        let root_name = name(ROOT_COMMON_NAME);
        let intermediate_name = name(INTERMEDIATE_COMMON_NAME);
        let not_before = timestamp("2025-01-01T00:00:00Z");
        let not_after = timestamp("2035-01-01T00:00:00Z");
        let root_spki = root_key.public_key_der();
        let intermediate_spki = intermediate_key.public_key_der();

        let root = sign(
            tbs(
                1,
                &root_name,
                &root_name,
                &root_spki,
                (not_before, not_after),
                ca_extensions(&root_spki, &root_spki, None),
                algorithm,
            ),
            &root_key,
        );
        let intermediate = sign(
            tbs(
                2,
                &root_name,
                &intermediate_name,
                &intermediate_spki,
                (not_before, not_after),
                ca_extensions(&intermediate_spki, &root_spki, Some(0)),
                algorithm,
            ),
            &root_key,
        );
        Self {
            root,
            intermediate_key,
            intermediate,
            intermediate_spki,
            intermediate_name,
        }
    }

    /// The self-signed root certificate.
    pub(crate) fn root(&self) -> &DerCertificate {
        &self.root
    }

    /// The intermediate that issues leaves.
    pub(crate) fn intermediate(&self) -> &DerCertificate {
        &self.intermediate
    }

    /// Issue a leaf certificate, with an embedded SCT as `sct` says.
    pub(crate) fn issue(&self, request: &LeafRequest<'_>, sct: SctPlan<'_>) -> DerCertificate {
        let extensions = leaf_extensions(request, &self.intermediate_spki);
        let mut tbs = tbs(
            request.serial,
            &self.intermediate_name,
            &Name::default(),
            request.public_key_der,
            (request.not_before, request.not_after),
            extensions,
            self.intermediate_key.algorithm(),
        );
        let sct_time_ms = u64::try_from(request.not_before.as_millisecond())
            .expect("certificate issued after 1970");
        let sct = match sct {
            SctPlan::None => None,
            SctPlan::Valid(log) => Some(log.sign_precert(
                &tbs.to_der().expect("encode precertificate TBS"),
                &self.intermediate_spki,
                sct_time_ms,
            )),
            SctPlan::OverOtherPrecert(log) => {
                let mut other = tbs.clone();
                other.serial_number = serial(request.serial ^ 0x5a5a);
                Some(log.sign_precert(
                    &other.to_der().expect("encode precertificate TBS"),
                    &self.intermediate_spki,
                    sct_time_ms,
                ))
            }
        };
        if let Some(sct) = sct {
            tbs.extensions.get_or_insert_with(Vec::new).push(extension(
                ct::SCT_LIST_OID,
                false,
                ct::sct_list_extension_value(&[sct]),
            ));
        }
        sign(tbs, &self.intermediate_key)
    }
}

/// A timestamp authority's certificates: a self-signed root and the signing
/// leaf, with the critical `timeStamping` extended key usage RFC 3161 asks
/// for, both valid 2025–2035.
#[derive(Debug)]
pub(crate) struct TsaChain {
    pub(crate) root: DerCertificate,
    pub(crate) leaf: DerCertificate,
    /// The leaf's issuer and serial number, which a CMS signer names.
    pub(crate) leaf_issuer: Name,
    pub(crate) leaf_serial: SerialNumber,
}

/// Certificates for a timestamp authority whose root key is `root_key` and
/// whose leaf (signing) key is `leaf_spki`.
pub(crate) fn tsa_chain(root_key: &AnyKeyPair, leaf_spki: &[u8]) -> TsaChain {
    let root_name = name("sigstore-tsa-root");
    let leaf_name = name("sigstore-tsa");
    let validity = (
        timestamp("2025-01-01T00:00:00Z"),
        timestamp("2035-01-01T00:00:00Z"),
    );
    let root_spki = root_key.public_key_der();
    let root = sign(
        tbs(
            1,
            &root_name,
            &root_name,
            &root_spki,
            validity,
            ca_extensions(&root_spki, &root_spki, Some(0)),
            root_key.algorithm(),
        ),
        root_key,
    );
    let extensions = vec![
        extension(
            "2.5.29.15",
            true,
            der(&KeyUsage(KeyUsages::DigitalSignature.into())),
        ),
        extension(
            "2.5.29.37",
            true,
            der(&ExtendedKeyUsage(vec![oid(TIME_STAMPING)])),
        ),
        extension(
            "2.5.29.14",
            false,
            der(&SubjectKeyIdentifier(key_identifier(leaf_spki))),
        ),
        extension(
            "2.5.29.35",
            false,
            der(&authority_key_identifier(&root_spki)),
        ),
    ];
    let leaf = sign(
        tbs(
            2,
            &root_name,
            &leaf_name,
            leaf_spki,
            validity,
            extensions,
            root_key.algorithm(),
        ),
        root_key,
    );
    TsaChain {
        root,
        leaf,
        leaf_issuer: root_name,
        leaf_serial: serial(2),
    }
}

fn leaf_extensions(request: &LeafRequest<'_>, issuer_spki: &[u8]) -> Vec<Extension> {
    let mut extensions = vec![extension(
        "2.5.29.15",
        true,
        der(&KeyUsage(KeyUsages::DigitalSignature.into())),
    )];
    if request.code_signing {
        extensions.push(extension(
            "2.5.29.37",
            false,
            der(&ExtendedKeyUsage(vec![oid(CODE_SIGNING)])),
        ));
    }
    extensions.push(extension(
        "2.5.29.14",
        false,
        der(&SubjectKeyIdentifier(key_identifier(
            request.public_key_der,
        ))),
    ));
    extensions.push(extension(
        "2.5.29.35",
        false,
        der(&authority_key_identifier(issuer_spki)),
    ));
    let general_name = match request.san {
        San::Uri(uri) => GeneralName::UniformResourceIdentifier(ia5(uri)),
        San::Email(email) => GeneralName::Rfc822Name(ia5(email)),
    };
    // The subject is empty, so RFC 5280 §4.2.1.6 requires a critical SAN.
    extensions.push(extension(
        "2.5.29.17",
        true,
        der(&SubjectAltName(vec![general_name])),
    ));
    if matches!(
        request.issuer_encoding,
        IssuerEncoding::Both | IssuerEncoding::LegacyOnly
    ) {
        extensions.push(fulcio_extension(1, request.issuer.as_bytes().to_vec()));
    }
    if matches!(
        request.issuer_encoding,
        IssuerEncoding::Both | IssuerEncoding::CurrentOnly
    ) {
        extensions.push(fulcio_extension(8, utf8_der(request.issuer)));
    }
    for (&arc, value) in request.claims {
        let encoded = if (2..=6).contains(&arc) {
            value.as_bytes().to_vec()
        } else {
            utf8_der(value)
        };
        extensions.push(fulcio_extension(arc, encoded));
    }
    extensions
}

fn ca_extensions(spki: &[u8], issuer_spki: &[u8], path_len: Option<u8>) -> Vec<Extension> {
    vec![
        extension(
            "2.5.29.15",
            true,
            der(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
        ),
        extension(
            "2.5.29.19",
            true,
            der(&BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            }),
        ),
        extension(
            "2.5.29.14",
            false,
            der(&SubjectKeyIdentifier(key_identifier(spki))),
        ),
        extension(
            "2.5.29.35",
            false,
            der(&authority_key_identifier(issuer_spki)),
        ),
    ]
}

fn tbs(
    serial_number: u64,
    issuer: &Name,
    subject: &Name,
    spki: &[u8],
    (not_before, not_after): (jiff::Timestamp, jiff::Timestamp),
    extensions: Vec<Extension>,
    signed_with: SigningAlgorithm,
) -> TbsCertificate {
    TbsCertificate {
        version: Version::V3,
        serial_number: serial(serial_number),
        signature: signature_algorithm(signed_with),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: time(not_before),
            not_after: time(not_after),
        },
        subject: subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(spki)
            .expect("decode SubjectPublicKeyInfo"),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    }
}

fn sign(tbs: TbsCertificate, key: &AnyKeyPair) -> DerCertificate {
    let signature = key.sign(&tbs.to_der().expect("encode TBS"));
    let certificate = Certificate {
        signature_algorithm: tbs.signature.clone(),
        tbs_certificate: tbs,
        signature: BitString::from_bytes(&signature).expect("encode signature"),
    };
    DerCertificate::new(certificate.to_der().expect("encode certificate"))
}

/// A positive serial number, 16 bytes, derived from `n`.
fn serial(n: u64) -> SerialNumber {
    let digest = sigstore_crypto::sha256(format!("serial {n}").as_bytes());
    let mut bytes = digest.as_bytes()[..16].to_vec();
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).expect("encode serial number")
}

/// The X.509 signature algorithm of a CA key: ECDSA with its curve's hash,
/// Ed25519, or RSA PKCS#1 v1.5 with SHA-256 (NULL parameters).
///
/// # Panics
/// For RSA-PSS, whose identifier this CA does not write.
fn signature_algorithm(algorithm: SigningAlgorithm) -> AlgorithmIdentifierOwned {
    let (id, parameters) = match algorithm {
        SigningAlgorithm::EcdsaP256Sha256 => (ECDSA_WITH_SHA256, None),
        SigningAlgorithm::EcdsaP384Sha384 => (ECDSA_WITH_SHA384, None),
        SigningAlgorithm::EcdsaP521Sha512 => (ECDSA_WITH_SHA512, None),
        SigningAlgorithm::Ed25519 => (ED25519, None),
        SigningAlgorithm::Rsa2048Pkcs1Sha256
        | SigningAlgorithm::Rsa3072Pkcs1Sha256
        | SigningAlgorithm::Rsa4096Pkcs1Sha256 => (
            SHA256_WITH_RSA_ENCRYPTION,
            Some(x509_cert::der::Any::from(x509_cert::der::asn1::Null)),
        ),
        other => panic!("a test CA does not sign with {}", other.name()),
    };
    AlgorithmIdentifierOwned {
        oid: oid(id),
        parameters,
    }
}

fn name(common_name: &str) -> Name {
    Name::from_str(&format!("CN={common_name},O={ORGANIZATION}")).expect("parse name")
}

/// A certificate time: UTCTime through 2049, GeneralizedTime from 2050, as
/// RFC 5280 §4.1.2.5 requires (strict verifiers reject anything else).
fn time(ts: jiff::Timestamp) -> Time {
    let since_epoch = Duration::from_secs(u64::try_from(ts.as_second()).expect("time after 1970"));
    let utc_until = timestamp("2050-01-01T00:00:00Z");
    if ts < utc_until {
        Time::UtcTime(UtcTime::from_unix_duration(since_epoch).expect("encode UTCTime"))
    } else {
        Time::GeneralTime(
            GeneralizedTime::from_unix_duration(since_epoch).expect("encode GeneralizedTime"),
        )
    }
}

pub(crate) fn timestamp(rfc3339: &str) -> jiff::Timestamp {
    rfc3339.parse().expect("valid RFC 3339 timestamp")
}

/// Subject/authority key identifier: first 20 bytes of SHA-256 of the SPKI.
fn key_identifier(spki: &[u8]) -> OctetString {
    OctetString::new(&sigstore_crypto::sha256(spki).as_bytes()[..20]).expect("encode key id")
}

fn authority_key_identifier(issuer_spki: &[u8]) -> AuthorityKeyIdentifier {
    AuthorityKeyIdentifier {
        key_identifier: Some(key_identifier(issuer_spki)),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    }
}

fn fulcio_extension(arc: u32, value: Vec<u8>) -> Extension {
    extension(&format!("{FULCIO_ARC}.{arc}"), false, value)
}

fn extension(oid_text: &str, critical: bool, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid(oid_text),
        critical,
        extn_value: OctetString::new(value).expect("encode extension value"),
    }
}

fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(text).expect("valid OID")
}

fn ia5(text: &str) -> Ia5String {
    Ia5String::new(text).expect("SAN is ASCII")
}

fn utf8_der(text: &str) -> Vec<u8> {
    Utf8StringRef::new(text)
        .and_then(|s| s.to_der())
        .expect("encode UTF8String")
}

fn der(value: &impl Encode) -> Vec<u8> {
    value.to_der().expect("encode extension")
}
