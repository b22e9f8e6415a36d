package org.kongjava.tls;

import java.net.Socket;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.kongjava.tls.UpstreamVerificationException.Reason;

/**
 * Verifies an upstream's certificate as nginx's {@code proxy_ssl_verify on} does, with reasons a log can name:
 * <ol>
 *   <li>the leaf is within its validity period ({@link Reason#EXPIRED});</li>
 *   <li>a PKIX path leads from the leaf, through the intermediates the server sent, to one of the trusted CAs
 *       ({@link Reason#UNKNOWN_CA}; revocation is not checked, as nginx does not without a CRL);</li>
 *   <li>the path has at most {@code depth} intermediate CAs, OpenSSL's verify depth ({@link Reason#DEPTH_EXCEEDED});</li>
 *   <li>the certificate names the host the connection is for ({@link Reason#NAME_MISMATCH}): the engine's peer host,
 *       which the gateway sets to the upstream Host (also sent as SNI).</li>
 * </ol>
 * Thread-safe and stateless per connection: one instance serves every connection of a context.
 */
final class UpstreamTrustManager extends X509ExtendedTrustManager {
    private final Set<TrustAnchor> anchors;
    private final X509Certificate[] issuers;
    private final int depth;
    private final boolean checkHost;

    UpstreamTrustManager(Collection<X509Certificate> trusted, int depth, boolean checkHost) {
        if (depth < 0) {
            throw new IllegalArgumentException("tls_verify_depth: " + depth + " (expected: >= 0)");
        }
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : trusted) {
            a.add(new TrustAnchor(c, null));
        }
        this.anchors = Set.copyOf(a);
        this.issuers = trusted.toArray(X509Certificate[]::new);
        this.depth = depth;
        this.checkHost = checkHost;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, engine == null ? null : engine.getPeerHost());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null);
    }

    /** The checks, in the order above; {@code host} null skips the name check (no name to check against). */
    void verify(X509Certificate[] chain, String host) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new UpstreamVerificationException(Reason.INVALID, "the upstream sent no certificate", null);
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new UpstreamVerificationException(Reason.EXPIRED, "certificate has expired (" + subject(leaf)
                    + ", Not After " + leaf.getNotAfter().toInstant() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new UpstreamVerificationException(Reason.EXPIRED, "certificate is not yet valid (" + subject(leaf)
                    + ", Not Before " + leaf.getNotBefore().toInstant() + ")", e);
        }
        if (anchors.isEmpty()) {
            throw new UpstreamVerificationException(Reason.UNKNOWN_CA, "unable to get local issuer certificate: no"
                    + " trusted CA is configured (service ca_certificates or lua_ssl_trusted_certificate)", null);
        }
        int intermediates = pathIntermediates(chain);
        if (intermediates > depth) {
            throw new UpstreamVerificationException(Reason.DEPTH_EXCEEDED, "certificate chain too long: "
                    + intermediates + " intermediate CA(s) between " + subject(leaf) + " and the trusted CA,"
                    + " tls_verify_depth is " + depth, null);
        }
        if (checkHost && host != null && !host.isEmpty() && !HostnameMatcher.matches(leaf, host)) {
            throw new UpstreamVerificationException(Reason.NAME_MISMATCH, "certificate does not match host name '"
                    + host + "' (it is for " + HostnameMatcher.names(leaf) + ")", null);
        }
    }

    /** Builds the path to a trust anchor; the number of certificates in it besides the leaf. */
    private int pathIntermediates(X509Certificate[] chain) throws CertificateException {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(chain[0]);
            PKIXBuilderParameters p = new PKIXBuilderParameters(anchors, target);
            p.setRevocationEnabled(false);
            p.setMaxPathLength(-1); // depth is checked on the result, to tell it apart from an unknown CA
            p.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(Arrays.asList(chain))));
            PKIXCertPathBuilderResult r = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(p);
            return r.getCertPath().getCertificates().size() - 1;
        } catch (CertPathBuilderException e) {
            Reason reason = Reason.UNKNOWN_CA;
            String why = "unable to get local issuer certificate: no trusted CA issued " + issuerOf(chain);
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof CertificateExpiredException || c instanceof CertificateNotYetValidException) {
                    reason = Reason.EXPIRED;
                    why = "a CA certificate in the chain is outside its validity period (" + c.getMessage() + ")";
                    break;
                }
            }
            throw new UpstreamVerificationException(reason, why, e);
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException e) {
            throw new UpstreamVerificationException(Reason.INVALID, "cannot verify the chain: " + e.getMessage(), e);
        }
    }

    /** The issuer of the last certificate sent: the CA the gateway would need to trust. */
    private static String issuerOf(X509Certificate[] chain) {
        return "'" + chain[chain.length - 1].getIssuerX500Principal().getName() + "'";
    }

    private static String subject(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("an upstream trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("an upstream trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("an upstream trust manager verifies servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return issuers.clone();
    }

    List<X509Certificate> trusted() {
        return List.of(issuers);
    }
}
