import type { Rule } from '../types.js';
import AUT001 from './AUT001-no-mesh-wide-strict.js';
import AUT002 from './AUT002-permissive-or-disable.js';
import AUT003 from './AUT003-destinationrule-disable-in-mesh.js';
import AUT004 from './AUT004-tls-origination-unverified.js';
import AUT005 from './AUT005-insecure-skip-verify.js';
import AUT006 from './AUT006-no-default-deny.js';
import AUT007 from './AUT007-allow-matches-everything.js';
import AUT008 from './AUT008-allow-negative-match.js';
import AUT009 from './AUT009-deny-paths-weak-normalization.js';
import AUT010 from './AUT010-hosts-without-port-twin.js';
import AUT011 from './AUT011-hosts-on-sidecar.js';
import AUT012 from './AUT012-identity-match-without-strict.js';
import AUT013 from './AUT013-selector-matches-nothing.js';
import AUT014 from './AUT014-custom-unknown-provider.js';
import AUT015 from './AUT015-requestauthn-without-authz.js';
import AUT016 from './AUT016-jwks-uri-unsafe.js';
import AUT017 from './AUT017-gateway-old-tls.js';
import AUT018 from './AUT018-http-without-redirect.js';
import AUT019 from './AUT019-passthrough-wildcard.js';
import AUT020 from './AUT020-lb-exposes-control-plane.js';
import AUT021 from './AUT021-l7-policy-on-ambient.js';
import AUT022 from './AUT022-credentialname-on-sidecars.js';
import AUT023 from './AUT023-duplicate-namespace-peerauthentication.js';
import AUT024 from './AUT024-jwks-fetch-unrestricted.js';
import AUT025 from './AUT025-policy-not-accepted.js';
import AUT026 from './AUT026-gateways-share-certificate.js';
import AUT027 from './AUT027-policy-names-unknown-namespace.js';
import AUT028 from './AUT028-destinationrule-tls-replaces-mesh-mtls.js';
import AUT029 from './AUT029-peerauthentication-rejected.js';
import AUT030 from './AUT030-custom-skipped-by-header.js';
import AUT031 from './AUT031-wasm-auth-fail-open.js';
import AUT032 from './AUT032-waypoint-policy-bypassed-by-pod-address.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [
  AUT001, AUT002, AUT003, AUT004, AUT005, AUT006, AUT007, AUT008, AUT009, AUT010, AUT011,
  AUT012, AUT013, AUT014, AUT015, AUT016, AUT017, AUT018, AUT019, AUT020, AUT021, AUT022, AUT023, AUT024, AUT025, AUT026, AUT027, AUT028, AUT029, AUT030, AUT031, AUT032,
];
