package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.dropwizard.config.TlsConfiguration;
import com.tiktokmall.mtls.dropwizard.server.MtlsConnectors;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsInspection;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code check-tls config.yml [--connect HOST:PORT [--expect SPIFFE_ID]]}: the troubleshooting list of the TikTokMall
 * guide, done by the program. Exit 0 when the tls block is good; otherwise non-zero with the same
 * message start-up would give.
 */
public final class CheckTlsCommand<C extends Configuration> extends ConfiguredCommand<C> {
    private final Application<C> application;
    private final Function<C, TlsConfiguration> tlsOf;
    private final Supplier<Clock> clock;
    private final PrintStream out;

    /** @param clock what "now" is for validity, as for the service itself */
    public CheckTlsCommand(Application<C> application, Function<C, TlsConfiguration> tlsOf, Supplier<Clock> clock,
                           PrintStream out) {
        super("check-tls", "Checks the tls block: files, chain, key match, EKU; with --connect, a real mTLS handshake");
        this.application = application;
        this.tlsOf = tlsOf;
        this.clock = clock;
        this.out = out;
    }

    @Override
    protected Class<C> getConfigurationClass() {
        return application.getConfigurationClass();
    }

    @Override
    public void configure(Subparser subparser) {
        super.configure(subparser);
        subparser.addArgument("--connect")
                .metavar("HOST:PORT")
                .help("also shake hands with HOST:PORT, presenting the client certificate of the tls block");
        subparser.addArgument("--expect")
                .metavar("SPIFFE_ID")
                .help("with --connect: the SPIFFE ID the server must present (instead of a certificate naming HOST)");
    }

    @Override
    protected void run(Bootstrap<C> bootstrap, Namespace namespace, C configuration) {
        TlsConfiguration tls = tlsOf.apply(configuration);
        if (!tls.isEnabled()) {
            throw TlsException.invalid("tls.enabled is false: this service speaks plain HTTP, so nothing is checked",
                    "set tls.enabled: true");
        }
        MtlsConnectors.requireMtls(configuration.getServerFactory()); // what start-up refuses, this refuses
        Clock now = clock.get();
        TlsOptions options = tls.options(tls.getProvider().install(), now);
        TlsReport report = new TlsReport(out, tls.getTrustDomain(), now.instant());
        TlsMaterial material;
        Optional<TlsFiles> files = tls.getFiles();
        if (files.isPresent()) {
            TlsInspection inspection = TlsInspection.of(files.get(), options);
            report.print(inspection);
            material = inspection.material();
        } else {
            try (TlsSource source = tls.getSource().build(options, tls.getTrustDomain())) {
                material = source.current();
                report.print(source, material);
            }
        }
        Optional<TlsFiles> database = tls.getDatabaseFiles();
        if (database.isPresent()) {
            TlsInspection inspection = TlsInspection.of(database.get(), options.toBuilder().crl(null).build());
            report.print(inspection);
            inspection.material(); // the first problem, naming its tls.database key
        }
        String target = namespace.getString("connect");
        String expect = namespace.getString("expect");
        if (expect != null && target == null) {
            throw TlsException.invalid("--expect needs --connect HOST:PORT", "add --connect");
        }
        if (target != null) {
            MtlsContext client = expect == null ? material.client() : material.client().expectingServer(SpiffeId.parse(expect));
            new TlsConnectCheck(out, tls.getTrustDomain()).connect(client, target);
        }
        out.println("OK: the tls block is good" + (target == null ? "" : " and " + target + " accepted us"));
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        StartupErrors.print(cli, "check-tls", e);
    }
}
