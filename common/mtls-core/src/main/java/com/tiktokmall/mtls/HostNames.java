package com.tiktokmall.mtls;


import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/** Whether a certificate names a host (RFC 6125: DNS SANs with a left-most wildcard, or IP SANs). */
final class HostNames {
    private HostNames() {
    }

    static boolean matches(X509Certificate certificate, String host) {
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        for (String san : Certificates.subjectAltNames(certificate)) {
            if (ip && san.startsWith("IP:") && sameAddress(san.substring(3), host)) {
                return true;
            }
            if (!ip && san.startsWith("DNS:") && dnsMatches(san.substring(4).toLowerCase(Locale.ROOT),
                    host.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(pattern.substring(1));
        }
        return pattern.equals(host);
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
