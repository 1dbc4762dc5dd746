package com.tiktokmall.mtls.dropwizard.authorization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.Certificates;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The admin port's authorization: {@code /healthcheck} and {@code /ping} for any certificate the
 * TLS handshake accepted; {@code GET /prometheus} also for the identities of
 * {@code authorization.metrics} (a scraper, which may read metrics and nothing else); tasks,
 * metrics, threads, pprof and the rest only for the identities of {@code authorization.admin}
 * (none until {@code MtlsBundle.authorize} names them: closed by default). Every call gets the
 * caller's identity in the request log, and every call beyond the two open ones and the scrapes an
 * INFO line saying who did what — who changed a log level, who reloaded.
 */
public final class AdminAuthorizationFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(AdminAuthorizationFilter.class);
    private static final Set<String> OPEN = Set.of("/healthcheck", "/ping");
    /** What {@code authorization.metrics} may call: the Prometheus scrape (PrometheusEndpoint.PATH). */
    private static final String SCRAPE = "/prometheus";

    private final String trustDomain;
    private final ObjectMapper mapper;
    private volatile Set<SpiffeId> admins = Set.of();
    private volatile Set<SpiffeId> scrapers = Set.of();

    public AdminAuthorizationFilter(String trustDomain, ObjectMapper mapper) {
        this.trustDomain = trustDomain;
        this.mapper = mapper;
    }

    /**
     * From now on, {@code authorization.admin}'s identities may use everything on the admin port,
     * and {@code authorization.metrics}'s may {@code GET /prometheus}.
     */
    void allow(Set<SpiffeId> admins, Set<SpiffeId> scrapers) {
        this.admins = Set.copyOf(admins);
        this.scrapers = Set.copyOf(scrapers);
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        X509Certificate[] certificates = (X509Certificate[]) request.getAttribute(PeerAuthFilter.CERTIFICATES);
        X509Certificate leaf = certificates == null || certificates.length == 0 ? null : certificates[0];
        Optional<SpiffeId> identity = leaf == null ? Optional.empty() : SpiffeId.fromCertificate(leaf, trustDomain);
        String caller = identity.map(Object::toString).orElse(leaf == null ? "a caller without certificate"
                : "unidentified(" + Certificates.subject(leaf) + ")");
        request.setAttribute(PeerAuthFilter.LOG_ATTRIBUTE, caller);
        if (leaf != null) {
            request.setAttribute(PeerAuthFilter.SERIAL_LOG_ATTRIBUTE, leaf.getSerialNumber().toString(16));
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String call = request.getMethod() + " " + Certificates.printable(path);
        if (OPEN.contains(path)) {
            chain.doFilter(request, response);
            return;
        }
        if (identity.isPresent() && scrapers.contains(identity.get()) && !admins.contains(identity.get())) {
            if (SCRAPE.equals(path) && "GET".equals(request.getMethod())) {
                chain.doFilter(request, response); // a scrape every 30 s: the request log has it, no INFO line
                return;
            }
            LOG.info("admin call refused: {} by {} (authorization.metrics may only GET {})", call, caller, SCRAPE);
            refuse(response, caller + " may not call " + call + " on the admin port: authorization.metrics"
                    + " allows it only GET " + SCRAPE + "; everything else is for authorization.admin " + admins,
                    identity.get().toString());
            return;
        }
        if (identity.isEmpty() || !admins.contains(identity.get())) {
            LOG.info("admin call refused: {} by {} (authorization.admin: {})", call, caller, admins);
            refuse(response, caller + " may not call " + call + " on the admin port: only the identities of"
                    + " authorization.admin may " + admins, identity.map(Object::toString).orElse(null));
            return;
        }
        LOG.info("admin call: {} by {}", call, caller);
        chain.doFilter(request, response);
    }

    private void refuse(HttpServletResponse response, String message, String identity) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", HttpServletResponse.SC_FORBIDDEN);
        body.put("message", message);
        if (identity != null) {
            body.put("identity", identity);
        }
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        mapper.writeValue(response.getOutputStream(), body);
    }
}
