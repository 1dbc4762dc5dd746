package com.tiktokmall.mtls.dropwizard.health;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.model.ResourceMethod;
import org.glassfish.jersey.server.monitoring.ApplicationEvent;
import org.glassfish.jersey.server.monitoring.ApplicationEventListener;
import org.glassfish.jersey.server.monitoring.RequestEvent;
import org.glassfish.jersey.server.monitoring.RequestEventListener;
import org.glassfish.jersey.uri.UriTemplate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http_server_request_duration_seconds{method, route, status}}: how long the application's
 * Jersey resources took to answer, from the request reaching Jersey to the response written, as a
 * histogram (buckets 5 ms to 10 s). Every label is bounded, whatever callers send: {@code route}
 * is the resource's path template ({@code /v1/orders/{order_id}}), never the path asked for, and
 * {@code unmatched} for a request no resource method matched (404, 405); {@code method} is one of
 * {@code server.allowedMethods} (Dropwizard answers any other 405 before Jersey sees it);
 * {@code status} is the response's code.
 */
final class RequestDurations implements ApplicationEventListener {
    static final String NAME = "http_server_request_duration_seconds";
    static final String UNMATCHED = "unmatched";
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final Histogram durations;
    /** One entry per resource method of the application: bounded by its code, not by callers. */
    private final Map<ResourceMethod, String> routes = new ConcurrentHashMap<>();

    RequestDurations(PrometheusRegistry registry) {
        this.durations = Histogram.builder().name(NAME).unit(Unit.SECONDS)
                .help("Time the application's resources took to answer, by method, route template and status code")
                .labelNames("method", "route", "status").classicUpperBounds(BUCKETS).classicOnly().register(registry);
    }

    @Override
    public void onEvent(ApplicationEvent event) {
    }

    @Override
    public RequestEventListener onRequest(RequestEvent start) {
        long started = System.nanoTime();
        return event -> {
            if (event.getType() == RequestEvent.Type.FINISHED) {
                durations.labelValues(event.getContainerRequest().getMethod(), route(event), status(event))
                        .observe((System.nanoTime() - started) / 1e9);
            }
        };
    }

    /** The route of the resource method matched, worked out once per method (the templates are the method's). */
    private String route(RequestEvent event) {
        ResourceMethod method = event.getUriInfo().getMatchedResourceMethod();
        if (method == null) {
            return UNMATCHED;
        }
        return routes.computeIfAbsent(method, m -> route(event.getUriInfo().getMatchedTemplates()));
    }

    /** The templates matched, outermost last, joined: the class's {@code @Path} and the method's. */
    private static String route(List<UriTemplate> templates) {
        StringBuilder route = new StringBuilder();
        for (int i = templates.size() - 1; i >= 0; i--) {
            route.append('/').append(templates.get(i).getTemplate());
        }
        String joined = route.toString().replaceAll("/{2,}", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    /** An exception no mapper took leaves no response: the container answers 500. */
    private static String status(RequestEvent event) {
        ContainerResponse response = event.getContainerResponse();
        return Integer.toString(response == null ? 500 : response.getStatus());
    }
}
